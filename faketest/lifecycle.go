package faketest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/streamfake/streamfake"
)

// AssertDelivered checks the latest delivery of event about the live
// input inputID: it waits up to timeout while that delivery is queued or
// being retried, then passes if one of its attempts was accepted by the
// test's endpoint (a 2xx answer; a redirect is not one) and carried the
// live-notification secret or the Stream webhook's signature, and returns
// that attempt. It fails the test, listing every attempt, otherwise:
// attempts the endpoint refused, that found no endpoint, or that carried
// no secret (none was configured) do not count, and an earlier delivery
// of the same event does not stand in for the latest. It checks what the
// endpoint answered; whether an app refuses deliveries without the secret
// is for NewWebhookRequest to test.
func AssertDelivered(t TB, f *streamfake.Fake, event streamfake.EventType, inputID string, timeout time.Duration) streamfake.Delivery {
	t.Helper()
	about := func(d streamfake.Delivery) bool { return d.Event == event && d.Input == inputID }
	deadline := time.Now().Add(timeout)
	for {
		// The queue first: an attempt is logged before it leaves the
		// queue, so no attempt falls between the two reads.
		pending := slices.ContainsFunc(f.PendingDeliveries(), about)
		log := f.Deliveries()
		latest := latestOccurrence(log, about)
		if !pending && latest != nil {
			for _, d := range latest {
				if d.Succeeded() && d.Authenticated {
					return d
				}
			}
			t.Fatalf("the latest %s delivery for live input %s was not accepted with a secret or signature\n%s", event, inputID, dumpDeliveries(log))
			return streamfake.Delivery{}
		}
		if !time.Now().Before(deadline) {
			state := "none was made"
			if pending {
				state = "one is still queued or being retried"
			}
			t.Fatalf("waited %v for an accepted, authenticated %s delivery for live input %s: %s\n%s", timeout, event, inputID, state, dumpDeliveries(log))
			return streamfake.Delivery{}
		}
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		f.WaitForDeliveries(ctx, len(log)+1, nil) // the next attempt of any delivery
		cancel()
	}
}

// latestOccurrence returns the attempts of the latest delivery that about
// selects: the run of its attempts that starts with the last first
// attempt. A delivery's attempts are consecutive in the log, since the
// fake retries one delivery before it makes the next.
func latestOccurrence(log []streamfake.Delivery, about func(streamfake.Delivery) bool) []streamfake.Delivery {
	var latest []streamfake.Delivery
	for _, d := range log {
		if !about(d) {
			continue
		}
		if d.Attempt == 1 {
			latest = nil
		}
		latest = append(latest, d)
	}
	return latest
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
