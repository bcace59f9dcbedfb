package streamfake

import (
	"slices"
	"strings"
	"testing"
)

// TestSchemaRules gives each rule of the create body one valid and one
// invalid value, and checks the invalid one is reported at the right pointer.
func TestSchemaRules(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	cases := []struct {
		field   string // a JSON Pointer
		valid   string // a body with a valid value
		invalid string // a body with an invalid value
		message string // what the error message says
	}{
		{"", `{}`, `[]`, "request body must be an object, not an array"},
		{"", `{"meta":{}}`, `"text"`, "request body must be an object, not a string"},
		{"/deleteRecordingAfterDays", `{"deleteRecordingAfterDays":30}`, `{"deleteRecordingAfterDays":29.9}`, "deleteRecordingAfterDays must be at least 30"},
		{"/deleteRecordingAfterDays", `{"deleteRecordingAfterDays":45.5}`, `{"deleteRecordingAfterDays":"45"}`, "deleteRecordingAfterDays must be a number or null, not a string"},
		{"/deleteRecordingAfterDays", `{"deleteRecordingAfterDays":null}`, `{"deleteRecordingAfterDays":1e400}`, "deleteRecordingAfterDays is 1e400, a number no 64-bit float can hold"},
		{"/deleteRecordingAfterDays", `{"deleteRecordingAfterDays":1096}`, `{"deleteRecordingAfterDays":1096.5}`, "deleteRecordingAfterDays must be at most 1096"},
		{"/recording/mode", `{"recording":{"mode":"automatic"}}`, `{"recording":{"mode":"manual"}}`, `recording.mode must be one of "off", "automatic"`},
		{"/recording/mode", `{"recording":{"mode":"off"}}`, `{"recording":{"mode":null}}`, `recording.mode must be one of`},
		{"/recording/timeoutSeconds", `{"recording":{"timeoutSeconds":10}}`, `{"recording":{"timeoutSeconds":1.5}}`, "recording.timeoutSeconds must be an integer, not a number"},
		{"/recording/timeoutSeconds", `{"recording":{"timeoutSeconds":0}}`, `{"recording":{"timeoutSeconds":"10"}}`, "recording.timeoutSeconds must be an integer, not a string"},
		{"/recording/allowedOrigins", `{"recording":{"allowedOrigins":["*.example.com"]}}`, `{"recording":{"allowedOrigins":"example.com"}}`, "recording.allowedOrigins must be an array, not a string"},
		{"/recording/allowedOrigins/1", `{"recording":{"allowedOrigins":[]}}`, `{"recording":{"allowedOrigins":["a.com",7]}}`, "recording.allowedOrigins.1 must be a string, not an integer"},
		{"/recording", `{"recording":{}}`, `{"recording":true}`, "recording must be an object, not a boolean"},
		{"/enabled", `{"enabled":false}`, `{"enabled":"false"}`, "enabled must be a boolean, not a string"},
		{"/preferLowLatency", `{"preferLowLatency":true}`, `{"preferLowLatency":1}`, "preferLowLatency must be a boolean, not an integer"},
		{"/recording/hideLiveViewerCount", `{"recording":{"hideLiveViewerCount":true}}`, `{"recording":{"hideLiveViewerCount":"yes"}}`, "recording.hideLiveViewerCount must be a boolean"},
		{"/recording/requireSignedURLs", `{"recording":{"requireSignedURLs":true}}`, `{"recording":{"requireSignedURLs":null}}`, "recording.requireSignedURLs must be a boolean, not null"},
		{"/meta", `{"meta":{"name":"x","n":[1,{"a":null}]}}`, `{"meta":["x"]}`, "meta must be an object, not an array"},
		{"/meta", `{"meta":{}}`, `{"meta":null}`, "meta must be an object, not null"},
		{"/defaultCreator", `{"defaultCreator":"creator-1"}`, `{"defaultCreator":42}`, "defaultCreator must be a string, not an integer"},
	}
	for _, tc := range cases {
		t.Run(tc.field+" "+tc.invalid, func(t *testing.T) {
			if r := do(t, f, "POST", inputsPath(accountA), tc.valid, bearer); r.status != 200 {
				t.Errorf("valid %s: status %d: %s", tc.valid, r.status, r.raw)
			}
			r := do(t, f, "POST", inputsPath(accountA), tc.invalid, bearer)
			if r.status != 400 || !slices.Equal(r.codes(), []int{CodeInvalidField}) {
				t.Fatalf("invalid %s: got %d %v, want 400 [%d]: %s", tc.invalid, r.status, r.codes(), CodeInvalidField, r.raw)
			}
			if got := r.pointers(); !slices.Equal(got, []string{tc.field}) {
				t.Errorf("pointers = %q, want %q", got, tc.field)
			}
			if msg := r.env.Errors[0].Message; !strings.HasPrefix(msg, tc.message) {
				t.Errorf("message = %q, want it to start with %q", msg, tc.message)
			}
		})
	}
}

