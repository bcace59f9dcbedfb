package streamfake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// send posts a create and returns the raw outcome, whatever it is.
func send(f *Fake, client *http.Client, body string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest("POST", f.URL()+"/accounts/"+accountA+"/stream/live_inputs", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func onCreate(a FaultAction) FaultRule {
	return FaultRule{Match: FaultMatch{Operation: OpCreate}, Action: a}
}

// TestFaultActionsSeenByAClient observes each action from a real http.Client.
func TestFaultActionsSeenByAClient(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		rule   FaultRule
		check  func(t *testing.T, resp *http.Response, body []byte, err error)
		stored int // live inputs the fake holds afterwards
	}{
		{"rate limited", onCreate(RateLimited().WithRetryAfter(2 * time.Second).WithRetryAfterMs(1500).WithShouldRetry(true)),
			func(t *testing.T, resp *http.Response, body []byte, err error) {
				if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" ||
					resp.Header.Get("Retry-After-Ms") != "1500" || resp.Header.Get("X-Should-Retry") != "true" {
					t.Errorf("%v %v %v", resp, err, resp.Header)
				}
				if !strings.Contains(string(body), `"code":971`) || !strings.Contains(string(body), `"success":false`) {
					t.Errorf("body %s", body)
				}
			}, 0},
		{"server error", onCreate(ServerError()), statusIs(500, CodeInternalError), 0},
		{"unavailable", onCreate(Unavailable()), statusIs(503, CodeServiceUnavailable), 0},
		{"auth error", onCreate(AuthError()), statusIs(403, CodeAuthenticationError), 0},
		{"any error", onCreate(ErrorResponse(409, 12345, "conflict")), statusIs(409, 12345), 0},
		{"error after the handler", FaultRule{Match: FaultMatch{Operation: OpCreate}, Action: ServerError(), Phase: AfterHandler}, statusIs(500, CodeInternalError), 1},
		{"reset", onCreate(ResetConnection()), func(t *testing.T, _ *http.Response, _ []byte, err error) {
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("err = %v, want connection reset", err)
			}
		}, 0},
		{"reset after the handler", FaultRule{Match: FaultMatch{Operation: OpCreate}, Action: ResetConnection(), Phase: AfterHandler},
			func(t *testing.T, _ *http.Response, _ []byte, err error) {
				if !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("err = %v, want connection reset", err)
				}
			}, 1},
		{"close", onCreate(CloseConnection()), func(t *testing.T, _ *http.Response, _ []byte, err error) {
			if err == nil || !errors.Is(err, io.EOF) {
				t.Errorf("err = %v, want EOF", err)
			}
		}, 0},
		{"truncated", onCreate(TruncatedBody()), decodeFails(200), 1},
		{"malformed", onCreate(MalformedBody()), decodeFails(200), 1},
		{"garbage", onCreate(GarbageBytes(64)), func(t *testing.T, _ *http.Response, _ []byte, err error) {
			if err == nil || !strings.Contains(err.Error(), "malformed HTTP") {
				t.Errorf("err = %v, want a malformed HTTP response", err)
			}
		}, 0},
		{"dribble", onCreate(Dribble(4, 40*time.Millisecond)), func(t *testing.T, resp *http.Response, body []byte, err error) {
			var env envelope
			if err != nil || resp.StatusCode != 200 || json.Unmarshal(body, &env) != nil || !env.Success {
				t.Errorf("%v %v %s", resp, err, body)
			}
		}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := startFake(t)
			id := f.MustAddFault(tc.rule)
			start := time.Now()
			resp, body, err := send(f, f.Client(), `{}`)
			tc.check(t, resp, body, err)
			if tc.rule.Action.Kind == KindDribble && time.Since(start) < 35*time.Millisecond {
				t.Errorf("the dribbled response took %v, under the 40ms it was spread over", time.Since(start))
			}
			if n := len(f.LiveInputs(accountA)); n != tc.stored {
				t.Errorf("the fake holds %d inputs, want %d", n, tc.stored)
			}
			log := f.Requests()
			if len(log) != 1 || len(log[0].Faults) != 1 || log[0].Faults[0].RuleID != id || log[0].Faults[0].Kind != tc.rule.Action.Kind {
				t.Errorf("log: %v", log)
			}
			// The rule keeps firing until removed; then requests go through.
			if !f.RemoveFault(id) || f.RemoveFault(id) {
				t.Errorf("RemoveFault did not report the rule once")
			}
			if resp, body, err := send(f, f.Client(), `{}`); err != nil || resp.StatusCode != 200 {
				t.Errorf("after removal: %v %v %s", resp, err, body)
			}
		})
	}
}

