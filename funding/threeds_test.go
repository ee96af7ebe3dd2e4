package funding_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// fakeCards is a card processor the test steers, for what the sandbox
// cannot do on cue: a cardholder who completes 3-D Secure at the
// processor after Nestegg gave up on them (complete), a confirmation held
// at the processor while the test runs Sync (gate), an answer lost on its
// way back (lose), a charge Nestegg never recorded (inject). Tokens
// starting "tok_3ds" need 3-D Secure; others succeed at once. It lists
// its charges (rails.ChargeLister) as both real processors do.
type fakeCards struct {
	clock func() time.Time

	mu      sync.Mutex
	charges map[string]*rails.Charge
	order   []string
	byKey   map[string]string
	lose    bool          // Charge records the charge but answers Unavailable
	gate    chan struct{} // when set, Confirm waits for it to close
	slow    time.Duration // Confirm takes this long at the processor
	entered chan struct{} // Confirm says here that it is waiting at the gate
}

func newFakeCards(clock func() time.Time) *fakeCards {
	return &fakeCards{clock: clock, charges: map[string]*rails.Charge{}, byKey: map[string]string{}}
}

var _ rails.ChargeLister = (*fakeCards)(nil)

func (f *fakeCards) Card(ctx context.Context, token string) (rails.Card, error) {
	return rails.Card{Token: token, Brand: "visa", Last4: "3155", ExpMonth: 12, ExpYear: 2030}, nil
}

func (f *fakeCards) Charge(ctx context.Context, req rails.ChargeRequest) (rails.Charge, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.byKey[req.IdempotencyKey]; ok {
		return f.view(f.charges[id]), nil
	}
	c := &rails.Charge{ID: fmt.Sprintf("ch_fake_%d", len(f.order)+1), Amount: req.Amount, Currency: strings.ToLower(req.Currency),
		Status: rails.ChargeSucceeded, Created: f.clock(), Reference: req.IdempotencyKey}
	if strings.HasPrefix(req.Token, "tok_3ds") {
		c.Status = rails.ChargeRequiresAction
	}
	f.add(c)
	f.byKey[req.IdempotencyKey] = c.ID
	if f.lose {
		return rails.Charge{}, nestegg.Errorf(nestegg.Unavailable, "the answer was lost on the way")
	}
	return f.view(c), nil
}

func (f *fakeCards) add(c *rails.Charge) {
	f.charges[c.ID] = c
	f.order = append(f.order, c.ID)
}

// view is a charge as the processor reports it now.
func (f *fakeCards) view(c *rails.Charge) rails.Charge {
	v := *c
	v.PaidOut = v.Status == rails.ChargeSucceeded && !f.clock().Before(v.Created.Add(rails.PayoutDelay))
	return v
}

func (f *fakeCards) Confirm(ctx context.Context, id string) (rails.Charge, error) {
	f.mu.Lock()
	gate, entered, slow := f.gate, f.entered, f.slow
	f.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	time.Sleep(slow)
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.charges[id]
	if !ok {
		return rails.Charge{}, nestegg.Errorf(nestegg.NotFound, "no charge %q", id)
	}
	if c.Status == rails.ChargeRequiresAction {
		c.Status, c.Created = rails.ChargeSucceeded, f.clock()
	}
	return f.view(c), nil
}

func (f *fakeCards) Lookup(ctx context.Context, id string) (rails.Charge, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.charges[id]
	if !ok {
		return rails.Charge{}, nestegg.Errorf(nestegg.NotFound, "no charge %q", id)
	}
	return f.view(c), nil
}

func (f *fakeCards) Charges(ctx context.Context, since time.Time) ([]rails.Charge, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []rails.Charge
	for _, id := range f.order {
		if c := f.charges[id]; !c.Created.Before(since) {
			out = append(out, f.view(c))
		}
	}
	return out, nil
}

// complete is the cardholder passing 3-D Secure at the processor, with
// no word to Nestegg.
func (f *fakeCards) complete(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.charges[id]; c.Status == rails.ChargeRequiresAction {
		c.Status, c.Created = rails.ChargeSucceeded, f.clock()
	}
}

// inject is a charge made at the processor that no top-up recorded.
func (f *fakeCards) inject(amount int64) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &rails.Charge{ID: fmt.Sprintf("ch_stray_%d", len(f.order)+1), Amount: amount, Currency: "usd", Status: rails.ChargeSucceeded, Created: f.clock()}
	f.add(c)
	return c.ID
}

