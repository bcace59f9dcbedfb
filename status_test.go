package streamfake

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/streamfake/streamfake/schema"
	"github.com/xeipuuv/gojsonschema"
	"pgregory.net/rapid"
)

// statusOf reads a live input's status as the API answers it.
func statusOf(t fataler, f *Fake, uid string) any {
	t.Helper()
	return do(t, f, "GET", inputPath(accountA, uid), "", bearer).result(t)["status"]
}

// TestStatusTransitions: the documented state for each reason, the
// history newest first and bounded, and timestamps with milliseconds on the
// fake's clock; statusLastSeen follows the clock while connected.
func TestStatusTransitions(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 4, 5, 6, 7, 891_234_000, time.UTC)
	c := NewManualClock(start)
	f := startFake(t, WithClock(c))
	uid := create(t, f, `{}`)["uid"].(string)
	if got := statusOf(t, f, uid); got != nil {
		t.Fatalf("a fresh input's status is %v, want null", got)
	}
	want := map[Status]string{
		StatusConnected: "connected", StatusReconnected: "connected", StatusNewConfigurationAccepted: "connected",
		StatusReconnecting: "disconnected", StatusClientDisconnect: "disconnected", StatusTTLExceeded: "disconnected",
		StatusFailedToConnect: "disconnected", StatusFailedToReconnect: "disconnected",
	}
	for reason, state := range want {
		if reason.State() != state {
			t.Errorf("%s.State() = %q, want %q", reason, reason.State(), state)
		}
	}
	if err := f.SetStatus(accountA, uid, StatusConnected); err != nil {
		t.Fatal(err)
	}
	c.Advance(90 * time.Second)
	got := statusOf(t, f, uid).(map[string]any)
	current := got["current"].(map[string]any)
	if current["statusEnteredAt"] != "2026-03-04T05:06:07.891Z" || current["statusLastSeen"] != "2026-03-04T05:07:37.891Z" || current["state"] != "connected" {
		t.Errorf("connected for 90s: %v", got)
	}
	c.Advance(10 * time.Second)
	f.SetStatus(accountA, uid, StatusClientDisconnect)
	c.Advance(time.Minute)
	got = statusOf(t, f, uid).(map[string]any)
	current = got["current"].(map[string]any)
	history := got["history"].([]any)
	if current["state"] != "disconnected" || current["reason"] != "client_disconnect" || current["statusEnteredAt"] != "2026-03-04T05:07:47.891Z" ||
		current["statusLastSeen"] != "2026-03-04T05:07:47.891Z" || len(history) != 1 ||
		history[0].(map[string]any)["statusLastSeen"] != "2026-03-04T05:07:47.891Z" || history[0].(map[string]any)["reason"] != "connected" {
		t.Errorf("after a disconnect: %v", got)
	}
	// The history keeps the MaxStatusHistory most recent, newest first.
	reasons := []Status{StatusReconnected, StatusReconnecting}
	for i := range 2 * MaxStatusHistory {
		c.Advance(time.Second)
		f.SetStatus(accountA, uid, reasons[i%2])
	}
	in, _ := f.LiveInput(accountA, uid)
	if len(in.Status.History) != MaxStatusHistory || !in.Status.History[0].EnteredAt.After(in.Status.History[1].EnteredAt) ||
		in.Status.History[0].LastSeen != in.Status.Current.EnteredAt {
		t.Errorf("history: %+v", in.Status.History)
	}
	f.SetStatus(accountA, uid, StatusNone)
	if got := statusOf(t, f, uid); got != nil {
		t.Errorf("StatusNone: %v", got)
	}
}

// TestStatusString: with WithStatusForm(StatusString) the status is the
// spec's string, the current reason.
func TestStatusString(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithStatusForm(StatusString))
	uid := create(t, f, `{}`)["uid"].(string)
	if got := statusOf(t, f, uid); got != nil {
		t.Errorf("fresh: %v", got)
	}
	f.SetStatus(accountA, uid, StatusConnected)
	f.SetStatus(accountA, uid, StatusReconnected)
	if got := statusOf(t, f, uid); got != "reconnected" {
		t.Errorf("after two transitions: %v", got)
	}
	if _, err := Start(WithStatusForm(7)); err == nil {
		t.Errorf("an unknown form was accepted")
	}
}

