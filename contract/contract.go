// Package contract is a suite of scenarios that any Cloudflare Stream
// target must answer alike: the fake in process, the standalone binary,
// or real Cloudflare. Each scenario is a sequence of plain HTTP requests;
// each answer is reduced to what two services can share (status, success,
// error codes and pointers, the keys and JSON types at every depth, and
// the formats of ids, times, stream keys and hosts), with ids replaced by
// references so that later steps can be checked against earlier answers.
//
// go test ./contract runs the suite against an in-process fake and compares
// the answers with the snapshots in testdata; -record writes them from the
// target instead. STREAMFAKE_CONTRACT_URL, _TOKEN and _ACCOUNT point it at
// another target; one that is not on loopback also needs
// STREAMFAKE_CONTRACT_REAL=1, since the suite creates and deletes real
// resources. The README's "Verifying against Cloudflare" has the workflow.
package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Target is a service the suite talks to.
type Target struct {
	// Name says where answers came from, in reports and snapshots:
	// "streamfake (in-process)", "api.cloudflare.com".
	Name    string
	BaseURL string // up to and including /client/v4
	Token   string // an API token that may edit Stream on Account
	Account string // the account id the scenarios work in
	// Fake is set for a streamfake (in process or the binary): its admin
	// API, at BaseURL's host, runs the scenarios marked FakeOnly.
	Fake bool
	// Client sends the requests; nil means one with a 30-second timeout.
	Client *http.Client
	// Sleep waits out a 429's Retry-After; nil means time.Sleep.
	Sleep func(time.Duration)
}

// Auth is the credential a step sends.
type Auth int

const (
	AuthToken        Auth = iota // the target's token: the default
	AuthNone                     // no credentials at all
	AuthMalformed                // an Authorization header that is not "Bearer <token>"
	AuthWrong                    // a well-formed token that is not the target's
	AuthOtherAccount             // the target's token, on an account it cannot reach
)

// Step is one request of a scenario.
type Step struct {
	Name   string // what it does, unique in its scenario
	Method string // "GET" …
	// Path is under /accounts/{account} (or, for Admin steps, under
	// /__streamfake/), with {name} placeholders for values saved by earlier
	// steps, and {zero} for an id no target holds.
	Path        string
	Body        string // with placeholders, as Path
	ContentType string // sent with a body; "" means application/json
	Auth        Auth   // the credential sent; AuthToken unless set
	// Admin steps call a fake's admin API: only their status is compared.
	Admin bool
	// Save names values of the answer for later steps: {"input":
	// "result.uid"} lets a path say {input}.
	Save map[string]string
	// Creates says what a successful answer created, for the cleanup at
	// the end of the scenario: "live_input" (its uid at result.uid) or
	// "webhook".
	Creates string
	// Repeat sends the request this many times (0 and 1: once); only the
	// last answer is compared.
	Repeat int
}

// Scenario is an ordered set of steps, with the differences from the
// snapshot it is known to allow.
type Scenario struct {
	Name string // unique; it names the snapshot file too
	// FakeOnly scenarios need a fake's admin API (a broadcaster connects):
	// they are skipped elsewhere.
	FakeOnly bool
	// SetsWebhook scenarios replace the account's Stream webhook: they are
	// skipped on an account that already has one, which the suite did not
	// create.
	SetsWebhook bool
	Steps       []Step            // in order
	Known       []KnownDifference // differences from the snapshot it allows
}

// KnownDifference is a difference a scenario allows at one step and path,
// with its reason. Each reason is a row of the README's fidelity notes.
type KnownDifference struct {
	Step   string // the step's name
	Path   string // as in Difference: "status", "errors", a Shape path
	Reason string // a fidelity note's Behaviour cell, verbatim
}

// NamePrefix starts the name (meta.name) of everything the suite creates,
// so that a person can recognise it, and so can a cleanup.
const NamePrefix = "streamfake-contract"

// zeroID is an id no target holds.
const zeroID = "00000000000000000000000000000000"

