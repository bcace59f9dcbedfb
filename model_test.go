package streamfake

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestModel drives one fake over HTTP with random sequences of every
// live-input operation, and after each step compares what the fake answered
// with a small model of what it should hold.
func TestModel(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		f := New(WithClock(ClockFunc(fixedClock(t0, time.Second))))
		defer f.Close()
		m := &familyModel{f: f, inputs: map[string]*modelInput{}, issued: map[string]bool{}}
		rt.Repeat(rapid.StateMachineActions(m))
	})
}

type modelInput struct {
	enabled bool
	meta    string // compact JSON
	mode    string
	timeout int64
	days    *float64
	key     string // rtmps.streamKey, which rotate_keys replaces
	outputs []modelOutput
}

type modelOutput struct {
	uid, url string
	enabled  bool
}

type familyModel struct {
	f       *Fake
	inputs  map[string]*modelInput
	order   []string        // uids in creation order
	deleted []string        // uids deleted so far
	issued  map[string]bool // every uid and output id the fake has issued
}

// call sends a request and decodes the reply; the model's checks use t.
func (m *familyModel) call(t *rapid.T, method, path, body string) reply {
	return do(t, m.f, method, path, body, bearer)
}

func (m *familyModel) pick(t *rapid.T) (string, *modelInput) {
	if len(m.order) == 0 {
		t.Skip("no live input yet")
	}
	uid := rapid.SampledFrom(m.order).Draw(t, "uid")
	return uid, m.inputs[uid]
}

// body draws a create or update body, and applies it to in.
func drawBody(t *rapid.T, in *modelInput) string {
	fields := map[string]any{}
	if rapid.Bool().Draw(t, "set enabled") {
		in.enabled = rapid.Bool().Draw(t, "enabled")
		fields["enabled"] = in.enabled
	}
	if rapid.Bool().Draw(t, "set meta") {
		name := rapid.StringMatching(`[a-zA-Zé日 ]{0,8}`).Draw(t, "name")
		b, _ := json.Marshal(map[string]string{"name": name})
		in.meta = string(b)
		fields["meta"] = map[string]string{"name": name}
	}
	if rapid.Bool().Draw(t, "set days") {
		if rapid.Bool().Draw(t, "null days") {
			in.days = nil
			fields["deleteRecordingAfterDays"] = nil
		} else {
			d := float64(rapid.IntRange(30, 400).Draw(t, "days"))
			in.days = &d
			fields["deleteRecordingAfterDays"] = d
		}
	}
	rec := map[string]any{}
	if rapid.Bool().Draw(t, "set mode") {
		in.mode = rapid.SampledFrom([]string{RecordingOff, RecordingAutomatic}).Draw(t, "mode")
		rec["mode"] = in.mode
	}
	if rapid.Bool().Draw(t, "set timeout") {
		in.timeout = rapid.Int64Range(0, 1<<40).Draw(t, "timeout")
		rec["timeoutSeconds"] = in.timeout
	}
	if len(rec) > 0 {
		fields["recording"] = rec
	}
	b, _ := json.Marshal(fields)
	return string(b)
}

// expect compares a live input in a response with the model.
func (m *familyModel) expect(t *rapid.T, uid string, got map[string]any) {
	want := m.inputs[uid]
	meta, _ := json.Marshal(got["meta"])
	rec := got["recording"].(map[string]any)
	days, hasDays := got["deleteRecordingAfterDays"].(float64)
	switch {
	case got["uid"] != uid:
		t.Fatalf("uid %v, want %s", got["uid"], uid)
	case got["enabled"] != want.enabled:
		t.Fatalf("%s: enabled %v, want %v", uid, got["enabled"], want.enabled)
	case string(meta) != want.meta:
		t.Fatalf("%s: meta %s, want %s", uid, meta, want.meta)
	case rec["mode"] != want.mode || rec["timeoutSeconds"] != float64(want.timeout):
		t.Fatalf("%s: recording %v, want mode %s timeout %d", uid, rec, want.mode, want.timeout)
	case hasDays != (want.days != nil) || (hasDays && days != *want.days):
		t.Fatalf("%s: deleteRecordingAfterDays %v, want %v", uid, got["deleteRecordingAfterDays"], want.days)
	case got["rtmps"].(map[string]any)["streamKey"] != want.key:
		t.Fatalf("%s: streamKey %v, want %s", uid, got["rtmps"], want.key)
	}
}

