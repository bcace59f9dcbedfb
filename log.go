package streamfake

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Request is one entry of the request log: what a client sent and what the
// fake answered. Entries returned by the Fake are copies.
//
// Credentials never print: String, GoString and MarshalJSON (the admin
// API's form) redact Authorization, X-Auth-Key and X-Auth-User-Service-Key
// in any letter case. Header itself holds them as sent, so assertions can
// check them.
type Request struct {
	Seq       int64       // 1 for the first request the fake received, and so on
	Time      time.Time   // when it arrived, by the fake's clock
	Method    string      // "GET" …
	Path      string      // as sent, with or without the /client/v4 prefix
	RawQuery  string      // the query, without "?"
	Operation Operation   // OpUnmatched when no route matched
	Account   string      // the account id in the path, if any
	LiveInput string      // the live input uid in the path, if any
	Output    string      // the output id in the path, if any
	Video     string      // the video uid in the path, if any
	Header    http.Header // as sent, credentials included
	// Body is what arrived of the request body: all of it, or, when
	// BodyTruncated is set, its first bytes (as many as the body limit,
	// WithMaxBodyBytes).
	Body []byte
	// BodySize is the body's length in bytes: what arrived, or, for a body
	// refused unread because its Content-Length was over the limit, the
	// length it declared.
	BodySize      int64
	BodyTruncated bool // Body holds only the first bytes
	// BodyIncomplete is set when the body ended before its declared length,
	// failed to arrive, or did not arrive in time (WithReadTimeout). Such a
	// request is never acted on.
	BodyIncomplete bool
	// DecodedBody is Body decoded as JSON (numbers as json.Number), or nil
	// when it is not JSON. It is decoded when the log is read, not when the
	// request is served, to keep the log small.
	DecodedBody any

	// InFlight is set while the fake is still serving the request (a delay
	// or a hang holds it, say): Status and the response fields are zero
	// until it ends.
	InFlight bool
	Status   int // 0 when a fault ended the connection without a response
	// ResponseBody is the body the fake answered, or its first bytes when
	// ResponseTruncated is set.
	ResponseBody      []byte
	ResponseSize      int64 // the whole response body's length
	ResponseTruncated bool  // ResponseBody holds only the first MiB
	ErrorCodes        []int // the codes of the envelope's errors, in order
	// Faults lists what fault rules did to this request, in order: delays,
	// then at most one action that ended it.
	Faults []FaultRecord
	// Panic is set when serving the request panicked: the fake answered 500
	// and this is the panic's message. It means a bug in the fake.
	Panic string
}

// Matched reports whether the request matched a route of the API.
func (r Request) Matched() bool { return r.Operation != OpUnmatched }

// credentialHeaders are the headers that carry secrets, blanked wherever a
// request is printed or served as JSON.
var credentialHeaders = [...]string{"Authorization", "X-Auth-Key", "X-Auth-User-Service-Key"}

// isCredentialHeader compares in any letter case: a header map built by
// hand (through Handler) may hold "authorization" as its key.
func isCredentialHeader(name string) bool {
	for _, c := range credentialHeaders {
		if strings.EqualFold(name, c) {
			return true
		}
	}
	return false
}

// redactHeader returns a copy of h with every credential replaced by
// "REDACTED", keeping an Authorization scheme ("Bearer REDACTED").
func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	for name, vals := range out {
		if !isCredentialHeader(name) {
			continue
		}
		for i, v := range vals {
			if scheme, _, ok := strings.Cut(v, " "); ok && strings.EqualFold(name, "Authorization") {
				vals[i] = scheme + " REDACTED"
			} else {
				vals[i] = "REDACTED"
			}
		}
	}
	return out
}

// RedactedHeader returns a copy of Header with credentials replaced by
// "REDACTED", keeping the scheme of Authorization ("Bearer REDACTED").
func (r Request) RedactedHeader() http.Header { return redactHeader(r.Header) }

