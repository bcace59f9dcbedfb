package streamfake

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults, used when the matching option is not given.
const (
	// DefaultAccountID is the account the fake serves unless WithAccount is
	// given. It is the example id of Cloudflare's reference.
	DefaultAccountID = "023e105f4ecef8ad9ca31a8372d0c353"
	// DefaultToken is the API token the fake accepts unless WithToken or
	// WithAPIKey is given.
	DefaultToken = "streamfake-test-token-0000000000000000000"
	// DefaultEmail and DefaultAPIKey are the legacy credentials the fake
	// accepts unless WithToken or WithAPIKey is given. They are the ones the
	// official Go SDK's own tests send.
	DefaultEmail  = "user@example.com"
	DefaultAPIKey = "144c9defac04969c7bfad8efaa8ea194"
	// DefaultMaxBodyBytes is the largest request body the fake accepts
	// unless WithMaxBodyBytes is given; larger bodies get HTTP 413.
	DefaultMaxBodyBytes = 1 << 20
	// MaxMaxBodyBytes is the most WithMaxBodyBytes allows: a fake holds a
	// body in memory, and its log keeps a copy.
	MaxMaxBodyBytes = 1 << 30
	// DefaultReadTimeout is how long a request may take to arrive unless
	// WithReadTimeout is given.
	DefaultReadTimeout = 10 * time.Second
)

// Fake is an in-process fake of Cloudflare Stream's live-input API, served
// by an httptest.Server. Every method is safe for concurrent use.
type Fake struct {
	cfg      config
	seed     int64
	srv      *httptest.Server
	done     chan struct{} // closed by Close: delays, hangs and dribbles end
	draining chan struct{} // closed by Shutdown: hangs end, the rest finish
	closed   sync.Once
	drained  sync.Once

	mu       sync.Mutex // guards the fields below
	ids      *idSource  // uids and secrets, drawn from the seed
	idRand   *rand.Rand // the same draws, for customer codes
	accounts map[string]*account
	due      dueQueue // broadcast sessions waiting to end
	// foreign holds the ids that did not come from ids (AddLiveInput's
	// caller chose them, or a state loaded them), which newID must not
	// draw again.
	foreign map[string]bool

	// nextDue is when the first session in due ends (Unix microseconds,
	// nothingDue for none), read without the lock to decide whether
	// anything is due.
	nextDue atomic.Int64
	// systemTimer, with the system clock alone, runs catchUp when the next
	// session ends; other clocks say when they move.
	systemTimer *time.Timer

	log      requestLog
	faults   faultSet
	webhooks webhookWorker
}

type config struct {
	accounts    []string
	creds       []credential
	clock       Clock
	seed        *int64
	tls         bool
	addr        string
	maxBody     int64
	readTimeout time.Duration
	logLimit    int
	logBytes    int64
	statusForm  StatusForm
	clockGiven  bool // WithClock was given; otherwise the system clock
	// Webhooks: see webhooks.go.
	liveWebhook                    *liveWebhook
	webhookAttempts                int
	webhookBackoff, webhookTimeout time.Duration
	syncWebhooks                   bool
	// Standalone-server settings: see persist.go and admin.go.
	stateFile, adminToken string
	adminRemote           bool
	tlsCert               *tls.Certificate
}

// credential is one accepted token, or one accepted email and key pair,
// optionally limited to some accounts.
type credential struct {
	token, email, key string
	accounts          []string // empty: every account of the fake
}

func (c credential) reaches(account string) bool {
	if len(c.accounts) == 0 {
		return true
	}
	for _, a := range c.accounts {
		if a == account {
			return true
		}
	}
	return false
}

// Option configures a Fake.
type Option func(*config)

// WithAccount adds an account the fake serves; repeat it for more. Without
// it the fake serves DefaultAccountID alone. The id must be 32 lowercase hex
// characters, like Cloudflare's; New panics otherwise.
func WithAccount(id string) Option {
	return func(c *config) { c.accounts = append(c.accounts, id) }
}

