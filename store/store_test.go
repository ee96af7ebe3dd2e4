package store_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestWriteReadTranslate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ins := func(id string) error {
			return db.Write(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO operator_keys (id, key_hash, created_at) VALUES ($1, $2, $3)", id, "h-"+id, 1)
				return err
			})
		}
		if err := ins("a"); err != nil {
			t.Fatalf("insert: %v", err)
		}
		if err := ins("a"); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("duplicate insert = %v, want conflict", err)
		}
		var n int
		err := db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM operator_keys WHERE id IN ("+store.List(1, 2)+")", "a", "b").Scan(&n)
		if err != nil || n != 1 {
			t.Fatalf("count = %d, %v; want 1", n, err)
		}
		err = db.Translate(db.Reader().QueryRowContext(ctx, "SELECT id FROM operator_keys WHERE id = $1", "zz").Scan(new(string)))
		if !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("missing row = %v, want not_found", err)
		}
		// A failed function leaves nothing behind.
		_ = db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO operator_keys (id, key_hash, created_at) VALUES ('b', 'hb', 1)"); err != nil {
				return err
			}
			return nestegg.Errorf(nestegg.Invalid, "no")
		})
		db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM operator_keys").Scan(&n)
		if n != 1 {
			t.Fatalf("after rollback count = %d, want 1", n)
		}
		// Concurrent writers all commit (retries absorb conflicts).
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				errs <- ins(string(rune('c' + i)))
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent insert: %v", err)
			}
		}
	})
}

func TestPlaceholders(t *testing.T) {
	if got, want := store.Placeholders(3, 2, 2), "($3,$4),($5,$6)"; got != want {
		t.Fatalf("Placeholders(3,2,2) = %q, want %q", got, want)
	}
	if got, want := store.List(1, 3), "$1,$2,$3"; got != want {
		t.Fatalf("List(1,3) = %q, want %q", got, want)
	}
}
