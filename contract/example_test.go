package contract_test

import (
	"fmt"

	"github.com/streamfake/streamfake"
	"github.com/streamfake/streamfake/contract"
)

// The authentication scenario against an in-process fake: what each step
// was answered, reduced to what Cloudflare and the fake can share.
func ExampleRun() {
	f := streamfake.New()
	defer f.Close()
	target := contract.Target{Name: "streamfake (in-process)", BaseURL: f.URL(), Client: f.Client(),
		Token: streamfake.DefaultToken, Account: streamfake.DefaultAccountID, Fake: true}
	var auth []contract.Scenario
	for _, sc := range contract.Scenarios {
		if sc.Name == "authentication failures" {
			auth = append(auth, sc)
		}
	}
	results, requests := contract.Run(target, auth, nil)
	for _, step := range results[0].Snapshot.Steps {
		fmt.Println(step.Step+":", step.Answer.Status, step.Answer.Errors)
	}
	fmt.Println(contract.Summary(results)+",", requests, "requests")
	// Output:
	// no credentials: 400 [9106]
	// a malformed Authorization header: 400 [6003 chain 6111]
	// a wrong token: 403 [10000]
	// another account: 403 [10000]
	// a create without credentials: 400 [9106]
	// contract: 1 scenario run, 1 matched, 0 differing, 0 skipped, 5 requests
}
