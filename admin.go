package streamfake

import (
	"bytes"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
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
// loopback, and lifts its guards against web pages (see serveAdmin). Use
// it with WithAdminToken.
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

// adminJSON answers compact JSON: indentation would make the output of a
// deeply nested body grow with the square of its depth. encoding/json
// writes valid UTF-8 whatever the strings hold.
func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
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

// isLoopbackHost reports whether a Host header (or an Origin's host) names
// this machine: localhost or a loopback address, with any port.
func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// maxAdminBody bounds what the admin API reads: a state dump of many inputs.
const maxAdminBody = 64 << 20

// adminGuard returns why a request may not use the admin API, with the
// status to answer, or 0.
//
// Without WithRemoteAdmin, the admin API serves loopback clients that name a
// loopback host, send no foreign Origin, and send JSON bodies as JSON. A web
// page in the user's browser can reach a loopback port, but not like that:
// a rebinding DNS name is not a loopback Host, a cross-site request carries
// its Origin, and a page can send application/json only after a CORS
// preflight, which the fake never approves.
func (f *Fake) adminGuard(r *http.Request) (int, string) {
	if !f.cfg.adminRemote {
		switch origin := r.Header.Get("Origin"); {
		case !isLoopback(r.RemoteAddr):
			return http.StatusForbidden, fmt.Sprintf("the admin API answers loopback clients only; start with WithRemoteAdmin (-admin-remote) to allow %s", r.RemoteAddr)
		case !isLoopbackHost(r.Host):
			return http.StatusForbidden, fmt.Sprintf("the admin API answers requests for a loopback host only, not Host %q", r.Host)
		case origin != "" && !loopbackOrigin(origin):
			return http.StatusForbidden, fmt.Sprintf("the admin API refuses requests from web pages (Origin %q)", origin)
		case r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody && !isJSONContentType(r.Header.Get("Content-Type")):
			return http.StatusUnsupportedMediaType, "an admin request with a body needs 'Content-Type: application/json'"
		}
	}
	if tok := f.cfg.adminToken; tok != "" {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
			return http.StatusUnauthorized, "the admin API needs 'Authorization: Bearer <admin token>'"
		}
	}
	return 0, ""
}

func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && isLoopbackHost(u.Host)
}

func isJSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// adminRoute is one route of the admin API. Its path may hold "{uid}",
// which reaches the handler as an argument.
type adminRoute struct {
	method, path, does string
	serve              func(f *Fake, w http.ResponseWriter, r *http.Request, arg string, body []byte)
}

