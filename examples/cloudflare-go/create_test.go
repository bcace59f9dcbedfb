package cloudflarego

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/cloudflare/cloudflare-go/v7/stream"
	"github.com/streamfake/streamfake"
)

// TestSDKCreatesALiveInput: the SDK creates an input and sees every field.
func TestSDKCreatesALiveInput(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	client := newSDKClient(t, f)
	in, err := client.Stream.LiveInputs.New(context.Background(), stream.LiveInputNewParams{
		AccountID:                account,
		DeleteRecordingAfterDays: cloudflare.F(45.0),
		Meta:                     cloudflare.F[any](map[string]any{"name": "test stream 1"}),
		PreferLowLatency:         cloudflare.F(true),
		Recording: cloudflare.F(stream.LiveInputNewParamsRecording{
			AllowedOrigins: cloudflare.F([]string{"example.com"}),
			Mode:           cloudflare.F(stream.LiveInputNewParamsRecordingModeAutomatic),
			TimeoutSeconds: cloudflare.F(int64(10)),
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	// No field of the SDK's LiveInput is missing from the response.
	fields := reflect.ValueOf(in.JSON)
	for i := range fields.NumField() {
		name := fields.Type().Field(i).Name
		if name == "KeysRotatedAt" || name == "ExtraFields" || !fields.Type().Field(i).IsExported() {
			continue // keysRotatedAt is left out until keys are rotated, as Cloudflare documents
		}
		if m := fields.Field(i).MethodByName("IsMissing"); m.IsValid() && m.Call(nil)[0].Bool() {
			t.Errorf("%s is missing from the response", name)
		}
	}
	if len(in.JSON.ExtraFields) != 0 {
		t.Errorf("fields the SDK does not know: %v", in.JSON.ExtraFields)
	}
	uid := regexp.MustCompile(`^[0-9a-f]{32}$`)
	key := regexp.MustCompile(`^[0-9a-f]{32}k` + in.UID + `$`)
	switch {
	case !uid.MatchString(in.UID):
		t.Errorf("UID %q", in.UID)
	case in.Created.IsZero() || !in.Created.Equal(in.Modified):
		t.Errorf("Created %v, Modified %v", in.Created, in.Modified)
	case !in.Enabled || !in.PreferLowLatency || in.DeleteRecordingAfterDays != 45:
		t.Errorf("Enabled %v, PreferLowLatency %v, DeleteRecordingAfterDays %v", in.Enabled, in.PreferLowLatency, in.DeleteRecordingAfterDays)
	case !reflect.DeepEqual(in.Meta, map[string]any{"name": "test stream 1"}):
		t.Errorf("Meta %#v", in.Meta)
	case in.Recording.Mode != "automatic" || in.Recording.TimeoutSeconds != 10 || !reflect.DeepEqual(in.Recording.AllowedOrigins, []string{"example.com"}):
		t.Errorf("Recording %+v", in.Recording)
	case !key.MatchString(in.Rtmps.StreamKey) || in.Rtmps.URL != "rtmps://live.cloudflare.com:443/live/" || !key.MatchString(in.RtmpsPlayback.StreamKey):
		t.Errorf("Rtmps %+v, RtmpsPlayback %+v", in.Rtmps, in.RtmpsPlayback)
	case in.Srt.StreamID != in.UID || !key.MatchString(in.Srt.Passphrase) || in.SrtPlayback.StreamID != "play"+in.UID:
		t.Errorf("Srt %+v, SrtPlayback %+v", in.Srt, in.SrtPlayback)
	case !strings.HasSuffix(in.WebRtc.URL, "k"+in.UID+"/webRTC/publish") || !strings.HasSuffix(in.WebRtcPlayback.URL, "/"+in.UID+"/webRTC/play"):
		t.Errorf("WebRtc %+v, WebRtcPlayback %+v", in.WebRtc, in.WebRtcPlayback)
	case in.Status != "" || !in.JSON.Status.IsNull():
		t.Errorf("Status %q, want null", in.Status)
	}
	stored, ok := f.LiveInput(streamfake.DefaultAccountID, in.UID)
	if !ok || !stored.Created.Equal(in.Created) {
		t.Errorf("the fake holds %+v", stored)
	}
}

// TestSDKBaseURLs: with or without /client/v4, and with legacy credentials.
func TestSDKBaseURLs(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	root := strings.TrimSuffix(f.URL(), "/client/v4")
	for name, client := range map[string]func(t *testing.T) *cloudflare.Client{
		"server root": func(t *testing.T) *cloudflare.Client { return newSDKClient(t, f, option.WithBaseURL(root)) },
		"email and key": func(t *testing.T) *cloudflare.Client {
			return cloudflare.NewClient(append(baseOptions(t, f),
				option.WithAPIKey(streamfake.DefaultAPIKey), option.WithAPIEmail(streamfake.DefaultEmail))...)
		},
	} {
		t.Run(name, func(t *testing.T) {
			client := client(t)
			if _, err := client.Stream.LiveInputs.New(context.Background(), stream.LiveInputNewParams{AccountID: account}); err != nil {
				t.Fatal(err)
			}
		})
	}
	paths := map[string]bool{}
	for _, r := range f.Requests() {
		paths[r.Path] = true
		if r.Status != 200 {
			t.Errorf("%s", r)
		}
	}
	if !paths["/accounts/"+streamfake.DefaultAccountID+"/stream/live_inputs"] {
		t.Errorf("no request without the /client/v4 prefix: %v", paths)
	}
}

// TestSDKErrors: failures reach the SDK as *cloudflare.Error with Cloudflare's codes.
func TestSDKErrors(t *testing.T) {
	f := streamfake.New()
	defer f.Close()
	_, err := newSDKClient(t, f).Stream.LiveInputs.New(context.Background(), stream.LiveInputNewParams{
		AccountID: account, DeleteRecordingAfterDays: cloudflare.F(10.0),
	})
	var apiErr *cloudflare.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || len(apiErr.Errors) != 1 ||
		apiErr.Errors[0].Code != streamfake.CodeInvalidField || apiErr.Errors[0].Source.Pointer != "/deleteRecordingAfterDays" {
		t.Errorf("validation error: %v", err)
	}
	_, err = newSDKClient(t, f, option.WithAPIToken("not-the-token")).Stream.LiveInputs.New(context.Background(), stream.LiveInputNewParams{AccountID: account})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Errors[0].Code != streamfake.CodeAuthenticationError {
		t.Errorf("wrong token: %v", err)
	}
}
