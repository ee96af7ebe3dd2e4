package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestPayCLI sends and requests money, and reads the balance and history,
// with the CLI against a server running in-process, the sender funded
// through the operator's credit endpoint.
func TestPayCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "pay-cli-test-operator-key"
		url := serveForTest(t, dsn, key)
		config := filepath.Join(t.TempDir(), "nestegg", "config.json")
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
		post("/api/v1/signup", "", "", `{"handle":"dana","display_name":"Dana Scully","email":"dana@example.com","password":"trust-no-one-1013"}`)
		post("/api/v1/signup", "", "", `{"handle":"fox","display_name":"Fox Mulder","email":"fox@example.com","password":"i-want-to-believe"}`)
		if out, err := cli(t, config, "trust-no-one-1013\n", "login", "--url", url, "--handle", "dana", "--password-stdin"); err != nil {
			t.Fatalf("login = %v\n%s", err, out)
		}
		post("/api/v1/operator/credit", key, "fund-dana", `{"handle":"dana","amount":"$20","reason":"demo"}`)

		out, err := cli(t, config, "", "balance")
		if err != nil || !strings.Contains(out, "USD   $20.00 available") || !strings.Contains(out, "Limits (unverified): $500.00 a payment") {
			t.Fatalf("balance = %v\n%s", err, out)
		}

		// Asked, and not confirmed: nothing is sent.
		out, err = cli(t, config, "n\n", "send", "@fox", "5", "--note", "lunch")
		if err != nil || !strings.Contains(out, "Send $5.00 to @fox? [y/N]") || !strings.Contains(out, "Not sent.") {
			t.Fatalf("send, declined = %v\n%s", err, out)
		}
		out, err = cli(t, config, "y\n", "send", "@fox", "5", "--note", "lunch")
		if err != nil || !strings.Contains(out, "Send $5.00 to @fox? [y/N]") || !strings.Contains(out, "Sent $5.00 to @fox (pay_") {
			t.Fatalf("send = %v\n%s", err, out)
		}
		m := regexp.MustCompile(`retry with --idempotency-key (\S+)\)`).FindStringSubmatch(out)
		id := regexp.MustCompile(`\((pay_\S+)\)`).FindStringSubmatch(out)
		if m == nil || id == nil {
			t.Fatalf("send printed no Idempotency-Key or payment id:\n%s", out)
		}
		// A retry with the printed key sends nothing more.
		out, err = cli(t, config, "", "send", "fox", "5", "--note", "lunch", "--yes", "--idempotency-key", m[1])
		if err != nil || !strings.Contains(out, "("+id[1]+")") || strings.Contains(out, "[y/N]") {
			t.Fatalf("send retried = %v\n%s", err, out)
		}
		out, err = cli(t, config, "", "send", "@fox", "$100", "--yes")
		if err == nil || !strings.Contains(err.Error(), "balance is too low") || !strings.Contains(err.Error(), "$15.00") {
			t.Fatalf("send too much = %v\n%s", err, out)
		}
		if out, err := cli(t, config, "", "send", "@fox", "five", "--yes"); err == nil {
			t.Fatalf("send five = %s, want an error", out)
		}
		if out, err := cli(t, config, "", "send", "@fox"); err == nil {
			t.Fatalf("send without an amount = %s, want usage", out)
		}

		out, err = cli(t, config, "", "request", "@fox", "20", "--note", "tickets")
		if err != nil || !strings.Contains(out, "Asked @fox for $20.00 (req_") {
			t.Fatalf("request = %v\n%s", err, out)
		}

		out, err = cli(t, config, "", "balance")
		if err != nil || !strings.Contains(out, "$15.00 available") || !strings.Contains(out, "($5.00 used today)") {
			t.Fatalf("balance after sending = %v\n%s", err, out)
		}
		out, err = cli(t, config, "", "history", "--limit", "1")
		if err != nil || !strings.Contains(out, "-$5.00  Payment to @fox · lunch  balance $15.00") || strings.Contains(out, "credit") {
			t.Fatalf("history --limit 1 = %v\n%s", err, out)
		}
		c := regexp.MustCompile(`more: nestegg history --cursor (\S+)`).FindStringSubmatch(out)
		if c == nil {
			t.Fatalf("history gives no hint for more:\n%s", out)
		}
		out, err = cli(t, config, "", "history", "--cursor", c[1])
		if err != nil || !strings.Contains(out, "+$20.00  Credit from the operator · demo  balance $20.00") || strings.Contains(out, "more:") {
			t.Fatalf("history's next page = %v\n%s", err, out)
		}
	})
}