// WithToken makes the fake accept "Authorization: Bearer token". With
// accounts, the token reaches only those; without, it reaches every account.
// Repeatable. Without WithToken and WithAPIKey the fake accepts DefaultToken
// and DefaultEmail with DefaultAPIKey.
func WithToken(token string, accounts ...string) Option {
	return func(c *config) { c.creds = append(c.creds, credential{token: token, accounts: accounts}) }
}

// WithAPIKey makes the fake accept the legacy X-Auth-Email and X-Auth-Key
// headers with these values. accounts work as in WithToken. Repeatable.
func WithAPIKey(email, key string, accounts ...string) Option {
	return func(c *config) {
		c.creds = append(c.creds, credential{email: email, key: key, accounts: accounts})
	}
}

// WithClock sets the fake's clock, used for created, modified,
// keysRotatedAt, statuses and the request log, and for every timed
// transition. The default is the system clock (ClockFunc(time.Now)); a
// ManualClock lets a test move time itself. Times are kept to the
// microsecond, as Cloudflare reports them.
func WithClock(c Clock) Option {
	return func(cfg *config) { cfg.clock, cfg.clockGiven = c, true }
}

// WithSeed seeds the source of uids, secrets and fault decisions: the same
// seed, clock and requests give byte-identical responses. The default seed
// is random; Seed reports it so a failing test can be replayed.
func WithSeed(seed int64) Option {
	return func(c *config) { c.seed = &seed }
}

// WithTLS serves HTTPS with httptest's certificate. Client trusts it.
func WithTLS() Option {
	return func(c *config) { c.tls = true }
}

// WithAddr makes the fake listen on addr ("127.0.0.1:8787") instead of a
// free loopback port. It is meant for the standalone server.
func WithAddr(addr string) Option {
	return func(c *config) { c.addr = addr }
}

// WithMaxBodyBytes sets the largest request body accepted; larger ones get
// HTTP 413. The default is DefaultMaxBodyBytes (1 MiB); at most it is
// MaxMaxBodyBytes (1 GiB).
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.maxBody = n }
}

// WithReadTimeout bounds how long a request's headers, and then its body,
// may take to arrive. A body that stalls gets 408 and is not acted on, so a
// client that stops sending can never hold a request, Close or a shutdown.
// The default is DefaultReadTimeout (10 seconds).
func WithReadTimeout(d time.Duration) Option {
	return func(c *config) { c.readTimeout = d }
}

// WithLogLimit keeps only the n most recent requests in the log, counting
// the ones it drops (see Dropped). The default, 0, keeps every request,
// which is right for tests; the standalone server sets a limit.
func WithLogLimit(n int) Option {
	return func(c *config) { c.logLimit = n }
}

// WithLogBytes bounds the memory the request log holds: when the bodies,
// headers, paths and queries it keeps (and a kibibyte for each entry) pass
// n bytes, the oldest entries
// are dropped and counted (see Dropped). Each entry keeps at most the body
// limit of a request body and 1 MiB of a response body, whatever this
// says. The default, 0, is no bound beyond that; the standalone server
// keeps 64 MiB.
func WithLogBytes(n int64) Option {
	return func(c *config) { c.logBytes = n }
}

// idleTimeout closes a kept-alive connection that has carried no request
// for this long, so that clients that never close theirs cannot pile up
// goroutines in a long-running server. It is longer than the 90 seconds
// Go's http.Transport keeps an idle connection, so a Go client always
// closes first and never sends a request into a connection being closed.
const idleTimeout = 2 * time.Minute

// customerCode is the form of the "customer-<code>" host label.
var customerCode = regexp.MustCompile(`^[a-z0-9]{16}$`)