// adminRoutes is the admin API, in the order GET /__streamfake/ lists it.
// It is never changed.
var adminRoutes = []adminRoute{
	{"GET", "", "this index", nil}, // served by serveAdmin: the index reads this table
	{"GET", "health", "the seed, the accounts, and the process's heap", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, _ []byte) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		adminJSON(w, http.StatusOK, map[string]any{"status": "ok", "seed": f.seed, "accounts": f.Accounts(),
			"heapAllocBytes": m.HeapAlloc, "heapSysBytes": m.HeapSys})
	}},
	{"GET", "requests", "the request log, credentials redacted; ?operation= ?method= ?status=", func(f *Fake, w http.ResponseWriter, r *http.Request, _ string, _ []byte) {
		f.adminListRequests(w, r)
	}},
	{"DELETE", "requests", "clear the request log", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, _ []byte) {
		f.ClearRequests()
		w.WriteHeader(http.StatusNoContent)
	}},
	{"GET", "faults", "the fault rules, with matched and fired counts", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, _ []byte) {
		adminJSON(w, http.StatusOK, f.Faults())
	}},
	{"POST", "faults", "add a fault rule (the JSON form of FaultRule)", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, body []byte) {
		f.adminAddFault(w, body)
	}},
	{"DELETE", "faults", "remove every fault rule", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, _ []byte) {
		f.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	}},
	{"DELETE", "faults/{uid}", "remove one fault rule", func(f *Fake, w http.ResponseWriter, _ *http.Request, id string, _ []byte) {
		if !f.RemoveFault(id) {
			adminError(w, http.StatusNotFound, "no fault rule %q", id)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}},
	{"GET", "state", "every account, live input and id draw (and write -state-file)", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, _ []byte) {
		f.adminGetState(w)
	}},
	{"PUT", "state", "load a state dump", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, body []byte) {
		f.adminLoadState(w, body)
	}},
	{"POST", "state", "load a state dump", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, body []byte) {
		f.adminLoadState(w, body)
	}},
	{"DELETE", "state", "delete every live input", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, _ []byte) {
		f.Reset()
		w.WriteHeader(http.StatusNoContent)
	}},
	{"GET", "clock", "the fake's time, and whether it is a manual clock", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, _ []byte) {
		_, manual := f.cfg.clock.(*ManualClock)
		adminJSON(w, http.StatusOK, map[string]any{"now": f.now(), "manual": manual})
	}},
	{"POST", "clock", `move a manual clock: {"advance":"90s"} or {"set":"2026-01-02T03:04:05Z"}`, func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, body []byte) {
		f.adminMoveClock(w, body)
	}},
	{"POST", "live_inputs/{uid}/connect", `a broadcaster connects: {"protocol":"rtmps"} (or srt, webrtc; rtmps without a body)`, func(f *Fake, w http.ResponseWriter, r *http.Request, uid string, body []byte) {
		var req struct {
			Protocol Protocol `json:"protocol"`
		}
		if len(body) > 0 {
			if err := strictJSON(body, &req); err != nil {
				adminError(w, http.StatusBadRequest, `the body must be {"protocol":"rtmps"} (or srt, webrtc): %v`, err)
				return
			}
		}
		if req.Protocol == "" {
			req.Protocol = ProtocolRTMPS
		}
		f.adminBroadcast(w, r, uid, func(account string) (LiveInput, error) { return f.Connect(account, uid, req.Protocol) })
	}},
	{"POST", "live_inputs/{uid}/disconnect", "the broadcaster leaves", func(f *Fake, w http.ResponseWriter, r *http.Request, uid string, _ []byte) {
		f.adminBroadcast(w, r, uid, func(account string) (LiveInput, error) { return f.Disconnect(account, uid) })
	}},
	{"POST", "live_inputs/{uid}/error", `a broadcast error: {"code":"ERR_GOP_OUT_OF_RANGE","message":"…","videoCodec":"…","audioCodec":"…"}`, func(f *Fake, w http.ResponseWriter, r *http.Request, uid string, body []byte) {
		var e BroadcastError
		if err := strictJSON(body, &e); err != nil {
			adminError(w, http.StatusBadRequest, `the body must be {"code":"ERR_GOP_OUT_OF_RANGE"}, with message, videoCodec and audioCodec if you like: %v`, err)
			return
		}
		f.adminBroadcast(w, r, uid, func(account string) (LiveInput, error) { return f.FailBroadcast(account, uid, e) })
	}},
	{"GET", "webhooks", "the webhook delivery log, secrets redacted", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, _ []byte) {
		adminJSON(w, http.StatusOK, map[string]any{"deliveries": orEmpty(f.Deliveries())})
	}},
	{"DELETE", "webhooks", "clear the delivery log", func(f *Fake, w http.ResponseWriter, _ *http.Request, _ string, _ []byte) {
		f.ClearDeliveries()
		w.WriteHeader(http.StatusNoContent)
	}},
	{"PUT", "live_inputs/{uid}/status", `set a live input's status: {"status":"connected"}`, func(f *Fake, w http.ResponseWriter, r *http.Request, uid string, body []byte) {
		f.adminSetStatus(w, r, uid, body)
	}},
	{"POST", "live_inputs/{uid}/status", `the same as PUT`, func(f *Fake, w http.ResponseWriter, r *http.Request, uid string, body []byte) {
		f.adminSetStatus(w, r, uid, body)
	}},
}

// match reports whether the route serves parts, and its argument.
func (ar adminRoute) match(parts []string) (string, bool) {
	want := strings.Split(ar.path, "/")
	if len(want) != len(parts) {
		return "", false
	}
	arg := ""
	for i, w := range want {
		switch {
		case w == "{uid}" && parts[i] != "":
			arg = parts[i]
		case w != parts[i]:
			return "", false
		}
	}
	return arg, true
}

