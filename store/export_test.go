package store

import "context"

// MigrateTo applies the migrations up to version, for tests of a
// migration on the data before it.
func (db *DB) MigrateTo(ctx context.Context, version int64) error { return db.migrate(ctx, version) }
