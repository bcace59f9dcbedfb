package cloudflarego_test

import (
	"context"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/stream"
	"github.com/streamfake/streamfake"
	"github.com/streamfake/streamfake/faketest"
)

func TestCreatesALiveInput(t *testing.T) {
	f := faketest.New(t) // closed, and checked, when the test ends
	client := cloudflare.NewClient(
		option.WithBaseURL(f.URL()),
		option.WithAPIToken(streamfake.DefaultToken),
		option.WithHTTPClient(f.Client()),
	)
	in, err := client.Stream.LiveInputs.New(context.Background(), stream.LiveInputNewParams{
		AccountID: cloudflare.F(streamfake.DefaultAccountID),
		Meta:      cloudflare.F[any](map[string]any{"name": "test stream 1"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.LiveInputs(streamfake.DefaultAccountID); len(got) != 1 || got[0].UID != in.UID {
		t.Errorf("fake holds %v, want the input the SDK created", got)
	}
	faketest.AssertBodies(t, f, streamfake.OpCreate, []any{
		map[string]any{"meta": map[string]any{"name": "test stream 1"}},
	})
}
