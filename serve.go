package streamfake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// response is what a handler answers, before it is written; fault rules
// may change or withhold it.
type response struct {
	status int
	header http.Header
	body   []byte
	codes  []int
	// pooled, when set, is the buffer body lies in: the log copies what
	// it keeps, and ServeHTTP returns the buffer once the body is written.
	pooled *[]byte
}

// failure builds an error response. Every failure has a 4xx or 5xx status,
// because the official SDKs ignore success:false on a 200.
func failure(status int, errs ...APIError) response {
	codes := make([]int, len(errs))
	for i, e := range errs {
		codes[i] = e.Code
	}
	b := make([]byte, 0, 128+64*len(errs))
	b = append(b, `{"success":false,"errors":`...)
	b = appendAPIErrors(b, errs)
	b = append(b, `,"messages":[],"result":null}`...)
	return response{status: status, codes: codes, body: b}
}

// call is a routed, authenticated request with its body decoded.
type call struct {
	route
	rawQuery string
	body     map[string]any  // the decoded body, for operations that take one
	patch    *liveInputPatch // a create or update body, as the fields it sets
	// deliveries are the webhooks the operation caused, sent once its
	// lock is released.
	deliveries []*pending
}

// handle serves one request whose body has arrived: route, size limit,
// credentials, body, operation.
func (f *Fake) handle(rt route, r *http.Request, body arrivedBody) response {
	if refusal := rt.refused(r.URL.Path); refusal != nil {
		return *refusal
	}
	if body.tooLarge {
		// The edge refuses an oversized body before anything else looks at it.
		resp := failure(http.StatusRequestEntityTooLarge, APIError{Code: CodeBodyTooLarge, Message: fmt.Sprintf(msgBodyTooLargeFormat, f.cfg.maxBody)})
		resp.header = http.Header{"Connection": {"close"}} // the rest of the body is never read
		return resp
	}
	if denied := f.authenticate(r.Header, rt.account); denied != nil {
		return *denied
	}
	c := &call{route: rt, rawQuery: r.URL.RawQuery}
	if s := f.schemaFor(rt.op); s != nil {
		if fail := checkBodyHeaders(r.Header, body.data); fail != nil {
			return *fail
		}
		if s == requestSchemas().liveInput {
			if p, ok := fastLiveInputPatch(body.data); ok {
				c.patch = p
				return f.run(c)
			}
		}
		doc, fail := parseBody(body.data, s)
		if fail != nil {
			return *fail
		}
		c.body = doc
		if s == requestSchemas().liveInput {
			c.patch = patchFromBody(doc)
		}
	}
	return f.run(c)
}

// run dispatches a call, then sends the webhooks it caused.
func (f *Fake) run(c *call) response {
	resp := f.dispatch(c)
	f.enqueue(c.deliveries)
	return resp
}

// arrivedBody is what arrived of a request body.
type arrivedBody struct {
	data []byte
	size int64
	// tooLarge: over the limit, so refused; declared too large, it was not read.
	tooLarge bool
	// truncated: data holds the first bytes of a larger body.
	truncated bool
	// incomplete: the body ended before its declared length, or failed;
	// timedOut: it did not arrive within the read timeout.
	incomplete, timedOut bool
}

// readBody reads the request body, at most the limit and for at most the
// read timeout. A declared length over the limit is refused without
// reading a byte, so a client that waits for "100 Continue" gets its 413
// at once, and a huge upload costs nothing.
func (f *Fake) readBody(w http.ResponseWriter, r *http.Request) (b arrivedBody) {
	n := r.ContentLength
	if n == 0 || r.Body == nil || r.Body == http.NoBody {
		return b
	}
	if n > f.cfg.maxBody {
		return arrivedBody{size: n, tooLarge: true}
	}
	defer f.bodyDeadline(w)()
	var err error
	switch {
	case n > 0 && n <= preallocatedBody:
		// The common case: a declared, small body, read into a buffer of its size.
		b.data = make([]byte, n)
		var read int
		read, err = io.ReadFull(r.Body, b.data)
		b.data = b.data[:read]
	case n > 0:
		// A large declared size is only a claim: memory follows the bytes
		// that actually arrive.
		buf := bytes.NewBuffer(make([]byte, 0, preallocatedBody))
		_, err = buf.ReadFrom(io.LimitReader(r.Body, n))
		if b.data = buf.Bytes(); err == nil && int64(len(b.data)) < n {
			err = io.ErrUnexpectedEOF
		}
	default:
		b.data, err = io.ReadAll(io.LimitReader(r.Body, f.cfg.maxBody+1))
		if int64(len(b.data)) > f.cfg.maxBody {
			b.tooLarge, b.truncated = true, true
		}
	}
	b.size = int64(len(b.data))
	if b.truncated {
		b.data = b.data[:f.cfg.maxBody]
	}
	if err != nil {
		var ne net.Error
		b.incomplete, b.timedOut = true, errors.As(err, &ne) && ne.Timeout()
	}
	return b
}

