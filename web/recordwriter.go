package web

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// record is one idempotency_keys row waiting to be written.
type record struct {
	key      idemKey
	hash     string
	status   int
	response string
	done     chan error
}

// idempotencyColumns are the columns of one record, in the order both the
// record writer and ledger riders bind them.
var idempotencyColumns = []string{"principal", "idem_key", "request_hash", "status", "response", "created_at"}

// recordCols is the number of columns one record binds.
const recordCols = 6

// maxRecordsPerWrite caps one multi-row INSERT well under both databases'
// bind-parameter limits (and keeps one statement's size reasonable).
const maxRecordsPerWrite = 1000

// recordWriter group-commits idempotency records: one goroutine takes every
// record waiting, writes them with one multi-row INSERT in one transaction,
// and wakes their requests. At 20,000 requests/s this is tens of commits a
// second instead of 20,000. Requests wait for their record, so a replay
// after a response always finds it.
type recordWriter struct {
	db    *store.DB
	clock func() time.Time
	ttl   time.Duration
	log   *slog.Logger

	in   chan *record
	mu   sync.RWMutex // guards closed against sends on a closed channel
	shut bool
	stop chan struct{}
	done sync.WaitGroup
}

func newRecordWriter(db *store.DB, clock func() time.Time, ttl time.Duration, log *slog.Logger) *recordWriter {
	w := &recordWriter{
		db:    db,
		clock: clock,
		ttl:   ttl,
		log:   log,
		in:    make(chan *record, 4096),
		stop:  make(chan struct{}),
	}
	w.done.Add(2)
	go w.run()
	go w.sweep()
	return w
}

var errWriterClosed = nestegg.Errorf(nestegg.Unavailable, "the server is shutting down; retry with the same Idempotency-Key")

// write queues rec and waits until it is committed.
func (w *recordWriter) write(ctx context.Context, rec *record) error {
	rec.done = make(chan error, 1)
	w.mu.RLock()
	if w.shut {
		w.mu.RUnlock()
		return errWriterClosed
	}
	w.in <- rec
	w.mu.RUnlock()
	select {
	case err := <-rec.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close writes what is queued and stops the writer and the sweep.
func (w *recordWriter) close() error {
	w.mu.Lock()
	if !w.shut {
		w.shut = true
		close(w.in)
		close(w.stop)
	}
	w.mu.Unlock()
	w.done.Wait()
	return nil
}

func (w *recordWriter) run() {
	defer w.done.Done()
	batch := make([]*record, 0, 64)
	for rec := range w.in {
		batch = append(batch[:0], rec)
	gather:
		for len(batch) < maxRecordsPerWrite {
			select {
			case rec, ok := <-w.in:
				if !ok {
					break gather
				}
				batch = append(batch, rec)
			default:
				break gather
			}
		}
		err := w.insert(batch)
		for _, rec := range batch {
			rec.done <- err
		}
	}
}

func (w *recordWriter) insert(batch []*record) error {
	now := w.clock().UTC().UnixNano()
	args := make([]any, 0, len(batch)*recordCols)
	for _, r := range batch {
		args = append(args, r.key.principal, r.key.key, r.hash, r.status, r.response, now)
	}
	// DO NOTHING: a record already there (another process won a race on
	// the key) stays; its response is as true as ours.
	q := "INSERT INTO idempotency_keys (principal, idem_key, request_hash, status, response, created_at) VALUES " +
		store.Placeholders(1, len(batch), recordCols) + " ON CONFLICT (principal, idem_key) DO NOTHING"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return w.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

// sweepEvery is how often records older than the TTL are deleted.
const sweepEvery = time.Hour

// sweepChunk bounds one DELETE so that it never holds SQLite's one write lock
// for long.
const sweepChunk = 5000

func (w *recordWriter) sweep() {
	defer w.done.Done()
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		w.sweepOnce()
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
	}
}

func (w *recordWriter) sweepOnce() {
	cutoff := w.clock().Add(-w.ttl).UTC().UnixNano()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for {
		var n int64
		err := w.db.Write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx,
				`DELETE FROM idempotency_keys WHERE (principal, idem_key) IN (
				   SELECT principal, idem_key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`,
				cutoff, sweepChunk)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			w.log.Warn("idempotency sweep failed", "error", err)
			return
		}
		if n < sweepChunk {
			return
		}
		select {
		case <-w.stop:
			return
		default:
		}
	}
}
