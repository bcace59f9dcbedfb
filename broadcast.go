package streamfake

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"time"
)

// Protocol is how a simulated broadcaster sends to a live input: the
// ingest protocols Cloudflare Stream Live takes.
type Protocol string

// The protocols.
const (
	ProtocolRTMPS  Protocol = "rtmps"
	ProtocolSRT    Protocol = "srt"
	ProtocolWebRTC Protocol = "webrtc"
)

// Broadcast is a simulated broadcaster's session on a live input: from its
// first connection until it has been gone longer than the input's
// recording timeout. Values returned by the Fake are copies.
type Broadcast struct {
	Protocol  Protocol `json:"protocol"`  // how it sends
	Connected bool     `json:"connected"` // whether it is sending now
	// Since is when it last connected, or, when not connected, when it left.
	Since time.Time `json:"since"`
	// Recording is the uid of the video that records the session, if the
	// input records (recording.mode automatic).
	Recording string `json:"recording,omitempty"`
	// EndsAt, while the broadcaster is gone, is when the session ends
	// unless it comes back: its recording then becomes ready.
	EndsAt time.Time `json:"endsAt"`
}

// BroadcastErrorCode is an error Cloudflare reports for a live input's
// broadcast, in the live_input.errored notification.
type BroadcastErrorCode string

// The codes Cloudflare's live notification documentation lists.
const (
	BroadcastGOPOutOfRange         BroadcastErrorCode = "ERR_GOP_OUT_OF_RANGE"
	BroadcastUnsupportedVideoCodec BroadcastErrorCode = "ERR_UNSUPPORTED_VIDEO_CODEC"
	BroadcastUnsupportedAudioCodec BroadcastErrorCode = "ERR_UNSUPPORTED_AUDIO_CODEC"
	BroadcastStorageQuotaExhausted BroadcastErrorCode = "ERR_STORAGE_QUOTA_EXHAUSTED"
	BroadcastMissingSubscription   BroadcastErrorCode = "ERR_MISSING_SUBSCRIPTION"
	BroadcastUnhealthy             BroadcastErrorCode = "ERR_UNHEALTHY"
)

// BroadcastError is a broadcast error to simulate with FailBroadcast.
type BroadcastError struct {
	Code       BroadcastErrorCode `json:"code"`                 // one of the Broadcast… codes
	Message    string             `json:"message,omitempty"`    // for people
	VideoCodec string             `json:"videoCodec,omitempty"` // the codec the broadcaster sent, e.g. "h264"
	AudioCodec string             `json:"audioCodec,omitempty"` // e.g. "aac"
}

func (e BroadcastError) check() error {
	switch e.Code {
	case BroadcastGOPOutOfRange, BroadcastUnsupportedVideoCodec, BroadcastUnsupportedAudioCodec,
		BroadcastStorageQuotaExhausted, BroadcastMissingSubscription, BroadcastUnhealthy:
		return nil
	}
	return fmt.Errorf("streamfake: %q is not a broadcast error code Cloudflare documents (ERR_GOP_OUT_OF_RANGE, ERR_UNSUPPORTED_VIDEO_CODEC, ERR_UNSUPPORTED_AUDIO_CODEC, ERR_STORAGE_QUOTA_EXHAUSTED, ERR_MISSING_SUBSCRIPTION, ERR_UNHEALTHY)", e.Code)
}

// DefaultRecordingTimeout is how long a session waits for its broadcaster
// to come back when the input's recording.timeoutSeconds is 0, "the
// platform default". Cloudflare does not publish it; its documentation says
// a recording appears within 60 seconds of a broadcast's end.
const DefaultRecordingTimeout = 60 * time.Second

// Errors of the broadcast methods, besides ErrUnknownAccount and
// ErrUnknownLiveInput.
var (
	ErrInputDisabled    = errors.New("streamfake: the live input is disabled")
	ErrAlreadyConnected = errors.New("streamfake: a broadcaster is already connected")
	ErrNotConnected     = errors.New("streamfake: no broadcaster is connected")
)

// Connect simulates a broadcaster connecting to a live input with
// protocol, at the fake's clock. The status becomes connected, or
// reconnected when the session's broadcaster comes back within the
// recording timeout, in which case its recording continues. With
// recording.mode automatic, a new session starts a video in state
// live-inprogress. Live notifications get live_input.connected. A disabled
// or unknown input refuses the connection, and nothing is sent.
func (f *Fake) Connect(accountID, uid string, protocol Protocol) (LiveInput, error) {
	switch protocol {
	case ProtocolRTMPS, ProtocolSRT, ProtocolWebRTC:
	default:
		return LiveInput{}, fmt.Errorf("streamfake: protocol %q is not rtmps, srt or webrtc", protocol)
	}
	return f.broadcastAction(accountID, uid, func(a *account, in *LiveInput, now time.Time) ([]event, error) {
		return f.connect(a, in, protocol, now)
	})
}

