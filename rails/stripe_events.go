package rails

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/nestegg/nestegg"
)

// CardEvent is what a card processor's webhook says happened: a charge
// changed (Charge set), or a payout to the platform's bank account was
// paid or failed (Payout set). Events the processor sends that Nestegg
// does not act on come back with neither.
type CardEvent struct {
	ID   string // the processor's event id: each is acted on once
	Type string // the processor's name for it (payment_intent.succeeded)
	// Charge is the charge as Lookup would describe it (without PaidOut,
	// Fee and Net, which an event does not carry). For a refund, Refunded
	// is the charge's refunded total.
	Charge *Charge
	Payout *Payout
}

// eventName is what Stripe's event ids (evt_…) and types
// (payment_intent.succeeded) are made of.
var eventName = regexp.MustCompile(`^[A-Za-z0-9_.]{1,255}$`)

// Payout is the processor paying the platform's balance to its bank.
type Payout struct {
	ID       string `json:"id"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// Status is "paid" or "failed" (Stripe also says "pending",
	// "in_transit" and "canceled", which move no money here).
	Status      string `json:"status"`
	FailureCode string `json:"failure_code,omitempty"`
}

// StripeWebhook verifies and reads the events Stripe posts to the
// platform's webhook endpoint. The signing secret (whsec_…) is the
// endpoint's, from Stripe's dashboard; it is never logged.
type StripeWebhook struct {
	secret    string
	tolerance time.Duration
}

// DefaultWebhookTolerance is how old an event's signature may be: a
// captured delivery replayed later than this is refused. It is
// stripe-go's own default, Stripe's recommendation.
const DefaultWebhookTolerance = webhook.DefaultTolerance

// NewStripeWebhook returns a verifier for the endpoint's signing secret.
// tolerance 0 means DefaultWebhookTolerance.
func NewStripeWebhook(secret string, tolerance time.Duration) *StripeWebhook {
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	return &StripeWebhook{secret: secret, tolerance: tolerance}
}

// Event verifies payload against its Stripe-Signature header — an
// HMAC-SHA256 of the timestamp and the body under the signing secret,
// with the timestamp no older than the tolerance — and reads it. The
// event's API version is not required to be stripe-go's (the endpoint's
// version is chosen in Stripe's dashboard): only fields every version
// has are read. Errors: Unauthenticated for a missing, wrong or expired
// signature (nothing in the body is trusted, or read, before it is
// checked); Invalid for a signed body that is not an event Nestegg can
// read.
func (w *StripeWebhook) Event(payload []byte, header string) (CardEvent, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, header, w.secret, webhook.ConstructEventOptions{Tolerance: w.tolerance, IgnoreAPIVersionMismatch: true})
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrNoValidSignature) || errors.Is(err, webhook.ErrTooOld) || errors.Is(err, webhook.ErrInvalidHeader) {
			return CardEvent{}, &nestegg.Error{Op: "stripe webhook", Code: nestegg.Unauthenticated, Message: "the Stripe-Signature header does not verify", Err: err}
		}
		return CardEvent{}, &nestegg.Error{Op: "stripe webhook", Code: nestegg.Invalid, Message: "not a Stripe event", Err: err}
	}
	out := CardEvent{ID: ev.ID, Type: string(ev.Type)}
	if !eventName.MatchString(ev.ID) || !eventName.MatchString(out.Type) || ev.Data == nil {
		// Kept in the database as they are: only Stripe's own alphabet.
		return CardEvent{}, nestegg.Errorf(nestegg.Invalid, "a Stripe event without a plain id, type or data")
	}
	bad := func(err error) (CardEvent, error) {
		return CardEvent{}, &nestegg.Error{Op: "stripe webhook " + out.Type, Code: nestegg.Invalid, Message: "the event's object is not what its type says", Err: err}
	}
	switch ev.Type {
	case stripe.EventTypePaymentIntentSucceeded, stripe.EventTypePaymentIntentPaymentFailed, stripe.EventTypePaymentIntentRequiresAction,
		stripe.EventTypePaymentIntentCanceled, stripe.EventTypePaymentIntentProcessing:
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil || pi.ID == "" {
			return bad(fmt.Errorf("payment intent: %v", err))
		}
		c := fromIntent(&pi)
		out.Charge = &c
	case stripe.EventTypeChargeRefunded:
		var ch stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &ch); err != nil || ch.ID == "" {
			return bad(fmt.Errorf("charge: %v", err))
		}
		if ch.PaymentIntent == nil || ch.PaymentIntent.ID == "" {
			// A charge made without a PaymentIntent is not one of
			// Nestegg's: it charges only through intents.
			return out, nil
		}
		out.Charge = &Charge{ID: ch.PaymentIntent.ID, Amount: ch.Amount, Currency: string(ch.Currency), Status: ChargeSucceeded,
			Created: time.Unix(ch.Created, 0).UTC(), Refunded: ch.AmountRefunded, Reference: ch.Metadata[referenceKey]}
	case stripe.EventTypePayoutPaid, stripe.EventTypePayoutFailed:
		var po stripe.Payout
		if err := json.Unmarshal(ev.Data.Raw, &po); err != nil || po.ID == "" {
			return bad(fmt.Errorf("payout: %v", err))
		}
		out.Payout = &Payout{ID: po.ID, Amount: po.Amount, Currency: string(po.Currency), Status: string(po.Status), FailureCode: string(po.FailureCode)}
	}
	return out, nil
}
