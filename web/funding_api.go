package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/rails"
)

// The funding API (funding_api*.go): money in and out of Nestegg through
// the bank and card rails. Every handler acts for the signed-in member
// only; package funding decides what is theirs (another member's bank
// account, card or movement is NotFound).
//
// Sensitive data: a bank account number comes in once (linking) and goes
// out only masked; a card number and CVC reach one endpoint, the sandbox
// processor's tokenization (POST /api/v1/sandbox/cards/tokens), which hands
// them to rails.SandboxCards.Tokenize and keeps, logs and echoes nothing of
// them. With the Stripe adapter that endpoint does not exist: cards are
// tokenized in the member's browser at Stripe, and Nestegg receives only
// the token. No funding route stores a request body (the idempotency
// records of money routes hold responses, which carry masks only).

// apiFunder is the signed-in member on a funding route.
func (s *Server) apiFunder(r *http.Request) (string, error) {
	if s.funding == nil || s.social == nil {
		return "", nestegg.Errorf(nestegg.Unavailable, "money in and out is not enabled on this server")
	}
	a, err := apiMe(r)
	return a.ID, err
}

// declineError is a card decline: codeCardDeclined, with the processor's
// code beside its message.
type declineError struct {
	declineCode string
	err         error
}

func (e *declineError) Error() string { return e.err.Error() }
func (e *declineError) Unwrap() error { return e.err }

// movementJSON is a movement through a rail as its member sees it.
type movementJSON struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	MethodID string `json:"method_id"`
	Amount   int64  `json:"amount"`
	Asset    string `json:"asset"`
	Display  string `json:"display"`
	Fee      int64  `json:"fee"`
	// FeeDisplay and TotalDisplay say the fee and what the member pays in
	// all (a top-up's card charge; a withdrawal's wallet debit).
	FeeDisplay   string    `json:"fee_display"`
	TotalDisplay string    `json:"total_display"`
	Speed        string    `json:"speed,omitempty"`
	Status       string    `json:"status"`
	ReturnCode   string    `json:"return_code,omitempty"`
	DeclineCode  string    `json:"decline_code,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	Shortfall    int64     `json:"shortfall"`
	Next         string    `json:"next"`
	Done         bool      `json:"done"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func (s *Server) jsonMovement(m funding.Movement) movementJSON {
	out := movementJSON{ID: m.ID, Kind: string(m.Kind), MethodID: m.MethodID, Amount: m.Amount.Minor, Asset: m.Amount.Asset.Code,
		Display: money.Format(m.Amount), Fee: m.Fee.Minor, FeeDisplay: money.Format(money.Amount{Asset: m.Amount.Asset, Minor: m.Fee.Minor}),
		TotalDisplay: money.Format(money.Amount{Asset: m.Amount.Asset, Minor: m.Amount.Minor + m.Fee.Minor}),
		Speed:        string(m.Speed), Status: string(m.Status), Reason: m.Reason, Shortfall: m.Shortfall.Minor,
		Next: s.movementNext(m), Done: m.Done(), CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	// A top-up's code is the processor's decline code; an ACH entry's the
	// bank's return code.
	if m.Kind == funding.KindTopUp {
		out.DeclineCode = m.ReturnCode
	} else {
		out.ReturnCode = m.ReturnCode
	}
	return out
}

// movementNext says in words what happens next to a movement: shared by
// the API ("next") and the movement's page. When money arrives is
// funding's to say (ExpectedArrival): on the real schedule business days,
// on a sandbox clock seconds.
func (s *Server) movementNext(m funding.Movement) string {
	arrives := s.funding.ExpectedArrival(m.Kind, m.Speed, m.Status)
	file := "the next ACH file (sent daily)"
	if c := s.funding.SettleClock(); c > 0 {
		file = "the next ACH file (sent every " + strings.TrimPrefix(funding.Arrival{Within: c}.String(), "in about ") + " on the sandbox clock)"
	}
	switch m.Status {
	case funding.StatusPending:
		switch {
		case m.Kind == funding.KindTopUp:
			return "Waiting for the card processor's answer; nothing is charged until it says yes."
		case m.Speed == funding.Instant:
			return "Being paid through the bank's instant rail; the money is set aside in your wallet."
		case m.Kind == funding.KindDeposit:
			if arrives.Within > 0 {
				return "Goes to your bank in " + file + ". It shows as incoming and becomes spendable when the bank settles it, " + arrives.String() + "."
			}
			return "Goes to your bank in " + file + ". It shows as incoming and becomes spendable when the bank settles it, about a business day later."
		}
		if arrives.Within > 0 {
			return "Goes out in " + file + " and arrives " + arrives.String() + "; the money is set aside in your wallet until then."
		}
		return "Goes out in " + file + "; the money is set aside in your wallet until then."
	case funding.StatusSubmitted:
		if m.Kind == funding.KindDeposit {
			if arrives.Within > 0 {
				return "Sent to your bank. It becomes spendable when the bank settles it, " + arrives.String() + "."
			}
			return "Sent to your bank. It becomes spendable when the bank settles it, about a business day after the file."
		}
		return "Sent to your bank; it arrives " + arrives.String() + "."
	case funding.StatusRequiresAction:
		return "Your card's bank wants you to confirm this top-up (3-D Secure). Confirm within an hour, or it lapses and nothing is charged."
	case funding.StatusSucceeded:
		return "In your wallet and spendable now. The card processor pays it to the platform in a couple of days; nothing more for you to do."
	case funding.StatusSettled:
		if m.Kind == funding.KindDeposit {
			return "Settled: in your wallet and spendable. A bank may still return an entry within 60 days."
		}
		return "Done."
	case funding.StatusReturned:
		if m.Kind == funding.KindDeposit && m.Shortfall.Minor > 0 {
			return "Your bank returned it, and you had already spent " + money.Format(m.Shortfall) + " of it: that is owed, and your next deposit pays it first."
		}
		if m.Kind == funding.KindDeposit {
			return "Your bank returned it; the money was taken back out of your wallet. Check the account and try again."
		}
		return "Your bank returned it; the money is back in your wallet."
	case funding.StatusDeclined:
		return "Your card was declined; nothing was charged. Try another card, or a bank deposit."
	case funding.StatusFailed:
		return "Nothing moved."
	}
	return ""
}

func (s *Server) jsonMovements(ms []funding.Movement) apiList[movementJSON] {
	out := apiList[movementJSON]{Data: make([]movementJSON, 0, len(ms))}
	for _, m := range ms {
		out.Data = append(out.Data, s.jsonMovement(m))
	}
	return out
}

// Bank accounts.

type linkBankRequest struct {
	HolderName    string `json:"holder_name"`
	RoutingNumber string `json:"routing_number"`
	AccountNumber string `json:"account_number"`
	AccountType   string `json:"account_type"`
}

// apiLinkBank links a bank account and starts its micro-deposits. The
// response, like every later one, shows the account number masked.
func (s *Server) apiLinkBank(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	var req linkBankRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	b, err := s.funding.LinkBank(r.Context(), me, funding.BankInput{HolderName: req.HolderName, RoutingNumber: req.RoutingNumber,
		AccountNumber: req.AccountNumber, AccountType: req.AccountType})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, b)
}

