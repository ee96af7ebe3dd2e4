package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// The statement in the web app: the wallet page's history (walletStatement,
// called by walletPage) and a page per month with its CSV download. The
// reads and the CSV are statement_api.go's, shared with the API.

// monthLink is a link to a monthly statement.
type monthLink struct{ Name, URL string }

// Link is where a line's details are: the payment, the money movement or
// the orders it belongs to; "" when there is no page for it.
func (l stmtLine) Link() string {
	ref := l.Reference
	switch {
	case strings.HasPrefix(ref, "pay_"):
		return "/payments/" + ref
	case strings.HasPrefix(ref, "top_"), strings.HasPrefix(ref, "dep_"), strings.HasPrefix(ref, "wdr_"):
		return "/money/movements/" + ref
	case strings.HasPrefix(ref, "ord_"):
		return "/orders"
	}
	return ""
}

// walletStatement fills the wallet page's statement: a page of lines in
// the asset asked (?asset=, default the first), "Older" paging, and links
// to the monthly statements since the member joined (the last twelve).
func (s *Server) walletStatement(pc *pageCtx, d *walletPage) error {
	r, me := pc.r, pc.me.ID
	asset, err := s.statementAsset(r.Context(), me, r.URL.Query().Get("asset"))
	if err == nil {
		d.StmtAsset = asset.Code
		d.Statement, d.Older, err = s.statement(r.Context(), me, asset, nestegg.Page{Cursor: r.URL.Query().Get("cursor")})
	}
	switch {
	case err != nil && userError(err):
		d.FilterErr = nestegg.ErrorMessage(err)
		return nil
	case err != nil:
		return err
	}
	d.Older = olderURL(r, d.Older)
	month := time.Date(s.clock().UTC().Year(), s.clock().UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	joined := pc.me.CreatedAt.UTC()
	for i := 0; i < 12 && !month.Before(time.Date(joined.Year(), joined.Month(), 1, 0, 0, 0, 0, time.UTC)); i++ {
		d.Months = append(d.Months, monthLink{month.Format("January 2006"), "/wallet/statements/" + month.Format("2006-01") + "?asset=" + asset.Code})
		month = month.AddDate(0, -1, 0)
	}
	return nil
}

// statementPage is the data of statement.html.
type statementPage struct {
	Base
	M          movement.Monthly
	Asset      money.Asset
	Lines      []stmtLine
	Name       string // "December 2026"
	Opening    string
	Closing    string
	In, Out    string
	Fees       string
	CSV        string
	Prev, Next string // the months around it; Next is "" for the current month
}

// statementMonth is a month's statement for its member, as a page or, for
// "{month}.csv", as a CSV file.
func (s *Server) statementMonth(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	year, month, isCSV, err := parseMonth(r.PathValue("month"))
	if err != nil {
		return err
	}
	asset, err := s.statementAsset(r.Context(), pc.me.ID, r.URL.Query().Get("asset"))
	if err != nil {
		return err
	}
	m, lines, err := s.monthly(r.Context(), pc.me.ID, asset, year, month)
	if err != nil {
		return err
	}
	if isCSV {
		return writeStatementCSV(w, asset, m, lines)
	}
	f := func(minor int64) string { return money.Format(money.Amount{Asset: asset, Minor: minor}) }
	link := func(t time.Time) string { return "/wallet/statements/" + t.Format("2006-01") + "?asset=" + asset.Code }
	d := &statementPage{M: m, Asset: asset, Lines: lines, Name: m.Start.Format("January 2006"),
		Opening: f(m.Opening), Closing: f(m.Closing), In: f(m.In), Out: f(m.Out), Fees: f(m.Fees),
		CSV: "/wallet/statements/" + m.Start.Format("2006-01") + ".csv?asset=" + asset.Code, Prev: link(m.Start.AddDate(0, -1, 0))}
	if m.End.Before(s.clock()) {
		d.Next = link(m.End)
	}
	d.Base = pc.base("Statement for " + d.Name)
	return s.render(pc, "statement", d)
}
