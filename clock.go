package streamfake

import (
	"sync"
	"time"
)

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
