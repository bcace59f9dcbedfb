package streamfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/xeipuuv/gojsonschema"
	"strings"
)

// Operation names one operation of the live-input API.
type Operation string

// The operations the fake serves. OperationID gives Cloudflare's name for each.
const (
	OpUnmatched    Operation = "unmatched" // no route matched
	OpList         Operation = "list"
	OpCreate       Operation = "create"
	OpGet          Operation = "get"
	OpUpdate       Operation = "update"
	OpDelete       Operation = "delete"
	OpEnable       Operation = "enable"
	OpDisable      Operation = "disable"
	OpRotateKeys   Operation = "rotate_keys"
	OpListOutputs  Operation = "list_outputs"
	OpCreateOutput Operation = "create_output"
	OpUpdateOutput Operation = "update_output"
	OpDeleteOutput Operation = "delete_output"
)

// OperationID returns the operationId of Cloudflare's OpenAPI document.
func (op Operation) OperationID() string {
	switch op {
	case OpList:
		return "stream-live-inputs-list-live-inputs"
	case OpCreate:
		return "stream-live-inputs-create-a-live-input"
	case OpGet:
		return "stream-live-inputs-retrieve-a-live-input"
	case OpUpdate:
		return "stream-live-inputs-update-a-live-input"
	case OpDelete:
		return "stream-live-inputs-delete-a-live-input"
	case OpEnable:
		return "stream-live-inputs-enable-a-live-input"
	case OpDisable:
		return "stream-live-inputs-disable-a-live-input"
	case OpRotateKeys:
		return "stream-live-inputs-rotate-keys-for-a-live-input"
	case OpListOutputs:
		return "stream-live-inputs-list-all-outputs-associated-with-a-specified-live-input"
	case OpCreateOutput:
		return "stream-live-inputs-create-a-new-output,-connected-to-a-live-input"
	case OpUpdateOutput:
		return "stream-live-inputs-update-an-output"
	case OpDeleteOutput:
		return "stream-live-inputs-delete-an-output"
	}
	return ""
}

// response is what a handler answers, before it is written; fault rules
// may change or withhold it.
type response struct {
	status int
	header http.Header
	body   []byte
	codes  []int
}

// envelope is Cloudflare's response body.
type envelope struct {
	Success  bool       `json:"success"`
	Errors   []APIError `json:"errors"`
	Messages []APIError `json:"messages"`
	Result   any        `json:"result"`
}

func marshalEnvelope(env envelope) []byte { return encodeJSON(env) }

