// Package store opens Nestegg's database — an embedded SQLite file by default,
// PostgreSQL for scale-out — applies the embedded migrations, and runs
// transactions with retries. It persists; it does not decide: business rules
// and each domain's queries live in the domain packages, on top of *DB.
//
// One set of SQL runs on both databases. Everything that differs between them
// is in dialect.go. Timestamps are stored as BIGINT Unix nanoseconds in UTC.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"

	"github.com/nestegg/nestegg"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a handle on the database. Writes go through Write, which runs the
// whole function in one transaction and retries it on serialization failures.
// Reads go through Read.
type DB struct {
	Dialect Dialect
	write   *sql.DB // SQLite: one connection, BEGIN IMMEDIATE. PostgreSQL: the pool.
	read    *sql.DB // SQLite: a pool of read-only connections. PostgreSQL: the pool.
	pool    *pgxpool.Pool
	log     *slog.Logger
	// SQLite: the connection that checkpoints the WAL beside the writer,
	// and how to stop it.
	ckpt     *sql.DB
	stopCkpt chan struct{}
	ckptDone chan struct{}
	ckptOnce sync.Once
	// walRestart asks the writer to empty the WAL before its next
	// transaction: under steady reads a PASSIVE checkpoint never catches
	// the moment when no reader holds an older snapshot, so the writer
	// never starts the WAL over and it grows by every page written (3.9 GB
	// after 70,000 payments). Only the writer can do it: a checkpoint on
	// another connection that must hold off writers waits for the writer's
	// lock with growing sleeps, and a writer that commits back to back
	// takes the lock again first every time.
	walRestart atomic.Bool
	// walRestartAt is the WAL's length in frames past which the writer is
	// asked: walRestartFrames, or, after a reader kept the WAL from being
	// emptied, that much more than its length then, so that a long reader
	// is not waited for again at every commit.
	walRestartAt atomic.Int64
}

// Options tune Open. The zero value is fine.
type Options struct {
	// MaxConns caps PostgreSQL connections (default 32) and SQLite readers
	// (default 8).
	MaxConns int
	Logger   *slog.Logger
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL
// selects PostgreSQL, anything else is a SQLite file path (":memory:" is not
// supported: use a temporary file). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn, opt)
	}
	return openSQLite(ctx, dsn, opt)
}

func openSQLite(ctx context.Context, path string, opt Options) (*DB, error) {
	if path == "" {
		return nil, nestegg.Errorf(nestegg.Invalid, "empty database path")
	}
	if opt.MaxConns == 0 {
		opt.MaxConns = 8
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(" + strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10) + ")&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=cache_size(-65536)&_pragma=temp_store(2)"
	// The journal mode is persistent; set it once on the writer.
	drv := &sqlite.Driver{}
	// The writer never checkpoints the WAL itself (wal_autocheckpoint 0):
	// a checkpoint inside a commit was a tenth of the one writer's time
	// under load, time every request in the batch waited for. A connection
	// of its own checkpoints instead (checkpoint), beside the writer.
	w := sql.OpenDB(sqliteConnector{dsn: base + "&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate", drv: drv})
	// SQLite has one writer. Holding exactly one write connection turns
	// contention into a Go-side queue instead of SQLITE_BUSY retries.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r := sql.OpenDB(sqliteConnector{dsn: base + "&_pragma=query_only(1)", drv: drv})
	r.SetMaxOpenConns(opt.MaxConns)
	r.SetMaxIdleConns(opt.MaxConns)
	c := sql.OpenDB(sqliteConnector{dsn: base, drv: drv})
	c.SetMaxOpenConns(1)
	db := &DB{Dialect: SQLite, write: w, read: r, log: opt.Logger, ckpt: c, stopCkpt: make(chan struct{}), ckptDone: make(chan struct{})}
	db.walRestartAt.Store(walRestartFrames)
	go db.checkpoint(walCheckpointEvery)
	return db, nil
}

// walCheckpointEvery is how often the WAL is checkpointed: often enough that
// it stays a few megabytes under a full load of writes (SQLite's own
// default is every 1,000 pages), and each checkpoint is short.
const walCheckpointEvery = 100 * time.Millisecond

// walRestartFrames is the WAL's length (in pages, about 16 MB) past which
// the writer empties it (walRestart).
const walRestartFrames = 4096

// walRestartWait is the longest the writer waits for readers of older
// snapshots to let it empty the WAL.
const walRestartWait = 250 * time.Millisecond

// sqliteBusyTimeout is how long a SQLite connection waits for a lock.
const sqliteBusyTimeout = 10 * time.Second

// checkpoint copies the WAL into the database file every interval, in
// PASSIVE mode: it never waits for the writer or readers, so the writer
// goes on committing meanwhile, and the WAL restarts from its beginning at
// the writer's next commit after a complete checkpoint.
func (db *DB) checkpoint(every time.Duration) {
	defer close(db.ckptDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-db.stopCkpt:
			return
		case <-t.C:
			var busy, frames, done int
			err := db.ckpt.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done)
			if err != nil {
				db.log.Warn("WAL checkpoint", "err", err)
			} else if int64(frames) > db.walRestartAt.Load() {
				db.walRestart.Store(true)
			}
		}
	}
}

