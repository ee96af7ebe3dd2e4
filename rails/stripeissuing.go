package rails

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v85"

	"github.com/nestegg/nestegg"
)

// StripeIssuing is the CardIssuer on Stripe Issuing. Cards are Stripe
// Issuing cards (ic_…) of a cardholder Stripe keeps for each card's
// member; Stripe holds the numbers and shows them to the cardholder
// through Issuing Elements, for which Reveal makes an ephemeral key. In
// test mode it is also an IssuingSimulator, on Stripe's test helpers:
// Stripe then asks Nestegg about each simulated purchase through the
// issuing_authorization.request webhook, as it does for real ones.
type StripeIssuing struct {
	c       *stripe.Client
	billing StripeAddress
}

// StripeAddress is the billing address Stripe requires of a cardholder.
type StripeAddress struct {
	Line1, City, State, PostalCode, Country string
}

// NewStripeIssuing returns the adapter with a secret key; billing is the
// cardholders' billing address (the operator's, for virtual cards).
// baseURL overrides the API's address (stripe-mock in tests); "" means
// Stripe itself.
func NewStripeIssuing(secretKey, baseURL string, hc *http.Client, billing StripeAddress) *StripeIssuing {
	cfg := &stripe.BackendConfig{HTTPClient: hc, MaxNetworkRetries: stripe.Int64(2)}
	if baseURL != "" {
		cfg.URL = stripe.String(strings.TrimRight(baseURL, "/"))
	}
	b := stripe.GetBackendWithConfig(stripe.APIBackend, cfg)
	return &StripeIssuing{c: stripe.NewClient(secretKey, stripe.WithBackends(&stripe.Backends{API: b, Connect: b, Uploads: b, MeterEvents: b})), billing: billing}
}

// ownerKey is the metadata key naming a cardholder's and a card's member.
const ownerKey = "nestegg_owner"

// Issue creates a cardholder for the member and a virtual card for it,
// both under the request's idempotency key.
func (s *StripeIssuing) Issue(ctx context.Context, req IssueRequest) (IssuedCard, error) {
	if req.IdempotencyKey == "" || req.Owner == "" {
		return IssuedCard{}, nestegg.Errorf(nestegg.Invalid, "a card is issued to a member, with an idempotency key")
	}
	name := req.Name
	if name == "" {
		name = "Nestegg member"
	}
	hp := &stripe.IssuingCardholderCreateParams{
		Name: stripe.String(name), Type: stripe.String("individual"),
		Billing: &stripe.IssuingCardholderCreateBillingParams{Address: &stripe.AddressParams{
			Line1: stripe.String(s.billing.Line1), City: stripe.String(s.billing.City), State: stripe.String(s.billing.State),
			PostalCode: stripe.String(s.billing.PostalCode), Country: stripe.String(s.billing.Country)}},
	}
	hp.SetIdempotencyKey("cardholder-" + req.IdempotencyKey)
	hp.AddMetadata(ownerKey, req.Owner)
	ch, err := s.c.V1IssuingCardholders.Create(ctx, hp)
	if err != nil {
		return IssuedCard{}, stripeErr("issuing cardholder", err)
	}
	cur := strings.ToLower(req.Currency)
	if cur == "" {
		cur = "usd"
	}
	cp := &stripe.IssuingCardCreateParams{Cardholder: stripe.String(ch.ID), Currency: stripe.String(cur), Type: stripe.String("virtual"),
		Status: stripe.String("active")}
	cp.SetIdempotencyKey("card-" + req.IdempotencyKey)
	cp.AddMetadata(ownerKey, req.Owner)
	c, err := s.c.V1IssuingCards.Create(ctx, cp)
	if err != nil {
		return IssuedCard{}, stripeErr("issue card", err)
	}
	return fromIssuingCard(c), nil
}

func fromIssuingCard(c *stripe.IssuingCard) IssuedCard {
	out := IssuedCard{ID: c.ID, Owner: c.Metadata[ownerKey], Brand: strings.ToLower(c.Brand), Last4: c.Last4, ExpMonth: int(c.ExpMonth), ExpYear: int(c.ExpYear)}
	switch c.Status {
	case stripe.IssuingCardStatusActive:
		out.Status = CardActive
	case stripe.IssuingCardStatusInactive:
		out.Status = CardFrozen
	default:
		out.Status = CardCanceled
	}
	return out
}

// IssuedCard retrieves the card.
func (s *StripeIssuing) IssuedCard(ctx context.Context, id string) (IssuedCard, error) {
	c, err := s.c.V1IssuingCards.Retrieve(ctx, id, nil)
	if err != nil {
		return IssuedCard{}, stripeErr("card", err)
	}
	return fromIssuingCard(c), nil
}

// SetFrozen makes the card inactive (frozen) or active.
func (s *StripeIssuing) SetFrozen(ctx context.Context, id string, frozen bool) (IssuedCard, error) {
	st := "active"
	if frozen {
		st = "inactive"
	}
	c, err := s.c.V1IssuingCards.Update(ctx, id, &stripe.IssuingCardUpdateParams{Status: stripe.String(st)})
	if err != nil {
		return IssuedCard{}, stripeErr("freeze card", err)
	}
	return fromIssuingCard(c), nil
}

