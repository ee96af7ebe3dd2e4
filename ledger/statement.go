package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
)

// Reads for statements (package movement builds members' statements on
// them): where a history page starts, what an account held at a point of
// its history, and the transfers of a period.

// HistoryCursor is the History cursor that starts after the transfer
// (at, id) — at its Timestamp in Unix nanoseconds — for a caller that keeps
// its own cursor and resumes History from it.
func HistoryCursor(at int64, id string) string { return encodeCursor(at, id) }

// postedFlags are the flags of transfers that change no posted balance: a
// reservation, and the void (or expiry) that releases one.
const postedFlags = flagPending | flagVoid

// PostedAfter returns the account and its posted balance (credits_posted -
// debits_posted) as it stood just after the transfer (at, id) of its
// history, ordered by (Timestamp, ID): today's, less the net posted change
// of every later transfer. With id "" it is the balance before anything at
// or after at. One statement reads both, so a transfer committing meanwhile
// is either in the balance and subtracted, or in neither: a statement
// walking back from it stays true. The cost grows with the transfers after
// (at, id): use it near the present. NotFound if the account does not exist.
func (l *Ledger) PostedAfter(ctx context.Context, accountID string, at time.Time, id string) (Account, int64, error) {
	later := func(side string) string {
		return "(SELECT COALESCE(SUM(amount), 0) FROM ledger_transfers WHERE " + side + " = $1 AND (flags & $4) = 0 AND (ts > $2 OR (ts = $2 AND id > $3)))"
	}
	q := "SELECT " + accountCols + ", " + later("credit_account_id") + ", " + later("debit_account_id") + " FROM ledger_accounts WHERE id = $1"
	var credits, debits int64
	row := l.db.Reader().QueryRowContext(ctx, q, accountID, at.UnixNano(), id, postedFlags)
	a, err := scanAccount(scannerFunc(func(dest ...any) error { return row.Scan(append(dest, &credits, &debits)...) }))
	if err != nil {
		err = l.db.Translate(err)
		if nestegg.Is(err, nestegg.NotFound) {
			return Account{}, 0, nestegg.ParamErrorf(nestegg.NotFound, "id", "no account %q", accountID)
		}
		return Account{}, 0, fmt.Errorf("posted balance of %s: %w", accountID, err)
	}
	return a, a.CreditsPosted - a.DebitsPosted - (credits - debits), nil
}

type scannerFunc func(dest ...any) error

func (f scannerFunc) Scan(dest ...any) error { return f(dest...) }

// Between returns the account's transfers with from <= Timestamp < to,
// oldest first (by Timestamp, then ID): a period of its history, whole.
// NotFound if the account does not exist; Invalid when to is before from.
func (l *Ledger) Between(ctx context.Context, accountID string, from, to time.Time) ([]Transfer, error) {
	if to.Before(from) {
		return nil, nestegg.Errorf(nestegg.Invalid, "a period ends after it starts")
	}
	if _, err := l.Account(ctx, accountID); err != nil {
		return nil, err
	}
	q := "SELECT " + transferCols + " FROM ledger_transfers WHERE debit_account_id = $1 AND ts >= $2 AND ts < $3" +
		" UNION ALL SELECT " + transferCols + " FROM ledger_transfers WHERE credit_account_id = $1 AND ts >= $2 AND ts < $3" +
		" ORDER BY ts, id"
	rows, err := l.db.Reader().QueryContext(ctx, q, accountID, from.UnixNano(), to.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("transfers of %s: %w", accountID, err)
	}
	defer rows.Close()
	var out []Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("transfers of %s: %w", accountID, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("transfers of %s: %w", accountID, err)
	}
	return out, nil
}

// Flow is what the posted transfers of one code moved into (Credits) and
// out of (Debits) one account in one day, in minor units, and how many
// transfers did.
type Flow struct {
	Day       time.Time // 00:00 UTC
	AccountID string
	Code      string
	Credits   int64
	Debits    int64
	Count     int64
}

// Flows returns, for each of the accounts, day by day (UTC) from from to
// to (both at 00:00 UTC), the posted transfers' amounts by code: the same
// transfers, by the same rule, as the accounts' posted balances, so that
// a report built on them adds up to the ledger to the cent. Reservations
// and their voids are left out (they change no posted balance). Errors:
// Invalid for a period that does not start and end at midnight UTC or
// ends before it starts.
func (l *Ledger) Flows(ctx context.Context, accountIDs []string, from, to time.Time) ([]Flow, error) {
	const day = int64(24 * time.Hour)
	if to.Before(from) || from.UnixNano()%day != 0 || to.UnixNano()%day != 0 {
		return nil, nestegg.Errorf(nestegg.Invalid, "a report's period is whole UTC days")
	}
	if len(accountIDs) == 0 {
		return nil, nil
	}
	out := map[[3]string]*Flow{}
	var order [][3]string
	for _, side := range []string{"credit_account_id", "debit_account_id"} {
		in, args := l.db.Dialect.In(side, accountIDs)
		n := len(args)
		args = append(args, from.UnixNano(), to.UnixNano(), postedFlags)
		q := fmt.Sprintf(`SELECT %s, code, ts / %d, SUM(amount), COUNT(*) FROM ledger_transfers
			WHERE %s AND ts >= $%d AND ts < $%d AND (flags & $%d) = 0 GROUP BY %s, code, ts / %d`,
			side, day, in, n+1, n+2, n+3, side, day)
		rows, err := l.db.Reader().QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("ledger flows: %w", err)
		}
		for rows.Next() {
			var acct, code string
			var d, sum, count int64
			if err := rows.Scan(&acct, &code, &d, &sum, &count); err != nil {
				rows.Close()
				return nil, fmt.Errorf("ledger flows: %w", err)
			}
			k := [3]string{fmt.Sprint(d), acct, code}
			f := out[k]
			if f == nil {
				f = &Flow{Day: time.Unix(0, d*day).UTC(), AccountID: acct, Code: code}
				out[k] = f
				order = append(order, k)
			}
			if side == "credit_account_id" {
				f.Credits += sum
			} else {
				f.Debits += sum
			}
			f.Count += count
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("ledger flows: %w", err)
		}
	}
	flows := make([]Flow, 0, len(order))
	for _, k := range order {
		flows = append(flows, *out[k])
	}
	return flows, nil
}
