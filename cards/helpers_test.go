package cards_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/cards"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// clock stands still until the test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a money stack with cards on one database, the sandbox issuer
// asking the cards service about purchases.
type env struct {
	t      testing.TB
	db     *store.DB
	clock  *clock
	social *social.Service
	ledger *ledger.Ledger
	comp   *compliance.Service
	pay    *payments.Service
	cards  *cards.Service
	iss    *rails.SandboxIssuer
	ctx    context.Context
	n      int
}

type option func(*cards.Config, *compliance.Config)

func newEnv(t testing.TB, db *store.DB, opts ...option) *env {
	t.Helper()
	c := &clock{t: time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)}
	soc := social.New(db, social.Options{Clock: c.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	l := ledger.New(db, ledger.Options{Clock: c.Now})
	l.Start()
	t.Cleanup(func() { l.Close() })
	cc := compliance.DefaultConfig()
	cc.Clock = c.Now
	cfg := cards.Config{Clock: c.Now, InterchangeBps: 150, CashbackBps: 100, CashbackByCategory: map[string]int64{"5812": 300}}
	for _, o := range opts {
		o(&cfg, &cc)
	}
	comp := compliance.New(db, cc)
	pay, err := payments.New(db, l, soc, comp, payments.Config{Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	iss, err := rails.NewSandboxIssuer("", c.Now)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Simulator = iss
	svc, err := cards.New(db, l, soc, comp, iss, cfg)
	if err != nil {
		t.Fatal(err)
	}
	iss.Listen(svc)
	// The book auditor, after every test: runs before the ledger closes.
	t.Cleanup(func() { movementtest.Audit(t, movement.New(db, l, comp, c.Now)) })
	return &env{t: t, db: db, clock: c, social: soc, ledger: l, comp: comp, pay: pay, cards: svc, iss: iss, ctx: context.Background()}
}

func (e *env) key() string {
	e.n++
	return fmt.Sprintf("k%d", e.n)
}

func (e *env) signup(handle string) string {
	e.t.Helper()
	a, err := e.social.Signup(e.ctx, social.SignupInput{Handle: handle, DisplayName: handle, Email: handle + "@example.com", Password: "correct horse battery", Kind: social.Member})
	if err != nil {
		e.t.Fatalf("Signup(%s): %v", handle, err)
	}
	return a.ID
}

func usd(minor int64) money.Amount {
	a, _ := money.Lookup("USD")
	return money.Amount{Asset: a, Minor: minor}
}

func (e *env) fund(userID string, minor int64) {
	e.t.Helper()
	if _, err := e.pay.Credit(e.ctx, userID, usd(minor), "fund-"+e.key(), "test money"); err != nil {
		e.t.Fatalf("Credit(%s, %d): %v", userID, minor, err)
	}
}

// wallet is the wallet's available balance (posted less held).
func (e *env) wallet(userID string) int64 {
	e.t.Helper()
	a, err := e.ledger.Account(e.ctx, payments.WalletID(userID, "USD"))
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Balance()
}

// posted is the wallet's posted balance.
func (e *env) posted(userID string) int64 {
	e.t.Helper()
	a, err := e.ledger.Account(e.ctx, payments.WalletID(userID, "USD"))
	if err != nil {
		e.t.Fatal(err)
	}
	return a.CreditsPosted - a.DebitsPosted
}

func (e *env) platform(kind string) int64 {
	e.t.Helper()
	a, err := e.ledger.Account(e.ctx, ledger.PlatformID("USD", kind))
	if err != nil {
		e.t.Fatal(err)
	}
	return a.CreditsPosted - a.DebitsPosted
}

func (e *env) issue(userID string) cards.Card {
	e.t.Helper()
	c, err := e.cards.Issue(e.ctx, userID, e.key())
	if err != nil {
		e.t.Fatalf("Issue(%s): %v", userID, err)
	}
	return c
}

var bean = rails.Merchant{Name: "Bean There Café", Category: "5812", City: "Portland"}

// buy asks the sandbox network for a purchase.
func (e *env) buy(c cards.Card, amount int64, mod ...func(*rails.Purchase)) rails.Authorization {
	e.t.Helper()
	e.clock.Advance(time.Second) // lines apart in time, so their order is known
	p := rails.Purchase{CardID: c.IssuerCardID, Merchant: bean, Amount: amount, Currency: "USD"}
	for _, m := range mod {
		m(&p)
	}
	a, err := e.iss.SimulatePurchase(e.ctx, p)
	if err != nil {
		e.t.Fatalf("SimulatePurchase(%d): %v", amount, err)
	}
	return a
}

// reveal spends a reveal of the card and returns its full number.
func (e *env) reveal(userID string, c cards.Card) string {
	e.t.Helper()
	rv, err := e.cards.Reveal(e.ctx, userID, c.ID)
	if err != nil {
		e.t.Fatalf("Reveal: %v", err)
	}
	full, err := e.iss.RevealCard(e.ctx, strings.TrimPrefix(rv.URL, rails.RevealPath))
	if err != nil {
		e.t.Fatalf("RevealCard: %v", err)
	}
	return full.Number
}

// newEnvOn is a second process's cards service on e's database: its own
// ledger, checkpoint and kernel.
func newEnvOn(t testing.TB, e *env) *cards.Service {
	t.Helper()
	l := ledger.New(e.db, ledger.Options{Clock: e.clock.Now})
	l.Start()
	t.Cleanup(func() { l.Close() })
	cc := compliance.DefaultConfig()
	cc.Clock = e.clock.Now
	svc, err := cards.New(e.db, l, e.social, compliance.New(e.db, cc), e.iss, cards.Config{Clock: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// statement is the first page of userID's wallet statement.
func (e *env) statement(userID string) movement.StatementPage {
	e.t.Helper()
	p, err := movement.New(e.db, e.ledger, e.comp, e.clock.Now).Statement(e.ctx, payments.WalletID(userID, "USD"), nestegg.Page{Limit: 50})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}
