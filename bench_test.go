package streamfake

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// The benchmarks pair each figure of the fake with a baseline measured in
// the same process, over the same client, with the same body: a bare handler
// that writes a canned create response. bench/run turns them into medians
// and fake-to-baseline ratios; compare ratios, not absolute times, since
// these machines are noisy.

// benchBody is a typical create body: the seed's example request.
var benchBody = []byte(`{"deleteRecordingAfterDays":45,"enabled":true,"meta":{"name":"test stream 1"},"recording":{"hideLiveViewerCount":false,"mode":"off","requireSignedURLs":false,"timeoutSeconds":0}}`)

// bareHandler is the baseline: it reads the body and writes a fixed
// response of the same size as the fake's, with no routing, auth, validation,
// state or log.
func bareHandler(response []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(response)
	})
}

// cannedResponse is one real response of the fake, so both sides of a pair
// send the same number of bytes.
func cannedResponse(b *testing.B) []byte {
	f := New(WithSeed(1))
	defer f.Close()
	resp := post(b, f.Client(), f.URL()+createPath(DefaultAccountID))
	return resp
}

func createPath(account string) string { return "/accounts/" + account + "/stream/live_inputs" }

func post(b testing.TB, c *http.Client, url string) []byte {
	req, err := http.NewRequest("POST", url, bytes.NewReader(benchBody))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("status %d, err %v: %s", resp.StatusCode, err, body)
	}
	return body
}

// BenchmarkCreateHTTP: create over a real loopback connection.
func BenchmarkCreateHTTP(b *testing.B) { benchCreateHTTP(b, benchHTTP) }

// BenchmarkCreateHTTPParallel: the same, from GOMAXPROCS clients at once.
func BenchmarkCreateHTTPParallel(b *testing.B) { benchCreateHTTP(b, benchHTTPParallel) }

// benchCreateHTTP runs one way of sending creates against the fake and
// against the bare handler.
func benchCreateHTTP(b *testing.B, run func(b *testing.B, c *http.Client, url string, reset func())) {
	canned := cannedResponse(b)
	b.Run("fake", func(b *testing.B) {
		f := New(WithLogLimit(resetEvery))
		defer f.Close()
		run(b, f.Client(), f.URL()+createPath(DefaultAccountID), f.Reset)
	})
	b.Run("baseline", func(b *testing.B) {
		srv := httptest.NewServer(bareHandler(canned))
		defer srv.Close()
		run(b, srv.Client(), srv.URL+"/client/v4"+createPath(DefaultAccountID), nil)
	})
}

// resetEvery keeps the fake's state the size a test's is: every that many
// creates, the fake forgets its live inputs. Without it a benchmark of
// 100,000 creates measures a fake holding 100,000 inputs, and mostly the
// garbage collector scanning them. reset is nil for the baselines.
const resetEvery = 1000

func benchHTTP(b *testing.B, c *http.Client, url string, reset func()) {
	b.ReportAllocs()
	var n int
	for b.Loop() {
		post(b, c, url)
		if n++; reset != nil && n%resetEvery == 0 {
			reset()
		}
	}
}

func benchHTTPParallel(b *testing.B, c *http.Client, url string, reset func()) {
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	b.ReportAllocs()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			post(b, c, url)
			if reset != nil && n.Add(1)%resetEvery == 0 {
				reset()
			}
		}
	})
}

// BenchmarkCreateInProcess: create through the handler, with no network.
func BenchmarkCreateInProcess(b *testing.B) {
	canned := cannedResponse(b)
	b.Run("fake", func(b *testing.B) {
		f := New(WithLogLimit(resetEvery))
		defer f.Close()
		benchHandler(b, f.Handler(), f.Reset)
	})
	b.Run("baseline", func(b *testing.B) {
		benchHandler(b, bareHandler(canned), nil)
	})
}

func benchHandler(b *testing.B, h http.Handler, reset func()) {
	b.ReportAllocs()
	target := "/client/v4" + createPath(DefaultAccountID)
	var n int
	for b.Loop() {
		if n++; reset != nil && n%resetEvery == 0 {
			reset()
		}
		req := httptest.NewRequest("POST", target, bytes.NewReader(benchBody))
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkStartup: start a server, serve one create, close.
func BenchmarkStartup(b *testing.B) {
	canned := cannedResponse(b)
	b.Run("fake", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f := New()
			post(b, f.Client(), f.URL()+createPath(DefaultAccountID))
			f.Close()
		}
	})
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			srv := httptest.NewServer(bareHandler(canned))
			post(b, srv.Client(), srv.URL+createPath(DefaultAccountID))
			srv.Close()
		}
	})
}

