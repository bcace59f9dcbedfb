package faketest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/streamfake/streamfake"
	"github.com/streamfake/streamfake/faketest"
	"github.com/streamfake/streamfake/schema"
	"github.com/xeipuuv/gojsonschema"
	"pgregory.net/rapid"
)

// post sends a create body to the fake and decodes the envelope.
func post(t *rapid.T, f *streamfake.Fake, body []byte) (int, []byte, map[string]any) {
	return send(t, f, "POST", "/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs", body)
}

// send sends one request to the fake and decodes the envelope.
func send(t *rapid.T, f *streamfake.Fake, method, path string, body []byte) (int, []byte, map[string]any) {
	req, _ := http.NewRequest(method, f.URL()+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+streamfake.DefaultToken)
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env map[string]any
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("status %d, not an envelope: %v: %q", resp.StatusCode, err, raw)
	}
	return resp.StatusCode, raw, env
}

// TestValidBodiesAreEchoed: every valid body gives 200, the response carries
// what was sent, and it validates against schema/live_input_response.json.
func TestValidBodiesAreEchoed(t *testing.T) {
	t.Parallel()
	responseSchema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(schema.Read(schema.LiveInputResponse)))
	if err != nil {
		t.Fatal(err)
	}
	f := streamfake.New()
	defer f.Close()
	rapid.Check(t, func(t *rapid.T) {
		body := faketest.ValidBody().Draw(t, "body")
		sent, _ := json.Marshal(body)
		status, raw, env := post(t, f, sent)
		if status != 200 {
			t.Fatalf("status %d for %s: %s", status, sent, raw)
		}
		res, err := responseSchema.Validate(gojsonschema.NewBytesLoader(raw))
		if err != nil || !res.Valid() {
			t.Fatalf("response does not validate: %v %v\n%s", err, res.Errors(), raw)
		}
		// The drawn body itself compares equal to the echo, as ValidBody
		// promises: its numbers are float64, its arrays []any.
		want := maps.Clone(body)
		delete(want, "defaultCreator") // stored, not returned: Cloudflare's response has no such field
		got := env["result"].(map[string]any)
		// Compare only what was sent; the rest are defaults, checked elsewhere.
		sentOnly := cmp.FilterPath(func(p cmp.Path) bool {
			mi, ok := p.Last().(cmp.MapIndex)
			if !ok {
				return false
			}
			w, _ := mi.Values()
			return !w.IsValid()
		}, cmp.Ignore())
		if diff := cmp.Diff(want, got, sentOnly); diff != "" {
			t.Fatalf("the response does not echo %s (-sent +got):\n%s", sent, diff)
		}
	})
}

// TestInvalidBodiesArePointedAt: every invalid body gives 400 with exactly
// the expected pointers.
func TestInvalidBodiesArePointedAt(t *testing.T) {
	t.Parallel()
	f := streamfake.New()
	defer f.Close()
	rapid.Check(t, func(t *rapid.T) {
		inv := faketest.InvalidBody().Draw(t, "invalid")
		sent, _ := json.Marshal(inv.Body)
		status, raw, env := post(t, f, sent)
		var pointers []string
		for _, e := range env["errors"].([]any) {
			src, _ := e.(map[string]any)["source"].(map[string]any)
			p, _ := src["pointer"].(string)
			pointers = append(pointers, p)
		}
		if status != 400 || !slices.Equal(pointers, inv.Pointers) {
			t.Fatalf("%s: status %d pointers %q, want 400 %q\n%s", sent, status, pointers, inv.Pointers, raw)
		}
	})
	if n := len(f.LiveInputs(streamfake.DefaultAccountID)); n != 0 {
		t.Errorf("invalid bodies created %d inputs", n)
	}
}

// TestArbitraryInputNeverBreaksTheFake: bytes and JSON of any shape, sent
// to any operation, get a Cloudflare envelope with a status below 500 and
// codes >= 1000; and every success the fake answers decodes with
// encoding/json, the official Go SDK's decoder, every number in it finite.
func TestArbitraryInputNeverBreaksTheFake(t *testing.T) {
	t.Parallel()
	f := streamfake.New()
	defer f.Close()
	in, _ := f.AddLiveInput(streamfake.DefaultAccountID, streamfake.LiveInput{Outputs: []streamfake.Output{{URL: "rtmp://x", StreamKey: "k"}}})
	in, _ = f.LiveInput(streamfake.DefaultAccountID, in.UID)
	base := "/accounts/" + streamfake.DefaultAccountID + "/stream/live_inputs"
	targets := []struct{ method, path string }{
		{"POST", base}, {"PUT", base + "/" + in.UID}, {"POST", base + "/" + in.UID + "/outputs"},
		{"PUT", base + "/" + in.UID + "/outputs/" + in.Outputs[0].UID}, {"GET", base}, {"GET", base + "/" + in.UID},
	}
	rapid.Check(t, func(t *rapid.T) {
		target := rapid.SampledFrom(targets).Draw(t, "target")
		body := rapid.OneOf(faketest.Bytes(), faketest.JSONBytes(), rapid.Map(faketest.JSONValue(), func(v any) []byte {
			b, _ := json.Marshal(map[string]any{"meta": map[string]any{"v": v}, "url": "rtmp://x", "streamKey": "k", "enabled": true})
			return b
		})).Draw(t, "body")
		status, raw, env := send(t, f, target.method, target.path, body)
		if status >= 500 {
			t.Fatalf("status %d for %q: %s", status, body, raw)
		}
		if _, ok := env["success"].(bool); !ok || env["messages"] == nil {
			t.Fatalf("not an envelope: %s", raw)
		}
		for _, e := range env["errors"].([]any) {
			if code := e.(map[string]any)["code"].(float64); code < 1000 {
				t.Fatalf("code %v for %q", code, body)
			}
		}
		if status == 200 {
			if err := decodesWithFiniteNumbers(raw); err != nil {
				t.Fatalf("%s %s with %s: the success does not decode: %v\n%s", target.method, target.path, body, err, raw)
			}
		}
	})
}

// decodesWithFiniteNumbers decodes a response as the official Go SDK
// would (encoding/json, numbers as float64). A number no float64 holds is
// an error of the decode itself: it never yields an infinity.
func decodesWithFiniteNumbers(raw []byte) error {
	var v any
	return json.Unmarshal(raw, &v)
}

// TestSameSeedSameBytes, for any body.
func TestSameSeedSameBytes(t *testing.T) {
	t.Parallel()
	clock := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Int64().Draw(t, "seed")
		body, _ := json.Marshal(faketest.ValidBody().Draw(t, "body"))
		var out [2][]byte
		for i := range out {
			f := streamfake.New(streamfake.WithSeed(seed), streamfake.WithClock(streamfake.ClockFunc(clock)))
			_, out[i], _ = post(t, f, body)
			f.Close()
		}
		if !bytes.Equal(out[0], out[1]) {
			t.Fatalf("seed %d gave\n%s\nand\n%s", seed, out[0], out[1])
		}
	})
}