// encodeJSON encodes v without HTML escaping, so "<" in meta is echoed as
// sent rather than as \u003c.
func encodeJSON(v any) []byte {
	b := encodeBuffers.Get().(*bytes.Buffer)
	defer encodeBuffers.Put(b)
	b.Reset()
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a value JSON cannot hold gets here; the schemas keep them out.
		panic("streamfake: encoding a response: " + err.Error())
	}
	// The body outlives the buffer: it goes into the request log.
	return bytes.Clone(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// encodeBuffers saves growing a buffer for every response. A pool is not
// state: what it holds is never read back.
var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func success(result any) response {
	return response{status: http.StatusOK, body: marshalEnvelope(envelope{
		Success: true, Errors: []APIError{}, Messages: []APIError{}, Result: result,
	})}
}

// failure builds an error response. Every failure has a 4xx or 5xx status,
// because the official SDKs ignore success:false on a 200.
func failure(status int, errs ...APIError) response {
	codes := make([]int, len(errs))
	for i, e := range errs {
		codes[i] = e.Code
	}
	return response{status: status, codes: codes, body: marshalEnvelope(envelope{
		Success: false, Errors: errs, Messages: []APIError{},
	})}
}

// route is where a request goes.
type route struct {
	op                         Operation
	account, liveInput, output string
	// refusal is set when the path is recognised but cannot be served: a
	// malformed identifier or a method the path does not have.
	refusal *response
}

// segmentOps maps the action segment after a live input's uid to its operation.
func segmentOps(segment string) Operation {
	switch segment {
	case "enable":
		return OpEnable
	case "disable":
		return OpDisable
	case "rotate_keys":
		return OpRotateKeys
	}
	return ""
}

// parseRoute maps a method and path to an operation. It serves paths with
// and without /client/v4, because the Go SDK drops the prefix when its base
// URL has no path.
func parseRoute(method, path string) route {
	unmatched := route{op: OpUnmatched}
	p := path
	if strings.HasPrefix(p, "/client/v4/") {
		p = p[len("/client/v4"):]
	}
	s := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(s) < 4 || len(s) > 7 || s[0] != "accounts" || s[2] != "stream" || s[3] != "live_inputs" {
		return unmatched
	}
	// allowed lists the methods of the path, in the order of ops.
	var allowed []string
	var ops []Operation
	switch {
	case len(s) == 4:
		allowed, ops = []string{"GET", "POST"}, []Operation{OpList, OpCreate}
	case len(s) == 5:
		allowed, ops = []string{"GET", "PUT", "DELETE"}, []Operation{OpGet, OpUpdate, OpDelete}
	case len(s) == 6 && segmentOps(s[5]) != "":
		allowed, ops = []string{"POST"}, []Operation{segmentOps(s[5])}
	case len(s) == 6 && s[5] == "outputs":
		allowed, ops = []string{"GET", "POST"}, []Operation{OpListOutputs, OpCreateOutput}
	case len(s) == 7 && s[5] == "outputs":
		allowed, ops = []string{"PUT", "DELETE"}, []Operation{OpUpdateOutput, OpDeleteOutput}
	default:
		return unmatched
	}
	i := slices.Index(allowed, method)
	if i < 0 {
		resp := failure(http.StatusMethodNotAllowed, APIError{Code: CodeMethodNotAllowed, Message: fmt.Sprintf(MsgMethodNotAllowedFormat, method)})
		resp.header = http.Header{"Allow": {strings.Join(allowed, ", ")}}
		return route{op: OpUnmatched, refusal: &resp}
	}
	op := ops[i]
	rt := route{op: op, account: s[1]}
	if len(s) >= 5 {
		rt.liveInput = s[4]
	}
	if len(s) == 7 {
		rt.output = s[6]
	}
	// Cloudflare cannot route an id that is not an id: the account must be
	// 32 hex characters, and the spec caps the others at 32.
	if !isHex32(rt.account) || len(rt.liveInput) > 32 || len(rt.output) > 32 || (len(s) >= 5 && rt.liveInput == "") || (len(s) == 7 && rt.output == "") {
		unmatched.account, unmatched.liveInput, unmatched.output = rt.account, rt.liveInput, rt.output
		return unmatched
	}
	return rt
}

// refused returns the answer to a route that cannot be served, or nil.
func (rt route) refused(path string) *response {
	if rt.refusal != nil {
		return rt.refusal
	}
	if rt.op == OpUnmatched {
		return noRoute(path)
	}
	return nil
}

func noRoute(path string) *response {
	r := failure(http.StatusBadRequest,
		APIError{Code: CodeCouldNotRoute, Message: fmt.Sprintf(MsgCouldNotRouteFormat, path)},
		APIError{Code: CodeNoRouteForURI, Message: MsgNoRouteForURI})
	return &r
}

// Credential formats. Cloudflare's exact rules are not published; these
// accept every real credential and reject what real captures show rejected
// (a token sent as X-Auth-Key, an email that is not one). They are loops,
// not regular expressions, because they run on every request.

// validToken: an RFC 6750 b64token, [A-Za-z0-9-._~+/]+ then any "=".
func validToken(t string) bool {
	body := strings.TrimRight(t, "=")
	if body == "" {
		return false
	}
	for _, c := range []byte(body) {
		if !isAlnum(c) && !strings.ContainsRune("-._~+/", rune(c)) {
			return false
		}
	}
	return true
}

// validAPIKey: 32 to 48 lowercase hex characters (Global API keys are 37).
func validAPIKey(k string) bool { return len(k) >= 32 && len(k) <= 48 && isLowerHex(k) }

// validEmail: something@something, with no space and one "@".
func validEmail(e string) bool {
	at := strings.IndexByte(e, '@')
	return at > 0 && at < len(e)-1 && strings.Count(e, "@") == 1 && !strings.ContainsAny(e, " \t\r\n")
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isLowerHex(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// isHex32 reports whether s is a Cloudflare identifier: 32 lowercase hex characters.
func isHex32(s string) bool { return len(s) == 32 && isLowerHex(s) }

// authenticate checks credentials the way Cloudflare does (facts §4): format
// errors are 400s, credentials that are wrong or cannot reach the account
// are 403/10000. It returns nil when the request may proceed.
func (f *Fake) authenticate(h http.Header, accountID string) *response {
	denied := func() *response {
		r := failure(http.StatusForbidden, APIError{Code: CodeAuthenticationError, Message: MsgAuthenticationError})
		return &r
	}
	badHeaders := func(chain ...APIError) *response {
		r := failure(http.StatusBadRequest, APIError{Code: CodeInvalidRequestHeaders, Message: MsgInvalidRequestHeaders, ErrorChain: chain})
		return &r
	}
	var match func(credential) bool
	switch authz, email, key := h.Get("Authorization"), h.Get("X-Auth-Email"), h.Get("X-Auth-Key"); {
	case authz != "":
		scheme, token, _ := strings.Cut(authz, " ")
		if !strings.EqualFold(scheme, "Bearer") || !validToken(token) {
			return badHeaders(APIError{Code: CodeInvalidAuthorizationHeader, Message: MsgInvalidAuthorizationHeader})
		}
		match = func(c credential) bool { return c.token != "" && c.token == token }
	case email != "" && key != "":
		var chain []APIError
		if !validEmail(email) {
			chain = append(chain, APIError{Code: CodeInvalidEmailHeader, Message: MsgInvalidEmailHeader})
		}
		if !validAPIKey(key) {
			chain = append(chain, APIError{Code: CodeInvalidKeyHeader, Message: MsgInvalidKeyHeader})
		}
		if chain != nil {
			return badHeaders(chain...)
		}
		match = func(c credential) bool { return c.token == "" && c.email == email && c.key == key }
	case h.Get("X-Auth-User-Service-Key") != "":
		// A service key is a credential, but not one that reaches Stream.
		return denied()
	default:
		r := failure(http.StatusBadRequest, APIError{Code: CodeMissingCredentials, Message: MsgMissingCredentials})
		return &r
	}
	for _, c := range f.cfg.creds {
		if match(c) {
			if f.accounts[accountID] == nil || !c.reaches(accountID) {
				return denied()
			}
			return nil
		}
	}
	return denied()
}

// call is a routed, authenticated request with its body decoded.
type call struct {
	route
	rawQuery string
	body     map[string]any // the decoded body, for operations that take one
}

// handle serves one request: route, size limit, credentials, body, operation.
func (f *Fake) handle(rt route, r *http.Request, body []byte, tooLarge bool) response {
	if refusal := rt.refused(r.URL.Path); refusal != nil {
		return *refusal
	}
	if tooLarge {
		// The edge refuses an oversized body before anything else looks at it.
		return failure(http.StatusRequestEntityTooLarge, APIError{Code: CodeBodyTooLarge, Message: fmt.Sprintf(MsgBodyTooLargeFormat, f.cfg.maxBody)})
	}
	if denied := f.authenticate(r.Header, rt.account); denied != nil {
		return *denied
	}
	c := &call{route: rt, rawQuery: r.URL.RawQuery}
	if s := f.schemaFor(rt.op); s != nil {
		doc, fail := parseBody(r.Header, body, s)
		if fail != nil {
			return *fail
		}
		c.body = doc
	}
	return f.dispatch(c)
}

// schemaFor returns the body schema of an operation that takes a body.
func (f *Fake) schemaFor(op Operation) *gojsonschema.Schema {
	s := requestSchemas()
	switch op {
	case OpCreate, OpUpdate:
		return s.liveInput
	case OpCreateOutput:
		return s.outputCreate
	case OpUpdateOutput:
		return s.outputUpdate
	}
	return nil
}

// parseBody checks the Content-Type, decodes the body and validates it.
func parseBody(h http.Header, body []byte, s *gojsonschema.Schema) (map[string]any, *response) {
	fail := func(status int, errs ...APIError) (map[string]any, *response) {
		r := failure(status, errs...)
		return nil, &r
	}
	if ct := h.Get("Content-Type"); ct != "" && ct != "application/json" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return fail(http.StatusBadRequest, APIError{Code: CodeContentTypeNotJSON, Message: MsgContentTypeNotJSON})
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return fail(http.StatusBadRequest, APIError{Code: CodeMalformedJSON, Message: msgEmptyBody})
	}
	doc, err := decodeJSON(body)
	if err != nil {
		return fail(http.StatusBadRequest, APIError{Code: CodeMalformedJSON, Message: MsgMalformedJSON})
	}
	if errs := validate(s, doc); errs != nil {
		return fail(http.StatusBadRequest, errs...)
	}
	return doc.(map[string]any), nil // the schemas require an object
}

// dispatch runs the call's operation.
func (f *Fake) dispatch(c *call) response {
	switch c.op {
	case OpList:
		return f.listLiveInputs(c)
	case OpCreate:
		return f.createALiveInput(c)
	case OpGet:
		return f.retrieveALiveInput(c)
	case OpUpdate:
		return f.updateALiveInput(c)
	case OpDelete:
		return f.deleteALiveInput(c)
	case OpEnable:
		return f.enableALiveInput(c)
	case OpDisable:
		return f.disableALiveInput(c)
	case OpRotateKeys:
		return f.rotateKeysForALiveInput(c)
	case OpListOutputs:
		return f.listAllOutputs(c)
	case OpCreateOutput:
		return f.createANewOutput(c)
	case OpUpdateOutput:
		return f.updateAnOutput(c)
	case OpDeleteOutput:
		return f.deleteAnOutput(c)
	}
	panic("streamfake: no handler for " + string(c.op)) // parseRoute returns only the operations above
}

func notFound(msg string) response {
	return failure(http.StatusBadRequest, APIError{Code: CodeNotFound, Message: msg})
}

// withInput runs fn on the call's live input under the lock, or answers
// not found.
func (f *Fake) withInput(c *call, fn func(a *account, in *LiveInput) response) response {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	in := a.inputs[c.liveInput]
	if in == nil {
		return notFound(MsgLiveInputNotFound)
	}
	return fn(a, in)
}

// stream-live-inputs-list-live-inputs
func (f *Fake) listLiveInputs(c *call) response {
	query, _ := url.ParseQuery(c.rawQuery)
	switch query.Get("include_counts") {
	case "", "true", "false":
	default:
		return failure(http.StatusBadRequest, APIError{Code: CodeInvalidField, Message: msgIncludeCountsNotBoolean})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	items := make([]liveInputSummaryJSON, 0, len(a.order))
	for _, uid := range a.order {
		items = append(items, a.inputs[uid].summary())
	}
	// Every input is returned at once, so range (the count this response
	// covers) equals total.
	return success(struct {
		LiveInputs []liveInputSummaryJSON `json:"liveInputs"`
		Range      int                    `json:"range"`
		Total      int                    `json:"total"`
	}{items, len(items), len(items)})
}

// stream-live-inputs-create-a-live-input
func (f *Fake) createALiveInput(c *call) response {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	now := f.now()
	in := &LiveInput{
		UID: f.newID(), Created: now, Modified: now, Enabled: true,
		Recording: Recording{Mode: RecordingOff}, Secrets: f.newSecrets(),
	}
	applyLiveInputBody(in, c.body)
	a.add(in)
	return success(in.wire(a.customerCode))
}

// stream-live-inputs-retrieve-a-live-input
func (f *Fake) retrieveALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		return success(in.wire(a.customerCode))
	})
}

