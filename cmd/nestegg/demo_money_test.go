package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestServeDemoMoney: in `serve --demo` a member can withdraw, at both
// speeds, and a deposit becomes spendable within the session. Before,
// both withdrawals answered 503 "busy" (the platform's cash was empty:
// nothing had settled and the demo's balances came from nowhere), the
// ACH file went out once a day, so a linked bank could not be verified
// (its micro-deposits were never sent) and a deposit never settled.
// Now the demo's members open with balances backed by as much platform
// cash, the sandbox bank settles on the demo's short clock, and serve
// exports the ACH file on that clock.
func TestServeDemoMoney(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const opKey = "demo-money-operator-key"
		env := map[string]string{"NESTEGG_OPERATOR_KEY": opKey, "NESTEGG_ENCRYPTION_KEY": strings.Repeat("cd", 32)}
		ctx, cancel := context.WithCancel(context.Background())
		s := &server{stdout: newLines(), stderr: newLines(), cancel: cancel, done: make(chan error, 1)}
		go func() {
			s.done <- run(ctx, []string{"serve", "--demo", "--sandbox-clock", "1s", "--addr", "127.0.0.1:0", "--database", dsn, "--log-level", "warn"},
				func(k string) string { return env[k] }, strings.NewReader(""), s.stdout, s.stderr)
		}()
		s.url = s.stdout.waitPrefix(t, "nestegg listening on ", s.done)
		s.stdout.waitPrefix(t, "with the demo password: ", s.done)
		t.Cleanup(func() { s.stop(t) })

		c := &http.Client{Timeout: 30 * time.Second}
		api := func(method, path, auth, body string, out any) (int, string) {
			t.Helper()
			req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if auth != "" {
				req.Header.Set("Authorization", "Bearer "+auth)
			}
			if method == "POST" {
				req.Header.Set("Idempotency-Key", fmt.Sprintf("k-%d", time.Now().UnixNano()))
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if out != nil && res.StatusCode < 300 {
				if err := json.NewDecoder(bytes.NewReader(b)).Decode(out); err != nil {
					t.Fatalf("%s %s: %v\n%s", method, path, err, b)
				}
			}
			return res.StatusCode, string(b)
		}
		var cash struct {
			DebitsPosted  int64 `json:"debits_posted"`
			CreditsPosted int64 `json:"credits_posted"`
		}
		if code, body := api("GET", "/api/v1/platform/accounts/USD/platform_cash", opKey, "", &cash); code != 200 {
			t.Fatalf("platform cash = %d %s", code, body)
		}
		// The members' opening balances, all of them held as cash.
		if got := cash.DebitsPosted - cash.CreditsPosted; got != 1895_75 {
			t.Fatalf("platform cash at the demo's start = %d, want 189575 (the members' balances)", got)
		}

		var login struct{ Token string }
		if code, body := api("POST", "/api/v1/login", "", `{"handle":"maya","password":"nestegg-demo"}`, &login); code != 200 && code != 201 {
			t.Fatalf("login = %d %s", code, body)
		}
		maya := login.Token
		available := func() int64 {
			t.Helper()
			var w struct {
				Balances []struct {
					Asset     string
					Available int64
				}
			}
			if code, body := api("GET", "/api/v1/wallet", maya, "", &w); code != 200 {
				t.Fatalf("wallet = %d %s", code, body)
			}
			for _, b := range w.Balances {
				if b.Asset == "USD" {
					return b.Available
				}
			}
			return 0
		}
		if got := available(); got != 120_00 {
			t.Fatalf("maya's opening balance = %d, want 12000", got)
		}
		type mv struct{ ID, Status, Reason string }
		// within waits until check holds, on the demo's clock.
		within := func(what string, check func() bool) {
			t.Helper()
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				if check() {
					return
				}
			}
			t.Fatalf("%s: not within 20s on a 1s sandbox clock", what)
		}

		var bank struct{ ID, Status string }
		if code, body := api("POST", "/api/v1/bank-accounts", maya, `{"holder_name":"Maya Okafor","routing_number":"011000015","account_number":"55512345678"}`, &bank); code != 201 && code != 200 {
			t.Fatalf("link bank = %d %s", code, body)
		}
		var micro struct{ Amounts []int64 }
		if code, body := api("GET", "/api/v1/sandbox/bank-accounts/"+bank.ID+"/micro-deposits", maya, "", &micro); code != 200 {
			t.Fatalf("micro-deposits = %d %s", code, body)
		}
		verify := fmt.Sprintf(`{"amounts":[%d,%d]}`, micro.Amounts[0], micro.Amounts[1])
		within("the micro-deposits go out and the bank verifies", func() bool {
			code, body := api("POST", "/api/v1/bank-accounts/"+bank.ID+"/verify", maya, verify, &bank)
			if code != 200 && code != 409 {
				t.Fatalf("verify = %d %s", code, body)
			}
			return code == 200 && bank.Status == "verified"
		})

		// Both speeds at once, from the opening balance.
		for _, sp := range []struct{ speed, fee string }{{"instant", "25"}, {"standard", "0"}} {
			speed := sp.speed
			var w mv
			code, body := api("POST", "/api/v1/withdrawals", maya, `{"bank_account_id":"`+bank.ID+`","amount":1000,"speed":"`+speed+`","fee":`+sp.fee+`}`, &w)
			if code != 201 && code != 200 {
				t.Fatalf("%s withdrawal = %d %s", speed, code, body)
			}
			within(speed+" withdrawal settles", func() bool {
				api("GET", "/api/v1/withdrawals/"+w.ID, maya, "", &w)
				return w.Status == "settled"
			})
		}
		before := available()

		var d mv
		if code, body := api("POST", "/api/v1/deposits", maya, `{"bank_account_id":"`+bank.ID+`","amount":2500}`, &d); code != 201 && code != 200 {
			t.Fatalf("deposit = %d %s", code, body)
		}
		within("the deposit becomes spendable", func() bool {
			api("GET", "/api/v1/deposits/"+d.ID, maya, "", &d)
			return d.Status == "settled" && available() == before+2500
		})
	})
}
