package streamfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultRule makes the fake fail some requests on purpose. The zero values
// of its counters mean "every matching request, until removed".
type FaultRule struct {
	Match  FaultMatch  `json:"match"`
	Action FaultAction `json:"action"`
	// Phase says whether the action replaces the handler (BeforeHandler:
	// nothing happened) or follows it (AfterHandler: the live input was
	// created, changed or deleted, and the client never learns it). Empty
	// means the action's natural phase: after for the actions that damage a
	// response (truncate, malformed, dribble), before for the rest.
	Phase FaultPhase `json:"phase,omitempty"`
	// Skip lets the first Skip matching requests through.
	Skip int `json:"skip,omitempty"`
	// Times is how often the rule fires; 0 means until it is removed.
	Times int `json:"times,omitempty"`
	// Probability, in (0, 1], is the chance that a matching request is
	// hit, drawn from the fake's seed; 0 means always.
	Probability float64 `json:"probability,omitempty"`
	// Required marks a rule the test expects to fire; faketest fails a test
	// whose required rule never fired.
	Required bool `json:"required,omitempty"`
}

// FaultMatch selects requests. Empty fields match everything; all set
// fields must match.
type FaultMatch struct {
	Operation Operation `json:"operation,omitempty"`
	Method    string    `json:"method,omitempty"`
	// Path is a path.Match pattern for the path without its /client/v4
	// prefix, e.g. "/accounts/*/stream/live_inputs/*".
	Path    string `json:"path,omitempty"`
	Account string `json:"account,omitempty"`
	// Predicate, if set, must also return true. It sees a copy of the log
	// entry as it stands before the handler runs. It is not part of the
	// JSON form.
	Predicate func(Request) bool `json:"-"`
}

// FaultPhase is when a fault acts, relative to the handler.
type FaultPhase string

// The phases.
const (
	BeforeHandler FaultPhase = "before"
	AfterHandler  FaultPhase = "after"
)

// FaultKind names what a fault does.
type FaultKind string

// The kinds of fault. Build them with the constructors below.
const (
	KindError          FaultKind = "error"           // a Cloudflare error response
	KindDelay          FaultKind = "delay"           // wait Delay, then go on
	KindDelayUniform   FaultKind = "delay_uniform"   // wait between Min and Max, then go on
	KindDelayLogNormal FaultKind = "delay_lognormal" // wait a lognormal time (Median, Sigma, at most Max), then go on
	KindReset          FaultKind = "reset"           // reset the TCP connection
	KindClose          FaultKind = "close"           // close the connection without a response
	KindTruncate       FaultKind = "truncate"        // the response, its JSON cut in half
	KindMalformed      FaultKind = "malformed"       // the response, its JSON broken
	KindGarbage        FaultKind = "garbage"         // Bytes random bytes, then close
	KindDribble        FaultKind = "dribble"         // the response in Chunks pieces over Delay
	KindHang           FaultKind = "hang"            // no response until the client gives up or the fake closes
	KindSequence       FaultKind = "sequence"        // Steps, one per firing, then the rule is spent
)

// FaultAction is what a fault does. Build it with a constructor
// (RateLimited, Delay, ResetConnection, Sequence …); its fields are its
// JSON form, the one the standalone server's admin API takes.
type FaultAction struct {
	Kind    FaultKind         `json:"kind"`
	Status  int               `json:"status,omitempty"`
	Code    int               `json:"code,omitempty"`
	Message string            `json:"message,omitempty"`
	Header  map[string]string `json:"header,omitempty"`
	Delay   Duration          `json:"delay,omitempty"`
	Min     Duration          `json:"min,omitempty"`
	Max     Duration          `json:"max,omitempty"`
	Median  Duration          `json:"median,omitempty"`
	Sigma   float64           `json:"sigma,omitempty"`
	Chunks  int               `json:"chunks,omitempty"`
	Bytes   int               `json:"bytes,omitempty"`
	Steps   []FaultAction     `json:"steps,omitempty"`
}

// Duration is a time.Duration whose JSON form is a string such as "250ms";
// a number of nanoseconds is accepted too.
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "250ms" or 250000000.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		*d = Duration(v)
		return err
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("a duration is a string such as \"250ms\" or a number of nanoseconds, not %s", b)
	}
	*d = Duration(n)
	return nil
}

