package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store"
)

// TestWALCheckpointedBesideTheWriter writes about 8 MB through the one
// writer, which never checkpoints itself, and checks that the WAL stayed a
// fraction of that: the checkpointing connection kept copying it into the
// database so that the writer could start it over. With no checkpoint at
// all the WAL would hold every page written.
func TestWALCheckpointedBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wal.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 1000)
	var maxWAL int64
	for round := range 40 {
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			for i := range 200 {
				if _, err := tx.ExecContext(ctx, "INSERT INTO filler (id, body) VALUES ($1, $2)", round*200+i, body); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path + "-wal"); err == nil {
			maxWAL = max(maxWAL, fi.Size())
		}
		time.Sleep(25 * time.Millisecond)
	}
	if maxWAL == 0 || maxWAL > 4<<20 {
		t.Fatalf("the WAL grew to %d bytes for 8 MB written; want it checkpointed as it goes (under 4 MB)", maxWAL)
	}
}
