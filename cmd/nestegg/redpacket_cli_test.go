package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestRedPacketCLI: dana sends a packet to fox from the CLI, fox opens it
// from his, and dana sees who got what.
func TestRedPacketCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "redpacket-cli-test-operator-key"
		url := serveForTest(t, dsn, key)
		dana, fox := filepath.Join(t.TempDir(), "dana.json"), filepath.Join(t.TempDir(), "fox.json")
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
		post("/api/v1/signup", "", "", `{"handle":"dana","display_name":"Dana","email":"dana@example.com","password":"trust-no-one-1013"}`)
		post("/api/v1/signup", "", "", `{"handle":"fox","display_name":"Fox","email":"fox@example.com","password":"i-want-to-believe"}`)
		for _, l := range []struct{ cfg, handle, pw string }{{dana, "dana", "trust-no-one-1013"}, {fox, "fox", "i-want-to-believe"}} {
			if out, err := cli(t, l.cfg, l.pw+"\n", "login", "--url", url, "--handle", l.handle, "--password-stdin"); err != nil {
				t.Fatalf("login %s = %v\n%s", l.handle, err, out)
			}
		}
		post("/api/v1/operator/credit", key, "fund-dana", `{"handle":"dana","amount":"$20","reason":"demo"}`)
		out, err := cli(t, dana, "y\n", "redpacket", "send", "6", "--shares", "2", "--even", "--to", "@fox", "--message", "gong xi")
		id := regexp.MustCompile(`\((rpk_\S+)\)`).FindStringSubmatch(out)
		if err != nil || id == nil || !strings.Contains(out, "Sent a $6.00 red packet in 2 shares") {
			t.Fatalf("redpacket send = %v\n%s", err, out)
		}
		out, err = cli(t, fox, "", "redpacket", "open", id[1])
		if err != nil || !strings.Contains(out, "You got $3.00 from @dana's red packet") {
			t.Fatalf("redpacket open = %v\n%s", err, out)
		}
		out, err = cli(t, dana, "", "redpacket", "show", id[1])
		if err != nil || !strings.Contains(out, "1 of 2 opened") || !strings.Contains(out, "@fox  $3.00") {
			t.Fatalf("redpacket show = %v\n%s", err, out)
		}
	})
}
