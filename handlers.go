package streamfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// dispatch runs the call's operation.
func (f *Fake) dispatch(c *call) response {
	switch c.op {
	case OpList:
		return f.listLiveInputs(c)
	case OpCreate:
		return f.createALiveInput(c)
	case OpGet:
		return f.retrieveALiveInput(c)
	case OpUpdate:
		return f.updateALiveInput(c)
	case OpDelete:
		return f.deleteALiveInput(c)
	case OpEnable:
		return f.enableALiveInput(c)
	case OpDisable:
		return f.disableALiveInput(c)
	case OpRotateKeys:
		return f.rotateKeysForALiveInput(c)
	case OpListOutputs:
		return f.listAllOutputs(c)
	case OpCreateOutput:
		return f.createANewOutput(c)
	case OpUpdateOutput:
		return f.updateAnOutput(c)
	case OpDeleteOutput:
		return f.deleteAnOutput(c)
	case OpListVideos:
		return f.listVideos(c)
	case OpGetVideo:
		return f.retrieveVideoDetails(c)
	case OpDeleteVideo:
		return f.deleteVideo(c)
	case OpListLiveInputVideos:
		return f.listLiveInputVideos(c)
	case OpGetWebhook:
		return f.viewWebhooks(c)
	case OpPutWebhook:
		return f.createWebhooks(c)
	case OpDeleteWebhook:
		return f.deleteWebhooks(c)
	}
	panic("streamfake: no handler for " + string(c.op)) // parseRoute returns only the operations above
}

func notFound(msg string) response {
	return failure(http.StatusBadRequest, APIError{Code: CodeNotFound, Message: msg})
}

// withInput runs fn on the call's live input under the lock, or answers
// not found.
func (f *Fake) withInput(c *call, fn func(a *account, in *LiveInput) response) response {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	in := a.inputs[c.liveInput]
	if in == nil {
		return notFound(msgLiveInputNotFound)
	}
	return fn(a, in)
}

// parseQuery reads a query whose parameters named in reads the fake
// interprets. A query that does not parse (a ";" separator, a bad escape)
// or that gives one of those parameters twice is a 400 naming it: the fake
// would otherwise act on one reading of it, silently.
func parseQuery(raw string, reads ...string) (url.Values, *response) {
	q, err := url.ParseQuery(raw)
	bad := func(msg string) (url.Values, *response) {
		r := failure(http.StatusBadRequest, APIError{Code: CodeInvalidField, Message: msg})
		return nil, &r
	}
	if err != nil {
		return bad(fmt.Sprintf("The query string is malformed: %v", err))
	}
	for _, name := range reads {
		if len(q[name]) > 1 {
			return bad(fmt.Sprintf("%s is given %d times; give it once", name, len(q[name])))
		}
	}
	return q, nil
}

// stream-live-inputs-list-live-inputs
func (f *Fake) listLiveInputs(c *call) response {
	query, bad := parseQuery(c.rawQuery, "include_counts")
	if bad != nil {
		return *bad
	}
	switch query.Get("include_counts") {
	case "", "true", "false":
	default:
		return failure(http.StatusBadRequest, APIError{Code: CodeInvalidField, Message: msgIncludeCountsNotBoolean})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	// Every input is returned at once, so range (the count this response
	// covers) equals total.
	return successResponse(func(b []byte) []byte {
		b = append(b, `{"liveInputs":[`...)
		for i, in := range a.order {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendSummary(b, in)
		}
		b = append(b, `],"range":`...)
		b = strconv.AppendInt(b, int64(len(a.order)), 10)
		b = append(b, `,"total":`...)
		b = strconv.AppendInt(b, int64(len(a.order)), 10)
		return append(b, '}')
	})
}

// inputResponse answers a live input as the API shows it at time now. The
// caller holds f.mu.
func (f *Fake) inputResponse(a *account, in *LiveInput, now time.Time) response {
	return successResponse(func(b []byte) []byte { return appendLiveInput(b, in, a.customerCode, now, f.cfg.statusForm) })
}

// deleted is the answer to a delete: the envelope with a null result.
func deleted() response {
	return successResponse(func(b []byte) []byte { return append(b, "null"...) })
}

// stream-live-inputs-create-a-live-input
func (f *Fake) createALiveInput(c *call) response {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	now := f.now()
	in := &LiveInput{
		UID: f.newID(), Created: now, Modified: now, Enabled: true,
		Recording: Recording{Mode: RecordingOff}, Secrets: f.newSecrets(),
	}
	c.patch.apply(in)
	a.add(in)
	return f.inputResponse(a, in, now)
}

// stream-live-inputs-retrieve-a-live-input
func (f *Fake) retrieveALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response { return f.inputResponse(a, in, f.now()) })
}

