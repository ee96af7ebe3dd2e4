package web

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
)

// The wallet statement (this file, for the API and the web app): every
// ledger transfer touching the caller's wallet, named by its movement,
// with the running balance — top-ups, deposits, withdrawals, purchases,
// sales, refunds and fees beside payments — and monthly statements that
// reconcile to the ledger. There is no route naming another member's
// wallet: the wallet is always the caller's own (payments.WalletID of the
// signed-in member).

// stmtLine is a statement line as people read it.
type stmtLine struct {
	movement.Line
	Handle  string // the counterparty's handle; "" for none
	Signed  string // the amount, "-" when it left: "-$5.00", "+$5.00"
	Running string // the balance after the line, formatted
}

// statementAsset reads ?asset= ("" for the server's first asset): one of
// the assets the caller may hold. Invalid (Param "asset") otherwise.
func (s *Server) statementAsset(ctx context.Context, me, code string) (money.Asset, error) {
	if code == "" {
		code = s.payments.Config().Assets[0]
	}
	b, err := s.payments.Balance(ctx, me, code)
	if err != nil {
		return money.Asset{}, err
	}
	return b.Asset, nil
}

// statement is a page of me's statement in asset; a wallet not made yet
// has an empty one.
func (s *Server) statement(ctx context.Context, me string, asset money.Asset, page nestegg.Page) ([]stmtLine, string, error) {
	p, err := s.kernel.Statement(ctx, payments.WalletID(me, asset.Code), page)
	if nestegg.Is(err, nestegg.NotFound) && nestegg.ErrorParam(err) == "id" {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	return s.stmtLines(ctx, asset, p.Lines), p.Next, nil
}

// monthly is me's statement for a month (UTC) in asset; a wallet not made
// yet has an empty one, at zero.
func (s *Server) monthly(ctx context.Context, me string, asset money.Asset, year int, month time.Month) (movement.Monthly, []stmtLine, error) {
	m, err := s.kernel.MonthlyStatement(ctx, payments.WalletID(me, asset.Code), year, month, time.UTC)
	if nestegg.Is(err, nestegg.NotFound) && nestegg.ErrorParam(err) == "id" {
		start := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
		return movement.Monthly{Asset: asset.Code, Year: year, Month: month, Start: start, End: start.AddDate(0, 1, 0)}, nil, nil
	}
	if err != nil {
		return movement.Monthly{}, nil, err
	}
	return m, s.stmtLines(ctx, asset, m.Lines), nil
}

// stmtLines formats lines and names their counterparties, asking for each
// member once.
func (s *Server) stmtLines(ctx context.Context, asset money.Asset, lines []movement.Line) []stmtLine {
	handles := map[string]string{}
	out := make([]stmtLine, len(lines))
	for i, l := range lines {
		sl := stmtLine{Line: l, Running: money.Format(money.Amount{Asset: asset, Minor: l.Balance})}
		sign := "+"
		if l.Direction == movement.Out {
			sign = "-"
		}
		sl.Signed = sign + money.Format(money.Amount{Asset: asset, Minor: l.Amount})
		if id := l.Counterparty; id != "" {
			h, ok := handles[id]
			if !ok {
				// A member who left is no one nameable: the line stays.
				if u, err := s.social.UserByID(ctx, id); err == nil {
					h = u.Handle
				}
				handles[id] = h
			}
			sl.Handle = h
		}
		out[i] = sl
	}
	return out
}

// parseMonth reads a statement's month, "2026-12", and whether it was
// asked as CSV ("2026-12.csv"). Invalid (Param "month") otherwise.
func parseMonth(v string) (year int, month time.Month, isCSV bool, err error) {
	v, isCSV = strings.CutSuffix(v, ".csv")
	t, perr := time.Parse("2006-01", v)
	if perr != nil || t.Year() < 1 {
		return 0, 0, false, nestegg.ParamErrorf(nestegg.Invalid, "month", "a month is YYYY-MM, such as 2026-12")
	}
	return t.Year(), t.Month(), isCSV, nil
}

type stmtLineJSON struct {
	ID                 string    `json:"id"`
	MovementID         string    `json:"movement_id"`
	Reference          string    `json:"reference"`
	Kind               string    `json:"kind"`
	Label              string    `json:"label"`
	Direction          string    `json:"direction"`
	CounterpartyID     string    `json:"counterparty_id"`
	CounterpartyHandle string    `json:"counterparty_handle"`
	Note               string    `json:"note"`
	Amount             int64     `json:"amount"`
	Asset              string    `json:"asset"`
	Display            string    `json:"display"`
	Fee                bool      `json:"fee"`
	Status             string    `json:"status"`
	Balance            int64     `json:"balance"`
	BalanceDisplay     string    `json:"balance_display"`
	At                 time.Time `json:"at"`
}

func jsonStmtLines(lines []stmtLine) []stmtLineJSON {
	out := make([]stmtLineJSON, 0, len(lines))
	for _, l := range lines {
		out = append(out, stmtLineJSON{ID: l.TransferID, MovementID: l.MovementID, Reference: l.Reference, Kind: string(l.Kind),
			Label: l.Label, Direction: string(l.Direction), CounterpartyID: l.Counterparty, CounterpartyHandle: l.Handle,
			Note: l.Note, Amount: l.Amount, Asset: l.Asset, Display: l.Signed, Fee: l.Fee, Status: string(l.Status),
			Balance: l.Balance, BalanceDisplay: l.Running, At: l.At})
	}
	return out
}

// apiStatement is a page of the caller's statement, newest first.
func (s *Server) apiStatement(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	page, err := apiPageQuery(r, "asset")
	if err != nil {
		return err
	}
	asset, err := s.statementAsset(r.Context(), me, r.URL.Query().Get("asset"))
	if err != nil {
		return err
	}
	lines, next, err := s.statement(r.Context(), me, asset, nestegg.Page{Cursor: page.Cursor, Limit: page.Limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiList[stmtLineJSON]{Data: jsonStmtLines(lines), NextCursor: next, HasMore: next != ""})
}

type monthlyJSON struct {
	Month          string         `json:"month"`
	Asset          string         `json:"asset"`
	Start          time.Time      `json:"start"`
	End            time.Time      `json:"end"`
	Opening        int64          `json:"opening"`
	OpeningDisplay string         `json:"opening_display"`
	Closing        int64          `json:"closing"`
	ClosingDisplay string         `json:"closing_display"`
	MoneyIn        int64          `json:"money_in"`
	MoneyOut       int64          `json:"money_out"`
	Fees           int64          `json:"fees"`
	Lines          []stmtLineJSON `json:"lines"`
}

// apiMonthly is the caller's statement for a month (UTC), as JSON or, for
// "{month}.csv", as a CSV file.
func (s *Server) apiMonthly(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r, "asset"); err != nil {
		return err
	}
	year, month, isCSV, err := parseMonth(r.PathValue("month"))
	if err != nil {
		return err
	}
	asset, err := s.statementAsset(r.Context(), me, r.URL.Query().Get("asset"))
	if err != nil {
		return err
	}
	m, lines, err := s.monthly(r.Context(), me, asset, year, month)
	if err != nil {
		return err
	}
	if isCSV {
		return writeStatementCSV(w, asset, m, lines)
	}
	f := func(minor int64) string { return money.Format(money.Amount{Asset: asset, Minor: minor}) }
	return writeJSON(w, http.StatusOK, monthlyJSON{Month: m.Start.Format("2006-01"), Asset: asset.Code, Start: m.Start, End: m.End,
		Opening: m.Opening, OpeningDisplay: f(m.Opening), Closing: m.Closing, ClosingDisplay: f(m.Closing),
		MoneyIn: m.In, MoneyOut: m.Out, Fees: m.Fees, Lines: jsonStmtLines(lines)})
}

// writeStatementCSV writes a monthly statement as a CSV file: a header
// row, the opening balance, every line oldest first, the closing balance.
// Amounts are plain decimals (money.FormatPlain), signed by direction; it
// is built in memory first, so a failure is an error, not half a file.
func writeStatementCSV(w http.ResponseWriter, asset money.Asset, m movement.Monthly, lines []stmtLine) error {
	var b strings.Builder
	if err := statementCSV(&b, asset, m, lines); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="nestegg-statement-`+m.Start.Format("2006-01")+"-"+asset.Code+`.csv"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, err := io.WriteString(w, b.String())
	return err
}

func statementCSV(w io.Writer, asset money.Asset, m movement.Monthly, lines []stmtLine) error {
	plain := func(minor int64) string { return money.FormatPlain(minor, asset.Scale) }
	cw := csv.NewWriter(w)
	cw.Write([]string{"time", "id", "movement_id", "kind", "description", "direction", "counterparty", "note", "status", "fee", "asset", "amount", "balance"})
	cw.Write([]string{m.Start.Format(time.RFC3339), "", "", "", "Opening balance", "", "", "", "", "", asset.Code, "", plain(m.Opening)})
	for _, l := range lines {
		amount := l.Amount
		if l.Direction == movement.Out {
			amount = -amount
		}
		who, fee := "", "no"
		if l.Handle != "" {
			who = "@" + l.Handle
		}
		if l.Fee {
			fee = "yes"
		}
		cw.Write([]string{l.At.UTC().Format(time.RFC3339Nano), l.TransferID, l.MovementID, string(l.Kind), l.Label, string(l.Direction),
			who, csvCell(l.Note), string(l.Status), fee, asset.Code, plain(amount), plain(l.Balance)})
	}
	cw.Write([]string{m.End.Format(time.RFC3339), "", "", "", "Closing balance", "", "", "", "", "", asset.Code, "", plain(m.Closing)})
	cw.Flush()
	return cw.Error()
}

// csvCell defuses text a spreadsheet would run as a formula.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
