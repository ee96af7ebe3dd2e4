package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// TestLoginBusyRetryAfter (issue 11 item 16): when more logins arrive than
// password hashes can be computed and queued, the extra ones are refused
// at once with 503 and Retry-After, never queued without end, never a
// 500; the others get their ordinary answer.
func TestLoginBusyRetryAfter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// One slot, nobody waiting for it, and a hash heavy enough that
		// a burst overlaps.
		soc := social.New(db, social.Options{Argon2: social.Argon2{Time: 1, MemoryKiB: 16 << 10, Threads: 1},
			MaxConcurrentHashes: 1, MaxHashQueue: 1, HashWait: time.Millisecond})
		srv := web.New(web.Deps{DB: db, Social: soc, Version: "test"})
		t.Cleanup(func() { srv.Close() })
		const n = 12
		codes := make([]*httptest.ResponseRecorder, n)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"handle":"nobody%d","password":"a wrong password"}`, i)
				codes[i] = httptest.NewRecorder()
				srv.ServeHTTP(codes[i], request("POST", "/api/v1/login", body))
			}()
		}
		wg.Wait()
		busy := 0
		for i, w := range codes {
			switch w.Code {
			case http.StatusUnauthorized:
			case http.StatusServiceUnavailable:
				busy++
				if w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), `"unavailable"`) {
					t.Errorf("login %d refused without Retry-After: %v %s", i, w.Header(), w.Body)
				}
			default:
				t.Errorf("login %d = %d %s", i, w.Code, w.Body)
			}
		}
		if busy == 0 {
			t.Errorf("%d logins at once on one hash slot: none refused", n)
		}
		t.Logf("%d of %d refused as busy", busy, n)
	})
}
