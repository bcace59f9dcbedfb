package streamfake

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestLogRecordsEveryField of a request and its response.
func TestLogRecordsEveryField(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithClock(ClockFunc(func() time.Time { return t0 })))
	body := `{"meta":{"name":"x"},"recording":{"mode":"bad"}}`
	r := do(t, f, "POST", inputsPath(accountA)+"?trace=1", body, map[string]string{
		"Authorization": "Bearer " + DefaultToken, "Content-Type": "application/json", "X-Stainless-Retry-Count": "0",
	})
	log := f.Requests()
	if len(log) != 1 {
		t.Fatalf("%d entries", len(log))
	}
	e := log[0]
	want := Request{
		Seq: 1, Time: t0.Truncate(time.Microsecond), Method: "POST", Path: inputsPath(accountA), RawQuery: "trace=1",
		Operation: OpCreate, Account: accountA, Body: []byte(body), BodySize: int64(len(body)),
		DecodedBody:  map[string]any{"meta": map[string]any{"name": "x"}, "recording": map[string]any{"mode": "bad"}},
		Status:       400,
		ResponseBody: r.raw,
		ResponseSize: int64(len(r.raw)),
		ErrorCodes:   []int{CodeInvalidField},
	}
	if diff := cmp.Diff(want, e, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Header" }, cmp.Ignore())); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if e.Header.Get("X-Stainless-Retry-Count") != "0" || e.Header.Get("Authorization") != "Bearer "+DefaultToken {
		t.Errorf("headers not kept as sent: %v", e.Header)
	}
	if !e.Matched() {
		t.Errorf("a create is not Matched")
	}
}

// TestRequestsReturnsCopies: changing what Requests returned changes nothing.
func TestRequestsReturnsCopies(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	create(t, f, `{"meta":{"name":"x"}}`)
	first := f.Requests()
	first[0].Body[0] = 'X'
	first[0].Header.Set("Authorization", "changed")
	first[0].ResponseBody[0] = 'X'
	first[0].DecodedBody.(map[string]any)["meta"] = nil
	second := f.Requests()
	if second[0].Body[0] != '{' || second[0].Header.Get("Authorization") == "changed" || second[0].ResponseBody[0] != '{' ||
		second[0].DecodedBody.(map[string]any)["meta"] == nil {
		t.Errorf("a change to a returned entry reached the log: %+v", second[0])
	}
}

// TestCredentialsAreRedactedWhenPrinted, in String and RedactedHeader.
func TestCredentialsAreRedactedWhenPrinted(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	do(t, f, "GET", inputsPath(accountA), "", bearer)
	do(t, f, "GET", inputsPath(accountA), "", legacy)
	do(t, f, "GET", inputsPath(accountA), "", map[string]string{"X-Auth-User-Service-Key": "v1.0-secret-service-key"})
	for _, r := range f.Requests() {
		s := r.String()
		for _, secret := range []string{DefaultToken, DefaultAPIKey, "secret-service-key"} {
			if strings.Contains(s, secret) || strings.Contains(strings.Join(slices.Concat(r.RedactedHeader()["Authorization"], r.RedactedHeader()["X-Auth-Key"]), ""), secret) {
				t.Errorf("printed entry shows a credential:\n%s", s)
			}
		}
		if !strings.Contains(s, "REDACTED") {
			t.Errorf("printed entry does not say what was redacted:\n%s", s)
		}
	}
	if got := f.Requests()[0].RedactedHeader().Get("Authorization"); got != "Bearer REDACTED" {
		t.Errorf("Authorization printed as %q, want the scheme kept", got)
	}
	if got := f.Requests()[1].RedactedHeader().Get("X-Auth-Email"); got != DefaultEmail {
		t.Errorf("X-Auth-Email printed as %q; it is not a secret", got)
	}
}

func TestRequestsForAndClear(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	create(t, f, `{}`)
	do(t, f, "GET", inputsPath(accountA), "", bearer)
	create(t, f, `{}`)
	if got := f.RequestsFor(OpCreate); len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 3 {
		t.Errorf("RequestsFor(create) = %v", got)
	}
	f.ClearRequests()
	if got := f.Requests(); len(got) != 0 {
		t.Errorf("%d entries after ClearRequests", len(got))
	}
	create(t, f, `{}`)
	if got := f.Requests(); len(got) != 1 || got[0].Seq != 4 {
		t.Errorf("after a clear, entries = %v; want seq to keep counting", got)
	}
}

func TestLogLimitKeepsTheMostRecent(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithLogLimit(3))
	for range 5 {
		create(t, f, `{}`)
	}
	var seqs []int64
	for _, r := range f.Requests() {
		seqs = append(seqs, r.Seq)
	}
	if !slices.Equal(seqs, []int64{3, 4, 5}) || f.Dropped() != 2 {
		t.Errorf("seqs %v, dropped %d; want [3 4 5] and 2", seqs, f.Dropped())
	}
}

func TestWaitForRequests(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	go func() {
		for range 3 {
			req, _ := http.NewRequest("POST", f.URL()+"/accounts/"+accountA+"/stream/live_inputs", strings.NewReader(`{}`))
			req.Header.Set("Authorization", "Bearer "+DefaultToken)
			if resp, err := f.Client().Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := f.WaitForRequests(ctx, 3, func(r Request) bool { return r.Operation == OpCreate })
	if err != nil || len(got) != 3 {
		t.Fatalf("got %d requests, err %v", len(got), err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if got, err := f.WaitForRequests(short, 4, nil); err != context.DeadlineExceeded || len(got) != 3 {
		t.Errorf("waiting for a 4th: %d requests, err %v; want 3 and DeadlineExceeded", len(got), err)
	}
	f.Close()
	if _, err := f.WaitForRequests(context.Background(), 4, nil); err != ErrClosed {
		t.Errorf("after Close: err %v, want ErrClosed", err)
	}
}

func TestDecodedBodyKeepsNumbersExact(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	create(t, f, `{"meta":{"n":1.50}}`)
	n := f.Requests()[0].DecodedBody.(map[string]any)["meta"].(map[string]any)["n"]
	if n != json.Number("1.50") {
		t.Errorf("decoded number = %#v, want json.Number(\"1.50\")", n)
	}
}