// Disconnect simulates the broadcaster of a live input leaving. The status
// becomes client_disconnect; the recording stays live-inprogress for the
// input's recording.timeoutSeconds (DefaultRecordingTimeout for 0) on the
// fake's clock, then becomes ready unless the broadcaster reconnects.
// Live notifications get live_input.disconnected.
func (f *Fake) Disconnect(accountID, uid string) (LiveInput, error) {
	return f.broadcastAction(accountID, uid, func(a *account, in *LiveInput, now time.Time) ([]event, error) {
		if in.Broadcast == nil || !in.Broadcast.Connected {
			return nil, ErrNotConnected
		}
		return f.disconnect(a, in, StatusClientDisconnect, now), nil
	})
}

// FailBroadcast simulates a broadcast error on a live input. Live
// notifications get live_input.errored with the error's code, message and
// codecs. The status becomes failed_to_connect; a connected broadcaster is
// cut off, and its session waits out the recording timeout as after a
// disconnect (but without live_input.disconnected).
func (f *Fake) FailBroadcast(accountID, uid string, e BroadcastError) (LiveInput, error) {
	if err := e.check(); err != nil {
		return LiveInput{}, err
	}
	return f.broadcastAction(accountID, uid, func(a *account, in *LiveInput, now time.Time) ([]event, error) {
		if in.Broadcast != nil && in.Broadcast.Connected {
			f.leave(a, in, now)
		}
		in.setStatus(StatusFailedToConnect, now)
		return []event{{kind: EventLiveInputErrored, account: a.id, input: in.UID, at: now, broadcastErr: &e}}, nil
	})
}

// broadcastAction runs a broadcast method on an input under the lock, then
// sends its events, and returns the input as it now is.
func (f *Fake) broadcastAction(accountID, uid string, act func(a *account, in *LiveInput, now time.Time) ([]event, error)) (LiveInput, error) {
	f.catchUp()
	f.mu.Lock()
	a := f.accounts[accountID]
	if a == nil {
		f.mu.Unlock()
		return LiveInput{}, fmt.Errorf("%w %q", ErrUnknownAccount, accountID)
	}
	in := a.inputs[uid]
	if in == nil {
		f.mu.Unlock()
		return LiveInput{}, fmt.Errorf("%w %q", ErrUnknownLiveInput, uid)
	}
	events, err := act(a, in, f.now())
	now := in.clone()
	deliveries := f.prepare(events)
	f.mu.Unlock()
	if err != nil {
		return LiveInput{}, err
	}
	f.enqueue(deliveries)
	return now, nil
}

// connect starts or resumes a session. The caller holds f.mu.
func (f *Fake) connect(a *account, in *LiveInput, protocol Protocol, now time.Time) ([]event, error) {
	switch b := in.Broadcast; {
	case !in.Enabled:
		return nil, ErrInputDisabled
	case b != nil && b.Connected:
		return nil, ErrAlreadyConnected
	case b != nil: // back within the timeout: the session, and its recording, go on
		b.Connected, b.Protocol, b.Since, b.EndsAt = true, protocol, now, time.Time{}
		in.setStatus(StatusReconnected, now)
	default:
		in.Broadcast = &Broadcast{Protocol: protocol, Connected: true, Since: now}
		if in.Recording.Mode == RecordingAutomatic {
			v := &Video{
				UID: f.newID(), LiveInput: in.UID, Created: now, Modified: now, State: VideoLiveInProgress,
				Meta: cloneBytes(in.Meta), RequireSignedURLs: in.Recording.RequireSignedURLs,
				AllowedOrigins: append([]string{}, in.Recording.AllowedOrigins...),
			}
			a.videos = append(a.videos, v)
			in.Broadcast.Recording = v.UID
		}
		in.setStatus(StatusConnected, now)
	}
	return []event{{kind: EventLiveInputConnected, account: a.id, input: in.UID, at: now}}, nil
}

// leave ends the connected span of a session: its time goes to the
// recording, and the session waits out the timeout. The caller holds f.mu.
func (f *Fake) leave(a *account, in *LiveInput, now time.Time) {
	b := in.Broadcast
	if v := a.video(b.Recording); v != nil {
		v.Duration += now.Sub(b.Since).Seconds()
	}
	timeout := time.Duration(in.Recording.TimeoutSeconds) * time.Second
	if in.Recording.TimeoutSeconds <= 0 || in.Recording.TimeoutSeconds > int64(maxRecordingTimeout/time.Second) {
		timeout = DefaultRecordingTimeout
		if in.Recording.TimeoutSeconds > 0 {
			timeout = maxRecordingTimeout
		}
	}
	b.Connected, b.Since, b.EndsAt = false, now, clampTime(now.Add(timeout))
	f.schedule(a.id, in.UID, b.EndsAt)
}

