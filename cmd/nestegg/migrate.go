package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/nestegg/nestegg/store"
)

// defaultDatabase is an SQLite file in the working directory, so that
// `nestegg serve` with no flags just works and keeps its data.
const defaultDatabase = "./nestegg.db"

// databaseFlag adds --database; NESTEGG_DATABASE replaces its default.
func databaseFlag(fs *flag.FlagSet, e *env) *string {
	return fs.String("database", defaultDatabase, "SQLite file path, or a postgres:// URL")
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate")
	dsn := databaseFlag(fs, e)
	if err := parse(fs, args); err != nil {
		return err
	}
	log := newLogger(e.stderr, slog.LevelInfo)
	db, err := store.Open(ctx, *dsn, store.Options{Logger: log})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "migrated %s database\n", db.Dialect)
	return nil
}
