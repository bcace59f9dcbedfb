package streamfake

import (
	"bytes"
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// State is everything the fake holds, as JSON: for the standalone server's
// state file and admin API, and for tests that snapshot and restore.
type State struct {
	Accounts []AccountState `json:"accounts"` // in the order the fake serves them
	// IDDraws is how far the fake's id source had gone. A fake that loads
	// the state, with the same seed, continues from there, so it never
	// issues an id it issued before, deleted or not.
	IDDraws uint64 `json:"idDraws"`
}

// AccountState is one account's part of a State.
type AccountState struct {
	ID string `json:"id"` // the account id
	// CustomerCode is the account's customer-<code> WebRTC host label.
	CustomerCode string      `json:"customerCode"`
	LiveInputs   []LiveInput `json:"liveInputs"` // in creation order
	// Videos are the recordings of the account's live inputs, oldest
	// first; they outlive their inputs.
	Videos []Video `json:"videos,omitempty"`
	// Webhook is the account's Stream webhook subscription, if it has one.
	Webhook *WebhookSubscription `json:"webhook,omitempty"`
}

// State returns a copy of everything the fake holds.
func (f *Fake) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := State{IDDraws: f.ids.draws}
	for _, id := range f.cfg.accounts {
		a := f.accounts[id]
		as := AccountState{ID: id, CustomerCode: a.customerCode, LiveInputs: []LiveInput{}}
		for _, in := range a.order {
			as.LiveInputs = append(as.LiveInputs, in.clone())
		}
		for _, v := range a.videos {
			as.Videos = append(as.Videos, v.clone())
		}
		if a.webhook != nil {
			w := *a.webhook
			as.Webhook = &w
		}
		s.Accounts = append(s.Accounts, as)
	}
	return s
}

// maxIDDraws bounds State.IDDraws: no fake can draw that many ids, so a
// larger value is a corrupt or hand-made state.
const maxIDDraws = 1 << 62