// bodyDeadline gives a request's body f.cfg.readTimeout to arrive, and
// returns the function that lifts the deadline. It is a deadline for the
// body alone: the server's own ReadTimeout would also cut the requests
// that a fault deliberately holds. A recorder has no connection, and asking
// it for one costs an error value.
func (f *Fake) bodyDeadline(w http.ResponseWriter) (lift func()) {
	if canSetReadDeadline(w) {
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(f.cfg.readTimeout)) == nil {
			return func() { rc.SetReadDeadline(time.Time{}) }
		}
	}
	return func() {}
}

// preallocatedBody is the most readBody allocates before bytes arrive.
const preallocatedBody = 64 << 10

// canSetReadDeadline reports whether w, or a writer it wraps, can set a
// read deadline, as http.ResponseController looks for one.
func canSetReadDeadline(w http.ResponseWriter) bool {
	for {
		switch t := w.(type) {
		case interface{ SetReadDeadline(time.Time) error }:
			return true
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return false
		}
	}
}

// incompleteBody answers a request whose body did not fully arrive. Such a
// request is never acted on: what arrived may be a valid JSON prefix of
// what the client meant.
func (f *Fake) incompleteBody(r *http.Request, b arrivedBody) response {
	var resp response
	if b.timedOut {
		resp = failure(http.StatusRequestTimeout, APIError{Code: CodeRequestTimeout, Message: fmt.Sprintf(msgRequestTimeoutFormat, f.cfg.readTimeout)})
	} else {
		declared := "an unknown number of"
		if r.ContentLength > 0 {
			declared = strconv.FormatInt(r.ContentLength, 10)
		}
		resp = failure(http.StatusBadRequest, APIError{Code: CodeMalformedJSON, Message: fmt.Sprintf(msgIncompleteBodyFormat, b.size, declared)})
	}
	resp.header = http.Header{"Connection": {"close"}}
	return resp
}

// ServeHTTP serves the API and records every request. Fault rules may
// delay it, fail it, or damage its response, before or after the handler
// runs. A panic, which would be a bug in the fake, becomes a logged 500.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		f.serveAdmin(w, r)
		return
	}
	rt := parseRoute(r.Method, r.URL.Path)
	x := &exchange{f: f, w: w, r: r, entry: &Request{
		Seq: f.log.nextSeq(), Time: f.now(), Method: r.Method,
		Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header,
		Operation: rt.op, Account: rt.account, LiveInput: rt.liveInput, Output: rt.output, Video: rt.video,
	}}
	defer x.end()
	f.catchUp()
	body := f.readBody(w, r)
	x.entry.Body, x.entry.BodySize, x.entry.BodyTruncated, x.entry.BodyIncomplete = body.data, body.size, body.truncated, body.incomplete
	f.log.arrive(x.entry)
	if body.incomplete {
		x.write(f.incompleteBody(r, body))
		return
	}

	p := f.faults.decide(x.entry)
	for _, d := range p.before {
		x.faults = append(x.faults, d.record)
		if !f.wait(r.Context(), d.wait) {
			x.cut(false, nil) // the client gave up, or the fake is closing
			return
		}
	}
	if p.final != nil && p.final.record.Phase == BeforeHandler {
		x.faults = append(x.faults, p.final.record)
		x.act(p.final, nil)
		return
	}
	resp := f.handle(rt, r, body)
	defer resp.release()
	for _, d := range p.after {
		x.faults = append(x.faults, d.record)
		if !f.wait(r.Context(), d.wait) {
			x.cut(false, nil)
			return
		}
	}
	if p.final != nil {
		x.faults = append(x.faults, p.final.record)
		x.act(p.final, &resp)
		return
	}
	x.write(resp)
}

