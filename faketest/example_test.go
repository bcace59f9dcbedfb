package faketest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/streamfake/streamfake"
	"github.com/streamfake/streamfake/faketest"
)

// In a test, the body of the function given to Run is the test itself:
// func TestPublisher(t *testing.T) { f := faketest.New(t) ... }. Run stands
// in for the testing package here, so the examples can print what a
// failing test would.

// A clean test passes; a request the API does not have fails the test at
// cleanup, with the request log.
func ExampleNew() {
	failures := faketest.Run(func(t faketest.TB) {
		f := faketest.New(t, faketest.With(streamfake.WithSeed(1)))
		req, _ := http.NewRequest("POST", f.URL()+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs",
			strings.NewReader(`{"meta":{"name":"x"}}`))
		req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := f.Client().Do(req)
		if err != nil {
			t.Fatalf("%v", err)
		}
		resp.Body.Close()
		faketest.AssertCount(t, f, streamfake.OpCreate, 1)

		resp, err = f.Client().Get(f.URL() + "/accounts/" + streamfake.DefaultAccountID + "/stream/live_inputs/x/nonsense")
		if err != nil {
			t.Fatalf("%v", err)
		}
		resp.Body.Close()
	})
	fmt.Println(strings.Join(failures, "\n"))
	// Output:
	// streamfake:
	//   request #2 GET /client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/stream/live_inputs/x/nonsense matched no route of the API
	// request log (seed 1, credentials redacted):
	//   #1 POST /client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/stream/live_inputs (create) -> 200
	//       Authorization: Bearer REDACTED
	//       Content-Type: application/json
	//       client headers: Accept-Encoding=gzip; Content-Length=21; User-Agent=Go-http-client/1.1
	//       body: {"meta":{"name":"x"}}
	//   #2 GET /client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/stream/live_inputs/x/nonsense (unmatched) -> 400 codes [7003 7000] (Could not route to /client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/stream/live_inputs/x/nonsense, perhaps your object identifier is invalid?; No route for that URI)
	//       client headers: Accept-Encoding=gzip; User-Agent=Go-http-client/1.1
}

// Every field of a wanted body must have been sent; fields sent beyond it
// are slack unless Exact is given.
func ExampleAssertBodies() {
	failures := faketest.Run(func(t faketest.TB) {
		f := faketest.New(t)
		req, _ := http.NewRequest("POST", f.URL()+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs",
			strings.NewReader(`{"meta":{"name":"studio"},"recording":{"mode":"automatic"}}`))
		req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
		resp, err := f.Client().Do(req)
		if err != nil {
			t.Fatalf("%v", err)
		}
		resp.Body.Close()

		// Passes: recording was sent too, but the test does not care.
		faketest.AssertBodies(t, f, streamfake.OpCreate, []any{
			map[string]any{"meta": map[string]any{"name": "studio"}},
		})
		// Fails: the code never sent enabled.
		faketest.AssertBodies(t, f, streamfake.OpCreate, []any{
			map[string]any{"meta": map[string]any{"name": "studio"}, "enabled": false},
		})
	})
	for _, failure := range failures {
		fmt.Println(strings.SplitN(failure, "\n", 2)[0]) // the rest is a cmp.Diff naming "enabled"
	}
	// Output: request #1 (create) body differs (-want +got):
}

// A fault rule with faketest: the client must survive a rate limit, and the
// rule is required, so the test fails if the fault never happened.
func ExampleNew_faultRule() {
	failures := faketest.Run(func(t faketest.TB) {
		f := faketest.New(t)
		f.MustAddFault(streamfake.FaultRule{
			Match:    streamfake.FaultMatch{Operation: streamfake.OpCreate},
			Action:   streamfake.RateLimited(),
			Times:    1,
			Required: true,
		})
		create := func() int {
			req, _ := http.NewRequest("POST", f.URL()+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", strings.NewReader(`{}`))
			req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
			resp, err := f.Client().Do(req)
			if err != nil {
				t.Fatalf("%v", err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		// The code under test would retry here, as the official SDKs do.
		fmt.Println(create(), create(), len(f.LiveInputs(streamfake.DefaultAccountID)))
	})
	fmt.Println(len(failures), "failures")
	// Output:
	// 429 200 1
	// 0 failures
}

// A property test of your own client, built on the generators. In a test,
// draw with rapid.Check(t, func(t *rapid.T) { body := faketest.ValidBody().Draw(t, "body") ... });
// here Example draws the same values without a *testing.T.
func Example_propertyTest() {
	failures := faketest.Run(func(t faketest.TB) {
		f := faketest.New(t)
		post := func(body []byte) int {
			req, _ := http.NewRequest("POST", f.URL()+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", strings.NewReader(string(body)))
			req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
			resp, err := f.Client().Do(req)
			if err != nil {
				t.Fatalf("%v", err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		for i := range 50 {
			valid, _ := json.Marshal(faketest.ValidBody().Example(i))
			if status := post(valid); status != 200 {
				t.Errorf("valid body %s: %d", valid, status)
			}
			bad := faketest.InvalidBody().Example(i)
			invalid, _ := json.Marshal(bad.Body)
			if status := post(invalid); status != 400 {
				t.Errorf("invalid body %s: %d", invalid, status)
			}
		}
		faketest.WaitFor(t, f, 100, nil, time.Second)
		fmt.Println(len(f.LiveInputs(streamfake.DefaultAccountID)), "inputs created")
	})
	fmt.Println(len(failures), "failures")
	// Output:
	// 50 inputs created
	// 0 failures
}

// An app's webhook handler that refuses Cloudflare's secret: the
// notification was sent, but AssertDelivered fails, since the handler did
// not accept it. AssertRecording finds the session's recording.
func ExampleAssertDelivered() {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("cf-webhook-auth") != "the secret the app expects" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer app.Close()
	failures := faketest.Run(func(t faketest.TB) {
		f := faketest.New(t, faketest.With(streamfake.WithLiveWebhook(app.URL, "s3cret"), streamfake.WithWebhookRetries(1, 0)))
		in, _ := f.AddLiveInput(streamfake.DefaultAccountID, streamfake.LiveInput{Enabled: true, Recording: streamfake.Recording{Mode: streamfake.RecordingAutomatic}})
		f.Connect(streamfake.DefaultAccountID, in.UID, streamfake.ProtocolRTMPS)

		faketest.AssertRecording(t, f, streamfake.DefaultAccountID, in.UID, streamfake.VideoLiveInProgress)
		faketest.AssertDelivered(t, f, streamfake.EventLiveInputConnected, in.UID, 200*time.Millisecond)
	})
	for _, failure := range failures {
		lines := strings.Split(failure, "\n")
		fmt.Println(lines[0][:strings.Index(lines[0], " for live input")])
		fmt.Println(lines[2][strings.Index(lines[2], "->"):])
	}
	// Output:
	// the latest live_input.connected delivery
	// -> 401
}
