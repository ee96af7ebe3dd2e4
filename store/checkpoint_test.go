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

// TestWALRestartDoesNotStallOnALongReader: a reader that keeps an old
// snapshot open (a slow client of a long query) stops the WAL from being
// emptied, but must not hold every write for the busy timeout (10 s): the
// writer gives up waiting for it after walRestartWait and goes on.
func TestWALRestartDoesNotStallOnALongReader(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wal.db")
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	body := strings.Repeat("x", 3000)
	write := func(from int) time.Duration {
		start := time.Now()
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			for i := range 100 {
				if _, err := tx.ExecContext(ctx, "INSERT INTO filler (id, body) VALUES ($1, $2)", from+i, body); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	write(0)
	rows, err := db.Reader().QueryContext(ctx, "SELECT id FROM filler")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() { // the reader's snapshot is now held
		t.Fatal("no rows")
	}
	var slowest time.Duration
	for round := 1; round <= 100; round++ { // about 40 MB: past the restart mark
		slowest = max(slowest, write(round*100))
	}
	if slowest > 5*time.Second {
		t.Fatalf("a write took %v while a reader held an old snapshot; want the writer to stop waiting for it well before the busy timeout", slowest)
	}
}
