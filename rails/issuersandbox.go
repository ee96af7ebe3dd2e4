package rails

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nestegg/nestegg"
)

// SandboxIssuer is the built-in card issuer. It holds the card numbers
// itself, as a real issuer does: a card's number is derived from the card's
// id and a secret seed the sandbox keeps (in its directory, or in memory),
// so the same sandbox always shows the same number for a card and nothing
// else — not Nestegg's database, not its logs — ever holds one. The number
// leaves the sandbox only through RevealCard, with a one-time token that
// Reveal hands out.
//
// It plays the network too (IssuingSimulator): a simulated purchase asks
// the IssuingHandler given to Listen at once, as a network asks an issuer
// in real time; captures, refunds, reversals and disputes are told to it
// the same way. The sandbox's own bookkeeping of authorizations is in
// memory: it is a stand-in for the network, whose record of a purchase
// Nestegg never relies on for money (the ledger is the record).
type SandboxIssuer struct {
	st    *fileStore
	clock func() time.Time
	seed  []byte

	mu      sync.Mutex
	h       IssuingHandler
	frozen  map[string]bool
	reveals map[string]reveal
	auths   map[string]*Authorization
	txns    map[string]*IssuingTransaction
	refunds map[string]int64 // refunded so far, by capture
	disp    map[string]*Dispute
}

type reveal struct {
	card    string
	expires time.Time
}

// RevealTTL is how long a sandbox reveal link works (once).
const RevealTTL = 5 * time.Minute

// RevealPath is where the sandbox's reveal page lives in the web app; the
// one-time token follows it.
const RevealPath = "/sandbox/issuing/reveal/"

// NewSandboxIssuer returns the sandbox issuer keeping its cards and its
// seed in dir ("" keeps them in memory).
func NewSandboxIssuer(dir string, clock func() time.Time) (*SandboxIssuer, error) {
	st, err := newFileStore(dir)
	if err != nil {
		return nil, err
	}
	if clock == nil {
		clock = time.Now
	}
	s := &SandboxIssuer{st: st, clock: clock, frozen: map[string]bool{}, reveals: map[string]reveal{},
		auths: map[string]*Authorization{}, txns: map[string]*IssuingTransaction{}, refunds: map[string]int64{}, disp: map[string]*Dispute{}}
	var seed [32]byte
	rand.Read(seed[:])
	if err := st.put("issuer-seed", []byte(hex.EncodeToString(seed[:]))); err != nil {
		return nil, err
	}
	fs, err := st.all("issuer-seed")
	if err != nil || len(fs) != 1 {
		return nil, fmt.Errorf("sandbox issuer seed: %v", err)
	}
	if s.seed, err = hex.DecodeString(string(fs[0].Data)); err != nil {
		return nil, fmt.Errorf("sandbox issuer seed: %w", err)
	}
	return s, nil
}

// Listen makes h the one Nestegg asks and tells about purchases.
func (s *SandboxIssuer) Listen(h IssuingHandler) {
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
}