func (s *Server) apiBanks(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	bs, err := s.funding.BankAccounts(r.Context(), me)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiList[funding.BankAccount]{Data: bs})
}

func (s *Server) apiBank(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	b, err := s.funding.BankAccount(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

func (s *Server) apiRemoveBank(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	if err := s.funding.RemoveBank(r.Context(), me, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type verifyBankRequest struct {
	Amounts []int64 `json:"amounts"`
}

// apiVerifyBank confirms the two micro-deposit amounts, in cents.
func (s *Server) apiVerifyBank(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	var req verifyBankRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if len(req.Amounts) != 2 {
		return nestegg.ParamErrorf(nestegg.Invalid, "amounts", "amounts are the two micro-deposits in cents, such as [12, 34]")
	}
	b, err := s.funding.VerifyBank(r.Context(), me, r.PathValue("id"), req.Amounts[0], req.Amounts[1])
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

// apiSandboxMicroDeposits shows the micro-deposit amounts, which a real
// bank prints on the member's statement: only on the sandbox rails.
func (s *Server) apiSandboxMicroDeposits(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	m, err := s.funding.SandboxMicroDeposits(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string][]int64{"amounts": m[:]})
}

// Cards.

type tokenizeRequest struct {
	Number   string `json:"number"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
	CVC      string `json:"cvc"`
}

type cardTokenJSON struct {
	Token    string `json:"token"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
}

// apiTokenizeCard is the sandbox processor's tokenization: the one
// endpoint that receives a card number and CVC. It passes them to the
// sandbox and answers with the token; its errors name the field, never
// its value. Not idempotent, so that no record of the request is kept.
func (s *Server) apiTokenizeCard(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	if s.sbxCards == nil {
		return nestegg.Errorf(nestegg.NotFound, "this server's card processor tokenizes cards itself (in your browser, at the processor); send POST /api/v1/cards its token")
	}
	var req tokenizeRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	c, err := s.sbxCards.Tokenize(r.Context(), me, rails.CardDetails{Number: req.Number, ExpMonth: req.ExpMonth, ExpYear: req.ExpYear, CVC: req.CVC})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, cardTokenJSON{Token: c.Token, Brand: c.Brand, Last4: c.Last4, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear})
}

type linkCardRequest struct {
	Token string `json:"token"`
}

func (s *Server) apiLinkCard(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	var req linkCardRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	c, err := s.funding.LinkCard(r.Context(), me, req.Token)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiCards(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	cs, err := s.funding.Cards(r.Context(), me)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiList[funding.Card]{Data: cs})
}

func (s *Server) apiRemoveCard(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	if err := s.funding.RemoveCard(r.Context(), me, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiMinorQuery reads ?amount= as minor units of the funding asset.
func (s *Server) apiMinorQuery(r *http.Request) (money.Amount, error) {
	v := r.URL.Query().Get("amount")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return money.Amount{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "amount is a positive integer of minor units (2000 is $20.00)")
	}
	return s.funding.Money(n), nil
}
