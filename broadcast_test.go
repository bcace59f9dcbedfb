package streamfake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// endpoint is the user's app in these tests: an HTTP server that records
// the webhooks it receives and answers with status.
type endpoint struct {
	*httptest.Server
	mu       sync.Mutex
	received []received
	status   int
}

type received struct {
	header http.Header
	body   []byte
}

func newEndpoint(t *testing.T) *endpoint {
	e := &endpoint{status: 200}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.received = append(e.received, received{r.Header.Clone(), b})
		status := e.status
		e.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) got() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]received(nil), e.received...)
}

// waitDeliveries waits for n delivery attempts.
func waitDeliveries(t *testing.T, f *Fake, n int) []Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := f.WaitForDeliveries(ctx, n, nil)
	if err != nil {
		t.Fatalf("waited for %d deliveries, got %d: %v", n, len(got), err)
	}
	return got
}

// TestBroadcastLifecycle walks the whole story with a manual clock: a
// broadcaster connects, drops, comes back, drops for good; the recording
// goes from live-inprogress to ready after the timeout; the live
// notifications and the signed Stream webhook reach the app in order.
func TestBroadcastLifecycle(t *testing.T) {
	t.Parallel()
	app := newEndpoint(t)
	start := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	c := NewManualClock(start)
	f := startFake(t, WithClock(c), WithLiveWebhook(app.URL+"/live", "s3cret"), WithSyncWebhooks())
	in := create(t, f, `{"meta":{"name":"studio"},"deleteRecordingAfterDays":45,"recording":{"mode":"automatic","timeoutSeconds":30,"requireSignedURLs":true,"allowedOrigins":["example.com"]}}`)
	uid := in["uid"].(string)
	hook := do(t, f, "PUT", "/client/v4/accounts/"+accountA+"/stream/webhook", `{"notificationUrl":"`+app.URL+`/stream"}`, bearer)
	secret, _ := hook.result(t)["secret"].(string)
	if hook.status != 200 || len(secret) != 32 {
		t.Fatalf("webhook: %d %s", hook.status, hook.raw)
	}

	if _, err := f.Connect(accountA, uid, ProtocolRTMPS); err != nil {
		t.Fatal(err)
	}
	videos := f.Videos(accountA)
	if len(videos) != 1 || videos[0].State != VideoLiveInProgress || videos[0].LiveInput != uid {
		t.Fatalf("after connect: %+v", videos)
	}
	live := do(t, f, "GET", "/client/v4/accounts/"+accountA+"/stream/"+videos[0].UID, "", bearer).result(t)
	if live["duration"] != -1.0 || live["readyToStream"] != false || live["input"].(map[string]any)["width"] != -1.0 ||
		live["requireSignedURLs"] != true || live["liveInput"] != uid {
		t.Errorf("a live recording: %v", live)
	}

	c.Advance(10 * time.Minute)
	f.Disconnect(accountA, uid)
	c.Advance(20 * time.Second) // within the 30 s timeout
	f.Connect(accountA, uid, ProtocolSRT)
	got, _ := f.LiveInput(accountA, uid)
	if got.Reason() != StatusReconnected || len(f.Videos(accountA)) != 1 {
		t.Fatalf("reconnect: status %s, %d videos", got.Reason(), len(f.Videos(accountA)))
	}
	c.Advance(5 * time.Minute)
	f.Disconnect(accountA, uid)
	c.Advance(29 * time.Second)
	if v := f.Videos(accountA)[0]; v.State != VideoLiveInProgress {
		t.Fatalf("ready before the timeout: %+v", v)
	}
	c.Advance(time.Second) // the timeout: the recording is ready, the webhook goes out
	v := f.Videos(accountA)[0]
	if v.State != VideoReady || v.Duration != 15*60 || !v.ReadyAt.Equal(start.Add(15*time.Minute+50*time.Second)) ||
		!v.ScheduledDeletion.Equal(v.ReadyAt.Add(45*24*time.Hour)) {
		t.Errorf("ready recording: %+v", v)
	}

	// What the app received, in order.
	events := app.got()
	var kinds []string
	for _, e := range events {
		var live struct {
			Data struct {
				EventType string `json:"event_type"`
				InputID   string `json:"input_id"`
			}
		}
		json.Unmarshal(e.body, &live)
		kinds = append(kinds, live.Data.EventType)
	}
	want := []string{"live_input.connected", "live_input.disconnected", "live_input.connected", "live_input.disconnected", ""}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("the app received %v, want %v", kinds, want)
	}
	for _, e := range events[:4] {
		if e.header.Get("cf-webhook-auth") != "s3cret" || !strings.Contains(string(e.body), `"notification_name":"Stream Live Input"`) {
			t.Errorf("live notification: %v %s", e.header, e.body)
		}
	}
	ready := events[4]
	if err := VerifyWebhook(secret, ready.header.Get("Webhook-Signature"), ready.body, c.Now(), time.Minute); err != nil {
		t.Errorf("the Stream webhook's signature: %v", err)
	}
	var video map[string]any
	json.Unmarshal(ready.body, &video)
	if video["uid"] != v.UID || video["readyToStream"] != true || video["duration"] != 900.0 || video["status"].(map[string]any)["state"] != "ready" {
		t.Errorf("the Stream webhook's body: %s", ready.body)
	}
	// The delivery log has each attempt, the secret redacted.
	log := f.Deliveries()
	if len(log) != 5 || log[0].Header.Get("Cf-Webhook-Auth") != "REDACTED" || !log[0].Authenticated || log[4].Event != EventVideoReady || !log[4].Succeeded() {
		t.Errorf("delivery log: %+v", log)
	}
	// The input's list of videos, and the account's, filtered by input.
	for _, path := range []string{"/stream/live_inputs/" + uid + "/videos", "/stream?live_input_id=" + uid} {
		r := do(t, f, "GET", "/client/v4/accounts/"+accountA+path, "", bearer)
		var list []map[string]any
		json.Unmarshal(r.env.Result, &list)
		if r.status != 200 || len(list) != 1 || list[0]["uid"] != v.UID {
			t.Errorf("%s: %d %s", path, r.status, r.raw)
		}
	}
}

