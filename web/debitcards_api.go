package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/cards"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/rails"
)

// Debit cards (package cards), under /api/v1/debit-cards: the caller's own
// cards only (another member's card is 404). No response carries a card
// number: the number is shown by the issuer (reveal). In sandbox mode a
// member may play a merchant: simulate a purchase and its capture.

func (s *Server) apiCardHolder(r *http.Request) (string, error) {
	if s.cards == nil || s.social == nil {
		return "", nestegg.Errorf(nestegg.Unavailable, "debit cards are not enabled on this server")
	}
	a, err := apiMe(r)
	return a.ID, err
}

type cardControlsJSON struct {
	PerPurchaseLimit  int64    `json:"per_purchase_limit"`
	DailyLimit        int64    `json:"daily_limit"`
	BlockedCategories []string `json:"blocked_categories"`
	Online            bool     `json:"online"`
	ATM               bool     `json:"atm"`
}

type debitCardJSON struct {
	ID         string           `json:"id"`
	Brand      string           `json:"brand"`
	Last4      string           `json:"last4"`
	ExpMonth   int              `json:"exp_month"`
	ExpYear    int              `json:"exp_year"`
	Asset      string           `json:"asset"`
	Status     string           `json:"status"`
	Controls   cardControlsJSON `json:"controls"`
	SpentToday int64            `json:"spent_today"`
	CreatedAt  time.Time        `json:"created_at"`
}

func jsonDebitCard(c cards.Card) debitCardJSON {
	b := c.Controls.BlockedCategories
	if b == nil {
		b = []string{}
	}
	return debitCardJSON{ID: c.ID, Brand: c.Brand, Last4: c.Last4, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear, Asset: c.Asset, Status: c.Status,
		Controls:   cardControlsJSON{PerPurchaseLimit: c.Controls.PerPurchase, DailyLimit: c.Controls.Daily, BlockedCategories: b, Online: c.Controls.Online, ATM: c.Controls.ATM},
		SpentToday: c.SpentToday, CreatedAt: c.CreatedAt}
}

