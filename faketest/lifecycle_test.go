package faketest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamfake/streamfake"
)

// endpoint is a webhook receiver that answers status.
func endpoint(t *testing.T, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	t.Cleanup(srv.Close)
	return srv
}

// createInput creates a live input with automatic recording and returns its uid.
func createInput(t *testing.T, f *streamfake.Fake) string {
	t.Helper()
	in, err := f.AddLiveInput(streamfake.DefaultAccountID, streamfake.LiveInput{
		Enabled: true, Recording: streamfake.Recording{Mode: streamfake.RecordingAutomatic, TimeoutSeconds: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	return in.UID
}

func TestAssertDelivered(t *testing.T) {
	ok := endpoint(t, 204)
	f := streamfake.New(streamfake.WithLiveWebhook(ok.URL, "s3cret"))
	defer f.Close()
	uid := createInput(t, f)
	f.Connect(streamfake.DefaultAccountID, uid, streamfake.ProtocolRTMPS)
	var got streamfake.Delivery
	record(func(tb TB) {
		got = AssertDelivered(tb, f, streamfake.EventLiveInputConnected, uid, 5*time.Second)
	}).mustPass(t)
	if got.Event != streamfake.EventLiveInputConnected || got.Input != uid || got.Status != 204 {
		t.Errorf("returned %+v", got)
	}
	// Another event, or another input, is not it.
	record(func(tb TB) {
		AssertDelivered(tb, f, streamfake.EventLiveInputDisconnected, uid, 50*time.Millisecond)
	}).mustContain(t, "live_input.disconnected delivery for live input "+uid, "#1 live_input.connected for input "+uid+", attempt 1", "-> 204")
}

// TestAssertDeliveredRefusesWhatAHandlerShouldNot: deliveries the
// endpoint refused, or that carried no secret, never satisfy it.
func TestAssertDeliveredRefusesWhatAHandlerShouldNot(t *testing.T) {
	refusing := endpoint(t, 401)
	f := streamfake.New(streamfake.WithLiveWebhook(refusing.URL, "s3cret"), streamfake.WithWebhookRetries(1, 0), streamfake.WithSyncWebhooks())
	defer f.Close()
	uid := createInput(t, f)
	f.Connect(streamfake.DefaultAccountID, uid, streamfake.ProtocolSRT)
	record(func(tb TB) {
		AssertDelivered(tb, f, streamfake.EventLiveInputConnected, uid, 50*time.Millisecond)
	}).mustContain(t, "-> 401")

	accepting := endpoint(t, 200)
	g := streamfake.New(streamfake.WithLiveWebhook(accepting.URL, ""), streamfake.WithSyncWebhooks())
	defer g.Close()
	uid = createInput(t, g)
	g.Connect(streamfake.DefaultAccountID, uid, streamfake.ProtocolSRT)
	record(func(tb TB) {
		AssertDelivered(tb, g, streamfake.EventLiveInputConnected, uid, 50*time.Millisecond)
	}).mustContain(t, "-> 200, without a secret or signature")
}

// TestAssertDeliveredJudgesTheLatestDelivery: an earlier accepted delivery
// of the same event does not stand in for the latest, which the endpoint
// refused; and a delivery still waiting for its retry is not judged early.
// Before, the first accepted delivery satisfied every later assertion.
func TestAssertDeliveredJudgesTheLatestDelivery(t *testing.T) {
	var status atomic.Int32
	status.Store(200)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(status.Load())) }))
	defer app.Close()
	clock := streamfake.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f := streamfake.New(streamfake.WithClock(clock), streamfake.WithLiveWebhook(app.URL, "s3cret"), streamfake.WithWebhookRetries(2, time.Minute),
		streamfake.WithSyncWebhooks()) // a call returns after its first attempts
	defer f.Close()
	uid := createInput(t, f)
	f.Connect(streamfake.DefaultAccountID, uid, streamfake.ProtocolRTMPS)
	AssertDelivered(t, f, streamfake.EventLiveInputConnected, uid, 5*time.Second)
	f.Disconnect(streamfake.DefaultAccountID, uid)
	status.Store(500)
	f.Connect(streamfake.DefaultAccountID, uid, streamfake.ProtocolRTMPS)
	// The retry waits for the clock: the latest delivery is not over.
	record(func(tb TB) {
		AssertDelivered(tb, f, streamfake.EventLiveInputConnected, uid, 100*time.Millisecond)
	}).mustContain(t, "one is still queued or being retried", "-> 500")
	// Its last attempt fails too: the assertion fails at once.
	clock.Advance(time.Minute)
	start := time.Now()
	record(func(tb TB) {
		AssertDelivered(tb, f, streamfake.EventLiveInputConnected, uid, 5*time.Second)
	}).mustContain(t, "the latest live_input.connected delivery for live input "+uid+" was not accepted", "attempt 2")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a delivery with no attempt left was waited for %v", d)
	}
	// The endpoint recovers, the broadcaster reconnects: the latest passes.
	status.Store(200)
	f.Disconnect(streamfake.DefaultAccountID, uid)
	clock.Advance(time.Minute)
	f.Connect(streamfake.DefaultAccountID, uid, streamfake.ProtocolRTMPS)
	AssertDelivered(t, f, streamfake.EventLiveInputConnected, uid, 5*time.Second)
}

