package streamfake

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/streamfake/streamfake/schema"
)

// Regression tests for the ways a client, a body, a rule or a state file
// could hang, crash, bloat or silently empty the fake.

// schemaFields lists the JSON Pointer of every field a body schema names,
// nested objects and array items included, read from the schema itself.
func schemaFields(t *testing.T, name string) []string {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(schema.Read(name), &s); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(s map[string]any, pointer string)
	walk = func(s map[string]any, pointer string) {
		props, _ := s["properties"].(map[string]any)
		for name, sub := range props {
			p := pointer + "/" + name
			out = append(out, p)
			sub := sub.(map[string]any)
			walk(sub, p)
			if items, ok := sub["items"].(map[string]any); ok {
				out = append(out, p+"/0")
				walk(items, p+"/0")
			}
		}
	}
	walk(s, "")
	slices.Sort(out)
	return out
}

// bodyWith builds a JSON body holding value at pointer (made of object
// keys and "0" for an array's first item).
func bodyWith(pointer, value string) string {
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	body := value
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "0" {
			body = "[" + body + "]"
		} else {
			body = fmt.Sprintf("{%q:%s}", parts[i], body)
		}
	}
	return body
}

// TestNumbersNoFloatHoldsAreRefused: every out-of-range number, in every
// field of every body schema, is a 400 pointing at the field; before, 1e400
// in recording.mode panicked inside gojsonschema and the connection dropped.
func TestNumbersNoFloatHoldsAreRefused(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	uid := create(t, f, `{}`)["uid"].(string)
	out := do(t, f, "POST", inputPath(accountA, uid)+"/outputs", `{"url":"rtmp://x","streamKey":"k"}`, bearer)
	outputPath := inputPath(accountA, uid) + "/outputs/" + out.result(t)["uid"].(string)
	targets := []struct{ method, path, schema string }{
		{"POST", inputsPath(accountA), schema.LiveInputRequest},
		{"PUT", inputPath(accountA, uid), schema.LiveInputRequest},
		{"POST", inputPath(accountA, uid) + "/outputs", schema.OutputCreateRequest},
		{"PUT", outputPath, schema.OutputUpdateRequest},
	}
	values := []string{"1e400", "-1e400", "1e-400", "123456789012345678901234567890"}
	for _, target := range targets {
		for _, field := range schemaFields(t, target.schema) {
			for _, v := range values {
				body := bodyWith(field, v)
				for _, via := range []string{"http", "handler"} {
					var status int
					var raw []byte
					if via == "http" {
						r := do(t, f, target.method, target.path, body, bearer)
						status, raw = r.status, r.raw
					} else {
						rec := serveRecorded(f, target.method, target.path, body, bearer)
						status, raw = rec.Code, rec.Body.Bytes()
					}
					var env envelope
					json.Unmarshal(raw, &env)
					var pointers []string
					for _, e := range env.Errors {
						if e.Code != CodeInvalidField || e.Source == nil {
							t.Errorf("%s %s %s (%s): error %+v is not a 10005 with a pointer", target.method, target.path, body, via, e)
							continue
						}
						pointers = append(pointers, e.Source.Pointer)
					}
					if status != 400 || !slices.ContainsFunc(pointers, func(p string) bool { return strings.HasPrefix(p, field) || strings.HasPrefix(field, p) }) {
						t.Errorf("%s %s with %s (%s): %d %s; want 400 pointing at %s", target.method, target.path, body, via, status, raw, field)
					}
				}
			}
		}
	}
	// Anywhere else in a body, a number no double holds is refused too: an
	// answer that echoed it could not be decoded by the SDKs.
	for _, body := range []string{`{"meta":{"a":1e400}}`, `{"meta":{"a":[1,{"b":-1e999}]}}`, `{"unknown":1e400}`} {
		r := do(t, f, "POST", inputsPath(accountA), body, bearer)
		if r.status != 400 || len(r.pointers()) != 1 {
			t.Errorf("%s: %d %s", body, r.status, r.raw)
		}
	}
	// Numbers a double holds, if not exactly, are echoed as sent.
	for _, lit := range []string{"1e-400", "123456789012345678901234567890", "1.0", "1e3", "-0"} {
		got := create(t, f, `{"meta":{"n":`+lit+`}}`)
		b, _ := json.Marshal(got["meta"])
		if r := do(t, f, "GET", inputPath(accountA, got["uid"].(string)), "", bearer); !strings.Contains(string(r.raw), `"meta":{"n":`+lit+`}`) {
			t.Errorf("meta %s is not echoed as sent: %s (%s)", lit, r.raw, b)
		}
	}
}

// TestPanicsBecomeLogged500s: a panic while serving (here, in a fault
// rule's predicate) answers an enveloped 500 and is logged with its
// message; before, the connection dropped and Handler panicked.
func TestPanicsBecomeLogged500s(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	f.MustAddFault(FaultRule{Match: FaultMatch{Predicate: func(Request) bool { panic("predicate exploded") }}, Action: ServerError()})
	r := do(t, f, "GET", inputsPath(accountA), "", bearer)
	if r.status != 500 || len(r.env.Errors) != 1 || r.env.Errors[0].Code != CodeInternalError || !strings.Contains(r.env.Errors[0].Message, "predicate exploded") {
		t.Errorf("over HTTP: %d %s", r.status, r.raw)
	}
	rec := serveRecorded(f, "GET", inputsPath(accountA), "", bearer)
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "predicate exploded") {
		t.Errorf("through Handler: %d %s", rec.Code, rec.Body)
	}
	log := f.Requests()
	if len(log) != 2 || log[0].Status != 500 || !strings.Contains(log[0].Panic, "predicate exploded") || log[0].InFlight {
		t.Errorf("log: %v", log)
	}
}

// rawConn opens a TCP connection to the fake and sends head, a request
// without its body, and then body.
func rawConn(t *testing.T, f *Fake, head, body string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, head+body); err != nil {
		t.Fatal(err)
	}
	return conn
}

