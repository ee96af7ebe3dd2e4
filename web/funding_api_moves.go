package web

import (
	"cmp"
	"net/http"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
)

// Deposits, withdrawals, card top-ups and the movements they make; and
// the operator's ACH files and reconciliation.

// fundingAmount reads a request's amount in the funding asset.
func (s *Server) fundingAmount(a amountInput, asset string) (money.Amount, error) {
	return s.resolveAmount(a, cmp.Or(asset, s.funding.Asset().Code))
}

type depositRequest struct {
	BankAccountID string      `json:"bank_account_id"`
	Amount        amountInput `json:"amount"`
	Asset         string      `json:"asset"`
}

// apiDeposit pulls money from a verified bank account by ACH debit.
func (s *Server) apiDeposit(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	var req depositRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	amt, err := s.fundingAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	m, err := s.funding.Deposit(r.Context(), me, funding.DepositInput{BankAccountID: req.BankAccountID, Amount: amt, IdempotencyKey: apiIdemKey(r)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, s.jsonMovement(m))
}

// apiMovementsOf lists the caller's movements of kind ("" for all),
// newest first.
func (s *Server) apiMovementsOf(kind funding.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		me, err := s.apiFunder(r)
		if err != nil {
			return err
		}
		if err := apiQuery(r, "limit"); err != nil {
			return err
		}
		limit, err := apiLimitQuery(r)
		if err != nil {
			return err
		}
		ms, err := s.funding.Movements(r.Context(), me, 0)
		if err != nil {
			return err
		}
		var out []funding.Movement
		for _, m := range ms {
			if (kind == "" || m.Kind == kind) && (limit == 0 || len(out) < limit) {
				out = append(out, m)
			}
		}
		return writeJSON(w, http.StatusOK, s.jsonMovements(out))
	}
}

// apiMovementOf returns one of the caller's movements of kind ("" for
// any); one of another kind is NotFound.
func (s *Server) apiMovementOf(kind funding.Kind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		me, err := s.apiFunder(r)
		if err != nil {
			return err
		}
		m, err := s.funding.Movement(r.Context(), me, r.PathValue("id"))
		if err != nil {
			return err
		}
		if kind != "" && m.Kind != kind {
			return nestegg.ParamErrorf(nestegg.NotFound, "id", "no %s %q", kind, r.PathValue("id"))
		}
		return writeJSON(w, http.StatusOK, s.jsonMovement(m))
	}
}

type quoteJSON struct {
	Speed        string `json:"speed,omitempty"`
	Amount       int64  `json:"amount"`
	Asset        string `json:"asset"`
	Fee          int64  `json:"fee"`
	FeeDisplay   string `json:"fee_display"`
	Total        int64  `json:"total"`
	TotalDisplay string `json:"total_display"`
	Arrives      string `json:"arrives,omitempty"`
}

func quote(a money.Amount, fee int64) quoteJSON {
	f := money.Amount{Asset: a.Asset, Minor: fee}
	t := money.Amount{Asset: a.Asset, Minor: a.Minor + fee}
	return quoteJSON{Amount: a.Minor, Asset: a.Asset.Code, Fee: fee, FeeDisplay: money.Format(f), Total: t.Minor, TotalDisplay: money.Format(t)}
}

// apiWithdrawalQuote says what a withdrawal of ?amount= costs at each
// speed, so that the member sees the fee before choosing.
func (s *Server) apiWithdrawalQuote(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if _, err := s.apiFunder(r); err != nil {
		return err
	}
	if err := apiQuery(r, "amount"); err != nil {
		return err
	}
	a, err := s.apiMinorQuery(r)
	if err != nil {
		return err
	}
	out := map[string]quoteJSON{}
	for _, sp := range []funding.Speed{funding.Standard, funding.Instant} {
		fee, err := s.funding.WithdrawalFee(sp, a.Minor)
		if err != nil {
			return err
		}
		q := quote(a, fee)
		q.Speed, q.Arrives = string(sp), s.withdrawalArrives(sp)
		out[string(sp)] = q
	}
	return writeJSON(w, http.StatusOK, out)
}

// withdrawalArrives says when a withdrawal asked for now arrives: funding
// knows the rail's clock (business days, or seconds on a sandbox clock).
func (s *Server) withdrawalArrives(sp funding.Speed) string {
	return s.funding.ExpectedArrival(funding.KindWithdrawal, sp, funding.StatusPending).String()
}

type withdrawRequest struct {
	BankAccountID string      `json:"bank_account_id"`
	Amount        amountInput `json:"amount"`
	Asset         string      `json:"asset"`
	Speed         string      `json:"speed"`
	Fee           *int64      `json:"fee"`
}

