package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestBuyCLI buys from a shop's offer with the CLI against a server
// running in-process: asked first, retried with the printed key without
// paying twice, refused when sold out; then lists the buyer's orders and
// the shop's.
func TestBuyCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "buy-cli-test-operator-key"
		url := serveForTest(t, dsn, key)
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
		call("POST", "/api/v1/signup", "", "", `{"handle":"mugshop","display_name":"Mug Shop","email":"mugs@example.com","password":"mugs-mugs-mugs-1","kind":"business"}`, 201, nil)
		call("POST", "/api/v1/signup", "", "", `{"handle":"dana","display_name":"Dana Scully","email":"dana@example.com","password":"trust-no-one-1013"}`, 201, nil)
		var sess struct {
			Token string `json:"token"`
		}
		call("POST", "/api/v1/login", "", "", `{"handle":"mugshop","password":"mugs-mugs-mugs-1"}`, 200, &sess)
		var prod, off struct {
			ID string `json:"id"`
		}
		call("POST", "/api/v1/products", sess.Token, "", `{"title":"Nest mug","price":"$12","stock":1}`, 201, &prod)
		call("POST", "/api/v1/offers", sess.Token, "", `{"product_id":"`+prod.ID+`","hashtag":"BuyNestMug"}`, 201, &off)
		call("POST", "/api/v1/operator/credit", key, "fund-dana", `{"handle":"dana","amount":"$20","reason":"demo"}`, 201, nil)

		config := filepath.Join(t.TempDir(), "nestegg", "config.json")
		if out, err := cli(t, config, "trust-no-one-1013\n", "login", "--url", url, "--handle", "dana", "--password-stdin"); err != nil {
			t.Fatalf("login = %v\n%s", err, out)
		}
		out, err := cli(t, config, "n\n", "buy", off.ID)
		if err != nil || !strings.Contains(out, "Buy Nest mug for $12.00 (1 left)? [y/N]") || !strings.Contains(out, "Not bought.") {
			t.Fatalf("buy, declined = %v\n%s", err, out)
		}
		out, err = cli(t, config, "y\n", "buy", off.ID)
		if err != nil || !strings.Contains(out, "Bought Nest mug for $12.00 (ord_") {
			t.Fatalf("buy = %v\n%s", err, out)
		}
		m := regexp.MustCompile(`retry with --idempotency-key (\S+)\)`).FindStringSubmatch(out)
		id := regexp.MustCompile(`\((ord_\S+),`).FindStringSubmatch(out)
		if m == nil || id == nil {
			t.Fatalf("buy printed no key or order:\n%s", out)
		}
		out, err = cli(t, config, "", "buy", off.ID, "--yes", "--idempotency-key", m[1])
		if err != nil || !strings.Contains(out, id[1]) {
			t.Fatalf("buy retried = %v\n%s", err, out)
		}
		if out, err := cli(t, config, "", "buy", off.ID, "--yes"); err == nil || !strings.Contains(err.Error(), "sold out") {
			t.Fatalf("buy sold out = %v\n%s", err, out)
		}
		out, err = cli(t, config, "", "orders")
		if err != nil || !strings.Contains(out, id[1]) || !strings.Contains(out, "paid") || strings.Count(out, "ord_") != 1 {
			t.Fatalf("orders = %v\n%s", err, out)
		}
		if out, err := cli(t, config, "", "buy"); err == nil {
			t.Fatalf("buy without an offer = %s, want usage", out)
		}

		shopConfig := filepath.Join(t.TempDir(), "nestegg", "config.json")
		if out, err := cli(t, shopConfig, "mugs-mugs-mugs-1\n", "login", "--url", url, "--handle", "mugshop", "--password-stdin"); err != nil {
			t.Fatalf("login = %v\n%s", err, out)
		}
		out, err = cli(t, shopConfig, "", "orders", "--sold")
		if err != nil || !strings.Contains(out, id[1]) || !strings.Contains(out, "$12.00") {
			t.Fatalf("orders --sold = %v\n%s", err, out)
		}
	})
}
