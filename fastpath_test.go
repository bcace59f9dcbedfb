package streamfake

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The fast paths are proven against the definitions they shortcut: the
// single-pass decoder against encoding/json, the fast validation against
// gojsonschema and the schemas in schema/, and the fast patch against the
// general path. Generated bodies lean on the boundaries: numbers at and
// near every bound, spelled every way, every enum value and near misses,
// escapes, unknown and repeated keys, deep nesting.

// ws draws JSON whitespace.
func ws(t *rapid.T) string {
	return rapid.SampledFrom([]string{"", "", "", " ", "\n", "\t ", "\r\n  "}).Draw(t, "ws")
}

// quoted writes s as a JSON string, sometimes with escapes the fast path
// leaves to encoding/json.
func quoted(t *rapid.T, s string) string {
	if rapid.IntRange(0, 5).Draw(t, "escape") == 0 && s != "" {
		i := rapid.IntRange(0, len(s)-1).Draw(t, "at")
		return `"` + s[:i] + fmt.Sprintf(`\u%04x`, s[i]) + s[i+1:] + `"`
	}
	return fmt.Sprintf("%q", s) // Go's quoting is JSON for these strings
}

var numberSpellings = []string{"0", "-0", "1", "29", "30", "31", "45", "1095", "1096", "1097", "30.0", "3e1", "3E+1", "29.999999999999999999",
	"1096.0000000000001", "1.0", "1e3", "1.5", "-1", "999999999999999", "1000000000000000", "9223372036854775807", "9223372036854775808",
	"-9223372036854775808", "123456789012345678901234567890", "1e400", "-1e400", "1e-400", "4.9e-324", "01", "1.", ".5", "+1", "0x10"}

// numberText draws a number literal: a spelling above, or a random one.
func numberText(t *rapid.T) string {
	return rapid.OneOf(
		rapid.SampledFrom(numberSpellings),
		rapid.Map(rapid.Int64Range(-2000, 2000), func(i int64) string { return fmt.Sprint(i) }),
		rapid.Map(rapid.Float64Range(-1e6, 1e6), func(f float64) string { return fmt.Sprint(f) }),
	).Draw(t, "number")
}

// jsonText draws the text of any JSON value, nested up to depth.
func jsonText(t *rapid.T, depth int) string {
	kinds := []string{"string", "number", "literal"}
	if depth > 0 {
		kinds = append(kinds, "object", "array")
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "string":
		return quoted(t, rapid.StringOfN(rapid.SampledFrom([]rune("ab é日\u2028<")), 0, 6, -1).Draw(t, "s"))
	case "number":
		return numberText(t)
	case "literal":
		return rapid.SampledFrom([]string{"true", "false", "null"}).Draw(t, "literal")
	case "object":
		var members []string
		for range rapid.IntRange(0, 4).Draw(t, "members") {
			key := rapid.SampledFrom([]string{"a", "b", "name", "mode", "", "é"}).Draw(t, "key")
			members = append(members, ws(t)+quoted(t, key)+ws(t)+":"+ws(t)+jsonText(t, depth-1)+ws(t))
		}
		return "{" + strings.Join(members, ",") + ws(t) + "}"
	}
	var items []string
	for range rapid.IntRange(0, 3).Draw(t, "items") {
		items = append(items, ws(t)+jsonText(t, depth-1)+ws(t))
	}
	return "[" + strings.Join(items, ",") + ws(t) + "]"
}

// liveInputBodyText draws a create or update body: mostly the API's own
// fields with boundary values, sometimes a broken or unknown one.
func liveInputBodyText(t *rapid.T) string {
	var value func(name string) string
	value = func(name string) string {
		switch name {
		case "deleteRecordingAfterDays":
			return rapid.OneOf(rapid.Just("null"), rapid.Custom(numberText), rapid.Just(`"45"`)).Draw(t, name)
		case "timeoutSeconds":
			return rapid.OneOf(rapid.Custom(numberText), rapid.Just(`"10"`), rapid.Just("null")).Draw(t, name)
		case "mode":
			return rapid.SampledFrom([]string{`"off"`, `"automatic"`, `"Off"`, `"automatic "`, `""`, `"o\u0066f"`, "null", "1"}).Draw(t, name)
		case "enabled", "preferLowLatency", "hideLiveViewerCount", "requireSignedURLs":
			return rapid.SampledFrom([]string{"true", "false", "true", "false", `"true"`, "0", "null"}).Draw(t, name)
		case "defaultCreator":
			return rapid.OneOf(rapid.Custom(func(t *rapid.T) string { return quoted(t, rapid.String().Draw(t, "s")) }), rapid.Just("7")).Draw(t, name)
		case "allowedOrigins":
			var items []string
			for range rapid.IntRange(0, 3).Draw(t, "origins") {
				items = append(items, rapid.SampledFrom([]string{`"example.com"`, `"*.example.com"`, `"日本.jp"`, "42", "null"}).Draw(t, "origin"))
			}
			return rapid.OneOf(rapid.Just("["+strings.Join(items, ",")+"]"), rapid.Just(`"example.com"`)).Draw(t, name)
		case "meta":
			return rapid.OneOf(rapid.Custom(func(t *rapid.T) string { return jsonText(t, 3) }), rapid.Just(`{"name":"studio"}`),
				rapid.Just(`{"deep":`+strings.Repeat(`{"a":`, 20)+"1"+strings.Repeat("}", 20)+"}")).Draw(t, name)
		case "recording":
			var members []string
			for _, k := range rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"allowedOrigins", "hideLiveViewerCount", "mode", "requireSignedURLs", "timeoutSeconds", "extra"}), 0, 6, rapid.ID[string]).Draw(t, "recording keys") {
				members = append(members, quoted(t, k)+":"+ws(t)+value(k))
			}
			if rapid.IntRange(0, 9).Draw(t, "recording not an object") == 0 {
				return "true"
			}
			return "{" + strings.Join(members, ","+ws(t)) + "}"
		}
		return jsonText(t, 1)
	}
	keys := rapid.SliceOfN(rapid.SampledFrom([]string{"defaultCreator", "deleteRecordingAfterDays", "enabled", "meta",
		"preferLowLatency", "recording", "recording", "meta", "unknown"}), 0, 7).Draw(t, "keys") // repeats test last-wins
	var members []string
	for _, k := range keys {
		members = append(members, ws(t)+quoted(t, k)+ws(t)+":"+ws(t)+value(k)+ws(t))
	}
	return "{" + strings.Join(members, ",") + "}" + ws(t)
}

