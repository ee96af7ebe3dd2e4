package movement_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// stmtClock moves 1ms at every reading, so every transfer has its own
// time, and jumps with advance (into another month).
type stmtClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stmtClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *stmtClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// stmtEnv moves money through the kernel directly, as the domains do.
type stmtEnv struct {
	t     *testing.T
	ctx   context.Context
	clock *stmtClock
	l     *ledger.Ledger
	k     *movement.Kernel
	comp  *compliance.Service
	n     int
}

func newStmtEnv(t *testing.T, db *store.DB, opts ...ledger.Options) *stmtEnv {
	t.Helper()
	c := &stmtClock{t: time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)}
	var opt ledger.Options
	if len(opts) > 0 {
		opt = opts[0]
	}
	opt.Clock = c.now
	l := ledger.New(db, opt)
	l.Start()
	t.Cleanup(func() { l.Close() })
	cc := compliance.DefaultConfig()
	cc.Clock = c.now
	comp := compliance.New(db, cc)
	k := movement.New(db, l, comp, c.now)
	// The book auditor, after every test: runs before the ledger closes.
	t.Cleanup(func() { movementtest.Audit(t, k) })
	e := &stmtEnv{t: t, ctx: context.Background(), clock: c, l: l, k: k, comp: comp}
	if err := l.EnsurePlatform(e.ctx, "USD"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"usr_alice", "usr_bob"} {
		if err := l.Ensure(e.ctx, ledger.Account{ID: wal(u), Asset: "USD", Kind: "wallet", Owner: u, DebitsMustNotExceedCredits: true}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func wal(user string) string      { return "wal:" + user + ":USD" }
func platform(kind string) string { return "platform:USD:" + kind }

// move runs one movement whose work submits ts; it returns the movement id.
func (e *stmtEnv) move(req movement.Request, ts ...ledger.Transfer) string {
	e.t.Helper()
	e.n++
	req.Asset = "USD"
	if req.Actor == "" {
		req.Actor = "operator"
	}
	req.Key = fmt.Sprintf("k%d", e.n)
	for i := range ts {
		ts[i].Asset = "USD"
		if ts[i].ID == "" {
			ts[i].ID = fmt.Sprintf("txf_%d_%d", e.n, i)
		}
	}
	res, err := e.k.Move(e.ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		_, err := tx.Submit(ctx, ts...)
		return err
	})
	if err != nil {
		e.t.Fatalf("Move(%s): %v", req.Kind, err)
	}
	return res.ID
}

func (e *stmtEnv) credit(user string, amount int64) string {
	return e.move(movement.Request{Kind: movement.Credit, To: user, Amount: amount, Note: "test money"},
		ledger.Transfer{DebitAccountID: platform(ledger.KindCash), CreditAccountID: wal(user), Amount: amount, Code: "credit"})
}

func (e *stmtEnv) pay(from, to string, amount, fee int64, note string) string {
	ts := []ledger.Transfer{{DebitAccountID: wal(from), CreditAccountID: wal(to), Amount: amount, Code: "p2p"}}
	if fee > 0 {
		ts[0].Linked = true
		ts = append(ts, ledger.Transfer{DebitAccountID: wal(from), CreditAccountID: platform(ledger.KindFeeRevenue), Amount: fee, Code: "p2p_fee"})
	}
	return e.move(movement.Request{Kind: movement.P2P, Actor: from, From: from, To: to, Amount: amount, Fee: fee, Note: note}, ts...)
}

// hold reserves a payment (a pending transfer) and returns the movement
// and the reservation's transfer id.
func (e *stmtEnv) hold(from, to string, amount, timeout int64) (string, string) {
	id := fmt.Sprintf("hold_%d", e.n+1)
	mv := e.move(movement.Request{Kind: movement.P2P, Actor: from, From: from, To: to, Amount: amount, Note: "held"},
		ledger.Transfer{ID: id, DebitAccountID: wal(from), CreditAccountID: wal(to), Amount: amount, Code: "p2p", Pending: true, TimeoutSeconds: timeout})
	return mv, id
}

func (e *stmtEnv) resolve(kind movement.Kind, from, to, mv, pending string, post bool) string {
	return e.move(movement.Request{Kind: kind, Actor: "job", Reference: mv, From: from, To: to},
		ledger.Transfer{PendingID: pending, PostPending: post, VoidPending: !post, Code: string(kind)})
}

func (e *stmtEnv) posted(account string) int64 {
	e.t.Helper()
	a, err := e.l.Account(e.ctx, account)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.CreditsPosted - a.DebitsPosted
}

// walk reads a whole statement, limit lines a page, following the cursors.
func (e *stmtEnv) walk(account string, limit int) []movement.Line {
	e.t.Helper()
	var all []movement.Line
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := e.k.Statement(e.ctx, account, nestegg.Page{Cursor: cursor, Limit: limit})
		if err != nil {
			e.t.Fatalf("Statement(%s, page %d): %v", account, pages, err)
		}
		if len(p.Lines) > limit {
			e.t.Fatalf("page %d has %d lines, limit %d", pages, len(p.Lines), limit)
		}
		all = append(all, p.Lines...)
		if p.Next == "" {
			return all
		}
		cursor = p.Next
	}
}