func (m *familyModel) issue(t *rapid.T, id string) {
	if m.issued[id] {
		t.Fatalf("id %s issued twice", id)
	}
	m.issued[id] = true
}

func (m *familyModel) Create(t *rapid.T) {
	in := &modelInput{enabled: true, meta: "{}", mode: RecordingOff}
	r := m.call(t, "POST", inputsPath(accountA), drawBody(t, in))
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	got := r.result(t)
	uid := got["uid"].(string)
	m.issue(t, uid)
	in.key = got["rtmps"].(map[string]any)["streamKey"].(string)
	m.inputs[uid] = in
	m.order = append(m.order, uid)
	m.expect(t, uid, got)
}

func (m *familyModel) Get(t *rapid.T) {
	uid, _ := m.pick(t)
	r := m.call(t, "GET", inputPath(accountA, uid), "")
	if r.status != 200 {
		t.Fatalf("get %s: %d %s", uid, r.status, r.raw)
	}
	m.expect(t, uid, r.result(t))
}

func (m *familyModel) GetDeleted(t *rapid.T) {
	if len(m.deleted) == 0 {
		t.Skip("nothing deleted yet")
	}
	uid := rapid.SampledFrom(m.deleted).Draw(t, "deleted uid")
	method := rapid.SampledFrom([]string{"GET", "PUT", "DELETE"}).Draw(t, "method")
	if r := m.call(t, method, inputPath(accountA, uid), `{}`); r.status != 400 || !slices.Equal(r.codes(), []int{CodeNotFound}) {
		t.Fatalf("%s of deleted %s: %d %s", method, uid, r.status, r.raw)
	}
}

func (m *familyModel) List(t *rapid.T) {
	q := rapid.SampledFrom([]string{"", "?include_counts=true"}).Draw(t, "query")
	res := m.call(t, "GET", inputsPath(accountA)+q, "").result(t)
	if res["total"] != float64(len(m.order)) || res["range"] != float64(len(m.order)) {
		t.Fatalf("total %v range %v, model holds %d", res["total"], res["range"], len(m.order))
	}
	var uids []string
	for _, it := range res["liveInputs"].([]any) {
		uids = append(uids, it.(map[string]any)["uid"].(string))
	}
	if !slices.Equal(uids, m.order) {
		t.Fatalf("list %v, model %v", uids, m.order)
	}
}

func (m *familyModel) Update(t *rapid.T) {
	uid, in := m.pick(t)
	r := m.call(t, "PUT", inputPath(accountA, uid), drawBody(t, in))
	if r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	m.expect(t, uid, r.result(t))
}

func (m *familyModel) Delete(t *rapid.T) {
	uid, _ := m.pick(t)
	if r := m.call(t, "DELETE", inputPath(accountA, uid), ""); r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	delete(m.inputs, uid)
	m.order = slices.DeleteFunc(m.order, func(u string) bool { return u == uid })
	m.deleted = append(m.deleted, uid)
}

func (m *familyModel) EnableOrDisable(t *rapid.T) {
	uid, in := m.pick(t)
	in.enabled = rapid.Bool().Draw(t, "enable")
	action := map[bool]string{true: "/enable", false: "/disable"}[in.enabled]
	r := m.call(t, "POST", inputPath(accountA, uid)+action, "")
	if r.status != 200 {
		t.Fatalf("%s: %d %s", action, r.status, r.raw)
	}
	m.expect(t, uid, r.result(t))
}

