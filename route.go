package streamfake

import (
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
)

// Operation names one operation of the API the fake serves.
type Operation string

// The operations the fake serves. OperationID gives Cloudflare's name for each.
const (
	OpUnmatched    Operation = "unmatched" // no route matched
	OpList         Operation = "list"
	OpCreate       Operation = "create"
	OpGet          Operation = "get"
	OpUpdate       Operation = "update"
	OpDelete       Operation = "delete"
	OpEnable       Operation = "enable"
	OpDisable      Operation = "disable"
	OpRotateKeys   Operation = "rotate_keys"
	OpListOutputs  Operation = "list_outputs"
	OpCreateOutput Operation = "create_output"
	OpUpdateOutput Operation = "update_output"
	OpDeleteOutput Operation = "delete_output"
	// Recordings, which are videos.
	OpListVideos          Operation = "list_videos"
	OpGetVideo            Operation = "get_video"
	OpDeleteVideo         Operation = "delete_video"
	OpListLiveInputVideos Operation = "list_live_input_videos"
	// The Stream webhook.
	OpGetWebhook    Operation = "get_webhook"
	OpPutWebhook    Operation = "put_webhook"
	OpDeleteWebhook Operation = "delete_webhook"
)

// OperationID returns the operationId of Cloudflare's OpenAPI document, or
// "" for OpUnmatched and names the fake does not serve.
func (op Operation) OperationID() string {
	for _, t := range routeTable {
		if i := slices.Index(t.ops, op); i >= 0 {
			return t.operationIDs[i]
		}
	}
	return ""
}

// Operations lists every operation the fake serves, in the order of the
// routing table.
func Operations() []Operation {
	var out []Operation
	for _, t := range routeTable {
		out = append(out, t.ops...)
	}
	return out
}

// routeTemplate is one path of the API: its segments, literal words or
// variables in braces, and the operation of each method it serves.
type routeTemplate struct {
	segments     []string
	methods      []string
	ops          []Operation
	operationIDs []string
}

// The path variables and what routing accepts for each. Cloudflare cannot
// route an id that is not an id: an account is 32 lowercase hex characters,
// and the spec caps the other identifiers at 32 characters.
const (
	varAccount   = "{account}"
	varLiveInput = "{live_input}"
	varOutput    = "{output}"
	varVideo     = "{video}"
)

func varAccepts(variable, value string) bool {
	if variable == varAccount {
		return isHex32(value)
	}
	return value != "" && len(value) <= 32
}

func template(p string, methods []string, ops []Operation, operationIDs ...string) routeTemplate {
	return routeTemplate{segments: strings.Split(strings.TrimPrefix(p, "/"), "/"), methods: methods, ops: ops, operationIDs: operationIDs}
}

// routeTable lists every path the fake serves, without the /client/v4
// prefix. Where a literal segment and a variable could both match
// ("live_inputs" after "stream"), the literal's template comes first.
// It is never changed.
var routeTable = []routeTemplate{
	template("/accounts/{account}/stream/live_inputs", []string{"GET", "POST"}, []Operation{OpList, OpCreate},
		"stream-live-inputs-list-live-inputs", "stream-live-inputs-create-a-live-input"),
	template("/accounts/{account}/stream/live_inputs/{live_input}", []string{"GET", "PUT", "DELETE"}, []Operation{OpGet, OpUpdate, OpDelete},
		"stream-live-inputs-retrieve-a-live-input", "stream-live-inputs-update-a-live-input", "stream-live-inputs-delete-a-live-input"),
	template("/accounts/{account}/stream/live_inputs/{live_input}/enable", []string{"POST"}, []Operation{OpEnable},
		"stream-live-inputs-enable-a-live-input"),
	template("/accounts/{account}/stream/live_inputs/{live_input}/disable", []string{"POST"}, []Operation{OpDisable},
		"stream-live-inputs-disable-a-live-input"),
	template("/accounts/{account}/stream/live_inputs/{live_input}/rotate_keys", []string{"POST"}, []Operation{OpRotateKeys},
		"stream-live-inputs-rotate-keys-for-a-live-input"),
	template("/accounts/{account}/stream/live_inputs/{live_input}/outputs", []string{"GET", "POST"}, []Operation{OpListOutputs, OpCreateOutput},
		"stream-live-inputs-list-all-outputs-associated-with-a-specified-live-input", "stream-live-inputs-create-a-new-output,-connected-to-a-live-input"),
	template("/accounts/{account}/stream/live_inputs/{live_input}/outputs/{output}", []string{"PUT", "DELETE"}, []Operation{OpUpdateOutput, OpDeleteOutput},
		"stream-live-inputs-update-an-output", "stream-live-inputs-delete-an-output"),
	// Documented in Stream Live's guide, not in the OpenAPI document: the
	// operation id is the fake's own.
	template("/accounts/{account}/stream/live_inputs/{live_input}/videos", []string{"GET"}, []Operation{OpListLiveInputVideos},
		"stream-live-inputs-list-videos"),
	template("/accounts/{account}/stream/webhook", []string{"GET", "PUT", "DELETE"}, []Operation{OpGetWebhook, OpPutWebhook, OpDeleteWebhook},
		"stream-webhook-view-webhooks", "stream-webhook-create-webhooks", "stream-webhook-delete-webhooks"),
	template("/accounts/{account}/stream", []string{"GET"}, []Operation{OpListVideos},
		"stream-videos-list-videos"),
	template("/accounts/{account}/stream/{video}", []string{"GET", "DELETE"}, []Operation{OpGetVideo, OpDeleteVideo},
		"stream-videos-retrieve-video-details", "stream-videos-delete-video"),
}