// stream-live-inputs-update-a-live-input
func (f *Fake) updateALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		applyLiveInputBody(in, c.body)
		in.Modified = f.now()
		return success(in.wire(a.customerCode))
	})
}

// stream-live-inputs-delete-a-live-input
func (f *Fake) deleteALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		a.remove(in.UID)
		return success(nil)
	})
}

// stream-live-inputs-enable-a-live-input
func (f *Fake) enableALiveInput(c *call) response { return f.setEnabled(c, true) }

// stream-live-inputs-disable-a-live-input
func (f *Fake) disableALiveInput(c *call) response { return f.setEnabled(c, false) }

func (f *Fake) setEnabled(c *call, enabled bool) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		in.Enabled = enabled
		in.Modified = f.now()
		return success(in.wire(a.customerCode))
	})
}

// stream-live-inputs-rotate-keys-for-a-live-input
func (f *Fake) rotateKeysForALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		in.Secrets = f.newSecrets()
		in.KeysRotatedAt = f.now()
		in.Modified = in.KeysRotatedAt
		return success(in.wire(a.customerCode))
	})
}

// stream-live-inputs-list-all-outputs-associated-with-a-specified-live-input
func (f *Fake) listAllOutputs(c *call) response {
	return f.withInput(c, func(_ *account, in *LiveInput) response {
		out := make([]outputJSON, 0, len(in.Outputs))
		for _, o := range in.Outputs {
			out = append(out, o.wire())
		}
		return success(out)
	})
}

