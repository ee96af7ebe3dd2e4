package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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

// TestPremiumPerksMigration: Premium's plans from before perks get the
// default longer posts and benefits that name what they give; a perk or
// benefits the operator set stay.
func TestPremiumPerksMigration(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.MigrateTo(ctx, 32); err != nil {
			t.Fatal(err)
		}
		err = db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO billing_plans (id, product, owner_id, name, tier_rank, period, asset, benefits, active, post_chars, created_at, updated_at) VALUES
				('pln_premium_1_month', 'premium', 'platform', 'Basic', 1, 'month', 'USD', 'Edit posts, longer posts, reply boost (small)', 1, 0, 1, 1),
				('pln_premium_2_month', 'premium', 'platform', 'Premium', 2, 'month', 'USD', 'Everything in Basic, the verified check, reply boost (larger)', 1, 0, 1, 1),
				('pln_premium_3_month', 'premium', 'platform', 'Premium+', 3, 'month', 'USD', 'Our best', 1, 2500, 1, 1)`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Reader().QueryContext(ctx, "SELECT id, post_chars, benefits FROM billing_plans ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var id, benefits string
			var chars int
			if err := rows.Scan(&id, &chars, &benefits); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s %d %s", id, chars, benefits))
		}
		want := []string{
			"pln_premium_1_month 1000 Posts up to 1,000 characters",
			"pln_premium_2_month 4000 The verified check, posts up to 4,000 characters",
			"pln_premium_3_month 2500 Our best",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("after the migration:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
