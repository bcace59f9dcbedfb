package streamfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestLifecycleModel drives one fake with random sequences of broadcast
// and API actions (create, update, connect, disconnect, errors, rotate,
// disable, enable, delete, list and delete videos, and the clock moving),
// and after every step checks the fake against a small reference model:
// every input's status and session, every video's state, duration and
// times, and the webhooks the app received, in order.
func TestLifecycleModel(t *testing.T) {
	t.Parallel()
	app := newEndpoint(t)
	rapid.Check(t, func(rt *rapid.T) {
		app.mu.Lock()
		app.received = nil
		app.mu.Unlock()
		clock := NewManualClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
		f := New(WithClock(clock), WithLiveWebhook(app.URL+"/live", "s"), WithSyncWebhooks(), WithWebhookRetries(1, 0))
		defer f.Close()
		if r := do(rt, f, "PUT", "/client/v4/accounts/"+accountA+"/stream/webhook", `{"notificationUrl":"`+app.URL+`/stream"}`, bearer); r.status != 200 {
			rt.Fatalf("subscribing: %d %s", r.status, r.raw)
		}
		m := &lifecycleModel{f: f, clock: clock, app: app, inputs: map[string]*lcInput{}, videos: map[string]*lcVideo{}}
		rt.Repeat(rapid.StateMachineActions(m))
	})
}

type lcInput struct {
	enabled   bool
	automatic bool
	timeout   int64    // recording.timeoutSeconds as set
	days      *float64 // deleteRecordingAfterDays
	reason    Status
	session   *lcSession
	deleted   bool
}

// lcSession is a broadcaster's session: connected, or gone and waiting
// out the timeout until endsAt.
type lcSession struct {
	connected bool
	since     time.Time // when it last connected
	endsAt    time.Time
	video     string // its recording, if any
}

type lcVideo struct {
	input             string
	ready             bool
	duration          time.Duration
	created, readyAt  time.Time
	scheduledDeletion time.Time
	deleted           bool
}

type lcEvent struct {
	kind  EventType
	input string
}

type lifecycleModel struct {
	f      *Fake
	clock  *ManualClock
	app    *endpoint
	inputs map[string]*lcInput
	order  []string
	videos map[string]*lcVideo
	events []lcEvent // what the app should have received, in order
}

func (m *lifecycleModel) now() time.Time { return m.clock.Now().UTC() }

// pick draws an input, deleted ones included: the fake must refuse them.
func (m *lifecycleModel) pick(t *rapid.T) (string, *lcInput) {
	if len(m.order) == 0 {
		t.Skip("no live input yet")
	}
	uid := rapid.SampledFrom(m.order).Draw(t, "input")
	return uid, m.inputs[uid]
}

func (m *lifecycleModel) emit(kind EventType, input string) {
	m.events = append(m.events, lcEvent{kind, input})
}

// leave ends the connected span of in's session at now.
func (m *lifecycleModel) leave(in *lcInput, now time.Time) {
	s := in.session
	if v := m.videos[s.video]; v != nil && !v.deleted {
		v.duration += now.Sub(s.since)
	}
	timeout := time.Duration(in.timeout) * time.Second
	if in.timeout <= 0 {
		timeout = DefaultRecordingTimeout
	}
	s.connected, s.since, s.endsAt = false, now, now.Add(timeout)
}

// end ends in's session at at: its recording becomes ready.
func (m *lifecycleModel) end(uid string, in *lcInput, at time.Time) {
	s := in.session
	in.session = nil
	v := m.videos[s.video]
	if v == nil || v.deleted {
		return
	}
	if s.connected {
		v.duration += at.Sub(s.since)
	}
	v.ready, v.readyAt = true, at
	if in.days != nil {
		v.scheduledDeletion = at.Add(time.Duration(*in.days * float64(24*time.Hour)))
	}
	m.emit(EventVideoReady, uid)
}

// cutOff is the API disconnecting a connected broadcaster.
func (m *lifecycleModel) cutOff(uid string, in *lcInput, now time.Time) {
	if in.session != nil && in.session.connected {
		m.leave(in, now)
		in.reason = StatusClientDisconnect
		m.emit(EventLiveInputDisconnected, uid)
	}
}