// String renders the entry on a few lines, with credentials redacted.
func (r Request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s", r.Seq, r.Method, r.Path)
	if r.RawQuery != "" {
		b.WriteString("?" + r.RawQuery)
	}
	fmt.Fprintf(&b, " (%s) -> ", r.Operation)
	if r.InFlight {
		b.WriteString("in flight")
	} else {
		fmt.Fprintf(&b, "%d", r.Status)
	}
	if len(r.ErrorCodes) > 0 {
		fmt.Fprintf(&b, " codes %v", r.ErrorCodes)
	}
	for _, fr := range r.Faults {
		fmt.Fprintf(&b, " [fault %s]", fr)
	}
	if r.Panic != "" {
		fmt.Fprintf(&b, " [panic: %s]", r.Panic)
	}
	h := r.RedactedHeader()
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "\n    %s: %s", k, strings.Join(h[k], ", "))
	}
	if len(r.Body) > 0 {
		fmt.Fprintf(&b, "\n    body: %s", printable(r.Body))
		if r.BodyTruncated {
			fmt.Fprintf(&b, " (first %d of %d bytes)", len(r.Body), r.BodySize)
		}
	}
	if r.BodyIncomplete {
		fmt.Fprintf(&b, "\n    body incomplete: %d bytes arrived", r.BodySize)
	}
	return b.String()
}

// printable shows a body as it is when it is plain UTF-8 text, and quoted
// otherwise, so control bytes never reach a terminal.
func printable(b []byte) string {
	if utf8.Valid(b) && !bytes.ContainsFunc(b, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
		return string(b)
	}
	return strconv.Quote(string(b))
}

// requestFields has Request's fields and none of its methods, so GoString
// can print them with %#v without calling itself.
type requestFields Request

// GoString is %#v's form, with credentials redacted.
func (r Request) GoString() string {
	r.Header = r.RedactedHeader()
	s := fmt.Sprintf("%#v", requestFields(r))
	return strings.Replace(s, "streamfake.requestFields", "streamfake.Request", 1)
}

// BodyString shows the body for a person, on one line: as sent when it is
// printable UTF-8, quoted as a Go string when it holds control characters
// (line breaks, terminal escapes) or bytes that are not UTF-8, and cut
// after 4 KiB, saying how much more was sent. faketest prints it in its
// request dumps.
func (r Request) BodyString() string {
	const shown = 4 << 10
	body := r.Body
	if len(body) > shown {
		cut := shown
		for cut > shown-utf8.UTFMax && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut]
	}
	s := string(body)
	if !utf8.Valid(body) || strings.IndexFunc(s, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0 {
		s = strconv.Quote(s)
	}
	if more := max(r.BodySize, int64(len(r.Body))) - int64(len(body)); more > 0 {
		s += fmt.Sprintf(" … (%d more bytes)", more)
	}
	return s
}

// requestJSON is a Request's JSON form, the one the admin API serves:
// credentials redacted, bodies that are JSON shown as JSON, other text as a
// string, and bytes that are not UTF-8 in base64, so the output is always
// valid UTF-8 JSON.
type requestJSON struct {
	Seq               int64           `json:"seq"`
	Time              time.Time       `json:"time"`
	Method            string          `json:"method"`
	Path              string          `json:"path"`
	Query             string          `json:"query,omitempty"`
	Operation         Operation       `json:"operation"`
	Account           string          `json:"account,omitempty"`
	LiveInput         string          `json:"liveInput,omitempty"`
	Output            string          `json:"output,omitempty"`
	Video             string          `json:"video,omitempty"`
	Header            http.Header     `json:"header"`
	Body              json.RawMessage `json:"body,omitempty"`
	BodyBase64        string          `json:"bodyBase64,omitempty"`
	BodySize          int64           `json:"bodySize"`
	BodyTruncated     bool            `json:"bodyTruncated,omitempty"`
	BodyIncomplete    bool            `json:"bodyIncomplete,omitempty"`
	InFlight          bool            `json:"inFlight,omitempty"`
	Status            int             `json:"status"`
	ResponseBody      json.RawMessage `json:"responseBody,omitempty"`
	ResponseBase64    string          `json:"responseBase64,omitempty"`
	ResponseSize      int64           `json:"responseSize"`
	ResponseTruncated bool            `json:"responseTruncated,omitempty"`
	ErrorCodes        []int           `json:"errorCodes,omitempty"`
	Faults            []FaultRecord   `json:"faults,omitempty"`
	Panic             string          `json:"panic,omitempty"`
}

