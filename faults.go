package streamfake

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FaultRule makes the fake fail some requests on purpose. The zero values
// of its counters mean "every matching request, until removed".
type FaultRule struct {
	Match  FaultMatch  `json:"match"`  // which requests
	Action FaultAction `json:"action"` // what happens to them
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
	Operation Operation `json:"operation,omitempty"` // OpCreate …; OpUnmatched for requests no route serves
	Method    string    `json:"method,omitempty"`    // "POST" …, in any letter case
	// Path is a path.Match pattern for the path without its /client/v4
	// prefix, e.g. "/accounts/*/stream/live_inputs/*".
	Path    string `json:"path,omitempty"`
	Account string `json:"account,omitempty"` // an account id the fake serves
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
	KindRaw            FaultKind = "raw"             // any status, content type and body, as an edge proxy sends
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
	Kind        FaultKind         `json:"kind"`                  // what it does
	Status      int               `json:"status,omitempty"`      // the HTTP status of an error or raw response
	Code        int               `json:"code,omitempty"`        // the Cloudflare code of an error
	Message     string            `json:"message,omitempty"`     // the message of an error
	ContentType string            `json:"contentType,omitempty"` // the Content-Type of a raw response
	Body        string            `json:"body,omitempty"`        // the body of a raw response
	Header      map[string]string `json:"header,omitempty"`      // extra headers of an error or raw response
	Delay       Duration          `json:"delay,omitempty"`       // a delay's length, or the time a dribble spreads over
	Min         Duration          `json:"min,omitempty"`         // the shortest uniform delay
	Max         Duration          `json:"max,omitempty"`         // the longest uniform delay, or a lognormal delay's cap
	Median      Duration          `json:"median,omitempty"`      // a lognormal delay's median
	Sigma       float64           `json:"sigma,omitempty"`       // the spread of a lognormal delay's underlying normal
	Chunks      int               `json:"chunks,omitempty"`      // how many pieces a dribble sends
	Bytes       int               `json:"bytes,omitempty"`       // how many garbage bytes
	Steps       []FaultAction     `json:"steps,omitempty"`       // a sequence's actions, one per firing
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

// RawResponse answers exactly status, contentType and body, not a
// Cloudflare envelope: what Cloudflare's edge sends in front of the API,
// such as an HTML 502 or 521 page, or an empty 204. The status may be any
// from 200 to 599; the body at most MaxFaultBytes.
func RawResponse(status int, contentType, body string) FaultAction {
	return FaultAction{Kind: KindRaw, Status: status, ContentType: contentType, Body: body}
}

// RateLimited answers 429 with code 971 and "Retry-After: 0", so SDKs retry
// at once; change the wait with WithRetryAfter.
func RateLimited() FaultAction {
	return ErrorResponse(http.StatusTooManyRequests, CodeRateLimited, msgRateLimited).WithHeader("Retry-After", "0")
}

// ServerError answers 500.
func ServerError() FaultAction {
	return ErrorResponse(http.StatusInternalServerError, CodeInternalError, msgInternalError)
}

// Unavailable answers 503.
func Unavailable() FaultAction {
	return ErrorResponse(http.StatusServiceUnavailable, CodeServiceUnavailable, msgServiceUnavailable)
}

// AuthError answers 403 with code 10000, as for a revoked token.
func AuthError() FaultAction {
	return ErrorResponse(http.StatusForbidden, CodeAuthenticationError, msgAuthenticationError)
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

// GarbageBytes writes n random bytes instead of an HTTP response, then
// closes. n is at most MaxFaultBytes.
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

// checkRule checks a rule; its errors name the field at fault.
func (f *Fake) checkRule(rule FaultRule) error {
	if err := rule.Action.validate("action", false); err != nil {
		return err
	}
	switch {
	case rule.Phase != "" && rule.Phase != BeforeHandler && rule.Phase != AfterHandler:
		return fmt.Errorf("phase: %q is neither %q nor %q", rule.Phase, BeforeHandler, AfterHandler)
	case rule.Skip < 0:
		return fmt.Errorf("skip: %d is negative", rule.Skip)
	case rule.Times < 0:
		return fmt.Errorf("times: %d is negative", rule.Times)
	case !(rule.Probability >= 0 && rule.Probability <= 1): // also refuses NaN
		return fmt.Errorf("probability: %v is not in [0, 1]", rule.Probability)
	}
	for _, a := range append([]FaultAction{rule.Action}, rule.Action.Steps...) {
		if a.needsResponse() && rule.Phase == BeforeHandler {
			return fmt.Errorf("phase: a %s fault damages the response, so it runs after the handler, not before", a.Kind)
		}
	}
	return f.checkMatch(rule.Match)
}

// checkMatch refuses a FaultMatch that no request could satisfy. Each field
// is checked alone, with a suggestion; then together, since an operation
// has one method and one path.
func (f *Fake) checkMatch(m FaultMatch) error {
	ops := Operations()
	if m.Operation != "" && !slices.Contains(ops, m.Operation) && m.Operation != OpUnmatched {
		names := make([]string, len(ops))
		for i, op := range ops {
			names[i] = string(op)
		}
		return fmt.Errorf("match.operation: no operation %q%s", m.Operation, suggest(string(m.Operation), names))
	}
	var methods []string
	for _, t := range routeTable {
		for _, meth := range t.methods {
			if !slices.Contains(methods, meth) {
				methods = append(methods, meth)
			}
		}
	}
	if m.Method != "" && !slices.ContainsFunc(methods, func(s string) bool { return strings.EqualFold(s, m.Method) }) {
		return fmt.Errorf("match.method: no route serves %q%s", m.Method, suggest(strings.ToUpper(m.Method), methods))
	}
	if m.Path != "" {
		if _, err := path.Match(m.Path, ""); err != nil {
			return fmt.Errorf("match.path: %q is not a path.Match pattern: %v", m.Path, err)
		}
		if p := apiPath(m.Path); p != m.Path {
			return fmt.Errorf("match.path: patterns leave out the /client/v4 prefix; did you mean %q?", p)
		}
		var forms []string
		matches := false
		for _, t := range routeTable {
			forms = append(forms, t.pattern())
			matches = matches || t.patternCanMatch(m.Path)
		}
		if !matches {
			return fmt.Errorf("match.path: %q can match no route of the fake%s", m.Path, suggest(m.Path, forms))
		}
	}
	if m.Account != "" && !slices.Contains(f.cfg.accounts, m.Account) {
		return fmt.Errorf("match.account: the fake does not serve account %q%s", m.Account, suggest(m.Account, f.cfg.accounts))
	}
	// Together: some route must have the operation, with the method, at a
	// path the pattern matches.
	if m.Operation == OpUnmatched || (m.Operation == "" && m.Method == "") {
		return nil
	}
	for _, t := range routeTable {
		for i, op := range t.ops {
			if (m.Operation == "" || op == m.Operation) && (m.Method == "" || strings.EqualFold(t.methods[i], m.Method)) &&
				(m.Path == "" || t.patternCanMatch(m.Path)) {
				return nil
			}
		}
	}
	return fmt.Errorf("match: no request has operation %q, method %q and a path matching %q together", m.Operation, m.Method, m.Path)
}

// suggest names the candidate nearest to got, as the end of an error
// message, or says what the candidates are when none is near.
func suggest(got string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(got), strings.ToLower(c)); bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist >= 0 && bestDist <= max(2, len(got)/3) {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return fmt.Sprintf("; the choices are %s", strings.Join(candidates, ", "))
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Limits on fault actions, so that no rule can wedge or crash the fake: a
// delay cannot outlast a test run, and no byte count can exhaust memory.
const (
	// MaxFaultDuration is the longest delay, dribble or lognormal cap a rule may set.
	MaxFaultDuration = 10 * time.Minute
	// MaxFaultBytes is the most bytes GarbageBytes and RawResponse may send.
	MaxFaultBytes = 1 << 20
	// MaxDribbleChunks is the most pieces Dribble may cut a response into.
	MaxDribbleChunks = 1 << 16
	// maxSigma bounds the spread of a lognormal delay; beyond it every draw
	// lands on the cap or near zero anyway.
	maxSigma = 10
)

// validate checks an action; field is its place in the rule ("action",
// "action.steps[1]"), so that an error names the field at fault.
func (a FaultAction) validate(field string, inSequence bool) error {
	fail := func(name, format string, args ...any) error {
		return fmt.Errorf("%s.%s: %s", field, name, fmt.Sprintf(format, args...))
	}
	duration := func(name string, d Duration) error {
		switch {
		case d < 0:
			return fail(name, "%v is negative", time.Duration(d))
		case time.Duration(d) > MaxFaultDuration:
			return fail(name, "%v is longer than the %v a fault may last (MaxFaultDuration)", time.Duration(d), MaxFaultDuration)
		}
		return nil
	}
	given := make(map[string]string, len(a.Header))
	for name, value := range a.Header {
		if err := checkFaultHeader(name, value); err != nil {
			return fail("header", "%v", err)
		}
		// Only one of two names differing in case would be sent, and
		// which one would change from run to run.
		canonical := http.CanonicalHeaderKey(name)
		if other, twice := given[canonical]; twice {
			return fail("header", "%q and %q are the same header", min(other, name), max(other, name))
		}
		given[canonical] = name
	}
	switch a.Kind {
	case KindError:
		if a.Status < 400 || a.Status > 599 {
			return fail("status", "%d is not an error status (400 to 599); RawResponse sends any status", a.Status)
		}
		if a.Code <= 0 {
			// Not >= 1000, as the spec says: the real rate-limit code is 971.
			return fail("code", "%d is not a Cloudflare code (a positive number)", a.Code)
		}
	case KindRaw:
		if a.Status < 200 || a.Status > 599 {
			return fail("status", "%d is not a final HTTP status (200 to 599)", a.Status)
		}
		if len(a.Body) > MaxFaultBytes {
			return fail("body", "%d bytes is more than %d (MaxFaultBytes)", len(a.Body), MaxFaultBytes)
		}
		if err := checkFaultHeader("Content-Type", a.ContentType); err != nil {
			return fail("contentType", "%v", err)
		}
	case KindDelay:
		return duration("delay", a.Delay)
	case KindDelayUniform:
		if err := duration("min", a.Min); err != nil {
			return err
		}
		if err := duration("max", a.Max); err != nil {
			return err
		}
		if a.Max < a.Min {
			return fail("max", "%v is less than min %v", time.Duration(a.Max), time.Duration(a.Min))
		}
	case KindDelayLogNormal:
		if a.Median <= 0 {
			return fail("median", "%v is not positive", time.Duration(a.Median))
		}
		if err := duration("median", a.Median); err != nil {
			return err
		}
		if err := duration("max", a.Max); err != nil {
			return err
		}
		if !(a.Sigma >= 0 && a.Sigma <= maxSigma) { // also refuses NaN
			return fail("sigma", "%v is not between 0 and %d", a.Sigma, maxSigma)
		}
	case KindGarbage:
		if a.Bytes < 1 || a.Bytes > MaxFaultBytes {
			return fail("bytes", "%d is not between 1 and %d (MaxFaultBytes)", a.Bytes, MaxFaultBytes)
		}
	case KindDribble:
		if a.Chunks < 1 || a.Chunks > MaxDribbleChunks {
			return fail("chunks", "%d is not between 1 and %d (MaxDribbleChunks)", a.Chunks, MaxDribbleChunks)
		}
		return duration("delay", a.Delay)
	case KindReset, KindClose, KindTruncate, KindMalformed, KindHang:
	case KindSequence:
		if inSequence {
			return fail("kind", "a sequence cannot hold a sequence")
		}
		if len(a.Steps) == 0 {
			return fail("steps", "a sequence needs at least one step")
		}
		for i, s := range a.Steps {
			if err := s.validate(fmt.Sprintf("%s.steps[%d]", field, i), true); err != nil {
				return err
			}
		}
	default:
		return fail("kind", "unknown fault kind %q; the kinds are %s", a.Kind, strings.Join(faultKindNames(), ", "))
	}
	return nil
}

// checkFaultHeader refuses a header that would break HTTP framing or that
// net/http could not send as given.
func checkFaultHeader(name, value string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) }) >= 0 {
		return fmt.Errorf("%q is not a header name", name)
	}
	if strings.IndexFunc(value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) >= 0 {
		// net/http would send most control characters as they are, in a
		// response no HTTP client accepts.
		return fmt.Errorf("the value of %s holds a control character", name)
	}
	switch http.CanonicalHeaderKey(name) {
	case "Content-Length", "Transfer-Encoding", "Connection", "Trailer", "Upgrade", "Te", "Keep-Alive":
		return fmt.Errorf("%s frames the response; the fake sets it", http.CanonicalHeaderKey(name))
	}
	return nil
}

