package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/savings"
)

// savingsJSON is the part of the API's Savings the CLI shows.
type savingsJSON struct {
	BalanceDisplay string `json:"balance_display"`
	AccruedDisplay string `json:"accrued_display"`
	AccruedThrough string `json:"accrued_through"`
	PaidTotal      int64  `json:"paid_total"`
	Asset          string `json:"asset"`
	Rate           *struct {
		Description string `json:"description"`
	} `json:"rate"`
	NextRate *struct {
		Description string `json:"description"`
		EffectiveOn string `json:"effective_on"`
	} `json:"next_rate"`
}

const savingsUsage = `usage: nestegg savings [show] | open | in AMOUNT | out AMOUNT | history | summary YEAR [--csv [--out FILE]]
       operators (--url, --key or $NESTEGG_OPERATOR_KEY):
       nestegg savings rate --from YYYY-MM-DD --rate 4.00% [--tier 1000:4.50% ...] [--asset USD]
       nestegg savings yield AMOUNT --month YYYY-MM [--note text]
       nestegg savings margin --year YYYY [--asset USD]`

// tierFlags collects --tier FROM:RATE.
type tierFlags []string

func (t *tierFlags) String() string     { return strings.Join(*t, ",") }
func (t *tierFlags) Set(v string) error { *t = append(*t, v); return nil }

// runSavings is the member's savings, and the operator's rates:
//
//	nestegg savings                        the balance, the rate, interest accrued
//	nestegg savings open | in 50 | out 20 | history | summary 2027 [--csv]
//	nestegg savings rate --from 2027-01-01 --rate 4% [--tier 1000:4.5%]
//	nestegg savings yield 125.40 --month 2027-01 | margin --year 2027
func runSavings(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "savings")
	asset := fs.String("asset", "", "asset (default USD)")
	key := fs.String("idempotency-key", "", "retry an earlier move with the key it printed")
	asCSV := fs.Bool("csv", false, "summary: the CSV file")
	out := fs.String("out", "", "summary --csv: write the file here")
	from := fs.String("from", "", "rate: the day it applies from")
	rate := fs.String("rate", "", "rate: the annual rate, such as 4.00%")
	var tiers tierFlags
	fs.Var(&tiers, "tier", "rate: a higher band, FROM:RATE such as 1000:4.50% (repeatable)")
	month := fs.String("month", "", "yield: the month it was earned in")
	note := fs.String("note", "", "yield: a note")
	year := fs.String("year", "", "margin: the year")
	serverURL := fs.String("url", "", "operators: the server (default the stored login's)")
	opKey := fs.String("key", "", "operators: the operator key (default $NESTEGG_OPERATOR_KEY)")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	usage := func() error {
		fmt.Fprintln(e.stderr, savingsUsage)
		return errUsage
	}
	if len(pos) == 0 {
		pos = []string{"show"}
	}
	switch pos[0] {
	case "rate", "yield", "margin":
		return runSavingsOperator(ctx, e, pos, *serverURL, *opKey, *asset, *from, *rate, tiers, *month, *note, *year, usage)
	}
	c, err := signedIn(e)
	if err != nil {
		return err
	}
	q := ""
	if *asset != "" {
		q = "?asset=" + strings.ToUpper(*asset)
	}
	switch {
	case pos[0] == "show" && len(pos) == 1:
		var s savingsJSON
		if err := c.do(ctx, "GET", "/api/v1/savings"+q, nil, &s); err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
				fmt.Fprintln(e.stdout, "You have no savings yet: nestegg savings open")
				return nil
			}
			return explain(err)
		}
		printSavings(e, s)
	case pos[0] == "open" && len(pos) == 1:
		var s savingsJSON
		if err := c.doHeader(ctx, "POST", "/api/v1/savings", nil, map[string]string{"asset": *asset}, &s); err != nil {
			return explain(err)
		}
		fmt.Fprintln(e.stdout, "Your savings are open.")
		printSavings(e, s)
	case (pos[0] == "in" || pos[0] == "out") && len(pos) == 2:
		if _, err := showAmount(pos[1], *asset); err != nil {
			return err
		}
		k, err := idempotencyKey(e, *key)
		if err != nil {
			return err
		}
		path, what := "/api/v1/savings/deposits", "to savings"
		if pos[0] == "out" {
			path, what = "/api/v1/savings/withdrawals", "to your wallet"
		}
		var res struct {
			Amount struct {
				Display string `json:"display"`
			} `json:"amount"`
		}
		if err := c.doHeader(ctx, "POST", path, http.Header{"Idempotency-Key": {k}}, map[string]string{"amount": pos[1], "asset": *asset}, &res); err != nil {
			return explain(err)
		}
		fmt.Fprintf(e.stdout, "Moved %s %s.\n", printable(res.Amount.Display), what)
	case pos[0] == "history" && len(pos) == 1:
		var page struct {
			Data []stmtLine `json:"data"`
		}
		if err := c.do(ctx, "GET", "/api/v1/savings/statement"+q, nil, &page); err != nil {
			return explain(err)
		}
		if len(page.Data) == 0 {
			fmt.Fprintln(e.stdout, "Nothing yet.")
		}
		for _, l := range page.Data {
			fmt.Fprintf(e.stdout, "%s  %-24s %12s  %12s\n", l.At.Format("2006-01-02"), printable(l.Label), printable(l.Display), printable(l.BalanceDisplay))
		}
	case pos[0] == "summary" && len(pos) == 2:
		path := "/api/v1/savings/interest/" + pos[1]
		if !*asCSV {
			var sums struct {
				Data []struct {
					Asset   string `json:"asset"`
					Display string `json:"interest_display"`
					Payouts int    `json:"payouts"`
				} `json:"data"`
			}
			if err := c.do(ctx, "GET", path, nil, &sums); err != nil {
				return explain(err)
			}
			if len(sums.Data) == 0 {
				fmt.Fprintf(e.stdout, "No interest was paid to you in %s.\n", printable(pos[1]))
			}
			for _, s := range sums.Data {
				fmt.Fprintf(e.stdout, "%s interest paid in %s: %s (%d payouts)\n", printable(s.Asset), printable(pos[1]), printable(s.Display), s.Payouts)
			}
			return nil
		}
		b, err := c.download(ctx, path+".csv")
		if err != nil {
			return explain(err)
		}
		if *out == "" {
			_, err = e.stdout.Write(b)
			return err
		}
		if err := os.WriteFile(*out, b, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Wrote the interest summary for %s to %s.\n", printable(pos[1]), printable(*out))
	default:
		return usage()
	}
	return nil
}

