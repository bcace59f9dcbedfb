package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamfake/streamfake"
)

// baseURL finds the base URL start printed.
func baseURL(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`base URL: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no base URL in:\n%s", out)
	}
	return m[1]
}

func TestStartPrintsHowToReachIt(t *testing.T) {
	var out bytes.Buffer
	f, err := start([]string{"-addr", "127.0.0.1:0", "-seed", "5", "-token", "my-token"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, want := range []string{"base URL: http://127.0.0.1:", "account:  " + streamfake.DefaultAccountID, "token:    my-token", "seed:     5", "/__streamfake/", "curl -s -X POST", "Authorization: Bearer my-token"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// The printed curl command's request works.
	req, _ := http.NewRequest("POST", baseURL(t, out.String())+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", strings.NewReader(`{"meta":{"name":"my stream"}}`))
	req.Header.Set("Authorization", "Bearer my-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
}

func TestStartRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-account", "nope"}, {"-nosuchflag"}, {"extra"}, {"-addr", "256.0.0.1:1"}} {
		var out bytes.Buffer
		if f, err := start(append([]string{"-addr", "127.0.0.1:0"}, args...), &out); err == nil {
			f.Close()
			t.Errorf("%v: accepted", args)
		}
	}
}

func TestShutdownKeepsTheState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	var out bytes.Buffer
	f, err := start([]string{"-addr", "127.0.0.1:0", "-state-file", path}, &out)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := f.AddLiveInput(streamfake.DefaultAccountID, streamfake.LiveInput{})
	if err := f.shutdown(&out); err != nil {
		t.Fatal(err)
	}
	g, err := start([]string{"-addr", "127.0.0.1:0", "-state-file", path}, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, ok := g.LiveInput(streamfake.DefaultAccountID, in.UID); !ok {
		t.Errorf("the input did not survive a restart")
	}
}

func TestTLSCertificateIsWrittenAndTrusted(t *testing.T) {
	certPath := filepath.Join(t.TempDir(), "cert.pem")
	var out bytes.Buffer
	f, err := start([]string{"-addr", "127.0.0.1:0", "-tls", "-tls-cert", certPath}, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !strings.Contains(out.String(), certPath) || !strings.Contains(out.String(), "--cacert "+certPath) {
		t.Errorf("the certificate's path is not printed:\n%s", out.String())
	}
	pemBytes, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the file holds no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	url := strings.Replace(baseURL(t, out.String()), "127.0.0.1", "localhost", 1)
	for _, u := range []string{baseURL(t, out.String()), url} {
		resp, err := client.Get(u + "/accounts/" + streamfake.DefaultAccountID + "/stream/live_inputs")
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 { // no credentials: 9106, over verified TLS
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
	}
}

// TestMain lets a test run the command in a child process: with
// STREAMFAKE_CHILD_ARGS set, the test binary is streamfake itself.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("STREAMFAKE_CHILD_ARGS"); ok {
		os.Args = append([]string{"streamfake"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is the command running in a child process.
type child struct {
	cmd     *exec.Cmd
	stdout  io.Reader
	printed string // what it printed up to "try:"
	base    string // its base URL
	admin   string // its admin API's URL
}

// startChild runs the command with args and waits until it serves.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "STREAMFAKE_CHILD_ARGS="+strings.Join(append([]string{"-addr", "127.0.0.1:0"}, args...), " "))
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var printed strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(printed.String(), "try:") {
		n, err := stdout.Read(buf)
		if err != nil {
			t.Fatalf("the child printed %q, then %v", printed.String(), err)
		}
		printed.Write(buf[:n])
	}
	base := baseURL(t, printed.String())
	return &child{cmd: cmd, stdout: stdout, printed: printed.String(), base: base, admin: strings.TrimSuffix(base, "/client/v4") + streamfake.AdminPrefix}
}

// stop sends SIGTERM and returns what the child printed until it exited,
// and how long that took.
func (c *child) stop(t *testing.T) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	c.cmd.Process.Signal(syscall.SIGTERM)
	rest, _ := io.ReadAll(c.stdout)
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("the child exited with %v", err)
	}
	return string(rest), time.Since(start)
}

func (c *child) create(t *testing.T, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var env struct{ Result map[string]any }
	json.NewDecoder(resp.Body).Decode(&env)
	return resp.StatusCode, env.Result
}

// waitForMatch waits until the only fault rule has matched a request.
func (c *child) waitForMatch(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		resp, err := http.Get(c.admin + "faults")
		if err != nil {
			t.Fatal(err)
		}
		var reports []streamfake.FaultReport
		json.NewDecoder(resp.Body).Decode(&reports)
		resp.Body.Close()
		if len(reports) == 1 && reports[0].Matched == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the request never reached the fake: %+v", reports)
		}
	}
}

func (c *child) addFault(t *testing.T, rule string) {
	t.Helper()
	resp, err := http.Post(c.admin+"faults", "application/json", strings.NewReader(rule))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("adding %s: %v %v", rule, resp, err)
	}
	resp.Body.Close()
}

// TestSIGTERMDrainsAndSaves sends SIGTERM while a create is delayed by a
// fault, and checks that the create still succeeds and that the state file
// then holds it.
func TestSIGTERMDrainsAndSaves(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	c := startChild(t, "-state-file", path)
	c.addFault(t, `{"match":{"operation":"create"},"action":{"kind":"delay","delay":"500ms"}}`)
	done := make(chan int, 1)
	go func() { status, _ := c.create(t, `{}`); done <- status }()
	c.waitForMatch(t) // the create is in the handler, waiting out its delay
	rest, _ := c.stop(t)
	if status := <-done; status != 200 {
		t.Errorf("the request in flight got %d, want 200: SIGTERM must drain it", status)
	}
	if !strings.Contains(rest, "shutting down") {
		t.Errorf("no shutdown message: %q", rest)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), `"uid"`) {
		t.Errorf("the state file does not hold the input: %v %s", err, b)
	}
}

// TestSIGTERMDoesNotWaitForAStalledClient: a client that sent half a body
// and stopped cannot keep the command from exiting within its drain
// window, nor from writing every acknowledged input; before, the command
// ignored SIGTERM for as long as the client stayed.
func TestSIGTERMDoesNotWaitForAStalledClient(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	c := startChild(t, "-state-file", path, "-drain", "2s")
	_, in := c.create(t, `{"meta":{"name":"acknowledged"}}`)
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(c.base, "/client/v4"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /client/v4/accounts/%s/stream/live_inputs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"meta\":", streamfake.DefaultAccountID)
	time.Sleep(100 * time.Millisecond) // let the server start reading the body
	_, took := c.stop(t)
	if took > 4*time.Second {
		t.Errorf("the command took %v to exit, with a drain window of 2s", took)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), in["uid"].(string)) {
		t.Errorf("the state file lacks the acknowledged input: %v %s", err, b)
	}
}

// TestHelpAndErrors: -h exits 0 with what the program is, its flags, two
// examples and where the admin API is; errors say "streamfake:" once.
func TestHelpAndErrors(t *testing.T) {
	run := func(args string) (int, string, string) {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "STREAMFAKE_CHILD_ARGS="+args)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return code, stdout.String(), stderr.String()
	}
	code, out, _ := run("-h")
	for _, want := range []string{"streamfake serves a fake of Cloudflare Stream", "-addr string", "(default \"127.0.0.1:8787\")", "-clock", "Examples:", "streamfake -addr 127.0.0.1:0", "/__streamfake/"} {
		if !strings.Contains(out, want) {
			t.Errorf("-h output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("-h exited %d", code)
	}
	code, _, errOut := run("-addr 127.0.0.1:0 -account nope")
	if code != 2 || strings.Count(errOut, "streamfake:") != 1 {
		t.Errorf("a bad account: exit %d, %q", code, errOut)
	}
	code, _, errOut = run("-addr 127.0.0.1:0 -token sUp3r-secret-value!")
	if code != 2 || strings.Contains(errOut, "secret") {
		t.Errorf("a bad token: exit %d, %q quotes it", code, errOut)
	}
}

// TestBinaryTakesTheLibrarysCredentials: by default the command accepts
// what New() does, the SDK's test key included.
func TestBinaryTakesTheLibrarysCredentials(t *testing.T) {
	var out bytes.Buffer
	s, err := start([]string{"-addr", "127.0.0.1:0"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, h := range map[string]map[string]string{
		"token":         {"Authorization": "Bearer " + streamfake.DefaultToken},
		"email and key": {"X-Auth-Email": streamfake.DefaultEmail, "X-Auth-Key": streamfake.DefaultAPIKey},
	} {
		req, _ := http.NewRequest("GET", baseURL(t, out.String())+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
	}
	for _, args := range [][]string{{"-api-key", ""}, {"-token", "", "-api-email", "", "-api-key", ""}} {
		if s, err := start(append([]string{"-addr", "127.0.0.1:0"}, args...), &out); err == nil {
			s.Close()
			t.Errorf("%v: accepted", args)
		}
	}
}

// TestShutdownCleansUp: a certificate the command made is removed, one it
// was told to write stays, and rules that never fired are mentioned.
func TestShutdownCleansUp(t *testing.T) {
	var out bytes.Buffer
	s, err := start([]string{"-addr", "127.0.0.1:0", "-tls"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	s.MustAddFault(streamfake.FaultRule{Match: streamfake.FaultMatch{Operation: streamfake.OpDelete}, Action: streamfake.ServerError()})
	made := s.certFile
	if _, err := os.Stat(made); err != nil {
		t.Fatal(err)
	}
	var stopped bytes.Buffer
	s.shutdown(&stopped)
	if _, err := os.Stat(made); !os.IsNotExist(err) {
		t.Errorf("the certificate %s is still there: %v", made, err)
	}
	if !strings.Contains(stopped.String(), "fault rule fault-1 never fired") {
		t.Errorf("shutdown does not mention the unfired rule: %s", stopped.String())
	}
	named := filepath.Join(t.TempDir(), "cert.pem")
	s, err = start([]string{"-addr", "127.0.0.1:0", "-tls", "-tls-cert", named}, &out)
	if err != nil {
		t.Fatal(err)
	}
	s.shutdown(&stopped)
	if _, err := os.Stat(named); err != nil {
		t.Errorf("the certificate named by -tls-cert was removed: %v", err)
	}
}

// TestManualClockOverTheAdminAPI: with -clock manual, POST /clock moves
// the time the fake stamps; with the system clock it is refused.
func TestStatusFormFlag(t *testing.T) {
	for form, want := range map[string]string{"object": `"status":{"current":{"reason":"connected"`, "string": `"status":"connected"`} {
		var out bytes.Buffer
		s, err := start([]string{"-addr", "127.0.0.1:0", "-status-form", form}, &out)
		if err != nil {
			t.Fatal(err)
		}
		in, _ := s.AddLiveInput(streamfake.DefaultAccountID, streamfake.LiveInput{})
		s.SetStatus(streamfake.DefaultAccountID, in.UID, streamfake.StatusConnected)
		req, _ := http.NewRequest("GET", s.URL()+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs/"+in.UID, nil)
		req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		s.Close()
		if !strings.Contains(string(b), want) {
			t.Errorf("-status-form %s: %s", form, b)
		}
	}
}

func TestManualClockOverTheAdminAPI(t *testing.T) {
	var out bytes.Buffer
	s, err := start([]string{"-addr", "127.0.0.1:0", "-clock", "manual", "-clock-start", "2026-01-02T03:04:05Z"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	admin := strings.TrimSuffix(baseURL(t, out.String()), "/client/v4") + streamfake.AdminPrefix
	post := func(body string) (int, string) {
		resp, err := http.Post(admin+"clock", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := post(`{"advance":"90s"}`); status != 200 || !strings.Contains(body, "2026-01-02T03:05:35Z") {
		t.Errorf("advance: %d %s", status, body)
	}
	in, _ := s.AddLiveInput(streamfake.DefaultAccountID, streamfake.LiveInput{})
	if want := time.Date(2026, 1, 2, 3, 5, 35, 0, time.UTC); !in.Created.Equal(want) {
		t.Errorf("created %v, want %v", in.Created, want)
	}
	if status, body := post(`{"set":"2027-01-01T00:00:00Z"}`); status != 200 || !strings.Contains(body, "2027-01-01T00:00:00Z") {
		t.Errorf("set: %d %s", status, body)
	}
	for _, bad := range []string{`{}`, `{"advance":"1s","set":"2027-01-01T00:00:00Z"}`, `{"advance":"soon"}`} {
		if status, _ := post(bad); status != 400 {
			t.Errorf("%s: %d", bad, status)
		}
	}
	sys, err := start([]string{"-addr", "127.0.0.1:0"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	resp, _ := http.Post(strings.TrimSuffix(sys.URL(), "/client/v4")+streamfake.AdminPrefix+"clock", "application/json", strings.NewReader(`{"advance":"1s"}`))
	if resp.StatusCode != 409 {
		t.Errorf("the system clock was moved: %d", resp.StatusCode)
	}
	resp.Body.Close()
	for _, args := range [][]string{{"-status-form", "enum"}, {"-clock", "sundial"}, {"-clock-start", "2026-01-02T03:04:05Z"}, {"-clock", "manual", "-clock-start", "yesterday"}} {
		if s, err := start(append([]string{"-addr", "127.0.0.1:0"}, args...), &out); err == nil {
			s.Close()
			t.Errorf("%v: accepted", args)
		}
	}
}

// TestLiveLifecycleOverTheAdminAPI: a client in another language drives a
// broadcast through the binary alone: the flags send live notifications to
// its endpoint, the admin API connects, disconnects, fails a broadcast and
// moves the clock, and serves the delivery log; the API lists the ready
// recording.
func TestLiveLifecycleOverTheAdminAPI(t *testing.T) {
	type hook struct {
		secret string
		body   string
	}
	got := make(chan hook, 10)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- hook{r.Header.Get("cf-webhook-auth"), string(b)}
	}))
	defer app.Close()
	var out bytes.Buffer
	s, err := start([]string{"-addr", "127.0.0.1:0", "-clock", "manual", "-clock-start", "2026-01-02T03:04:05Z",
		"-live-webhook-url", app.URL, "-live-webhook-secret", "s3cret", "-webhook-attempts", "1"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := baseURL(t, out.String())
	admin := strings.TrimSuffix(base, "/client/v4") + streamfake.AdminPrefix
	call := func(method, url, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	expect := func(event string) {
		t.Helper()
		select {
		case h := <-got:
			if h.secret != "s3cret" || !strings.Contains(h.body, `"event_type":"`+event+`"`) {
				t.Errorf("the endpoint received %+v, want %s with the secret", h, event)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s notification", event)
		}
	}
	status, body := call("POST", base+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", `{"recording":{"mode":"automatic","timeoutSeconds":10}}`)
	var created struct{ Result struct{ UID string } }
	json.Unmarshal([]byte(body), &created)
	if status != 200 || created.Result.UID == "" {
		t.Fatalf("create: %d %s", status, body)
	}
	input := admin + "live_inputs/" + created.Result.UID
	if status, body := call("POST", input+"/connect", `{"protocol":"srt"}`); status != 200 || !strings.Contains(body, `"reason":"connected"`) {
		t.Fatalf("connect: %d %s", status, body)
	}
	expect("live_input.connected")
	call("POST", admin+"clock", `{"advance":"2m"}`)
	if status, body := call("POST", input+"/disconnect", ""); status != 200 || !strings.Contains(body, `"reason":"client_disconnect"`) {
		t.Fatalf("disconnect: %d %s", status, body)
	}
	expect("live_input.disconnected")
	if status, body := call("POST", input+"/error", `{"code":"ERR_UNHEALTHY","message":"no keyframes"}`); status != 200 || !strings.Contains(body, `"reason":"failed_to_connect"`) {
		t.Fatalf("error: %d %s", status, body)
	}
	expect("live_input.errored")
	call("POST", admin+"clock", `{"advance":"10s"}`)
	status, body = call("GET", base+"/accounts/"+streamfake.DefaultAccountID+"/stream?live_input_id="+created.Result.UID, "")
	if status != 200 || !strings.Contains(body, `"state":"ready"`) || !strings.Contains(body, `"duration":120`) {
		t.Errorf("the recording: %d %s", status, body)
	}
	// The endpoint saw the third notification before the fake logged its
	// answer: wait for the log to catch up.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		status, body = call("GET", admin+"webhooks", "")
		if strings.Count(body, `"event":"live_input.`) == 3 || time.Now().After(deadline) {
			break
		}
	}
	if status != 200 || strings.Count(body, `"event":"live_input.`) != 3 || strings.Contains(body, "s3cret") {
		t.Errorf("GET /webhooks: %d %s", status, body)
	}
	for _, args := range [][]string{{"-live-webhook-secret", "x"}, {"-live-webhook-url", "ftp://x"}, {"-live-webhook-url", "http://x", "-webhook-attempts", "0"}} {
		if s, err := start(append([]string{"-addr", "127.0.0.1:0"}, args...), &out); err == nil {
			s.Close()
			t.Errorf("%v: accepted", args)
		}
	}
}

