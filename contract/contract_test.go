package contract

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/streamfake/streamfake"
)

var record = flag.Bool("record", false, "write the target's answers to testdata, instead of comparing them with it")

// The environment that points the suite at another target.
const (
	envURL     = "STREAMFAKE_CONTRACT_URL"
	envToken   = "STREAMFAKE_CONTRACT_TOKEN"
	envAccount = "STREAMFAKE_CONTRACT_ACCOUNT"
	envReal    = "STREAMFAKE_CONTRACT_REAL"
)

// targetFromEnv is the target the environment names. Without one it is a
// new in-process fake, which close closes. A target that is not on
// loopback needs envReal=1: the suite creates and deletes real resources.
func targetFromEnv(getenv func(string) string) (t Target, close func(), err error) {
	base := getenv(envURL)
	if base == "" {
		f := streamfake.New()
		return Target{Name: "streamfake (in-process)", BaseURL: f.URL(), Token: streamfake.DefaultToken,
			Account: streamfake.DefaultAccountID, Fake: true, Client: f.Client()}, f.Close, nil
	}
	t = Target{BaseURL: base, Token: getenv(envToken), Account: getenv(envAccount)}
	if t.Token == "" || t.Account == "" {
		return t, nil, fmt.Errorf("%s needs %s and %s", envURL, envToken, envAccount)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return t, nil, fmt.Errorf("%s=%q is not an http(s) URL", envURL, base)
	}
	if !onLoopback(u.Hostname()) {
		if getenv(envReal) != "1" {
			return t, nil, fmt.Errorf("refusing to run against %s, which is not on loopback: the suite creates and deletes live inputs there. Set %s=1 to run it", u.Host, envReal)
		}
		t.Name = u.Host
		return t, func() {}, nil
	}
	t.Name = "a target on " + u.Host
	if isFake(u) {
		t.Name = "streamfake at " + u.Host
		t.Fake = true
	}
	return t, func() {}, nil
}

func onLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isFake asks a loopback target for a streamfake's admin health check.
func isFake(u *url.URL) bool {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(u.Scheme + "://" + u.Host + streamfake.AdminPrefix + "health")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var health struct{ Seed *int64 }
	return resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&health) == nil && health.Seed != nil
}

// snapshotFile is where a scenario's snapshot lives.
func snapshotFile(scenario string) string {
	slug := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(scenario), "-"), "-")
	return filepath.Join("testdata", slug+".json")
}

// loadSnapshots reads every scenario's snapshot that exists.
func loadSnapshots(t *testing.T) map[string]Snapshot {
	t.Helper()
	out := map[string]Snapshot{}
	for _, sc := range Scenarios {
		b, err := os.ReadFile(snapshotFile(sc.Name))
		if errors.Is(err, os.ErrNotExist) {
			continue // Run reports the missing snapshot
		}
		var s Snapshot
		if err != nil || json.Unmarshal(b, &s) != nil {
			t.Fatalf("%s: %v", snapshotFile(sc.Name), err)
		}
		out[sc.Name] = s
	}
	return out
}

// encodeSnapshot is a snapshot's file: indented, one key per line, so a
// recording from another target shows as a reviewable diff, and scrubbed.
func encodeSnapshot(s Snapshot, t Target) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<hex:1>", not "\u003chex:1\u003e"
	enc.SetIndent("", "  ")
	enc.Encode(s)
	return Scrub(b.Bytes(), t)
}

