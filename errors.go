package streamfake

// Cloudflare API error codes the fake answers with, in Request.ErrorCodes
// and in the envelope's "errors". Where a code was seen in a real
// Cloudflare response, the comment says where; "chosen" marks a code the
// fake picked because no real response could be found (the README's
// fidelity notes list each choice).
const (
	// CodeMissingCredentials: no Authorization, X-Auth-Email or X-Auth-Key
	// header. Seen: cloudflare/cloudflare-python#2678 (HTTP 400).
	CodeMissingCredentials = 9106
	// CodeInvalidRequestHeaders wraps a header format error in error_chain.
	// Seen: jeessy2/ddns-go#916, cloudflare/cloudflare-typescript#161 (HTTP 400).
	CodeInvalidRequestHeaders = 6003
	// CodeInvalidEmailHeader: X-Auth-Email is not an email address.
	// Seen in error_chain: NewFuture/DDNS#152.
	CodeInvalidEmailHeader = 6102
	// CodeInvalidKeyHeader: X-Auth-Key is not a Global API key.
	// Seen in error_chain: cloudflare/cloudflare-typescript#161.
	CodeInvalidKeyHeader = 6103
	// CodeInvalidAuthorizationHeader: Authorization is not "Bearer <token>".
	// Seen in error_chain: jeessy2/ddns-go#658.
	CodeInvalidAuthorizationHeader = 6111
	// CodeAuthenticationError: credentials that are well formed but wrong, or
	// that cannot reach the account. Seen: terraform-provider-cloudflare#1533 (403).
	CodeAuthenticationError = 10000
	// CodeNoRouteForURI and CodeCouldNotRoute: an account id that is not an
	// identifier, or a path the API does not serve. Seen: cloudflare-go#118 (400).
	CodeNoRouteForURI = 7000
	CodeCouldNotRoute = 7003
	// CodeMalformedJSON: the body is not JSON, not UTF-8, or incomplete. Seen
	// on the DNS API: undefinedplayer/cloudflare-ddns#10 (400).
	CodeMalformedJSON = 6007
	// CodeContentTypeNotJSON: a body sent with a Content-Type other than
	// application/json. Seen on the DNS API: timothymiller/cloudflare-ddns#61.
	CodeContentTypeNotJSON = 9207
	// CodeRateLimited: too many requests. Quoted for terraform-provider-cloudflare#5505 (429).
	CodeRateLimited = 971

	// CodeInvalidField: a body field breaks the schema, or holds a number no
	// 64-bit float can hold; one error per violation, each with
	// source.pointer. Chosen.
	CodeInvalidField = 10005
	// CodeNotFound: no live input, output, video or webhook with that identifier. Chosen.
	CodeNotFound = 10003
	// CodeBodyTooLarge: the body is over the fake's limit (HTTP 413). Chosen.
	CodeBodyTooLarge = 10009
	// CodeMethodNotAllowed: the path exists but not with this method (HTTP 405). Chosen.
	CodeMethodNotAllowed = 10405
	// CodeRequestTimeout: the body did not arrive within the read timeout (HTTP 408). Chosen.
	CodeRequestTimeout = 10408
	// CodeTooManyOutputs: a live input already has MaxOutputs outputs. Chosen.
	CodeTooManyOutputs = 10010
	// CodeInternalError and CodeServiceUnavailable are sent by injected
	// faults, and CodeInternalError by a panic in the fake, which is a bug. Chosen.
	CodeInternalError      = 10001
	CodeServiceUnavailable = 10013
)

// Messages that go with the codes above. Those of seen codes are
// Cloudflare's own words.
const (
	msgMissingCredentials         = "Missing X-Auth-Key, X-Auth-Email or Authorization headers"
	msgInvalidRequestHeaders      = "Invalid request headers"
	msgInvalidEmailHeader         = "Invalid format for X-Auth-Email header"
	msgInvalidKeyHeader           = "Invalid format for X-Auth-Key header"
	msgInvalidAuthorizationHeader = "Invalid format for Authorization header"
	msgAuthenticationError        = "Authentication error"
	msgNoRouteForURI              = "No route for that URI"
	msgCouldNotRouteFormat        = "Could not route to %s, perhaps your object identifier is invalid?"
	msgMalformedJSON              = "Malformed JSON in request body"
	msgContentTypeNotJSON         = "Content-type must be application/json."
	msgRateLimited                = "Please wait and consider throttling your request speed"
	msgLiveInputNotFound          = "Live input not found"
	msgOutputNotFound             = "Output not found"
	msgVideoNotFound              = "Video not found"
	msgWebhookNotFound            = "No webhook is set for this account"
	msgBodyTooLargeFormat         = "Request body is larger than %d bytes"
	msgMethodNotAllowedFormat     = "Method %s not allowed for this route"
	msgTooManyOutputsFormat       = "A live input can have at most %d outputs"
	msgInternalError              = "Internal server error"
	msgServiceUnavailable         = "Service temporarily unavailable"
	msgEmptyBody                  = "Request body is required"
	msgNotUTF8                    = "Request body is not valid UTF-8"
	msgLoneSurrogate              = "Request body has a \\u escape of half a UTF-16 surrogate pair, which is not a character"
	msgIncompleteBodyFormat       = "Request body ended after %d of %s bytes"
	msgRequestTimeoutFormat       = "Request body did not arrive within %v"
	msgIncludeCountsNotBoolean    = "include_counts must be true or false"
)

// APIError is one entry of a Cloudflare envelope's "errors" array.
type APIError struct {
	Code       int          `json:"code"`                  // Code… constants
	Message    string       `json:"message"`               // for people, not for matching
	ErrorChain []APIError   `json:"error_chain,omitempty"` // the causes of a 6003, as Cloudflare nests them
	Source     *ErrorSource `json:"source,omitempty"`      // the body field at fault, for validation errors
}

// ErrorSource points at the part of the request an error is about.
type ErrorSource struct {
	// Pointer is a JSON Pointer (RFC 6901) into the request body, such as
	// "/recording/mode".
	Pointer string `json:"pointer"`
}