// checkRunning checks a whole statement (newest first) against a model:
// from zero, oldest first, each posted line moves the balance by its
// amount; the newest balance is the ledger's.
func (e *stmtEnv) checkRunning(account string, lines []movement.Line) {
	e.t.Helper()
	var bal int64
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if i > 0 && !lines[i-1].At.After(l.At) && !(lines[i-1].At.Equal(l.At) && lines[i-1].TransferID > l.TransferID) {
			e.t.Errorf("line %d (%s) is not newer than line %d (%s)", i-1, lines[i-1].TransferID, i, l.TransferID)
		}
		if l.Status == movement.LinePosted {
			if l.Direction == movement.In {
				bal += l.Amount
			} else {
				bal -= l.Amount
			}
		}
		if l.Balance != bal {
			e.t.Errorf("line %s (%s %s %d): balance %d, want %d", l.TransferID, l.Kind, l.Direction, l.Amount, l.Balance, bal)
		}
	}
	if got := e.posted(account); len(lines) > 0 && lines[0].Balance != got {
		e.t.Errorf("newest balance %d, ledger says %d", lines[0].Balance, got)
	}
}

func find(t *testing.T, lines []movement.Line, code string, status movement.LineStatus) movement.Line {
	t.Helper()
	for _, l := range lines {
		if l.Code == code && l.Status == status {
			return l
		}
	}
	t.Fatalf("no %s line with code %q", status, code)
	return movement.Line{}
}

