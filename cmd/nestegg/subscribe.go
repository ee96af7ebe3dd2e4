package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// planJSON is the part of the API's Plan the CLI shows.
type planJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Period    string `json:"period"`
	Display   string `json:"display"`
	SeatPrice int64  `json:"seat_price"`
	Benefits  string `json:"benefits"`
}

// subscriptionJSON is the part of the API's Subscription the CLI shows.
type subscriptionJSON struct {
	ID          string     `json:"id"`
	Product     string     `json:"product"`
	PlanName    string     `json:"plan_name"`
	Status      string     `json:"status"`
	Display     string     `json:"display"`
	PeriodEnd   time.Time  `json:"period_end"`
	CancelAtEnd bool       `json:"cancel_at_period_end"`
	NextCharge  *time.Time `json:"next_charge_at"`
	Payment     string     `json:"payment_method"`
	Seats       int        `json:"seats"`
}

// runPlans lists what one may subscribe to: Premium's plans, a creator's
// tiers (--creator @handle) or the organization tier (--organization).
func runPlans(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plans")
	creator := fs.String("creator", "", "a creator's tiers: their @handle")
	org := fs.Bool("organization", false, "the organization tier (business profiles)")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fmt.Fprintln(e.stderr, "usage: nestegg plans [--creator @handle | --organization]")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	q := "?product=premium"
	switch {
	case *creator != "":
		q = "?creator=" + url.QueryEscape(strings.TrimPrefix(*creator, "@"))
	case *org:
		q = "?product=organization"
	}
	var res struct {
		Data []planJSON `json:"data"`
	}
	if err := c.do(ctx, "GET", "/api/v1/plans"+q, nil, &res); err != nil {
		return explain(err)
	}
	if len(res.Data) == 0 {
		fmt.Fprintln(e.stdout, "No plans are offered.")
		return nil
	}
	for _, p := range res.Data {
		seat := ""
		if p.SeatPrice > 0 {
			seat = " (plus each affiliate seat)"
		}
		fmt.Fprintf(e.stdout, "%-30s %s a %s%s  %s\n", printable(p.ID), printable(p.Display), printable(p.Period), seat, printable(p.Name))
	}
	fmt.Fprintln(e.stdout, "Subscribe with: nestegg subscribe PLAN_ID")
	return nil
}

// runSubscribe subscribes to a plan, or changes the subscription of its
// product to it. It shows what is charged now (asked of the server) and
// asks first unless --yes.
func runSubscribe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "subscribe")
	card := fs.String("card", "", "pay with this saved card (crd_…) instead of the wallet")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	key := fs.String("idempotency-key", "", "retry an earlier subscription with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "usage: nestegg subscribe PLAN_ID [--card crd_…] [--yes] [--idempotency-key key]   (nestegg plans lists them)")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	var q struct {
		Plan       planJSON          `json:"plan"`
		NowDisplay string            `json:"now_display"`
		AtOnce     bool              `json:"at_once"`
		From       time.Time         `json:"from"`
		Renews     time.Time         `json:"renews_at"`
		Current    *subscriptionJSON `json:"current"`
	}
	if err := c.do(ctx, "GET", "/api/v1/subscriptions/quote?plan_id="+url.QueryEscape(pos[0]), nil, &q); err != nil {
		return explain(err)
	}
	switch {
	case q.Current != nil && !q.AtOnce:
		fmt.Fprintf(e.stdout, "Change %s to %s (%s a %s) on %s; nothing is charged now.\n", printable(q.Current.PlanName), printable(q.Plan.Name),
			printable(q.Plan.Display), printable(q.Plan.Period), cliDay(q.From))
	case q.Current != nil:
		fmt.Fprintf(e.stdout, "Upgrade %s to %s now: %s for the rest of this period, then %s a %s from %s.\n", printable(q.Current.PlanName),
			printable(q.Plan.Name), printable(q.NowDisplay), printable(q.Plan.Display), printable(q.Plan.Period), cliDay(q.Renews))
	default:
		from := "your wallet"
		if *card != "" {
			from = "your card " + printable(*card) + " (a card fee is added)"
		}
		fmt.Fprintf(e.stdout, "Subscribe to %s: %s now from %s, then every %s from %s. Cancel any time.\n", printable(q.Plan.Name),
			printable(q.NowDisplay), from, printable(q.Plan.Period), cliDay(q.Renews))
	}
	if !*yes {
		ok, err := confirm(e, "Go ahead?")
		if err != nil || !ok {
			fmt.Fprintln(e.stdout, "Nothing was charged.")
			return err
		}
	}
	k, err := idempotencyKey(e, *key)
	if err != nil {
		return err
	}
	var sub subscriptionJSON
	h := http.Header{"Idempotency-Key": {k}}
	if q.Current != nil {
		err = c.doHeader(ctx, "POST", "/api/v1/subscriptions/"+url.PathEscape(q.Current.ID)+"/plan", h, map[string]string{"plan_id": q.Plan.ID}, &sub)
	} else {
		in := map[string]string{"plan_id": q.Plan.ID}
		if *card != "" {
			in["payment_method"] = "card:" + *card
		}
		err = c.doHeader(ctx, "POST", "/api/v1/subscriptions", h, in, &sub)
	}
	if err != nil {
		return explain(err)
	}
	printSubscription(e, sub)
	return nil
}

