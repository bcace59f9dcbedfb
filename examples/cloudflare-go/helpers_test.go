package cloudflarego

import (
	"os"
	"testing"

	"github.com/cloudflare/cloudflare-go/v7"
	"github.com/cloudflare/cloudflare-go/v7/option"
	"github.com/streamfake/streamfake"
)

// newSDKClient returns the official SDK client pointed at f, with the
// fake's default token. It unsets the CLOUDFLARE_* variables the SDK reads,
// so the machine's environment cannot change what the test sends. (Setting
// them to "" is not enough: the SDK then sends "Authorization: Bearer ".) Retries
// are off unless extra options turn them back on.
func newSDKClient(t *testing.T, f *streamfake.Fake, extra ...option.RequestOption) *cloudflare.Client {
	t.Helper()
	opts := append(baseOptions(t, f), option.WithAPIToken(streamfake.DefaultToken))
	return cloudflare.NewClient(append(opts, extra...)...)
}

// baseOptions are newSDKClient's options without credentials.
func baseOptions(t *testing.T, f *streamfake.Fake) []option.RequestOption {
	t.Helper()
	for _, v := range []string{"CLOUDFLARE_BASE_URL", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_USER_SERVICE_KEY", "CLOUDFLARE_CUSTOM_HEADERS"} {
		t.Setenv(v, "") // restores the variable when the test ends
		os.Unsetenv(v)
	}
	return []option.RequestOption{
		option.WithBaseURL(f.URL()),
		option.WithHTTPClient(f.Client()),
		option.WithMaxRetries(0),
	}
}

// account is the account parameter every call takes.
var account = cloudflare.F(streamfake.DefaultAccountID)
