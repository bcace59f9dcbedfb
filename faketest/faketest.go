// Package faketest binds a streamfake.Fake to a test: one line starts it,
// cleanup closes it and fails the test when something went wrong that the
// test did not look for, and assertions say in one call what the code under
// test sent.
//
//	func TestUpload(t *testing.T) {
//		f := faketest.New(t)
//		runCodeUnderTest(f.URL(), streamfake.DefaultToken)
//		faketest.AssertCount(t, f, streamfake.OpCreate, 1)
//		faketest.AssertBodies(t, f, streamfake.OpCreate, []any{map[string]any{"meta": map[string]any{"name": "x"}}})
//	}
//
// New starts the fake; AssertCount, AssertBodies and AssertCredentials
// check what was sent; WaitFor waits for requests sent from another
// goroutine. ValidBody, InvalidBody, JSONValue, JSONBytes and Bytes are
// generators for property tests with pgregory.net/rapid. Run gives a TB that
// records failures instead of failing, for checking helpers built on these.
package faketest

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/streamfake/streamfake"
)

// TB is what faketest needs of a test. *testing.T and *testing.B have it.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Option configures New.
type Option func(*config)

type config struct {
	fake                                   []streamfake.Option
	allowUnmatched, allow5xx, allowUnfired bool
}

// With passes options to streamfake.New.
func With(opts ...streamfake.Option) Option {
	return func(c *config) { c.fake = append(c.fake, opts...) }
}

// AllowUnmatched stops cleanup from failing the test when a request
// matched no route. By default that fails it: the code under test called
// something the API does not have.
func AllowUnmatched() Option { return func(c *config) { c.allowUnmatched = true } }

// AllowServerErrors stops cleanup from failing the test on a 5xx that no
// fault rule caused. By default that fails it, since the fake never fails
// on its own.
func AllowServerErrors() Option { return func(c *config) { c.allow5xx = true } }

// AllowUnfiredRequired stops cleanup from failing the test when a fault
// rule marked Required never fired.
func AllowUnfiredRequired() Option { return func(c *config) { c.allowUnfired = true } }

// New starts a fake for the test and registers its cleanup: Close, then the
// checks (unmatched requests, 5xx no fault caused, required rules that never
// fired) unless an option relaxes them. A failed check prints the request
// log, with credentials redacted, and the seed to replay it with, at the
// line of the test that called New.
func New(t TB, opts ...Option) *streamfake.Fake {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	f, err := streamfake.Start(cfg.fake...)
	if err != nil {
		t.Fatalf("faketest.New: %v", err)
		return nil
	}
	t.Cleanup(func() {
		t.Helper() // so the failure points at the test's call to New
		f.Close()
		check(t, f, cfg)
	})
	return f
}

func check(t TB, f *streamfake.Fake, cfg config) {
	t.Helper()
	var problems []string
	log := f.Requests()
	for _, r := range log {
		if !cfg.allowUnmatched && !r.Matched() {
			problems = append(problems, fmt.Sprintf("request #%d %s %s matched no route of the API", r.Seq, r.Method, r.Path))
		}
		if !cfg.allow5xx && r.Status >= 500 && !causedByFault(r) {
			why := "which no fault rule caused"
			if r.Panic != "" {
				why = "because the fake panicked (a bug in streamfake; please report it): " + strings.SplitN(r.Panic, "\n", 2)[0]
			}
			problems = append(problems, fmt.Sprintf("request #%d %s %s got %d, %s", r.Seq, r.Method, r.Path, r.Status, why))
		}
	}
	if !cfg.allowUnfired {
		for _, rep := range f.Faults() {
			if rep.Rule.Required && rep.Fired == 0 {
				problems = append(problems, fmt.Sprintf("required fault rule %s never fired (it matched %d requests)", rep.ID, rep.Matched))
			}
		}
	}
	if len(problems) > 0 {
		t.Errorf("streamfake:\n  %s\n%s", strings.Join(problems, "\n  "), dump(f, log))
	}
}