func TestStatementRunningBalances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStmtEnv(t, db)
		e.credit("usr_alice", 100_00)
		lunch := e.pay("usr_alice", "usr_bob", 30_00, 1_00, "lunch")
		released, p1 := e.hold("usr_alice", "usr_bob", 10_00, 0)
		e.resolve(movement.HoldRelease, "usr_alice", "usr_bob", released, p1, true)
		cancelled, p2 := e.hold("usr_alice", "usr_bob", 5_00, 0)
		e.resolve(movement.HoldCancel, "usr_alice", "usr_bob", cancelled, p2, false)
		expired, _ := e.hold("usr_alice", "usr_bob", 3_00, 60)
		e.clock.advance(2 * time.Minute)
		if n, err := e.l.ExpirePending(e.ctx); err != nil || n != 1 {
			t.Fatalf("ExpirePending = %d, %v; want 1", n, err)
		}
		e.hold("usr_alice", "usr_bob", 2_00, 0) // stays pending
		e.pay("usr_bob", "usr_alice", 4_00, 0, "thanks")
		e.move(movement.Request{Kind: movement.InstantWithdrawal, Actor: "usr_alice", From: "usr_alice", Amount: 20_00, Fee: 50},
			ledger.Transfer{DebitAccountID: platform(ledger.KindBankClearing), CreditAccountID: platform(ledger.KindCash), Amount: 20_00, Code: "withdrawal", Linked: true},
			ledger.Transfer{DebitAccountID: wal("usr_alice"), CreditAccountID: platform(ledger.KindBankClearing), Amount: 20_00, Code: "withdrawal", Linked: true},
			// Not to fee revenue: a fee is also told by its code.
			ledger.Transfer{DebitAccountID: wal("usr_alice"), CreditAccountID: platform(ledger.KindCash), Amount: 50, Code: "instant_fee"})

		// credit, payment + fee, hold + post, hold + void, hold + expiry,
		// the open hold, thanks, withdrawal + fee.
		const aliceLines = 13
		for _, limit := range []int{1, 3, 100} {
			lines := e.walk(wal("usr_alice"), limit)
			if len(lines) != aliceLines {
				t.Fatalf("limit %d: %d lines, want %d", limit, len(lines), aliceLines)
			}
			e.checkRunning(wal("usr_alice"), lines)
		}
		lines := e.walk(wal("usr_alice"), 5)
		// 100 - 30 - 1 - 10 + 4 - 20 - 0.50 (the open hold is not in it).
		if want := int64(100_00 - 30_00 - 1_00 - 10_00 + 4_00 - 20_00 - 50); lines[0].Balance != want {
			t.Errorf("balance now %d, want %d", lines[0].Balance, want)
		}

		var pay movement.Line
		for _, l := range lines {
			if l.MovementID == lunch && !l.Fee {
				pay = l
			}
		}
		if pay.Kind != movement.P2P || pay.Label != "Payment" || pay.Direction != movement.Out || pay.Counterparty != "usr_bob" ||
			pay.Note != "lunch" || pay.Fee || pay.Amount != 30_00 || pay.Reference != lunch {
			t.Errorf("payment line = %+v", pay)
		}
		fee := find(t, lines, "p2p_fee", movement.LinePosted)
		if !fee.Fee || fee.Label != "Fee for payment" || fee.Counterparty != "" || fee.Direction != movement.Out || fee.MovementID != lunch {
			t.Errorf("fee line = %+v", fee)
		}
		if l := find(t, lines, "instant_fee", movement.LinePosted); !l.Fee || l.Kind != movement.InstantWithdrawal || l.Label != "Fee for instant withdrawal" {
			t.Errorf("instant fee line = %+v", l)
		}
		if l := find(t, lines, "withdrawal", movement.LinePosted); l.Fee || l.Counterparty != "" || l.Label != "Instant withdrawal" {
			t.Errorf("withdrawal line = %+v", l)
		}
		if l := find(t, lines, string(movement.HoldRelease), movement.LinePosted); l.Kind != movement.HoldRelease ||
			l.Reference != released || l.Counterparty != "usr_bob" || l.Amount != 10_00 {
			t.Errorf("release line = %+v", l)
		}
		if l := find(t, lines, string(movement.HoldCancel), movement.LineVoided); l.Kind != movement.HoldCancel || l.Effect() != 0 {
			t.Errorf("cancel line = %+v", l)
		}
		// The ledger's expiry names no movement: the line is its hold's.
		if l := find(t, lines, "expired", movement.LineVoided); l.MovementID != expired || l.Kind != movement.P2P || l.Amount != 3_00 {
			t.Errorf("expiry line = %+v", l)
		}
		open := lines[len(lines)-1]
		for _, l := range lines {
			if l.Status == movement.LinePending && l.Amount == 2_00 {
				open = l
			}
		}
		if open.Status != movement.LinePending || open.Effect() != 0 {
			t.Errorf("open hold line = %+v", open)
		}

		// Bob sees the same movements from his side.
		bob := e.walk(wal("usr_bob"), 4)
		e.checkRunning(wal("usr_bob"), bob)
		for _, l := range bob {
			if l.MovementID == lunch && (l.Direction != movement.In || l.Counterparty != "usr_alice" || l.Note != "lunch") {
				t.Errorf("bob's payment line = %+v", l)
			}
			if l.Fee {
				t.Errorf("bob pays no fee, but has %+v", l)
			}
		}
	})
}

