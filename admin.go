package streamfake

import (
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// AdminPrefix is the path under which the fake serves its own admin API,
// next to Cloudflare's routes. Cloudflare has no such path, so no Cloudflare
// client reaches it by accident, and admin requests are not in the request log.
const AdminPrefix = "/__streamfake/"

// WithAdminToken makes the admin API require "Authorization: Bearer token".
// By default it needs no credentials, since it only answers loopback clients.
func WithAdminToken(token string) Option {
	return func(c *config) { c.adminToken = token }
}

// WithRemoteAdmin lets the admin API answer clients that are not on
// loopback. Use it with WithAdminToken.
func WithRemoteAdmin() Option {
	return func(c *config) { c.adminRemote = true }
}

// WithTLSCertificate serves HTTPS with cert instead of httptest's
// certificate (it implies WithTLS). The standalone server uses it for a
// certificate it makes at start and writes to a file clients can trust.
func WithTLSCertificate(cert tls.Certificate) Option {
	return func(c *config) { c.tlsCert = &cert }
}

// adminError answers with {"error": message}.
func adminError(w http.ResponseWriter, status int, format string, args ...any) {
	adminJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// isLoopback reports whether a request's RemoteAddr is on loopback.
func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// maxAdminBody bounds what the admin API reads: a state dump of many inputs.
const maxAdminBody = 64 << 20

// serveAdmin serves the admin API: requests, faults, state,
// live_inputs/{uid}/status and health.
func (f *Fake) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if !f.cfg.adminRemote && !isLoopback(r.RemoteAddr) {
		adminError(w, http.StatusForbidden, "the admin API answers loopback clients only; start with WithRemoteAdmin (-admin-remote) to allow %s", r.RemoteAddr)
		return
	}
	if tok := f.cfg.adminToken; tok != "" {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
			adminError(w, http.StatusUnauthorized, "the admin API needs 'Authorization: Bearer <admin token>'")
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	if err != nil || len(body) > maxAdminBody {
		adminError(w, http.StatusRequestEntityTooLarge, "the body is unreadable or larger than %d bytes", maxAdminBody)
		return
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, AdminPrefix), "/"), "/")
	route := r.Method + " " + parts[0]
	switch {
	case route == "GET health" && len(parts) == 1:
		adminJSON(w, http.StatusOK, map[string]any{"status": "ok", "seed": f.seed, "accounts": f.Accounts()})
	case route == "GET requests" && len(parts) == 1:
		f.adminListRequests(w, r)
	case route == "DELETE requests" && len(parts) == 1:
		f.ClearRequests()
		w.WriteHeader(http.StatusNoContent)
	case route == "GET faults" && len(parts) == 1:
		adminJSON(w, http.StatusOK, f.Faults())
	case route == "POST faults" && len(parts) == 1:
		var rule FaultRule
		if err := strictJSON(body, &rule); err != nil {
			adminError(w, http.StatusBadRequest, "a fault rule must be JSON like {\"match\":{\"operation\":\"create\"},\"action\":{\"kind\":\"error\",\"status\":429,\"code\":971}}: %v", err)
			return
		}
		id, err := f.AddFault(rule)
		if err != nil {
			adminError(w, http.StatusBadRequest, "%v", err)
			return
		}
		adminJSON(w, http.StatusCreated, map[string]string{"id": id})
	case route == "DELETE faults" && len(parts) == 1:
		f.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case route == "DELETE faults" && len(parts) == 2:
		if !f.RemoveFault(parts[1]) {
			adminError(w, http.StatusNotFound, "no fault rule %q", parts[1])
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case route == "GET state" && len(parts) == 1:
		if err := f.SaveState(); err != nil {
			adminError(w, http.StatusInternalServerError, "writing the state file: %v", err)
			return
		}
		adminJSON(w, http.StatusOK, f.State())
	case (route == "PUT state" || route == "POST state") && len(parts) == 1:
		var s State
		if err := strictJSON(body, &s); err != nil {
			adminError(w, http.StatusBadRequest, "a state must be JSON as GET %sstate answers it: %v", AdminPrefix, err)
			return
		}
		if err := f.LoadState(s); err != nil {
			adminError(w, http.StatusBadRequest, "%v", err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case route == "DELETE state" && len(parts) == 1:
		f.Reset()
		w.WriteHeader(http.StatusNoContent)
	case (r.Method == "PUT" || r.Method == "POST") && len(parts) == 3 && parts[0] == "live_inputs" && parts[2] == "status":
		f.adminSetStatus(w, r, parts[1], body)
	default:
		adminError(w, http.StatusNotFound, "no admin route %s %s; see the README's admin API section", r.Method, r.URL.Path)
	}
}

// strictJSON decodes one JSON value and refuses unknown fields, so a typo
// in a rule ("times" as "time") is an error, not a silent no-op.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

func (f *Fake) adminSetStatus(w http.ResponseWriter, r *http.Request, uid string, body []byte) {
	var req struct {
		Status *Status `json:"status"`
	}
	if err := strictJSON(body, &req); err != nil || req.Status == nil {
		adminError(w, http.StatusBadRequest, "the body must be {\"status\": \"connected\"} (or another status, or \"\" for null): %v", err)
		return
	}
	account := r.URL.Query().Get("account")
	if account == "" {
		for _, a := range f.Accounts() {
			if _, ok := f.LiveInput(a, uid); ok {
				account = a
				break
			}
		}
	}
	if err := f.SetStatus(account, uid, *req.Status); err != nil {
		status := http.StatusNotFound
		if !req.Status.Valid() {
			status = http.StatusBadRequest
		}
		adminError(w, status, "%v", err)
		return
	}
	in, _ := f.LiveInput(account, uid)
	adminJSON(w, http.StatusOK, map[string]any{"account": account, "uid": uid, "status": in.Status})
}

// loggedRequest is a log entry as the admin API shows it: credentials
// redacted, JSON bodies as JSON.
type loggedRequest struct {
	Seq          int64         `json:"seq"`
	Time         time.Time     `json:"time"`
	Method       string        `json:"method"`
	Path         string        `json:"path"`
	Query        string        `json:"query,omitempty"`
	Operation    Operation     `json:"operation"`
	Account      string        `json:"account,omitempty"`
	LiveInput    string        `json:"liveInput,omitempty"`
	Output       string        `json:"output,omitempty"`
	Header       http.Header   `json:"header"`
	Body         any           `json:"body,omitempty"`
	Status       int           `json:"status"`
	ResponseBody any           `json:"responseBody,omitempty"`
	ErrorCodes   []int         `json:"errorCodes,omitempty"`
	Faults       []FaultRecord `json:"faults,omitempty"`
}

// bodyForJSON shows a JSON body as JSON, and anything else as a string.
func bodyForJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	return string(b)
}

func (f *Fake) adminListRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var status int
	if s := q.Get("status"); s != "" {
		var err error
		if status, err = strconv.Atoi(s); err != nil {
			adminError(w, http.StatusBadRequest, "status %q is not a number", s)
			return
		}
	}
	out := []loggedRequest{}
	for _, e := range f.Requests() {
		if (q.Get("operation") != "" && string(e.Operation) != q.Get("operation")) ||
			(q.Get("method") != "" && !strings.EqualFold(e.Method, q.Get("method"))) || (status != 0 && e.Status != status) {
			continue
		}
		out = append(out, loggedRequest{
			Seq: e.Seq, Time: e.Time, Method: e.Method, Path: e.Path, Query: e.RawQuery, Operation: e.Operation,
			Account: e.Account, LiveInput: e.LiveInput, Output: e.Output, Header: e.RedactedHeader(),
			Body: bodyForJSON(e.Body), Status: e.Status, ResponseBody: bodyForJSON(e.ResponseBody),
			ErrorCodes: e.ErrorCodes, Faults: e.Faults,
		})
	}
	adminJSON(w, http.StatusOK, map[string]any{"requests": out, "dropped": f.Dropped()})
}
