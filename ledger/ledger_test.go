package ledger_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// fakeClock is a settable clock for deterministic timeouts.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

func newLedger(t testing.TB, db *store.DB, clock func() time.Time) *ledger.Ledger {
	l := ledger.New(db, ledger.Options{Clock: clock, ValidAsset: func(c string) error { _, err := money.Lookup(c); return err }})
	l.Start()
	t.Cleanup(func() { l.Close() })
	return l
}

func wallet(t testing.TB, l *ledger.Ledger, id string) ledger.Account {
	a, err := l.CreateAccount(context.Background(), ledger.Account{ID: id, Asset: "USD", Kind: "wallet", Owner: "usr_" + id, DebitsMustNotExceedCredits: true})
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", id, err)
	}
	return a
}

func submit(t testing.TB, l *ledger.Ledger, ts ...ledger.Transfer) []ledger.Result {
	t.Helper()
	res, err := l.Submit(context.Background(), ts)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return res
}

func statuses(res []ledger.Result) []ledger.Status {
	out := make([]ledger.Status, len(res))
	for i, r := range res {
		out[i] = r.Status
	}
	return out
}

func TestLedgerBasics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		l := newLedger(t, db, clock.Now)
		eq, err := l.PlatformAccount(ctx, "USD", ledger.KindEquity)
		if err != nil {
			t.Fatalf("PlatformAccount: %v", err)
		}
		a, b := wallet(t, l, "a"), wallet(t, l, "b")
		tr := func(id, dr, cr string, amt int64) ledger.Transfer {
			return ledger.Transfer{ID: id, DebitAccountID: dr, CreditAccountID: cr, Amount: amt, Asset: "USD", Code: "test"}
		}
		cases := []struct {
			name string
			in   []ledger.Transfer
			want []ledger.Status
		}{
			{"fund", []ledger.Transfer{tr("t1", eq.ID, a.ID, 1000)}, []ledger.Status{ledger.StatusOK}},
			{"replay", []ledger.Transfer{tr("t1", eq.ID, a.ID, 1000)}, []ledger.Status{ledger.StatusExists}},
			{"replay different", []ledger.Transfer{tr("t1", eq.ID, a.ID, 999)}, []ledger.Status{ledger.StatusExistsWithDifferentFields}},
			{"overdraft", []ledger.Transfer{tr("t2", a.ID, b.ID, 1001)}, []ledger.Status{ledger.StatusExceedsCredits}},
			{"zero", []ledger.Transfer{tr("t3", a.ID, b.ID, 0)}, []ledger.Status{ledger.StatusAmountMustBePositive}},
			{"same account", []ledger.Transfer{tr("t4", a.ID, a.ID, 1)}, []ledger.Status{ledger.StatusAccountsMustBeDifferent}},
			{"unknown", []ledger.Transfer{tr("t5", "nope", a.ID, 1)}, []ledger.Status{ledger.StatusDebitAccountNotFound}},
			{"bad asset", []ledger.Transfer{{ID: "t6", DebitAccountID: a.ID, CreditAccountID: b.ID, Amount: 1, Asset: "EUR", Code: "x"}}, []ledger.Status{ledger.StatusAssetMismatch}},
			{"linked fails together", []ledger.Transfer{
				func() ledger.Transfer { x := tr("t7", a.ID, b.ID, 500); x.Linked = true; return x }(),
				tr("t8", a.ID, b.ID, 600),
			}, []ledger.Status{ledger.StatusLinkedEventFailed, ledger.StatusExceedsCredits}},
			{"independent neighbours", []ledger.Transfer{tr("t9", a.ID, b.ID, 5000), tr("t10", a.ID, b.ID, 100)},
				[]ledger.Status{ledger.StatusExceedsCredits, ledger.StatusOK}},
			{"chain open", []ledger.Transfer{func() ledger.Transfer { x := tr("t11", a.ID, b.ID, 1); x.Linked = true; return x }()},
				[]ledger.Status{ledger.StatusLinkedEventChainOpen}},
		}
		for _, c := range cases {
			got := statuses(submit(t, l, c.in...))
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s: Submit = %v, want %v", c.name, got, c.want)
			}
		}
		// Two-phase: reserve, partially post, and the rest returns.
		p := tr("p1", a.ID, b.ID, 300)
		p.Pending = true
		if got := statuses(submit(t, l, p)); got[0] != ledger.StatusOK {
			t.Fatalf("pending = %v", got)
		}
		if acc, _ := l.Account(ctx, a.ID); acc.Balance() != 600 || acc.DebitsPending != 300 {
			t.Fatalf("after pending a = %+v", acc)
		}
		post := ledger.Transfer{ID: "p1post", PendingID: "p1", PostPending: true, Amount: 200, Code: "test"}
		if got := statuses(submit(t, l, post)); got[0] != ledger.StatusOK {
			t.Fatalf("post = %v", got)
		}
		if got := statuses(submit(t, l, ledger.Transfer{ID: "p1void", PendingID: "p1", VoidPending: true, Code: "test"})); got[0] != ledger.StatusPendingTransferAlreadyPosted {
			t.Fatalf("void after post = %v", got)
		}
		if acc, _ := l.Account(ctx, a.ID); acc.Balance() != 700 || acc.DebitsPending != 0 {
			t.Fatalf("after post a = %+v", acc)
		}
		// Timeout: expires, and then cannot be posted.
		p2 := tr("p2", a.ID, b.ID, 100)
		p2.Pending, p2.TimeoutSeconds = true, 60
		submit(t, l, p2)
		clock.t = clock.t.Add(61 * time.Second)
		if got := statuses(submit(t, l, ledger.Transfer{ID: "p2post", PendingID: "p2", PostPending: true, Code: "test"})); got[0] != ledger.StatusPendingTransferExpired {
			t.Fatalf("post expired = %v", got)
		}
		if n, err := l.ExpirePending(ctx); n != 1 || err != nil {
			t.Fatalf("ExpirePending = %d, %v; want 1", n, err)
		}
		if acc, _ := l.Account(ctx, a.ID); acc.Balance() != 700 {
			t.Fatalf("after expiry a = %+v", acc)
		}
		// History, newest first, paginated.
		var all []ledger.Transfer
		cursor := ""
		for {
			page, next, err := l.History(ctx, a.ID, cursor, 2)
			if err != nil {
				t.Fatalf("History: %v", err)
			}
			all = append(all, page...)
			if next == "" {
				break
			}
			cursor = next
		}
		var ids []string
		for _, tr := range all {
			ids = append(ids, tr.ID)
		}
		want := "[exp:p2 p2 p1post p1 t10 t1]"
		if fmt.Sprint(ids) != want {
			t.Fatalf("History = %v, want %v", ids, want)
		}
		if _, _, err := l.History(ctx, a.ID, "garbage!", 2); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("bad cursor = %v, want invalid", err)
		}
		if _, err := l.Transfer(ctx, "nope"); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("Transfer(nope) = %v, want not_found", err)
		}
		if _, err := l.CreateAccount(ctx, ledger.Account{ID: "a", Asset: "EUR", Kind: "wallet", Owner: "x"}); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("CreateAccount different = %v, want conflict", err)
		}
		if _, err := l.CreateAccount(ctx, ledger.Account{Asset: "ZZZ", Kind: "wallet", Owner: "x"}); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("CreateAccount bad asset = %v, want invalid", err)
		}
	})
}

// TestEnsure: Ensure creates an account once, is a no-op after, and still
// refuses the same id with other fields.
func TestEnsure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		l := newLedger(t, db, time.Now)
		a := ledger.Account{ID: "w", Asset: "USD", Kind: "wallet", Owner: "usr_w", DebitsMustNotExceedCredits: true}
		for i := 0; i < 2; i++ {
			if err := l.Ensure(ctx, a); err != nil {
				t.Fatalf("Ensure #%d: %v", i, err)
			}
		}
		if err := l.EnsurePlatform(ctx, "USD"); err != nil {
			t.Fatalf("EnsurePlatform: %v", err)
		}
		if _, err := l.Account(ctx, "platform:USD:"+ledger.KindFeeRevenue); err != nil {
			t.Fatalf("chart of accounts after EnsurePlatform: %v", err)
		}
		b := a
		b.Owner = "usr_other"
		if err := l.Ensure(ctx, b); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("Ensure with other fields = %v, want conflict", err)
		}
	})
}