// Answer is a response reduced to what two services can share.
type Answer struct {
	Status  int    `json:"status"`  // the HTTP status
	Success string `json:"success"` // "true", "false", "absent", or "not JSON"
	// Errors are the envelope's errors in order: "10005 at /recording/mode",
	// "6003 chain 6111".
	Errors []string `json:"errors,omitempty"`
	// Shape maps each path of the body ("result.rtmps.url", "result[]" for
	// a list's elements) to what is there: "object", "array", "{}", "[]",
	// "null", "true", "false", a number as written ("30"; "number" for
	// counts, durations and sizes, which vary), "<time:6>" (an RFC 3339
	// time with six fraction digits), or "=" and a string, its ids written
	// "<hex:1>" (the scenario's first 32-hex value), "<hex>" in a list,
	// hosts "customer-<code>", and credentials "<secret>".
	Shape map[string]string `json:"shape,omitempty"`
}

// StepRecord is one step of a snapshot.
type StepRecord struct {
	Step    string  `json:"step"`             // the step's name
	Request string  `json:"request"`          // "POST /accounts/<account>/stream/live_inputs"
	Answer  *Answer `json:"answer,omitempty"` // nil for Admin steps
	Status  int     `json:"status,omitempty"` // an Admin step's status
}

// Snapshot is a scenario's answers from one target: the file in testdata.
type Snapshot struct {
	Scenario     string       `json:"scenario"`     // its name
	RecordedFrom string       `json:"recordedFrom"` // the Target's Name
	RecordedAt   string       `json:"recordedAt"`   // a date
	Steps        []StepRecord `json:"steps"`        // in order
}

// Difference is one place where a target's answer differs from the
// snapshot.
type Difference struct {
	Scenario string // its name
	Step     string // the step's name
	Path     string // "status", "success", "errors", or a Shape path
	Want     string // what the snapshot holds there; "(absent)" for nothing
	Got      string // what the target answered
	Known    string // the reason, when the scenario allows the difference
}

// String is the difference as a report line: scenario, step, path, what
// was wanted and what came.
func (d Difference) String() string {
	s := fmt.Sprintf("scenario %q, step %q: %s: want %s, got %s", d.Scenario, d.Step, d.Path, d.Want, d.Got)
	if d.Known != "" {
		s += " (known: " + d.Known + ")"
	}
	return s
}

// Result is what running one scenario found.
type Result struct {
	Scenario    string       // its name
	Skipped     string       // why it did not run, if it did not
	Snapshot    Snapshot     // what the target answered
	Differences []Difference // against the snapshot given, if any
	Err         error        // a failure to talk to the target, or a cleanup that failed
}

// Summary counts results for a person.
func Summary(results []Result) string {
	var matched, differing, skipped, failed int
	for _, r := range results {
		switch {
		case r.Skipped != "":
			skipped++
		case r.Err != nil:
			failed++
		case slices.ContainsFunc(r.Differences, func(d Difference) bool { return d.Known == "" }):
			differing++
		default:
			matched++
		}
	}
	noun := "scenarios"
	if len(results)-skipped == 1 {
		noun = "scenario"
	}
	s := fmt.Sprintf("contract: %d %s run, %d matched, %d differing, %d skipped", len(results)-skipped, noun, matched, differing, skipped)
	if failed > 0 {
		s += fmt.Sprintf(", %d failed to run", failed)
	}
	return s
}

// runner runs scenarios against one target, sequentially.
type runner struct {
	t        Target
	requests int // sent so far, retries included
}