// TestContract runs the suite against the target (by default an
// in-process fake) and compares it with the snapshots, or, with -record,
// writes them.
func TestContract(t *testing.T) {
	target, closeTarget, err := targetFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	defer closeTarget()
	var want map[string]Snapshot
	if !*record {
		want = loadSnapshots(t)
	}
	results, requests := Run(target, Scenarios, want)
	for _, r := range results {
		switch {
		case r.Skipped != "":
			t.Logf("skipped %q: %s", r.Scenario, r.Skipped)
		case r.Err != nil:
			t.Errorf("scenario %q: %v", r.Scenario, r.Err)
		case *record:
			if err := os.WriteFile(snapshotFile(r.Scenario), encodeSnapshot(r.Snapshot, target), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range r.Differences {
			if d.Known != "" {
				t.Logf("%s", d)
			} else {
				t.Errorf("%s", d)
			}
		}
	}
	summary := fmt.Sprintf("%s against %s, %d requests", Summary(results), target.Name, requests)
	t.Log(summary)
	fmt.Println(summary)
	// Cloudflare allows 1,200 requests per 5 minutes; a run stays far below.
	if requests > 600 {
		t.Errorf("a run sent %d requests, too close to Cloudflare's limit of 1,200 per 5 minutes", requests)
	}
}

// TestContractAgainstTheBinary: the suite passes against the standalone
// server on a free port, over real HTTP, found through the environment as
// a user would point it.
func TestContractAgainstTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "streamfake")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/streamfake").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var base string
	lines := bufio.NewScanner(stdout)
	baseLine := regexp.MustCompile(`base URL: (\S+)`)
	for base == "" && lines.Scan() {
		if m := baseLine.FindStringSubmatch(lines.Text()); m != nil {
			base = m[1]
		}
	}
	go func() {
		for lines.Scan() {
		}
	}()
	env := map[string]string{envURL: base, envToken: streamfake.DefaultToken, envAccount: streamfake.DefaultAccountID}
	target, _, err := targetFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !target.Fake || !strings.HasPrefix(target.Name, "streamfake at 127.0.0.1:") {
		t.Fatalf("the binary was not recognised as a fake: %+v", target)
	}
	results, _ := Run(target, Scenarios, loadSnapshots(t))
	for _, r := range results {
		if r.Err != nil || r.Skipped != "" {
			t.Errorf("scenario %q: %v %s", r.Scenario, r.Err, r.Skipped)
		}
		for _, d := range r.Differences {
			t.Errorf("%s", d)
		}
	}
}

// alteredTarget serves an in-process fake through a handler that changes
// its answers with alter (the path and the decoded body, which alter may
// change), re-encoding what alter returns.
func alteredTarget(t *testing.T, alter func(path string, status int, body map[string]any) int) Target {
	f := streamfake.New()
	t.Cleanup(f.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		f.Handler().ServeHTTP(rec, r)
		status, raw := rec.Code, rec.Body.Bytes()
		var body map[string]any
		if json.Unmarshal(raw, &body) == nil && !strings.HasPrefix(r.URL.Path, streamfake.AdminPrefix) {
			status = alter(r.URL.Path, status, body)
			raw, _ = json.Marshal(body)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(raw)
	}))
	t.Cleanup(srv.Close)
	return Target{Name: "an altered fake", BaseURL: srv.URL + "/client/v4", Token: streamfake.DefaultToken, Account: streamfake.DefaultAccountID, Fake: true}
}

