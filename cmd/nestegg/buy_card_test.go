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

// TestBuyCardCLI buys with --card: the question shows the card fee, the
// answer the charge; a declined card buys nothing and says why.
func TestBuyCardCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "buy-card-cli-operator-key"
		url := serveForTest(t, dsn, key)
		call := func(method, path, auth, body string, want int, out any) {
			t.Helper()
			req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if auth != "" {
				req.Header.Set("Authorization", "Bearer "+auth)
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
		var sess, buyer struct {
			Token string `json:"token"`
		}
		call("POST", "/api/v1/signup", "", `{"handle":"cardshop","display_name":"Card Shop","email":"cards@example.com","password":"mugs-mugs-mugs-1","kind":"business"}`, 201, nil)
		call("POST", "/api/v1/signup", "", `{"handle":"fox","display_name":"Fox Mulder","email":"fox@example.com","password":"i-want-to-believe-1"}`, 201, nil)
		call("POST", "/api/v1/login", "", `{"handle":"cardshop","password":"mugs-mugs-mugs-1"}`, 200, &sess)
		call("POST", "/api/v1/login", "", `{"handle":"fox","password":"i-want-to-believe-1"}`, 200, &buyer)
		var prod, off struct {
			ID string `json:"id"`
		}
		call("POST", "/api/v1/products", sess.Token, `{"title":"Nest mug","price":"$20","stock":3}`, 201, &prod)
		call("POST", "/api/v1/offers", sess.Token, `{"product_id":"`+prod.ID+`"}`, 201, &off)
		link := func(number string) string {
			var tok, card struct {
				Token string `json:"token"`
				ID    string `json:"id"`
			}
			call("POST", "/api/v1/sandbox/cards/tokens", buyer.Token, `{"number":"`+number+`","exp_month":12,"exp_year":2040,"cvc":"123"}`, 201, &tok)
			call("POST", "/api/v1/cards", buyer.Token, `{"token":"`+tok.Token+`"}`, 201, &card)
			return card.ID
		}
		visa, declined := link("4242424242424242"), link("4000000000000002")

		config := filepath.Join(t.TempDir(), "nestegg", "config.json")
		if out, err := cli(t, config, "i-want-to-believe-1\n", "login", "--url", url, "--handle", "fox", "--password-stdin"); err != nil {
			t.Fatalf("login = %v\n%s", err, out)
		}
		out, err := cli(t, config, "y\n", "buy", off.ID, "--card", visa)
		if err != nil || !strings.Contains(out, "with card "+visa) || !strings.Contains(out, "The card is charged $20.88, including a $0.88 card fee.") ||
			!strings.Contains(out, "Bought Nest mug for $20.00 (ord_") || !strings.Contains(out, "Your card was charged $20.88") {
			t.Fatalf("buy --card = %v\n%s", err, out)
		}
		out, err = cli(t, config, "", "buy", off.ID, "--card", declined, "--yes")
		if err == nil || !strings.Contains(err.Error(), "Your card was declined") || strings.Contains(out, "Bought") {
			t.Fatalf("buy --card declined = %v\n%s", err, out)
		}
	})
}
