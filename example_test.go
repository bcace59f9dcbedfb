package streamfake_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/streamfake/streamfake"
	"github.com/streamfake/streamfake/fixtures"
)

// createInput is what code under test might do: create a live input over HTTP.
func createInput(client *http.Client, baseURL, body string) (int, string) {
	req, _ := http.NewRequest("POST", baseURL+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func ExampleNew() {
	f := streamfake.New(
		streamfake.WithSeed(1),
		streamfake.WithClock(streamfake.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))),
	)
	defer f.Close()

	status, _ := createInput(f.Client(), f.URL(), `{"meta":{"name":"studio"}}`)
	in := f.LiveInputs(streamfake.DefaultAccountID)[0]
	fmt.Println(status, string(in.Meta), in.Created.Format(time.RFC3339))

	status, body := createInput(f.Client(), f.URL(), `{"recording":{"mode":"manual"}}`)
	fmt.Println(status, body)
	// Output:
	// 200 {"name":"studio"} 2026-01-02T03:04:05Z
	// 400 {"success":false,"errors":[{"code":10005,"message":"recording.mode must be one of \"off\", \"automatic\"","source":{"pointer":"/recording/mode"}}],"messages":[],"result":null}
}

func ExampleFake_Requests() {
	f := streamfake.New()
	defer f.Close()
	createInput(f.Client(), f.URL(), `{"meta":{"name":"a"}}`)
	createInput(f.Client(), f.URL(), `{"enabled":"yes"}`)

	for _, r := range f.Requests() {
		fmt.Println(r.Seq, r.Operation, r.Status, r.ErrorCodes, r.Header.Get("Authorization") != "")
	}
	// Output:
	// 1 create 200 [] true
	// 2 create 400 [10005] true
}

func ExampleFake_AddLiveInput() {
	f := streamfake.New()
	defer f.Close()
	in, err := f.AddLiveInput(streamfake.DefaultAccountID,
		fixtures.LiveInput(fixtures.WithName("preloaded"), fixtures.WithRecording(streamfake.RecordingAutomatic)))
	if err != nil {
		panic(err)
	}
	got, _ := f.LiveInput(streamfake.DefaultAccountID, in.UID)
	fmt.Println(string(got.Meta), got.Recording.Mode, len(got.UID))
	// Output: {"name":"preloaded"} automatic 32
}

func ExampleFake_SetStatus() {
	f := streamfake.New()
	defer f.Close()
	in, _ := f.AddLiveInput(streamfake.DefaultAccountID, fixtures.LiveInput())

	// A broadcaster connects: clients now see "status":"connected".
	fmt.Println(f.SetStatus(streamfake.DefaultAccountID, in.UID, streamfake.StatusConnected))
	fmt.Println(f.SetStatus(streamfake.DefaultAccountID, in.UID, "streaming"))
	// Output:
	// <nil>
	// streamfake: "streaming" is not a live input status
}

func ExampleFake_AddFault() {
	f := streamfake.New()
	defer f.Close()
	// "503, 503, then succeed", for creates only.
	f.MustAddFault(streamfake.FaultRule{
		Match:  streamfake.FaultMatch{Operation: streamfake.OpCreate},
		Action: streamfake.Sequence(streamfake.Unavailable(), streamfake.Unavailable()),
	})
	var statuses []int
	for range 3 {
		status, _ := createInput(f.Client(), f.URL(), `{}`)
		statuses = append(statuses, status)
	}
	fmt.Println(statuses)
	for _, r := range f.Faults() {
		fmt.Println(r.ID, "matched", r.Matched, "fired", r.Fired)
	}
	// Output:
	// [503 503 200]
	// fault-1 matched 3 fired 2
}

// A broadcaster's whole session, with the live notifications an app would
// receive and the recording that becomes ready: time moves only when the
// test moves it, and WithSyncWebhooks makes each call return after its
// deliveries were attempted.
func ExampleFake_Connect() {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n struct {
			Data struct {
				EventType string `json:"event_type"`
			}
		}
		json.NewDecoder(r.Body).Decode(&n)
		fmt.Println("app received", n.Data.EventType, "with secret", r.Header.Get("cf-webhook-auth"))
	}))
	defer app.Close()
	clock := streamfake.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	f := streamfake.New(streamfake.WithClock(clock), streamfake.WithLiveWebhook(app.URL, "s3cret"), streamfake.WithSyncWebhooks())
	defer f.Close()
	in, _ := f.AddLiveInput(streamfake.DefaultAccountID, fixtures.LiveInput(fixtures.WithRecording(streamfake.RecordingAutomatic)))

	f.Connect(streamfake.DefaultAccountID, in.UID, streamfake.ProtocolRTMPS)
	clock.Advance(5 * time.Minute)
	got, _ := f.Disconnect(streamfake.DefaultAccountID, in.UID)
	fmt.Println("status:", got.Status.Current.Reason)
	fmt.Println("recording:", f.Videos(streamfake.DefaultAccountID)[0].State)

	clock.Advance(streamfake.DefaultRecordingTimeout) // no reconnect within the timeout
	v := f.Videos(streamfake.DefaultAccountID)[0]
	fmt.Println("recording:", v.State, v.Duration, "seconds")
	// Output:
	// app received live_input.connected with secret s3cret
	// app received live_input.disconnected with secret s3cret
	// status: client_disconnect
	// recording: live-inprogress
	// recording: ready 300 seconds
}

// A test of an app's Stream webhook handler: a request signed as
// Cloudflare signs it, one signed with another secret, and a stale one.
func ExampleNewWebhookRequest() {
	const secret = "6f1e2d3c4b5a69788796a5b4c3d2e1f0"
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := streamfake.VerifyWebhook(secret, r.Header.Get("Webhook-Signature"), body, now, 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
		}
	})
	body := []byte(`{"uid":"ea95132c15732412d22c1476fa83f27a","readyToStream":true}`)
	for _, req := range []*http.Request{
		streamfake.NewWebhookRequest("http://app.test/hooks", secret, now, body),
		streamfake.NewWebhookRequest("http://app.test/hooks", "another secret", now, body),
		streamfake.NewWebhookRequest("http://app.test/hooks", secret, now.Add(-time.Hour), body),
	} {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(strings.TrimSpace(fmt.Sprint(rec.Code, " ", rec.Body.String())))
	}
	// Output:
	// 200
	// 401 streamfake: the signature does not match the body and secret
	// 401 streamfake: the signature is 1h0m0s old, more than 5m0s
}