// stream-live-inputs-update-a-live-input
func (f *Fake) updateALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		c.patch.apply(in)
		return f.changed(c, a, in)
	})
}

// changed stamps a change of an input's settings and answers it. A
// disabled input cuts off its broadcaster, whether /disable or an update
// with {"enabled":false} disabled it.
func (f *Fake) changed(c *call, a *account, in *LiveInput) response {
	in.Modified = f.now()
	if !in.Enabled {
		c.deliveries = f.prepare(f.cutOff(a, in, in.Modified))
	}
	return f.inputResponse(a, in, in.Modified)
}

// stream-live-inputs-delete-a-live-input. A broadcaster is cut off, and
// the recording ends at once: it stays, as a ready video.
func (f *Fake) deleteALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		if in.Broadcast != nil {
			now := f.now()
			events := f.cutOff(a, in, now)
			events = append(events, f.endSession(a, in, now)...)
			c.deliveries = f.prepare(events)
		}
		a.remove(in.UID)
		return deleted()
	})
}

// stream-live-inputs-enable-a-live-input
func (f *Fake) enableALiveInput(c *call) response { return f.setEnabled(c, true) }

// stream-live-inputs-disable-a-live-input
func (f *Fake) disableALiveInput(c *call) response { return f.setEnabled(c, false) }

// setEnabled enables or disables an input; disabling cuts off its
// broadcaster.
func (f *Fake) setEnabled(c *call, enabled bool) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		in.Enabled = enabled
		return f.changed(c, a, in)
	})
}

// stream-live-inputs-rotate-keys-for-a-live-input
func (f *Fake) rotateKeysForALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		in.Secrets = f.newSecrets()
		in.KeysRotatedAt = f.now()
		in.Modified = in.KeysRotatedAt
		// "Broadcasts using stale credentials are automatically disconnected."
		c.deliveries = f.prepare(f.cutOff(a, in, in.Modified))
		return f.inputResponse(a, in, in.Modified)
	})
}

// stream-live-inputs-list-all-outputs-associated-with-a-specified-live-input
func (f *Fake) listAllOutputs(c *call) response {
	return f.withInput(c, func(_ *account, in *LiveInput) response {
		return successResponse(func(b []byte) []byte {
			b = append(b, '[')
			for i, o := range in.Outputs {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendOutput(b, o)
			}
			return append(b, ']')
		})
	})
}

// stream-live-inputs-create-a-new-output,-connected-to-a-live-input
func (f *Fake) createANewOutput(c *call) response {
	return f.withInput(c, func(_ *account, in *LiveInput) response {
		if len(in.Outputs) >= MaxOutputs {
			return failure(http.StatusBadRequest, APIError{Code: CodeTooManyOutputs, Message: fmt.Sprintf(msgTooManyOutputsFormat, MaxOutputs)})
		}
		o := Output{UID: f.newID(), URL: c.body["url"].(string), StreamKey: c.body["streamKey"].(string), Enabled: true}
		if e, ok := c.body["enabled"].(bool); ok {
			o.Enabled = e
		}
		in.Outputs = append(in.Outputs, o)
		return outputResponse(o)
	})
}

func outputResponse(o Output) response {
	return successResponse(func(b []byte) []byte { return appendOutput(b, o) })
}

// withOutput runs fn on the call's output under the lock, or answers not found.
func (f *Fake) withOutput(c *call, fn func(in *LiveInput, i int) response) response {
	return f.withInput(c, func(_ *account, in *LiveInput) response {
		for i := range in.Outputs {
			if in.Outputs[i].UID == c.output {
				return fn(in, i)
			}
		}
		return notFound(msgOutputNotFound)
	})
}

// stream-live-inputs-update-an-output
func (f *Fake) updateAnOutput(c *call) response {
	return f.withOutput(c, func(in *LiveInput, i int) response {
		in.Outputs[i].Enabled = c.body["enabled"].(bool)
		return outputResponse(in.Outputs[i])
	})
}

// stream-live-inputs-delete-an-output
func (f *Fake) deleteAnOutput(c *call) response {
	return f.withOutput(c, func(in *LiveInput, i int) response {
		in.Outputs = append(in.Outputs[:i:i], in.Outputs[i+1:]...)
		return deleted()
	})
}

