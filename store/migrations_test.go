package store_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestTiersMigration: members from before the three tiers keep their tier
// (and so their limits), frozen state and time; the new tier and the
// region are accepted after, and an unknown tier still is not.
func TestTiersMigration(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.MigrateTo(ctx, 13); err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) error {
			return db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err })
		}
		if err := exec(`INSERT INTO compliance_users (user_id, frozen, frozen_reason, tier, updated_at) VALUES
			('usr_a', 0, '', 'unverified', 1), ('usr_b', 1, 'fraud', 'verified', 2)`); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Reader().QueryContext(ctx, "SELECT user_id, frozen, frozen_reason, tier, updated_at, region FROM compliance_users ORDER BY user_id")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var id, reason, tier, region string
			var frozen int
			var at int64
			if err := rows.Scan(&id, &frozen, &reason, &tier, &at, &region); err != nil {
				t.Fatal(err)
			}
			got = append(got, id+" "+tier+" "+reason+" "+region)
			if (id == "usr_b") != (frozen == 1) || (id == "usr_a") != (at == 1) {
				t.Errorf("%s: frozen %d at %d", id, frozen, at)
			}
		}
		rows.Close()
		if len(got) != 2 || got[0] != "usr_a unverified  " || got[1] != "usr_b verified fraud " {
			t.Fatalf("after the migration: %q", got)
		}
		if err := exec("UPDATE compliance_users SET tier = 'identified', region = 'US-CA' WHERE user_id = 'usr_a'"); err != nil {
			t.Fatalf("identified after the migration: %v", err)
		}
		if err := exec("UPDATE compliance_users SET tier = 'gold' WHERE user_id = 'usr_a'"); err == nil {
			t.Fatal("an unknown tier was accepted")
		}
	})
}
