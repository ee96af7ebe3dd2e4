package store

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/nestegg/nestegg"
)

// Dialect names the database and holds every difference between SQLite and
// PostgreSQL that Nestegg's SQL has to care about. Queries use $1-style
// placeholders, which both accept.
type Dialect int

// The supported databases.
const (
	SQLite Dialect = iota + 1
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// ForUpdate is the row-lock suffix for a SELECT inside a write transaction.
// SQLite needs none: BEGIN IMMEDIATE already holds the database's one write
// lock for the whole transaction.
func (d Dialect) ForUpdate() string {
	if d == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// SkipLocked is ForUpdate that passes over rows another transaction has
// locked ("FOR UPDATE SKIP LOCKED"), for jobs that several processes run:
// each takes rows the others are not working on. SQLite's one writer
// needs nothing.
func (d Dialect) SkipLocked() string {
	if d == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// SkipLockedOf is SkipLocked locking only the rows of table (an alias) in
// a join.
func (d Dialect) SkipLockedOf(table string) string {
	if d == Postgres {
		return " FOR UPDATE OF " + table + " SKIP LOCKED"
	}
	return ""
}

// RoundTrips reports whether each statement costs a network round trip
// (PostgreSQL), so that batching statements pays; SQLite runs in-process.
func (d Dialect) RoundTrips() bool { return d == Postgres }

// MaxParams is how many bind parameters one statement may carry, with room
// to spare (SQLite allows 32766, PostgreSQL 65535).
func (d Dialect) MaxParams() int {
	if d == Postgres {
		return 65000
	}
	return 32000
}

// Placeholders returns "($s,$s+1,…)" groups: rows groups of cols placeholders
// numbered from start, joined by commas, for multi-row INSERTs and IN lists.
func Placeholders(start, rows, cols int) string {
	var b strings.Builder
	b.Grow(rows * cols * 6)
	n := start
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// Placeholders is the package-level Placeholders for long statements. SQLite
// treats $N as a named parameter and binds names with a linear search, which
// makes thousands of them quadratic; there it emits anonymous "?" instead.
// The statement must then use no other placeholders.
func (d Dialect) Placeholders(start, rows, cols int) string {
	if d == Postgres {
		return Placeholders(start, rows, cols)
	}
	group := "(" + strings.Repeat("?,", cols-1) + "?)"
	return strings.Repeat(group+",", rows-1) + group
}

// List is the package-level List for long IN lists; see Dialect.Placeholders.
func (d Dialect) List(start, n int) string {
	if d == Postgres {
		return List(start, n)
	}
	return strings.Repeat("?,", n-1) + "?"
}

// List returns "$start,$start+1,…" with n placeholders, for IN (…).
func List(start, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(start + i))
	}
	return b.String()
}

// Retryable reports whether err is a serialization failure, a deadlock or
// (SQLite) a busy database: the whole transaction may be run again.
func (d Dialect) Retryable(err error) bool { return d.retryable(err) }

func (d Dialect) retryable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgerrcode.SerializationFailure || pe.Code == pgerrcode.DeadlockDetected
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgerrcode.UniqueViolation
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

func (d Dialect) translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return &nestegg.Error{Code: nestegg.NotFound, Message: "not found", Err: err}
	case IsUniqueViolation(err):
		return &nestegg.Error{Code: nestegg.Conflict, Message: "already exists", Err: err}
	case isBadText(err):
		// The web edge refuses such text before it gets here; this is the
		// last line, so that text that slips through (a caller that is not
		// the web, a field the edge does not see) is the client's 400 and
		// not a 500. SQLite stores any bytes, so only PostgreSQL says it.
		return &nestegg.Error{Code: nestegg.Invalid,
			Message: "text holds a NUL byte or is not valid UTF-8", Err: err}
	}
	return err
}

// isBadText reports whether PostgreSQL refused a value's characters: a NUL
// byte or invalid UTF-8 (22021) or a character the encoding lacks (22P05).
func isBadText(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) &&
		(pe.Code == pgerrcode.CharacterNotInRepertoire || pe.Code == pgerrcode.UntranslatableCharacter)
}