// cardEnv is env with fakeCards for a processor.
type cardEnv struct {
	*env
	fc *fakeCards
}

func newCardEnv(t *testing.T, db *store.DB) *cardEnv {
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
	fc := newFakeCards(c.Now)
	e := &env{t: t, ctx: context.Background(), db: db, clock: c, ledger: l, bank: bank, comp: comp, k: movement.New(db, l, comp, c.Now)}
	e.f = e.service(l, fc)
	e.audited()
	return &cardEnv{env: e, fc: fc}
}

// secondService is a second process: its own ledger (batcher) on the
// same database and the same processor.
func (e *cardEnv) secondService() *funding.Service {
	l2 := ledger.New(e.db, ledger.Options{Clock: e.clock.Now})
	l2.Start()
	e.t.Cleanup(func() { l2.Close() })
	return e.service(l2, e.fc)
}

func (e *cardEnv) card(user, token string) string {
	e.t.Helper()
	c, err := e.f.LinkCard(e.ctx, user, token)
	if err != nil {
		e.t.Fatalf("LinkCard: %v", err)
	}
	return c.ID
}

// topUp3DS starts a top-up of amount that waits for 3-D Secure, and
// returns it with its charge at the processor.
func (e *cardEnv) topUp3DS(user, card string, amount int64, key string) (funding.Movement, string) {
	e.t.Helper()
	m, err := e.f.TopUp(e.ctx, user, funding.TopUpInput{CardID: card, Amount: usd(amount), IdempotencyKey: key})
	if err != nil || m.Status != funding.StatusRequiresAction {
		e.t.Fatalf("TopUp = %+v, %v; want requires_action", m, err)
	}
	e.fc.mu.Lock()
	defer e.fc.mu.Unlock()
	return m, e.fc.byKey[m.ID]
}

// credits counts the posted ledger transfers into user's wallet (neither
// pending, 2, nor voids, 8: fresh credits and posts of reservations).
func (e *cardEnv) credits(user string) int {
	e.t.Helper()
	var n int
	err := e.db.Reader().QueryRowContext(e.ctx, "SELECT COUNT(*) FROM ledger_transfers WHERE credit_account_id = $1 AND (flags & 10) = 0", "wal:"+user+":USD").Scan(&n)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func syncAll(t *testing.T, fs ...*funding.Service) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(fs))
	for _, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.Sync(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Sync: %v", err)
		}
	}
}

// TestThreeDSConfirmRacingSync: the member confirms 3-D Secure just as
// the hour runs out; the processor takes a moment, during which Sync
// gives the top-up up (the processor still said requires_action). The
// confirmation then comes back succeeded: the card was charged, so the
// wallet is credited, once, and the top-up says succeeded.
func TestThreeDSConfirmRacingSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardEnv(t, db)
		card := e.card("usr_a", "tok_3ds_a")
		m, ch := e.topUp3DS("usr_a", card, 10_00, "t1")
		e.clock.Advance(funding.ThreeDSTimeout - time.Second)

		e.fc.mu.Lock()
		e.fc.gate, e.fc.entered = make(chan struct{}), make(chan struct{}, 1)
		gate := e.fc.gate
		e.fc.mu.Unlock()
		type answer struct {
			m   funding.Movement
			err error
		}
		done := make(chan answer, 1)
		go func() {
			m, err := e.f.ConfirmTopUp(e.ctx, "usr_a", m.ID)
			done <- answer{m, err}
		}()
		<-e.fc.entered // the confirmation is at the processor
		e.clock.Advance(time.Minute)
		e.sync() // the hour is up and the processor still waits: failed
		e.status("usr_a", m.ID, funding.StatusFailed)
		e.wantBalance("usr_a", 0)
		close(gate)
		a := <-done
		if a.err != nil || a.m.Status != funding.StatusSucceeded {
			t.Fatalf("ConfirmTopUp = %+v, %v; want succeeded", a.m, a.err)
		}
		if got, _ := e.fc.Lookup(e.ctx, ch); got.Status != rails.ChargeSucceeded {
			t.Fatalf("the charge is %s at the processor", got.Status)
		}
		e.wantBalance("usr_a", 10_00)
		for range 3 {
			e.sync()
			if _, err := e.f.ConfirmTopUp(e.ctx, "usr_a", m.ID); !nestegg.Is(err, nestegg.Conflict) {
				t.Fatalf("ConfirmTopUp again: %v; want Conflict", err)
			}
		}
		e.wantBalance("usr_a", 10_00)
		if n := e.credits("usr_a"); n != 1 {
			t.Fatalf("%d posted credits to the wallet, want 1", n)
		}
		e.reconciled()
		// Paid out like any other: card clearing empties into cash.
		e.clock.Advance(rails.PayoutDelay + time.Minute)
		e.sync()
		e.status("usr_a", m.ID, funding.StatusSettled)
		e.reconciled()
	})
}

