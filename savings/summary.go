package savings

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// Summary is a member's interest for a calendar year in one asset: the
// figures a Form 1099-INT needs (box 1, interest income; nothing is
// withheld). Interest counts in the year it was paid (credited).
type Summary struct {
	Year        int
	UserID      string
	Handle      string
	Name        string
	Asset       string
	Interest    int64 // minor units paid in the year
	Payouts     int   // payouts with money in them
	FirstPaidAt time.Time
	LastPaidAt  time.Time
}

func checkYear(year int) error {
	if year < 2000 || year > 9999 {
		return nestegg.ParamErrorf(nestegg.Invalid, "year", "a year is four digits, such as 2027")
	}
	return nil
}

// Summaries returns every member's interest summary for year, by member
// and asset, or only userID's when userID is not "". Members with no
// interest paid in the year are left out. A member may read their own;
// the operator every member's. Errors: Invalid (Param "year").
func (s *Service) Summaries(ctx context.Context, year int, userID string) ([]Summary, error) {
	if err := checkYear(year); err != nil {
		return nil, err
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	to := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	q := `SELECT user_id, asset, SUM(amount), COUNT(*), MIN(paid_at), MAX(paid_at) FROM savings_payouts
		WHERE paid_at >= $1 AND paid_at < $2 AND amount > 0`
	args := []any{from, to}
	if userID != "" {
		q += ` AND user_id = $3`
		args = append(args, userID)
	}
	rows, err := s.db.Reader().QueryContext(ctx, q+` GROUP BY user_id, asset ORDER BY user_id, asset`, args...)
	if err != nil {
		return nil, fmt.Errorf("interest summary: %w", err)
	}
	var out []Summary
	for rows.Next() {
		sm := Summary{Year: year}
		var first, last int64
		if err := rows.Scan(&sm.UserID, &sm.Asset, &sm.Interest, &sm.Payouts, &first, &last); err != nil {
			rows.Close()
			return nil, fmt.Errorf("interest summary: %w", err)
		}
		sm.FirstPaidAt, sm.LastPaidAt = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
		out = append(out, sm)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("interest summary: %w", err)
	}
	for i := range out {
		u, err := s.social.UserByID(ctx, out[i].UserID)
		if err != nil && !nestegg.Is(err, nestegg.NotFound) {
			return nil, err
		}
		out[i].Handle, out[i].Name = u.Handle, u.DisplayName
	}
	return out, nil
}

// WriteCSV writes summaries as CSV, one line each after a header.
func WriteCSV(w io.Writer, sums []Summary) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"year", "user_id", "handle", "name", "asset", "interest_income", "interest_income_minor", "federal_tax_withheld", "payouts"})
	for _, sm := range sums {
		a, _ := money.Lookup(sm.Asset)
		_ = cw.Write([]string{strconv.Itoa(sm.Year), sm.UserID, sm.Handle, csvSafe(sm.Name), sm.Asset, money.FormatPlain(sm.Interest, a.Scale),
			strconv.FormatInt(sm.Interest, 10), money.FormatPlain(0, a.Scale), strconv.Itoa(sm.Payouts)})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a member's name from being read as a formula by a
// spreadsheet.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// YieldInput is the partner bank's interest on the cash it holds, for a month.
type YieldInput struct {
	Asset  string
	Amount int64 // minor units, > 0
	// Month is the month it was earned in ("2027-01").
	Month string
	Note  string
	// Key is the idempotency key.
	Key string
}

// RecordYield records the partner bank's yield as the platform's interest
// income: the bank's cash grows by it (a movement touching no member).
// For the operator only. Errors: Invalid (Param "amount", "month",
// "asset"); IdempotencyMismatch for a key used for another request.
func (s *Service) RecordYield(ctx context.Context, in YieldInput) (string, error) {
	a, err := asset(in.Asset)
	if err != nil {
		return "", err
	}
	if err := nestegg.CheckKey(in.Key); err != nil {
		return "", err
	}
	if in.Amount <= 0 || in.Amount > MaxBalance {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must be greater than zero")
	}
	mt, err := time.Parse("2006-01", in.Month)
	if err != nil || mt.Year() < 2000 {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "month", "a month is YYYY-MM, such as 2027-01")
	}
	if len(in.Note) > 200 {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "note", "at most 200 characters")
	}
	m := int64(mt.Year())*12 + int64(mt.Month()) - 1
	if err := s.ledger.EnsurePlatform(ctx, a.Code); err != nil {
		return "", err
	}
	cash, income := ledger.PlatformID(a.Code, ledger.KindCash), ledger.PlatformID(a.Code, ledger.KindInterestIncome)
	req := movement.Request{Kind: movement.BankInterest, Actor: "operator", Key: in.Key, Fingerprint: nestegg.Fingerprint(a.Code, fmt.Sprint(in.Amount), in.Month, in.Note),
		Asset: a.Code, Amount: in.Amount, Note: in.Note, Accounts: []string{cash, income}}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO savings_yields (id, asset, month, amount, note, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			tx.ID(), a.Code, m, in.Amount, in.Note, tx.Now().UnixNano()); err != nil {
			return err
		}
		_, err := tx.Submit(ctx, ledger.Transfer{ID: tx.ID() + ":yield", DebitAccountID: cash, CreditAccountID: income, Amount: in.Amount, Asset: a.Code, Code: "bank_interest"})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("record yield: %w", err)
	}
	return res.ID, nil
}

// MarginMonth is a month of the platform's interest.
type MarginMonth struct {
	Month string // "2027-01"
	// Income is the partner bank's yield recorded for the month, Expense
	// the interest paid to members for it, Net their difference.
	Income, Expense, Net int64
}

// Margin is the platform's net interest margin in asset for each month of
// year. For the operator. Errors: Invalid (Param "year", "asset").
func (s *Service) Margin(ctx context.Context, code string, year int) ([]MarginMonth, MarginMonth, error) {
	a, err := asset(code)
	if err != nil {
		return nil, MarginMonth{}, err
	}
	if err := checkYear(year); err != nil {
		return nil, MarginMonth{}, err
	}
	first := int64(year) * 12
	sums := func(q string) (map[int64]int64, error) {
		rows, err := s.db.Reader().QueryContext(ctx, q, a.Code, first, first+11)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[int64]int64{}
		for rows.Next() {
			var m, v int64
			if err := rows.Scan(&m, &v); err != nil {
				return nil, err
			}
			out[m] = v
		}
		return out, rows.Err()
	}
	income, err := sums(`SELECT month, SUM(amount) FROM savings_yields WHERE asset = $1 AND month >= $2 AND month <= $3 GROUP BY month`)
	if err != nil {
		return nil, MarginMonth{}, fmt.Errorf("margin: %w", err)
	}
	expense, err := sums(`SELECT month, SUM(amount) FROM savings_payouts WHERE asset = $1 AND month >= $2 AND month <= $3 GROUP BY month`)
	if err != nil {
		return nil, MarginMonth{}, fmt.Errorf("margin: %w", err)
	}
	total := MarginMonth{Month: strconv.Itoa(year)}
	out := make([]MarginMonth, 12)
	for i := range out {
		m := first + int64(i)
		out[i] = MarginMonth{Month: monthTime(m).Format("2006-01"), Income: income[m], Expense: expense[m], Net: income[m] - expense[m]}
		total.Income += out[i].Income
		total.Expense += out[i].Expense
	}
	total.Net = total.Income - total.Expense
	return out, total, nil
}
