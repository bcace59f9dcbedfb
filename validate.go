package streamfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/streamfake/streamfake/schema"
	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"
)

// compiledSchemas holds the request schemas, compiled once per process: they
// never change, and compiling is far slower than validating.
type compiledSchemas struct {
	liveInput, outputCreate, outputUpdate *gojsonschema.Schema
}

var requestSchemas = sync.OnceValue(func() compiledSchemas {
	compile := func(name string) *gojsonschema.Schema {
		s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(schema.Read(name)))
		if err != nil {
			panic(fmt.Sprintf("streamfake: schema %s does not compile: %v", name, err))
		}
		return s
	}
	return compiledSchemas{
		liveInput:    compile(schema.LiveInputRequest),
		outputCreate: compile(schema.OutputCreateRequest),
		outputUpdate: compile(schema.OutputUpdateRequest),
	}
})

// decodedLoader hands gojsonschema a document that is already decoded, so
// the body is parsed once for validation and for the handler.
type decodedLoader struct{ doc any }

func (l decodedLoader) JsonSource() any        { return l.doc }
func (l decodedLoader) LoadJSON() (any, error) { return l.doc, nil }
func (l decodedLoader) LoaderFactory() gojsonschema.JSONLoaderFactory {
	return gojsonschema.DefaultJSONLoaderFactory{}
}
func (l decodedLoader) JsonReference() (gojsonreference.JsonReference, error) {
	return gojsonreference.NewJsonReference("#")
}

// decodeJSON parses a request body the way gojsonschema expects it: numbers
// stay json.Number, so 1.50 is echoed as 1.50 and large integers keep their digits.
// It rejects trailing data after the first value.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return nil, errors.New("data after the JSON value")
	}
	return doc, nil
}

// validate checks doc against s and turns every violation into a Cloudflare
// error that names the field and points at it.
func validate(s *gojsonschema.Schema, doc any) []APIError {
	res, err := s.Validate(decodedLoader{doc})
	if err != nil {
		// Only a loader error gets here, and decodedLoader has none.
		return []APIError{{Code: CodeMalformedJSON, Message: MsgMalformedJSON}}
	}
	if res.Valid() {
		return nil
	}
	var out []APIError
	for _, re := range res.Errors() {
		pointer := jsonPointer(re)
		out = append(out, APIError{Code: CodeInvalidField, Message: violationMessage(re, pointer), Source: &ErrorSource{Pointer: pointer}})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Source.Pointer < out[j].Source.Pointer })
	return out
}

// pointerEscaper escapes a key for a JSON Pointer (RFC 6901 §3).
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// pathSeparator cannot occur in a JSON key gojsonschema reports, since the
// keys it walks are the schema's own property names and array indexes.
const pathSeparator = "\x00"

// jsonPointer turns gojsonschema's context ("(root)", "recording", "mode")
// into an RFC 6901 pointer ("/recording/mode"). A missing required property
// is reported on its parent, so the pointer is extended to name it.
func jsonPointer(re gojsonschema.ResultError) string {
	parts := strings.Split(re.Context().String(pathSeparator), pathSeparator)[1:] // drop "(root)"
	if re.Type() == "required" {
		if p, ok := re.Details()["property"].(string); ok {
			parts = append(parts, p)
		}
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(p))
	}
	return b.String()
}

// violationMessage says which field broke which rule, in words a person
// reading a failed test understands without the schema at hand.
func violationMessage(re gojsonschema.ResultError, pointer string) string {
	field := strings.ReplaceAll(strings.TrimPrefix(pointer, "/"), "/", ".")
	if field == "" {
		field = "request body"
	}
	d := re.Details()
	switch re.Type() {
	case "invalid_type":
		return fmt.Sprintf("%s must be %s, not %s", field, article(fmt.Sprint(d["expected"])), article(fmt.Sprint(d["given"])))
	case "enum":
		return fmt.Sprintf("%s must be one of %s", field, d["allowed"])
	case "number_gte":
		return fmt.Sprintf("%s must be at least %v", field, d["min"])
	case "number_lte":
		return fmt.Sprintf("%s must be at most %v", field, d["max"])
	case "required":
		return fmt.Sprintf("%s is required", field)
	default:
		return fmt.Sprintf("%s is invalid: %s", field, re.Description())
	}
}

// article turns gojsonschema's type names ("string", "[number,null]") into
// "a string", "a number or null".
func article(types string) string {
	words := strings.Split(strings.Trim(types, "[]"), ",")
	for i, w := range words {
		switch w {
		case "null":
		case "integer", "object", "array":
			words[i] = "an " + w
		default:
			words[i] = "a " + w
		}
	}
	return strings.Join(words, " or ")
}
