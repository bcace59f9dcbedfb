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
	"time"
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

// Each benchmark of the fake runs it side by side with its baseline: every
// iteration sends one request to each, alternating which goes first, and
// times them apart. Drift on a noisy machine then moves both alike, and
// the reported "ratio" (fake time over baseline time) is measured within
// one run. "fake-ns/op" and "base-ns/op" are the two times.

// pairedTimes accumulates the two sides' times.
type pairedTimes struct{ fake, base atomic.Int64 }

// once times one iteration: both sides, the fake first on even i.
func (p *pairedTimes) once(i int64, fake, base func()) {
	sides := [2]func(){fake, base}
	totals := [2]*atomic.Int64{&p.fake, &p.base}
	first := int(i & 1)
	for k := range 2 {
		side := (first + k) % 2
		start := time.Now()
		sides[side]()
		totals[side].Add(int64(time.Since(start)))
	}
}

func (p *pairedTimes) report(b *testing.B, n int64) {
	f, base := float64(p.fake.Load()), float64(p.base.Load())
	b.ReportMetric(f/float64(n), "fake-ns/op")
	b.ReportMetric(base/float64(n), "base-ns/op")
	b.ReportMetric(f/base, "ratio")
}

// benchPaired runs fake and base side by side, serially; reset, if set,
// runs every resetEvery iterations.
func benchPaired(b *testing.B, fake, base func(), reset func()) {
	var p pairedTimes
	var n int64
	for b.Loop() {
		p.once(n, fake, base)
		if n++; reset != nil && n%resetEvery == 0 {
			reset()
		}
	}
	p.report(b, n)
}

// benchPairedParallel is benchPaired from GOMAXPROCS goroutines at once.
func benchPairedParallel(b *testing.B, fake, base func(), reset func()) {
	var p pairedTimes
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			p.once(i, fake, base)
			if reset != nil && i%resetEvery == 0 {
				reset()
			}
		}
	})
	p.report(b, n.Load())
}

// resetEvery keeps the fake's state the size a test's is: every that many
// creates, the fake forgets its live inputs. Without it a benchmark of
// 100,000 creates measures a fake holding 100,000 inputs, and mostly the
// garbage collector scanning them.
const resetEvery = 1000

// createPair starts a fake and a bare server answering the fake's bytes.
func createPair(b *testing.B) (f *Fake, fakeURL string, bare *httptest.Server, bareURL string) {
	f = New(WithLogLimit(resetEvery))
	bare = httptest.NewServer(bareHandler(cannedResponse(b)))
	b.Cleanup(func() { f.Close(); bare.Close() })
	return f, f.URL() + createPath(DefaultAccountID), bare, bare.URL + "/client/v4" + createPath(DefaultAccountID)
}

// BenchmarkCreateHTTP: create over a real loopback connection.
func BenchmarkCreateHTTP(b *testing.B) {
	f, fakeURL, bare, bareURL := createPair(b)
	benchPaired(b, func() { post(b, f.Client(), fakeURL) }, func() { post(b, bare.Client(), bareURL) }, f.Reset)
}

// BenchmarkCreateHTTPParallel: the same, from GOMAXPROCS clients at once.
func BenchmarkCreateHTTPParallel(b *testing.B) {
	f, fakeURL, bare, bareURL := createPair(b)
	for _, c := range []*http.Client{f.Client(), bare.Client()} {
		c.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	}
	benchPairedParallel(b, func() { post(b, f.Client(), fakeURL) }, func() { post(b, bare.Client(), bareURL) }, f.Reset)
}

// BenchmarkCreateInProcess: create through the handler, with no network.
func BenchmarkCreateInProcess(b *testing.B) {
	f := New(WithLogLimit(resetEvery))
	defer f.Close()
	bare := bareHandler(cannedResponse(b))
	benchPaired(b, func() { serveCreate(b, f.Handler()) }, func() { serveCreate(b, bare) }, f.Reset)
}

// BenchmarkCreateAllocs: a create through the handler, the fake alone, for
// its allocations (-benchmem's allocs/op, the harness included).
func BenchmarkCreateAllocs(b *testing.B) {
	f := New(WithLogLimit(resetEvery))
	defer f.Close()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		if n++; n%resetEvery == 0 {
			f.Reset()
		}
		serveCreate(b, f.Handler())
	}
}

func serveCreate(b *testing.B, h http.Handler) {
	req := httptest.NewRequest("POST", "/client/v4"+createPath(DefaultAccountID), bytes.NewReader(benchBody))
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

// BenchmarkStartup: start a server, serve one create, close.
func BenchmarkStartup(b *testing.B) {
	canned := cannedResponse(b)
	benchPaired(b, func() {
		f := New()
		post(b, f.Client(), f.URL()+createPath(DefaultAccountID))
		f.Close()
	}, func() {
		srv := httptest.NewServer(bareHandler(canned))
		post(b, srv.Client(), srv.URL+createPath(DefaultAccountID))
		srv.Close()
	}, nil)
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
	srv := httptest.NewServer(bareHandler(get(b, f.Client(), url)))
	defer srv.Close()
	bareURL := srv.URL + "/client/v4" + createPath(DefaultAccountID)
	benchPaired(b, func() { get(b, f.Client(), url) }, func() { get(b, srv.Client(), bareURL) }, nil)
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