// stream-live-inputs-create-a-new-output,-connected-to-a-live-input
func (f *Fake) createANewOutput(c *call) response {
	return f.withInput(c, func(_ *account, in *LiveInput) response {
		if len(in.Outputs) >= MaxOutputs {
			return failure(http.StatusBadRequest, APIError{Code: CodeTooManyOutputs, Message: fmt.Sprintf(MsgTooManyOutputsFormat, MaxOutputs)})
		}
		o := Output{UID: f.newID(), URL: c.body["url"].(string), StreamKey: c.body["streamKey"].(string), Enabled: true}
		if e, ok := c.body["enabled"].(bool); ok {
			o.Enabled = e
		}
		in.Outputs = append(in.Outputs, o)
		return success(o.wire())
	})
}

// withOutput runs fn on the call's output under the lock, or answers not found.
func (f *Fake) withOutput(c *call, fn func(in *LiveInput, i int) response) response {
	return f.withInput(c, func(_ *account, in *LiveInput) response {
		for i := range in.Outputs {
			if in.Outputs[i].UID == c.output {
				return fn(in, i)
			}
		}
		return notFound(MsgOutputNotFound)
	})
}

// stream-live-inputs-update-an-output
func (f *Fake) updateAnOutput(c *call) response {
	return f.withOutput(c, func(in *LiveInput, i int) response {
		in.Outputs[i].Enabled = c.body["enabled"].(bool)
		return success(in.Outputs[i].wire())
	})
}

