package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func TestHealthReadyMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		for _, p := range []string{"/healthz", "/readyz"} {
			if w := e.serve(request("GET", p, "")); w.Code != http.StatusOK {
				t.Fatalf("GET %s = %d %s", p, w.Code, w.Body)
			}
		}
		e.do("GET", "/api/v1/accounts/nope", "")
		// Metrics are the operator's (issue 11 item 16): not for anyone.
		wantError(t, "metrics without the key", e.serve(request("GET", "/metrics", "")), http.StatusUnauthorized, "unauthenticated")
		wantError(t, "metrics with a member's token", e.serve(request("GET", "/metrics", "", "Authorization", "Bearer "+e.memberToken(t))), http.StatusUnauthorized, "unauthenticated")
		w := e.serve(request("GET", "/metrics", "", "Authorization", "Bearer "+testKey))
		if w.Code != http.StatusOK {
			t.Fatalf("GET /metrics = %d", w.Code)
		}
		for _, want := range []string{
			`nestegg_http_requests_total{code="404",route="GET /api/v1/accounts/{id}"} 1`,
			`nestegg_http_request_duration_seconds_count{code="200",route="GET /healthz"} 1`,
			`go_goroutines`,
			`nestegg_build_info{`,
		} {
			if !strings.Contains(w.Body.String(), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// Series are created when first used: a route nobody called, or a
		// status a called route never answered, is not listed (a fresh
		// server's /metrics was 1.5 MB of zeros).
		for _, absent := range []string{`route="POST /api/v1/transfers"`, `code="401",route="GET /api/v1/accounts/{id}"`} {
			if strings.Contains(w.Body.String(), absent) {
				t.Errorf("/metrics lists %s, which no request used", absent)
			}
		}
		e.srv.Drain()
		wantError(t, "readyz while draining", e.serve(request("GET", "/readyz", "")), http.StatusServiceUnavailable, "unavailable")
		if w := e.serve(request("GET", "/healthz", "")); w.Code != http.StatusOK {
			t.Fatalf("healthz while draining = %d", w.Code)
		}
	})
}

func TestReadyzWithoutDatabase(t *testing.T) {
	db := storetest.SQLite(t)
	e := newAPI(t, db)
	db.Close()
	wantError(t, "readyz with a closed database", e.serve(request("GET", "/readyz", "")), http.StatusServiceUnavailable, "unavailable")
}

func TestUnknownRouteAndMethod(t *testing.T) {
	e := newAPI(t, storetest.SQLite(t))
	wantError(t, "unknown path", e.do("GET", "/nope", ""), http.StatusNotFound, "not_found")
	wantError(t, "unknown api path", e.do("POST", "/api/v1/nope", `{}`), http.StatusNotFound, "not_found")
	w := e.do("DELETE", "/api/v1/transfers", "")
	wantError(t, "wrong method", w, http.StatusMethodNotAllowed, "method_not_allowed")
	if w.Header().Get("Allow") != "POST" {
		t.Errorf("Allow = %q, want POST", w.Header().Get("Allow"))
	}
	wantError(t, "wrong method on a GET route", e.do("PUT", "/healthz", ""), http.StatusMethodNotAllowed, "method_not_allowed")
}

func TestRequestID(t *testing.T) {
	e := newAPI(t, storetest.SQLite(t))
	w := e.serve(request("GET", "/healthz", "", "X-Request-Id", "abc-123"))
	if got := w.Header().Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("sane incoming id: got %q", got)
	}
	seen := map[string]bool{}
	for _, in := range []string{"", "bad id with spaces", strings.Repeat("x", 200), "new\nline"} {
		w := e.serve(request("GET", "/healthz", "", "X-Request-Id", in))
		got := w.Header().Get("X-Request-Id")
		if got == "" || got == in || seen[got] {
			t.Errorf("incoming %q: got id %q, want a fresh one", in, got)
		}
		seen[got] = true
	}
}

func TestOperatorKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		ctx := context.Background()
		if w := e.do("GET", "/api/v1/platform/accounts/USD/equity", ""); w.Code != http.StatusOK {
			t.Fatalf("with the key = %d %s", w.Code, w.Body)
		}
		w := e.serve(request("GET", "/api/v1/platform/accounts/USD/equity", "", "Authorization", "Bearer "+testKey+"x"))
		wantError(t, "wrong key", w, http.StatusUnauthorized, "unauthenticated")
		if w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("401 without WWW-Authenticate")
		}
		// Scheme is case-insensitive.
		if w := e.serve(request("GET", "/api/v1/platform/accounts/USD/equity", "", "Authorization", "bearer "+testKey)); w.Code != http.StatusOK {
			t.Errorf("lower-case scheme = %d", w.Code)
		}
		// Ensuring an existing key is a no-op; a generated key appears only
		// when there is none.
		if err := web.EnsureOperatorKey(ctx, db, testKey, time.Now()); err != nil {
			t.Fatalf("EnsureOperatorKey again: %v", err)
		}
		if k, err := web.GenerateOperatorKey(ctx, db, time.Now()); err != nil || k != "" {
			t.Fatalf("GenerateOperatorKey with a key present = %q, %v; want none", k, err)
		}
		if err := web.EnsureOperatorKey(ctx, db, "short", time.Now()); err == nil {
			t.Fatalf("a short key was accepted")
		}
	})
}

func TestGenerateOperatorKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k, err := web.GenerateOperatorKey(ctx, db, time.Now())
		if err != nil || !strings.HasPrefix(k, "nsk_") || len(k) < 40 {
			t.Fatalf("GenerateOperatorKey = %q, %v", k, err)
		}
		if k2, err := web.GenerateOperatorKey(ctx, db, time.Now()); err != nil || k2 != "" {
			t.Fatalf("second GenerateOperatorKey = %q, %v; want none", k2, err)
		}
		var stored string
		if err := db.Reader().QueryRowContext(ctx, "SELECT key_hash FROM operator_keys").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, k) || len(stored) != 64 {
			t.Fatalf("stored %q: want only a SHA-256 hash", stored)
		}
		l := newAPI(t, db) // adds testKey too
		w := l.serve(request("GET", "/api/v1/platform/accounts/USD/equity", "", "Authorization", "Bearer "+k))
		if w.Code != http.StatusOK {
			t.Fatalf("generated key = %d %s", w.Code, w.Body)
		}
	})
}
