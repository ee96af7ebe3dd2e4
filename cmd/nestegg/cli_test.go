package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// cli runs a client command with NESTEGG_CONFIG at config and stdin.
func cli(t *testing.T, config, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut strings.Builder
	getenv := func(k string) string {
		if k == "NESTEGG_CONFIG" {
			return config
		}
		return ""
	}
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

// TestCLI signs up through the API of a server running in-process, then
// logs in, posts and reads the timeline with the CLI.
func TestCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		url := serveForTest(t, dsn, "cli-test-operator-key")
		config := filepath.Join(t.TempDir(), "nestegg", "config.json")

		if out, err := cli(t, config, "", "timeline"); err == nil || !strings.Contains(err.Error(), "run nestegg login first") {
			t.Fatalf("timeline before login = %v %s, want advice to log in", err, out)
		}
		resp, err := http.Post(url+"/api/v1/signup", "application/json", strings.NewReader(
			`{"handle":"dana","display_name":"Dana Scully","email":"dana@example.com","password":"trust-no-one-1013"}`))
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("signup = %v %v", resp, err)
		}
		resp.Body.Close()

		if out, err := cli(t, config, "wrong-password\n", "login", "--url", url, "--handle", "dana"); err == nil {
			t.Fatalf("login with a wrong password succeeded: %s", out)
		}
		out, err := cli(t, config, "trust-no-one-1013\n", "login", "--url", url, "--handle", "dana", "--password-stdin")
		if err != nil || !strings.Contains(out, "Logged in to "+url+" as @dana") {
			t.Fatalf("login = %v\n%s", err, out)
		}
		fi, err := os.Stat(config)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("config file: %v %v, want mode 0600", fi, err)
		}

		for _, text := range []string{"first #post", "second, to @dana", "third"} {
			if out, err := cli(t, config, "", "post", text); err != nil || !strings.HasPrefix(out, "Posted pst_") {
				t.Fatalf("post %q = %v %s", text, err, out)
			}
		}
		if out, err := cli(t, config, "", "post", strings.Repeat("x", 281)); err == nil || !strings.Contains(err.Error(), "280") {
			t.Errorf("an over-long post = %v %s, want the limit explained", err, out)
		}

		out, err = cli(t, config, "", "timeline", "--limit", "2")
		if err != nil {
			t.Fatalf("timeline: %v\n%s", err, out)
		}
		third, second := strings.Index(out, "  third\n"), strings.Index(out, "  second, to @dana\n")
		if third < 0 || second < third || strings.Contains(out, "first") || !strings.Contains(out, "Dana Scully (@dana)") {
			t.Fatalf("timeline --limit 2, want third then second:\n%s", out)
		}
		m := regexp.MustCompile(`more: nestegg timeline --cursor (\S+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("timeline --limit 2 gives no hint for more:\n%s", out)
		}
		out, err = cli(t, config, "", "timeline", "--limit", "2", "--cursor", m[1])
		if err != nil || !strings.Contains(out, "  first #post\n") || strings.Contains(out, "third") || strings.Contains(out, "more:") {
			t.Fatalf("timeline's next page = %v\n%s", err, out)
		}

		// A token revoked (here: a config with a made-up one) gets advice.
		if err := os.WriteFile(config, []byte(`{"url":"`+url+`","token":"nst_revoked"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := cli(t, config, "", "timeline"); err == nil || !strings.Contains(err.Error(), "nestegg login again") {
			t.Errorf("timeline with a bad token = %v %s", err, out)
		}
	})
}

func TestConfigPath(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"NESTEGG_CONFIG": "/x/c.json", "HOME": "/home/u"}, "/x/c.json"},
		{map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u"}, "/xdg/nestegg/config.json"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.config/nestegg/config.json"},
	} {
		got, err := configPath(env(tc.env))
		if err != nil || got != tc.want {
			t.Errorf("configPath(%v) = %q, %v, want %q", tc.env, got, err, tc.want)
		}
	}
	if _, err := configPath(env(nil)); err == nil {
		t.Errorf("configPath without HOME succeeded")
	}
}