func (m *lifecycleModel) Create(t *rapid.T) {
	in := &lcInput{enabled: rapid.Bool().Draw(t, "enabled"), automatic: rapid.Bool().Draw(t, "automatic"),
		timeout: rapid.SampledFrom([]int64{0, -5, 1, 10, 45, 90}).Draw(t, "timeout")}
	if rapid.Bool().Draw(t, "days") {
		d := 30.5
		in.days = &d
	}
	body := m.settingsBody(in)
	r := do(t, m.f, "POST", inputsPath(accountA), body, bearer)
	if r.status != 200 {
		t.Fatalf("create %s: %d %s", body, r.status, r.raw)
	}
	uid := r.result(t)["uid"].(string)
	m.inputs[uid] = in
	m.order = append(m.order, uid)
}

func (m *lifecycleModel) settingsBody(in *lcInput) string {
	mode := "off"
	if in.automatic {
		mode = "automatic"
	}
	days := "null"
	if in.days != nil {
		days = fmt.Sprint(*in.days)
	}
	return fmt.Sprintf(`{"enabled":%v,"recording":{"mode":%q,"timeoutSeconds":%d},"deleteRecordingAfterDays":%s}`, in.enabled, mode, in.timeout, days)
}

// Update changes settings with PUT; {"enabled":false} cuts off a
// broadcaster, as /disable does.
func (m *lifecycleModel) Update(t *rapid.T) {
	uid, in := m.pick(t)
	next := *in
	next.enabled = rapid.Bool().Draw(t, "enabled")
	next.automatic = rapid.Bool().Draw(t, "automatic")
	next.timeout = rapid.SampledFrom([]int64{0, 5, 60}).Draw(t, "timeout")
	r := do(t, m.f, "PUT", inputPath(accountA, uid), m.settingsBody(&next), bearer)
	if in.deleted {
		m.expectNotFound(t, r)
		return
	}
	if r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	in.enabled, in.automatic, in.timeout, in.days = next.enabled, next.automatic, next.timeout, next.days
	if !in.enabled {
		m.cutOff(uid, in, m.now())
	}
}

func (m *lifecycleModel) expectNotFound(t *rapid.T, r reply) {
	if r.status != 400 || len(r.env.Errors) != 1 || r.env.Errors[0].Code != CodeNotFound {
		t.Fatalf("a deleted input answered %d %s", r.status, r.raw)
	}
}

func (m *lifecycleModel) Connect(t *rapid.T) {
	uid, in := m.pick(t)
	protocol := rapid.SampledFrom([]Protocol{ProtocolRTMPS, ProtocolSRT, ProtocolWebRTC}).Draw(t, "protocol")
	got, err := m.f.Connect(accountA, uid, protocol)
	now := m.now()
	switch {
	case in.deleted:
		if !errors.Is(err, ErrUnknownLiveInput) {
			t.Fatalf("connecting to a deleted input: %v", err)
		}
		return
	case !in.enabled:
		if !errors.Is(err, ErrInputDisabled) {
			t.Fatalf("connecting to a disabled input: %v", err)
		}
		return
	case in.session != nil && in.session.connected:
		if !errors.Is(err, ErrAlreadyConnected) {
			t.Fatalf("connecting twice: %v", err)
		}
		return
	case err != nil:
		t.Fatalf("connect: %v", err)
	case in.session != nil: // back within the timeout
		in.session.connected, in.session.since = true, now
		in.reason = StatusReconnected
	default:
		in.session = &lcSession{connected: true, since: now}
		if in.automatic {
			// The fake draws the recording's uid; the model learns it.
			if got.Broadcast == nil || got.Broadcast.Recording == "" || m.videos[got.Broadcast.Recording] != nil {
				t.Fatalf("a new automatic session has recording %+v", got.Broadcast)
			}
			in.session.video = got.Broadcast.Recording
			m.videos[in.session.video] = &lcVideo{input: uid, created: now}
		}
		in.reason = StatusConnected
	}
	m.emit(EventLiveInputConnected, uid)
}

