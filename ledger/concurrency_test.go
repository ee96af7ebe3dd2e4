package ledger_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestConcurrentHotAccounts: 32 goroutines post random transfers among 10
// hot wallets, with duplicate retries. On PostgreSQL the goroutines are split
// across two Ledgers on two connection pools, as two processes would be.
func TestConcurrentHotAccounts(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		open := func() *ledger.Ledger {
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			return newLedger(t, db, time.Now)
		}
		ls := []*ledger.Ledger{open()}
		if strings.HasPrefix(dsn, "postgres") {
			ls = append(ls, open())
		}
		l := ls[0]
		eq, err := l.PlatformAccount(ctx, "USD", ledger.KindEquity)
		if err != nil {
			t.Fatal(err)
		}
		const nAccts, funding = 10, 10_000
		var ids []string
		for i := 0; i < nAccts; i++ {
			a := wallet(t, l, fmt.Sprintf("hot%d", i))
			ids = append(ids, a.ID)
			submit(t, l, ledger.Transfer{ID: "fund" + a.ID, DebitAccountID: eq.ID, CreditAccountID: a.ID, Amount: funding, Asset: "USD", Code: "fund"})
		}
		var mu sync.Mutex
		acked := map[string]ledger.Transfer{}
		var wg sync.WaitGroup
		for g := 0; g < 32; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				lg := ls[g%len(ls)]
				r := rand.New(rand.NewPCG(uint64(g), 7))
				for i := 0; i < 60; i++ {
					dr, cr := r.IntN(nAccts), r.IntN(nAccts-1)
					if cr >= dr {
						cr++
					}
					tr := ledger.Transfer{ID: fmt.Sprintf("g%d-%d", g, i), DebitAccountID: ids[dr], CreditAccountID: ids[cr],
						Amount: int64(1 + r.IntN(3000)), Asset: "USD", Code: "p2p"}
					committed := false
					for attempt := 0; attempt < 1+r.IntN(2); attempt++ { // some requests are retried
						res, err := lg.Submit(ctx, []ledger.Transfer{tr})
						if err != nil {
							t.Errorf("Submit: %v", err)
							return
						}
						// A refused transfer is not remembered and may succeed on
						// retry; a committed one must replay as "exists".
						if committed && res[0].Status != ledger.StatusExists {
							t.Errorf("retry of committed %s = %s, want exists", tr.ID, res[0].Status)
						}
						committed = committed || res[0].OK()
						if res[0].OK() {
							mu.Lock()
							acked[tr.ID] = tr
							mu.Unlock()
						}
					}
				}
			}(g)
		}
		wg.Wait()
		var sum int64
		for _, id := range ids {
			a, err := l.Account(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Balance() < 0 {
				t.Errorf("%s balance %d < 0", id, a.Balance())
			}
			sum += a.Balance()
		}
		if sum != nAccts*funding {
			t.Errorf("sum of balances = %d, want %d", sum, nAccts*funding)
		}
		for id := range acked {
			if _, err := l.Transfer(ctx, id); err != nil {
				t.Errorf("acknowledged %s: %v", id, err)
			}
		}
		var n int
		l0db, _ := store.Open(ctx, dsn, store.Options{})
		defer l0db.Close()
		l0db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM ledger_transfers WHERE code = 'p2p'").Scan(&n)
		if n != len(acked) {
			t.Errorf("%d p2p transfers stored, %d acknowledged", n, len(acked))
		}
		checkInvariants(t, l0db)
		t.Logf("%d of %d transfers committed", len(acked), 32*60)
	})
}

