package movement

import (
	"context"
	"fmt"
	"time"
)

// Volume is what members paid with one kind of movement in one day (UTC):
// done movements that leave a member (Direction Out), in minor units of
// Asset.
type Volume struct {
	Day    time.Time
	Kind   Kind
	Asset  string
	Amount int64
	Count  int64
}

// payingKinds are the kinds whose movements are payments by a member.
func payingKinds() []string {
	var out []string
	for _, i := range Kinds() {
		if i.Direction == Out {
			out = append(out, string(i.Kind))
		}
	}
	return out
}

const nanosPerDay = int64(24 * time.Hour)

// The kinds' placeholders come first in each query: SQLite numbers $N
// parameters in the order they appear.

// Volume returns the payment volume day by day from from to to (both
// midnight UTC) by kind and asset, for reports. Errors: database failures.
func (k *Kernel) Volume(ctx context.Context, from, to time.Time) ([]Volume, error) {
	in, args := k.db.Dialect.In("kind", payingKinds())
	n := len(args)
	args = append(args, from.UnixNano(), to.UnixNano())
	rows, err := k.db.Reader().QueryContext(ctx, fmt.Sprintf(`SELECT created_at / %d, kind, asset, SUM(amount), COUNT(*) FROM movements
		WHERE %s AND created_at >= $%d AND created_at < $%d AND status = 'done'
		GROUP BY created_at / %d, kind, asset`, nanosPerDay, in, n+1, n+2, nanosPerDay), args...)
	if err != nil {
		return nil, fmt.Errorf("payment volume: %w", err)
	}
	defer rows.Close()
	var out []Volume
	for rows.Next() {
		var v Volume
		var d int64
		if err := rows.Scan(&d, &v.Kind, &v.Asset, &v.Amount, &v.Count); err != nil {
			return nil, fmt.Errorf("payment volume: %w", err)
		}
		v.Day = time.Unix(0, d*nanosPerDay).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// ActivePayers counts the members who made at least one payment (a done
// movement that leaves them) in [from, to). Errors: database failures.
func (k *Kernel) ActivePayers(ctx context.Context, from, to time.Time) (int64, error) {
	in, args := k.db.Dialect.In("kind", payingKinds())
	n := len(args)
	args = append(args, from.UnixNano(), to.UnixNano())
	var c int64
	err := k.db.Reader().QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(DISTINCT from_user) FROM movements
		WHERE %s AND created_at >= $%d AND created_at < $%d AND status = 'done' AND from_user <> ''`, in, n+1, n+2), args...).Scan(&c)
	if err != nil {
		return 0, fmt.Errorf("active payers: %w", err)
	}
	return c, nil
}
