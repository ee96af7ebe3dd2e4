package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestBankCardCLI links and verifies a bank account and adds cards with
// the CLI against a server running in-process, then deposits and tops up
// with them; nothing the CLI says (stdout, stderr or its errors) carries
// the account number, a card number or a CVC.
func TestBankCardCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		url := serveFundingForTest(t, dsn, "bank-card-cli-test-operator-key")
		config := filepath.Join(t.TempDir(), "nestegg", "config.json")
		const (
			account  = "55501234567"
			good     = "4242424242424242"
			declined = "4000000000000002"
			cvc      = "987"
		)
		var said strings.Builder // every word the CLI said, for the leak check
		run := func(stdin string, args ...string) (string, error) {
			t.Helper()
			out, err := cli(t, config, stdin, args...)
			said.WriteString(out)
			if err != nil {
				said.WriteString(err.Error() + "\n")
			}
			return out, err
		}

		resp, err := http.Post(url+"/api/v1/signup", "application/json", strings.NewReader(
			`{"handle":"monica","display_name":"Monica Reyes","email":"monica@example.com","password":"super-soldier-22"}`))
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("signup = %v %v", resp, err)
		}
		resp.Body.Close()
		if out, err := run("super-soldier-22\n", "login", "--url", url, "--handle", "monica", "--password-stdin"); err != nil {
			t.Fatalf("login = %v\n%s", err, out)
		}
		var token string
		{
			b, _ := json.Marshal(map[string]string{"handle": "monica", "password": "super-soldier-22"})
			resp, err := http.Post(url+"/api/v1/login", "application/json", strings.NewReader(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			var sess struct{ Token string }
			json.NewDecoder(resp.Body).Decode(&sess)
			resp.Body.Close()
			token = sess.Token
		}

		// Usage errors: the account number never comes from a flag.
		if out, err := run("", "bank", "link"); err != errUsage || !strings.Contains(out, "--routing is required") {
			t.Fatalf("bank link without --routing = %v\n%s", err, out)
		}
		if out, err := run("", "bank", "link", "--routing", "110000000", "--account", account); err != errUsage {
			t.Fatalf("bank link --account = %v\n%s", err, out)
		}
		if out, err := run("", "bank", "link", "--routing", "110000000", "--account-stdin"); err == nil || !strings.Contains(err.Error(), "no account number on stdin") {
			t.Fatalf("bank link, nothing on stdin = %v\n%s", err, out)
		}

		out, err := run(account+"\n", "bank", "link", "--routing", "110000000", "--account-stdin")
		id := regexp.MustCompile(`\(bnk_[^)]+\)`).FindString(out)
		if err != nil || id == "" || !strings.Contains(out, "Linked bank account ••••4567") || !strings.Contains(out, "pending") {
			t.Fatalf("bank link = %v\n%s", err, out)
		}
		id = strings.Trim(id, "()")
		if !strings.Contains(out, "Verify with: nestegg bank verify "+id+" <amount1> <amount2> once the two small deposits") {
			t.Fatalf("bank link says nothing of what next:\n%s", out)
		}

		// The sandbox shows the micro-deposits, which a real bank prints on
		// the member's statement.
		req, _ := http.NewRequest("GET", url+"/api/v1/sandbox/bank-accounts/"+id+"/micro-deposits", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("micro-deposits = %v %v", resp, err)
		}
		var micro struct{ Amounts []int64 }
		json.NewDecoder(resp.Body).Decode(&micro)
		resp.Body.Close()
		if len(micro.Amounts) != 2 {
			t.Fatalf("micro-deposits = %v", micro.Amounts)
		}
		if out, err := run("", "bank", "verify", id, "100", "2"); err == nil || !strings.Contains(err.Error(), "under $1") {
			t.Fatalf("bank verify 100 cents = %v\n%s", err, out)
		}
		if out, err := run("", "deposit", "50", "--yes"); err == nil || !strings.Contains(err.Error(), "nestegg bank link") {
			t.Fatalf("deposit before verifying = %v\n%s", err, out)
		}
		// The amounts can be confirmed once they are sent.
		req, _ = http.NewRequest("POST", url+"/api/v1/operator/ach/export", nil)
		req.Header.Set("Authorization", "Bearer bank-card-cli-test-operator-key")
		if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("ACH export = %v %v", resp, err)
		}
		resp.Body.Close()
		// One amount in cents, the other as money.
		out, err = run("", "bank", "verify", id, fmt.Sprint(micro.Amounts[0]), fmt.Sprintf("0.%02d", micro.Amounts[1]))
		if err != nil || !strings.Contains(out, "Verified bank account ••••4567 ("+id+")") {
			t.Fatalf("bank verify = %v\n%s", err, out)
		}
		out, err = run("", "deposit", "50", "--yes")
		if err != nil || !strings.Contains(out, "deposit $50.00: pending (dep_") {
			t.Fatalf("deposit = %v\n%s", err, out)
		}

		// Cards: the number may be typed in groups; a card that declines
		// still adds, and declines when charged.
		if out, err := run(good+"\n", "card", "add", "--exp", "12/30", "--card-stdin"); err == nil || !strings.Contains(err.Error(), "number and the CVC") {
			t.Fatalf("card add without a CVC = %v\n%s", err, out)
		}
		if out, err := run("", "card", "add", "--exp", "13/30", "--card-stdin"); err == nil || !strings.Contains(err.Error(), "MM/YY") {
			t.Fatalf("card add --exp 13/30 = %v\n%s", err, out)
		}
		cardID := regexp.MustCompile(`\((crd_[^)]+)\)`)
		out, err = run("4242 4242 4242 4242 "+cvc+"\n", "card", "add", "--exp", "12/30", "--card-stdin")
		m := cardID.FindStringSubmatch(out)
		if err != nil || m == nil || !strings.Contains(out, "Added card visa ••••4242, exp 12/2030") {
			t.Fatalf("card add = %v\n%s", err, out)
		}
		goodID := m[1]
		out, err = run(declined+" "+cvc+"\n", "card", "add", "--exp", "01/2031", "--card-stdin")
		m = cardID.FindStringSubmatch(out)
		if err != nil || m == nil || !strings.Contains(out, "••••0002, exp 01/2031") {
			t.Fatalf("card add, a declining card = %v\n%s", err, out)
		}
		poorID := m[1]
		out, err = run("", "topup", "10", "--card", goodID, "--yes")
		if err != nil || !strings.Contains(out, "topup $10.00: succeeded") {
			t.Fatalf("topup = %v\n%s", err, out)
		}
		out, err = run("", "topup", "10", "--card", poorID, "--yes")
		if err == nil || !strings.Contains(err.Error(), "declined") {
			t.Fatalf("topup, declining card = %v\n%s", err, out)
		}

		out, err = run("", "funding")
		if err != nil || !strings.Contains(out, "••••4567  verified") || !strings.Contains(out, "visa ••••4242") || !strings.Contains(out, "••••0002") {
			t.Fatalf("funding = %v\n%s", err, out)
		}
		if out, err := run("", "card", "remove", poorID); err != nil || !strings.Contains(out, "Removed card "+poorID) {
			t.Fatalf("card remove = %v\n%s", err, out)
		}
		if out, err := run("", "card", "remove", poorID); err == nil {
			t.Fatalf("card remove again = nil\n%s", out)
		}
		if out, err := run("", "bank", "remove", id); err != nil || !strings.Contains(out, "Removed bank account "+id) {
			t.Fatalf("bank remove = %v\n%s", err, out)
		}
		out, err = run("", "funding")
		if err != nil || strings.Contains(out, poorID) || strings.Contains(out, id+" ") {
			t.Fatalf("funding after removing = %v\n%s", err, out)
		}

		all := said.String()
		for _, secret := range []string{account, good, declined, "4242 4242", `\b` + cvc + `\b`} {
			if regexp.MustCompile(secret).MatchString(all) {
				t.Errorf("the CLI said %q:\n%s", secret, all)
			}
		}
	})
}

// TestCardAddNotSandbox: a server whose processor tokenizes in the
// browser has no tokenization endpoint (404), and the CLI says to add the
// card on the web.
func TestCardAddNotSandbox(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":{"type":"invalid_request_error","code":"not_found","message":"this server's card processor tokenizes cards itself"}}`)
	}))
	defer srv.Close()
	config := filepath.Join(t.TempDir(), "config.json")
	if _, err := saveConfig(func(k string) string {
		if k == "NESTEGG_CONFIG" {
			return config
		}
		return ""
	}, cliConfig{URL: srv.URL, Token: "tok"}); err != nil {
		t.Fatal(err)
	}
	out, err := cli(t, config, "4242424242424242 987\n", "card", "add", "--exp", "12/30", "--card-stdin")
	if err == nil || !strings.Contains(err.Error(), "add cards in the web app") || strings.Contains(out+err.Error(), "4242") {
		t.Fatalf("card add on a non-sandbox server = %v\n%s", err, out)
	}
}
