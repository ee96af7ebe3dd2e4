package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestSubscribeCLI: hal lists Premium's plans, declines at the question
// (nothing is charged), subscribes to Basic, upgrades to Premium (the
// prorated charge said first), cancels, and reads his (empty) earnings.
func TestSubscribeCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "subscribe-cli-test-operator-key"
		url := serveForTest(t, dsn, key)
		hal := filepath.Join(t.TempDir(), "hal.json")
		post := func(path, auth, idem, body string) {
			t.Helper()
			req, _ := http.NewRequest("POST", url+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if auth != "" {
				req.Header.Set("Authorization", "Bearer "+auth)
			}
			if idem != "" {
				req.Header.Set("Idempotency-Key", idem)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("POST %s = %v %v", path, resp, err)
			}
			resp.Body.Close()
		}
		post("/api/v1/signup", "", "", `{"handle":"hal","display_name":"Hal","email":"hal@example.com","password":"a-plan-for-hal-1"}`)
		if out, err := cli(t, hal, "a-plan-for-hal-1\n", "login", "--url", url, "--handle", "hal", "--password-stdin"); err != nil {
			t.Fatalf("login = %v\n%s", err, out)
		}
		post("/api/v1/operator/credit", key, "fund-hal", `{"handle":"hal","amount":"$100","reason":"demo"}`)
		run := func(stdin, want string, args ...string) string {
			t.Helper()
			out, err := cli(t, hal, stdin, args...)
			if err != nil || !strings.Contains(out, want) {
				t.Fatalf("nestegg %s = %v\n%s\nwant %q", strings.Join(args, " "), err, out, want)
			}
			return out
		}
		run("", "You have no subscriptions", "subscriptions")
		run("", "pln_premium_2_month", "plans")
		run("", "(plus each affiliate seat)", "plans", "--organization")
		out := run("n\n", "Nothing was charged.", "subscribe", "pln_premium_1_month")
		if !strings.Contains(out, "Subscribe to Basic: $3.00 now from your wallet") {
			t.Fatalf("subscribe did not say the charge first:\n%s", out)
		}
		run("", "You have no subscriptions", "subscriptions")
		run("", "Basic, $3.00 a period, active, next charge", "subscribe", "pln_premium_1_month", "--yes")
		out = run("y\n", "Premium, $8.00 a period, active", "subscribe", "pln_premium_2_month")
		if !strings.Contains(out, "Upgrade Basic to Premium now: $") {
			t.Fatalf("the upgrade did not say its charge first:\n%s", out)
		}
		list := run("", "Premium", "subscriptions")
		id := strings.Fields(list)[0]
		run("", "cancelled: yours until", "subscriptions", "cancel", id)
		run("", "No subscription earnings yet.", "earnings")
		if out, err := cli(t, hal, "", "subscriptions", "cancel", "sub_nosuch"); err == nil {
			t.Fatalf("cancelling someone else's subscription worked:\n%s", out)
		}
	})
}
