package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/nestegg/nestegg/bench"
)

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench")
	var c bench.Config
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "server to load (loopback only unless --allow-remote); several comma-separated servers sharing one database split the load")
	fs.StringVar(&c.Key, "key", "", "operator API key (default: $NESTEGG_OPERATOR_KEY)")
	fs.IntVar(&c.Accounts, "accounts", 1000, "accounts to create and fund (with --p2p: members to sign up and credit)")
	fs.IntVar(&c.Transfers, "transfers", 100_000, "transfers to attempt (with --p2p: payments)")
	fs.IntVar(&c.Concurrency, "concurrency", 64, "concurrent clients")
	fs.IntVar(&c.Batch, "batch", 1, "transfers per request (more than 1 uses the batch endpoint)")
	fs.IntVar(&c.Skew, "skew", 0, "percent of transfers that touch only the --hot accounts")
	fs.IntVar(&c.Hot, "hot", 10, "how many hot accounts --skew concentrates on")
	fs.DurationVar(&c.MaxDuration, "max-duration", 5*time.Minute, "stop issuing transfers after this long")
	fs.DurationVar(&c.Timeout, "timeout", 30*time.Second, "per-request timeout; timed-out requests are retried with the same idempotency key")
	fs.BoolVar(&c.AllowRemote, "allow-remote", false, "allow a non-loopback --url")
	fs.BoolVar(&c.P2P, "p2p", false, "members pay members through POST /api/v1/payments, each with their own token, instead of operator transfers (sign-up is fast only on a server run with --bench-fast-passwords)")
	asJSON := fs.Bool("json", false, "end with one JSON line of results")
	if err := parse(fs, args); err != nil {
		return err
	}
	if c.Key == "" {
		c.Key = e.getenv("NESTEGG_OPERATOR_KEY")
	}
	if c.Key == "" {
		fmt.Fprintln(e.stderr, "nestegg bench: no operator key: pass --key or set NESTEGG_OPERATOR_KEY")
		return errUsage
	}
	rep, err := bench.Run(ctx, c, e.stderr)
	if err != nil {
		return err
	}
	printReport(e.stdout, rep)
	if *asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintf(e.stdout, "%s\n", b)
	}
	if !rep.OK {
		return fmt.Errorf("verification failed: %d errors, %d missing, %d duplicates, conservation ok %v, %d negative accounts, %d drifted",
			rep.Errors, rep.Missing, rep.Duplicates, rep.ConservationOK, rep.Negative, rep.Drift)
	}
	return nil
}

func printReport(w io.Writer, r bench.Report) {
	p2p := r.Mode == "p2p"
	if p2p {
		fmt.Fprintf(w, "p2p mode, %d server(s), %d clients, %d members\n", r.Servers, r.Concurrency, r.Accounts)
	} else {
		fmt.Fprintf(w, "%s mode, %d server(s), %d clients, batch %d, %d accounts\n", r.Mode, r.Servers, r.Concurrency, r.Batch, r.Accounts)
	}
	fmt.Fprintf(w, "  %d acknowledged, %d refused, %d errors, %d retries in %.2fs\n", r.Acknowledged, r.Refused, r.Errors, r.Retries, r.Seconds)
	for _, why := range slices.Sorted(maps.Keys(r.RefusedBy)) {
		fmt.Fprintf(w, "    %d refused: %s\n", r.RefusedBy[why], why)
	}
	unit := "transfers"
	if p2p {
		unit = "payments"
	}
	fmt.Fprintf(w, "  %.0f %s/s, %.0f requests/s\n", r.TransfersPerSec, unit, r.RequestsPerSec)
	fmt.Fprintf(w, "  latency p50 %.2fms  p90 %.2fms  p99 %.2fms  max %.2fms\n", r.P50ms, r.P90ms, r.P99ms, r.Maxms)
	fmt.Fprintf(w, "  verified: missing %d, duplicates %d, conservation ok %v, negative accounts %d", r.Missing, r.Duplicates, r.ConservationOK, r.Negative)
	if p2p {
		fmt.Fprintf(w, ", balances off their model %d", r.Drift)
	}
	fmt.Fprintln(w)
}
