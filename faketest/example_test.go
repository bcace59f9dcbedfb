package faketest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/streamfake/streamfake"
	"github.com/streamfake/streamfake/faketest"
)

// printingT stands in, in these examples, for the *testing.T a test gets:
// it prints failures instead of failing.
type printingT struct{ cleanups []func() }

func (t *printingT) Helper()                           {}
func (t *printingT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *printingT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (t *printingT) Fatalf(format string, args ...any) { fmt.Printf("FATAL: "+format+"\n", args...) }

// end runs the cleanups, as the testing package does when a test ends.
func (t *printingT) end() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// createLiveInput is "the code under test": a client of the API.
func createLiveInput(client *http.Client, baseURL, token string, body any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", baseURL+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Errors []struct {
			Source struct{ Pointer string } `json:"source"`
		} `json:"errors"`
	}
	json.NewDecoder(resp.Body).Decode(&env)
	if resp.StatusCode != 200 {
		var pointers []string
		for _, e := range env.Errors {
			pointers = append(pointers, e.Source.Pointer)
		}
		return &apiError{status: resp.StatusCode, pointers: pointers}
	}
	return nil
}

type apiError struct {
	status   int
	pointers []string
}

func (e *apiError) Error() string { return fmt.Sprintf("status %d at %v", e.status, e.pointers) }

func ExampleNew() {
	t := &printingT{} // in a test: func TestX(t *testing.T)
	f := faketest.New(t, faketest.With(streamfake.WithSeed(1)))
	createLiveInput(f.Client(), f.URL(), streamfake.DefaultToken, map[string]any{"meta": map[string]any{"name": "x"}})
	// A request to a route the API does not have fails the test at cleanup,
	// with the request log.
	f.Client().Get(f.URL() + "/accounts/" + streamfake.DefaultAccountID + "/stream/nonsense")
	t.end()
	// Output:
	// FAIL: streamfake:
	//   request #2 GET /client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/stream/nonsense matched no route of the live-input API
	// request log (seed 1, credentials redacted):
	//   #1 POST /client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/stream/live_inputs (create) -> 200
	//       Accept-Encoding: gzip
	//       Authorization: Bearer REDACTED
	//       Content-Length: 21
	//       Content-Type: application/json
	//       User-Agent: Go-http-client/1.1
	//       body: {"meta":{"name":"x"}}
	//   #2 GET /client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/stream/nonsense (unmatched) -> 400 codes [7003 7000]
	//       Accept-Encoding: gzip
	//       User-Agent: Go-http-client/1.1
}

func ExampleAssertBodies() {
	t := &printingT{}
	f := faketest.New(t)
	createLiveInput(f.Client(), f.URL(), streamfake.DefaultToken, map[string]any{"meta": map[string]any{"name": "studio"}, "enabled": false})

	faketest.AssertCount(t, f, streamfake.OpCreate, 1)
	faketest.AssertCredentials(t, f, streamfake.OpCreate, faketest.Token(streamfake.DefaultToken))
	// want may be a struct: its fields the code did not send (here
	// preferLowLatency) are not differences. A field that differs fails the
	// test with a cmp.Diff naming request #1 and the field.
	type body struct {
		Meta             map[string]string `json:"meta"`
		Enabled          bool              `json:"enabled"`
		PreferLowLatency bool              `json:"preferLowLatency"`
	}
	faketest.AssertBodies(t, f, streamfake.OpCreate, []any{
		body{Meta: map[string]string{"name": "studio"}, Enabled: false},
	})
	t.end()
	fmt.Println("no failure")
	// Output: no failure
}

// A fault rule with faketest: the client must survive a rate limit, and the
// rule is required, so the test fails if the fault never happened.
func ExampleNew_faultRule() {
	t := &printingT{}
	f := faketest.New(t)
	f.MustAddFault(streamfake.FaultRule{
		Match:    streamfake.FaultMatch{Operation: streamfake.OpCreate},
		Action:   streamfake.RateLimited(),
		Times:    1,
		Required: true,
	})
	err := createLiveInput(f.Client(), f.URL(), streamfake.DefaultToken, map[string]any{})
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.status == 429 { // a real client would retry here
		err = createLiveInput(f.Client(), f.URL(), streamfake.DefaultToken, map[string]any{})
	}
	fmt.Println(err, len(f.LiveInputs(streamfake.DefaultAccountID)))
	t.end()
	// Output: <nil> 1
}

// A property test of your own client, built on the generators. In a test,
// draw with rapid.Check(t, func(t *rapid.T) { body := faketest.ValidBody().Draw(t, "body") ... });
// here Example draws the same values without a *testing.T.
func Example_propertyTest() {
	t := &printingT{}
	f := faketest.New(t)
	for i := range 50 {
		if err := createLiveInput(f.Client(), f.URL(), streamfake.DefaultToken, faketest.ValidBody().Example(i)); err != nil {
			fmt.Println("valid body refused:", err)
		}
		bad := faketest.InvalidBody().Example(i)
		err := createLiveInput(f.Client(), f.URL(), streamfake.DefaultToken, bad.Body)
		var apiErr *apiError
		if !errors.As(err, &apiErr) || apiErr.status != 400 || !slices.Equal(apiErr.pointers, bad.Pointers) {
			fmt.Println("invalid body: got", err, "want pointers", bad.Pointers)
		}
	}
	faketest.WaitFor(t, f, 100, nil, time.Second)
	fmt.Println(len(f.LiveInputs(streamfake.DefaultAccountID)), "inputs created")
	t.end()
	// Output: 50 inputs created
}
