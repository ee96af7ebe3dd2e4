package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nestegg/nestegg/store"
)

func unixNano(ns int64) time.Time { return time.Unix(0, ns).UTC() }

const accountCols = "id, asset, kind, owner, flags, debits_pending, debits_posted, credits_pending, credits_posted, created_at"
const transferCols = "id, debit_account_id, credit_account_id, amount, asset, code, reference, flags, pending_id, timeout_seconds, ts"

type scanner interface{ Scan(dest ...any) error }

func scanAccount(s scanner) (Account, error) {
	var a Account
	var flags int
	var created int64
	err := s.Scan(&a.ID, &a.Asset, &a.Kind, &a.Owner, &flags, &a.DebitsPending, &a.DebitsPosted, &a.CreditsPending, &a.CreditsPosted, &created)
	a.setFlags(flags)
	a.CreatedAt = unixNano(created)
	return a, err
}

func scanTransfer(s scanner) (Transfer, error) {
	var t Transfer
	var flags int
	var ts int64
	err := s.Scan(&t.ID, &t.DebitAccountID, &t.CreditAccountID, &t.Amount, &t.Asset, &t.Code, &t.Reference, &flags, &t.PendingID, &t.TimeoutSeconds, &ts)
	t.setFlags(flags)
	t.Timestamp = unixNano(ts)
	return t, err
}