func statusIs(status, code int) func(*testing.T, *http.Response, []byte, error) {
	return func(t *testing.T, resp *http.Response, body []byte, err error) {
		t.Helper()
		var env envelope
		if err != nil || resp.StatusCode != status || json.Unmarshal(body, &env) != nil || len(env.Errors) != 1 || env.Errors[0].Code != code {
			t.Errorf("got %v %v %s; want %d with code %d", resp, err, body, status, code)
		}
	}
}

func decodeFails(status int) func(*testing.T, *http.Response, []byte, error) {
	return func(t *testing.T, resp *http.Response, body []byte, err error) {
		t.Helper()
		var v any
		if err != nil || resp.StatusCode != status {
			t.Fatalf("%v %v", resp, err)
		}
		if jerr := json.Unmarshal(body, &v); jerr == nil {
			t.Errorf("body decodes: %s", body)
		}
		if resp.ContentLength != int64(len(body)) {
			t.Errorf("Content-Length %d, body %d bytes: the framing should be intact", resp.ContentLength, len(body))
		}
	}
}

// TestHangEndsWithTheClientTimeout, and Close still returns at once.
func TestHangEndsWithTheClientTimeout(t *testing.T) {
	t.Parallel()
	f := New()
	f.MustAddFault(onCreate(Hang()))
	client := f.Client()
	client.Timeout = 100 * time.Millisecond
	if _, _, err := send(f, client, `{}`); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("err = %v, want the client's timeout", err)
	}
	// A second request hangs while the fake closes.
	done := make(chan error, 1)
	go func() { _, _, err := send(f, &http.Client{}, `{}`); done <- err }()
	waitForMatches(t, f, 0, 2) // the second request is in the handler
	start := time.Now()
	f.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v with a request hanging", d)
	}
	if err := <-done; err == nil {
		t.Errorf("the hanging request got a response after Close")
	}
	if n := len(f.Requests()); n != 2 {
		t.Errorf("%d requests logged, want both", n)
	}
}

