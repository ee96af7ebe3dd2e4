package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// stmtLine is a statement line as the API sends it (GET
// /api/v1/wallet/statement and /api/v1/wallet/statements/{month}).
type stmtLine struct {
	Reference          string    `json:"reference"`
	Label              string    `json:"label"`
	Direction          string    `json:"direction"`
	CounterpartyHandle string    `json:"counterparty_handle"`
	Note               string    `json:"note"`
	Display            string    `json:"display"`
	Status             string    `json:"status"`
	BalanceDisplay     string    `json:"balance_display"`
	At                 time.Time `json:"at"`
}

// String is the line as history and statement print it: when, the signed
// amount, what it was and with whom, and the balance after it.
func (l stmtLine) String() string {
	s := fmt.Sprintf("%s  %s  %s", l.At.Local().Format("2006-01-02 15:04"), l.Display, l.Label)
	if l.CounterpartyHandle != "" {
		who := "from"
		if l.Direction == "out" {
			who = "to"
		}
		s += " " + who + " @" + l.CounterpartyHandle
	}
	if l.Note != "" {
		s += " · " + l.Note
	}
	switch l.Status {
	case "pending":
		s += " (pending: not in the balance yet)"
	case "voided":
		s += " (released: moved nothing)"
	}
	s += "  balance " + l.BalanceDisplay
	if l.Reference != "" {
		s += "  " + l.Reference
	}
	return printable(s)
}

// runHistory prints the logged-in member's statement, newest first, a page
// at a time: every movement touching their wallet — payments, purchases
// and sales, top-ups, deposits, withdrawals, refunds and fees — with the
// balance after each.
func runHistory(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "history")
	limit := fs.Int("limit", 20, "how many lines (1 to 100)")
	cursor := fs.String("cursor", "", "continue from where a previous page ended")
	asset := fs.String("asset", "", "the wallet's asset (USD, COIN); default the server's first")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *limit < 1 || *limit > 100 {
		fmt.Fprintln(e.stderr, "nestegg history: --limit must be from 1 to 100")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	q := url.Values{"limit": {strconv.Itoa(*limit)}}
	if *cursor != "" {
		q.Set("cursor", *cursor)
	}
	if *asset != "" {
		q.Set("asset", *asset)
	}
	var page struct {
		Data       []stmtLine `json:"data"`
		NextCursor string     `json:"next_cursor"`
		HasMore    bool       `json:"has_more"`
	}
	if err := c.do(ctx, "GET", "/api/v1/wallet/statement?"+q.Encode(), nil, &page); err != nil {
		return explain(err)
	}
	if len(page.Data) == 0 && *cursor == "" {
		fmt.Fprintln(e.stdout, "No money has moved yet.")
	}
	for _, l := range page.Data {
		fmt.Fprintln(e.stdout, l)
	}
	if page.HasMore {
		more := "nestegg history --cursor " + page.NextCursor
		if *asset != "" {
			more += " --asset " + *asset
		}
		fmt.Fprintln(e.stdout, "more:", printable(more))
	}
	return nil
}
