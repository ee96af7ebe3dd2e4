package web

import (
	"net/http"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/savings"
)

// Savings on the web: the member's savings balance, the rate and the
// interest accruing day by day, moving money between wallet and savings
// at once both ways, the savings statement, and the year-end interest
// summaries to download.

type savingsPage struct {
	Base
	Open    bool
	A       savings.Account
	Balance string // the savings balance
	Wallet  string // what the wallet can move in
	Accrued string // to a hundredth of a cent's hundredth
	// AccruedCents is the accrued interest in whole minor units.
	AccruedCents string
	Paid         string
	Rate         string // "4.00%", or the tiers in words; "" with none set
	Next         string // a change already set: "3.50% from 8 Feb 2027"
	Lines        []stmtLine
	Years        []int // years with interest paid, for their summaries
	Amount       string
	Key          string
	Error        string
}

func (s *Server) needSavings() error {
	if s.savings == nil || s.payments == nil {
		return nestegg.Errorf(nestegg.Unavailable, "savings are not enabled on this server")
	}
	return nil
}

// savingsPage is the member's savings.
func (s *Server) savingsPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.showSavings(pc, "", "")
}

func (s *Server) showSavings(pc *pageCtx, amount, msg string) error {
	if err := s.needSavings(); err != nil {
		return err
	}
	ctx := pc.r.Context()
	code := s.payments.Config().Assets[0]
	d := &savingsPage{Amount: amount, Error: msg, Key: newPayKey()}
	d.Base = pc.base("Savings")
	bal, err := s.payments.Balance(ctx, pc.me.ID, code)
	if err != nil {
		return err
	}
	d.Wallet = money.Format(bal)
	a, err := s.savings.Get(ctx, pc.me.ID, code)
	switch {
	case nestegg.Is(err, nestegg.NotFound):
		rates, err := s.savings.Rates(ctx, code)
		if err != nil {
			return err
		}
		if len(rates) > 0 {
			d.Rate = savings.Describe(code, rates[len(rates)-1].Tiers)
		}
		return s.render(pc, "savings", d)
	case err != nil:
		return err
	}
	d.Open, d.A = true, a
	d.Balance = money.Format(money.Amount{Asset: a.Asset, Minor: a.Balance})
	d.Accrued = accruedDisplay(a)
	d.AccruedCents = money.Format(money.Amount{Asset: a.Asset, Minor: a.AccruedMinor})
	d.Paid = money.Format(money.Amount{Asset: a.Asset, Minor: a.PaidTotal})
	if a.Rate != nil {
		d.Rate = savings.Describe(code, a.Rate.Tiers)
	}
	if a.Next != nil {
		d.Next = savings.Describe(code, a.Next.Tiers) + " from " + a.Next.EffectiveOn.Format("2 Jan 2006")
	}
	p, err := s.savings.Statement(ctx, pc.me.ID, code, nestegg.Page{Limit: 50})
	if err != nil {
		return err
	}
	d.Lines = s.stmtLines(ctx, a.Asset, p.Lines)
	seen := map[int]bool{}
	for _, l := range p.Lines {
		if l.Kind == "savings_interest" && !seen[l.At.Year()] {
			seen[l.At.Year()] = true
			d.Years = append(d.Years, l.At.Year())
		}
	}
	return s.render(pc, "savings", d)
}

// savingsOpenSubmit opens the member's savings.
func (s *Server) savingsOpenSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needSavings(); err != nil {
		return err
	}
	if _, err := s.savings.Open(r.Context(), pc.me.ID, s.payments.Config().Assets[0]); err != nil {
		return err
	}
	return s.seeOther(pc, "/savings", "Your savings are open. Move money in to start earning interest.")
}

// savingsMoveSubmit moves money between wallet and savings, at once.
func (s *Server) savingsMoveSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needSavings(); err != nil {
		return err
	}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	text := r.PostFormValue("amount")
	amt, perr := money.ParsePositive(text, s.payments.Config().Assets[0])
	if perr != nil {
		return s.showSavings(pc, text, "Type an amount, such as $50.")
	}
	toSavings := r.PostFormValue("direction") != "out"
	move, what := s.savings.Withdraw, " moved to your wallet."
	if toSavings {
		move, what = s.savings.Deposit, " moved to savings."
	}
	_, err = move(r.Context(), pc.me.ID, amt, key)
	switch {
	case nestegg.Is(err, nestegg.InsufficientFunds) && toSavings:
		return s.showSavings(pc, text, "Your wallet has less than "+money.Format(amt)+".")
	case nestegg.Is(err, nestegg.InsufficientFunds):
		return s.showSavings(pc, text, "Your savings hold less than "+money.Format(amt)+".")
	case err != nil && userError(err):
		return s.showSavings(pc, text, nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	}
	return s.seeOther(pc, "/savings", money.Format(amt)+what)
}

// savingsSummaryCSV downloads the member's interest summary for a year.
func (s *Server) savingsSummaryCSV(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needSavings(); err != nil {
		return err
	}
	year, _, err := parseYear(r.PathValue("year"))
	if err != nil {
		return err
	}
	sums, err := s.savings.Summaries(r.Context(), year, pc.me.ID)
	if err != nil {
		return err
	}
	return writeSummaries(w, year, true, sums, "nestegg-interest")
}