// ErrorResponse answers with any status, and a Cloudflare envelope holding
// one error with code and message.
func ErrorResponse(status, code int, message string) FaultAction {
	return FaultAction{Kind: KindError, Status: status, Code: code, Message: message}
}

// RateLimited answers 429 with code 971 and "Retry-After: 0", so SDKs retry
// at once; change the wait with WithRetryAfter.
func RateLimited() FaultAction {
	return ErrorResponse(http.StatusTooManyRequests, CodeRateLimited, MsgRateLimited).WithHeader("Retry-After", "0")
}

// ServerError answers 500.
func ServerError() FaultAction {
	return ErrorResponse(http.StatusInternalServerError, CodeInternalError, MsgInternalError)
}

// Unavailable answers 503.
func Unavailable() FaultAction {
	return ErrorResponse(http.StatusServiceUnavailable, CodeServiceUnavailable, MsgServiceUnavailable)
}

// AuthError answers 403 with code 10000, as for a revoked token.
func AuthError() FaultAction {
	return ErrorResponse(http.StatusForbidden, CodeAuthenticationError, MsgAuthenticationError)
}

// WithHeader returns a copy of a that also sends the header.
func (a FaultAction) WithHeader(name, value string) FaultAction {
	h := make(map[string]string, len(a.Header)+1)
	for k, v := range a.Header {
		h[k] = v
	}
	h[http.CanonicalHeaderKey(name)] = value
	a.Header = h
	return a
}