// faultKindNames lists the kinds, for error messages.
func faultKindNames() []string {
	return []string{string(KindError), string(KindRaw), string(KindDelay), string(KindDelayUniform), string(KindDelayLogNormal),
		string(KindReset), string(KindClose), string(KindTruncate), string(KindMalformed), string(KindGarbage),
		string(KindDribble), string(KindHang), string(KindSequence)}
}

// FaultReport is a rule with how often it matched a request and how often
// it fired.
type FaultReport struct {
	ID      string    `json:"id"`      // "fault-1" …, as AddFault returned it
	Rule    FaultRule `json:"rule"`    // a copy of the rule
	Matched int       `json:"matched"` // requests that matched, skipped ones included
	Fired   int       `json:"fired"`   // requests it acted on
}

// FaultRecord, in a log entry, says what a fault rule did to the request.
type FaultRecord struct {
	RuleID string     `json:"rule"`             // the rule's id
	Kind   FaultKind  `json:"kind"`             // what it did
	Phase  FaultPhase `json:"phase"`            // before or after the handler
	Status int        `json:"status,omitempty"` // the status it sent, for errors and raw responses
}

// String is "fault-1 error before 429".
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
	count  atomic.Int32 // len(rules), read without the lock
}

type activeRule struct {
	id             string
	rule           FaultRule
	matched, fired int
	removed        bool
}

