package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
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
	if err := shutdown(f, &out); err != nil {
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

// TestSIGTERMDrainsAndSaves runs the command in a child process, sends
// SIGTERM while a create is delayed by a fault, and checks that the create
// still succeeds and that the state file then holds it.
func TestSIGTERMDrainsAndSaves(t *testing.T) {
	if args := os.Getenv("STREAMFAKE_CHILD_ARGS"); args != "" {
		if err := run(strings.Fields(args), os.Stdout); err != nil {
			os.Exit(2)
		}
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "state.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSIGTERMDrainsAndSaves$")
	cmd.Env = append(os.Environ(), "STREAMFAKE_CHILD_ARGS=-addr 127.0.0.1:0 -state-file "+path)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
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
	admin := strings.TrimSuffix(base, "/client/v4") + streamfake.AdminPrefix
	resp, err := http.Post(admin+"faults", "application/json", strings.NewReader(`{"match":{"operation":"create"},"action":{"kind":"delay","delay":"500ms"}}`))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("adding the delay: %v %v", resp, err)
	}
	resp.Body.Close()
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	// Wait until the create is in the handler, waiting out its delay.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		resp, err := http.Get(admin + "faults")
		if err != nil {
			t.Fatal(err)
		}
		var reports []streamfake.FaultReport
		json.NewDecoder(resp.Body).Decode(&reports)
		resp.Body.Close()
		if len(reports) == 1 && reports[0].Matched == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the create never reached the fake: %+v", reports)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if status := <-done; status != 200 {
		t.Errorf("the request in flight got %d, want 200: SIGTERM must drain it", status)
	}
	rest, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil {
		t.Errorf("the child exited with %v", err)
	}
	if !strings.Contains(string(rest), "shutting down") {
		t.Errorf("no shutdown message: %q", rest)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), `"uid"`) {
		t.Errorf("the state file does not hold the input: %v %s", err, b)
	}
}
