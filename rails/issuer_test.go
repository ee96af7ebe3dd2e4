package rails_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/rails"
)

// issuerConformance is the suite every CardIssuer passes, like
// fstest.TestFS: issue a card (no number anywhere in what comes back),
// read it, freeze and unfreeze it, reveal it through the issuer, and play
// a merchant's purchase, increment, capture, refund, reversal and dispute.
// faithful says the issuer keeps state (the sandbox): its answers are
// checked exactly. stripe-mock answers every call with fixtures, so
// against it the suite checks that each request is one Stripe accepts and
// that each answer parses into what Nestegg needs.
func issuerConformance(t *testing.T, iss rails.CardIssuer, sim rails.IssuingSimulator, faithful bool) {
	ctx := context.Background()
	c, err := iss.Issue(ctx, rails.IssueRequest{IdempotencyKey: "conf-1", Owner: "usr_conf", Name: "conf", Currency: "USD"})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if c.ID == "" || !regexp.MustCompile(`^\d{4}$`).MatchString(c.Last4) || c.ExpMonth < 1 || c.ExpMonth > 12 || c.ExpYear < 2000 || c.Status == "" {
		t.Fatalf("Issue = %+v: want an id, four digits, an expiry and a status", c)
	}
	noNumber(t, "Issue", c)
	if _, err := iss.Issue(ctx, rails.IssueRequest{Owner: "usr_conf"}); !nestegg.Is(err, nestegg.Invalid) {
		t.Errorf("Issue without a key = %v, want invalid", err)
	}
	again, err := iss.Issue(ctx, rails.IssueRequest{IdempotencyKey: "conf-1", Owner: "usr_conf", Name: "conf", Currency: "USD"})
	if err != nil || (faithful && again.ID != c.ID) {
		t.Fatalf("Issue again with the key = %+v, %v; want %s", again, err, c.ID)
	}
	got, err := iss.IssuedCard(ctx, c.ID)
	if err != nil || got.ID == "" || (faithful && (got.Last4 != c.Last4 || got.ID != c.ID)) {
		t.Fatalf("IssuedCard = %+v, %v; want %+v", got, err, c)
	}
	fr, err := iss.SetFrozen(ctx, c.ID, true)
	if err != nil || fr.ID == "" {
		t.Fatalf("SetFrozen(true) = %+v, %v", fr, err)
	}
	un, err := iss.SetFrozen(ctx, c.ID, false)
	if err != nil || un.ID == "" {
		t.Fatalf("SetFrozen(false) = %+v, %v", un, err)
	}
	if faithful && (fr.Status != rails.CardFrozen || un.Status != rails.CardActive) {
		t.Errorf("statuses after freeze, unfreeze = %s, %s", fr.Status, un.Status)
	}
	rv, err := iss.Reveal(ctx, c.ID)
	// stripe-mock's ephemeral key fixture carries no secret: the key is
	// checked on the sandbox, the request's shape against stripe-mock.
	if err != nil || rv.Expires.IsZero() || (faithful && rv.URL == "" && rv.EphemeralKey == "") {
		t.Fatalf("Reveal = %+v, %v; want a URL or a key", rv, err)
	}
	noNumber(t, "Reveal", rv)

	bean := rails.Merchant{Name: "Bean There Café", Category: "5812", City: "Portland"}
	a, err := sim.SimulatePurchase(ctx, rails.Purchase{CardID: c.ID, Merchant: bean, Amount: 4_50, Currency: "USD"})
	if err != nil || a.ID == "" || a.Amount <= 0 {
		t.Fatalf("SimulatePurchase = %+v, %v", a, err)
	}
	noNumber(t, "SimulatePurchase", a)
	if faithful && (!a.Approved || a.Amount != 4_50 || a.Merchant.Name != bean.Name || a.Status != "pending" || a.CardID != c.ID) {
		t.Errorf("SimulatePurchase = %+v, want 4.50 approved pending at %s", a, bean.Name)
	}
	inc, err := sim.SimulateIncrement(ctx, a.ID, 1_00)
	if err != nil || inc.ID == "" {
		t.Fatalf("SimulateIncrement = %+v, %v", inc, err)
	}
	if faithful && inc.Amount != 5_50 {
		t.Errorf("after an increment of 1.00 held %d, want 550", inc.Amount)
	}
	cap, err := sim.SimulateCapture(ctx, a.ID, 6_00)
	if err != nil || cap.ID == "" || cap.Amount <= 0 {
		t.Fatalf("SimulateCapture = %+v, %v", cap, err)
	}
	if faithful && (cap.Amount != 6_00 || cap.AuthorizationID != a.ID || cap.Type != "capture") {
		t.Errorf("SimulateCapture(6.00) = %+v", cap)
	}
	ref, err := sim.SimulateRefund(ctx, cap.ID, 1_00)
	if err != nil || ref.ID == "" {
		t.Fatalf("SimulateRefund = %+v, %v", ref, err)
	}
	if faithful && (ref.Amount != 1_00 || ref.Type != "refund") {
		t.Errorf("SimulateRefund(1.00) = %+v", ref)
	}
	d, err := sim.SimulateDispute(ctx, cap.ID, "fraudulent")
	if err != nil || d.ID == "" {
		t.Fatalf("SimulateDispute = %+v, %v", d, err)
	}
	if _, err := sim.SimulateDisputeOutcome(ctx, d.ID, true); err != nil {
		t.Fatalf("SimulateDisputeOutcome: %v", err)
	}
	b, err := sim.SimulatePurchase(ctx, rails.Purchase{CardID: c.ID, Merchant: bean, Amount: 2_00, Currency: "USD", Channel: rails.ChannelOnline})
	if err != nil {
		t.Fatalf("second SimulatePurchase: %v", err)
	}
	if r, err := sim.SimulateReversal(ctx, b.ID); err != nil || r.ID == "" {
		t.Fatalf("SimulateReversal = %+v, %v", r, err)
	}
	if faithful {
		if _, err := sim.SimulateCapture(ctx, b.ID, 0); !nestegg.Is(err, nestegg.Conflict) {
			t.Errorf("capture after a reversal = %v, want conflict", err)
		}
		if _, err := iss.IssuedCard(ctx, "ic_sbx_nosuchcard"); !nestegg.Is(err, nestegg.NotFound) {
			t.Errorf("IssuedCard(unknown) = %v, want not found", err)
		}
	}
}

