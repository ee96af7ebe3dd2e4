package movement_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestKeysInOneBatch sends, into one batch of the group commit, the same
// key three times with the same request, once more with another request,
// and a key a committed movement already holds. A batch claims the keys
// it does not know of with its other rows at its end: a key met again in
// the batch must still be answered by the movement that claimed it — one
// payment, two replays of it, one mismatch — and a known key replays.
//
// With one committer the calls form one batch; with several (PostgreSQL's
// default) they spread over batches committing side by side, and a key
// claimed in two of them collides when the second commits, which then runs
// again claiming as it goes — the same answers either way.
func TestKeysInOneBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, committers := range []int{1, 8} {
			t.Run(fmt.Sprintf("committers=%d", committers), func(t *testing.T) { keysInOneBatch(t, db, committers) })
		}
	})
}

func keysInOneBatch(t *testing.T, db *store.DB, committers int) {
	{
		e := newStmtEnv(t, db, ledger.Options{WorkCommitters: committers})
		e.credit("usr_alice", 100_00)
		start := e.posted(wal("usr_alice"))
		pay := func(key, fp string, amount int64) (movement.Result, error) {
			key = fmt.Sprintf("%s-%d", key, committers)
			req := movement.Request{Kind: movement.P2P, Actor: "usr_alice", Key: key, Fingerprint: fp, From: "usr_alice", To: "usr_bob",
				Asset: "USD", Amount: amount, Accounts: []string{wal("usr_alice"), wal("usr_bob")}}
			return e.k.Move(e.ctx, req, func(ctx context.Context, tx *movement.Tx) error {
				_, err := tx.Submit(ctx, ledger.Transfer{ID: "txf_" + key, DebitAccountID: wal("usr_alice"), CreditAccountID: wal("usr_bob"),
					Amount: amount, Asset: "USD", Code: "p2p"})
				return err
			})
		}
		first, err := pay("known", "fp-known", 1_00)
		if err != nil {
			t.Fatal(err)
		}

		// Hold the committer so that what follows forms one batch.
		holding, release := make(chan struct{}), make(chan struct{})
		go func() {
			_ = e.l.Do(e.ctx, "", nil, func(context.Context, *sql.Tx) error { close(holding); <-release; return nil })
		}()
		<-holding
		before := e.l.Stats()
		type call struct {
			key, fp string
			res     movement.Result
			err     error
		}
		// fp-a three times, fp-b once.
		calls := []*call{{key: "dup", fp: "fp-a"}, {key: "dup", fp: "fp-a"}, {key: "dup", fp: "fp-a"}, {key: "dup", fp: "fp-b"}, {key: "known", fp: "fp-known"}}
		var wg sync.WaitGroup
		for _, c := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.res, c.err = pay(c.key, c.fp, 2_00)
			}()
		}
		time.Sleep(200 * time.Millisecond) // every call queued behind the held batch
		close(release)
		wg.Wait()
		after := e.l.Stats()
		if n := after.Batches - before.Batches; committers == 1 && n != 2 {
			t.Errorf("the held batch and the calls took %d commits, want 2", n)
		}

		// Whichever request ran first made the payment; the same request
		// again replays it, the other is a mismatch.
		var winner string
		for _, c := range calls {
			if c.key == "dup" && c.err == nil && !c.res.Replayed {
				if winner != "" {
					t.Fatalf("the duplicated key made two payments")
				}
				winner = c.fp
			}
		}
		if winner == "" {
			t.Fatalf("the duplicated key made no payment")
		}
		var made movement.Result
		for _, c := range calls {
			if c.key == "dup" && winner == c.fp && !c.res.Replayed {
				made = c.res
			}
		}
		for _, c := range calls {
			switch {
			case c.key == "known":
				if c.err != nil || !c.res.Replayed || c.res.ID != first.ID {
					t.Errorf("the known key: %+v, %v; want a replay of %s", c.res, c.err, first.ID)
				}
			case c.fp != winner:
				if !nestegg.Is(c.err, nestegg.IdempotencyMismatch) {
					t.Errorf("%s after %s: %+v, %v; want IdempotencyMismatch", c.fp, winner, c.res, c.err)
				}
			case c.res.ID != made.ID || c.err != nil:
				t.Errorf("%s: %+v, %v; want %s or its replay", c.fp, c.res, c.err, made.ID)
			}
		}
		// Once in the books: $1 and $2.
		if got := start - e.posted(wal("usr_alice")); got != 3_00 {
			t.Fatalf("alice paid %d, want 300", got)
		}
	}
}

// TestKernelsShareABatchsLimits: each domain makes its own kernel; their
// movements in one batch must still count against one member's limits
// together. Three payments of $500, $500 and $1 by one member, through two
// kernels, in one batch: the daily limit ($1,000) lets exactly two through.
func TestKernelsShareABatchsLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStmtEnv(t, db, ledger.Options{WorkCommitters: 1})
		e.credit("usr_alice", 2_000_00)
		k2 := movement.New(db, e.l, e.comp, e.clock.now) // another domain's

		holding, release := make(chan struct{}), make(chan struct{})
		go func() {
			_ = e.l.Do(e.ctx, "", nil, func(context.Context, *sql.Tx) error { close(holding); <-release; return nil })
		}()
		<-holding
		amounts := []int64{500_00, 500_00, 1_00}
		errs := make([]error, len(amounts))
		var wg sync.WaitGroup
		for i, amount := range amounts {
			k := e.k
			if i == 1 {
				k = k2
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("limit-%d", i)
				_, errs[i] = k.Move(e.ctx, movement.Request{Kind: movement.P2P, Actor: "usr_alice", Key: key, From: "usr_alice", To: "usr_bob",
					Asset: "USD", Amount: amount, Accounts: []string{wal("usr_alice"), wal("usr_bob")}}, func(ctx context.Context, tx *movement.Tx) error {
					_, err := tx.Submit(ctx, ledger.Transfer{ID: "txf_" + key, DebitAccountID: wal("usr_alice"), CreditAccountID: wal("usr_bob"),
						Amount: amount, Asset: "USD", Code: "p2p"})
					return err
				})
			}()
		}
		time.Sleep(200 * time.Millisecond)
		close(release)
		wg.Wait()
		denied := 0
		for i, err := range errs {
			switch {
			case err == nil:
			case errors.Is(err, movement.ErrDenied):
				denied++
			default:
				t.Errorf("payment %d: %v", i, err)
			}
		}
		if denied != 1 {
			t.Fatalf("%d of $500, $500, $1 denied (%v), want 1: the kernels did not share the batch's limits", denied, errs)
		}
	})
}
