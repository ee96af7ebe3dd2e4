package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Column is one column of a bulk statement: its name and SQL type
// ("TEXT", "BIGINT", "INTEGER").
type Column struct{ Name, Type string }

// Bulk builds statements over many rows at once, each the fastest form its
// database has: on PostgreSQL one array parameter per column, expanded with
// unnest (one parse and a handful of parameters however many rows); on
// SQLite a multi-row VALUES list with anonymous placeholders. Values must be
// string, int64 or int, or nil for NULL in a TEXT column.
type Bulk struct {
	d    Dialect
	cols []Column
	rows [][]any
}

// NewBulk starts a bulk statement over cols.
func (d Dialect) NewBulk(cols ...Column) *Bulk { return &Bulk{d: d, cols: cols} }

// Add appends one row; it must have one value per column.
func (b *Bulk) Add(vals ...any) { b.rows = append(b.rows, vals) }

// Len is the number of rows added.
func (b *Bulk) Len() int { return len(b.rows) }

// maxRows keeps SQLite statements under its parameter limit.
func (b *Bulk) maxRows() int {
	if b.d == Postgres {
		return 1 << 30
	}
	return b.d.MaxParams() / len(b.cols)
}

// source returns the row source — "unnest(…) AS v(cols)" or
// "(VALUES …) AS v" — and its arguments, for rows. VALUES columns are named
// column1…; Name gives the name to use for column i.
func (b *Bulk) source(rows [][]any) (string, []any) {
	if b.d == Postgres {
		var sb strings.Builder
		sb.WriteString("unnest(")
		args := make([]any, len(b.cols))
		for i, c := range b.cols {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "CAST($%d AS %s[])", i+1, c.Type)
			args[i] = column(rows, i)
		}
		sb.WriteString(") AS v(")
		for i, c := range b.cols {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(c.Name)
		}
		sb.WriteString(")")
		return sb.String(), args
	}
	args := make([]any, 0, len(rows)*len(b.cols))
	for _, r := range rows {
		args = append(args, r...)
	}
	return "(VALUES " + b.d.Placeholders(1, len(rows), len(b.cols)) + ") AS v", args
}

// name is how statements refer to column i of the source.
func (b *Bulk) name(i int) string {
	if b.d == Postgres {
		return "v." + b.cols[i].Name
	}
	return "v.column" + strconv.Itoa(i+1)
}

// column gathers column i of rows into a typed slice, which pgx sends as an
// array.
func column(rows [][]any, i int) any {
	text, null := false, false
	for _, r := range rows {
		switch r[i].(type) {
		case string:
			text = true
		case nil:
			null = true
		}
	}
	switch {
	case null:
		// A TEXT column with NULLs in it.
		out := make([]*string, len(rows))
		for k, r := range rows {
			if s, ok := r[i].(string); ok {
				out[k] = &s
			}
		}
		return out
	case text:
		out := make([]string, len(rows))
		for k, r := range rows {
			out[k] = r[i].(string)
		}
		return out
	default:
		out := make([]int64, len(rows))
		for k, r := range rows {
			switch v := r[i].(type) {
			case int64:
				out[k] = v
			case int:
				out[k] = int64(v)
			default:
				panic(fmt.Sprintf("store.Bulk: unsupported value %T", v))
			}
		}
		return out
	}
}