// The cursor carries the balance where its page ended: a movement made
// between pages is on no page and changes none of the later balances.
func TestStatementCursorKeepsBalance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStmtEnv(t, db)
		e.credit("usr_alice", 50_00)
		for i := 1; i <= 5; i++ {
			e.pay("usr_alice", "usr_bob", int64(i)*100, 0, fmt.Sprintf("n%d", i))
		}
		first, err := e.k.Statement(e.ctx, wal("usr_alice"), nestegg.Page{Limit: 2})
		if err != nil || len(first.Lines) != 2 || first.Next == "" {
			t.Fatalf("first page = %+v, %v", first, err)
		}
		e.pay("usr_alice", "usr_bob", 7_00, 0, "between pages")
		lines := first.Lines
		cursor := first.Next
		for cursor != "" {
			p, err := e.k.Statement(e.ctx, wal("usr_alice"), nestegg.Page{Cursor: cursor, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, p.Lines...)
			cursor = p.Next
		}
		if len(lines) != 6 {
			t.Fatalf("%d lines, want 6 (the payment made between pages is newer than the first page)", len(lines))
		}
		var bal int64
		for i := len(lines) - 1; i >= 0; i-- {
			bal += lines[i].Effect()
			if lines[i].Balance != bal {
				t.Errorf("line %d %q: balance %d, want %d", i, lines[i].Note, lines[i].Balance, bal)
			}
		}
		if want := e.posted(wal("usr_alice")) + 7_00; lines[0].Balance != want {
			t.Errorf("first page's newest balance %d, want %d (the ledger's before the later payment)", lines[0].Balance, want)
		}
		// A new first page starts from the ledger again.
		e.checkRunning(wal("usr_alice"), e.walk(wal("usr_alice"), 4))

		for _, c := range []struct {
			page nestegg.Page
			want *nestegg.Error
		}{
			{nestegg.Page{Cursor: "not a cursor"}, &nestegg.Error{Code: nestegg.Invalid, Param: "cursor"}},
			{nestegg.Page{Limit: 101}, &nestegg.Error{Code: nestegg.Invalid, Param: "limit"}},
		} {
			if _, err := e.k.Statement(e.ctx, wal("usr_alice"), c.page); !nestegg.Match(c.want, err) {
				t.Errorf("Statement(%+v) = %v, want %v", c.page, err, c.want)
			}
		}
		if _, err := e.k.Statement(e.ctx, wal("usr_nobody"), nestegg.Page{}); !nestegg.Match(&nestegg.Error{Code: nestegg.NotFound}, err) {
			t.Errorf("Statement(no such account) = %v, want not_found", err)
		}
	})
}

