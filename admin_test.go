package streamfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// admin sends one admin request through the fake's listener (loopback).
func admin(t *testing.T, f *Fake, method, path, body string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+AdminPrefix+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAdminAPI(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithSeed(9))
	uid := create(t, f, `{"meta":{"name":"a"}}`)["uid"].(string)
	do(t, f, "GET", inputsPath("bad"), "", bearer)

	cases := []struct {
		name, method, path, body string
		status                   int
		contains                 []string
	}{
		{"health", "GET", "health", "", 200, []string{`"status":"ok"`, `"seed":9`, DefaultAccountID}},
		{"requests", "GET", "requests", "", 200, []string{`"operation":"create"`, `"operation":"unmatched"`, `Bearer REDACTED`, `"name":"a"`, `"dropped":0`}},
		{"requests by operation", "GET", "requests?operation=unmatched", "", 200, []string{`"seq":2`}},
		{"requests by method and status", "GET", "requests?method=post&status=200", "", 200, []string{`"seq":1`}},
		{"requests by bad status", "GET", "requests?status=ok", "", 400, []string{`status \"ok\" is not 0 (no answer) or an HTTP status`}},
		{"add a fault", "POST", "faults", `{"match":{"operation":"list"},"action":{"kind":"error","status":429,"code":971,"message":"slow down","header":{"Retry-After":"0"}},"times":1}`, 201, []string{`"id":"fault-1"`}},
		{"bad fault JSON", "POST", "faults", `{"match":`, 400, []string{"a fault rule must be JSON"}},
		{"unknown fault kind", "POST", "faults", `{"action":{"kind":"explode"}}`, 400, []string{`unknown fault kind \"explode\"`}},
		{"unknown fault field", "POST", "faults", `{"action":{"kind":"reset"},"time":1}`, 400, []string{`unknown field \"time\"`}},
		{"list faults", "GET", "faults", "", 200, []string{`"id":"fault-1"`, `"matched":0`}},
		{"remove an unknown fault", "DELETE", "faults/fault-9", "", 404, []string{`no fault rule \"fault-9\"`}},
		{"set a status", "PUT", "live_inputs/" + uid + "/status", `{"status":"connected"}`, 200, []string{`"status":{"current":{"reason":"connected","state":"connected"`, DefaultAccountID}},
		{"set a bad status", "PUT", "live_inputs/" + uid + "/status", `{"status":"streaming"}`, 400, []string{`not a live input status`}},
		{"set a status without one", "PUT", "live_inputs/" + uid + "/status", `{}`, 400, []string{`{\"status\": \"connected\"}`}},
		{"set the status of an unknown input", "PUT", "live_inputs/" + strings.Repeat("0", 32) + "/status", `{"status":"connected"}`, 404, []string{`no live input \"00000000000000000000000000000000\" in any account`}},
		{"dump the state", "GET", "state", "", 200, []string{uid, `"CustomerCode"`[:0] + `"customerCode"`}},
		{"load a bad state", "PUT", "state", `{"accounts":[{"id":"nope"}]}`, 400, []string{`account \"nope\"`}},
		{"load state that is not JSON", "PUT", "state", `[`, 400, []string{"a state must be JSON"}},
		{"unknown route", "GET", "nothing", "", 404, []string{"no admin route GET /__streamfake/nothing"}},
	}
	for _, tc := range cases {
		status, body := admin(t, f, tc.method, tc.path, tc.body)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, status, tc.status, body)
		}
		for _, c := range tc.contains {
			if !strings.Contains(body, c) {
				t.Errorf("%s: body lacks %q:\n%s", tc.name, c, body)
			}
		}
		if strings.Contains(body, DefaultToken) {
			t.Errorf("%s: the admin API shows the token", tc.name)
		}
	}
	// The fault added over the admin API acts, once.
	if r := do(t, f, "GET", inputsPath(accountA), "", bearer); r.status != 429 || r.header.Get("Retry-After") != "0" {
		t.Errorf("admin fault did not act: %d %s", r.status, r.raw)
	}
	if in, _ := f.LiveInput(accountA, uid); in.Reason() != StatusConnected {
		t.Errorf("status %q after the admin call", in.Status)
	}
	// Admin requests are not Cloudflare requests: they stay out of the log.
	for _, r := range f.Requests() {
		if strings.HasPrefix(r.Path, AdminPrefix) {
			t.Errorf("admin request logged: %s", r)
		}
	}
	// Dump, reset, load: the state comes back.
	_, dump := admin(t, f, "GET", "state", "")
	if status, _ := admin(t, f, "DELETE", "state", ""); status != 204 || len(f.LiveInputs(accountA)) != 0 {
		t.Fatalf("reset: %d, %d inputs left", status, len(f.LiveInputs(accountA)))
	}
	if status, body := admin(t, f, "PUT", "state", dump); status != 204 {
		t.Fatalf("load: %d %s", status, body)
	}
	if got := do(t, f, "GET", inputPath(accountA, uid), "", bearer); got.status != 200 || !strings.Contains(string(got.raw), `"status":{"current":{"reason":"connected"`) {
		t.Errorf("after a load: %d %s", got.status, got.raw)
	}
	for _, c := range []struct{ method, path string }{{"DELETE", "requests"}, {"DELETE", "faults"}} {
		if status, _ := admin(t, f, c.method, c.path, ""); status != 204 {
			t.Errorf("%s %s: %d", c.method, c.path, status)
		}
	}
	if len(f.Requests()) != 0 || len(f.Faults()) != 0 {
		t.Errorf("clear left %d requests, %d faults", len(f.Requests()), len(f.Faults()))
	}
}