// TestDelays: fixed, uniform and lognormal delays wait, and honour the
// client giving up.
func TestDelays(t *testing.T) {
	t.Parallel()
	for _, a := range []FaultAction{Delay(30 * time.Millisecond), DelayUniform(30*time.Millisecond, 40*time.Millisecond), DelayLogNormal(30*time.Millisecond, 0, 30*time.Millisecond)} {
		t.Run(string(a.Kind), func(t *testing.T) {
			t.Parallel()
			f := startFake(t)
			f.MustAddFault(onCreate(a))
			start := time.Now()
			if resp, _, err := send(f, f.Client(), `{}`); err != nil || resp.StatusCode != 200 {
				t.Fatalf("%v %v", resp, err)
			}
			if d := time.Since(start); d < 30*time.Millisecond {
				t.Errorf("answered after %v, before the delay", d)
			}
		})
	}
	t.Run("client gives up", func(t *testing.T) {
		t.Parallel()
		f := startFake(t)
		f.MustAddFault(onCreate(Delay(MaxFaultDuration)))
		client := f.Client()
		client.Timeout = 50 * time.Millisecond
		if _, _, err := send(f, client, `{}`); err == nil {
			t.Fatal("no timeout")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		got, err := f.WaitForRequests(ctx, 1, nil)
		if err != nil || got[0].Status != 0 || len(f.LiveInputs(accountA)) != 0 {
			t.Errorf("the delayed request was not ended by the client: %v %v", got, err)
		}
	})
	t.Run("lognormal is capped", func(t *testing.T) {
		f := startFake(t)
		var fs faultSet
		fs.rng = f.faults.rng
		for range 100 {
			if d := fs.drawDelay(DelayLogNormal(time.Millisecond, 3, 5*time.Millisecond)); d > 5*time.Millisecond || d < 0 {
				t.Fatalf("drew %v", d)
			}
		}
	})
}

// TestDelayCombinesWithAFinalAction: delays add up, and a later rule still acts.
func TestDelayCombinesWithAFinalAction(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	f.MustAddFault(FaultRule{Action: Delay(time.Millisecond)})
	f.MustAddFault(onCreate(Unavailable()))
	f.MustAddFault(onCreate(ServerError())) // never reached: the 503 ended the search
	resp, _, _ := send(f, f.Client(), `{}`)
	kinds := []FaultKind{}
	for _, r := range f.Requests()[0].Faults {
		kinds = append(kinds, r.Kind)
	}
	if resp.StatusCode != 503 || !slices.Equal(kinds, []FaultKind{KindDelay, KindError}) {
		t.Errorf("status %d, faults %v", resp.StatusCode, kinds)
	}
	if r := f.Faults(); r[2].Matched != 0 {
		t.Errorf("a rule after the final one was tried: %+v", r[2])
	}
}

// TestCounting: skip, times, until removed, and the reports.
func TestCounting(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpCreate}, Action: Unavailable(), Skip: 1, Times: 2})
	var statuses []int
	for range 5 {
		resp, _, _ := send(f, f.Client(), `{}`)
		statuses = append(statuses, resp.StatusCode)
	}
	if !slices.Equal(statuses, []int{200, 503, 503, 200, 200}) {
		t.Errorf("statuses %v", statuses)
	}
	if r := f.Faults()[0]; r.Matched != 5 || r.Fired != 2 {
		t.Errorf("report %+v, want 5 matched, 2 fired", r)
	}
	do(t, f, "GET", inputsPath(accountA), "", bearer) // not a create: not matched
	if r := f.Faults()[0]; r.Matched != 5 {
		t.Errorf("a list matched a create rule: %+v", r)
	}
	f.ClearFaults()
	if len(f.Faults()) != 0 {
		t.Errorf("ClearFaults left %v", f.Faults())
	}
}

// TestSequence: "503, 503, then succeed".
func TestSequence(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	f.MustAddFault(onCreate(Sequence(Unavailable(), RateLimited(), ResetConnection())))
	var outcomes []string
	for range 5 {
		resp, _, err := send(f, f.Client(), `{}`)
		if err != nil {
			outcomes = append(outcomes, "reset")
		} else {
			outcomes = append(outcomes, http.StatusText(resp.StatusCode))
		}
	}
	want := []string{"Service Unavailable", "Too Many Requests", "reset", "OK", "OK"}
	if !slices.Equal(outcomes, want) {
		t.Errorf("outcomes %v, want %v", outcomes, want)
	}
}

// TestMatchers: by operation, method, path, account and predicate.
func TestMatchers(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithAccount(accountA), WithAccount(accountB))
	uid := create(t, f, `{}`)["uid"].(string)
	cases := []struct {
		match FaultMatch
		hits  []bool // list A, get A, create A, create B, create A with meta
	}{
		{FaultMatch{Operation: OpGet}, []bool{false, true, false, false, false}},
		{FaultMatch{Method: "post"}, []bool{false, false, true, true, true}},
		{FaultMatch{Path: "/accounts/*/stream/live_inputs"}, []bool{true, false, true, true, true}},
		{FaultMatch{Path: "/accounts/" + accountA + "/stream/live_inputs/*"}, []bool{false, true, false, false, false}},
		{FaultMatch{Account: accountB}, []bool{false, false, false, true, false}},
		{FaultMatch{Operation: OpCreate, Predicate: func(r Request) bool {
			m, _ := r.DecodedBody.(map[string]any)
			return m["meta"] != nil
		}}, []bool{false, false, false, false, true}},
	}
	for i, tc := range cases {
		id := f.MustAddFault(FaultRule{Match: tc.match, Action: ErrorResponse(418, 1418, "matched")})
		var hits []bool
		for _, c := range []struct{ method, path, body string }{
			{"GET", inputsPath(accountA), ""}, {"GET", inputPath(accountA, uid), ""},
			{"POST", inputsPath(accountA), `{}`}, {"POST", inputsPath(accountB), `{}`}, {"POST", inputsPath(accountA), `{"meta":{}}`},
		} {
			hits = append(hits, do(t, f, c.method, c.path, c.body, bearer).status == 418)
		}
		if !slices.Equal(hits, tc.hits) {
			t.Errorf("case %d %+v: hits %v, want %v", i, tc.match, hits, tc.hits)
		}
		f.RemoveFault(id)
	}
}

