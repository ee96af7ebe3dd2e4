package rails

import (
	"context"
	"time"
)

// CardProcessor is the card rail. Nestegg never sees card numbers: the
// member's browser (or the sandbox's tokenization page) hands card data to
// the processor, which returns a token; Nestegg keeps the token, brand,
// last four digits and expiry, and charges the token.
type CardProcessor interface {
	// Card describes a token: brand, last four, expiry. Errors: Invalid
	// (Param "token") for a token the processor does not know.
	Card(ctx context.Context, token string) (Card, error)
	// Charge charges a card. A decline is a Charge with Status declined
	// and the processor's reason, not an error; errors mean the
	// processor could not be asked (Unavailable) or the request was bad.
	// The same IdempotencyKey returns the first charge.
	Charge(ctx context.Context, req ChargeRequest) (Charge, error)
	// Confirm completes a charge that needed the cardholder's
	// authentication (3-D Secure) once they have passed it.
	Confirm(ctx context.Context, chargeID string) (Charge, error)
	// Lookup returns a charge as the processor sees it now, including
	// whether its money has been paid out to the platform.
	Lookup(ctx context.Context, chargeID string) (Charge, error)
}

// ChargeLister is a CardProcessor that can list the charges it holds.
// Reconciliation walks the processor's side with it, so that a card
// charged for a top-up the books never credited (or never recorded) is
// found even when nothing on Nestegg's side points at the charge.
type ChargeLister interface {
	// Charges returns the charges created at or after since, each as
	// Lookup would return it now.
	Charges(ctx context.Context, since time.Time) ([]Charge, error)
}

// Card is what Nestegg may know about a card.
type Card struct {
	Token    string `json:"token"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
	// Owner is the member the processor issued the token to, when it
	// binds tokens to one (the sandbox does); "" when it cannot tell.
	// Only the owner may link the card.
	Owner string `json:"-"`
}

// ChargeRequest asks for a charge.
type ChargeRequest struct {
	IdempotencyKey string
	Token          string
	Amount         int64 // minor units
	Currency       string
	Description    string
	// ReturnURL is where the processor sends the cardholder back after
	// authenticating on their bank's page (3-D Secure), when it needs
	// them to; "" when the processor has no such page (the sandbox's is
	// Nestegg's own).
	ReturnURL string
}

// ChargeStatus is a charge's state.
type ChargeStatus string

// Charge states.
const (
	ChargeSucceeded      ChargeStatus = "succeeded"
	ChargeRequiresAction ChargeStatus = "requires_action"
	ChargeDeclined       ChargeStatus = "declined"
)

// Charge is the processor's answer.
type Charge struct {
	ID       string       `json:"id"`
	Amount   int64        `json:"amount"`
	Currency string       `json:"currency"`
	Status   ChargeStatus `json:"status"`
	// DeclineCode and Message are the processor's reason for a decline
	// ("insufficient_funds", "Your card has insufficient funds.").
	DeclineCode string    `json:"decline_code,omitempty"`
	Message     string    `json:"message,omitempty"`
	Created     time.Time `json:"created"`
	// PaidOut is true once the processor has paid the charge's money to
	// the platform's bank account.
	PaidOut bool `json:"paid_out"`
	// Fee and Net are the processor's fee for the charge and what it
	// leaves the platform (Amount - Fee), in minor units, once the
	// processor has booked the charge in its balance (Stripe: the charge's
	// balance transaction); 0 before, and for a processor that does not
	// say (the sandbox charges no fee).
	Fee int64 `json:"fee,omitempty"`
	Net int64 `json:"net,omitempty"`
	// Refunded is how much of the charge the processor has given back to
	// the card (cumulative, minor units): refunds are made at the
	// processor (Stripe's dashboard) and booked from its webhook.
	Refunded int64 `json:"refunded,omitempty"`
	// Reference is the IdempotencyKey the charge was made with (Nestegg
	// passes the top-up's id), when the processor keeps it (Stripe: in
	// the PaymentIntent's metadata); "" when it does not say.
	Reference string `json:"reference,omitempty"`
	// ActionURL, for a charge that requires action, is the page where the
	// cardholder authenticates (Stripe's next_action redirect_to_url);
	// "" when the processor has none.
	ActionURL string `json:"action_url,omitempty"`
}
