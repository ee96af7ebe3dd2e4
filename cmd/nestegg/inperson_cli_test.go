package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestInPersonCLI: a café makes a code for a sale from the CLI; gus pays
// it with a tip, after a confirmation that says what leaves his wallet (a
// "no" pays nothing); the café sees the day's takings and refunds; gus
// starts a group gift for hal, ivy pledges to it and withdraws; and gus
// lists the red packets he sent.
func TestInPersonCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "inperson-cli-test-operator-key"
		url := serveForTest(t, dsn, key)
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
		dir := t.TempDir()
		cfg := map[string]string{}
		for _, u := range []struct{ handle, kind string }{{"beancafe", "business"}, {"gus", "member"}, {"hal", "member"}, {"ivy", "member"}} {
			post("/api/v1/signup", "", "", `{"handle":"`+u.handle+`","display_name":"`+u.handle+`","email":"`+u.handle+`@example.com","password":"long-enough-`+u.handle+`","kind":"`+u.kind+`"}`)
			cfg[u.handle] = filepath.Join(dir, u.handle+".json")
			if out, err := cli(t, cfg[u.handle], "long-enough-"+u.handle+"\n", "login", "--url", url, "--handle", u.handle, "--password-stdin"); err != nil {
				t.Fatalf("login %s = %v\n%s", u.handle, err, out)
			}
		}
		post("/api/v1/operator/credit", key, "fund-gus", `{"handle":"gus","amount":"$40","reason":"test"}`)
		post("/api/v1/operator/credit", key, "fund-ivy", `{"handle":"ivy","amount":"$40","reason":"test"}`)

		out, err := cli(t, cfg["beancafe"], "", "qr", "code", "4.50", "--note", "flat white")
		link := regexp.MustCompile(`(https?://\S+/q/v1\.\S+)`).FindStringSubmatch(out)
		if err != nil || link == nil || !strings.Contains(out, "A code for $4.50") {
			t.Fatalf("qr code = %v\n%s", err, out)
		}
		out, err = cli(t, cfg["gus"], "n\n", "qr", "pay", link[1], "--tip", "0.50")
		if err != nil || !strings.Contains(out, "Pay @beancafe $4.50 and a $0.50 tip from your wallet: $5.00, no fee.") || !strings.Contains(out, "Not paid.") {
			t.Fatalf("qr pay, declined = %v\n%s", err, out)
		}
		out, err = cli(t, cfg["gus"], "y\n", "qr", "pay", link[1], "--tip", "0.50")
		pid := regexp.MustCompile(`\((qrp_\S+)\)`).FindStringSubmatch(out)
		if err != nil || pid == nil || !strings.Contains(out, "Paid $5.00 to @beancafe") {
			t.Fatalf("qr pay = %v\n%s", err, out)
		}
		if out, err = cli(t, cfg["ivy"], "y\n", "qr", "pay", link[1]); err == nil || !strings.Contains(err.Error(), "paid") {
			t.Fatalf("paying a paid code = %v\n%s", err, out)
		}
		out, err = cli(t, cfg["beancafe"], "", "qr", "takings")
		if err != nil || !strings.Contains(out, "1 payments, sales $4.50, tips $0.50") || !strings.Contains(out, pid[1]+"  $5.00 from @gus  paid") {
			t.Fatalf("qr takings = %v\n%s", err, out)
		}
		out, err = cli(t, cfg["beancafe"], "y\n", "qr", "refund", pid[1])
		if err != nil || !strings.Contains(out, "Refunded $5.00 to @gus") {
			t.Fatalf("qr refund = %v\n%s", err, out)
		}
		if out, err = cli(t, cfg["gus"], "", "balance"); err != nil || !strings.Contains(out, "$40.00") {
			t.Fatalf("balance after the refund = %v\n%s", err, out)
		}

		out, err = cli(t, cfg["gus"], "", "groupgift", "start", "@hal", "25", "--title", "Hal's bike", "--in", "72h")
		gid := regexp.MustCompile(`\((gft_\S+)\)`).FindStringSubmatch(out)
		if err != nil || gid == nil || !strings.Contains(out, "All or nothing") {
			t.Fatalf("groupgift start = %v\n%s", err, out)
		}
		out, err = cli(t, cfg["ivy"], "y\n", "groupgift", "pledge", gid[1], "10")
		pl := regexp.MustCompile(`\((pld_\S+)\)`).FindStringSubmatch(out)
		if err != nil || pl == nil || !strings.Contains(out, "All or nothing") || !strings.Contains(out, "Pledged $10.00") {
			t.Fatalf("groupgift pledge = %v\n%s", err, out)
		}
		if out, err = cli(t, cfg["ivy"], "", "balance"); err != nil || !strings.Contains(out, "$30.00") {
			t.Fatalf("ivy's balance with a pledge reserved = %v\n%s", err, out)
		}
		out, err = cli(t, cfg["gus"], "", "groupgift", "show", gid[1])
		if err != nil || !strings.Contains(out, "$10.00 of $25.00 pledged by 1") || !strings.Contains(out, "@ivy  $10.00  reserved") {
			t.Fatalf("groupgift show = %v\n%s", err, out)
		}
		out, err = cli(t, cfg["ivy"], "", "groupgift", "withdraw", pl[1])
		if err != nil || !strings.Contains(out, "Withdrew your $10.00 pledge") {
			t.Fatalf("groupgift withdraw = %v\n%s", err, out)
		}
		if out, err = cli(t, cfg["ivy"], "", "balance"); err != nil || !strings.Contains(out, "$40.00") {
			t.Fatalf("ivy's balance after withdrawing = %v\n%s", err, out)
		}

		out, err = cli(t, cfg["gus"], "", "redpacket", "list")
		if err != nil || !strings.Contains(out, "You have sent no red packets.") {
			t.Fatalf("redpacket list, none = %v\n%s", err, out)
		}
		if out, err = cli(t, cfg["gus"], "y\n", "redpacket", "send", "3", "--shares", "3", "--to", "@hal,@ivy"); err != nil {
			t.Fatalf("redpacket send = %v\n%s", err, out)
		}
		out, err = cli(t, cfg["gus"], "", "redpacket", "list")
		if err != nil || !strings.Contains(out, "$3.00  0 of 3 opened  open") {
			t.Fatalf("redpacket list = %v\n%s", err, out)
		}
	})
}