// TestExactTimesUnderConcurrency: 64 clients, a rule for 10 — exactly 10 fail.
func TestExactTimesUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpCreate}, Action: Unavailable(), Times: 10})
	var mu sync.Mutex
	failed := 0
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _, err := send(f, f.Client(), `{}`)
			if err == nil && resp.StatusCode == 503 {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed != 10 || len(f.LiveInputs(accountA)) != 54 || f.Faults()[0].Fired != 10 {
		t.Errorf("%d failed, %d created, report %+v", failed, len(f.LiveInputs(accountA)), f.Faults()[0])
	}
}

// TestProbabilityIsDeterministic: the same seed decides the same faults.
func TestProbabilityIsDeterministic(t *testing.T) {
	t.Parallel()
	decisions := func(seed int64) []int {
		f := startFake(t, WithSeed(seed))
		f.MustAddFault(FaultRule{Action: Unavailable(), Probability: 0.5})
		var out []int
		for range 40 {
			resp, _, _ := send(f, f.Client(), `{}`)
			out = append(out, resp.StatusCode)
		}
		return out
	}
	a, b, c := decisions(1), decisions(1), decisions(2)
	if !slices.Equal(a, b) {
		t.Errorf("seed 1 twice: %v and %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 1 and 2 decided alike: %v", a)
	}
	if n := strings.Count(jsonString(a), "503"); n < 8 || n > 32 {
		t.Errorf("%d of 40 failed with p=0.5", n)
	}
	// Faults do not change the ids: the same seed gives the same uids with or without a probabilistic rule.
	g, h := startFake(t, WithSeed(5)), startFake(t, WithSeed(5))
	h.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpList}, Action: Unavailable(), Probability: 0.5})
	do(t, h, "GET", inputsPath(accountA), "", bearer)
	if create(t, g, `{}`)["uid"] != create(t, h, `{}`)["uid"] {
		t.Errorf("a fault decision changed the uids")
	}
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestInvalidRules are refused with a clear error.
func TestInvalidRules(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	for name, rule := range map[string]FaultRule{
		"unknown kind":             {Action: FaultAction{Kind: "explode"}},
		"no kind":                  {},
		"status 0":                 {Action: ErrorResponse(0, 1000, "x")},
		"code 0":                   {Action: ErrorResponse(500, 0, "x")},
		"probability 2":            {Action: Unavailable(), Probability: 2},
		"negative times":           {Action: Unavailable(), Times: -1},
		"negative skip":            {Action: Unavailable(), Skip: -1},
		"bad phase":                {Action: Unavailable(), Phase: "during"},
		"truncate before":          {Action: TruncatedBody(), Phase: BeforeHandler},
		"min above max":            {Action: DelayUniform(2, 1)},
		"empty sequence":           {Action: Sequence()},
		"nested sequence":          {Action: Sequence(Sequence(Unavailable()))},
		"bad step":                 {Action: Sequence(Unavailable(), GarbageBytes(0))},
		"bad path pattern":         {Action: Unavailable(), Match: FaultMatch{Path: "["}},
		"lognormal without median": {Action: DelayLogNormal(0, 1, 0)},
		"dribble without chunks":   {Action: Dribble(0, time.Second)},
	} {
		if _, err := f.AddFault(rule); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if len(f.Faults()) != 0 {
		t.Errorf("invalid rules were added: %v", f.Faults())
	}
}

// TestRulesRoundTripThroughJSON: the admin API's form is the Go API's.
func TestRulesRoundTripThroughJSON(t *testing.T) {
	t.Parallel()
	rules := []FaultRule{
		{Match: FaultMatch{Operation: OpCreate, Method: "POST", Path: "/accounts/*/stream/live_inputs", Account: accountA},
			Action: RateLimited().WithRetryAfterMs(10), Phase: AfterHandler, Skip: 1, Times: 2, Probability: 0.5, Required: true},
		{Action: Sequence(Unavailable(), Delay(250*time.Millisecond), DelayUniform(time.Millisecond, time.Second), DelayLogNormal(time.Millisecond, 0.5, time.Second))},
		{Action: Dribble(3, time.Second)},
		{Action: GarbageBytes(10)},
	}
	b, err := json.Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	var back []FaultRule
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rules, back, cmpopts.IgnoreFields(FaultMatch{}, "Predicate")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(b), `"delay":"250ms"`) {
		t.Errorf("durations are not written as strings: %s", b)
	}
	var d Duration
	if err := json.Unmarshal([]byte(`1000000`), &d); err != nil || time.Duration(d) != time.Millisecond {
		t.Errorf("a number of nanoseconds: %v %v", d, err)
	}
	if err := json.Unmarshal([]byte(`"soon"`), &d); err == nil {
		t.Errorf("\"soon\" was read as a duration")
	}
}

