package rails

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
)

// SandboxCards is the built-in card processor. It honours the well-known
// test numbers:
//
//	4242424242424242  success (any other valid number succeeds too)
//	4000000000000002  declined: generic_decline
//	4000000000009995  declined: insufficient_funds
//	4000000000000069  declined: expired_card
//	4000002500003155  requires 3-D Secure authentication, then succeeds
//
// Tokens carry the card's behaviour and description (as Stripe's test
// tokens do), so no card data is kept. A token is good only if this
// sandbox issued it, and only for the member it was issued to: the
// tokens issued (by a hash, with their owner) and the charges are kept in
// a directory (or in memory) so that Card, Lookup and Confirm outlive a
// restart.
type SandboxCards struct {
	st    *fileStore
	clock func() time.Time
	opts  sandboxOptions
}

// PayoutDelay is how long after a charge succeeds the sandbox pays it out.
const PayoutDelay = 48 * time.Hour

// NewSandboxCards returns the sandbox processor keeping charges in dir,
// paying them out after PayoutDelay unless an option (SettleAfter) says
// otherwise.
func NewSandboxCards(dir string, clock func() time.Time, opts ...SandboxOption) (*SandboxCards, error) {
	st, err := newFileStore(dir)
	if err != nil {
		return nil, err
	}
	if clock == nil {
		clock = time.Now
	}
	return &SandboxCards{st: st, clock: clock, opts: sandboxOpts(opts)}, nil
}

// CardDetails are what a person types into a card form. They exist only
// on their way into Tokenize.
type CardDetails struct {
	Number   string
	ExpMonth int
	ExpYear  int
	CVC      string
}

var sandboxBehaviour = map[string]string{
	"4000000000000002": "decline",
	"4000000000009995": "insufficient",
	"4000000000000069": "expired",
	"4000002500003155": "3ds",
}

var sandboxDeclines = map[string][2]string{
	"decline":      {"generic_decline", "Your card was declined."},
	"insufficient": {"insufficient_funds", "Your card has insufficient funds."},
	"expired":      {"expired_card", "Your card has expired."},
}

// Tokenize stands in for the processor's client-side tokenization: the one
// place in Nestegg a card number and CVC pass. It issues the token to
// owner, the member tokenizing (Card reports it, and only that member may
// link the card); it stores nothing of the card, logs nothing, and its
// errors never repeat the number. Errors: Invalid with Param "number",
// "exp_month", "exp_year" or "cvc", or without an owner.
func (s *SandboxCards) Tokenize(ctx context.Context, owner string, d CardDetails) (Card, error) {
	if owner == "" {
		return Card{}, nestegg.Errorf(nestegg.Invalid, "a sandbox card token is issued to a member")
	}
	num := strings.NewReplacer(" ", "", "-", "").Replace(d.Number)
	if len(num) < 12 || len(num) > 19 || !luhn(num) {
		return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "number", "the card number is not valid")
	}
	now := s.clock().UTC()
	if d.ExpMonth < 1 || d.ExpMonth > 12 {
		return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "exp_month", "the expiry month is 1 to 12")
	}
	if d.ExpYear < 100 {
		d.ExpYear += 2000
	}
	if d.ExpYear < now.Year() || (d.ExpYear == now.Year() && d.ExpMonth < int(now.Month())) || d.ExpYear > now.Year()+20 {
		return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "exp_year", "the card's expiry date is in the past")
	}
	if len(d.CVC) < 3 || len(d.CVC) > 4 || strings.Trim(d.CVC, "0123456789") != "" {
		return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "cvc", "the security code is 3 or 4 digits")
	}
	b := sandboxBehaviour[num]
	if b == "" {
		b = "ok"
	}
	var r [6]byte
	rand.Read(r[:])
	c := Card{Brand: brand(num), Last4: Last4(num), ExpMonth: d.ExpMonth, ExpYear: d.ExpYear}
	c.Token = fmt.Sprintf("tok_sbx_%s_%s_%s_%02d%04d_%s", b, c.Brand, c.Last4, c.ExpMonth, c.ExpYear, hex.EncodeToString(r[:]))
	data, _ := json.Marshal(issued{Owner: owner})
	if err := s.st.put(tokenName(c.Token), data); err != nil {
		return Card{}, err
	}
	c.Owner = owner
	return c, nil
}

// issued is the sandbox's record of a token it issued.
type issued struct {
	Owner string `json:"owner"`
}

// tokenName is where a token's record is kept: by a hash, so that the
// sandbox's state holds no token that could be charged.
func tokenName(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return "token-" + hex.EncodeToString(h[:])
}

func brand(num string) string {
	switch {
	case num[0] == '4':
		return "visa"
	case num[0] == '5' || strings.HasPrefix(num, "22"):
		return "mastercard"
	case strings.HasPrefix(num, "34") || strings.HasPrefix(num, "37"):
		return "amex"
	case strings.HasPrefix(num, "6011") || strings.HasPrefix(num, "65"):
		return "discover"
	}
	return "unknown"
}

