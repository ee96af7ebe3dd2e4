package commerce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// OnPost is the social.PostHook that turns posts into purchase intents,
// inside the post's transaction: a post with a live offer's buy hashtag
// (not the merchant's own), or one mentioning a merchant's gift handle
// and a friend. The buyer confirms within Config.IntentTTL, in the app
// (ConfirmIntent) or by posting the confirmation hashtag the notification
// gives, which this hook also reads. Hashtags that are no live offer's
// buy nothing and say nothing: they are ordinary hashtags. It returns only
// database failures, which abort the post.
func (s *Service) OnPost(ctx context.Context, tx *sql.Tx, p social.Post) error {
	parsed := ParsePost(p.Body)
	if parsed.Confirm != "" {
		return s.confirmByPost(ctx, tx, p, parsed.Confirm)
	}
	in, err := s.intentFor(ctx, tx, p, parsed)
	if err != nil || in == nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO commerce_intents (id, kind, buyer_id, post_id, offer_id, product_id, merchant_id, recipient_id, code,
		asset, price, variant, status, expires_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $14, $14)`,
		in.ID, string(in.Kind), in.BuyerID, in.PostID, in.OfferID, in.ProductID, in.MerchantID, in.RecipientID, in.Code,
		in.Price.Asset.Code, in.Price.Minor, in.Variant, nanos(in.ExpiresAt), nanos(in.CreatedAt)); err != nil {
		return err
	}
	return nil
}

// intentFor decides what purchase, if any, a post asks for, and tells its
// author how to confirm it (or why it can't be bought). The price it tells
// is the intent's quote: the price confirming pays, or nothing.
func (s *Service) intentFor(ctx context.Context, tx *sql.Tx, p social.Post, parsed Parsed) (*Intent, error) {
	now := s.now()
	in := &Intent{ID: nestegg.NewID("pin"), BuyerID: p.Author.ID, PostID: p.ID, Code: newCode(codeLen), Status: IntentPending,
		ExpiresAt: now.Add(s.cfg.IntentTTL), CreatedAt: now}
	var what string
	var variants []string
	if gift, err := s.giftIn(ctx, tx, parsed); err != nil {
		return nil, err
	} else if gift != nil {
		friends, err := s.social.UsersByHandle(ctx, tx, gift.friend)
		if err != nil {
			return nil, err
		}
		friend, ok := friends[gift.friend]
		switch {
		case !ok:
			return nil, s.notify(ctx, tx, p.Author.ID, NotifyFailed, "", p.ID, "nobody is called @"+gift.friend+"; no gift was sent")
		case friend.ID == p.Author.ID || gift.merchant == p.Author.ID:
			return nil, s.notify(ctx, tx, p.Author.ID, NotifyFailed, "", p.ID, "a gift is for somebody else; mention your friend")
		}
		prod, err := scanProduct(tx.QueryRowContext(ctx, "SELECT "+productCols+" FROM commerce_products WHERE id = $1", gift.product))
		if err != nil {
			return nil, err
		}
		in.Kind, in.ProductID, in.MerchantID, in.RecipientID, in.Price = IntentGift, prod.ID, gift.merchant, friend.ID, prod.Price
		in.Variant, variants = VariantIn(p.Body, prod.Variants), prod.Variants
		what = fmt.Sprintf("send @%s %s (%s) from @%s", friend.Handle, titled(prod.Title, in.Variant), money.Format(prod.Price), gift.handle)
	} else {
		var o Offer
		found := false
		for _, tag := range parsed.Tags {
			o, err = s.liveOfferByTag(ctx, tx, tag)
			if err == nil {
				found = true
				break
			}
			if !nestegg.Is(err, nestegg.NotFound) {
				return nil, err
			}
		}
		if !found || o.MerchantID == p.Author.ID {
			return nil, nil
		}
		in.Kind, in.OfferID, in.ProductID, in.MerchantID, in.RecipientID, in.Price = IntentHashtag, o.ID, o.ProductID, o.MerchantID, p.Author.ID, o.Product.Price
		in.Variant, variants = VariantIn(p.Body, o.Product.Variants), o.Product.Variants
		what = fmt.Sprintf("buy %s for %s", titled(o.Product.Title, in.Variant), money.Format(o.Product.Price))
	}
	mins := int(s.cfg.IntentTTL.Minutes())
	msg := fmt.Sprintf("confirm: %s — tap Confirm in your orders, or reply #%s within %d minutes. Nothing is charged until you do.", what, in.ConfirmTag(), mins)
	if len(variants) > 0 && in.Variant == "" {
		// The post named no variant: say where to choose one, rather than
		// leaving the buyer a purchase that can only fail.
		msg = fmt.Sprintf("confirm: %s — choose %s in your orders and tap Confirm, or reply #%s %s within %d minutes. Nothing is charged until you do.",
			what, strings.Join(variants, " or "), in.ConfirmTag(), variants[0], mins)
	}
	return in, s.notify(ctx, tx, p.Author.ID, NotifyConfirm, in.MerchantID, p.ID, msg)
}

// titled is a product's title with the variant bought, when there is one.
func titled(title, variant string) string {
	if variant == "" {
		return title
	}
	return title + " (" + variant + ")"
}

// giftMention is a gift handle and a friend found in a post.
type giftMention struct {
	handle, friend    string
	merchant, product string
}

// giftIn finds a declared gift handle and a friend among the mentions.
func (s *Service) giftIn(ctx context.Context, tx *sql.Tx, parsed Parsed) (*giftMention, error) {
	if len(parsed.Mentions) < 2 {
		return nil, nil
	}
	gifts := map[string]giftMention{}
	for _, h := range parsed.Mentions {
		var g giftMention
		err := tx.QueryRowContext(ctx, "SELECT user_id, gift_product_id FROM commerce_merchants WHERE gift_handle = $1", h).Scan(&g.merchant, &g.product)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		g.handle = h
		gifts[h] = g
	}
	handle, friend, ok := parsed.Gift(func(h string) bool { _, ok := gifts[h]; return ok })
	if !ok {
		return nil, nil
	}
	g := gifts[handle]
	g.friend = friend
	return &g, nil
}

// confirmByPost confirms the author's pending intent with code, inside the
// post's transaction. Anything that stops the purchase is told to the
// author; only database failures abort the post.
func (s *Service) confirmByPost(ctx context.Context, tx *sql.Tx, p social.Post, code string) error {
	in, err := scanIntent(tx.QueryRowContext(ctx, "SELECT "+intentCols+" FROM commerce_intents WHERE buyer_id = $1 AND code = $2 AND status = 'pending'",
		p.Author.ID, code))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !s.now().Before(in.ExpiresAt)) {
		return s.notify(ctx, tx, p.Author.ID, NotifyFailed, "", p.ID, "no purchase is waiting for #"+confirmPrefix+code+"; it may have expired, and nothing was charged")
	}
	if err != nil {
		return err
	}
	asset, variants, err := s.intentProduct(ctx, tx, in)
	if err != nil {
		return err
	}
	if in.Variant == "" && len(variants) > 0 {
		// "#ConfirmK7Q2XM Charcoal" chooses as it confirms.
		if in.Variant = VariantIn(p.Body, variants); in.Variant == "" {
			return s.notify(ctx, tx, p.Author.ID, NotifyFailed, "", p.ID, fmt.Sprintf("choose one of %s: reply #%s %s, or choose in your orders; nothing was charged",
				strings.Join(variants, ", "), in.ConfirmTag(), variants[0]))
		}
	}
	if !s.ledger.Exists(ctx, walletID(in.BuyerID, asset), walletID(in.MerchantID, asset), platformID(asset, ledger.KindFeeRevenue)) {
		return s.notify(ctx, tx, p.Author.ID, NotifyFailed, "", p.ID, "your wallet isn't set up yet: confirm this purchase in your orders")
	}
	// The purchase is a savepoint of the post's transaction (MoveIn): one
	// that fails (no money, sold out) leaves the post and the pending
	// intent as they were; a denial keeps its audit row, and the intent
	// stays pending.
	_, runErr := s.takeOrderIn(ctx, tx, s.intentOrder(in))
	if nestegg.ErrorCode(runErr) == nestegg.Internal {
		return runErr
	}
	if runErr != nil {
		return s.notify(ctx, tx, p.Author.ID, NotifyFailed, "", p.ID, "couldn't buy: "+nestegg.ErrorMessage(runErr))
	}
	return nil
}

// intentProduct is the asset and the variants of the intent's product.
func (s *Service) intentProduct(ctx context.Context, tx *sql.Tx, in Intent) (string, []string, error) {
	var code, variants string
	err := tx.QueryRowContext(ctx, "SELECT asset, variants FROM commerce_products WHERE id = $1", in.ProductID).Scan(&code, &variants)
	if err != nil || variants == "" {
		return code, nil, err
	}
	return code, strings.Split(variants, "\n"), nil
}

// intentOrder is the order an intent asks for, at the price it quoted,
// under a key of its own, so that confirming twice (two taps, a tap and a
// reply) buys once. Placing it marks the intent confirmed, in the
// purchase's movement.
func (s *Service) intentOrder(in Intent) orderArgs {
	a := orderArgs{buyer: in.BuyerID, recipient: in.RecipientID, merchant: in.MerchantID, productID: in.ProductID, offerID: in.OfferID,
		gift: in.Kind == IntentGift, via: ViaHashtag, key: "intent:" + in.ID, postID: in.PostID, quote: in.Price, variant: in.Variant}
	if a.gift {
		a.via = ViaGift
	}
	a.then = func(ctx context.Context, tx *sql.Tx, o Order) error {
		res, err := tx.ExecContext(ctx, "UPDATE commerce_intents SET status = 'confirmed', order_id = $2, variant = $4, updated_at = $3 WHERE id = $1 AND status = 'pending' AND expires_at > $3",
			in.ID, o.ID, nanos(o.CreatedAt), in.Variant)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		// Cancelled or expired since it was read: nothing is bought.
		cur, err := scanIntent(tx.QueryRowContext(ctx, "SELECT "+intentCols+" FROM commerce_intents WHERE id = $1", in.ID))
		if err != nil {
			return err
		}
		if cur.Status == IntentPending {
			return nestegg.Errorf(nestegg.Conflict, "this purchase expired; nothing was charged")
		}
		return nestegg.Errorf(nestegg.Conflict, "this purchase is %s", cur.Status)
	}
	return a
}

// ConfirmIntent carries out buyerID's pending purchase intent, at the
// price it quoted (Intent.Price), and returns its order; confirming a
// confirmed intent returns the same order. seen, when set, is the price
// the confirming page showed (amount and asset); nil takes the intent's
// quote. Only the buyer may call it.
//
// Errors: NotFound when it is not buyerID's; Invalid (Param
// "expected_price") for a seen that is no price; Conflict when it expired
// or was cancelled, the offer ended or sold out, or the price in force is
// not the quote (or seen); Forbidden when the checkpoint refuses;
// InsufficientFunds (the intent stays pending until it expires, so the
// buyer can top up and try again).
func (s *Service) ConfirmIntent(ctx context.Context, buyerID, intentID string, seen *money.Amount) (Order, error) {
	in, err := s.Intent(ctx, buyerID, intentID)
	if err != nil {
		return Order{}, err
	}
	if in.Status == IntentConfirmed {
		return s.Order(ctx, buyerID, in.OrderID)
	}
	if in.Status != IntentPending {
		return Order{}, nestegg.Errorf(nestegg.Conflict, "this purchase is %s", in.Status)
	}
	if seen != nil {
		switch {
		case seen.Minor <= 0 || seen.Asset.Code == "":
			return Order{}, nestegg.ParamErrorf(nestegg.Invalid, "expected_price", "the expected price is an amount and its asset")
		case in.Price.Minor == 0:
			in.Price = *seen // an intent from before quotes were kept
		case !samePrice(in.Price, *seen):
			return Order{}, priceChanged(*seen, in.Price)
		}
	}
	p, err := s.Product(ctx, "", in.ProductID)
	if err != nil {
		return Order{}, err
	}
	if err := s.ensureAccounts(ctx, p.Price.Asset.Code, buyerID, in.MerchantID); err != nil {
		return Order{}, err
	}
	o, err := s.takeOrder(ctx, s.intentOrder(in))
	if err != nil {
		return Order{}, fmt.Errorf("confirm purchase: %w", err)
	}
	return o, nil
}

// ChooseVariant records which of the product's variants buyerID's pending
// intent buys, for a post that named none (or the wrong one); ConfirmIntent
// then buys it. variant is matched without regard to case and stored as
// the merchant wrote it. Only the buyer may call it.
//
// Choosing the variant a confirmed intent bought returns it unchanged.
//
// Errors: NotFound when it is not buyerID's; Invalid (Param "variant")
// naming the choices when variant is not one of them, or the product has
// none; Conflict when the intent is no longer pending (and, confirmed,
// bought another variant).
func (s *Service) ChooseVariant(ctx context.Context, buyerID, intentID, variant string) (Intent, error) {
	in, err := s.Intent(ctx, buyerID, intentID)
	if err != nil {
		return Intent{}, err
	}
	p, err := s.Product(ctx, "", in.ProductID)
	if err != nil {
		return Intent{}, err
	}
	v := strings.TrimSpace(variant)
	for _, pv := range p.Variants {
		if strings.EqualFold(pv, v) {
			v = pv
		}
	}
	if err := checkVariant(p, v); err != nil {
		return Intent{}, err
	}
	if in.Status == IntentConfirmed && in.Variant == v {
		// Choosing what was bought changes nothing: a retried request
		// (the API replays a confirmation's key by running it again)
		// goes on to the confirmation's answer.
		return in, nil
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE commerce_intents SET variant = $2, updated_at = $3 WHERE id = $1 AND status = 'pending' AND expires_at > $3",
			intentID, v, nanos(s.now()))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return nestegg.Errorf(nestegg.Conflict, "this purchase is no longer waiting (it is %s); nothing was charged", in.Status)
	})
	if err != nil {
		return Intent{}, fmt.Errorf("choose variant: %w", err)
	}
	in.Variant = v
	return in, nil
}

// VariantIn finds which of variants a post names: the one variant whose
// words appear in text as whole words, in any case ("#BuyNestMug
// charcoal please"). "" when none does, or more than one (the buyer then
// chooses when confirming).
func VariantIn(text string, variants []string) string {
	if len(variants) == 0 {
		return ""
	}
	words := " " + strings.Join(strings.FieldsFunc(strings.ToLower(text), notWordRune), " ") + " "
	found := ""
	for _, v := range variants {
		w := strings.Join(strings.FieldsFunc(strings.ToLower(v), notWordRune), " ")
		if w == "" || !strings.Contains(words, " "+w+" ") {
			continue
		}
		if found != "" {
			return ""
		}
		found = v
	}
	return found
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// CancelIntent cancels buyerID's pending intent; nothing is charged.
// Cancelling twice is the same as once. Errors: NotFound when it is not
// buyerID's; Conflict when it is no longer pending.
func (s *Service) CancelIntent(ctx context.Context, buyerID, intentID string) (Intent, error) {
	in, err := s.Intent(ctx, buyerID, intentID)
	if err != nil {
		return Intent{}, err
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE commerce_intents SET status = 'cancelled', updated_at = $2 WHERE id = $1 AND status = 'pending'", intentID, nanos(s.now()))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		if in.Status != IntentCancelled {
			return nestegg.Errorf(nestegg.Conflict, "this purchase is %s", in.Status)
		}
		return nil
	})
	if err != nil {
		return Intent{}, fmt.Errorf("cancel purchase: %w", err)
	}
	in.Status = IntentCancelled
	return in, nil
}

// ExpireIntents marks pending intents past their time expired and returns
// how many; nothing is charged for them. A background job, safe to run
// anywhere, any time.
func (s *Service) ExpireIntents(ctx context.Context) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		now := nanos(s.now())
		res, err := tx.ExecContext(ctx, "UPDATE commerce_intents SET status = 'expired', updated_at = $1 WHERE status = 'pending' AND expires_at <= $1", now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("expire purchase intents: %w", err)
	}
	return int(n), nil
}

const intentCols = "id, kind, buyer_id, post_id, offer_id, product_id, merchant_id, recipient_id, code, asset, price, variant, status, reason, order_id, expires_at, created_at"

func scanIntent(row interface{ Scan(...any) error }) (Intent, error) {
	var in Intent
	var kind, code, status string
	var exp, created int64
	err := row.Scan(&in.ID, &kind, &in.BuyerID, &in.PostID, &in.OfferID, &in.ProductID, &in.MerchantID, &in.RecipientID, &in.Code,
		&code, &in.Price.Minor, &in.Variant, &status, &in.Reason, &in.OrderID, &exp, &created)
	in.Kind, in.Status, in.ExpiresAt, in.CreatedAt = IntentKind(kind), IntentStatus(status), fromNanos(exp), fromNanos(created)
	if code != "" {
		in.Price.Asset = asset(code)
	}
	return in, err
}

// Intent returns one of buyerID's purchase intents, its status brought up
// to date. Errors: NotFound when it is not buyerID's.
func (s *Service) Intent(ctx context.Context, buyerID, intentID string) (Intent, error) {
	in, err := scanIntent(s.db.Reader().QueryRowContext(ctx, "SELECT "+intentCols+" FROM commerce_intents WHERE id = $1", intentID))
	if err != nil || in.BuyerID != buyerID || buyerID == "" {
		return Intent{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such purchase")
	}
	if in.Status == IntentPending && !s.now().Before(in.ExpiresAt) {
		in.Status = IntentExpired
	}
	return in, nil
}

// PendingIntents lists buyerID's purchase intents still waiting for
// confirmation, newest first. Only buyerID may call it.
func (s *Service) PendingIntents(ctx context.Context, buyerID string) ([]Intent, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+intentCols+" FROM commerce_intents WHERE buyer_id = $1 AND status = 'pending' AND expires_at > $2 ORDER BY created_at DESC LIMIT 50",
		buyerID, nanos(s.now()))
	if err != nil {
		return nil, fmt.Errorf("pending purchases: %w", err)
	}
	defer rows.Close()
	var out []Intent
	for rows.Next() {
		in, err := scanIntent(rows)
		if err != nil {
			return nil, fmt.Errorf("pending purchases: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}
