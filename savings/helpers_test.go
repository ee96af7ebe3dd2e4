package savings_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/savings"
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

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a money stack with savings on one database.
type env struct {
	t      testing.TB
	db     *store.DB
	clock  *clock
	social *social.Service
	ledger *ledger.Ledger
	pay    *payments.Service
	sav    *savings.Service
	ctx    context.Context
	n      int
}

func newEnv(t testing.TB, db *store.DB, start time.Time) *env {
	t.Helper()
	c := &clock{t: start}
	soc := social.New(db, social.Options{Clock: c.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	l := ledger.New(db, ledger.Options{Clock: c.Now})
	l.Start()
	t.Cleanup(func() { l.Close() })
	cc := compliance.DefaultConfig()
	cc.Clock = c.Now
	comp := compliance.New(db, cc)
	pay, err := payments.New(db, l, soc, comp, payments.Config{Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	sav := savings.New(db, l, soc, comp, savings.Config{Clock: c.Now})
	// The book auditor, after every test: runs before the ledger closes.
	t.Cleanup(func() { movementtest.Audit(t, movement.New(db, l, comp, c.Now)) })
	return &env{t: t, db: db, clock: c, social: soc, ledger: l, pay: pay, sav: sav, ctx: context.Background()}
}

func (e *env) key() string {
	e.n++
	return fmt.Sprintf("k%d-%p", e.n, e)
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

func (e *env) wallet(userID string) int64 {
	e.t.Helper()
	b, err := e.pay.Balance(e.ctx, userID, "USD")
	if err != nil {
		e.t.Fatalf("Balance(%s): %v", userID, err)
	}
	return b.Minor
}

func (e *env) open(userID string) savings.Account {
	e.t.Helper()
	a, err := e.sav.Open(e.ctx, userID, "USD")
	if err != nil {
		e.t.Fatalf("Open(%s): %v", userID, err)
	}
	return a
}

func (e *env) get(userID string) savings.Account {
	e.t.Helper()
	a, err := e.sav.Get(e.ctx, userID, "USD")
	if err != nil {
		e.t.Fatalf("Get(%s): %v", userID, err)
	}
	return a
}

func (e *env) deposit(userID string, minor int64) {
	e.t.Helper()
	if _, err := e.sav.Deposit(e.ctx, userID, usd(minor), e.key()); err != nil {
		e.t.Fatalf("Deposit(%s, %d): %v", userID, minor, err)
	}
}

func (e *env) withdraw(userID string, minor int64) {
	e.t.Helper()
	if _, err := e.sav.Withdraw(e.ctx, userID, usd(minor), e.key()); err != nil {
		e.t.Fatalf("Withdraw(%s, %d): %v", userID, minor, err)
	}
}

func (e *env) setRate(from time.Time, tiers ...savings.Tier) {
	e.t.Helper()
	if _, err := e.sav.SetRate(e.ctx, savings.RateInput{Asset: "USD", EffectiveOn: from, Tiers: tiers}); err != nil {
		e.t.Fatalf("SetRate(%s, %v): %v", from.Format(time.DateOnly), tiers, err)
	}
}

func (e *env) run() savings.Stats {
	e.t.Helper()
	st, err := e.sav.Run(e.ctx)
	if err != nil {
		e.t.Fatalf("Run: %v", err)
	}
	return st
}

// toDay moves the clock to noon of day and runs the jobs.
func (e *env) toDay(day time.Time) savings.Stats {
	e.t.Helper()
	e.clock.Set(day.Add(12 * time.Hour))
	return e.run()
}

func (e *env) platform(kind string) int64 {
	e.t.Helper()
	a, err := e.ledger.PlatformAccount(e.ctx, "USD", kind)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.CreditsPosted - a.DebitsPosted
}

func (e *env) notified(userID, kind string) []string {
	e.t.Helper()
	p, err := e.social.Notifications(e.ctx, userID, social.Page{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, n := range p.Notifications {
		if string(n.Kind) == kind {
			out = append(out, n.Text)
		}
	}
	return out
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func flat(bps int64) savings.Tier { return savings.Tier{From: 0, Bps: bps} }
