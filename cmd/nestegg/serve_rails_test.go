package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestServeRefusesMixedRails: serve will not run a sandbox rail beside a
// real one. With a real ACH outbox and no Stripe key the sandbox card
// processor used to stay on: its test card always succeeds and its
// payouts add to the platform's cash, which the real bank then pays out
// to a member's real account. Only NESTEGG_SANDBOX=1, the operator's word
// that the whole install is a sandbox, allows the mix, and --demo (whose
// members get opening balances from nowhere) needs a sandbox install.
func TestServeRefusesMixedRails(t *testing.T) {
	ach := func(t *testing.T) map[string]string {
		d := t.TempDir()
		return map[string]string{"NESTEGG_ACH_OUTBOX": filepath.Join(d, "out"), "NESTEGG_ACH_INBOX": filepath.Join(d, "in")}
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name string
		env  func(t *testing.T) map[string]string
		args []string
		want string // in the error
	}{
		{"real bank, sandbox cards", ach, nil, "the sandbox card processor"},
		{"real bank, Stripe test mode", func(t *testing.T) map[string]string { return with(ach(t), "NESTEGG_STRIPE_KEY", "sk_test_123") }, nil, "Stripe in test mode"},
		{"real bank, Stripe's URL replaced", func(t *testing.T) map[string]string {
			return with(ach(t), "NESTEGG_STRIPE_KEY", "sk_live_123", "NESTEGG_STRIPE_URL", "http://127.0.0.1:12111")
		}, nil, "Stripe in test mode"},
		{"live Stripe, sandbox bank", func(t *testing.T) map[string]string {
			return map[string]string{"NESTEGG_STRIPE_KEY": "sk_live_123"}
		}, nil, "live Stripe beside the sandbox bank"},
		{"half a real bank", func(t *testing.T) map[string]string {
			return map[string]string{"NESTEGG_ACH_OUTBOX": t.TempDir(), "NESTEGG_STRIPE_KEY": "sk_live_123"}
		}, nil, "needs both NESTEGG_ACH_OUTBOX and NESTEGG_ACH_INBOX"},
		{"a guess at NESTEGG_SANDBOX", func(t *testing.T) map[string]string { return with(ach(t), "NESTEGG_SANDBOX", "yes please") }, nil, "NESTEGG_SANDBOX is 1"},
		{"the demo on real rails", func(t *testing.T) map[string]string { return with(ach(t), "NESTEGG_STRIPE_KEY", "sk_live_123") }, []string{"--demo"}, "--demo runs only on the sandbox rails"},
		{"a sandbox clock on the real bank", func(t *testing.T) map[string]string { return with(ach(t), "NESTEGG_SANDBOX", "1") }, []string{"--sandbox-clock", "5s"}, "the sandbox clock needs the sandbox bank"},
		// A secret key pasted where the publishable key goes would be
		// printed into every card page.
		{"a secret key as the publishable key", func(t *testing.T) map[string]string {
			return map[string]string{"NESTEGG_STRIPE_KEY": "sk_test_123", "NESTEGG_STRIPE_URL": "http://127.0.0.1:12111", "NESTEGG_STRIPE_PUBLISHABLE_KEY": "sk_test_123"}
		}, nil, "publishable key"},
		{"not a webhook signing secret", func(t *testing.T) map[string]string {
			return map[string]string{"NESTEGG_STRIPE_KEY": "sk_test_123", "NESTEGG_STRIPE_URL": "http://127.0.0.1:12111", "NESTEGG_STRIPE_WEBHOOK_SECRET": "sk_test_123"}
		}, nil, "signing secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env(t)
			dsn := storetest.SQLitePath(t)
			stdout := newLines()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", dsn, "--log-level", "warn"}, tc.args...)
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), stdout, io.Discard)
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				cancel()
				<-done
				t.Fatalf("serve is still running with these rails:\n%s", stdout.String())
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("serve = %v, want an error saying %q\nstdout:\n%s", err, tc.want, stdout.String())
			}
			if !nestegg.Is(err, nestegg.Invalid) {
				t.Errorf("serve = %v, want invalid", err)
			}
			if out := stdout.String(); strings.Contains(out, "listening") || strings.Contains(out, "operator key") {
				// A key printed once by a server that then refuses is lost.
				t.Errorf("serve listened, or printed an operator key, before refusing:\n%s", out)
			}
		})
	}

	// The operator's commands open funding the same way.
	env := ach(t)
	err := run(context.Background(), []string{"ach", "export", "--database", storetest.SQLitePath(t)},
		func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "the sandbox card processor") {
		t.Errorf("nestegg ach export with mixed rails = %v, want refused", err)
	}

	t.Run("declared a sandbox", func(t *testing.T) {
		s := startServer(t, storetest.SQLitePath(t), with(ach(t), "NESTEGG_SANDBOX", "1"))
		s.stop(t)
		if !strings.Contains(s.stderr.String(), "NESTEGG_SANDBOX=1") {
			t.Errorf("serve did not warn about the mix:\n%s", s.stderr.String())
		}
	})
}