func luhn(num string) bool {
	sum := 0
	for i := 0; i < len(num); i++ {
		c := num[len(num)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// parseToken reads a sandbox token back.
func parseToken(tok string) (Card, string, error) {
	bad := nestegg.ParamErrorf(nestegg.Invalid, "token", "not a card token of this processor")
	parts := strings.Split(tok, "_")
	if len(parts) != 7 || parts[0] != "tok" || parts[1] != "sbx" || len(parts[4]) != 4 || len(parts[5]) != 6 {
		return Card{}, "", bad
	}
	m, err1 := strconv.Atoi(parts[5][:2])
	y, err2 := strconv.Atoi(parts[5][2:])
	if err1 != nil || err2 != nil {
		return Card{}, "", bad
	}
	switch parts[2] {
	case "ok", "decline", "insufficient", "expired", "3ds":
	default:
		return Card{}, "", bad
	}
	return Card{Token: tok, Brand: parts[3], Last4: parts[4], ExpMonth: m, ExpYear: y}, parts[2], nil
}

// Card describes a token this sandbox issued, with its Owner. Errors:
// Invalid (Param "token") for one it did not issue: a well-formed token is
// not enough, since anyone can write one.
func (s *SandboxCards) Card(ctx context.Context, token string) (Card, error) {
	c, _, err := s.issuedToken(token)
	return c, err
}

// issuedToken reads a token back, with its behaviour, only if this
// sandbox issued it: the token's text says what the card does, and
// anyone can write that text.
func (s *SandboxCards) issuedToken(token string) (Card, string, error) {
	c, b, err := parseToken(token)
	if err != nil {
		return Card{}, "", err
	}
	fs, err := s.st.all(tokenName(token))
	if err != nil {
		return Card{}, "", err
	}
	if len(fs) != 1 {
		return Card{}, "", nestegg.ParamErrorf(nestegg.Invalid, "token", "not a card token of this processor")
	}
	var is issued
	if err := json.Unmarshal(fs[0].Data, &is); err != nil {
		return Card{}, "", fmt.Errorf("sandbox token record: %w", err)
	}
	c.Owner = is.Owner
	return c, b, nil
}

// Charge charges a sandbox token by its behaviour. Errors: Invalid (Param
// "token") for a token this sandbox did not issue, however well formed.
func (s *SandboxCards) Charge(ctx context.Context, req ChargeRequest) (Charge, error) {
	_, b, err := s.issuedToken(req.Token)
	if err != nil {
		return Charge{}, err
	}
	if req.IdempotencyKey == "" || req.Amount <= 0 {
		return Charge{}, nestegg.Errorf(nestegg.Invalid, "a charge needs an idempotency key and a positive amount")
	}
	h := sha256.Sum256([]byte(req.IdempotencyKey))
	id := "ch_sbx_" + hex.EncodeToString(h[:12])
	if c, err := s.load(id); err == nil {
		return c, nil
	}
	// The key (the top-up's id) is kept with the charge, as Stripe keeps
	// it in the intent's metadata: reconciliation matches a charge whose
	// answer was lost on its way back to its top-up by it.
	c := Charge{ID: id, Amount: req.Amount, Currency: strings.ToLower(req.Currency), Status: ChargeSucceeded, Created: s.clock().UTC(),
		Reference: req.IdempotencyKey}
	switch b {
	case "3ds":
		c.Status = ChargeRequiresAction
		c.Message = "The card issuer requires the cardholder to authenticate (3-D Secure)."
	case "decline", "insufficient", "expired":
		c.Status, c.DeclineCode, c.Message = ChargeDeclined, sandboxDeclines[b][0], sandboxDeclines[b][1]
	}
	return c, s.save(c)
}

// Confirm completes a charge waiting for 3-D Secure. Errors: NotFound for
// an unknown charge; Conflict for one not waiting.
func (s *SandboxCards) Confirm(ctx context.Context, chargeID string) (Charge, error) {
	c, err := s.load(chargeID)
	if err != nil {
		return Charge{}, err
	}
	if c.Status == ChargeSucceeded {
		return s.withPayout(c), nil
	}
	if c.Status != ChargeRequiresAction {
		return Charge{}, nestegg.Errorf(nestegg.Conflict, "the charge is %s", c.Status)
	}
	c.Status, c.Message, c.Created = ChargeSucceeded, "", s.clock().UTC()
	// Saved under a new name: the store never overwrites.
	data, _ := json.Marshal(c)
	if err := s.st.put("charge-"+c.ID+"-confirmed", data); err != nil {
		return Charge{}, err
	}
	return s.withPayout(c), nil
}

// Lookup returns a charge; NotFound when the sandbox never made it.
func (s *SandboxCards) Lookup(ctx context.Context, chargeID string) (Charge, error) {
	c, err := s.load(chargeID)
	if err != nil {
		return Charge{}, err
	}
	return s.withPayout(c), nil
}

func (s *SandboxCards) withPayout(c Charge) Charge {
	delay := PayoutDelay
	if s.opts.settleAfter > 0 {
		delay = s.opts.settleAfter
	}
	c.PaidOut = c.Status == ChargeSucceeded && !s.clock().Before(c.Created.Add(delay))
	return c
}

func (s *SandboxCards) save(c Charge) error {
	data, _ := json.Marshal(c)
	return s.st.put("charge-"+c.ID, data)
}

func (s *SandboxCards) load(id string) (Charge, error) {
	fs, err := s.st.all("charge-" + id)
	if err != nil {
		return Charge{}, err
	}
	if len(fs) == 0 || !validName("charge-"+id) {
		return Charge{}, nestegg.ParamErrorf(nestegg.NotFound, "charge", "no charge %q", id)
	}
	// The confirmed record, when there is one, sorts after the first.
	var c Charge
	err = json.Unmarshal(fs[len(fs)-1].Data, &c)
	return c, err
}
