package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store/storetest"
)

// TestOperatorKeyCLI (issue 11 item 16): nestegg operator-key creates,
// lists, rotates and revokes operator keys in the database; a running
// server refuses a key the CLI revoked within a second; a revoked
// NESTEGG_OPERATOR_KEY keeps serve from starting.
func TestOperatorKeyCLI(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const envKey = "cli-test-operator-key-0123456789"
		s := startServer(t, dsn, map[string]string{"NESTEGG_OPERATOR_KEY": envKey})
		cli := func(args ...string) string {
			t.Helper()
			var out, errOut bytes.Buffer
			if err := run(context.Background(), append(append([]string{"operator-key"}, args...), "--database", dsn),
				func(string) string { return "" }, strings.NewReader(""), &out, &errOut); err != nil {
				t.Fatalf("operator-key %v: %v\n%s", args, err, errOut.String())
			}
			return out.String()
		}
		keyRE := regexp.MustCompile(`operator key (opk_[0-9a-f]+): (nsk_[a-z0-9]+)`)
		newKey := func(out string) (id, secret string) {
			t.Helper()
			m := keyRE.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no key in:\n%s", out)
			}
			return m[1], m[2]
		}
		c := &http.Client{Timeout: 30 * time.Second}
		works := func(key string) bool {
			code, _ := call(t, c, "GET", s.url+"/api/v1/operator/keys", key, "", nil)
			return code == 200
		}

		id1, k1 := newKey(cli("create", "--name", "deploy"))
		if !works(k1) {
			t.Fatal("a key made by the CLI is refused")
		}
		id2, k2 := newKey(cli("rotate", id1))
		time.Sleep(1100 * time.Millisecond)
		if works(k1) || !works(k2) {
			t.Fatalf("after rotate: old works %v, new works %v", works(k1), works(k2))
		}
		cli("revoke", id2)
		time.Sleep(1100 * time.Millisecond)
		if works(k2) {
			t.Fatal("a key revoked by the CLI still works after a second")
		}
		list := cli("list")
		for _, want := range []string{id1 + `  "deploy"`, "replaced by " + id2, id2, "by cli", `"NESTEGG_OPERATOR_KEY"`, "active"} {
			if !strings.Contains(list, want) {
				t.Errorf("list lacks %q:\n%s", want, list)
			}
		}

		// The environment's key revoked: serve refuses to start with it.
		envID := regexp.MustCompile(`(opk_[0-9a-f]+)  "NESTEGG_OPERATOR_KEY"`).FindStringSubmatch(list)
		if envID == nil {
			t.Fatalf("no env key in:\n%s", list)
		}
		newKey(cli("create", "--name", "spare")) // so the env key is not the last
		cli("revoke", envID[1])
		s.stop(t)
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--database", dsn},
			func(k string) string { return map[string]string{"NESTEGG_OPERATOR_KEY": envKey}[k] }, strings.NewReader(""), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "revoked") {
			t.Fatalf("serve with a revoked NESTEGG_OPERATOR_KEY = %v", err)
		}
	})
}
