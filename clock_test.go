package streamfake

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestManualClock(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := NewManualClock(t0)
	f := startFake(t, WithClock(c))
	first := create(t, f, `{}`)
	if first["created"] != "2026-01-02T03:04:05.000000Z" {
		t.Errorf("created %v, want the clock's start", first["created"])
	}
	if got := c.Advance(90 * time.Second); !got.Equal(t0.Add(90 * time.Second)) {
		t.Errorf("Advance returned %v", got)
	}
	if second := create(t, f, `{}`); second["created"] != "2026-01-02T03:05:35.000000Z" {
		t.Errorf("after Advance, created %v", second["created"])
	}
	c.Set(t0.Add(-time.Hour))
	if got := f.now(); !got.Equal(t0.Add(-time.Hour)) {
		t.Errorf("after Set, the fake reads %v", got)
	}
	// Safe for concurrent use: readers, movers and a fake serving at once.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(3)
		go func() { defer wg.Done(); c.Advance(time.Second) }()
		go func() { defer wg.Done(); c.Now() }()
		go func() { defer wg.Done(); create(t, f, `{}`) }()
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(t0.Add(-time.Hour + 8*time.Second)) {
		t.Errorf("after 8 concurrent one-second advances: %v", got)
	}
	// A closed fake stops listening to the clock.
	f.Close()
	c.mu.Lock()
	_, watched := c.watchers[f]
	c.mu.Unlock()
	if watched {
		t.Errorf("a closed fake still watches the clock")
	}
}

// TestTimesStayWritable: whatever a clock reads, the fake's times are ones
// RFC 3339 and encoding/json can write and that do not read as unset.
// Before, a clock at time.Time{} gave inputs a zero created time that the
// fake's own state file then refused, and a clock past year 9999 gave
// timestamps no client could parse and a state file that failed to save.
func TestTimesStayWritable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		clock Clock
		want  string
	}{
		{"zero", ClockFunc(func() time.Time { return time.Time{} }), "0001-01-01T00:00:00.000001Z"},
		{"year 20000", ClockFunc(func() time.Time { return time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC) }), "9999-12-31T23:59:59.999999Z"},
	} {
		path := t.TempDir() + "/state.json"
		f := startFake(t, WithClock(c.clock), WithStateFile(path))
		in := create(t, f, `{"recording":{"mode":"automatic"},"deleteRecordingAfterDays":1096}`)
		if in["created"] != c.want || in["modified"] != c.want {
			t.Errorf("%s clock: created %v, modified %v; want %s", c.name, in["created"], in["modified"], c.want)
		}
		uid := in["uid"].(string)
		f.Connect(accountA, uid, ProtocolRTMPS)
		f.Disconnect(accountA, uid)
		if err := f.SaveState(); err != nil {
			t.Errorf("%s clock: SaveState: %v", c.name, err)
		}
		g, err := Start(WithClock(c.clock), WithStateFile(path))
		if err != nil {
			t.Errorf("%s clock: the state file does not load: %v", c.name, err)
		} else {
			g.Close()
		}
	}

	// The admin API will not move a manual clock out of range.
	mc := NewManualClock(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	f := startFake(t, WithClock(mc))
	for _, body := range []string{`{"advance":"24h"}`, `{"set":"0000-06-01T00:00:00Z"}`} {
		if status, out := admin(t, f, "POST", "clock", body); status != 400 || !strings.Contains(out, "outside") {
			t.Errorf("POST /clock %s: %d %s", body, status, out)
		}
	}
	if !mc.Now().Equal(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a refused move moved the clock to %v", mc.Now())
	}
	if status, out := admin(t, f, "POST", "clock", `{"advance":"1h"}`); status != 200 {
		t.Errorf("a move in range: %d %s", status, out)
	}
}