// TestThreeDSConfirmRacingSyncMany races confirmations (two at once per
// top-up) with two processes syncing while the hour runs out, many
// times: every top-up the processor charged is credited exactly once,
// and every other one is failed with nothing credited.
func TestThreeDSConfirmRacingSyncMany(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardEnv(t, db)
		f2 := e.secondService()
		card := e.card("usr_a", "tok_3ds_a")
		const n = 8
		ids := make([]string, n)
		for i := range ids {
			m, _ := e.topUp3DS("usr_a", card, int64(i+1)*1_00, fmt.Sprintf("t%d", i))
			ids[i] = m.ID
		}
		e.clock.Advance(funding.ThreeDSTimeout - time.Minute)
		e.fc.mu.Lock()
		e.fc.slow, e.fc.entered = 30*time.Millisecond, make(chan struct{}, 2*n)
		e.fc.mu.Unlock()
		var wg sync.WaitGroup
		for i, id := range ids {
			for _, f := range []*funding.Service{e.f, f2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Duration(i) * time.Millisecond)
					// Succeeded, or Conflict when the hour ran out first.
					if _, err := f.ConfirmTopUp(e.ctx, "usr_a", id); err != nil && !nestegg.Is(err, nestegg.Conflict) {
						t.Errorf("ConfirmTopUp: %v", err)
					}
				}()
			}
		}
		// Some confirmations are at the processor when the hour runs out.
		for range n {
			select {
			case <-e.fc.entered:
			case <-time.After(30 * time.Second):
				t.Fatal("the confirmations never reached the processor")
			}
		}
		for range 4 {
			e.clock.Advance(30 * time.Second)
			syncAll(t, e.f, f2)
		}
		wg.Wait()
		syncAll(t, e.f, f2)
		var want int64
		for i, id := range ids {
			m, err := e.f.Movement(e.ctx, "usr_a", id)
			if err != nil {
				t.Fatal(err)
			}
			e.fc.mu.Lock()
			ext := e.fc.byKey[id]
			e.fc.mu.Unlock()
			ch, _ := e.fc.Lookup(e.ctx, ext)
			switch {
			case ch.Status == rails.ChargeSucceeded && m.Status == funding.StatusSucceeded:
				want += int64(i+1) * 1_00
			case ch.Status == rails.ChargeRequiresAction && m.Status == funding.StatusFailed:
			default:
				t.Errorf("top-up %s is %s, its charge %s", id, m.Status, ch.Status)
			}
		}
		e.wantBalance("usr_a", want)
		e.reconciled()
	})
}

