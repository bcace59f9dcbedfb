// Package schema holds streamfake's own JSON Schemas (draft-07) for the
// bodies of Cloudflare Stream's live-input API.
//
// They are written from the constraints in Cloudflare's reference pages and
// OpenAPI document, not copied from it. The fake compiles the request schemas
// once per process; tests may validate responses against LiveInputResponse.
package schema

import "embed"

//go:embed *.json
var files embed.FS

// Names of the schemas, for Read.
const (
	LiveInputRequest    = "live_input_request.json"    // create and update a live input
	OutputCreateRequest = "output_create_request.json" // create an output
	OutputUpdateRequest = "output_update_request.json" // update an output
	WebhookRequest      = "webhook_request.json"       // set the Stream webhook
	LiveInputResponse   = "live_input_response.json"   // a single live input, as the fake answers it
)

// Read returns a fresh copy of the named schema. It panics if name is not
// one of the constants above, since that is a programming error.
func Read(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic("schema: " + err.Error())
	}
	return b
}