// LoadState replaces the live inputs of the accounts in s with the ones in
// s, and their customer codes. Every account in s must be one the fake
// serves (see WithAccount), and every input must be one the API could have
// made: its fields pass the same checks as a create body. Otherwise
// nothing changes, and the error names the offending field. Accounts not
// in s keep what they hold.
func (f *Fake) LoadState(s State) error {
	if s.Accounts == nil {
		return errors.New("streamfake: state: \"accounts\" is missing; a state lists its accounts, even with no live inputs")
	}
	if s.IDDraws > maxIDDraws {
		return fmt.Errorf("streamfake: state: idDraws %d is more than any fake can have drawn (at most %d)", s.IDDraws, uint64(maxIDDraws))
	}
	loaded := map[string]*account{}
	ids := map[string]bool{}
	for i, as := range s.Accounts {
		at := fmt.Sprintf("accounts[%d]", i)
		switch {
		case !slices.Contains(f.cfg.accounts, as.ID):
			return fmt.Errorf("streamfake: state: %s.id: the state holds account %q, which the fake does not serve", at, as.ID)
		case loaded[as.ID] != nil:
			return fmt.Errorf("streamfake: state: %s.id: account %s appears twice", at, as.ID)
		case as.CustomerCode != "" && !customerCode.MatchString(as.CustomerCode):
			return fmt.Errorf("streamfake: state: %s.customerCode: %q is not 16 of [a-z0-9]", at, as.CustomerCode)
		}
		a := &account{id: as.ID, customerCode: as.CustomerCode, inputs: map[string]*LiveInput{}}
		for j, in := range as.LiveInputs {
			in := in.clone()
			err := checkLoaded(in, ids)
			if err == nil {
				// A bare status reason, from an earlier version, has no
				// times: it takes the input's last change.
				err = in.normalize(in.Modified)
			}
			if err != nil {
				return fmt.Errorf("streamfake: state: %s.liveInputs[%d].%w", at, j, err)
			}
			a.add(&in)
		}
		for j, v := range as.Videos {
			v := v.clone()
			if err := checkVideo(&v, ids); err != nil {
				return fmt.Errorf("streamfake: state: %s.videos[%d].%w", at, j, err)
			}
			a.videos = append(a.videos, &v)
		}
		for j, in := range a.order {
			if err := checkBroadcast(in.Broadcast, a); err != nil {
				return fmt.Errorf("streamfake: state: %s.liveInputs[%d].broadcast.%w", at, j, err)
			}
		}
		if w := as.Webhook; w != nil {
			if err := checkWebhookURL(w.NotificationURL); err != nil {
				return fmt.Errorf("streamfake: state: %s.webhook.notificationUrl: %v", at, err)
			}
			if !isHex32(w.Secret) {
				return fmt.Errorf("streamfake: state: %s.webhook.secret: not 32 lowercase hex characters", at)
			}
			copied := *w
			a.webhook = &copied
		}
		loaded[as.ID] = a
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// A uid names one input across accounts (the admin API finds an input
	// by it): accounts the state leaves alone must not hold one it loads.
	for id, a := range f.accounts {
		if loaded[id] != nil {
			continue
		}
		for uid := range a.inputs {
			if ids[uid] {
				return fmt.Errorf("streamfake: state: live input %s is held by account %s, which the state does not replace", uid, id)
			}
		}
	}
	// The accounts map itself never changes after New (authenticate reads
	// it without the lock); the accounts in it do.
	for id, a := range loaded {
		current := f.accounts[id]
		current.inputs, current.order, current.videos, current.webhook = a.inputs, a.order, a.videos, a.webhook
		if a.customerCode != "" {
			current.customerCode = a.customerCode
		}
	}
	f.rescheduleLocked()
	f.ids.skipTo(s.IDDraws)
	// The state may come from a fake with another seed, or from an edit:
	// its ids are not known to be off this fake's sequence. Those set
	// aside before stay set aside: other accounts may still hold them.
	if f.foreign == nil {
		f.foreign = map[string]bool{}
	}
	for id := range ids {
		f.foreign[id] = true
	}
	return nil
}

// checkLoaded checks the ids, times and secrets of an input read from a
// state, and collects its ids. Its error starts with the name of the field
// at fault.
func checkLoaded(in LiveInput, ids map[string]bool) error {
	switch {
	case !isHex32(in.UID):
		return fmt.Errorf("uid: %q is not 32 lowercase hex characters", in.UID)
	case ids[in.UID]:
		return fmt.Errorf("uid: %s appears twice", in.UID)
	case in.Created.IsZero() || in.Modified.IsZero():
		return fmt.Errorf("created, modified: an input %s has both", in.UID)
	}
	if err := in.Secrets.check(); err != nil {
		return err
	}
	ids[in.UID] = true
	for k, o := range in.Outputs { // their form is normalize's to check
		if ids[o.UID] {
			return fmt.Errorf("outputs[%d].uid: %s appears twice in the state", k, o.UID)
		}
		ids[o.UID] = true
	}
	return nil
}

// check reports the first secret that is not 32 lowercase hex characters,
// as the fake draws them; its error starts with the field's name.
func (s Secrets) check() error {
	for _, secret := range []struct{ name, value string }{
		{"rtmps", s.RTMPS}, {"rtmpsPlayback", s.RTMPSPlayback}, {"srt", s.SRT}, {"srtPlayback", s.SRTPlayback}, {"webRTC", s.WebRTC},
	} {
		if !isHex32(secret.value) {
			return fmt.Errorf("secrets.%s: %q is not 32 lowercase hex characters", secret.name, secret.value)
		}
	}
	return nil
}

// normalize checks what a live input from outside the API holds (a state,
// AddLiveInput) as the API would, and puts it in the form the API keeps:
// meta canonical (compact, keys sorted), the status with times (at, where
// it has none). Its error starts with the name of the field at fault, so
// that a value the API would refuse cannot arrive through a back door.
func (in *LiveInput) normalize(at time.Time) error {
	if bytes.Equal(bytes.TrimSpace(in.Meta), []byte("null")) {
		in.Meta = nil // how a dump writes an input with no meta
	}
	if in.Status != nil && in.Status.Current.Reason == StatusNone && len(in.Status.History) == 0 {
		in.Status = nil // "status": "", from a state file of an earlier version
	}
	switch {
	case in.Meta != nil && !utf8.Valid(in.Meta):
		return errors.New("meta: not UTF-8")
	case in.Meta != nil && !json.Valid(in.Meta):
		return errors.New("meta: not JSON")
	case in.Meta != nil && hasLoneSurrogate(in.Meta):
		return fmt.Errorf("meta: %v", errLoneSurrogate)
	}
	if err := in.Status.check(); err != nil {
		return err
	}
	if err := checkOutputs(in.Outputs); err != nil {
		return err
	}
	for name, v := range map[string]string{"defaultCreator": in.DefaultCreator, "recording.allowedOrigins": strings.Join(in.Recording.AllowedOrigins, "")} {
		if !utf8.ValidString(v) {
			return fmt.Errorf("%s: not UTF-8", name)
		}
	}
	// The fields a client sets pass the checks of a create body.
	if errs := checkBody(requestSchemas().liveInput, in.requestBody()); errs != nil {
		e := errs[0]
		return fmt.Errorf("%s: %s", strings.TrimPrefix(strings.ReplaceAll(e.Source.Pointer, "/", "."), "."), e.Message)
	}
	if in.Meta != nil {
		meta, _ := decodeJSON(in.Meta) // checked above
		in.Meta = encodeMeta(meta)
	}
	if in.Status != nil {
		in.Status.fillTimes(at)
		if in.Status.History == nil {
			in.Status.History = []StatusEntry{}
		}
	}
	return nil
}

// checkOutputs checks outputs from outside the API as the API would have
// made them: at most MaxOutputs, each with its own uid, in UTF-8.
func checkOutputs(outputs []Output) error {
	if len(outputs) > MaxOutputs {
		return fmt.Errorf("outputs: %d of them; a live input has at most %d", len(outputs), MaxOutputs)
	}
	seen := make(map[string]bool, len(outputs))
	for k, o := range outputs {
		switch {
		case !isHex32(o.UID):
			return fmt.Errorf("outputs[%d].uid: %q is not 32 lowercase hex characters", k, o.UID)
		case seen[o.UID]:
			return fmt.Errorf("outputs[%d].uid: %s appears twice", k, o.UID)
		case !utf8.ValidString(o.URL) || !utf8.ValidString(o.StreamKey):
			return fmt.Errorf("outputs[%d]: url or streamKey is not UTF-8", k)
		}
		seen[o.UID] = true
	}
	return nil
}

// requestBody is the create body that would make the input's settings, as
// decoded JSON (numbers as json.Number), for checkBody.
func (in LiveInput) requestBody() map[string]any {
	rec := map[string]any{
		"hideLiveViewerCount": in.Recording.HideLiveViewerCount,
		"mode":                in.Recording.Mode,
		"requireSignedURLs":   in.Recording.RequireSignedURLs,
		"timeoutSeconds":      json.Number(strconv.FormatInt(in.Recording.TimeoutSeconds, 10)),
	}
	if in.Recording.AllowedOrigins != nil {
		origins := make([]any, len(in.Recording.AllowedOrigins))
		for i, o := range in.Recording.AllowedOrigins {
			origins[i] = o
		}
		rec["allowedOrigins"] = origins
	}
	body := map[string]any{
		"defaultCreator": in.DefaultCreator, "enabled": in.Enabled, "preferLowLatency": in.PreferLowLatency, "recording": rec,
	}
	if in.DeleteRecordingAfterDays != nil {
		body["deleteRecordingAfterDays"] = json.Number(strconv.FormatFloat(*in.DeleteRecordingAfterDays, 'g', -1, 64))
	}
	if in.Meta != nil {
		meta, err := decodeJSON(in.Meta)
		if err != nil {
			meta = string(in.Meta) // refused by the schema as not an object
		}
		body["meta"] = meta
	}
	return body
}

// Reset deletes every live input of every account. Ids already issued are
// still never reused.
func (f *Fake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.accounts {
		a.inputs = map[string]*LiveInput{}
		a.order, a.videos, a.webhook = nil, nil, nil
	}
	f.foreign = nil
	f.rescheduleLocked()
}

// rescheduleLocked rebuilds the queue of sessions waiting to end, from the
// inputs. The caller holds f.mu.
func (f *Fake) rescheduleLocked() {
	f.due = f.due[:0]
	for _, a := range f.accounts {
		for _, in := range a.order {
			if b := in.Broadcast; b != nil && !b.Connected {
				f.due = append(f.due, dueItem{at: b.EndsAt, account: a.id, input: in.UID})
			}
		}
	}
	heap.Init(&f.due)
	f.storeNextDue()
}

// checkVideo checks a video read from a state, keeps its meta canonical,
// and collects its id.
func checkVideo(v *Video, ids map[string]bool) error {
	switch {
	case !isHex32(v.UID) || ids[v.UID]:
		return fmt.Errorf("uid: %q is malformed or used twice", v.UID)
	case !isHex32(v.LiveInput):
		return fmt.Errorf("liveInput: %q is not 32 lowercase hex characters", v.LiveInput)
	case v.State != VideoLiveInProgress && v.State != VideoReady:
		return fmt.Errorf("state: %q is not live-inprogress or ready", v.State)
	case v.Created.IsZero() || v.Modified.IsZero():
		return errors.New("created, modified: a video has both")
	case v.State == VideoReady && v.ReadyAt.IsZero():
		return errors.New("readyAt: a ready video has it")
	case !(v.Duration >= 0 && v.Duration < 1e9):
		return fmt.Errorf("duration: %v is not a number of seconds", v.Duration)
	}
	if bytes.Equal(bytes.TrimSpace(v.Meta), []byte("null")) {
		v.Meta = nil // how a dump writes a video without meta
	}
	if v.Meta != nil {
		meta, err := decodeJSON(v.Meta)
		if _, object := meta.(map[string]any); err != nil || !object || checkValues(meta) != nil {
			return errors.New("meta: not a JSON object the API could answer")
		}
		v.Meta = encodeMeta(meta)
	}
	ids[v.UID] = true
	return nil
}

// checkBroadcast checks a session read from a state, against the
// account's videos.
func checkBroadcast(b *Broadcast, a *account) error {
	if b == nil {
		return nil
	}
	switch {
	case b.Protocol != ProtocolRTMPS && b.Protocol != ProtocolSRT && b.Protocol != ProtocolWebRTC:
		return fmt.Errorf("protocol: %q is not rtmps, srt or webrtc", b.Protocol)
	case b.Since.IsZero():
		return errors.New("since: a session has it")
	case !b.Connected && b.EndsAt.IsZero():
		return errors.New("endsAt: a session without its broadcaster has it")
	case b.Recording != "" && a.video(b.Recording) == nil:
		return fmt.Errorf("recording: no video %q in the account", b.Recording)
	}
	return nil
}

// WithStateFile keeps the fake's state in a file: New loads it if it
// exists, and SaveState and the admin API's state dump write it (the
// standalone server saves after Close, on shutdown). Each
// write is atomic (a temporary file, synced, then renamed), so a crash
// leaves the old state or the new one, never a torn file.
func WithStateFile(path string) Option {
	return func(c *config) { c.stateFile = path }
}

// parseState decodes a state dump as strictly as the admin API takes one:
// unknown keys, wrong types and trailing data are errors.
func parseState(b []byte) (State, error) {
	var s State
	if err := strictJSON(b, &s); err != nil {
		return State{}, fmt.Errorf("streamfake: a state must be JSON as GET %sstate answers it: %v", AdminPrefix, err)
	}
	return s, nil
}

// loadStateFile reads the state file, if there is one, and makes sure it
// can be written: a state that is not understood, or a path that cannot
// be written, stops New, so the file is never overwritten by a fake that
// could not read it, and never lost at shutdown.
func (f *Fake) loadStateFile() error {
	path := f.cfg.stateFile
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		s, err := parseState(b)
		if err == nil {
			err = f.LoadState(s)
		}
		if err != nil {
			return fmt.Errorf("state file %s: %w", path, err)
		}
	}
	probe, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".probe-*")
	if err != nil {
		return fmt.Errorf("state file %s cannot be written: %w", path, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// SaveState writes the state to the file of WithStateFile; without one it
// does nothing. The file is compact JSON, so its size grows with the state
// alone, however deeply a meta nests.
func (f *Fake) SaveState() error {
	if f.cfg.stateFile == "" {
		return nil
	}
	b, err := json.Marshal(f.State())
	if err != nil {
		return err
	}
	return writeFileAtomic(f.cfg.stateFile, append(b, '\n'))
}

// writeFileAtomic replaces path with data so that a reader, or a restart
// after a crash, sees either the old file or the new one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