// exchange is one request being served: its log entry, published when the
// request arrived, and what completes it.
type exchange struct {
	f      *Fake
	w      http.ResponseWriter
	r      *http.Request
	entry  *Request
	faults []FaultRecord // what fault rules did, recorded when the entry completes
	logged bool          // the entry is complete
	wrote  bool          // some of a response went out
}

// maxLoggedResponse is how much of a response body the log keeps; the
// rest is counted in ResponseSize. The fake's responses are derived from
// its state, so their tails are not evidence worth memory.
const maxLoggedResponse = 1 << 20

// complete records the outcome in the log, once. resp is what the client
// got, or nil when the connection ended without a response; sent is the
// part of the body that went out before a cut.
func (x *exchange) complete(resp *response, sent []byte, panicMsg string) {
	if x.logged {
		return
	}
	x.logged = true
	x.f.log.complete(x.entry, func(e *Request) {
		e.Faults = x.faults
		e.Panic = panicMsg
		body := sent
		if resp != nil {
			e.Status, e.ErrorCodes, body = resp.status, resp.codes, resp.body
		}
		e.ResponseSize = int64(len(body))
		switch {
		case len(body) > maxLoggedResponse:
			// A copy: a slice of the body would keep all of it alive.
			body, e.ResponseTruncated = bytes.Clone(body[:maxLoggedResponse]), true
		case resp != nil && resp.pooled != nil:
			body = bytes.Clone(body) // the buffer goes back to the pool
		}
		e.ResponseBody = body
	})
}

// end completes the entry however the request ended. It recovers a panic
// into an enveloped 500, which faketest reports as a failure: never a
// dropped connection or a crashed test binary.
func (x *exchange) end() {
	p := recover()
	if p == nil {
		x.complete(nil, nil, "")
		return
	}
	if p == http.ErrAbortHandler { // deliberate: a connection fault without a connection
		x.complete(nil, nil, "")
		panic(p)
	}
	msg := fmt.Sprint(p)
	if x.logged || x.wrote {
		// Too late to answer; the log keeps what the client got.
		x.f.log.complete(x.entry, func(e *Request) { e.Panic = msg + "\n" + string(debug.Stack()) })
		return
	}
	resp := failure(http.StatusInternalServerError, APIError{Code: CodeInternalError, Message: msgInternalError + ": streamfake panicked: " + msg})
	x.complete(&resp, nil, msg+"\n"+string(debug.Stack()))
	x.send(resp)
}

// write sends a response. The entry is completed before the body goes out,
// so a client that has its answer finds its request in the log.
func (x *exchange) write(resp response) {
	x.complete(&resp, nil, "")
	x.send(resp)
}

func (x *exchange) send(resp response) {
	x.writeHeader(resp, false)
	x.w.Write(resp.body)
}

func (x *exchange) writeHeader(resp response, declareLength bool) {
	x.wrote = true
	h := x.w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = jsonContentType
	}
	// net/http sends the Content-Length of a body under 2 KiB written at
	// once by itself; a larger one, or one written in pieces (Dribble),
	// would go out chunked, so it is declared.
	if len(resp.body) >= 2048 || declareLength {
		h["Content-Length"] = []string{strconv.Itoa(len(resp.body))}
	}
	x.w.WriteHeader(resp.status)
}

// jsonContentType is every envelope's Content-Type. net/http never changes
// a header's values, so all responses can share one.
var jsonContentType = []string{"application/json"}

// cut ends the connection without a (complete) response: sent is what went
// out before. reset sends a TCP RST instead of a FIN. Without a connection
// to take over (a ResponseRecorder, HTTP/2) it aborts the handler, which
// net/http turns into a cut connection.
func (x *exchange) cut(reset bool, sent []byte) {
	x.complete(nil, sent, "")
	if conn := x.hijack(); conn != nil {
		if reset {
			setLingerZero(conn)
		}
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// hijack takes the connection over, or returns nil when there is none.
func (x *exchange) hijack() net.Conn {
	if hj, ok := x.w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			return conn
		}
	}
	return nil
}

func setLingerZero(conn net.Conn) {
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok { // TLS
		conn = nc.NetConn()
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
}
