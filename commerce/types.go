package commerce

import (
	"time"

	"github.com/nestegg/nestegg/money"
)

// ProductKind says how a product reaches its buyer.
type ProductKind string

// Product kinds.
const (
	Physical ProductKind = "physical" // shipped to an address the buyer enters
	Digital  ProductKind = "digital"  // its Content is delivered on payment
)

// Product is an item in a merchant's catalogue. Content (a download link
// or code) is set only for the merchant; buyers get it on their order.
type Product struct {
	ID          string
	MerchantID  string
	Title       string
	Description string
	Price       money.Amount
	Stock       int64
	Kind        ProductKind
	Content     string
	Variants    []string // optional choices (sizes, colours) sharing one stock
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// OfferStatus is whether an offer can still be bought.
type OfferStatus string

// Offer statuses.
const (
	OfferLive  OfferStatus = "live"
	OfferEnded OfferStatus = "ended"
)

// Offer is a post with a Buy button for a product, and optionally a buy
// hashtag (Hashtag, as the merchant typed it, without '#').
type Offer struct {
	ID         string
	MerchantID string
	ProductID  string
	PostID     string
	Hashtag    string
	Status     OfferStatus
	EndsAt     time.Time // zero: until the merchant ends it
	CreatedAt  time.Time
	// Product is the offer's product as buyers see it (no Content).
	Product Product
}

// OrderStatus is where an order stands.
type OrderStatus string

// Order statuses.
const (
	StatusPaid      OrderStatus = "paid"      // the money moved; to be fulfilled
	StatusShipped   OrderStatus = "shipped"   // the merchant sent it (Tracking says how)
	StatusDelivered OrderStatus = "delivered" // received, redeemed, or delivered digitally
	StatusRefunded  OrderStatus = "refunded"  // all of it went back to the buyer
	StatusDisputed  OrderStatus = "disputed"  // a dispute is open; the money is held
	StatusExpired   OrderStatus = "expired"   // a gift voucher expired unredeemed
)

// Via says how an order was placed.
type Via string

// Ways to buy.
const (
	ViaButton  Via = "button"  // one tap on an offer's Buy button
	ViaHashtag Via = "hashtag" // a post with the buy hashtag, confirmed
	ViaGift    Via = "gift"    // a post to the gift handle, confirmed
	ViaAPI     Via = "api"     // a product bought directly through the API
)

// Order is one purchase of one unit. Address is "" for viewers other than
// the merchant and AddressBy; Content "" for viewers other than the buyer
// and recipient.
type Order struct {
	ID          string
	BuyerID     string
	RecipientID string // the buyer, or the friend a gift is for
	MerchantID  string
	ProductID   string
	OfferID     string
	Title       string
	Kind        ProductKind
	Variant     string
	Gift        bool
	Amount      money.Amount
	Fee         int64 // the platform's part of Amount, paid by the merchant
	Refunded    int64
	Status      OrderStatus
	Tracking    string
	Address     string
	AddressBy   string
	Content     string
	Via         Via
	TransferID  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Refundable is how much of the order its merchant may still refund.
func (o Order) Refundable() int64 {
	switch o.Status {
	case StatusPaid, StatusShipped, StatusDelivered:
		return o.Amount.Minor - o.Refunded
	}
	return 0
}

// IntentKind says what made a purchase intent.
type IntentKind string

// Intent kinds.
const (
	IntentHashtag IntentKind = "hashtag"
	IntentGift    IntentKind = "gift"
)

// IntentStatus is where a purchase intent stands.
type IntentStatus string

// Intent statuses.
const (
	IntentPending   IntentStatus = "pending"
	IntentConfirmed IntentStatus = "confirmed"
	IntentExpired   IntentStatus = "expired"
	IntentCancelled IntentStatus = "cancelled"
)

// Intent is a purchase a post asked for, waiting for its author (the
// buyer) to confirm it in the app or by replying with the confirmation
// hashtag (#Confirm + Code) before ExpiresAt.
type Intent struct {
	ID          string
	Kind        IntentKind
	BuyerID     string
	PostID      string
	OfferID     string
	ProductID   string
	MerchantID  string
	RecipientID string
	Code        string
	// Price is the price the post was told (the product's when the intent
	// was made): confirming buys at it or not at all. Zero Minor on
	// intents made before quotes were kept, which buy at the price in
	// force.
	Price money.Amount
	// Variant is the product variant it buys: named in the post
	// ("#BuyNestMug Charcoal") or chosen when confirming (ChooseVariant,
	// or the confirming reply). "" until chosen; a product with variants
	// cannot be bought without one.
	Variant   string
	Status    IntentStatus
	Reason    string
	OrderID   string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// ConfirmTag is the hashtag a reply carries to confirm the intent.
func (in Intent) ConfirmTag() string { return confirmPrefix + in.Code }

// VoucherPolicy says where an unredeemed voucher's value goes at expiry.
type VoucherPolicy string

// Voucher policies.
const (
	PolicyRefund VoucherPolicy = "refund" // back to the sender
	PolicyKeep   VoucherPolicy = "keep"   // to the merchant
)

// VoucherStatus is where a voucher stands.
type VoucherStatus string

// Voucher statuses.
const (
	VoucherActive   VoucherStatus = "active"
	VoucherRedeemed VoucherStatus = "redeemed"
	VoucherExpired  VoucherStatus = "expired"
)

// Voucher is a gift waiting to be redeemed at the merchant. Code is shown
// only to its holder (and to nobody else: the merchant types it in).
type Voucher struct {
	ID         string
	Code       string
	OrderID    string
	MerchantID string
	HolderID   string
	SenderID   string
	Title      string
	Amount     money.Amount
	Policy     VoucherPolicy
	Status     VoucherStatus
	ExpiresAt  time.Time
	SettledAt  time.Time
	CreatedAt  time.Time
}

// Merchant is a business profile's shop settings.
type Merchant struct {
	UserID        string
	GiftHandle    string // lower-cased, without '@'; "" for none
	GiftProductID string
	VoucherDays   int64
	Policy        VoucherPolicy
}

// Refund is money of an order the merchant returned to the buyer.
type Refund struct {
	ID         string
	OrderID    string
	MerchantID string
	Amount     money.Amount
	Reason     string
	TransferID string
	CreatedAt  time.Time
}

// DisputeStatus is where a dispute stands.
type DisputeStatus string

// Dispute statuses: won and lost are from the buyer's side.
const (
	DisputeOpen DisputeStatus = "open"
	DisputeWon  DisputeStatus = "won"  // the buyer got the held money
	DisputeLost DisputeStatus = "lost" // the hold was released to the merchant
)

// Dispute is a buyer contesting an order; HoldID is the pending ledger
// transfer holding the merchant's money until staff resolve it.
type Dispute struct {
	ID          string
	OrderID     string
	BuyerID     string
	MerchantID  string
	Amount      money.Amount
	Reason      string
	Status      DisputeStatus
	PriorStatus OrderStatus
	HoldID      string
	ResolvedBy  string
	Note        string
	CreatedAt   time.Time
	ResolvedAt  time.Time
}