// apiWithdraw sends money to a verified bank account. An instant
// withdrawal must repeat the quoted fee: a different fee now is 409, so
// nobody pays a fee they did not see.
func (s *Server) apiWithdraw(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	var req withdrawRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	amt, err := s.fundingAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	in := funding.WithdrawInput{BankAccountID: req.BankAccountID, Amount: amt, Speed: funding.Speed(req.Speed), IdempotencyKey: apiIdemKey(r)}
	if req.Fee != nil {
		f := s.funding.Money(*req.Fee)
		in.Fee = &f
	} else if in.Speed == funding.Instant {
		return nestegg.ParamErrorf(nestegg.Invalid, "fee", "an instant withdrawal repeats the fee it was quoted (GET /api/v1/withdrawals/quote)")
	}
	m, err := s.funding.Withdraw(r.Context(), me, in)
	if err != nil {
		if nestegg.Is(err, nestegg.InsufficientFunds) && s.payments != nil {
			return s.apiMoneyError(r.Context(), me, amt.Asset.Code, err)
		}
		return err
	}
	return writeJSON(w, http.StatusCreated, s.jsonMovement(m))
}

// apiTopUpQuote says what a top-up of ?amount= charges the card.
func (s *Server) apiTopUpQuote(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if _, err := s.apiFunder(r); err != nil {
		return err
	}
	if err := apiQuery(r, "amount"); err != nil {
		return err
	}
	a, err := s.apiMinorQuery(r)
	if err != nil {
		return err
	}
	fee, err := s.funding.TopUpFee(a.Minor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, quote(a, fee))
}

type topUpRequest struct {
	CardID string      `json:"card_id"`
	Amount amountInput `json:"amount"`
	Asset  string      `json:"asset"`
	Fee    *int64      `json:"fee"`
}

// apiTopUp charges a card into the wallet: 201 when the charge succeeded,
// 202 when the card's bank wants 3-D Secure (confirm it), and a 402
// card_error with the processor's decline_code and message when declined.
func (s *Server) apiTopUp(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	var req topUpRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	amt, err := s.fundingAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	in := funding.TopUpInput{CardID: req.CardID, Amount: amt, IdempotencyKey: apiIdemKey(r)}
	if req.Fee != nil {
		f := s.funding.Money(*req.Fee)
		in.Fee = &f
	}
	m, err := s.funding.TopUp(r.Context(), me, in)
	if err != nil {
		return err
	}
	return s.writeTopUp(w, m)
}

// writeTopUp answers a top-up by its status.
func (s *Server) writeTopUp(w http.ResponseWriter, m funding.Movement) error {
	switch m.Status {
	case funding.StatusDeclined:
		return topUpDeclined(m)
	case funding.StatusFailed:
		return nestegg.ParamErrorf(nestegg.Conflict, "card_id", "the top-up %s failed: %s", m.ID, cmp.Or(m.Reason, "the card could not be charged"))
	case funding.StatusRequiresAction:
		return writeJSON(w, http.StatusAccepted, s.jsonMovement(m))
	}
	return writeJSON(w, http.StatusCreated, s.jsonMovement(m))
}

func topUpDeclined(m funding.Movement) error {
	return &declineError{declineCode: m.ReturnCode, err: &nestegg.Error{Code: codeCardDeclined, Param: "card_id",
		Message: "Your card was declined: " + cmp.Or(m.Reason, "no reason given") + " Nothing was charged (top-up " + m.ID + ")."}}
}

// apiConfirmTopUp completes a top-up once the member passed 3-D Secure.
func (s *Server) apiConfirmTopUp(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiFunder(r)
	if err != nil {
		return err
	}
	m, err := s.funding.ConfirmTopUp(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	if m.Status == funding.StatusDeclined {
		return topUpDeclined(m)
	}
	return writeJSON(w, http.StatusOK, s.jsonMovement(m))
}

// The operator's side.

// apiReconciliation runs the reconciliation and returns its report.
func (s *Server) apiReconciliation(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if s.funding == nil {
		return nestegg.Errorf(nestegg.Unavailable, "money in and out is not enabled on this server")
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	rep, err := s.funding.Reconcile(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		OK bool `json:"ok"`
		funding.Report
	}{rep.OK(), rep})
}

// apiExportACH writes and transmits the ACH file of every entry waiting:
// 201 with the file's summary, or 200 with "file": null when nothing
// waits. The NACHA text itself (which must carry account numbers) is not
// in the response: `nestegg ach export` writes it where operators want.
func (s *Server) apiExportACH(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if s.funding == nil {
		return nestegg.Errorf(nestegg.Unavailable, "money in and out is not enabled on this server")
	}
	f, err := s.funding.ExportACH(r.Context())
	if err != nil {
		return err
	}
	if f.ID == "" {
		return writeJSON(w, http.StatusOK, map[string]any{"file": nil})
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"file": f})
}

type achReturnsRequest struct {
	File string `json:"file"`
}

// apiImportACHReturns applies a NACHA return file sent as JSON text.
func (s *Server) apiImportACHReturns(w http.ResponseWriter, r *http.Request, body []byte) error {
	if s.funding == nil {
		return nestegg.Errorf(nestegg.Unavailable, "money in and out is not enabled on this server")
	}
	var req achReturnsRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if req.File == "" {
		return nestegg.ParamErrorf(nestegg.Invalid, "file", "file is the NACHA return file's text")
	}
	res, err := s.funding.ImportReturns(r.Context(), []byte(req.File))
	if err != nil {
		return &nestegg.Error{Param: "file", Err: err}
	}
	return writeJSON(w, http.StatusOK, res)
}
