package payments_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// clock moves 1ms at every reading, so every event has its own time, and
// jumps with Advance.
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

// env is a whole money stack on one database.
type env struct {
	t      testing.TB
	db     *store.DB
	clock  *clock
	social *social.Service
	ledger *ledger.Ledger
	comp   *compliance.Service
	pay    *payments.Service
	kernel *movement.Kernel // the book auditor's
	ctx    context.Context
}

type options struct {
	cfg  payments.Config
	comp *compliance.Config
}

func newEnv(t testing.TB, db *store.DB, o options) *env {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	soc := social.New(db, social.Options{Clock: c.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	l := ledger.New(db, ledger.Options{Clock: c.Now})
	l.Start()
	t.Cleanup(func() { l.Close() })
	cc := compliance.DefaultConfig()
	if o.comp != nil {
		cc = *o.comp
	}
	cc.Clock = c.Now
	comp := compliance.New(db, cc)
	o.cfg.Clock = c.Now
	svc, err := payments.New(db, l, soc, comp, o.cfg)
	if err != nil {
		t.Fatalf("payments.New: %v", err)
	}
	soc.SetPostHook(svc.OnPost)
	k := movement.New(db, l, comp, c.Now)
	// The book auditor, after every test: runs before the ledger closes.
	t.Cleanup(func() { movementtest.Audit(t, k) })
	return &env{t: t, db: db, clock: c, social: soc, ledger: l, comp: comp, pay: svc, kernel: k, ctx: context.Background()}
}

func (e *env) signup(handle string) string {
	e.t.Helper()
	a, err := e.social.Signup(e.ctx, social.SignupInput{Handle: handle, DisplayName: handle, Email: handle + "@example.com", Password: "correct horse battery"})
	if err != nil {
		e.t.Fatalf("Signup(%s): %v", handle, err)
	}
	return a.ID
}

func (e *env) fund(userID string, amount string) {
	e.t.Helper()
	_, err := e.pay.Credit(e.ctx, userID, usd(e.t, amount), "fund-"+userID+"-"+amount+fmt.Sprint(e.clock.Now().UnixNano()), "test money")
	if err != nil {
		e.t.Fatalf("Credit(%s, %s): %v", userID, amount, err)
	}
}

func (e *env) balance(userID, asset string) int64 {
	e.t.Helper()
	b, err := e.pay.Balance(e.ctx, userID, asset)
	if err != nil {
		e.t.Fatalf("Balance(%s, %s): %v", userID, asset, err)
	}
	return b.Minor
}

func (e *env) wantBalance(userID, asset string, want int64) {
	e.t.Helper()
	if got := e.balance(userID, asset); got != want {
		e.t.Fatalf("Balance(%s, %s) = %d, want %d", userID, asset, got, want)
	}
}

func (e *env) post(authorID, body, replyTo string) social.Post {
	e.t.Helper()
	p, err := e.social.CreatePost(e.ctx, authorID, social.NewPost{Body: body, ReplyToID: replyTo})
	if err != nil {
		e.t.Fatalf("CreatePost(%q): %v", body, err)
	}
	return p
}

func (e *env) send(from, to, amount, key string) payments.Payment {
	e.t.Helper()
	p, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: from, ToHandle: to, Amount: usd(e.t, amount), IdempotencyKey: key})
	if err != nil {
		e.t.Fatalf("Send(%s → %s, %s): %v", from, to, amount, err)
	}
	return p
}

// notifications returns userID's notifications' kinds and texts, newest first.
func (e *env) notifications(userID string) []social.Notification {
	e.t.Helper()
	p, err := e.social.Notifications(e.ctx, userID, social.Page{Limit: 100})
	if err != nil {
		e.t.Fatalf("Notifications: %v", err)
	}
	return p.Notifications
}

func (e *env) hasNotification(userID, kind string) social.Notification {
	e.t.Helper()
	for _, n := range e.notifications(userID) {
		if string(n.Kind) == kind {
			return n
		}
	}
	e.t.Fatalf("no %s notification for %s in %+v", kind, userID, e.notifications(userID))
	return social.Notification{}
}

// count returns a single integer from the database.
func (e *env) count(q string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.Reader().QueryRowContext(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// checkBooks verifies the ledger's invariants: per asset, debits equal
// credits over all accounts, and no wallet is negative.
func (e *env) checkBooks() {
	e.t.Helper()
	rows, err := e.db.Reader().QueryContext(e.ctx, `SELECT asset, SUM(debits_posted), SUM(credits_posted), SUM(debits_pending), SUM(credits_pending)
		FROM ledger_accounts GROUP BY asset`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		var dp, cp, dpe, cpe int64
		if err := rows.Scan(&a, &dp, &cp, &dpe, &cpe); err != nil {
			e.t.Fatal(err)
		}
		if dp != cp || dpe != cpe {
			e.t.Fatalf("books of %s do not balance: debits %d/%d, credits %d/%d", a, dp, dpe, cp, cpe)
		}
	}
	if n := e.count("SELECT count(*) FROM ledger_accounts WHERE kind = 'wallet' AND credits_posted - debits_posted - debits_pending < 0"); n != 0 {
		e.t.Fatalf("%d wallets are negative", n)
	}
}

// audited runs the book auditor after a step of a test, naming the step
// in the failure, and checks the ledger's totals and wallets as checkBooks
// does: for tests whose books must hold throughout, not only at the end.
func (e *env) audited(step string) {
	e.t.Helper()
	problems, err := e.kernel.Audit(e.ctx)
	if err != nil {
		e.t.Fatalf("after %s: book auditor: %v", step, err)
	}
	if len(problems) > 0 {
		e.t.Fatalf("after %s: the book auditor found %d problems:\n  %s", step, len(problems), strings.Join(problems, "\n  "))
	}
	e.checkBooks()
}

func usd(t testing.TB, s string) money.Amount {
	t.Helper()
	a, err := money.ParsePositive(s, "USD")
	if err != nil {
		t.Fatalf("ParsePositive(%q): %v", s, err)
	}
	return a
}

func wantCode(t testing.TB, what string, err error, code nestegg.Code) {
	t.Helper()
	if !nestegg.Match(&nestegg.Error{Code: code}, err) {
		t.Fatalf("%s = %v (%s), want %s", what, err, nestegg.ErrorCode(err), code)
	}
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// inTx runs fn in a write transaction, for tests that look inside.
func (e *env) inTx(fn func(tx *sql.Tx) error) {
	e.t.Helper()
	must(e.t, "write", e.db.Write(e.ctx, fn))
}
