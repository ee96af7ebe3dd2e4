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

// TestWALBoundedUnderReads writes without pause while readers keep reading,
// as a server under load does. A PASSIVE checkpoint then never finds a
// moment when no reader holds an old snapshot, so the writer could never
// start the WAL over: it grew by every page written (3.9 GB after 70,000
// payments in the p2p benchmark). The checkpointer must restart it, and
// shrink the file, once it passes its limit.
func TestWALBoundedUnderReads(t *testing.T) {
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
	stop := make(chan struct{})
	readers := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-stop:
					readers <- nil
					return
				default:
				}
				var n int
				if err := db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM filler WHERE id > (SELECT max(id) - 10 FROM filler)").Scan(&n); err != nil {
					readers <- err
					return
				}
			}
		}()
	}
	body := strings.Repeat("x", 3000)
	var maxWAL, last int64
	shrank := 0
	const rounds, rows = 200, 100 // about 80 MB of pages
	for round := range rounds {
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			for i := range rows {
				if _, err := tx.ExecContext(ctx, "INSERT INTO filler (id, body) VALUES ($1, $2)", round*rows+i, body); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path + "-wal"); err == nil {
			if fi.Size() < last {
				shrank++
			}
			last = fi.Size()
			maxWAL = max(maxWAL, fi.Size())
		}
	}
	close(stop)
	for range 4 {
		if err := <-readers; err != nil {
			t.Fatal(err)
		}
	}
	// How far the WAL grows between two checkpoints depends on how busy
	// the machine is; that it starts over does not.
	t.Logf("WAL at most %d MB, emptied %d times", maxWAL>>20, shrank)
	if shrank == 0 || maxWAL > 64<<20 {
		t.Fatalf("the WAL grew to %d MB under readers and was emptied %d times; want it restarted as it goes", maxWAL>>20, shrank)
	}
}