// TestFaultsNeverCorruptState: a fault before the handler changes nothing;
// one after keeps exactly what the handler did.
func TestFaultsNeverCorruptState(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	uid := create(t, f, `{"meta":{"v":1}}`)["uid"].(string)
	before, _ := f.LiveInput(accountA, uid)
	f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpUpdate}, Action: ResetConnection(), Times: 1})
	req, _ := http.NewRequest("PUT", f.URL()+"/accounts/"+accountA+"/stream/live_inputs/"+uid, strings.NewReader(`{"meta":{"v":2}}`))
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	if _, err := f.Client().Do(req); err == nil {
		t.Fatal("no reset")
	}
	if now, _ := f.LiveInput(accountA, uid); !cmp.Equal(before, now) {
		t.Errorf("a fault before the handler changed the input:\n%s", cmp.Diff(before, now))
	}
	f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpDelete}, Action: CloseConnection(), Phase: AfterHandler, Times: 1})
	req, _ = http.NewRequest("DELETE", f.URL()+"/accounts/"+accountA+"/stream/live_inputs/"+uid, nil)
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	if _, err := f.Client().Do(req); err == nil {
		t.Fatal("no close")
	}
	if _, ok := f.LiveInput(accountA, uid); ok {
		t.Errorf("a fault after the delete undid it")
	}
}

// TestNetworkFaultWithoutAConnection: with a recorder there is no
// connection to cut, so the handler aborts as net/http expects.
func TestNetworkFaultWithoutAConnection(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	f.MustAddFault(onCreate(ResetConnection()))
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", r)
		}
		if len(f.Requests()) != 1 {
			t.Errorf("the aborted request was not logged")
		}
	}()
	serveRecorded(f, "POST", inputsPath(accountA), `{}`, bearer)
}

// TestShutdownDrainsDelaysButEndsHangs: a delayed request finishes, a
// hanging one is cut, and Shutdown returns.
func TestShutdownDrainsDelaysButEndsHangs(t *testing.T) {
	t.Parallel()
	f := New()
	f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpCreate}, Action: Delay(200 * time.Millisecond)})
	f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpList}, Action: Hang()})
	created, listed := make(chan int, 1), make(chan error, 1)
	go func() {
		resp, _, err := send(f, &http.Client{}, `{}`)
		if err != nil {
			created <- 0
			return
		}
		created <- resp.StatusCode
	}()
	go func() {
		req, _ := http.NewRequest("GET", f.URL()+"/accounts/"+accountA+"/stream/live_inputs", nil)
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
		_, err := (&http.Client{}).Do(req)
		listed <- err
	}()
	waitForMatches(t, f, 0, 1) // the create is waiting out its delay
	waitForMatches(t, f, 1, 1) // the list is hanging
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if status := <-created; status != 200 {
		t.Errorf("the delayed create got %d, want 200", status)
	}
	if err := <-listed; err == nil {
		t.Errorf("the hanging list got a response")
	}
}

