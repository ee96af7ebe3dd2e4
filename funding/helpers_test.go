package funding_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	clock  *clock
	ledger *ledger.Ledger
	bank   *rails.SandboxBank
	cards  *rails.SandboxCards
	comp   *compliance.Service
	k      *movement.Kernel // for the books and for payments out of a wallet
	f      *funding.Service
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	l := ledger.New(db, ledger.Options{Clock: c.Now})
	l.Start()
	t.Cleanup(func() { l.Close() })
	cc := compliance.DefaultConfig()
	cc.Clock = c.Now
	comp := compliance.New(db, cc)
	bank, err := rails.NewSandboxBank("", c.Now)
	if err != nil {
		t.Fatal(err)
	}
	cards, err := rails.NewSandboxCards("", c.Now)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: context.Background(), db: db, clock: c, ledger: l, bank: bank, cards: cards, comp: comp, k: movement.New(db, l, comp, c.Now)}
	e.f = e.service(l, cards)
	e.audited()
	return e
}

// service is a funding service on l and cards with the env's database,
// bank and key (another serve process's, given a ledger of its own).
func (e *env) service(l *ledger.Ledger, cards rails.CardProcessor) *funding.Service {
	e.t.Helper()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	f, err := funding.New(e.db, l, e.comp, e.bank, cards, funding.Config{EncryptionKey: key, Sandbox: true, Clock: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// secondService is a second serve process: its own ledger (batcher) on
// the same database and the same rails.
func (e *env) secondService() *funding.Service {
	l2 := ledger.New(e.db, ledger.Options{Clock: e.clock.Now})
	l2.Start()
	e.t.Cleanup(func() { l2.Close() })
	return e.service(l2, e.cards)
}

// audited runs the book auditor when the test ends (before the ledger
// closes): every transfer touching a member's account belongs to a
// movement, every movement has its transfers, and the books balance.
func (e *env) audited() {
	e.t.Cleanup(func() { movementtest.Audit(e.t, movement.New(e.db, e.ledger, e.comp, nil)) })
}

func usd(minor int64) money.Amount {
	a, _ := money.Lookup("USD")
	return money.Amount{Asset: a, Minor: minor}
}

// verifiedBank links and verifies a bank account, sending its
// micro-deposits (and whatever else waits) in an ACH file first.
func (e *env) verifiedBank(user, account string) string {
	e.t.Helper()
	b, err := e.f.LinkBank(e.ctx, user, funding.BankInput{HolderName: "Alice Ample", RoutingNumber: "011000015", AccountNumber: account})
	if err != nil {
		e.t.Fatalf("LinkBank: %v", err)
	}
	if b.Status != funding.BankPending || b.Masked != "••••"+account[len(account)-4:] {
		e.t.Fatalf("LinkBank = %+v", b)
	}
	m, err := e.f.SandboxMicroDeposits(e.ctx, user, b.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	// The amounts can be confirmed once they are sent.
	if _, err := e.f.ExportACH(e.ctx); err != nil {
		e.t.Fatalf("ExportACH: %v", err)
	}
	if _, err := e.f.VerifyBank(e.ctx, user, b.ID, m[1], m[0]); err != nil {
		e.t.Fatalf("VerifyBank: %v", err)
	}
	return b.ID
}

func (e *env) wallet(user string) ledger.Account {
	e.t.Helper()
	a, err := e.ledger.Account(e.ctx, "wal:"+user+":USD")
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) wantBalance(user string, want int64) {
	e.t.Helper()
	if got := e.wallet(user).Balance(); got != want {
		e.t.Fatalf("balance of %s = %d, want %d", user, got, want)
	}
}

func (e *env) deposit(user, bank string, amount int64, key string) funding.Movement {
	e.t.Helper()
	m, err := e.f.Deposit(e.ctx, user, funding.DepositInput{BankAccountID: bank, Amount: usd(amount), IdempotencyKey: key})
	if err != nil {
		e.t.Fatalf("Deposit: %v", err)
	}
	return m
}

func (e *env) status(user, id string, want funding.Status) funding.Movement {
	e.t.Helper()
	m, err := e.f.Movement(e.ctx, user, id)
	if err != nil {
		e.t.Fatal(err)
	}
	if m.Status != want {
		e.t.Fatalf("movement %s is %s (%s), want %s", id, m.Status, m.Reason, want)
	}
	return m
}

// day exports the ACH file, lets a day pass, and syncs with the bank.
func (e *env) day() {
	e.t.Helper()
	if _, err := e.f.ExportACH(e.ctx); err != nil {
		e.t.Fatalf("ExportACH: %v", err)
	}
	e.clock.Advance(25 * time.Hour)
	e.sync()
}

func (e *env) sync() {
	e.t.Helper()
	if _, err := e.f.Sync(e.ctx); err != nil {
		e.t.Fatalf("Sync: %v", err)
	}
}

func (e *env) reconciled() {
	e.t.Helper()
	rep, err := e.f.Reconcile(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if !rep.OK() {
		e.t.Fatalf("Reconcile found mismatches: %+v", rep.Mismatches)
	}
	e.conserved()
}

// conserved checks the ledger's invariant: Σ debits = Σ credits.
func (e *env) conserved() {
	e.t.Helper()
	var d, c int64
	err := e.db.Reader().QueryRowContext(e.ctx, "SELECT COALESCE(SUM(debits_posted),0), COALESCE(SUM(credits_posted),0) FROM ledger_accounts WHERE asset = 'USD'").Scan(&d, &c)
	if err != nil || d != c {
		e.t.Fatalf("posted debits %d != credits %d (%v)", d, c, err)
	}
}

// pay moves money out of user's wallet as a payment would: a p2p
// movement, which counts toward user's spending limits. It returns the
// movement's error.
func (e *env) pay(user string, amount int64) error {
	e.t.Helper()
	if err := e.ledger.Ensure(e.ctx, ledger.Account{ID: "wal:usr_shop:USD", Asset: "USD", Kind: "wallet", Owner: "usr_shop", DebitsMustNotExceedCredits: true}); err != nil {
		e.t.Fatal(err)
	}
	_, err := e.k.Move(e.ctx, movement.Request{Kind: movement.P2P, Actor: user, Key: nestegg.NewID("key"), From: user, To: "usr_shop", Asset: "USD", Amount: amount},
		func(ctx context.Context, tx *movement.Tx) error {
			_, err := tx.Submit(ctx, ledger.Transfer{ID: nestegg.NewID("txf"), DebitAccountID: "wal:" + user + ":USD", CreditAccountID: "wal:usr_shop:USD", Amount: amount, Asset: "USD", Code: "p2p"})
			return err
		})
	return err
}

// spend is pay that must succeed.
func (e *env) spend(user string, amount int64) {
	e.t.Helper()
	if err := e.pay(user, amount); err != nil {
		e.t.Fatalf("spend: %v", err)
	}
}
