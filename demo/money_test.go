package demo_test

import (
	"context"
	"testing"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/demo"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestSeedMoney: the demo's members open with balances, and the
// platform's cash holds exactly their sum (so that withdrawals can be
// paid); seeding again adds nothing. The books audit clean.
func TestSeedMoney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, err := demo.Seed(ctx, db, demo.Options{Argon2: tiny})
		if err != nil {
			t.Fatal(err)
		}
		soc := social.New(db, social.Options{Argon2: tiny})
		l := ledger.New(db, ledger.Options{})
		l.Start()
		t.Cleanup(func() { l.Close() })
		comp := compliance.New(db, compliance.DefaultConfig())
		pay, err := payments.New(db, l, soc, comp, payments.Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { movementtest.Audit(t, movement.New(db, l, comp, nil)) })
		var first demo.MoneyResult
		for i := 0; i < 2; i++ {
			m, err := demo.SeedMoney(ctx, soc, pay)
			if err != nil {
				t.Fatalf("SeedMoney #%d: %v", i+1, err)
			}
			if i == 0 {
				first = m
			}
			var sum int64
			for _, h := range res.Handles {
				u, err := soc.UserByHandle(ctx, h)
				if err != nil {
					t.Fatal(err)
				}
				b, err := pay.Balance(ctx, u.ID, "USD")
				if err != nil {
					t.Fatal(err)
				}
				if b.Minor <= 0 {
					t.Errorf("@%s opens with %d", h, b.Minor)
				}
				sum += b.Minor
			}
			cash, err := l.PlatformAccount(ctx, "USD", ledger.KindCash)
			if err != nil {
				t.Fatal(err)
			}
			if got := cash.DebitsPosted - cash.CreditsPosted; got != sum || sum != first.Total {
				t.Fatalf("after seeding %d times: platform cash %d, members hold %d, SeedMoney said %d; want all equal", i+1, got, sum, first.Total)
			}
		}
	})
}
