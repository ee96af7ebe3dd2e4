package compliance_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBatchDecidesAsCheck runs random sequences of movements twice from
// the same history: one at a time through Check and Record, each in its
// own transaction, and as one batch (Prepare, then Check, Record and, for
// a movement that fails, Undo, then Flush). The decisions must be the
// same, and so must the usage and payees left behind — whatever the mix of
// members, classes, amounts near the limits, cooling-off, usage given back,
// members outside the licensed regions and movements rolled back.
func TestBatchDecidesAsCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		outside := 0 // denials for a region outside the licensed ones
		for round := range 12 {
			rng := rand.New(rand.NewPCG(uint64(round), 7))
			c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			cfg := compliance.DefaultConfig()
			cfg.Clock = c.Now
			cfg.CoolingOffAbove = 50_00
			s := compliance.New(db, cfg)
			// Two copies of the same members: "one" for Check, "batch" for
			// the batch.
			name := func(path string, i int) string { return fmt.Sprintf("usr_r%d_%s_%d", round, path, i) }
			type step struct {
				from, to int
				class    compliance.Class
				amount   int64
				holdable bool
				cashOut  bool
				fails    bool // the movement rolls back after its check
				unuse    int64
			}
			for _, path := range []string{"one", "batch"} {
				for i := range 4 {
					if rng.IntN(3) == 0 {
						insert(t, db, s, c.Now(), payment{payer: name(path, i), payee: name(path, (i+1)%4), asset: "USD", status: "completed",
							amount: int64(rng.IntN(900_00)), ago: time.Duration(rng.IntN(40*24)) * time.Hour})
					}
					// Some members' verified addresses are outside the
					// licensed regions (the US): they may neither send
					// (but withdraw) nor receive.
					if r := []string{"", "", "US-CA", "GB-LND"}[rng.IntN(4)]; r != "" {
						setRegion(t, db, name(path, i), r)
					}
				}
				rng = rand.New(rand.NewPCG(uint64(round), 7)) // the same history for both
			}
			var steps []step
			for range 30 {
				st := step{from: rng.IntN(4), to: rng.IntN(5), class: compliance.Spend, amount: 1 + int64(rng.IntN(300_00)),
					holdable: rng.IntN(2) == 0, fails: rng.IntN(5) == 0}
				if rng.IntN(4) == 0 {
					st.class = compliance.Funding
					st.amount *= 4
				}
				if rng.IntN(6) == 0 {
					st.unuse = 1 + int64(rng.IntN(100_00))
				}
				if st.class == compliance.Spend && rng.IntN(8) == 0 {
					st.cashOut, st.to = true, 4 // a withdrawal: to nobody
				}
				steps = append(steps, st)
			}
			movement := func(path string, st step) (compliance.Movement, []compliance.Usage) {
				m := compliance.Movement{Kind: "p2p", Class: st.class, Holdable: st.holdable, CashOut: st.cashOut, FromUser: name(path, st.from), Asset: "USD", Amount: st.amount}
				if st.to < 4 && st.to != st.from {
					m.ToUser = name(path, st.to)
				}
				u := []compliance.Usage{{UserID: m.FromUser, Class: st.class, Asset: "USD", Amount: st.amount, At: c.Now(), PayeeID: m.ToUser}}
				if st.unuse > 0 {
					u = append(u, compliance.Usage{UserID: m.FromUser, Class: st.class, Asset: "USD", Amount: -st.unuse, At: c.Now().Add(-2 * time.Hour)})
				}
				return m, u
			}
			var one, batched []compliance.Decision
			for _, st := range steps {
				m, us := movement("one", st)
				err := db.Write(ctx, func(tx *sql.Tx) error {
					d, err := s.Check(ctx, tx, m)
					if err != nil {
						return err
					}
					one = append(one, d)
					if d.Outcome == compliance.Deny || st.fails {
						return nil
					}
					for _, u := range us {
						if err := s.Record(ctx, tx, u); err != nil {
							return err
						}
					}
					return nil
				})
				must(t, err)
			}
			err := db.Write(ctx, func(tx *sql.Tx) error {
				var ms []compliance.Movement
				for _, st := range steps {
					m, _ := movement("batch", st)
					ms = append(ms, m)
				}
				b, err := s.Prepare(ctx, tx, ms)
				if err != nil {
					return err
				}
				for _, st := range steps {
					m, us := movement("batch", st)
					b.Mark()
					d, err := b.Check(ctx, tx, m)
					if err != nil {
						return err
					}
					batched = append(batched, d)
					if d.Outcome == compliance.Deny {
						continue
					}
					for _, u := range us {
						b.Record(u)
					}
					if st.fails {
						b.Undo()
					}
				}
				return b.Flush(ctx, tx)
			})
			must(t, err)
			for i := range steps {
				a, b := one[i], batched[i]
				same := a.Outcome == b.Outcome
				if a.Outcome == compliance.Deny {
					same = same && strings.ReplaceAll(a.Reason, "_one_", "_batch_") == b.Reason
				}
				if !same {
					t.Fatalf("round %d step %d (%+v): one at a time %+v, in a batch %+v", round, i, steps[i], a, b)
				}
				if strings.Contains(a.Reason, "licensed") {
					outside++
				}
			}
			for i := range 4 {
				if got, want := usage(t, db, name("batch", i)), usage(t, db, name("one", i)); got != want {
					t.Errorf("round %d: member %d's usage in a batch %s, one at a time %s", round, i, got, want)
				}
			}
		}
		if outside == 0 {
			t.Error("no movement was denied for a region outside the licensed ones: the rounds do not cover jurisdictions")
		}
	})
}

// usage lists a member's usage rows and payees, with names made path-free.
func usage(t *testing.T, db *store.DB, user string) string {
	t.Helper()
	var sb strings.Builder
	rows, err := db.Reader().QueryContext(context.Background(), "SELECT class, span, bucket, amount FROM compliance_usage WHERE user_id = $1 AND amount <> 0 ORDER BY class, span, bucket", user)
	must(t, err)
	defer rows.Close()
	for rows.Next() {
		var class, span string
		var bucket, amount int64
		must(t, rows.Scan(&class, &span, &bucket, &amount))
		fmt.Fprintf(&sb, "%s/%s/%d=%d ", class, span, bucket, amount)
	}
	must(t, rows.Err())
	prow, err := db.Reader().QueryContext(context.Background(), "SELECT payee_id FROM compliance_payees WHERE user_id = $1 ORDER BY payee_id", user)
	must(t, err)
	defer prow.Close()
	for prow.Next() {
		var p string
		must(t, prow.Scan(&p))
		fmt.Fprintf(&sb, "payee %s ", p[strings.LastIndex(p, "_"):])
	}
	must(t, prow.Err())
	return sb.String()
}

// setRegion gives user a verified address in region, as an approved
// identity check would.
func setRegion(t *testing.T, db *store.DB, user, region string) {
	t.Helper()
	must(t, db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), `INSERT INTO compliance_users (user_id, updated_at, region) VALUES ($1, 0, $2)
			ON CONFLICT (user_id) DO UPDATE SET region = excluded.region`, user, region)
		return err
	}))
}
