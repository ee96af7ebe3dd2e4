package ledger_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestUnitsOfWorkShareABatch holds the work committer while random units of
// work queue, so that they run as one batch, and checks the batch against a
// model applying the same units one after another: each unit sees the
// balances its predecessors in the batch left (AccountTx and refusals), a
// unit that fails after submitting leaves no transfer and no balance
// change, and what commits is exactly what the model kept.
func TestUnitsOfWorkShareABatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := ledger.New(db, ledger.Options{MaxWorks: 1000, WorkCommitters: 1, ValidAsset: func(c string) error { _, err := money.Lookup(c); return err }})
		l.Start()
		t.Cleanup(func() { l.Close() })
		for round := range 4 {
			rng := rand.New(rand.NewPCG(uint64(round), 7))
			ns := fmt.Sprintf("r%d_", round)
			src, err := l.CreateAccount(ctx, ledger.Account{ID: ns + "src", Asset: "USD", Kind: "equity", Owner: "test"})
			if err != nil {
				t.Fatal(err)
			}
			wallets := make([]string, 4)
			bal := map[string]int64{} // credits minus debits, posted, as the model sees it
			for i := range wallets {
				wallets[i] = wallet(t, l, fmt.Sprintf("%sw%d", ns, i)).ID
				submit(t, l, ledger.Transfer{ID: ledger.NewID("txf"), DebitAccountID: src.ID, CreditAccountID: wallets[i], Amount: 100, Asset: "USD", Code: "fund"})
				bal[wallets[i]] = 100
			}

			// Hold the one work committer until every unit below is queued.
			release, holding := make(chan struct{}), make(chan struct{})
			var hold sync.WaitGroup
			hold.Add(1)
			go func() {
				defer hold.Done()
				if err := l.Do(ctx, "", nil, func(context.Context, *sql.Tx) error { close(holding); <-release; return nil }); err != nil {
					t.Error(err)
				}
			}()
			<-holding

			type unit struct {
				chain   []ledger.Transfer
				failAt  bool   // return an error after submitting
				balance string // check this wallet's balance first
				want    int64  // the model's balance of it when the unit runs
				sawBal  int64
				results []ledger.Result
				err     error
			}
			errAfter := errors.New("the domain failed after its transfers")
			units := make([]*unit, 40)
			for i := range units {
				u := &unit{failAt: rng.IntN(3) == 0, balance: wallets[rng.IntN(len(wallets))]}
				n := 1 + rng.IntN(2)
				for k := range n {
					from, to := rng.IntN(len(wallets)), rng.IntN(len(wallets)-1)
					if to >= from {
						to++
					}
					u.chain = append(u.chain, ledger.Transfer{ID: ledger.NewID("txf"), DebitAccountID: wallets[from], CreditAccountID: wallets[to],
						Amount: int64(1 + rng.IntN(90)), Asset: "USD", Code: "p2p", Linked: k < n-1})
				}
				units[i] = u
			}
			var wg sync.WaitGroup
			for i, u := range units {
				wg.Add(1)
				go func() {
					defer wg.Done()
					u.err = l.Do(ctx, fmt.Sprintf("%04d", i), nil, func(ctx context.Context, tx *sql.Tx) error {
						a, err := l.AccountTx(ctx, tx, u.balance)
						if err != nil {
							return err
						}
						u.sawBal = a.CreditsPosted - a.DebitsPosted
						u.results, err = l.SubmitTx(ctx, tx, append([]ledger.Transfer(nil), u.chain...))
						if err != nil {
							return err
						}
						if u.failAt {
							return errAfter
						}
						return nil
					})
				}()
			}
			// Every unit is queued once the queue stops growing; then let go.
			time.Sleep(200 * time.Millisecond)
			before := l.Stats()
			close(release)
			wg.Wait()
			hold.Wait()
			after := l.Stats()
			if batches := after.Batches - before.Batches; batches > 3 {
				t.Errorf("round %d: 40 units of work took %d batches; the test means them to share one", round, batches)
			}

			// The model: units in their order, each chain all or nothing.
			for i, u := range units {
				if u.sawBal != bal[u.balance] {
					t.Errorf("round %d unit %d: saw %s at %d, the model has %d", round, i, u.balance, u.sawBal, bal[u.balance])
				}
				next := map[string]int64{}
				ok := true
				for _, tr := range u.chain {
					d, c := tr.DebitAccountID, tr.CreditAccountID
					if _, seen := next[d]; !seen {
						next[d] = bal[d]
					}
					if _, seen := next[c]; !seen {
						next[c] = bal[c]
					}
					if next[d] < tr.Amount {
						ok = false
						break
					}
					next[d] -= tr.Amount
					next[c] += tr.Amount
				}
				for k, r := range u.results {
					if r.OK() != ok {
						t.Errorf("round %d unit %d transfer %d: %s, the model says ok=%v", round, i, k, r.Status, ok)
					}
				}
				switch {
				case u.failAt && !errors.Is(u.err, errAfter):
					t.Errorf("round %d unit %d: err %v, want the unit's own", round, i, u.err)
				case !u.failAt && u.err != nil:
					t.Errorf("round %d unit %d: %v", round, i, u.err)
				}
				kept := ok && !u.failAt
				if kept {
					for id, v := range next {
						bal[id] = v
					}
				}
				for _, tr := range u.chain {
					_, err := l.Transfer(ctx, tr.ID)
					if kept != (err == nil) {
						t.Errorf("round %d unit %d: transfer %s committed=%v, the model kept=%v (%v)", round, i, tr.ID, err == nil, kept, err)
					}
					if err != nil && !nestegg.Is(err, nestegg.NotFound) {
						t.Fatal(err)
					}
				}
			}
			for _, id := range wallets {
				a, err := l.Account(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if got := a.CreditsPosted - a.DebitsPosted; got != bal[id] {
					t.Errorf("round %d: %s balance %d, the model %d", round, id, got, bal[id])
				}
			}
		}
		if problems, err := l.Audit(ctx, nil); err != nil || len(problems) > 0 {
			t.Errorf("audit: %v %v", problems, err)
		}
	})
}

