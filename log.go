package streamfake

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Request is one entry of the request log: what a client sent and what the
// fake answered. Entries returned by the Fake are copies.
type Request struct {
	Seq       int64     // 1 for the first request the fake received, and so on
	Time      time.Time // when it arrived, by the fake's clock
	Method    string
	Path      string // as sent, with or without the /client/v4 prefix
	RawQuery  string
	Operation Operation // OpUnmatched when no route matched
	Account   string    // the account id in the path, if any
	LiveInput string    // the live input uid in the path, if any
	Output    string    // the output id in the path, if any
	Header    http.Header
	Body      []byte
	// DecodedBody is Body decoded as JSON (numbers as json.Number), or nil
	// when it is not JSON. It is decoded when the log is read, not when the
	// request is served, to keep the log small.
	DecodedBody any
	// BodyTruncated is set when the body was larger than the log keeps
	// (8 times the body limit); Body then holds its beginning.
	BodyTruncated bool

	Status       int // 0 when a fault ended the connection without a response
	ResponseBody []byte
	ErrorCodes   []int // the codes of the envelope's errors, in order
	// Faults lists what fault rules did to this request, in order: delays,
	// then at most one action that ended it.
	Faults []FaultRecord
}

// Matched reports whether the request matched a route of the API.
func (r Request) Matched() bool { return r.Operation != OpUnmatched }

// redactedHeaders are the credential headers blanked wherever the log is printed.
var redactedHeaders = []string{"Authorization", "X-Auth-Key", "X-Auth-User-Service-Key"}

// RedactedHeader returns a copy of Header with credentials replaced by
// "REDACTED", keeping the scheme of Authorization ("Bearer REDACTED").
func (r Request) RedactedHeader() http.Header {
	h := r.Header.Clone()
	for _, name := range redactedHeaders {
		vals := h.Values(name)
		for i, v := range vals {
			if scheme, _, ok := strings.Cut(v, " "); ok && name == "Authorization" {
				vals[i] = scheme + " REDACTED"
			} else {
				vals[i] = "REDACTED"
			}
		}
	}
	return h
}

// String renders the entry on a few lines, with credentials redacted.
func (r Request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s", r.Seq, r.Method, r.Path)
	if r.RawQuery != "" {
		b.WriteString("?" + r.RawQuery)
	}
	fmt.Fprintf(&b, " (%s) -> %d", r.Operation, r.Status)
	if len(r.ErrorCodes) > 0 {
		fmt.Fprintf(&b, " codes %v", r.ErrorCodes)
	}
	for _, fr := range r.Faults {
		fmt.Fprintf(&b, " [fault %s]", fr)
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
		fmt.Fprintf(&b, "\n    body: %s", r.Body)
	}
	return b.String()
}

func (r *Request) clone() Request {
	c := *r
	c.Header = r.Header.Clone()
	c.Body = cloneBytes(r.Body)
	c.ResponseBody = cloneBytes(r.ResponseBody)
	c.ErrorCodes = append([]int(nil), r.ErrorCodes...)
	c.Faults = append([]FaultRecord(nil), r.Faults...)
	if len(c.Body) > 0 {
		if doc, err := decodeJSON(c.Body); err == nil {
			c.DecodedBody = doc
		}
	}
	return c
}

// requestLog keeps the entries in arrival order.
type requestLog struct {
	mu      sync.Mutex
	seq     int64
	entries []*Request
	limit   int   // 0: unbounded
	dropped int64 // entries dropped because of limit
	changed chan struct{}
	// inFlight holds the entries added whose handlers have not returned.
	inFlight map[*Request]struct{}
}

func (l *requestLog) nextSeq() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return l.seq
}

// add records a finished request. Requests finish out of order when they
// run concurrently, so the entry is placed by its sequence number.
//
// A request is added before its answer goes out and again, as a fallback,
// when its handler returns; inFlight makes the second call a no-op.
func (l *requestLog) add(r *Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, done := l.inFlight[r]; done {
		return
	}
	if l.inFlight == nil {
		l.inFlight = map[*Request]struct{}{}
	}
	l.inFlight[r] = struct{}{}
	i := len(l.entries)
	for i > 0 && l.entries[i-1].Seq > r.Seq {
		i--
	}
	l.entries = append(l.entries, nil)
	copy(l.entries[i+1:], l.entries[i:])
	l.entries[i] = r
	if l.limit > 0 && len(l.entries) > l.limit {
		n := len(l.entries) - l.limit
		clear(l.entries[:n])
		l.entries = l.entries[n:]
		l.dropped += int64(n)
	}
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
}

// finish adds r if no answer did, and forgets that it is in flight.
func (l *requestLog) finish(r *Request) {
	l.add(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.inFlight, r)
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
}

// Dropped reports how many entries WithLogLimit has dropped.
func (f *Fake) Dropped() int64 {
	f.log.mu.Lock()
	defer f.log.mu.Unlock()
	return f.log.dropped
}

// WaitForRequests waits until at least n logged requests satisfy match (nil
// matches all), and returns them. It returns ctx's error, with the requests
// seen so far, if ctx ends first, and ErrClosed if the fake is closed.
func (f *Fake) WaitForRequests(ctx context.Context, n int, match func(Request) bool) ([]Request, error) {
	var filter func(*Request) bool
	if match != nil {
		filter = func(r *Request) bool { return match(*r) }
	}
	for {
		got, changed := f.log.snapshot(filter)
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return got, ctx.Err()
		case <-f.done:
			got, _ = f.log.snapshot(filter)
			if len(got) >= n {
				return got, nil
			}
			return got, ErrClosed
		}
	}
}

// ErrClosed is returned by WaitForRequests when the fake is closed first.
var ErrClosed = fmt.Errorf("streamfake: fake closed")
