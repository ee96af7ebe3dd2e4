package store

import (
	"context"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// SQLite parses every statement again on every execution unless it is
// prepared, and database/sql prepares only when asked. Parsing was a
// fifth of the write path's time on a member's payment (issue 10's
// profile), where the same few dozen statements run over and over on the
// one write connection. So each SQLite connection keeps its statements
// prepared, by text: the first execution of a query prepares it, later
// ones bind and step. (pgx caches prepared statements per connection on
// its own, so PostgreSQL needs none of this.)

// maxCachedStmts bounds each connection's cache: queries past it (bulk
// statements of unusual sizes) are prepared for one use, as before.
const maxCachedStmts = 256

// sqliteConnector opens modernc SQLite connections that cache statements.
type sqliteConnector struct {
	dsn string
	drv *sqlite.Driver
}

func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

func (c sqliteConnector) Driver() driver.Driver { return c.drv }

type cachedStmt struct {
	st   driver.Stmt
	busy bool // its rows are open: a second use at once gets its own statement
}

// cachingConn is a driver connection with a statement cache. database/sql
// uses a connection from one goroutine at a time, so the cache needs no
// lock; busy covers a query issued while another's rows are still open.
type cachingConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
}

var errNoContext = errors.New("store: the SQLite driver lacks a context method")

// stmt returns a prepared statement for query and what to call when done
// with it.
func (c *cachingConn) stmt(ctx context.Context, query string) (driver.Stmt, func(), error) {
	if e := c.stmts[query]; e != nil && !e.busy {
		e.busy = true
		return e.st, func() { e.busy = false }, nil
	}
	pc, ok := c.Conn.(driver.ConnPrepareContext)
	if !ok {
		return nil, nil, errNoContext
	}
	st, err := pc.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	if _, taken := c.stmts[query]; taken || len(c.stmts) >= maxCachedStmts {
		return st, func() { st.Close() }, nil
	}
	e := &cachedStmt{st: st, busy: true}
	c.stmts[query] = e
	return st, func() { e.busy = false }, nil
}

// ExecContext runs query on its cached statement. Queries without
// arguments (scripts, pragmas, savepoints) run as they are: a script is
// several statements, which a prepared statement is not.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	st, done, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	return st.(driver.StmtExecContext).ExecContext(ctx, args)
}

// QueryContext runs query on its cached statement, held until its rows
// close.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	st, done, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		done()
		return nil, err
	}
	return &releasingRows{Rows: rows, done: done}, nil
}

type releasingRows struct {
	driver.Rows
	done func()
}

func (r *releasingRows) Close() error {
	err := r.Rows.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
	return err
}

// Close finalizes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	for q, e := range c.stmts {
		e.st.Close()
		delete(c.stmts, q)
	}
	return c.Conn.Close()
}

// The rest of what database/sql asks of a connection, passed through.

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}