func printSavings(e *env, s savingsJSON) {
	fmt.Fprintf(e.stdout, "Savings: %s\n", printable(s.BalanceDisplay))
	if s.Rate != nil {
		fmt.Fprintf(e.stdout, "Rate: %s a year, paid monthly\n", printable(s.Rate.Description))
	} else {
		fmt.Fprintln(e.stdout, "Rate: none set yet")
	}
	if s.NextRate != nil {
		fmt.Fprintf(e.stdout, "From %s: %s\n", printable(s.NextRate.EffectiveOn), printable(s.NextRate.Description))
	}
	through := ""
	if s.AccruedThrough != "" {
		through = " (through " + printable(s.AccruedThrough) + ")"
	}
	fmt.Fprintf(e.stdout, "Interest accrued this month: %s%s\n", printable(s.AccruedDisplay), through)
}

// runSavingsOperator sets rates, records the bank's yield and shows the
// margin with the operator's key.
func runSavingsOperator(ctx context.Context, e *env, pos []string, serverURL, opKey, asset, from, rate string, tiers tierFlags, month, note, year string, usage func() error) error {
	if opKey == "" {
		opKey = e.getenv("NESTEGG_OPERATOR_KEY")
	}
	if opKey == "" {
		fmt.Fprintln(e.stderr, "nestegg savings: no operator key: pass --key or set NESTEGG_OPERATOR_KEY")
		return errUsage
	}
	if serverURL == "" {
		if cfg, err := loadConfig(e.getenv); err == nil && cfg.URL != "" {
			serverURL = cfg.URL
		} else {
			serverURL = "http://127.0.0.1:8080"
		}
	}
	c := newAPIClient(serverURL, opKey)
	code := strings.ToUpper(asset)
	if code == "" {
		code = "USD"
	}
	switch {
	case pos[0] == "rate" && len(pos) == 1:
		bps, ok := savings.ParsePercent(rate)
		if !ok || from == "" {
			fmt.Fprintln(e.stderr, "nestegg savings rate: --from YYYY-MM-DD and --rate such as 4.00% are required")
			return errUsage
		}
		ts := []savings.Tier{{From: 0, Bps: bps}}
		for _, t := range tiers {
			amt, pct, found := strings.Cut(t, ":")
			a, aerr := money.ParsePositive(amt, code)
			b, bok := savings.ParsePercent(pct)
			if !found || aerr != nil || !bok {
				fmt.Fprintf(e.stderr, "nestegg savings rate: --tier %q is FROM:RATE, such as 1000:4.50%%\n", t)
				return errUsage
			}
			ts = append(ts, savings.Tier{From: a.Minor, Bps: b})
		}
		var r struct {
			Description string `json:"description"`
			EffectiveOn string `json:"effective_on"`
		}
		if err := c.do(ctx, "POST", "/api/v1/operator/savings/rates", map[string]any{"asset": code, "effective_on": from, "tiers": ts}, &r); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "The %s savings rate is %s from %s.\n", code, printable(r.Description), printable(r.EffectiveOn))
	case pos[0] == "yield" && len(pos) == 2:
		k, err := idempotencyKey(e, "")
		if err != nil {
			return err
		}
		var r struct {
			MovementID string `json:"movement_id"`
		}
		if err := c.doHeader(ctx, "POST", "/api/v1/operator/savings/yields", http.Header{"Idempotency-Key": {k}},
			map[string]string{"asset": code, "amount": pos[1], "month": month, "note": note}, &r); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Recorded the partner bank's yield for %s as interest income (%s).\n", printable(month), printable(r.MovementID))
	case pos[0] == "margin" && len(pos) == 1:
		var m struct {
			Months []struct {
				Month   string `json:"month"`
				Income  int64  `json:"interest_income"`
				Expense int64  `json:"interest_expense"`
				Net     int64  `json:"net_interest"`
			} `json:"months"`
		}
		if err := c.do(ctx, "GET", "/api/v1/operator/savings/margin?asset="+code+"&year="+year, nil, &m); err != nil {
			return err
		}
		a, err := money.Lookup(code)
		if err != nil {
			return err
		}
		f := func(n int64) string { return money.Format(money.Amount{Asset: a, Minor: n}) }
		var in, outgo int64
		fmt.Fprintf(e.stdout, "%-8s %14s %14s %14s\n", "month", "income", "paid", "net")
		for _, x := range m.Months {
			in += x.Income
			outgo += x.Expense
			fmt.Fprintf(e.stdout, "%-8s %14s %14s %14s\n", printable(x.Month), f(x.Income), f(x.Expense), f(x.Net))
		}
		fmt.Fprintf(e.stdout, "%-8s %14s %14s %14s\n", "total", f(in), f(outgo), f(in-outgo))
	default:
		return usage()
	}
	return nil
}
