package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/savings"
)

// Savings (package savings): the caller's own savings only — there is no
// route naming another member's; the operator sets rates, records the
// partner bank's yield and reads the margin and every member's year-end
// summary.

func (s *Server) apiNeedSavings() error {
	if s.savings == nil || s.social == nil {
		return nestegg.Errorf(nestegg.Unavailable, "savings are not enabled on this server")
	}
	return nil
}

// apiSaver is the signed-in member on a savings route.
func (s *Server) apiSaver(r *http.Request) (string, error) {
	if err := s.apiNeedSavings(); err != nil {
		return "", err
	}
	a, err := apiMe(r)
	return a.ID, err
}

type rateJSON struct {
	ID          string         `json:"id"`
	Asset       string         `json:"asset"`
	EffectiveOn string         `json:"effective_on"`
	Tiers       []savings.Tier `json:"tiers"`
	Description string         `json:"description"`
}

func jsonRate(r *savings.Rate) *rateJSON {
	if r == nil {
		return nil
	}
	return &rateJSON{ID: r.ID, Asset: r.Asset, EffectiveOn: r.EffectiveOn.Format(time.DateOnly), Tiers: r.Tiers, Description: savings.Describe(r.Asset, r.Tiers)}
}

type savingsJSON struct {
	ID                 string    `json:"id"`
	Asset              string    `json:"asset"`
	Balance            int64     `json:"balance"`
	BalanceDisplay     string    `json:"balance_display"`
	Accrued            int64     `json:"accrued"`
	AccruedNumerator   int64     `json:"accrued_numerator"`
	AccruedDenominator int64     `json:"accrued_denominator"`
	AccruedDisplay     string    `json:"accrued_display"`
	AccruedThrough     string    `json:"accrued_through,omitempty"`
	PaidTotal          int64     `json:"paid_total"`
	Rate               *rateJSON `json:"rate"`
	NextRate           *rateJSON `json:"next_rate"`
	OpenedAt           time.Time `json:"opened_at"`
}

// accruedDisplay is the accrued interest to a hundredth of a cent's
// hundredth: "$0.371234" (the exact numerator is beside it in the JSON).
func accruedDisplay(a savings.Account) string {
	fine := a.AccruedNumerator * 10_000 / savings.Denominator // 1/10,000 minor units
	fineAsset := a.Asset
	fineAsset.Scale += 4
	return money.Format(money.Amount{Asset: fineAsset, Minor: fine})
}

func jsonSavings(a savings.Account) savingsJSON {
	j := savingsJSON{ID: a.ID, Asset: a.Asset.Code, Balance: a.Balance, BalanceDisplay: money.Format(money.Amount{Asset: a.Asset, Minor: a.Balance}),
		Accrued: a.AccruedMinor, AccruedNumerator: a.AccruedNumerator, AccruedDenominator: savings.Denominator, AccruedDisplay: accruedDisplay(a),
		PaidTotal: a.PaidTotal, Rate: jsonRate(a.Rate), NextRate: jsonRate(a.Next), OpenedAt: a.OpenedAt}
	if !a.AccruedThrough.IsZero() {
		j.AccruedThrough = a.AccruedThrough.Format(time.DateOnly)
	}
	return j
}

// apiSavings is the caller's savings in ?asset= (default USD).
func (s *Server) apiSavings(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiSaver(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r, "asset"); err != nil {
		return err
	}
	a, err := s.savings.Get(r.Context(), me, r.URL.Query().Get("asset"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonSavings(a))
}

type savingsOpenRequest struct {
	Asset string `json:"asset"`
}

// apiOpenSavings opens the caller's savings (or answers them, open already).
func (s *Server) apiOpenSavings(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiSaver(r)
	if err != nil {
		return err
	}
	var req savingsOpenRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	a, err := s.savings.Open(r.Context(), me, req.Asset)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonSavings(a))
}

type savingsMoveRequest struct {
	Amount amountInput `json:"amount"`
	Asset  string      `json:"asset"`
}

type savingsMoveJSON struct {
	MovementID string    `json:"movement_id"`
	Direction  string    `json:"direction"`
	Amount     amountOut `json:"amount"`
	Replayed   bool      `json:"replayed"`
}

