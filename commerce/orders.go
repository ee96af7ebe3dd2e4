package commerce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/store"
)

// BuyInput is a one-tap purchase of an offer.
type BuyInput struct {
	BuyerID string
	// OfferID names the offer; PostID may name it instead, by its post.
	OfferID string
	PostID  string
	Variant string // required when the product has variants
	// ExpectedPrice is the price the buyer was shown (amount and asset):
	// a different price in force is refused (Conflict), not charged. nil
	// buys at the price in force, for API clients from before it; every
	// client of ours sends it.
	ExpectedPrice *money.Amount
	// IdempotencyKey is the buyer's: a retry with the same key and offer
	// returns the first order and never charges twice.
	IdempotencyKey string
	Via            Via // default ViaButton
}

// Buy pays for one unit of a live offer from the buyer's wallet: one
// movement (movement.Purchase) whose linked transfers pay buyer →
// merchant and merchant → platform fee, the stock taken in the same
// transaction. A digital product's content is on the order at once. Only
// BuyerID may call it.
//
// Errors: NotFound (Param "offer_id") for an unknown offer; Invalid (Param
// "variant", "idempotency_key", "expected_price"), or buying from yourself;
// Conflict when the offer has ended, is sold out, its price is not
// ExpectedPrice (or changed meanwhile), or the key was used for another
// purchase; Forbidden when the checkpoint refuses it (a frozen buyer, a
// spending limit, cooling-off); InsufficientFunds. A replay of the key
// answers with its order whatever the price is now.
func (s *Service) Buy(ctx context.Context, in BuyInput) (Order, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return Order{}, err
	}
	_, a, err := s.buyArgs(ctx, in)
	if err != nil {
		return Order{}, err
	}
	ord, err := s.takeOrder(ctx, a)
	if err != nil {
		return Order{}, fmt.Errorf("buy: %w", err)
	}
	return ord, nil
}

// buyArgs resolves a one-tap buy's offer and buyer into the order to
// place, its accounts ready.
func (s *Service) buyArgs(ctx context.Context, in BuyInput) (Offer, orderArgs, error) {
	if in.Via == "" {
		in.Via = ViaButton
	}
	var o Offer
	var err error
	if in.OfferID == "" && in.PostID != "" {
		offers, ferr := s.OffersForPosts(ctx, []string{in.PostID})
		if ferr != nil {
			return Offer{}, orderArgs{}, ferr
		}
		var ok bool
		if o, ok = offers[in.PostID]; !ok {
			return Offer{}, orderArgs{}, nestegg.ParamErrorf(nestegg.NotFound, "post_id", "that post is not an offer")
		}
	} else if o, err = s.Offer(ctx, in.OfferID); err != nil {
		return Offer{}, orderArgs{}, nestegg.ParamErrorf(nestegg.NotFound, "offer_id", "no such offer")
	}
	if _, err := s.member(ctx, in.BuyerID, "buyer"); err != nil {
		return Offer{}, orderArgs{}, err
	}
	var quote money.Amount
	if in.ExpectedPrice != nil {
		if quote = *in.ExpectedPrice; quote.Minor <= 0 || quote.Asset.Code == "" {
			return Offer{}, orderArgs{}, nestegg.ParamErrorf(nestegg.Invalid, "expected_price", "the expected price is an amount and its asset")
		}
	}
	if err := s.ensureAccounts(ctx, o.Product.Price.Asset.Code, in.BuyerID, o.MerchantID); err != nil {
		return Offer{}, orderArgs{}, err
	}
	return o, orderArgs{buyer: in.BuyerID, recipient: in.BuyerID, merchant: o.MerchantID, productID: o.ProductID, offerID: o.ID,
		variant: strings.TrimSpace(in.Variant), via: in.Via, key: in.IdempotencyKey, quote: quote}, nil
}