// MarshalJSON is the admin API's form of an entry, with credentials redacted.
func (r Request) MarshalJSON() ([]byte, error) {
	j := requestJSON{
		Seq: r.Seq, Time: r.Time, Method: r.Method, Path: r.Path, Query: r.RawQuery, Operation: r.Operation,
		Account: r.Account, LiveInput: r.LiveInput, Output: r.Output, Video: r.Video, Header: r.RedactedHeader(),
		BodySize: r.BodySize, BodyTruncated: r.BodyTruncated, BodyIncomplete: r.BodyIncomplete, InFlight: r.InFlight,
		Status: r.Status, ResponseSize: r.ResponseSize, ResponseTruncated: r.ResponseTruncated,
		ErrorCodes: r.ErrorCodes, Faults: r.Faults, Panic: r.Panic,
	}
	j.Body, j.BodyBase64 = bodyForJSON(r.Body)
	j.ResponseBody, j.ResponseBase64 = bodyForJSON(r.ResponseBody)
	return json.Marshal(j)
}

// bodyForJSON shows a body as JSON when it is UTF-8 JSON, as a JSON string
// when it is other UTF-8 text, and in base64 otherwise: raw bytes that are
// not UTF-8 would make the surrounding JSON invalid.
func bodyForJSON(b []byte) (asJSON json.RawMessage, base64Form string) {
	switch {
	case len(b) == 0:
		return nil, ""
	case !utf8.Valid(b):
		return nil, base64.StdEncoding.EncodeToString(b)
	case json.Valid(b):
		return json.RawMessage(b), ""
	}
	s, _ := json.Marshal(string(b))
	return s, ""
}

func (r *Request) clone() Request {
	c := *r
	c.Header = r.Header.Clone()
	c.Body = cloneBytes(r.Body)
	c.ResponseBody = cloneBytes(r.ResponseBody)
	c.ErrorCodes = append([]int(nil), r.ErrorCodes...)
	c.Faults = append([]FaultRecord(nil), r.Faults...)
	if len(c.Body) > 0 && !r.BodyTruncated {
		if doc, err := decodeJSON(c.Body); err == nil {
			c.DecodedBody = doc
		}
	}
	return c
}

// loggedSize is what an entry costs the log's byte budget: the bodies,
// headers, path and query it keeps, and a fixed allowance for the rest.
// Headers count: a client may send up to a megabyte of them with each
// request.
func (r *Request) loggedSize() int64 {
	const entryOverhead = 1 << 10 // the entry, its maps, codes and faults
	size := len(r.Body) + len(r.ResponseBody) + len(r.Path) + len(r.RawQuery) + len(r.Panic)
	for name, values := range r.Header {
		size += len(name)
		for _, v := range values {
			size += len(v)
		}
	}
	return int64(size) + entryOverhead
}

// answeredSize is the part of loggedSize that completing an entry sets.
func (r *Request) answeredSize() int64 { return int64(len(r.ResponseBody) + len(r.Panic)) }

// requestLog keeps the entries in arrival order (by Seq).
//
// An entry is published when its request has arrived (arrive), and
// completed once when its answer is known (complete). Between the two only
// complete changes it, under mu, so a reader never sees half an entry.
type requestLog struct {
	mu       sync.Mutex
	seq      atomic.Int64 // the last Seq given
	entries  []*Request
	limit    int   // most entries kept; 0: unbounded
	maxBytes int64 // most bytes kept (loggedSize); 0: unbounded
	bytes    int64 // what the entries cost, counted only with a maxBytes
	dropped  int64 // entries dropped because of limit or maxBytes
	changed  chan struct{}
}

func (l *requestLog) nextSeq() int64 { return l.seq.Add(1) }

// arrive publishes an entry whose request is being served. Requests arrive
// out of order when they run concurrently, so it is placed by Seq.
func (l *requestLog) arrive(r *Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r.InFlight = true
	i := len(l.entries)
	for i > 0 && l.entries[i-1].Seq > r.Seq {
		i--
	}
	l.entries = append(l.entries, nil)
	copy(l.entries[i+1:], l.entries[i:])
	l.entries[i] = r
	if l.maxBytes > 0 { // without a byte budget, the headers are not walked
		l.bytes += r.loggedSize()
	}
	l.trim()
	l.notify()
}

