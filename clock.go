package streamfake

import (
	"fmt"
	"sync"
	"time"
)

// The fake's times stay within what RFC 3339, and so every response, the
// state file and encoding/json, can write (four-digit years), and off the
// zero time, which LiveInput and Video read as "not set". A clock that
// reads outside (a ClockFunc returning time.Time{}, a ManualClock moved
// past year 9999) is read as the nearest of these.
var (
	earliestTime = time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)
	latestTime   = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// clampTime returns the time nearest t within [earliestTime, latestTime].
func clampTime(t time.Time) time.Time {
	switch {
	case t.Before(earliestTime):
		return earliestTime
	case t.After(latestTime):
		return latestTime
	}
	return t
}

// checkTimeInRange refuses, for the admin API and the binary's flags, a
// time the fake would not read as itself.
func checkTimeInRange(t time.Time) error {
	if t.Before(earliestTime) || t.After(latestTime) {
		return fmt.Errorf("%s is outside the times the fake can write (%s to %s)", t.UTC().Format(time.RFC3339Nano), earliestTime.Format(time.RFC3339Nano), latestTime.Format(time.RFC3339Nano))
	}
	return nil
}

// Clock is where the fake reads the time: created and modified, status
// timestamps, the request log, and every timed transition. Give one with
// WithClock.
type Clock interface {
	Now() time.Time
}

// ClockFunc makes a function a Clock: WithClock(streamfake.ClockFunc(time.Now)).
type ClockFunc func() time.Time

// Now calls the function.
func (f ClockFunc) Now() time.Time { return f() }

// ManualClock is a Clock that moves only when a test moves it, with Advance
// or Set. Fakes using it run the transitions that fall due (a recording
// that finishes, a webhook retry) inside those calls, so a test never
// sleeps and never races a timer. It is safe for concurrent use, and one
// clock may drive several fakes.
type ManualClock struct {
	mu       sync.Mutex
	now      time.Time
	watchers map[*Fake]struct{}
}

// NewManualClock returns a clock that reads start until it is moved.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start, watchers: map[*Fake]struct{}{}}
}

// Now reports the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (back, if d is negative), runs what
// fell due in the fakes that use it, and returns the new time.
func (c *ManualClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now := c.now
	c.mu.Unlock()
	c.notify()
	return now
}

// Set moves the clock to t, and runs what fell due in the fakes that use it.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
	c.notify()
}

// notify tells every fake using the clock that time moved. It runs
// outside the clock's lock, so a fake may read the clock meanwhile.
func (c *ManualClock) notify() {
	c.mu.Lock()
	fakes := make([]*Fake, 0, len(c.watchers))
	for f := range c.watchers {
		fakes = append(fakes, f)
	}
	c.mu.Unlock()
	for _, f := range fakes {
		f.clockMoved()
	}
}

func (c *ManualClock) watch(f *Fake) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watchers[f] = struct{}{}
}

func (c *ManualClock) unwatch(f *Fake) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.watchers, f)
}

// clockMoved runs what the clock's new time made due: broadcast sessions
// that end, webhook retries that fall due.
func (f *Fake) clockMoved() {
	f.catchUp()
	f.webhooks.poke()
}
