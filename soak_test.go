package streamfake

import (
	"bufio"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestSoak drives STREAMFAKE_SOAK creates (each followed by a delete, so
// the state stays small) through a fake with the standalone server's log
// limit, and logs resident memory and heap as it goes. It is a measurement
// for the README, not a check CI runs:
//
//	STREAMFAKE_SOAK=1000000 go test -run TestSoak -v -timeout 30m .
func TestSoak(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("STREAMFAKE_SOAK"))
	if n <= 0 {
		t.Skip("set STREAMFAKE_SOAK=<creates> to run the soak")
	}
	f := New(WithLogLimit(10000))
	defer f.Close()
	target := inputsPath(accountA)
	every := max(n/10, 1)
	for i := 1; i <= n; i++ {
		rec := serveRecorded(f, "POST", target, `{"meta":{"name":"soak"},"recording":{"mode":"automatic"}}`, bearer)
		if rec.Code != 200 {
			t.Fatalf("create %d: %d %s", i, rec.Code, rec.Body)
		}
		uid := rec.Body.String()[strings.Index(rec.Body.String(), `"uid":"`)+7:][:32]
		req := httptest.NewRequest("DELETE", target+"/"+uid, nil)
		req.Header.Set("Authorization", bearer["Authorization"])
		f.ServeHTTP(httptest.NewRecorder(), req)
		if i%every == 0 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			t.Logf("%8d creates: RSS %6.1f MiB, heap %6.1f MiB, log %d entries, %d dropped",
				i, float64(rssBytes())/(1<<20), float64(m.HeapAlloc)/(1<<20), len(f.Requests()), f.Dropped())
		}
	}
}

// rssBytes reads the resident set size from /proc (Linux only; 0 elsewhere).
func rssBytes() int64 {
	file, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer file.Close()
	s := bufio.NewScanner(file)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
