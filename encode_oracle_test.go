package streamfake

import (
	"encoding/json"
	"time"
)

// The oracle: the wire structs the fake used to hand encoding/json, kept
// here as the reference its append encoder must match byte for byte
// (encode_test.go). Field order and tags are the definition of each
// response's shape.

// Wire forms. Field order follows Cloudflare's (alphabetical) so responses
// read like the real ones.
type (
	liveInputJSON struct {
		Created                  string          `json:"created"`
		DeleteRecordingAfterDays *float64        `json:"deleteRecordingAfterDays,omitempty"`
		Enabled                  bool            `json:"enabled"`
		KeysRotatedAt            string          `json:"keysRotatedAt,omitempty"`
		Meta                     json.RawMessage `json:"meta"`
		Modified                 string          `json:"modified"`
		PreferLowLatency         bool            `json:"preferLowLatency"`
		Recording                recordingJSON   `json:"recording"`
		RTMPS                    rtmpsJSON       `json:"rtmps"`
		RTMPSPlayback            rtmpsJSON       `json:"rtmpsPlayback"`
		SRT                      srtJSON         `json:"srt"`
		SRTPlayback              srtJSON         `json:"srtPlayback"`
		Status                   json.RawMessage `json:"status"`
		UID                      string          `json:"uid"`
		WebRTC                   urlJSON         `json:"webRTC"`
		WebRTCPlayback           urlJSON         `json:"webRTCPlayback"`
	}
	// liveInputSummaryJSON is a list item: Cloudflare's
	// stream_live_input_object_without_url, with no credentials.
	liveInputSummaryJSON struct {
		Created                  string          `json:"created"`
		DeleteRecordingAfterDays *float64        `json:"deleteRecordingAfterDays,omitempty"`
		Enabled                  bool            `json:"enabled"`
		Meta                     json.RawMessage `json:"meta"`
		Modified                 string          `json:"modified"`
		UID                      string          `json:"uid"`
	}
	recordingJSON struct {
		AllowedOrigins      []string `json:"allowedOrigins"`
		HideLiveViewerCount bool     `json:"hideLiveViewerCount"`
		Mode                string   `json:"mode"`
		RequireSignedURLs   bool     `json:"requireSignedURLs"`
		TimeoutSeconds      int64    `json:"timeoutSeconds"`
	}
	rtmpsJSON struct {
		StreamKey string `json:"streamKey"`
		URL       string `json:"url"`
	}
	srtJSON struct {
		Passphrase string `json:"passphrase"`
		StreamID   string `json:"streamId"`
		URL        string `json:"url"`
	}
	urlJSON struct {
		URL string `json:"url"`
	}
	outputJSON struct {
		Enabled   bool   `json:"enabled"`
		StreamKey string `json:"streamKey"`
		UID       string `json:"uid"`
		URL       string `json:"url"`
	}
)

func formatTime(t time.Time) string { return t.UTC().Format(timestampFormat) }

// wire renders the input as Cloudflare does. customerCode is the account's
// "customer-…" host label, shared by all its inputs.
func (in *LiveInput) wire(customerCode string, now time.Time, form StatusForm) liveInputJSON {
	key := func(secret string) string { return secret + "k" + in.UID }
	host := "https://customer-" + customerCode + ".cloudflarestream.com/"
	j := liveInputJSON{
		Created:                  formatTime(in.Created),
		DeleteRecordingAfterDays: in.DeleteRecordingAfterDays,
		Enabled:                  in.Enabled,
		Meta:                     metaOrEmpty(in.Meta),
		Modified:                 formatTime(in.Modified),
		PreferLowLatency:         in.PreferLowLatency,
		Recording: recordingJSON{
			AllowedOrigins:      in.Recording.AllowedOrigins,
			HideLiveViewerCount: in.Recording.HideLiveViewerCount,
			Mode:                in.Recording.Mode,
			RequireSignedURLs:   in.Recording.RequireSignedURLs,
			TimeoutSeconds:      in.Recording.TimeoutSeconds,
		},
		RTMPS:         rtmpsJSON{StreamKey: key(in.Secrets.RTMPS), URL: rtmpsURL},
		RTMPSPlayback: rtmpsJSON{StreamKey: key(in.Secrets.RTMPSPlayback), URL: rtmpsURL},
		SRT:           srtJSON{Passphrase: key(in.Secrets.SRT), StreamID: in.UID, URL: srtURL},
		SRTPlayback:   srtJSON{Passphrase: key(in.Secrets.SRTPlayback), StreamID: "play" + in.UID, URL: srtURL},
		UID:           in.UID,
		// The publish URL carries a secret; the playback URL carries only
		// the uid, as in real responses.
		WebRTC:         urlJSON{URL: host + key(in.Secrets.WebRTC) + "/webRTC/publish"},
		WebRTCPlayback: urlJSON{URL: host + in.UID + "/webRTC/play"},
	}
	if !in.KeysRotatedAt.IsZero() {
		j.KeysRotatedAt = formatTime(in.KeysRotatedAt)
	}
	j.Status = in.Status.wire(now, form)
	return j
}

func (in *LiveInput) summary() liveInputSummaryJSON {
	return liveInputSummaryJSON{
		Created:                  formatTime(in.Created),
		DeleteRecordingAfterDays: in.DeleteRecordingAfterDays,
		Enabled:                  in.Enabled,
		Meta:                     metaOrEmpty(in.Meta),
		Modified:                 formatTime(in.Modified),
		UID:                      in.UID,
	}
}

func (o Output) wire() outputJSON {
	return outputJSON{Enabled: o.Enabled, StreamKey: o.StreamKey, UID: o.UID, URL: o.URL}
}

// wire renders the status as a response shows it, at time now.
func (s *ConnectionStatus) wire(now time.Time, form StatusForm) json.RawMessage {
	switch {
	case s == nil:
		return json.RawMessage("null")
	case form == StatusString:
		b, _ := json.Marshal(s.Current.Reason)
		return b
	}
	type entryJSON struct {
		Reason    Status `json:"reason"`
		State     string `json:"state"`
		EnteredAt string `json:"statusEnteredAt"`
		LastSeen  string `json:"statusLastSeen"`
	}
	entry := func(e StatusEntry) entryJSON {
		return entryJSON{Reason: e.Reason, State: e.State, EnteredAt: e.EnteredAt.UTC().Format(statusTimeFormat), LastSeen: e.LastSeen.UTC().Format(statusTimeFormat)}
	}
	current := s.Current
	if current.State == StateConnected && now.After(current.LastSeen) {
		current.LastSeen = now // its broadcaster is still sending
	}
	out := struct {
		Current entryJSON   `json:"current"`
		History []entryJSON `json:"history"`
	}{Current: entry(current), History: make([]entryJSON, len(s.History))}
	for i, e := range s.History {
		out.History[i] = entry(e)
	}
	b, _ := json.Marshal(out)
	return b
}

// envelope is Cloudflare's response body.
type envelope struct {
	Success  bool       `json:"success"`
	Errors   []APIError `json:"errors"`
	Messages []APIError `json:"messages"`
	Result   any        `json:"result"`
}
