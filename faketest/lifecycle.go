package faketest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/streamfake/streamfake"
)

// AssertDelivered waits up to timeout for a delivery of event about the
// live input inputID that the test's endpoint accepted (a 2xx answer) and
// that carried the live-notification secret or the Stream webhook's
// signature, and returns it. It fails the test, listing every attempt,
// if none comes: attempts that the endpoint refused, that found no
// endpoint, or that carried no secret (none was configured) do not count,
// since a handler that takes those would take anyone's.
func AssertDelivered(t TB, f *streamfake.Fake, event streamfake.EventType, inputID string, timeout time.Duration) streamfake.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	got, err := f.WaitForDeliveries(ctx, 1, func(d streamfake.Delivery) bool {
		return d.Event == event && d.Input == inputID && d.Succeeded() && d.Authenticated
	})
	if err != nil {
		t.Fatalf("waited %v for an accepted, authenticated %s delivery for live input %s (%v)\n%s", timeout, event, inputID, err, dumpDeliveries(f.Deliveries()))
	}
	return got[0]
}

// AssertRecording fails the test unless the live input inputID of the
// account has a recording (a video whose liveInput is inputID) in the given
// state, or in any state for "", and returns the newest such. The fake runs
// what the clock made due before it answers, so no wait is needed.
func AssertRecording(t TB, f *streamfake.Fake, accountID, inputID string, state streamfake.VideoState) streamfake.Video {
	t.Helper()
	videos := f.Videos(accountID)
	for i := len(videos) - 1; i >= 0; i-- {
		if v := videos[i]; v.LiveInput == inputID && (state == "" || v.State == state) {
			return v
		}
	}
	want := "any state"
	if state != "" {
		want = "state " + string(state)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "no recording of live input %s in %s; the account's videos:", inputID, want)
	if len(videos) == 0 {
		b.WriteString(" none")
	}
	for _, v := range videos {
		fmt.Fprintf(&b, "\n  %s of input %s: %s, %gs", v.UID, v.LiveInput, v.State, v.Duration)
	}
	t.Errorf("%s", b.String())
	return streamfake.Video{}
}

// dumpDeliveries describes delivery attempts for a failure message.
func dumpDeliveries(log []streamfake.Delivery) string {
	var b strings.Builder
	b.WriteString("delivery log:")
	if len(log) == 0 {
		b.WriteString(" empty")
	}
	for _, d := range log {
		fmt.Fprintf(&b, "\n  #%d %s for input %s, attempt %d, to %s -> ", d.Seq, d.Event, d.Input, d.Attempt, d.URL)
		if d.Error != "" {
			fmt.Fprintf(&b, "no answer (%s)", d.Error)
		} else {
			fmt.Fprintf(&b, "%d", d.Status)
		}
		if !d.Authenticated {
			b.WriteString(", without a secret or signature")
		}
	}
	return b.String()
}