// maxRecordingTimeout bounds a recording timeout: a recording is cut after
// 7 days, as Cloudflare documents, and no time in the fake overflows.
const maxRecordingTimeout = 7 * 24 * time.Hour

// disconnect is a broadcaster leaving, with the status reason. The caller
// holds f.mu.
func (f *Fake) disconnect(a *account, in *LiveInput, reason Status, now time.Time) []event {
	f.leave(a, in, now)
	in.setStatus(reason, now)
	return []event{{kind: EventLiveInputDisconnected, account: a.id, input: in.UID, at: now}}
}

// cutOff disconnects a connected broadcaster because of what the API did
// to its input (keys rotated, input disabled). The caller holds f.mu.
func (f *Fake) cutOff(a *account, in *LiveInput, now time.Time) []event {
	if in.Broadcast == nil || !in.Broadcast.Connected {
		return nil
	}
	return f.disconnect(a, in, StatusClientDisconnect, now)
}

// endSession ends an input's session: its recording becomes ready at at.
// The caller holds f.mu.
func (f *Fake) endSession(a *account, in *LiveInput, at time.Time) []event {
	b := in.Broadcast
	in.Broadcast = nil
	v := a.video(b.Recording)
	if v == nil {
		return nil
	}
	if b.Connected {
		v.Duration += at.Sub(b.Since).Seconds()
	}
	v.State, v.ReadyAt, v.Modified = VideoReady, at, at
	if in.DeleteRecordingAfterDays != nil {
		v.ScheduledDeletion = clampTime(at.Add(time.Duration(*in.DeleteRecordingAfterDays * float64(24*time.Hour))))
	}
	return []event{{kind: EventVideoReady, account: a.id, input: in.UID, video: v.UID, at: at}}
}

// dueItem is a session that ends at a time, unless its broadcaster comes
// back first (then the item is stale: the session's EndsAt moved).
type dueItem struct {
	at             time.Time
	account, input string
}

// dueQueue holds the sessions waiting to end, soonest first.
type dueQueue []dueItem

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q dueQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *dueQueue) Push(x any)        { *q = append(*q, x.(dueItem)) }
func (q *dueQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// schedule queues a session's end. The caller holds f.mu.
func (f *Fake) schedule(account, input string, at time.Time) {
	heap.Push(&f.due, dueItem{at: at, account: account, input: input})
	f.storeNextDue()
}

// nothingDue is nextDue when no session waits to end: no time is later.
const nothingDue = math.MaxInt64

// storeNextDue publishes when the first session in due ends, in Unix
// microseconds, which hold every time the fake can reach (years 1 to
// 9999; nanoseconds would wrap in 2262), and arms the timer. The caller
// holds f.mu.
func (f *Fake) storeNextDue() {
	next := int64(nothingDue)
	if len(f.due) > 0 {
		next = f.due[0].at.UnixMicro()
	}
	f.nextDue.Store(next)
	f.armTimer()
}

// runDue ends the sessions due by now, and returns their events. The
// caller holds f.mu.
func (f *Fake) runDue(now time.Time) []event {
	var events []event
	for len(f.due) > 0 && !f.due[0].at.After(now) {
		item := heap.Pop(&f.due).(dueItem)
		a := f.accounts[item.account]
		if a == nil {
			continue
		}
		in := a.inputs[item.input]
		if in == nil || in.Broadcast == nil || in.Broadcast.Connected || !in.Broadcast.EndsAt.Equal(item.at) {
			continue // stale: deleted, or the broadcaster came back
		}
		events = append(events, f.endSession(a, in, item.at)...)
	}
	f.storeNextDue()
	return events
}

// catchUp runs what fell due by the fake's clock, and sends its events.
// The manual clock and the system clock's timer run it when time moves;
// every request and lifecycle call runs it too, for other clocks.
func (f *Fake) catchUp() {
	// Every request comes here: with nothing due, it reads no clock.
	if next := f.nextDue.Load(); next == nothingDue || f.now().UnixMicro() < next {
		return
	}
	f.mu.Lock()
	deliveries := f.prepare(f.runDue(f.now()))
	f.mu.Unlock()
	f.enqueue(deliveries)
}

// armTimer makes the system clock end the next session on time: a timer,
// not a poll. Other clocks do not need one. The caller holds f.mu.
func (f *Fake) armTimer() {
	if f.systemTimer == nil {
		return
	}
	next := f.nextDue.Load()
	if next == nothingDue {
		f.systemTimer.Stop()
		return
	}
	f.systemTimer.Reset(max(time.Until(time.UnixMicro(next)), 0))
}
