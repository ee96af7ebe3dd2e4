package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestServeBehindProxy runs serve configured from the environment as
// behind a TLS-terminating proxy on this host: X-Forwarded-For decides
// whom a login is counted under, and responses carry HSTS.
func TestServeBehindProxy(t *testing.T) {
	srv := startServer(t, storetest.SQLitePath(t), map[string]string{
		"NESTEGG_TRUSTED_PROXIES":      "127.0.0.1/32, ::1",
		"NESTEGG_PUBLIC_URL":           "https://nestegg.example",
		"NESTEGG_BENCH_FAST_PASSWORDS": "1",
	})
	c := &http.Client{}
	if code, err := call(t, c, "POST", srv.url+"/api/v1/signup", "",
		`{"handle":"rosa","display_name":"Rosa","email":"rosa@example.com","password":"a long enough password"}`, nil); err != nil || code != http.StatusCreated {
		t.Fatalf("signup = %d, %v", code, err)
	}
	login := func(client, password string) int {
		t.Helper()
		code, err := call(t, c, "POST", srv.url+"/api/v1/login", "", `{"handle":"rosa","password":"`+password+`"}`, nil, "X-Forwarded-For", client)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	for i := 0; i < 5; i++ {
		if code := login("198.51.100.1", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d = %d", i+1, code)
		}
	}
	if code := login("198.51.100.1", "a long enough password"); code != http.StatusTooManyRequests {
		t.Fatalf("the guessing client = %d, want 429", code)
	}
	if code := login("203.0.113.7", "a long enough password"); code != http.StatusOK {
		t.Fatalf("another client behind the proxy = %d, want 200", code)
	}
	res, err := c.Get(srv.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("no HSTS with an https public URL: %v", res.Header)
	}
}

func TestServeRefusesBadFrontage(t *testing.T) {
	for _, args := range [][]string{{"--trusted-proxies", "proxy.example"}, {"--public-url", "nestegg.example"}} {
		var stderr strings.Builder
		err := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--database", storetest.SQLitePath(t)}, args...),
			func(string) string { return "" }, strings.NewReader(""), &strings.Builder{}, &stderr)
		if !errors.Is(err, errUsage) || !strings.Contains(stderr.String(), strings.TrimPrefix(args[1], "--")) {
			t.Errorf("serve %v = %v, stderr %q; want a usage error naming the value", args, err, stderr.String())
		}
	}
}