// TestContractFindsDifferences: against targets altered on purpose, the
// suite reports each alteration, naming the scenario, the step and the
// field, with what it wanted and what it got.
func TestContractFindsDifferences(t *testing.T) {
	snapshots := loadSnapshots(t)
	results := func(results []Result, _ int) []Result { return results }
	for _, tc := range []struct {
		name  string
		alter func(path string, status int, body map[string]any) int
		want  Difference // Scenario, Step, Path; Want and Got are substrings
	}{
		{"an error code changed", func(_ string, status int, body map[string]any) int {
			for _, e := range asList(body["errors"]) {
				if m := e.(map[string]any); m["code"] == json.Number("10005") || m["code"] == float64(10005) {
					m["code"] = 10006
				}
			}
			return status
		}, Difference{Scenario: "live input: validation errors", Step: "a wrong type", Path: "errors", Want: "10005 at /enabled", Got: "10006 at /enabled"}},
		{"a response key dropped", func(_ string, status int, body map[string]any) int {
			if result, ok := body["result"].(map[string]any); ok {
				delete(result, "modified")
			}
			return status
		}, Difference{Scenario: "live input: create, read, list, update, delete", Step: "read it", Path: "result.modified", Want: "<time:6>", Got: "(absent)"}},
		{"a number where a string belongs", func(_ string, status int, body map[string]any) int {
			if result, ok := body["result"].(map[string]any); ok && result["created"] != nil {
				result["created"] = 1764000000
			}
			return status
		}, Difference{Scenario: "live input: create, read, list, update, delete", Step: "create a live input", Path: "result.created", Want: "<time:6>", Got: "1764000000"}},
		{"200 for an unknown uid", func(path string, status int, body map[string]any) int {
			if strings.HasSuffix(path, "/"+zeroID) {
				body["success"], body["errors"], body["result"] = true, []any{}, map[string]any{}
				return 200
			}
			return status
		}, Difference{Scenario: "unknown ids, methods and routes", Step: "read an unknown input", Path: "status", Want: "400", Got: "200"}},
		// Alterations a review found the first comparison missed.
		{"errors dropped from a success", func(_ string, status int, body map[string]any) int {
			if status == 200 {
				delete(body, "errors")
			}
			return status
		}, Difference{Scenario: "live input: create, read, list, update, delete", Step: "read it", Path: "errors", Want: "[]", Got: "(absent)"}},
		{"an error code as a string", func(_ string, status int, body map[string]any) int {
			for _, e := range asList(body["errors"]) {
				m := e.(map[string]any)
				m["code"] = fmt.Sprint(m["code"])
			}
			return status
		}, Difference{Scenario: "live input: validation errors", Step: "a wrong type", Path: "errors[].code", Want: "10005", Got: "=10005"}},
		{"a setting the client sent changed", func(_ string, status int, body map[string]any) int {
			if rec, ok := lookup(body, "result.recording").(map[string]any); ok && rec["timeoutSeconds"] != nil {
				rec["timeoutSeconds"] = 0
			}
			return status
		}, Difference{Scenario: "live input: create, read, list, update, delete", Step: "create a live input", Path: "result.recording.timeoutSeconds", Want: "30", Got: "0"}},
		{"a video in a list with a state that is not one", func(path string, status int, body map[string]any) int {
			if strings.HasSuffix(path, "/stream") {
				for _, v := range asList(body["result"]) {
					v.(map[string]any)["status"].(map[string]any)["state"] = "garbage"
				}
			}
			return status
		}, Difference{Scenario: "a broadcast's recording", Step: "the live video", Path: "result[].status.state", Want: "=live-inprogress", Got: "=garbage"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var found []string
			reported := false
			for _, r := range results(Run(alteredTarget(t, tc.alter), Scenarios, snapshots)) {
				for _, d := range r.Differences {
					found = append(found, d.String())
					w := tc.want
					if d.Scenario == w.Scenario && d.Step == w.Step && d.Path == w.Path && strings.Contains(d.Want, w.Want) && strings.Contains(d.Got, w.Got) && d.Known == "" {
						reported = true
						line := d.String()
						for _, part := range []string{w.Scenario, w.Step, w.Path, w.Want, w.Got} {
							if !strings.Contains(line, part) {
								t.Errorf("the report %q does not name %q", line, part)
							}
						}
					}
				}
			}
			if !reported {
				t.Errorf("the alteration was not reported as %+v; the suite found:\n%s", tc.want, strings.Join(found, "\n"))
			}
		})
	}
}

// TestAnExtraIDIsOneDifference: an id the target answers that the snapshot
// lacks is reported where it is, and shifts no other comparison. Before,
// references were compared by number, and one extra id on create answers
// made 158 differences.
func TestAnExtraIDIsOneDifference(t *testing.T) {
	target := alteredTarget(t, func(_ string, status int, body map[string]any) int {
		if result, ok := body["result"].(map[string]any); ok && result["created"] != nil {
			result["accountTag"] = "0123456789abcdef0123456789abcdef"
		}
		return status
	})
	results, _ := Run(target, Scenarios, loadSnapshots(t))
	n := 0
	for _, r := range results {
		for _, d := range r.Differences {
			n++
			if d.Path != "result.accountTag" || d.Want != "(absent)" {
				t.Errorf("%s", d)
			}
		}
	}
	if n == 0 {
		t.Errorf("the extra id was not reported")
	}
}

