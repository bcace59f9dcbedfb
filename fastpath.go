package streamfake

import (
	"bytes"
	"encoding/json"
)

// The validation fast path. gojsonschema is thorough and slow; most
// bodies are plain. A certainlyValid function says "gojsonschema accepts
// this" for the common case, and nothing otherwise: on any doubt (an
// unknown key, a number at a bound or with an exponent, deep nesting) it
// says false and the body goes through checkValues and gojsonschema,
// which stay the only source of error lists. The schemas in schema/ remain
// the statement of the rules: fastpath_test.go checks, over generated and
// fuzzed bodies, that whatever these accept gojsonschema accepts.

// maxFastMetaDepth bounds how deep meta may nest on the fast path.
const maxFastMetaDepth = 16

// liveInputCertainlyValid is the fast path of live_input_request.json.
func liveInputCertainlyValid(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range m {
		switch k {
		case "defaultCreator":
			if _, ok := v.(string); !ok {
				return false
			}
		case "deleteRecordingAfterDays":
			// null, or a plain integer strictly inside 30..1096.
			if v != nil && !plainIntegerWithin(v, 31, 1095) {
				return false
			}
		case "enabled", "preferLowLatency":
			if _, ok := v.(bool); !ok {
				return false
			}
		case "meta":
			if _, ok := v.(map[string]any); !ok || !plainJSON(v, 0) {
				return false
			}
		case "recording":
			if !recordingCertainlyValid(v) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func recordingCertainlyValid(v any) bool {
	rec, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range rec {
		switch k {
		case "allowedOrigins":
			origins, ok := v.([]any)
			if !ok {
				return false
			}
			for _, o := range origins {
				if _, ok := o.(string); !ok {
					return false
				}
			}
		case "hideLiveViewerCount", "requireSignedURLs":
			if _, ok := v.(bool); !ok {
				return false
			}
		case "mode":
			if v != RecordingOff && v != RecordingAutomatic {
				return false
			}
		case "timeoutSeconds":
			// A plain non-negative integer of at most 15 digits: well
			// inside the int64 bounds.
			if !plainIntegerWithin(v, 0, 999_999_999_999_999) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// outputCreateCertainlyValid is the fast path of output_create_request.json.
func outputCreateCertainlyValid(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range m {
		switch k {
		case "url", "streamKey":
			if _, ok := v.(string); !ok {
				return false
			}
		case "enabled":
			if _, ok := v.(bool); !ok {
				return false
			}
		default:
			return false
		}
	}
	_, hasURL := m["url"]
	_, hasKey := m["streamKey"]
	return hasURL && hasKey
}

// outputUpdateCertainlyValid is the fast path of output_update_request.json.
func outputUpdateCertainlyValid(doc any) bool {
	m, ok := doc.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	_, ok = m["enabled"].(bool)
	return ok
}

// plainIntegerWithin reports whether v is a json.Number written as plain
// digits, no sign, fraction or exponent, with a value in [lo, hi].
func plainIntegerWithin(v any, lo, hi int64) bool {
	n, ok := v.(json.Number)
	if !ok || len(n) == 0 || len(n) > 15 {
		return false
	}
	var x int64
	for _, c := range []byte(n) {
		if c < '0' || c > '9' {
			return false
		}
		x = x*10 + int64(c-'0')
	}
	return x >= lo && x <= hi
}

// plainJSON reports whether a decoded value nests at most maxFastMetaDepth
// deep and holds only numbers that certainly fit a float64: no exponent,
// and at most 300 characters, far short of the 309 digits that overflow.
func plainJSON(v any, depth int) bool {
	switch v := v.(type) {
	case json.Number:
		if len(v) > 300 {
			return false
		}
		for _, c := range []byte(v) {
			if c == 'e' || c == 'E' {
				return false
			}
		}
	case map[string]any:
		if depth >= maxFastMetaDepth {
			return false
		}
		for _, e := range v {
			if !plainJSON(e, depth+1) {
				return false
			}
		}
	case []any:
		if depth >= maxFastMetaDepth {
			return false
		}
		for _, e := range v {
			if !plainJSON(e, depth+1) {
				return false
			}
		}
	}
	return true
}

// fastLiveInputPatch reads a create or update body straight from its bytes
// into a patch, when the body is plain enough that liveInputCertainlyValid
// would accept its decoding: the same rules, applied while parsing, so the
// common body costs no decoded map at all. On anything else it reports
// false, and the body takes the general path (decodeJSON, checkBody,
// patchFromBody), which fastpath_test.go checks gives the same patch.
func fastLiveInputPatch(body []byte) (*liveInputPatch, bool) {
	d := fastDecoder{b: body}
	p := &liveInputPatch{}
	// once marks a field as set, and refuses a repeated key: encoding/json
	// keeps a repeated key's last value whole (a second "recording" drops
	// the first's fields), which the fast path leaves to it.
	once := func(f patchField) bool {
		if p.set&f != 0 {
			return false
		}
		p.set |= f
		return true
	}
	recording := false
	ok := d.members(func(key string) bool {
		switch key {
		case "defaultCreator":
			s, ok := d.stringValue()
			p.defaultCreator = s
			return once(patchDefaultCreator) && ok
		case "deleteRecordingAfterDays":
			if !once(patchDeleteDays) {
				return false
			}
			if d.peek() == 'n' {
				return d.literal("null")
			}
			n, ok := d.plainInteger(31, 1095)
			days := float64(n)
			p.deleteDays = &days
			return ok
		case "enabled":
			return once(patchEnabled) && d.boolValue(&p.enabled)
		case "preferLowLatency":
			return once(patchPreferLowLatency) && d.boolValue(&p.preferLowLatency)
		case "meta":
			if !once(patchMeta) || d.peek() != '{' {
				return false
			}
			// Most metas are already canonical but for whitespace; they
			// are copied without a decoded map.
			start := d.i
			var scratch [256]byte
			if meta, ok := d.canonicalObject(scratch[:0], 0); ok {
				p.meta = bytes.Clone(meta)
				return true
			}
			d.i = start
			v, ok := d.value(0)
			if !ok || !plainJSON(v, 0) {
				return false
			}
			p.meta = encodeMeta(v)
			return true
		case "recording":
			if recording {
				return false
			}
			recording = true
			return d.members(func(key string) bool {
				switch key {
				case "allowedOrigins":
					p.allowedOrigins = []string{}
					return once(patchAllowedOrigins) && d.elements(func() bool {
						s, ok := d.stringValue()
						p.allowedOrigins = append(p.allowedOrigins, s)
						return ok
					})
				case "hideLiveViewerCount":
					return once(patchHideLiveViewerCount) && d.boolValue(&p.hideLiveViewerCount)
				case "requireSignedURLs":
					return once(patchRequireSignedURLs) && d.boolValue(&p.requireSignedURLs)
				case "mode":
					if d.peek() != '"' {
						return false
					}
					s, ok := d.span()
					switch {
					case !ok:
						return false
					case string(s) == RecordingOff: // compared in place: the constant is kept, nothing allocated
						p.mode = RecordingOff
					case string(s) == RecordingAutomatic:
						p.mode = RecordingAutomatic
					default:
						return false
					}
					return once(patchMode)
				case "timeoutSeconds":
					n, ok := d.plainInteger(0, 999_999_999_999_999)
					p.timeoutSeconds = n
					return once(patchTimeoutSeconds) && ok
				}
				return false
			})
		}
		return false // a key the fast path does not know
	})
	d.space()
	return p, ok && d.i == len(d.b)
}

// members parses an object, calling member with each key, positioned at
// its value; member must consume the value, or report false.
func (d *fastDecoder) members(member func(key string) bool) bool {
	d.space()
	if d.peek() != '{' {
		return false
	}
	d.i++
	d.space()
	if d.peek() == '}' {
		d.i++
		return true
	}
	for {
		d.space()
		if d.peek() != '"' {
			return false
		}
		k, ok := d.key()
		if !ok {
			return false
		}
		d.space()
		if d.peek() != ':' {
			return false
		}
		d.i++
		d.space()
		if !member(k) {
			return false
		}
		d.space()
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return true
		default:
			return false
		}
	}
}

// elements parses an array, calling element positioned at each item.
func (d *fastDecoder) elements(element func() bool) bool {
	d.space()
	if d.peek() != '[' {
		return false
	}
	d.i++
	d.space()
	if d.peek() == ']' {
		d.i++
		return true
	}
	for {
		d.space()
		if !element() {
			return false
		}
		d.space()
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return true
		default:
			return false
		}
	}
}

// peek returns the next byte, or 0 at the end.
func (d *fastDecoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *fastDecoder) stringValue() (string, bool) {
	if d.peek() != '"' {
		return "", false
	}
	return d.str()
}

func (d *fastDecoder) boolValue(v *bool) bool {
	switch d.peek() {
	case 't':
		*v = true
		return d.literal("true")
	case 'f':
		*v = false
		return d.literal("false")
	}
	return false
}

// plainInteger reads a number written as plain digits (no sign, fraction
// or exponent, at most 15 of them) with a value in [lo, hi].
func (d *fastDecoder) plainInteger(lo, hi int64) (int64, bool) {
	start := d.i
	var x int64
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' && d.i-start < 15 {
		x = x*10 + int64(d.b[d.i]-'0')
		d.i++
	}
	if d.i == start || (d.b[start] == '0' && d.i-start > 1) {
		return 0, false // no digit, or a leading zero, which JSON refuses
	}
	if c := d.peek(); c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' {
		return 0, false // more than 15 digits, or not plain
	}
	return x, x >= lo && x <= hi
}

// canonicalObject appends the object at d's position compactly, if it is
// already in the form encodeMeta writes: keys in strictly increasing
// order, strings without escapes and without U+2028 or U+2029 (which
// encoding/json escapes), numbers without exponents and of at most 300
// characters, nested at most maxFastMetaDepth deep. Otherwise it reports
// false, having consumed some of the input.
func (d *fastDecoder) canonicalObject(b []byte, depth int) ([]byte, bool) {
	if depth >= maxFastMetaDepth || d.peek() != '{' {
		return b, false
	}
	d.i++
	b = append(b, '{')
	var last []byte
	first := true
	d.space()
	if d.peek() == '}' {
		d.i++
		return append(b, '}'), true
	}
	for {
		d.space()
		if d.peek() != '"' {
			return b, false
		}
		key, ok := d.span()
		if !ok || !jsonSafe(key) || (!first && bytes.Compare(key, last) <= 0) {
			return b, false
		}
		last, first = key, false
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, '"', ':')
		d.space()
		if d.peek() != ':' {
			return b, false
		}
		d.i++
		d.space()
		if b, ok = d.canonicalValue(b, depth); !ok {
			return b, false
		}
		d.space()
		switch d.peek() {
		case ',':
			d.i++
			b = append(b, ',')
		case '}':
			d.i++
			return append(b, '}'), true
		default:
			return b, false
		}
	}
}

// canonicalValue is canonicalObject's value: any JSON value, under the
// same conditions.
func (d *fastDecoder) canonicalValue(b []byte, depth int) ([]byte, bool) {
	switch c := d.peek(); {
	case c == '{':
		return d.canonicalObject(b, depth+1)
	case c == '[':
		if depth+1 >= maxFastMetaDepth {
			return b, false
		}
		d.i++
		b = append(b, '[')
		d.space()
		if d.peek() == ']' {
			d.i++
			return append(b, ']'), true
		}
		for {
			d.space()
			var ok bool
			if b, ok = d.canonicalValue(b, depth+1); !ok {
				return b, false
			}
			d.space()
			switch d.peek() {
			case ',':
				d.i++
				b = append(b, ',')
			case ']':
				d.i++
				return append(b, ']'), true
			default:
				return b, false
			}
		}
	case c == '"':
		s, ok := d.span()
		if !ok || !jsonSafe(s) {
			return b, false
		}
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"'), true
	case c == 't':
		return append(b, "true"...), d.literal("true")
	case c == 'f':
		return append(b, "false"...), d.literal("false")
	case c == 'n':
		return append(b, "null"...), d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		start := d.i
		if _, ok := d.number(); !ok {
			return b, false
		}
		lit := d.b[start:d.i]
		if len(lit) > 300 || bytes.ContainsAny(lit, "eE") {
			return b, false
		}
		return append(b, lit...), true
	}
	return b, false
}

// jsonSafe reports whether a string's raw bytes (already free of escapes,
// control bytes and invalid UTF-8) are what encoding/json writes for it:
// true unless they hold U+2028 or U+2029, which it escapes.
func jsonSafe(s []byte) bool {
	return !bytes.Contains(s, []byte("\u2028")) && !bytes.Contains(s, []byte("\u2029"))
}
