package social

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestHashQueueBounded (issue 11 item 16): password checks wait for a hash
// slot in a bounded queue. With every slot taken and the queue full, a
// login is refused at once as Unavailable with a HashBusy cause, for an
// unknown handle exactly as for a known one (the answer does not tell
// whether an account exists), and without spending the account's guesses;
// a waiter gives up after HashWait. Before, every login queued without
// limit.
func TestHashQueueBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{MaxConcurrentHashes: 1, MaxHashQueue: 2, HashWait: time.Minute})
		signup(t, s, "known")
		s.hashSem <- struct{}{} // every slot busy: a hash in progress

		// Two logins queue (the queue's bound) …
		var wg sync.WaitGroup
		queued := make([]error, 2)
		for i := range queued {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, queued[i] = s.Login(ctx, Credentials{Handle: "known", Password: testPassword, IP: "192.0.2.1"})
			}()
		}
		for deadline := time.Now().Add(10 * time.Second); s.queued.Load() < 2; {
			if time.Now().After(deadline) {
				t.Fatalf("queued = %d, want 2", s.queued.Load())
			}
			time.Sleep(time.Millisecond)
		}
		// … and the rest are refused at once, known handle or not.
		for _, h := range []string{"known", "nobody_here"} {
			start := time.Now()
			_, err := s.Login(ctx, Credentials{Handle: h, Password: "wrong password!", IP: "192.0.2.2"})
			var busy *HashBusy
			if !nestegg.Is(err, nestegg.Unavailable) || !errors.As(err, &busy) || busy.RetryAfter() <= 0 {
				t.Fatalf("login as %s with the queue full = %v, want Unavailable with HashBusy", h, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("refusal of %s took %v", h, d)
			}
		}
		// The refusals spent none of the account's guesses.
		var n int
		if err := db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM login_guards WHERE lock_key LIKE '%192.0.2.2' OR lock_key LIKE '%nobody_here%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d guards counted a refused login", n)
		}
		<-s.hashSem // the hash in progress ends: the queue drains
		wg.Wait()
		for i, err := range queued {
			if err != nil {
				t.Fatalf("queued login %d = %v", i, err)
			}
		}

		// A waiter gives up after HashWait.
		s.hashWait = 50 * time.Millisecond
		s.hashSem <- struct{}{}
		defer func() { <-s.hashSem }()
		start := time.Now()
		_, err := s.Login(ctx, Credentials{Handle: "nobody_here", Password: "whatever it is", IP: "192.0.2.3"})
		if !nestegg.Is(err, nestegg.Unavailable) || time.Since(start) < 50*time.Millisecond {
			t.Fatalf("login after waiting = %v after %v, want Unavailable after HashWait", err, time.Since(start))
		}
	})
}