// stream-live-inputs-delete-an-output
func (f *Fake) deleteAnOutput(c *call) response {
	return f.withOutput(c, func(in *LiveInput, i int) response {
		in.Outputs = append(in.Outputs[:i:i], in.Outputs[i+1:]...)
		return success(nil)
	})
}

// applyLiveInputBody sets the fields a validated create or update body
// carries; fields it leaves out stay as they are.
func applyLiveInputBody(in *LiveInput, body map[string]any) {
	for k, v := range body {
		switch k {
		case "defaultCreator":
			in.DefaultCreator = v.(string)
		case "deleteRecordingAfterDays":
			if v == nil {
				in.DeleteRecordingAfterDays = nil // null removes a scheduled deletion
			} else {
				d, _ := v.(json.Number).Float64() // the schema bounds it to a float64
				in.DeleteRecordingAfterDays = &d
			}
		case "enabled":
			in.Enabled = v.(bool)
		case "meta":
			in.Meta = encodeJSON(v)
		case "preferLowLatency":
			in.PreferLowLatency = v.(bool)
		case "recording":
			applyRecording(&in.Recording, v.(map[string]any))
		}
	}
}

func applyRecording(rec *Recording, body map[string]any) {
	for k, v := range body {
		switch k {
		case "allowedOrigins":
			origins := []string{}
			for _, o := range v.([]any) {
				origins = append(origins, o.(string))
			}
			rec.AllowedOrigins = origins
		case "hideLiveViewerCount":
			rec.HideLiveViewerCount = v.(bool)
		case "mode":
			rec.Mode = v.(string)
		case "requireSignedURLs":
			rec.RequireSignedURLs = v.(bool)
		case "timeoutSeconds":
			rec.TimeoutSeconds = integer(v.(json.Number))
		}
	}
}