// complete records an entry's outcome. The entry may have been dropped or
// cleared meanwhile; then only the caller's copy changes.
func (l *requestLog) complete(r *Request, set func(*Request)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// complete changes only what answeredSize counts of loggedSize: the
	// request's headers, which cost a map walk, stay as they arrived.
	before := r.answeredSize()
	set(r)
	r.InFlight = false
	if l.holds(r) {
		if l.maxBytes > 0 {
			l.bytes += r.answeredSize() - before
		}
		l.trim()
	}
	l.notify()
}

// holds reports whether r is still in the log. The caller holds l.mu.
func (l *requestLog) holds(r *Request) bool {
	i := sort.Search(len(l.entries), func(i int) bool { return l.entries[i].Seq >= r.Seq })
	return i < len(l.entries) && l.entries[i] == r
}

// trim drops the oldest entries while the log is over its limits. The
// caller holds l.mu.
func (l *requestLog) trim() {
	n := 0
	for n < len(l.entries) && ((l.limit > 0 && len(l.entries)-n > l.limit) || (l.maxBytes > 0 && l.bytes > l.maxBytes && len(l.entries)-n > 1)) {
		if l.maxBytes > 0 {
			l.bytes -= l.entries[n].loggedSize()
		}
		n++
	}
	if n > 0 {
		clear(l.entries[:n])
		l.entries = l.entries[n:]
		l.dropped += int64(n)
	}
}

// notify wakes the waiters of WaitForRequests. The caller holds l.mu.
func (l *requestLog) notify() {
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

// snapshot returns copies of the entries that match, and a channel closed at
// the next change.
func (l *requestLog) snapshot(match func(*Request) bool) ([]Request, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Request
	for _, e := range l.entries {
		if match == nil || match(e) {
			out = append(out, e.clone())
		}
	}
	if l.changed == nil {
		l.changed = make(chan struct{})
	}
	return out, l.changed
}

// Requests returns copies of every logged request, in arrival order.
// Requests still being served are included, marked InFlight.
func (f *Fake) Requests() []Request {
	out, _ := f.log.snapshot(nil)
	return out
}

// RequestsFor returns copies of the logged requests of one operation.
func (f *Fake) RequestsFor(op Operation) []Request {
	out, _ := f.log.snapshot(func(r *Request) bool { return r.Operation == op })
	return out
}

// Unmatched returns the logged requests that matched no route.
func (f *Fake) Unmatched() []Request { return f.RequestsFor(OpUnmatched) }

// ClearRequests empties the log. Sequence numbers keep counting.
func (f *Fake) ClearRequests() {
	f.log.mu.Lock()
	defer f.log.mu.Unlock()
	f.log.entries = nil
	f.log.bytes = 0
}

// Dropped reports how many entries WithLogLimit and WithLogBytes have dropped.
func (f *Fake) Dropped() int64 {
	f.log.mu.Lock()
	defer f.log.mu.Unlock()
	return f.log.dropped
}

// WaitForRequests waits until at least n logged requests satisfy match (nil
// matches all), and returns them. A request counts from the moment it
// arrives, while it is still in flight. It returns ctx's error, with the
// requests seen so far, if ctx ends first, and ErrClosed if the fake is
// closed.
func (f *Fake) WaitForRequests(ctx context.Context, n int, match func(Request) bool) ([]Request, error) {
	// match runs on copies, outside the log's lock: it may itself read the
	// fake (Requests, LiveInput) or take its time without stalling requests.
	return waitFor(ctx, f.done, n, func() ([]Request, <-chan struct{}) {
		all, changed := f.log.snapshot(nil)
		return keep(all, match), changed
	})
}

// waitFor calls look until it returns at least n items, waiting for its
// channel between calls; it gives up when ctx ends (ctx's error) or the
// fake closes (ErrClosed), with what it saw last.
func waitFor[T any](ctx context.Context, closed <-chan struct{}, n int, look func() ([]T, <-chan struct{})) ([]T, error) {
	for {
		got, changed := look()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return got, ctx.Err()
		case <-closed:
			if got, _ = look(); len(got) >= n {
				return got, nil
			}
			return got, ErrClosed
		}
	}
}

// keep returns the items match accepts: all of them, for a nil match.
func keep[T any](items []T, match func(T) bool) []T {
	if match == nil {
		return items
	}
	var out []T
	for _, item := range items {
		if match(item) {
			out = append(out, item)
		}
	}
	return out
}

// ErrClosed is returned by WaitForRequests when the fake is closed first.
var ErrClosed = errors.New("streamfake: fake closed")
