package streamfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 24, 9, 30, 0, 123456789, time.UTC)

// TestCreateDefaults: a body that sets nothing gets Cloudflare's defaults.
func TestCreateDefaults(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithClock(ClockFunc(func() time.Time { return t0 })))
	got := create(t, f, `{}`)
	want := map[string]any{
		"created":          "2026-11-24T09:30:00.123456Z",
		"modified":         "2026-11-24T09:30:00.123456Z",
		"enabled":          true,
		"preferLowLatency": false,
		"meta":             map[string]any{},
		"status":           nil,
		"recording": map[string]any{
			"allowedOrigins": nil, "hideLiveViewerCount": false, "mode": "off",
			"requireSignedURLs": false, "timeoutSeconds": float64(0),
		},
	}
	for k, v := range want {
		if diff := cmp.Diff(v, got[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	for _, absent := range []string{"deleteRecordingAfterDays", "keysRotatedAt", "defaultCreator"} {
		if _, ok := got[absent]; ok {
			t.Errorf("%s is present in a fresh input: %v", absent, got[absent])
		}
	}
}

// TestCreateEchoesWhatWasSent, with every field set.
func TestCreateEchoesWhatWasSent(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	body := `{"defaultCreator":"c-1","deleteRecordingAfterDays":45,"enabled":false,"preferLowLatency":true,
		"meta":{"name":"test stream 1","ünïcode":"日本語 🎥","n":1.50,"big":123456789012345678901234567890,"deep":{"a":[1,{"b":null}]},"html":"<b>&"},
		"recording":{"allowedOrigins":["example.com","*.example.org"],"hideLiveViewerCount":true,"mode":"automatic","requireSignedURLs":true,"timeoutSeconds":60}}`
	r := do(t, f, "POST", inputsPath(accountA), body, bearer)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	// meta comes back byte for byte (keys sorted), numbers as written.
	wantMeta := `"meta":{"big":123456789012345678901234567890,"deep":{"a":[1,{"b":null}]},"html":"<b>&","n":1.50,"name":"test stream 1","ünïcode":"日本語 🎥"}`
	if !bytes.Contains(r.raw, []byte(wantMeta)) {
		t.Errorf("response does not hold %s:\n%s", wantMeta, r.raw)
	}
	got := r.result(t)
	for k, v := range map[string]any{
		"deleteRecordingAfterDays": float64(45), "enabled": false, "preferLowLatency": true,
		"recording": map[string]any{
			"allowedOrigins": []any{"example.com", "*.example.org"}, "hideLiveViewerCount": true,
			"mode": "automatic", "requireSignedURLs": true, "timeoutSeconds": float64(60),
		},
	} {
		if diff := cmp.Diff(v, got[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	stored, _ := f.LiveInput(accountA, got["uid"].(string))
	if stored.DefaultCreator != "c-1" {
		t.Errorf("DefaultCreator = %q, want it stored", stored.DefaultCreator)
	}
	// An empty allowedOrigins stays [], not null.
	if rec := create(t, f, `{"recording":{"allowedOrigins":[]}}`)["recording"].(map[string]any); rec["allowedOrigins"] == nil {
		t.Errorf("allowedOrigins [] came back as null")
	}
}

var (
	hex32Format    = regexp.MustCompile(`^[0-9a-f]{32}$`)
	timestampRE    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
	customerHostRE = regexp.MustCompile(`^https://customer-([a-z0-9]{16})\.cloudflarestream\.com/`)
)

// TestCredentialFormats: the formats of real responses (facts §5.1).
func TestCredentialFormats(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithAccount(accountA), WithAccount(accountB))
	hosts := map[string]string{}
	for i, account := range []string{accountA, accountA, accountB} {
		r := do(t, f, "POST", inputsPath(account), `{}`, bearer)
		in := r.result(t)
		uid := in["uid"].(string)
		if !hex32Format.MatchString(uid) {
			t.Fatalf("uid %q is not 32 lowercase hex", uid)
		}
		for _, k := range []string{"created", "modified"} {
			if !timestampRE.MatchString(in[k].(string)) {
				t.Errorf("%s %q is not RFC 3339 with microseconds", k, in[k])
			}
		}
		if in["created"] != in["modified"] {
			t.Errorf("created %v != modified %v", in["created"], in["modified"])
		}
		secret := regexp.MustCompile(`^[0-9a-f]{32}k` + uid + `$`)
		field := func(obj, key string) string { return in[obj].(map[string]any)[key].(string) }
		for _, c := range [][2]string{{"rtmps", "streamKey"}, {"rtmpsPlayback", "streamKey"}, {"srt", "passphrase"}, {"srtPlayback", "passphrase"}} {
			if v := field(c[0], c[1]); !secret.MatchString(v) {
				t.Errorf("%s.%s = %q, want 32 hex + k + uid", c[0], c[1], v)
			}
		}
		checks := map[string]string{
			field("rtmps", "url"):            "rtmps://live.cloudflare.com:443/live/",
			field("rtmpsPlayback", "url"):    "rtmps://live.cloudflare.com:443/live/",
			field("srt", "url"):              "srt://live.cloudflare.com:778",
			field("srtPlayback", "url"):      "srt://live.cloudflare.com:778",
			field("srt", "streamId"):         uid,
			field("srtPlayback", "streamId"): "play" + uid,
		}
		for got, want := range checks {
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		}
		if field("rtmps", "streamKey") == field("srt", "passphrase") || field("srt", "passphrase") == field("srtPlayback", "passphrase") {
			t.Errorf("credentials share a secret: %v", in)
		}
		publish, play := field("webRTC", "url"), field("webRTCPlayback", "url")
		m := customerHostRE.FindStringSubmatch(publish)
		if m == nil || !regexp.MustCompile(`/[0-9a-f]{32}k`+uid+`/webRTC/publish$`).MatchString(publish) {
			t.Fatalf("webRTC.url = %q", publish)
		}
		if want := "https://customer-" + m[1] + ".cloudflarestream.com/" + uid + "/webRTC/play"; play != want {
			t.Errorf("webRTCPlayback.url = %q, want %q", play, want)
		}
		if prev, ok := hosts[account]; ok && prev != m[1] {
			t.Errorf("input %d of account %s is on customer-%s, an earlier one on customer-%s", i, account, m[1], prev)
		}
		hosts[account] = m[1]
	}
	if hosts[accountA] == hosts[accountB] {
		t.Errorf("two accounts share the customer code %s", hosts[accountA])
	}
}

// TestDeterminism: the same seed, clock and requests give byte-identical
// responses; another seed gives other ids.
func TestDeterminism(t *testing.T) {
	t.Parallel()
	run := func(seed int64) [][]byte {
		f := startFake(t, WithSeed(seed), WithClock(ClockFunc(fixedClock(t0, time.Second))))
		var out [][]byte
		for _, body := range []string{`{}`, `{"meta":{"name":"a"}}`, `{"recording":{"mode":"bad"}}`, `{"enabled":false}`} {
			out = append(out, do(t, f, "POST", inputsPath(accountA), body, bearer).raw)
		}
		out = append(out, do(t, f, "GET", inputsPath(accountA), "", bearer).raw)
		return out
	}
	a, b, c := run(42), run(42), run(43)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("seed 42 twice differs (-first +second):\n%s", diff)
	}
	if bytes.Equal(a[0], c[0]) {
		t.Errorf("seeds 42 and 43 gave the same response: %s", a[0])
	}
	f := startFake(t, WithSeed(42))
	if f.Seed() != 42 {
		t.Errorf("Seed() = %d", f.Seed())
	}
	if x, y := startFake(t), startFake(t); x.Seed() == y.Seed() {
		t.Errorf("two fakes without WithSeed drew the same seed %d", x.Seed())
	}
}

// TestConcurrentCreates: 64 clients at once; every uid unique, every request logged.
func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	const n = 64
	uids := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := create(t, f, fmt.Sprintf(`{"meta":{"i":%d}}`, i))
			uids <- in["uid"].(string)
		}()
	}
	wg.Wait()
	close(uids)
	seen := map[string]bool{}
	for u := range uids {
		if seen[u] {
			t.Errorf("uid %s issued twice", u)
		}
		seen[u] = true
	}
	log := f.Requests()
	if len(log) != n || len(seen) != n || len(f.LiveInputs(accountA)) != n {
		t.Fatalf("%d log entries, %d uids, %d inputs; want %d each", len(log), len(seen), len(f.LiveInputs(accountA)), n)
	}
	for i, r := range log {
		if r.Seq != int64(i+1) || r.Status != 200 || r.Operation != OpCreate {
			t.Errorf("entry %d: seq %d status %d op %s", i, r.Seq, r.Status, r.Operation)
		}
	}
}

