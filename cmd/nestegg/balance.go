package main

import (
	"context"
	"fmt"

	"github.com/nestegg/nestegg/money"
)

// runBalance prints the logged-in member's balances and limits.
func runBalance(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "balance")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	var w struct {
		Balances []struct {
			Asset     string `json:"asset"`
			Available int64  `json:"available"`
			Incoming  int64  `json:"incoming"`
			Outgoing  int64  `json:"outgoing"`
		} `json:"balances"`
		Limits struct {
			Tier        string `json:"tier"`
			Frozen      bool   `json:"frozen"`
			Asset       string `json:"asset"`
			PerTransfer int64  `json:"per_transfer"`
			PerDay      int64  `json:"per_day"`
			UsedDay     int64  `json:"used_day"`
		} `json:"limits"`
	}
	if err := c.do(ctx, "GET", "/api/v1/wallet", nil, &w); err != nil {
		return explain(err)
	}
	for _, b := range w.Balances {
		a, err := money.Lookup(b.Asset)
		if err != nil {
			return fmt.Errorf("the server sent an unknown asset %q", printable(b.Asset))
		}
		f := func(minor int64) string { return money.Format(money.Amount{Asset: a, Minor: minor}) }
		fmt.Fprintf(e.stdout, "%-5s %s available", a.Code, f(b.Available))
		if b.Incoming > 0 {
			fmt.Fprintf(e.stdout, ", %s on hold to you", f(b.Incoming))
		}
		if b.Outgoing > 0 {
			fmt.Fprintf(e.stdout, ", %s on hold from you", f(b.Outgoing))
		}
		fmt.Fprintln(e.stdout)
	}
	l := w.Limits
	if a, err := money.Lookup(l.Asset); err == nil && l.Tier != "" {
		f := func(minor int64) string { return money.Format(money.Amount{Asset: a, Minor: minor}) }
		fmt.Fprintf(e.stdout, "Limits (%s): %s a payment, %s a day (%s used today)\n",
			printable(l.Tier), f(l.PerTransfer), f(l.PerDay), f(l.UsedDay))
	}
	if l.Frozen {
		fmt.Fprintln(e.stdout, "Your account is frozen: you cannot send money. Contact the operator.")
	}
	return nil
}
