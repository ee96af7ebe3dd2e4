package movement_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestAuditorCatches shows that the book auditor fails on what it exists
// to catch: a transfer into a member's wallet that belongs to no movement
// (money moved beside the kernel), and a wallet whose balance drifted from
// its transfers (a balance edited beside the ledger).
func TestAuditorCatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := &stmtClock{t: time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)}
		l := ledger.New(db, ledger.Options{Clock: c.now})
		l.Start()
		t.Cleanup(func() { l.Close() })
		k := movement.New(db, l, compliance.New(db, compliance.DefaultConfig()), c.now)
		e := &stmtEnv{t: t, ctx: context.Background(), clock: c, l: l, k: k}
		if err := l.EnsurePlatform(e.ctx, "USD"); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"usr_alice", "usr_bob"} {
			if err := l.Ensure(e.ctx, ledger.Account{ID: wal(u), Asset: "USD", Kind: "wallet", Owner: u, DebitsMustNotExceedCredits: true}); err != nil {
				t.Fatal(err)
			}
		}
		e.credit("usr_alice", 50_00)
		e.pay("usr_alice", "usr_bob", 20_00, 50, "lunch")
		audit := func() []string {
			t.Helper()
			problems, err := k.Audit(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return problems
		}
		if p := audit(); len(p) != 0 {
			t.Fatalf("clean books: the auditor found %v", p)
		}

		// An orphan: money into a wallet that no movement made.
		if err := db.Write(e.ctx, func(tx *sql.Tx) error {
			res, err := l.SubmitTx(e.ctx, tx, []ledger.Transfer{{ID: "orphan", DebitAccountID: platform(ledger.KindCash),
				CreditAccountID: wal("usr_bob"), Amount: 7_00, Asset: "USD", Code: "oops", Reference: "nothing"}})
			if err == nil {
				err = ledger.Refused(res)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, audit(), "transfer orphan touches wal:usr_bob:USD but belongs to no movement")

		// Drift: a balance edited beside the ledger.
		if err := db.Write(e.ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(e.ctx, "UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = $1", wal("usr_alice"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		problems := audit()
		wantProblem(t, problems, "account wal:usr_alice:USD: balances")
		wantProblem(t, problems, "asset USD: debits")
	})
}

func wantProblem(t *testing.T, problems []string, prefix string) {
	t.Helper()
	for _, p := range problems {
		if strings.HasPrefix(p, prefix) {
			return
		}
	}
	t.Errorf("the auditor did not report %q; it found:\n  %s", prefix, strings.Join(problems, "\n  "))
}
