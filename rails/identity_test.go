package rails_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/rails"
)

// testIdentityVerifier is the conformance suite every IdentityVerifier
// passes: a check of either level starts with an id and a known outcome,
// a pending one says where the member finishes it, Check finds a started
// one, and a request without reference or with an unknown level is
// Invalid before anything is sent.
func testIdentityVerifier(t *testing.T, v rails.IdentityVerifier, person rails.Person) {
	t.Helper()
	ctx := context.Background()
	known := map[rails.IdentityOutcome]bool{rails.IdentityPending: true, rails.IdentityApproved: true, rails.IdentityDeclined: true,
		rails.IdentityNeedsReview: true, rails.IdentityDocumentMismatch: true}
	for _, level := range []rails.IdentityLevel{rails.CheckFacts, rails.CheckDocument} {
		c, err := v.Verify(ctx, rails.IdentityRequest{Reference: "kyc-contract-" + time.Now().Format("150405.000000") + string(rune('0'+level)),
			UserID: "usr_contract", Level: level, Person: person, ReturnURL: "https://nestegg.example/verify"})
		if err != nil {
			t.Fatalf("Verify(level %d) = %v", level, err)
		}
		if c.ID == "" || !known[c.Outcome] {
			t.Fatalf("Verify(level %d) = %+v, want an id and a known outcome", level, c)
		}
		if c.Outcome == rails.IdentityPending {
			if c.URL == "" {
				t.Errorf("Verify(level %d) pending without a URL for the member", level)
			}
			got, err := v.Check(ctx, c.ID)
			if err != nil || got.ID != c.ID || !known[got.Outcome] {
				t.Fatalf("Check(%s) = %+v, %v", c.ID, got, err)
			}
		}
	}
	for _, bad := range []rails.IdentityRequest{{Level: rails.CheckFacts}, {Reference: "x", Level: 3}} {
		if _, err := v.Verify(ctx, bad); !nestegg.Is(err, nestegg.Invalid) {
			t.Errorf("Verify(%+v) = %v, want Invalid", bad, err)
		}
	}
}

func TestSandboxIdentity(t *testing.T) {
	v := rails.NewSandboxIdentity()
	testIdentityVerifier(t, v, rails.Person{IDLast4: "0004"})
	ctx := context.Background()
	for last4, want := range map[string]rails.IdentityOutcome{"1234": rails.IdentityApproved, "0001": rails.IdentityDeclined,
		"0002": rails.IdentityNeedsReview, "0003": rails.IdentityDocumentMismatch, "0004": rails.IdentityPending} {
		for _, level := range []rails.IdentityLevel{rails.CheckFacts, rails.CheckDocument} {
			c, err := v.Verify(ctx, rails.IdentityRequest{Reference: "r" + last4, Level: level, Person: rails.Person{IDLast4: last4}})
			if err != nil || c.Outcome != want {
				t.Errorf("Verify(last four %s, level %d) = %+v, %v, want %s", last4, level, c, err, want)
			}
			if want != rails.IdentityApproved && want != rails.IdentityPending && c.Reason == "" {
				t.Errorf("Verify(last four %s) = %+v, want a reason", last4, c)
			}
		}
	}
	c, _ := v.Verify(ctx, rails.IdentityRequest{Reference: "p", Level: rails.CheckDocument, Person: rails.Person{IDLast4: "0004"}})
	if got, err := v.Check(ctx, c.ID); err != nil || got.Outcome != rails.IdentityApproved {
		t.Fatalf("Check(pending) = %+v, %v, want approved once the member finished", got, err)
	}
	if _, err := v.Check(ctx, "vs_123"); !nestegg.Is(err, nestegg.NotFound) {
		t.Fatalf("Check(not the sandbox's) = %v, want NotFound", err)
	}
}

// TestStripeIdentityContract runs the suite on the Stripe Identity adapter
// against stripe-mock (CI runs it; without stripe-mock it skips, except
// under CI=true).
func TestStripeIdentityContract(t *testing.T) {
	s := rails.NewStripe("sk_test_123", stripeMock(t), &http.Client{Timeout: 10 * time.Second})
	testIdentityVerifier(t, rails.NewStripeIdentity(s), rails.Person{LegalName: "Jenny Rosen", IDLast4: "1234"})
}