// orderArgs is one purchase to place.
type orderArgs struct {
	buyer, recipient, merchant string
	productID, offerID         string
	variant                    string
	gift                       bool
	via                        Via
	key                        string
	postID                     string // the post that asked for it, for notifications
	card                       string // the card that paid into the wallet for it, "" for none
	// quote is the price the buyer was shown (a request's expected price,
	// an intent's quote); zero Minor for none. It is a precondition, not
	// part of the purchase: it stays out of the fingerprint, so a retry
	// replays its order whatever the price is by then.
	quote money.Amount
	// then runs inside the order's movement once the order is placed (an
	// intent marked confirmed); its error rolls the purchase back.
	then func(ctx context.Context, tx *sql.Tx, o Order) error
}

func (a orderArgs) fingerprint() string {
	parts := []string{a.recipient, a.productID, a.offerID, a.variant, strconv.FormatBool(a.gift), string(a.via)}
	if a.card != "" {
		// Only card buys add it, so wallet orders keep their fingerprints.
		parts = append(parts, "card:"+a.card)
	}
	return nestegg.Fingerprint(parts...)
}

// takeOrder places a as a movement of its own, masked for the buyer. A
// key used before answers with its order (or its denial) before anything
// is read, so that a retry after the offer ended still gets its order.
func (s *Service) takeOrder(ctx context.Context, a orderArgs) (Order, error) {
	if o, found, err := s.previousOrder(ctx, a); found || err != nil {
		return o, err
	}
	p, req, err := s.prepare(ctx, s.db.Reader(), a)
	if err != nil {
		return Order{}, err
	}
	var o Order
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		var err error
		o, err = s.placeOrder(ctx, tx, a, p, req)
		return err
	})
	if err != nil {
		return Order{}, reused(err, "another purchase")
	}
	if res.Replayed {
		// A concurrent request with the same key committed first.
		if o, err = s.order(ctx, s.db.Reader(), res.Reference, false); err != nil {
			return Order{}, err
		}
	}
	return o.masked(a.buyer), nil
}

// takeOrderIn is takeOrder inside tx, a post's transaction: the movement
// is a savepoint of tx (movement.Kernel.MoveIn). A denial keeps its audit
// row in tx and is returned; any other error leaves tx as it was.
func (s *Service) takeOrderIn(ctx context.Context, tx *sql.Tx, a orderArgs) (Order, error) {
	p, req, err := s.prepare(ctx, tx, a)
	if err != nil {
		return Order{}, err
	}
	var o Order
	res, err := s.k.MoveIn(ctx, tx, req, func(ctx context.Context, mtx *movement.Tx) error {
		var err error
		o, err = s.placeOrder(ctx, mtx, a, p, req)
		return err
	})
	if err != nil {
		return Order{}, reused(err, "another purchase")
	}
	if res.Replayed {
		return s.order(ctx, tx, res.Reference, false)
	}
	return o, nil
}

// previousOrder answers a's key when it was used before: its order, or
// the checkpoint's denial again; found is false for a key never used.
func (s *Service) previousOrder(ctx context.Context, a orderArgs) (Order, bool, error) {
	res, found, err := s.k.Find(ctx, a.buyer, a.key, a.fingerprint())
	if err != nil {
		return Order{}, true, reused(err, "another purchase")
	}
	if !found {
		return Order{}, false, nil
	}
	o, err := s.order(ctx, s.db.Reader(), res.Reference, false)
	if err != nil {
		return Order{}, true, err
	}
	return o.masked(a.buyer), true, nil
}

// prepare reads what a would cost (checks that it may be ordered) and
// returns its movement: a purchase, or a gift, from the buyer to the
// merchant, under the buyer's key. The order's id is the movement's.
func (s *Service) prepare(ctx context.Context, q store.Querier, a orderArgs) (Product, movement.Request, error) {
	p, err := s.orderable(ctx, q, a)
	if err != nil {
		return Product{}, movement.Request{}, err
	}
	req := movement.Request{Kind: movement.Purchase, ID: nestegg.NewID("ord"), Actor: a.buyer, Key: a.key, Fingerprint: a.fingerprint(),
		From: a.buyer, To: a.merchant, Asset: p.Price.Asset.Code, Amount: p.Price.Minor, Note: p.Title}
	if a.gift {
		// The fee is the merchant's, taken when the voucher is redeemed.
		req.Kind = movement.Gift
	} else if req.Fee, err = s.fee(p.Price.Minor); err != nil {
		return Product{}, movement.Request{}, err
	}
	return p, req, nil
}

