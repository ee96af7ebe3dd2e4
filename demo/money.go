package demo

import (
	"context"
	"fmt"

	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
)

// MoneyResult says what SeedMoney did.
type MoneyResult struct {
	// Total is the sum of the opening balances, in USD cents: the cash
	// the platform holds for the demo's members.
	Total int64
}

// SeedMoney gives each demo member their opening balance (see opening)
// as an operator credit (payments.Service.Credit): money that reached
// the platform outside a rail, so the platform's cash at the bank grows
// by exactly what the members' wallets hold. Withdrawals are paid from
// that cash; without it a demo member's first withdrawal was refused,
// since nothing had settled in.
//
// Call it after Seed, and only on a sandbox install: the credits are
// money from nowhere, and a real bank would pay them out. It is
// idempotent: each credit's key is the member's handle, so running it
// again (every `serve --demo` does) replays the first credits and adds
// nothing. A member missing from the database is an error.
func SeedMoney(ctx context.Context, soc *social.Service, pay *payments.Service) (MoneyResult, error) {
	var res MoneyResult
	usd, err := money.Lookup("USD")
	if err != nil {
		return res, err
	}
	for _, m := range cast {
		amt := opening[m.handle]
		if amt <= 0 {
			continue
		}
		u, err := soc.UserByHandle(ctx, m.handle)
		if err != nil {
			return res, fmt.Errorf("demo: opening balance of @%s: %w", m.handle, err)
		}
		if _, err := pay.Credit(ctx, u.ID, money.Amount{Asset: usd, Minor: amt}, "demo-opening-"+m.handle, "Opening balance of the demo"); err != nil {
			return res, fmt.Errorf("demo: opening balance of @%s: %w", m.handle, err)
		}
		res.Total += amt
	}
	return res, nil
}