// serveAdmin serves the admin API (adminRoutes).
func (f *Fake) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if status, why := f.adminGuard(r); status != 0 {
		adminError(w, status, "%s", why)
		return
	}
	lift := f.bodyDeadline(w)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	lift()
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		w.Header().Set("Connection", "close")
		adminError(w, http.StatusRequestTimeout, "the body did not arrive within %v", f.cfg.readTimeout)
		return
	case err != nil:
		w.Header().Set("Connection", "close")
		adminError(w, http.StatusBadRequest, "the body could not be read: %v", err)
		return
	case len(body) > maxAdminBody:
		w.Header().Set("Connection", "close")
		adminError(w, http.StatusRequestEntityTooLarge, "the body is larger than %d bytes", maxAdminBody)
		return
	}
	parts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, AdminPrefix), "/"), "/")
	var allowed []string
	for _, ar := range adminRoutes {
		arg, ok := ar.match(parts)
		if !ok {
			continue
		}
		if ar.method == r.Method {
			if ar.serve == nil {
				adminIndex(w)
				return
			}
			ar.serve(f, w, r, arg, body)
			return
		}
		allowed = append(allowed, ar.method)
	}
	if allowed != nil {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		adminError(w, http.StatusMethodNotAllowed, "%s %s takes %s", r.Method, r.URL.Path, strings.Join(allowed, ", "))
		return
	}
	adminError(w, http.StatusNotFound, "no admin route %s %s; GET %s lists them", r.Method, r.URL.Path, AdminPrefix)
}