// TestEveryViolationIsReported: not only the first.
func TestEveryViolationIsReported(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	body := `{"deleteRecordingAfterDays":1,"enabled":"yes","meta":3,"recording":{"mode":"x","timeoutSeconds":0.5,"allowedOrigins":[1,"ok",false]},"unknownKey":true}`
	r := do(t, f, "POST", inputsPath(accountA), body, bearer)
	want := []string{"/deleteRecordingAfterDays", "/enabled", "/meta", "/recording/allowedOrigins/0", "/recording/allowedOrigins/2", "/recording/mode", "/recording/timeoutSeconds"}
	if r.status != 400 || !slices.Equal(r.pointers(), want) {
		t.Fatalf("got %d with pointers %q, want 400 with %q", r.status, r.pointers(), want)
	}
	for _, e := range r.env.Errors {
		if e.Code < 1000 {
			t.Errorf("code %d is below 1000", e.Code)
		}
	}
	if got := f.LiveInputs(accountA); len(got) != 0 {
		t.Errorf("an invalid body created %d inputs", len(got))
	}
}

// TestBodyErrors: bodies that are not JSON objects at all.
func TestBodyErrors(t *testing.T) {
	t.Parallel()
	f := startFake(t, WithMaxBodyBytes(64))
	cases := []struct {
		name, body  string
		contentType string
		status      int
		code        int
		message     string
	}{
		{"empty", "", "", 400, CodeMalformedJSON, "Request body is required"},
		{"whitespace", " \n", "", 400, CodeMalformedJSON, "Request body is required"},
		{"cut JSON", `{"meta":`, "", 400, CodeMalformedJSON, msgMalformedJSON},
		{"not JSON", `meta=1`, "", 400, CodeMalformedJSON, msgMalformedJSON},
		{"two values", `{} {}`, "", 400, CodeMalformedJSON, msgMalformedJSON},
		{"form content type", `{}`, "application/x-www-form-urlencoded", 400, CodeContentTypeNotJSON, msgContentTypeNotJSON},
		{"text content type", `{}`, "text/plain", 400, CodeContentTypeNotJSON, msgContentTypeNotJSON},
		{"json with charset", `{}`, "application/json; charset=utf-8", 200, 0, ""},
		{"no content type", `{}`, "", 200, 0, ""},
		{"over the limit", `{"meta":{"name":"` + strings.Repeat("x", 64) + `"}}`, "", 413, CodeBodyTooLarge, "Request body is larger than 64 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"Authorization": bearer["Authorization"]}
			if tc.contentType != "" {
				h["Content-Type"] = tc.contentType
			}
			r := do(t, f, "POST", inputsPath(accountA), tc.body, h)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.code != 0 && (len(r.env.Errors) != 1 || r.env.Errors[0].Code != tc.code || r.env.Errors[0].Message != tc.message) {
				t.Errorf("errors = %+v, want one %d %q", r.env.Errors, tc.code, tc.message)
			}
		})
	}
	// The oversized body is in the log with its declared size; it was
	// refused without being read.
	var big []Request
	for _, r := range f.Requests() {
		if r.Status == 413 {
			big = append(big, r)
		}
	}
	if len(big) != 1 || len(big[0].Body) != 0 || big[0].BodySize != int64(64+len(`{"meta":{"name":""}}`)) {
		t.Errorf("413 entries = %v, want one with the declared size and no body", big)
	}
}
