package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// FeedItem is a payment as a viewer of the payments feed sees it. Amount
// is nil unless the payment is public or the viewer is its payer or payee.
type FeedItem struct {
	ID       string
	Kind     Kind // send, tip or award
	Payer    social.User
	Payee    social.User
	Note     string
	Audience Audience
	Amount   *money.Amount
	Award    string
	PostID   string
	At       time.Time
}

// FeedPage is a page of the feed, newest first.
type FeedPage struct {
	Items []FeedItem
	Next  string
}

// Feed returns the payments viewerID may see, newest first: completed
// sends, tips and awards that are public, or theirs, or addressed to the
// payer's followers when viewerID follows the payer. Payments involving
// someone viewerID has blocked, or who blocked them, are left out. Anyone
// may call it; viewerID "" sees public payments only. Errors: Invalid
// (Param "cursor", "limit").
func (s *Service) Feed(ctx context.Context, viewerID string, page Page) (FeedPage, error) {
	return s.feed(ctx, viewerID, "", page)
}

// ProfileFeed is Feed narrowed to the payments userID made or received.
func (s *Service) ProfileFeed(ctx context.Context, viewerID, userID string, page Page) (FeedPage, error) {
	return s.feed(ctx, viewerID, userID, page)
}

func (s *Service) feed(ctx context.Context, viewerID, userID string, page Page) (FeedPage, error) {
	c, limit, err := nestegg.ParsePage(page)
	if err != nil {
		return FeedPage{}, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT p.id, p.kind, p.payer_id, p.payee_id, p.asset, p.amount, p.note, p.audience, p.award, p.post_id, p.created_at
		FROM payments p
		WHERE p.kind IN ('send', 'tip', 'award') AND p.status = 'completed'
		AND (p.created_at < $2 OR (p.created_at = $2 AND p.id < $3))
		AND ($5 = '' OR p.payer_id = $5 OR p.payee_id = $5)
		AND (p.audience = 'public' OR ($1 <> '' AND (p.payer_id = $1 OR p.payee_id = $1
			OR (p.audience = 'followers' AND EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = p.payer_id)))))
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = $1 AND b.blocked_id IN (p.payer_id, p.payee_id))
			OR (b.blocked_id = $1 AND b.blocker_id IN (p.payer_id, p.payee_id)))
		ORDER BY p.created_at DESC, p.id DESC LIMIT $4`, viewerID, c.At, c.ID, limit+1, userID)
	if err != nil {
		return FeedPage{}, fmt.Errorf("feed: %w", err)
	}
	type row struct {
		item         FeedItem
		payer, payee string
		amount       money.Amount
	}
	var got []row
	for rows.Next() {
		var r row
		var kind, assetCode, audience string
		var at int64
		if err := rows.Scan(&r.item.ID, &kind, &r.payer, &r.payee, &assetCode, &r.amount.Minor, &r.item.Note, &audience, &r.item.Award, &r.item.PostID, &at); err != nil {
			rows.Close()
			return FeedPage{}, fmt.Errorf("feed: %w", err)
		}
		r.item.Kind, r.item.Audience, r.item.At = Kind(kind), Audience(audience), fromNanos(at)
		r.amount.Asset = asset(assetCode)
		got = append(got, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return FeedPage{}, fmt.Errorf("feed: %w", err)
	}
	var out FeedPage
	if len(got) > limit {
		got = got[:limit]
		last := got[limit-1].item
		out.Next = nestegg.Cursor{At: last.At.UnixNano(), ID: last.ID}.String()
	}
	users := s.users()
	for _, r := range got {
		if r.item.Audience == Public || (viewerID != "" && (viewerID == r.payer || viewerID == r.payee)) {
			a := r.amount
			r.item.Amount = &a
		}
		if r.item.Payer, err = users(ctx, r.payer); err != nil {
			return FeedPage{}, err
		}
		if r.item.Payee, err = users(ctx, r.payee); err != nil {
			return FeedPage{}, err
		}
		out.Items = append(out.Items, r.item)
	}
	return out, nil
}