// apiDebitCards lists the caller's cards, newest first.
func (s *Server) apiDebitCards(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiCardHolder(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	cs, err := s.cards.List(r.Context(), me)
	if err != nil {
		return err
	}
	out := apiList[debitCardJSON]{Data: make([]debitCardJSON, 0, len(cs))}
	for _, c := range cs {
		out.Data = append(out.Data, jsonDebitCard(c))
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiIssueDebitCard issues the caller a virtual card; with an
// Idempotency-Key, the same key returns the same card.
func (s *Server) apiIssueDebitCard(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiCardHolder(r)
	if err != nil {
		return err
	}
	key := apiIdemKey(r)
	if key == "" {
		key = newPayKey()
	}
	c, err := s.cards.Issue(r.Context(), me, key)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, jsonDebitCard(c))
}

// apiDebitCard is one of the caller's cards.
func (s *Server) apiDebitCard(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiCardHolder(r)
	if err != nil {
		return err
	}
	c, err := s.cards.Get(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonDebitCard(c))
}

// apiFreezeDebitCard freezes (freeze true) or unfreezes the caller's card.
func (s *Server) apiFreezeDebitCard(freeze bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		me, err := s.apiCardHolder(r)
		if err != nil {
			return err
		}
		act := s.cards.Unfreeze
		if freeze {
			act = s.cards.Freeze
		}
		c, err := act(r.Context(), me, r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, jsonDebitCard(c))
	}
}

type cardControlsRequest struct {
	PerPurchaseLimit  json.RawMessage `json:"per_purchase_limit"`
	DailyLimit        json.RawMessage `json:"daily_limit"`
	BlockedCategories *[]string       `json:"blocked_categories"`
	Online            *bool           `json:"online"`
	ATM               *bool           `json:"atm"`
}

// limitInput reads a limit: 0 (none), minor units or "$50"; errors name
// param.
func (s *Server) limitInput(raw json.RawMessage, asset, param string) (*int64, error) {
	if raw == nil {
		return nil, nil
	}
	var a amountInput
	err := a.UnmarshalJSON(raw)
	if err == nil && !a.isStr && a.minor == 0 {
		zero := int64(0)
		return &zero, nil
	}
	var amt money.Amount
	if err == nil {
		amt, err = s.resolveAmount(a, asset)
	}
	if err != nil {
		return nil, &nestegg.Error{Code: nestegg.Invalid, Param: param, Message: nestegg.ErrorMessage(err), Err: err}
	}
	return &amt.Minor, nil
}

// apiDebitCardControls changes the caller's card's controls; fields left
// out stay as they are.
func (s *Server) apiDebitCardControls(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiCardHolder(r)
	if err != nil {
		return err
	}
	var req cardControlsRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	// The limits are checked before the card is looked up, so that a bad
	// amount is the answer whatever the card (cards are in USD).
	if _, err := s.limitInput(req.PerPurchaseLimit, "USD", "per_purchase_limit"); err != nil {
		return err
	}
	if _, err := s.limitInput(req.DailyLimit, "USD", "daily_limit"); err != nil {
		return err
	}
	c, err := s.cards.Get(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	in := cards.ControlsInput{BlockedCategories: req.BlockedCategories, Online: req.Online, ATM: req.ATM}
	if in.PerPurchase, err = s.limitInput(req.PerPurchaseLimit, c.Asset, "per_purchase_limit"); err != nil {
		return err
	}
	if in.Daily, err = s.limitInput(req.DailyLimit, c.Asset, "daily_limit"); err != nil {
		return err
	}
	c, err = s.cards.SetControls(r.Context(), me, c.ID, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonDebitCard(c))
}

type revealJSON struct {
	URL          string    `json:"url,omitempty"`
	EphemeralKey string    `json:"ephemeral_key,omitempty"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// apiRevealDebitCard asks the issuer for a one-time way to show the
// caller their card's number: never the number itself.
func (s *Server) apiRevealDebitCard(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiCardHolder(r)
	if err != nil {
		return err
	}
	rv, err := s.cards.Reveal(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, revealJSON{URL: rv.URL, EphemeralKey: rv.EphemeralKey, ExpiresAt: rv.Expires})
}

type cardActivityJSON struct {
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	Merchant     string    `json:"merchant"`
	Category     string    `json:"category"`
	CategoryName string    `json:"category_name"`
	Amount       amountOut `json:"amount"`
	Status       string    `json:"status"`
	Reason       string    `json:"reason,omitempty"`
	Cashback     int64     `json:"cashback"`
	CreatedAt    time.Time `json:"created_at"`
}

// apiDebitCardTransactions lists the caller's card's purchases (pending
// until captured) and refunds, newest first, up to ?limit= (100).
func (s *Server) apiDebitCardTransactions(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiCardHolder(r)
	if err != nil {
		return err
	}
	page, err := apiPageQuery(r)
	if err != nil {
		return err
	}
	c, err := s.cards.Get(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	act, err := s.cards.Activity(r.Context(), me, c.ID, page.Limit)
	if err != nil {
		return err
	}
	a, err := money.Lookup(c.Asset)
	if err != nil {
		return err
	}
	out := apiList[cardActivityJSON]{Data: make([]cardActivityJSON, 0, len(act))}
	for _, l := range act {
		out.Data = append(out.Data, cardActivityJSON{ID: l.ID, Type: l.Type, Merchant: l.Merchant, Category: l.Category, CategoryName: cards.CategoryName(l.Category),
			Amount: jsonAmount(money.Amount{Asset: a, Minor: l.Amount}), Status: l.Status, Reason: l.Reason, Cashback: l.Cashback, CreatedAt: l.At})
	}
	return writeJSON(w, http.StatusOK, out)
}

// simulated is the context of a simulated network request: the movements
// it makes (the hold, the capture) are keyed by the network's ids, not by
// the request's Idempotency-Key, so the key's record holds the response
// itself (a replay answers it) rather than a pointer to a movement the
// rerun handler could not find again. Sandbox mode only.
func simulated(r *http.Request) context.Context {
	return movement.WithRecord(r.Context(), nil)
}

type simulateRequest struct {
	Merchant string      `json:"merchant"`
	Category string      `json:"category"`
	Amount   amountInput `json:"amount"`
	Channel  string      `json:"channel"`
	Partial  bool        `json:"partial"`
}

type cardAuthorizationJSON struct {
	ID        string `json:"id"`
	Approved  bool   `json:"approved"`
	Amount    int64  `json:"amount"`
	Requested int64  `json:"requested"`
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	Merchant  string `json:"merchant"`
	Category  string `json:"category"`
}

func jsonCardAuthorization(a rails.Authorization) cardAuthorizationJSON {
	return cardAuthorizationJSON{ID: a.ID, Approved: a.Approved, Amount: a.Amount, Requested: a.Requested, Status: a.Status, Reason: a.Reason,
		Merchant: a.Merchant.Name, Category: a.Merchant.Category}
}

// apiSimulateCardPurchase plays a merchant asking to authorize a purchase
// on the caller's card (sandbox mode only).
func (s *Server) apiSimulateCardPurchase(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiCardHolder(r)
	if err != nil {
		return err
	}
	var req simulateRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	c, err := s.cards.Get(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	amt, err := s.resolveAmount(req.Amount, c.Asset)
	if err != nil {
		return err
	}
	a, err := s.cards.Simulate(simulated(r), me, c.ID, cards.Purchase{Merchant: req.Merchant, Category: req.Category, Amount: amt.Minor, Channel: req.Channel, Partial: req.Partial})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, jsonCardAuthorization(a))
}

type simulateCaptureRequest struct {
	Amount *amountInput `json:"amount"`
}

type cardCaptureJSON struct {
	ID              string `json:"id"`
	AuthorizationID string `json:"authorization_id"`
	Amount          int64  `json:"amount"`
}

// apiSimulateCardCapture plays the merchant capturing one of the caller's
// pending purchases, for "amount" (default: as authorized), in sandbox
// mode only.
func (s *Server) apiSimulateCardCapture(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiCardHolder(r)
	if err != nil {
		return err
	}
	var req simulateCaptureRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	var amount int64
	if req.Amount != nil {
		amt, err := s.resolveAmount(*req.Amount, "USD")
		if err != nil {
			return err
		}
		amount = amt.Minor
	}
	t, err := s.cards.SimulateCapture(simulated(r), me, r.PathValue("id"), amount)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, cardCaptureJSON{ID: t.ID, AuthorizationID: t.AuthorizationID, Amount: t.Amount})
}