// apiSavingsMove moves money between the caller's wallet and savings.
func (s *Server) apiSavingsMove(toSavings bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, body []byte) error {
		me, err := s.apiSaver(r)
		if err != nil {
			return err
		}
		var req savingsMoveRequest
		if err := decodeJSON(body, &req); err != nil {
			return err
		}
		amt, err := s.resolveAmount(req.Amount, req.Asset)
		if err != nil {
			return err
		}
		move, dir := s.savings.Withdraw, "to_wallet"
		if toSavings {
			move, dir = s.savings.Deposit, "to_savings"
		}
		t, err := move(r.Context(), me, amt, apiIdemKey(r))
		if err != nil {
			if toSavings {
				return s.apiMoneyError(r.Context(), me, amt.Asset.Code, err)
			}
			if nestegg.Is(err, nestegg.InsufficientFunds) {
				return &nestegg.Error{Code: nestegg.InsufficientFunds, Param: "amount", Message: "your savings hold less than this", Err: err}
			}
			return err
		}
		return writeJSON(w, http.StatusCreated, savingsMoveJSON{MovementID: t.MovementID, Direction: dir, Amount: jsonAmount(t.Amount)})
	}
}

// apiSavingsStatement is a page of the caller's savings statement, newest
// first: moves in and out, and interest.
func (s *Server) apiSavingsStatement(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiSaver(r)
	if err != nil {
		return err
	}
	page, err := apiPageQuery(r, "asset")
	if err != nil {
		return err
	}
	a, err := s.savings.Get(r.Context(), me, r.URL.Query().Get("asset"))
	if err != nil {
		return err
	}
	p, err := s.savings.Statement(r.Context(), me, a.Asset.Code, nestegg.Page{Cursor: page.Cursor, Limit: page.Limit})
	if err != nil {
		return err
	}
	lines := s.stmtLines(r.Context(), a.Asset, p.Lines)
	return writeJSON(w, http.StatusOK, apiList[stmtLineJSON]{Data: jsonStmtLines(lines), NextCursor: p.Next, HasMore: p.Next != ""})
}

