package faketest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/streamfake/streamfake"
)

// recorded is what Run saw of a helper: its failures, and whether it
// stopped the test.
type recorded struct {
	failures []string
	fatal    bool
}

// record runs fn with Run's TB.
func record(fn func(tb TB)) *recorded {
	finished := false
	failures := Run(func(tb TB) {
		fn(tb)
		finished = true
	})
	return &recorded{failures: failures, fatal: !finished}
}

func (r *recorded) output() string { return strings.Join(r.failures, "\n") }

// mustContain fails t unless the recorded failures contain every fragment.
func (r *recorded) mustContain(t *testing.T, fragments ...string) {
	t.Helper()
	if len(r.failures) == 0 {
		t.Fatalf("no failure recorded; want one containing %q", fragments)
	}
	for _, fr := range fragments {
		if !strings.Contains(r.output(), fr) {
			t.Errorf("failure message lacks %q:\n%s", fr, r.output())
		}
	}
}

func (r *recorded) mustPass(t *testing.T) {
	t.Helper()
	if len(r.failures) > 0 {
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
	r := record(func(tb TB) {
		f := New(tb, With(streamfake.WithSeed(3)))
		if f.Seed() != 3 {
			tb.Errorf("seed %d", f.Seed())
		}
		request(tb, f, "POST", inputs, `{}`)
	})
	r.mustPass(t)
}

func TestNewFailsOnUnmatchedRequests(t *testing.T) {
	r := record(func(tb TB) {
		f := New(tb, With(streamfake.WithSeed(99)))
		request(tb, f, "GET", "/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs/x/videos/y", "")
	})
	r.mustContain(t, "request #1 GET /client/v4/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs/x/videos/y matched no route",
		"request log (seed 99, credentials redacted)", "Authorization: Bearer REDACTED")
	if strings.Contains(r.output(), streamfake.DefaultToken) {
		t.Errorf("the failure prints the token:\n%s", r.output())
	}
	record(func(tb TB) {
		f := New(tb, AllowUnmatched())
		request(tb, f, "GET", "/nowhere", "")
	}).mustPass(t)
}

func TestNewFailsOnUnexplainedServerErrors(t *testing.T) {
	// A 5xx a fault caused is expected; one with a different status than the
	// fault's would not be, but the fake itself never answers 5xx, so only
	// a fault can produce one: check both sides of causedByFault directly.
	record(func(tb TB) {
		f := New(tb)
		f.MustAddFault(streamfake.FaultRule{Action: streamfake.Unavailable(), Times: 1})
		request(tb, f, "POST", inputs, `{}`)
	}).mustPass(t)
	f := streamfake.New()
	defer f.Close()
	record(func(tb TB) { check(tb, f, config{}) }).mustPass(t)
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
	record(func(tb TB) { check(tb, f, config{}) }).mustPass(t)
	// A 500 from a panic in the fake is reported as the fake's bug.
	record(func(tb TB) {
		f := New(tb)
		f.MustAddFault(streamfake.FaultRule{Match: streamfake.FaultMatch{Predicate: func(streamfake.Request) bool { panic("boom") }}, Action: streamfake.ServerError()})
		request(tb, f, "POST", inputs, `{}`)
	}).mustContain(t, "got 500, because the fake panicked", "boom")
}

func TestNewFailsOnUnfiredRequiredRules(t *testing.T) {
	r := record(func(tb TB) {
		f := New(tb)
		f.MustAddFault(streamfake.FaultRule{Match: streamfake.FaultMatch{Operation: streamfake.OpDelete}, Action: streamfake.ServerError(), Required: true})
		request(tb, f, "POST", inputs, `{}`)
	})
	r.mustContain(t, "required fault rule fault-1 never fired (it matched 0 requests)")
	record(func(tb TB) {
		f := New(tb, AllowUnfiredRequired())
		f.MustAddFault(streamfake.FaultRule{Action: streamfake.ServerError(), Required: true, Match: streamfake.FaultMatch{Operation: streamfake.OpDelete}})
	}).mustPass(t)
}

func TestNewReportsBadOptions(t *testing.T) {
	r := record(func(tb TB) { New(tb, With(streamfake.WithAccount("nope"))) })
	r.mustContain(t, "faketest.New", `account id "nope"`)
	if !r.fatal {
		t.Errorf("a bad option did not stop the test")
	}
}

func TestAssertCount(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	request(t, f, "POST", inputs, `{}`)
	record(func(tb TB) { AssertCount(tb, f, streamfake.OpCreate, 1) }).mustPass(t)
	record(func(tb TB) { AssertCount(tb, f, streamfake.OpCreate, 2) }).
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
		Days    float64           `json:"deleteRecordingAfterDays,omitempty"`
	}
	a := map[string]any{"meta": map[string]any{"name": "a"}, "deleteRecordingAfterDays": 45}
	b := map[string]any{"meta": map[string]any{"name": "b"}, "enabled": false}

	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{a, b}) }).mustPass(t)
	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{a, b}, Exact()) }).mustPass(t)
	// A wanted field that was not sent fails, whatever its value: the trap
	// that let code sending only meta pass.
	record(func(tb TB) {
		AssertBodies(tb, f, streamfake.OpCreate, []any{
			map[string]any{"meta": map[string]any{"name": "a"}, "deleteRecordingAfterDays": 45, "enabled": false, "preferLowLatency": true}, b,
		})
	}).mustContain(t, "request #1 (create) body differs", `"enabled"`, `"preferLowLatency"`)
	// So does a struct's zero field without omitempty: it is wanted.
	record(func(tb TB) {
		AssertBodies(tb, f, streamfake.OpCreate, []any{body{Meta: map[string]string{"name": "a"}, Days: 45}, b})
	}).mustContain(t, "request #1 (create) body differs", `"enabled"`)
	// Fields sent beyond want are slack, at any depth, unless Exact.
	lean := []any{map[string]any{"meta": map[string]any{"name": "a"}}, map[string]any{"meta": map[string]any{}}}
	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, lean) }).mustPass(t)
	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, lean, Exact()) }).
		mustContain(t, "request #1 (create) body differs", `"deleteRecordingAfterDays"`, "request #2 (create) body differs", `"name"`)
	// A field that was sent must match.
	record(func(tb TB) {
		AssertBodies(tb, f, streamfake.OpCreate, []any{a, map[string]any{"meta": map[string]any{"name": "c"}}})
	}).mustContain(t, "request #2 (create) body differs", `-`, `"c"`, `+`, `"b"`)
	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{b, a}) }).
		mustContain(t, "request #1 (create) body differs")
	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{b, a}, AnyOrder()) }).mustPass(t)
	record(func(tb TB) {
		AssertBodies(tb, f, streamfake.OpCreate, []any{b, map[string]any{"meta": map[string]any{"name": "z"}}}, AnyOrder())
	}).mustContain(t, "no create request carried want[1]")
	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{a}) }).
		mustContain(t, "2 create requests sent, want 1 bodies")
	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, []any{func() {}, a}) }).
		mustContain(t, "want[0] does not encode to JSON")
}

