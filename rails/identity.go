package rails

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/stripe/stripe-go/v85"

	"github.com/nestegg/nestegg"
)

// Person is what a member tells Nestegg about themselves to be verified.
// It is personal data: the compliance package seals it at rest, and no
// rail logs it.
type Person struct {
	LegalName   string `json:"legal_name"`
	DateOfBirth string `json:"date_of_birth"` // YYYY-MM-DD
	Line1       string `json:"line1"`
	Line2       string `json:"line2,omitempty"`
	City        string `json:"city"`
	State       string `json:"state"`       // a state, province or region code ("CA")
	PostalCode  string `json:"postal_code"` //
	Country     string `json:"country"`     // ISO 3166-1 alpha-2 ("US")
	IDLast4     string `json:"id_last4"`    // the last four digits of a national id (SSN)
}

// IdentityLevel is what a check verifies.
type IdentityLevel int

// The levels.
const (
	// CheckFacts: the person's legal name, date of birth, address and
	// national id's last four (a tier 1 check).
	CheckFacts IdentityLevel = 1
	// CheckDocument: an identity document and a selfie matching it (tier 2).
	CheckDocument IdentityLevel = 2
)

// IdentityOutcome is where a check stands.
type IdentityOutcome string

// The outcomes.
const (
	// IdentityPending: the member still has something to do at
	// IdentityCheck.URL, or the provider is still working.
	IdentityPending IdentityOutcome = "pending"
	// IdentityApproved: the person is who they say.
	IdentityApproved IdentityOutcome = "approved"
	// IdentityDeclined: the provider will not verify this person.
	IdentityDeclined IdentityOutcome = "declined"
	// IdentityNeedsReview: the provider is unsure; a person on the
	// compliance staff decides.
	IdentityNeedsReview IdentityOutcome = "needs_review"
	// IdentityDocumentMismatch: the document, selfie or id number do not
	// match the person given; the member may try again.
	IdentityDocumentMismatch IdentityOutcome = "document_mismatch"
)

// IdentityRequest asks for a check.
type IdentityRequest struct {
	// Reference names the attempt, unique per attempt: the provider's
	// idempotency key.
	Reference string
	UserID    string
	Level     IdentityLevel
	Person    Person
	// ReturnURL is where the provider sends the member back after a check
	// they finish on its pages.
	ReturnURL string
}

// IdentityCheck is a check's state at the provider.
type IdentityCheck struct {
	ID      string // the provider's id for the check
	Outcome IdentityOutcome
	// Reason says, for people, why a check was not approved ("" else).
	Reason string
	// URL is where the member finishes a pending check (the provider's
	// pages); "" when there is nothing for them to do there.
	URL string
}

// IdentityVerifier is an identity provider: it checks that a person is
// who they say, at the level asked. Verify starts a check and returns it
// as far as it got; Check asks where a started check stands now.
// Implementations: SandboxIdentity, StripeIdentity.
type IdentityVerifier interface {
	Verify(ctx context.Context, req IdentityRequest) (IdentityCheck, error)
	Check(ctx context.Context, id string) (IdentityCheck, error)
}

// SandboxIdentity is the deterministic identity provider: the last four
// digits of the national id choose the outcome of every check, as the
// sandbox bank's account numbers choose returns:
//
//	0001  declined
//	0002  needs review
//	0003  document mismatch
//	0004  pending: the check waits for the member (Check then approves it)
//	else  approved
//
// It keeps nothing but the pending checks' outcomes, which it derives from
// their ids, so it survives a restart. Safe for concurrent use.
type SandboxIdentity struct{}

// NewSandboxIdentity returns the sandbox identity provider.
func NewSandboxIdentity() *SandboxIdentity { return &SandboxIdentity{} }

// Verify decides the check at once from req.Person.IDLast4.
func (SandboxIdentity) Verify(_ context.Context, req IdentityRequest) (IdentityCheck, error) {
	if req.Reference == "" || (req.Level != CheckFacts && req.Level != CheckDocument) {
		return IdentityCheck{}, nestegg.Errorf(nestegg.Invalid, "identity check: a reference and a level of 1 or 2 are required")
	}
	sum := sha256.Sum256([]byte(req.Reference))
	c := IdentityCheck{ID: "idv_sbx_" + hex.EncodeToString(sum[:12])}
	switch req.Person.IDLast4 {
	case "0001":
		c.Outcome, c.Reason = IdentityDeclined, "the provider could not verify this person"
	case "0002":
		c.Outcome, c.Reason = IdentityNeedsReview, "the provider could not decide; a person will look"
	case "0003":
		c.Outcome, c.Reason = IdentityDocumentMismatch, "the document does not match the details given"
	case "0004":
		c.ID += "_p"
		c.Outcome, c.URL = IdentityPending, "sandbox:"+c.ID
	default:
		c.Outcome = IdentityApproved
	}
	return c, nil
}