func causedByFault(r streamfake.Request) bool {
	for _, fr := range r.Faults {
		if (fr.Kind == streamfake.KindError || fr.Kind == streamfake.KindRaw) && fr.Status == r.Status {
			return true
		}
	}
	return false
}

// clientHeaders are the headers clients and SDKs send with every request.
// A dump folds them into one line: they are rarely what a failure is about.
func clientHeader(name string) bool {
	switch name {
	case "User-Agent", "Content-Length", "Api-Version":
		return true
	}
	return strings.HasPrefix(name, "X-Stainless-") || strings.HasPrefix(name, "Accept")
}

// dump renders the log for a failure message: each request's method, path,
// status, codes and messages, headers (credentials redacted, client ones on
// one line) and body.
func dump(f *streamfake.Fake, log []streamfake.Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "request log (seed %d, credentials redacted):", f.Seed())
	if len(log) == 0 {
		b.WriteString(" empty")
	}
	for _, r := range log {
		describe(&b, r)
	}
	return b.String()
}

func describe(b *strings.Builder, r streamfake.Request) {
	fmt.Fprintf(b, "\n  #%d %s %s", r.Seq, r.Method, r.Path)
	if r.RawQuery != "" {
		b.WriteString("?" + r.RawQuery)
	}
	fmt.Fprintf(b, " (%s) -> ", r.Operation)
	if r.InFlight {
		b.WriteString("in flight")
	} else {
		fmt.Fprintf(b, "%d", r.Status)
	}
	if len(r.ErrorCodes) > 0 {
		fmt.Fprintf(b, " codes %v", r.ErrorCodes)
		var env struct{ Errors []struct{ Message string } }
		if json.Unmarshal(r.ResponseBody, &env) == nil {
			msgs := make([]string, 0, len(env.Errors))
			for _, e := range env.Errors {
				msgs = append(msgs, e.Message)
			}
			fmt.Fprintf(b, " (%s)", strings.Join(msgs, "; "))
		}
	}
	for _, fr := range r.Faults {
		fmt.Fprintf(b, " [fault %s]", fr)
	}
	h := r.RedactedHeader()
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var folded []string
	for _, k := range names {
		if clientHeader(k) {
			folded = append(folded, k+"="+strings.Join(h[k], ","))
			continue
		}
		fmt.Fprintf(b, "\n      %s: %s", k, strings.Join(h[k], ", "))
	}
	if folded != nil {
		fmt.Fprintf(b, "\n      client headers: %s", strings.Join(folded, "; "))
	}
	if len(r.Body) > 0 {
		fmt.Fprintf(b, "\n      body: %s", r.BodyString())
	}
}

// Run calls fn with a TB that records failures instead of failing, runs the
// cleanups fn registered, last first, as a test's end does, and returns
// the failure messages. Fatalf stops fn, as it stops a test. Use it to
// check helpers built on faketest; the package's examples use it to show
// what a failing test prints.
func Run(fn func(t TB)) (failures []string) {
	r := &recordingTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer r.cleanup()
		fn(r)
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.failures)
}

// recordingTB is Run's TB.
type recordingTB struct {
	mu       sync.Mutex
	failures []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Cleanup(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, fn)
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// Fatalf records the failure and stops the goroutine, as testing.T does.
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// cleanup runs the cleanups, last first; one that calls Fatalf stops only itself.
func (r *recordingTB) cleanup() {
	for {
		r.mu.Lock()
		if len(r.cleanups) == 0 {
			r.mu.Unlock()
			return
		}
		fn := r.cleanups[len(r.cleanups)-1]
		r.cleanups = r.cleanups[:len(r.cleanups)-1]
		r.mu.Unlock()
		done := make(chan struct{})
		go func() {
			defer close(done)
			fn()
		}()
		<-done
	}
}