// chunks calls fn with successive slices of ids no longer than n.
func chunks(ids []string, n int, fn func(part []string) error) error {
	for len(ids) > 0 {
		k := min(n, len(ids))
		if err := fn(ids[:k]); err != nil {
			return err
		}
		ids = ids[k:]
	}
	return nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// load reads, and on PostgreSQL locks, everything the transfers may touch:
// transfers with their ids (replays), the pending transfers they resolve,
// and every account involved. Accounts are locked in id order so that
// concurrent batches in several processes cannot deadlock on them.
func load(ctx context.Context, tx *sql.Tx, d store.Dialect, e *engine, reqs [][]Transfer) error {
	var ids, pendIDs []string
	acctSet := map[string]bool{}
	for _, ts := range reqs {
		for _, t := range ts {
			ids = append(ids, t.ID)
			if t.PendingID != "" {
				pendIDs = append(pendIDs, t.PendingID)
			}
			if t.DebitAccountID != "" {
				acctSet[t.DebitAccountID] = true
			}
			if t.CreditAccountID != "" {
				acctSet[t.CreditAccountID] = true
			}
		}
	}
	max := d.MaxParams()
	err := chunks(ids, max, func(part []string) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+transferCols+" FROM ledger_transfers WHERE id IN ("+d.List(1, len(part))+")", anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTransfer(rows)
			if err != nil {
				return err
			}
			e.existing[t.ID] = t
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("load transfers: %w", err)
	}
	if len(pendIDs) > 0 {
		slices.Sort(pendIDs)
		pendIDs = slices.Compact(pendIDs)
		err = chunks(pendIDs, max, func(part []string) error {
			rows, err := tx.QueryContext(ctx, "SELECT transfer_id, state, expires_at, resolved_by FROM ledger_pending WHERE transfer_id IN ("+
				d.List(1, len(part))+") ORDER BY transfer_id"+d.ForUpdate(), anys(part)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				p := &pendingState{}
				if err := rows.Scan(&p.t.ID, &p.state, &p.expiresAt, &p.resolvedBy); err != nil {
					return err
				}
				e.pendings[p.t.ID] = p
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("load pending: %w", err)
		}
		var missing []string
		for _, p := range e.pendings {
			if t, ok := e.existing[p.t.ID]; ok {
				p.t = t
			} else {
				missing = append(missing, p.t.ID)
			}
		}
		err = chunks(missing, max, func(part []string) error {
			rows, err := tx.QueryContext(ctx, "SELECT "+transferCols+" FROM ledger_transfers WHERE id IN ("+d.List(1, len(part))+")", anys(part)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				t, err := scanTransfer(rows)
				if err != nil {
					return err
				}
				e.pendings[t.ID].t = t
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("load pending transfers: %w", err)
		}
		for _, p := range e.pendings {
			acctSet[p.t.DebitAccountID] = true
			acctSet[p.t.CreditAccountID] = true
		}
	}
	accts := make([]string, 0, len(acctSet))
	for id := range acctSet {
		accts = append(accts, id)
	}
	slices.Sort(accts)
	err = chunks(accts, max, func(part []string) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+accountCols+" FROM ledger_accounts WHERE id IN ("+
			d.List(1, len(part))+") ORDER BY id"+d.ForUpdate(), anys(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAccount(rows)
			if err != nil {
				return err
			}
			e.accounts[a.ID] = &a
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("load accounts: %w", err)
	}
	return nil
}

// save writes what the engine changed: new transfers, new and resolved
// pending states, and the balances of touched accounts.
func save(ctx context.Context, tx *sql.Tx, d store.Dialect, e *engine) error {
	const tcols = 11
	per := d.MaxParams() / tcols
	for out := e.out; len(out) > 0; {
		part := out[:min(per, len(out))]
		out = out[len(part):]
		args := make([]any, 0, len(part)*tcols)
		for _, t := range part {
			args = append(args, t.ID, t.DebitAccountID, t.CreditAccountID, t.Amount, t.Asset, t.Code, t.Reference,
				t.flags(), t.PendingID, t.TimeoutSeconds, t.Timestamp.UnixNano())
		}
		q := "INSERT INTO ledger_transfers (" + transferCols + ") VALUES " + d.Placeholders(1, len(part), tcols)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("insert transfers: %w", err)
		}
	}
	var newP []*pendingState
	for _, p := range e.pendings {
		if p.isNew {
			newP = append(newP, p)
		} else if p.dirty {
			if _, err := tx.ExecContext(ctx, "UPDATE ledger_pending SET state = $1, resolved_by = $2 WHERE transfer_id = $3",
				p.state, p.resolvedBy, p.t.ID); err != nil {
				return fmt.Errorf("update pending: %w", err)
			}
		}
	}
	for per := d.MaxParams() / 4; len(newP) > 0; {
		part := newP[:min(per, len(newP))]
		newP = newP[len(part):]
		args := make([]any, 0, len(part)*4)
		for _, p := range part {
			args = append(args, p.t.ID, p.state, p.expiresAt, p.resolvedBy)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO ledger_pending (transfer_id, state, expires_at, resolved_by) VALUES "+
			d.Placeholders(1, len(part), 4), args...); err != nil {
			return fmt.Errorf("insert pending: %w", err)
		}
	}
	ids := make([]string, 0, len(e.dirty))
	for id := range e.dirty {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	const acols = 5
	for per := d.MaxParams() / acols; len(ids) > 0; {
		part := ids[:min(per, len(ids))]
		ids = ids[len(part):]
		if err := updateBalances(ctx, tx, d, part, e.accounts); err != nil {
			return err
		}
	}
	return nil
}

const updateBalance = "UPDATE ledger_accounts SET debits_pending = $1, debits_posted = $2, credits_pending = $3, credits_posted = $4 WHERE id = $5"

// updateBalances writes absolute balances computed under lock. On
// PostgreSQL one UPDATE … FROM (VALUES …) saves a round trip per account
// (VALUES columns are named column1… and the casts give the types). SQLite
// would scan the table for that join, and has no round trips to save, so it
// runs one prepared UPDATE per account.
func updateBalances(ctx context.Context, tx *sql.Tx, d store.Dialect, ids []string, accts map[string]*Account) error {
	if len(ids) == 1 || !d.RoundTrips() {
		st, err := tx.PrepareContext(ctx, updateBalance)
		if err != nil {
			return fmt.Errorf("update balance: %w", err)
		}
		defer st.Close()
		for _, id := range ids {
			a := accts[id]
			if _, err := st.ExecContext(ctx, a.DebitsPending, a.DebitsPosted, a.CreditsPending, a.CreditsPosted, a.ID); err != nil {
				return fmt.Errorf("update balance: %w", err)
			}
		}
		return nil
	}
	var b strings.Builder
	b.WriteString("UPDATE ledger_accounts SET debits_pending = v.column2, debits_posted = v.column3, credits_pending = v.column4, credits_posted = v.column5 FROM (VALUES ")
	args := make([]any, 0, len(ids)*5)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		n := i*5 + 1
		fmt.Fprintf(&b, "(CAST($%d AS TEXT),CAST($%d AS BIGINT),CAST($%d AS BIGINT),CAST($%d AS BIGINT),CAST($%d AS BIGINT))", n, n+1, n+2, n+3, n+4)
		a := accts[id]
		args = append(args, a.ID, a.DebitsPending, a.DebitsPosted, a.CreditsPending, a.CreditsPosted)
	}
	b.WriteString(") AS v WHERE ledger_accounts.id = v.column1")
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("update balances: %w", err)
	}
	return nil
}

// saveRiders inserts the requests' riders, one multi-row INSERT per table.
func saveRiders(ctx context.Context, tx *sql.Tx, d store.Dialect, riders []*Rider, results [][]Result) error {
	type group struct {
		r    *Rider
		rows [][]any
	}
	var groups []*group
	byKey := map[string]*group{}
	for i, r := range riders {
		if r == nil {
			continue
		}
		row := r.Row(results[i])
		if row == nil {
			continue
		}
		if len(row) != len(r.Columns) {
			return fmt.Errorf("rider for %s: %d values for %d columns", r.Table, len(row), len(r.Columns))
		}
		key := r.Table + "(" + strings.Join(r.Columns, ",") + ")"
		g := byKey[key]
		if g == nil {
			g = &group{r: r}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, row)
	}
	for _, g := range groups {
		cols := len(g.r.Columns)
		per := d.MaxParams() / cols
		for rows := g.rows; len(rows) > 0; {
			part := rows[:min(per, len(rows))]
			rows = rows[len(part):]
			args := make([]any, 0, len(part)*cols)
			for _, row := range part {
				args = append(args, row...)
			}
			q := "INSERT INTO " + g.r.Table + " (" + strings.Join(g.r.Columns, ", ") + ") VALUES " +
				d.Placeholders(1, len(part), cols) + " ON CONFLICT DO NOTHING"
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("insert riders into %s: %w", g.r.Table, err)
			}
		}
	}
	return nil
}
