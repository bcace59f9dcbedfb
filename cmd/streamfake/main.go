// Command streamfake serves the fake Cloudflare Stream live-input API, for
// clients that are not Go tests: scripts, other languages, manual poking.
//
//	go run ./cmd/streamfake -addr 127.0.0.1:8787
//
// It prints the base URL, account, token and a curl command to try, serves
// the admin API under /__streamfake/, and stops cleanly on Ctrl-C or
// SIGTERM: it finishes requests in flight (at most -drain), then writes
// -state-file. Run it with -h for every flag.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/streamfake/streamfake"
)

func main() {
	err := run(os.Args[1:], os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return // -h printed the usage; asking for help is not a failure
	}
	if err != nil {
		// Library errors already say "streamfake: "; say it once.
		fmt.Fprintln(os.Stderr, "streamfake: "+strings.TrimPrefix(err.Error(), "streamfake: "))
		os.Exit(2)
	}
}

// run parses flags, serves until a signal arrives, and shuts down.
func run(args []string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := start(args, stdout)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return s.shutdown(stdout)
}

// server is a running fake and what its shutdown must clean up.
type server struct {
	*streamfake.Fake
	drain    time.Duration
	certFile string // a certificate start wrote and shutdown removes
}

// shutdown drains requests in flight, keeps the state, mentions fault
// rules that never fired, and removes a certificate it made.
func (s *server) shutdown(stdout io.Writer) error {
	fmt.Fprintln(stdout, "streamfake: shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), s.drain)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		fmt.Fprintln(stdout, "streamfake: requests still in flight were cut:", err)
	}
	for _, r := range s.UnfiredFaults() {
		fmt.Fprintf(stdout, "streamfake: fault rule %s never fired (it matched %d requests)\n", r.ID, r.Matched)
	}
	if s.certFile != "" {
		os.Remove(s.certFile)
	}
	return s.SaveState()
}

const usageHead = `streamfake serves a fake of Cloudflare Stream's live-input API, with an
admin API to inspect and steer it, for clients and tests in any language.

Usage: streamfake [flags]

Flags:
`

const usageTail = `
Examples:
  streamfake                                  # http://127.0.0.1:8787/client/v4
  streamfake -addr 127.0.0.1:0 -seed 42 -state-file /tmp/streamfake.json -clock manual

The admin API is under /__streamfake/ on the same address:
GET http://127.0.0.1:8787/__streamfake/ lists its routes.
`

