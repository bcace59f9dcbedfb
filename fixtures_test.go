package streamfake_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/streamfake/streamfake"
	"github.com/streamfake/streamfake/fixtures"
)

// shape maps every key path of a JSON document to its JSON type; for
// arrays, the shape of the first element stands for all.
func shape(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		out[prefix] = "object"
		for k, x := range v {
			shape(prefix+"/"+k, x, out)
		}
	case []any:
		out[prefix] = "array"
		if len(v) > 0 {
			shape(prefix+"/0", v[0], out)
		}
	case string:
		out[prefix] = "string"
	case float64:
		out[prefix] = "number"
	case bool:
		out[prefix] = "boolean"
	case nil:
		out[prefix] = "null"
	}
}

// TestSeedShape: the fake's answer to the seed's request has the shape of
// the seed's example response: the same keys with the same JSON types, but
// for the differences listed here, each with its reason.
func TestSeedShape(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	req, _ := http.NewRequest("POST", f.URL()+"/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", bytes.NewReader(fixtures.SeedRequestJSON()))
	req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v: %s", resp.StatusCode, err, body)
	}
	fake, seed := map[string]string{}, map[string]string{}
	shape("", got, fake)
	shape("", fixtures.SeedResponse(), seed)

	allowed := map[string]string{
		// The example predates preferLowLatency, which the spec has.
		"/result/preferLowLatency": "only in the fake",
		// The example shows a connected input; a fresh one has status null.
		"/result/status": "string in the seed, null in the fake",
		// allowedOrigins is null until it is set (the seed request does not set it).
		"/result/recording/allowedOrigins":   "array in the seed, null in the fake",
		"/result/recording/allowedOrigins/0": "only in the seed",
	}
	// The example's errors and messages hold a sample item; a success has none.
	for _, list := range []string{"errors", "messages"} {
		for _, k := range []string{"", "/code", "/message", "/documentation_url", "/source", "/source/pointer"} {
			allowed["/"+list+"/0"+k] = "only in the seed"
		}
	}
	keys := map[string]bool{}
	for k := range fake {
		keys[k] = true
	}
	for k := range seed {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		if fake[k] == seed[k] {
			continue
		}
		d := fmt.Sprintf("%s: seed %q, fake %q", k, seed[k], fake[k])
		if _, ok := allowed[k]; !ok {
			diffs = append(diffs, d)
		}
		delete(allowed, k)
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("shapes differ:\n%s", strings.Join(diffs, "\n"))
	}
	for k := range allowed {
		t.Errorf("%s is listed as a difference but is not one; remove it from the list", k)
	}
}

func TestFixtureBuilders(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	in, err := f.AddLiveInput(streamfake.DefaultAccountID, fixtures.LiveInput(
		fixtures.WithName("studio"), fixtures.WithRecording(streamfake.RecordingAutomatic),
		fixtures.Disabled(), fixtures.WithStatus(streamfake.StatusConnected), fixtures.WithOutputs(2)))
	if err != nil {
		t.Fatal(err)
	}
	if string(in.Meta) != `{"name":"studio"}` || in.Recording.Mode != "automatic" || in.Enabled ||
		in.Reason() != streamfake.StatusConnected || len(in.Outputs) != 2 || in.Outputs[0].UID == "" || in.UID == "" {
		t.Errorf("stored %+v", in)
	}
	if *in.DeleteRecordingAfterDays != 45 {
		t.Errorf("DeleteRecordingAfterDays = %v, want the seed's 45", *in.DeleteRecordingAfterDays)
	}
	// The seed request is a valid create body, as a Go value too.
	if got := fixtures.SeedRequest()["meta"].(map[string]any)["name"]; got != "test stream 1" {
		t.Errorf("SeedRequest meta.name = %v", got)
	}
}