func TestMonthlyStatementReconciles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStmtEnv(t, db) // 10 November 2026
		e.credit("usr_alice", 80_00)
		e.pay("usr_alice", "usr_bob", 12_50, 25, "november")
		_, pending := e.hold("usr_alice", "usr_bob", 3_00, 0)
		// 30 November 23:00 UTC, then 1 December 02:00 UTC: still November
		// five hours west of UTC.
		e.clock.advance(time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC).Sub(e.clock.now()))
		e.pay("usr_bob", "usr_alice", 1_00, 0, "late november")
		e.clock.advance(3 * time.Hour)
		e.pay("usr_alice", "usr_bob", 2_00, 0, "december in UTC")
		e.clock.advance(4 * 24 * time.Hour)
		e.resolve(movement.HoldRelease, "usr_alice", "usr_bob", "", pending, true)
		e.credit("usr_alice", 5_00)

		month := func(m time.Month, loc *time.Location) movement.Monthly {
			t.Helper()
			s, err := e.k.MonthlyStatement(e.ctx, wal("usr_alice"), 2026, m, loc)
			if err != nil {
				t.Fatalf("MonthlyStatement(%s): %v", m, err)
			}
			if s.Opening+s.In-s.Out != s.Closing {
				t.Errorf("%s: opening %d + in %d - out %d != closing %d", m, s.Opening, s.In, s.Out, s.Closing)
			}
			bal := s.Opening
			for i, l := range s.Lines {
				bal += l.Effect()
				if l.Balance != bal {
					t.Errorf("%s line %d: balance %d, want %d", m, i, l.Balance, bal)
				}
				if l.At.Before(s.Start) || !l.At.Before(s.End) || (i > 0 && l.At.Before(s.Lines[i-1].At)) {
					t.Errorf("%s line %d at %v: out of the month or out of order", m, i, l.At)
				}
			}
			if len(s.Lines) > 0 && s.Lines[len(s.Lines)-1].Balance != s.Closing {
				t.Errorf("%s: last line's balance %d, closing %d", m, s.Lines[len(s.Lines)-1].Balance, s.Closing)
			}
			return s
		}
		for _, loc := range []*time.Location{nil, time.FixedZone("UTC-5", -5*3600)} {
			oct, nov, dec := month(time.October, loc), month(time.November, loc), month(time.December, loc)
			if oct.Opening != 0 || oct.Closing != 0 || len(oct.Lines) != 0 {
				t.Errorf("October = %+v, want empty", oct)
			}
			if nov.Opening != oct.Closing || dec.Opening != nov.Closing {
				t.Errorf("openings %d, %d do not follow closings %d, %d", nov.Opening, dec.Opening, oct.Closing, nov.Closing)
			}
			if now := e.posted(wal("usr_alice")); dec.Closing != now {
				t.Errorf("December (current month) closes at %d, the ledger says %d", dec.Closing, now)
			}
			if nov.Fees != 25 || dec.Fees != 0 {
				t.Errorf("fees: November %d, December %d; want 25, 0", nov.Fees, dec.Fees)
			}
			var notes []string
			for _, l := range nov.Lines {
				notes = append(notes, l.Note)
			}
			wantNov := "[test money november november held late november]"
			if loc != nil {
				wantNov = "[test money november november held late november december in UTC]"
			}
			if got := fmt.Sprint(notes); got != wantNov {
				t.Errorf("November lines (loc %v): %s, want %s", loc, got, wantNov)
			}
		}
		if _, err := e.k.MonthlyStatement(e.ctx, wal("usr_alice"), 2026, 13, nil); !nestegg.Match(&nestegg.Error{Code: nestegg.Invalid, Param: "month"}, err) {
			t.Errorf("month 13: %v, want invalid month", err)
		}
		if _, err := e.k.MonthlyStatement(e.ctx, wal("usr_nobody"), 2026, 12, nil); !nestegg.Match(&nestegg.Error{Code: nestegg.NotFound}, err) {
			t.Errorf("no such account: %v, want not_found", err)
		}
	})
}

// Transfers made before the kernel carry their domain's id (a payment's)
// as reference: their lines still show, named by their code. The account
// is not a member's wallet, because the auditor rightly refuses such
// transfers on wallets.
func TestStatementWithoutMovement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStmtEnv(t, db)
		acct := ledger.Account{ID: "legacy:usr_carol:USD", Asset: "USD", Kind: "escrow", Owner: "usr_carol"}
		if err := e.l.Ensure(e.ctx, acct); err != nil {
			t.Fatal(err)
		}
		res, err := e.l.Submit(e.ctx, []ledger.Transfer{
			{ID: "old1", DebitAccountID: platform(ledger.KindCash), CreditAccountID: acct.ID, Amount: 9_00, Asset: "USD", Code: "p2p", Reference: "pay_old"},
			{ID: "old2", DebitAccountID: acct.ID, CreditAccountID: platform(ledger.KindCash), Amount: 1_00, Asset: "USD", Code: "coin_spread", Reference: "pay_old2"},
		})
		if err != nil || ledger.Refused(res) != nil {
			t.Fatalf("Submit = %v, %v", res, err)
		}
		lines := e.walk(acct.ID, 10)
		e.checkRunning(acct.ID, lines)
		if len(lines) != 2 {
			t.Fatalf("%d lines, want 2", len(lines))
		}
		if l := lines[1]; l.MovementID != "" || l.Kind != movement.P2P || l.Label != "Payment" || l.Reference != "pay_old" || l.Counterparty != "" || l.Direction != movement.In {
			t.Errorf("old payment line = %+v", l)
		}
		if l := lines[0]; l.Label != "Coin spread" || l.Direction != movement.Out || l.Balance != 8_00 {
			t.Errorf("old spread line = %+v", l)
		}
	})
}
