package web_test

import (
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
)

// The per-request cost of the HTTP layer itself, without the network:
// go test ./web -run '^$' -bench . -benchmem

func BenchmarkHealthz(b *testing.B) {
	e := newAPI(b, storetest.SQLite(b))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/healthz", nil)
		for pb.Next() {
			w := httptest.NewRecorder()
			e.srv.ServeHTTP(w, r)
		}
	})
}

func BenchmarkGetAccount(b *testing.B) {
	e := newAPI(b, storetest.SQLite(b))
	e.ok(201, nil, "POST", "/api/v1/accounts", `{"id":"a1","asset":"USD","kind":"wallet","owner":"usr_a"}`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := request("GET", "/api/v1/accounts/a1", "", "Authorization", "Bearer "+testKey)
		for pb.Next() {
			w := httptest.NewRecorder()
			e.srv.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
}

func BenchmarkCreateTransferIdempotent(b *testing.B) {
	e := newAPI(b, storetest.SQLite(b))
	e.fund("alice", "usr_alice", 1<<50)
	e.fund("bob", "usr_bob", 0)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("bt-%d", n.Add(1))
			w := e.do("POST", "/api/v1/transfers", transferBody(id, "alice", "bob", 1), "Idempotency-Key", id)
			if w.Code != 201 {
				b.Fatalf("status %d %s", w.Code, w.Body)
			}
		}
	})
}