// WithRetryAfter sets Retry-After, in seconds, which the official SDKs obey.
func (a FaultAction) WithRetryAfter(d time.Duration) FaultAction {
	return a.WithHeader("Retry-After", strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
}

// WithRetryAfterMs sets Retry-After-Ms, which the official SDKs prefer to Retry-After.
func (a FaultAction) WithRetryAfterMs(ms int) FaultAction {
	return a.WithHeader("Retry-After-Ms", strconv.Itoa(ms))
}

// WithShouldRetry sets x-should-retry, which overrides the SDKs' own choice.
func (a FaultAction) WithShouldRetry(retry bool) FaultAction {
	return a.WithHeader("X-Should-Retry", strconv.FormatBool(retry))
}

// Delay waits d, then lets the request go on (or, after the handler, lets
// the response go out).
func Delay(d time.Duration) FaultAction { return FaultAction{Kind: KindDelay, Delay: Duration(d)} }

// DelayUniform waits a time drawn uniformly between min and max.
func DelayUniform(min, max time.Duration) FaultAction {
	return FaultAction{Kind: KindDelayUniform, Min: Duration(min), Max: Duration(max)}
}

// DelayLogNormal waits a lognormal time with the given median and sigma (of
// the underlying normal), never more than max: the long tail of real latency.
func DelayLogNormal(median time.Duration, sigma float64, max time.Duration) FaultAction {
	return FaultAction{Kind: KindDelayLogNormal, Median: Duration(median), Sigma: sigma, Max: Duration(max)}
}

// ResetConnection resets the TCP connection (RST): the client sees
// "connection reset by peer".
func ResetConnection() FaultAction { return FaultAction{Kind: KindReset} }

// CloseConnection closes the connection without writing a response.
func CloseConnection() FaultAction { return FaultAction{Kind: KindClose} }

// TruncatedBody sends the real status with the JSON body cut in half (and a
// Content-Length that matches), so the client fails to decode it.
func TruncatedBody() FaultAction { return FaultAction{Kind: KindTruncate} }

// MalformedBody sends the real status with a complete body that is not
// valid JSON.
func MalformedBody() FaultAction { return FaultAction{Kind: KindMalformed} }

// GarbageBytes writes n random bytes instead of an HTTP response, then closes.
func GarbageBytes(n int) FaultAction { return FaultAction{Kind: KindGarbage, Bytes: n} }

// Dribble sends the real response in chunks pieces spread over the duration.
func Dribble(chunks int, over time.Duration) FaultAction {
	return FaultAction{Kind: KindDribble, Chunks: chunks, Delay: Duration(over)}
}

// Hang sends nothing until the client gives up or the fake is closed.
func Hang() FaultAction { return FaultAction{Kind: KindHang} }

// Sequence acts with steps[0] the first time the rule fires, steps[1] the
// second, and so on; then the rule is spent and requests go through.
// "503, 503, then succeed" is Sequence(Unavailable(), Unavailable()).
func Sequence(steps ...FaultAction) FaultAction {
	return FaultAction{Kind: KindSequence, Steps: steps}
}

// clone returns a deep copy, so a rule the fake holds shares nothing with
// its caller.
func (a FaultAction) clone() FaultAction {
	if a.Header != nil {
		h := make(map[string]string, len(a.Header))
		for k, v := range a.Header {
			h[k] = v
		}
		a.Header = h
	}
	if a.Steps != nil {
		steps := make([]FaultAction, len(a.Steps))
		for i, st := range a.Steps {
			steps[i] = st.clone()
		}
		a.Steps = steps
	}
	return a
}

// delays reports whether the action only waits and lets the request go on.
func (a FaultAction) delays() bool {
	return a.Kind == KindDelay || a.Kind == KindDelayUniform || a.Kind == KindDelayLogNormal
}

// needsResponse reports whether the action damages the handler's response,
// so it can only run after the handler.
func (a FaultAction) needsResponse() bool {
	return a.Kind == KindTruncate || a.Kind == KindMalformed || a.Kind == KindDribble
}

func (a FaultAction) validate(inSequence bool) error {
	switch a.Kind {
	case KindError:
		if a.Status < 100 || a.Status > 599 {
			return fmt.Errorf("error status %d is not an HTTP status", a.Status)
		}
		if a.Code <= 0 {
			// Not >= 1000, as the spec says: the real rate-limit code is 971.
			return fmt.Errorf("error code %d is not a Cloudflare code", a.Code)
		}
	case KindDelay:
		if a.Delay < 0 {
			return errors.New("delay must not be negative")
		}
	case KindDelayUniform:
		if a.Min < 0 || a.Max < a.Min {
			return fmt.Errorf("uniform delay needs 0 <= min <= max, got %v and %v", time.Duration(a.Min), time.Duration(a.Max))
		}
	case KindDelayLogNormal:
		if a.Median <= 0 || a.Sigma < 0 || a.Max < 0 {
			return errors.New("lognormal delay needs a positive median, sigma >= 0 and max >= 0")
		}
	case KindGarbage:
		if a.Bytes < 1 {
			return errors.New("garbage needs bytes >= 1")
		}
	case KindDribble:
		if a.Chunks < 1 || a.Delay < 0 {
			return errors.New("dribble needs chunks >= 1 and a duration >= 0")
		}
	case KindReset, KindClose, KindTruncate, KindMalformed, KindHang:
	case KindSequence:
		if inSequence {
			return errors.New("a sequence cannot hold a sequence")
		}
		if len(a.Steps) == 0 {
			return errors.New("a sequence needs at least one step")
		}
		for i, s := range a.Steps {
			if err := s.validate(true); err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
		}
	default:
		return fmt.Errorf("unknown fault kind %q", a.Kind)
	}
	return nil
}

// FaultReport is a rule with how often it matched a request and how often
// it fired.
type FaultReport struct {
	ID      string    `json:"id"`
	Rule    FaultRule `json:"rule"`
	Matched int       `json:"matched"`
	Fired   int       `json:"fired"`
}

// FaultRecord, in a log entry, says what a fault rule did to the request.
type FaultRecord struct {
	RuleID string     `json:"rule"`
	Kind   FaultKind  `json:"kind"`
	Phase  FaultPhase `json:"phase"`
	Status int        `json:"status,omitempty"` // for errors
}

func (r FaultRecord) String() string {
	s := fmt.Sprintf("%s %s %s", r.RuleID, r.Kind, r.Phase)
	if r.Status != 0 {
		s += " " + strconv.Itoa(r.Status)
	}
	return s
}

// faultSet holds the rules, in the order they were added.
type faultSet struct {
	mu     sync.Mutex
	rng    *rand.Rand // decisions, garbage and delays; seeded from the fake's seed
	nextID int
	rules  []*activeRule
}

type activeRule struct {
	id             string
	rule           FaultRule
	matched, fired int
	removed        bool
}

// AddFault adds a rule after the existing ones and returns its id. It
// returns an error, and adds nothing, for an invalid rule.
func (f *Fake) AddFault(rule FaultRule) (string, error) {
	if err := rule.Action.validate(false); err != nil {
		return "", fmt.Errorf("streamfake: fault action: %w", err)
	}
	switch {
	case rule.Phase != "" && rule.Phase != BeforeHandler && rule.Phase != AfterHandler:
		return "", fmt.Errorf("streamfake: fault phase %q is neither %q nor %q", rule.Phase, BeforeHandler, AfterHandler)
	case rule.Skip < 0 || rule.Times < 0:
		return "", errors.New("streamfake: fault skip and times must not be negative")
	case rule.Probability < 0 || rule.Probability > 1 || math.IsNaN(rule.Probability):
		return "", fmt.Errorf("streamfake: fault probability %v is not in [0, 1]", rule.Probability)
	}
	if _, err := path.Match(rule.Match.Path, ""); err != nil {
		return "", fmt.Errorf("streamfake: fault path pattern %q: %w", rule.Match.Path, err)
	}
	for _, a := range append([]FaultAction{rule.Action}, rule.Action.Steps...) {
		if a.needsResponse() && rule.Phase == BeforeHandler {
			return "", fmt.Errorf("streamfake: a %s fault damages the response, so it runs after the handler, not before", a.Kind)
		}
	}
	fs := &f.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.nextID++
	id := "fault-" + strconv.Itoa(fs.nextID)
	rule.Action = rule.Action.clone()
	fs.rules = append(fs.rules, &activeRule{id: id, rule: rule})
	return id, nil
}

// MustAddFault is AddFault for rules written in a test, where an invalid rule is a bug.
func (f *Fake) MustAddFault(rule FaultRule) string {
	id, err := f.AddFault(rule)
	if err != nil {
		panic(err)
	}
	return id
}

// RemoveFault removes a rule, and reports whether it was there.
func (f *Fake) RemoveFault(id string) bool {
	fs := &f.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if r.id == id {
			r.removed = true
			fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			return true
		}
	}
	return false
}

