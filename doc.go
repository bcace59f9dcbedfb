// Package streamfake is an in-process fake of Cloudflare Stream's
// live-input API (/client/v4/accounts/{account_id}/stream/live_inputs and
// everything under it), with the recordings live inputs make (videos) and
// the webhooks Cloudflare sends, for tests of code that talks to Cloudflare.
//
//	f := streamfake.New()
//	defer f.Close()
//	client := cloudflare.NewClient(
//		option.WithBaseURL(f.URL()),
//		option.WithAPIToken(streamfake.DefaultToken),
//		option.WithHTTPClient(f.Client()),
//	)
//	// ... run the code under test with client ...
//	for _, r := range f.Requests() { /* assert what it sent */ }
//
// The fake answers with Cloudflare's envelope, status codes, error codes and
// field formats, and keeps state: what a test creates it can read back,
// change and delete. Request bodies are validated against JSON Schemas of
// our own (package schema), and every violation is reported with a
// source.pointer. Every request, matched or not, is logged (Requests).
// WithSeed and WithClock make ids, secrets and timestamps deterministic.
// The direct state methods (LiveInputs, AddLiveInput, SetStatus, State)
// bypass HTTP. Fault rules (AddFault) fail chosen requests on purpose, before
// or after the work is done. Connect, Disconnect and FailBroadcast simulate
// a broadcaster: statuses change, recordings become videos on the fake's
// clock (a ManualClock moves only when the test moves it), and live
// notifications (WithLiveWebhook) and the Stream webhook are posted to the
// test's endpoints and logged (Deliveries). Package faketest binds a fake to
// a test and adds assertions and rapid generators; cmd/streamfake serves the
// fake, with an admin API, to clients in other languages.
//
// Where the fake differs from Cloudflare: Cloudflare has not published some
// of what the fake must answer (the status and code of an unknown live
// input, of a schema violation, of an oversized body, of a wrong method;
// recording timings and webhook retries), so the fake picks a plausible
// answer; the README's "Fidelity notes" list every such choice, and
// errors.go marks those codes "chosen". No media flows: a broadcast is a
// simulation, and the videos are only live recordings, never uploads.
package streamfake
