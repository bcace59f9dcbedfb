package streamfake

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func inputPath(account, uid string) string { return inputsPath(account) + "/" + uid }

// TestFamilyFailures: each operation on an input, for every way it can fail.
func TestFamilyFailures(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithAccount(accountA), WithAccount(accountB), WithToken(DefaultToken), WithToken("b-only", accountB))
	uid := create(t, f, `{}`)["uid"].(string)
	out := do(t, f, "POST", inputPath(accountA, uid)+"/outputs", `{"url":"rtmp://x/live","streamKey":"k"}`, bearer).result(t)["uid"].(string)
	unknown := strings.Repeat("0", 32)
	long := strings.Repeat("a", 33)
	ops := []struct {
		method, suffix, body string
	}{
		{"GET", "", ""},
		{"PUT", "", `{"enabled":false}`},
		{"DELETE", "", ""},
		{"POST", "/enable", ""},
		{"POST", "/disable", ""},
		{"POST", "/rotate_keys", ""},
		{"GET", "/outputs", ""},
		{"POST", "/outputs", `{"url":"rtmp://x/live","streamKey":"k"}`},
		{"PUT", "/outputs/" + out, `{"enabled":false}`},
		{"DELETE", "/outputs/" + out, ""},
	}
	for _, op := range ops {
		name := op.method + " {uid}" + op.suffix
		t.Run(name+" unknown uid", func(t *testing.T) {
			r := do(t, f, op.method, inputPath(accountA, unknown)+op.suffix, op.body, bearer)
			if r.status != 400 || !slices.Equal(r.codes(), []int{CodeNotFound}) || r.env.Errors[0].Message != msgLiveInputNotFound {
				t.Errorf("got %d %s", r.status, r.raw)
			}
		})
		t.Run(name+" uid over 32 characters", func(t *testing.T) {
			r := do(t, f, op.method, inputPath(accountA, long)+op.suffix, op.body, bearer)
			if r.status != 400 || !slices.Equal(r.codes(), []int{7003, 7000}) {
				t.Errorf("got %d %s", r.status, r.raw)
			}
		})
		t.Run(name+" from another account", func(t *testing.T) {
			// accountB is served and the token reaches it, but the input is accountA's.
			r := do(t, f, op.method, inputPath(accountB, uid)+op.suffix, op.body, bearer)
			if r.status != 400 || !slices.Equal(r.codes(), []int{CodeNotFound}) {
				t.Errorf("got %d %s", r.status, r.raw)
			}
		})
		t.Run(name+" with a token for another account", func(t *testing.T) {
			r := do(t, f, op.method, inputPath(accountA, uid)+op.suffix, op.body, map[string]string{"Authorization": "Bearer b-only"})
			if r.status != 403 || !slices.Equal(r.codes(), []int{CodeAuthenticationError}) {
				t.Errorf("got %d %s", r.status, r.raw)
			}
		})
	}
	// Nothing above changed the input.
	if in, _ := f.LiveInput(accountA, uid); !in.Enabled || len(in.Outputs) != 1 || !in.Outputs[0].Enabled {
		t.Errorf("failed calls changed the input: %+v", in)
	}
	for _, o := range []struct{ method, path string }{{"PUT", "/outputs/" + unknown}, {"DELETE", "/outputs/" + unknown}} {
		r := do(t, f, o.method, inputPath(accountA, uid)+o.path, `{"enabled":true}`, bearer)
		if r.status != 400 || r.env.Errors[0].Code != CodeNotFound || r.env.Errors[0].Message != msgOutputNotFound {
			t.Errorf("%s unknown output: %d %s", o.method, r.status, r.raw)
		}
	}
}

// TestGetReturnsWhatCreateReturned, byte for byte.
func TestGetReturnsWhatCreateReturned(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	created := do(t, f, "POST", inputsPath(accountA), `{"meta":{"name":"x","n":1.50},"recording":{"allowedOrigins":["a.com"]}}`, bearer)
	uid := created.result(t)["uid"].(string)
	got := do(t, f, "GET", inputPath(accountA, uid), "", bearer)
	if string(got.raw) != string(created.raw) {
		t.Errorf("get:\n%s\ncreate:\n%s", got.raw, created.raw)
	}
}

