// Command streamfake serves the fake Cloudflare Stream live-input API, for
// clients that are not Go tests: scripts, other languages, manual poking.
//
//	go run ./cmd/streamfake -addr 127.0.0.1:8787
//
// It prints the base URL, account, token and a curl command to try, and
// stops cleanly on Ctrl-C or SIGTERM, finishing requests in flight.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

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
	fmt.Fprintln(stdout, "streamfake: shutting down")
	f.Close()
	return nil
}

// start parses flags and starts the fake, printing how to reach it.
func start(args []string, stdout io.Writer) (*streamfake.Fake, error) {
	fs := flag.NewFlagSet("streamfake", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8787", "address to listen on")
	account := fs.String("account", streamfake.DefaultAccountID, "account id to serve (32 lowercase hex characters)")
	token := fs.String("token", streamfake.DefaultToken, "API token to accept as 'Authorization: Bearer <token>'")
	seed := fs.Int64("seed", 0, "seed for ids and secrets; 0 picks one at random")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	opts := []streamfake.Option{
		streamfake.WithAddr(*addr),
		streamfake.WithAccount(*account),
		streamfake.WithToken(*token),
	}
	if *seed != 0 {
		opts = append(opts, streamfake.WithSeed(*seed))
	}
	f, err := newFake(opts)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, `streamfake: serving Cloudflare Stream live inputs
  base URL: %s
  account:  %s
  token:    %s
  seed:     %d
try:
  curl -s -X POST %s/accounts/%s/stream/live_inputs \
    -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \
    -d '{"meta":{"name":"my stream"}}'
`, f.URL(), *account, *token, f.Seed(), f.URL(), *account, *token)
	return f, nil
}

// newFake turns New's panic on a bad flag into an error for the command line.
func newFake(opts []streamfake.Option) (f *streamfake.Fake, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return streamfake.New(opts...), nil
}