// TestThreeDSChargedAfterTopUpFailed: the cardholder completes 3-D Secure
// at the processor after the hour (no confirmation reaches Nestegg), when
// the top-up is failed and its reservation voided. The next Sync asks the
// processor, finds the charge succeeded and credits the wallet once,
// afresh; the top-up is then paid out like any other.
func TestThreeDSChargedAfterTopUpFailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardEnv(t, db)
		card := e.card("usr_a", "tok_3ds_a")
		m, ch := e.topUp3DS("usr_a", card, 10_00, "t1")
		e.clock.Advance(funding.ThreeDSTimeout + time.Minute)
		e.sync()
		e.status("usr_a", m.ID, funding.StatusFailed)
		e.wantBalance("usr_a", 0)
		e.reconciled()
		e.clock.Advance(2 * time.Hour)
		e.fc.complete(ch)
		e.sync()
		got := e.status("usr_a", m.ID, funding.StatusSucceeded)
		if got.Amount.Minor != 10_00 || got.Fee.Minor != 59 {
			t.Fatalf("top-up = %+v", got)
		}
		e.wantBalance("usr_a", 10_00)
		fees, _ := e.ledger.Account(e.ctx, "platform:USD:fee_revenue")
		if fees.CreditsPosted != 59 {
			t.Fatalf("fee revenue %+v, want 0.59 posted", fees)
		}
		e.sync()
		if _, err := e.f.ConfirmTopUp(e.ctx, "usr_a", m.ID); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("ConfirmTopUp after the credit: %v; want Conflict", err)
		}
		e.wantBalance("usr_a", 10_00)
		if n := e.credits("usr_a"); n != 1 {
			t.Fatalf("%d posted credits to the wallet, want 1", n)
		}
		e.reconciled()
		e.clock.Advance(rails.PayoutDelay + time.Minute)
		e.sync()
		e.status("usr_a", m.ID, funding.StatusSettled)
		cc, _ := e.ledger.Account(e.ctx, "platform:USD:card_clearing")
		if cc.DebitsPosted != cc.CreditsPosted || cc.DebitsPending != 0 {
			t.Fatalf("card clearing after payout: %+v", cc)
		}
		e.reconciled()

		// The member who confirms late, rather than the processor alone,
		// is credited the same way: ConfirmTopUp asks, it never pushes.
		m2, ch2 := e.topUp3DS("usr_a", card, 5_00, "t2")
		e.clock.Advance(funding.ThreeDSTimeout + time.Minute)
		e.sync()
		if _, err := e.f.ConfirmTopUp(e.ctx, "usr_a", m2.ID); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("ConfirmTopUp of a failed top-up the processor never charged: %v; want Conflict", err)
		}
		if c, _ := e.fc.Lookup(e.ctx, ch2); c.Status != rails.ChargeRequiresAction {
			t.Fatalf("a late confirmation pushed the charge through: %s", c.Status)
		}
		e.fc.complete(ch2)
		if got, err := e.f.ConfirmTopUp(e.ctx, "usr_a", m2.ID); err != nil || got.Status != funding.StatusSucceeded {
			t.Fatalf("ConfirmTopUp after the processor charged = %+v, %v; want succeeded", got, err)
		}
		e.sync()
		e.wantBalance("usr_a", 15_00)
		e.reconciled()
	})
}

// TestThreeDSSyncTwiceAtOnce runs Sync in two processes at once over
// 3-D Secure top-ups as they time out and as their charges succeed late
// (some before the hour is up, some after the top-up failed): each is
// credited exactly once.
func TestThreeDSSyncTwiceAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardEnv(t, db)
		f2 := e.secondService()
		card := e.card("usr_a", "tok_3ds_a")
		const n = 6
		var ids, chs []string
		for i := range n {
			m, ch := e.topUp3DS("usr_a", card, 10_00, fmt.Sprintf("t%d", i))
			ids, chs = append(ids, m.ID), append(chs, ch)
		}
		// Half are completed at the processor before Nestegg gives up.
		for _, ch := range chs[:n/2] {
			e.fc.complete(ch)
		}
		e.clock.Advance(funding.ThreeDSTimeout + time.Minute)
		syncAll(t, e.f, f2)
		e.wantBalance("usr_a", n/2*10_00)
		for _, id := range ids[n/2:] {
			e.status("usr_a", id, funding.StatusFailed)
		}
		// The rest are completed after.
		for _, ch := range chs[n/2:] {
			e.fc.complete(ch)
		}
		for range 3 {
			syncAll(t, e.f, f2)
		}
		e.wantBalance("usr_a", n*10_00)
		if got := e.credits("usr_a"); got != n {
			t.Fatalf("%d posted credits to the wallet, want %d", got, n)
		}
		for _, id := range ids {
			e.status("usr_a", id, funding.StatusSucceeded)
		}
		e.reconciled()
	})
}

