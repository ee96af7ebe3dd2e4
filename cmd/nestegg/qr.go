package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nestegg/nestegg/money"
)

// qrCode and qrPayment are the parts of the API's QRCode and QRPayment the
// CLI shows.
type qrCode struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Merchant string `json:"merchant"`
	Amount   int64  `json:"amount"`
	Asset    string `json:"asset"`
	Display  string `json:"display"`
	Status   string `json:"status"`
	URL      string `json:"url"`
	Token    string `json:"token"`
}

type qrPayment struct {
	ID          string `json:"id"`
	Payer       string `json:"payer"`
	Merchant    string `json:"merchant"`
	Display     string `json:"display"`
	Tip         int64  `json:"tip"`
	Status      string `json:"status"`
	Settled     bool   `json:"settled"`
	Description string `json:"description"`
	CardCharge  *struct {
		ID string `json:"id"`
	} `json:"card_charge"`
}

// runQR is in-store QR payments from the terminal:
//
//	nestegg qr code 4.50 [--note "2 lattes"] [--minutes 15]   a code for one sale (a business)
//	nestegg qr takings [--day 2026-12-03]                    the day's counter takings (a business)
//	nestegg qr refund qrp_…                                  refund a counter payment in full (a business)
//	nestegg qr pay URL [AMOUNT] [--tip 1] [--card crd_…]      pay a code, after showing what it costs
//
// Money leaves only after a confirmation (unless --yes), under an
// Idempotency-Key printed first so that a retry with --idempotency-key
// never pays twice.
func runQR(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "qr")
	note := fs.String("note", "", "what the sale is for")
	minutes := fs.Int("minutes", 15, "how long the sale's code lasts, 1 to 1440")
	day := fs.String("day", "", "the UTC day of the takings, such as 2026-12-03 (default today)")
	tip := fs.String("tip", "", "a tip on top, all of it the business's")
	card := fs.String("card", "", "pay with this saved card (nestegg funding lists them) instead of the wallet")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	key := fs.String("idempotency-key", "", "retry an earlier request with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	usage := func() error {
		fmt.Fprintln(e.stderr, "usage: nestegg qr code AMOUNT [--note text] [--minutes N] | takings [--day YYYY-MM-DD] | refund qrp_… | pay URL [AMOUNT] [--tip T] [--card crd_…]")
		return errUsage
	}
	if len(pos) == 0 {
		return usage()
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	switch {
	case pos[0] == "code" && len(pos) == 2:
		if *minutes < 1 || *minutes > 1440 {
			return fmt.Errorf("--minutes is 1 to 1440")
		}
		amt, err := minorUnits(pos[1])
		if err != nil {
			return err
		}
		k, err := idempotencyKey(e, *key)
		if err != nil {
			return err
		}
		var code qrCode
		in := map[string]any{"amount": amt.Minor, "description": *note, "ttl_seconds": *minutes * 60}
		if err := c.doHeader(ctx, "POST", "/api/v1/qr-codes", http.Header{"Idempotency-Key": {k}}, in, &code); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "A code for %s (%s), for %d minutes: show the customer\n%s\n", printable(code.Display), printable(code.ID), *minutes, printable(code.URL))
	case pos[0] == "takings" && len(pos) == 1:
		path := "/api/v1/qr-payments"
		if *day != "" {
			path += "?day=" + url.QueryEscape(*day)
		}
		var t struct {
			Day      string      `json:"day"`
			Asset    string      `json:"asset"`
			Count    int         `json:"count"`
			Sales    int64       `json:"sales"`
			Tips     int64       `json:"tips"`
			Fees     int64       `json:"fees"`
			Refunded int64       `json:"refunded"`
			Net      int64       `json:"net"`
			Payments []qrPayment `json:"payments"`
		}
		if err := c.do(ctx, "GET", path, nil, &t); err != nil {
			return explain(err)
		}
		f := func(minor int64) string { return formatMinor(minor, t.Asset) }
		fmt.Fprintf(e.stdout, "Takings on %s: %d payments, sales %s, tips %s, fee %s, refunded %s, yours %s\n",
			printable(t.Day), t.Count, f(t.Sales), f(t.Tips), f(t.Fees), f(t.Refunded), f(t.Net))
		for _, p := range t.Payments {
			state := p.Status
			if p.Status == "paid" && p.Settled {
				state = "settled"
			}
			fmt.Fprintf(e.stdout, "  %s  %s from @%s  %s\n", printable(p.ID), printable(p.Display), printable(p.Payer), printable(state))
		}
	case pos[0] == "refund" && len(pos) == 2:
		if !*yes {
			ok, err := confirm(e, fmt.Sprintf("Refund counter payment %s in full?", printable(pos[1])))
			if err != nil || !ok {
				fmt.Fprintln(e.stdout, "Not refunded.")
				return err
			}
		}
		k, err := idempotencyKey(e, *key)
		if err != nil {
			return err
		}
		var p qrPayment
		if err := c.doHeader(ctx, "POST", "/api/v1/qr-payments/"+url.PathEscape(pos[1])+"/refund", http.Header{"Idempotency-Key": {k}}, nil, &p); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "Refunded %s to @%s (%s)\n", printable(p.Display), printable(p.Payer), printable(p.ID))
	case pos[0] == "pay" && (len(pos) == 2 || len(pos) == 3):
		return payQR(ctx, e, c, pos[1:], *tip, *card, *yes, *key)
	default:
		return usage()
	}
	return nil
}