// must drops decodeAnswer's second result, for bodies known to be JSON.
func must(doc any, _ bool) any { return doc }

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestSnapshotsAreScrubbed: a recording holds no credential, account id
// or secret: not the target's token and account, not one of the 32-hex
// values (uids and secrets) the fake answered, and not a secret of a shape
// the normaliser does not know.
func TestSnapshotsAreScrubbed(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	target := Target{Name: "streamfake (in-process)", BaseURL: f.URL(), Token: streamfake.DefaultToken, Account: streamfake.DefaultAccountID, Fake: true, Client: f.Client()}
	results, _ := Run(target, Scenarios, nil)
	var written strings.Builder
	for _, r := range results {
		written.Write(encodeSnapshot(r.Snapshot, target))
	}
	hex32 := regexp.MustCompile(`[0-9a-f]{32}`)
	answered := map[string]bool{}
	for _, r := range f.Requests() {
		for _, h := range hex32.FindAllString(string(r.ResponseBody), -1) {
			answered[h] = true
		}
	}
	if len(answered) < 20 {
		t.Fatalf("only %d ids and secrets answered: the run did not happen", len(answered))
	}
	for secret := range answered {
		if secret != zeroID && strings.Contains(written.String(), secret) {
			t.Errorf("the snapshots hold %s, which the fake answered", secret)
		}
	}
	for _, s := range []string{streamfake.DefaultToken, streamfake.DefaultAccountID} {
		if strings.Contains(written.String(), s) {
			t.Errorf("the snapshots hold %s", s)
		}
	}

	// Credentials of shapes the fake never answers, as a real service
	// might: under a credential's key, or anywhere, the target's own.
	other := Target{Token: "cf-Token_0123456789abcdefXYZ", Account: "9a9b9c9d9e9f90919293949596979899"}
	body := `{"success":true,"errors":[],"messages":[{"code":1,"message":"token cf-Token_0123456789abcdefXYZ, account 9a9b9c9d9e9f90919293949596979899"}],
		"result":{"rtmps":{"streamKey":"sk_live_AbCdEf0123456789xyz"},"srt":{"passphrase":"QUJDREVGR0hJSktMTU5PUA==","streamId":"live/9a9b9c9d9e9f90919293949596979899"},"secret":"whsec_ZmFrZVNlY3JldFZhbHVl"}}`
	a := normalize(200, must(decodeAnswer([]byte(body))), true, newRefs())
	b := encodeSnapshot(Snapshot{Steps: []StepRecord{{Step: "x", Answer: &a}}}, other)
	for _, s := range []string{"cf-Token_0123456789abcdefXYZ", "9a9b9c9d9e9f90919293949596979899", "sk_live_AbCdEf0123456789xyz", "QUJDREVGR0hJSktMTU5PUA==", "ZmFrZVNlY3JldFZhbHVl"} {
		if strings.Contains(string(b), s) {
			t.Errorf("the snapshot holds %s:\n%s", s, b)
		}
	}
	// Shapes a review found leaking: short or punctuated values under a
	// credential's key, keys named for signatures and authorization, and
	// upper-case hex and random-looking runs anywhere.
	body = `{"success":true,"result":{"srt":{"passphrase":"correct.horse.battery.staple"},"rtmps":{"streamKey":"short~key~1"},
		"webRTC":{"url":"https://example.com/0123456789ABCDEF0123456789ABCDEF/publish"},"signature":"sig1=Zm9vYmFyYmF6cXV4","auth":"Basic dXNlcjpwYXNzd29yZA==",
		"note":"token aB3dE5gH7jK9mN1pQ3sT"}}`
	a = normalize(200, must(decodeAnswer([]byte(body))), true, newRefs())
	b = encodeSnapshot(Snapshot{Steps: []StepRecord{{Step: "x", Answer: &a}}}, other)
	for _, s := range []string{"horse", "short", "0123456789ABCDEF", "Zm9vYmFy", "dXNlcjpw", "aB3dE5gH7jK9mN1pQ3sT"} {
		if strings.Contains(string(b), s) {
			t.Errorf("the snapshot holds %s:\n%s", s, b)
		}
	}
}

