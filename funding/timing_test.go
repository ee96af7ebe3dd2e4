package funding_test

import (
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestExpectedArrivalFollowsTheBanksClock: on the sandbox bank's short
// clock (serve --demo's 5s) funding promises seconds, not the business
// days of the real schedule, so a demo's pages tell the truth.
func TestExpectedArrivalFollowsTheBanksClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := ledger.New(db, ledger.Options{})
		l.Start()
		t.Cleanup(func() { l.Close() })
		comp := compliance.New(db, compliance.DefaultConfig())
		svc := func(opts ...rails.SandboxOption) *funding.Service {
			bank, err := rails.NewSandboxBank("", nil, opts...)
			if err != nil {
				t.Fatal(err)
			}
			cards, err := rails.NewSandboxCards("", nil)
			if err != nil {
				t.Fatal(err)
			}
			f, err := funding.New(db, l, comp, bank, cards, funding.Config{EncryptionKey: make([]byte, 32), Sandbox: true})
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		quick, real := svc(rails.SettleAfter(5*time.Second)), svc()
		if quick.SettleClock() != 5*time.Second || real.SettleClock() != 0 {
			t.Fatalf("settle clock %v and %v, want 5s and 0", quick.SettleClock(), real.SettleClock())
		}
		for _, c := range []struct {
			f      *funding.Service
			kind   funding.Kind
			speed  funding.Speed
			status funding.Status
			want   string
		}{
			// The sandbox clock: a pending entry waits for the next file
			// (every tick) and settles a tick after it; a submitted one
			// a tick.
			{quick, funding.KindDeposit, funding.Standard, funding.StatusPending, "in about 10 seconds"},
			{quick, funding.KindDeposit, funding.Standard, funding.StatusSubmitted, "in about 5 seconds"},
			{quick, funding.KindWithdrawal, funding.Standard, funding.StatusPending, "in about 10 seconds"},
			{quick, funding.KindWithdrawal, funding.Standard, funding.StatusSubmitted, "in about 5 seconds"},
			{quick, funding.KindWithdrawal, funding.Instant, funding.StatusPending, "in minutes"},
			// The real schedule keeps its business days.
			{real, funding.KindDeposit, funding.Standard, funding.StatusPending, "in about a business day"},
			{real, funding.KindWithdrawal, funding.Standard, funding.StatusPending, "in 1 to 3 business days"},
			{real, funding.KindWithdrawal, funding.Standard, funding.StatusSubmitted, "in about a business day"},
			{real, funding.KindWithdrawal, funding.Instant, funding.StatusPending, "in minutes"},
		} {
			if got := c.f.ExpectedArrival(c.kind, c.speed, c.status).String(); got != c.want {
				t.Errorf("%s %s %s on clock %v: %q, want %q", c.kind, c.speed, c.status, c.f.SettleClock(), got, c.want)
			}
		}
		if got := (funding.Arrival{Within: 3 * time.Minute}).String(); got != "in about 3 minutes" {
			t.Errorf("3m: %q", got)
		}
	})
}