// placeOrder is the work of an order's movement (req, priced from seen):
// the stock, the order's row, its transfers and its notifications, all in
// tx. The checkpoint has passed it by then. It checks again, in tx, that
// the offer is live and the price both the one the buyer was shown
// (a.quote, by orderable) and the one the checkpoint saw, so nobody pays
// a price they did not see. Every ledger account involved must exist. It
// may run more than once (a batch retried): it writes only tx.
func (s *Service) placeOrder(ctx context.Context, mtx *movement.Tx, a orderArgs, seen Product, req movement.Request) (Order, error) {
	tx := mtx.SQL
	p, err := s.orderable(ctx, tx, a)
	if err != nil {
		return Order{}, err
	}
	if !samePrice(p.Price, seen.Price) {
		return Order{}, priceChanged(seen.Price, p.Price)
	}
	code := p.Price.Asset.Code
	fee, err := s.fee(p.Price.Minor)
	if err != nil {
		return Order{}, err
	}
	now := mtx.Now()
	o := Order{ID: req.ID, BuyerID: a.buyer, RecipientID: a.recipient, MerchantID: a.merchant, ProductID: p.ID, OfferID: a.offerID,
		Title: p.Title, Kind: p.Kind, Variant: a.variant, Gift: a.gift, Amount: p.Price, Fee: fee, Status: StatusPaid, Via: a.via,
		CreatedAt: now, UpdatedAt: now}
	o.TransferID = "ord:" + o.ID + ":pay"
	// The one place stock changes: never below zero, whatever the race.
	// The price must be the one read above.
	res, err := tx.ExecContext(ctx, "UPDATE commerce_products SET stock = stock - 1, updated_at = $2 WHERE id = $1 AND stock >= 1 AND active = 1 AND price = $3",
		p.ID, nanos(now), p.Price.Minor)
	if err != nil {
		return Order{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return Order{}, err
	} else if n == 0 {
		return Order{}, nestegg.Errorf(nestegg.Conflict, "%s is sold out", p.Title)
	}
	if p.Kind == Digital && !a.gift {
		o.Status, o.Content = StatusDelivered, p.Content
	}
	// The kernel decided the key is new; the unique index on (buyer_id,
	// idem_key) is a belt, which only an order from before the kernel
	// can trip.
	_, err = tx.ExecContext(ctx, `INSERT INTO commerce_orders (id, buyer_id, recipient_id, merchant_id, product_id, offer_id, title, kind, variant, gift,
		asset, amount, fee, status, content, via, transfer_id, idem_key, fingerprint, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)`,
		o.ID, o.BuyerID, o.RecipientID, o.MerchantID, o.ProductID, o.OfferID, o.Title, string(o.Kind), o.Variant, bool2int(o.Gift),
		code, o.Amount.Minor, o.Fee, string(o.Status), o.Content, string(o.Via), o.TransferID, a.key, req.Fingerprint, nanos(now))
	if store.IsUniqueViolation(err) {
		return Order{}, nestegg.ParamErrorf(nestegg.IdempotencyMismatch, "idempotency_key", "this idempotency key was used for another purchase; use a new key")
	}
	if err != nil {
		return Order{}, err
	}
	if err := s.pay(ctx, mtx, a, o); err != nil {
		return Order{}, err
	}
	if a.then != nil {
		if err := a.then(ctx, tx, o); err != nil {
			return Order{}, err
		}
	}
	return o, nil
}

// pay submits o's transfers and tells the people concerned. A gift's
// value is owed to whoever redeems the voucher: a liability of the
// platform's until then; a purchase pays the merchant at once.
func (s *Service) pay(ctx context.Context, mtx *movement.Tx, a orderArgs, o Order) error {
	tx, code, price := mtx.SQL, o.Amount.Asset.Code, money.Format(o.Amount)
	if a.gift {
		if _, err := mtx.Submit(ctx, ledger.Transfer{ID: o.TransferID, DebitAccountID: walletID(a.buyer, code),
			CreditAccountID: platformID(code, ledger.KindLiability), Amount: o.Amount.Minor, Asset: code, Code: "voucher"}); err != nil {
			return err
		}
		if err := s.issueVoucher(ctx, tx, o); err != nil {
			return err
		}
	} else {
		if _, err := mtx.Submit(ctx, sale("ord:"+o.ID, walletID(a.buyer, code), a.merchant, code, o.Amount.Minor, o.Fee, "purchase")...); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, a.buyer, NotifyBought, a.merchant, a.postID, "you bought "+o.Title+" for "+price+deliveryNote(o)); err != nil {
			return err
		}
	}
	return s.notify(ctx, tx, a.merchant, NotifyOrder, a.buyer, a.postID, "new order: "+o.Title+" for "+price)
}

