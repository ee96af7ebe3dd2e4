package payments

import (
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
)

// Kind says what a payment is.
type Kind string

// Payment kinds.
const (
	KindSend       Kind = "send"        // a member paid another, maybe for a request
	KindTip        Kind = "tip"         // a member tipped a creator's post or profile
	KindAward      Kind = "award"       // a member gave coins to a post
	KindCoinBuy    Kind = "coin_buy"    // a member bought coins with their balance
	KindCoinRedeem Kind = "coin_redeem" // a creator turned coins back into balance
	KindCredit     Kind = "credit"      // the operator credited a member
	// KindRefund appears only in History: a refund of a payment.
	KindRefund Kind = "refund"
)

// Audience says who may see a payment in the feed. Amounts are shown only
// to the parties, and to everyone when the audience is public.
type Audience string

// Audiences.
const (
	Private   Audience = "private"   // only the payer and the payee (the default)
	Followers Audience = "followers" // also the payer's followers, without the amount
	Public    Audience = "public"    // everyone, with the amount
)

func (a Audience) valid() bool { return a == Private || a == Followers || a == Public }

// Status is where a payment stands.
type Status string

// Payment statuses.
const (
	StatusCompleted Status = "completed" // the money moved
	StatusHeld      Status = "held"      // reserved from the payer, released at HoldUntil
	StatusCancelled Status = "cancelled" // a held payment the payer cancelled
	StatusFailed    Status = "failed"    // a held payment whose reservation lapsed
)

// Payment is one movement a member (or the operator) started. Amount is
// what left the payer; for a tip, Fee of it went to the platform and the
// creator kept Amount - Fee. For coin purchases Counter is the coins
// bought; for redemptions, the balance paid out.
type Payment struct {
	ID         string
	Kind       Kind
	PayerID    string // "" for an operator credit
	PayeeID    string // "" for coin purchases and redemptions
	Amount     money.Amount
	Fee        int64
	Counter    money.Amount
	Note       string
	Audience   Audience
	Status     Status
	Refunded   int64  // minor units refunded so far
	PostID     string // the post tipped or awarded, or that carried the command
	RequestID  string // the request this pays
	IntentID   string // the post intent this carried out
	Award      string // the award's name, for KindAward
	TransferID string // the ledger transfer that moved Amount
	HoldUntil  time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Refundable is how much of the payment its payee may still refund.
func (p Payment) Refundable() int64 {
	if p.Kind != KindSend || p.Status != StatusCompleted {
		return 0
	}
	return p.Amount.Minor - p.Refunded
}

// Wallet is a member's balance in one asset. Available is what they can
// spend; Incoming is held payments to them not yet released; Outgoing is
// their own held payments, already deducted from Available.
type Wallet struct {
	Asset     money.Asset
	Available int64
	Incoming  int64
	Outgoing  int64
}

// RequestStatus is where a money request stands.
type RequestStatus string

// Request statuses.
const (
	RequestOpen      RequestStatus = "open"
	RequestPaid      RequestStatus = "paid"
	RequestDeclined  RequestStatus = "declined"
	RequestCancelled RequestStatus = "cancelled"
)

// Request is a requester asking a payer for money.
type Request struct {
	ID          string
	RequesterID string
	PayerID     string
	Amount      money.Amount
	Note        string
	Status      RequestStatus
	SplitID     string // the split this is a share of, or ""
	PaymentID   string // the payment that paid it
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Share is one person's part of a split.
type Share struct {
	UserID    string
	Amount    int64
	RequestID string // "" for the initiator's own share, which is not requested
}

// Split is a bill divided among people: every share but the initiator's
// own is a Request.
type Split struct {
	ID          string
	InitiatorID string
	Total       money.Amount
	Note        string
	Shares      []Share
	CreatedAt   time.Time
}

// Refund is a payee returning part or all of a payment to its payer.
type Refund struct {
	ID          string
	PaymentID   string
	RefunderID  string // the payment's payee
	RecipientID string // the payment's payer
	Amount      money.Amount
	Reason      string
	TransferID  string
	CreatedAt   time.Time
}

// Page asks for one page of a list: nestegg.Page, the one paging type.
type Page = nestegg.Page
