package main

import (
	"bufio"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestAdminMakesTheFirstAdmin runs the real binary from an empty database:
// `nestegg admin create-user` and `promote` make an admin, who logs in to
// `nestegg serve` through the login form and sees the console.
func TestAdminMakesTheFirstAdmin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "nestegg")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		nestegg := func(stdin string, args ...string) string {
			t.Helper()
			cmd := exec.Command(bin, append(args, "--database", dsn)...)
			cmd.Stdin = strings.NewReader(stdin)
			cmd.Env = append(os.Environ(), "USER=installer")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("nestegg %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return string(out)
		}
		const password = "first admin's long password"
		if out := nestegg(password+"\n", "admin", "create-user", "--handle", "ada", "--email", "ada@example.com", "--name", "Ada Operator"); !strings.Contains(out, "created @ada (usr_") {
			t.Fatalf("create-user said %q", out)
		}
		if out := nestegg("", "admin", "promote", "@ada", "--role", "admin"); !strings.Contains(out, "@ada is now admin") {
			t.Fatalf("promote said %q", out)
		}
		if out := nestegg("", "admin", "staff"); !strings.Contains(out, "@ada") || !strings.Contains(out, "admin") {
			t.Fatalf("staff said %q", out)
		}
		// A bad role changes nothing and says why.
		cmd := exec.Command(bin, "admin", "promote", "@ada", "--role", "owner", "--database", dsn)
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "role") {
			t.Fatalf("promote --role owner = %v %s, want an error about the role", err, out)
		}

		srv := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--database", dsn, "--log-level", "error")
		stdout, err := srv.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		srv.Stderr = io.Discard
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			srv.Process.Kill()
			srv.Wait()
		})
		base := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if u, ok := strings.CutPrefix(sc.Text(), "nestegg listening on "); ok {
					base <- u
				}
			}
		}()
		var site string
		select {
		case site = <-base:
		case <-time.After(90 * time.Second):
			t.Fatal("serve did not start")
		}

		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		get := func(path string) (int, string) {
			t.Helper()
			res, err := c.Get(site + path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		_, login := get("/login")
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(login)
		if m == nil {
			t.Fatalf("no CSRF token on the login page:\n%s", login)
		}
		res, err := c.PostForm(site+"/login", url.Values{"csrf": {m[1]}, "handle": {"ada"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("log in = %d, want 303", res.StatusCode)
		}
		status, home := get("/")
		if status != http.StatusOK || !strings.Contains(home, `href="/staff"`) {
			t.Fatalf("home = %d, want a link to the console\n%s", status, home)
		}
		status, console := get("/staff")
		if status != http.StatusOK || !strings.Contains(console, `id="my-role">admin<`) || !strings.Contains(console, `href="/staff/roles"`) {
			t.Fatalf("console = %d, want the admin's console\n%s", status, console)
		}
		status, audit := get("/staff/audit")
		if status != http.StatusOK || !strings.Contains(audit, "operator (cli, installer)") || !strings.Contains(audit, "nestegg admin promote on the command line") {
			t.Fatalf("audit = %d, want the promotion by the CLI\n%s", status, audit)
		}
	})
}