// Check returns a sandbox check: a pending one is approved once asked
// about (the member "finished" it); every other was decided by Verify.
// Errors: NotFound for an id that is not the sandbox's.
func (SandboxIdentity) Check(_ context.Context, id string) (IdentityCheck, error) {
	if !strings.HasPrefix(id, "idv_sbx_") {
		return IdentityCheck{}, nestegg.Errorf(nestegg.NotFound, "identity check %q is not the sandbox's", id)
	}
	if strings.HasSuffix(id, "_p") {
		return IdentityCheck{ID: id, Outcome: IdentityApproved}, nil
	}
	return IdentityCheck{}, nestegg.Errorf(nestegg.NotFound, "sandbox identity check %s was decided when it started", id)
}

// StripeIdentity is the IdentityVerifier on Stripe Identity: a check is a
// VerificationSession the member completes on Stripe's pages (URL) — of
// type id_number for CheckFacts, document with a matching selfie for
// CheckDocument — so the document and selfie never reach Nestegg.
type StripeIdentity struct {
	c *stripe.Client
}

// NewStripeIdentity returns the adapter on the Stripe account (key and
// address) s uses.
func NewStripeIdentity(s *Stripe) *StripeIdentity { return &StripeIdentity{c: s.c} }

// Verify creates a VerificationSession for req.
func (s *StripeIdentity) Verify(ctx context.Context, req IdentityRequest) (IdentityCheck, error) {
	if req.Reference == "" || (req.Level != CheckFacts && req.Level != CheckDocument) {
		return IdentityCheck{}, nestegg.Errorf(nestegg.Invalid, "identity check: a reference and a level of 1 or 2 are required")
	}
	p := &stripe.IdentityVerificationSessionCreateParams{ClientReferenceID: stripe.String(req.UserID)}
	if req.Level == CheckFacts {
		p.Type = stripe.String(string(stripe.IdentityVerificationSessionTypeIDNumber))
	} else {
		p.Type = stripe.String(string(stripe.IdentityVerificationSessionTypeDocument))
		p.Options = &stripe.IdentityVerificationSessionCreateOptionsParams{Document: &stripe.IdentityVerificationSessionCreateOptionsDocumentParams{
			RequireMatchingSelfie: stripe.Bool(true), RequireLiveCapture: stripe.Bool(true)}}
	}
	if req.ReturnURL != "" {
		p.ReturnURL = stripe.String(req.ReturnURL)
	}
	p.SetIdempotencyKey(req.Reference)
	p.AddMetadata(referenceKey, req.Reference)
	vs, err := s.c.V1IdentityVerificationSessions.Create(ctx, p)
	if err != nil {
		return IdentityCheck{}, stripeErr("identity check", err)
	}
	return identityCheck(vs), nil
}

// Check retrieves the VerificationSession id.
func (s *StripeIdentity) Check(ctx context.Context, id string) (IdentityCheck, error) {
	vs, err := s.c.V1IdentityVerificationSessions.Retrieve(ctx, id, nil)
	if err != nil {
		return IdentityCheck{}, stripeErr("identity check", err)
	}
	return identityCheck(vs), nil
}

// identityCheck reads a VerificationSession: verified is approved; an
// error the member can fix by trying again with the right document is a
// mismatch; the provider's "could not verify, other" is for a person to
// review; every other error (consent declined, under age, a country not
// supported) and a cancelled session is declined; the rest is pending.
func identityCheck(vs *stripe.IdentityVerificationSession) IdentityCheck {
	c := IdentityCheck{ID: vs.ID}
	switch vs.Status {
	case stripe.IdentityVerificationSessionStatusVerified:
		c.Outcome = IdentityApproved
	case stripe.IdentityVerificationSessionStatusCanceled:
		c.Outcome, c.Reason = IdentityDeclined, "the check was cancelled"
	case stripe.IdentityVerificationSessionStatusRequiresInput:
		if vs.LastError == nil || vs.LastError.Code == "" || vs.LastError.Code == stripe.IdentityVerificationSessionLastErrorCodeAbandoned {
			c.Outcome, c.URL = IdentityPending, vs.URL
			break
		}
		c.Reason = vs.LastError.Reason
		switch vs.LastError.Code {
		case stripe.IdentityVerificationSessionLastErrorCodeIDNumberMismatch, stripe.IdentityVerificationSessionLastErrorCodeSelfieFaceMismatch,
			stripe.IdentityVerificationSessionLastErrorCodeDocumentExpired, stripe.IdentityVerificationSessionLastErrorCodeDocumentTypeNotSupported,
			stripe.IdentityVerificationSessionLastErrorCodeIDNumberInsufficientDocumentData, stripe.IdentityVerificationSessionLastErrorCodeSelfieDocumentMissingPhoto:
			c.Outcome = IdentityDocumentMismatch
		case stripe.IdentityVerificationSessionLastErrorCodeDocumentUnverifiedOther, stripe.IdentityVerificationSessionLastErrorCodeIDNumberUnverifiedOther,
			stripe.IdentityVerificationSessionLastErrorCodeSelfieUnverifiedOther:
			c.Outcome = IdentityNeedsReview
		default:
			c.Outcome = IdentityDeclined
		}
		if c.Reason == "" {
			c.Reason = strings.ReplaceAll(string(vs.LastError.Code), "_", " ")
		}
	default: // processing
		c.Outcome = IdentityPending
	}
	return c
}
