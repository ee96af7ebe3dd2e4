package ledger

import (
	"context"
	"fmt"
	"sort"
)

// Audit checks the books from scratch, in the spirit of TigerBeetle's
// auditor, and returns every problem found (none: the books hold):
//
//   - per asset, Σ debits = Σ credits, posted and pending;
//   - every account's four balances equal what its transfers add up to
//     (posted: plain and posting transfers; pending: reservations still
//     pending);
//   - no constrained account breaks its flag.
//
// visit, when not nil, sees every transfer in commit order with its two
// accounts, so that a caller can check what the transfers belong to. Audit
// reads the whole ledger: for tests and for the operator's occasional
// check, not for a request's path. Errors: database failures only.
func (l *Ledger) Audit(ctx context.Context, visit func(t Transfer, debit, credit Account)) ([]string, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	r := l.db.Reader()
	accounts := map[string]*Account{}
	rows, err := r.QueryContext(ctx, "SELECT "+accountCols+" FROM ledger_accounts ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("audit accounts: %w", err)
	}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("audit accounts: %w", err)
		}
		accounts[a.ID] = &a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit accounts: %w", err)
	}
	pendingState := map[string]string{}
	rows, err = r.QueryContext(ctx, "SELECT transfer_id, state FROM ledger_pending")
	if err != nil {
		return nil, fmt.Errorf("audit pending: %w", err)
	}
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			rows.Close()
			return nil, fmt.Errorf("audit pending: %w", err)
		}
		pendingState[id] = st
	}
	rows.Close()
	type sums struct{ dp, dpo, cp, cpo int64 }
	got := map[string]*sums{}
	sumOf := func(id string) *sums {
		if got[id] == nil {
			got[id] = &sums{}
		}
		return got[id]
	}
	rows, err = r.QueryContext(ctx, "SELECT "+transferCols+" FROM ledger_transfers ORDER BY ts, id")
	if err != nil {
		return nil, fmt.Errorf("audit transfers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("audit transfers: %w", err)
		}
		dr, cr := accounts[t.DebitAccountID], accounts[t.CreditAccountID]
		if dr == nil || cr == nil {
			bad("transfer %s names an account that does not exist", t.ID)
			continue
		}
		d, c := sumOf(dr.ID), sumOf(cr.ID)
		switch {
		case t.Pending:
			if pendingState[t.ID] == statePending {
				d.dp += t.Amount
				c.cp += t.Amount
			}
		case t.VoidPending:
		default: // plain, or posting a reservation
			d.dpo += t.Amount
			c.cpo += t.Amount
		}
		if visit != nil {
			visit(t, *dr, *cr)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit transfers: %w", err)
	}
	type total struct{ d, c, dp, cp int64 }
	totals := map[string]*total{}
	for _, a := range accounts {
		s := sumOf(a.ID)
		if s.dp != a.DebitsPending || s.dpo != a.DebitsPosted || s.cp != a.CreditsPending || s.cpo != a.CreditsPosted {
			bad("account %s: balances (debits %d+%d pending, credits %d+%d pending) differ from its transfers (debits %d+%d, credits %d+%d)",
				a.ID, a.DebitsPosted, a.DebitsPending, a.CreditsPosted, a.CreditsPending, s.dpo, s.dp, s.cpo, s.cp)
		}
		if a.DebitsMustNotExceedCredits && a.DebitsPending+a.DebitsPosted > a.CreditsPosted {
			bad("account %s: debits %d exceed credits %d", a.ID, a.DebitsPending+a.DebitsPosted, a.CreditsPosted)
		}
		if a.CreditsMustNotExceedDebits && a.CreditsPending+a.CreditsPosted > a.DebitsPosted {
			bad("account %s: credits %d exceed debits %d", a.ID, a.CreditsPending+a.CreditsPosted, a.DebitsPosted)
		}
		t := totals[a.Asset]
		if t == nil {
			t = &total{}
			totals[a.Asset] = t
		}
		t.d += a.DebitsPosted
		t.c += a.CreditsPosted
		t.dp += a.DebitsPending
		t.cp += a.CreditsPending
	}
	for asset, t := range totals {
		if t.d != t.c || t.dp != t.cp {
			bad("asset %s: debits %d (%d pending) ≠ credits %d (%d pending)", asset, t.d, t.dp, t.c, t.cp)
		}
	}
	sort.Strings(problems)
	return problems, nil
}
