package streamfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// strictJSON decodes one JSON value into v, and refuses what encoding/json
// would let through with a different meaning than the author's: an unknown
// key (a typo in a rule, "time" for "times", would be a silent no-op), a
// key in the wrong case ("UID" fills uid), a key given twice (the last
// silently wins), a float that underflows to zero (1e-400 as a
// probability), text that is not UTF-8, or a \u escape of half a surrogate
// pair (both read as U+FFFD). State files and admin bodies go through it:
// what the fake cannot read exactly, it refuses by name.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	switch {
	case !utf8.Valid(body):
		return errors.New("the JSON is not UTF-8")
	case hasLoneSurrogate(body):
		return errLoneSurrogate
	}
	w := strictWalker{dec: json.NewDecoder(bytes.NewReader(body))}
	w.dec.UseNumber()
	return w.value(reflect.TypeOf(v), "")
}

// strictWalker reads a JSON text token by token, beside the Go type it
// decodes into.
type strictWalker struct {
	dec *json.Decoder
}

// value checks the next value of the text, which decodes into t (nil: a
// value whose keys are not the fake's, such as meta). at names the value
// for errors, as a path of keys and indexes.
func (w *strictWalker) value(t reflect.Type, at string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '[' {
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for i := 0; w.dec.More(); i++ {
				if err := w.value(elem, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		} else if err := w.object(t, at); err != nil {
			return err
		}
		_, err := w.dec.Token() // the closing delimiter
		return err
	case json.Number:
		if t == nil || (t.Kind() != reflect.Float64 && t.Kind() != reflect.Float32) {
			// encoding/json refuses integers out of range itself, and
			// a number in meta is kept as written.
			return nil
		}
		f, err := strconv.ParseFloat(string(tok), t.Bits())
		if err != nil {
			return fmt.Errorf("%s: %s is beyond a 64-bit float", orTop(at), tok)
		}
		if f == 0 && strings.ContainsAny(strings.SplitN(strings.ToLower(string(tok)), "e", 2)[0], "123456789") {
			return fmt.Errorf("%s: %s is too small for a 64-bit float, which would read it as 0", orTop(at), tok)
		}
	}
	return nil
}

// object checks the keys and values of an object whose '{' was just read.
func (w *strictWalker) object(t reflect.Type, at string) error {
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string) // the decoder gives object keys as strings
		if seen[key] {
			return fmt.Errorf("%s: the key %q appears twice", orTop(at), key)
		}
		seen[key] = true
		var elem reflect.Type
		switch {
		case fields != nil:
			ft, ok := fields[key]
			if !ok {
				return fmt.Errorf("%s: unknown key %q%s", orTop(at), key, suggestKey(fields, key))
			}
			elem = ft
		case t != nil && t.Kind() == reflect.Map:
			elem = t.Elem()
		}
		next := key
		if at != "" {
			next = at + "." + key
		}
		if err := w.value(elem, next); err != nil {
			return err
		}
	}
	return nil
}

// jsonFields maps the JSON keys of a struct, as encoding/json names them
// and with embedded structs' keys promoted, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch {
		case name == "-" || (!sf.IsExported() && !sf.Anonymous):
			continue
		case sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct:
			for k, ft := range jsonFields(sf.Type) {
				fields[k] = ft
			}
			continue
		case name == "":
			name = sf.Name
		}
		fields[name] = sf.Type
	}
	return fields
}

// suggestKey names the key that differs from key only in case, if any:
// encoding/json would have taken it.
func suggestKey(fields map[string]reflect.Type, key string) string {
	for k := range fields {
		if strings.EqualFold(k, key) {
			return fmt.Sprintf("; keys are case-sensitive: did you mean %q?", k)
		}
	}
	return ""
}

func orTop(at string) string {
	if at == "" {
		return "the top level"
	}
	return at
}
