package streamfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// State is everything the fake holds, as JSON: for the standalone server's
// state file and admin API, and for tests that snapshot and restore.
type State struct {
	Accounts []AccountState `json:"accounts"`
	// IDDraws is how far the fake's id source had gone. A fake that loads
	// the state, with the same seed, continues from there, so it never
	// issues an id it issued before, deleted or not.
	IDDraws uint64 `json:"idDraws"`
}

// AccountState is one account's part of a State.
type AccountState struct {
	ID string `json:"id"`
	// CustomerCode is the account's customer-<code> WebRTC host label.
	CustomerCode string      `json:"customerCode"`
	LiveInputs   []LiveInput `json:"liveInputs"`
}

// State returns a copy of everything the fake holds.
func (f *Fake) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := State{IDDraws: f.idSource.draws}
	for _, id := range f.cfg.accounts {
		a := f.accounts[id]
		as := AccountState{ID: id, CustomerCode: a.customerCode, LiveInputs: []LiveInput{}}
		for _, uid := range a.order {
			as.LiveInputs = append(as.LiveInputs, a.inputs[uid].clone())
		}
		s.Accounts = append(s.Accounts, as)
	}
	return s
}

// LoadState replaces the live inputs of the accounts in s with the ones in
// s, and their customer codes. Every account in s must be one the fake
// serves (see WithAccount), and every input must be well formed; otherwise
// nothing changes. Accounts not in s keep what they hold.
func (f *Fake) LoadState(s State) error {
	loaded := map[string]*account{}
	ids := map[string]bool{}
	for _, as := range s.Accounts {
		if !slices.Contains(f.cfg.accounts, as.ID) {
			return fmt.Errorf("streamfake: the state holds account %q, which the fake does not serve", as.ID)
		}
		if as.CustomerCode != "" && !customerCode.MatchString(as.CustomerCode) {
			return fmt.Errorf("streamfake: account %s: customer code %q is not 16 of [a-z0-9]", as.ID, as.CustomerCode)
		}
		a := &account{id: as.ID, customerCode: as.CustomerCode, inputs: map[string]*LiveInput{}}
		for _, in := range as.LiveInputs {
			if err := checkLoaded(in, ids); err != nil {
				return fmt.Errorf("streamfake: account %s: %w", as.ID, err)
			}
			in := in.clone()
			if in.Meta != nil {
				// An indented state file indents meta too; keep it compact, as sent.
				var b bytes.Buffer
				json.Compact(&b, in.Meta) // checkLoaded made sure it is JSON
				in.Meta = b.Bytes()
			}
			a.add(&in)
		}
		loaded[as.ID] = a
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// The accounts map itself never changes after New (authenticate reads
	// it without the lock); the accounts in it do.
	for id, a := range loaded {
		current := f.accounts[id]
		current.inputs, current.order = a.inputs, a.order
		if a.customerCode != "" {
			current.customerCode = a.customerCode
		}
	}
	f.idSource.skipTo(s.IDDraws)
	return nil
}

// checkLoaded checks an input read from a state, and collects its ids.
func checkLoaded(in LiveInput, ids map[string]bool) error {
	switch {
	case !isHex32(in.UID):
		return fmt.Errorf("uid %q is not 32 lowercase hex characters", in.UID)
	case ids[in.UID]:
		return fmt.Errorf("uid %s appears twice", in.UID)
	case !in.Status.Valid():
		return fmt.Errorf("input %s: %q is not a live input status", in.UID, in.Status)
	case in.Recording.Mode != RecordingOff && in.Recording.Mode != RecordingAutomatic:
		return fmt.Errorf("input %s: recording mode %q is neither off nor automatic", in.UID, in.Recording.Mode)
	case in.Meta != nil && !json.Valid(in.Meta):
		return fmt.Errorf("input %s: meta is not JSON", in.UID)
	}
	for _, s := range []string{in.Secrets.RTMPS, in.Secrets.RTMPSPlayback, in.Secrets.SRT, in.Secrets.SRTPlayback, in.Secrets.WebRTC} {
		if !isHex32(s) {
			return fmt.Errorf("input %s: secret %q is not 32 lowercase hex characters", in.UID, s)
		}
	}
	ids[in.UID] = true
	for _, o := range in.Outputs {
		if !isHex32(o.UID) || ids[o.UID] {
			return fmt.Errorf("input %s: output id %q is malformed or used twice", in.UID, o.UID)
		}
		ids[o.UID] = true
	}
	return nil
}

// Reset deletes every live input of every account. Ids already issued are
// still never reused.
func (f *Fake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.accounts {
		a.inputs = map[string]*LiveInput{}
		a.order = nil
	}
}

// WithStateFile keeps the fake's state in a file: New loads it if it
// exists, and SaveState and the admin API's state dump write it (the
// standalone server saves after Close, on shutdown). Each
// write is atomic (a temporary file, synced, then renamed), so a crash
// leaves the old state or the new one, never a torn file.
func WithStateFile(path string) Option {
	return func(c *config) { c.stateFile = path }
}

// loadStateFile reads the state file, if there is one.
func (f *Fake) loadStateFile() error {
	b, err := os.ReadFile(f.cfg.stateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("state file %s: %w", f.cfg.stateFile, err)
	}
	return f.LoadState(s)
}

// SaveState writes the state to the file of WithStateFile; without one it
// does nothing.
func (f *Fake) SaveState() error {
	if f.cfg.stateFile == "" {
		return nil
	}
	b, err := json.MarshalIndent(f.State(), "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(f.cfg.stateFile, b)
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