// orderable checks that a may be ordered (not from yourself, a known
// product and variant, a live offer, at the price the buyer was shown)
// and returns the product. It does not look at stock: placeOrder takes it
// or refuses. It runs before the checkpoint, so that a price the buyer
// never agreed to is not put to it (nor counted, nor denied), and again
// inside the movement.
func (s *Service) orderable(ctx context.Context, q store.Querier, a orderArgs) (Product, error) {
	if a.buyer == a.merchant {
		return Product{}, nestegg.Errorf(nestegg.Invalid, "you can't buy from yourself")
	}
	p, err := scanProduct(q.QueryRowContext(ctx, "SELECT "+productCols+" FROM commerce_products WHERE id = $1", a.productID))
	if errors.Is(err, sql.ErrNoRows) {
		return Product{}, nestegg.ParamErrorf(nestegg.NotFound, "product_id", "no such product")
	}
	if err != nil {
		return Product{}, err
	}
	if err := checkVariant(p, a.variant); err != nil {
		return Product{}, err
	}
	if a.offerID != "" {
		var status string
		var ends int64
		if err := q.QueryRowContext(ctx, "SELECT status, ends_at FROM commerce_offers WHERE id = $1", a.offerID).Scan(&status, &ends); err != nil {
			return Product{}, err
		}
		if status != string(OfferLive) || (ends != 0 && ends <= nanos(s.now())) {
			return Product{}, nestegg.Errorf(nestegg.Conflict, "this offer has ended")
		}
	}
	if a.quote.Minor != 0 && !samePrice(a.quote, p.Price) {
		return Product{}, priceChanged(a.quote, p.Price)
	}
	return p, nil
}

func samePrice(a, b money.Amount) bool { return a.Minor == b.Minor && a.Asset.Code == b.Asset.Code }

// priceChanged is the refusal of a purchase whose price is not the one
// the buyer saw: Conflict, saying both, so the buyer can look again.
func priceChanged(was, now money.Amount) error {
	return nestegg.Errorf(nestegg.Conflict, "the price changed from %s to %s; nothing was charged — review and buy again", money.Format(was), money.Format(now))
}

func deliveryNote(o Order) string {
	if o.Kind == Digital {
		return "; your download is on the order"
	}
	return "; add your shipping address to the order"
}

func checkVariant(p Product, v string) error {
	if len(p.Variants) == 0 {
		if v != "" {
			return nestegg.ParamErrorf(nestegg.Invalid, "variant", "%s has no variants", p.Title)
		}
		return nil
	}
	for _, pv := range p.Variants {
		if pv == v {
			return nil
		}
	}
	return nestegg.ParamErrorf(nestegg.Invalid, "variant", "choose one of: %s", strings.Join(p.Variants, ", "))
}

