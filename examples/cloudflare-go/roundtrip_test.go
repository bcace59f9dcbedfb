package cloudflarego

import (
	"context"
	"errors"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/stream"
	"github.com/streamfake/streamfake"
)

// TestSDKRoundTrip: New → Get → List → Update → Outputs.New/Update/List/Delete
// → Delete → Get, each checked against the fake's state.
func TestSDKRoundTrip(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	ctx := context.Background()
	li := newSDKClient(t, f).Stream.LiveInputs

	created, err := li.New(ctx, stream.LiveInputNewParams{AccountID: account, Meta: cloudflare.F[any](map[string]any{"name": "round trip"})})
	if err != nil {
		t.Fatal(err)
	}
	got, err := li.Get(ctx, created.UID, stream.LiveInputGetParams{AccountID: account})
	if err != nil || got.JSON.RawJSON() != created.JSON.RawJSON() {
		t.Fatalf("Get = %v, %v; want exactly what New returned", got, err)
	}
	list, err := li.List(ctx, stream.LiveInputListParams{AccountID: account, IncludeCounts: cloudflare.F(true)})
	if err != nil || list.Total != 1 || len(list.LiveInputs) != 1 || list.LiveInputs[0].UID != created.UID {
		t.Fatalf("List = %+v, %v", list, err)
	}
	updated, err := li.Update(ctx, created.UID, stream.LiveInputUpdateParams{
		AccountID: account,
		Recording: cloudflare.F(stream.LiveInputUpdateParamsRecording{Mode: cloudflare.F(stream.LiveInputUpdateParamsRecordingModeAutomatic)}),
	})
	if err != nil || updated.Recording.Mode != "automatic" || !updated.Created.Equal(created.Created) {
		t.Fatalf("Update = %+v, %v", updated, err)
	}
	if stored, _ := f.LiveInput(streamfake.DefaultAccountID, created.UID); stored.Recording.Mode != "automatic" || string(stored.Meta) != `{"name":"round trip"}` {
		t.Errorf("after Update the fake holds %+v", stored)
	}

	out, err := li.Outputs.New(ctx, created.UID, stream.LiveInputOutputNewParams{
		AccountID: account, URL: cloudflare.F("rtmp://a.rtmp.youtube.com/live2"), StreamKey: cloudflare.F("abcd-efgh"),
	})
	if err != nil || !out.Enabled || out.UID == "" || out.StreamKey != "abcd-efgh" {
		t.Fatalf("Outputs.New = %+v, %v", out, err)
	}
	out, err = li.Outputs.Update(ctx, created.UID, out.UID, stream.LiveInputOutputUpdateParams{AccountID: account, Enabled: cloudflare.F(false)})
	if err != nil || out.Enabled {
		t.Fatalf("Outputs.Update = %+v, %v", out, err)
	}
	outs, err := li.Outputs.List(ctx, created.UID, stream.LiveInputOutputListParams{AccountID: account})
	if err != nil || len(outs.Result) != 1 || outs.Result[0].UID != out.UID || outs.Result[0].Enabled {
		t.Fatalf("Outputs.List = %+v, %v", outs, err)
	}
	if err := li.Outputs.Delete(ctx, created.UID, out.UID, stream.LiveInputOutputDeleteParams{AccountID: account}); err != nil {
		t.Fatal(err)
	}
	if stored, _ := f.LiveInput(streamfake.DefaultAccountID, created.UID); len(stored.Outputs) != 0 {
		t.Errorf("after Outputs.Delete the fake holds %v", stored.Outputs)
	}

	if err := li.Delete(ctx, created.UID, stream.LiveInputDeleteParams{AccountID: account}); err != nil {
		t.Fatal(err)
	}
	_, err = li.Get(ctx, created.UID, stream.LiveInputGetParams{AccountID: account})
	var apiErr *cloudflare.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || len(apiErr.Errors) != 1 || apiErr.Errors[0].Code != streamfake.CodeNotFound {
		t.Fatalf("Get after Delete: %v; want *cloudflare.Error 400 with code %d", err, streamfake.CodeNotFound)
	}
	if n := len(f.LiveInputs(streamfake.DefaultAccountID)); n != 0 {
		t.Errorf("%d inputs left", n)
	}
}
