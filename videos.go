package streamfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// VideoState is a video's processing state, as Cloudflare's OpenAPI
// document lists them. A recording is VideoLiveInProgress while its
// broadcast goes on, then VideoReady.
type VideoState string

// The states of the OpenAPI document. The fake's recordings use two.
const (
	VideoPendingUpload  VideoState = "pendingupload"
	VideoDownloading    VideoState = "downloading"
	VideoQueued         VideoState = "queued"
	VideoInProgress     VideoState = "inprogress"
	VideoReady          VideoState = "ready"
	VideoError          VideoState = "error"
	VideoLiveInProgress VideoState = "live-inprogress"
)

// videoStates lists the states, for validating the list filter.
var videoStates = []VideoState{VideoPendingUpload, VideoDownloading, VideoQueued, VideoInProgress, VideoReady, VideoError, VideoLiveInProgress}

// Video is a recording of a live input, as the fake stores it: a
// Cloudflare Stream video whose liveInput is the input's uid. Values
// returned by the Fake are copies. Its JSON form is the state file's.
type Video struct {
	UID       string     `json:"uid"`       // 32 lowercase hex characters
	LiveInput string     `json:"liveInput"` // the uid of the input it records
	Created   time.Time  `json:"created"`   // when the broadcast began
	Modified  time.Time  `json:"modified"`  // the last change of state
	State     VideoState `json:"state"`     // VideoLiveInProgress, then VideoReady
	// ReadyAt is when it became ready; zero until then.
	ReadyAt time.Time `json:"readyAt"`
	// Duration is the seconds it was live: while live, of the broadcast's
	// earlier connected spans (responses show -1 until it is ready).
	Duration float64 `json:"duration"`
	// Meta is the input's meta when the recording began.
	Meta json.RawMessage `json:"meta"`
	// RequireSignedURLs and AllowedOrigins are the input's recording
	// settings when the recording began.
	RequireSignedURLs bool     `json:"requireSignedURLs"` // a signed token is needed to play it
	AllowedOrigins    []string `json:"allowedOrigins"`    // where it may be embedded; empty: anywhere
	// ScheduledDeletion is when Cloudflare would delete it: deleteRecordingAfterDays
	// after it became ready, if the input had that set; zero otherwise.
	ScheduledDeletion time.Time `json:"scheduledDeletion"`
}

// Recordings are 1080p at 2 Mbit/s in the fake: the width, height and
// size a ready recording reports. Cloudflare's come from the real stream.
const (
	recordingWidth, recordingHeight = 1920, 1080
	recordingBytesPerSecond         = 250_000
)

func (v Video) clone() Video {
	v.Meta = cloneBytes(v.Meta)
	if v.AllowedOrigins != nil {
		v.AllowedOrigins = slices.Clone(v.AllowedOrigins)
	}
	return v
}

// appendVideo appends a video as the API answers it (and as the Stream
// webhook sends it), keys in Cloudflare's alphabetical order. While live,
// duration, input size and size are unknown (-1, -1, 0), and it is not
// ready to stream.
func appendVideo(b []byte, v *Video, customerCode string) []byte {
	ready := v.State == VideoReady
	host := func(b []byte, suffix string) []byte {
		b = append(b, `"https://customer-`...)
		b = append(b, customerCode...)
		b = append(b, ".cloudflarestream.com/"...)
		b = append(b, v.UID...)
		b = append(b, suffix...)
		return append(b, '"')
	}
	b = append(b, `{"allowedOrigins":`...)
	b = append(b, '[')
	for i, o := range v.AllowedOrigins {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, o)
	}
	b = append(b, `],"created":`...)
	b = appendTime(b, v.Created)
	b = append(b, `,"duration":`...)
	width, height := -1, -1
	if ready {
		b = appendFloat(b, v.Duration)
		width, height = recordingWidth, recordingHeight
	} else {
		b = append(b, "-1"...)
	}
	b = append(b, `,"input":{"height":`...)
	b = strconv.AppendInt(b, int64(height), 10)
	b = append(b, `,"width":`...)
	b = strconv.AppendInt(b, int64(width), 10)
	b = append(b, `},"liveInput":`...)
	b = appendHexID(b, v.LiveInput)
	b = append(b, `,"meta":`...)
	b = append(b, metaOrEmpty(v.Meta)...)
	b = append(b, `,"modified":`...)
	b = appendTime(b, v.Modified)
	b = append(b, `,"playback":{"dash":`...)
	b = host(b, "/manifest/video.mpd")
	b = append(b, `,"hls":`...)
	b = host(b, "/manifest/video.m3u8")
	b = append(b, `},"preview":`...)
	b = host(b, "/watch")
	b = append(b, `,"readyToStream":`...)
	b = strconv.AppendBool(b, ready)
	if ready {
		b = append(b, `,"readyToStreamAt":`...)
		b = appendTime(b, v.ReadyAt)
	}
	b = append(b, `,"requireSignedURLs":`...)
	b = strconv.AppendBool(b, v.RequireSignedURLs)
	if !v.ScheduledDeletion.IsZero() {
		b = append(b, `,"scheduledDeletion":`...)
		b = appendTime(b, v.ScheduledDeletion)
	}
	b = append(b, `,"size":`...)
	if ready {
		b = appendFloat(b, float64(int64(v.Duration*recordingBytesPerSecond)))
	} else {
		b = append(b, '0')
	}
	b = append(b, `,"status":{"errorReasonCode":"","errorReasonText":"",`...)
	if ready {
		b = append(b, `"pctComplete":"100.000000",`...)
	}
	b = append(b, `"state":`...)
	b = appendString(b, string(v.State))
	b = append(b, `},"thumbnail":`...)
	b = host(b, "/thumbnails/thumbnail.jpg")
	b = append(b, `,"thumbnailTimestampPct":0,"uid":`...)
	b = appendHexID(b, v.UID)
	b = append(b, `,"uploaded":`...)
	b = appendTime(b, v.Created)
	return append(b, '}')
}

