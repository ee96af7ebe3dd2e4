package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

func TestIdempotencyReplay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		e.fund("alice", "usr_alice", 1000)
		e.fund("bob", "usr_bob", 0)
		body := transferBody("t1", "alice", "bob", 100)

		first := e.do("POST", "/api/v1/transfers", body, "Idempotency-Key", "key-1")
		if first.Code != http.StatusCreated || first.Header().Get("Idempotent-Replayed") != "" {
			t.Fatalf("first = %d %v %s", first.Code, first.Header(), first.Body)
		}
		replay := e.do("POST", "/api/v1/transfers", body, "Idempotency-Key", "key-1")
		if replay.Code != first.Code || replay.Body.String() != first.Body.String() {
			t.Fatalf("replay = %d %s, want %d %s", replay.Code, replay.Body, first.Code, first.Body)
		}
		if replay.Header().Get("Idempotent-Replayed") != "true" || replay.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("replay headers = %v", replay.Header())
		}

		w := e.do("POST", "/api/v1/transfers", transferBody("t1", "alice", "bob", 101), "Idempotency-Key", "key-1")
		wantError(t, "same key, other body", w, http.StatusUnprocessableEntity, "idempotency_mismatch")
		// The same body on another path is another request.
		w = e.do("POST", "/api/v1/transfers/batch", body, "Idempotency-Key", "key-1")
		wantError(t, "same key, other path", w, http.StatusUnprocessableEntity, "idempotency_mismatch")

		// A stored 4xx replays as well: the answer to that request is final.
		over := transferBody("t2", "alice", "bob", 99999)
		a := e.do("POST", "/api/v1/transfers", over, "Idempotency-Key", "key-2")
		wantError(t, "overdraft", a, http.StatusUnprocessableEntity, "exceeds_credits")
		b := e.do("POST", "/api/v1/transfers", over, "Idempotency-Key", "key-2")
		if b.Code != http.StatusUnprocessableEntity || b.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replayed overdraft = %d %v", b.Code, b.Header())
		}

		// Keys are scoped to the principal: another operator key has its own.
		other := "second-operator-key-0123456789"
		if err := web.EnsureOperatorKey(context.Background(), db, other, time.Now()); err != nil {
			t.Fatal(err)
		}
		w = e.serve(request("POST", "/api/v1/transfers", transferBody("t3", "alice", "bob", 1),
			"Authorization", "Bearer "+other, "Idempotency-Key", "key-1"))
		if w.Code != http.StatusCreated {
			t.Fatalf("other principal, same key = %d %s, want 201", w.Code, w.Body)
		}

		// The optional key on account creation works the same way.
		acct := `{"asset":"USD","kind":"wallet","owner":"usr_carol"}`
		c1 := e.do("POST", "/api/v1/accounts", acct, "Idempotency-Key", "acct-1")
		c2 := e.do("POST", "/api/v1/accounts", acct, "Idempotency-Key", "acct-1")
		if c1.Code != 201 || c2.Body.String() != c1.Body.String() || c2.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("account replay = %d %s / %d %s", c1.Code, c1.Body, c2.Code, c2.Body)
		}
	})
}

// TestIdempotencyInFlight holds the first request inside its handler (by the
// test hook) so the second one overlaps it for certain.
func TestIdempotencyInFlight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		e.fund("alice", "usr_alice", 1000)
		e.fund("bob", "usr_bob", 0)
		entered := make(chan struct{})
		release := make(chan struct{})
		var once sync.Once
		web.SetTestHook(e.srv, func(r *http.Request) {
			if r.Header.Get("Idempotency-Key") == "slow" {
				once.Do(func() {
					close(entered)
					<-release
				})
			}
		})
		body := transferBody("t1", "alice", "bob", 100)
		done := make(chan *httptest.ResponseRecorder)
		go func() { done <- e.do("POST", "/api/v1/transfers", body, "Idempotency-Key", "slow") }()
		<-entered

		w := e.do("POST", "/api/v1/transfers", body, "Idempotency-Key", "slow")
		wantError(t, "concurrent same key", w, http.StatusConflict, "in_flight")
		w = e.do("POST", "/api/v1/transfers", transferBody("t1", "alice", "bob", 5), "Idempotency-Key", "slow")
		wantError(t, "concurrent same key, other body", w, http.StatusUnprocessableEntity, "idempotency_mismatch")

		close(release)
		first := <-done
		if first.Code != http.StatusCreated {
			t.Fatalf("first = %d %s", first.Code, first.Body)
		}
		// Once answered, the record is there: the retry replays it.
		w = e.do("POST", "/api/v1/transfers", body, "Idempotency-Key", "slow")
		if w.Code != http.StatusCreated || w.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("after the first = %d %v", w.Code, w.Header())
		}
	})
}

// TestIdempotencyConcurrentKeys sends many distinct keys at once, so the
// group-commit writer stores several records per write, and checks every
// one replays.
func TestIdempotencyConcurrentKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		const n = 200
		bodies := make([]string, n)
		first := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			bodies[i] = `{"asset":"USD","kind":"wallet","owner":"usr_` + string(rune('a'+i%26)) + `"}`
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := e.do("POST", "/api/v1/accounts", bodies[i], "Idempotency-Key", keyN(i))
				if w.Code != http.StatusCreated {
					t.Errorf("create %d = %d %s", i, w.Code, w.Body)
				}
				first[i] = w.Body.String()
			}()
		}
		wg.Wait()
		for i := range n {
			w := e.do("POST", "/api/v1/accounts", bodies[i], "Idempotency-Key", keyN(i))
			if w.Body.String() != first[i] || w.Header().Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay %d = %d %s, want %s", i, w.Code, w.Body, first[i])
			}
		}
	})
}

func keyN(i int) string { return "concurrent-" + string(rune('A'+i/26)) + string(rune('a'+i%26)) }
