// Package storetest gives tests fresh, migrated databases: a temporary SQLite
// file, and a PostgreSQL database created for the test and dropped after it.
//
// PostgreSQL is found through NESTEGG_TEST_POSTGRES (a URL to a server where
// the user may CREATE DATABASE, e.g. postgres://postgres@127.0.0.1:5432/postgres).
// Without it PostgreSQL tests skip, except under CI=true, where a missing or
// unreachable server fails the test: CI must never pass by skipping.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/nestegg/nestegg/store"
)

// EnvPostgres names the environment variable holding the PostgreSQL server URL.
const EnvPostgres = "NESTEGG_TEST_POSTGRES"

// Each runs fn as the subtests "sqlite" and "postgres", each on a fresh
// migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// EachURL is Each for tests that open the database themselves (servers,
// restarts, several instances): fn gets a DSN naming a fresh, unmigrated
// database.
func EachURL(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLitePath(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, PostgresURL(t)) })
}

// SQLitePath returns the path of a new SQLite file in the test's temp dir.
func SQLitePath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "nestegg.db")
}

// SQLite opens a fresh migrated SQLite database, closed when the test ends.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, SQLitePath(t))
}

// Postgres opens a fresh migrated PostgreSQL database, dropped when the test
// ends.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return open(t, PostgresURL(t))
}

func open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

// PostgresURL creates an empty database on the test server and returns its
// URL; the database is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvPostgres)
	if server == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set: PostgreSQL tests must run in CI", EnvPostgres)
		}
		t.Skipf("%s not set; skipping PostgreSQL", EnvPostgres)
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b [6]byte
	rand.Read(b[:])
	name := "nestegg_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("PostgreSQL at %s unreachable or refusing CREATE DATABASE: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", server)
		if err != nil {
			return
		}
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}