func TestAdminGuards(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithAdminToken("s3cret"))
	if status, body := admin(t, f, "GET", "health", ""); status != 401 || !strings.Contains(body, "Bearer <admin token>") {
		t.Errorf("no token: %d %s", status, body)
	}
	if status, _ := admin(t, f, "GET", "health", "", "Authorization", "Bearer wrong"); status != 401 {
		t.Errorf("wrong token: %d", status)
	}
	if status, _ := admin(t, f, "GET", "health", "", "Authorization", "Bearer s3cret"); status != 200 {
		t.Errorf("right token: %d", status)
	}
	// A client that is not on loopback is refused unless remote admin is on.
	remote := func(f *Fake) int {
		req := httptest.NewRequest("GET", AdminPrefix+"health", nil)
		req.RemoteAddr = "203.0.113.7:4000"
		req.Header.Set("Authorization", "Bearer s3cret")
		rec := httptest.NewRecorder()
		f.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	if got := remote(f); got != 403 {
		t.Errorf("remote client: %d, want 403", got)
	}
	if got := remote(startFake(t, WithAdminToken("s3cret"), WithRemoteAdmin())); got != 200 {
		t.Errorf("remote client with WithRemoteAdmin: %d", got)
	}
	// Cloudflare routes never accept admin credentials, and admin routes never need Cloudflare's.
	if r := do(t, f, "GET", inputsPath(accountA), "", map[string]string{"Authorization": "Bearer s3cret"}); r.status != 403 {
		t.Errorf("the admin token reached a Cloudflare route: %d", r.status)
	}
}

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	f := New(WithSeed(1), WithStateFile(path))
	uid := create(t, f, `{"meta":{"name":"kept"},"recording":{"allowedOrigins":["a.com"]}}`)["uid"].(string)
	do(t, f, "POST", inputPath(accountA, uid)+"/outputs", `{"url":"rtmp://x","streamKey":"k"}`, bearer)
	before := f.State()
	f.Close()
	if err := f.SaveState(); err != nil {
		t.Fatal(err)
	}
	g := startFake(t, WithSeed(1), WithStateFile(path))
	if diff := cmp.Diff(before, g.State()); diff != "" {
		t.Errorf("state after a restart (-before +after):\n%s", diff)
	}
	// Ids loaded from a state are never issued again, even by the same seed.
	if uid2 := create(t, g, `{}`)["uid"]; uid2 == uid {
		t.Errorf("the restarted fake issued %s again", uid)
	}
	// No temporary file is left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files in the state directory: %v", entries)
	}
	// A corrupt state file is an error, not an empty fake.
	os.WriteFile(path, []byte(`{"accounts":`), 0o644)
	if _, err := newFake([]Option{WithStateFile(path)}); err == nil {
		t.Errorf("a corrupt state file was accepted")
	}
}