// TestConnectRefusals: a disabled or unknown input refuses a broadcaster,
// and no event is sent.
func TestConnectRefusals(t *testing.T) {
	t.Parallel()
	app := newEndpoint(t)
	f := startFake(t, WithLiveWebhook(app.URL, ""), WithSyncWebhooks())
	uid := create(t, f, `{"enabled":false}`)["uid"].(string)
	for name, err := range map[string]error{
		"disabled":      func() error { _, err := f.Connect(accountA, uid, ProtocolRTMPS); return err }(),
		"unknown":       func() error { _, err := f.Connect(accountA, strings.Repeat("0", 32), ProtocolRTMPS); return err }(),
		"account":       func() error { _, err := f.Connect(accountB, uid, ProtocolRTMPS); return err }(),
		"protocol":      func() error { _, err := f.Connect(accountA, uid, "rtmp"); return err }(),
		"not connected": func() error { _, err := f.Disconnect(accountA, uid); return err }(),
		"bad code":      func() error { _, err := f.FailBroadcast(accountA, uid, BroadcastError{Code: "ERR_OOPS"}); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	do(t, f, "POST", inputPath(accountA, uid)+"/enable", "", bearer)
	f.Connect(accountA, uid, ProtocolWebRTC)
	if _, err := f.Connect(accountA, uid, ProtocolWebRTC); !errors.Is(err, ErrAlreadyConnected) {
		t.Errorf("a second connect: %v", err)
	}
	if got := app.got(); len(got) != 1 {
		t.Errorf("the app received %d events, want 1 (the one connect)", len(got))
	}
	if status, body := admin(t, f, "POST", "live_inputs/"+strings.Repeat("0", 32)+"/connect", `{"protocol":"rtmps"}`); status != 404 {
		t.Errorf("admin connect of an unknown input: %d %s", status, body)
	}
	if status, body := admin(t, f, "POST", "live_inputs/"+uid+"/connect", ""); status != 409 || !strings.Contains(body, "already connected") {
		t.Errorf("admin connect while connected: %d %s", status, body)
	}
}

// TestBroadcastError: the errored notification carries the code, the
// message and the codecs, inside data; the broadcaster is cut off.
func TestBroadcastError(t *testing.T) {
	t.Parallel()
	app := newEndpoint(t)
	c := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f := startFake(t, WithClock(c), WithLiveWebhook(app.URL, "k"), WithSyncWebhooks())
	uid := create(t, f, `{"recording":{"mode":"automatic"}}`)["uid"].(string)
	f.Connect(accountA, uid, ProtocolRTMPS)
	status, body := admin(t, f, "POST", "live_inputs/"+uid+"/error", `{"code":"ERR_GOP_OUT_OF_RANGE","message":"keyframes every 12s","videoCodec":"h264","audioCodec":"aac"}`)
	if status != 200 || !strings.Contains(body, `"reason":"failed_to_connect"`) {
		t.Fatalf("admin error: %d %s", status, body)
	}
	got := app.got()
	var n struct {
		Data struct {
			EventType string `json:"event_type"`
			Errored   struct {
				Error      struct{ Code, Message string }
				VideoCodec string `json:"video_codec"`
				AudioCodec string `json:"audio_codec"`
			} `json:"live_input_errored"`
		}
	}
	json.Unmarshal(got[len(got)-1].body, &n)
	if n.Data.EventType != "live_input.errored" || n.Data.Errored.Error.Code != "ERR_GOP_OUT_OF_RANGE" || n.Data.Errored.Error.Message != "keyframes every 12s" ||
		n.Data.Errored.VideoCodec != "h264" || n.Data.Errored.AudioCodec != "aac" {
		t.Errorf("errored notification: %s", got[len(got)-1].body)
	}
	in, _ := f.LiveInput(accountA, uid)
	if in.Broadcast == nil || in.Broadcast.Connected || in.Broadcast.EndsAt.IsZero() {
		t.Errorf("after an error the broadcaster is not cut off: %+v", in.Broadcast)
	}
	c.Advance(DefaultRecordingTimeout)
	if v := f.Videos(accountA); len(v) != 1 || v[0].State != VideoReady {
		t.Errorf("the recording after the error and the default timeout: %+v", v)
	}
}

// TestTheAPICutsOffBroadcasters: rotating keys and disabling disconnect
// the broadcaster; deleting the input ends its recording at once, and the
// recording stays.
func TestTheAPICutsOffBroadcasters(t *testing.T) {
	t.Parallel()
	app := newEndpoint(t)
	c := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f := startFake(t, WithClock(c), WithLiveWebhook(app.URL, ""), WithSyncWebhooks())
	// An update that sets enabled to false disables the input as
	// /disable does; before, it left the broadcaster connected.
	for _, action := range []struct{ method, suffix, body string }{{"POST", "/rotate_keys", ""}, {"POST", "/disable", ""}, {"PUT", "", `{"enabled":false}`}, {"DELETE", "", ""}} {
		uid := create(t, f, `{"recording":{"mode":"automatic"}}`)["uid"].(string)
		f.Connect(accountA, uid, ProtocolRTMPS)
		c.Advance(time.Minute)
		before := len(app.got())
		if r := do(t, f, action.method, inputPath(accountA, uid)+action.suffix, action.body, bearer); r.status != 200 {
			t.Fatalf("%s%s: %d %s", action.method, action.suffix, r.status, r.raw)
		}
		got := app.got()
		if len(got) != before+1 || !strings.Contains(string(got[len(got)-1].body), "live_input.disconnected") {
			t.Errorf("%s%s: the app received %d more events", action.method, action.suffix, len(got)-before)
		}
		var video *Video
		for _, v := range f.Videos(accountA) {
			if v.LiveInput == uid {
				video = &v
			}
		}
		if action.method == "DELETE" {
			if video == nil || video.State != VideoReady || video.Duration != 60 {
				t.Errorf("after deleting the input, its recording: %+v", video)
			}
		} else if in, _ := f.LiveInput(accountA, uid); in.Reason() != StatusClientDisconnect || video.State != VideoLiveInProgress {
			t.Errorf("%s: status %s, video %+v", action.suffix, in.Reason(), video)
		}
	}
}

// TestVideosAPI: list filters and their refusals, get, delete, and
// account isolation.
func TestVideosAPI(t *testing.T) {
	t.Parallel()
	c := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f := startFake(t, WithClock(c), WithAccount(accountA), WithAccount(accountB))
	var uids []string
	for range 3 {
		uid := create(t, f, `{"recording":{"mode":"automatic","timeoutSeconds":1}}`)["uid"].(string)
		uids = append(uids, uid)
		f.Connect(accountA, uid, ProtocolRTMPS)
		c.Advance(time.Hour)
	}
	f.Disconnect(accountA, uids[0])
	c.Advance(time.Minute) // the first recording is ready, the others live
	base := "/client/v4/accounts/" + accountA + "/stream"
	list := func(query string) (int, []string, map[string]any) {
		r := do(t, f, "GET", base+query, "", bearer)
		var items []map[string]any
		json.Unmarshal(r.env.Result, &items)
		var got []string
		for _, v := range items {
			got = append(got, v["liveInput"].(string))
		}
		var env map[string]any
		json.Unmarshal(r.raw, &env)
		return r.status, got, env
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{uids[2], uids[1], uids[0]}},
		{"?asc=true", uids},
		{"?status=ready", []string{uids[0]}},
		{"?status=live-inprogress&asc=true", uids[1:]},
		{"?limit=1", []string{uids[2]}},
		{"?live_input_id=" + uids[1], []string{uids[1]}},
		{"?after=2026-01-02T04:00:00Z&asc=true", uids[1:]},
		{"?before=2026-01-02T04:00:00Z", []string{uids[0]}},
		{"?type=vod", nil},
	} {
		status, got, _ := list(tc.query)
		if status != 200 || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: %d %v, want %v", tc.query, status, got, tc.want)
		}
	}
	if _, _, env := list("?include_counts=true&limit=2"); env["total"] != 3.0 || env["range"] != 2.0 {
		t.Errorf("counts: %v %v", env["total"], env["range"])
	}
	for _, bad := range []string{"?status=done", "?limit=0", "?limit=1001", "?limit=x", "?asc=yes", "?before=yesterday", "?include_counts=1"} {
		r := do(t, f, "GET", base+bad, "", bearer)
		if r.status != 400 || len(r.env.Errors) != 1 || r.env.Errors[0].Code != CodeInvalidField {
			t.Errorf("%s: %d %s", bad, r.status, r.raw)
		}
	}
	v := f.Videos(accountA)[0]
	if r := do(t, f, "GET", "/client/v4/accounts/"+accountB+"/stream/"+v.UID, "", bearer); r.status != 400 || r.env.Errors[0].Code != CodeNotFound {
		t.Errorf("another account's video: %d %s", r.status, r.raw)
	}
	if r := do(t, f, "DELETE", base+"/"+v.UID, "", bearer); r.status != 200 {
		t.Errorf("delete: %d %s", r.status, r.raw)
	}
	if r := do(t, f, "GET", base+"/"+v.UID, "", bearer); r.status != 400 || r.env.Errors[0].Code != CodeNotFound {
		t.Errorf("a deleted video: %d %s", r.status, r.raw)
	}
	if r := do(t, f, "GET", base, "", nil); r.status != 400 || r.env.Errors[0].Code != CodeMissingCredentials {
		t.Errorf("without credentials: %d %s", r.status, r.raw)
	}
	if r := do(t, f, "GET", "/client/v4/accounts/"+accountA+"/stream/live_inputs/"+strings.Repeat("0", 32)+"/videos", "", bearer); r.status != 400 || r.env.Errors[0].Code != CodeNotFound {
		t.Errorf("videos of an unknown input: %d %s", r.status, r.raw)
	}
	// The new operations are in the log and take fault rules.
	f.MustAddFault(FaultRule{Match: FaultMatch{Operation: OpListVideos}, Action: Unavailable(), Times: 1})
	if r := do(t, f, "GET", base, "", bearer); r.status != 503 {
		t.Errorf("a fault on list_videos: %d", r.status)
	}
	if n := len(f.RequestsFor(OpListVideos)); n < 10 {
		t.Errorf("%d list_videos requests logged", n)
	}
}

