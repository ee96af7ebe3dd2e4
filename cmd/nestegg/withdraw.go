package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/nestegg/nestegg/money"
)

type quote struct {
	Fee          int64  `json:"fee"`
	FeeDisplay   string `json:"fee_display"`
	TotalDisplay string `json:"total_display"`
	Arrives      string `json:"arrives"`
}

// runWithdraw sends money to a bank account: nestegg withdraw 20
// [--instant] [--bank bnk_…]. It shows the fee (asked of the server) and
// asks first unless --yes; the withdrawal repeats that fee, so a fee that
// changed in between is refused, not charged.
func runWithdraw(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "withdraw")
	bank := fs.String("bank", "", "bank account id (default: your only verified one)")
	instant := fs.Bool("instant", false, "arrive in minutes, for a fee")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	key := fs.String("idempotency-key", "", "retry an earlier withdrawal with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "usage: nestegg withdraw amount [--instant] [--bank id] [--yes] [--idempotency-key key]")
		return errUsage
	}
	amt, err := minorUnits(pos[0])
	if err != nil {
		return err
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	id, err := defaultBank(ctx, c, *bank)
	if err != nil {
		return err
	}
	speed := "standard"
	if *instant {
		speed = "instant"
	}
	var quotes map[string]quote
	if err := c.do(ctx, "GET", "/api/v1/withdrawals/quote?amount="+strconv.FormatInt(amt.Minor, 10), nil, &quotes); err != nil {
		return explain(err)
	}
	q := quotes[speed]
	fee := "no fee"
	if q.Fee > 0 {
		fee = "fee " + q.FeeDisplay
	}
	fmt.Fprintf(e.stdout, "Withdraw %s to %s, %s (%s), %s leaves your wallet, arriving %s.\n", money.Format(amt), printable(id), speed, fee, printable(q.TotalDisplay), printable(q.Arrives))
	if !*yes {
		ok, err := confirm(e, "Withdraw?")
		if err != nil || !ok {
			fmt.Fprintln(e.stdout, "Nothing moved.")
			return err
		}
	}
	k, err := idempotencyKey(e, *key)
	if err != nil {
		return err
	}
	var m movement
	in := map[string]any{"bank_account_id": id, "amount": amt.Minor, "speed": speed, "fee": q.Fee}
	if err := c.doHeader(ctx, "POST", "/api/v1/withdrawals", http.Header{"Idempotency-Key": {k}}, in, &m); err != nil {
		return explain(err)
	}
	printMovement(e, m)
	return nil
}