// runSubscriptions lists the caller's subscriptions, or acts on one:
// nestegg subscriptions [cancel | resume | pay] SUB_ID.
func runSubscriptions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "subscriptions")
	key := fs.String("idempotency-key", "", "pay: retry with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		var res struct {
			Data []subscriptionJSON `json:"data"`
		}
		if err := c.do(ctx, "GET", "/api/v1/subscriptions", nil, &res); err != nil {
			return explain(err)
		}
		if len(res.Data) == 0 {
			fmt.Fprintln(e.stdout, "You have no subscriptions: nestegg plans")
			return nil
		}
		for _, s := range res.Data {
			printSubscription(e, s)
		}
		return nil
	}
	if len(pos) != 2 || (pos[0] != "cancel" && pos[0] != "resume" && pos[0] != "pay") {
		fmt.Fprintln(e.stderr, "usage: nestegg subscriptions [cancel | resume | pay SUB_ID]")
		return errUsage
	}
	h := http.Header{}
	if pos[0] == "pay" {
		k, err := idempotencyKey(e, *key)
		if err != nil {
			return err
		}
		h.Set("Idempotency-Key", k)
	}
	var sub subscriptionJSON
	if err := c.doHeader(ctx, "POST", "/api/v1/subscriptions/"+url.PathEscape(pos[1])+"/"+pos[0], h, nil, &sub); err != nil {
		return explain(err)
	}
	printSubscription(e, sub)
	return nil
}

func printSubscription(e *env, s subscriptionJSON) {
	what := map[string]string{"active": "active", "past_due": "past due: the last renewal failed", "lapsed": "lapsed", "ended": "ended"}[s.Status]
	if what == "" {
		what = s.Status
	}
	line := fmt.Sprintf("%s  %s, %s a period, %s", printable(s.ID), printable(s.PlanName), printable(s.Display), printable(what))
	switch {
	case s.Status == "active" && s.CancelAtEnd:
		line += ", cancelled: yours until " + cliDay(s.PeriodEnd)
	case s.NextCharge != nil:
		line += ", next charge " + cliDay(*s.NextCharge) + " from " + printable(strings.TrimPrefix(s.Payment, "card:"))
	}
	if s.Seats > 0 {
		line += fmt.Sprintf(", %d seats", s.Seats)
	}
	fmt.Fprintln(e.stdout, line)
}

// runEarnings is a creator's subscription earnings over 30 and 365 days.
func runEarnings(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "earnings")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fmt.Fprintln(e.stderr, "usage: nestegg earnings")
		return errUsage
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	var res struct {
		Data []struct {
			Days        int    `json:"days"`
			Asset       string `json:"asset"`
			Gross       int64  `json:"gross"`
			Fee         int64  `json:"fee"`
			Net         int64  `json:"net"`
			Refunded    int64  `json:"refunded"`
			Charges     int    `json:"charges"`
			Subscribers int    `json:"subscribers"`
		} `json:"data"`
	}
	if err := c.do(ctx, "GET", "/api/v1/me/earnings", nil, &res); err != nil {
		return explain(err)
	}
	if len(res.Data) == 0 {
		fmt.Fprintln(e.stdout, "No subscription earnings yet.")
		return nil
	}
	for _, d := range res.Data {
		fmt.Fprintf(e.stdout, "last %d days (%s): %s gross, %s platform cut, %s net, %s refunded; %d charges, %d subscribers now\n", d.Days, printable(d.Asset),
			formatMinor(d.Gross, d.Asset), formatMinor(d.Fee, d.Asset), formatMinor(d.Net, d.Asset), formatMinor(d.Refunded, d.Asset), d.Charges, d.Subscribers)
	}
	return nil
}

func cliDay(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2 Jan 2006")
}
