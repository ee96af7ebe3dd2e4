package billing_test

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// segment is a price in force from a moment of a period.
type segment struct {
	price int64
	from  time.Time
}

// TestProrationInvariants drives random members through random plan
// changes, cancellations, empty wallets and time, and checks after every
// step against a model: what a period was charged is exactly the floor of
// what it is worth (the sum of each price × the seconds it was in force,
// over the period's length) — never more, never a minor unit less — and
// equals the period's receipts; every wallet is what was funded less what
// was charged; the books hold (and the auditor, at the end).
func TestProrationInvariants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		r := rand.New(rand.NewPCG(seed, 7))
		e := newEnv(t, db, billing.Config{})
		var plans []billing.Plan
		for i, p := range []int64{300, 799, 1601, 2999} {
			plans = append(plans, e.plan(billing.PlatformOwner, billing.ProductPremium, fmt.Sprintf("Tier %d", i), i, billing.Monthly, p))
		}
		type member struct {
			id, sub string
			funded  int64
			model   []segment
			start   time.Time
		}
		var ms []*member
		for i := range 3 {
			m := &member{id: e.signup(fmt.Sprintf("prop%d", i), social.Member)}
			m.funded = 50_00
			e.fund(m.id, m.funded)
			s := e.subscribe(m.id, plans[r.IntN(len(plans))].ID)
			m.sub, m.model, m.start = s.ID, []segment{{s.Price.Minor, s.PeriodStart}}, s.PeriodStart
			ms = append(ms, m)
		}
		for step := range 60 {
			e.clock.Advance(time.Duration(1+r.IntN(6*24*3600)) * time.Second)
			e.run()
			for _, m := range ms {
				s := e.sub(m.id, m.sub)
				if !s.PeriodStart.Equal(m.start) {
					m.model, m.start = []segment{{s.Price.Minor, s.PeriodStart}}, s.PeriodStart
				}
				switch op := r.IntN(10); {
				case op < 4 && s.Status == billing.Active:
					p := plans[r.IntN(len(plans))]
					got, err := e.bill.ChangePlan(e.ctx, m.id, s.ID, p.ID, e.key())
					if err != nil && !nestegg.Is(err, nestegg.InsufficientFunds) {
						t.Fatalf("step %d: ChangePlan: %v", step, err)
					}
					if err == nil && got.Price.Minor != s.Price.Minor {
						m.model = append(m.model, segment{got.Price.Minor, e.clock.Now()})
					}
				case op == 4 && s.Status == billing.Active:
					if _, err := e.bill.Cancel(e.ctx, m.id, s.ID); err != nil {
						t.Fatalf("step %d: Cancel: %v", step, err)
					}
				case op == 5 && s.Status == billing.Active && s.CancelAtEnd:
					if _, err := e.bill.Resume(e.ctx, m.id, s.ID); err != nil {
						t.Fatalf("step %d: Resume: %v", step, err)
					}
				case op == 6:
					e.fund(m.id, 10_00)
					m.funded += 10_00
				case op == 7 && (s.Status == billing.Lapsed || s.Status == billing.Ended):
					got, err := e.bill.Subscribe(e.ctx, billing.SubscribeInput{UserID: m.id, PlanID: plans[r.IntN(len(plans))].ID, IdempotencyKey: e.key()})
					if err == nil {
						m.model, m.start = []segment{{got.Price.Minor, got.PeriodStart}}, got.PeriodStart
					} else if !nestegg.Is(err, nestegg.InsufficientFunds) {
						t.Fatalf("step %d: Subscribe: %v", step, err)
					}
				}
				s = e.sub(m.id, m.sub)
				checkPeriod(t, e, step, s, m.model)
				var charged int64
				rs, err := e.bill.Receipts(e.ctx, m.id, 500)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range rs {
					charged += c.Amount.Minor
				}
				e.wantBalance(m.id, m.funded-charged)
			}
			e.books()
		}
	})
}

// checkPeriod compares the subscription's current period with the model.
func checkPeriod(t *testing.T, e *env, step int, s billing.Subscription, model []segment) {
	t.Helper()
	length := int64(s.PeriodEnd.Sub(s.PeriodStart) / time.Second)
	worth := new(big.Rat)
	for i, seg := range model {
		to := s.PeriodEnd
		if i+1 < len(model) {
			to = model[i+1].from
		}
		secs := int64(to.Sub(seg.from) / time.Second)
		worth.Add(worth, new(big.Rat).SetFrac64(seg.price*secs, length))
	}
	floor := new(big.Int).Quo(worth.Num(), worth.Denom()).Int64()
	if s.Paid != floor {
		t.Fatalf("step %d: period %v–%v paid %d, worth %s (floor %d); model %v", step, s.PeriodStart, s.PeriodEnd, s.Paid, worth.FloatString(3), floor, model)
	}
	rs, err := e.bill.Receipts(e.ctx, s.UserID, 500)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, c := range rs {
		if c.End.Equal(s.PeriodEnd) && !c.Start.Before(s.PeriodStart) {
			sum += c.Amount.Minor
		}
	}
	if (s.Status == billing.Active || s.Status == billing.PastDue && s.Attempts == 0) && sum != s.Paid {
		t.Fatalf("step %d: period's receipts add up to %d, paid %d", step, sum, s.Paid)
	}
}
