package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// MaxCreatorTiers is how many active tiers a creator may offer.
const MaxCreatorTiers = 3

// checkCreatorPlan refuses a creator's plan beyond MaxCreatorTiers active
// ones, or from an account that is not a creator's.
func (s *Service) checkCreatorPlan(ctx context.Context, ownerID string) error {
	u, err := s.social.UserByID(ctx, ownerID)
	if err != nil {
		return err
	}
	if u.Kind != social.Creator {
		return nestegg.Errorf(nestegg.Forbidden, "only creator accounts offer subscriptions")
	}
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM billing_plans WHERE product = $1 AND active = 1", CreatorProduct(ownerID)).Scan(&n); err != nil {
		return err
	}
	if n >= MaxCreatorTiers {
		return nestegg.Errorf(nestegg.Conflict, "you offer %d tiers already; retire one first", MaxCreatorTiers)
	}
	return nil
}

// SubscribedTo says, for each creator, whether viewerID may read their
// subscribers-only posts now (a subscription with access). It is
// social.SubscriberCheck: wire it with social.SetSubscriberCheck.
func (s *Service) SubscribedTo(ctx context.Context, viewerID string, creatorIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if viewerID == "" || len(creatorIDs) == 0 {
		return out, nil
	}
	products := make([]string, len(creatorIDs))
	for i, c := range creatorIDs {
		products[i] = CreatorProduct(c)
	}
	var args []any
	for _, p := range products {
		args = append(args, p)
	}
	q := `SELECT product FROM billing_subscriptions WHERE user_id = $1 AND product IN (` + store.List(2, len(products)) + `)
		AND (status = 'past_due' OR (status = 'active' AND (cancel_at_end = 0 OR period_end > $` + fmt.Sprint(len(products)+2) + `)))`
	all := append([]any{viewerID}, args...)
	all = append(all, s.now().UnixNano())
	rows, err := s.db.Reader().QueryContext(ctx, q, all...)
	if err != nil {
		return nil, fmt.Errorf("subscribed to: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out[strings.TrimPrefix(p, "creator:")] = true
	}
	return out, rows.Err()
}

// Earnings is what a creator's subscriptions earned over a time.
type Earnings struct {
	Asset       string
	Gross       int64 // what subscribers paid
	Fee         int64 // the platform's cut
	Net         int64 // what the creator kept
	Refunded    int64
	Charges     int
	Subscribers int // with access now
}

// CreatorEarnings sums creatorID's subscription charges since since, by
// asset. Only the creator (or staff) may call it.
func (s *Service) CreatorEarnings(ctx context.Context, creatorID string, since time.Time) ([]Earnings, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT asset, COALESCE(SUM(amount), 0), COALESCE(SUM(platform), 0), COALESCE(SUM(refunded), 0), COUNT(*)
		FROM billing_charges WHERE creator_id = $1 AND created_at >= $2 GROUP BY asset ORDER BY asset`, creatorID, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("earnings: %w", err)
	}
	var out []Earnings
	for rows.Next() {
		var e Earnings
		if err := rows.Scan(&e.Asset, &e.Gross, &e.Fee, &e.Refunded, &e.Charges); err != nil {
			rows.Close()
			return nil, err
		}
		e.Net = e.Gross - e.Fee
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	n, err := s.Subscribers(ctx, CreatorProduct(creatorID))
	if err != nil {
		return nil, err
	}
	total := 0
	for _, c := range n {
		total += c
	}
	for i := range out {
		out[i].Subscribers = total
	}
	if len(out) == 0 && total > 0 {
		out = append(out, Earnings{Subscribers: total})
	}
	return out, nil
}
