package streamfake

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestAuthentication checks every credential case of cloudflare-facts.md §4
// against the status, codes and error chain Cloudflare answers with.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	const restrictedToken = "token-for-account-b-only"
	f := startFake(t,
		WithAccount(accountA), WithAccount(accountB),
		WithToken(DefaultToken),
		WithToken(restrictedToken, accountB),
		WithAPIKey(DefaultEmail, DefaultAPIKey),
	)
	cases := []struct {
		name    string
		account string
		headers map[string]string
		status  int
		codes   []int
		chain   []int // codes of the first error's error_chain
	}{
		{"bearer token", accountA, bearer, 200, nil, nil},
		{"lower-case scheme", accountA, map[string]string{"Authorization": "bearer " + DefaultToken}, 200, nil, nil},
		{"email and key", accountA, legacy, 200, nil, nil},
		{"no credentials", accountA, nil, 400, []int{9106}, nil},
		{"only an email", accountA, map[string]string{"X-Auth-Email": DefaultEmail}, 400, []int{9106}, nil},
		{"only a key", accountA, map[string]string{"X-Auth-Key": DefaultAPIKey}, 400, []int{9106}, nil},
		{"token without scheme", accountA, map[string]string{"Authorization": DefaultToken}, 400, []int{6003}, []int{6111}},
		{"basic scheme", accountA, map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, 400, []int{6003}, []int{6111}},
		{"token with a space", accountA, map[string]string{"Authorization": "Bearer two words"}, 400, []int{6003}, []int{6111}},
		{"empty bearer", accountA, map[string]string{"Authorization": "Bearer "}, 400, []int{6003}, []int{6111}},
		{"bad email", accountA, map[string]string{"X-Auth-Email": "not-an-email", "X-Auth-Key": DefaultAPIKey}, 400, []int{6003}, []int{6102}},
		{"token sent as key", accountA, map[string]string{"X-Auth-Email": DefaultEmail, "X-Auth-Key": DefaultToken}, 400, []int{6003}, []int{6103}},
		{"bad email and key", accountA, map[string]string{"X-Auth-Email": "nobody", "X-Auth-Key": "xyz"}, 400, []int{6003}, []int{6102, 6103}},
		{"wrong token", accountA, map[string]string{"Authorization": "Bearer wrong-but-well-formed"}, 403, []int{10000}, nil},
		{"wrong key", accountA, map[string]string{"X-Auth-Email": DefaultEmail, "X-Auth-Key": strings.Repeat("0", 37)}, 403, []int{10000}, nil},
		{"wrong email", accountA, map[string]string{"X-Auth-Email": "other@example.com", "X-Auth-Key": DefaultAPIKey}, 403, []int{10000}, nil},
		{"service key", accountA, map[string]string{"X-Auth-User-Service-Key": "v1.0-abc"}, 403, []int{10000}, nil},
		{"restricted token, its account", accountB, map[string]string{"Authorization": "Bearer " + restrictedToken}, 200, nil, nil},
		{"restricted token, another account", accountA, map[string]string{"Authorization": "Bearer " + restrictedToken}, 403, []int{10000}, nil},
		{"unknown well-formed account", "ffffffffffffffffffffffffffffffff", bearer, 403, []int{10000}, nil},
		{"account that is an email", "user@example.com", bearer, 400, []int{7003, 7000}, nil},
		{"account too short", "023e105f", bearer, 400, []int{7003, 7000}, nil},
		{"account in upper case", strings.ToUpper(accountA), bearer, 400, []int{7003, 7000}, nil},
		{"bad account, no credentials", "nope", nil, 400, []int{7003, 7000}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, f, "GET", inputsPath(tc.account), "", tc.headers)
			if r.status != tc.status || !slices.Equal(r.codes(), tc.codes) {
				t.Fatalf("got %d %v, want %d %v: %s", r.status, r.codes(), tc.status, tc.codes, r.raw)
			}
			if r.env.Success != (tc.status == 200) {
				t.Errorf("success = %v with status %d", r.env.Success, r.status)
			}
			if tc.status != 200 && (r.env.Messages == nil || string(r.env.Result) != "null") {
				t.Errorf("failure envelope lacks messages:[] or result:null: %s", r.raw)
			}
			var chain []int
			if len(r.env.Errors) > 0 {
				for _, e := range r.env.Errors[0].ErrorChain {
					chain = append(chain, e.Code)
				}
			}
			if !slices.Equal(chain, tc.chain) {
				t.Errorf("error_chain codes = %v, want %v: %s", chain, tc.chain, r.raw)
			}
			if got := r.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
		})
	}
}

func TestCouldNotRouteNamesThePath(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	r := do(t, f, "GET", inputsPath("someone@example.com"), "", bearer)
	want := "Could not route to /client/v4/accounts/someone@example.com/stream/live_inputs, perhaps your object identifier is invalid?"
	if len(r.env.Errors) != 2 || r.env.Errors[0].Message != want || r.env.Errors[1].Message != msgNoRouteForURI {
		t.Errorf("errors = %+v, want 7003 %q then 7000", r.env.Errors, want)
	}
}

// TestRouting covers unknown paths and methods, and both path prefixes.
func TestRouting(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	cases := []struct {
		name, method, path string
		status             int
		codes              []int
		allow              string
	}{
		{"with /client/v4", "GET", inputsPath(accountA), 200, nil, ""},
		{"without /client/v4", "GET", "/accounts/" + accountA + "/stream/live_inputs", 200, nil, ""},
		{"unknown path", "GET", "/client/v4/zones", 400, []int{7003, 7000}, ""},
		{"root", "GET", "/", 400, []int{7003, 7000}, ""},
		{"trailing slash", "GET", inputsPath(accountA) + "/", 400, []int{7003, 7000}, ""},
		{"unknown sub-resource", "POST", inputsPath(accountA) + "/0123/restart", 400, []int{7003, 7000}, ""},
		{"uid over 32 characters", "GET", inputsPath(accountA) + "/" + strings.Repeat("a", 33), 400, []int{7003, 7000}, ""},
		{"PATCH on the collection", "PATCH", inputsPath(accountA), 405, []int{10405}, "GET, POST"},
		{"POST on an input", "POST", inputsPath(accountA) + "/" + strings.Repeat("a", 32), 405, []int{10405}, "GET, PUT, DELETE"},
		{"GET on enable", "GET", inputsPath(accountA) + "/" + strings.Repeat("a", 32) + "/enable", 405, []int{10405}, "POST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, f, tc.method, tc.path, "", bearer)
			if r.status != tc.status || !slices.Equal(r.codes(), tc.codes) {
				t.Fatalf("got %d %v, want %d %v: %s", r.status, r.codes(), tc.status, tc.codes, r.raw)
			}
			if got := r.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
	// Every routing failure is logged as unmatched, with what was sent.
	unmatched := f.Unmatched()
	if len(unmatched) != 8 {
		t.Fatalf("%d unmatched requests logged, want 8: %v", len(unmatched), unmatched)
	}
	for _, u := range unmatched {
		if u.Matched() || u.Status == http.StatusOK {
			t.Errorf("unmatched entry %s says matched or 200", u)
		}
	}
}