// TestUpdate: omitted fields stay, recording merges, null removes the deletion,
// modified advances while created stays.
func TestUpdate(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithClock(ClockFunc(fixedClock(t0, time.Minute))))
	before := create(t, f, `{"defaultCreator":"c","deleteRecordingAfterDays":45,"meta":{"name":"a"},"recording":{"mode":"automatic","timeoutSeconds":10,"allowedOrigins":["a.com"]}}`)
	uid := before["uid"].(string)
	r := do(t, f, "PUT", inputPath(accountA, uid), `{"recording":{"timeoutSeconds":20},"preferLowLatency":true}`, bearer)
	after := r.result(t)
	if r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	want := map[string]any{
		"created": before["created"], "deleteRecordingAfterDays": float64(45), "meta": map[string]any{"name": "a"},
		"preferLowLatency": true, "enabled": true,
		"recording": map[string]any{"mode": "automatic", "timeoutSeconds": float64(20), "allowedOrigins": []any{"a.com"},
			"hideLiveViewerCount": false, "requireSignedURLs": false},
	}
	for k, v := range want {
		if diff := cmp.Diff(v, after[k]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	if !(after["modified"].(string) > before["modified"].(string)) {
		t.Errorf("modified %v did not advance past %v", after["modified"], before["modified"])
	}
	for _, k := range []string{"uid", "rtmps", "srt", "webRTC"} {
		if diff := cmp.Diff(before[k], after[k]); diff != "" {
			t.Errorf("update changed %s:\n%s", k, diff)
		}
	}
	after = do(t, f, "PUT", inputPath(accountA, uid), `{"deleteRecordingAfterDays":null,"meta":{"other":1}}`, bearer).result(t)
	if _, ok := after["deleteRecordingAfterDays"]; ok {
		t.Errorf("deleteRecordingAfterDays: null did not remove it: %v", after["deleteRecordingAfterDays"])
	}
	if diff := cmp.Diff(map[string]any{"other": float64(1)}, after["meta"]); diff != "" {
		t.Errorf("meta is replaced whole (-want +got):\n%s", diff)
	}
	if in, _ := f.LiveInput(accountA, uid); in.DefaultCreator != "c" {
		t.Errorf("DefaultCreator %q lost by an update that did not send it", in.DefaultCreator)
	}
	// An invalid update is refused with the same pointers as create, and changes nothing.
	stored, _ := f.LiveInput(accountA, uid)
	bad := do(t, f, "PUT", inputPath(accountA, uid), `{"recording":{"mode":"x"},"deleteRecordingAfterDays":3}`, bearer)
	if bad.status != 400 || !slices.Equal(bad.pointers(), []string{"/deleteRecordingAfterDays", "/recording/mode"}) {
		t.Errorf("invalid update: %d %s", bad.status, bad.raw)
	}
	if now, _ := f.LiveInput(accountA, uid); !cmp.Equal(stored, now) {
		t.Errorf("an invalid update changed the input: %s", cmp.Diff(stored, now))
	}
	if r := do(t, f, "PUT", inputPath(accountA, uid), "", bearer); r.status != 400 || r.codes()[0] != CodeMalformedJSON {
		t.Errorf("update with no body: %d %s", r.status, r.raw)
	}
}

// TestDelete: 200, then the input is gone for every operation.
func TestDelete(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	uid := create(t, f, `{}`)["uid"].(string)
	keep := create(t, f, `{}`)["uid"].(string)
	r := do(t, f, "DELETE", inputPath(accountA, uid), "", bearer)
	if r.status != 200 || !r.env.Success || string(r.env.Result) != "null" {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if r := do(t, f, m, inputPath(accountA, uid), `{}`, bearer); r.status != 400 || r.codes()[0] != CodeNotFound {
			t.Errorf("%s after delete: %d %s", m, r.status, r.raw)
		}
	}
	if got := f.LiveInputs(accountA); len(got) != 1 || got[0].UID != keep {
		t.Errorf("left %v, want only %s", got, keep)
	}
}

// TestList: only the summary fields, in creation order, with consistent counts.
func TestList(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithAccount(accountA), WithAccount(accountB))
	var uids []string
	for i := range 3 {
		uids = append(uids, create(t, f, `{"meta":{"i":`+string(rune('0'+i))+`},"deleteRecordingAfterDays":30}`)["uid"].(string))
	}
	do(t, f, "DELETE", inputPath(accountA, uids[1]), "", bearer)
	for _, q := range []string{"", "?include_counts=true", "?include_counts=false"} {
		r := do(t, f, "GET", inputsPath(accountA)+q, "", bearer)
		res := r.result(t)
		items := res["liveInputs"].([]any)
		if res["total"] != float64(2) || res["range"] != float64(2) || len(items) != 2 {
			t.Fatalf("list%s: %s", q, r.raw)
		}
		for i, it := range items {
			item := it.(map[string]any)
			var keys []string
			for k := range item {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if want := []string{"created", "deleteRecordingAfterDays", "enabled", "meta", "modified", "uid"}; !slices.Equal(keys, want) {
				t.Errorf("item keys %v, want %v", keys, want)
			}
			if want := []string{uids[0], uids[2]}[i]; item["uid"] != want {
				t.Errorf("item %d is %v, want %s (creation order)", i, item["uid"], want)
			}
		}
	}
	if r := do(t, f, "GET", inputsPath(accountA)+"?include_counts=maybe", "", bearer); r.status != 400 || r.codes()[0] != CodeInvalidField {
		t.Errorf("include_counts=maybe: %d %s", r.status, r.raw)
	}
	// Accounts are isolated.
	r := do(t, f, "GET", inputsPath(accountB), "", bearer).result(t)
	if r["total"] != float64(0) || len(r["liveInputs"].([]any)) != 0 {
		t.Errorf("account B lists %v", r)
	}
}

func TestEnableDisable(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithClock(ClockFunc(fixedClock(t0, time.Second))))
	in := create(t, f, `{}`)
	uid := in["uid"].(string)
	off := do(t, f, "POST", inputPath(accountA, uid)+"/disable", "", bearer).result(t)
	if off["enabled"] != false || off["modified"] == in["modified"] || off["created"] != in["created"] {
		t.Errorf("disable: %v", off)
	}
	// A disabled input can still be read (see the fidelity notes).
	if got := do(t, f, "GET", inputPath(accountA, uid), "", bearer).result(t); got["enabled"] != false {
		t.Errorf("get after disable: %v", got)
	}
	if on := do(t, f, "POST", inputPath(accountA, uid)+"/enable", "", bearer).result(t); on["enabled"] != true {
		t.Errorf("enable: %v", on)
	}
}