// integer converts a JSON integer the schema has bounded to int64, including
// forms such as 1.0 and 1e3 that strconv rejects.
func integer(n json.Number) int64 {
	if i, err := n.Int64(); err == nil {
		return i
	}
	r, _ := new(big.Rat).SetString(string(n))
	return r.Num().Int64()
}

// readBody reads the request body. It keeps at most 8 times the limit for
// the log; a body over the limit is refused with 413 but still logged.
func (f *Fake) readBody(r *http.Request) (body []byte, tooLarge, truncated bool) {
	keep := 8 * f.cfg.maxBody
	if n := r.ContentLength; n >= 0 && n <= f.cfg.maxBody {
		// The common case: a declared, small body, read into a buffer of its size.
		body = make([]byte, n)
		read, _ := io.ReadFull(r.Body, body)
		return body[:read], false, false // a client that sent less than it declared: what arrived
	}
	body, _ = io.ReadAll(io.LimitReader(r.Body, keep+1))
	if int64(len(body)) > keep {
		body, truncated = body[:keep], true
	}
	return body, int64(len(body)) > f.cfg.maxBody, truncated
}

// ServeHTTP serves the live-input API and records every request. Fault
// rules may delay it, fail it, or damage its response, before or after the
// handler runs.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		f.serveAdmin(w, r)
		return
	}
	entry := &Request{
		Seq: f.log.nextSeq(), Time: f.now(), Method: r.Method,
		Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header,
	}
	// Logged however the request ends, even when a fault aborts it; the
	// paths that answer log it earlier, before the client can see the answer.
	defer f.log.finish(entry)
	body, tooLarge, truncated := f.readBody(r)
	entry.Body, entry.BodyTruncated = body, truncated
	rt := parseRoute(r.Method, r.URL.Path)
	entry.Operation, entry.Account, entry.LiveInput, entry.Output = rt.op, rt.account, rt.liveInput, rt.output
	if truncated {
		// The rest of the body is still unread; don't reuse the connection.
		w.Header().Set("Connection", "close")
	}

	p := f.faults.decide(entry)
	for _, d := range p.before {
		entry.Faults = append(entry.Faults, d.record)
		if !f.wait(r.Context(), d.wait) {
			f.cut(w, entry, false) // the client gave up, or the fake is closing
			return
		}
	}
	if p.final != nil && p.final.record.Phase == BeforeHandler {
		entry.Faults = append(entry.Faults, p.final.record)
		f.act(w, r, entry, p.final, nil)
		return
	}
	resp := f.handle(rt, r, body, tooLarge)
	for _, d := range p.after {
		entry.Faults = append(entry.Faults, d.record)
		if !f.wait(r.Context(), d.wait) {
			f.cut(w, entry, false)
			return
		}
	}
	if p.final != nil {
		entry.Faults = append(entry.Faults, p.final.record)
		f.act(w, r, entry, p.final, &resp)
		return
	}
	f.write(w, entry, resp)
}

// write sends a response. The entry is logged before the body goes out, so
// a client that has its answer finds its request in the log.
func (f *Fake) write(w http.ResponseWriter, entry *Request, resp response) {
	entry.Status, entry.ResponseBody, entry.ErrorCodes = resp.status, resp.body, resp.codes
	f.writeHeader(w, resp)
	f.log.add(entry)
	w.Write(resp.body)
}

func (f *Fake) writeHeader(w http.ResponseWriter, resp response) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
}