func (m *familyModel) RotateKeys(t *rapid.T) {
	uid, in := m.pick(t)
	r := m.call(t, "POST", inputPath(accountA, uid)+"/rotate_keys", "")
	got := r.result(t)
	key := got["rtmps"].(map[string]any)["streamKey"].(string)
	if r.status != 200 || key == in.key || !strings.HasSuffix(key, "k"+uid) {
		t.Fatalf("rotate_keys: %d, key %s (was %s)", r.status, key, in.key)
	}
	in.key = key
	m.expect(t, uid, got)
}

func (m *familyModel) CreateOutput(t *rapid.T) {
	uid, in := m.pick(t)
	o := modelOutput{url: fmt.Sprintf("rtmp://example.com/live/%d", rapid.IntRange(0, 99).Draw(t, "n")), enabled: rapid.Bool().Draw(t, "enabled")}
	r := m.call(t, "POST", inputPath(accountA, uid)+"/outputs", fmt.Sprintf(`{"url":%q,"streamKey":"k","enabled":%v}`, o.url, o.enabled))
	if len(in.outputs) == MaxOutputs {
		if r.status != 400 {
			t.Fatalf("output over the limit: %d", r.status)
		}
		return
	}
	got := r.result(t)
	o.uid = got["uid"].(string)
	m.issue(t, o.uid)
	if got["url"] != o.url || got["enabled"] != o.enabled {
		t.Fatalf("output %v, want %+v", got, o)
	}
	in.outputs = append(in.outputs, o)
}

func (m *familyModel) pickOutput(t *rapid.T) (string, *modelInput, int) {
	uid, in := m.pick(t)
	if len(in.outputs) == 0 {
		t.Skip("no output")
	}
	return uid, in, rapid.IntRange(0, len(in.outputs)-1).Draw(t, "output")
}

func (m *familyModel) UpdateOutput(t *rapid.T) {
	uid, in, i := m.pickOutput(t)
	in.outputs[i].enabled = rapid.Bool().Draw(t, "enabled")
	r := m.call(t, "PUT", inputPath(accountA, uid)+"/outputs/"+in.outputs[i].uid, fmt.Sprintf(`{"enabled":%v}`, in.outputs[i].enabled))
	if got := r.result(t); got["enabled"] != in.outputs[i].enabled {
		t.Fatalf("update output: %s", r.raw)
	}
}

func (m *familyModel) DeleteOutput(t *rapid.T) {
	uid, in, i := m.pickOutput(t)
	if r := m.call(t, "DELETE", inputPath(accountA, uid)+"/outputs/"+in.outputs[i].uid, ""); r.status != 200 {
		t.Fatalf("delete output: %d %s", r.status, r.raw)
	}
	in.outputs = slices.Delete(in.outputs, i, i+1)
}

func (m *familyModel) ListOutputs(t *rapid.T) {
	uid, in := m.pick(t)
	var got []map[string]any
	if err := json.Unmarshal(m.call(t, "GET", inputPath(accountA, uid)+"/outputs", "").env.Result, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in.outputs) {
		t.Fatalf("%d outputs, model has %d", len(got), len(in.outputs))
	}
	for i, o := range in.outputs {
		if got[i]["uid"] != o.uid || got[i]["enabled"] != o.enabled || got[i]["url"] != o.url {
			t.Fatalf("output %d: %v, want %+v", i, got[i], o)
		}
	}
}

// Check runs after every step: the fake's own state agrees with the model.
func (m *familyModel) Check(t *rapid.T) {
	var uids []string
	for _, in := range m.f.LiveInputs(accountA) {
		uids = append(uids, in.UID)
		if want := m.inputs[in.UID]; want == nil || in.Enabled != want.enabled || len(in.Outputs) != len(want.outputs) {
			t.Fatalf("the fake holds %+v, the model %+v", in, want)
		}
	}
	if !slices.Equal(uids, m.order) {
		t.Fatalf("the fake holds %v, the model %v", uids, m.order)
	}
}