func TestRotateKeys(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithClock(ClockFunc(fixedClock(t0, time.Second))))
	r0 := do(t, f, "POST", inputsPath(accountA), `{}`, bearer)
	before := r0.result(t)
	uid := before["uid"].(string)
	r1 := do(t, f, "POST", inputPath(accountA, uid)+"/rotate_keys", "", bearer)
	after := r1.result(t)
	if after["uid"] != uid {
		t.Fatalf("uid changed to %v", after["uid"])
	}
	if _, ok := before["keysRotatedAt"]; ok {
		t.Errorf("keysRotatedAt present before any rotation")
	}
	if at, _ := after["keysRotatedAt"].(string); !timestampRE.MatchString(at) || at != after["modified"] {
		t.Errorf("keysRotatedAt = %v, modified = %v", after["keysRotatedAt"], after["modified"])
	}
	field := func(in map[string]any, obj, key string) string { return in[obj].(map[string]any)[key].(string) }
	// Every secret is the 32 characters before "k<uid>" in its credential.
	secretIn := func(cred string) string {
		i := strings.Index(cred, "k"+uid)
		if i < 32 {
			t.Fatalf("no secret in %q", cred)
		}
		return cred[i-32 : i]
	}
	var old []string
	for _, c := range []string{
		field(before, "rtmps", "streamKey"), field(before, "rtmpsPlayback", "streamKey"),
		field(before, "srt", "passphrase"), field(before, "srtPlayback", "passphrase"), field(before, "webRTC", "url"),
	} {
		old = append(old, secretIn(c))
	}
	get := do(t, f, "GET", inputPath(accountA, uid), "", bearer)
	for _, s := range old {
		if strings.Contains(string(r1.raw), s) || strings.Contains(string(get.raw), s) {
			t.Errorf("old secret %s still reported after rotation", s)
		}
	}
	if secretIn(field(after, "webRTC", "url")) == old[4] {
		t.Errorf("the WebRTC publish secret did not change")
	}
	if field(after, "srt", "streamId") != uid || field(after, "srtPlayback", "streamId") != "play"+uid {
		t.Errorf("stream ids changed: %v", after)
	}
}