// Insert runs "INSERT INTO table (cols) SELECT … FROM unnest(…)" on
// PostgreSQL, "INSERT INTO table (cols) VALUES …" on SQLite, for every row
// added, in as few statements as the database's limits allow. suffix is
// appended to each (e.g. " ON CONFLICT DO NOTHING").
func (b *Bulk) Insert(ctx context.Context, tx *sql.Tx, table, suffix string) error {
	names := make([]string, len(b.cols))
	sel := make([]string, len(b.cols))
	for i, c := range b.cols {
		names[i], sel[i] = c.Name, b.name(i)
	}
	for rows := b.rows; len(rows) > 0; {
		part := rows[:min(b.maxRows(), len(rows))]
		rows = rows[len(part):]
		src, args := b.source(part)
		q := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(sel, ", ") + " FROM " + src + suffix
		if b.d != Postgres {
			// SQLite runs INSERT … SELECT FROM (VALUES …) through a
			// subquery; a plain VALUES list inserts directly.
			q = "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES " + b.d.Placeholders(1, len(part), len(b.cols)) + suffix
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// Query is Insert in one statement whose suffix returns rows (RETURNING):
// at most as many rows as one statement holds on SQLite.
func (b *Bulk) Query(ctx context.Context, tx *sql.Tx, table, suffix string) (*sql.Rows, error) {
	if len(b.rows) > b.maxRows() {
		return nil, fmt.Errorf("insert into %s: %d rows for one statement", table, len(b.rows))
	}
	names := make([]string, len(b.cols))
	sel := make([]string, len(b.cols))
	for i, c := range b.cols {
		names[i], sel[i] = c.Name, b.name(i)
	}
	src, args := b.source(b.rows)
	q := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(sel, ", ") + " FROM " + src + suffix
	if b.d != Postgres {
		q = "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES " + b.d.Placeholders(1, len(b.rows), len(b.cols)) + suffix
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("insert into %s: %w", table, err)
	}
	return rows, nil
}

// Update sets, for every row added, the other columns of the table row whose
// first column (the key) matches. PostgreSQL gets one UPDATE … FROM unnest;
// SQLite, which would scan the table to join a VALUES list and has no round
// trips to save, runs one prepared UPDATE per row.
func (b *Bulk) Update(ctx context.Context, tx *sql.Tx, table string) error {
	if len(b.rows) == 0 {
		return nil
	}
	if b.d == Postgres {
		src, args := b.source(b.rows)
		set := make([]string, 0, len(b.cols)-1)
		for i := 1; i < len(b.cols); i++ {
			set = append(set, b.cols[i].Name+" = "+b.name(i))
		}
		q := "UPDATE " + table + " SET " + strings.Join(set, ", ") + " FROM " + src + " WHERE " + table + "." + b.cols[0].Name + " = " + b.name(0)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("update %s: %w", table, err)
		}
		return nil
	}
	set := make([]string, 0, len(b.cols)-1)
	for i := 1; i < len(b.cols); i++ {
		set = append(set, b.cols[i].Name+" = ?")
	}
	st, err := tx.PrepareContext(ctx, "UPDATE "+table+" SET "+strings.Join(set, ", ")+" WHERE "+b.cols[0].Name+" = ?")
	if err != nil {
		return fmt.Errorf("update %s: %w", table, err)
	}
	defer st.Close()
	args := make([]any, len(b.cols))
	for _, r := range b.rows {
		copy(args, r[1:])
		args[len(args)-1] = r[0]
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("update %s: %w", table, err)
		}
	}
	return nil
}

// In returns "column IN (…)" for vals and its arguments: on PostgreSQL
// "column = ANY($1)" with one array argument. It must be the statement's
// only placeholder use.
func (d Dialect) In(column string, vals []string) (string, []any) {
	if d == Postgres {
		return column + " = ANY($1)", []any{vals}
	}
	return column + " IN (" + d.List(1, len(vals)) + ")", anys(vals)
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// InTuples returns "(c1, c2, …) IN (…)" for rows of key values and its
// arguments: on PostgreSQL the tuples come from unnest over one array per
// column (a short statement, planned fast, whatever the count); on SQLite
// from a VALUES list of row values. Values must be string, int64 or int. It
// must be the statement's only placeholder use.
func (d Dialect) InTuples(cols []string, rows [][]any) (string, []any) {
	lhs := "(" + strings.Join(cols, ", ") + ")"
	if d == Postgres {
		parts := make([]string, len(cols))
		args := make([]any, len(cols))
		for i := range cols {
			typ := "BIGINT"
			if _, ok := rows[0][i].(string); ok {
				typ = "TEXT"
			}
			parts[i] = fmt.Sprintf("CAST($%d AS %s[])", i+1, typ)
			args[i] = column(rows, i)
		}
		return lhs + " IN (SELECT * FROM unnest(" + strings.Join(parts, ", ") + "))", args
	}
	args := make([]any, 0, len(rows)*len(cols))
	for _, r := range rows {
		args = append(args, r...)
	}
	return lhs + " IN (VALUES " + d.Placeholders(1, len(rows), len(cols)) + ")", args
}
