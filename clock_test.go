package streamfake

import (
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
