package streamfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/streamfake/streamfake/schema"
	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"
)

// bodySchema is a request schema, compiled, with its fast path.
type bodySchema struct {
	name     string
	compiled *gojsonschema.Schema
	// certainlyValid says true only for bodies compiled accepts (fastpath.go).
	certainlyValid func(doc any) bool
}

// compiledSchemas holds the request schemas, compiled once per process: they
// never change, and compiling is far slower than validating.
type compiledSchemas struct {
	liveInput, outputCreate, outputUpdate, webhook *bodySchema
}

var requestSchemas = sync.OnceValue(func() compiledSchemas {
	compile := func(name string, fast func(any) bool) *bodySchema {
		s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(schema.Read(name)))
		if err != nil {
			panic(fmt.Sprintf("streamfake: schema %s does not compile: %v", name, err))
		}
		return &bodySchema{name: name, compiled: s, certainlyValid: fast}
	}
	return compiledSchemas{
		liveInput:    compile(schema.LiveInputRequest, liveInputCertainlyValid),
		outputCreate: compile(schema.OutputCreateRequest, outputCreateCertainlyValid),
		outputUpdate: compile(schema.OutputUpdateRequest, outputUpdateCertainlyValid),
		webhook:      compile(schema.WebhookRequest, func(any) bool { return false }), // rare: no fast path
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

// schemaFor returns the body schema of an operation that takes a body.
func (f *Fake) schemaFor(op Operation) *bodySchema {
	s := requestSchemas()
	switch op {
	case OpCreate, OpUpdate:
		return s.liveInput
	case OpCreateOutput:
		return s.outputCreate
	case OpUpdateOutput:
		return s.outputUpdate
	case OpPutWebhook:
		return s.webhook
	}
	return nil
}

// checkBodyHeaders refuses a body that is not JSON before anything reads
// it: another Content-Type, no body, or bytes that are not UTF-8.
func checkBodyHeaders(h http.Header, body []byte) *response {
	fail := func(status int, errs ...APIError) *response {
		r := failure(status, errs...)
		return &r
	}
	if ct := h.Get("Content-Type"); ct != "" && ct != "application/json" && !isJSONContentType(ct) {
		return fail(http.StatusBadRequest, APIError{Code: CodeContentTypeNotJSON, Message: msgContentTypeNotJSON})
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return fail(http.StatusBadRequest, APIError{Code: CodeMalformedJSON, Message: msgEmptyBody})
	}
	if !utf8.Valid(body) {
		// encoding/json would replace the bytes with U+FFFD and the fake
		// would echo what the client never sent.
		return fail(http.StatusBadRequest, APIError{Code: CodeMalformedJSON, Message: msgNotUTF8})
	}
	return nil
}

// parseBody decodes a body that passed checkBodyHeaders and validates it.
func parseBody(body []byte, s *bodySchema) (map[string]any, *response) {
	doc, err := decodeJSON(body)
	if err != nil {
		msg := msgMalformedJSON
		if err == errLoneSurrogate {
			msg = msgLoneSurrogate
		}
		r := failure(http.StatusBadRequest, APIError{Code: CodeMalformedJSON, Message: msg})
		return nil, &r
	}
	if errs := checkBody(s, doc); errs != nil {
		r := failure(http.StatusBadRequest, errs...)
		return nil, &r
	}
	return doc.(map[string]any), nil // the schemas require an object
}

// checkBody validates a decoded body: on the fast path, or first its values
// (checkValues), then against the schema.
func checkBody(s *bodySchema, doc any) []APIError {
	if s.certainlyValid(doc) {
		return nil
	}
	if errs := checkValues(doc); errs != nil {
		// gojsonschema cannot compare such numbers (it panics on some, and
		// takes seconds on others), and no SDK could decode them.
		return errs
	}
	return validate(s.compiled, doc)
}

// Bounds on what a body may hold, beyond its schema. Cloudflare does not
// publish its own; these keep every value one the SDKs can decode and
// gojsonschema can check quickly, whatever the body.
const (
	// maxBodyDepth is how deeply a body may nest. Responses and dumps wrap
	// a body's meta a few levels deeper, and encoding/json refuses to
	// decode beyond 10,000.
	maxBodyDepth = 64
	// maxNumberLength is the longest number literal a body may hold.
	maxNumberLength = 1000
	// maxExponent bounds a number's exponent: past it, math/big (which
	// gojsonschema uses) refuses the literal.
	maxExponent = 9999
)

// checkValues reports, in pointer order, every value of doc that the
// fake refuses whatever the schema says: a number no 64-bit float can hold
// (1e400, -1e400; such a number is valid JSON, but encoding/json, which
// the official Go SDK uses, could not decode a response that echoed it), a
// number too long or with too large an exponent to check, and nesting
// deeper than maxBodyDepth. Numbers that merely lose precision
// (123456789012345678901234567890) or underflow to zero (1e-400) decode,
// and are echoed as sent.
func checkValues(doc any) []APIError {
	var errs []APIError
	var path []string // the keys and indexes down to v; a pointer is built only for an error
	fail := func(format string, args ...any) {
		var p strings.Builder
		for _, seg := range path {
			p.WriteByte('/')
			p.WriteString(pointerEscaper.Replace(seg))
		}
		pointer := p.String()
		errs = append(errs, APIError{Code: CodeInvalidField, Message: fieldName(pointer) + " " + fmt.Sprintf(format, args...), Source: &ErrorSource{Pointer: pointer}})
	}
	var walk func(v any)
	walk = func(v any) {
		if len(path) > maxBodyDepth {
			fail("is nested deeper than %d levels", maxBodyDepth)
			return
		}
		switch v := v.(type) {
		case json.Number:
			switch {
			case len(v) > maxNumberLength:
				fail("is a number of %d characters, more than %d", len(v), maxNumberLength)
			case exponentBeyond(string(v), maxExponent):
				fail("is %s, a number with an exponent beyond ±%d", v, maxExponent)
			default:
				if _, err := strconv.ParseFloat(string(v), 64); err != nil {
					fail("is %s, a number no 64-bit float can hold", v)
				}
			}
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				path = append(path, k)
				walk(v[k])
				path = path[:len(path)-1]
			}
		case []any:
			for i, e := range v {
				path = append(path, strconv.Itoa(i))
				walk(e)
				path = path[:len(path)-1]
			}
		}
	}
	walk(doc)
	return errs
}

// exponentBeyond reports whether a number literal's exponent is larger in
// magnitude than limit (its digits alone: "1e-99999").
func exponentBeyond(n string, limit int) bool {
	i := strings.IndexAny(n, "eE")
	if i < 0 {
		return false
	}
	e, err := strconv.Atoi(strings.TrimPrefix(n[i+1:], "+"))
	return err != nil || e > limit || e < -limit
}

// validate checks doc against s and turns every violation into a Cloudflare
// error that names the field and points at it.
func validate(s *gojsonschema.Schema, doc any) []APIError {
	res, err := s.Validate(decodedLoader{doc})
	if err != nil {
		// Only a loader error gets here, and decodedLoader has none.
		return []APIError{{Code: CodeMalformedJSON, Message: msgMalformedJSON}}
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
	if re.Type() == "number_any_of" && len(parts) == 0 {
		parts = append(parts, "notificationUrl") // the only anyOf: the webhook body without its URL
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
	field := fieldName(pointer)
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
	case "number_any_of": // the webhook's URL, under either name
		return "notificationUrl (or notification_url) is required"
	case "pattern":
		return fmt.Sprintf("%s must be an http or https URL", field)
	default:
		return fmt.Sprintf("%s is invalid: %s", field, re.Description())
	}
}

// fieldName turns a pointer into the dotted name a message uses.
func fieldName(pointer string) string {
	if pointer == "" {
		return "request body"
	}
	return strings.ReplaceAll(strings.TrimPrefix(pointer, "/"), "/", ".")
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