// TestAssertBodiesComparesNumbersExactly: numbers compare by exact value,
// not as float64. Before, a client that sent 9007199254740992 for the
// wanted 9007199254740993 (a large id through a float) passed.
func TestAssertBodiesComparesNumbersExactly(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	request(t, f, "POST", inputs, `{"meta":{"id":9007199254740992,"ratio":1.0,"tiny":1e-400}}`)
	meta := func(id int64, ratio any) []any {
		return []any{map[string]any{"meta": map[string]any{"id": id, "ratio": ratio}}}
	}
	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, meta(9007199254740993, 1)) }).
		mustContain(t, "body differs", "9007199254740993", "9007199254740992")
	// 1, 1.0 and 1e0 are one number.
	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, meta(9007199254740992, 1)) }).mustPass(t)
	record(func(tb TB) { AssertBodies(tb, f, streamfake.OpCreate, meta(9007199254740992, json.Number("1e0"))) }).mustPass(t)
	// A number no float64 tells from 0 still differs from 0.
	record(func(tb TB) {
		AssertBodies(tb, f, streamfake.OpCreate, []any{map[string]any{"meta": map[string]any{"tiny": 0}}})
	}).mustContain(t, "body differs", "1e-400")
}

func TestAssertCredentials(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	request(t, f, "POST", inputs, `{}`)
	request(t, f, "GET", inputs, "", "Authorization", "", "X-Auth-Email", streamfake.DefaultEmail, "X-Auth-Key", streamfake.DefaultAPIKey)
	record(func(tb TB) { AssertCredentials(tb, f, streamfake.OpCreate, Token(streamfake.DefaultToken)) }).mustPass(t)
	record(func(tb TB) {
		AssertCredentials(tb, f, streamfake.OpList, APIKey(streamfake.DefaultEmail, streamfake.DefaultAPIKey))
	}).mustPass(t)
	r := record(func(tb TB) { AssertCredentials(tb, f, "", Token(streamfake.DefaultToken)) })
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
	record(func(tb TB) {
		got := WaitFor(tb, f, 1, func(r streamfake.Request) bool { return r.Operation == streamfake.OpCreate }, 5*time.Second)
		if len(got) != 1 {
			tb.Errorf("got %d", len(got))
		}
	}).mustPass(t)
	r := record(func(tb TB) { WaitFor(tb, f, 2, nil, 20*time.Millisecond) })
	r.mustContain(t, "waited 20ms for 2 matching requests, saw 1", "context deadline exceeded")
	if !r.fatal {
		t.Errorf("WaitFor did not stop the test")
	}
}