// payQR shows what paying a code costs — the business, the amount, the
// tip and, with a card, the card fee — asks, then pays once.
func payQR(ctx context.Context, e *env, c *apiClient, pos []string, tipText, card string, yes bool, key string) error {
	token := pos[0]
	if i := strings.LastIndex(token, "/q/"); i >= 0 {
		token = token[i+3:]
	}
	var code qrCode
	if err := c.do(ctx, "GET", "/api/v1/qr/"+url.PathEscape(token), nil, &code); err != nil {
		return explain(err)
	}
	if code.Status != "active" {
		return fmt.Errorf("this code is %s; ask the business for a new one", printable(code.Status))
	}
	amount := code.Amount
	in := map[string]any{"token": token}
	switch {
	case code.Kind == "static" && len(pos) != 2:
		return fmt.Errorf("this is a counter code: give the amount the business asked for (nestegg qr pay URL 4.50)")
	case code.Kind == "static":
		a, err := minorUnits(pos[1])
		if err != nil {
			return err
		}
		amount = a.Minor
		in["amount"] = a.Minor
	case len(pos) == 2:
		return fmt.Errorf("this code is for %s: give no amount", printable(code.Display))
	}
	var tip int64
	if tipText != "" {
		t, err := money.Parse(tipText, "USD")
		if err != nil || t.Minor < 0 {
			return fmt.Errorf("tip %q: an amount such as 1.50", tipText)
		}
		tip = t.Minor
		in["tip"] = tip
	}
	total := amount + tip
	line := fmt.Sprintf("Pay @%s %s", printable(code.Merchant), formatMinor(amount, code.Asset))
	if tip > 0 {
		line += " and a " + formatMinor(tip, code.Asset) + " tip"
	}
	if card != "" {
		var q quote
		if err := c.do(ctx, "GET", "/api/v1/topups/quote?amount="+strconv.FormatInt(total, 10), nil, &q); err != nil {
			return explain(err)
		}
		in["payment_method"], in["card_fee"] = "card:"+card, q.Fee
		line += fmt.Sprintf(" with card %s: card fee %s, %s charged to the card", printable(card), printable(q.FeeDisplay), printable(q.TotalDisplay))
	} else {
		line += fmt.Sprintf(" from your wallet: %s, no fee", formatMinor(total, code.Asset))
	}
	fmt.Fprintln(e.stdout, line+".")
	if !yes {
		ok, err := confirm(e, "Pay?")
		if err != nil || !ok {
			fmt.Fprintln(e.stdout, "Not paid.")
			return err
		}
	}
	k, err := idempotencyKey(e, key)
	if err != nil {
		return err
	}
	var p qrPayment
	if err := c.doHeader(ctx, "POST", "/api/v1/qr-payments", http.Header{"Idempotency-Key": {k}}, in, &p); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusPaymentRequired {
			return fmt.Errorf("declined: %s", ae.Body.Message)
		}
		return explain(err)
	}
	if p.ID == "" {
		return fmt.Errorf("your card's bank wants you to confirm this payment (3-D Secure) on the web; nothing is paid yet")
	}
	fmt.Fprintf(e.stdout, "Paid %s to @%s (%s)\n", printable(p.Display), printable(p.Merchant), printable(p.ID))
	return nil
}

// formatMinor formats minor units of an asset code for people.
func formatMinor(minor int64, code string) string {
	a, err := money.Lookup(code)
	if err != nil {
		return strconv.FormatInt(minor, 10) + " " + code
	}
	return money.Format(money.Amount{Asset: a, Minor: minor})
}
