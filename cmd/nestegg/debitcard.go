package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// debitCardJSON is the part of the API's debit card the CLI shows: never
// a number (the API has none to give).
type debitCardJSON struct {
	ID       string `json:"id"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
	Status   string `json:"status"`
	Controls struct {
		PerPurchaseLimit  int64    `json:"per_purchase_limit"`
		DailyLimit        int64    `json:"daily_limit"`
		BlockedCategories []string `json:"blocked_categories"`
		Online            bool     `json:"online"`
		ATM               bool     `json:"atm"`
	} `json:"controls"`
}

// runDebitCard is the member's debit card (the newest, or --id's):
//
//	nestegg card issue | show | freeze | unfreeze | reveal | transactions
//	nestegg card limits --per-purchase 100 --daily 250 --block 7995 --online off
//	nestegg card simulate --merchant "Bean There Café" --amount 4.50   (sandbox)
//	nestegg card capture iauth_… [--amount 5.25]                     (sandbox)
func runDebitCard(ctx context.Context, e *env, sub string, args []string) error {
	fs := newFlags(e, "card "+sub)
	// Each subcommand takes its own flags only.
	var id, key, merchant, amount, category, channel, perPurchase, daily, block, online, atm string
	if sub != "issue" && sub != "capture" {
		fs.StringVar(&id, "id", "", "the card (default your newest)")
	}
	switch sub {
	case "simulate":
		fs.StringVar(&merchant, "merchant", "", "the merchant's name")
		fs.StringVar(&amount, "amount", "", "the purchase's amount, such as 4.50")
		fs.StringVar(&category, "category", "", "the merchant's category code (default 5812, restaurants)")
		fs.StringVar(&channel, "channel", "", "in_person (default), online or atm")
		fs.StringVar(&key, "idempotency-key", "", "retry an earlier purchase with the key it printed")
	case "capture":
		fs.StringVar(&amount, "amount", "", "the amount captured (default as authorized; more for a tip)")
		fs.StringVar(&key, "idempotency-key", "", "retry an earlier capture with the key it printed")
	case "limits":
		fs.StringVar(&perPurchase, "per-purchase", "", "the most one purchase may be (0: no limit)")
		fs.StringVar(&daily, "daily", "", "the most a day's purchases may be (0: no limit)")
		fs.StringVar(&block, "block", "", "merchant category codes to decline, comma-separated (--block= unblocks all)")
		fs.StringVar(&online, "online", "", "online purchases: on or off")
		fs.StringVar(&atm, "atm", "", "ATM withdrawals: on or off")
	}
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	want := 0
	if sub == "capture" {
		want = 1
	}
	if len(pos) != want {
		fmt.Fprintf(e.stderr, "usage: nestegg card %s (see nestegg card -h)\n", sub)
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	if sub == "issue" {
		var card debitCardJSON
		if err := c.do(ctx, "POST", "/api/v1/debit-cards", nil, &card); err != nil {
			return explain(err)
		}
		fmt.Fprintln(e.stdout, "Your virtual card is ready.")
		printDebitCard(e, card)
		return nil
	}
	if sub == "capture" {
		k, err := idempotencyKey(e, key)
		if err != nil {
			return err
		}
		body := map[string]string{}
		if amount != "" {
			body["amount"] = amount
		}
		var res struct {
			Amount int64 `json:"amount"`
		}
		if err := c.doHeader(ctx, "POST", "/api/v1/debit-cards/authorizations/"+url.PathEscape(pos[0])+"/capture", http.Header{"Idempotency-Key": {k}}, body, &res); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "Captured %s.\n", cents(res.Amount))
		return nil
	}
	cardID := id
	if cardID == "" {
		var list struct {
			Data []debitCardJSON `json:"data"`
		}
		if err := c.do(ctx, "GET", "/api/v1/debit-cards", nil, &list); err != nil {
			return explain(err)
		}
		if len(list.Data) == 0 {
			fmt.Fprintln(e.stdout, "You have no debit card yet: nestegg card issue")
			if sub == "show" {
				return nil
			}
			return errors.New("no debit card")
		}
		cardID = list.Data[0].ID
	}
	base := "/api/v1/debit-cards/" + url.PathEscape(cardID)
	switch sub {
	case "show":
		var card debitCardJSON
		if err := c.do(ctx, "GET", base, nil, &card); err != nil {
			return explain(err)
		}
		printDebitCard(e, card)
	case "freeze", "unfreeze":
		var card debitCardJSON
		if err := c.do(ctx, "POST", base+"/"+sub, nil, &card); err != nil {
			return explain(err)
		}
		printDebitCard(e, card)
	case "reveal":
		var rv struct {
			URL          string    `json:"url"`
			EphemeralKey string    `json:"ephemeral_key"`
			ExpiresAt    time.Time `json:"expires_at"`
		}
		if err := c.do(ctx, "POST", base+"/reveal", nil, &rv); err != nil {
			return explain(err)
		}
		if rv.URL == "" {
			fmt.Fprintln(e.stdout, "Your card's number is shown in the card issuer's app.")
			return nil
		}
		fmt.Fprintf(e.stdout, "Open this link, signed in, within %s to see the number once (the issuer's page; Nestegg never sees it):\n%s%s\n",
			time.Until(rv.ExpiresAt).Round(time.Minute), c.url, printable(rv.URL))
	case "transactions":
		var page struct {
			Data []struct {
				ID           string    `json:"id"`
				Type         string    `json:"type"`
				Merchant     string    `json:"merchant"`
				CategoryName string    `json:"category_name"`
				Status       string    `json:"status"`
				Reason       string    `json:"reason"`
				CreatedAt    time.Time `json:"created_at"`
				Amount       struct {
					Display string `json:"display"`
				} `json:"amount"`
			} `json:"data"`
		}
		if err := c.do(ctx, "GET", base+"/transactions", nil, &page); err != nil {
			return explain(err)
		}
		if len(page.Data) == 0 {
			fmt.Fprintln(e.stdout, "No purchases yet.")
		}
		for _, l := range page.Data {
			st := l.Status
			if l.Reason != "" {
				st += " (" + l.Reason + ")"
			}
			fmt.Fprintf(e.stdout, "%s  %-28s %-22s %10s  %s  %s\n", l.CreatedAt.Format("2006-01-02 15:04"), printable(l.Merchant), printable(l.CategoryName),
				printable(l.Amount.Display), printable(st), printable(l.ID))
		}
	case "limits":
		body := map[string]any{}
		if perPurchase != "" {
			body["per_purchase_limit"] = limitArg(perPurchase)
		}
		if daily != "" {
			body["daily_limit"] = limitArg(daily)
		}
		blockGiven := false
		fs.Visit(func(f *flag.Flag) { blockGiven = blockGiven || f.Name == "block" })
		if blockGiven {
			codes := []string{}
			for _, c := range strings.Split(block, ",") {
				if c = strings.TrimSpace(c); c != "" {
					codes = append(codes, c)
				}
			}
			body["blocked_categories"] = codes
		}
		for name, v := range map[string]string{"online": online, "atm": atm} {
			switch v {
			case "":
			case "on":
				body[name] = true
			case "off":
				body[name] = false
			default:
				return fmt.Errorf("--%s is on or off", name)
			}
		}
		var card debitCardJSON
		if err := c.do(ctx, "PATCH", base+"/controls", body, &card); err != nil {
			return explain(err)
		}
		printDebitCard(e, card)
	case "simulate":
		if merchant == "" || amount == "" {
			return errors.New(`nestegg card simulate: --merchant and --amount are required, such as --merchant "Bean There Café" --amount 4.50`)
		}
		k, err := idempotencyKey(e, key)
		if err != nil {
			return err
		}
		var a struct {
			ID       string `json:"id"`
			Approved bool   `json:"approved"`
			Amount   int64  `json:"amount"`
			Reason   string `json:"reason"`
			Merchant string `json:"merchant"`
		}
		body := map[string]string{"merchant": merchant, "amount": amount, "category": category, "channel": channel}
		if err := c.doHeader(ctx, "POST", base+"/simulate", http.Header{"Idempotency-Key": {k}}, body, &a); err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.Status == http.StatusForbidden {
				return errors.New("this server's card issuer is real: purchases are simulated only in sandbox mode")
			}
			return explain(err)
		}
		if !a.Approved {
			fmt.Fprintf(e.stdout, "Declined at %s: %s.\n", printable(a.Merchant), printable(strings.ReplaceAll(a.Reason, "_", " ")))
			return nil
		}
		fmt.Fprintf(e.stdout, "Approved %s at %s, pending until captured (%s).\n", cents(a.Amount), printable(a.Merchant), printable(a.ID))
		fmt.Fprintf(e.stdout, "Capture it with: nestegg card capture %s [--amount 5.25]\n", printable(a.ID))
	}
	return nil
}

// limitArg sends "0" as no limit, anything else as typed ("$50", "50").
func limitArg(s string) any {
	if strings.TrimSpace(s) == "0" {
		return 0
	}
	return s
}

func printDebitCard(e *env, c debitCardJSON) {
	fmt.Fprintf(e.stdout, "%s •••• %s  exp %02d/%02d  %s  (%s)\n", printable(strings.ToUpper(c.Brand)), printable(c.Last4), c.ExpMonth, c.ExpYear%100, printable(c.Status), printable(c.ID))
	lim := func(n int64) string {
		if n == 0 {
			return "none"
		}
		return cents(n)
	}
	onOff := map[bool]string{true: "on", false: "off"}
	blocked := "none"
	if len(c.Controls.BlockedCategories) > 0 {
		blocked = strings.Join(c.Controls.BlockedCategories, ", ")
	}
	fmt.Fprintf(e.stdout, "Limits: %s a purchase, %s a day · blocked categories: %s · online %s · ATM %s\n",
		lim(c.Controls.PerPurchaseLimit), lim(c.Controls.DailyLimit), printable(blocked), onOff[c.Controls.Online], onOff[c.Controls.ATM])
}

// cents shows minor units of USD.
func cents(n int64) string { return fmt.Sprintf("$%d.%02d", n/100, n%100) }
