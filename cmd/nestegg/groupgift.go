package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// groupGift and pledge are the parts of the API's GroupGift and Pledge the
// CLI shows.
type groupGift struct {
	ID        string    `json:"id"`
	Organizer string    `json:"organizer"`
	To        string    `json:"to"`
	Title     string    `json:"title"`
	Target    int64     `json:"target"`
	Pledged   int64     `json:"pledged"`
	Asset     string    `json:"asset"`
	Deadline  time.Time `json:"deadline"`
	Status    string    `json:"status"`
	Rule      string    `json:"rule"`
	Pledgers  int       `json:"pledgers"`
	Pledges   []pledge  `json:"pledges"`
}

type pledge struct {
	ID      string `json:"id"`
	GiftID  string `json:"gift_id"`
	Handle  string `json:"handle"`
	Display string `json:"display"`
	Status  string `json:"status"`
}

// runGroupGift starts, pledges to, withdraws from and shows group gifts
// (all or nothing):
//
//	nestegg groupgift start @bob 30 --title "Bob's birthday" (--in 72h | --deadline 2026-12-24T18:00:00Z)
//	nestegg groupgift pledge gft_… 10
//	nestegg groupgift withdraw pld_…
//	nestegg groupgift show gft_…
//
// A pledge reserves money in the wallet: it asks first (unless --yes),
// with the gift's rule, and pledges under an Idempotency-Key printed
// first, so that a retry with --idempotency-key never pledges twice.
func runGroupGift(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "groupgift")
	title := fs.String("title", "", "what the gift is for")
	in := fs.Duration("in", 0, "the deadline, this long from now (such as 72h)")
	deadline := fs.String("deadline", "", "or the deadline as a time, such as 2026-12-24T18:00:00Z")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	key := fs.String("idempotency-key", "", "retry an earlier request with the key it printed")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	usage := func() error {
		fmt.Fprintln(e.stderr, "usage: nestegg groupgift start @handle TARGET --title text (--in 72h | --deadline TIME) | pledge gft_… AMOUNT | withdraw pld_… | show gft_…")
		return errUsage
	}
	if len(pos) < 2 {
		return usage()
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	switch {
	case pos[0] == "start" && len(pos) == 3:
		target, err := minorUnits(pos[2])
		if err != nil {
			return err
		}
		var when time.Time
		switch {
		case *deadline != "" && *in != 0:
			return fmt.Errorf("give --in or --deadline, not both")
		case *deadline != "":
			if when, err = time.Parse(time.RFC3339, *deadline); err != nil {
				return fmt.Errorf("--deadline is a time such as 2026-12-24T18:00:00Z")
			}
		case *in > 0:
			when = time.Now().Add(*in).Truncate(time.Second)
		default:
			return fmt.Errorf("give the deadline: --in 72h or --deadline 2026-12-24T18:00:00Z")
		}
		k, err := idempotencyKey(e, *key)
		if err != nil {
			return err
		}
		var g groupGift
		body := map[string]any{"to": "@" + strings.TrimPrefix(pos[1], "@"), "target": target.Minor, "title": *title, "deadline": when.UTC().Format(time.RFC3339)}
		if err := c.doHeader(ctx, "POST", "/api/v1/group-gifts", http.Header{"Idempotency-Key": {k}}, body, &g); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "Started %q for @%s (%s): %s\n", printable(g.Title), printable(g.To), printable(g.ID), printable(g.Rule))
	case pos[0] == "pledge" && len(pos) == 3:
		amt, err := minorUnits(pos[2])
		if err != nil {
			return err
		}
		var g groupGift
		if err := c.do(ctx, "GET", "/api/v1/group-gifts/"+url.PathEscape(pos[1]), nil, &g); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "%q for @%s: %s of %s pledged.\n%s\n", printable(g.Title), printable(g.To), formatMinor(g.Pledged, g.Asset),
			formatMinor(g.Target, g.Asset), printable(g.Rule))
		if !*yes {
			ok, err := confirm(e, fmt.Sprintf("Reserve %s from your wallet for it?", formatMinor(amt.Minor, g.Asset)))
			if err != nil || !ok {
				fmt.Fprintln(e.stdout, "Nothing pledged.")
				return err
			}
		}
		k, err := idempotencyKey(e, *key)
		if err != nil {
			return err
		}
		var p pledge
		if err := c.doHeader(ctx, "POST", "/api/v1/group-gifts/"+url.PathEscape(pos[1])+"/pledges", http.Header{"Idempotency-Key": {k}},
			map[string]any{"amount": amt.Minor}, &p); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "Pledged %s (%s): reserved in your wallet until the deadline\n", printable(p.Display), printable(p.ID))
	case pos[0] == "withdraw" && len(pos) == 2:
		k, err := idempotencyKey(e, *key)
		if err != nil {
			return err
		}
		var p pledge
		if err := c.doHeader(ctx, "POST", "/api/v1/pledges/"+url.PathEscape(pos[1])+"/withdraw", http.Header{"Idempotency-Key": {k}}, nil, &p); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "Withdrew your %s pledge (%s): the money is yours again\n", printable(p.Display), printable(p.ID))
	case pos[0] == "show" && len(pos) == 2:
		var g groupGift
		if err := c.do(ctx, "GET", "/api/v1/group-gifts/"+url.PathEscape(pos[1]), nil, &g); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "%q for @%s by @%s: %s of %s pledged by %d, deadline %s (%s)\n", printable(g.Title), printable(g.To), printable(g.Organizer),
			formatMinor(g.Pledged, g.Asset), formatMinor(g.Target, g.Asset), g.Pledgers, g.Deadline.UTC().Format("2006-01-02 15:04 UTC"), printable(g.Status))
		for _, p := range g.Pledges {
			fmt.Fprintf(e.stdout, "  %s  @%s  %s  %s\n", printable(p.ID), printable(p.Handle), printable(p.Display), printable(p.Status))
		}
	default:
		return usage()
	}
	return nil
}