// liveInputPatch is a validated create or update body: the fields it
// sets, each with a bit in set. It is built from the decoded body
// (patchFromBody) or, on the fast path, straight from its bytes
// (fastLiveInputPatch); apply is the one place that changes an input.
type liveInputPatch struct {
	set                                    patchField
	defaultCreator                         string
	deleteDays                             *float64 // nil when set: null, no scheduled deletion
	enabled                                bool
	preferLowLatency                       bool
	meta                                   []byte // compact, keys sorted, number literals as sent
	allowedOrigins                         []string
	hideLiveViewerCount, requireSignedURLs bool
	mode                                   string
	timeoutSeconds                         int64
}

// patchField names a field of a live-input body.
type patchField uint16

const (
	patchDefaultCreator patchField = 1 << iota
	patchDeleteDays
	patchEnabled
	patchPreferLowLatency
	patchMeta
	patchAllowedOrigins
	patchHideLiveViewerCount
	patchMode
	patchRequireSignedURLs
	patchTimeoutSeconds
)

// apply sets the fields the patch carries; the others stay as they are.
func (p *liveInputPatch) apply(in *LiveInput) {
	has := func(f patchField) bool { return p.set&f != 0 }
	if has(patchDefaultCreator) {
		in.DefaultCreator = p.defaultCreator
	}
	if has(patchDeleteDays) {
		in.DeleteRecordingAfterDays = p.deleteDays // nil: null removes a scheduled deletion
	}
	if has(patchEnabled) {
		in.Enabled = p.enabled
	}
	if has(patchPreferLowLatency) {
		in.PreferLowLatency = p.preferLowLatency
	}
	if has(patchMeta) {
		in.Meta = p.meta
	}
	if has(patchAllowedOrigins) {
		in.Recording.AllowedOrigins = p.allowedOrigins
	}
	if has(patchHideLiveViewerCount) {
		in.Recording.HideLiveViewerCount = p.hideLiveViewerCount
	}
	if has(patchMode) {
		in.Recording.Mode = p.mode
	}
	if has(patchRequireSignedURLs) {
		in.Recording.RequireSignedURLs = p.requireSignedURLs
	}
	if has(patchTimeoutSeconds) {
		in.Recording.TimeoutSeconds = p.timeoutSeconds
	}
}

// patchFromBody reads a decoded body that checkBody accepted.
func patchFromBody(body map[string]any) *liveInputPatch {
	p := &liveInputPatch{}
	for k, v := range body {
		switch k {
		case "defaultCreator":
			p.set |= patchDefaultCreator
			p.defaultCreator = v.(string)
		case "deleteRecordingAfterDays":
			p.set |= patchDeleteDays
			if v != nil {
				d, _ := v.(json.Number).Float64() // the schema bounds it to a float64
				p.deleteDays = &d
			}
		case "enabled":
			p.set |= patchEnabled
			p.enabled = v.(bool)
		case "meta":
			p.set |= patchMeta
			p.meta = encodeMeta(v)
		case "preferLowLatency":
			p.set |= patchPreferLowLatency
			p.preferLowLatency = v.(bool)
		case "recording":
			for k, v := range v.(map[string]any) {
				switch k {
				case "allowedOrigins":
					p.set |= patchAllowedOrigins
					p.allowedOrigins = []string{}
					for _, o := range v.([]any) {
						p.allowedOrigins = append(p.allowedOrigins, o.(string))
					}
				case "hideLiveViewerCount":
					p.set |= patchHideLiveViewerCount
					p.hideLiveViewerCount = v.(bool)
				case "mode":
					p.set |= patchMode
					p.mode = v.(string)
				case "requireSignedURLs":
					p.set |= patchRequireSignedURLs
					p.requireSignedURLs = v.(bool)
				case "timeoutSeconds":
					p.set |= patchTimeoutSeconds
					p.timeoutSeconds = integer(v.(json.Number))
				}
			}
		}
	}
	return p
}

// encodeMeta encodes a decoded meta as the fake keeps it: compact, keys
// sorted, number literals as sent.
func encodeMeta(v any) []byte {
	var scratch [256]byte
	meta, ok := appendValue(scratch[:0], v)
	if !ok {
		panic("streamfake: meta that the checks passed does not encode") // a bug: ServeHTTP answers 500
	}
	return bytes.Clone(meta)
}

// integer converts a JSON integer the schema has bounded to int64, including
// forms such as 1.0 and 1e3 that strconv rejects.
func integer(n json.Number) int64 {
	if i, err := n.Int64(); err == nil {
		return i
	}
	r, _ := new(big.Rat).SetString(string(n))
	return r.Num().Int64()
}