// TestAbandonedDelaysLeaveNoGoroutine: clients that give up on delayed and
// hanging requests leave nothing running once the fake is closed.
func TestAbandonedDelaysLeaveNoGoroutine(t *testing.T) {
	// Not parallel: it counts the process's goroutines.
	before, _ := waitForGoroutines(1<<30, 0)
	f := New()
	f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpCreate}, Action: Delay(MaxFaultDuration)})
	f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpList}, Action: Hang()})
	client := f.Client()
	client.Timeout = 30 * time.Millisecond
	for range 3 {
		send(f, client, `{}`)
		client.Get(f.URL() + "/accounts/" + accountA + "/stream/live_inputs")
	}
	f.Close()
	if n, ok := waitForGoroutines(before, 5*time.Second); !ok {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

// TestFaultReportsAreCopies: changing a report, or the rule after adding
// it, changes nothing in the fake.
func TestFaultReportsAreCopies(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	rule := onCreate(Sequence(RateLimited()))
	f.MustAddFault(rule)
	rule.Action.Steps[0].Header["Retry-After"] = "99"
	rep := f.Faults()
	rep[0].Rule.Action.Steps[0].Header["Retry-After"] = "77"
	if resp, _, _ := send(f, f.Client(), `{}`); resp.Header.Get("Retry-After") != "0" {
		t.Errorf("Retry-After %q: a change outside the fake reached its rule", resp.Header.Get("Retry-After"))
	}
}

// waitForMatches waits until fault rule i has matched n requests: the way
// to know a request reached the handler while it is still in flight.
func waitForMatches(t *testing.T, f *Fake, i, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.Faults()[i].Matched < n {
		if time.Now().After(deadline) {
			t.Fatalf("rule %d matched %d requests, want %d", i, f.Faults()[i].Matched, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestRulesThatCannotMatchAreRefused: a typo in a match is an error that
// names the field and suggests the fix, in Go and over the admin API;
// before, such a rule was added and never fired.
func TestRulesThatCannotMatchAreRefused(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	for _, tc := range []struct {
		match FaultMatch
		says  string
	}{
		{FaultMatch{Operation: "crate"}, `match.operation: no operation "crate"; did you mean "create"?`},
		{FaultMatch{Method: "PATCH"}, `match.method: no route serves "PATCH"`},
		{FaultMatch{Method: "GTE"}, `did you mean "GET"?`},
		{FaultMatch{Path: "/client/v4/accounts/*/stream/live_inputs"}, `match.path: patterns leave out the /client/v4 prefix; did you mean "/accounts/*/stream/live_inputs"?`},
		{FaultMatch{Path: "/accounts/*/stream/live_inputs/*/output"}, `match.path: "/accounts/*/stream/live_inputs/*/output" can match no route of the fake; did you mean "/accounts/*/stream/live_inputs/*/outputs"?`},
		{FaultMatch{Path: "/accounts/xyz/stream/live_inputs"}, "can match no route"}, // an account is hex
		{FaultMatch{Path: "/accounts/*/stream/live_inputs/*/*/*/*"}, "can match no route"},
		{FaultMatch{Path: "accounts/*/stream/live_inputs"}, "can match no route"},
		{FaultMatch{Path: "/accounts/[/stream"}, "is not a path.Match pattern"},
		{FaultMatch{Account: accountB}, `match.account: the fake does not serve account "` + accountB + `"`},
		{FaultMatch{Operation: OpCreate, Method: "GET"}, `match: no request has operation "create", method "GET"`},
		{FaultMatch{Operation: OpGet, Path: "/accounts/*/stream/live_inputs"}, `match: no request has operation "get"`},
	} {
		_, err := f.AddFault(FaultRule{Match: tc.match, Action: ServerError()})
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%+v: %v; want it to say %s", tc.match, err, tc.says)
		}
		rule, _ := json.Marshal(FaultRule{Match: tc.match, Action: ServerError()})
		if status, body := admin(t, f, "POST", "faults", string(rule)); status != 400 || !strings.Contains(body, "match") {
			t.Errorf("admin %s: %d %s", rule, status, body)
		}
	}
	// Patterns that can match are accepted, whatever their wildcards.
	for _, p := range []string{
		"/accounts/*/stream/live_inputs", "/accounts/" + accountA + "/stream/live_inputs/*", "/accounts/0*/stream/live_inputs/*/outputs/*",
		"/accounts/*/stream/live_inputs/?*/[de]*able", "/accounts/*/*/*", "/accounts/[0-9a-f]*/stream/live_inputs/abc",
	} {
		if _, err := f.AddFault(FaultRule{Match: FaultMatch{Path: p}, Action: ServerError(), Times: 1}); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if len(f.Faults()) != 6 {
		t.Errorf("%d rules added", len(f.Faults()))
	}
}

// TestUnfiredFaults lists the rules that never fired, for tests outside faketest.
func TestUnfiredFaults(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	fired := f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpList}, Action: ServerError(), Times: 1})
	unfired := f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpDelete}, Action: ServerError()})
	do(t, f, "GET", inputsPath(accountA), "", bearer)
	got := f.UnfiredFaults()
	if len(got) != 1 || got[0].ID != unfired || got[0].ID == fired {
		t.Errorf("UnfiredFaults() = %+v, want only %s", got, unfired)
	}
}

