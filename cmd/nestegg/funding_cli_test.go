package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// serveFundingForTest is serveForTest with an encryption key, so that
// bank accounts work on PostgreSQL too.
func serveFundingForTest(t *testing.T, dsn, key string) string {
	t.Helper()
	return serveForTest(t, dsn, key, "NESTEGG_ENCRYPTION_KEY="+strings.Repeat("ab", 32))
}

// TestFundingCLI deposits, withdraws (standard and instant, with the fee
// shown and confirmed) and tops up (success and a decline) with the CLI
// against a server running in-process; the bank account and cards are
// linked through the API first.
func TestFundingCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "funding-cli-test-operator-key"
		url := serveFundingForTest(t, dsn, key)
		config := filepath.Join(t.TempDir(), "nestegg", "config.json")
		var token string
		call := func(method, path, auth, idem, body string, want int, out any) {
			t.Helper()
			req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if auth != "" {
				req.Header.Set("Authorization", "Bearer "+auth)
			}
			if idem != "" {
				req.Header.Set("Idempotency-Key", idem)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != want {
				t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, b, want)
			}
			if out != nil {
				json.Unmarshal(b, out)
			}
		}
		call("POST", "/api/v1/signup", "", "", `{"handle":"walter","display_name":"Walter Skinner","email":"walter@example.com","password":"deputy-director-1"}`, 201, nil)
		var sess struct{ Token string }
		call("POST", "/api/v1/login", "", "", `{"handle":"walter","password":"deputy-director-1"}`, 200, &sess)
		token = sess.Token
		if out, err := cli(t, config, "deputy-director-1\n", "login", "--url", url, "--handle", "walter", "--password-stdin"); err != nil {
			t.Fatalf("login = %v\n%s", err, out)
		}
		if out, err := cli(t, config, "", "deposit", "50", "--yes"); err == nil || !strings.Contains(err.Error(), "no verified bank account") {
			t.Fatalf("deposit without a bank = %v\n%s", err, out)
		}
		var bank struct{ ID string }
		call("POST", "/api/v1/bank-accounts", token, "", `{"holder_name":"Walter Skinner","routing_number":"011000015","account_number":"123456789"}`, 201, &bank)
		var micro struct{ Amounts []int64 }
		call("GET", "/api/v1/sandbox/bank-accounts/"+bank.ID+"/micro-deposits", token, "", "", 200, &micro)
		call("POST", "/api/v1/operator/ach/export", key, "", "", 201, nil) // the amounts can be confirmed once sent
		body, _ := json.Marshal(map[string]any{"amounts": micro.Amounts})
		call("POST", "/api/v1/bank-accounts/"+bank.ID+"/verify", token, "", string(body), 200, nil)
		link := func(number string) string {
			var tok, card struct{ Token, ID string }
			call("POST", "/api/v1/sandbox/cards/tokens", token, "", `{"number":"`+number+`","exp_month":12,"exp_year":2040,"cvc":"123"}`, 201, &tok)
			call("POST", "/api/v1/cards", token, "", `{"token":"`+tok.Token+`"}`, 201, &card)
			return card.ID
		}
		good, poor := link("4242424242424242"), link("4000000000009995")

		out, err := cli(t, config, "n\n", "deposit", "50")
		if err != nil || !strings.Contains(out, "Deposit $50.00 from bank account "+bank.ID) || !strings.Contains(out, "Nothing moved.") {
			t.Fatalf("deposit, declined = %v\n%s", err, out)
		}
		out, err = cli(t, config, "y\n", "deposit", "50")
		if err != nil || !strings.Contains(out, "deposit $50.00: pending (dep_") || !strings.Contains(out, "Idempotency-Key: cli-") {
			t.Fatalf("deposit = %v\n%s", err, out)
		}

		out, err = cli(t, config, "y\n", "topup", "10", "--card", good)
		if err != nil || !strings.Contains(out, "fee $0.59, $10.59 charged to the card") || !strings.Contains(out, "topup $10.00: succeeded") {
			t.Fatalf("topup = %v\n%s", err, out)
		}
		out, err = cli(t, config, "", "topup", "10", "--card", poor, "--yes")
		if err == nil || !strings.Contains(err.Error(), "declined") || !strings.Contains(err.Error(), "insufficient funds") {
			t.Fatalf("declined topup = %v\n%s", err, out)
		}

		out, err = cli(t, config, "n\n", "withdraw", "4", "--instant")
		if err != nil || !strings.Contains(out, "instant (fee $0.25), $4.25 leaves your wallet") || !strings.Contains(out, "Nothing moved.") {
			t.Fatalf("withdraw, declined = %v\n%s", err, out)
		}
		// The platform's cash at the bank comes only from settled money
		// (the deposit settles tomorrow): until then payouts wait, and the
		// withdrawal is refused, saying why, with nothing moved. The HTTP tests of
		// package web settle first and withdraw.
		out, err = cli(t, config, "", "withdraw", "3", "--yes")
		if err == nil || !strings.Contains(out, "standard (no fee)") || !strings.Contains(err.Error(), "on its way in") {
			t.Fatalf("standard withdraw = %v\n%s", err, out)
		}
		out, err = cli(t, config, "", "funding")
		if err != nil || !strings.Contains(out, "••••6789  verified") || !strings.Contains(out, "visa ••••4242") || !strings.Contains(out, "declined") || strings.Contains(out, "123456789") {
			t.Fatalf("funding = %v\n%s", err, out)
		}
	})
}