// TestMemoryIsBounded measures the command's resident memory under
// oversized uploads and huge list responses (STREAMFAKE_MEMORY=1 go test
// -run TestMemoryIsBounded -v ./cmd/streamfake). The README's memory
// section quotes its output.
func TestMemoryIsBounded(t *testing.T) {
	if os.Getenv("STREAMFAKE_MEMORY") == "" {
		t.Skip("set STREAMFAKE_MEMORY=1 to measure")
	}
	c := startChild(t)
	rss := func() int64 {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				var kb int64
				fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
				return kb << 10
			}
		}
		t.Fatal("no VmRSS")
		return 0
	}
	mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
	heap := func() string {
		resp, err := http.Get(c.admin + "health")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var h struct{ HeapAllocBytes int64 }
		json.NewDecoder(resp.Body).Decode(&h)
		return mb(h.HeapAllocBytes)
	}
	idle := rss()
	t.Logf("idle: %s (heap %s)", mb(idle), heap())
	upload := bytes.Repeat([]byte("x"), 64<<20)
	for i := range 60 {
		var body io.Reader = bytes.NewReader(upload)
		if i%2 == 1 {
			body = io.MultiReader(bytes.NewReader(upload)) // no length: sent chunked
		}
		req, _ := http.NewRequest("POST", c.base+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", body)
		req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			if resp.StatusCode != 413 {
				t.Errorf("upload %d: %d", i, resp.StatusCode)
			}
			resp.Body.Close()
		}
	}
	afterUploads := rss()
	t.Logf("after 60 uploads of 64 MiB: %s (+%s; heap %s)", mb(afterUploads), mb(afterUploads-idle), heap())
	// 100,000 inputs, loaded as a state dump.
	var dump bytes.Buffer
	fmt.Fprintf(&dump, `{"accounts":[{"id":%q,"liveInputs":[`, streamfake.DefaultAccountID)
	for i := range 100000 {
		if i > 0 {
			dump.WriteByte(',')
		}
		s := fmt.Sprintf("%032x", i+1)
		fmt.Fprintf(&dump, `{"uid":%q,"created":"2026-01-02T03:04:05Z","modified":"2026-01-02T03:04:05Z","enabled":true,"meta":{"name":"input %d"},"recording":{"mode":"off"},"secrets":{"rtmps":%q,"rtmpsPlayback":%q,"srt":%q,"srtPlayback":%q,"webRTC":%q}}`, s, i, s, s, s, s, s)
	}
	dump.WriteString(`]}]}`)
	req, _ := http.NewRequest("PUT", c.admin+"state", &dump)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 204 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("loading 100,000 inputs: %v %v %s", resp, err, b)
	}
	resp.Body.Close()
	loaded := rss()
	t.Logf("holding 100,000 inputs: %s (+%s; heap %s)", mb(loaded), mb(loaded-idle), heap())
	var size int64
	for range 100 {
		req, _ := http.NewRequest("GET", c.base+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", nil)
		req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		size, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	afterLists := rss()
	t.Logf("after 100 lists of %s each: %s (+%s over idle, +%s over holding the inputs; heap %s)", mb(size), mb(afterLists), mb(afterLists-idle), mb(afterLists-loaded), heap())
	if afterUploads-idle > 150e6 || afterLists-loaded > 150e6 {
		t.Errorf("memory grew by more than 150 MB")
	}
}