// issuingElementsVersion is the API version Issuing Elements asks its
// ephemeral keys for.
const issuingElementsVersion = "2025-03-31.basil"

// Reveal makes an ephemeral key for Issuing Elements: the cardholder's
// browser shows the number straight from Stripe with it.
func (s *StripeIssuing) Reveal(ctx context.Context, id string) (Reveal, error) {
	k, err := s.c.V1EphemeralKeys.Create(ctx, &stripe.EphemeralKeyCreateParams{IssuingCard: stripe.String(id), StripeVersion: stripe.String(issuingElementsVersion)})
	if err != nil {
		return Reveal{}, stripeErr("reveal card", err)
	}
	return Reveal{EphemeralKey: k.Secret, Expires: time.Unix(k.Expires, 0).UTC()}, nil
}

// Respond answers an authorization request Stripe sent (when Nestegg
// answers after the webhook rather than in its response).
func (s *StripeIssuing) Respond(ctx context.Context, authID string, d Decision) error {
	var err error
	if d.Approved {
		p := &stripe.IssuingAuthorizationApproveParams{}
		if d.Amount > 0 {
			p.Amount = stripe.Int64(d.Amount)
		}
		_, err = s.c.V1IssuingAuthorizations.Approve(ctx, authID, p)
	} else {
		p := &stripe.IssuingAuthorizationDeclineParams{}
		p.AddMetadata("nestegg_reason", d.Reason)
		_, err = s.c.V1IssuingAuthorizations.Decline(ctx, authID, p)
	}
	if err != nil {
		return stripeErr("respond to authorization", err)
	}
	return nil
}

// stripeCategories maps merchant category codes to Stripe's names.
var stripeCategories = map[string]string{
	"5812": "eating_places_restaurants",
	"5814": "fast_food_restaurants",
	"5411": "grocery_stores_supermarkets",
	"5541": "service_stations",
	"6011": "automated_cash_disburse",
	"7995": "betting_casino_gambling",
	"5999": "miscellaneous_and_specialty_retail_stores",
}

func mccOf(stripeCategory string) string {
	for k, v := range stripeCategories {
		if v == stripeCategory {
			return k
		}
	}
	return stripeCategory
}

func fromStripeAuth(a *stripe.IssuingAuthorization) Authorization {
	out := Authorization{ID: a.ID, Approved: a.Approved, Amount: a.Amount, Requested: a.Amount, Currency: string(a.Currency), Status: string(a.Status)}
	if a.Card != nil {
		out.CardID = a.Card.ID
	}
	if m := a.MerchantData; m != nil {
		out.Merchant = Merchant{Name: m.Name, Category: mccOf(m.Category), City: m.City, Country: m.Country}
	}
	if a.PendingRequest != nil {
		out.Requested = a.PendingRequest.Amount
	}
	return out
}

func fromStripeTxn(t *stripe.IssuingTransaction) IssuingTransaction {
	out := IssuingTransaction{ID: t.ID, Type: string(t.Type), Amount: t.Amount, Currency: string(t.Currency)}
	// Stripe's amounts on transactions are negative for money leaving the
	// card; the rail carries magnitudes.
	if out.Amount < 0 {
		out.Amount = -out.Amount
	}
	if t.Authorization != nil {
		out.AuthorizationID = t.Authorization.ID
	}
	if t.Card != nil {
		out.CardID = t.Card.ID
	}
	if m := t.MerchantData; m != nil {
		out.Merchant = Merchant{Name: m.Name, Category: mccOf(m.Category), City: m.City, Country: m.Country}
	}
	return out
}

// SimulatePurchase creates a test-mode authorization.
func (s *StripeIssuing) SimulatePurchase(ctx context.Context, p Purchase) (Authorization, error) {
	md := &stripe.TestHelpersIssuingAuthorizationCreateMerchantDataParams{Name: stripe.String(p.Merchant.Name)}
	if c, ok := stripeCategories[p.Merchant.Category]; ok {
		md.Category = stripe.String(c)
	}
	if p.Merchant.City != "" {
		md.City = stripe.String(p.Merchant.City)
	}
	cur := strings.ToLower(p.Currency)
	if cur == "" {
		cur = "usd"
	}
	ap := &stripe.TestHelpersIssuingAuthorizationCreateParams{Card: stripe.String(p.CardID), Amount: stripe.Int64(p.Amount), Currency: stripe.String(cur),
		MerchantData: md, IsAmountControllable: stripe.Bool(p.PartialAllowed)}
	switch p.Channel {
	case ChannelOnline:
		ap.AuthorizationMethod = stripe.String("online")
	default:
		ap.AuthorizationMethod = stripe.String("chip")
	}
	a, err := s.c.V1TestHelpersIssuingAuthorizations.Create(ctx, ap)
	if err != nil {
		return Authorization{}, stripeErr("simulate purchase", err)
	}
	return fromStripeAuth(a), nil
}