func TestAssertRecording(t *testing.T) {
	clock := streamfake.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f := streamfake.New(streamfake.WithClock(clock))
	defer f.Close()
	uid := createInput(t, f)
	record(func(tb TB) { AssertRecording(tb, f, streamfake.DefaultAccountID, uid, "") }).
		mustContain(t, "no recording of live input "+uid+" in any state", "videos: none")
	f.Connect(streamfake.DefaultAccountID, uid, streamfake.ProtocolRTMPS)
	clock.Advance(30 * time.Second)
	f.Disconnect(streamfake.DefaultAccountID, uid)
	live := AssertRecording(t, f, streamfake.DefaultAccountID, uid, streamfake.VideoLiveInProgress)
	record(func(tb TB) { AssertRecording(tb, f, streamfake.DefaultAccountID, uid, streamfake.VideoReady) }).
		mustContain(t, "in state ready", live.UID+" of input "+uid+": live-inprogress, 30s")
	clock.Advance(10 * time.Second) // the input's timeout
	if v := AssertRecording(t, f, streamfake.DefaultAccountID, uid, streamfake.VideoReady); v.UID != live.UID || v.Duration != 30 {
		t.Errorf("the ready recording: %+v", v)
	}
	// Another input's recording is not this one's.
	other := createInput(t, f)
	record(func(tb TB) { AssertRecording(tb, f, streamfake.DefaultAccountID, other, "") }).
		mustContain(t, "no recording of live input "+other)
}

// TestNewWebhookRequest: the request is signed as the fake signs its own
// deliveries, and another secret or an old time fails VerifyWebhook.
func TestNewWebhookRequest(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	body, _ := json.Marshal(map[string]any{"uid": "x", "readyToStream": true})
	req := streamfake.NewWebhookRequest("http://app.example/hooks/stream", "s3cret", at, body)
	sig := req.Header.Get("Webhook-Signature")
	if req.Method != "POST" || req.Header.Get("Content-Type") != "application/json" || sig != streamfake.SignWebhook("s3cret", at, body) {
		t.Fatalf("%s %v", req.Method, req.Header)
	}
	if err := streamfake.VerifyWebhook("s3cret", sig, body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("a good signature: %v", err)
	}
	wrong := streamfake.NewWebhookRequest("http://app.example/", "other", at, body).Header.Get("Webhook-Signature")
	if err := streamfake.VerifyWebhook("s3cret", wrong, body, at, 0); err == nil {
		t.Errorf("a signature with another secret verified")
	}
	if err := streamfake.VerifyWebhook("s3cret", sig, body, at.Add(time.Hour), 5*time.Minute); err == nil {
		t.Errorf("a stale signature verified")
	}
}
