package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// runRequest asks a member for money: nestegg request @bob 20 --note
// tickets. No money moves until they pay it.
func runRequest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "request")
	note := fs.String("note", "", "what it is for")
	asset := fs.String("asset", "", "asset of a bare number (default the server's, USD)")
	key := fs.String("idempotency-key", "", "retry an earlier request with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fmt.Fprintln(e.stderr, "usage: nestegg request @handle amount [--note text] [--idempotency-key key]")
		return errUsage
	}
	from, amount := "@"+strings.TrimPrefix(pos[0], "@"), pos[1]
	if _, err := showAmount(amount, *asset); err != nil {
		return err
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	k, err := idempotencyKey(e, *key)
	if err != nil {
		return err
	}
	var r struct {
		ID      string `json:"id"`
		Display string `json:"display"`
	}
	in := map[string]string{"from": from, "amount": amount, "asset": *asset, "note": *note}
	if err := c.doHeader(ctx, "POST", "/api/v1/requests", http.Header{"Idempotency-Key": {k}}, in, &r); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "Asked %s for %s (%s)\n", printable(from), printable(r.Display), printable(r.ID))
	return nil
}