// TestRealTargetsNeedAnOptIn: a target off loopback is refused without
// STREAMFAKE_CONTRACT_REAL=1, before any request; missing credentials too.
func TestRealTargetsNeedAnOptIn(t *testing.T) {
	real := map[string]string{envURL: "https://api.cloudflare.com/client/v4", envToken: "t0ken-for-a-test", envAccount: "0123456789abcdef0123456789abcdef"}
	getenv := func(env map[string]string) func(string) string { return func(k string) string { return env[k] } }
	if _, _, err := targetFromEnv(getenv(real)); err == nil || !strings.Contains(err.Error(), envReal) {
		t.Errorf("without the opt-in: %v", err)
	}
	real[envReal] = "1"
	if target, _, err := targetFromEnv(getenv(real)); err != nil || target.Fake || target.Name != "api.cloudflare.com" {
		t.Errorf("with the opt-in: %+v %v", target, err)
	}
	if _, _, err := targetFromEnv(getenv(map[string]string{envURL: "http://127.0.0.1:1/client/v4"})); err == nil || !strings.Contains(err.Error(), envToken) {
		t.Errorf("without credentials: %v", err)
	}
	local := map[string]string{envURL: "http://127.0.0.1:1/client/v4", envToken: "t", envAccount: "a"}
	if target, _, err := targetFromEnv(getenv(local)); err != nil || target.Fake {
		t.Errorf("a loopback target that is not a fake: %+v %v", target, err)
	}
}

// TestRateLimitsAreWaitedOut: a 429 is retried after its Retry-After.
func TestRateLimitsAreWaitedOut(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	f.MustAddFault(streamfake.FaultRule{Match: streamfake.FaultMatch{Operation: streamfake.OpCreate}, Times: 2,
		Action: streamfake.RateLimited().WithHeader("Retry-After", "3")})
	var slept []time.Duration
	target := Target{Name: "a rate-limited fake", BaseURL: f.URL(), Token: streamfake.DefaultToken, Account: streamfake.DefaultAccountID,
		Fake: true, Client: f.Client(), Sleep: func(d time.Duration) { slept = append(slept, d) }}
	results, requests := Run(target, Scenarios[:1], loadSnapshots(t))
	if len(slept) != 2 || slept[0] != 3*time.Second || slept[1] != 3*time.Second {
		t.Errorf("slept %v, want 3s twice", slept)
	}
	if r := results[0]; r.Err != nil || len(r.Differences) > 0 {
		t.Errorf("after waiting: %v %v", r.Err, r.Differences)
	}
	if n := len(f.RequestsFor(streamfake.OpCreate)); n != 3 || requests != len(f.Requests()) {
		t.Errorf("%d creates sent (want 3), %d requests counted of %d", n, requests, len(f.Requests()))
	}
}

// TestCleanupRunsWhenAStepFails: what a scenario created is deleted even
// when a step cannot complete.
func TestCleanupRunsWhenAStepFails(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	f.MustAddFault(streamfake.FaultRule{Match: streamfake.FaultMatch{Operation: streamfake.OpGet}, Action: streamfake.ResetConnection()})
	target := Target{Name: "a failing fake", BaseURL: f.URL(), Token: streamfake.DefaultToken, Account: streamfake.DefaultAccountID, Client: &http.Client{}}
	results, _ := Run(target, Scenarios[:1], nil)
	if results[0].Err == nil || !strings.Contains(results[0].Err.Error(), `step "read it"`) {
		t.Errorf("the failure: %v", results[0].Err)
	}
	if n := len(f.LiveInputs(streamfake.DefaultAccountID)); n != 0 {
		t.Errorf("%d live inputs left behind", n)
	}
	if deletes := f.RequestsFor(streamfake.OpDelete); len(deletes) != 1 {
		t.Errorf("%d deletes", len(deletes))
	}
	if !strings.Contains(Summary(results), "1 failed to run") {
		t.Errorf("summary: %s", Summary(results))
	}

	// A cleanup that fails is reported beside the step's failure, never
	// instead of it, and a webhook left behind is reported. Before, the
	// webhook's delete was not checked, and a failed delete hid the step's
	// error.
	g := streamfake.New()
	defer g.Close()
	g.MustAddFault(streamfake.FaultRule{Match: streamfake.FaultMatch{Operation: streamfake.OpGet}, Action: streamfake.ResetConnection()})
	g.MustAddFault(streamfake.FaultRule{Match: streamfake.FaultMatch{Operation: streamfake.OpDelete}, Action: streamfake.ServerError()})
	g.MustAddFault(streamfake.FaultRule{Match: streamfake.FaultMatch{Operation: streamfake.OpDeleteWebhook}, Action: streamfake.ServerError()})
	target = Target{Name: "a failing fake", BaseURL: g.URL(), Token: streamfake.DefaultToken, Account: streamfake.DefaultAccountID, Client: &http.Client{}}
	var webhook []Scenario
	for _, sc := range Scenarios {
		if sc.SetsWebhook {
			webhook = append(webhook, sc)
		}
	}
	results, _ = Run(target, append([]Scenario{Scenarios[0]}, webhook...), nil)
	if err := results[0].Err; err == nil || !strings.Contains(err.Error(), `step "read it"`) || !strings.Contains(err.Error(), "cleanup: deleting live input") {
		t.Errorf("a failed step and a failed cleanup: %v", err)
	}
	if err := results[1].Err; err == nil || !strings.Contains(err.Error(), "cleanup: deleting the Stream webhook") {
		t.Errorf("a webhook left behind: %v", err)
	}
}

