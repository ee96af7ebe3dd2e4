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

// load reads, and on PostgreSQL locks, everything the transfers may touch:
// transfers with their ids (replays), the pending transfers they resolve,
// and every account involved. Accounts are locked in id order so that
// concurrent batches in several processes cannot deadlock on them.
//
// What e already holds (a batch of units of work loads as each unit
// submits) is not read again: the engine's state is newer than the table's.
//
// With lookUpIDs false the transfers' own ids are not read (see batchTx).
func load(ctx context.Context, tx *sql.Tx, d store.Dialect, e *engine, reqs [][]Transfer, lookUpIDs bool) error {
	var ids, pendIDs []string
	acctSet := map[string]bool{}
	for _, ts := range reqs {
		for _, t := range ts {
			if _, ok := e.existing[t.ID]; !ok && lookUpIDs {
				if _, ok := e.created[t.ID]; !ok {
					ids = append(ids, t.ID)
				}
			}
			if t.PendingID != "" {
				if _, ok := e.pendings[t.PendingID]; !ok {
					pendIDs = append(pendIDs, t.PendingID)
				}
			}
			if t.DebitAccountID != "" && e.accounts[t.DebitAccountID] == nil {
				acctSet[t.DebitAccountID] = true
			}
			if t.CreditAccountID != "" && e.accounts[t.CreditAccountID] == nil {
				acctSet[t.CreditAccountID] = true
			}
		}
	}
	max := d.MaxParams()
	err := chunks(ids, max, func(part []string) error {
		in, args := d.In("id", part)
		rows, err := tx.QueryContext(ctx, "SELECT "+transferCols+" FROM ledger_transfers WHERE "+in, args...)
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
		var loaded []*pendingState
		slices.Sort(pendIDs)
		pendIDs = slices.Compact(pendIDs)
		err = chunks(pendIDs, max, func(part []string) error {
			in, args := d.In("transfer_id", part)
			rows, err := tx.QueryContext(ctx, "SELECT transfer_id, state, expires_at, resolved_by FROM ledger_pending WHERE "+
				in+" ORDER BY transfer_id"+d.ForUpdate(), args...)
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
				loaded = append(loaded, p)
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("load pending: %w", err)
		}
		var missing []string
		for _, p := range loaded {
			if t, ok := e.existing[p.t.ID]; ok {
				p.t = t
			} else {
				missing = append(missing, p.t.ID)
			}
		}
		err = chunks(missing, max, func(part []string) error {
			in, args := d.In("id", part)
			rows, err := tx.QueryContext(ctx, "SELECT "+transferCols+" FROM ledger_transfers WHERE "+in, args...)
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
		for _, p := range loaded {
			for _, id := range []string{p.t.DebitAccountID, p.t.CreditAccountID} {
				if e.accounts[id] == nil {
					acctSet[id] = true
				}
			}
		}
	}
	accts := make([]string, 0, len(acctSet))
	for id := range acctSet {
		accts = append(accts, id)
	}
	slices.Sort(accts)
	return loadAccounts(ctx, tx, d, e, accts)
}

var (
	transferColumns = []store.Column{{Name: "id", Type: "TEXT"}, {Name: "debit_account_id", Type: "TEXT"}, {Name: "credit_account_id", Type: "TEXT"},
		{Name: "amount", Type: "BIGINT"}, {Name: "asset", Type: "TEXT"}, {Name: "code", Type: "TEXT"}, {Name: "reference", Type: "TEXT"},
		{Name: "flags", Type: "INTEGER"}, {Name: "pending_id", Type: "TEXT"}, {Name: "timeout_seconds", Type: "BIGINT"}, {Name: "ts", Type: "BIGINT"}}
	pendingColumns = []store.Column{{Name: "transfer_id", Type: "TEXT"}, {Name: "state", Type: "TEXT"}, {Name: "expires_at", Type: "BIGINT"}, {Name: "resolved_by", Type: "TEXT"}}
	pendingUpdate  = []store.Column{{Name: "transfer_id", Type: "TEXT"}, {Name: "state", Type: "TEXT"}, {Name: "resolved_by", Type: "TEXT"}}
	balanceColumns = []store.Column{{Name: "id", Type: "TEXT"}, {Name: "debits_pending", Type: "BIGINT"}, {Name: "debits_posted", Type: "BIGINT"},
		{Name: "credits_pending", Type: "BIGINT"}, {Name: "credits_posted", Type: "BIGINT"}}
)

// save writes what the engine changed: new transfers, new and resolved
// pending states, and the absolute balances of touched accounts (computed
// under lock), in account id order.
func save(ctx context.Context, tx *sql.Tx, d store.Dialect, e *engine) error {
	if len(e.out) > 0 {
		b := d.NewBulk(transferColumns...)
		for _, t := range e.out {
			b.Add(t.ID, t.DebitAccountID, t.CreditAccountID, t.Amount, t.Asset, t.Code, t.Reference,
				t.flags(), t.PendingID, t.TimeoutSeconds, t.Timestamp.UnixNano())
		}
		if err := b.Insert(ctx, tx, "ledger_transfers", ""); err != nil {
			return err
		}
	}
	ins, upd := d.NewBulk(pendingColumns...), d.NewBulk(pendingUpdate...)
	for _, p := range e.pendings {
		if p.isNew {
			ins.Add(p.t.ID, p.state, p.expiresAt, p.resolvedBy)
		} else if p.dirty {
			upd.Add(p.t.ID, p.state, p.resolvedBy)
		}
	}
	if ins.Len() > 0 {
		if err := ins.Insert(ctx, tx, "ledger_pending", ""); err != nil {
			return err
		}
	}
	if err := upd.Update(ctx, tx, "ledger_pending"); err != nil {
		return err
	}
	ids := make([]string, 0, len(e.dirty))
	for id := range e.dirty {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	bal := d.NewBulk(balanceColumns...)
	for _, id := range ids {
		a := e.accounts[id]
		bal.Add(a.ID, a.DebitsPending, a.DebitsPosted, a.CreditsPending, a.CreditsPosted)
	}
	return bal.Update(ctx, tx, "ledger_accounts")
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
		if r == nil || results[i] == nil {
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
			// A keyed rider was checked by takenRiders, but a concurrent batch
			// (another committer or process) may have taken the key since:
			// then the plain INSERT's unique violation reruns the batch, whose
			// check now sees the key and treats the request as a replay.
			suffix := " ON CONFLICT DO NOTHING"
			if g.r.Key > 0 {
				suffix = ""
			}
			q := "INSERT INTO " + g.r.Table + " (" + strings.Join(g.r.Columns, ", ") + ") VALUES " +
				d.Placeholders(1, len(part), cols) + suffix
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("insert riders into %s: %w", g.r.Table, err)
			}
		}
	}
	return nil
}

// takenRiders reports, per request, whether its rider's key already exists
// in its table — or appears in an earlier request of the same batch, which
// commits first. One query per table and batch.
func takenRiders(ctx context.Context, tx *sql.Tx, d store.Dialect, riders []*Rider) ([]bool, error) {
	taken := make([]bool, len(riders))
	byTable := map[string][]int{}
	var tables []string
	for i, r := range riders {
		if r == nil || r.Key <= 0 {
			continue
		}
		if _, ok := byTable[r.Table]; !ok {
			tables = append(tables, r.Table)
		}
		byTable[r.Table] = append(byTable[r.Table], i)
	}
	for _, table := range tables {
		idx := byTable[table]
		r0 := riders[idx[0]]
		cols := r0.Columns[:r0.Key]
		keyOf := func(vals []any) string {
			var b strings.Builder
			for _, v := range vals {
				fmt.Fprintf(&b, "%v\x00", v)
			}
			return b.String()
		}
		found := map[string]bool{}
		per := d.MaxParams() / len(cols)
		for start := 0; start < len(idx); start += per {
			part := idx[start:min(start+per, len(idx))]
			keys := make([][]any, len(part))
			for n, i := range part {
				keys[n] = riders[i].KeyValues
			}
			in, args := d.InTuples(cols, keys)
			rows, err := tx.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+table+" WHERE "+in, args...)
			if err != nil {
				return nil, fmt.Errorf("rider keys in %s: %w", table, err)
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for rows.Next() {
				for c := range vals {
					ptrs[c] = &vals[c]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return nil, fmt.Errorf("rider keys in %s: %w", table, err)
				}
				found[keyOf(normalize(vals))] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("rider keys in %s: %w", table, err)
			}
		}
		for _, i := range idx {
			k := keyOf(normalize(riders[i].KeyValues))
			taken[i] = found[k]
			found[k] = true // a later request in this batch with the same key is a replay of this one
		}
	}
	return taken, nil
}

// normalize makes scanned and given key values print alike ([]byte from
// SQLite TEXT becomes string).
func normalize(vals []any) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		out[i] = v
	}
	return out
}

// loadAccounts reads the accounts with ids (sorted) into e, locking them
// on PostgreSQL in id order, before a batch of units of work runs any:
// the batch never waits on another in a cycle, and its units find their
// accounts in memory instead of reading them one unit at a time.
func loadAccounts(ctx context.Context, tx *sql.Tx, d store.Dialect, e *engine, ids []string) error {
	return chunks(ids, d.MaxParams(), func(part []string) error {
		in, args := d.In("id", part)
		rows, err := tx.QueryContext(ctx, "SELECT "+accountCols+" FROM ledger_accounts WHERE "+in+" ORDER BY id"+d.ForUpdate(), args...)
		if err != nil {
			return fmt.Errorf("load accounts: %w", err)
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
}