// TestUnitOfWorkReplaysACommittedTransfer: a unit of work submitting a
// transfer id that is already committed gets the committed transfer back
// as a replay (exists), and one with other fields is refused, though a
// batch does not look ids up before it saves (the save's unique violation
// sends the batch round again, looking them up): the other units of the
// batch commit once.
func TestUnitOfWorkReplaysACommittedTransfer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := newLedger(t, db, nil)
		src, err := l.CreateAccount(ctx, ledger.Account{ID: "src", Asset: "USD", Kind: "equity", Owner: "test"})
		if err != nil {
			t.Fatal(err)
		}
		a, b := wallet(t, l, "a").ID, wallet(t, l, "b").ID
		first := ledger.Transfer{ID: "txf_first", DebitAccountID: src.ID, CreditAccountID: a, Amount: 100, Asset: "USD", Code: "fund"}
		submit(t, l, first)

		var replay, other, fresh []ledger.Result
		do := func(out *[]ledger.Result, tr ledger.Transfer) error {
			return l.Do(ctx, tr.ID, nil, func(ctx context.Context, tx *sql.Tx) error {
				res, err := l.SubmitTx(ctx, tx, []ledger.Transfer{tr})
				*out = res
				return err
			})
		}
		if err := do(&replay, first); err != nil {
			t.Fatal(err)
		}
		changed := first
		changed.Amount = 99
		if err := do(&other, changed); err != nil {
			t.Fatal(err)
		}
		if err := do(&fresh, ledger.Transfer{ID: "txf_fresh", DebitAccountID: a, CreditAccountID: b, Amount: 40, Asset: "USD", Code: "p2p"}); err != nil {
			t.Fatal(err)
		}
		if got := statuses(replay); len(got) != 1 || got[0] != ledger.StatusExists {
			t.Errorf("the same transfer again: %v, want exists", got)
		}
		if got := statuses(other); len(got) != 1 || got[0] != ledger.StatusExistsWithDifferentFields {
			t.Errorf("the id with other fields: %v, want exists_with_different_fields", got)
		}
		if got := statuses(fresh); len(got) != 1 || got[0] != ledger.StatusOK {
			t.Errorf("a new transfer: %v, want ok", got)
		}
		for id, want := range map[string]int64{a: 60, b: 40} {
			acct, err := l.Account(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got := acct.CreditsPosted - acct.DebitsPosted; got != want {
				t.Errorf("%s: balance %d, want %d (the replay moved money, or the new transfer didn't)", id, got, want)
			}
		}
	})
}