func TestOutputs(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	uid := create(t, f, `{}`)["uid"].(string)
	path := inputPath(accountA, uid) + "/outputs"
	for _, tc := range []struct {
		body     string
		pointers []string
	}{
		{`{}`, []string{"/streamKey", "/url"}},
		{`{"url":"rtmp://x"}`, []string{"/streamKey"}},
		{`{"url":1,"streamKey":"k","enabled":"yes"}`, []string{"/enabled", "/url"}},
		{`[]`, []string{""}},
	} {
		if r := do(t, f, "POST", path, tc.body, bearer); r.status != 400 || !slices.Equal(r.pointers(), tc.pointers) {
			t.Errorf("create output %s: %d pointers %q, want %q", tc.body, r.status, r.pointers(), tc.pointers)
		}
	}
	o := do(t, f, "POST", path, `{"url":"rtmp://a.rtmp.youtube.com/live2","streamKey":"abcd","enabled":false}`, bearer).result(t)
	if diff := cmp.Diff(map[string]any{"url": "rtmp://a.rtmp.youtube.com/live2", "streamKey": "abcd", "enabled": false, "uid": o["uid"]}, o); diff != "" || !hex32Format.MatchString(o["uid"].(string)) {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	oid := o["uid"].(string)
	if r := do(t, f, "PUT", path+"/"+oid, `{}`, bearer); r.status != 400 || !slices.Equal(r.pointers(), []string{"/enabled"}) {
		t.Errorf("update output without enabled: %d %s", r.status, r.raw)
	}
	if got := do(t, f, "PUT", path+"/"+oid, `{"enabled":true}`, bearer).result(t); got["enabled"] != true {
		t.Errorf("update output: %v", got)
	}
	var list []any
	if err := jsonUnmarshal(do(t, f, "GET", path, "", bearer).env.Result, &list); err != nil || len(list) != 1 {
		t.Errorf("list outputs: %v %v", list, err)
	}
	for i := 1; i < MaxOutputs; i++ {
		if r := do(t, f, "POST", path, `{"url":"rtmp://x","streamKey":"k"}`, bearer); r.status != 200 {
			t.Fatalf("output %d: %d %s", i+1, r.status, r.raw)
		}
	}
	if r := do(t, f, "POST", path, `{"url":"rtmp://x","streamKey":"k"}`, bearer); r.status != 400 || r.codes()[0] != CodeTooManyOutputs {
		t.Errorf("output 51: %d %s", r.status, r.raw)
	}
	if r := do(t, f, "DELETE", path+"/"+oid, "", bearer); r.status != 200 || string(r.env.Result) != "null" {
		t.Errorf("delete output: %d %s", r.status, r.raw)
	}
	if in, _ := f.LiveInput(accountA, uid); len(in.Outputs) != MaxOutputs-1 {
		t.Errorf("%d outputs after a delete", len(in.Outputs))
	}
}

// TestDirectState: copies, defaults, errors.
func TestDirectState(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithClock(ClockFunc(func() time.Time { return t0 })))
	in, err := f.AddLiveInput(accountA, LiveInput{Meta: []byte(`{"a":1}`), Recording: Recording{AllowedOrigins: []string{"x"}}})
	if err != nil || !hex32Format.MatchString(in.UID) || in.Recording.Mode != RecordingOff || in.Secrets.RTMPS == "" || !in.Created.Equal(t0.Truncate(time.Microsecond)) {
		t.Fatalf("AddLiveInput = %+v, %v", in, err)
	}
	got := do(t, f, "GET", inputPath(accountA, in.UID), "", bearer)
	if got.status != 200 || !strings.Contains(string(got.raw), `"meta":{"a":1}`) {
		t.Errorf("a preloaded input is not served: %s", got.raw)
	}
	copy1, _ := f.LiveInput(accountA, in.UID)
	copy1.Meta[1] = 'X'
	copy1.Recording.AllowedOrigins[0] = "changed"
	all := f.LiveInputs(accountA)
	all[0].Enabled = !all[0].Enabled
	if again, _ := f.LiveInput(accountA, in.UID); string(again.Meta) != `{"a":1}` || again.Recording.AllowedOrigins[0] != "x" || again.Enabled != in.Enabled {
		t.Errorf("a change to a returned copy reached the fake: %+v", again)
	}
	if _, err := f.AddLiveInput(accountA, LiveInput{UID: in.UID}); err == nil {
		t.Errorf("a used uid was accepted")
	}
	if _, err := f.AddLiveInput(accountA, LiveInput{UID: "nothex"}); err == nil {
		t.Errorf("a malformed uid was accepted")
	}
	if _, err := f.AddLiveInput(accountB, LiveInput{}); err == nil {
		t.Errorf("an unknown account was accepted")
	}
	if f.LiveInputs(accountB) != nil {
		t.Errorf("LiveInputs of an unknown account is not nil")
	}
	for _, s := range []Status{StatusConnected, StatusReconnected, StatusReconnecting, StatusClientDisconnect, StatusTTLExceeded,
		StatusFailedToConnect, StatusFailedToReconnect, StatusNewConfigurationAccepted} {
		if err := f.SetStatus(accountA, in.UID, s); err != nil {
			t.Errorf("SetStatus(%s): %v", s, err)
		}
		got, _ := do(t, f, "GET", inputPath(accountA, in.UID), "", bearer).result(t)["status"].(map[string]any)
		if current, _ := got["current"].(map[string]any); current["reason"] != string(s) || current["state"] != s.State() {
			t.Errorf("status %v after SetStatus(%s)", got, s)
		}
	}
	if err := f.SetStatus(accountA, in.UID, StatusNone); err != nil || do(t, f, "GET", inputPath(accountA, in.UID), "", bearer).result(t)["status"] != nil {
		t.Errorf("StatusNone does not set status back to null: %v", err)
	}
	for _, bad := range []Status{"streaming", "CONNECTED", "null"} {
		if err := f.SetStatus(accountA, in.UID, bad); err == nil {
			t.Errorf("SetStatus(%q) accepted", bad)
		}
	}
	if err := f.SetStatus(accountA, strings.Repeat("0", 32), StatusConnected); err == nil {
		t.Errorf("SetStatus of an unknown uid accepted")
	}
}