// BenchmarkValidate: decoding and schema validation of a typical body,
// the part of a create that gojsonschema does.
func BenchmarkValidate(b *testing.B) {
	s := requestSchemas().liveInput
	b.ReportAllocs()
	for b.Loop() {
		doc, err := decodeJSON(benchBody)
		if err != nil {
			b.Fatal(err)
		}
		if errs := checkBody(s, doc); errs != nil {
			b.Fatal(errs)
		}
	}
}

// BenchmarkLogEntry reports the heap each request-log entry keeps beyond
// its request and response bodies, as "heap-B/entry". Each request is a get
// of one preloaded input, so the only thing that grows is the log.
func BenchmarkLogEntry(b *testing.B) {
	f := New(WithSeed(1))
	defer f.Close()
	in, err := f.AddLiveInput(DefaultAccountID, LiveInput{Meta: []byte(`{"name":"test stream 1"}`)})
	if err != nil {
		b.Fatal(err)
	}
	target := "/client/v4/accounts/" + DefaultAccountID + "/stream/live_inputs/" + in.UID
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
		f.ServeHTTP(httptest.NewRecorder(), req)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	f.log.mu.Lock()
	var bodies int
	for _, e := range f.log.entries {
		bodies += cap(e.Body) + cap(e.ResponseBody)
	}
	n := len(f.log.entries)
	f.log.mu.Unlock()
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)-int64(bodies))/float64(n), "heap-B/entry")
}

// BenchmarkGetHTTP: retrieve one live input, against a bare handler that
// writes the same bytes.
func BenchmarkGetHTTP(b *testing.B) { benchReadHTTP(b, 1, "/%s") }

// BenchmarkList100HTTP: list an account of 100 live inputs, against a bare
// handler that writes the same bytes.
func BenchmarkList100HTTP(b *testing.B) { benchReadHTTP(b, 100, "") }

// benchReadHTTP preloads n inputs and GETs the list, or, with a suffix
// ("/%s"), the first input.
func benchReadHTTP(b *testing.B, n int, suffix string) {
	f := New(WithSeed(1), WithLogLimit(resetEvery))
	defer f.Close()
	var first string
	for i := range n {
		in, err := f.AddLiveInput(DefaultAccountID, LiveInput{Enabled: true, Meta: []byte(fmt.Sprintf(`{"name":"input %d"}`, i))})
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			first = in.UID
		}
	}
	url := f.URL() + createPath(DefaultAccountID)
	if suffix != "" {
		url += fmt.Sprintf(suffix, first)
	}
	canned := get(b, f.Client(), url)
	b.Run("fake", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			get(b, f.Client(), url)
		}
	})
	b.Run("baseline", func(b *testing.B) {
		srv := httptest.NewServer(bareHandler(canned))
		defer srv.Close()
		b.ReportAllocs()
		for b.Loop() {
			get(b, srv.Client(), srv.URL+"/client/v4"+createPath(DefaultAccountID))
		}
	})
}

func get(b testing.TB, c *http.Client, url string) []byte {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("status %d, err %v: %s", resp.StatusCode, err, body)
	}
	return body
}

// BenchmarkOperationsInProcess: update, get, list and delete through the
// handler, for profiles of the paths other than create.
func BenchmarkOperationsInProcess(b *testing.B) {
	for _, op := range []struct{ name, method, suffix, body string }{
		{"update", "PUT", "/%s", `{"meta":{"name":"renamed"},"recording":{"mode":"automatic"}}`},
		{"get", "GET", "/%s", ""},
		{"list", "GET", "", ""},
		{"delete-missing", "DELETE", "/%s", ""},
	} {
		b.Run(op.name, func(b *testing.B) {
			f := New(WithSeed(1), WithLogLimit(resetEvery))
			defer f.Close()
			in, _ := f.AddLiveInput(DefaultAccountID, LiveInput{Enabled: true, Meta: []byte(`{"name":"x"}`)})
			target := "/client/v4" + createPath(DefaultAccountID)
			if op.suffix != "" {
				target += fmt.Sprintf(op.suffix, in.UID)
			}
			if op.name == "delete-missing" {
				target = "/client/v4" + createPath(DefaultAccountID) + "/" + strings.Repeat("0", 32)
			}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(op.method, target, strings.NewReader(op.body))
				req.Header.Set("Authorization", "Bearer "+DefaultToken)
				rec := httptest.NewRecorder()
				f.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
