package faketest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"pgregory.net/rapid"
)

// Generators for property tests with pgregory.net/rapid. Use them to test
// your own client against the fake: any body ValidBody draws, the fake
// accepts; any InvalidBody draws, it refuses at exactly the Pointers given.

// ValidBody draws a create or update body that the fake accepts: every
// field may appear, with boundary values (exactly 30 days, timeouts of 0 and
// very large, empty and wildcard allowedOrigins) and deep, unicode-heavy
// meta. Numbers are float64 or int64, as encoding/json writes them.
func ValidBody() *rapid.Generator[map[string]any] {
	return rapid.Custom(func(t *rapid.T) map[string]any {
		body := map[string]any{}
		maybe := func(name string, draw func() any) {
			if rapid.Bool().Draw(t, "has "+name) {
				body[name] = draw()
			}
		}
		maybe("defaultCreator", func() any { return unicodeString().Draw(t, "defaultCreator") })
		maybe("deleteRecordingAfterDays", func() any {
			return rapid.OneOf(rapid.Just(30.0), rapid.Float64Range(30, 1096), rapid.Just(45.0), rapid.Just(1096.0)).Draw(t, "days")
		})
		maybe("enabled", func() any { return rapid.Bool().Draw(t, "enabled") })
		maybe("preferLowLatency", func() any { return rapid.Bool().Draw(t, "preferLowLatency") })
		maybe("meta", func() any { return metaObject(3).Draw(t, "meta") })
		maybe("recording", func() any {
			rec := map[string]any{}
			if rapid.Bool().Draw(t, "has mode") {
				rec["mode"] = rapid.SampledFrom([]string{"off", "automatic"}).Draw(t, "mode")
			}
			if rapid.Bool().Draw(t, "has timeout") {
				rec["timeoutSeconds"] = rapid.OneOf(rapid.Just(int64(0)), rapid.Int64Range(0, 86400), rapid.Just(int64(1)<<53)).Draw(t, "timeout")
			}
			if rapid.Bool().Draw(t, "has origins") {
				rec["allowedOrigins"] = rapid.OneOf(
					rapid.Just([]string{}),
					rapid.Just([]string{"*.example.com"}),
					rapid.SliceOfN(rapid.StringMatching(`(\*\.)?[a-z0-9]{1,10}\.(com|org|日本)`), 1, 4),
				).Draw(t, "origins")
			}
			for _, b := range []string{"hideLiveViewerCount", "requireSignedURLs"} {
				if rapid.Bool().Draw(t, "has "+b) {
					rec[b] = rapid.Bool().Draw(t, b)
				}
			}
			return rec
		})
		return body
	})
}

// unicodeString draws strings that mix ASCII, accents, CJK, emoji and the
// characters JSON must escape.
func unicodeString() *rapid.Generator[string] {
	return rapid.StringOfN(rapid.SampledFrom([]rune("aZ09 _-é日本語🎥\"\\/<>&\u2028\t")), 0, 12, -1)
}

// metaObject draws a JSON object nested up to depth levels.
func metaObject(depth int) *rapid.Generator[map[string]any] {
	return rapid.Custom(func(t *rapid.T) map[string]any {
		n := rapid.IntRange(0, 4).Draw(t, "keys")
		m := make(map[string]any, n)
		for range n {
			m[unicodeString().Draw(t, "key")] = metaValue(depth).Draw(t, "value")
		}
		return m
	})
}

func metaValue(depth int) *rapid.Generator[any] {
	leaves := []*rapid.Generator[any]{
		rapid.Map(unicodeString(), func(s string) any { return s }),
		rapid.Map(rapid.Int64(), func(i int64) any { return i }),
		rapid.Map(rapid.Float64Range(-1e6, 1e6), func(f float64) any { return f }),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Just[any](nil),
	}
	if depth > 0 {
		leaves = append(leaves,
			rapid.Map(metaObject(depth-1), func(m map[string]any) any { return m }),
			rapid.Map(rapid.SliceOfN(metaValue(depth-1), 0, 3), func(s []any) any { return s }))
	}
	return rapid.OneOf(leaves...)
}

