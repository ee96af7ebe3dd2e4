package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestStatementCLI reads the statement with history and a month with
// statement (printed, as CSV on stdout and into a file), for the payer and
// the payee, against a server running in-process.
func TestStatementCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "statement-cli-test-operator-key"
		url := serveForTest(t, dsn, key)
		dir := t.TempDir()
		dana, fox := filepath.Join(dir, "dana.json"), filepath.Join(dir, "fox.json")
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
		for _, l := range []struct{ config, handle, password string }{{dana, "dana", "trust-no-one-1013"}, {fox, "fox", "i-want-to-believe"}} {
			if out, err := cli(t, l.config, l.password+"\n", "login", "--url", url, "--handle", l.handle, "--password-stdin"); err != nil {
				t.Fatalf("login %s = %v\n%s", l.handle, err, out)
			}
		}
		if out, err := cli(t, fox, "", "history"); err != nil || !strings.Contains(out, "No money has moved yet.") {
			t.Fatalf("fox's empty history = %v\n%s", err, out)
		}
		post("/api/v1/operator/credit", key, "fund-dana", `{"handle":"dana","amount":"$20","reason":"demo"}`)
		if out, err := cli(t, dana, "", "send", "@fox", "5", "--note", "lunch", "--yes"); err != nil {
			t.Fatalf("send = %v\n%s", err, out)
		}
		if out, err := cli(t, dana, "", "send", "@fox", "2.50", "--yes"); err != nil {
			t.Fatalf("send = %v\n%s", err, out)
		}

		out, err := cli(t, dana, "", "history")
		if err != nil {
			t.Fatalf("history = %v\n%s", err, out)
		}
		want := []string{"-$2.50  Payment to @fox  balance $12.50  pay_", "-$5.00  Payment to @fox · lunch  balance $15.00  pay_",
			"+$20.00  Credit from the operator · demo  balance $20.00  pay_"}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != len(want) {
			t.Fatalf("history has %d lines, want %d:\n%s", len(lines), len(want), out)
		}
		for i, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("history line %d = %q, want %q in it", i, lines[i], w)
			}
		}
		if out, err := cli(t, fox, "", "history", "--limit", "1", "--asset", "USD"); err != nil || !strings.Contains(out, "+$2.50  Payment from @dana  balance $7.50") ||
			!strings.Contains(out, "more: nestegg history --cursor ") || !strings.Contains(out, " --asset USD") {
			t.Fatalf("fox's history = %v\n%s", err, out)
		}

		month := time.Now().UTC().Format("2006-01")
		out, err = cli(t, dana, "", "statement", month)
		if err != nil || !strings.Contains(out, "Statement for "+time.Now().UTC().Format("January 2006")+" (USD wallet, UTC)") ||
			!strings.Contains(out, "Opening balance  $0.00") || !strings.Contains(out, "Closing balance  $12.50") ||
			strings.Index(out, "Credit from the operator") > strings.Index(out, "lunch") {
			t.Fatalf("statement = %v\n%s", err, out)
		}
		csv, err := cli(t, dana, "", "statement", month, "--csv")
		if err != nil || !strings.HasPrefix(csv, "time,id,movement_id,kind,description,direction,counterparty,note,status,fee,asset,amount,balance\n") ||
			!strings.Contains(csv, ",p2p,Payment,out,@fox,lunch,posted,no,USD,-5.00,15.00\n") || !strings.Contains(csv, ",Closing balance,,,,,,USD,,12.50\n") {
			t.Fatalf("statement --csv = %v\n%s", err, csv)
		}
		file := filepath.Join(dir, "dana.csv")
		if out, err := cli(t, dana, "", "statement", "--csv", "--out", file, month); err != nil || !strings.Contains(out, "Wrote the statement for "+month) {
			t.Fatalf("statement --out = %v\n%s", err, out)
		}
		if b, err := os.ReadFile(file); err != nil || string(b) != csv {
			t.Errorf("the file holds %q (%v), stdout had %q", b, err, csv)
		}
		last := time.Now().UTC()
		last = last.AddDate(0, 0, -last.Day())
		if out, err := cli(t, dana, "", "statement", last.Format("2006-01")); err != nil || !strings.Contains(out, "No money moved this month.") || !strings.Contains(out, "Closing balance  $0.00") {
			t.Fatalf("last month = %v\n%s", err, out)
		}

		for _, args := range [][]string{{"statement"}, {"statement", "december"}, {"statement", month, "--out", file}, {"statement", month, "2026-11"}} {
			if out, err := cli(t, dana, "", args...); err != errUsage {
				t.Errorf("%q = %v, want a usage error\n%s", args, err, out)
			}
		}
		if out, err := cli(t, dana, "", "statement", "2026-13"); err == nil || !strings.Contains(err.Error(), "YYYY-MM") {
			t.Errorf("month 13 = %v\n%s", err, out)
		}
		if out, err := cli(t, dana, "", "statement", month, "--asset", "XYZ"); err == nil {
			t.Errorf("asset XYZ = %s, want an error", out)
		}
	})
}
