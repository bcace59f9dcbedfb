package streamfake

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
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

// stream-live-inputs-list-live-inputs
func (f *Fake) listLiveInputs(c *call) response {
	query, _ := url.ParseQuery(c.rawQuery)
	switch query.Get("include_counts") {
	case "", "true", "false":
	default:
		return failure(http.StatusBadRequest, APIError{Code: CodeInvalidField, Message: msgIncludeCountsNotBoolean})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.accounts[c.account]
	items := make([]liveInputSummaryJSON, 0, len(a.order))
	for _, uid := range a.order {
		items = append(items, a.inputs[uid].summary())
	}
	// Every input is returned at once, so range (the count this response
	// covers) equals total.
	return success(struct {
		LiveInputs []liveInputSummaryJSON `json:"liveInputs"`
		Range      int                    `json:"range"`
		Total      int                    `json:"total"`
	}{items, len(items), len(items)})
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
	applyLiveInputBody(in, c.body)
	a.add(in)
	return success(f.inputJSON(a, in))
}

// inputJSON renders a live input as the API answers it, now.
func (f *Fake) inputJSON(a *account, in *LiveInput) liveInputJSON {
	return in.wire(a.customerCode, f.now(), f.cfg.statusForm)
}

// stream-live-inputs-retrieve-a-live-input
func (f *Fake) retrieveALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		return success(f.inputJSON(a, in))
	})
}

// stream-live-inputs-update-a-live-input
func (f *Fake) updateALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		applyLiveInputBody(in, c.body)
		in.Modified = f.now()
		return success(f.inputJSON(a, in))
	})
}

// stream-live-inputs-delete-a-live-input
func (f *Fake) deleteALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		a.remove(in.UID)
		return success(nil)
	})
}

// stream-live-inputs-enable-a-live-input
func (f *Fake) enableALiveInput(c *call) response { return f.setEnabled(c, true) }

// stream-live-inputs-disable-a-live-input
func (f *Fake) disableALiveInput(c *call) response { return f.setEnabled(c, false) }

func (f *Fake) setEnabled(c *call, enabled bool) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		in.Enabled = enabled
		in.Modified = f.now()
		return success(f.inputJSON(a, in))
	})
}

// stream-live-inputs-rotate-keys-for-a-live-input
func (f *Fake) rotateKeysForALiveInput(c *call) response {
	return f.withInput(c, func(a *account, in *LiveInput) response {
		in.Secrets = f.newSecrets()
		in.KeysRotatedAt = f.now()
		in.Modified = in.KeysRotatedAt
		return success(f.inputJSON(a, in))
	})
}

// stream-live-inputs-list-all-outputs-associated-with-a-specified-live-input
func (f *Fake) listAllOutputs(c *call) response {
	return f.withInput(c, func(_ *account, in *LiveInput) response {
		out := make([]outputJSON, 0, len(in.Outputs))
		for _, o := range in.Outputs {
			out = append(out, o.wire())
		}
		return success(out)
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
		return success(o.wire())
	})
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
		return success(in.Outputs[i].wire())
	})
}

// stream-live-inputs-delete-an-output
func (f *Fake) deleteAnOutput(c *call) response {
	return f.withOutput(c, func(in *LiveInput, i int) response {
		in.Outputs = append(in.Outputs[:i:i], in.Outputs[i+1:]...)
		return success(nil)
	})
}

// applyLiveInputBody sets the fields a validated create or update body
// carries; fields it leaves out stay as they are.
func applyLiveInputBody(in *LiveInput, body map[string]any) {
	for k, v := range body {
		switch k {
		case "defaultCreator":
			in.DefaultCreator = v.(string)
		case "deleteRecordingAfterDays":
			if v == nil {
				in.DeleteRecordingAfterDays = nil // null removes a scheduled deletion
			} else {
				d, _ := v.(json.Number).Float64() // the schema bounds it to a float64
				in.DeleteRecordingAfterDays = &d
			}
		case "enabled":
			in.Enabled = v.(bool)
		case "meta":
			in.Meta = encodeJSON(v)
		case "preferLowLatency":
			in.PreferLowLatency = v.(bool)
		case "recording":
			applyRecording(&in.Recording, v.(map[string]any))
		}
	}
}

func applyRecording(rec *Recording, body map[string]any) {
	for k, v := range body {
		switch k {
		case "allowedOrigins":
			origins := []string{}
			for _, o := range v.([]any) {
				origins = append(origins, o.(string))
			}
			rec.AllowedOrigins = origins
		case "hideLiveViewerCount":
			rec.HideLiveViewerCount = v.(bool)
		case "mode":
			rec.Mode = v.(string)
		case "requireSignedURLs":
			rec.RequireSignedURLs = v.(bool)
		case "timeoutSeconds":
			rec.TimeoutSeconds = integer(v.(json.Number))
		}
	}
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
