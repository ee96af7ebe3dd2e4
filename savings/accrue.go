package savings

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/social"
)

// maxDaysPerRun bounds the days one account accrues in one transaction
// (a server that was down for longer catches up over several runs).
const maxDaysPerRun = 400

// Stats is what a run of the jobs did.
type Stats struct {
	// Days accrued (account-days) and Payouts made (account-months,
	// including months whose interest was under a minor unit).
	Days, Payouts int
	// Paid is the interest paid, in minor units of every asset together.
	Paid int64
}

// Run accrues every open account up to yesterday and pays every month that
// has ended: what serve runs in its background jobs. Safe in several
// processes at once (see the package comment). Errors: database failures.
func (s *Service) Run(ctx context.Context) (Stats, error) {
	var st Stats
	var err error
	if st.Days, err = s.Accrue(ctx); err != nil {
		return st, err
	}
	st.Payouts, st.Paid, err = s.Pay(ctx)
	return st, err
}

// accounts reads every account row whose column col is below limit(row).
func (s *Service) accounts(ctx context.Context, where string, args ...any) ([]row, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, user_id, asset, opened_on, accrued_through, paid_through, created_at FROM savings_accounts WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("savings accounts: %w", err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.userID, &r.asset, &r.openedOn, &r.accruedThrough, &r.paidThrough, &r.createdAt); err != nil {
			return nil, fmt.Errorf("savings accounts: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Accrue records, for every account, each ended day not yet accrued: the
// balance at the day's end and the day's exact interest numerator under
// the rate in force that day. It returns the account-days accrued.
// Errors: database failures.
func (s *Service) Accrue(ctx context.Context) (int, error) {
	yesterday := dayOf(s.now()) - 1
	accts, err := s.accounts(ctx, "accrued_through < $1", yesterday)
	if err != nil {
		return 0, err
	}
	byAsset := map[string]schedule{}
	n := 0
	for _, r := range accts {
		sc, ok := byAsset[r.asset]
		if !ok {
			if sc, err = s.rates(ctx, r.asset); err != nil {
				return n, err
			}
			byAsset[r.asset] = sc
		}
		done, err := s.accrue(ctx, r, sc, yesterday)
		if err != nil {
			return n, err
		}
		n += done
	}
	return n, nil
}

type accrual struct {
	day, balance, num int64
	rate              string
}

// accrue accrues r's days after accrued_through up to through, in one
// transaction guarded by accrued_through: a concurrent run that got there
// first makes this one a no-op.
func (s *Service) accrue(ctx context.Context, r row, sc schedule, through int64) (int, error) {
	last := min(through, r.accruedThrough+maxDaysPerRun)
	var days []accrual
	for d := r.accruedThrough + 1; d <= last; d++ {
		// The balance before anything at or after the next day began.
		_, bal, err := s.ledger.PostedAfter(ctx, r.id, dayTime(d+1), "")
		if err != nil {
			return 0, fmt.Errorf("savings balance on day %d: %w", d, err)
		}
		a := accrual{day: d, balance: bal}
		if rate, ok := sc.at(d); ok && bal > 0 {
			a.num, a.rate = numerator(bal, rate.Tiers), rate.ID
		}
		days = append(days, a)
	}
	if len(days) == 0 {
		return 0, nil
	}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE savings_accounts SET accrued_through = $2 WHERE id = $1 AND accrued_through = $3`, r.id, last, r.accruedThrough)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return nestegg.Errorf(nestegg.Conflict, "accrued by another run")
		}
		for _, a := range days {
			if _, err := tx.ExecContext(ctx, `INSERT INTO savings_accruals (account_id, day, balance, numerator, rate_id) VALUES ($1, $2, $3, $4, $5)`,
				r.id, a.day, a.balance, a.num, a.rate); err != nil {
				return err
			}
		}
		return nil
	})
	if nestegg.Is(err, nestegg.Conflict) {
		return 0, nil // another process accrued these days
	}
	if err != nil {
		return 0, fmt.Errorf("savings accrue %s: %w", r.id, err)
	}
	return len(days), nil
}

// Pay pays, for every account, each month that has ended and is accrued
// to its last day: the month's numerators and the remainder carried in,
// in whole minor units from the platform's interest expense account, the
// fraction left carried into the next month. It returns the payouts made
// and the total paid. Errors: database failures.
func (s *Service) Pay(ctx context.Context) (int, int64, error) {
	thisMonth := monthOf(dayOf(s.now()))
	accts, err := s.accounts(ctx, "paid_through < $1", thisMonth-1)
	if err != nil {
		return 0, 0, err
	}
	n, paid := 0, int64(0)
	for _, r := range accts {
		for m := r.paidThrough + 1; m < thisMonth && lastDay(m) <= r.accruedThrough; m++ {
			amount, err := s.pay(ctx, r, m)
			if nestegg.Is(err, nestegg.Conflict) {
				break // another process paid it
			}
			if err != nil {
				return n, paid, err
			}
			n++
			paid += amount
		}
	}
	return n, paid, nil
}

// payout is a month's payout row.
type payout struct {
	carriedIn, accrued, amount, carriedOut int64
}

// pay pays month m of r (whose paid_through is m-1).
func (s *Service) pay(ctx context.Context, r row, m int64) (int64, error) {
	var p payout
	var err error
	if p.carriedIn, err = s.carried(ctx, s.db.Reader(), r.id, m-1); err != nil {
		return 0, err
	}
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COALESCE(SUM(numerator), 0) FROM savings_accruals WHERE account_id = $1 AND day >= $2 AND day <= $3`,
		r.id, firstDay(m), lastDay(m)).Scan(&p.accrued); err != nil {
		return 0, fmt.Errorf("savings month: %w", err)
	}
	total, err := money.Add(p.carriedIn, p.accrued)
	if err != nil {
		return 0, err
	}
	p.amount, p.carriedOut = total/Denominator, total%Denominator
	record := func(ctx context.Context, tx *sql.Tx, movementID string, at int64) error {
		res, err := tx.ExecContext(ctx, `UPDATE savings_accounts SET paid_through = $2 WHERE id = $1 AND paid_through = $3`, r.id, m, m-1)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return nestegg.Errorf(nestegg.Conflict, "paid by another run")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO savings_payouts (account_id, month, user_id, asset, carried_in, accrued, amount, carried_out, movement_id, paid_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.id, m, r.userID, r.asset, p.carriedIn, p.accrued, p.amount, p.carriedOut, movementID, at)
		return err
	}
	if p.amount == 0 {
		// Under a minor unit: nothing moves, the fraction is carried.
		err := s.db.Write(ctx, func(tx *sql.Tx) error { return record(ctx, tx, "", s.now().UnixNano()) })
		if err != nil {
			return 0, fmt.Errorf("savings payout %s %d: %w", r.id, m, err)
		}
		return 0, nil
	}
	if err := s.ledger.EnsurePlatform(ctx, r.asset); err != nil {
		return 0, err
	}
	a, _ := money.Lookup(r.asset)
	month := monthTime(m).Format("January 2006")
	req := movement.Request{Kind: movement.SavingsInterest, Actor: "job", Key: fmt.Sprintf("savings-interest:%s:%d", r.id, m),
		Fingerprint: nestegg.Fingerprint(r.id, fmt.Sprint(m), fmt.Sprint(p.amount)), To: r.userID, Asset: r.asset, Amount: p.amount,
		Note: "Interest for " + month, Accounts: []string{expenseID(r.asset), r.id}}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		if err := record(ctx, tx.SQL, tx.ID(), tx.Now().UnixNano()); err != nil {
			return err
		}
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: tx.ID() + ":int", DebitAccountID: expenseID(r.asset), CreditAccountID: r.id,
			Amount: p.amount, Asset: r.asset, Code: "savings_interest"}); err != nil {
			return err
		}
		return s.social.Notify(ctx, tx.SQL, r.userID, social.NotificationKind(NotifyInterest), "", "",
			fmt.Sprintf("%s of interest for %s was paid into your savings.", money.Format(money.Amount{Asset: a, Minor: p.amount}), month))
	})
	if err != nil {
		return 0, fmt.Errorf("savings payout %s %d: %w", r.id, m, err)
	}
	if res.Replayed {
		return 0, nestegg.Errorf(nestegg.Conflict, "paid by another run")
	}
	return p.amount, nil
}