const orderCols = "id, buyer_id, recipient_id, merchant_id, product_id, offer_id, title, kind, variant, gift, asset, amount, fee, refunded, status, " +
	"tracking, address, address_by, content, via, transfer_id, created_at, updated_at"

func scanOrder(row interface{ Scan(...any) error }) (Order, error) {
	var o Order
	var kind, code, status, via string
	var gift int
	var created, updated int64
	err := row.Scan(&o.ID, &o.BuyerID, &o.RecipientID, &o.MerchantID, &o.ProductID, &o.OfferID, &o.Title, &kind, &o.Variant, &gift, &code,
		&o.Amount.Minor, &o.Fee, &o.Refunded, &status, &o.Tracking, &o.Address, &o.AddressBy, &o.Content, &via, &o.TransferID,
		&created, &updated)
	if err != nil {
		return Order{}, err
	}
	o.Kind, o.Gift, o.Amount.Asset, o.Status, o.Via = ProductKind(kind), gift != 0, asset(code), OrderStatus(status), Via(via)
	o.CreatedAt, o.UpdatedAt = fromNanos(created), fromNanos(updated)
	return o, nil
}

// masked is the order as viewerID may see it: the shipping address only
// for the merchant and whoever entered it; the digital content only for
// the recipient.
func (o Order) masked(viewerID string) Order {
	if viewerID != o.MerchantID && viewerID != o.AddressBy {
		o.Address = ""
	}
	if viewerID != o.RecipientID {
		o.Content = ""
	}
	return o
}

// party reports whether viewerID is the order's buyer, recipient or
// merchant: the only people who may see it.
func (o Order) party(viewerID string) bool {
	return viewerID != "" && (viewerID == o.BuyerID || viewerID == o.RecipientID || viewerID == o.MerchantID)
}

// Order returns an order to its buyer, recipient or merchant, masked for
// the viewer (see Order). Errors: NotFound for anyone else.
func (s *Service) Order(ctx context.Context, viewerID, orderID string) (Order, error) {
	o, err := s.order(ctx, s.db.Reader(), orderID, false)
	if err != nil || !o.party(viewerID) {
		return Order{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such order")
	}
	return o.masked(viewerID), nil
}

func (s *Service) order(ctx context.Context, q store.Querier, orderID string, lock bool) (Order, error) {
	sfx := ""
	if lock {
		sfx = s.db.Dialect.ForUpdate()
	}
	o, err := scanOrder(q.QueryRowContext(ctx, "SELECT "+orderCols+" FROM commerce_orders WHERE id = $1"+sfx, orderID))
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such order")
	}
	return o, err
}

// OrderRole picks a side of the orders list.
type OrderRole string

// Order list sides.
const (
	AsBuyer    OrderRole = "buyer"    // orders bought by or for the member
	AsMerchant OrderRole = "merchant" // orders sold by the member
)

// Orders lists userID's orders on one side, newest first, at most limit
// (1..200, 0 meaning 50) created before before (zero: from the newest).
// Only userID may call it. Errors: Invalid (Param "role", "limit").
func (s *Service) Orders(ctx context.Context, userID string, role OrderRole, before time.Time, limit int) ([]Order, error) {
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "limit", "limit is 1 to 200")
	}
	b := int64(1 << 62)
	if !before.IsZero() {
		b = before.UnixNano()
	}
	var q string
	switch role {
	case AsBuyer, "":
		q = "SELECT " + orderCols + " FROM commerce_orders WHERE (buyer_id = $1 OR recipient_id = $1) AND created_at < $2 ORDER BY created_at DESC, id DESC LIMIT $3"
	case AsMerchant:
		q = "SELECT " + orderCols + " FROM commerce_orders WHERE merchant_id = $1 AND created_at < $2 ORDER BY created_at DESC, id DESC LIMIT $3"
	default:
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "role", "role is buyer or merchant")
	}
	rows, err := s.db.Reader().QueryContext(ctx, q, userID, b, limit)
	if err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("orders: %w", err)
		}
		out = append(out, o.masked(userID))
	}
	return out, rows.Err()
}
