package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store/storetest"
)

// lines collects what a command writes to stdout and lets a test wait for a
// line, without the command ever blocking on the test.
type lines struct {
	mu      sync.Mutex
	buf     strings.Builder
	changed chan struct{}
}

func newLines() *lines { return &lines{changed: make(chan struct{}, 1)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf.Write(p)
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitPrefix returns the rest of the first line starting with prefix.
func (l *lines) waitPrefix(t *testing.T, prefix string, done <-chan error) string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		for _, line := range strings.Split(l.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				return rest
			}
		}
		select {
		case <-l.changed:
		case err := <-done:
			t.Fatalf("command ended before printing %q: %v\n%s", prefix, err, l.String())
		case <-deadline:
			t.Fatalf("no line %q within 60s:\n%s", prefix, l.String())
		}
	}
}

// server is a `nestegg serve` running in-process.
type server struct {
	url    string
	stdout *lines
	stderr *lines
	cancel context.CancelFunc
	done   chan error
}

// startServer runs serve on dsn with env and waits until it listens.
func startServer(t *testing.T, dsn string, env map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: newLines(), stderr: newLines(), cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--database", dsn, "--log-level", "warn"},
			func(k string) string { return env[k] }, strings.NewReader(""), s.stdout, s.stderr)
	}()
	s.url = s.stdout.waitPrefix(t, "nestegg listening on ", s.done)
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop cancels the server's context (as SIGTERM does) and wants a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve returned %v\nstderr:\n%s", err, s.stderr.String())
		}
	case <-time.After(45 * time.Second):
		t.Errorf("serve did not stop within 45s")
	}
}

// call makes a request with the operator key and decodes a JSON response.
func call(t *testing.T, c *http.Client, method, url, key, body string, out any, headers ...string) (int, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, b, err)
		}
	}
	return resp.StatusCode, nil
}

func TestServeAndShutdown(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "serve-test-operator-key-0123"
		s := startServer(t, dsn, map[string]string{"NESTEGG_OPERATOR_KEY": key})
		if strings.Contains(s.stdout.String(), "operator key:") {
			t.Errorf("a key was generated although NESTEGG_OPERATOR_KEY was set:\n%s", s.stdout.String())
		}
		// Where to go next, on the address it listens on.
		s.stdout.waitPrefix(t, "Next:", s.done)
		if !strings.Contains(s.stdout.String(), s.url+"/signup") {
			t.Errorf("serve did not say where to go next:\n%s", s.stdout.String())
		}
		c := &http.Client{Timeout: 30 * time.Second}
		for _, p := range []string{"/healthz", "/readyz", "/api/v1/openapi.json"} {
			if code, err := call(t, c, "GET", s.url+p, "", "", nil); err != nil || code != 200 {
				t.Fatalf("GET %s = %d, %v", p, code, err)
			}
		}
		if code, _ := call(t, c, "GET", s.url+"/metrics", "", "", nil); code != 401 {
			t.Fatalf("GET /metrics without the operator key = %d, want 401", code)
		}
		var acct struct{ ID, Kind string }
		if code, err := call(t, c, "GET", s.url+"/api/v1/platform/accounts/USD/equity", key, "", &acct); err != nil || code != 200 || acct.Kind != "equity" {
			t.Fatalf("platform account = %d %+v, %v", code, acct, err)
		}
		if code, _ := call(t, c, "GET", s.url+"/api/v1/platform/accounts/USD/equity", "wrong-key-0123456789", "", nil); code != 401 {
			t.Fatalf("wrong key = %d, want 401", code)
		}
		s.stop(t)
		if _, err := call(t, c, "GET", s.url+"/healthz", "", "", nil); err == nil {
			t.Fatalf("server still answers after shutdown")
		}
	})
}

func TestGeneratedOperatorKeyPrintedOnce(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		s := startServer(t, dsn, nil)
		out := s.stdout.String()
		key := strings.TrimSpace(s.stdout.waitPrefix(t, "operator key: ", s.done))
		if !strings.HasPrefix(key, "nsk_") || !strings.Contains(out, "will not be shown again") {
			t.Fatalf("first start printed:\n%s", out)
		}
		c := &http.Client{Timeout: 30 * time.Second}
		if code, err := call(t, c, "GET", s.url+"/api/v1/platform/accounts/USD/equity", key, "", nil); err != nil || code != 200 {
			t.Fatalf("generated key = %d, %v", code, err)
		}
		s.stop(t)

		s = startServer(t, dsn, nil)
		if strings.Contains(s.stdout.String(), "operator key") || strings.Contains(s.stdout.String(), key) {
			t.Fatalf("second start printed a key:\n%s", s.stdout.String())
		}
		if code, err := call(t, c, "GET", s.url+"/api/v1/platform/accounts/USD/equity", key, "", nil); err != nil || code != 200 {
			t.Fatalf("generated key after restart = %d, %v", code, err)
		}
	})
}

func TestCommands(t *testing.T) {
	noenv := func(string) string { return "" }
	var out, errOut strings.Builder
	if err := run(context.Background(), []string{"help"}, noenv, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "serve") {
		t.Fatalf("help = %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, noenv, nil, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "nestegg ") {
		t.Fatalf("version = %v %q", err, out.String())
	}
	for _, args := range [][]string{nil, {"nope"}, {"serve", "--nope"}, {"migrate", "extra"}, {"serve", "--log-level", "loud"}} {
		if err := run(context.Background(), args, noenv, nil, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded, want a usage error", args)
		}
	}
	if err := run(context.Background(), []string{"serve", "-h"}, noenv, nil, io.Discard, io.Discard); err != nil {
		t.Errorf("serve -h = %v, want nil", err)
	}
	// NESTEGG_DATABASE is the default database; --database wins over it.
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		env := func(k string) string {
			if k == "NESTEGG_DATABASE" {
				return dsn
			}
			return ""
		}
		var out strings.Builder
		if err := run(context.Background(), []string{"migrate"}, env, nil, &out, io.Discard); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if !strings.HasPrefix(out.String(), "migrated ") {
			t.Fatalf("migrate printed %q", out.String())
		}
	})
	bad := t.TempDir() + "/missing-dir/x.db"
	if err := run(context.Background(), []string{"migrate", "--database", bad}, func(string) string { return "postgres://invalid" }, nil, io.Discard, io.Discard); err == nil {
		t.Errorf("migrate on %s succeeded", bad)
	}
}

// A busy port fails first: before a database is created, a migration run or
// an operator key printed (a key printed by a server that then fails is
// lost), and the error says which flag chooses another address.
func TestServeBusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dbPath := filepath.Join(t.TempDir(), "nestegg.db")
	var out, errOut strings.Builder
	err = run(context.Background(), []string{"serve", "--addr", busy.Addr().String(), "--database", dbPath},
		func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--addr") || !strings.Contains(err.Error(), busy.Addr().String()) {
		t.Fatalf("serve on a busy port = %v, want an error naming --addr and %s", err, busy.Addr())
	}
	if strings.Contains(out.String(), "operator key") || strings.Contains(out.String(), "nsk_") {
		t.Errorf("serve on a busy port printed a key:\n%s", out.String())
	}
	if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve on a busy port created its database (%v)", err)
	}
}