// videoResponse answers one video.
func videoResponse(v *Video, customerCode string) response {
	return successResponse(func(b []byte) []byte { return appendVideo(b, v, customerCode) })
}

// videosResponse answers a list of videos. With counts, it adds total
// (the videos that match) and range (how many this answer holds, as in the
// document's example: a page of 1,000 of 35,586), beside result.
func videosResponse(list []*Video, customerCode string, total int, counts bool) response {
	return successResponse(func(b []byte) []byte {
		b = append(b, '[')
		for i, v := range list {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendVideo(b, v, customerCode)
		}
		b = append(b, ']')
		if counts { // after result, still inside the envelope
			b = append(b, `,"range":`...)
			b = strconv.AppendInt(b, int64(len(list)), 10)
			b = append(b, `,"total":`...)
			b = strconv.AppendInt(b, int64(total), 10)
		}
		return b
	})
}

// videoQuery is a list's filters, parsed and checked.
type videoQuery struct {
	liveInput     string
	state         VideoState
	before, after time.Time
	asc, counts   bool
	limit         int
	videoType     string
}

// The list's limit, default and most, as the OpenAPI document gives it.
const (
	defaultVideoLimit = 1000
	maxVideoLimit     = 1000
)

// parseVideoQuery reads the filters of "List videos" that the fake
// supports, and refuses a malformed value with a 400 naming the parameter.
// Filters it does not support (creator, search, video_name …) are
// accepted and ignored.
func parseVideoQuery(raw string) (videoQuery, *response) {
	q, malformed := parseQuery(raw, "live_input_id", "type", "status", "before", "end", "after", "start", "asc", "include_counts", "limit")
	if malformed != nil {
		return videoQuery{}, malformed
	}
	bad := func(name, want string) (videoQuery, *response) {
		r := failure(http.StatusBadRequest, APIError{Code: CodeInvalidField, Message: fmt.Sprintf("%s must be %s", name, want)})
		return videoQuery{}, &r
	}
	vq := videoQuery{limit: defaultVideoLimit, liveInput: q.Get("live_input_id"), videoType: q.Get("type")}
	if s := q.Get("status"); s != "" {
		if !slices.Contains(videoStates, VideoState(s)) {
			return bad("status", "one of pendingupload, downloading, queued, inprogress, ready, error, live-inprogress")
		}
		vq.state = VideoState(s)
	}
	for _, p := range []struct {
		names []string
		to    *time.Time
	}{{[]string{"before", "end"}, &vq.before}, {[]string{"after", "start"}, &vq.after}} {
		if q.Has(p.names[0]) && q.Has(p.names[1]) {
			// Two names of one filter: acting on either would be a guess.
			return bad(p.names[0]+" and "+p.names[1], "one filter, given once")
		}
		for _, name := range p.names {
			if s := q.Get(name); s != "" {
				t, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					return bad(name, "an RFC 3339 date-time")
				}
				*p.to = t
			}
		}
	}
	for _, p := range []struct {
		name string
		to   *bool
	}{{"asc", &vq.asc}, {"include_counts", &vq.counts}} {
		switch q.Get(p.name) {
		case "", "false":
		case "true":
			*p.to = true
		default:
			return bad(p.name, "true or false")
		}
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxVideoLimit {
			return bad("limit", fmt.Sprintf("an integer from 1 to %d", maxVideoLimit))
		}
		vq.limit = n
	}
	return vq, nil
}