// TestRawResponse: what Cloudflare's edge sends in front of the API, exactly.
func TestRawResponse(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	page := "<html><body>521: Web server is down</body></html>"
	f.MustAddFault(FaultRule{Action: Sequence(RawResponse(521, "text/html; charset=UTF-8", page), RawResponse(204, "", ""))})
	resp, body, err := send(f, f.Client(), `{}`)
	if err != nil || resp.StatusCode != 521 || resp.Header.Get("Content-Type") != "text/html; charset=UTF-8" || string(body) != page {
		t.Errorf("first: %v %v %q", resp, err, body)
	}
	resp, body, err = send(f, f.Client(), `{}`)
	if err != nil || resp.StatusCode != 204 || len(body) != 0 {
		t.Errorf("second: %v %v %q", resp, err, body)
	}
	log := f.Requests()
	if log[0].Status != 521 || string(log[0].ResponseBody) != page || log[0].Faults[0].Kind != KindRaw {
		t.Errorf("log: %v", log[0])
	}
	if n := len(f.LiveInputs(accountA)); n != 0 {
		t.Errorf("a raw response before the handler created %d inputs", n)
	}
}

// TestRequestsInFlightAreVisible: a request held by a hang or a delay is
// in the log from its arrival, and WaitForRequests sees it; before, a test
// waiting for it waited forever.
func TestRequestsInFlightAreVisible(t *testing.T) {
	t.Parallel()
	for name, action := range map[string]FaultAction{"hang": Hang(), "delay": Delay(MaxFaultDuration)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := startFake(t)
			f.MustAddFault(onCreate(action))
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				req, _ := http.NewRequestWithContext(ctx, "POST", f.srv.URL+inputsPath(accountA), strings.NewReader(`{"meta":{"name":"held"}}`))
				req.Header.Set("Authorization", "Bearer "+DefaultToken)
				if resp, err := f.Client().Do(req); err == nil {
					resp.Body.Close()
				}
			}()
			wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer wcancel()
			got, err := f.WaitForRequests(wctx, 1, func(r Request) bool { return r.Operation == OpCreate })
			if err != nil {
				t.Fatalf("the held request never showed: %v", err)
			}
			if !got[0].InFlight || got[0].Status != 0 || string(got[0].Body) != `{"meta":{"name":"held"}}` || !strings.Contains(got[0].String(), "in flight") {
				t.Errorf("in flight: %v", got[0])
			}
			cancel() // the client gives up; the entry completes
			got, err = f.WaitForRequests(wctx, 1, func(r Request) bool { return !r.InFlight })
			if err != nil || len(f.Requests()) != 1 || len(got[0].Faults) != 1 {
				t.Errorf("after the client gave up: %v %v", got, err)
			}
		})
	}
}
