package faketest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/streamfake/streamfake"
)

// AssertCount fails the test unless exactly n requests of op were sent.
func AssertCount(t TB, f *streamfake.Fake, op streamfake.Operation, n int) {
	t.Helper()
	if got := f.RequestsFor(op); len(got) != n {
		t.Errorf("%d %s requests sent, want %d\n%s", len(got), op, n, dump(f, f.Requests()))
	}
}

// BodyOption changes how AssertBodies compares.
type BodyOption func(*bodyConfig)

type bodyConfig struct{ exact, anyOrder bool }

// Exact also fails on fields the code under test sent that the expected
// bodies do not name, at any depth: the bodies must be equal.
func Exact() BodyOption { return func(c *bodyConfig) { c.exact = true } }

// AnyOrder matches each expected body with any request, not the one in the
// same position.
func AnyOrder() BodyOption { return func(c *bodyConfig) { c.anyOrder = true } }

// AssertBodies fails the test unless the requests of op carried the want
// bodies, in order unless AnyOrder is given. Every field of a want must
// have been sent, with that value; fields sent beyond want are ignored,
// at any depth, unless Exact is given. A want may be any value that
// encodes to JSON: a map, or a struct with json tags (a zero field without
// omitempty is a field you want sent). Numbers compare by value. A
// mismatch prints a cmp.Diff naming the request and the field.
func AssertBodies(t TB, f *streamfake.Fake, op streamfake.Operation, want []any, opts ...BodyOption) {
	t.Helper()
	var cfg bodyConfig
	for _, o := range opts {
		o(&cfg)
	}
	reqs := f.RequestsFor(op)
	if len(reqs) != len(want) {
		t.Errorf("%d %s requests sent, want %d bodies\n%s", len(reqs), op, len(want), dump(f, f.Requests()))
		return
	}
	cmpOpts := []cmp.Option{cmp.Comparer(sameNumber)}
	if !cfg.exact {
		cmpOpts = append(cmpOpts, cmp.FilterPath(notWanted, cmp.Ignore()))
	}
	normalized := make([]any, len(want))
	for i, w := range want {
		v, err := normalize(w)
		if err != nil {
			t.Fatalf("AssertBodies: want[%d] does not encode to JSON: %v", i, err)
		}
		normalized[i] = v
	}
	got := make([]any, len(reqs))
	for i, r := range reqs {
		got[i], _ = normalize(r.DecodedBody)
	}
	if cfg.anyOrder {
		used := make([]bool, len(reqs))
	next:
		for i, w := range normalized {
			for j := range reqs {
				if !used[j] && cmp.Equal(w, got[j], cmpOpts...) {
					used[j] = true
					continue next
				}
			}
			t.Errorf("no %s request carried want[%d]; against request #%d, in the same position (-want +got):\n%s", op, i, reqs[i].Seq, cmp.Diff(w, got[i], cmpOpts...))
		}
		return
	}
	for i, w := range normalized {
		if diff := cmp.Diff(w, got[i], cmpOpts...); diff != "" {
			t.Errorf("request #%d (%s) body differs (-want +got):\n%s", reqs[i].Seq, op, diff)
		}
	}
}

// notWanted selects map entries that the request sent and want does not
// name: the slack a test wants unless it asks for Exact.
func notWanted(p cmp.Path) bool {
	mi, ok := p.Last().(cmp.MapIndex)
	if !ok {
		return false
	}
	w, _ := mi.Values()
	return !w.IsValid()
}

// normalize turns any JSON-encodable value into the generic form (maps,
// slices, json.Number), so a struct and a decoded body compare. Numbers
// stay exact: as float64, 9007199254740993 would equal 9007199254740992,
// and a test of a client that mangles large ids would pass.
func normalize(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	err = dec.Decode(&out)
	return out, err
}

// sameNumber compares JSON numbers by exact value: 1, 1.0 and 1e0 are
// the same number.
func sameNumber(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, okx := exactNumber(a)
	y, oky := exactNumber(b)
	return okx && oky && x.Cmp(y) == 0
}

// exactNumber is n as a rational, or false for an exponent past ±10000,
// whose digits math/big would spend seconds and megabytes on: such numbers
// compare by their literal alone.
func exactNumber(n json.Number) (*big.Rat, bool) {
	if i := strings.IndexAny(string(n), "eE"); i >= 0 {
		if e, err := strconv.Atoi(string(n[i+1:])); err != nil || e > 10000 || e < -10000 {
			return nil, false
		}
	}
	return new(big.Rat).SetString(string(n))
}

// Credentials names what a request authenticated with.
type Credentials struct {
	Token         string // for "Authorization: Bearer <Token>"
	Email, APIKey string // for X-Auth-Email and X-Auth-Key
}

// Token is the credential of a bearer token.
func Token(token string) Credentials { return Credentials{Token: token} }

// APIKey is the credential of a legacy email and Global API key.
func APIKey(email, key string) Credentials { return Credentials{Email: email, APIKey: key} }

func credentialsOf(r streamfake.Request) Credentials {
	if a := r.Header.Get("Authorization"); a != "" {
		_, tok, _ := strings.Cut(a, " ")
		return Credentials{Token: tok}
	}
	return Credentials{Email: r.Header.Get("X-Auth-Email"), APIKey: r.Header.Get("X-Auth-Key")}
}

// describe prints credentials without their secret: the last four characters only.
func (c Credentials) describe() string {
	hint := func(s string) string {
		if len(s) <= 4 {
			return "…"
		}
		return "…" + s[len(s)-4:]
	}
	switch {
	case c.Token != "":
		return "token " + hint(c.Token)
	case c.Email != "" || c.APIKey != "":
		return fmt.Sprintf("email %s with key %s", c.Email, hint(c.APIKey))
	}
	return "no credentials"
}

// AssertCredentials fails the test unless every request of op (every
// request, if op is "") used the credentials want.
func AssertCredentials(t TB, f *streamfake.Fake, op streamfake.Operation, want Credentials) {
	t.Helper()
	reqs := f.Requests()
	if op != "" {
		reqs = f.RequestsFor(op)
	}
	for _, r := range reqs {
		if got := credentialsOf(r); got != want {
			t.Errorf("request #%d (%s) used %s, want %s", r.Seq, r.Operation, got.describe(), want.describe())
		}
	}
}

// WaitFor waits until n requests satisfying match (nil matches all) have
// arrived, for code that calls the API from another goroutine, and returns
// them. After timeout it fails the test, saying what it saw.
func WaitFor(t TB, f *streamfake.Fake, n int, match func(streamfake.Request) bool, timeout time.Duration) []streamfake.Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	got, err := f.WaitForRequests(ctx, n, match)
	if err != nil {
		t.Fatalf("waited %v for %d matching requests, saw %d (%v)\n%s", timeout, n, len(got), err, dump(f, f.Requests()))
	}
	return got
}