// start parses flags and starts the fake, printing how to reach it.
func start(args []string, stdout io.Writer) (*server, error) {
	fs := flag.NewFlagSet("streamfake", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), usageTail)
	}
	addr := fs.String("addr", "127.0.0.1:8787", "address to listen on")
	account := fs.String("account", streamfake.DefaultAccountID, "account id to serve (32 lowercase hex characters)")
	token := fs.String("token", streamfake.DefaultToken, "API token to accept as 'Authorization: Bearer <token>' (empty: none)")
	email := fs.String("api-email", streamfake.DefaultEmail, "with -api-key, the X-Auth-Email to accept (empty: no legacy credential)")
	key := fs.String("api-key", streamfake.DefaultAPIKey, "with -api-email, the X-Auth-Key (Global API key) to accept")
	seed := fs.Int64("seed", 0, "seed for ids and secrets; 0 picks one at random")
	logLimit := fs.Int("log-limit", 10000, "keep only this many recent requests in the log (0: all)")
	logBytes := fs.Int64("log-bytes", 64<<20, "keep at most about this many bytes of requests in the log (0: no bound)")
	readTimeout := fs.Duration("read-timeout", streamfake.DefaultReadTimeout, "how long a request's headers, then its body, may take to arrive")
	drain := fs.Duration("drain", 30*time.Second, "on SIGTERM, how long requests in flight may take to finish")
	stateFile := fs.String("state-file", "", "load the state from this file at start, and write it (atomically) on shutdown and on GET /__streamfake/state")
	adminToken := fs.String("admin-token", "", "require 'Authorization: Bearer <admin-token>' on the admin API")
	adminRemote := fs.Bool("admin-remote", false, "let the admin API answer clients that are not on loopback, and from web pages")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a self-signed certificate made at start")
	certFile := fs.String("tls-cert", "", "with -tls, where to write the certificate (default: a temporary file, removed at shutdown)")
	statusForm := fs.String("status-form", "object", "how a live input's status is answered: 'object', as Cloudflare answers it, or 'string', as its OpenAPI document declares it")
	liveURL := fs.String("live-webhook-url", "", "send live input notifications (live_input.connected, .disconnected, .errored) to this URL")
	liveSecret := fs.String("live-webhook-secret", "", "with -live-webhook-url, the secret to send in cf-webhook-auth")
	liveInputs := fs.String("live-webhook-inputs", "", "with -live-webhook-url, limit the notifications to these input ids (comma-separated)")
	attempts := fs.Int("webhook-attempts", streamfake.DefaultWebhookAttempts, "attempts per webhook delivery before it is given up")
	backoff := fs.Duration("webhook-backoff", 0, "time between a webhook delivery's attempts, on the fake's clock")
	clock := fs.String("clock", "system", "'system', or 'manual': time moves only through POST /__streamfake/clock")
	clockStart := fs.String("clock-start", "", "with -clock manual, the time it starts at (RFC 3339; default: now)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	opts := []streamfake.Option{
		streamfake.WithAddr(*addr),
		streamfake.WithAccount(*account),
		streamfake.WithLogLimit(*logLimit),
		streamfake.WithLogBytes(*logBytes),
		streamfake.WithReadTimeout(*readTimeout),
	}
	// The same credentials as New() by default, so the README's defaults
	// hold for the binary too.
	if *token != "" {
		opts = append(opts, streamfake.WithToken(*token))
	}
	switch {
	case (*email == "") != (*key == ""):
		return nil, errors.New("-api-email and -api-key go together: give both, or neither")
	case *email != "":
		opts = append(opts, streamfake.WithAPIKey(*email, *key))
	}
	if *token == "" && *email == "" && *key == "" {
		return nil, errors.New("-token, and -api-email with -api-key, are all empty: no client could authenticate")
	}
	if *seed != 0 {
		opts = append(opts, streamfake.WithSeed(*seed))
	}
	switch *statusForm {
	case "object":
	case "string":
		opts = append(opts, streamfake.WithStatusForm(streamfake.StatusString))
	default:
		return nil, fmt.Errorf("-status-form %q: the forms are object and string", *statusForm)
	}
	switch *clock {
	case "system":
		if *clockStart != "" {
			return nil, errors.New("-clock-start needs -clock manual")
		}
	case "manual":
		t0 := time.Now()
		if *clockStart != "" {
			var err error
			if t0, err = time.Parse(time.RFC3339Nano, *clockStart); err != nil {
				return nil, fmt.Errorf("-clock-start: %v", err)
			}
			if t0.Year() < 1 {
				return nil, fmt.Errorf("-clock-start %s: the fake's times start in year 1", *clockStart)
			}
		}
		opts = append(opts, streamfake.WithClock(streamfake.NewManualClock(t0)))
	default:
		return nil, fmt.Errorf("-clock %q: the clocks are system and manual", *clock)
	}
	if *stateFile != "" {
		opts = append(opts, streamfake.WithStateFile(*stateFile))
	}
	if *liveURL != "" {
		var inputs []string
		if *liveInputs != "" {
			inputs = strings.Split(*liveInputs, ",")
		}
		opts = append(opts, streamfake.WithLiveWebhook(*liveURL, *liveSecret, inputs...))
	} else if *liveSecret != "" || *liveInputs != "" {
		return nil, errors.New("-live-webhook-secret and -live-webhook-inputs need -live-webhook-url")
	}
	opts = append(opts, streamfake.WithWebhookRetries(*attempts, *backoff))
	if *adminToken != "" {
		opts = append(opts, streamfake.WithAdminToken(*adminToken))
	}
	if *adminRemote {
		opts = append(opts, streamfake.WithRemoteAdmin())
	}
	s := &server{drain: *drain}
	if *useTLS {
		cert, path, err := selfSignedCertificate(*certFile)
		if err != nil {
			return nil, err
		}
		if *certFile == "" {
			s.certFile = path
		}
		opts = append(opts, streamfake.WithTLSCertificate(cert))
		*certFile = path
	}
	f, err := streamfake.Start(opts...)
	if err != nil {
		if s.certFile != "" {
			os.Remove(s.certFile)
		}
		return nil, err
	}
	s.Fake = f
	curlTLS := ""
	if *useTLS {
		fmt.Fprintf(stdout, "streamfake: TLS certificate (trust it with curl --cacert, or NODE_EXTRA_CA_CERTS): %s\n", *certFile)
		curlTLS = " --cacert " + *certFile
	}
	tok := *token
	if tok == "" {
		tok = "<token>"
	}
	fmt.Fprintf(stdout, `streamfake: serving Cloudflare Stream live inputs
  base URL: %s
  account:  %s
  token:    %s
  seed:     %d
  admin:    %s
try:
  curl -s%s -X POST %s/accounts/%s/stream/live_inputs \
    -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \
    -d '{"meta":{"name":"my stream"}}'
`, f.URL(), *account, *token, f.Seed(), strings.TrimSuffix(f.URL(), "/client/v4")+streamfake.AdminPrefix, curlTLS, f.URL(), *account, tok)
	return s, nil
}

// selfSignedCertificate makes a certificate for 127.0.0.1, ::1 and
// localhost, valid for a year, and writes it as PEM to path (or to a new
// file in the temporary directory) so clients can trust it.
func selfSignedCertificate(path string) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"streamfake"}, CommonName: "localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so clients can trust it directly as a root
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if path == "" {
		file, err := os.CreateTemp("", "streamfake-*.pem")
		if err != nil {
			return tls.Certificate{}, "", err
		}
		path = file.Name()
		file.Close()
	}
	if err := os.WriteFile(path, pemBytes, 0o644); err != nil {
		return tls.Certificate{}, "", err
	}
	abs, _ := filepath.Abs(path)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, abs, nil
}