// TestBatchOrderingAndIsolation: requests that share a batch get their own
// results, in order, and one failing transfer does not fail its neighbours.
func TestBatchOrderingAndIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A long MaxWait makes every concurrent request land in one batch.
		l := ledger.New(db, ledger.Options{MaxWait: 50 * time.Millisecond})
		l.Start()
		defer l.Close()
		eq, _ := l.PlatformAccount(ctx, "USD", ledger.KindEquity)
		a, b := wallet(t, l, "a"), wallet(t, l, "b")
		submit(t, l, ledger.Transfer{ID: "fund", DebitAccountID: eq.ID, CreditAccountID: a.ID, Amount: 100, Asset: "USD", Code: "fund"})
		var wg sync.WaitGroup
		results := make([][]ledger.Result, 20)
		for i := range results {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				// Each request: a transfer that fits, one that cannot, and a third.
				res, err := l.Submit(ctx, []ledger.Transfer{
					{ID: fmt.Sprintf("r%d-ok", i), DebitAccountID: eq.ID, CreditAccountID: b.ID, Amount: 1, Asset: "USD", Code: "x"},
					{ID: fmt.Sprintf("r%d-bad", i), DebitAccountID: a.ID, CreditAccountID: b.ID, Amount: 1000, Asset: "USD", Code: "x"},
					{ID: fmt.Sprintf("r%d-ok2", i), DebitAccountID: eq.ID, CreditAccountID: a.ID, Amount: 2, Asset: "USD", Code: "x"},
				})
				if err != nil {
					t.Error(err)
				}
				results[i] = res
			}(i)
		}
		wg.Wait()
		for i, res := range results {
			want := []string{fmt.Sprintf("r%d-ok ok", i), fmt.Sprintf("r%d-bad exceeds_credits", i), fmt.Sprintf("r%d-ok2 ok", i)}
			for k, r := range res {
				if got := r.ID + " " + string(r.Status); got != want[k] {
					t.Errorf("request %d result %d = %q, want %q", i, k, got, want[k])
				}
			}
		}
		if acc, _ := l.Account(ctx, b.ID); acc.Balance() != 20 {
			t.Errorf("b = %d, want 20", acc.Balance())
		}
	})
}

// TestShutdown: Close answers every accepted request, then refuses new ones.
func TestShutdown(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	l := ledger.New(db, ledger.Options{})
	l.Start()
	eq, _ := l.PlatformAccount(ctx, "USD", ledger.KindEquity)
	a := wallet(t, l, "a")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked, refused int
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, err := l.Submit(ctx, []ledger.Transfer{{ID: fmt.Sprintf("s%d", i), DebitAccountID: eq.ID, CreditAccountID: a.ID, Amount: 1, Asset: "USD", Code: "x"}})
			mu.Lock()
			defer mu.Unlock()
			if err == nil && res[0].OK() {
				acked++
			} else {
				refused++
			}
		}(i)
	}
	time.Sleep(time.Millisecond)
	l.Close()
	wg.Wait()
	if acc, _ := l.Account(ctx, a.ID); acc.Balance() != int64(acked) {
		t.Errorf("balance %d, acknowledged %d", acc.Balance(), acked)
	}
	if _, err := l.Submit(ctx, []ledger.Transfer{{ID: "late", DebitAccountID: eq.ID, CreditAccountID: a.ID, Amount: 1, Asset: "USD", Code: "x"}}); err == nil {
		t.Error("Submit after Close succeeded")
	}
	t.Logf("%d acknowledged, %d refused during shutdown", acked, refused)
}

// TestCrashDurability runs a child process that posts transfers and prints
// each acknowledged id, kills it with SIGKILL mid-stream, and checks that
// every acknowledged transfer survived.
func TestCrashDurability(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), "NESTEGG_CRASH_CHILD="+dsn)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var acked []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
				acked = append(acked, id)
				if len(acked) == 300 {
					cmd.Process.Kill()
				}
			}
		}
		cmd.Wait()
		if len(acked) < 300 {
			t.Fatalf("child acknowledged only %d transfers", len(acked))
		}
		db, err := store.Open(context.Background(), dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		l := ledger.New(db, ledger.Options{})
		for _, id := range acked {
			if _, err := l.Transfer(context.Background(), id); err != nil {
				t.Errorf("acknowledged %s lost: %v", id, err)
			}
		}
		checkInvariants(t, db)
	})
}