// route is where a request goes.
type route struct {
	op                                Operation
	account, liveInput, output, video string
	// refusal is set when the path is recognised but cannot be served: a
	// method the path does not have.
	refusal *response
}

// set stores a variable's value.
func (rt *route) set(variable, value string) {
	switch variable {
	case varAccount:
		rt.account = value
	case varLiveInput:
		rt.liveInput = value
	case varOutput:
		rt.output = value
	case varVideo:
		rt.video = value
	}
}

// apiPath strips the /client/v4 prefix: the fake serves paths with and
// without it, because the Go SDK drops it when its base URL has no path.
func apiPath(p string) string {
	if strings.HasPrefix(p, "/client/v4/") {
		return p[len("/client/v4"):]
	}
	return p
}

// parseRoute maps a method and path to an operation. The first template
// whose segments match the path decides: a method it lacks is a 405, a
// variable it refuses leaves the request unmatched (7003, as Cloudflare).
func parseRoute(method, fullPath string) route {
	p := apiPath(fullPath)
	if !strings.HasPrefix(p, "/") {
		return route{op: OpUnmatched}
	}
	p = p[1:]
	for _, t := range routeTable {
		rt, fits, accepted := t.match(p)
		if !fits {
			continue
		}
		if !accepted {
			rt.op = OpUnmatched // the path's shape is the API's, an id is malformed
			return rt
		}
		i := slices.Index(t.methods, method)
		if i < 0 {
			resp := failure(http.StatusMethodNotAllowed, APIError{Code: CodeMethodNotAllowed, Message: fmt.Sprintf(msgMethodNotAllowedFormat, method)})
			resp.header = http.Header{"Allow": {strings.Join(t.methods, ", ")}}
			return route{op: OpUnmatched, refusal: &resp}
		}
		rt.op = t.ops[i]
		return rt
	}
	return route{op: OpUnmatched}
}

// match compares a path (without its leading "/") with the template:
// fits when the segments and literal words are the template's, accepted
// when every variable accepts its value too.
func (t routeTemplate) match(p string) (rt route, fits, accepted bool) {
	accepted = true
	for i, seg := range t.segments {
		value, tail, more := strings.Cut(p, "/")
		if more != (i < len(t.segments)-1) {
			return rt, false, false // too few or too many segments
		}
		p = tail
		if !strings.HasPrefix(seg, "{") {
			if seg != value {
				return rt, false, false
			}
			continue
		}
		rt.set(seg, value)
		accepted = accepted && varAccepts(seg, value)
	}
	return rt, true, accepted
}

// refused returns the answer to a route that cannot be served, or nil.
func (rt route) refused(path string) *response {
	if rt.refusal != nil {
		return rt.refusal
	}
	if rt.op == OpUnmatched {
		return noRoute(path)
	}
	return nil
}

func noRoute(path string) *response {
	r := failure(http.StatusBadRequest,
		APIError{Code: CodeCouldNotRoute, Message: fmt.Sprintf(msgCouldNotRouteFormat, path)},
		APIError{Code: CodeNoRouteForURI, Message: msgNoRouteForURI})
	return &r
}

// pattern is the template as a FaultMatch.Path pattern, "*" for each variable.
func (t routeTemplate) pattern() string {
	segs := slices.Clone(t.segments)
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "*"
		}
	}
	return "/" + strings.Join(segs, "/")
}

// patternCanMatch reports whether a path.Match pattern matches some path of
// t that routing accepts. Since "*" and "?" never match "/", the pattern
// must have t's segments; a literal segment must match the word itself, a
// variable some value the variable accepts.
func (t routeTemplate) patternCanMatch(pattern string) bool {
	parts := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	if !strings.HasPrefix(pattern, "/") || len(parts) != len(t.segments) {
		return false
	}
	for i, seg := range t.segments {
		if strings.HasPrefix(seg, "{") {
			if _, ok := witness(parts[i], seg); !ok {
				return false
			}
		} else if ok, _ := path.Match(parts[i], seg); !ok {
			return false
		}
	}
	return true
}

// witness builds a value of the variable that the pattern segment matches,
// if there is one. A match is the literal characters, one character for
// each "?" or class, and any run for each "*"; a run of "0" in the first
// "*" and the first fitting character of each class are enough, because
// variables take any such characters (an account, hex ones) and only their
// length is bounded.
func witness(pattern, variable string) (string, bool) {
	alphabet := "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.~"
	if variable == varAccount {
		alphabet = "0123456789abcdef"
	}
	chunks := []string{""} // the fixed characters between stars
	for i := 0; i < len(pattern); i++ {
		var c byte
		switch pattern[i] {
		case '*':
			chunks = append(chunks, "")
			continue
		case '?':
			c = alphabet[0]
		case '\\':
			if i+1 >= len(pattern) {
				return "", false
			}
			i++
			c = pattern[i]
		case '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 0 {
				return "", false
			}
			class := pattern[i : i+end+2]
			i += end + 1
			for _, r := range []byte(alphabet) {
				if ok, _ := path.Match(class, string(r)); ok {
					c = r
					break
				}
			}
			if c == 0 {
				return "", false
			}
		default:
			c = pattern[i]
		}
		chunks[len(chunks)-1] += string(c)
	}
	fixed := strings.Join(chunks, "")
	want := max(len(fixed), 1) // any value of at least one character
	if variable == varAccount {
		want = 32
	}
	if len(fixed) > want || (len(chunks) == 1 && len(fixed) != want) {
		return "", false
	}
	if len(chunks) > 1 { // the first star takes the missing characters
		chunks[0] += strings.Repeat(alphabet[:1], want-len(fixed))
	}
	value := strings.Join(chunks, "")
	ok, _ := path.Match(pattern, value)
	return value, ok && varAccepts(variable, value)
}
