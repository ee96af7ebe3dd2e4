package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/bench"
	"github.com/nestegg/nestegg/store/storetest"
)

// serveForTest runs `nestegg serve` in-process on dsn with the operator key
// and returns its base URL; the server stops (gracefully) when the test ends.
// env adds environment variables as "NAME=value".
func serveForTest(t *testing.T, dsn, key string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	getenv := func(k string) string {
		if k == "NESTEGG_OPERATOR_KEY" {
			return key
		}
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				return v
			}
		}
		return ""
	}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--database", dsn, "--log-level", "warn"}, getenv, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	url := ""
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "nestegg listening on "); ok {
			url = u
			break
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("server did not start: %v", <-done)
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("serve did not stop within 30s")
		}
	})
	return url
}

// TestBenchSmall runs `nestegg bench` at a small size, single and batch
// mode, against a server on each database; its verification must pass.
func TestBenchSmall(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "bench-test-operator-key"
		url := serveForTest(t, dsn, key)
		for _, mode := range [][]string{
			{"--concurrency", "16", "--transfers", "2000"},
			{"--concurrency", "4", "--transfers", "20000", "--batch", "500", "--skew", "50"},
		} {
			var out, errOut strings.Builder
			args := append([]string{"bench", "--url", url, "--key", key, "--accounts", "50", "--json"}, mode...)
			if err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut); err != nil {
				t.Fatalf("bench %v: %v\n%s\n%s", mode, err, out.String(), errOut.String())
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			var rep struct {
				TransfersPerSec float64 `json:"transfers_per_sec"`
				P50             float64 `json:"p50_ms"`
				P99             float64 `json:"p99_ms"`
				Errors          int     `json:"errors"`
				Duplicates      int     `json:"duplicates"`
				ConservationOK  bool    `json:"conservation_ok"`
				Acknowledged    int     `json:"acknowledged"`
				Refused         int     `json:"refused"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
				t.Fatalf("last line is not the JSON report: %v\n%s", err, out.String())
			}
			if !rep.ConservationOK || rep.Errors != 0 || rep.Duplicates != 0 || rep.Acknowledged+rep.Refused == 0 || rep.TransfersPerSec <= 0 {
				t.Errorf("bench %v report = %+v", mode, rep)
			}
		}
	})
}

// TestBenchP2P runs `nestegg bench --p2p` at a small size against a server
// with fast passwords on each database: members sign up, are credited and
// pay each other through the payments API, and the books verify.
func TestBenchP2P(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "bench-test-operator-key"
		url := serveForTest(t, dsn, key, "NESTEGG_BENCH_FAST_PASSWORDS=1")
		var out, errOut strings.Builder
		args := []string{"bench", "--p2p", "--url", url, "--key", key, "--accounts", "20", "--transfers", "300", "--concurrency", "8", "--json"}
		if err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("bench --p2p: %v\n%s\n%s", err, out.String(), errOut.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var rep bench.Report
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
			t.Fatalf("last line is not the JSON report: %v\n%s", err, out.String())
		}
		if rep.Mode != "p2p" || rep.Accounts != 20 || rep.Acknowledged+rep.Refused != 300 || rep.Acknowledged == 0 ||
			rep.Errors != 0 || rep.Missing != 0 || rep.Duplicates != 0 || rep.Drift != 0 || rep.Negative != 0 ||
			!rep.ConservationOK || !rep.OK || rep.TransfersPerSec <= 0 {
			t.Errorf("bench --p2p report = %+v", rep)
		}
	})
}

func TestBenchRefusesRemote(t *testing.T) {
	var out, errOut strings.Builder
	err := run(context.Background(), []string{"bench", "--url", "http://192.0.2.1:8080", "--key", "k"}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("bench against a remote address = %v, want a loopback refusal", err)
	}
}

// TestBenchTwoServersOnePostgres: two serve processes' worth of servers on
// one PostgreSQL database take the load together, on shared (and skewed,
// so contended) accounts, and the books still balance.
func TestBenchTwoServersOnePostgres(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	const key = "bench-test-operator-key"
	a := serveForTest(t, dsn, key)
	b := serveForTest(t, dsn, key)
	var out, errOut strings.Builder
	args := []string{"bench", "--url", a + "," + b, "--key", key, "--accounts", "40", "--transfers", "3000",
		"--concurrency", "16", "--skew", "80", "--hot", "4", "--json"}
	if err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), `"servers":2`) || !strings.Contains(out.String(), `"conservation_ok":true`) {
		t.Fatalf("report: %s", out.String())
	}
}