// adminIndex lists the admin routes, one per line of the JSON.
func adminIndex(w http.ResponseWriter) {
	var b bytes.Buffer
	b.WriteString("{\"routes\":[\n")
	for i, ar := range adminRoutes {
		line, _ := json.Marshal(fmt.Sprintf("%-6s %s%s  %s", ar.method, AdminPrefix, ar.path, ar.does))
		b.Write(line)
		if i < len(adminRoutes)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	w.Header().Set("Content-Type", "application/json")
	w.Write(b.Bytes())
}

func (f *Fake) adminAddFault(w http.ResponseWriter, body []byte) {
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
}

// adminGetState answers the state, and writes the state file if there is
// one. A file that cannot be written is the caller's to fix (a directory
// removed since start), so it is a 409, not a failure of the fake.
func (f *Fake) adminGetState(w http.ResponseWriter) {
	if err := f.SaveState(); err != nil {
		adminError(w, http.StatusConflict, "the state file cannot be written: %v", err)
		return
	}
	adminJSON(w, http.StatusOK, f.State())
}

func (f *Fake) adminLoadState(w http.ResponseWriter, body []byte) {
	s, err := parseState(body)
	if err == nil {
		err = f.LoadState(s)
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, "%v", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *Fake) adminSetStatus(w http.ResponseWriter, r *http.Request, uid string, body []byte) {
	var req struct {
		Status *Status `json:"status"`
	}
	if err := strictJSON(body, &req); err != nil || req.Status == nil {
		adminError(w, http.StatusBadRequest, "the body must be {\"status\": \"connected\"} (or another status, or \"\" for null): %v", err)
		return
	}
	account, ok := f.accountOf(r.URL.Query().Get("account"), uid)
	if !ok {
		adminError(w, http.StatusNotFound, "no live input %q in %s", uid, f.accountsNamed(r.URL.Query().Get("account")))
		return
	}
	if err := f.SetStatus(account, uid, *req.Status); err != nil {
		adminError(w, http.StatusBadRequest, "%v", err)
		return
	}
	in, _ := f.LiveInput(account, uid)
	adminJSON(w, http.StatusOK, map[string]any{"account": account, "uid": uid, "status": json.RawMessage(appendStatus(nil, in.Status, f.now(), f.cfg.statusForm))})
}

func (f *Fake) adminMoveClock(w http.ResponseWriter, body []byte) {
	mc, ok := f.cfg.clock.(*ManualClock)
	if !ok {
		adminError(w, http.StatusConflict, "the fake reads the system clock; start it with -clock manual (WithClock(NewManualClock(t))) to move time")
		return
	}
	var req struct {
		Advance *Duration  `json:"advance"`
		Set     *time.Time `json:"set"`
	}
	if err := strictJSON(body, &req); err != nil || (req.Advance == nil) == (req.Set == nil) {
		adminError(w, http.StatusBadRequest, "the body must be {\"advance\":\"90s\"} or {\"set\":\"2026-01-02T03:04:05Z\"}, one of them: %v", err)
		return
	}
	var to time.Time
	if req.Advance != nil {
		to = mc.Now().Add(time.Duration(*req.Advance))
	} else {
		to = *req.Set
	}
	if err := checkTimeInRange(to); err != nil {
		adminError(w, http.StatusBadRequest, "the clock stays where it is: %v", err)
		return
	}
	mc.Set(to)
	adminJSON(w, http.StatusOK, map[string]any{"now": f.now(), "manual": true})
}

// adminBroadcast runs a broadcast method on the input uid (of the account
// in ?account=, or the first that holds it) and answers the input as the
// API shows it: 404 for an unknown input, 409 for a refusal (disabled,
// already connected, not connected), 400 for a bad value.
func (f *Fake) adminBroadcast(w http.ResponseWriter, r *http.Request, uid string, act func(account string) (LiveInput, error)) {
	account, ok := f.accountOf(r.URL.Query().Get("account"), uid)
	if !ok {
		adminError(w, http.StatusNotFound, "no live input %q in %s", uid, f.accountsNamed(r.URL.Query().Get("account")))
		return
	}
	in, err := act(account)
	switch {
	case errors.Is(err, ErrInputDisabled), errors.Is(err, ErrAlreadyConnected), errors.Is(err, ErrNotConnected):
		adminError(w, http.StatusConflict, "%v", err)
		return
	case errors.Is(err, ErrUnknownLiveInput):
		adminError(w, http.StatusNotFound, "%v", err)
		return
	case err != nil:
		adminError(w, http.StatusBadRequest, "%v", err)
		return
	}
	f.mu.Lock()
	code := f.accounts[account].customerCode
	f.mu.Unlock()
	body := appendLiveInput(nil, &in, code, f.now(), f.cfg.statusForm)
	adminJSON(w, http.StatusOK, map[string]any{"account": account, "liveInput": json.RawMessage(body), "broadcast": in.Broadcast})
}

// orEmpty makes a nil list an empty one, so JSON shows [] rather than null.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// accountOf finds the account holding a live input: the one given, or
// the first that holds it.
func (f *Fake) accountOf(account, uid string) (string, bool) {
	if account != "" {
		_, ok := f.LiveInput(account, uid)
		return account, ok
	}
	for _, a := range f.Accounts() {
		if _, ok := f.LiveInput(a, uid); ok {
			return a, true
		}
	}
	return "", false
}

// accountsNamed describes where accountOf looked, for an error.
func (f *Fake) accountsNamed(account string) string {
	if account != "" {
		return "account " + account
	}
	return "any account"
}

// requestFilters are the query parameters of GET /__streamfake/requests.
var requestFilters = []string{"operation", "method", "status"}

func (f *Fake) adminListRequests(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		adminError(w, http.StatusBadRequest, "the query is malformed: %v", err)
		return
	}
	for name, values := range q {
		switch {
		case !slices.Contains(requestFilters, name):
			adminError(w, http.StatusBadRequest, "unknown filter %q; the filters are %s", name, strings.Join(requestFilters, ", "))
			return
		case len(values) > 1:
			adminError(w, http.StatusBadRequest, "the filter %s is given %d times; give it once", name, len(values))
			return
		}
	}
	// status=0 is a filter too: the requests a fault ended without an
	// answer.
	status, filterStatus := 0, q.Has("status")
	if filterStatus {
		var err error
		if status, err = strconv.Atoi(q.Get("status")); err != nil || (status != 0 && (status < 100 || status > 599)) {
			adminError(w, http.StatusBadRequest, "status %q is not 0 (no answer) or an HTTP status", q.Get("status"))
			return
		}
	}
	op := Operation(q.Get("operation"))
	if ops := append(Operations(), OpUnmatched); op != "" && !slices.Contains(ops, op) {
		adminError(w, http.StatusBadRequest, "unknown operation %q; the operations are %s", op, joinOperations(ops))
		return
	}
	out := []Request{}
	for _, e := range f.Requests() {
		if (op != "" && e.Operation != op) || (q.Get("method") != "" && !strings.EqualFold(e.Method, q.Get("method"))) || (filterStatus && (e.Status != status || e.InFlight)) {
			continue
		}
		out = append(out, e)
	}
	adminJSON(w, http.StatusOK, map[string]any{"requests": out, "dropped": f.Dropped()})
}

func joinOperations(ops []Operation) string {
	s := make([]string, len(ops))
	for i, op := range ops {
		s[i] = string(op)
	}
	return strings.Join(s, ", ")
}
