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
// Generators for property tests (pgregory.net/rapid) are in generators.go.
package faketest

import (
	"fmt"
	"strings"

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
// log, with credentials redacted, and the seed to replay it with.
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
		f.Close()
		check(t, f, cfg)
	})
	return f
}

func check(t TB, f *streamfake.Fake, cfg config) {
	var problems []string
	log := f.Requests()
	for _, r := range log {
		if !cfg.allowUnmatched && !r.Matched() {
			problems = append(problems, fmt.Sprintf("request #%d %s %s matched no route of the live-input API", r.Seq, r.Method, r.Path))
		}
		if !cfg.allow5xx && r.Status >= 500 && !causedByFault(r) {
			problems = append(problems, fmt.Sprintf("request #%d %s %s got %d, which no fault rule caused", r.Seq, r.Method, r.Path, r.Status))
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
		if fr.Kind == streamfake.KindError && fr.Status == r.Status {
			return true
		}
	}
	return false
}

// dump renders the log for a failure message.
func dump(f *streamfake.Fake, log []streamfake.Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "request log (seed %d, credentials redacted):", f.Seed())
	if len(log) == 0 {
		b.WriteString(" empty")
	}
	for _, r := range log {
		b.WriteString("\n  ")
		b.WriteString(strings.ReplaceAll(r.String(), "\n", "\n  "))
	}
	return b.String()
}