// TestStreamWebhookAPI: set, read, replace and delete the subscription,
// and the refusals.
func TestStreamWebhookAPI(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	path := "/client/v4/accounts/" + accountA + "/stream/webhook"
	if r := do(t, f, "GET", path, "", bearer); r.status != 400 || r.env.Errors[0].Code != CodeNotFound {
		t.Errorf("no webhook yet: %d %s", r.status, r.raw)
	}
	first := do(t, f, "PUT", path, `{"notificationUrl":"https://example.com/hooks"}`, bearer).result(t)
	second := do(t, f, "PUT", path, `{"notification_url":"https://example.com/other"}`, bearer).result(t)
	if first["notificationUrl"] != "https://example.com/hooks" || second["notificationUrl"] != "https://example.com/other" || first["secret"] == second["secret"] {
		t.Errorf("PUT: %v then %v", first, second)
	}
	if got := do(t, f, "GET", path, "", bearer).result(t); got["secret"] != second["secret"] {
		t.Errorf("GET: %v", got)
	}
	for body, pointer := range map[string]string{`{}`: "/notificationUrl", `{"notificationUrl":"ftp://x"}`: "/notificationUrl", `{"notificationUrl":7}`: "/notificationUrl"} {
		if r := do(t, f, "PUT", path, body, bearer); r.status != 400 || r.pointers()[0] != pointer {
			t.Errorf("PUT %s: %d %s", body, r.status, r.raw)
		}
	}
	if r := do(t, f, "DELETE", path, "", bearer); r.status != 200 || string(r.env.Result) != `"ok"` {
		t.Errorf("DELETE: %d %s", r.status, r.raw)
	}
	if _, ok := f.Webhook(accountA); ok {
		t.Errorf("the subscription survived its delete")
	}
}