// pan is a run of 13 to 19 digits standing alone (not inside a longer
// token: a hex id may hold a dozen digits in a row by chance).
var pan = regexp.MustCompile(`(?:^|[^0-9A-Za-z])(\d{13,19})(?:[^0-9A-Za-z]|$)`)

func noNumber(t *testing.T, what string, v any) {
	t.Helper()
	s := strings.ReplaceAll(strings.ReplaceAll(fmtAny(v), " ", ""), "-", "")
	for _, m := range pan.FindAllStringSubmatch(s, -1) {
		if luhnValid(m[1]) {
			t.Errorf("%s returned something like a card number: %s", what, s)
		}
	}
}

func luhnValid(num string) bool {
	sum := 0
	for i := 0; i < len(num); i++ {
		d := int(num[len(num)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func fmtAny(v any) string { return strings.TrimSpace(strings.ReplaceAll(sprint(v), "\n", " ")) }

// recorder is Nestegg's side for the sandbox: it approves what it is
// asked up to a budget (partially when allowed) and keeps what it is told.
type recorder struct {
	mu     sync.Mutex
	budget int64
	events []rails.IssuingEvent
}

func (r *recorder) Authorize(ctx context.Context, req rails.AuthorizationRequest) (rails.Decision, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case req.Amount <= r.budget:
		r.budget -= req.Amount
		return rails.Decision{Approved: true, Amount: req.Amount}, nil
	case req.PartialAllowed && r.budget > 0:
		d := rails.Decision{Approved: true, Amount: r.budget}
		r.budget = 0
		return d, nil
	}
	return rails.Decision{Reason: "insufficient_funds"}, nil
}

func (r *recorder) Notify(ctx context.Context, ev rails.IssuingEvent) error {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	return nil
}

func TestSandboxIssuerConformance(t *testing.T) {
	s, err := rails.NewSandboxIssuer("", nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{budget: 100_00}
	s.Listen(rec)
	issuerConformance(t, s, s, true)
	var types []string
	for _, ev := range rec.events {
		types = append(types, ev.Type)
	}
	want := []string{rails.EventCaptured, rails.EventRefunded, rails.EventDisputeOpened, rails.EventDisputeClosed, rails.EventReversed}
	if strings.Join(types, ",") != strings.Join(want, ",") {
		t.Errorf("the handler was told %v, want %v", types, want)
	}
}

func TestStripeIssuingConformance(t *testing.T) {
	s := rails.NewStripeIssuing("sk_test_123", stripeMock(t), &http.Client{Timeout: 10 * time.Second},
		rails.StripeAddress{Line1: "1 Main St", City: "Portland", State: "OR", PostalCode: "97201", Country: "US"})
	issuerConformance(t, s, s, false)
	if err := s.Respond(context.Background(), "iauth_123", rails.Decision{Approved: true, Amount: 4_50}); err != nil {
		t.Errorf("Respond(approve): %v", err)
	}
	if err := s.Respond(context.Background(), "iauth_123", rails.Decision{Reason: "card_frozen"}); err != nil {
		t.Errorf("Respond(decline): %v", err)
	}
}

// TestSandboxIssuerHoldsTheNumber: the number is the issuer's, shown once
// through a reveal token, the same every time for a card, with a valid
// check digit; a frozen card's purchase is declined before Nestegg is
// asked; partial approvals, and a refund beyond the capture, are refused.
func TestSandboxIssuerHoldsTheNumber(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	s, err := rails.NewSandboxIssuer(dir, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{budget: 10_00}
	s.Listen(rec)
	c, err := s.Issue(ctx, rails.IssueRequest{IdempotencyKey: "k", Owner: "usr_a"})
	if err != nil {
		t.Fatal(err)
	}
	rv, _ := s.Reveal(ctx, c.ID)
	tok := strings.TrimPrefix(rv.URL, rails.RevealPath)
	full, err := s.RevealCard(ctx, tok)
	if err != nil || len(full.Number) != 16 || full.Last4 != c.Last4 || !strings.HasSuffix(full.Number, c.Last4) || len(full.CVC) != 3 {
		t.Fatalf("RevealCard = last4 %s, %v", full.Last4, err)
	}
	if _, err := s.RevealCard(ctx, tok); !nestegg.Is(err, nestegg.NotFound) {
		t.Fatalf("a second RevealCard with the token = %v, want not found", err)
	}
	// After a restart on the same directory, the same number.
	s2, err := rails.NewSandboxIssuer(dir, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	rv2, _ := s2.Reveal(ctx, c.ID)
	again, err := s2.RevealCard(ctx, strings.TrimPrefix(rv2.URL, rails.RevealPath))
	if err != nil || again.Number != full.Number {
		t.Fatalf("after a restart the number changed (%v)", err)
	}
	rv3, _ := s.Reveal(ctx, c.ID)
	now = now.Add(rails.RevealTTL + time.Second)
	if _, err := s.RevealCard(ctx, strings.TrimPrefix(rv3.URL, rails.RevealPath)); !nestegg.Is(err, nestegg.NotFound) {
		t.Fatalf("an expired reveal = %v, want not found", err)
	}
	s.SetFrozen(ctx, c.ID, true)
	a, err := s.SimulatePurchase(ctx, rails.Purchase{CardID: c.ID, Merchant: rails.Merchant{Name: "M", Category: "5411"}, Amount: 1_00, Currency: "USD"})
	if err != nil || a.Approved || a.Reason != "card_frozen" || rec.budget != 10_00 {
		t.Fatalf("purchase on a frozen card = %+v, %v; budget %d", a, err, rec.budget)
	}
	s.SetFrozen(ctx, c.ID, false)
	p, err := s.SimulatePurchase(ctx, rails.Purchase{CardID: c.ID, Merchant: rails.Merchant{Name: "M", Category: "5411"}, Amount: 15_00, Currency: "USD", PartialAllowed: true})
	if err != nil || !p.Approved || p.Amount != 10_00 || p.Requested != 15_00 {
		t.Fatalf("partial purchase = %+v, %v", p, err)
	}
	tx, err := s.SimulateCapture(ctx, p.ID, 0)
	if err != nil || tx.Amount != 10_00 {
		t.Fatalf("capture = %+v, %v", tx, err)
	}
	if _, err := s.SimulateRefund(ctx, tx.ID, 10_01); !nestegg.Is(err, nestegg.Invalid) {
		t.Fatalf("refund beyond the capture = %v, want invalid", err)
	}
	if _, err := s.SimulatePurchase(ctx, rails.Purchase{CardID: "ic_sbx_forged", Amount: 1}); !nestegg.Is(err, nestegg.NotFound) {
		t.Fatalf("purchase on a card it never issued = %v, want not found", err)
	}
}

func sprint(v any) string { return fmt.Sprintf("%+v", v) }
