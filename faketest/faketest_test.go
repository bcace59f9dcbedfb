package faketest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamfake/streamfake"
)

// recorder is a testing.TB that records failures instead of failing, so
// the tests can check what each helper prints.
type recorder struct {
	mu       sync.Mutex
	errors   []string
	fatal    bool
	cleanups []func()
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
	panic(fatalPanic{})
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

type fatalPanic struct{}

// run calls fn with the recorder, stopping at a Fatalf, then runs cleanups.
func (r *recorder) run(fn func(tb TB)) *recorder {
	func() {
		defer func() {
			if p := recover(); p != nil && p != (fatalPanic{}) {
				panic(p)
			}
		}()
		fn(r)
	}()
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	return r
}

func (r *recorder) output() string { return strings.Join(r.errors, "\n") }

// mustContain fails t unless the recorded failures contain every fragment.
func (r *recorder) mustContain(t *testing.T, fragments ...string) {
	t.Helper()
	if len(r.errors) == 0 {
		t.Fatalf("no failure recorded; want one containing %q", fragments)
	}
	for _, fr := range fragments {
		if !strings.Contains(r.output(), fr) {
			t.Errorf("failure message lacks %q:\n%s", fr, r.output())
		}
	}
}

func (r *recorder) mustPass(t *testing.T) {
	t.Helper()
	if len(r.errors) > 0 {
		t.Errorf("unexpected failure:\n%s", r.output())
	}
}

func request(t TB, f *streamfake.Fake, method, path, body string, header ...string) int {
	req, _ := http.NewRequest(method, f.URL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.Client().Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

const inputs = "/accounts/" + streamfake.DefaultAccountID + "/stream/live_inputs"

func TestNewPassesACleanTest(t *testing.T) {
	r := (&recorder{}).run(func(tb TB) {
		f := New(tb, With(streamfake.WithSeed(3)))
		if f.Seed() != 3 {
			tb.Errorf("seed %d", f.Seed())
		}
		request(tb, f, "POST", inputs, `{}`)
	})
	r.mustPass(t)
}

func TestNewFailsOnUnmatchedRequests(t *testing.T) {
	r := (&recorder{}).run(func(tb TB) {
		f := New(tb, With(streamfake.WithSeed(99)))
		request(tb, f, "GET", "/accounts/"+streamfake.DefaultAccountID+"/stream/videos", "")
	})
	r.mustContain(t, "request #1 GET /client/v4/accounts/"+streamfake.DefaultAccountID+"/stream/videos matched no route",
		"request log (seed 99, credentials redacted)", "Authorization: Bearer REDACTED")
	if strings.Contains(r.output(), streamfake.DefaultToken) {
		t.Errorf("the failure prints the token:\n%s", r.output())
	}
	(&recorder{}).run(func(tb TB) {
		f := New(tb, AllowUnmatched())
		request(tb, f, "GET", "/nowhere", "")
	}).mustPass(t)
}

func TestNewFailsOnUnexplainedServerErrors(t *testing.T) {
	// A 5xx a fault caused is expected; one with a different status than the
	// fault's would not be, but the fake itself never answers 5xx, so only
	// a fault can produce one: check both sides of causedByFault directly.
	(&recorder{}).run(func(tb TB) {
		f := New(tb)
		f.MustAddFault(streamfake.FaultRule{Action: streamfake.Unavailable(), Times: 1})
		request(tb, f, "POST", inputs, `{}`)
	}).mustPass(t)
	r := &recorder{}
	f := streamfake.New()
	defer f.Close()
	check(r, f, config{})
	r.mustPass(t)
	if causedByFault(streamfake.Request{Status: 500}) {
		t.Errorf("a 500 with no fault counts as caused by one")
	}
	if !causedByFault(streamfake.Request{Status: 503, Faults: []streamfake.FaultRecord{{Kind: streamfake.KindError, Status: 503}}}) {
		t.Errorf("a 503 from an error fault does not count as caused by it")
	}
	// A delay fault does not explain a 5xx.
	if causedByFault(streamfake.Request{Status: 500, Faults: []streamfake.FaultRecord{{Kind: streamfake.KindDelay}}}) {
		t.Errorf("a delay explains a 500")
	}
	r = &recorder{}
	check(r, f, config{})
	r.mustPass(t)
}

func TestNewFailsOnUnfiredRequiredRules(t *testing.T) {
	r := (&recorder{}).run(func(tb TB) {
		f := New(tb)
		f.MustAddFault(streamfake.FaultRule{Match: streamfake.FaultMatch{Operation: streamfake.OpDelete}, Action: streamfake.ServerError(), Required: true})
		request(tb, f, "POST", inputs, `{}`)
	})
	r.mustContain(t, "required fault rule fault-1 never fired (it matched 0 requests)")
	(&recorder{}).run(func(tb TB) {
		f := New(tb, AllowUnfiredRequired())
		f.MustAddFault(streamfake.FaultRule{Action: streamfake.ServerError(), Required: true, Match: streamfake.FaultMatch{Operation: streamfake.OpDelete}})
	}).mustPass(t)
}

func TestNewReportsBadOptions(t *testing.T) {
	r := (&recorder{}).run(func(tb TB) { New(tb, With(streamfake.WithAccount("nope"))) })
	r.mustContain(t, "faketest.New", `account id "nope"`)
	if !r.fatal {
		t.Errorf("a bad option did not stop the test")
	}
}

func TestAssertCount(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	request(t, f, "POST", inputs, `{}`)
	(&recorder{}).run(func(tb TB) { AssertCount(tb, f, streamfake.OpCreate, 1) }).mustPass(t)
	(&recorder{}).run(func(tb TB) { AssertCount(tb, f, streamfake.OpCreate, 2) }).
		mustContain(t, "1 create requests sent, want 2", "#1 POST")
}

func TestAssertBodies(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	request(t, f, "POST", inputs, `{"meta":{"name":"a"},"deleteRecordingAfterDays":45}`)
	request(t, f, "POST", inputs, `{"meta":{"name":"b"},"enabled":false}`)
	type body struct {
		Meta    map[string]string `json:"meta"`
		Enabled bool              `json:"enabled"`
		Days    float64           `json:"deleteRecordingAfterDays"`
	}
	a := map[string]any{"meta": map[string]any{"name": "a"}, "deleteRecordingAfterDays": 45}
	b := map[string]any{"meta": map[string]any{"name": "b"}, "enabled": false}

	(&recorder{}).run(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{a, b}) }).mustPass(t)
	// A struct's zero "enabled": false was not sent by the first request: not a difference...
	(&recorder{}).run(func(tb TB) {
		AssertBodies(tb, f, streamfake.OpCreate, []any{body{Meta: map[string]string{"name": "a"}, Days: 45}, body{Meta: map[string]string{"name": "b"}}})
	}).mustPass(t)
	// ...unless the match is exact; and a field that was sent must match.
	(&recorder{}).run(func(tb TB) {
		AssertBodies(tb, f, streamfake.OpCreate, []any{body{Meta: map[string]string{"name": "a"}, Days: 45}, b}, Exact())
	}).mustContain(t, "request #1 (create) body differs", "enabled")
	(&recorder{}).run(func(tb TB) {
		AssertBodies(tb, f, streamfake.OpCreate, []any{a, map[string]any{"meta": map[string]any{"name": "c"}}})
	}).mustContain(t, "request #2 (create) body differs", `-`, `"c"`, `+`, `"b"`)
	(&recorder{}).run(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{b, a}) }).
		mustContain(t, "request #1 (create) body differs")
	(&recorder{}).run(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{b, a}, AnyOrder()) }).mustPass(t)
	(&recorder{}).run(func(tb TB) {
		AssertBodies(tb, f, streamfake.OpCreate, []any{b, map[string]any{"meta": map[string]any{"name": "z"}}}, AnyOrder())
	}).mustContain(t, "no create request carried want[1]")
	(&recorder{}).run(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{a}) }).
		mustContain(t, "2 create requests sent, want 1 bodies")
	(&recorder{}).run(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{func() {}, a}) }).
		mustContain(t, "want[0] does not encode to JSON")
}

