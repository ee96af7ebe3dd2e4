package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// TestOperatorKeyRotateRevoke (issue 11 item 16): operator keys can be
// created, rotated and revoked; a revoked key stops working at once in the
// process that revoked it and within a second in the others (here: the
// CLI's path, straight to the database); the last working key cannot be
// revoked; a revoked key is never brought back by NESTEGG_OPERATOR_KEY;
// every key stays listed with who made and ended it.
func TestOperatorKeyRotateRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		ctx := context.Background()
		auth := func(key string) []string { return []string{"Authorization", "Bearer " + key} }
		works := func(key string) bool {
			w := e.serve(request("GET", "/api/v1/operator/keys", "", auth(key)...))
			return w.Code == http.StatusOK
		}
		type keyJSON struct {
			web.OperatorKey
			Key string `json:"key"`
		}
		make := func(method, path, body string, want int) keyJSON {
			t.Helper()
			w := e.serve(request(method, path, body, auth(testKey)...))
			if w.Code != want {
				t.Fatalf("%s %s = %d %s, want %d", method, path, w.Code, w.Body, want)
			}
			var k keyJSON
			if err := json.Unmarshal(w.Body.Bytes(), &k); err != nil {
				t.Fatal(err)
			}
			return k
		}

		// Create, use, revoke: refused at once.
		k2 := make("POST", "/api/v1/operator/keys", `{"name":"deploy bot"}`, http.StatusCreated)
		if k2.Key == "" || k2.Name != "deploy bot" || !k2.Active || !works(k2.Key) {
			t.Fatalf("created key = %+v", k2)
		}
		r2 := make("POST", "/api/v1/operator/keys/"+k2.ID+"/revoke", "", http.StatusOK)
		if r2.Active || r2.RevokedBy == "" || r2.Key != "" {
			t.Fatalf("revoked key = %+v", r2)
		}
		if works(k2.Key) {
			t.Fatalf("a revoked key still works")
		}
		wantError(t, "revoke twice", e.serve(request("POST", "/api/v1/operator/keys/"+k2.ID+"/revoke", "", auth(testKey)...)), http.StatusConflict, "conflict")
		wantError(t, "revoke nothing", e.serve(request("POST", "/api/v1/operator/keys/opk_nope/revoke", "", auth(testKey)...)), http.StatusNotFound, "not_found")

		// Rotate: the new key works, the old one does not.
		k3 := make("POST", "/api/v1/operator/keys", `{"name":"monitoring"}`, http.StatusCreated)
		if !works(k3.Key) {
			t.Fatal("new key refused")
		}
		k4 := make("POST", "/api/v1/operator/keys/"+k3.ID+"/rotate", "", http.StatusCreated)
		if k4.Key == "" || k4.Name != "monitoring" || k4.ID == k3.ID {
			t.Fatalf("rotated key = %+v", k4)
		}
		if works(k3.Key) || !works(k4.Key) {
			t.Fatalf("after rotation: old works %v, new works %v", works(k3.Key), works(k4.Key))
		}

		// Revoked elsewhere (the CLI): refused within a second.
		if _, err := web.RevokeOperatorKey(ctx, db, k4.ID, "cli", time.Now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond)
		if works(k4.Key) {
			t.Fatal("a key revoked by another process still works after a second")
		}

		// The audit trail: every key, who made and ended it.
		keys, err := web.ListOperatorKeys(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]web.OperatorKey{}
		live := 0
		for _, k := range keys {
			byID[k.ID] = k
			if k.Active {
				live++
			}
		}
		if got := byID[k3.ID]; got.Active || got.ReplacedBy != k4.ID || got.RevokedBy == "" {
			t.Errorf("rotated key in the list = %+v", got)
		}
		if got := byID[k4.ID]; got.Active || got.RevokedBy != "cli" {
			t.Errorf("key revoked by the CLI = %+v", got)
		}
		if live != 1 {
			t.Fatalf("%d working keys, want 1 (the test key): %+v", live, keys)
		}

		// The last working key cannot be revoked (nobody would be left to
		// make another), and a revoked key cannot come back from the
		// environment.
		var testID string
		for _, k := range keys {
			if k.Active {
				testID = k.ID
			}
		}
		wantError(t, "revoke the last key", e.serve(request("POST", "/api/v1/operator/keys/"+testID+"/revoke", "", auth(testKey)...)), http.StatusConflict, "conflict")
		if !works(testKey) {
			t.Fatal("the last key stopped working")
		}
		if err := web.EnsureOperatorKey(ctx, db, k2.Key, time.Now()); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("EnsureOperatorKey(revoked key) = %v, want conflict", err)
		}
		if works(k2.Key) {
			t.Fatal("a revoked key came back")
		}
	})
}
