package cloudflarego

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7/stream"
	"github.com/streamfake/streamfake"
)

// TestSDKStatusOfAConnectedInput shows what Cloudflare, and so the fake,
// answers for a connected input's status: an object, not the string the
// SDK's LiveInput.Status is typed as. Code that compares in.Status with
// "connected" can never be true; read the state from the raw JSON instead.
func TestSDKStatusOfAConnectedInput(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	client := newSDKClient(t, f)
	ctx := context.Background()
	in, err := client.Stream.LiveInputs.New(ctx, stream.LiveInputNewParams{AccountID: account})
	if err != nil {
		t.Fatal(err)
	}
	if in.Status != "" || !in.JSON.Status.IsNull() {
		t.Fatalf("a fresh input's status is %q, want null", in.Status)
	}
	if err := f.SetStatus(streamfake.DefaultAccountID, in.UID, streamfake.StatusConnected); err != nil {
		t.Fatal(err)
	}
	in, err = client.Stream.LiveInputs.Get(ctx, in.UID, stream.LiveInputGetParams{AccountID: account})
	if err != nil {
		t.Fatal(err)
	}
	// The trap: the SDK does not fail, and the string is not "connected".
	if in.Status == stream.LiveInputStatusConnected {
		t.Errorf("in.Status == %q: against Cloudflare this is never true", in.Status)
	}
	if !in.JSON.Status.IsInvalid() {
		t.Errorf("the SDK took the status object as its string type")
	}
	// What works: read the state from the raw JSON.
	var status struct {
		Current struct {
			State, Reason string
		}
	}
	if err := json.Unmarshal([]byte(in.JSON.Status.Raw()), &status); err != nil {
		t.Fatalf("%v: %s", err, in.JSON.Status.Raw())
	}
	if status.Current.State != "connected" || status.Current.Reason != "connected" {
		t.Errorf("status %+v from %s", status, in.JSON.Status.Raw())
	}

	// With WithStatusForm(StatusString) the fake answers the spec's form,
	// which the SDK's type matches.
	g := streamfake.New(streamfake.WithStatusForm(streamfake.StatusString))
	defer g.Close()
	spec, _ := newSDKClient(t, g).Stream.LiveInputs.New(ctx, stream.LiveInputNewParams{AccountID: account})
	g.SetStatus(streamfake.DefaultAccountID, spec.UID, streamfake.StatusConnected)
	spec, err = newSDKClient(t, g).Stream.LiveInputs.Get(ctx, spec.UID, stream.LiveInputGetParams{AccountID: account})
	if err != nil || spec.Status != stream.LiveInputStatusConnected {
		t.Errorf("string form: %q, %v", spec.Status, err)
	}
}
