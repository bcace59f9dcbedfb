package streamfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Status is a reason a live input's connection status changed: the values
// Cloudflare's OpenAPI document lists for a live input's status. The zero
// value, StatusNone, means no broadcaster has ever connected: the status
// is null.
type Status string

// The reasons Cloudflare's OpenAPI document lists.
const (
	StatusNone                     Status = ""
	StatusConnected                Status = "connected"
	StatusReconnected              Status = "reconnected"
	StatusReconnecting             Status = "reconnecting"
	StatusClientDisconnect         Status = "client_disconnect"
	StatusTTLExceeded              Status = "ttl_exceeded"
	StatusFailedToConnect          Status = "failed_to_connect"
	StatusFailedToReconnect        Status = "failed_to_reconnect"
	StatusNewConfigurationAccepted Status = "new_configuration_accepted"
)

// Valid reports whether s is StatusNone or one of the reasons Cloudflare documents.
func (s Status) Valid() bool {
	switch s {
	case StatusNone, StatusConnected, StatusReconnected, StatusReconnecting, StatusClientDisconnect,
		StatusTTLExceeded, StatusFailedToConnect, StatusFailedToReconnect, StatusNewConfigurationAccepted:
		return true
	}
	return false
}

// The states a status entry reports. Cloudflare's real answers, and client
// code written against them, use these two; the spec's enum holds reasons.
const (
	StateConnected    = "connected"
	StateDisconnected = "disconnected"
)

// State is the state a reason puts a live input in: connected for
// connected, reconnected and new_configuration_accepted (a broadcaster is
// sending), disconnected for the rest (none is). This mapping is the
// fake's reading of the evidence; the README's fidelity notes give it.
func (s Status) State() string {
	switch s {
	case StatusConnected, StatusReconnected, StatusNewConfigurationAccepted:
		return StateConnected
	case StatusNone:
		return ""
	}
	return StateDisconnected
}

// MaxStatusHistory is how many earlier entries a live input's status keeps.
const MaxStatusHistory = 10

// ConnectionStatus is a live input's status, in the shape Cloudflare
// really answers it: the current entry and the earlier ones. A live input
// has none (its status is null) until a broadcaster first connects.
type ConnectionStatus struct {
	Current StatusEntry `json:"current"` // the status now
	// History holds earlier entries, newest first, at most MaxStatusHistory.
	History []StatusEntry `json:"history"`
}

// StatusEntry is one status a live input was in.
type StatusEntry struct {
	State  string `json:"state"`  // StateConnected or StateDisconnected
	Reason Status `json:"reason"` // why it entered the state; never StatusNone
	// EnteredAt is when the input entered the status, by the fake's clock.
	EnteredAt time.Time `json:"statusEnteredAt"`
	// LastSeen is when the status was last observed: for an entry in
	// History, the moment it ended; for the current entry, when it was
	// entered. Responses show a connected current entry as seen now,
	// since its broadcaster is still sending.
	LastSeen time.Time `json:"statusLastSeen"`
}

// UnmarshalJSON reads an entry, or, from state files written before the
// status had its observed shape, a bare reason such as "connected".
func (s *ConnectionStatus) UnmarshalJSON(b []byte) error {
	var reason Status
	if json.Unmarshal(b, &reason) == nil {
		*s = ConnectionStatus{Current: StatusEntry{State: reason.State(), Reason: reason}}
		return nil
	}
	type plain ConnectionStatus // without this method
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode((*plain)(s))
}

// clone returns a deep copy.
func (s *ConnectionStatus) clone() *ConnectionStatus {
	if s == nil {
		return nil
	}
	c := *s
	c.History = append([]StatusEntry(nil), s.History...)
	return &c
}

// check reports what is wrong with a status from outside (AddLiveInput, a
// state), naming the field.
func (s *ConnectionStatus) check() error {
	if s == nil {
		return nil
	}
	entries := append([]StatusEntry{s.Current}, s.History...)
	for i, e := range entries {
		field := "status.current"
		if i > 0 {
			field = fmt.Sprintf("status.history[%d]", i-1)
		}
		switch {
		case e.Reason == StatusNone || !e.Reason.Valid():
			return fmt.Errorf("%s.reason: %q is not a live input status", field, e.Reason)
		case e.State != e.Reason.State():
			return fmt.Errorf("%s.state: %q does not go with reason %q, which is %s", field, e.State, e.Reason, e.Reason.State())
		case e.LastSeen.Before(e.EnteredAt):
			return fmt.Errorf("%s.statusLastSeen: before statusEnteredAt", field)
		}
	}
	if len(s.History) > MaxStatusHistory {
		return fmt.Errorf("status.history: %d entries, more than %d", len(s.History), MaxStatusHistory)
	}
	return nil
}

// fillTimes gives entries without times the time at, as AddLiveInput and
// legacy state files need.
func (s *ConnectionStatus) fillTimes(at time.Time) {
	if s.Current.EnteredAt.IsZero() {
		s.Current.EnteredAt = at
	}
	if s.Current.LastSeen.IsZero() {
		s.Current.LastSeen = s.Current.EnteredAt
	}
}

// setStatus moves the input to a new status at time at: the current entry,
// if any, ends and goes to the front of the history. StatusNone clears the
// status, history included, as a fresh input has none.
func (in *LiveInput) setStatus(reason Status, at time.Time) {
	if reason == StatusNone {
		in.Status = nil
		return
	}
	next := StatusEntry{State: reason.State(), Reason: reason, EnteredAt: at, LastSeen: at}
	if in.Status == nil {
		in.Status = &ConnectionStatus{Current: next, History: []StatusEntry{}}
		return
	}
	prev := in.Status.Current
	prev.LastSeen = at
	history := append([]StatusEntry{prev}, in.Status.History...)
	if len(history) > MaxStatusHistory {
		history = history[:MaxStatusHistory]
	}
	in.Status.Current, in.Status.History = next, history
}

// Reason reports the input's current status reason, or StatusNone.
func (in LiveInput) Reason() Status {
	if in.Status == nil {
		return StatusNone
	}
	return in.Status.Current.Reason
}

// StatusForm is how responses show a live input's status.
type StatusForm int

const (
	// StatusObject, the default, answers the shape Cloudflare really
	// answers: null, or {"current": {...}, "history": [...]}.
	StatusObject StatusForm = iota
	// StatusString answers the shape of Cloudflare's OpenAPI document and
	// the official SDKs' types: null, or the current reason as a string.
	StatusString
)

// WithStatusForm sets how responses show a live input's status. The
// default, StatusObject, is what Cloudflare answers; StatusString is what
// its OpenAPI document declares. The README's fidelity notes give the
// evidence for both.
func WithStatusForm(form StatusForm) Option {
	return func(c *config) { c.statusForm = form }
}

// statusTimeFormat is how status timestamps are answered: RFC 3339 in UTC
// with milliseconds, as in the one real capture ("2022-09-13T12:42:36.679Z").
const statusTimeFormat = "2006-01-02T15:04:05.000Z"

// errStatusForm is New's error for a form it does not know.
var errStatusForm = errors.New("WithStatusForm: the forms are StatusObject and StatusString")
