package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestSettingsAcrossServeProcesses is the console's promise on the
// database it is made for: two `nestegg serve` processes share one
// PostgreSQL database; an admin changes the tip fee in the console of the
// first; the next tip on the second, once it has seen the change (about a
// second, without a restart), pays the new fee; and the change is in the
// audit log with who and why.
func TestSettingsAcrossServeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	dsn := storetest.PostgresURL(t)
	const key = "settings-test-operator-key-0123456789"
	const password = "a long admin password here"
	if out, err := cli(t, "", password+"\n", "admin", "create-user", "--handle", "ada", "--email", "ada@example.com", "--database", dsn); err != nil {
		t.Fatalf("create-user: %v\n%s", err, out)
	}
	if out, err := cli(t, "", "", "admin", "promote", "@ada", "--role", "admin", "--database", dsn); err != nil {
		t.Fatalf("promote: %v\n%s", err, out)
	}
	env := map[string]string{"NESTEGG_OPERATOR_KEY": key}
	a, b := startChild(t, dsn, env), startChild(t, dsn, env)

	api := func(base, token string, want int, out any, method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Idempotency-Key", fmt.Sprintf("k-%d", time.Now().UnixNano()))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s%s = %d %s, want %d", method, base, path, res.StatusCode, b, want)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatal(err)
			}
		}
	}
	member := func(handle string) string {
		api(b.url, "", 201, nil, "POST", "/api/v1/signup", fmt.Sprintf(`{"handle":%q,"display_name":%q,"email":"%s@example.com","password":"%s"}`, handle, handle, handle, password))
		var s struct{ Token string }
		api(b.url, "", 200, &s, "POST", "/api/v1/login", fmt.Sprintf(`{"handle":%q,"password":%q}`, handle, password))
		return s.Token
	}
	alice, bob := member("alice"), member("bob")
	api(b.url, key, 201, nil, "POST", "/api/v1/operator/credit", `{"handle":"alice","amount":"$100","reason":"test money"}`)
	balance := func(token string) int64 {
		var w struct {
			Balances []struct {
				Asset     string
				Available int64
			}
		}
		api(b.url, token, 200, &w, "GET", "/api/v1/wallet", "")
		for _, x := range w.Balances {
			if x.Asset == "USD" {
				return x.Available
			}
		}
		return 0
	}
	tip := func() { api(b.url, alice, 201, nil, "POST", "/api/v1/users/bob/tips", `{"amount":"$10"}`) }
	tip()
	if got := balance(bob); got != 10_00 {
		t.Fatalf("bob has %d after a $10 tip at no fee", got)
	}

	// The admin logs in to the first server's console and changes the fee.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	page := func(path string) string {
		t.Helper()
		res, err := c.Get(a.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s = %d\n%s", path, res.StatusCode, body)
		}
		return string(body)
	}
	form := func(path string, fields url.Values, from string) *http.Response {
		t.Helper()
		m := csrf.FindStringSubmatch(from)
		if m == nil {
			t.Fatalf("no CSRF token on the page:\n%s", from)
		}
		fields.Set("csrf", m[1])
		res, err := c.PostForm(a.url+path, fields)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := form("/login", url.Values{"handle": {"ada"}, "password": {password}}, page("/login")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("log in = %d", res.StatusCode)
	}
	settingsPage := page("/staff/settings")
	res := form("/staff/settings/fees.tip_bps", url.Values{"value": {"250"}, "reason": {"creators' fee from December"}, "version": {"0"}}, settingsPage)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change the tip fee = %d", res.StatusCode)
	}
	changed := time.Now()

	// The second server applies it within about a second, with no restart.
	var ada struct{ Token string }
	api(b.url, "", 200, &ada, "POST", "/api/v1/login", `{"handle":"ada","password":"`+password+`"}`)
	for {
		var s struct {
			Applied int64 `json:"applied_version"`
		}
		api(b.url, ada.Token, 200, &s, "GET", "/api/v1/staff/settings", "")
		if s.Applied >= 1 {
			break
		}
		if time.Since(changed) > 15*time.Second {
			t.Fatal("the second server has not applied the change after 15 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the second server applied the change %v after it was made", time.Since(changed).Round(time.Millisecond))
	tip()
	if got := balance(bob); got != 10_00+10_00-25 {
		t.Fatalf("bob has %d after the second tip, want %d (2.5%% of $10 to the platform)", got, 10_00+10_00-25)
	}

	audit := page("/staff/audit")
	if !strings.Contains(audit, "set_setting") || !strings.Contains(audit, "creators&#39; fee from December") || !strings.Contains(audit, "fees.tip_bps") {
		t.Fatalf("the audit log does not show the change:\n%s", audit)
	}
	if out, err := cli(t, "", "", "settings", "history", "fees.tip_bps", "--database", dsn); err != nil || !strings.Contains(out, "fees.tip_bps: 0 -> 250") {
		t.Fatalf("settings history = %v\n%s", err, out)
	}
}

// TestSettingsCLI: list, set and history on the database, with clear
// refusals that change nothing.
func TestSettingsCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		run := func(args ...string) (string, error) {
			t.Helper()
			return cli(t, "", "", append(args, "--database", dsn)...)
		}
		out, err := run("settings", "list")
		if err != nil || !strings.Contains(out, "fees.topup_fixed") || !strings.Contains(out, "0.30") || !strings.Contains(out, "version 0") {
			t.Fatalf("list = %v\n%s", err, out)
		}
		if out, err := run("settings", "set", "fees.topup_fixed", "0.35", "--reason", "the processor's new fixed fee"); err != nil || !strings.Contains(out, "0.30 -> 0.35 (version 1)") {
			t.Fatalf("set = %v\n%s", err, out)
		}
		for _, bad := range [][]string{
			{"settings", "set", "fees.topup_fixed", "abc", "--reason", "r"},
			{"settings", "set", "fees.topup_fixed", "1000", "--reason", "above the range"},
			{"settings", "set", "fees.nothing", "1", "--reason", "r"},
			{"settings", "set", "fees.topup_fixed", "0.40"},
			{"settings", "set", "fees.topup_fixed"},
		} {
			if out, err := run(bad...); err == nil {
				t.Errorf("%v succeeded:\n%s", bad, out)
			}
		}
		out, err = run("settings", "list")
		if err != nil || !strings.Contains(out, "0.35 *") || !strings.Contains(out, "version 1") {
			t.Fatalf("list after one change = %v\n%s", err, out)
		}
		out, err = run("settings", "history")
		if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, "the processor's new fixed fee") {
			t.Fatalf("history = %v\n%s", err, out)
		}
	})
}