func postHead(length int64, extra ...string) string {
	h := "POST " + inputsPath(accountA) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + DefaultToken +
		"\r\nContent-Type: application/json\r\n" + fmt.Sprintf("Content-Length: %d\r\n", length)
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "\r\n"
}

// readResponse reads one response from a raw connection.
func readResponse(t *testing.T, conn net.Conn, within time.Duration) (*http.Response, []byte) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(within))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response within %v: %v", within, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestCloseDoesNotWaitForAStalledBody: a client that sent part of a body and
// stopped cannot hold Close; before, Close waited as long as the client did.
func TestCloseDoesNotWaitForAStalledBody(t *testing.T) {
	t.Parallel()
	f := New()
	rawConn(t, f, postHead(100), `{"meta":`)
	time.Sleep(100 * time.Millisecond) // let the server start reading the body
	closed := make(chan struct{})
	start := time.Now()
	go func() { f.Close(); close(closed) }()
	select {
	case <-closed:
		if d := time.Since(start); d > time.Second {
			t.Errorf("Close took %v", d)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Close is still waiting for the stalled client after 3s")
	}
}

// TestStalledBodyTimesOut: a body that stops arriving gets a 408 envelope
// after the read timeout, and nothing is created.
func TestStalledBodyTimesOut(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithReadTimeout(200*time.Millisecond))
	conn := rawConn(t, f, postHead(100), `{"meta":`)
	resp, body := readResponse(t, conn, 5*time.Second)
	var env envelope
	json.Unmarshal(body, &env)
	if resp.StatusCode != 408 || len(env.Errors) != 1 || env.Errors[0].Code != CodeRequestTimeout {
		t.Errorf("%d %s, want 408 with code %d", resp.StatusCode, body, CodeRequestTimeout)
	}
	log := f.Requests()
	if len(log) != 1 || !log[0].BodyIncomplete || log[0].Status != 408 || string(log[0].Body) != `{"meta":` {
		t.Errorf("log: %v", log)
	}
	if n := len(f.LiveInputs(accountA)); n != 0 {
		t.Errorf("%d inputs created", n)
	}
}

// TestStalledAdminBodyTimesOut: the admin API gives a body the same read
// timeout; before, a client that stopped sending held the handler, and a
// graceful shutdown, for good.
func TestStalledAdminBodyTimesOut(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithReadTimeout(200*time.Millisecond))
	conn := rawConn(t, f, "PUT "+AdminPrefix+"state HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n", `{"accounts":`)
	resp, body := readResponse(t, conn, 5*time.Second)
	if resp.StatusCode != 408 || !strings.Contains(string(body), "did not arrive") {
		t.Errorf("%d %s, want 408", resp.StatusCode, body)
	}
}

// TestAbortedUploadChangesNothing: a body shorter than its Content-Length,
// then a closed connection, is not acted on, however valid its prefix;
// before, it created an input and logged a 200.
func TestAbortedUploadChangesNothing(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	sent := `{"meta":{"name":"abc"}}`
	conn := rawConn(t, f, postHead(223), sent)
	conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	log, err := f.WaitForRequests(ctx, 1, func(r Request) bool { return !r.InFlight })
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.LiveInputs(accountA)); n != 0 {
		t.Errorf("an aborted upload created %d inputs", n)
	}
	if e := log[0]; !e.BodyIncomplete || e.Status != 400 || e.BodySize != int64(len(sent)) || !strings.Contains(e.String(), "body incomplete") {
		t.Errorf("entry: %v (status %d, incomplete %v, size %d)", e, e.Status, e.BodyIncomplete, e.BodySize)
	}
}

// TestDeclaredOversizeIsRefusedUnread: a Content-Length over the limit gets
// 413 at once, without the body being sent; before, the fake waited to
// read up to eight times the limit.
func TestDeclaredOversizeIsRefusedUnread(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	conn := rawConn(t, f, postHead(64<<20), "")
	resp, _ := readResponse(t, conn, 2*time.Second)
	if resp.StatusCode != 413 {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
	// With Expect: 100-continue the client gets the 413 instead of "100 Continue".
	conn = rawConn(t, f, postHead(2<<20, "Expect: 100-continue"), "")
	resp, _ = readResponse(t, conn, 2*time.Second)
	if resp.StatusCode != 413 {
		t.Errorf("with Expect: status %d, want 413", resp.StatusCode)
	}
	for _, e := range f.Requests() {
		if e.Status != 413 || e.BodySize == 0 || len(e.Body) != 0 {
			t.Errorf("entry: %v", e)
		}
	}
}

// TestExpectContinueAlwaysGets413: a client that sends a large body after
// "100 Continue", as curl does by default, always sees the 413; before, some
// tries saw the connection reset.
func TestExpectContinueAlwaysGets413(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: 5 * time.Second}}
	defer client.CloseIdleConnections()
	body := bytes.Repeat([]byte("x"), 16<<20)
	for i := range 40 {
		req, _ := http.NewRequest("POST", f.srv.URL+inputsPath(accountA), bytes.NewReader(body))
		req.Header.Set("Expect", "100-continue")
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("try %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Fatalf("try %d: %d", i, resp.StatusCode)
		}
	}
}