// TestWaitForSeesArrivals: a request a fault holds counts as arrived.
func TestWaitForSeesArrivals(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	f.MustAddFault(streamfake.FaultRule{Match: streamfake.FaultMatch{Operation: streamfake.OpCreate}, Action: streamfake.Hang()})
	go request(t, f, "POST", inputs, `{}`)
	record(func(tb TB) {
		got := WaitFor(tb, f, 1, func(r streamfake.Request) bool { return r.Operation == streamfake.OpCreate }, 5*time.Second)
		if len(got) != 1 || !got[0].InFlight {
			tb.Errorf("got %v", got)
		}
	}).mustPass(t)
}

// TestFailurePointsAtTheTest: a failure found at cleanup is reported at the
// line of the test that called New, not inside faketest. It runs a failing
// test in a child process and reads where the failure was reported.
func TestFailurePointsAtTheTest(t *testing.T) {
	if os.Getenv("FAKETEST_CHILD") == "1" {
		f := New(t) // line reported
		f.Client().Get(f.URL() + "/nowhere")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFailurePointsAtTheTest$")
	cmd.Env = append(os.Environ(), "FAKETEST_CHILD=1")
	out, _ := cmd.CombinedOutput()
	src, _ := os.ReadFile("faketest_test.go")
	line := 1 + strings.Count(string(src[:strings.Index(string(src), "f := New(t) // line reported")]), "\n")
	if want := fmt.Sprintf("faketest_test.go:%d:", line); !strings.Contains(string(out), want) {
		t.Errorf("the failure is not reported at %s:\n%s", want, out)
	}
}

// TestDumpsShowBodiesSafely: a dump shows a body on one line, quoted when
// it holds control characters or bytes that are not UTF-8, and cut after
// 4 KiB. Before, the raw bytes went into the test log: terminal escapes
// took effect, and a megabyte body buried the failure.
func TestDumpsShowBodiesSafely(t *testing.T) {
	r := record(func(tb TB) {
		f := New(tb)
		request(tb, f, "POST", "/nowhere", "\x1b[2J{\"a\":\n1}\xff")
		request(tb, f, "POST", "/nowhere/either", `{"big":"`+strings.Repeat("x", 10000)+`"}`)
	})
	r.mustContain(t, `body: "\x1b[2J{\"a\":\n1}\xff"`, `body: {"big":"xxxx`, "… (5914 more bytes)")
	if out := r.output(); strings.Contains(out, "\x1b") || strings.Contains(out, strings.Repeat("x", 5000)) {
		t.Errorf("the dump holds the raw body:\n%.500s", out)
	}
}