// TestStatusRoundTripsThroughTheStateFile, in both forms: a restarted fake
// answers the same bytes; and a state file of an earlier version, with the
// status as a bare string, still loads.
func TestStatusRoundTripsThroughTheStateFile(t *testing.T) {
	t.Parallel()
	for _, form := range []StatusForm{StatusObject, StatusString} {
		path := filepath.Join(t.TempDir(), "state.json")
		c := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		f := New(WithClock(c), WithStateFile(path), WithStatusForm(form))
		uid := create(t, f, `{}`)["uid"].(string)
		for _, s := range []Status{StatusConnected, StatusReconnecting, StatusReconnected} {
			c.Advance(time.Second)
			f.SetStatus(accountA, uid, s)
		}
		before := do(t, f, "GET", inputPath(accountA, uid), "", bearer).raw
		f.Close()
		if err := f.SaveState(); err != nil {
			t.Fatal(err)
		}
		g := startFake(t, WithClock(c), WithStateFile(path), WithStatusForm(form))
		if after := do(t, g, "GET", inputPath(accountA, uid), "", bearer).raw; string(after) != string(before) {
			t.Errorf("form %d: before the restart\n%s\nafter\n%s", form, before, after)
		}
	}
	path := filepath.Join(t.TempDir(), "state.json")
	legacy := `{"accounts":[{"id":"` + accountA + `","liveInputs":[{"uid":"0123456789abcdef0123456789abcdef","created":"2026-01-02T03:04:05Z","modified":"2026-01-02T03:04:05Z","enabled":true,"recording":{"mode":"off"},"status":"connected","secrets":{"rtmps":"0123456789abcdef0123456789abcdef","rtmpsPlayback":"0123456789abcdef0123456789abcdef","srt":"0123456789abcdef0123456789abcdef","srtPlayback":"0123456789abcdef0123456789abcdef","webRTC":"0123456789abcdef0123456789abcdef"}},{"uid":"1123456789abcdef0123456789abcdef","created":"2026-01-02T03:04:05Z","modified":"2026-01-02T03:04:05Z","enabled":true,"recording":{"mode":"off"},"status":"","secrets":{"rtmps":"0123456789abcdef0123456789abcdef","rtmpsPlayback":"0123456789abcdef0123456789abcdef","srt":"0123456789abcdef0123456789abcdef","srtPlayback":"0123456789abcdef0123456789abcdef","webRTC":"0123456789abcdef0123456789abcdef"}}]}],"idDraws":0}`
	os.WriteFile(path, []byte(legacy), 0o644)
	g := startFake(t, WithStateFile(path))
	connected, _ := g.LiveInput(accountA, "0123456789abcdef0123456789abcdef")
	fresh, _ := g.LiveInput(accountA, "1123456789abcdef0123456789abcdef")
	if connected.Reason() != StatusConnected || connected.Status.Current.State != StateConnected || connected.Status.Current.EnteredAt.IsZero() || fresh.Status != nil {
		t.Errorf("legacy statuses: %+v, %+v", connected.Status, fresh.Status)
	}
}

var statusTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// TestEveryStatusHasTheDocumentedShape: whatever sequence of transitions,
// the status parses as null or {current, history} with a documented
// state and reason pair, millisecond timestamps, lastSeen never before
// enteredAt, and a bounded history, newest first.
func TestEveryStatusHasTheDocumentedShape(t *testing.T) {
	t.Parallel()
	reasons := []Status{StatusNone, StatusConnected, StatusReconnected, StatusReconnecting, StatusClientDisconnect,
		StatusTTLExceeded, StatusFailedToConnect, StatusFailedToReconnect, StatusNewConfigurationAccepted}
	rapid.Check(t, func(t *rapid.T) {
		c := NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		f := New(WithClock(c))
		defer f.Close()
		uid := create(t, f, `{}`)["uid"].(string)
		for range rapid.IntRange(1, 30).Draw(t, "steps") {
			c.Advance(time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, "wait")))
			f.SetStatus(accountA, uid, rapid.SampledFrom(reasons).Draw(t, "reason"))
			raw, _ := json.Marshal(statusOf(t, f, uid))
			if string(raw) == "null" {
				continue
			}
			var s struct {
				Current struct {
					Reason, State                   string
					StatusEnteredAt, StatusLastSeen string
				}
				History []struct {
					Reason, State                   string
					StatusEnteredAt, StatusLastSeen string
				}
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&s); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			entries := append([]struct {
				Reason, State                   string
				StatusEnteredAt, StatusLastSeen string
			}{s.Current}, s.History...)
			for i, e := range entries {
				if !slices.Contains(reasons[1:], Status(e.Reason)) || e.State != Status(e.Reason).State() ||
					!statusTimestamp.MatchString(e.StatusEnteredAt) || !statusTimestamp.MatchString(e.StatusLastSeen) || e.StatusLastSeen < e.StatusEnteredAt {
					t.Fatalf("entry %d of %s", i, raw)
				}
				if i > 0 && e.StatusEnteredAt > entries[i-1].StatusEnteredAt {
					t.Fatalf("history not newest first: %s", raw)
				}
			}
			if len(s.History) > MaxStatusHistory {
				t.Fatalf("%d history entries", len(s.History))
			}
		}
	})
}

// TestStatusResponsesMatchOurSchema: in both forms, connected or not, a
// live input validates against schema/live_input_response.json.
func TestStatusResponsesMatchOurSchema(t *testing.T) {
	t.Parallel()
	s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(schema.Read(schema.LiveInputResponse)))
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []StatusForm{StatusObject, StatusString} {
		f := startFake(t, WithStatusForm(form))
		uid := create(t, f, `{}`)["uid"].(string)
		for _, reason := range []Status{StatusNone, StatusConnected, StatusClientDisconnect, StatusReconnected} {
			f.SetStatus(accountA, uid, reason)
			raw := do(t, f, "GET", inputPath(accountA, uid), "", bearer).raw
			if res, err := s.Validate(gojsonschema.NewBytesLoader(raw)); err != nil || !res.Valid() {
				t.Errorf("form %d, %s: %v %v\n%s", form, reason, err, res.Errors(), raw)
			}
		}
	}
}