func TestAssertCredentials(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	request(t, f, "POST", inputs, `{}`)
	request(t, f, "GET", inputs, "", "Authorization", "", "X-Auth-Email", streamfake.DefaultEmail, "X-Auth-Key", streamfake.DefaultAPIKey)
	(&recorder{}).run(func(tb TB) { AssertCredentials(tb, f, streamfake.OpCreate, Token(streamfake.DefaultToken)) }).mustPass(t)
	(&recorder{}).run(func(tb TB) {
		AssertCredentials(tb, f, streamfake.OpList, APIKey(streamfake.DefaultEmail, streamfake.DefaultAPIKey))
	}).mustPass(t)
	r := (&recorder{}).run(func(tb TB) { AssertCredentials(tb, f, "", Token(streamfake.DefaultToken)) })
	r.mustContain(t, "request #2 (list) used email user@example.com with key …a194, want token …0000")
	if strings.Contains(r.output(), streamfake.DefaultAPIKey) {
		t.Errorf("the failure prints the key:\n%s", r.output())
	}
	if got := (Credentials{}).describe(); got != "no credentials" {
		t.Errorf("describe() = %q", got)
	}
}

func TestWaitFor(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	go func() {
		time.Sleep(10 * time.Millisecond)
		request(t, f, "POST", inputs, `{}`)
	}()
	(&recorder{}).run(func(tb TB) {
		got := WaitFor(tb, f, 1, func(r streamfake.Request) bool { return r.Operation == streamfake.OpCreate }, 5*time.Second)
		if len(got) != 1 {
			tb.Errorf("got %d", len(got))
		}
	}).mustPass(t)
	r := (&recorder{}).run(func(tb TB) { WaitFor(tb, f, 2, nil, 20*time.Millisecond) })
	r.mustContain(t, "waited 20ms for 2 matching requests, saw 1", "context deadline exceeded")
	if !r.fatal {
		t.Errorf("WaitFor did not stop the test")
	}
}
