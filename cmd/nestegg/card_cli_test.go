package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestDebitCardCLI: nestegg card issue, limits, freeze, unfreeze, simulate
// (the issue's own example), transactions and capture against a real
// serve (the sandbox issuer); no output holds a card number.
func TestDebitCardCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "card-cli-test-operator-key"
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
		post("/api/v1/signup", "", "", `{"handle":"hal","display_name":"Hal","email":"hal@example.com","password":"spend-it-well-1"}`)
		if out, err := cli(t, hal, "spend-it-well-1\n", "login", "--url", url, "--handle", "hal", "--password-stdin"); err != nil {
			t.Fatalf("login = %v\n%s", err, out)
		}
		post("/api/v1/operator/credit", key, "fund-hal", `{"handle":"hal","amount":"$100","reason":"demo"}`)
		var all strings.Builder
		run := func(want string, args ...string) string {
			t.Helper()
			out, err := cli(t, hal, "", args...)
			all.WriteString(out)
			if err != nil || !strings.Contains(out, want) {
				t.Fatalf("nestegg %s = %v\n%s\nwant %q", strings.Join(args, " "), err, out, want)
			}
			return out
		}
		run("You have no debit card yet", "card", "show")
		run("Your virtual card is ready.", "card", "issue")
		run("$25.00 a purchase, none a day · blocked categories: 7995 · online off", "card", "limits", "--per-purchase", "25", "--block", "7995", "--online", "off")
		run("frozen", "card", "freeze")
		run("Declined at Bean There Café: card frozen.", "card", "simulate", "--merchant", "Bean There Café", "--amount", "4.50")
		run("active", "card", "unfreeze")
		out := run("Approved $4.50 at Bean There Café, pending until captured", "card", "simulate", "--merchant", "Bean There Café", "--amount", "4.50")
		auth := regexp.MustCompile(`nestegg card capture (iauth_\S+)`).FindStringSubmatch(out)
		if auth == nil {
			t.Fatalf("no authorization to capture in:\n%s", out)
		}
		run("Declined at Casino: category blocked.", "card", "simulate", "--merchant", "Casino", "--amount", "10", "--category", "7995")
		run("Declined at Big Buy: over purchase limit.", "card", "simulate", "--merchant", "Big Buy", "--amount", "30")
		run("pending", "card", "transactions")
		run("Captured $5.00.", "card", "capture", auth[1], "--amount", "5")
		run("captured", "card", "transactions")
		run("Open this link", "card", "reveal")
		// A run of 13 to 19 digits standing alone (not inside a hex key or id).
		if regexp.MustCompile(`(^|[^0-9A-Za-z])\d{13,19}([^0-9A-Za-z]|$)`).MatchString(strings.ReplaceAll(all.String(), " ", "")) {
			t.Fatalf("the CLI printed something like a card number:\n%s", all.String())
		}
	})
}