// Invalid is a body the fake must refuse, with the JSON Pointers of every
// violation it must report, sorted.
type Invalid struct {
	Body     map[string]any
	Pointers []string
}

// breaker replaces a field with a value the schema refuses.
type breaker struct {
	pointer string
	bad     []any
}

// breakers lists, for each field, values the schema refuses.
func breakers() []breaker {
	return []breaker{
		{"/deleteRecordingAfterDays", []any{29.99, 0, -30, "45", true}},
		{"/enabled", []any{"true", 1, []any{}}},
		{"/preferLowLatency", []any{"false", 0}},
		{"/meta", []any{"name", 7, []any{"a"}, nil}},
		{"/defaultCreator", []any{5, false, map[string]any{}}},
		{"/recording/mode", []any{"manual", "", "OFF", nil, 1}},
		{"/recording/timeoutSeconds", []any{1.5, "10", true}},
		{"/recording/allowedOrigins", []any{"example.com", 3, map[string]any{}}},
		{"/recording/hideLiveViewerCount", []any{"yes", 0}},
		{"/recording/requireSignedURLs", []any{"no", 1}},
	}
}

// InvalidBody draws a valid body and breaks one or more of its fields.
func InvalidBody() *rapid.Generator[Invalid] {
	return rapid.Custom(func(t *rapid.T) Invalid {
		body := ValidBody().Draw(t, "base")
		breakers := breakers()
		picked := rapid.SliceOfNDistinct(rapid.IntRange(0, len(breakers)-1), 1, 4, rapid.ID[int]).Draw(t, "fields")
		var pointers []string
		for _, i := range picked {
			b := breakers[i]
			bad := rapid.SampledFrom(b.bad).Draw(t, "bad "+b.pointer)
			if name, ok := strings.CutPrefix(b.pointer, "/recording/"); ok {
				rec, _ := body["recording"].(map[string]any)
				if rec == nil {
					rec = map[string]any{}
				}
				rec[name] = bad
				body["recording"] = rec
			} else {
				body[b.pointer[1:]] = bad
			}
			pointers = append(pointers, b.pointer)
		}
		// An element of allowedOrigins that is not a string is reported at its index.
		if rec, ok := body["recording"].(map[string]any); ok && !slices.Contains(pointers, "/recording/allowedOrigins") && rapid.Bool().Draw(t, "bad origin") {
			rec["allowedOrigins"] = []any{"ok.com", 42}
			pointers = append(pointers, "/recording/allowedOrigins/1")
		}
		sort.Strings(pointers)
		return Invalid{Body: body, Pointers: pointers}
	})
}

// JSONValue draws any JSON value: objects, arrays, strings, numbers,
// booleans and null, nested.
func JSONValue() *rapid.Generator[any] { return metaValue(3) }

// JSONBytes draws the encoding of any JSON value.
func JSONBytes() *rapid.Generator[[]byte] {
	return rapid.Map(JSONValue(), func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Sprintf("faketest: JSONValue drew %#v, which does not encode: %v", v, err))
		}
		return b
	})
}

// Bytes draws arbitrary byte strings, often near JSON: empty, random, and
// cut or spliced JSON.
func Bytes() *rapid.Generator[[]byte] {
	return rapid.OneOf(
		rapid.SliceOfN(rapid.Byte(), 0, 64),
		rapid.Custom(func(t *rapid.T) []byte {
			b := JSONBytes().Draw(t, "json")
			return b[:rapid.IntRange(0, len(b)).Draw(t, "cut")]
		}),
		rapid.Custom(func(t *rapid.T) []byte {
			b := append([]byte{}, JSONBytes().Draw(t, "json")...)
			if len(b) > 0 {
				b[rapid.IntRange(0, len(b)-1).Draw(t, "at")] = rapid.Byte().Draw(t, "byte")
			}
			return b
		}),
	)
}
