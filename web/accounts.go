package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
)

// accountRequest is the body of POST /api/v1/accounts.
type accountRequest struct {
	ID                         string `json:"id"`
	Asset                      string `json:"asset"`
	Kind                       string `json:"kind"`
	Owner                      string `json:"owner"`
	DebitsMustNotExceedCredits bool   `json:"debits_must_not_exceed_credits"`
	CreditsMustNotExceedDebits bool   `json:"credits_must_not_exceed_debits"`
}

// lookupAsset validates an asset code and returns its canonical form
// ("usd" is "USD"), naming param when it is unknown.
func lookupAsset(code, param string) (string, error) {
	if code == "" {
		return "", nestegg.ParamErrorf(nestegg.Invalid, param, "%s is required", param)
	}
	a, err := money.Lookup(code)
	if err != nil {
		return "", &nestegg.Error{Code: nestegg.Invalid, Param: param, Message: nestegg.ErrorMessage(err)}
	}
	return a.Code, nil
}

func required(param, v string) error {
	if v == "" {
		return nestegg.ParamErrorf(nestegg.Invalid, param, "%s is required", param)
	}
	return nil
}

// createAccount creates a ledger account; creating one that exists with the
// same fields returns it (201 either way: the account is as asked).
func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req accountRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	asset, err := lookupAsset(req.Asset, "asset")
	if err != nil {
		return err
	}
	if err := required("kind", req.Kind); err != nil {
		return err
	}
	if err := required("owner", req.Owner); err != nil {
		return err
	}
	a, err := s.ledger.CreateAccount(r.Context(), ledger.Account{
		ID:                         req.ID,
		Asset:                      asset,
		Kind:                       req.Kind,
		Owner:                      req.Owner,
		DebitsMustNotExceedCredits: req.DebitsMustNotExceedCredits,
		CreditsMustNotExceedDebits: req.CreditsMustNotExceedDebits,
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, a)
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, _ []byte) error {
	a, err := s.ledger.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

// transferList is the list envelope for transfers.
type transferList struct {
	Data       []ledger.Transfer `json:"data"`
	NextCursor string            `json:"next_cursor"`
	HasMore    bool              `json:"has_more"`
}

// accountTransfers lists an account's transfers, newest first.
func (s *Server) accountTransfers(w http.ResponseWriter, r *http.Request, _ []byte) error {
	q := r.URL.Query()
	for name := range q {
		if name != "cursor" && name != "limit" {
			return nestegg.ParamErrorf(nestegg.Invalid, name, "unknown query parameter %q", name)
		}
	}
	limit := 0 // the ledger's default
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return nestegg.ParamErrorf(nestegg.Invalid, "limit", "limit must be an integer from 1 to 200")
		}
		limit = n
	}
	page, next, err := s.ledger.History(r.Context(), r.PathValue("id"), q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	if page == nil {
		page = []ledger.Transfer{} // [] in JSON, never null
	}
	return writeJSON(w, http.StatusOK, transferList{Data: page, NextCursor: next, HasMore: next != ""})
}

// platformAccount returns the platform's account of a kind for an asset,
// creating the asset's chart of accounts on first use.
func (s *Server) platformAccount(w http.ResponseWriter, r *http.Request, _ []byte) error {
	asset, err := lookupAsset(r.PathValue("asset"), "asset")
	if err != nil {
		return err
	}
	kind := r.PathValue("kind")
	if !slices.Contains(ledger.PlatformKinds, kind) {
		return nestegg.ParamErrorf(nestegg.Invalid, "kind", "kind must be one of %v", ledger.PlatformKinds)
	}
	a, err := s.ledger.PlatformAccount(r.Context(), asset, kind)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}
