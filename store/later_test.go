package store_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestLaterInsertsAtFlush: rows inserted with a Later in the context wait
// for Flush, in one statement per table; rows added after a Mark go with
// Undo; NULLs in TEXT columns survive the bulk form; without a Later (or
// with another transaction's) Insert writes at once.
func TestLaterInsertsAtFlush(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cols := []store.Column{{Name: "id", Type: "TEXT"}, {Name: "note", Type: "TEXT"}, {Name: "n", Type: "BIGINT"}}
		count := func(tx *sql.Tx) (n int) {
			t.Helper()
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM later_rows").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		err := db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "CREATE TABLE later_rows (id TEXT PRIMARY KEY, note TEXT, n BIGINT NOT NULL)"); err != nil {
				return err
			}
			if err := store.Insert(ctx, tx, db.Dialect, "later_rows", cols, "", "now", nil, 1); err != nil {
				return err
			}
			if got := count(tx); got != 1 {
				t.Errorf("without a Later: %d rows, want 1 at once", got)
			}
			l := db.Dialect.NewLater(tx)
			lctx := store.WithLater(ctx, l)
			l.Mark()
			for _, id := range []string{"a", "b"} {
				if err := store.Insert(lctx, tx, db.Dialect, "later_rows", cols, "", id, "kept "+id, 2); err != nil {
					return err
				}
			}
			l.Mark()
			if err := store.Insert(lctx, tx, db.Dialect, "later_rows", cols, "", "undone", "x", 3); err != nil {
				return err
			}
			if err := store.Insert(lctx, tx, db.Dialect, "later_rows", cols, "", "c", nil, 4); err != nil {
				return err
			}
			l.Undo()
			if err := store.Insert(lctx, tx, db.Dialect, "later_rows", cols, "", "d", nil, 5); err != nil {
				return err
			}
			if got := count(tx); got != 1 {
				t.Errorf("before Flush: %d rows, want still 1", got)
			}
			if err := l.Flush(ctx); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Reader().QueryContext(ctx, "SELECT id, note, n FROM later_rows ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var id string
			var note sql.NullString
			var n int64
			if err := rows.Scan(&id, &note, &n); err != nil {
				t.Fatal(err)
			}
			got = append(got, id+"|"+note.String+"|"+map[bool]string{true: "null", false: "text"}[!note.Valid])
		}
		want := []string{"a|kept a|text", "b|kept b|text", "d||null", "now||null"}
		if len(got) != len(want) {
			t.Fatalf("rows %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("row %d: %s, want %s", i, got[i], want[i])
			}
		}
	})
}
