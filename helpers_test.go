package streamfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Paths used across the tests.
const (
	accountA = DefaultAccountID
	accountB = "0123456789abcdef0123456789abcdef"
)

func inputsPath(account string) string {
	return "/client/v4/accounts/" + account + "/stream/live_inputs"
}

// bearer and legacy are header sets for the default credentials.
var (
	bearer = map[string]string{"Authorization": "Bearer " + DefaultToken}
	legacy = map[string]string{"X-Auth-Email": DefaultEmail, "X-Auth-Key": DefaultAPIKey}
)

// fataler is what the helpers need of a test: *testing.T and *rapid.T both have it.
type fataler interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// reply is a decoded response.
type reply struct {
	status int
	header http.Header
	raw    []byte
	env    struct {
		Success  bool              `json:"success"`
		Errors   []APIError        `json:"errors"`
		Messages []json.RawMessage `json:"messages"`
		Result   json.RawMessage   `json:"result"`
	}
}

func (r reply) codes() []int {
	var c []int
	for _, e := range r.env.Errors {
		c = append(c, e.Code)
	}
	return c
}

func (r reply) pointers() []string {
	var p []string
	for _, e := range r.env.Errors {
		if e.Source != nil {
			p = append(p, e.Source.Pointer)
		}
	}
	return p
}

// result decodes the envelope's result as a generic JSON object.
func (r reply) result(t fataler) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.env.Result, &m); err != nil {
		t.Fatalf("result is not an object: %v: %s", err, r.raw)
	}
	return m
}

// do sends one request through the fake's real listener.
func do(t fataler, f *Fake, method, path, body string, headers map[string]string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := reply{status: resp.StatusCode, header: resp.Header}
	if r.raw, err = io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(r.raw, &r.env); err != nil {
		t.Fatalf("%s %s: body is not a Cloudflare envelope: %v: %s", method, path, err, r.raw)
	}
	return r
}

// create posts a create body with the default token and fails the test
// unless it succeeds.
func create(t fataler, f *Fake, body string) map[string]any {
	t.Helper()
	r := do(t, f, "POST", inputsPath(accountA), body, bearer)
	if r.status != 200 {
		t.Fatalf("create %s: status %d: %s", body, r.status, r.raw)
	}
	return r.result(t)
}

// startFake starts a fake that is closed when the test ends.
func startFake(t testing.TB, opts ...Option) *Fake {
	t.Helper()
	f := New(opts...)
	t.Cleanup(f.Close)
	return f
}

// fixedClock returns a clock that starts at start and advances by step on
// every reading, so created and modified differ between calls.
func fixedClock(start time.Time, step time.Duration) func() time.Time {
	var mu = make(chan struct{}, 1)
	now := start
	return func() time.Time {
		mu <- struct{}{}
		defer func() { <-mu }()
		t := now
		now = now.Add(step)
		return t
	}
}

// serveRecorded serves one request through Handler, without a listener.
func serveRecorded(f *Fake, method, path, body string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.Handler().ServeHTTP(rec, req)
	return rec
}

// waitForGoroutines waits until the number of goroutines is back to at most
// want, and reports whether it got there before the deadline.
func waitForGoroutines(want int, within time.Duration) (int, bool) {
	deadline := time.Now().Add(within)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return n, true
		}
		if time.Now().After(deadline) {
			return n, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
