package cloudflarego

import (
	"context"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/stream"
	"github.com/streamfake/streamfake"
)

// The official SDK, pointed at the fake.
func Example() {
	f := streamfake.New()
	defer f.Close()
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
		panic(err)
	}
	fmt.Println(in.Meta, in.Recording.Mode, in.Srt.StreamID == in.UID)
	fmt.Println(len(f.RequestsFor(streamfake.OpCreate)), "create sent")
	// Output:
	// map[name:test stream 1] off true
	// 1 create sent
}
