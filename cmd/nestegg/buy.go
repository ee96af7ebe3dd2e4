package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// offer is the part of the API's Offer the CLI shows.
type offer struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Hashtag string `json:"hashtag"`
	Product struct {
		Title    string   `json:"title"`
		Display  string   `json:"display"`
		Stock    int64    `json:"stock"`
		Variants []string `json:"variants"`
	} `json:"product"`
}

// order is the part of the API's Order the CLI shows.
type order struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Display   string `json:"display"`
	Status    string `json:"status"`
	Variant   string `json:"variant"`
	Gift      bool   `json:"gift"`
	Tracking  string `json:"tracking"`
	Content   string `json:"content"`
	BuyerID   string `json:"buyer_id"`
	Refunded  int64  `json:"refunded"`
	Via       string `json:"via"`
	CreatedAt string `json:"created_at"`
}

// runBuy buys one unit of an offer from the wallet: nestegg buy ofr_…
// [--variant M]. It shows the price and asks first unless --yes, and buys
// with an Idempotency-Key that it prints, so that a buy whose answer was
// lost can be retried with --idempotency-key and never charges twice.
// --purchase pin_… confirms a purchase a post asked for (a buy hashtag or
// a gift) instead.
func runBuy(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "buy")
	variant := fs.String("variant", "", "the variant to buy, when the product has some")
	purchase := fs.String("purchase", "", "confirm this pending purchase (pin_…) instead of buying an offer")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	key := fs.String("idempotency-key", "", "retry an earlier buy with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if (len(pos) != 1) == (*purchase == "") {
		fmt.Fprintln(e.stderr, "usage: nestegg buy ofr_… [--variant V] [--yes] [--idempotency-key key]\n       nestegg buy --purchase pin_… [--yes]")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	var question, path string
	if *purchase != "" {
		question = fmt.Sprintf("Confirm purchase %s?", printable(*purchase))
		path = "/api/v1/purchases/" + url.PathEscape(*purchase) + "/confirm"
	} else {
		var o offer
		if err := c.do(ctx, "GET", "/api/v1/offers/"+url.PathEscape(pos[0]), nil, &o); err != nil {
			return explain(err)
		}
		if o.Status != "live" {
			return fmt.Errorf("this offer has ended")
		}
		what := o.Product.Title
		if *variant != "" {
			what += " (" + *variant + ")"
		} else if len(o.Product.Variants) > 0 {
			return fmt.Errorf("choose a variant with --variant: %s", strings.Join(o.Product.Variants, ", "))
		}
		question = fmt.Sprintf("Buy %s for %s (%d left)?", printable(what), printable(o.Product.Display), o.Product.Stock)
		path = "/api/v1/offers/" + url.PathEscape(o.ID) + "/buy"
	}
	if !*yes {
		ok, err := confirm(e, question)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(e.stdout, "Not bought.")
			return nil
		}
	}
	k, err := idempotencyKey(e, *key)
	if err != nil {
		return err
	}
	var in any
	if *purchase == "" {
		in = map[string]string{"variant": *variant}
	}
	var o order
	if err := c.doHeader(ctx, "POST", path, http.Header{"Idempotency-Key": {k}}, in, &o); err != nil {
		return explain(err)
	}
	fmt.Fprintf(e.stdout, "Bought %s for %s (%s, %s)\n", printable(o.Title), printable(o.Display), printable(o.ID), printable(o.Status))
	if o.Content != "" {
		fmt.Fprintf(e.stdout, "Your download: %s\n", printable(o.Content))
	}
	return nil
}