// TestCrashChild is the child half of TestCrashDurability.
func TestCrashChild(t *testing.T) {
	dsn := os.Getenv("NESTEGG_CRASH_CHILD")
	if dsn == "" {
		return // only meaningful as a child process
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	l := ledger.New(db, ledger.Options{})
	l.Start()
	eq, _ := l.PlatformAccount(ctx, "USD", ledger.KindEquity)
	a := wallet(t, l, "a")
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("c%d-%d", g, i)
				res, err := l.Submit(ctx, []ledger.Transfer{{ID: id, DebitAccountID: eq.ID, CreditAccountID: a.ID, Amount: 1, Asset: "USD", Code: "x"}})
				if err == nil && res[0].OK() {
					mu.Lock()
					fmt.Printf("ACK %s\n", id)
					mu.Unlock()
				}
			}
		}(g)
	}
	wg.Wait()
}

// TestRiders: a rider commits with its request's transfers, sees their
// results, and a rider of a replay does not overwrite the first.
func TestRiders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := newLedger(t, db, time.Now)
		eq, _ := l.PlatformAccount(ctx, "USD", ledger.KindEquity)
		a := wallet(t, l, "a")
		rider := func(note string) *ledger.Rider {
			return &ledger.Rider{Table: "operator_keys", Columns: []string{"id", "key_hash", "created_at"},
				Row: func(res []ledger.Result) []any { return []any{"k-" + res[0].ID, note + ":" + string(res[0].Status), 1} }}
		}
		tr := ledger.Transfer{ID: "r1", DebitAccountID: eq.ID, CreditAccountID: a.ID, Amount: 5, Asset: "USD", Code: "x"}
		for _, note := range []string{"first", "replay"} {
			if _, err := l.SubmitWith(ctx, []ledger.Transfer{tr}, rider(note)); err != nil {
				t.Fatal(err)
			}
		}
		var got string
		if err := db.Reader().QueryRowContext(ctx, "SELECT key_hash FROM operator_keys WHERE id = 'k-r1'").Scan(&got); err != nil || got != "first:ok" {
			t.Fatalf("rider row = %q, %v; want first:ok", got, err)
		}
	})
}

// TestRiderKeys: a request whose rider key is taken — stored earlier, or
// earlier in the same batch — applies nothing and returns ErrRiderExists.
func TestRiderKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := ledger.New(db, ledger.Options{MaxWait: 50 * time.Millisecond})
		l.Start()
		defer l.Close()
		eq, _ := l.PlatformAccount(ctx, "USD", ledger.KindEquity)
		a := wallet(t, l, "a")
		rider := func(key string) *ledger.Rider {
			return &ledger.Rider{Table: "idempotency_keys", Columns: []string{"principal", "idem_key", "request_hash", "status", "response", "created_at"},
				Key: 2, KeyValues: []any{"p", key},
				Row: func(res []ledger.Result) []any { return []any{"p", key, "h", 200, string(res[0].Status), 1} }}
		}
		tr := func(id string) []ledger.Transfer {
			return []ledger.Transfer{{ID: id, DebitAccountID: eq.ID, CreditAccountID: a.ID, Amount: 1, Asset: "USD", Code: "x"}}
		}
		if _, err := l.SubmitWith(ctx, tr("t1"), rider("k1")); err != nil {
			t.Fatal(err)
		}
		// The same key with another transfer: refused before anything applies.
		if _, err := l.SubmitWith(ctx, tr("t2"), rider("k1")); !errors.Is(err, ledger.ErrRiderExists) {
			t.Fatalf("taken key = %v, want ErrRiderExists", err)
		}
		// Two requests with one key in one batch: the first wins.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = l.SubmitWith(ctx, tr(fmt.Sprintf("t3-%d", i)), rider("k3"))
			}(i)
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("same key in one batch: %v, %v; want exactly one ErrRiderExists", errs[0], errs[1])
		}
		if acc, _ := l.Account(ctx, a.ID); acc.Balance() != 2 {
			t.Fatalf("balance %d, want 2 (t1 and one t3)", acc.Balance())
		}
	})
}
