package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
)

// runOrders lists the caller's orders, newest first: what they bought
// (and gifts bought for them), or with --sold what their shop sold.
func runOrders(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "orders")
	sold := fs.Bool("sold", false, "list what your shop sold instead of what you bought")
	limit := fs.Int("limit", 50, "how many orders, 1 to 200")
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	role := "buyer"
	if *sold {
		role = "merchant"
	}
	var page struct {
		Data []order `json:"data"`
	}
	if err := c.do(ctx, "GET", fmt.Sprintf("/api/v1/orders?role=%s&limit=%d", role, *limit), nil, &page); err != nil {
		return explain(err)
	}
	if len(page.Data) == 0 {
		fmt.Fprintln(e.stdout, "No orders yet.")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tWHEN\tWHAT\tPRICE\tSTATUS\tNOTE")
	for _, o := range page.Data {
		var note []string
		if o.Gift {
			note = append(note, "gift")
		}
		if o.Variant != "" {
			note = append(note, o.Variant)
		}
		if o.Tracking != "" {
			note = append(note, "tracking "+o.Tracking)
		}
		if o.Refunded > 0 {
			note = append(note, "part refunded")
		}
		when := o.CreatedAt
		if len(when) >= 16 {
			when = strings.Replace(when[:16], "T", " ", 1)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", printable(o.ID), printable(when), printable(o.Title), printable(o.Display),
			printable(o.Status), printable(strings.Join(note, ", ")))
	}
	return tw.Flush()
}