// TestEverythingCreatedIsNamedAndRemoved: every create the suite sends
// carries the name prefix, and a full run leaves nothing behind.
func TestEverythingCreatedIsNamedAndRemoved(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	target := Target{Name: "streamfake (in-process)", BaseURL: f.URL(), Token: streamfake.DefaultToken, Account: streamfake.DefaultAccountID, Fake: true, Client: f.Client()}
	Run(target, Scenarios, nil)
	for _, r := range f.RequestsFor(streamfake.OpCreate) {
		if r.Status == 200 && !strings.Contains(string(r.Body), `"name":"`+NamePrefix) {
			t.Errorf("request #%d created an input without the prefix: %s", r.Seq, r.Body)
		}
	}
	if n := len(f.LiveInputs(streamfake.DefaultAccountID)); n != 0 {
		t.Errorf("%d live inputs left behind", n)
	}
	if _, ok := f.Webhook(streamfake.DefaultAccountID); ok {
		t.Errorf("the webhook was left behind")
	}
	// The suite covers every operation the fake serves.
	for _, op := range streamfake.Operations() {
		if len(f.RequestsFor(op)) == 0 {
			t.Errorf("no scenario uses %s", op)
		}
	}
}

// TestKnownDifferencesMirrorTheFidelityNotes: each difference a scenario
// allows names a row of the README's fidelity notes, so the two lists
// cannot drift apart.
func TestKnownDifferencesMirrorTheFidelityNotes(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, notes, ok := strings.Cut(string(readme), "## Fidelity notes")
	if !ok {
		t.Fatal("the README has no Fidelity notes")
	}
	for _, sc := range Scenarios {
		for _, k := range sc.Known {
			if !strings.Contains(notes, "| "+k.Reason+" |") {
				t.Errorf("scenario %q allows a difference (%q) that is not a row of the fidelity notes", sc.Name, k.Reason)
			}
			if !hasStep(sc, k.Step) {
				t.Errorf("scenario %q allows a difference at a step it does not have: %q", sc.Name, k.Step)
			}
		}
	}
	// And a known difference is reported as such, not as a failure.
	sc := Scenario{Name: "s", Known: []KnownDifference{{Step: "a", Path: "messages", Reason: "r"}}}
	want := Snapshot{Steps: []StepRecord{{Step: "a", Answer: &Answer{Status: 403, Shape: map[string]string{"messages": "[]"}}}}}
	got := Snapshot{Steps: []StepRecord{{Step: "a", Answer: &Answer{Status: 403, Shape: map[string]string{}}}}}
	if d := Compare(sc, want, got); len(d) != 1 || d[0].Known != "r" || !strings.Contains(Summary([]Result{{Differences: d}}), "1 matched") {
		t.Errorf("%v", d)
	}
}

func hasStep(sc Scenario, name string) bool {
	for _, s := range sc.Steps {
		if s.Name == name {
			return true
		}
	}
	return false
}
