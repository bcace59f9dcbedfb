package streamfake

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// The append encoder must write exactly what encoding/json writes, with
// HTML escaping off, for the same values: these properties and
// FuzzEncoderMatchesEncodingJSON compare the two over arbitrary values.

// stdJSON is the oracle: encoding/json, HTML escaping off, no newline.
func stdJSON(t interface{ Fatalf(string, ...any) }, v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// anyString draws strings that stress escaping: controls, quotes,
// backslashes, U+2028/U+2029, HTML characters, multibyte runes, and bytes
// that are not UTF-8.
func anyString() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.String(),
		rapid.StringOfN(rapid.SampledFrom([]rune("aé日🎥\"\\/<>&\u2028\u2029\u007f\u0080\ufffd\x00\x01\b\f\n\r\t\x1f ")), 0, 16, -1),
		rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 16), func(b []byte) string { return string(b) }),
	)
}

// anyFloat draws finite floats, weighted to where encoding/json changes
// form: around 1e-6 and 1e21, subnormals, huge and negative values.
func anyFloat() *rapid.Generator[float64] {
	return rapid.OneOf(
		rapid.Float64(),
		rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1e-6, 9.999999999999999e-7, 1e-7, 1e21, 9.99999999999999e20, 1e20, 5e-324,
			math.MaxFloat64, -math.MaxFloat64, 30, 1096, 45.5, 0.1, 1e100, 123456789012345678}),
		rapid.Map(rapid.Int64(), func(i int64) float64 { return float64(i) }),
	)
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := anyString().Draw(t, "s")
		if got, want := appendString(nil, s), stdJSON(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		f := anyFloat().Draw(t, "f")
		if math.IsInf(f, 0) || math.IsNaN(f) {
			t.Skip()
		}
		if got, want := appendFloat(nil, f), stdJSON(t, f); !bytes.Equal(got, want) {
			t.Fatalf("%v: got %s, want %s", f, got, want)
		}
	})
}

// anyValue draws decoded JSON values as the decoders produce them, with
// json.Number literals of every spelling.
func anyValue(depth int) *rapid.Generator[any] {
	leaves := []*rapid.Generator[any]{
		rapid.Map(anyString(), func(s string) any { return s }),
		rapid.Map(rapid.SampledFrom([]string{"0", "-0", "1.0", "1e3", "1E+3", "-1.5e-7", "123456789012345678901234567890", "1e400", "4.9e-324"}), func(s string) any { return json.Number(s) }),
		rapid.Map(anyFloat(), func(f float64) any { return f }),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Just[any](nil),
	}
	if depth > 0 {
		leaves = append(leaves,
			rapid.Custom(func(t *rapid.T) any {
				m := map[string]any{}
				for range rapid.IntRange(0, 10).Draw(t, "keys") {
					m[anyString().Draw(t, "key")] = anyValue(depth-1).Draw(t, "value")
				}
				return m
			}),
			rapid.Map(rapid.SliceOfN(anyValue(depth-1), 0, 4), func(s []any) any { return s }))
	}
	return rapid.OneOf(leaves...)
}

func TestAppendValueMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		v := anyValue(3).Draw(t, "v")
		got, ok := appendValue(nil, v)
		if !ok {
			t.Fatalf("appendValue refused %#v", v)
		}
		if want := stdJSON(t, v); !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}

// anyLiveInput draws a live input with arbitrary contents, as the fake
// could hold it.
func anyLiveInput(t *rapid.T) LiveInput {
	at := func(name string) time.Time {
		return time.Unix(rapid.Int64Range(-62135596800, 253402300799).Draw(t, name), rapid.Int64Range(0, 999999999).Draw(t, name+" ns")).UTC()
	}
	hex := rapid.StringMatching(`[0-9a-f]{32}`)
	in := LiveInput{
		UID: hex.Draw(t, "uid"), Created: at("created"), Modified: at("modified"),
		Enabled: rapid.Bool().Draw(t, "enabled"), PreferLowLatency: rapid.Bool().Draw(t, "low latency"),
		Recording: Recording{
			HideLiveViewerCount: rapid.Bool().Draw(t, "hide"), Mode: rapid.SampledFrom([]string{RecordingOff, RecordingAutomatic}).Draw(t, "mode"),
			RequireSignedURLs: rapid.Bool().Draw(t, "signed"), TimeoutSeconds: rapid.Int64().Draw(t, "timeout"),
		},
		Secrets: Secrets{RTMPS: hex.Draw(t, "s1"), RTMPSPlayback: hex.Draw(t, "s2"), SRT: hex.Draw(t, "s3"), SRTPlayback: hex.Draw(t, "s4"), WebRTC: hex.Draw(t, "s5")},
	}
	if rapid.Bool().Draw(t, "rotated") {
		in.KeysRotatedAt = at("rotated at")
	}
	if rapid.Bool().Draw(t, "has days") {
		d := anyFloat().Draw(t, "days")
		in.DeleteRecordingAfterDays = &d
	}
	if rapid.Bool().Draw(t, "has origins") {
		in.Recording.AllowedOrigins = rapid.SliceOfN(anyString(), 0, 4).Draw(t, "origins")
	}
	if rapid.Bool().Draw(t, "has meta") {
		m, _ := appendValue(nil, anyValue(2).Draw(t, "meta"))
		in.Meta = m
	}
	for range rapid.IntRange(0, 3).Draw(t, "transitions") {
		in.setStatus(rapid.SampledFrom([]Status{StatusConnected, StatusClientDisconnect, StatusReconnected, StatusTTLExceeded}).Draw(t, "reason"), at("status at"))
	}
	return in
}

