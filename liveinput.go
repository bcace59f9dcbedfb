package streamfake

import (
	"encoding/json"
	"time"
)

// Recording modes.
const (
	RecordingOff       = "off"
	RecordingAutomatic = "automatic"
)

// Fixed ingest endpoints, from Cloudflare's reference and real responses.
const (
	rtmpsURL = "rtmps://live.cloudflare.com:443/live/"
	srtURL   = "srt://live.cloudflare.com:778"
)

// MaxOutputs is how many outputs (simulcast targets) one live input may
// have, the limit Cloudflare documents.
const MaxOutputs = 50

// LiveInput is a live input as the fake stores it. Values returned by the
// Fake are copies; changing them changes nothing in the fake. Its JSON form
// is the one of State dumps and state files (with the secrets), not
// Cloudflare's response.
type LiveInput struct {
	UID      string    `json:"uid"`      // 32 lowercase hex characters
	Created  time.Time `json:"created"`  // by the fake's clock
	Modified time.Time `json:"modified"` // by the fake's clock, at the last change through the API
	// KeysRotatedAt is zero until the keys are rotated; until then the
	// field is left out of responses, as Cloudflare documents.
	KeysRotatedAt time.Time `json:"keysRotatedAt"`
	// DeleteRecordingAfterDays is nil when no deletion is scheduled.
	DeleteRecordingAfterDays *float64 `json:"deleteRecordingAfterDays"`
	// DefaultCreator is stored but not returned: Cloudflare's response
	// schema has no such field.
	DefaultCreator   string `json:"defaultCreator"`
	Enabled          bool   `json:"enabled"`          // whether it accepts broadcasts
	PreferLowLatency bool   `json:"preferLowLatency"` // LL-HLS delivery
	// Meta is a JSON object, kept as the client sent it (compacted).
	// Nil means {}.
	Meta      json.RawMessage   `json:"meta"`
	Recording Recording         `json:"recording"` // what is recorded, and how recordings are shown
	Status    *ConnectionStatus `json:"status"`    // the connection status; nil (null) until a broadcaster first connects
	Secrets   Secrets           `json:"secrets"`   // behind the stream keys, passphrases and WebRTC URL
	Outputs   []Output          `json:"outputs"`   // simulcast targets, in creation order
	// Broadcast is the session of a simulated broadcaster (Connect), or
	// nil when there is none.
	Broadcast *Broadcast `json:"broadcast,omitempty"`
}

// Recording holds a live input's recording settings.
type Recording struct {
	// AllowedOrigins is nil until the client sets it, and is then
	// reported as null, as Cloudflare does; an empty slice is reported as [].
	AllowedOrigins      []string `json:"allowedOrigins"`
	HideLiveViewerCount bool     `json:"hideLiveViewerCount"` // hide the viewer count from players
	Mode                string   `json:"mode"`                // RecordingOff (the default) or RecordingAutomatic
	RequireSignedURLs   bool     `json:"requireSignedURLs"`   // recordings play only with signed URLs
	// TimeoutSeconds is how long a recording waits for the broadcaster to
	// come back after a disconnect; 0 means the platform's default.
	TimeoutSeconds int64 `json:"timeoutSeconds"`
}

// Secrets are the 32-hex-character secrets behind a live input's
// credentials. Each credential is the secret, "k", then the uid, the format
// of real Cloudflare keys. Rotating keys replaces all of them.
type Secrets struct {
	RTMPS         string `json:"rtmps"`         // of rtmps.streamKey
	RTMPSPlayback string `json:"rtmpsPlayback"` // of rtmpsPlayback.streamKey
	SRT           string `json:"srt"`           // of srt.passphrase
	SRTPlayback   string `json:"srtPlayback"`   // of srtPlayback.passphrase
	WebRTC        string `json:"webRTC"`        // in webRTC.url
}

// Output is a simulcast target of a live input.
type Output struct {
	UID       string `json:"uid"`       // 32 lowercase hex characters
	URL       string `json:"url"`       // where to send the stream, e.g. rtmp://a.rtmp.youtube.com/live2
	StreamKey string `json:"streamKey"` // the target's stream key
	Enabled   bool   `json:"enabled"`   // whether the stream is sent there
}

// clone returns a deep copy, so callers can never reach the fake's state.
func (in LiveInput) clone() LiveInput {
	out := in
	if in.DeleteRecordingAfterDays != nil {
		d := *in.DeleteRecordingAfterDays
		out.DeleteRecordingAfterDays = &d
	}
	out.Meta = cloneBytes(in.Meta)
	if in.Recording.AllowedOrigins != nil {
		out.Recording.AllowedOrigins = append([]string{}, in.Recording.AllowedOrigins...)
	}
	if in.Outputs != nil {
		out.Outputs = append([]Output{}, in.Outputs...)
	}
	out.Status = in.Status.clone()
	if in.Broadcast != nil {
		b := *in.Broadcast
		out.Broadcast = &b
	}
	return out
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// timestampFormat is Cloudflare's: RFC 3339 in UTC with microseconds,
// e.g. "2021-09-23T05:05:53.451415Z".
const timestampFormat = "2006-01-02T15:04:05.000000Z"

func metaOrEmpty(m json.RawMessage) json.RawMessage {
	if m == nil {
		return json.RawMessage("{}")
	}
	return m
}
