package streamfake

import (
	"net/http"
	"strings"
)

// Credential formats. Cloudflare's exact rules are not published; these
// accept every real credential and reject what real captures show rejected
// (a token sent as X-Auth-Key, an email that is not one). They are loops,
// not regular expressions, because they run on every request.

// validToken: an RFC 6750 b64token, [A-Za-z0-9-._~+/]+ then any "=".
func validToken(t string) bool {
	body := strings.TrimRight(t, "=")
	if body == "" {
		return false
	}
	for _, c := range []byte(body) {
		if !isAlnum(c) && !strings.ContainsRune("-._~+/", rune(c)) {
			return false
		}
	}
	return true
}

// validAPIKey: 32 to 48 lowercase hex characters (Global API keys are 37).
func validAPIKey(k string) bool { return len(k) >= 32 && len(k) <= 48 && isLowerHex(k) }

// validEmail: something@something, with no space and one "@".
func validEmail(e string) bool {
	at := strings.IndexByte(e, '@')
	return at > 0 && at < len(e)-1 && strings.Count(e, "@") == 1 && !strings.ContainsAny(e, " \t\r\n")
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isLowerHex(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// isHex32 reports whether s is a Cloudflare identifier: 32 lowercase hex characters.
func isHex32(s string) bool { return len(s) == 32 && isLowerHex(s) }

// authenticate checks credentials the way Cloudflare does (facts §4): format
// errors are 400s, credentials that are wrong or cannot reach the account
// are 403/10000. It returns nil when the request may proceed.
func (f *Fake) authenticate(h http.Header, accountID string) *response {
	denied := func() *response {
		r := failure(http.StatusForbidden, APIError{Code: CodeAuthenticationError, Message: msgAuthenticationError})
		return &r
	}
	badHeaders := func(chain ...APIError) *response {
		r := failure(http.StatusBadRequest, APIError{Code: CodeInvalidRequestHeaders, Message: msgInvalidRequestHeaders, ErrorChain: chain})
		return &r
	}
	var match func(credential) bool
	switch authz, email, key := h.Get("Authorization"), h.Get("X-Auth-Email"), h.Get("X-Auth-Key"); {
	case authz != "":
		scheme, token, _ := strings.Cut(authz, " ")
		if !strings.EqualFold(scheme, "Bearer") || !validToken(token) {
			return badHeaders(APIError{Code: CodeInvalidAuthorizationHeader, Message: msgInvalidAuthorizationHeader})
		}
		match = func(c credential) bool { return c.token != "" && c.token == token }
	case email != "" && key != "":
		var chain []APIError
		if !validEmail(email) {
			chain = append(chain, APIError{Code: CodeInvalidEmailHeader, Message: msgInvalidEmailHeader})
		}
		if !validAPIKey(key) {
			chain = append(chain, APIError{Code: CodeInvalidKeyHeader, Message: msgInvalidKeyHeader})
		}
		if chain != nil {
			return badHeaders(chain...)
		}
		match = func(c credential) bool { return c.token == "" && c.email == email && c.key == key }
	case h.Get("X-Auth-User-Service-Key") != "":
		// A service key is a credential, but not one that reaches Stream.
		return denied()
	default:
		r := failure(http.StatusBadRequest, APIError{Code: CodeMissingCredentials, Message: msgMissingCredentials})
		return &r
	}
	for _, c := range f.cfg.creds {
		if match(c) {
			if f.accounts[accountID] == nil || !c.reaches(accountID) {
				return denied()
			}
			return nil
		}
	}
	return denied()
}