// TestFamilyDeterminism: with a seed and a fixed clock, the same sequence of
// family calls gives byte-identical responses.
func TestFamilyDeterminism(t *testing.T) {
	t.Parallel()
	run := func() []string {
		f := startFake(t, WithSeed(7), WithClock(ClockFunc(fixedClock(t0, time.Second))))
		uid := create(t, f, `{"meta":{"name":"a"}}`)["uid"].(string)
		var out []string
		for _, c := range []struct{ method, path, body string }{
			{"PUT", inputPath(accountA, uid), `{"recording":{"mode":"automatic"}}`},
			{"POST", inputPath(accountA, uid) + "/rotate_keys", ""},
			{"POST", inputPath(accountA, uid) + "/outputs", `{"url":"rtmp://x","streamKey":"k"}`},
			{"GET", inputPath(accountA, uid) + "/outputs", ""},
			{"POST", inputPath(accountA, uid) + "/disable", ""},
			{"GET", inputsPath(accountA), ""},
			{"GET", inputPath(accountA, uid), ""},
			{"DELETE", inputPath(accountA, uid), ""},
		} {
			out = append(out, string(do(t, f, c.method, c.path, c.body, bearer).raw))
		}
		return out
	}
	if diff := cmp.Diff(run(), run()); diff != "" {
		t.Errorf("same seed, different bytes (-first +second):\n%s", diff)
	}
}