// matches reports whether a video passes the filters.
func (vq videoQuery) matches(v *Video) bool {
	return (vq.liveInput == "" || v.LiveInput == vq.liveInput) &&
		(vq.state == "" || v.State == vq.state) &&
		(vq.before.IsZero() || v.Created.Before(vq.before)) &&
		(vq.after.IsZero() || v.Created.After(vq.after)) &&
		(vq.videoType == "" || vq.videoType == "live") // every video the fake holds is a live recording
}

// selectVideos applies a query to an account's videos (kept oldest
// first): newest first unless asc, at most limit; it also returns how
// many matched.
func selectVideos(all []*Video, vq videoQuery) ([]*Video, int) {
	var out []*Video
	for _, v := range all {
		if vq.matches(v) {
			out = append(out, v)
		}
	}
	total := len(out)
	if !vq.asc {
		slices.Reverse(out)
	}
	if len(out) > vq.limit {
		out = out[:vq.limit]
	}
	return out, total
}

// stream-videos-list-videos
func (f *Fake) listVideos(c *call) response {
	vq, fail := parseVideoQuery(c.rawQuery)
	if fail != nil {
		return *fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	list, total := selectVideos(a.videos, vq)
	return videosResponse(list, a.customerCode, total, vq.counts)
}

// stream-videos-retrieve-video-details
func (f *Fake) retrieveVideoDetails(c *call) response {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	v := a.video(c.video)
	if v == nil {
		return notFound(msgVideoNotFound)
	}
	return videoResponse(v, a.customerCode)
}

// stream-videos-delete-video. Deleting a recording in progress stops the
// recording; the broadcast goes on unrecorded.
func (f *Fake) deleteVideo(c *call) response {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	if !a.removeVideo(c.video) {
		return notFound(msgVideoNotFound)
	}
	for _, in := range a.order {
		if in.Broadcast != nil && in.Broadcast.Recording == c.video {
			in.Broadcast.Recording = ""
		}
	}
	return deleted()
}

// The per-input list of Cloudflare's Stream Live documentation: the input's
// current live video and its past recordings, newest first. The OpenAPI
// document does not describe it.
func (f *Fake) listLiveInputVideos(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		list, total := selectVideos(a.videos, videoQuery{liveInput: in.UID, limit: maxVideoLimit})
		return videosResponse(list, a.customerCode, total, false)
	})
}

// video returns the account's video with uid, or nil.
func (a *account) video(uid string) *Video {
	for _, v := range a.videos {
		if v.UID == uid {
			return v
		}
	}
	return nil
}

func (a *account) removeVideo(uid string) bool {
	for i, v := range a.videos {
		if v.UID == uid {
			a.videos = append(a.videos[:i:i], a.videos[i+1:]...)
			return true
		}
	}
	return false
}

// Videos returns copies of the account's videos (the recordings of its
// live inputs), oldest first, or nil for an account the fake does not serve.
func (f *Fake) Videos(accountID string) []Video {
	f.catchUp()
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[accountID]
	if a == nil {
		return nil
	}
	out := make([]Video, 0, len(a.videos))
	for _, v := range a.videos {
		out = append(out, v.clone())
	}
	return out
}

// stream-webhook-view-webhooks
func (f *Fake) viewWebhooks(c *call) response {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	if a.webhook == nil {
		return notFound(msgWebhookNotFound)
	}
	return webhookResponse(*a.webhook)
}

// stream-webhook-create-webhooks: one subscription per account; setting it
// again replaces it, with a new secret.
func (f *Fake) createWebhooks(c *call) response {
	u, _ := c.body["notificationUrl"].(string)
	if u == "" {
		u, _ = c.body["notification_url"].(string)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	a.webhook = &WebhookSubscription{NotificationURL: u, Secret: f.newID(), Modified: f.now()}
	return webhookResponse(*a.webhook)
}

// stream-webhook-delete-webhooks
func (f *Fake) deleteWebhooks(c *call) response {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	if a.webhook == nil {
		return notFound(msgWebhookNotFound)
	}
	a.webhook = nil
	return successResponse(func(b []byte) []byte { return append(b, `"ok"`...) })
}

func webhookResponse(w WebhookSubscription) response {
	return successResponse(func(b []byte) []byte {
		b = append(b, `{"modified":`...)
		b = appendTime(b, w.Modified)
		b = append(b, `,"notificationUrl":`...)
		b = appendString(b, w.NotificationURL)
		b = append(b, `,"secret":`...)
		b = appendHexID(b, w.Secret)
		return append(b, '}')
	})
}
