package streamfake

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Native fuzz targets. `go test` runs their seed corpora; fuzz for longer
// with, for example:
//
//	go test -run '^$' -fuzz '^FuzzHandler$' -fuzztime 5m .
//
// The properties, for any input: no panic; no 5xx that no fault caused;
// every answer is a Cloudflare envelope with codes >= 1000 (or, on the
// admin API, a documented {"error": …} with a 4xx); a request that gets a
// 4xx changes no state; and every success decodes with encoding/json,
// every number in it finite.

// fuzzFake is a fake holding one live input with one output, so that
// fuzzed paths can reach every operation.
func fuzzFake(t testing.TB) (*Fake, LiveInput) {
	f, err := Start(WithSeed(1), WithClock(NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	in, err := f.AddLiveInput(DefaultAccountID, LiveInput{
		UID: "0123456789abcdef0123456789abcdef", Enabled: true, Meta: json.RawMessage(`{"name":"fuzz"}`),
		Outputs: []Output{{UID: "fedcba9876543210fedcba9876543210", URL: "rtmp://x", StreamKey: "k", Enabled: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, in
}

// serveFuzzed serves one request through Handler, as a loopback client,
// and reports the status and body; an aborted handler is status 0.
func serveFuzzed(f *Fake, req *http.Request) (status int, body []byte) {
	req.RemoteAddr = "127.0.0.1:4000"
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if p := recover(); p != nil && p != http.ErrAbortHandler {
				panic(p)
			}
		}()
		f.Handler().ServeHTTP(rec, req)
	}()
	if rec.Code == 200 && !rec.Flushed && rec.Body.Len() == 0 && rec.Header().Get("Content-Length") == "" {
		return 0, nil // aborted before anything was written
	}
	return rec.Code, rec.Body.Bytes()
}

// checkAnswer checks the properties every answer has.
func checkAnswer(t *testing.T, req string, status int, body []byte, faulted bool) {
	t.Helper()
	if status >= 500 && !faulted {
		t.Fatalf("%s: %d without a fault: %s", req, status, body)
	}
	if status == 0 {
		return
	}
	if strings.Contains(req, AdminPrefix) {
		if status >= 400 {
			var e struct{ Error string }
			if json.Unmarshal(body, &e) != nil || e.Error == "" || status >= 500 {
				t.Fatalf("%s: admin error %d %q is not {\"error\": …} with a 4xx", req, status, body)
			}
		}
		return
	}
	var env struct {
		Success  *bool
		Errors   []APIError
		Messages []any
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Success == nil || env.Messages == nil {
		if faulted {
			return // a fault may damage a body on purpose
		}
		t.Fatalf("%s: %d, not an envelope: %v %q", req, status, err, body)
	}
	for _, e := range env.Errors {
		if e.Code < 1000 && !faulted {
			t.Fatalf("%s: code %d", req, e.Code)
		}
	}
	if status == 200 {
		if err := finiteJSON(body); err != nil {
			t.Fatalf("%s: the success does not decode: %v: %s", req, err, body)
		}
	}
}

// finiteJSON decodes b as encoding/json does by default (numbers as
// float64, which the official Go SDK uses). A number no float64 holds is
// an error of the decode itself: it never yields an infinity.
func finiteJSON(b []byte) error {
	var v any
	return json.Unmarshal(b, &v)
}

func stateJSON(f *Fake) []byte {
	b, _ := json.Marshal(f.State())
	return b
}

func FuzzHandler(f *testing.F) {
	const in = "/client/v4/accounts/" + DefaultAccountID + "/stream/live_inputs"
	const uid = "/0123456789abcdef0123456789abcdef"
	auth := "Authorization: Bearer " + DefaultToken + "\nContent-Type: application/json"
	for _, seed := range []struct{ method, path, header, body string }{
		{"POST", in, auth, `{"meta":{"name":"x"},"recording":{"mode":"automatic"}}`},
		{"POST", in, auth, `{"recording":{"mode":1e400}}`},
		{"POST", in, auth, `{"meta":{"a":1e400}}`},
		{"POST", in, auth, `{"meta":{"a":-1e999,"b":1e-400,"c":123456789012345678901234567890,"d":1.0,"e":1e3,"f":-0}}`},
		{"POST", in, auth, `{"deleteRecordingAfterDays":123456789012345678901234567890}`},
		{"POST", in, auth, `{"recording":{"timeoutSeconds":1e-400}}`},
		{"POST", in, auth, "{\"meta\":{\"name\":\"\xff\"}}"},
		{"POST", in, auth, `{"meta":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200) + `}`},
		{"PUT", in + uid, auth, `{"deleteRecordingAfterDays":null,"enabled":false}`},
		{"POST", in + uid + "/outputs", auth, `{"url":"rtmp://x","streamKey":"k"}`},
		{"PUT", in + uid + "/outputs/fedcba9876543210fedcba9876543210", auth, `{"enabled":1e400}`},
		{"DELETE", in + uid, auth, ``},
		{"GET", in + "?include_counts=maybe", auth, ``},
		{"POST", in, "authorization: Bearer " + DefaultToken, `{}`},
		{"POST", in, "X-Auth-Email: x\nX-Auth-Key: y", `{}`},
		{"POST", "/__streamfake/state", "Content-Type: application/json", `{"accounts":[],"idDraws":18446744073709551615}`},
		{"POST", "/__streamfake/faults", "Content-Type: application/json", `{"action":{"kind":"delay_uniform","min":"0s","max":"2562047h"}}`},
		{"POST", "/__streamfake/state", "Content-Type: text/plain\nOrigin: https://evil.example", `{"accounts":[]}`},
	} {
		f.Add(seed.method, seed.path, seed.header, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, method, path, header string, body []byte) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#?\x00") || strings.ContainsAny(method, " \r\n\t\x00") || method == "" || !validMethod(method) {
			return // not a request net/http would hand a handler
		}
		if _, err := url.ParseRequestURI(path); err != nil {
			return
		}
		fk, _ := fuzzFake(t)
		req := httptest.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(body))
		for _, line := range strings.Split(header, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k != "" && !strings.ContainsAny(k, " \r\t\x00") {
				req.Header[k] = append(req.Header[k], strings.TrimSpace(v))
			}
		}
		before := stateJSON(fk)
		status, answer := serveFuzzed(fk, req)
		checkAnswer(t, method+" "+path, status, answer, false)
		if status >= 400 && !bytes.Equal(before, stateJSON(fk)) {
			t.Fatalf("%s %s got %d and changed the state:\n%s\n%s", method, path, status, before, stateJSON(fk))
		}
	})
}

// validMethod reports whether net/http would accept m as a method token.
func validMethod(m string) bool {
	for _, c := range m {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", c) {
			return false
		}
	}
	return true
}

func FuzzLoadState(f *testing.F) {
	good, _ := fuzzFake(f)
	dump := stateJSON(good)
	f.Add(dump)
	for _, s := range []string{`null`, `{}`, `{"accounts":[]}`, `{"accounts":[],"idDraws":18446744073709551615}`, `{"accounts":[],"idDraws":4611686018427387904}`} {
		f.Add([]byte(s))
	}
	for _, r := range [][2]string{
		{`"liveInputs"`, `"live_inputs"`}, {`{"name":"fuzz"}`, `"x"`}, {`{"name":"fuzz"}`, `{"n":1e400}`},
		{`"deleteRecordingAfterDays":null`, `"deleteRecordingAfterDays":1`}, {`"mode":"off"`, `"mode":"on"`},
		{`"status":""`, `"status":"streaming"`}, {`"timeoutSeconds":0`, `"timeoutSeconds":1e400`},
	} {
		f.Add(bytes.Replace(dump, []byte(r[0]), []byte(r[1]), 1))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fk, in := fuzzFake(t)
		before := stateJSON(fk)
		s, err := parseState(data)
		if err == nil {
			err = fk.LoadState(s)
		}
		if err != nil {
			if after := stateJSON(fk); !bytes.Equal(before, after) {
				t.Fatalf("a refused state changed the fake: %v", err)
			}
			return
		}
		// What loaded round-trips, and every input answers a success the
		// SDKs can decode.
		again, err := parseState(stateJSON(fk))
		if err != nil {
			t.Fatalf("the fake's own dump does not parse: %v", err)
		}
		other, _ := fuzzFake(t)
		if err := other.LoadState(again); err != nil {
			t.Fatalf("the fake's own dump does not load: %v", err)
		}
		for _, a := range fk.State().Accounts {
			for _, li := range a.LiveInputs {
				req := httptest.NewRequest("GET", "/accounts/"+a.ID+"/stream/live_inputs/"+li.UID, nil)
				req.Header.Set("Authorization", "Bearer "+DefaultToken)
				status, body := serveFuzzed(fk, req)
				if status != 200 {
					t.Fatalf("loaded input %s: %d %s", li.UID, status, body)
				}
				checkAnswer(t, "GET "+li.UID, status, body, false)
			}
		}
		_ = in
	})
}

func FuzzFaultRuleJSON(f *testing.F) {
	for _, s := range []string{
		`{"match":{"operation":"create"},"action":{"kind":"error","status":429,"code":971,"message":"slow","header":{"Retry-After":"0"}},"times":2}`,
		`{"action":{"kind":"error","status":100,"code":1}}`,
		`{"action":{"kind":"delay_uniform","min":"0s","max":"2562047h47m16.854775807s"}}`,
		`{"action":{"kind":"garbage","bytes":4611686018427387904}}`,
		`{"action":{"kind":"delay_lognormal","median":"1ms","sigma":10}}`,
		`{"action":{"kind":"raw","status":521,"contentType":"text/html","body":"<html>down</html>"}}`,
		`{"action":{"kind":"sequence","steps":[{"kind":"reset"},{"kind":"dribble","chunks":3,"delay":"1ms"}]}}`,
		`{"match":{"operation":"crate"},"action":{"kind":"reset"}}`,
		`{"match":{"path":"/accounts/*/stream/live_inputs/*"},"action":{"kind":"truncate"},"phase":"after"}`,
		`{"action":{"kind":"hang"},"probability":0.5}`,
		`{"action":{"kind":"error","status":500,"code":1,"header":{"Content-Length":"1"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fk, in := fuzzFake(t)
		var rule FaultRule
		if err := strictJSON(data, &rule); err != nil {
			return
		}
		id, err := fk.AddFault(rule)
		if err != nil {
			if len(fk.Faults()) != 0 {
				t.Fatalf("a refused rule was added: %v", err)
			}
			return
		}
		// The rule round-trips through its JSON form.
		b, err := json.Marshal(fk.Faults()[0].Rule)
		if err != nil {
			t.Fatalf("rule %s does not encode: %v", id, err)
		}
		var again FaultRule
		if err := strictJSON(b, &again); err != nil {
			t.Fatalf("rule %s: its JSON %s does not decode: %v", id, b, err)
		}
		if _, err := fk.AddFault(again); err != nil {
			t.Fatalf("rule %s: its JSON %s is refused: %v", id, b, err)
		}
		// Requests under the rule end (a client gives up after 50ms) and
		// get well-formed answers.
		for _, r := range []struct{ method, path, body string }{
			{"POST", "/client/v4/accounts/" + DefaultAccountID + "/stream/live_inputs", `{}`},
			{"GET", "/client/v4/accounts/" + DefaultAccountID + "/stream/live_inputs/" + in.UID, ``},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body)).WithContext(ctx)
			req.Header.Set("Authorization", "Bearer "+DefaultToken)
			status, body := serveFuzzed(fk, req)
			cancel()
			checkAnswer(t, r.method+" "+r.path, status, body, true)
		}
	})
}