// New starts a fake on a loopback port and returns it. Close it when done.
// New panics on an invalid option, as httptest.NewServer does when it cannot
// listen: both are mistakes in the test, not conditions to handle. Start
// returns the error instead.
func New(opts ...Option) *Fake {
	f, err := Start(opts...)
	if err != nil {
		panic(err)
	}
	return f
}

// Start is New for callers that handle a bad option or a busy address as an
// error: the standalone server, and faketest.
func Start(opts ...Option) (*Fake, error) {
	f, err := newFake(opts)
	if err != nil {
		return nil, fmt.Errorf("streamfake: %w", err)
	}
	if f.cfg.tls || f.cfg.tlsCert != nil {
		if f.cfg.tlsCert != nil {
			f.srv.TLS = &tls.Config{Certificates: []tls.Certificate{*f.cfg.tlsCert}}
		}
		f.srv.StartTLS()
	} else {
		f.srv.Start()
	}
	if mc, ok := f.cfg.clock.(*ManualClock); ok {
		mc.watch(f)
	}
	return f, nil
}

func newFake(opts []Option) (*Fake, error) {
	cfg := config{maxBody: DefaultMaxBodyBytes, readTimeout: DefaultReadTimeout,
		webhookAttempts: DefaultWebhookAttempts, webhookTimeout: DefaultWebhookTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	systemClock := !cfg.clockGiven
	if systemClock {
		cfg.clock = ClockFunc(time.Now)
	}
	if len(cfg.accounts) == 0 {
		cfg.accounts = []string{DefaultAccountID}
	}
	cfg.accounts = dedupe(cfg.accounts)
	if len(cfg.creds) == 0 {
		cfg.creds = []credential{{token: DefaultToken}, {email: DefaultEmail, key: DefaultAPIKey}}
	}
	for _, a := range cfg.accounts {
		if !isHex32(a) {
			return nil, fmt.Errorf("account id %q is not 32 lowercase hex characters", a)
		}
	}
	for _, c := range cfg.creds {
		for _, a := range c.accounts {
			if !slices.Contains(cfg.accounts, a) {
				return nil, fmt.Errorf("a credential names account %q, which the fake does not serve; add WithAccount(%q)", a, a)
			}
		}
		// The errors describe a credential without quoting it: a real
		// secret pasted by mistake must not reach a test log.
		switch {
		case c.token != "" && !validToken(c.token):
			return nil, fmt.Errorf("the token ending in %q is not a well-formed bearer token (RFC 6750: letters, digits and -._~+/, then any =)", lastFour(c.token))
		case c.token == "" && !validEmail(c.email):
			return nil, fmt.Errorf("the email ending in %q is not an email address", lastFour(c.email))
		case c.token == "" && !validAPIKey(c.key):
			return nil, fmt.Errorf("the API key ending in %q is not 32 to 48 lowercase hex characters", lastFour(c.key))
		}
	}
	switch {
	case cfg.clock == nil:
		return nil, errors.New("WithClock(nil)")
	case cfg.maxBody < 0 || cfg.maxBody > MaxMaxBodyBytes:
		return nil, fmt.Errorf("WithMaxBodyBytes(%d) is not between 0 and %d", cfg.maxBody, MaxMaxBodyBytes)
	case cfg.readTimeout <= 0:
		return nil, fmt.Errorf("WithReadTimeout(%v) is not positive", cfg.readTimeout)
	case cfg.statusForm != StatusObject && cfg.statusForm != StatusString:
		return nil, errStatusForm
	case cfg.webhookAttempts < 1 || cfg.webhookAttempts > 100:
		return nil, fmt.Errorf("WithWebhookRetries: %d attempts is not between 1 and 100", cfg.webhookAttempts)
	case cfg.webhookBackoff < 0 || cfg.webhookBackoff > MaxFaultDuration:
		return nil, fmt.Errorf("WithWebhookRetries: a backoff of %v is not between 0 and %v", cfg.webhookBackoff, MaxFaultDuration)
	case cfg.webhookTimeout <= 0 || cfg.webhookTimeout > time.Minute:
		return nil, fmt.Errorf("WithWebhookTimeout(%v) is not between 0 and a minute", cfg.webhookTimeout)
	}
	if lw := cfg.liveWebhook; lw != nil {
		if err := checkWebhookURL(lw.url); err != nil {
			return nil, fmt.Errorf("WithLiveWebhook: %v", err)
		}
		for _, id := range lw.inputs {
			if !isHex32(id) {
				return nil, fmt.Errorf("WithLiveWebhook: input id %q is not 32 lowercase hex characters", id)
			}
		}
	}
	seed := rand.Int64()
	if cfg.seed != nil {
		seed = *cfg.seed
	}
	f := &Fake{
		cfg:      cfg,
		seed:     seed,
		done:     make(chan struct{}),
		draining: make(chan struct{}),
		ids:      &idSource{key: uint64(seed) ^ idStream},
		accounts: map[string]*account{},
	}
	f.idRand = rand.New(f.ids)
	f.log.limit, f.log.maxBytes = cfg.logLimit, cfg.logBytes
	f.webhooks.ctx, f.webhooks.cancel = context.WithCancel(context.Background())
	f.webhooks.wake, f.webhooks.done = make(chan struct{}, 1), make(chan struct{})
	f.nextDue.Store(nothingDue)
	// A redirect is the endpoint's answer, not a step to follow: Go would
	// turn the POST into a GET and carry the secret to another URL.
	f.webhooks.client = &http.Client{
		Transport:     &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if systemClock {
		f.systemTimer = time.AfterFunc(time.Hour, f.catchUp)
		f.systemTimer.Stop()
	}
	f.faults.rng = rand.New(rand.NewPCG(uint64(seed), faultStream))
	for _, a := range cfg.accounts {
		f.accounts[a] = &account{id: a, customerCode: f.randomString(16, lowerAlnum), inputs: map[string]*LiveInput{}}
	}
	if cfg.stateFile != "" {
		if err := f.loadStateFile(); err != nil {
			return nil, err
		}
	}
	f.srv = httptest.NewUnstartedServer(f)
	f.srv.Config.ReadHeaderTimeout = cfg.readTimeout
	f.srv.Config.IdleTimeout = idleTimeout
	if cfg.addr != "" {
		ln, err := net.Listen("tcp", cfg.addr)
		if err != nil {
			return nil, err
		}
		f.srv.Listener.Close()
		f.srv.Listener = ln
	}
	return f, nil
}

// Separate streams of the seed, so that adding a fault rule with a
// probability does not change the uids a test sees.
const (
	idStream    = 0x6964 // "id"
	faultStream = 0x6661 // "fa"
)

// dedupe drops repeated strings, keeping the first of each.
func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// URL is the base URL to hand a Cloudflare client, such as the Go SDK's
// option.WithBaseURL: the server's address followed by /client/v4.
func (f *Fake) URL() string { return f.srv.URL + "/client/v4" }

// String describes the fake by its address and seed. It, and GoString,
// keep fmt from printing the fake's fields, credentials among them, into a
// test log (t.Logf("%v", f), %+v, %#v).
func (f *Fake) String() string {
	return fmt.Sprintf("streamfake.Fake at %s (seed %d)", f.srv.URL, f.seed)
}

// GoString is String, for %#v.
func (f *Fake) GoString() string { return f.String() }

// Client returns an HTTP client for the fake; with WithTLS it trusts the
// fake's certificate. Close closes its idle connections.
func (f *Fake) Client() *http.Client { return f.srv.Client() }

// Handler returns the fake as an http.Handler, to serve it without its
// listener (with httptest.NewRecorder, or a server of your own). Faults that
// act on the connection need a real one; with a recorder they abort the
// handler with http.ErrAbortHandler.
func (f *Fake) Handler() http.Handler { return f }

// Seed reports the seed in use, given by WithSeed or drawn at random.
func (f *Fake) Seed() int64 { return f.seed }

// closeGrace is how long Close lets requests in flight finish before it
// cuts their connections: long enough for a handler, far too short for a
// client that stopped sending.
const closeGrace = 250 * time.Millisecond

// Close ends requests that hang or dribble because of a fault, shuts the
// server down, and waits for requests in flight, at most about a quarter
// of a second: then it cuts their connections, so a client that stopped
// mid-body cannot hold it. It is safe to call twice. With WithStateFile,
// call SaveState after Close to keep the final state.
func (f *Fake) Close() {
	f.closed.Do(func() {
		if mc, ok := f.cfg.clock.(*ManualClock); ok {
			mc.unwatch(f)
		}
		if f.systemTimer != nil {
			f.systemTimer.Stop()
		}
		close(f.done)
		f.stopWebhooks()
		cut := time.AfterFunc(closeGrace, f.srv.CloseClientConnections)
		f.srv.Close()
		cut.Stop()
	})
}

// Shutdown stops taking requests and waits for those in flight to finish,
// delays included, until ctx ends; requests that hang because of a fault
// end at once. Then it closes the fake. The standalone server calls it on
// SIGTERM; tests want Close, which does not wait out delays.
func (f *Fake) Shutdown(ctx context.Context) error {
	f.drained.Do(func() { close(f.draining) })
	err := f.srv.Config.Shutdown(ctx)
	f.Close()
	return err
}

// now reads the clock, kept to Cloudflare's precision and to the times the
// fake can write (clampTime).
func (f *Fake) now() time.Time {
	return clampTime(f.cfg.clock.Now().UTC().Truncate(time.Microsecond))
}

const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomString draws n characters of alphabet from the seeded source.
// The caller holds f.mu, or is New.
func (f *Fake) randomString(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[f.idRand.IntN(len(alphabet))]
	}
	return string(b)
}

// appendHex appends 32 lowercase hex characters: 128 bits, two draws.
// The caller holds f.mu.
func (f *Fake) appendHex(b []byte) []byte {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], f.ids.Uint64())
	binary.BigEndian.PutUint64(raw[8:], f.ids.Uint64())
	return hex.AppendEncode(b, raw[:])
}