func (m *lifecycleModel) Disconnect(t *rapid.T) {
	uid, in := m.pick(t)
	_, err := m.f.Disconnect(accountA, uid)
	switch {
	case in.deleted:
		if !errors.Is(err, ErrUnknownLiveInput) {
			t.Fatalf("disconnecting a deleted input: %v", err)
		}
	case in.session == nil || !in.session.connected:
		if !errors.Is(err, ErrNotConnected) {
			t.Fatalf("disconnecting with no broadcaster: %v", err)
		}
	case err != nil:
		t.Fatalf("disconnect: %v", err)
	default:
		m.leave(in, m.now())
		in.reason = StatusClientDisconnect
		m.emit(EventLiveInputDisconnected, uid)
	}
}

func (m *lifecycleModel) Fail(t *rapid.T) {
	uid, in := m.pick(t)
	code := rapid.SampledFrom([]BroadcastErrorCode{BroadcastGOPOutOfRange, BroadcastUnsupportedVideoCodec, BroadcastUnhealthy}).Draw(t, "code")
	_, err := m.f.FailBroadcast(accountA, uid, BroadcastError{Code: code, Message: "m"})
	if in.deleted {
		if !errors.Is(err, ErrUnknownLiveInput) {
			t.Fatalf("failing a deleted input: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("fail: %v", err)
	}
	if in.session != nil && in.session.connected {
		m.leave(in, m.now())
	}
	in.reason = StatusFailedToConnect
	m.emit(EventLiveInputErrored, uid)
}

// API calls that act on a broadcast: rotate_keys and disable cut it off,
// enable does not touch it, delete ends the session at once.
func (m *lifecycleModel) API(t *rapid.T) {
	uid, in := m.pick(t)
	action := rapid.SampledFrom([]string{"/rotate_keys", "/disable", "/enable", "DELETE"}).Draw(t, "action")
	method, suffix := "POST", action
	if action == "DELETE" {
		method, suffix = "DELETE", ""
	}
	r := do(t, m.f, method, inputPath(accountA, uid)+suffix, "", bearer)
	if in.deleted {
		m.expectNotFound(t, r)
		return
	}
	if r.status != 200 {
		t.Fatalf("%s: %d %s", action, r.status, r.raw)
	}
	now := m.now()
	switch action {
	case "/rotate_keys":
		m.cutOff(uid, in, now)
	case "/disable":
		in.enabled = false
		m.cutOff(uid, in, now)
	case "/enable":
		in.enabled = true
	case "DELETE":
		if in.session != nil {
			if in.session.connected {
				m.emit(EventLiveInputDisconnected, uid)
			}
			m.end(uid, in, now)
		}
		in.deleted = true
	}
}

// Advance moves the clock: the sessions whose timeout ran out end, in
// the order of their ends.
func (m *lifecycleModel) Advance(t *rapid.T) {
	d := time.Duration(rapid.IntRange(0, 150).Draw(t, "seconds")) * time.Second
	to := m.now().Add(d)
	type due struct {
		uid string
		at  time.Time
	}
	var ending []due
	for _, uid := range m.order {
		in := m.inputs[uid]
		if s := in.session; !in.deleted && s != nil && !s.connected && !s.endsAt.After(to) {
			ending = append(ending, due{uid, s.endsAt})
		}
	}
	slices.SortStableFunc(ending, func(a, b due) int { return a.at.Compare(b.at) })
	m.clock.Advance(d)
	for _, e := range ending {
		m.end(e.uid, m.inputs[e.uid], e.at)
	}
}

// ListVideos lists an input's videos, or the account's, over HTTP.
func (m *lifecycleModel) ListVideos(t *rapid.T) {
	path := "/client/v4/accounts/" + accountA + "/stream"
	var input string
	if len(m.order) > 0 && rapid.Bool().Draw(t, "one input") {
		input = rapid.SampledFrom(m.order).Draw(t, "input")
		path += "?live_input_id=" + input
	}
	r := do(t, m.f, "GET", path, "", bearer)
	if r.status != 200 {
		t.Fatalf("list videos: %d %s", r.status, r.raw)
	}
	var listed []struct {
		UID       string `json:"uid"`
		LiveInput string `json:"liveInput"`
		Status    struct {
			State string `json:"state"`
		} `json:"status"`
	}
	json.Unmarshal(r.env.Result, &listed)
	want := map[string]string{}
	for uid, v := range m.videos {
		if !v.deleted && (input == "" || v.input == input) {
			want[uid] = map[bool]string{true: "ready", false: "live-inprogress"}[v.ready]
		}
	}
	got := map[string]string{}
	for _, v := range listed {
		got[v.UID] = v.Status.State
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("GET %s lists %v, want %v", path, got, want)
	}
}

func (m *lifecycleModel) DeleteVideo(t *rapid.T) {
	var uids []string
	for uid := range m.videos {
		uids = append(uids, uid)
	}
	if len(uids) == 0 {
		t.Skip("no video yet")
	}
	slices.Sort(uids)
	uid := rapid.SampledFrom(uids).Draw(t, "video")
	r := do(t, m.f, "DELETE", "/client/v4/accounts/"+accountA+"/stream/"+uid, "", bearer)
	if m.videos[uid].deleted {
		if r.status != 400 || len(r.env.Errors) != 1 || r.env.Errors[0].Code != CodeNotFound {
			t.Fatalf("deleting a deleted video: %d %s", r.status, r.raw)
		}
		return
	}
	if r.status != 200 {
		t.Fatalf("delete video: %d %s", r.status, r.raw)
	}
	m.videos[uid].deleted = true
	// A session whose recording is deleted goes on without one.
	if in := m.inputs[m.videos[uid].input]; in.session != nil && in.session.video == uid {
		in.session.video = ""
	}
}

// Check compares the fake with the model after every step.
func (m *lifecycleModel) Check(t *rapid.T) {
	for _, uid := range m.order {
		in := m.inputs[uid]
		got, ok := m.f.LiveInput(accountA, uid)
		if ok == in.deleted {
			t.Fatalf("input %s: held %v, deleted %v", uid, ok, in.deleted)
		}
		if !ok {
			continue
		}
		if got.Reason() != in.reason {
			t.Fatalf("input %s: status %q, want %q", uid, got.Reason(), in.reason)
		}
		switch s, b := in.session, got.Broadcast; {
		case s == nil && b != nil, s != nil && b == nil:
			t.Fatalf("input %s: session %+v, want %+v", uid, b, s)
		case s != nil && (b.Connected != s.connected || b.Recording != s.video || !b.Since.Equal(s.since) || (!s.connected && !b.EndsAt.Equal(s.endsAt))):
			t.Fatalf("input %s: session %+v, want %+v", uid, *b, *s)
		}
	}
	held := map[string]Video{}
	for _, v := range m.f.Videos(accountA) {
		held[v.UID] = v
	}
	for uid, want := range m.videos {
		v, ok := held[uid]
		if ok == want.deleted {
			t.Fatalf("video %s: held %v, deleted %v", uid, ok, want.deleted)
		}
		delete(held, uid)
		if !ok {
			continue
		}
		state := map[bool]VideoState{true: VideoReady, false: VideoLiveInProgress}[want.ready]
		if v.State != state || v.LiveInput != want.input || v.Duration != want.duration.Seconds() || !v.Created.Equal(want.created) ||
			!v.ReadyAt.Equal(want.readyAt) || !v.ScheduledDeletion.Equal(want.scheduledDeletion) {
			t.Fatalf("video %s: %+v, want %+v", uid, v, *want)
		}
	}
	if len(held) > 0 {
		t.Fatalf("videos the model does not know: %v", held)
	}
	// The app received the model's events, in order (WithSyncWebhooks:
	// each call returned after its deliveries).
	var got []lcEvent
	for _, r := range m.app.got() {
		var body struct {
			LiveInput string `json:"liveInput"`
			Data      struct {
				InputID   string `json:"input_id"`
				EventType string `json:"event_type"`
			} `json:"data"`
		}
		json.Unmarshal(r.body, &body)
		if body.Data.EventType != "" {
			got = append(got, lcEvent{EventType(body.Data.EventType), body.Data.InputID})
		} else {
			got = append(got, lcEvent{EventVideoReady, body.LiveInput})
		}
	}
	if !slices.Equal(got, m.events) {
		t.Fatalf("the app received\n%s\nwant\n%s", describeEvents(got), describeEvents(m.events))
	}
}

func describeEvents(events []lcEvent) string {
	lines := make([]string, len(events))
	for i, e := range events {
		lines[i] = fmt.Sprintf("  %s %s", e.kind, e.input)
	}
	return strings.Join(lines, "\n")
}