// TestReconcileComparesEveryProcessorCharge: reconciliation walks the
// processor's list of charges. A succeeded charge whose top-up is failed
// (completed past Sync's watch) or pending (the processor's answer was
// lost) is charge_not_credited and credited there and then, once; one
// that no top-up made is charge_not_in_books.
func TestReconcileComparesEveryProcessorCharge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardEnv(t, db)
		card := e.card("usr_a", "tok_3ds_a")
		failed, ch := e.topUp3DS("usr_a", card, 10_00, "t1")
		e.clock.Advance(funding.ThreeDSTimeout + time.Minute)
		e.sync()
		e.status("usr_a", failed.ID, funding.StatusFailed)
		e.clock.Advance(funding.LateChargeWindow)
		e.fc.complete(ch)
		e.sync() // past the window: Sync no longer asks
		e.status("usr_a", failed.ID, funding.StatusFailed)

		// A charge whose answer never came back: the top-up waits.
		e.fc.mu.Lock()
		e.fc.lose = true
		e.fc.mu.Unlock()
		ok := e.card("usr_a", "tok_ok_a")
		lost, err := e.f.TopUp(e.ctx, "usr_a", funding.TopUpInput{CardID: ok, Amount: usd(20_00), IdempotencyKey: "t2"})
		if err != nil || lost.Status != funding.StatusPending {
			t.Fatalf("TopUp with the answer lost = %+v, %v; want pending", lost, err)
		}
		e.fc.mu.Lock()
		e.fc.lose = false
		e.fc.mu.Unlock()
		stray := e.fc.inject(7_77)
		e.wantBalance("usr_a", 0)

		rep, err := e.f.Reconcile(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, m := range rep.Mismatches {
			got[m.Check+" "+m.Reference] = m.Got
		}
		for _, want := range []string{"charge_not_credited " + failed.ID, "charge_not_credited " + lost.ID, "charge_not_in_books " + stray} {
			if _, ok := got[want]; !ok {
				t.Errorf("Reconcile did not report %s; got %+v", want, rep.Mismatches)
			}
		}
		if len(rep.Mismatches) != 3 {
			t.Errorf("Reconcile = %+v; want the three", rep.Mismatches)
		}
		if g := got["charge_not_credited "+failed.ID]; !strings.HasSuffix(g, "credited now") {
			t.Errorf("charge_not_credited found %q; want it credited now", g)
		}
		e.status("usr_a", failed.ID, funding.StatusSucceeded)
		e.status("usr_a", lost.ID, funding.StatusSucceeded)
		e.wantBalance("usr_a", 30_00)
		// Repaired once: again, and with Sync retrying the lost charge,
		// only the stray charge remains.
		e.clock.Advance(2 * time.Minute)
		e.sync()
		rep, err = e.f.Reconcile(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Mismatches) != 1 || rep.Mismatches[0].Check != "charge_not_in_books" || rep.Mismatches[0].Reference != stray {
			t.Fatalf("Reconcile again = %+v; want only the stray charge", rep.Mismatches)
		}
		e.wantBalance("usr_a", 30_00)
		if n := e.credits("usr_a"); n != 2 {
			t.Fatalf("%d posted credits to the wallet, want 2", n)
		}
		e.conserved()
	})
}

// TestTopUpChargedAfterHoldLapsed: the processor answers after the
// ledger let the reservation go (as its expiry job voids a hold that
// timed out). Posting it is refused; the charge is credited afresh
// instead, once. And a top-up given up after its hold lapsed is failed
// without a void to make, and still credited when its charge succeeds.
func TestTopUpChargedAfterHoldLapsed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardEnv(t, db)
		card := e.card("usr_a", "tok_3ds_a")
		lapse := func(id string) {
			t.Helper()
			for _, p := range []string{":credit", ":fee"} {
				res, err := e.ledger.Submit(e.ctx, []ledger.Transfer{{ID: "lapse:" + id + p, PendingID: id + p, VoidPending: true, Code: "expired"}})
				if err != nil || ledger.Refused(res) != nil {
					t.Fatalf("voiding %s%s: %v %+v", id, p, err, res)
				}
			}
		}
		m, _ := e.topUp3DS("usr_a", card, 10_00, "t1")
		lapse(m.ID)
		got, err := e.f.ConfirmTopUp(e.ctx, "usr_a", m.ID)
		if err != nil || got.Status != funding.StatusSucceeded {
			t.Fatalf("ConfirmTopUp after the hold lapsed = %+v, %v; want succeeded", got, err)
		}
		e.wantBalance("usr_a", 10_00)
		e.reconciled()

		m2, ch2 := e.topUp3DS("usr_a", card, 5_00, "t2")
		lapse(m2.ID)
		e.clock.Advance(funding.ThreeDSTimeout + time.Minute)
		e.sync()
		e.status("usr_a", m2.ID, funding.StatusFailed)
		e.fc.complete(ch2)
		e.sync()
		e.status("usr_a", m2.ID, funding.StatusSucceeded)
		e.sync()
		e.wantBalance("usr_a", 15_00)
		if n := e.credits("usr_a"); n != 2 {
			t.Fatalf("%d posted credits to the wallet, want 2", n)
		}
		e.reconciled()
	})
}
