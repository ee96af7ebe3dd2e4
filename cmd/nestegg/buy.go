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
		Price    int64    `json:"price"`
		Asset    string   `json:"asset"`
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
	// CardCharge is the card charge into the wallet of a buy paid with a
	// card; Message and ConfirmURL come with one whose bank wants 3-D
	// Secure (status "requires_action", no order yet).
	CardCharge *struct {
		ID           string `json:"id"`
		TotalDisplay string `json:"total_display"`
		FeeDisplay   string `json:"fee_display"`
	} `json:"card_charge"`
	Message    string `json:"message"`
	ConfirmURL string `json:"confirm_url"`
}

// runBuy buys one unit of an offer from the wallet, or with --card crd_…
// from a saved card (charged the price plus the card fee, which it shows
// and sends back so that a changed fee is refused): nestegg buy ofr_…
// [--variant M] [--card crd_…]. It shows the price and asks first unless --yes, and buys
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
	card := fs.String("card", "", "pay with this saved card (crd_…; nestegg funding lists them) instead of the wallet")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if (len(pos) != 1) == (*purchase == "") {
		fmt.Fprintln(e.stderr, "usage: nestegg buy ofr_… [--variant V] [--card crd_…] [--yes] [--idempotency-key key]\n       nestegg buy --purchase pin_… [--yes]")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	var question, path string
	var fee *int64
	var shown offer // the offer as the question showed it
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
		shown = o
		question = fmt.Sprintf("Buy %s for %s (%d left)?", printable(what), printable(o.Product.Display), o.Product.Stock)
		if *card != "" {
			var q struct {
				Fee          int64  `json:"fee"`
				FeeDisplay   string `json:"fee_display"`
				TotalDisplay string `json:"total_display"`
			}
			if err := c.do(ctx, "GET", fmt.Sprintf("/api/v1/topups/quote?amount=%d", o.Product.Price), nil, &q); err != nil {
				return explain(err)
			}
			fee = &q.Fee
			question = fmt.Sprintf("Buy %s for %s with card %s (%d left)? The card is charged %s, including a %s card fee.",
				printable(what), printable(o.Product.Display), printable(*card), o.Product.Stock, printable(q.TotalDisplay), printable(q.FeeDisplay))
		}
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
		// The price shown: a price changed since is refused, not charged.
		req := map[string]any{"variant": *variant, "expected_price": shown.Product.Price, "asset": shown.Product.Asset}
		if *card != "" {
			req["payment_method"], req["card_fee"] = "card:"+*card, *fee
		}
		in = req
	}
	var o order
	if err := c.doHeader(ctx, "POST", path, http.Header{"Idempotency-Key": {k}}, in, &o); err != nil {
		return explain(err)
	}
	if o.ID == "" && o.Status == "requires_action" {
		fmt.Fprintf(e.stdout, "%s\nConfirm it (POST %s, or on the Money page), then buy again without --card.\n", printable(o.Message), printable(o.ConfirmURL))
		return nil
	}
	fmt.Fprintf(e.stdout, "Bought %s for %s (%s, %s)\n", printable(o.Title), printable(o.Display), printable(o.ID), printable(o.Status))
	if o.CardCharge != nil {
		fmt.Fprintf(e.stdout, "Your card was charged %s (card fee %s; %s).\n", printable(o.CardCharge.TotalDisplay), printable(o.CardCharge.FeeDisplay), printable(o.CardCharge.ID))
	}
	if o.Content != "" {
		fmt.Fprintf(e.stdout, "Your download: %s\n", printable(o.Content))
	}
	return nil
}