// TestLogMemoryIsBounded: an entry keeps at most 1 MiB of a response, with
// its true size, and WithLogBytes drops the oldest entries past a budget.
func TestLogMemoryIsBounded(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithLogBytes(4<<20))
	for range 9000 { // a list of 9,000 inputs is about 1.5 MiB
		if _, err := f.AddLiveInput(accountA, LiveInput{Meta: json.RawMessage(`{"name":"a stream with a name"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	for range 10 {
		do(t, f, "GET", inputsPath(accountA), "", bearer)
	}
	log := f.Requests()
	if len(log) >= 10 || f.Dropped() == 0 || int64(len(log))+f.Dropped() != 10 {
		t.Errorf("%d entries kept, %d dropped; want some dropped to stay within 4 MiB", len(log), f.Dropped())
	}
	last := log[len(log)-1]
	if !last.ResponseTruncated || len(last.ResponseBody) != maxLoggedResponse || last.ResponseSize <= maxLoggedResponse {
		t.Errorf("response kept %d of %d bytes (truncated %v)", len(last.ResponseBody), last.ResponseSize, last.ResponseTruncated)
	}

	// Headers and query strings count too: before, a client sending
	// half a megabyte of them with each bodiless request grew the log
	// without bound.
	g := startFake(t, WithLogBytes(4<<20))
	bulky := map[string]string{"Authorization": bearer["Authorization"], "X-Padding": strings.Repeat("p", 256<<10)}
	for range 20 {
		do(t, g, "GET", inputsPath(accountA)+"?q="+strings.Repeat("q", 200<<10), "", bulky)
	}
	if kept := len(g.Requests()); kept > 4<<20/(450<<10) || g.Dropped() == 0 {
		t.Errorf("%d entries of ~450 KiB of headers and query kept within 4 MiB, %d dropped", kept, g.Dropped())
	}
	// The running count is what the kept entries cost, without drift.
	for _, fake := range []*Fake{f, g} {
		fake.log.mu.Lock()
		var sum int64
		for _, e := range fake.log.entries {
			sum += e.loggedSize()
		}
		if sum != fake.log.bytes {
			t.Errorf("the log counts %d bytes; its entries cost %d", fake.log.bytes, sum)
		}
		fake.log.mu.Unlock()
	}
}

// TestAdminAndStateOutputAreCompactUTF8JSON: a deeply nested meta costs
// the admin API and the state file its own size, not its size times its
// depth (indented output would repeat the indentation on each of the
// thousands of lines at the bottom), and a body that is not UTF-8 never
// makes the output invalid.
func TestAdminAndStateOutputAreCompactUTF8JSON(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	f := startFake(t, WithStateFile(path))
	const depth = 60
	wide := "[" + strings.TrimSuffix(strings.Repeat(`{"b":1},`, 20000), ",") + "]"
	deep := `{"meta":` + strings.Repeat(`{"a":`, depth) + wide + strings.Repeat(`}`, depth) + `}`
	create(t, f, deep)
	if r := do(t, f, "POST", inputsPath(accountA), "{\"meta\":{\"name\":\"\xff\"}}", bearer); r.status != 400 || r.env.Errors[0].Code != CodeMalformedJSON {
		t.Errorf("a body that is not UTF-8: %d %s", r.status, r.raw)
	}
	for _, route := range []string{"requests", "state"} {
		status, body := admin(t, f, "GET", route, "")
		if status != 200 || !utf8.ValidString(body) || !json.Valid([]byte(body)) {
			t.Errorf("GET %s: %d, valid UTF-8 %v, valid JSON %v", route, status, utf8.ValidString(body), json.Valid([]byte(body)))
		}
		if len(body) > 5*len(deep) {
			t.Errorf("GET %s answers %d bytes for a %d-byte body", route, len(body), len(deep))
		}
	}
	if st, err := os.Stat(path); err != nil || st.Size() > int64(2*len(deep)) {
		t.Errorf("state file: %v, %d bytes", err, st.Size())
	}
	var logged struct {
		Requests []struct {
			BodyBase64 string `json:"bodyBase64"`
		} `json:"requests"`
	}
	_, body := admin(t, f, "GET", "requests", "")
	json.Unmarshal([]byte(body), &logged)
	if len(logged.Requests) != 2 || logged.Requests[1].BodyBase64 == "" {
		t.Errorf("the body that is not UTF-8 is not served in base64: %s", body[len(body)-400:])
	}
}

// TestImpossibleIDDrawsAreRefused at once; before, the fake spun while
// holding its lock.
func TestImpossibleIDDrawsAreRefused(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	start := time.Now()
	status, body := admin(t, f, "PUT", "state", `{"accounts":[],"idDraws":18446744073709551615}`)
	if status != 400 || !strings.Contains(body, "idDraws") || time.Since(start) > time.Second {
		t.Errorf("%d %s after %v", status, body, time.Since(start))
	}
	// A large but possible value loads at once, and ids continue from it.
	before := create(t, f, `{}`)["uid"]
	if status, body := admin(t, f, "PUT", "state", fmt.Sprintf(`{"accounts":[],"idDraws":%d}`, uint64(1)<<61)); status != 204 {
		t.Fatalf("%d %s", status, body)
	}
	if after := create(t, f, `{}`)["uid"]; after == before || f.State().IDDraws <= 1<<61 {
		t.Errorf("ids did not continue past the loaded draws: %v, %d", after, f.State().IDDraws)
	}
	// In a state file, it stops the start within a second.
	path := filepath.Join(t.TempDir(), "state.json")
	os.WriteFile(path, []byte(`{"accounts":[],"idDraws":18446744073709551615}`), 0o644)
	start = time.Now()
	if g, err := Start(WithStateFile(path)); err == nil || !strings.Contains(err.Error(), "idDraws") || time.Since(start) > time.Second {
		if g != nil {
			g.Close()
		}
		t.Errorf("Start: %v after %v", err, time.Since(start))
	}
}

// TestStateFilesNotUnderstoodAreNeverOverwritten: a state file the fake
// cannot fully read stops the start, names the key, and stays byte for
// byte; before, it loaded as empty and was overwritten at shutdown.
func TestStateFilesNotUnderstoodAreNeverOverwritten(t *testing.T) {
	t.Parallel()
	good := New(WithSeed(1))
	good.AddLiveInput(accountA, LiveInput{Meta: json.RawMessage(`{"name":"x"}`)})
	good.Close()
	dump, _ := json.Marshal(good.State())
	for name, tc := range map[string]struct{ file, names string }{
		"misspelled key":          {strings.Replace(string(dump), `"liveInputs"`, `"live_inputs"`, 1), `unknown field "live_inputs"`},
		"null":                    {`null`, `"accounts" is missing`},
		"empty object":            {`{}`, `"accounts" is missing`},
		"wrong type":              {strings.Replace(string(dump), `"enabled":false`, `"enabled":"no"`, 1), "enabled"},
		"meta not an object":      {strings.Replace(string(dump), `{"name":"x"}`, `"x"`, 1), "liveInputs[0].meta"},
		"days below the minimum":  {strings.Replace(string(dump), `"deleteRecordingAfterDays":null`, `"deleteRecordingAfterDays":1`, 1), "liveInputs[0].deleteRecordingAfterDays"},
		"a number no float holds": {strings.Replace(string(dump), `{"name":"x"}`, `{"n":1e400}`, 1), "liveInputs[0].meta.n"},
		"trailing data":           {string(dump) + `{}`, "after the JSON value"},
		"a key in the wrong case": {strings.Replace(string(dump), `"uid"`, `"UID"`, 1), `did you mean "uid"`},
		"a key twice":             {strings.Replace(string(dump), `"enabled":false`, `"enabled":false,"enabled":true`, 1), `"enabled" appears twice`},
		"not UTF-8":               {strings.Replace(string(dump), `{"name":"x"}`, "{\"name\":\"\xff\"}", 1), "not UTF-8"},
		"half a surrogate pair":   {strings.Replace(string(dump), `{"name":"x"}`, `{"name":"\ud800x"}`, 1), "surrogate"},
		"a float that underflows": {strings.Replace(string(dump), `"deleteRecordingAfterDays":null`, `"deleteRecordingAfterDays":1e-400`, 1), "liveInputs[0].deleteRecordingAfterDays: 1e-400 is too small"},
		"too many outputs":        {strings.Replace(string(dump), `"outputs":null`, `"outputs":`+manyOutputs(MaxOutputs+1), 1), "outputs: 51"},
	} {
		t.Run(name, func(t *testing.T) {
			if tc.file == string(dump) {
				t.Fatalf("the case changes nothing in %s", dump)
			}
			path := filepath.Join(t.TempDir(), "state.json")
			os.WriteFile(path, []byte(tc.file), 0o644)
			g, err := Start(WithStateFile(path))
			if err == nil {
				g.Close()
				g.SaveState()
				t.Fatalf("the file loaded")
			}
			if !strings.Contains(err.Error(), tc.names) {
				t.Errorf("error %q does not name %q", err, tc.names)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.file {
				t.Errorf("the file changed")
			}
		})
	}
	// What the API accepts and keeps, the state file keeps: a number in meta
	// that underflows is not a float the fake reads.
	tiny := New()
	create(t, tiny, `{"meta":{"n":1e-400}}`)
	if err := New().LoadState(tiny.State()); err != nil {
		t.Errorf("a state with meta the API accepted does not load: %v", err)
	}
	tiny.Close()
	// A state path that cannot be written fails the start, not the shutdown.
	if g, err := Start(WithStateFile(filepath.Join(t.TempDir(), "missing", "state.json"))); err == nil {
		g.Close()
		t.Errorf("a state file in a missing directory was accepted")
	}
	// GET /state when the file can no longer be written is a 4xx.
	dir := t.TempDir()
	h := startFake(t, WithStateFile(filepath.Join(dir, "state.json")))
	os.RemoveAll(dir)
	if status, body := admin(t, h, "GET", "state", ""); status != 409 || !strings.Contains(body, "cannot be written") {
		t.Errorf("GET /state with an unwritable file: %d %s", status, body)
	}
}

// manyOutputs is a JSON array of n outputs with distinct uids.
func manyOutputs(n int) string {
	outputs := make([]string, n)
	for i := range outputs {
		outputs[i] = fmt.Sprintf(`{"uid":"%032x","url":"rtmp://x","streamKey":"k","enabled":true}`, i)
	}
	return "[" + strings.Join(outputs, ",") + "]"
}

// TestFaultRulesCannotBreakTheFake: rules that would panic, hang the fake
// or send the wrong status are refused, naming the field; before,
// DelayUniform(0, MaxInt64) and GarbageBytes(1<<62) panicked and
// ErrorResponse(100) sent 200 while logging 100.
func TestFaultRulesCannotBreakTheFake(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	for _, tc := range []struct {
		action FaultAction
		field  string
	}{
		{DelayUniform(0, math.MaxInt64), "action.max"},
		{DelayUniform(-time.Second, time.Second), "action.min"},
		{Delay(-time.Second), "action.delay"},
		{Delay(MaxFaultDuration + 1), "action.delay"},
		{DelayLogNormal(time.Second, math.NaN(), 0), "action.sigma"},
		{DelayLogNormal(time.Second, 1, -1), "action.max"},
		{GarbageBytes(1 << 62), "action.bytes"},
		{GarbageBytes(0), "action.bytes"},
		{ErrorResponse(100, 1, "x"), "action.status"},
		{ErrorResponse(200, 1, "x"), "action.status"},
		{ErrorResponse(600, 1, "x"), "action.status"},
		{RawResponse(101, "text/plain", ""), "action.status"},
		{RawResponse(502, "text/html", strings.Repeat("x", MaxFaultBytes+1)), "action.body"},
		{Dribble(0, time.Second), "action.chunks"},
		{Dribble(MaxDribbleChunks+1, time.Second), "action.chunks"},
		{Dribble(2, -time.Second), "action.delay"},
		{ServerError().WithHeader("Content-Length", "5"), "action.header"},
		{ServerError().WithHeader("X-Bad", "a\r\nb"), "action.header"},
		{ServerError().WithHeader("X-Bad", "a\x01b"), "action.header"},
		{ServerError().WithHeader("X-Bad", "a\x7fb"), "action.header"},
		{FaultAction{Kind: KindError, Status: 500, Code: CodeInternalError, Header: map[string]string{"x-retry": "1", "X-Retry": "2"}}, "action.header"},
		{Sequence(ServerError(), ErrorResponse(100, 1, "x")), "action.steps[1].status"},
	} {
		_, err := f.AddFault(FaultRule{Action: tc.action})
		if err == nil || !strings.Contains(err.Error(), tc.field+":") {
			t.Errorf("%+v: %v; want an error naming %s", tc.action, err, tc.field)
		}
		rule, err := json.Marshal(FaultRule{Action: tc.action})
		if err != nil {
			continue // NaN has no JSON form
		}
		if status, body := admin(t, f, "POST", "faults", string(rule)); status != 400 || !strings.Contains(body, tc.field+":") {
			t.Errorf("admin %s: %d %s", rule, status, body)
		}
	}
	// A probability so small that a float reads it as 0 would make the
	// rule fire on every request: before, 1e-400 did.
	if status, body := admin(t, f, "POST", "faults", `{"probability":1e-400,"action":{"kind":"error","status":500}}`); status != 400 || !strings.Contains(body, "probability: 1e-400 is too small") {
		t.Errorf("probability 1e-400: %d %s", status, body)
	}
	// A tab is a header value's only allowed control character.
	if _, err := f.AddFault(FaultRule{Action: ServerError().WithHeader("X-Tab", "a\tb")}); err != nil {
		t.Errorf("a tab in a header value: %v", err)
	}
	// A lognormal delay without a cap is capped at MaxFaultDuration, not
	// overflowed: every draw is a valid, bounded duration.
	for range 1000 {
		if d := f.faults.drawDelay(DelayLogNormal(time.Minute, maxSigma, 0)); d < 0 || d > MaxFaultDuration {
			t.Fatalf("drew %v", d)
		}
	}
}

// TestCredentialsNeverPrint: in %#v, JSON, errors, and whatever the
// letter case of the header; before, %#v and json.Marshal showed the token.
func TestCredentialsNeverPrint(t *testing.T) {
	t.Parallel()
	const secret = "sUp3r-secret-value"
	f := startFake(t, WithToken(secret))
	do(t, f, "GET", inputsPath(accountA), "", map[string]string{"Authorization": "Bearer " + secret})
	req, _ := http.NewRequest("GET", inputsPath(accountA), nil)
	req.Header["authorization"] = []string{"Bearer " + secret}
	req.Header["x-auth-key"] = []string{secret}
	req.RemoteAddr = "127.0.0.1:1"
	f.Handler().ServeHTTP(discard{}, req)
	for _, r := range f.Requests() {
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		for form, s := range map[string]string{"%#v": fmt.Sprintf("%#v", r), "%v": fmt.Sprintf("%v", r), "%+v": fmt.Sprintf("%+v", r), "json": string(js), "slice %#v": fmt.Sprintf("%#v", []Request{r})} {
			if strings.Contains(s, secret) {
				t.Errorf("%s shows the secret: %s", form, s)
			}
			if !strings.Contains(s, "REDACTED") {
				t.Errorf("%s shows no REDACTED: %s", form, s)
			}
		}
		if !strings.Contains(r.Header.Get("Authorization")+strings.Join(r.Header["authorization"], ""), secret) {
			t.Errorf("Header lost the credential assertions need: %v", r.Header)
		}
	}
	// Errors describe a credential without quoting it.
	for _, opt := range []Option{WithToken("sUp3r secret-value"), WithAPIKey(DefaultEmail, "sUp3r-secret-value-that-is-not-hex")} {
		_, err := Start(opt)
		if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "…") {
			t.Errorf("error %v", err)
		}
	}
}

type discard struct{ h http.Header }

func (d discard) Header() http.Header {
	if d.h == nil {
		return http.Header{}
	}
	return d.h
}
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// TestAdminRefusesWebPages: without WithRemoteAdmin, a browser cannot
// drive the admin API; before, a text/plain POST from a foreign Origin
// emptied the fake.
func TestAdminRefusesWebPages(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	create(t, f, `{}`)
	send := func(header ...string) (int, string) {
		req, _ := http.NewRequest("POST", f.srv.URL+AdminPrefix+"state", strings.NewReader(`{"accounts":[]}`))
		for i := 0; i+1 < len(header); i += 2 {
			if header[i] == "Host" {
				req.Host = header[i+1]
			} else {
				req.Header.Set(header[i], header[i+1])
			}
		}
		resp, err := f.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for name, header := range map[string][]string{
		"text/plain":      {"Content-Type", "text/plain"},
		"no content type": {},
		"foreign origin":  {"Content-Type", "application/json", "Origin", "https://evil.example"},
		"null origin":     {"Content-Type", "application/json", "Origin", "null"},
		"rebinding host":  {"Content-Type", "application/json", "Host", "evil.example:8787"},
	} {
		if status, body := send(header...); status < 400 || status > 499 {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	if n := len(f.LiveInputs(accountA)); n != 1 {
		t.Fatalf("a refused request emptied the fake: %d inputs", n)
	}
	for name, header := range map[string][]string{
		"loopback origin": {"Content-Type", "application/json", "Origin", "http://localhost:3000"},
		"localhost host":  {"Content-Type", "application/json; charset=utf-8", "Host", "localhost:8787"},
	} {
		if status, body := send(header...); status != 204 {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	// The admin token is accepted only as "Authorization: Bearer <token>".
	g := startFake(t, WithAdminToken("s3cret"))
	for _, h := range []string{"s3cret", "Basic s3cret", "Bearer s3cret2"} {
		if status, _ := admin(t, g, "GET", "health", "", "Authorization", h); status != 401 {
			t.Errorf("Authorization %q: %d, want 401", h, status)
		}
	}
}

// TestWhatNetHTTPAnswersItself documents the requests Go's server answers
// before the fake sees them: plain text, no envelope, no log entry (the
// README lists them as limits). If Go changes, this test says so.
func TestWhatNetHTTPAnswersItself(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	for _, tc := range []struct {
		name, request string
		status        int
	}{
		{"Transfer-Encoding gzip", "POST " + inputsPath(accountA) + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"bad Content-Length", "POST " + inputsPath(accountA) + " HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400},
		{"malformed header", "GET " + inputsPath(accountA) + " HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400},
		{"header over 1 MB", "GET " + inputsPath(accountA) + " HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n", 431},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 200},
		{"an Expect other than 100-continue", "GET " + inputsPath(accountA) + " HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n", 417},
		{"HTTP/1.1 without Host", "GET " + inputsPath(accountA) + " HTTP/1.1\r\n\r\n", 400},
		{"a target without a leading slash", "GET client/v4 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	} {
		conn, err := net.Dial("tcp", f.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		go io.WriteString(conn, tc.request)
		resp, _ := readResponse(t, conn, 5*time.Second)
		conn.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("%d of them logged", n)
	}
}

// TestAddLiveInputIsNoBackDoor: direct state access refuses what a create
// body could not set, as LoadState does; before, AddLiveInput stored meta
// "x", and the next GET of the input panicked while encoding it.
func TestAddLiveInputIsNoBackDoor(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	days := 10.0
	for name, in := range map[string]LiveInput{
		"meta not JSON":           {Meta: json.RawMessage(`x`)},
		"meta not an object":      {Meta: json.RawMessage(`"x"`)},
		"meta not UTF-8":          {Meta: json.RawMessage("{\"a\":\"\xff\"}")},
		"a number no float holds": {Meta: json.RawMessage(`{"a":1e400}`)},
		"days below 30":           {DeleteRecordingAfterDays: &days},
		"an unknown mode":         {Recording: Recording{Mode: "sometimes"}},
	} {
		if _, err := f.AddLiveInput(accountA, in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	in, err := f.AddLiveInput(accountA, LiveInput{Meta: json.RawMessage(`{ "b" : 1.0, "a" : [1e3] }`)})
	if err != nil || string(in.Meta) != `{"a":[1e3],"b":1.0}` {
		t.Fatalf("meta kept as %s (%v), want it as the API keeps it", in.Meta, err)
	}
	if r := do(t, f, "GET", inputPath(accountA, in.UID), "", bearer); r.status != 200 || !strings.Contains(string(r.raw), `"meta":{"a":[1e3],"b":1.0}`) {
		t.Errorf("GET: %d %s", r.status, r.raw)
	}
}

// TestValuesBeyondTheBodyBoundsAreRefusedQuickly: numbers with huge
// exponents or thousands of digits, and nesting past maxBodyDepth, are a
// 400 naming the field, answered at once. Before, 3e-9999999 panicked in
// math/big inside gojsonschema, a 100,000-digit number held the handler for
// seconds, and a meta nested 9,000 deep was echoed in answers encoding/json
// refuses to decode.
func TestValuesBeyondTheBodyBoundsAreRefusedQuickly(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	cases := []struct{ body, pointer string }{
		{`{"recording":{"timeoutSeconds":3e-9999999}}`, "/recording/timeoutSeconds"},
		{`{"meta":{"n":1e+10000}}`, "/meta/n"},
		{`{"defaultCreator":` + strings.Repeat("9", 100000) + `}`, "/defaultCreator"},
		{`{"meta":` + strings.Repeat(`{"a":`, maxBodyDepth) + `1` + strings.Repeat(`}`, maxBodyDepth) + `}`, "/meta" + strings.Repeat("/a", maxBodyDepth)},
		{`{"meta":{"a":` + strings.Repeat(`[`, 5000) + strings.Repeat(`]`, 5000) + `}}`, "/meta/a" + strings.Repeat("/0", maxBodyDepth-1)},
	}
	for _, c := range cases {
		start := time.Now()
		r := do(t, f, "POST", inputsPath(accountA), c.body, bearer)
		short := c.body
		if len(short) > 80 {
			short = short[:80] + "..."
		}
		if r.status != 400 || len(r.env.Errors) != 1 || r.env.Errors[0].Code != CodeInvalidField || r.pointers()[0] != c.pointer {
			t.Errorf("%s: %d %.300s; want one 10005 at %s", short, r.status, r.raw, c.pointer)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v", short, d)
		}
	}
	// At the bounds, bodies are accepted.
	for _, body := range []string{
		`{"meta":{"n":1e-9999,"m":0.` + strings.Repeat("1", maxNumberLength-2) + `}}`,
		`{"meta":` + strings.Repeat(`{"a":`, maxBodyDepth-1) + `1` + strings.Repeat(`}`, maxBodyDepth-1) + `}`,
	} {
		create(t, f, body)
	}
}

// TestIDsFromElsewhereAreNeverDrawnAgain: ids that came from AddLiveInput
// or a loaded state are not drawn for new inputs. Before, two fakes with
// the same seed drew the same ids, so an input copied from one into the
// other was overwritten by the next create.
func TestIDsFromElsewhereAreNeverDrawnAgain(t *testing.T) {
	t.Parallel()
	source := startFake(t, WithSeed(1))
	first := create(t, source, `{}`)["uid"].(string)
	second := create(t, source, `{}`)["uid"].(string)

	added := startFake(t, WithSeed(1))
	if _, err := added.AddLiveInput(accountA, LiveInput{UID: first}); err != nil {
		t.Fatal(err)
	}
	loaded := startFake(t, WithSeed(1))
	state := source.State()
	state.IDDraws = 0 // as if written by hand, or by a fake with another seed
	if err := loaded.LoadState(state); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]*Fake{"AddLiveInput": added, "LoadState": loaded} {
		before := len(f.LiveInputs(accountA))
		for range 3 {
			if uid := create(t, f, `{}`)["uid"]; uid == first || uid == second {
				t.Errorf("after %s, create drew %v again", name, uid)
			}
		}
		if n := len(f.LiveInputs(accountA)); n != before+3 {
			t.Errorf("after %s: %d inputs, want %d: a create replaced one", name, n, before+3)
		}
	}
}

// TestLoadStateKeepsUIDsUnique: a state that loads one account leaves the
// ids set aside for the others set aside, and cannot load an input another
// account holds. Before, LoadState replaced the set, and the next create
// drew a uid account B held; and a uid could be held by two accounts.
func TestLoadStateKeepsUIDsUnique(t *testing.T) {
	t.Parallel()
	first := create(t, startFake(t, WithSeed(7)), `{}`)["uid"].(string)
	f := startFake(t, WithSeed(7), WithAccount(accountA), WithAccount(accountB))
	if _, err := f.AddLiveInput(accountB, LiveInput{UID: first}); err != nil {
		t.Fatal(err)
	}
	if err := f.LoadState(State{Accounts: []AccountState{{ID: accountA, LiveInputs: []LiveInput{}}}}); err != nil {
		t.Fatal(err)
	}
	if in, err := f.AddLiveInput(accountA, LiveInput{}); err != nil || in.UID == first {
		t.Errorf("after LoadState, a new input drew %s, which account B holds (%v)", in.UID, err)
	}
	held, _ := f.LiveInput(accountB, first)
	state := State{Accounts: []AccountState{{ID: accountA, LiveInputs: []LiveInput{held}}}}
	if err := f.LoadState(state); err == nil || !strings.Contains(err.Error(), "held by account "+accountB) {
		t.Errorf("loading into A an input B holds: %v", err)
	}
}

// TestAddLiveInputRefusesOutputsAndSecretsTheAPICouldNotMake: before, any
// number of outputs, with any uids, and half-set secrets were stored.
func TestAddLiveInputRefusesOutputsAndSecretsTheAPICouldNotMake(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	const hex = "0123456789abcdef0123456789abcdef"
	tooMany := make([]Output, MaxOutputs+1)
	for _, c := range []struct {
		in   LiveInput
		want string
	}{
		{LiveInput{Outputs: tooMany}, "outputs: 51"},
		{LiveInput{Outputs: []Output{{UID: "x"}}}, "outputs[0].uid"},
		{LiveInput{Outputs: []Output{{UID: hex}, {UID: hex}}}, "outputs[1].uid"},
		{LiveInput{Outputs: []Output{{URL: "rtmp://\xff"}}}, "outputs[0]"},
		{LiveInput{DefaultCreator: "\xff"}, "defaultCreator"},
		{LiveInput{Secrets: Secrets{RTMPS: hex}}, "secrets.rtmpsPlayback"},
	} {
		if _, err := f.AddLiveInput(accountA, c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v; want an error about %s", c.in.Outputs, err, c.want)
		}
	}
	if n := len(f.LiveInputs(accountA)); n != 0 {
		t.Errorf("%d inputs stored by refused calls", n)
	}
	// Empty output uids are drawn, as the API would.
	in, err := f.AddLiveInput(accountA, LiveInput{Outputs: make([]Output, MaxOutputs)})
	if err != nil || !isHex32(in.Outputs[MaxOutputs-1].UID) {
		t.Errorf("%v %+v", err, in.Outputs)
	}
}

// TestWaitMatchersMayReadTheFake: a match function that reads the request
// or delivery log itself does not deadlock. Before, match ran under the
// log's lock, and a matcher calling f.Requests() hung the test for good.
func TestWaitMatchersMayReadTheFake(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go create(t, f, `{}`)
	got, err := f.WaitForRequests(ctx, 1, func(r Request) bool { return len(f.Requests()) > 0 && r.Operation == OpCreate })
	if err != nil || len(got) != 1 {
		t.Errorf("WaitForRequests: %v, %d requests", err, len(got))
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	if _, err := f.WaitForDeliveries(ctx2, 1, func(Delivery) bool { return len(f.Deliveries()) > 0 }); err != context.DeadlineExceeded {
		t.Errorf("WaitForDeliveries: %v; want the deadline, not a hang", err)
	}
}

// TestDeclaredBodySizesAreOnlyClaims: a Content-Length within the limit
// but far beyond what arrives costs the bytes that arrive, not the claim.
// Before, the fake allocated the declared size up front, so a client
// claiming a gigabyte under WithMaxBodyBytes(1<<30) cost a gigabyte. Not
// parallel: it measures the process's allocations.
func TestDeclaredBodySizesAreOnlyClaims(t *testing.T) {
	f := startFake(t, WithMaxBodyBytes(MaxMaxBodyBytes))
	req := httptest.NewRequest("POST", inputsPath(accountA), strings.NewReader(`{}`))
	req.Header.Set("Authorization", bearer["Authorization"])
	req.ContentLength = MaxMaxBodyBytes
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rec := httptest.NewRecorder()
	f.Handler().ServeHTTP(rec, req)
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("a 2-byte body declared as %d bytes allocated %d MiB", MaxMaxBodyBytes, grew>>20)
	}
	if rec.Code != 400 {
		t.Errorf("a body shorter than declared: %d %s", rec.Code, rec.Body)
	}
	if log := f.Requests(); len(log) != 1 || string(log[0].Body) != `{}` || !log[0].BodyIncomplete {
		t.Errorf("the log does not keep what arrived: %+v", log)
	}
	// A chunked body at the largest limit is read, not lost to an overflow.
	chunked := httptest.NewRequest("POST", inputsPath(accountA), strings.NewReader(`{"meta":{"name":"chunked"}}`))
	chunked.Header.Set("Authorization", bearer["Authorization"])
	chunked.ContentLength = -1
	rec = httptest.NewRecorder()
	if f.Handler().ServeHTTP(rec, chunked); rec.Code != 200 {
		t.Errorf("chunked: %d %s", rec.Code, rec.Body)
	}
	if _, err := Start(WithMaxBodyBytes(math.MaxInt64)); err == nil || !strings.Contains(err.Error(), "WithMaxBodyBytes") {
		t.Errorf("WithMaxBodyBytes(MaxInt64): %v", err)
	}
}

// TestHalfSurrogatePairsAreRefused: a \u escape of half a UTF-16 pair is a
// 400. Before, encoding/json read it as U+FFFD, and the fake stored and
// echoed a character the client never sent.
func TestHalfSurrogatePairsAreRefused(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	for _, body := range []string{`{"meta":{"name":"\ud83d"}}`, `{"meta":{"name":"\ude00x"}}`, `{"defaultCreator":"a\ud83d\u0041"}`, `{"meta":{"\udfff":1}}`} {
		r := do(t, f, "POST", inputsPath(accountA), body, bearer)
		if r.status != 400 || len(r.env.Errors) != 1 || r.env.Errors[0].Code != CodeMalformedJSON || !strings.Contains(r.env.Errors[0].Message, "surrogate") {
			t.Errorf("%s: %d %s", body, r.status, r.raw)
		}
	}
	// A whole pair, and an escaped backslash before "ud83d", are fine.
	if got := create(t, f, `{"meta":{"name":"\ud83d\ude00","path":"\\ud83d"}}`)["meta"].(map[string]any); got["name"] != "😀" || got["path"] != `\ud83d` {
		t.Errorf("meta %v", got)
	}
	if n := len(f.LiveInputs(accountA)); n != 1 {
		t.Errorf("%d inputs, want the one valid create", n)
	}
}

// TestQueriesTheFakeCannotReadAreRefused: a query that does not parse, or
// that repeats a parameter the fake reads, is a 400 naming the problem.
// Before, "include_counts=bogus;x" listed as if no parameter had been
// given, and of "limit=1&limit=2" the first silently won.
func TestQueriesTheFakeCannotReadAreRefused(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	videos := "/client/v4/accounts/" + accountA + "/stream"
	for _, target := range []string{
		inputsPath(accountA) + "?include_counts=bogus;x",
		inputsPath(accountA) + "?include_counts=true&include_counts=false",
		inputsPath(accountA) + "?a=%zz",
		videos + "?limit=1&limit=2",
		videos + "?status=ready;x",
		videos + "?before=2020-01-01T00:00:00Z&end=2030-01-01T00:00:00Z", // one filter under two names
		videos + "?after=2020-01-01T00:00:00Z&start=2030-01-01T00:00:00Z",
	} {
		r := do(t, f, "GET", target, "", bearer)
		if r.status != 400 || len(r.env.Errors) != 1 || r.env.Errors[0].Code != CodeInvalidField {
			t.Errorf("GET %s: %d %s", target, r.status, r.raw)
		}
	}
	// Parameters the fake does not read may repeat.
	if r := do(t, f, "GET", videos+"?creator=a&creator=b", "", bearer); r.status != 200 {
		t.Errorf("a repeated parameter the fake ignores: %d %s", r.status, r.raw)
	}
}

// TestCredentialsStayOutOfTestLogs: printing a fake with any verb shows
// its address, not its fields; before, %v printed every token and key.
// Errors about a malformed credential quote its last four characters at
// most, an email address included.
func TestCredentialsStayOutOfTestLogs(t *testing.T) {
	t.Parallel()
	const token, key = "a-real-looking-secret-token-0123456789", "0123456789abcdef0123456789abcdef"
	f := startFake(t, WithToken(token), WithAPIKey("someone@example.com", key), WithSeed(7))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, f)
		if strings.Contains(out, token) || strings.Contains(out, key) || strings.Contains(out, "someone") || !strings.Contains(out, f.srv.URL) {
			t.Errorf("%s: %s", verb, out)
		}
	}
	if _, err := Start(WithAPIKey("private.person.example.com", key)); err == nil || strings.Contains(err.Error(), "private") {
		t.Errorf("a malformed email: %v", err)
	}
}

// TestRequestLogFiltersAreExact: GET /__streamfake/requests refuses a
// filter it cannot read, and status=0 selects the requests a fault left
// without an answer. Before, status=0 and a repeated filter were ignored,
// and the whole log came back as if it had matched.
func TestRequestLogFiltersAreExact(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	create(t, f, `{}`)
	f.AddFault(FaultRule{Match: FaultMatch{Operation: OpList}, Action: ResetConnection()})
	req, _ := http.NewRequest("GET", f.srv.URL+inputsPath(accountA), nil)
	req.Header.Set("Authorization", bearer["Authorization"])
	if resp, err := f.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the reset fault did not fire: %d", resp.StatusCode)
	}
	// Go's client retries the GET once on the reset: one or two entries.
	status, body := admin(t, f, "GET", "requests?status=0", "")
	var got struct{ Requests []Request }
	json.Unmarshal([]byte(body), &got)
	if status != 200 || len(got.Requests) == 0 || slices.ContainsFunc(got.Requests, func(r Request) bool { return r.Operation != OpList }) {
		t.Errorf("status=0: %d %s", status, body)
	}
	for _, query := range []string{"status=abc", "status=99", "status=200&status=400", "status=200;x", "method=GET&method=POST"} {
		if status, body := admin(t, f, "GET", "requests?"+query, ""); status != 400 {
			t.Errorf("?%s: %d %s", query, status, body)
		}
	}
}

// TestIdleConnectionsAreClosed: the server closes kept-alive connections
// left idle, so a long-running binary does not collect them; after Go's
// client has dropped its own (90 s), so a Go client never races the close.
func TestIdleConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	if got := f.srv.Config.IdleTimeout; got <= 90*time.Second || got > 10*time.Minute {
		t.Errorf("IdleTimeout %v; want more than 90 s, and bounded", got)
	}
}
