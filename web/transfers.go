package web

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
)

// transferRequest is one transfer as clients send it: ledger.Transfer
// without the ledger-assigned timestamp.
type transferRequest struct {
	ID              string `json:"id"`
	DebitAccountID  string `json:"debit_account_id"`
	CreditAccountID string `json:"credit_account_id"`
	Amount          int64  `json:"amount"`
	Asset           string `json:"asset"`
	Code            string `json:"code"`
	Reference       string `json:"reference"`
	Linked          bool   `json:"linked"`
	Pending         bool   `json:"pending"`
	PostPending     bool   `json:"post_pending"`
	VoidPending     bool   `json:"void_pending"`
	PendingID       string `json:"pending_id"`
	TimeoutSeconds  int64  `json:"timeout_seconds"`
}

// transfer validates what only the web layer knows (asset codes) and leaves
// every other rule to the ledger, whose statuses say what is wrong. prefix
// qualifies params inside a batch ("transfers[3].").
func (t transferRequest) transfer(prefix string) (ledger.Transfer, error) {
	asset := t.Asset
	// A post or void may leave the asset to the pending transfer.
	if asset != "" || !(t.PostPending || t.VoidPending) {
		var err error
		if asset, err = lookupAsset(t.Asset, prefix+"asset"); err != nil {
			return ledger.Transfer{}, err
		}
	}
	return ledger.Transfer{
		ID:              t.ID,
		DebitAccountID:  t.DebitAccountID,
		CreditAccountID: t.CreditAccountID,
		Amount:          t.Amount,
		Asset:           asset,
		Code:            t.Code,
		Reference:       t.Reference,
		Linked:          t.Linked,
		Pending:         t.Pending,
		PostPending:     t.PostPending,
		VoidPending:     t.VoidPending,
		PendingID:       t.PendingID,
		TimeoutSeconds:  t.TimeoutSeconds,
	}, nil
}

// createTransfer submits one transfer: 201 when it commits now, 200 with the
// original on an exact replay, the error shape (code = ledger status) when
// it fails.
func (s *Server) createTransfer(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req transferRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	t, err := req.transfer("")
	if err != nil {
		return err
	}
	return s.submitOne(w, r, t)
}

func (s *Server) submitOne(w http.ResponseWriter, r *http.Request, t ledger.Transfer) error {
	return s.submit(w, r, []ledger.Transfer{t}, oneResponse)
}

// oneResponse renders the result of a single transfer: 201 when it
// committed now, 200 with the original on an exact replay, else the error
// shape with the ledger status as its code.
func oneResponse(res []ledger.Result) (int, []byte) {
	if len(res) != 1 {
		return http.StatusInternalServerError, nil
	}
	switch res[0].Status {
	case ledger.StatusOK:
		return marshalResponse(http.StatusCreated, res[0].Transfer)
	case ledger.StatusExists:
		return marshalResponse(http.StatusOK, res[0].Transfer)
	}
	status, body := errorResponse(resultError(res[0]))
	return marshalResponse(status, body)
}

func marshalResponse(status int, v any) (int, []byte) {
	b, err := json.Marshal(v)
	if err != nil {
		return http.StatusInternalServerError, nil
	}
	return status, b
}

