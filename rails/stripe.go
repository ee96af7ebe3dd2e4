package rails

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/nestegg/nestegg"
)

// Stripe is the CardProcessor on Stripe. Tokens are Stripe PaymentMethod
// ids (pm_…), created in the member's browser by Stripe.js, so card data
// never reaches Nestegg; charges are PaymentIntents confirmed at once.
type Stripe struct {
	c *stripe.Client
}

// NewStripe returns the adapter with a secret key. baseURL overrides the
// API's address (stripe-mock in tests); "" means Stripe itself.
func NewStripe(secretKey, baseURL string, hc *http.Client) *Stripe {
	cfg := &stripe.BackendConfig{HTTPClient: hc, MaxNetworkRetries: stripe.Int64(2)}
	if baseURL != "" {
		cfg.URL = stripe.String(strings.TrimRight(baseURL, "/"))
	}
	b := stripe.GetBackendWithConfig(stripe.APIBackend, cfg)
	return &Stripe{c: stripe.NewClient(secretKey, stripe.WithBackends(&stripe.Backends{API: b, Connect: b, Uploads: b, MeterEvents: b}))}
}

// Card retrieves the PaymentMethod.
func (s *Stripe) Card(ctx context.Context, token string) (Card, error) {
	pm, err := s.c.V1PaymentMethods.Retrieve(ctx, token, nil)
	if err != nil {
		return Card{}, stripeErr("card", err)
	}
	if pm.Card == nil {
		return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "token", "the payment method is not a card")
	}
	return Card{Token: pm.ID, Brand: string(pm.Card.Brand), Last4: pm.Card.Last4, ExpMonth: int(pm.Card.ExpMonth), ExpYear: int(pm.Card.ExpYear)}, nil
}

// Charge creates and confirms a PaymentIntent.
func (s *Stripe) Charge(ctx context.Context, req ChargeRequest) (Charge, error) {
	p := &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(req.Amount), Currency: stripe.String(strings.ToLower(req.Currency)),
		PaymentMethod: stripe.String(req.Token), Confirm: stripe.Bool(true),
		PaymentMethodTypes: []*string{stripe.String("card")}, Description: stripe.String(req.Description),
	}
	if req.ReturnURL != "" {
		// With a return URL, an issuer that wants 3-D Secure makes the
		// intent's next_action a redirect to its page (redirect_to_url),
		// which the member follows and comes back from: no Stripe.js is
		// needed on the way.
		p.ReturnURL = stripe.String(req.ReturnURL)
	}
	p.SetIdempotencyKey(req.IdempotencyKey)
	// The key (the top-up's id) also travels with the intent, so that a
	// listing of the account's intents says which top-up each is for.
	p.AddMetadata(referenceKey, req.IdempotencyKey)
	pi, err := s.c.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) && se.Type == stripe.ErrorTypeCard {
			// A decline: the processor's reason goes back to the member.
			c := Charge{Amount: req.Amount, Currency: req.Currency, Status: ChargeDeclined, DeclineCode: string(se.DeclineCode), Message: se.Msg}
			if c.DeclineCode == "" {
				c.DeclineCode = string(se.Code)
			}
			if se.PaymentIntent != nil {
				c.ID = se.PaymentIntent.ID
			}
			return c, nil
		}
		return Charge{}, stripeErr("charge", err)
	}
	return fromIntent(pi), nil
}

// Confirm completes a PaymentIntent after the cardholder authenticated.
// An intent confirmed when it was created (Nestegg's are) completes at
// Stripe as the cardholder finishes 3-D Secure, so it is only read; one
// still waiting for confirmation (requires_confirmation) is confirmed.
func (s *Stripe) Confirm(ctx context.Context, chargeID string) (Charge, error) {
	pi, err := s.c.V1PaymentIntents.Retrieve(ctx, chargeID, nil)
	if err != nil {
		return Charge{}, stripeErr("confirm", err)
	}
	if pi.Status == stripe.PaymentIntentStatusRequiresConfirmation {
		if pi, err = s.c.V1PaymentIntents.Confirm(ctx, chargeID, nil); err != nil {
			return Charge{}, stripeErr("confirm", err)
		}
	}
	return fromIntent(pi), nil
}

// Lookup retrieves a PaymentIntent with its latest charge and that
// charge's balance transaction expanded: without the expansion Stripe
// answers both as bare ids, and the payout, the fee and the net are never
// seen. Stripe pays out on its own schedule; a succeeded intent whose
// charge's balance transaction is available counts as paid out.
func (s *Stripe) Lookup(ctx context.Context, chargeID string) (Charge, error) {
	p := &stripe.PaymentIntentRetrieveParams{}
	p.AddExpand("latest_charge.balance_transaction")
	pi, err := s.c.V1PaymentIntents.Retrieve(ctx, chargeID, p)
	if err != nil {
		return Charge{}, stripeErr("lookup", err)
	}
	c := fromIntent(pi)
	if lc := pi.LatestCharge; lc != nil {
		c.Refunded = lc.AmountRefunded
		if bt := lc.BalanceTransaction; bt != nil {
			c.PaidOut = bt.Status == stripe.BalanceTransactionStatusAvailable
			c.Fee, c.Net = bt.Fee, bt.Net
		}
	}
	return c, nil
}

// referenceKey is the PaymentIntent metadata key that carries a charge's
// Reference.
const referenceKey = "nestegg_reference"

// Charges lists the account's PaymentIntents created since since that
// Nestegg made (they carry its reference in their metadata: an account
// shared with other business is not reported as Nestegg's), following
// every page.
func (s *Stripe) Charges(ctx context.Context, since time.Time) ([]Charge, error) {
	p := &stripe.PaymentIntentListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: since.Unix()}}
	p.Limit = stripe.Int64(100)
	out := []Charge{}
	for pi, err := range s.c.V1PaymentIntents.List(ctx, p).All(ctx) {
		if err != nil {
			return nil, stripeErr("list charges", err)
		}
		if c := fromIntent(pi); c.Reference != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

func fromIntent(pi *stripe.PaymentIntent) Charge {
	c := Charge{ID: pi.ID, Amount: pi.Amount, Currency: string(pi.Currency), Created: time.Unix(pi.Created, 0).UTC(), Reference: pi.Metadata[referenceKey]}
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded, stripe.PaymentIntentStatusProcessing, stripe.PaymentIntentStatusRequiresCapture:
		c.Status = ChargeSucceeded
	case stripe.PaymentIntentStatusRequiresAction, stripe.PaymentIntentStatusRequiresConfirmation:
		c.Status = ChargeRequiresAction
		if na := pi.NextAction; na != nil && na.RedirectToURL != nil {
			c.ActionURL = na.RedirectToURL.URL
		}
	default:
		c.Status = ChargeDeclined
		if e := pi.LastPaymentError; e != nil {
			c.DeclineCode, c.Message = string(e.DeclineCode), e.Msg
		}
	}
	return c
}

// stripeErr maps Stripe's errors to nestegg codes; the cause stays inside.
func stripeErr(op string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) {
		switch {
		case se.HTTPStatusCode == http.StatusNotFound:
			return &nestegg.Error{Op: "stripe " + op, Code: nestegg.NotFound, Message: "the processor does not know it", Err: err}
		case se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusTooManyRequests:
			return &nestegg.Error{Op: "stripe " + op, Code: nestegg.Invalid, Message: "the card processor refused the request: " + se.Msg, Err: err}
		}
	}
	return &nestegg.Error{Op: "stripe " + op, Code: nestegg.Unavailable, Message: "the card processor is unavailable; try again", Err: err}
}
