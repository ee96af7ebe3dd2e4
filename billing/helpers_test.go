package billing_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
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

// env is a whole money stack with billing on one database.
type env struct {
	t      testing.TB
	db     *store.DB
	clock  *clock
	social *social.Service
	ledger *ledger.Ledger
	comp   *compliance.Service
	pay    *payments.Service
	bill   *billing.Service
	ctx    context.Context
	n      int
	// refundedDeferred is what refunds took out of deferred revenue.
	refundedDeferred int64
}

var start = time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)

func newEnv(t testing.TB, db *store.DB, cfg billing.Config) *env {
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
	cfg.Clock = c.Now
	bill, err := billing.New(db, l, soc, comp, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The book auditor, after every test: runs before the ledger closes.
	t.Cleanup(func() { movementtest.Audit(t, movement.New(db, l, comp, c.Now)) })
	return &env{t: t, db: db, clock: c, social: soc, ledger: l, comp: comp, pay: pay, bill: bill, ctx: context.Background()}
}

func (e *env) key() string {
	e.n++
	return fmt.Sprintf("k%d", e.n)
}

func (e *env) signup(handle string, kind social.Kind) string {
	e.t.Helper()
	a, err := e.social.Signup(e.ctx, social.SignupInput{Handle: handle, DisplayName: handle, Email: handle + "@example.com", Password: "correct horse battery", Kind: kind})
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

func (e *env) balance(userID string) int64 {
	e.t.Helper()
	b, err := e.pay.Balance(e.ctx, userID, "USD")
	if err != nil {
		e.t.Fatalf("Balance(%s): %v", userID, err)
	}
	return b.Minor
}

func (e *env) wantBalance(userID string, want int64) {
	e.t.Helper()
	if got := e.balance(userID); got != want {
		e.t.Fatalf("Balance(%s) = %d, want %d", userID, got, want)
	}
}

func (e *env) platform(kind string) int64 {
	e.t.Helper()
	a, err := e.ledger.PlatformAccount(e.ctx, "USD", kind)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.CreditsPosted - a.DebitsPosted
}

func (e *env) plan(owner, product, name string, rank int, period billing.Period, price int64) billing.Plan {
	e.t.Helper()
	p, err := e.bill.CreatePlan(e.ctx, owner, billing.PlanInput{Product: product, Name: name, Rank: rank, Period: period, Price: usd(price)})
	if err != nil {
		e.t.Fatalf("CreatePlan(%s): %v", name, err)
	}
	return p
}

func (e *env) subscribe(userID, planID string) billing.Subscription {
	e.t.Helper()
	s, err := e.bill.Subscribe(e.ctx, billing.SubscribeInput{UserID: userID, PlanID: planID, IdempotencyKey: e.key()})
	if err != nil {
		e.t.Fatalf("Subscribe(%s): %v", planID, err)
	}
	return s
}

func (e *env) sub(userID, id string) billing.Subscription {
	e.t.Helper()
	s, err := e.bill.Subscription(e.ctx, userID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) run() billing.RunStats {
	e.t.Helper()
	st, err := e.bill.Run(e.ctx)
	if err != nil {
		e.t.Fatalf("Run: %v", err)
	}
	return st
}

// days advances the clock a day at a time, running the job each day.
func (e *env) days(n int) billing.RunStats {
	e.t.Helper()
	var total billing.RunStats
	for range n {
		e.clock.Advance(24 * time.Hour)
		st := e.run()
		total.Renewed += st.Renewed
		total.Failed += st.Failed
		total.Lapsed += st.Lapsed
		total.Ended += st.Ended
		total.Recognized += st.Recognized
	}
	return total
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

// books checks billing's own sums against the ledger: deferred revenue
// holds what charges still defer, and revenue what they recognized less
// what refunds took back from it.
func (e *env) books() billing.Revenue {
	e.t.Helper()
	r, err := e.bill.Revenue(e.ctx, "USD")
	if err != nil {
		e.t.Fatal(err)
	}
	if got := e.platform(ledger.KindDeferredRevenue); got != r.Deferred {
		e.t.Fatalf("deferred revenue account = %d, charges defer %d", got, r.Deferred)
	}
	if r.Charged != r.Recognized+r.Deferred+refundedFromPlatform(e) {
		e.t.Fatalf("revenue %+v: charged ≠ recognized + deferred + refunded from deferral", r)
	}
	return r
}

// refundedFromPlatform is what refunds took from deferred revenue: the
// tests that refund check it themselves and keep it zero otherwise.
func refundedFromPlatform(e *env) int64 { return e.refundedDeferred }