// submit sends transfers to the ledger and writes respond's rendering of the
// results. When the request carries an Idempotency-Key, the response is
// rendered inside the ledger's commit and stored by that same commit (a
// ledger.Rider): the transfers and the stored response exist together or
// not at all, and no second commit is needed for the record.
func (s *Server) submit(w http.ResponseWriter, r *http.Request, ts []ledger.Transfer, respond func([]ledger.Result) (int, []byte)) error {
	cw, _ := w.(*captureWriter)
	if cw == nil || cw.rec == nil {
		res, err := s.kernel.Operator(r.Context(), ts, nil)
		if err != nil {
			return err
		}
		status, body := respond(res)
		return writeRendered(w, status, body)
	}
	rec := cw.rec
	created := s.clock().UTC().UnixNano()
	var status int
	var body []byte
	rider := &ledger.Rider{Table: "idempotency_keys", Columns: idempotencyColumns,
		Key: 2, KeyValues: []any{rec.key.principal, rec.key.key}, // (principal, idem_key)
		Row: func(res []ledger.Result) []any {
			// May run more than once if the commit is retried; the values of
			// the run that committed are the ones read after SubmitWith.
			status, body = respond(res)
			if status >= 500 {
				return nil
			}
			return []any{rec.key.principal, rec.key.key, rec.hash, status, string(body), created}
		}}
	if _, err := s.kernel.Operator(r.Context(), ts, rider); err != nil {
		return err
	}
	cw.stored = status < 500
	return writeRendered(w, status, body)
}

func writeRendered(w http.ResponseWriter, status int, body []byte) error {
	if status >= 500 {
		return nestegg.Errorf(nestegg.Internal, "could not render the ledger's results")
	}
	writeRaw(w, status, body)
	return nil
}

type batchRequest struct {
	Transfers []transferRequest `json:"transfers"`
}

type batchResponse struct {
	Results []ledger.Result `json:"results"`
}

// createTransferBatch submits up to ledger.MaxBatch transfers in one call
// and answers 200 with one result per transfer, in order, whatever each
// one's outcome.
func (s *Server) createTransferBatch(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req batchRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	switch n := len(req.Transfers); {
	case n == 0:
		return nestegg.ParamErrorf(nestegg.Invalid, "transfers", "transfers must hold at least one transfer")
	case n > ledger.MaxBatch:
		return nestegg.ParamErrorf(nestegg.TooLarge, "transfers", "a batch holds at most %d transfers, not %d", ledger.MaxBatch, n)
	}
	ts := make([]ledger.Transfer, len(req.Transfers))
	for i, tr := range req.Transfers {
		t, err := tr.transfer(fmt.Sprintf("transfers[%d].", i))
		if err != nil {
			return err
		}
		ts[i] = t
	}
	return s.submit(w, r, ts, func(res []ledger.Result) (int, []byte) {
		return marshalResponse(http.StatusOK, batchResponse{Results: res})
	})
}

func (s *Server) getTransfer(w http.ResponseWriter, r *http.Request, _ []byte) error {
	t, err := s.ledger.Transfer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

// settleRequest is the body of POST /api/v1/transfers/{id}/post and /void:
// the new transfer's id and, for a post, an optional partial amount.
type settleRequest struct {
	ID     string `json:"id"`
	Amount int64  `json:"amount"`
}

type voidRequest struct {
	ID string `json:"id"`
}

func (s *Server) postPending(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req settleRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	return s.settle(w, r, req.ID, req.Amount, false)
}

func (s *Server) voidPending(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req voidRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	return s.settle(w, r, req.ID, 0, true)
}

// settle posts or voids the pending transfer named in the path with a new
// transfer id. The new transfer copies the pending one's accounts, asset and
// code, so that clients name only what changes.
func (s *Server) settle(w http.ResponseWriter, r *http.Request, id string, amount int64, void bool) error {
	if err := required("id", id); err != nil {
		return err
	}
	pendingID := r.PathValue("id")
	p, err := s.ledger.Transfer(r.Context(), pendingID)
	if nestegg.Is(err, nestegg.NotFound) {
		return resultError(ledger.Result{ID: id, Status: ledger.StatusPendingTransferNotFound})
	}
	if err != nil {
		return err
	}
	return s.submitOne(w, r, ledger.Transfer{
		ID:              id,
		DebitAccountID:  p.DebitAccountID,
		CreditAccountID: p.CreditAccountID,
		Amount:          amount,
		Asset:           p.Asset,
		Code:            p.Code,
		PendingID:       pendingID,
		PostPending:     !void,
		VoidPending:     void,
	})
}