// TestStateFileSurvivesAKill kills a process that rewrites the state file
// over and over, and checks that the file is always a whole state.
func TestStateFileSurvivesAKill(t *testing.T) {
	if path := os.Getenv("STREAMFAKE_REWRITE_STATE"); path != "" {
		rewriteStateForever(path)
		return
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	for i := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStateFileSurvivesAKill$")
		cmd.Env = append(os.Environ(), "STREAMFAKE_REWRITE_STATE="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(100+40*i) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue // killed before the first write
		}
		var s State
		if err := json.Unmarshal(b, &s); err != nil || len(s.Accounts) != 1 {
			t.Fatalf("after kill %d the state file is torn: %v (%d bytes)", i, err, len(b))
		}
		if _, err := newFake([]Option{WithStateFile(path)}); err != nil {
			t.Fatalf("after kill %d the state file does not load: %v", i, err)
		}
	}
}

// rewriteStateForever is the process TestStateFileSurvivesAKill kills.
func rewriteStateForever(path string) {
	f, err := newFake([]Option{WithStateFile(path)})
	if err != nil {
		panic(err)
	}
	for i := 0; ; i++ {
		for range 50 {
			f.AddLiveInput(DefaultAccountID, LiveInput{Meta: json.RawMessage(`{"filler":"` + strings.Repeat("x", 2000) + `"}`)})
		}
		if err := f.SaveState(); err != nil {
			panic(err)
		}
	}
}

func TestLoadStateRefusesBadInputs(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	good, _ := f.AddLiveInput(accountA, LiveInput{})
	s := f.State()
	mutations := map[string]func(*LiveInput){
		"bad uid":    func(in *LiveInput) { in.UID = "x" },
		"bad status": func(in *LiveInput) { in.Status = &ConnectionStatus{Current: StatusEntry{State: "on", Reason: "on"}} },
		"bad mode":   func(in *LiveInput) { in.Recording.Mode = "manual" },
		"bad meta":   func(in *LiveInput) { in.Meta = []byte("{") },
		"bad secret": func(in *LiveInput) { in.Secrets.SRT = "" },
		"bad output": func(in *LiveInput) { in.Outputs = []Output{{UID: "o"}} },
	}
	for name, mutate := range mutations {
		bad := f.State()
		mutate(&bad.Accounts[0].LiveInputs[0])
		if err := f.LoadState(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	dup := f.State()
	dup.Accounts[0].LiveInputs = append(dup.Accounts[0].LiveInputs, dup.Accounts[0].LiveInputs[0])
	if err := f.LoadState(dup); err == nil {
		t.Errorf("a duplicate uid was accepted")
	}
	if diff := cmp.Diff(s, f.State()); diff != "" || len(s.Accounts[0].LiveInputs) != 1 || s.Accounts[0].LiveInputs[0].UID != good.UID {
		t.Errorf("a refused load changed the state:\n%s", diff)
	}
}

// TestLoadStateWhileServing: loads and resets while clients create and read,
// under -race.
func TestLoadStateWhileServing(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	create(t, f, `{}`)
	dump := f.State()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 50 {
			if err := f.LoadState(dump); err != nil {
				t.Error(err)
				return
			}
			f.Reset()
		}
	}()
	for range 50 {
		do(t, f, "POST", inputsPath(accountA), `{}`, bearer)
		do(t, f, "GET", inputsPath(accountA), "", bearer)
	}
	<-done
}
