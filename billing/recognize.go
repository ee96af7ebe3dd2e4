package billing

import (
	"context"
	"fmt"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
)

// recognizeBatch is how many charges one recognition movement covers.
const recognizeBatch = 500

type recognition struct {
	id                   string
	recognized, deferred int64
	due                  int64
}

// Recognize moves into revenue what charged periods have earned by now
// (see Recognizable): one movement per asset and batch of charges, from
// deferred revenue to fee revenue, with each charge's recognized amount
// changed in the same transaction, guarded by what it was read as (a
// concurrent run of another process rolls back instead of recognizing
// twice). It returns the total recognized. Errors: database failures.
func (s *Service) Recognize(ctx context.Context) (int64, error) {
	var total int64
	after := ""
	for {
		now := s.now()
		rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, asset, platform, recognized, deferred_left, recog_start, recog_end FROM billing_charges
			WHERE deferred_left > 0 AND id > $1 ORDER BY id LIMIT $2`, after, recognizeBatch)
		if err != nil {
			return total, fmt.Errorf("recognize: %w", err)
		}
		byAsset := map[string][]recognition{}
		n := 0
		for rows.Next() {
			var r recognition
			var code string
			var platform, start, end int64
			if err := rows.Scan(&r.id, &code, &platform, &r.recognized, &r.deferred, &start, &end); err != nil {
				rows.Close()
				return total, fmt.Errorf("recognize: %w", err)
			}
			n++
			after = r.id
			target, err := Recognizable(platform, fromNanos(start), fromNanos(end), now)
			if err != nil {
				rows.Close()
				return total, err
			}
			r.due = min(target-r.recognized, r.deferred)
			if r.due > 0 {
				byAsset[code] = append(byAsset[code], r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, fmt.Errorf("recognize: %w", err)
		}
		for code, rs := range byAsset {
			sum, err := s.recognize(ctx, code, rs)
			if nestegg.Is(err, nestegg.Conflict) {
				continue // another process recognized some of them: the next run
			}
			if err != nil {
				return total, err
			}
			total += sum
		}
		if n < recognizeBatch {
			return total, nil
		}
	}
}

func (s *Service) recognize(ctx context.Context, code string, rs []recognition) (int64, error) {
	var sum int64
	for _, r := range rs {
		sum += r.due
	}
	if err := s.ledger.EnsurePlatform(ctx, code); err != nil {
		return 0, err
	}
	req := movement.Request{Kind: movement.RevenueRecognition, Actor: "job", Key: nestegg.NewID("recognize"), Asset: code, Amount: sum,
		Note: fmt.Sprintf("%d charges", len(rs)), Accounts: []string{deferredID(code), revenueID(code)}}
	_, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		for _, r := range rs {
			if err := guarded(ctx, tx.SQL, "a charge", `UPDATE billing_charges SET recognized = recognized + $2, deferred_left = deferred_left - $2
				WHERE id = $1 AND recognized = $3 AND deferred_left = $4`, r.id, r.due, r.recognized, r.deferred); err != nil {
				return err
			}
		}
		_, err := tx.Submit(ctx, ledger.Transfer{ID: tx.ID() + ":rec", DebitAccountID: deferredID(code), CreditAccountID: revenueID(code),
			Amount: sum, Asset: code, Code: "revenue_recognition"})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("recognize %s: %w", code, err)
	}
	return sum, nil
}

// Revenue is what the platform's subscription revenue looks like now, in
// one asset: what was charged (its part), what of it has been recognized,
// what is still deferred, and what was refunded.
type Revenue struct {
	Asset                                   string
	Charged, Recognized, Deferred, Refunded int64
}

// Revenue sums the platform's part of every charge in code. For the
// operator's pages; any trusted code may call it.
func (s *Service) Revenue(ctx context.Context, code string) (Revenue, error) {
	r := Revenue{Asset: code}
	err := s.db.Reader().QueryRowContext(ctx, `SELECT COALESCE(SUM(platform), 0), COALESCE(SUM(recognized), 0), COALESCE(SUM(deferred_left), 0),
		COALESCE(SUM(refunded), 0) FROM billing_charges WHERE asset = $1`, code).Scan(&r.Charged, &r.Recognized, &r.Deferred, &r.Refunded)
	if err != nil {
		return Revenue{}, fmt.Errorf("revenue: %w", err)
	}
	return r, nil
}