// TestFastDecodeMatchesEncodingJSON: whenever the single-pass decoder
// answers, it answers what encoding/json does.
func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.OneOf(rapid.Custom(func(t *rapid.T) string { return jsonText(t, 4) }), rapid.Custom(liveInputBodyText),
			rapid.Map(rapid.SliceOfN(rapid.Byte(), 0, 32), func(b []byte) string { return string(b) })).Draw(t, "text")
		checkFastDecode(t, []byte(text))
	})
}

func checkFastDecode(t interface {
	Fatalf(string, ...any)
}, b []byte) {
	fast, ok := fastDecode(b)
	if !ok {
		return
	}
	std, err := stdDecode(b)
	if err != nil {
		t.Fatalf("%q: the fast decoder accepted what encoding/json refuses: %v", b, err)
	}
	if !reflect.DeepEqual(fast, std) {
		t.Fatalf("%q:\nfast %#v\nstd  %#v", b, fast, std)
	}
}

// TestFastPathIsSound: a body the fast path accepts, gojsonschema (with
// the number check) accepts too, and the fast patch is the one the general
// path builds; and certainlyValid, on any decoded body of any schema,
// implies gojsonschema's acceptance.
func TestFastPathIsSound(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		checkFastPath(t, []byte(liveInputBodyText(t)))
	})
}

// slowCheck is checkBody without its fast path.
func slowCheck(s *bodySchema, doc any) []APIError {
	if errs := checkValues(doc); errs != nil {
		return errs
	}
	return validate(s.compiled, doc)
}

func checkFastPath(t interface {
	Fatalf(string, ...any)
}, b []byte) {
	schemas := requestSchemas()
	if p, ok := fastLiveInputPatch(b); ok {
		doc, err := stdDecode(b)
		if err != nil {
			t.Fatalf("%s: the fast patch accepted what encoding/json refuses: %v", b, err)
		}
		if errs := slowCheck(schemas.liveInput, doc); errs != nil {
			t.Fatalf("%s: the fast patch accepted what the schema refuses: %+v", b, errs)
		}
		if general := patchFromBody(doc.(map[string]any)); !reflect.DeepEqual(p, general) {
			t.Fatalf("%s:\nfast    %+v\ngeneral %+v", b, p, general)
		}
	}
	doc, err := stdDecode(b)
	if err != nil {
		return
	}
	for _, s := range []*bodySchema{schemas.liveInput, schemas.outputCreate, schemas.outputUpdate} {
		if s.certainlyValid(doc) {
			if errs := slowCheck(s, doc); errs != nil {
				t.Fatalf("%s: %s's fast path accepted what the schema refuses: %+v", b, s.name, errs)
			}
		}
	}
}

// TestFastPathTakesTheCommonBodies: the fast paths are not dead code: the
// seed's example body, and the bodies the SDKs send, take them.
func TestFastPathTakesTheCommonBodies(t *testing.T) {
	for _, body := range []string{string(benchBody), `{}`, `{"meta":{"name":"x"}}`,
		`{"recording":{"mode":"automatic","timeoutSeconds":10,"allowedOrigins":["example.com"]},"deleteRecordingAfterDays":45,"preferLowLatency":true}`} {
		if _, ok := fastLiveInputPatch([]byte(body)); !ok {
			t.Errorf("%s does not take the fast path", body)
		}
	}
	for s, body := range map[*bodySchema]string{requestSchemas().outputCreate: `{"url":"rtmp://x","streamKey":"k","enabled":true}`, requestSchemas().outputUpdate: `{"enabled":false}`} {
		doc, _ := fastDecode([]byte(body))
		if !s.certainlyValid(doc) {
			t.Errorf("%s does not take the fast path", body)
		}
	}
}

func FuzzFastDecodeMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{string(benchBody), `{"a":"\u00e9"}`, `{"a":1e400}`, `[1.0,1e3,-0]`, `{"a":1,"a":2}`, "{\"a\":\"\xff\"}",
		`{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, ` {} `, `{} x`, `01`, `"\u2028"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkFastDecode(t, b) })
}

func FuzzFastPathIsSound(f *testing.F) {
	for _, s := range []string{string(benchBody), `{"deleteRecordingAfterDays":30}`, `{"deleteRecordingAfterDays":1096}`, `{"deleteRecordingAfterDays":3e1}`,
		`{"deleteRecordingAfterDays":29.999999999999999999}`, `{"recording":{"timeoutSeconds":1e3}}`, `{"recording":{"timeoutSeconds":9223372036854775808}}`,
		`{"recording":{"mode":"o\u0066f"}}`, `{"mo\u0064e":1}`, `{"meta":{"a":1e400}}`, `{"meta":{"a":123456789012345678901234567890}}`,
		`{"recording":{"mode":"off"},"recording":{"mode":"on"}}`, `{"url":"x","streamKey":"y"}`, `{"enabled":true}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkFastPath(t, b) })
}
