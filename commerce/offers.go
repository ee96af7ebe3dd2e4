package commerce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// OfferInput is an offer a merchant posts.
type OfferInput struct {
	ProductID string
	// Text is the post's text; "" makes one from the product. The buy
	// hashtag is appended when the text does not carry it.
	Text string
	// Hashtag is the optional buy hashtag ("BuyNestMug" or "#BuyNestMug").
	Hashtag string
	// EndsAt ends the offer by itself; zero lasts until EndOffer.
	EndsAt time.Time
}

// CreateOffer posts an offer of one of merchantID's products: a post with a
// Buy button, and a buy hashtag when one is given. Only the product's
// merchant may call it. Errors: NotFound (Param "product_id"); Invalid
// (Param "hashtag": see ValidBuyHashtag; "ends_at", "text"); Conflict
// (Param "hashtag") when a live offer already uses the hashtag, compared
// by TagKey; social.CreatePost's errors.
func (s *Service) CreateOffer(ctx context.Context, merchantID string, in OfferInput) (Offer, error) {
	if _, err := s.business(ctx, merchantID); err != nil {
		return Offer{}, err
	}
	p, err := s.Product(ctx, merchantID, in.ProductID)
	if err != nil || p.MerchantID != merchantID {
		return Offer{}, nestegg.ParamErrorf(nestegg.NotFound, "product_id", "no such product of yours")
	}
	now := s.now()
	if !in.EndsAt.IsZero() && !in.EndsAt.After(now) {
		return Offer{}, nestegg.ParamErrorf(nestegg.Invalid, "ends_at", "an offer must end in the future")
	}
	var tag, key string
	if strings.TrimSpace(in.Hashtag) != "" {
		if tag, err = ValidBuyHashtag(in.Hashtag); err != nil {
			return Offer{}, err
		}
		key = TagKey(tag)
		if _, err := s.liveOfferByTag(ctx, s.db.Reader(), key); err == nil {
			return Offer{}, nestegg.ParamErrorf(nestegg.Conflict, "hashtag", "#%s is already a live offer's buy hashtag", tag)
		} else if !nestegg.Is(err, nestegg.NotFound) {
			return Offer{}, err
		}
	}
	text := strings.TrimSpace(in.Text)
	if text == "" {
		text = p.Title + " — " + money.Format(p.Price)
	}
	if tag != "" && !hasTag(text, key) {
		text += " #" + tag
	}
	if err := s.ensureAccounts(ctx, p.Price.Asset.Code, merchantID); err != nil {
		return Offer{}, err
	}
	post, err := s.social.CreatePost(ctx, merchantID, social.NewPost{Body: text})
	if err != nil {
		return Offer{}, err
	}
	o := Offer{ID: nestegg.NewID("ofr"), MerchantID: merchantID, ProductID: p.ID, PostID: post.ID, Hashtag: tag, Status: OfferLive,
		EndsAt: in.EndsAt, CreatedAt: now, Product: p.masked("")}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO commerce_offers (id, merchant_id, product_id, post_id, hashtag, hashtag_text, status, ends_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'live', $7, $8, $8)`, o.ID, merchantID, p.ID, post.ID, key, tag, nanos(in.EndsAt), nanos(now))
		return err
	})
	if err != nil {
		// Another offer took the hashtag between the check and now: the
		// post must not stay up as an offer that is not one.
		_ = s.social.DeletePost(ctx, merchantID, post.ID)
		if nestegg.Is(err, nestegg.Conflict) {
			return Offer{}, nestegg.ParamErrorf(nestegg.Conflict, "hashtag", "#%s is already a live offer's buy hashtag", tag)
		}
		return Offer{}, fmt.Errorf("create offer: %w", err)
	}
	return o, nil
}

func hasTag(text, key string) bool {
	for _, e := range social.Hashtags(text) {
		if TagKey(e.Value) == key {
			return true
		}
	}
	return false
}

// EndOffer ends a live offer: its Buy button and hashtag stop selling, and
// the hashtag is free for another offer. Ending an ended offer is a no-op.
// Only its merchant may call it. Errors: NotFound.
func (s *Service) EndOffer(ctx context.Context, merchantID, offerID string) error {
	o, err := s.Offer(ctx, offerID)
	if err != nil || o.MerchantID != merchantID {
		return nestegg.ParamErrorf(nestegg.NotFound, "id", "no such offer of yours")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE commerce_offers SET status = 'ended', updated_at = $2 WHERE id = $1", offerID, nanos(s.now()))
		return err
	})
}

// EndOffers ends live offers past their end time and returns how many: a
// background job, safe to run anywhere, any time.
func (s *Service) EndOffers(ctx context.Context) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		now := nanos(s.now())
		res, err := tx.ExecContext(ctx, "UPDATE commerce_offers SET status = 'ended', updated_at = $1 WHERE status = 'live' AND ends_at > 0 AND ends_at <= $1", now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("end offers: %w", err)
	}
	return int(n), nil
}

const offerCols = "o.id, o.merchant_id, o.product_id, o.post_id, o.hashtag_text, o.status, o.ends_at, o.created_at, " +
	"p.id, p.merchant_id, p.title, p.description, p.asset, p.price, p.stock, p.kind, p.content, p.variants, p.active, p.created_at, p.updated_at"

const offerFrom = " FROM commerce_offers o JOIN commerce_products p ON p.id = o.product_id "

func scanOffer(row interface{ Scan(...any) error }) (Offer, error) {
	var o Offer
	var status string
	var ends, created int64
	var p productScan
	dest := append([]any{&o.ID, &o.MerchantID, &o.ProductID, &o.PostID, &o.Hashtag, &status, &ends, &created}, p.dest()...)
	if err := row.Scan(dest...); err != nil {
		return Offer{}, err
	}
	o.Status, o.EndsAt, o.CreatedAt = OfferStatus(status), fromNanos(ends), fromNanos(created)
	o.Product = p.product().masked("")
	return o, nil
}

// live reports whether the offer still sells at now.
func (o Offer) live(now time.Time) bool {
	return o.Status == OfferLive && (o.EndsAt.IsZero() || now.Before(o.EndsAt))
}

// Offer returns an offer with its product as buyers see it. Anyone may
// call it. Errors: NotFound.
func (s *Service) Offer(ctx context.Context, offerID string) (Offer, error) {
	o, err := scanOffer(s.db.Reader().QueryRowContext(ctx, "SELECT "+offerCols+offerFrom+"WHERE o.id = $1", offerID))
	if errors.Is(err, sql.ErrNoRows) {
		return Offer{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such offer")
	}
	if err != nil {
		return Offer{}, fmt.Errorf("offer: %w", err)
	}
	if !o.live(s.now()) {
		o.Status = OfferEnded
	}
	return o, nil
}

// OffersForPosts returns the offers carried by the given posts, keyed by
// post id, for rendering Buy buttons. Anyone may call it.
func (s *Service) OffersForPosts(ctx context.Context, postIDs []string) (map[string]Offer, error) {
	out := map[string]Offer{}
	if len(postIDs) == 0 {
		return out, nil
	}
	if len(postIDs) > 500 {
		postIDs = postIDs[:500]
	}
	args := make([]any, len(postIDs))
	for i, id := range postIDs {
		args[i] = id
	}
	ph := strings.Trim(store.Placeholders(1, 1, len(postIDs)), "()")
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+offerCols+offerFrom+"WHERE o.post_id IN ("+ph+")", args...)
	if err != nil {
		return nil, fmt.Errorf("offers for posts: %w", err)
	}
	defer rows.Close()
	now := s.now()
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, fmt.Errorf("offers for posts: %w", err)
		}
		if !o.live(now) {
			o.Status = OfferEnded
		}
		out[o.PostID] = o
	}
	return out, rows.Err()
}

// MerchantOffers lists merchantID's offers, newest first (at most 200).
// Anyone may call it: offers are public posts.
func (s *Service) MerchantOffers(ctx context.Context, merchantID string) ([]Offer, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+offerCols+offerFrom+"WHERE o.merchant_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT 200", merchantID)
	if err != nil {
		return nil, fmt.Errorf("merchant offers: %w", err)
	}
	defer rows.Close()
	var out []Offer
	now := s.now()
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, fmt.Errorf("merchant offers: %w", err)
		}
		if !o.live(now) {
			o.Status = OfferEnded
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// liveOfferByTag finds the live offer whose buy hashtag key (TagKey) is key.
func (s *Service) liveOfferByTag(ctx context.Context, q store.Querier, key string) (Offer, error) {
	o, err := scanOffer(q.QueryRowContext(ctx, "SELECT "+offerCols+offerFrom+"WHERE o.hashtag = $1 AND o.status = 'live'", key))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !o.live(s.now())) {
		return Offer{}, nestegg.Errorf(nestegg.NotFound, "no live offer has #%s", key)
	}
	return o, err
}

// productScan collects a product's columns.
type productScan struct {
	p                    Product
	code, kind, variants string
	active               int
	created, updated     int64
}

func (s *productScan) dest() []any {
	return []any{&s.p.ID, &s.p.MerchantID, &s.p.Title, &s.p.Description, &s.code, &s.p.Price.Minor, &s.p.Stock, &s.kind, &s.p.Content,
		&s.variants, &s.active, &s.created, &s.updated}
}

func (s *productScan) product() Product {
	p := s.p
	p.Price.Asset, p.Kind, p.Active = asset(s.code), ProductKind(s.kind), s.active != 0
	if s.variants != "" {
		p.Variants = strings.Split(s.variants, "\n")
	}
	p.CreatedAt, p.UpdatedAt = fromNanos(s.created), fromNanos(s.updated)
	return p
}