// issuedRecord is what the sandbox keeps of a card: no number (it is
// derived from the seed when revealed).
type issuedRecord struct {
	Owner    string `json:"owner"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
}

// number is the card's full number: a Visa test BIN, fifteen digits from
// the seed and the id, and the Luhn check digit.
func (s *SandboxIssuer) number(id string) string {
	m := hmac.New(sha256.New, s.seed)
	m.Write([]byte("pan:" + id))
	sum := m.Sum(nil)
	var b strings.Builder
	b.WriteString("400000")
	for i := 0; b.Len() < 15; i++ {
		b.WriteByte('0' + sum[i]%10)
	}
	body := b.String()
	for d := byte('0'); d <= '9'; d++ {
		if luhn(body + string(d)) {
			return body + string(d)
		}
	}
	return ""
}

func (s *SandboxIssuer) cvc(id string) string {
	m := hmac.New(sha256.New, s.seed)
	m.Write([]byte("cvc:" + id))
	sum := m.Sum(nil)
	return fmt.Sprintf("%03d", (int(sum[0])<<8|int(sum[1]))%1000)
}

// Issue creates a virtual card, named by the key and owner so that a
// repeated request returns the same card. Errors: Invalid without a key
// or an owner.
func (s *SandboxIssuer) Issue(ctx context.Context, req IssueRequest) (IssuedCard, error) {
	if req.IdempotencyKey == "" || req.Owner == "" {
		return IssuedCard{}, nestegg.Errorf(nestegg.Invalid, "a card is issued to a member, with an idempotency key")
	}
	h := sha256.Sum256([]byte(req.Owner + "\x00" + req.IdempotencyKey))
	id := "ic_sbx_" + hex.EncodeToString(h[:12])
	now := s.clock().UTC()
	data, _ := json.Marshal(issuedRecord{Owner: req.Owner, ExpMonth: int(now.Month()), ExpYear: now.Year() + 3})
	if err := s.st.put("icard-"+id, data); err != nil {
		return IssuedCard{}, err
	}
	return s.IssuedCard(ctx, id)
}

func (s *SandboxIssuer) record(id string) (issuedRecord, error) {
	var r issuedRecord
	if !strings.HasPrefix(id, "ic_sbx_") || !validName("icard-"+id) {
		return r, nestegg.ParamErrorf(nestegg.NotFound, "card", "no such card at the issuer")
	}
	fs, err := s.st.all("icard-" + id)
	if err != nil {
		return r, err
	}
	if len(fs) != 1 {
		return r, nestegg.ParamErrorf(nestegg.NotFound, "card", "no such card at the issuer")
	}
	err = json.Unmarshal(fs[0].Data, &r)
	return r, err
}

// IssuedCard returns a card this sandbox issued. Errors: NotFound.
func (s *SandboxIssuer) IssuedCard(ctx context.Context, id string) (IssuedCard, error) {
	r, err := s.record(id)
	if err != nil {
		return IssuedCard{}, err
	}
	s.mu.Lock()
	status := CardActive
	if s.frozen[id] {
		status = CardFrozen
	}
	s.mu.Unlock()
	return IssuedCard{ID: id, Owner: r.Owner, Brand: "visa", Last4: Last4(s.number(id)), ExpMonth: r.ExpMonth, ExpYear: r.ExpYear, Status: status}, nil
}

// SetFrozen freezes or unfreezes a card. Errors: NotFound.
func (s *SandboxIssuer) SetFrozen(ctx context.Context, id string, frozen bool) (IssuedCard, error) {
	if _, err := s.record(id); err != nil {
		return IssuedCard{}, err
	}
	s.mu.Lock()
	s.frozen[id] = frozen
	s.mu.Unlock()
	return s.IssuedCard(ctx, id)
}

// Reveal hands out a one-time link to the sandbox's reveal page for the
// card, good for RevealTTL. Errors: NotFound.
func (s *SandboxIssuer) Reveal(ctx context.Context, id string) (Reveal, error) {
	if _, err := s.record(id); err != nil {
		return Reveal{}, err
	}
	var b [24]byte
	rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	exp := s.clock().Add(RevealTTL)
	s.mu.Lock()
	s.reveals[tok] = reveal{card: id, expires: exp}
	s.mu.Unlock()
	return Reveal{URL: RevealPath + tok, Expires: exp.UTC()}, nil
}

// RevealedCard is a card's full details, shown to its holder once.
type RevealedCard struct {
	// Owner is the member the card was issued to: the page shows the
	// number to them only.
	Owner    string
	Number   string
	CVC      string
	ExpMonth int
	ExpYear  int
	Last4    string
}

// RevealCard spends a reveal token: the card's full number, security code
// and expiry, once. It is the sandbox's stand-in for the issuer's own page
// (served by the web app in sandbox mode, straight to the cardholder's
// browser); nothing it returns is kept or logged. Errors: NotFound for a
// token unknown, used or expired.
func (s *SandboxIssuer) RevealCard(ctx context.Context, token string) (RevealedCard, error) {
	s.mu.Lock()
	r, ok := s.reveals[token]
	delete(s.reveals, token)
	s.mu.Unlock()
	if !ok || s.clock().After(r.expires) {
		return RevealedCard{}, nestegg.Errorf(nestegg.NotFound, "this link was used or has expired; ask for the card again")
	}
	rec, err := s.record(r.card)
	if err != nil {
		return RevealedCard{}, err
	}
	n := s.number(r.card)
	return RevealedCard{Owner: rec.Owner, Number: n, CVC: s.cvc(r.card), ExpMonth: rec.ExpMonth, ExpYear: rec.ExpYear, Last4: Last4(n)}, nil
}

func (s *SandboxIssuer) handler() (IssuingHandler, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h == nil {
		return nil, nestegg.Errorf(nestegg.Unavailable, "the sandbox issuer has nobody to ask")
	}
	return s.h, nil
}

func sbxID(prefix string) string {
	var b [10]byte
	rand.Read(b[:])
	return prefix + "_sbx_" + hex.EncodeToString(b[:])
}

// SimulatePurchase asks Nestegg to authorize a purchase on the card.
// Errors: NotFound for an unknown card; Invalid for an amount that is not
// positive; what Nestegg's handler returns.
func (s *SandboxIssuer) SimulatePurchase(ctx context.Context, p Purchase) (Authorization, error) {
	if _, err := s.record(p.CardID); err != nil {
		return Authorization{}, err
	}
	if p.Amount <= 0 {
		return Authorization{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must be greater than zero")
	}
	if p.Channel == "" {
		p.Channel = ChannelInPerson
	}
	h, err := s.handler()
	if err != nil {
		return Authorization{}, err
	}
	a := Authorization{ID: sbxID("iauth"), CardID: p.CardID, Requested: p.Amount, Currency: strings.ToLower(p.Currency), Merchant: p.Merchant}
	s.mu.Lock()
	frozen := s.frozen[p.CardID]
	s.mu.Unlock()
	d := Decision{Reason: "card_frozen"}
	if !frozen {
		d, err = h.Authorize(ctx, AuthorizationRequest{AuthorizationID: a.ID, CardID: p.CardID, Amount: p.Amount, Currency: p.Currency,
			Merchant: p.Merchant, Channel: p.Channel, PartialAllowed: p.PartialAllowed, At: s.clock().UTC()})
		if err != nil {
			return Authorization{}, err
		}
	}
	a.Approved, a.Reason, a.Status = d.Approved, d.Reason, "declined"
	if d.Approved {
		a.Amount, a.Status = d.Amount, "pending"
	}
	if frozen {
		// Declined here, as an issuer declines a card frozen with it: Nestegg
		// hears of it afterwards, to show the member.
		if err := h.Notify(ctx, IssuingEvent{Type: EventDeclined, Auth: a}); err != nil {
			return Authorization{}, err
		}
	}
	s.mu.Lock()
	s.auths[a.ID] = &a
	s.mu.Unlock()
	return a, nil
}

func (s *SandboxIssuer) pendingAuth(id string) (Authorization, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.auths[id]
	if !ok {
		return Authorization{}, nestegg.ParamErrorf(nestegg.NotFound, "authorization", "no such authorization")
	}
	if a.Status != "pending" {
		return Authorization{}, nestegg.Errorf(nestegg.Conflict, "the authorization is %s", a.Status)
	}
	return *a, nil
}

// SimulateIncrement asks Nestegg for amount more on a pending
// authorization (a hotel's extra night, a tab that grew). Errors:
// NotFound; Conflict when it is not pending; Invalid for the amount.
func (s *SandboxIssuer) SimulateIncrement(ctx context.Context, authID string, amount int64) (Authorization, error) {
	a, err := s.pendingAuth(authID)
	if err != nil {
		return Authorization{}, err
	}
	if amount <= 0 {
		return Authorization{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must be greater than zero")
	}
	h, err := s.handler()
	if err != nil {
		return Authorization{}, err
	}
	d, err := h.Authorize(ctx, AuthorizationRequest{AuthorizationID: authID, CardID: a.CardID, Incremental: true, Amount: amount,
		Currency: a.Currency, Merchant: a.Merchant, Channel: ChannelInPerson, At: s.clock().UTC()})
	if err != nil {
		return Authorization{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.auths[authID]
	p.Requested += amount
	if d.Approved {
		p.Amount += d.Amount
	}
	out := *p
	out.Approved, out.Reason = d.Approved, d.Reason
	return out, nil
}

// SimulateReversal voids a pending authorization. Errors: NotFound;
// Conflict when it is not pending; what the handler returns.
func (s *SandboxIssuer) SimulateReversal(ctx context.Context, authID string) (Authorization, error) {
	a, err := s.pendingAuth(authID)
	if err != nil {
		return Authorization{}, err
	}
	a.Status = "closed"
	if err := s.tell(ctx, IssuingEvent{Type: EventReversed, Auth: a}); err != nil {
		return Authorization{}, err
	}
	s.mu.Lock()
	s.auths[authID].Status = "closed"
	s.mu.Unlock()
	return a, nil
}

func (s *SandboxIssuer) tell(ctx context.Context, ev IssuingEvent) error {
	h, err := s.handler()
	if err != nil {
		return err
	}
	return h.Notify(ctx, ev)
}

// SimulateCapture captures a pending authorization for amount (0: what it
// holds), more or less than held. Errors: NotFound; Conflict when it is
// not pending; Invalid for a negative amount; what the handler returns.
func (s *SandboxIssuer) SimulateCapture(ctx context.Context, authID string, amount int64) (IssuingTransaction, error) {
	a, err := s.pendingAuth(authID)
	if err != nil {
		return IssuingTransaction{}, err
	}
	if amount < 0 {
		return IssuingTransaction{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must not be negative")
	}
	if amount == 0 {
		amount = a.Amount
	}
	t := IssuingTransaction{ID: sbxID("ipi"), AuthorizationID: authID, CardID: a.CardID, Type: "capture", Amount: amount, Currency: a.Currency, Merchant: a.Merchant}
	a.Status = "closed"
	if err := s.tell(ctx, IssuingEvent{Type: EventCaptured, Auth: a, Transaction: t}); err != nil {
		return IssuingTransaction{}, err
	}
	s.mu.Lock()
	s.auths[authID].Status = "closed"
	s.txns[t.ID] = &t
	s.mu.Unlock()
	return t, nil
}

// SimulateRefund refunds amount (0: what is left) of a capture. Errors:
// NotFound for an unknown capture; Invalid for more than is left.
func (s *SandboxIssuer) SimulateRefund(ctx context.Context, txnID string, amount int64) (IssuingTransaction, error) {
	s.mu.Lock()
	c, ok := s.txns[txnID]
	var left int64
	if ok {
		left = c.Amount - s.refunds[txnID]
	}
	s.mu.Unlock()
	if !ok || c.Type != "capture" {
		return IssuingTransaction{}, nestegg.ParamErrorf(nestegg.NotFound, "transaction", "no such capture")
	}
	if amount == 0 {
		amount = left
	}
	if amount <= 0 || amount > left {
		return IssuingTransaction{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "a refund is more than zero and at most what is left to refund")
	}
	t := IssuingTransaction{ID: sbxID("ipi"), AuthorizationID: c.AuthorizationID, CardID: c.CardID, Type: "refund", Amount: amount, Currency: c.Currency, Merchant: c.Merchant}
	if err := s.tell(ctx, IssuingEvent{Type: EventRefunded, Transaction: t}); err != nil {
		return IssuingTransaction{}, err
	}
	s.mu.Lock()
	s.refunds[txnID] += amount
	s.txns[t.ID] = &t
	s.mu.Unlock()
	return t, nil
}

// SimulateDispute opens a dispute of a whole capture. Errors: NotFound.
func (s *SandboxIssuer) SimulateDispute(ctx context.Context, txnID, reason string) (Dispute, error) {
	s.mu.Lock()
	c, ok := s.txns[txnID]
	s.mu.Unlock()
	if !ok || c.Type != "capture" {
		return Dispute{}, nestegg.ParamErrorf(nestegg.NotFound, "transaction", "no such capture")
	}
	if reason == "" {
		reason = "other"
	}
	d := Dispute{ID: sbxID("idp"), TransactionID: txnID, Amount: c.Amount, Currency: c.Currency, Status: "submitted", Reason: reason}
	if err := s.tell(ctx, IssuingEvent{Type: EventDisputeOpened, Dispute: d, Transaction: *c}); err != nil {
		return Dispute{}, err
	}
	s.mu.Lock()
	s.disp[d.ID] = &d
	s.mu.Unlock()
	return d, nil
}

// SimulateDisputeOutcome closes an open dispute. Errors: NotFound;
// Conflict when it is closed already.
func (s *SandboxIssuer) SimulateDisputeOutcome(ctx context.Context, disputeID string, won bool) (Dispute, error) {
	s.mu.Lock()
	p, ok := s.disp[disputeID]
	var d Dispute
	if ok {
		d = *p
	}
	s.mu.Unlock()
	if !ok {
		return Dispute{}, nestegg.ParamErrorf(nestegg.NotFound, "dispute", "no such dispute")
	}
	if d.Status != "submitted" {
		return Dispute{}, nestegg.Errorf(nestegg.Conflict, "the dispute is %s", d.Status)
	}
	d.Status = "lost"
	if won {
		d.Status = "won"
	}
	if err := s.tell(ctx, IssuingEvent{Type: EventDisputeClosed, Dispute: d}); err != nil {
		return Dispute{}, err
	}
	s.mu.Lock()
	*p = d
	s.mu.Unlock()
	return d, nil
}