// TestAppendLiveInputMatchesEncodingJSON: every response shape, built by
// the append encoder, equals encoding/json's encoding of the wire structs
// (encode_oracle_test.go) inside the envelope.
func TestAppendLiveInputMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		in := anyLiveInput(t)
		code := rapid.StringMatching(`[a-z0-9]{16}`).Draw(t, "customer code")
		now := time.Unix(rapid.Int64Range(0, 4102444800).Draw(t, "now"), 0)
		form := rapid.SampledFrom([]StatusForm{StatusObject, StatusString}).Draw(t, "form")
		got := successResponse(func(b []byte) []byte { return appendLiveInput(b, &in, code, now, form) })
		want := stdJSON(t, envelope{Success: true, Errors: []APIError{}, Messages: []APIError{}, Result: in.wire(code, now, form)})
		if !bytes.Equal(got.body, want) {
			t.Fatalf("live input:\ngot  %s\nwant %s", got.body, want)
		}
		if got, want := appendSummary(nil, &in), stdJSON(t, in.summary()); !bytes.Equal(got, want) {
			t.Fatalf("summary:\ngot  %s\nwant %s", got, want)
		}
		o := Output{UID: in.UID, URL: anyString().Draw(t, "url"), StreamKey: anyString().Draw(t, "key"), Enabled: in.Enabled}
		if got, want := appendOutput(nil, o), stdJSON(t, o.wire()); !bytes.Equal(got, want) {
			t.Fatalf("output:\ngot  %s\nwant %s", got, want)
		}
	})
}

func TestFailureMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		var errs []APIError
		for range rapid.IntRange(0, 3).Draw(t, "errors") {
			e := APIError{Code: rapid.IntRange(0, 20000).Draw(t, "code"), Message: anyString().Draw(t, "message")}
			if rapid.Bool().Draw(t, "chain") {
				e.ErrorChain = []APIError{{Code: 6111, Message: anyString().Draw(t, "chained")}}
			}
			if rapid.Bool().Draw(t, "source") {
				e.Source = &ErrorSource{Pointer: anyString().Draw(t, "pointer")}
			}
			errs = append(errs, e)
		}
		if errs == nil {
			errs = []APIError{}
		}
		got := failure(400, errs...).body
		want := stdJSON(t, envelope{Success: false, Errors: errs, Messages: []APIError{}})
		if !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}

// FuzzEncoderMatchesEncodingJSON: for any string, and any JSON document
// decoded, the append encoder writes what encoding/json writes.
func FuzzEncoderMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "plain", "\u2028\u2029", "\xff\xfe", "<&>", "\"\\/\b\f\n\r\t\x00\x1f\x7f",
		`{"b":1,"a":[1.0,1e3,-0,"x"],"c":{"z":null,"y":true}}`, `123456789012345678901234567890`, `[1e-7,1e21,5e-324]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendString(nil, s), stdJSON(t, s); !bytes.Equal(got, want) {
			t.Fatalf("string %q: got %s, want %s", s, got, want)
		}
		doc, err := stdDecode([]byte(s))
		if err != nil {
			return
		}
		got, ok := appendValue(nil, doc)
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if stdErr := enc.Encode(doc); (stdErr == nil) != ok {
			t.Fatalf("%s: appendValue ok %v, encoding/json error %v", s, ok, stdErr)
		} else if ok && !bytes.Equal(got, bytes.TrimSuffix(b.Bytes(), []byte("\n"))) {
			t.Fatalf("value %s: got %s, want %s", s, got, b.Bytes())
		}
		if f, err := json.Number(s).Float64(); err == nil && !math.IsInf(f, 0) {
			if got, want := appendFloat(nil, f), stdJSON(t, f); !bytes.Equal(got, want) {
				t.Fatalf("float %v: got %s, want %s", f, got, want)
			}
		}
	})
}

// TestAppendTimestampMatchesFormat, over every representable second of
// the years 0 to 9999 and a few beyond, where it falls back.
func TestAppendTimestampMatchesFormat(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		at := time.Unix(rapid.OneOf(rapid.Int64Range(-62167219200, 253402300799), rapid.Int64Range(-70000000000, 300000000000)).Draw(t, "s"),
			rapid.Int64Range(0, 999999999).Draw(t, "ns"))
		if rapid.Bool().Draw(t, "local") {
			at = at.In(time.FixedZone("x", rapid.IntRange(-50000, 50000).Draw(t, "offset")))
		}
		for _, c := range []struct {
			digits int
			layout string
		}{{6, timestampFormat}, {3, statusTimeFormat}} {
			if got, want := string(appendTimestamp(nil, at, c.digits)), at.UTC().Format(c.layout); got != want {
				t.Fatalf("%v: got %s, want %s", at, got, want)
			}
		}
	})
}