// AddFault adds a rule after the existing ones and returns its id. It
// returns an error, and adds nothing, for an invalid rule, and for a rule
// that could never match: an unknown operation, a method or path no route
// serves, an account the fake does not serve. The error names the field
// and suggests the nearest valid value.
func (f *Fake) AddFault(rule FaultRule) (string, error) {
	if err := f.checkRule(rule); err != nil {
		return "", fmt.Errorf("streamfake: fault rule: %w", err)
	}
	fs := &f.faults
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.nextID++
	id := "fault-" + strconv.Itoa(fs.nextID)
	rule.Action = rule.Action.clone()
	fs.rules = append(fs.rules, &activeRule{id: id, rule: rule})
	fs.count.Store(int32(len(fs.rules)))
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
			fs.count.Store(int32(len(fs.rules)))
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
	fs.count.Store(0)
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

// UnfiredFaults reports the rules that have not fired yet, in order: a
// rule that never fires by the end of a test is usually a typo in its
// match, or a test that no longer tests what it says.
func (f *Fake) UnfiredFaults() []FaultReport {
	var out []FaultReport
	for _, r := range f.Faults() {
		if r.Fired == 0 {
			out = append(out, r)
		}
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
	if fs.count.Load() == 0 {
		return plan{} // most fakes have no rules: no lock
	}
	fs.mu.Lock()
	rules := append([]*activeRule(nil), fs.rules...)
	fs.mu.Unlock()
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
		limit := MaxFaultDuration
		if a.Max > 0 {
			limit = time.Duration(a.Max)
		}
		// Capped as a float: the draw can be far beyond what a Duration holds.
		d := float64(a.Median) * math.Exp(a.Sigma*fs.rng.NormFloat64())
		if !(d < float64(limit)) {
			return limit
		}
		return time.Duration(d)
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

// act performs a plan's final action. resp is the handler's response, or
// nil before the handler.
func (x *exchange) act(fire *firing, resp *response) {
	a := fire.action
	switch a.Kind {
	case KindError:
		fail := failure(a.Status, APIError{Code: a.Code, Message: a.Message})
		fail.header = a.httpHeader()
		x.write(fail)
	case KindRaw:
		h := a.httpHeader()
		if a.ContentType != "" {
			h.Set("Content-Type", a.ContentType)
		}
		x.write(response{status: a.Status, header: h, body: []byte(a.Body)})
	case KindReset, KindClose:
		x.cut(a.Kind == KindReset, nil)
	case KindGarbage:
		if conn := x.hijack(); conn != nil {
			x.complete(nil, nil, "")
			conn.SetWriteDeadline(time.Now().Add(garbageWriteTimeout))
			conn.Write(x.f.faults.randomBytes(a.Bytes))
			conn.Close()
			return
		}
		x.cut(false, nil)
	case KindHang:
		select {
		case <-x.r.Context().Done():
		case <-x.f.done:
		case <-x.f.draining:
		}
		x.cut(false, nil)
	case KindTruncate:
		damaged := *resp
		damaged.body = resp.body[:len(resp.body)/2]
		x.write(damaged)
	case KindMalformed:
		// A trailing comma: complete-looking, but not JSON.
		damaged := *resp
		damaged.body = append(append([]byte{}, resp.body[:len(resp.body)-1]...), ",}"...)
		x.write(damaged)
	case KindDribble:
		x.dribble(*resp, a.Chunks, time.Duration(a.Delay))
	}
}

// garbageWriteTimeout bounds the write of garbage bytes to a client that
// does not read them.
const garbageWriteTimeout = 5 * time.Second

// httpHeader returns the action's extra headers as an http.Header.
func (a FaultAction) httpHeader() http.Header {
	h := http.Header{}
	for k, v := range a.Header {
		h.Set(k, v)
	}
	return h
}

// dribble writes resp in chunks pieces, pausing between them. The log
// entry records the whole response, completed before its last piece goes out.
func (x *exchange) dribble(resp response, chunks int, over time.Duration) {
	x.writeHeader(resp, true)
	size := max((len(resp.body)+chunks-1)/chunks, 1)
	pause := over / time.Duration(max(chunks-1, 1))
	for i := 0; i < len(resp.body); i += size {
		if i > 0 && !x.f.wait(x.r.Context(), pause) {
			x.cut(false, resp.body[:i]) // what got out before the cut
			return
		}
		if i+size >= len(resp.body) {
			x.complete(&resp, nil, "")
		}
		x.w.Write(resp.body[i:min(i+size, len(resp.body))])
		if fl, ok := x.w.(http.Flusher); ok {
			fl.Flush()
		}
	}
}
