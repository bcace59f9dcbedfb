package faketest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"pgregory.net/rapid"
)

// Generators for property tests with pgregory.net/rapid. Use them to test
// your own client against the fake: any body ValidBody draws, the fake
// accepts; any InvalidBody draws, it refuses at exactly the Pointers given.

// ValidBody draws a create or update body that the fake accepts: every
// field may appear, with boundary values (exactly 30 and 1096 days,
// timeouts of 0 and 2^53, empty and wildcard allowedOrigins) and deep,
// unicode-heavy meta. Every number is a float64 that survives a JSON round
// trip, so a drawn body compares equal, with cmp or reflect.DeepEqual, to
// its echo decoded by encoding/json.
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
				rec["timeoutSeconds"] = rapid.OneOf(rapid.Just(0.0), rapid.Map(rapid.Int64Range(0, 86400), toFloat), rapid.Just(float64(1<<53))).Draw(t, "timeout")
			}
			if rapid.Bool().Draw(t, "has origins") {
				origins := rapid.OneOf(
					rapid.Just([]string{}),
					rapid.Just([]string{"*.example.com"}),
					rapid.SliceOfN(rapid.StringMatching(`(\*\.)?[a-z0-9]{1,10}\.(com|org|日本)`), 1, 4),
				).Draw(t, "origins")
				list := make([]any, len(origins)) // as encoding/json decodes an array
				for i, o := range origins {
					list[i] = o
				}
				rec["allowedOrigins"] = list
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

func toFloat(i int64) float64 { return float64(i) }

// metaValue draws values of meta. Numbers are float64: integers a double
// holds exactly, and fractions.
func metaValue(depth int) *rapid.Generator[any] {
	return jsonValue(depth, rapid.OneOf(
		rapid.Map(rapid.Int64Range(-1<<53, 1<<53), func(i int64) any { return float64(i) }),
		rapid.Map(rapid.Float64Range(-1e6, 1e6), func(f float64) any { return f }),
	))
}

// jsonValue draws JSON values nested up to depth, with numbers from numbers.
func jsonValue(depth int, numbers *rapid.Generator[any]) *rapid.Generator[any] {
	leaves := []*rapid.Generator[any]{
		rapid.Map(unicodeString(), func(s string) any { return s }),
		numbers,
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Just[any](nil),
	}
	if depth > 0 {
		leaves = append(leaves,
			rapid.Custom(func(t *rapid.T) any {
				n := rapid.IntRange(0, 4).Draw(t, "keys")
				m := make(map[string]any, n)
				for range n {
					m[unicodeString().Draw(t, "key")] = jsonValue(depth-1, numbers).Draw(t, "value")
				}
				return m
			}),
			rapid.Map(rapid.SliceOfN(jsonValue(depth-1, numbers), 0, 3), func(s []any) any { return s }))
	}
	return rapid.OneOf(leaves...)
}

// extremeNumbers are number literals at and beyond what a 64-bit float
// holds, and the spellings encoding/json never writes.
var extremeNumbers = []string{
	"1e400", "-1e400", "1e999", "-1E+999", "1e-400", "4.9e-324", "1.7976931348623157e308", "1.8e308",
	"123456789012345678901234567890", "-123456789012345678901234567890", "9223372036854775808",
	"-9223372036854775809", "9007199254740993", "29.999999999999999999", "1.0", "1e3", "1E3", "-0", "-0.0", "0e0",
}

// numberLiteral draws json.Number literals: ordinary ones, and the
// extremes, which encoding/json's own Marshal never produces.
func numberLiteral() *rapid.Generator[any] {
	return rapid.OneOf(
		rapid.Map(rapid.SampledFrom(extremeNumbers), func(s string) any { return json.Number(s) }),
		rapid.Map(rapid.Int64(), func(i int64) any { return json.Number(strconv.FormatInt(i, 10)) }),
		rapid.Map(rapid.Float64(), func(f float64) any { return json.Number(strconv.FormatFloat(f, 'g', -1, 64)) }),
		rapid.Custom(func(t *rapid.T) any { // an exponent in the hundreds
			mantissa := rapid.StringMatching(`-?[1-9][0-9]{0,3}(\.[0-9]{1,3})?`).Draw(t, "mantissa")
			return json.Number(fmt.Sprintf("%se%d", mantissa, rapid.IntRange(-999, 999).Draw(t, "exponent")))
		}),
	)
}

// Invalid is a body the fake must refuse, with the JSON Pointers of every
// violation it must report, sorted.
type Invalid struct {
	Body     map[string]any // the body to send
	Pointers []string       // every source.pointer the fake must report, sorted
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
// booleans and null, nested. Numbers are json.Number literals, among them
// ones no 64-bit float holds (1e400), 30-digit integers, and spellings such
// as 1.0, 1e3 and -0, at any depth.
func JSONValue() *rapid.Generator[any] { return jsonValue(3, numberLiteral()) }

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
