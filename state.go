package streamfake

import (
	"errors"
	"fmt"
)

// account is one Cloudflare account's live inputs.
type account struct {
	id           string
	customerCode string // the "customer-…" WebRTC host label, one per account
	inputs       map[string]*LiveInput
	order        []*LiveInput // in creation order: the order List answers in
	videos       []*Video     // oldest first
	webhook      *WebhookSubscription
}

func (a *account) add(in *LiveInput) {
	a.inputs[in.UID] = in
	a.order = append(a.order, in)
}

func (a *account) remove(uid string) {
	delete(a.inputs, uid)
	for i, in := range a.order {
		if in.UID == uid {
			a.order = append(a.order[:i], a.order[i+1:]...)
			return
		}
	}
}

// ErrUnknownAccount and ErrUnknownLiveInput are returned by the direct state
// methods for an account the fake does not serve, or a uid it does not hold.
var (
	ErrUnknownAccount   = errors.New("streamfake: unknown account")
	ErrUnknownLiveInput = errors.New("streamfake: unknown live input")
)

// LiveInputs returns copies of the account's live inputs in creation order,
// or nil for an account the fake does not serve.
func (f *Fake) LiveInputs(accountID string) []LiveInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[accountID]
	if a == nil {
		return nil
	}
	out := make([]LiveInput, 0, len(a.order))
	for _, in := range a.order {
		out = append(out, in.clone())
	}
	return out
}

// LiveInput returns a copy of one live input.
func (f *Fake) LiveInput(accountID, uid string) (LiveInput, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.accounts[accountID]; a != nil {
		if in := a.inputs[uid]; in != nil {
			return in.clone(), true
		}
	}
	return LiveInput{}, false
}

// AddLiveInput stores a live input directly, as if it had been created
// before the code under test ran; the fixtures package builds ready-made
// ones. Zero fields are filled in as create would: a new uid, the clock's
// time, new secrets, recording mode "off", new output uids. What a create
// body could not set is an error (meta that is not a JSON object, 10 days
// before deletion, a number no float holds, more than MaxOutputs outputs),
// as are ids and secrets unlike the fake's and a uid already in use. No
// id the fake draws afterwards repeats one given here. Meta is kept as
// the API keeps it: compact, keys sorted. It returns a copy of what was
// stored.
func (f *Fake) AddLiveInput(accountID string, in LiveInput) (LiveInput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[accountID]
	if a == nil {
		return LiveInput{}, fmt.Errorf("%w %q", ErrUnknownAccount, accountID)
	}
	in = in.clone()
	switch {
	case in.UID == "":
	case !isHex32(in.UID):
		return LiveInput{}, fmt.Errorf("streamfake: uid %q is not 32 lowercase hex characters", in.UID)
	case f.holds(in.UID):
		return LiveInput{}, fmt.Errorf("streamfake: uid %q is already in use", in.UID)
	}
	if in.Secrets != (Secrets{}) {
		if err := in.Secrets.check(); err != nil {
			return LiveInput{}, fmt.Errorf("streamfake: %w", err)
		}
	}
	// The ids the caller chose are set aside first, so that no id drawn
	// below, or ever, repeats one.
	if f.foreign == nil {
		f.foreign = map[string]bool{}
	}
	given := []string{in.UID}
	for _, o := range in.Outputs {
		given = append(given, o.UID)
	}
	for _, id := range given {
		if id != "" {
			f.foreign[id] = true
		}
	}
	if in.UID == "" {
		in.UID = f.newID()
	}
	for i := range in.Outputs {
		if in.Outputs[i].UID == "" {
			in.Outputs[i].UID = f.newID()
		}
	}
	now := f.now()
	if in.Recording.Mode == "" {
		in.Recording.Mode = RecordingOff
	}
	if err := in.normalize(now); err != nil {
		return LiveInput{}, fmt.Errorf("streamfake: %w", err)
	}
	if in.Created.IsZero() {
		in.Created = now
	}
	if in.Modified.IsZero() {
		in.Modified = in.Created
	}
	if in.Secrets == (Secrets{}) {
		in.Secrets = f.newSecrets()
	}
	a.add(&in)
	return in.clone(), nil
}

// holds reports whether any account has a live input with this uid. The
// caller holds f.mu.
func (f *Fake) holds(uid string) bool {
	for _, a := range f.accounts {
		if a.inputs[uid] != nil {
			return true
		}
	}
	return false
}

// SetStatus moves a live input to a new connection status, at the fake's
// clock, as a broadcaster connecting or dropping would: the current entry
// ends and joins the history. Only the reasons Cloudflare documents are
// accepted; StatusNone sets the status back to null. It changes the status
// alone: for the whole life of a broadcast, with recordings and webhooks,
// see Connect.
func (f *Fake) SetStatus(accountID, uid string, status Status) error {
	if !status.Valid() {
		return fmt.Errorf("streamfake: %q is not a live input status", status)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[accountID]
	if a == nil {
		return fmt.Errorf("%w %q", ErrUnknownAccount, accountID)
	}
	in := a.inputs[uid]
	if in == nil {
		return fmt.Errorf("%w %q", ErrUnknownLiveInput, uid)
	}
	in.setStatus(status, f.now())
	return nil
}

// Accounts returns the ids of the accounts the fake serves, in the order
// they were configured.
func (f *Fake) Accounts() []string {
	return append([]string{}, f.cfg.accounts...)
}