// TestDeliveryFailuresAndRetries: an endpoint that answers 5xx, or is
// down, is recorded; retries follow the policy, a backoff on the fake's
// clock.
func TestDeliveryFailuresAndRetries(t *testing.T) {
	t.Parallel()
	app := newEndpoint(t)
	app.status = 503
	c := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f := startFake(t, WithClock(c), WithLiveWebhook(app.URL, ""), WithWebhookRetries(3, 10*time.Second))
	uid := create(t, f, `{}`)["uid"].(string)
	f.Connect(accountA, uid, ProtocolRTMPS)
	waitDeliveries(t, f, 1)
	c.Advance(5 * time.Second)
	if n := len(f.Deliveries()); n != 1 {
		t.Fatalf("%d attempts before the backoff", n)
	}
	c.Advance(5 * time.Second)
	waitDeliveries(t, f, 2)
	c.Advance(10 * time.Second)
	got := waitDeliveries(t, f, 3)
	c.Advance(time.Hour)
	if len(f.Deliveries()) != 3 || got[2].Attempt != 3 || got[2].Status != 503 || got[2].Succeeded() {
		t.Errorf("attempts: %+v", f.Deliveries())
	}
	// Down: the error is recorded.
	app.Close()
	f.Disconnect(accountA, uid)
	got = waitDeliveries(t, f, 4)
	if got[3].Status != 0 || got[3].Error == "" {
		t.Errorf("an endpoint that is down: %+v", got[3])
	}
}