// TestCloseLeavesNoGoroutine: after Close, the goroutine count is back where it was.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	// Not parallel: it counts the process's goroutines.
	before, _ := waitForGoroutines(1<<30, 0)
	for _, opts := range [][]Option{nil, {WithTLS()}} {
		f := New(opts...)
		for range 5 {
			create(t, f, `{}`)
		}
		f.Close()
		f.Close() // twice is fine
	}
	if n, ok := waitForGoroutines(before, 5*time.Second); !ok {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

// TestTLS: the fake serves HTTPS and its client trusts it.
func TestTLS(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithTLS())
	if got := f.URL(); got[:8] != "https://" || got[len(got)-10:] != "/client/v4" {
		t.Errorf("URL() = %q", got)
	}
	create(t, f, `{}`)
}

// TestHandlerWithoutListener: the handler serves a recorder.
func TestHandlerWithoutListener(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	rec := serveRecorded(f, "POST", "/accounts/"+accountA+"/stream/live_inputs", `{"meta":{"name":"x"}}`, bearer)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var env envelope
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || !env.Success {
		t.Errorf("body %s: %v", rec.Body, err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]Option{
		"short account":             {WithAccount("abc")},
		"token with a space":        {WithToken("a b")},
		"key that is not hex":       {WithAPIKey(DefaultEmail, "not-hex")},
		"email that is not one":     {WithAPIKey("nobody", DefaultAPIKey)},
		"token for unknown account": {WithToken("t", accountB)},
		"nil clock":                 {WithClock(nil)},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("New did not panic")
				}
			}()
			New(opts...).Close()
		})
	}
}

func TestRepeatedAccountsAreServedOnce(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithAccount(accountA), WithAccount(accountB), WithAccount(accountA))
	if got := f.Accounts(); len(got) != 2 || got[0] != accountA || got[1] != accountB {
		t.Errorf("Accounts() = %v", got)
	}
	if s := f.State(); len(s.Accounts) != 2 {
		t.Errorf("State has %d accounts", len(s.Accounts))
	}
}