// ClearFaults removes every rule.
func (f *Fake) ClearFaults() {
	fs := &f.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, r := range fs.rules {
		r.removed = true
	}
	fs.rules = nil
}

// Faults reports the rules in order, with how often each matched and fired.
func (f *Fake) Faults() []FaultReport {
	fs := &f.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]FaultReport, len(fs.rules))
	for i, r := range fs.rules {
		rule := r.rule
		rule.Action = rule.Action.clone()
		out[i] = FaultReport{ID: r.id, Rule: rule, Matched: r.matched, Fired: r.fired}
	}
	return out
}

// firing is one rule's action chosen for one request.
type firing struct {
	record FaultRecord
	action FaultAction
	wait   time.Duration // for delays, drawn when the rule fired
}

// plan is what faults do to one request: delays before and after the
// handler, and at most one action that ends it.
type plan struct {
	before, after []firing // delays
	final         *firing
}

// decide picks the faults for a request. Rules are tried in order; delays
// add up, and the first rule that fires with any other action ends the
// search. Predicates run outside the lock, so they may be slow.
func (fs *faultSet) decide(entry *Request) plan {
	fs.mu.Lock()
	rules := append([]*activeRule(nil), fs.rules...)
	fs.mu.Unlock()
	if len(rules) == 0 {
		return plan{}
	}
	p := strings.TrimPrefix(entry.Path, "/client/v4")
	var view *Request // the predicates' copy, made once
	var candidates []*activeRule
	for _, r := range rules {
		m := r.rule.Match
		if (m.Operation != "" && m.Operation != entry.Operation) || (m.Method != "" && !strings.EqualFold(m.Method, entry.Method)) ||
			(m.Account != "" && m.Account != entry.Account) {
			continue
		}
		if m.Path != "" {
			if ok, _ := path.Match(m.Path, p); !ok {
				continue
			}
		}
		if m.Predicate != nil {
			if view == nil {
				c := entry.clone()
				view = &c
			}
			if !m.Predicate(*view) {
				continue
			}
		}
		candidates = append(candidates, r)
	}
	var out plan
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, r := range candidates {
		if r.removed {
			continue
		}
		r.matched++
		rule := r.rule
		if r.matched <= rule.Skip || (rule.Times > 0 && r.fired >= rule.Times) ||
			(rule.Action.Kind == KindSequence && r.fired >= len(rule.Action.Steps)) {
			continue
		}
		if rule.Probability > 0 && fs.rng.Float64() >= rule.Probability {
			continue
		}
		r.fired++
		action := rule.Action
		if action.Kind == KindSequence {
			action = action.Steps[r.fired-1]
		}
		phase := rule.Phase
		if phase == "" {
			phase = BeforeHandler
			if action.needsResponse() {
				phase = AfterHandler
			}
		}
		fire := firing{record: FaultRecord{RuleID: r.id, Kind: action.Kind, Phase: phase, Status: action.Status}, action: action}
		if action.delays() {
			fire.wait = fs.drawDelay(action)
			if phase == AfterHandler {
				out.after = append(out.after, fire)
			} else {
				out.before = append(out.before, fire)
			}
			continue
		}
		out.final = &fire
		break
	}
	return out
}

