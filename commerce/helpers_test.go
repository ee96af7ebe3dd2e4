package commerce_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// clock moves 1ms at every reading and jumps with Advance.
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

// env is the whole money stack with a shop on one database.
type env struct {
	t      testing.TB
	db     *store.DB
	clock  *clock
	social *social.Service
	ledger *ledger.Ledger
	pay    *payments.Service
	comp   *compliance.Service
	shop   *commerce.Service
	ctx    context.Context
	users  []string // everyone signed up, for the books
}

const feeBps = 250 // 2.5%

func newEnv(t testing.TB, db *store.DB) *env { return newEnvWith(t, db, nil) }

// newEnvWith is newEnv with compliance's policy changed by cfg.
func newEnvWith(t testing.TB, db *store.DB, cfg func(*compliance.Config)) *env {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	soc := social.New(db, social.Options{Clock: c.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	l := ledger.New(db, ledger.Options{Clock: c.Now})
	l.Start()
	t.Cleanup(func() { l.Close() })
	cc := compliance.DefaultConfig()
	cc.Clock = c.Now
	if cfg != nil {
		cfg(&cc)
	}
	comp := compliance.New(db, cc)
	// The book auditor, after the test's own checks: every transfer
	// belongs to a movement, every movement has its transfers, every
	// wallet is the sum of its movements.
	k := movement.New(db, l, comp, nil)
	t.Cleanup(func() { movementtest.Audit(t, k) })
	pay, err := payments.New(db, l, soc, comp, payments.Config{Clock: c.Now})
	if err != nil {
		t.Fatalf("payments.New: %v", err)
	}
	shop, err := commerce.New(db, l, soc, comp, commerce.Config{FeeBps: feeBps, QRFeeBps: 300, Clock: c.Now})
	if err != nil {
		t.Fatalf("commerce.New: %v", err)
	}
	// As serve wires them: payments' hook, then commerce's.
	soc.SetPostHook(func(ctx context.Context, tx *sql.Tx, p social.Post) error {
		if err := pay.OnPost(ctx, tx, p); err != nil {
			return err
		}
		return shop.OnPost(ctx, tx, p)
	})
	return &env{t: t, db: db, clock: c, social: soc, ledger: l, pay: pay, comp: comp, shop: shop, ctx: context.Background()}
}

func (e *env) signup(handle string, kind social.Kind) string {
	e.t.Helper()
	a, err := e.social.Signup(e.ctx, social.SignupInput{Handle: handle, DisplayName: handle, Email: handle + "@example.com",
		Password: "correct horse battery", Kind: kind})
	if err != nil {
		e.t.Fatalf("Signup(%s): %v", handle, err)
	}
	e.users = append(e.users, a.ID)
	return a.ID
}

func (e *env) member(handle string) string   { return e.signup(handle, social.Member) }
func (e *env) merchant(handle string) string { return e.signup(handle, social.Business) }

func usd(minor int64) money.Amount {
	a, _ := money.Lookup("USD")
	return money.Amount{Asset: a, Minor: minor}
}

func (e *env) fund(userID string, minor int64) {
	e.t.Helper()
	if _, err := e.pay.Credit(e.ctx, userID, usd(minor), fmt.Sprintf("fund-%s-%d", userID, e.clock.Now().UnixNano()), "test money"); err != nil {
		e.t.Fatalf("Credit(%s): %v", userID, err)
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

func (e *env) wantBalance(who, userID string, want int64) {
	e.t.Helper()
	if got := e.balance(userID); got != want {
		e.t.Fatalf("balance of %s = %d, want %d", who, got, want)
	}
}

// platform returns the posted balance of a platform account.
func (e *env) platform(kind string) int64 {
	e.t.Helper()
	a, err := e.ledger.Account(e.ctx, "platform:USD:"+kind)
	if nestegg.Is(err, nestegg.NotFound) {
		return 0
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return a.CreditsPosted - a.DebitsPosted
}

// conserved checks the books: every cent the platform's cash took in is in
// a wallet, the fee revenue or the voucher liability, counting posted
// amounts (holds are still the merchant's until posted).
func (e *env) conserved() {
	e.t.Helper()
	cash, err := e.ledger.Account(e.ctx, "platform:USD:"+ledger.KindCash)
	if err != nil {
		e.t.Fatal(err)
	}
	in := cash.DebitsPosted - cash.CreditsPosted
	total := e.platform(ledger.KindFeeRevenue) + e.platform(ledger.KindLiability)
	for _, u := range e.users {
		a, err := e.ledger.Account(e.ctx, "wal:"+u+":USD")
		if nestegg.Is(err, nestegg.NotFound) {
			continue
		}
		if err != nil {
			e.t.Fatal(err)
		}
		if a.Balance() < 0 {
			e.t.Fatalf("wallet of %s is negative: %+v", u, a)
		}
		total += a.CreditsPosted - a.DebitsPosted
	}
	if total != in {
		e.t.Fatalf("money not conserved: wallets+fees+liability = %d, cash in = %d", total, in)
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

// product adds a product to merchant's catalogue.
func (e *env) product(merchant, title string, price, stock int64, kind commerce.ProductKind) commerce.Product {
	e.t.Helper()
	in := commerce.ProductInput{Title: title, Price: usd(price), Stock: stock, Kind: kind}
	if kind == commerce.Digital {
		in.Content = "https://dl.example.com/" + title
	}
	p, err := e.shop.CreateProduct(e.ctx, merchant, in)
	if err != nil {
		e.t.Fatalf("CreateProduct: %v", err)
	}
	return p
}

func (e *env) offer(merchant string, p commerce.Product, hashtag string) commerce.Offer {
	e.t.Helper()
	o, err := e.shop.CreateOffer(e.ctx, merchant, commerce.OfferInput{ProductID: p.ID, Hashtag: hashtag})
	if err != nil {
		e.t.Fatalf("CreateOffer: %v", err)
	}
	return o
}

// wantCode fails unless err carries code.
func wantCode(t testing.TB, what string, err error, code nestegg.Code) {
	t.Helper()
	if got := nestegg.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// notifications returns the texts of userID's notifications, newest first.
func (e *env) notifications(userID string) []social.Notification {
	e.t.Helper()
	np, err := e.social.Notifications(e.ctx, userID, social.Page{Limit: 50})
	if err != nil {
		e.t.Fatal(err)
	}
	return np.Notifications
}

// pending returns userID's one pending intent.
func (e *env) pending(userID string) commerce.Intent {
	e.t.Helper()
	ins, err := e.shop.PendingIntents(e.ctx, userID)
	if err != nil || len(ins) != 1 {
		e.t.Fatalf("PendingIntents = %+v, %v; want one", ins, err)
	}
	return ins[0]
}

func (e *env) noPending(userID string) {
	e.t.Helper()
	ins, err := e.shop.PendingIntents(e.ctx, userID)
	if err != nil || len(ins) != 0 {
		e.t.Fatalf("PendingIntents = %+v, %v; want none", ins, err)
	}
}
