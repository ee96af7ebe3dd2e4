package rails

import (
	"context"
	"time"
)

// CardIssuer is the card issuing rail: the partner that issues members'
// debit cards on a card network and asks Nestegg, in real time, whether
// to approve each purchase. The issuer holds the card numbers; Nestegg
// keeps the issuer's id, the last four digits and the expiry, and shows
// the full number only through the issuer (Reveal).
type CardIssuer interface {
	// Issue creates a virtual card for the member req.Owner. The same
	// IdempotencyKey returns the first card. Errors: Invalid for a bad
	// request; Unavailable when the issuer cannot be asked.
	Issue(ctx context.Context, req IssueRequest) (IssuedCard, error)
	// IssuedCard returns a card as the issuer sees it now. Errors:
	// NotFound for a card it did not issue.
	IssuedCard(ctx context.Context, id string) (IssuedCard, error)
	// SetFrozen freezes the card at the issuer (frozen true) or makes it
	// active again. Nestegg declines a frozen card's purchases itself too:
	// the issuer's status is a second lock, not the only one.
	SetFrozen(ctx context.Context, id string, frozen bool) (IssuedCard, error)
	// Reveal returns what lets the cardholder see the card's full number
	// once, straight from the issuer: a one-time URL of the issuer's
	// reveal page (the sandbox), or an ephemeral key the issuer's
	// elements use in the cardholder's browser (Stripe). Nothing in it
	// is the number.
	Reveal(ctx context.Context, id string) (Reveal, error)
}

// IssuingSimulator is an issuer in test mode: it plays a merchant's side
// of the network (a purchase authorized, captured, refunded, disputed) so
// that the whole flow can be tried without a real card. The sandbox
// issuer asks the IssuingHandler it was given at once, as a network
// would; Stripe's test helpers ask Nestegg through Stripe's webhooks.
// Nestegg offers it only when the issuer is in sandbox or test mode.
type IssuingSimulator interface {
	// SimulatePurchase asks for an authorization at a merchant.
	SimulatePurchase(ctx context.Context, p Purchase) (Authorization, error)
	// SimulateIncrement asks to raise an authorization by amount.
	SimulateIncrement(ctx context.Context, authID string, amount int64) (Authorization, error)
	// SimulateReversal voids an authorization the merchant will not capture.
	SimulateReversal(ctx context.Context, authID string) (Authorization, error)
	// SimulateCapture captures an authorization for amount (0: as
	// authorized), which may be more or less than authorized.
	SimulateCapture(ctx context.Context, authID string, amount int64) (IssuingTransaction, error)
	// SimulateRefund refunds amount (0: all) of a captured transaction.
	SimulateRefund(ctx context.Context, txnID string, amount int64) (IssuingTransaction, error)
	// SimulateDispute opens a dispute on a captured transaction.
	SimulateDispute(ctx context.Context, txnID, reason string) (Dispute, error)
	// SimulateDisputeOutcome closes a dispute: won (the merchant's bank
	// pays it back) or lost.
	SimulateDisputeOutcome(ctx context.Context, disputeID string, won bool) (Dispute, error)
}

// IssuingHandler is Nestegg's side of the network's requests: the issuer
// calls Authorize for every purchase and Notify for everything that
// follows. Package cards implements it.
type IssuingHandler interface {
	// Authorize decides an authorization request in real time.
	Authorize(ctx context.Context, req AuthorizationRequest) (Decision, error)
	// Notify records what the network did: a capture, a refund, a
	// reversal, a dispute opened or closed.
	Notify(ctx context.Context, ev IssuingEvent) error
}

// IssueRequest asks for a virtual card.
type IssueRequest struct {
	IdempotencyKey string
	// Owner is the member the card is for.
	Owner string
	// Name is the name printed on the card (the member's handle).
	Name     string
	Currency string
}

// Card statuses at the issuer.
const (
	CardActive   = "active"
	CardFrozen   = "frozen"
	CardCanceled = "canceled"
)

// IssuedCard is what Nestegg may know about an issued card: never its
// number or security code.
type IssuedCard struct {
	ID       string `json:"id"`
	Owner    string `json:"owner,omitempty"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
	Status   string `json:"status"`
}

// Reveal is how the cardholder sees the full number: URL (open it once)
// or EphemeralKey (for the issuer's elements), valid until Expires.
type Reveal struct {
	URL          string    `json:"url,omitempty"`
	EphemeralKey string    `json:"ephemeral_key,omitempty"`
	Expires      time.Time `json:"expires"`
}

// Merchant is where a card is used.
type Merchant struct {
	Name string `json:"name"`
	// Category is the merchant category code (MCC), four digits: "5812"
	// eating places, "5411" grocery stores, "6011" ATMs…
	Category string `json:"category"`
	City     string `json:"city,omitempty"`
	Country  string `json:"country,omitempty"`
}

// Channels a card is used through.
const (
	ChannelInPerson = "in_person"
	ChannelOnline   = "online"
	ChannelATM      = "atm"
)

// Purchase is a simulated merchant's request.
type Purchase struct {
	CardID   string
	Merchant Merchant
	Amount   int64 // minor units
	Currency string
	Channel  string // ChannelInPerson, ChannelOnline, ChannelATM
	// PartialAllowed: the merchant's terminal takes a partial approval.
	PartialAllowed bool
}

// AuthorizationRequest is the network asking Nestegg to approve an amount
// on a card: a new purchase, or more on one already authorized
// (Incremental, with AuthorizationID).
type AuthorizationRequest struct {
	AuthorizationID string
	CardID          string
	Incremental     bool
	Amount          int64
	Currency        string
	Merchant        Merchant
	Channel         string
	PartialAllowed  bool
	At              time.Time
}

// Decision is Nestegg's answer: approve Amount (the whole request, or
// less when partial approval is allowed), or decline with Reason.
type Decision struct {
	Approved bool
	Amount   int64
	Reason   string
}

// Authorization is an authorization as the issuer keeps it.
type Authorization struct {
	ID        string   `json:"id"`
	CardID    string   `json:"card_id"`
	Approved  bool     `json:"approved"`
	Amount    int64    `json:"amount"`    // held now
	Requested int64    `json:"requested"` // asked for, in total
	Currency  string   `json:"currency"`
	Merchant  Merchant `json:"merchant"`
	// Status: pending (held), closed (captured or reversed), declined.
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// IssuingTransaction is money that moved on the network: a capture or a
// refund.
type IssuingTransaction struct {
	ID              string   `json:"id"`
	AuthorizationID string   `json:"authorization_id,omitempty"`
	CardID          string   `json:"card_id"`
	Type            string   `json:"type"` // "capture" or "refund"
	Amount          int64    `json:"amount"`
	Currency        string   `json:"currency"`
	Merchant        Merchant `json:"merchant"`
}

// Dispute is a cardholder's dispute of a transaction.
type Dispute struct {
	ID            string `json:"id"`
	TransactionID string `json:"transaction_id"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	// Status: "submitted" (open), "won", "lost".
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// IssuingEvent is what the network did after an authorization.
type IssuingEvent struct {
	Type        string // one of the Event… constants
	Auth        Authorization
	Transaction IssuingTransaction
	Dispute     Dispute
}

// The events.
const (
	EventDeclined      = "authorization.declined" // by the issuer itself, without asking (a card frozen there)
	EventReversed      = "authorization.reversed"
	EventCaptured      = "transaction.captured"
	EventRefunded      = "transaction.refunded"
	EventDisputeOpened = "dispute.opened"
	EventDisputeClosed = "dispute.closed"
)