// apiSavingsRates lists an asset's rate versions, for anyone.
func (s *Server) apiSavingsRates(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedSavings(); err != nil {
		return err
	}
	if err := apiQuery(r, "asset"); err != nil {
		return err
	}
	rs, err := s.savings.Rates(r.Context(), r.URL.Query().Get("asset"))
	if err != nil {
		return err
	}
	out := apiList[rateJSON]{Data: []rateJSON{}}
	for i := range rs {
		out.Data = append(out.Data, *jsonRate(&rs[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

type summaryJSON struct {
	Year          int    `json:"year"`
	UserID        string `json:"user_id"`
	Handle        string `json:"handle"`
	Name          string `json:"name"`
	Asset         string `json:"asset"`
	Interest      int64  `json:"interest"`
	InterestPlain string `json:"interest_display"`
	Payouts       int    `json:"payouts"`
}

// parseYear reads "2027" or "2027.csv".
func parseYear(v string) (int, bool, error) {
	v, isCSV := strings.CutSuffix(v, ".csv")
	y, err := strconv.Atoi(v)
	if err != nil || len(v) != 4 || y < 2000 {
		return 0, false, nestegg.ParamErrorf(nestegg.Invalid, "year", "a year is four digits, such as 2027")
	}
	return y, isCSV, nil
}

// writeSummaries answers summaries as JSON, or as a CSV file.
func writeSummaries(w http.ResponseWriter, year int, isCSV bool, sums []savings.Summary, name string) error {
	if isCSV {
		var b strings.Builder
		if err := savings.WriteCSV(&b, sums); err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+name+`-`+strconv.Itoa(year)+`.csv"`)
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, err := io.WriteString(w, b.String())
		return err
	}
	out := apiList[summaryJSON]{Data: []summaryJSON{}}
	for _, sm := range sums {
		a, _ := money.Lookup(sm.Asset)
		out.Data = append(out.Data, summaryJSON{Year: sm.Year, UserID: sm.UserID, Handle: sm.Handle, Name: sm.Name, Asset: sm.Asset,
			Interest: sm.Interest, InterestPlain: money.Format(money.Amount{Asset: a, Minor: sm.Interest}), Payouts: sm.Payouts})
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiInterestSummary is the caller's year-end interest summary, as JSON or
// ("{year}.csv") CSV.
func (s *Server) apiInterestSummary(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiSaver(r)
	if err != nil {
		return err
	}
	year, isCSV, err := parseYear(r.PathValue("year"))
	if err != nil {
		return err
	}
	sums, err := s.savings.Summaries(r.Context(), year, me)
	if err != nil {
		return err
	}
	return writeSummaries(w, year, isCSV, sums, "nestegg-interest")
}

// apiOperatorInterestSummary is every member's year-end interest summary.
func (s *Server) apiOperatorInterestSummary(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedSavings(); err != nil {
		return err
	}
	year, isCSV, err := parseYear(r.PathValue("year"))
	if err != nil {
		return err
	}
	sums, err := s.savings.Summaries(r.Context(), year, "")
	if err != nil {
		return err
	}
	return writeSummaries(w, year, isCSV, sums, "nestegg-interest-all")
}

type rateRequest struct {
	Asset       string         `json:"asset"`
	EffectiveOn string         `json:"effective_on"`
	Bps         *int64         `json:"bps"`
	Tiers       []savings.Tier `json:"tiers"`
}

// apiSetSavingsRate sets an asset's rate from a day: one rate (bps) or
// tiers.
func (s *Server) apiSetSavingsRate(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedSavings(); err != nil {
		return err
	}
	var req rateRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	day, ok := savings.ParseDay(req.EffectiveOn)
	if !ok {
		return nestegg.ParamErrorf(nestegg.Invalid, "effective_on", "effective_on is a day, such as 2027-01-31")
	}
	tiers := req.Tiers
	switch {
	case req.Bps != nil && len(tiers) > 0:
		return nestegg.ParamErrorf(nestegg.Invalid, "bps", "give bps or tiers, not both")
	case req.Bps != nil:
		tiers = []savings.Tier{{From: 0, Bps: *req.Bps}}
	}
	rate, err := s.savings.SetRate(r.Context(), savings.RateInput{Asset: req.Asset, EffectiveOn: day, Tiers: tiers})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, jsonRate(&rate))
}

type yieldRequest struct {
	Asset  string      `json:"asset"`
	Amount amountInput `json:"amount"`
	Month  string      `json:"month"`
	Note   string      `json:"note"`
}

// apiRecordYield records the partner bank's yield as interest income.
func (s *Server) apiRecordYield(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedSavings(); err != nil {
		return err
	}
	var req yieldRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	amt, err := s.resolveAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	id, err := s.savings.RecordYield(r.Context(), savings.YieldInput{Asset: amt.Asset.Code, Amount: amt.Minor, Month: req.Month, Note: req.Note, Key: apiIdemKey(r)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"movement_id": id, "asset": amt.Asset.Code, "amount": amt.Minor, "month": req.Month})
}

type marginJSON struct {
	Month   string `json:"month"`
	Income  int64  `json:"interest_income"`
	Expense int64  `json:"interest_expense"`
	Net     int64  `json:"net_interest"`
}

// apiSavingsMargin is the platform's net interest margin by month of ?year=.
func (s *Server) apiSavingsMargin(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedSavings(); err != nil {
		return err
	}
	if err := apiQuery(r, "asset", "year"); err != nil {
		return err
	}
	year, _, err := parseYear(r.URL.Query().Get("year"))
	if err != nil {
		return err
	}
	months, total, err := s.savings.Margin(r.Context(), r.URL.Query().Get("asset"), year)
	if err != nil {
		return err
	}
	out := struct {
		Asset  string       `json:"asset"`
		Months []marginJSON `json:"months"`
		Total  marginJSON   `json:"total"`
	}{Asset: strings.ToUpper(r.URL.Query().Get("asset")), Total: marginJSON(total)}
	if out.Asset == "" {
		out.Asset = "USD"
	}
	for _, m := range months {
		out.Months = append(out.Months, marginJSON(m))
	}
	return writeJSON(w, http.StatusOK, out)
}
