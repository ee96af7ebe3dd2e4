package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/nestegg/nestegg/money"
)

// runTopUp charges a linked card into the wallet: nestegg topup 10 --card
// crd_…. It shows the fee and asks first unless --yes. A decline is an
// error carrying the processor's reason; a card that wants 3-D Secure is
// left for the member to confirm on the web.
func runTopUp(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "topup")
	card := fs.String("card", "", "card id (nestegg funding lists them)")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	key := fs.String("idempotency-key", "", "retry an earlier top-up with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *card == "" {
		fmt.Fprintln(e.stderr, "usage: nestegg topup amount --card id [--yes] [--idempotency-key key]")
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
	var q quote
	if err := c.do(ctx, "GET", "/api/v1/topups/quote?amount="+strconv.FormatInt(amt.Minor, 10), nil, &q); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "Top up %s from card %s: fee %s, %s charged to the card.\n", money.Format(amt), printable(*card), printable(q.FeeDisplay), printable(q.TotalDisplay))
	if !*yes {
		ok, err := confirm(e, "Charge the card?")
		if err != nil || !ok {
			fmt.Fprintln(e.stdout, "Nothing charged.")
			return err
		}
	}
	k, err := idempotencyKey(e, *key)
	if err != nil {
		return err
	}
	var m movement
	in := map[string]any{"card_id": *card, "amount": amt.Minor, "fee": q.Fee}
	if err := c.doHeader(ctx, "POST", "/api/v1/topups", http.Header{"Idempotency-Key": {k}}, in, &m); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusPaymentRequired {
			return fmt.Errorf("declined: %s", ae.Body.Message)
		}
		return explain(err)
	}
	printMovement(e, m)
	return nil
}
