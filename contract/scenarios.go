package contract

// Scenarios are the suite, in the order it runs them: every operation the
// fake serves, its successes and each class of failure. Each scenario
// creates what it needs, names it with NamePrefix, and deletes it at the end.
var Scenarios = []Scenario{
	{
		Name: "live input: create, read, list, update, delete",
		Steps: []Step{
			createInput,
			{Name: "read it", Method: "GET", Path: "/stream/live_inputs/{input}"},
			{Name: "list", Method: "GET", Path: "/stream/live_inputs"},
			{Name: "list with counts", Method: "GET", Path: "/stream/live_inputs?include_counts=true"},
			{Name: "update", Method: "PUT", Path: "/stream/live_inputs/{input}",
				Body: `{"meta":{"name":"{prefix} renamed"},"recording":{"mode":"off"},"deleteRecordingAfterDays":null}`},
			{Name: "delete", Method: "DELETE", Path: "/stream/live_inputs/{input}"},
			{Name: "read it after the delete", Method: "GET", Path: "/stream/live_inputs/{input}"},
		},
	},
	{
		Name: "live input: disable, enable, rotate keys",
		Steps: []Step{
			createInput,
			{Name: "disable", Method: "POST", Path: "/stream/live_inputs/{input}/disable"},
			{Name: "enable", Method: "POST", Path: "/stream/live_inputs/{input}/enable"},
			{Name: "rotate keys", Method: "POST", Path: "/stream/live_inputs/{input}/rotate_keys"},
			{Name: "read it", Method: "GET", Path: "/stream/live_inputs/{input}"},
		},
	},
	{
		Name: "live input: validation errors",
		Steps: []Step{
			{Name: "a wrong type", Method: "POST", Path: "/stream/live_inputs", Body: `{"enabled":"yes"}`},
			{Name: "a value outside an enum", Method: "POST", Path: "/stream/live_inputs", Body: `{"recording":{"mode":"manual"}}`},
			{Name: "a number below its minimum", Method: "POST", Path: "/stream/live_inputs", Body: `{"deleteRecordingAfterDays":10}`},
			{Name: "several violations", Method: "POST", Path: "/stream/live_inputs", Body: `{"enabled":1,"recording":{"timeoutSeconds":"soon"}}`},
			{Name: "malformed JSON", Method: "POST", Path: "/stream/live_inputs", Body: `{"meta":`},
			{Name: "a body that is not JSON", Method: "POST", Path: "/stream/live_inputs", Body: `name=x`, ContentType: "application/x-www-form-urlencoded"},
			createInput,
			{Name: "an update with a wrong type", Method: "PUT", Path: "/stream/live_inputs/{input}", Body: `{"preferLowLatency":"yes"}`},
		},
	},
	{
		Name: "authentication failures",
		Steps: []Step{
			{Name: "no credentials", Method: "GET", Path: "/stream/live_inputs", Auth: AuthNone},
			{Name: "a malformed Authorization header", Method: "GET", Path: "/stream/live_inputs", Auth: AuthMalformed},
			{Name: "a wrong token", Method: "GET", Path: "/stream/live_inputs", Auth: AuthWrong},
			{Name: "another account", Method: "GET", Path: "/stream/live_inputs", Auth: AuthOtherAccount},
			{Name: "a create without credentials", Method: "POST", Path: "/stream/live_inputs", Body: `{}`, Auth: AuthNone},
		},
		Known: knownForSteps("`messages`/`result` in error bodies", []string{"messages", "result"},
			"no credentials", "a malformed Authorization header", "a wrong token", "another account", "a create without credentials"),
	},
	{
		Name: "unknown ids, methods and routes",
		Steps: []Step{
			{Name: "read an unknown input", Method: "GET", Path: "/stream/live_inputs/{zero}"},
			{Name: "update an unknown input", Method: "PUT", Path: "/stream/live_inputs/{zero}", Body: `{"enabled":true}`},
			{Name: "delete an unknown input", Method: "DELETE", Path: "/stream/live_inputs/{zero}"},
			{Name: "enable an unknown input", Method: "POST", Path: "/stream/live_inputs/{zero}/enable"},
			{Name: "list the outputs of an unknown input", Method: "GET", Path: "/stream/live_inputs/{zero}/outputs"},
			createInput,
			{Name: "update an unknown output", Method: "PUT", Path: "/stream/live_inputs/{input}/outputs/{zero}", Body: `{"enabled":false}`},
			{Name: "delete an unknown output", Method: "DELETE", Path: "/stream/live_inputs/{input}/outputs/{zero}"},
			{Name: "a wrong method", Method: "PATCH", Path: "/stream/live_inputs/{input}", Body: `{"enabled":false}`},
			{Name: "an unknown route", Method: "GET", Path: "/stream/live_inputs/{input}/nonsense"},
		},
	},
	{
		Name: "outputs: create, list, update, delete",
		Steps: []Step{
			createInput,
			{Name: "create an output", Method: "POST", Path: "/stream/live_inputs/{input}/outputs",
				Body: `{"url":"rtmp://a.rtmp.youtube.com/live2","streamKey":"{prefix}-key","enabled":true}`, Save: map[string]string{"output": "result.uid"}},
			{Name: "list them", Method: "GET", Path: "/stream/live_inputs/{input}/outputs"},
			{Name: "disable it", Method: "PUT", Path: "/stream/live_inputs/{input}/outputs/{output}", Body: `{"enabled":false}`},
			{Name: "delete it", Method: "DELETE", Path: "/stream/live_inputs/{input}/outputs/{output}"},
			{Name: "list them after the delete", Method: "GET", Path: "/stream/live_inputs/{input}/outputs"},
		},
	},
	{
		Name: "outputs: validation and the limit of 50",
		Steps: []Step{
			createInput,
			{Name: "an output without a url", Method: "POST", Path: "/stream/live_inputs/{input}/outputs", Body: `{"streamKey":"k"}`},
			{Name: "an update without enabled", Method: "PUT", Path: "/stream/live_inputs/{input}/outputs/{zero}", Body: `{}`},
			{Name: "50 outputs", Method: "POST", Path: "/stream/live_inputs/{input}/outputs", Body: `{"url":"rtmp://example.com/live","streamKey":"k"}`, Repeat: 50},
			{Name: "the 51st output", Method: "POST", Path: "/stream/live_inputs/{input}/outputs", Body: `{"url":"rtmp://example.com/live","streamKey":"k"}`},
		},
	},
	{
		Name: "videos: lists, filters and unknown videos",
		Steps: []Step{
			createInput,
			{Name: "the input's videos, by filter", Method: "GET", Path: "/stream?live_input_id={input}"},
			{Name: "the input's videos, by path", Method: "GET", Path: "/stream/live_inputs/{input}/videos"},
			{Name: "the input's videos, with counts", Method: "GET", Path: "/stream?live_input_id={input}&include_counts=true"},
			{Name: "an unknown status filter", Method: "GET", Path: "/stream?status=finished"},
			{Name: "a limit of 0", Method: "GET", Path: "/stream?limit=0"},
			{Name: "read an unknown video", Method: "GET", Path: "/stream/{zero}"},
			{Name: "delete an unknown video", Method: "DELETE", Path: "/stream/{zero}"},
		},
	},
	{
		Name:        "the Stream webhook",
		SetsWebhook: true,
		Steps: []Step{
			{Name: "read it before any", Method: "GET", Path: "/stream/webhook"},
			{Name: "subscribe", Method: "PUT", Path: "/stream/webhook", Body: `{"notificationUrl":"https://example.com/{prefix}"}`, Creates: "webhook"},
			{Name: "read it", Method: "GET", Path: "/stream/webhook"},
			{Name: "a URL that is not one", Method: "PUT", Path: "/stream/webhook", Body: `{"notificationUrl":"not a url"}`},
			{Name: "delete it", Method: "DELETE", Path: "/stream/webhook"},
			{Name: "read it after the delete", Method: "GET", Path: "/stream/webhook"},
		},
	},
	{
		Name:     "a broadcast's recording",
		FakeOnly: true,
		Steps: []Step{
			{Name: "create an input that records", Method: "POST", Path: "/stream/live_inputs",
				Body: `{"meta":{"name":"{prefix}"},"recording":{"mode":"automatic","timeoutSeconds":10}}`, Creates: "live_input", Save: map[string]string{"input": "result.uid"}},
			{Name: "a broadcaster connects", Method: "POST", Path: "/live_inputs/{input}/connect", Body: `{"protocol":"rtmps"}`, Admin: true},
			{Name: "read the connected input", Method: "GET", Path: "/stream/live_inputs/{input}"},
			{Name: "the live video", Method: "GET", Path: "/stream?live_input_id={input}", Save: map[string]string{"video": "result.0.uid"}},
			{Name: "read the live video", Method: "GET", Path: "/stream/{video}"},
			{Name: "the broadcaster drops", Method: "POST", Path: "/live_inputs/{input}/disconnect", Admin: true},
			{Name: "delete the input, which ends the recording", Method: "DELETE", Path: "/stream/live_inputs/{input}"},
			{Name: "read the ready recording", Method: "GET", Path: "/stream/{video}"},
			{Name: "delete the recording", Method: "DELETE", Path: "/stream/{video}"},
		},
	},
}

// createInput creates a live input, named with NamePrefix, and saves its
// uid as {input}.
var createInput = Step{
	Name: "create a live input", Method: "POST", Path: "/stream/live_inputs",
	Body:    `{"meta":{"name":"{prefix}"},"recording":{"mode":"automatic","timeoutSeconds":30},"deleteRecordingAfterDays":45}`,
	Creates: "live_input", Save: map[string]string{"input": "result.uid"},
}

// knownForSteps allows a difference at the same paths of several steps.
func knownForSteps(reason string, paths []string, steps ...string) []KnownDifference {
	var out []KnownDifference
	for _, s := range steps {
		for _, p := range paths {
			out = append(out, KnownDifference{Step: s, Path: p, Reason: reason})
		}
	}
	return out
}
