package streamfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// decodeJSON parses a request body the way gojsonschema expects it: numbers
// stay json.Number, so 1.50 is echoed as 1.50 and large integers keep their
// digits. It rejects trailing data after the first value. The common body
// takes one pass (fastDecode); anything unusual goes to encoding/json,
// which stays the definition of the result.
func decodeJSON(body []byte) (any, error) {
	if v, ok := fastDecode(body); ok {
		return v, nil
	}
	return stdDecode(body)
}

// stdDecode is decodeJSON by encoding/json alone.
func stdDecode(body []byte) (any, error) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return nil, errors.New("data after the JSON value")
	}
	if hasLoneSurrogate(body) {
		return nil, errLoneSurrogate
	}
	return doc, nil
}

// errLoneSurrogate: encoding/json decodes a \u escape of half a UTF-16
// surrogate pair as U+FFFD, so the fake would store and echo a character
// the client never sent.
var errLoneSurrogate = errors.New(`a \u escape is half of a UTF-16 surrogate pair, not a character`)

// hasLoneSurrogate reports whether valid JSON text holds a \u escape of a
// surrogate that is not part of a pair. Backslashes occur only inside
// strings, so no tokenizing is needed.
func hasLoneSurrogate(b []byte) bool {
	hex4 := func(at int) rune {
		if at+4 > len(b) {
			return -1
		}
		n, err := strconv.ParseUint(string(b[at:at+4]), 16, 16)
		if err != nil {
			return -1
		}
		return rune(n)
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++ // the escaped character, a backslash included
		if i >= len(b) || b[i] != 'u' {
			continue
		}
		r := hex4(i + 1)
		i += 4
		switch {
		case r >= 0xdc00 && r <= 0xdfff:
			return true
		case r >= 0xd800 && r <= 0xdbff:
			if i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
				if low := hex4(i + 3); low >= 0xdc00 && low <= 0xdfff {
					i += 6
					continue
				}
			}
			return true
		}
	}
	return false
}

// maxFastDepth is how deep fastDecode nests before it backs off, so that
// its recursion stays shallow whatever a body holds.
const maxFastDepth = 32

// fastDecode decodes a body in one pass, with the result encoding/json
// (with UseNumber) gives, or reports false to back off: on any escape in a
// string, nesting deeper than maxFastDepth, a byte it does not expect, or
// any syntax error. Keys the API knows come back as constants, without
// an allocation.
func fastDecode(b []byte) (any, bool) {
	d := fastDecoder{b: b}
	v, ok := d.value(0)
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.i == len(d.b)
}

type fastDecoder struct {
	b []byte
	i int
}

func (d *fastDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) value(depth int) (any, bool) {
	d.space()
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		s, ok := d.str()
		return s, ok
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return nil, false
}

func (d *fastDecoder) literal(word string) bool {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return false
	}
	d.i += len(word)
	return true
}

func (d *fastDecoder) object(depth int) (any, bool) {
	if depth > maxFastDepth {
		return nil, false
	}
	d.i++ // {
	m := make(map[string]any, 4)
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.key()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		m[k] = v // a repeated key keeps its last value, as in encoding/json
		if more, ok := d.separator('}'); !ok || !more {
			return m, ok
		}
	}
}

func (d *fastDecoder) array(depth int) (any, bool) {
	if depth > maxFastDepth {
		return nil, false
	}
	d.i++ // [
	a := []any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return a, true
	}
	for {
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		if more, ok := d.separator(']'); !ok || !more {
			return a, ok
		}
	}
}

// separator reads what follows a member or an element: a comma (more is
// to come) or close (the end); anything else is not ok.
func (d *fastDecoder) separator(close byte) (more, ok bool) {
	d.space()
	if d.i >= len(d.b) {
		return false, false
	}
	switch d.b[d.i] {
	case ',':
		d.i++
		return true, true
	case close:
		d.i++
		return false, true
	}
	return false, false
}

// span scans a string's contents and returns them raw, or false on an
// escape, a control character or invalid UTF-8: cases encoding/json
// rewrites, and the fast path leaves to it.
func (d *fastDecoder) span() ([]byte, bool) {
	d.i++ // "
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c < utf8.RuneSelf:
			d.i++
		default:
			r, size := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && size == 1 {
				return nil, false
			}
			d.i += size
		}
	}
	return nil, false
}

func (d *fastDecoder) str() (string, bool) {
	s, ok := d.span()
	return string(s), ok
}

// key is str for an object key, with the API's own keys interned.
func (d *fastDecoder) key() (string, bool) {
	s, ok := d.span()
	if !ok {
		return "", false
	}
	if k, known := knownKeys[string(s)]; known { // no allocation: the lookup converts in place
		return k, true
	}
	return string(s), true
}

// knownKeys interns the keys of the API's request bodies. It is never changed.
var knownKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"defaultCreator", "deleteRecordingAfterDays", "enabled", "meta", "preferLowLatency", "recording",
		"allowedOrigins", "hideLiveViewerCount", "mode", "requireSignedURLs", "timeoutSeconds", "url", "streamKey", "name",
		"notificationUrl", "notification_url"} {
		m[k] = k
	}
	return m
}()

// number scans a number as JSON's grammar defines it, and returns its
// literal as a json.Number.
func (d *fastDecoder) number() (any, bool) {
	start := d.i
	if d.b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case d.i < len(d.b) && d.b[d.i] >= '1' && d.b[d.i] <= '9':
		d.digits()
	default:
		return nil, false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if !d.digits() {
			return nil, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if !d.digits() {
			return nil, false
		}
	}
	return json.Number(d.b[start:d.i]), true
}

// digits skips one or more digits, and reports whether there was one.
func (d *fastDecoder) digits() bool {
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}
