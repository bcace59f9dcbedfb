package cloudflarego

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/stream"
	"github.com/streamfake/streamfake"
	"github.com/streamfake/streamfake/faketest"
)

// app stands in for the user's application: its webhook handlers check
// Cloudflare's credentials as production code would, and remember what
// they accepted.
type app struct {
	liveSecret   string // the live notifications' cf-webhook-auth secret
	mu           sync.Mutex
	streamSecret string   // the Stream webhook's secret, from the subscription
	events       []string // live notification event types, in order
	ready        []string // uids of videos announced ready
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	switch r.URL.Path {
	case "/hooks/live":
		if r.Header.Get("cf-webhook-auth") != a.liveSecret {
			http.Error(w, "wrong secret", http.StatusUnauthorized)
			return
		}
		var n struct {
			Data struct {
				EventType string `json:"event_type"`
			} `json:"data"`
		}
		json.Unmarshal(body, &n)
		a.events = append(a.events, n.Data.EventType)
	case "/hooks/stream":
		if err := streamfake.VerifyWebhook(a.streamSecret, r.Header.Get("Webhook-Signature"), body, time.Now(), 0); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var v struct {
			UID           string `json:"uid"`
			ReadyToStream bool   `json:"readyToStream"`
		}
		json.Unmarshal(body, &v)
		if v.ReadyToStream {
			a.ready = append(a.ready, v.UID)
		}
	default:
		http.NotFound(w, r)
	}
}

// TestLiveLifecycleWithTheSDK is the whole story of a live input, told
// through the official SDK and an app's webhook handlers: create with
// automatic recording, subscribe the Stream webhook, a broadcaster
// connects and drops, time passes, and the signed recording-ready webhook
// arrives while the SDK lists the ready recording.
func TestLiveLifecycleWithTheSDK(t *testing.T) {
	a := &app{liveSecret: "live-notification-secret"}
	appServer := httptest.NewServer(a)
	defer appServer.Close()
	clock := streamfake.NewManualClock(time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC))
	f := faketest.New(t, faketest.With(
		streamfake.WithClock(clock),
		streamfake.WithLiveWebhook(appServer.URL+"/hooks/live", a.liveSecret),
		streamfake.WithSyncWebhooks(), // each call returns after its webhooks were attempted
	))
	client := newSDKClient(t, f)
	ctx := context.Background()

	// 1. Create an input with automatic recording.
	in, err := client.Stream.LiveInputs.New(ctx, stream.LiveInputNewParams{
		AccountID: account,
		Recording: cloudflare.F(stream.LiveInputNewParamsRecording{
			Mode:           cloudflare.F(stream.LiveInputNewParamsRecordingModeAutomatic),
			TimeoutSeconds: cloudflare.F(int64(30)),
		}),
	})
	if err != nil {
		t.Fatal(err)
	}

	// 2. Subscribe the Stream webhook; the app keeps its secret.
	sub, err := client.Stream.Webhooks.Update(ctx, stream.WebhookUpdateParams{
		AccountID:            account,
		BodyNotificationURL2: cloudflare.F(appServer.URL + "/hooks/stream"),
	})
	if err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	a.streamSecret = sub.Secret
	a.mu.Unlock()

	// 3. A broadcaster connects; 4. the app hears of it, with the secret.
	if _, err := f.Connect(streamfake.DefaultAccountID, in.UID, streamfake.ProtocolRTMPS); err != nil {
		t.Fatal(err)
	}
	faketest.AssertDelivered(t, f, streamfake.EventLiveInputConnected, in.UID, 5*time.Second)
	live, err := client.Stream.List(ctx, stream.StreamListParams{AccountID: account, LiveInputID: cloudflare.F(in.UID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Result) != 1 || live.Result[0].Status.State != stream.VideoStatusStateLiveInprogress || live.Result[0].ReadyToStream {
		t.Fatalf("while live, the SDK lists %+v", live.Result)
	}

	// 5. Ten minutes later the broadcaster drops, and no one reconnects
	// within the input's 30-second timeout.
	clock.Advance(10 * time.Minute)
	f.Disconnect(streamfake.DefaultAccountID, in.UID)
	clock.Advance(30 * time.Second)

	// 6. The app receives the signed recording-ready webhook, and the SDK
	// lists the ready recording.
	delivered := faketest.AssertDelivered(t, f, streamfake.EventVideoReady, in.UID, 5*time.Second)
	a.mu.Lock()
	events, ready := append([]string(nil), a.events...), append([]string(nil), a.ready...)
	a.mu.Unlock()
	if want := []string{"live_input.connected", "live_input.disconnected"}; !slices.Equal(events, want) {
		t.Errorf("the app heard %v, want %v", events, want)
	}
	if len(ready) != 1 || ready[0] != delivered.Video {
		t.Errorf("the app accepted ready videos %v, want [%s]", ready, delivered.Video)
	}
	recordings, err := client.Stream.List(ctx, stream.StreamListParams{AccountID: account, LiveInputID: cloudflare.F(in.UID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(recordings.Result) != 1 {
		t.Fatalf("the SDK lists %d recordings", len(recordings.Result))
	}
	rec := recordings.Result[0]
	if rec.UID != delivered.Video || rec.Status.State != stream.VideoStatusStateReady || !rec.ReadyToStream || rec.Duration != 600 || rec.LiveInput != in.UID {
		t.Errorf("the ready recording: uid %s, state %s, readyToStream %v, duration %v, liveInput %s",
			rec.UID, rec.Status.State, rec.ReadyToStream, rec.Duration, rec.LiveInput)
	}

	// The app publishes it, then deletes it.
	got, err := client.Stream.Get(ctx, rec.UID, stream.StreamGetParams{AccountID: account})
	if err != nil || got.Playback.Hls == "" {
		t.Fatalf("Get: %v %+v", err, got)
	}
	if err := client.Stream.Delete(ctx, rec.UID, stream.StreamDeleteParams{AccountID: account}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Stream.Get(ctx, rec.UID, stream.StreamGetParams{AccountID: account}); err == nil {
		t.Errorf("the deleted recording is still served")
	}
}