// newID returns a new 32-hex-character id. A fake never issues one twice
// (see idSource), nor one that came from elsewhere (foreign). The caller
// holds f.mu.
func (f *Fake) newID() string {
	var b [32]byte
	for {
		id := string(f.appendHex(b[:0]))
		if !f.foreign[id] {
			return id
		}
	}
}

// newSecrets draws a live input's five secrets, in one allocation.
// The caller holds f.mu.
func (f *Fake) newSecrets() Secrets {
	b := make([]byte, 0, 5*32)
	for range 5 {
		b = f.appendHex(b)
	}
	s := string(b)
	return Secrets{RTMPS: s[0:32], RTMPSPlayback: s[32:64], SRT: s[64:96], SRTPlayback: s[96:128], WebRTC: s[128:160]}
}

// idSource draws the fake's ids and secrets. Draw n is a bijective mix of
// the seed's key and n, so no two draws of a fake are alike (within 2^64),
// and a fake restored from a state resumes the sequence at once, however
// far it had gone (State.IDDraws), without remembering a single id.
type idSource struct {
	key   uint64
	draws uint64
}

// Uint64 returns the next draw. The caller holds f.mu, or is New.
func (s *idSource) Uint64() uint64 {
	s.draws++
	// Multiplying by an odd constant and adding the key are bijections of
	// the counter; so are the three steps of SplitMix64's finalizer.
	z := s.key + s.draws*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// skipTo moves the source past the first n draws, if it is not already.
func (s *idSource) skipTo(n uint64) { s.draws = max(s.draws, n) }

// lastFour shows the end of a secret, as much of it as an error may quote.
func lastFour(secret string) string {
	if len(secret) <= 8 {
		return "…"
	}
	return "…" + secret[len(secret)-4:]
}