// SimulateIncrement increments a test-mode authorization.
func (s *StripeIssuing) SimulateIncrement(ctx context.Context, authID string, amount int64) (Authorization, error) {
	a, err := s.c.V1TestHelpersIssuingAuthorizations.Increment(ctx, authID, &stripe.TestHelpersIssuingAuthorizationIncrementParams{IncrementAmount: stripe.Int64(amount)})
	if err != nil {
		return Authorization{}, stripeErr("simulate increment", err)
	}
	return fromStripeAuth(a), nil
}

// SimulateReversal reverses a test-mode authorization.
func (s *StripeIssuing) SimulateReversal(ctx context.Context, authID string) (Authorization, error) {
	a, err := s.c.V1TestHelpersIssuingAuthorizations.Reverse(ctx, authID, nil)
	if err != nil {
		return Authorization{}, stripeErr("simulate reversal", err)
	}
	return fromStripeAuth(a), nil
}

// SimulateCapture captures a test-mode authorization. Stripe answers with
// the authorization; the capture is its newest transaction.
func (s *StripeIssuing) SimulateCapture(ctx context.Context, authID string, amount int64) (IssuingTransaction, error) {
	p := &stripe.TestHelpersIssuingAuthorizationCaptureParams{CloseAuthorization: stripe.Bool(true)}
	if amount > 0 {
		p.CaptureAmount = stripe.Int64(amount)
	}
	a, err := s.c.V1TestHelpersIssuingAuthorizations.Capture(ctx, authID, p)
	if err != nil {
		return IssuingTransaction{}, stripeErr("simulate capture", err)
	}
	out := IssuingTransaction{AuthorizationID: a.ID, Type: "capture", Amount: amount, Currency: string(a.Currency)}
	if out.Amount == 0 {
		out.Amount = a.Amount
	}
	if a.Card != nil {
		out.CardID = a.Card.ID
	}
	if n := len(a.Transactions); n > 0 {
		return fromStripeTxn(a.Transactions[n-1]), nil
	}
	// The authorization came back without its transactions: the capture
	// is the card's newest that names it (or, failing that, its newest).
	lp := &stripe.IssuingTransactionListParams{Card: stripe.String(out.CardID), Type: stripe.String("capture")}
	lp.Limit = stripe.Int64(10)
	var first *stripe.IssuingTransaction
	seen := 0
	for t, err := range s.c.V1IssuingTransactions.List(ctx, lp).All(ctx) {
		if err != nil {
			return IssuingTransaction{}, stripeErr("simulate capture", err)
		}
		if t.Authorization != nil && t.Authorization.ID == a.ID {
			return fromStripeTxn(t), nil
		}
		if first == nil {
			first = t
		}
		if seen++; seen == 10 {
			break
		}
	}
	if first == nil {
		return IssuingTransaction{}, nestegg.Errorf(nestegg.Unavailable, "the issuer did not report the capture")
	}
	return fromStripeTxn(first), nil
}

// SimulateRefund refunds a test-mode capture.
func (s *StripeIssuing) SimulateRefund(ctx context.Context, txnID string, amount int64) (IssuingTransaction, error) {
	p := &stripe.TestHelpersIssuingTransactionRefundParams{}
	if amount > 0 {
		p.RefundAmount = stripe.Int64(amount)
	}
	t, err := s.c.V1TestHelpersIssuingTransactions.Refund(ctx, txnID, p)
	if err != nil {
		return IssuingTransaction{}, stripeErr("simulate refund", err)
	}
	return fromStripeTxn(t), nil
}

// SimulateDispute opens a dispute of a capture.
func (s *StripeIssuing) SimulateDispute(ctx context.Context, txnID, reason string) (Dispute, error) {
	if reason == "" {
		reason = "other"
	}
	p := &stripe.IssuingDisputeCreateParams{Transaction: stripe.String(txnID), Evidence: &stripe.IssuingDisputeCreateEvidenceParams{Reason: stripe.String(reason)}}
	d, err := s.c.V1IssuingDisputes.Create(ctx, p)
	if err != nil {
		return Dispute{}, stripeErr("simulate dispute", err)
	}
	return fromStripeDispute(d), nil
}

// SimulateDisputeOutcome submits the dispute: Stripe, not Nestegg, decides
// its outcome, and says so through the issuing_dispute.closed webhook.
func (s *StripeIssuing) SimulateDisputeOutcome(ctx context.Context, disputeID string, won bool) (Dispute, error) {
	d, err := s.c.V1IssuingDisputes.Submit(ctx, disputeID, nil)
	if err != nil {
		return Dispute{}, stripeErr("submit dispute", err)
	}
	return fromStripeDispute(d), nil
}

func fromStripeDispute(d *stripe.IssuingDispute) Dispute {
	out := Dispute{ID: d.ID, Amount: d.Amount, Currency: string(d.Currency), Status: string(d.Status)}
	if d.Transaction != nil {
		out.TransactionID = d.Transaction.ID
	}
	if d.Evidence != nil {
		out.Reason = string(d.Evidence.Reason)
	}
	return out
}