// drawDelay draws a delay's length. The caller holds fs.mu.
func (fs *faultSet) drawDelay(a FaultAction) time.Duration {
	switch a.Kind {
	case KindDelayUniform:
		return time.Duration(a.Min) + time.Duration(fs.rng.Int64N(int64(a.Max-a.Min)+1))
	case KindDelayLogNormal:
		d := time.Duration(float64(a.Median) * math.Exp(a.Sigma*fs.rng.NormFloat64()))
		if a.Max > 0 && d > time.Duration(a.Max) {
			d = time.Duration(a.Max)
		}
		return d
	}
	return time.Duration(a.Delay)
}

func (fs *faultSet) randomBytes(n int) []byte {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(fs.rng.UintN(256))
	}
	return b
}

// wait sleeps for d, and reports false if the client gave up or the fake
// closed first.
func (f *Fake) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-f.done:
		return false
	}
}

// cut ends the connection without a response. reset sends a TCP RST instead
// of a FIN. Without a connection to take over (a ResponseRecorder, HTTP/2)
// it aborts the handler, which net/http turns into a cut connection.
func (f *Fake) cut(w http.ResponseWriter, entry *Request, reset bool) {
	f.log.add(entry)
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if reset {
				setLingerZero(conn)
			}
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func setLingerZero(conn net.Conn) {
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok { // TLS
		conn = nc.NetConn()
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
}

// act performs a plan's final action. resp is the handler's response, or
// nil before the handler.
func (f *Fake) act(w http.ResponseWriter, r *http.Request, entry *Request, fire *firing, resp *response) {
	a := fire.action
	switch a.Kind {
	case KindError:
		fail := failure(a.Status, APIError{Code: a.Code, Message: a.Message})
		fail.header = http.Header{}
		for k, v := range a.Header {
			fail.header.Set(k, v)
		}
		f.write(w, entry, fail)
	case KindReset, KindClose:
		f.cut(w, entry, a.Kind == KindReset)
	case KindGarbage:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				f.log.add(entry)
				conn.Write(f.faults.randomBytes(a.Bytes))
				conn.Close()
				return
			}
		}
		f.cut(w, entry, false)
	case KindHang:
		select {
		case <-r.Context().Done():
		case <-f.done:
		case <-f.draining:
		}
		f.cut(w, entry, false)
	case KindTruncate:
		damaged := *resp
		damaged.body = resp.body[:len(resp.body)/2]
		f.write(w, entry, damaged)
	case KindMalformed:
		// A trailing comma: complete-looking, but not JSON.
		damaged := *resp
		damaged.body = append(append([]byte{}, resp.body[:len(resp.body)-1]...), ",}"...)
		f.write(w, entry, damaged)
	case KindDribble:
		f.dribble(w, r, entry, *resp, a.Chunks, time.Duration(a.Delay))
	}
}

// dribble writes resp in chunks pieces, pausing between them. The log
// entry records the whole response, logged before its last piece goes out.
func (f *Fake) dribble(w http.ResponseWriter, r *http.Request, entry *Request, resp response, chunks int, over time.Duration) {
	f.writeHeader(w, resp)
	entry.Status, entry.ResponseBody, entry.ErrorCodes = resp.status, resp.body, resp.codes
	size := max((len(resp.body)+chunks-1)/chunks, 1)
	pause := over / time.Duration(max(chunks-1, 1))
	for i := 0; i < len(resp.body); i += size {
		if i > 0 && !f.wait(r.Context(), pause) {
			entry.Status, entry.ResponseBody = 0, resp.body[:i] // what got out before the cut
			f.cut(w, entry, false)
			return
		}
		if i+size >= len(resp.body) {
			f.log.add(entry)
		}
		w.Write(resp.body[i:min(i+size, len(resp.body))])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
	}
}