// Run runs the scenarios in order against t, comparing each with its
// snapshot in want (by scenario name) when want is not nil. It cleans up
// what each scenario created, even when a step fails, and returns the
// results and how many requests it sent.
func Run(t Target, scenarios []Scenario, want map[string]Snapshot) ([]Result, int) {
	if t.Client == nil {
		t.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if t.Sleep == nil {
		t.Sleep = time.Sleep
	}
	r := &runner{t: t}
	var results []Result
	for _, sc := range scenarios {
		res := r.run(sc)
		if res.Skipped == "" && res.Err == nil && want != nil {
			if snap, ok := want[sc.Name]; ok {
				res.Differences = Compare(sc, snap, res.Snapshot)
			} else {
				res.Err = fmt.Errorf("no snapshot of scenario %q: record one with go test ./contract -record", sc.Name)
			}
		}
		results = append(results, res)
	}
	return results, r.requests
}

// run runs one scenario and then its cleanup.
func (r *runner) run(sc Scenario) (res Result) {
	res = Result{Scenario: sc.Name, Snapshot: Snapshot{Scenario: sc.Name, RecordedFrom: r.t.Name, RecordedAt: time.Now().UTC().Format("2006-01-02")}}
	switch {
	case sc.FakeOnly && !r.t.Fake:
		res.Skipped = "it needs a fake's admin API"
		return res
	case sc.SetsWebhook && !r.t.Fake:
		// A real account may have a webhook of its own: never replace it.
		status, _, err := r.send(Step{Method: "GET", Path: "/stream/webhook"}, nil)
		if err != nil {
			res.Err = err
			return res
		}
		if status == http.StatusOK {
			res.Skipped = "the account already has a Stream webhook, which the suite will not replace"
			return res
		}
	}
	saved := map[string]string{"zero": zeroID, "prefix": NamePrefix}
	var inputs []string
	webhook := false
	defer func() {
		// Whatever happened, delete what the scenario created, and say
		// what could not be: a step's failure and the cleanup's both count.
		// 400 and 404 mean a step deleted it already.
		remove := func(what, path string) {
			if status, _, err := r.send(Step{Method: "DELETE", Path: path}, nil); err != nil || (status != 200 && status != 400 && status != 404) {
				res.Err = errors.Join(res.Err, fmt.Errorf("cleanup: deleting %s: status %d, %v; delete it by hand", what, status, err))
			}
		}
		for _, uid := range inputs {
			remove("live input "+uid, "/stream/live_inputs/"+uid)
		}
		if webhook {
			remove("the Stream webhook", "/stream/webhook")
		}
	}()
	refs := newRefs()
	for _, step := range sc.Steps {
		var status int
		var body []byte
		var err error
		var doc any
		var isJSON bool
		for range max(step.Repeat, 1) {
			if status, body, err = r.send(step, saved); err != nil {
				res.Err = fmt.Errorf("step %q: %w", step.Name, err)
				return res
			}
			doc, isJSON = decodeAnswer(body) // once, for the cleanup, the snapshot and the saved values
			if isJSON && status == 200 {
				switch step.Creates {
				case "live_input":
					if uid, ok := lookup(doc, "result.uid").(string); ok {
						inputs = append(inputs, uid)
					}
				case "webhook":
					webhook = true
				}
			}
		}
		rec := StepRecord{Step: step.Name, Request: step.Method + " " + requestPath(step)}
		if step.Admin {
			rec.Status = status
		} else {
			a := normalize(status, doc, isJSON, refs)
			rec.Answer = &a
		}
		res.Snapshot.Steps = append(res.Snapshot.Steps, rec)
		for name, path := range step.Save {
			v, ok := lookup(doc, path).(string)
			if !ok {
				res.Err = fmt.Errorf("step %q: the answer (%d) has no string at %s to save as {%s}: %.300s", step.Name, status, path, name, body)
				return res
			}
			saved[name] = v
		}
	}
	return res
}

// requestPath is how a snapshot shows a step's request: no account id.
func requestPath(s Step) string {
	if s.Admin {
		return "/__streamfake" + s.Path
	}
	return "/accounts/<account>" + s.Path
}

var placeholder = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

// fill replaces the placeholders of s with saved values.
func fill(s string, saved map[string]string) (string, error) {
	var missing string
	out := placeholder.ReplaceAllStringFunc(s, func(m string) string {
		v, ok := saved[m[1:len(m)-1]]
		if !ok {
			missing = m
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("no value saved for %s", missing)
	}
	return out, nil
}

// maxRetries bounds how often one request is sent again after a 429.
const maxRetries = 5

// send sends one step's request, waiting out 429s as Retry-After asks.
func (r *runner) send(step Step, saved map[string]string) (int, []byte, error) {
	path, err := fill(step.Path, saved)
	if err != nil {
		return 0, nil, err
	}
	body, err := fill(step.Body, saved)
	if err != nil {
		return 0, nil, err
	}
	account := r.t.Account
	if step.Auth == AuthOtherAccount {
		account = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
	}
	target := strings.TrimSuffix(r.t.BaseURL, "/") + "/accounts/" + account + path
	if step.Admin {
		u, err := url.Parse(r.t.BaseURL)
		if err != nil {
			return 0, nil, err
		}
		target = u.Scheme + "://" + u.Host + "/__streamfake" + path
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequest(step.Method, target, strings.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		if body != "" {
			ct := step.ContentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
		}
		switch step.Auth {
		case AuthToken, AuthOtherAccount:
			req.Header.Set("Authorization", "Bearer "+r.t.Token)
		case AuthMalformed:
			req.Header.Set("Authorization", "Bearer not a token")
		case AuthWrong:
			req.Header.Set("Authorization", "Bearer "+strings.Repeat("Wr0ng", 8))
		}
		r.requests++
		resp, err := r.t.Client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		resp.Body.Close()
		if err != nil {
			return 0, nil, err
		}
		if resp.StatusCode != http.StatusTooManyRequests || attempt == maxRetries {
			return resp.StatusCode, b, nil
		}
		wait := time.Second
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			wait = time.Duration(s) * time.Second
		}
		r.t.Sleep(wait)
	}
}

// lookup follows a dotted path ("result.uid", "result.0.uid") into
// decoded JSON.
func lookup(doc any, path string) any {
	for _, key := range strings.Split(path, ".") {
		switch d := doc.(type) {
		case map[string]any:
			doc = d[key]
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(d) {
				return nil
			}
			doc = d[i]
		default:
			return nil
		}
	}
	return doc
}

// refs numbers the 32-hex values of a scenario in order of appearance.
type refs struct{ ids map[string]int }

func (r *refs) has(id string) bool { _, ok := r.ids[id]; return ok }

func newRefs() *refs { return &refs{ids: map[string]int{}} }

func (r *refs) of(id string) string {
	n, ok := r.ids[id]
	if !ok {
		n = len(r.ids) + 1
		r.ids[id] = n
	}
	return fmt.Sprintf("<hex:%d>", n)
}

var (
	hexRun       = regexp.MustCompile(`[0-9a-fA-F]{16,}`)
	customerHost = regexp.MustCompile(`customer-[a-z0-9]{16}\.`)
	rfc3339      = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.(\d+))?(Z|[+-]\d\d:\d\d)$`)
	// secretKey names the keys whose values are credentials; under them,
	// only references and single separators survive. randomRun is, under
	// any key, what looks like a credential: a long run mixing upper case,
	// lower case and digits.
	secretKey = regexp.MustCompile(`(?i)key|secret|passphrase|token|password|sig|auth|credential|cookie`)
	reference = regexp.MustCompile(`<hex(:\d+)?>|<hex\d+>|customer-<code>\.`)
	randomRun = regexp.MustCompile(`[A-Za-z0-9+/=_-]{16,}`)
)

// decodeAnswer decodes an answer's body, numbers as written, and reports
// whether it was JSON.
func decodeAnswer(body []byte) (any, bool) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return doc, dec.Decode(&doc) == nil
}

// normalize reduces a decoded answer to its Answer, numbering its ids with
// refs.
func normalize(status int, doc any, isJSON bool, refs *refs) Answer {
	a := Answer{Status: status, Success: "not JSON", Shape: map[string]string{}}
	if !isJSON {
		return a
	}
	env, ok := doc.(map[string]any)
	if !ok {
		a.Success = "absent"
		shape(a.Shape, "", doc, refs, false)
		return a
	}
	switch s := env["success"].(type) {
	case bool:
		a.Success = strconv.FormatBool(s)
	default:
		a.Success = "absent"
	}
	if errs, ok := env["errors"].([]any); ok {
		for _, e := range errs {
			a.Errors = append(a.Errors, describeError(e))
		}
	}
	rest := map[string]any{}
	for k, v := range env {
		if k != "success" {
			rest[k] = v
		}
	}
	shape(a.Shape, "", rest, refs, false) // errors too: their keys, types and messages
	return a
}

// describeError is an error's code, pointer and chained codes.
func describeError(e any) string {
	m, _ := e.(map[string]any)
	s := fmt.Sprint(m["code"])
	if src, ok := m["source"].(map[string]any); ok {
		s += fmt.Sprintf(" at %v", src["pointer"])
	}
	if chain, ok := m["error_chain"].([]any); ok {
		for _, c := range chain {
			s += " chain " + describeError(c)
		}
	}
	return s
}

// shape records v at path, and everything below it. Inside arrays, whose
// length on a real account depends on what else it holds, ids are not
// numbered and elements merge.
func shape(out map[string]string, path string, v any, refs *refs, inArray bool) {
	put := func(desc string) {
		if old, ok := out[path]; ok && old != desc {
			parts := strings.Split(old, " | ")
			if !slices.Contains(parts, desc) {
				parts = append(parts, desc)
				slices.Sort(parts)
			}
			desc = strings.Join(parts, " | ")
		}
		out[path] = desc
	}
	join := func(key string) string {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			put("{}")
			return
		}
		if path != "" {
			put("object")
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys) // refs are numbered in key order, the same on every target
		for _, k := range keys {
			shape(out, join(k), v[k], refs, inArray)
		}
	case []any:
		v = ours(v, refs)
		if len(v) == 0 {
			put("[]")
			return
		}
		put("array")
		for _, e := range v {
			shape(out, path+"[]", e, refs, true)
		}
	case string:
		put(describeString(path, v, refs, inArray))
	case json.Number:
		if volatileNumbers[path[strings.LastIndex(path, ".")+1:]] {
			put("number")
		} else {
			put(string(v))
		}
	case bool:
		put(strconv.FormatBool(v))
	case nil:
		put("null")
	}
}

// ours keeps, of a list of objects with uids, those the scenario has seen
// or made:
// on a real account a list also holds what others made, which the suite
// neither compares nor records.
func ours(list []any, refs *refs) []any {
	var kept []any
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return list
		}
		uid, ok := m["uid"].(string)
		if !ok {
			return list
		}
		// A video made by one of the scenario's inputs is ours too, though
		// its uid first appears in the list.
		if input, _ := m["liveInput"].(string); refs.has(uid) || refs.has(input) {
			kept = append(kept, e)
		}
	}
	return kept
}

// volatileNumbers are the keys whose numbers depend on when the scenario
// ran, or on what else the account holds: their type is compared, not
// their value.
var volatileNumbers = map[string]bool{"total": true, "range": true, "duration": true, "size": true}

// describeString is a string's format: a time's precision, its ids as
// references, a customer host's code hidden, what is left of a credential
// hidden, and the rest as it is.
func describeString(path, s string, refs *refs, inArray bool) string {
	if m := rfc3339.FindStringSubmatch(s); m != nil {
		if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return fmt.Sprintf("<time:%d>", len(m[2]))
		}
	}
	s = hexRun.ReplaceAllStringFunc(s, func(h string) string {
		switch {
		case len(h) != 32 || strings.ToLower(h) != h: // not an id of the API's form
			return fmt.Sprintf("<hex%d>", len(h))
		case inArray:
			return "<hex>"
		}
		return refs.of(h)
	})
	s = customerHost.ReplaceAllString(s, "customer-<code>.")
	if key := path[strings.LastIndex(path, ".")+1:]; secretKey.MatchString(key) {
		s = hideBetween(s, reference, func(part string) string {
			if len(part) <= 2 { // a separator, as the k of <hex:1>k<hex:2>
				return part
			}
			return "<secret>"
		})
	}
	s = hideBetween(s, reference, func(part string) string {
		return randomRun.ReplaceAllStringFunc(part, func(run string) string {
			if strings.ContainsAny(run, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(run, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(run, "0123456789") {
				return "<secret>"
			}
			return run
		})
	})
	return "=" + s
}

// hideBetween rewrites with fn the parts of s between matches of keep.
func hideBetween(s string, keep *regexp.Regexp, fn func(string) string) string {
	var b strings.Builder
	last := 0
	for _, m := range keep.FindAllStringIndex(s, -1) {
		if m[0] > last {
			b.WriteString(fn(s[last:m[0]]))
		}
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	if last < len(s) {
		b.WriteString(fn(s[last:]))
	}
	return b.String()
}

// Scrub removes the target's credentials and account id from a snapshot's
// JSON, wherever they appear: the last guard before it is written.
func Scrub(b []byte, t Target) []byte {
	for secret, mark := range map[string]string{t.Token: "<token>", t.Account: "<account>"} {
		if len(secret) >= 8 {
			b = bytes.ReplaceAll(b, []byte(secret), []byte(mark))
		}
	}
	return b
}

// Compare lists where got differs from want, step by step, marking the
// differences the scenario allows.
func Compare(sc Scenario, want, got Snapshot) []Difference {
	var diffs []Difference
	add := func(step, path, w, g string) {
		d := Difference{Scenario: sc.Name, Step: step, Path: path, Want: w, Got: g}
		for _, k := range sc.Known {
			if k.Step == step && (k.Path == path || k.Path == "") {
				d.Known = k.Reason
			}
		}
		diffs = append(diffs, d)
	}
	refs := refMatcher{wantToGot: map[string]string{}, gotToWant: map[string]string{}}
	for i := range max(len(want.Steps), len(got.Steps)) {
		if i >= len(want.Steps) || i >= len(got.Steps) {
			add(fmt.Sprint("#", i+1), "steps", fmt.Sprint(len(want.Steps), " steps"), fmt.Sprint(len(got.Steps), " steps"))
			break
		}
		w, g := want.Steps[i], got.Steps[i]
		if w.Step != g.Step {
			add(g.Step, "step", strconv.Quote(w.Step), strconv.Quote(g.Step))
			continue
		}
		if w.Answer == nil || g.Answer == nil {
			if w.Status != g.Status {
				add(w.Step, "status", fmt.Sprint(w.Status), fmt.Sprint(g.Status))
			}
			continue
		}
		wa, ga := *w.Answer, *g.Answer
		if wa.Status != ga.Status {
			add(w.Step, "status", fmt.Sprint(wa.Status), fmt.Sprint(ga.Status))
		}
		if wa.Success != ga.Success {
			add(w.Step, "success", wa.Success, ga.Success)
		}
		if !slices.Equal(wa.Errors, ga.Errors) {
			add(w.Step, "errors", fmt.Sprintf("%q", wa.Errors), fmt.Sprintf("%q", ga.Errors))
		}
		paths := map[string]bool{}
		for p := range wa.Shape {
			paths[p] = true
		}
		for p := range ga.Shape {
			paths[p] = true
		}
		sorted := make([]string, 0, len(paths))
		for p := range paths {
			sorted = append(sorted, p)
		}
		slices.Sort(sorted)
		for _, p := range sorted {
			wv, wok := wa.Shape[p]
			gv, gok := ga.Shape[p]
			switch {
			case !wok:
				add(w.Step, p, "(absent)", gv)
			case !gok:
				add(w.Step, p, wv, "(absent)")
			case !refs.same(wv, gv):
				add(w.Step, p, wv, gv)
			}
		}
	}
	return diffs
}

var refNumber = regexp.MustCompile(`<hex:\d+>`)

// refMatcher compares values whose ids are references. Two targets number
// the same ids differently when one answers an id the other does not (an
// extra key): references match when they correspond one to one across
// the scenario, not when their numbers are equal.
type refMatcher struct{ wantToGot, gotToWant map[string]string }

// same reports whether w and g are equal but for the numbering of their
// references, and then records how those correspond.
func (m refMatcher) same(w, g string) bool {
	if refNumber.ReplaceAllString(w, "<hex:#>") != refNumber.ReplaceAllString(g, "<hex:#>") {
		return false
	}
	wr, gr := refNumber.FindAllString(w, -1), refNumber.FindAllString(g, -1)
	// This value's pairs, kept only if all of them agree.
	bind, bound := map[string]string{}, map[string]string{}
	for i := range wr {
		to, known := m.wantToGot[wr[i]]
		if !known {
			to, known = bind[wr[i]]
		}
		from, seen := m.gotToWant[gr[i]]
		if !seen {
			from, seen = bound[gr[i]]
		}
		if (known && to != gr[i]) || (seen && from != wr[i]) {
			return false
		}
		bind[wr[i]], bound[gr[i]] = gr[i], wr[i]
	}
	for wref, gref := range bind {
		m.wantToGot[wref], m.gotToWant[gref] = gref, wref
	}
	return true
}
