// Command streamfake serves the fake Cloudflare Stream live-input API, for
// clients that are not Go tests: scripts, other languages, manual poking.
//
//	go run ./cmd/streamfake -addr 127.0.0.1:8787
//
// It prints the base URL, account, token and a curl command to try, serves
// the admin API under /__streamfake/, and stops cleanly on Ctrl-C or
// SIGTERM: it finishes requests in flight, then writes -state-file.
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
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/streamfake/streamfake"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "streamfake:", err)
		os.Exit(2)
	}
}

// run parses flags, serves until a signal arrives, and shuts down.
func run(args []string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, err := start(args, stdout)
	if err != nil {
		return err
	}
	<-ctx.Done()
	return shutdown(f, stdout)
}

// drainTimeout bounds how long shutdown waits for requests in flight.
const drainTimeout = 30 * time.Second

// shutdown drains requests in flight, then keeps the state.
func shutdown(f *streamfake.Fake, stdout io.Writer) error {
	fmt.Fprintln(stdout, "streamfake: shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := f.Shutdown(ctx); err != nil {
		fmt.Fprintln(stdout, "streamfake: requests still in flight were cut:", err)
	}
	return f.SaveState()
}

// start parses flags and starts the fake, printing how to reach it.
func start(args []string, stdout io.Writer) (*streamfake.Fake, error) {
	fs := flag.NewFlagSet("streamfake", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "127.0.0.1:8787", "address to listen on")
	account := fs.String("account", streamfake.DefaultAccountID, "account id to serve (32 lowercase hex characters)")
	token := fs.String("token", streamfake.DefaultToken, "API token to accept as 'Authorization: Bearer <token>'")
	seed := fs.Int64("seed", 0, "seed for ids and secrets; 0 picks one at random")
	logLimit := fs.Int("log-limit", 10000, "keep only this many recent requests in the log (0: all)")
	stateFile := fs.String("state-file", "", "load the state from this file at start, and write it (atomically) on shutdown and on GET /__streamfake/state")
	adminToken := fs.String("admin-token", "", "require 'Authorization: Bearer <admin-token>' on the admin API")
	adminRemote := fs.Bool("admin-remote", false, "let the admin API answer clients that are not on loopback")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a self-signed certificate made at start")
	certFile := fs.String("tls-cert", "", "with -tls, where to write the certificate (default: a file in the temporary directory)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	opts := []streamfake.Option{
		streamfake.WithAddr(*addr),
		streamfake.WithAccount(*account),
		streamfake.WithToken(*token),
		streamfake.WithLogLimit(*logLimit),
	}
	if *seed != 0 {
		opts = append(opts, streamfake.WithSeed(*seed))
	}
	if *stateFile != "" {
		opts = append(opts, streamfake.WithStateFile(*stateFile))
	}
	if *adminToken != "" {
		opts = append(opts, streamfake.WithAdminToken(*adminToken))
	}
	if *adminRemote {
		opts = append(opts, streamfake.WithRemoteAdmin())
	}
	if *useTLS {
		cert, path, err := selfSignedCertificate(*certFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, streamfake.WithTLSCertificate(cert))
		*certFile = path
	}
	f, err := streamfake.Start(opts...)
	if err != nil {
		return nil, err
	}
	curlTLS := ""
	if *useTLS {
		fmt.Fprintf(stdout, "streamfake: TLS certificate (trust it with curl --cacert, or NODE_EXTRA_CA_CERTS): %s\n", *certFile)
		curlTLS = " --cacert " + *certFile
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
`, f.URL(), *account, *token, f.Seed(), f.URL()[:len(f.URL())-len("/client/v4")]+streamfake.AdminPrefix, curlTLS, f.URL(), *account, *token)
	return f, nil
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
