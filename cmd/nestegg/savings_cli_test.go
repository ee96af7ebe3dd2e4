package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestSavingsCLI: gil opens savings, moves money in and out and reads the
// history; the operator sets a tiered rate and records the bank's yield,
// and sees it in the margin.
func TestSavingsCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "savings-cli-test-operator-key"
		url := serveForTest(t, dsn, key)
		gil := filepath.Join(t.TempDir(), "gil.json")
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
		post("/api/v1/signup", "", "", `{"handle":"gil","display_name":"Gil","email":"gil@example.com","password":"a-penny-saved-1"}`)
		if out, err := cli(t, gil, "a-penny-saved-1\n", "login", "--url", url, "--handle", "gil", "--password-stdin"); err != nil {
			t.Fatalf("login = %v\n%s", err, out)
		}
		post("/api/v1/operator/credit", key, "fund-gil", `{"handle":"gil","amount":"$100","reason":"demo"}`)
		run := func(want string, args ...string) string {
			t.Helper()
			out, err := cli(t, gil, "", args...)
			if err != nil || !strings.Contains(out, want) {
				t.Fatalf("nestegg %s = %v\n%s\nwant %q", strings.Join(args, " "), err, out, want)
			}
			return out
		}
		run("You have no savings yet", "savings")
		run("Your savings are open.", "savings", "open")
		run("Moved $60.00 to savings.", "savings", "in", "60")
		run("Moved $15.50 to your wallet.", "savings", "out", "15.50")
		run("Moved from savings", "savings", "history")
		if out, err := cli(t, gil, "", "savings", "out", "1000"); err == nil {
			t.Fatalf("moving more than savings hold worked:\n%s", out)
		}
		today := time.Now().UTC().Format(time.DateOnly)
		run("The USD savings rate is 4.00% up to $1,000.00, 4.50% above from "+today, "savings", "rate", "--url", url, "--key", key, "--from", today, "--rate", "4%", "--tier", "1000:4.5%")
		out := run("Savings: $44.50", "savings")
		if !strings.Contains(out, "Rate: 4.00% up to $1,000.00, 4.50% above a year") {
			t.Fatalf("savings after the rate:\n%s", out)
		}
		run("as interest income", "savings", "yield", "12.34", "--month", "2026-11", "--url", url, "--key", key)
		run("2026-11          $12.34          $0.00         $12.34", "savings", "margin", "--year", "2026", "--url", url, "--key", key)
		run("No interest was paid to you in 2026", "savings", "summary", "2026")
		run("year,user_id,handle", "savings", "summary", "2026", "--csv")
		if out, err := cli(t, gil, "", "savings", "rate", "--url", url, "--key", key, "--from", today, "--rate", "lots"); err == nil {
			t.Fatalf("a bad rate worked:\n%s", out)
		}
	})
}
