package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// runHistory prints the logged-in member's payments and refunds, newest
// first, a page at a time.
func runHistory(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "history")
	limit := fs.Int("limit", 20, "how many entries (1 to 100)")
	cursor := fs.String("cursor", "", "continue from where a previous page ended")
	kind := fs.String("kind", "", "only these kinds, comma-separated: send, tip, award, coin_buy, coin_redeem, credit, refund")
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
	if *kind != "" {
		q.Set("kind", *kind)
	}
	var page struct {
		Data []struct {
			ID                 string    `json:"id"`
			Kind               string    `json:"kind"`
			Direction          string    `json:"direction"`
			CounterpartyHandle string    `json:"counterparty_handle"`
			Display            string    `json:"display"`
			Note               string    `json:"note"`
			Status             string    `json:"status"`
			At                 time.Time `json:"at"`
		} `json:"data"`
		NextCursor string `json:"next_cursor"`
		HasMore    bool   `json:"has_more"`
	}
	if err := c.do(ctx, "GET", "/api/v1/wallet/history?"+q.Encode(), nil, &page); err != nil {
		return explain(err)
	}
	if len(page.Data) == 0 && *cursor == "" {
		fmt.Fprintln(e.stdout, "No payments yet.")
	}
	for _, en := range page.Data {
		sign, who := "+", "from"
		if en.Direction == "sent" {
			sign, who = "-", "to"
		}
		party := "Nestegg"
		if en.CounterpartyHandle != "" {
			party = "@" + en.CounterpartyHandle
		}
		line := fmt.Sprintf("%s  %s%s  %s %s %s", en.At.Local().Format("2006-01-02 15:04"), sign, en.Display, en.Kind, who, party)
		if en.Status != "completed" {
			line += " (" + en.Status + ")"
		}
		if en.Note != "" {
			line += " · " + en.Note
		}
		fmt.Fprintf(e.stdout, "%s  %s\n", printable(line), printable(en.ID))
	}
	if page.HasMore {
		fmt.Fprintf(e.stdout, "more: nestegg history --cursor %s\n", printable(page.NextCursor))
	}
	return nil
}
