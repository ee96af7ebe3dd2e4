package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Later holds rows to insert at the end of a transaction instead of one
// statement each: a batch of units of work (the ledger's group commit of
// movements) inserts what its units wrote into each table in one bulk
// statement, where each unit would have paid a statement (on PostgreSQL a
// round trip) of its own. Only rows that nothing in the transaction reads
// back and that cannot collide belong here (an audit row, a notification, a
// domain's record of a movement whose key is already claimed); a unit's
// rows go when it is rolled back (Undo).
type Later struct {
	d      Dialect
	tx     *sql.Tx
	groups map[string]*laterGroup
	order  []*laterGroup
	marks  []int // per group, the row count at Mark
}

type laterGroup struct {
	table, suffix string
	bulk          *Bulk
}

// NewLater starts holding rows for tx.
func (d Dialect) NewLater(tx *sql.Tx) *Later {
	return &Later{d: d, tx: tx, groups: map[string]*laterGroup{}}
}

type laterKey struct{}

// WithLater returns ctx carrying l: Insert with l's transaction and ctx then
// holds its row in l.
func WithLater(ctx context.Context, l *Later) context.Context {
	return context.WithValue(ctx, laterKey{}, l)
}

// Insert inserts one row into table (columns cols, values vals, suffix
// appended as Bulk.Insert's) in tx: now, or, when ctx carries a Later for
// tx, with the Later's other rows when it is flushed. Values are string,
// int64, int, or nil (NULL, in a TEXT column).
func Insert(ctx context.Context, tx *sql.Tx, d Dialect, table string, cols []Column, suffix string, vals ...any) error {
	if len(vals) != len(cols) {
		return fmt.Errorf("insert into %s: %d values for %d columns", table, len(vals), len(cols))
	}
	if l, _ := ctx.Value(laterKey{}).(*Later); l != nil && l.tx == tx {
		l.add(table, cols, suffix, vals)
		return nil
	}
	b := d.NewBulk(cols...)
	b.Add(vals...)
	return b.Insert(ctx, tx, table, suffix)
}

func (l *Later) add(table string, cols []Column, suffix string, vals []any) {
	var key strings.Builder
	key.WriteString(table)
	for _, c := range cols {
		key.WriteByte(0)
		key.WriteString(c.Name)
	}
	key.WriteByte(0)
	key.WriteString(suffix)
	g := l.groups[key.String()]
	if g == nil {
		g = &laterGroup{table: table, suffix: suffix, bulk: l.d.NewBulk(cols...)}
		l.groups[key.String()] = g
		l.order = append(l.order, g)
	}
	g.bulk.Add(vals...)
}

// Mark remembers what l holds now, for Undo.
func (l *Later) Mark() {
	l.marks = l.marks[:0]
	for _, g := range l.order {
		l.marks = append(l.marks, g.bulk.Len())
	}
}

// Undo drops every row added since Mark.
func (l *Later) Undo() {
	for i, g := range l.order {
		n := 0
		if i < len(l.marks) {
			n = l.marks[i]
		}
		g.bulk.rows = g.bulk.rows[:n]
	}
}

// Flush inserts every row held, a bulk statement per table, in the order
// the tables were first written.
func (l *Later) Flush(ctx context.Context) error {
	for _, g := range l.order {
		if g.bulk.Len() == 0 {
			continue
		}
		if err := g.bulk.Insert(ctx, l.tx, g.table, g.suffix); err != nil {
			return err
		}
		g.bulk.rows = g.bulk.rows[:0]
	}
	return nil
}