// TestCloseDoesNotWaitForAnEndpoint: a delivery to an endpoint that never
// answers is cut when the fake closes, and leaves no goroutine.
func TestCloseDoesNotWaitForAnEndpoint(t *testing.T) {
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // so net/http watches the connection, and ends the context when it closes
		<-r.Context().Done()
	}))
	defer stuck.Close()
	before, _ := waitForGoroutines(1<<30, 0)
	f := New(WithLiveWebhook(stuck.URL, ""), WithWebhookTimeout(time.Minute))
	uid := create(t, f, `{}`)["uid"].(string)
	f.Connect(accountA, uid, ProtocolRTMPS)
	time.Sleep(50 * time.Millisecond) // let the attempt start
	start := time.Now()
	f.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	stuck.CloseClientConnections()
	if n, ok := waitForGoroutines(before, 5*time.Second); !ok {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

// TestLifecycleSurvivesARestart: videos, the webhook subscription and a
// session waiting out its timeout are in the state file; the restarted
// fake ends the session on time.
func TestLifecycleSurvivesARestart(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/state.json"
	c := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f := New(WithClock(c), WithStateFile(path))
	uid := create(t, f, `{"recording":{"mode":"automatic","timeoutSeconds":60}}`)["uid"].(string)
	do(t, f, "PUT", "/client/v4/accounts/"+accountA+"/stream/webhook", `{"notificationUrl":"https://example.com/h"}`, bearer)
	f.Connect(accountA, uid, ProtocolRTMPS)
	c.Advance(time.Minute)
	f.Disconnect(accountA, uid)
	f.Close()
	if err := f.SaveState(); err != nil {
		t.Fatal(err)
	}
	g := startFake(t, WithClock(c), WithStateFile(path))
	if w, ok := g.Webhook(accountA); !ok || w.NotificationURL != "https://example.com/h" {
		t.Errorf("the webhook did not survive: %+v", w)
	}
	if v := g.Videos(accountA); len(v) != 1 || v[0].State != VideoLiveInProgress {
		t.Fatalf("videos after the restart: %+v", v)
	}
	c.Advance(time.Minute)
	if v := g.Videos(accountA); v[0].State != VideoReady || v[0].Duration != 60 {
		t.Errorf("the session did not end after the restart: %+v", v[0])
	}
}

// TestSystemClockEndsSessionsOnTime: with the real clock, a session ends
// by a timer, without any request.
func TestSystemClockEndsSessionsOnTime(t *testing.T) {
	t.Parallel()
	app := newEndpoint(t)
	f := startFake(t)
	do(t, f, "PUT", "/client/v4/accounts/"+accountA+"/stream/webhook", `{"notificationUrl":"`+app.URL+`"}`, bearer)
	uid := create(t, f, `{"recording":{"mode":"automatic","timeoutSeconds":1}}`)["uid"].(string)
	f.Connect(accountA, uid, ProtocolRTMPS)
	f.Disconnect(accountA, uid)
	got := waitDeliveries(t, f, 1)
	if got[0].Event != EventVideoReady || !got[0].Succeeded() {
		t.Errorf("%+v", got[0])
	}
}

// TestSessionsEndInAnyYear: a session that ends after 2262-04-11, where
// Unix nanoseconds wrap, still ends. Before, the fake compared times in
// nanoseconds, and such a recording stayed live-inprogress for centuries.
func TestSessionsEndInAnyYear(t *testing.T) {
	t.Parallel()
	for _, start := range []time.Time{time.Date(2262, 4, 11, 23, 47, 0, 0, time.UTC), time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)} {
		c := NewManualClock(start)
		f := startFake(t, WithClock(c))
		uid := create(t, f, `{"recording":{"mode":"automatic","timeoutSeconds":10}}`)["uid"].(string)
		f.Connect(accountA, uid, ProtocolRTMPS)
		f.Disconnect(accountA, uid)
		c.Advance(time.Hour)
		if v := f.Videos(accountA); len(v) != 1 || v[0].State != VideoReady {
			t.Errorf("from %v: %+v", start, v)
		}
	}
}

// TestRedirectsAreTheEndpointsAnswer: a webhook endpoint that redirects
// has not accepted the delivery. Before, the fake followed the redirect,
// turning the POST into a GET that carried the secret elsewhere, and
// logged the final 200 as a success.
func TestRedirectsAreTheEndpointsAnswer(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/login", http.StatusFound) })
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) })
	app := httptest.NewServer(mux)
	defer app.Close()
	f := startFake(t, WithLiveWebhook(app.URL+"/hook", "s3cret"), WithWebhookRetries(1, 0), WithSyncWebhooks())
	uid := create(t, f, `{}`)["uid"].(string)
	f.Connect(accountA, uid, ProtocolRTMPS)
	if d := f.Deliveries(); len(d) != 1 || d[0].Status != http.StatusFound || d[0].Succeeded() || elsewhere.Load() != 0 {
		t.Errorf("deliveries %+v; requests to the redirect's target: %d", d, elsewhere.Load())
	}
}
