package cloudflarego

import (
	"context"
	"slices"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/stream"
	"github.com/streamfake/streamfake"
)

// TestSDKRetriesRateLimits: two 429s with Retry-After: 0, then success.
// The SDK's default of two retries is enough, and it never sleeps.
func TestSDKRetriesRateLimits(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	f.MustAddFault(streamfake.FaultRule{
		Match:  streamfake.FaultMatch{Operation: streamfake.OpCreate},
		Action: streamfake.RateLimited().WithRetryAfter(0),
		Times:  2,
	})
	client := newSDKClient(t, f, option.WithMaxRetries(2))
	if _, err := client.Stream.LiveInputs.New(context.Background(), stream.LiveInputNewParams{AccountID: account}); err != nil {
		t.Fatalf("the SDK gave up: %v", err)
	}
	var counts []string
	var statuses []int
	for _, r := range f.RequestsFor(streamfake.OpCreate) {
		counts = append(counts, r.Header.Get("X-Stainless-Retry-Count"))
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(counts, []string{"0", "1", "2"}) || !slices.Equal(statuses, []int{429, 429, 200}) {
		t.Errorf("retry counts %v, statuses %v; want 0 1 2 and 429 429 200", counts, statuses)
	}
}

// TestSDKDuplicatesACreateWhoseResponseIsLost: the connection resets after
// the fake created the input. The SDK cannot know, retries, and the account
// ends up with two inputs. This is why faults have a phase.
func TestSDKDuplicatesACreateWhoseResponseIsLost(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	f.MustAddFault(streamfake.FaultRule{
		Match:  streamfake.FaultMatch{Operation: streamfake.OpCreate},
		Action: streamfake.ResetConnection(),
		Phase:  streamfake.AfterHandler,
		Times:  1,
	})
	client := newSDKClient(t, f, option.WithMaxRetries(2))
	in, err := client.Stream.LiveInputs.New(context.Background(), stream.LiveInputNewParams{AccountID: account})
	if err != nil {
		t.Fatalf("the SDK did not retry the reset: %v", err)
	}
	inputs := f.LiveInputs(streamfake.DefaultAccountID)
	if len(inputs) != 2 || inputs[1].UID != in.UID {
		t.Fatalf("the fake holds %d inputs; want 2, the second the one the SDK saw", len(inputs))
	}
	log := f.RequestsFor(streamfake.OpCreate)
	if len(log) != 2 || log[0].Status != 0 || len(log[0].Faults) != 1 || log[0].Faults[0].Phase != streamfake.AfterHandler {
		t.Errorf("log: %v", log)
	}
}