func openPostgres(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.MaxConns == 0 {
		opt.MaxConns = 32
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, nestegg.Errorf(nestegg.Invalid, "bad PostgreSQL URL: %v", err)
	}
	cfg.MaxConns = int32(opt.MaxConns)
	// Durability is not negotiable: acknowledge only what is on disk.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// pgx prepares and caches statements per connection; a generic plan made
	// while a table was still small (a seq scan) would then stay for the
	// connection's life. Planning each execution keeps index plans as tables grow.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	return &DB{Dialect: Postgres, write: db, read: db, pool: pool, log: opt.Logger}, nil
}

// Close closes the database. In-flight transactions should be finished first.
func (db *DB) Close() error {
	if db.ckpt != nil {
		// Close may be called twice (a test closes a database its cleanup
		// closes again): the checkpointer stops once.
		db.ckptOnce.Do(func() {
			close(db.stopCkpt)
			<-db.ckptDone
			db.ckpt.Close()
		})
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Migrate applies every embedded migration not yet applied.
func (db *DB) Migrate(ctx context.Context) error { return db.migrate(ctx, -1) }

// migrate applies the migrations up to version (every one when negative).
func (db *DB) migrate(ctx context.Context, version int64) error {
	d := goose.DialectSQLite3
	if db.Dialect == Postgres {
		d = goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fsys := dialectFS{sub, db.Dialect}
	p, err := goose.NewProvider(d, db.write, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var res []*goose.MigrationResult
	if version < 0 {
		res, err = p.Up(ctx)
	} else {
		res, err = p.UpTo(ctx, version)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range res {
		db.log.Info("migration applied", "source", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// dialectFS shows goose the migrations for one dialect. Nearly every
// migration is one file both databases run; the few that cannot be (a
// search index: SQLite's FTS5, PostgreSQL's pg_trgm) come as a pair with
// one version, NNNNN_name.sqlite.sql and NNNNN_name.postgres.sql, and each
// database sees only its own.
type dialectFS struct {
	fs.FS
	d Dialect
}

func (f dialectFS) ReadDir(name string) ([]fs.DirEntry, error) {
	all, err := fs.ReadDir(f.FS, name)
	if err != nil {
		return nil, err
	}
	other := ".postgres.sql"
	if f.d == Postgres {
		other = ".sqlite.sql"
	}
	var out []fs.DirEntry
	for _, e := range all {
		if !strings.HasSuffix(e.Name(), other) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Querier is what reads need: implemented by *sql.DB and *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// PrepareRead prepares a query for the read pool once, for hot paths: the
// statement is re-prepared per connection by database/sql as needed, and
// SQLite skips parsing the SQL on every call. Close it when done.
func (db *DB) PrepareRead(ctx context.Context, query string) (*sql.Stmt, error) {
	return db.read.PrepareContext(ctx, query)
}

// Reader returns the handle for reads outside a transaction.
func (db *DB) Reader() Querier { return db.read }

// Write runs fn in one read-write transaction and commits it. When the
// database reports a serialization failure, a deadlock or (SQLite) a busy
// timeout, the whole function runs again, so fn must have no effects outside
// the transaction that it cannot repeat. Errors are translated (see Translate).
func (db *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	const maxAttempts = 10
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			// Jittered backoff so that colliding writers spread out.
			d := time.Duration(rand.IntN(1<<min(attempt, 8))) * 200 * time.Microsecond
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
		}
		err = db.tryWrite(ctx, fn)
		if err == nil || !db.Dialect.retryable(err) {
			return db.Dialect.translate(err)
		}
	}
	return fmt.Errorf("write: gave up after %d attempts: %w", maxAttempts, db.Dialect.translate(err))
}

func (db *DB) tryWrite(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if db.walRestart.CompareAndSwap(true, false) {
		// TRUNCATE copies what the checkpointer has not (little), waits
		// for the readers of older snapshots (milliseconds), and empties
		// the file, so that the next commit writes from its start.
		// A reader that holds an old snapshot longer (a slow client of a
		// long query) must not stall every write: the writer waits at most
		// walRestartWait for it, and is asked again only once the WAL has
		// grown by another walRestartFrames (walRestartAt).
		var busy, frames, done int
		_, err := db.write.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", walRestartWait.Milliseconds()))
		if err == nil {
			err = db.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &done)
		}
		if _, rerr := db.write.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", sqliteBusyTimeout.Milliseconds())); rerr != nil {
			err = errors.Join(err, rerr)
		}
		if err != nil {
			db.log.Warn("WAL restart", "err", err)
		}
		if err != nil || busy != 0 {
			db.walRestartAt.Store(int64(frames) + walRestartFrames)
		} else {
			db.walRestartAt.Store(walRestartFrames)
		}
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Translate maps driver errors to nestegg errors: unique violations become
// Conflict, no rows becomes NotFound. Other errors are returned unchanged.
func (db *DB) Translate(err error) error { return db.Dialect.translate(err) }
