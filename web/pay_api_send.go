package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
)

// The caller's wallet and history, and sends, refunds, requests and
// splits.

type walletJSON struct {
	Asset     string `json:"asset"`
	Available int64  `json:"available"`
	Incoming  int64  `json:"incoming"`
	Outgoing  int64  `json:"outgoing"`
	Display   string `json:"display"`
}

type limitsJSON struct {
	Tier        string `json:"tier"`
	Frozen      bool   `json:"frozen"`
	Asset       string `json:"asset"`
	PerTransfer int64  `json:"per_transfer"`
	PerDay      int64  `json:"per_day"`
	PerMonth    int64  `json:"per_month"`
	UsedDay     int64  `json:"used_day"`
	UsedMonth   int64  `json:"used_month"`
}

type walletsJSON struct {
	Balances []walletJSON `json:"balances"`
	Limits   limitsJSON   `json:"limits"`
}

// apiWallet returns the caller's balances in each asset and what is left
// of their limits. Only ever the caller's: the route names nobody.
func (s *Server) apiWallet(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	ws, err := s.payments.Balances(r.Context(), me)
	if err != nil {
		return err
	}
	out := walletsJSON{Balances: make([]walletJSON, 0, len(ws))}
	for _, wl := range ws {
		out.Balances = append(out.Balances, walletJSON{Asset: wl.Asset.Code, Available: wl.Available, Incoming: wl.Incoming,
			Outgoing: wl.Outgoing, Display: money.Format(money.Amount{Asset: wl.Asset, Minor: wl.Available})})
	}
	if s.comp != nil {
		al, err := s.comp.Allowance(r.Context(), me)
		if err != nil {
			return err
		}
		st, err := s.comp.Status(r.Context(), me)
		if err != nil {
			return err
		}
		out.Limits = limitsJSON{Tier: string(al.Tier), Frozen: st.Frozen, Asset: al.Asset, PerTransfer: al.Limits.PerTransfer,
			PerDay: al.Limits.PerDay, PerMonth: al.Limits.PerMonth, UsedDay: al.UsedDay, UsedMonth: al.UsedMonth}
	}
	return writeJSON(w, http.StatusOK, out)
}

type entryHistJSON struct {
	ID                 string     `json:"id"`
	Kind               string     `json:"kind"`
	Direction          string     `json:"direction"`
	CounterpartyID     string     `json:"counterparty_id"`
	CounterpartyHandle string     `json:"counterparty_handle"`
	Amount             int64      `json:"amount"`
	Asset              string     `json:"asset"`
	Display            string     `json:"display"`
	Fee                int64      `json:"fee"`
	Counter            *amountOut `json:"counter,omitempty"`
	Note               string     `json:"note"`
	Status             string     `json:"status"`
	Refunded           int64      `json:"refunded"`
	PaymentID          string     `json:"payment_id"`
	PostID             string     `json:"post_id"`
	RequestID          string     `json:"request_id"`
	At                 time.Time  `json:"at"`
}

// apiHistoryFilter reads the history filters: kind, direction, asset, since,
// until.
func apiHistoryFilter(r *http.Request) (payments.HistoryFilter, error) {
	f := payments.HistoryFilter{Kinds: apiKinds(r), Direction: payments.Direction(r.URL.Query().Get("direction")),
		Asset: r.URL.Query().Get("asset")}
	var err error
	if f.Since, err = apiTimeQuery(r, "since"); err != nil {
		return f, err
	}
	f.Until, err = apiTimeQuery(r, "until")
	return f, err
}

var historyParams = []string{"kind", "direction", "asset", "since", "until"}

func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	page, err := apiPayPage(r, historyParams...)
	if err != nil {
		return err
	}
	f, err := apiHistoryFilter(r)
	if err != nil {
		return err
	}
	h, err := s.payments.History(r.Context(), me, f, page)
	if err != nil {
		return err
	}
	out := apiList[entryHistJSON]{Data: make([]entryHistJSON, 0, len(h.Entries)), NextCursor: h.Next, HasMore: h.Next != ""}
	for _, e := range h.Entries {
		j := entryHistJSON{ID: e.ID, Kind: string(e.Kind), Direction: string(e.Direction), CounterpartyID: e.CounterpartyID,
			CounterpartyHandle: e.CounterpartyHandle, Amount: e.Amount.Minor, Asset: e.Amount.Asset.Code, Display: money.Format(e.Amount),
			Fee: e.Fee, Note: e.Note, Status: string(e.Status), Refunded: e.Refunded, PaymentID: e.PaymentID, PostID: e.PostID,
			RequestID: e.RequestID, At: e.At}
		if e.Counter.Asset.Code != "" && e.Counter.Minor != 0 {
			c := jsonAmount(e.Counter)
			j.Counter = &c
		}
		out.Data = append(out.Data, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiHistoryCSV streams the caller's history, as filtered, as a CSV file.
// Errors in the filters are found before anything is written.
func (s *Server) apiHistoryCSV(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r, historyParams...); err != nil {
		return err
	}
	f, err := apiHistoryFilter(r)
	if err != nil {
		return err
	}
	if _, err := s.payments.History(r.Context(), me, f, payments.Page{Limit: 1}); err != nil {
		return err
	}
	var buf strings.Builder
	if err := s.payments.ExportCSV(r.Context(), me, &buf, f); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="nestegg-history.csv"`)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write([]byte(buf.String()))
	return err
}

type sendRequest struct {
	To       string      `json:"to"`
	Amount   amountInput `json:"amount"`
	Asset    string      `json:"asset"`
	Note     string      `json:"note"`
	Audience string      `json:"audience"`
}

func (s *Server) apiSend(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	var req sendRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if req.To == "" {
		return nestegg.ParamErrorf(nestegg.Invalid, "to", "to is the handle of the member to pay")
	}
	amt, err := s.resolveAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	aud, err := apiAudience(req.Audience)
	if err != nil {
		return err
	}
	p, err := s.payments.Send(r.Context(), payments.SendInput{FromUserID: me, ToHandle: req.To, Amount: amt,
		Note: req.Note, Audience: aud, IdempotencyKey: apiIdemKey(r)})
	if err != nil {
		return s.apiMoneyError(r.Context(), me, amt.Asset.Code, err)
	}
	return writePayment(w, p)
}

// apiGetPayment returns a payment, with its refunds, to its payer or
// payee; to anyone else it does not exist.
func (s *Server) apiGetPayment(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	p, err := s.payments.Payment(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	rs, err := s.payments.Refunds(r.Context(), me, p.ID)
	if err != nil {
		return err
	}
	out := jsonPayment(p)
	out.Refunds = make([]refundJSON, 0, len(rs))
	for _, rf := range rs {
		out.Refunds = append(out.Refunds, jsonRefund(rf))
	}
	return writeJSON(w, http.StatusOK, out)
}

type refundRequest struct {
	Amount amountInput `json:"amount"`
	Reason string      `json:"reason"`
}

// apiRefund returns part (amount) or all (no amount) of what is left of a
// payment the caller received.
func (s *Server) apiRefund(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	var req refundRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	p, err := s.payments.Payment(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	var minor int64
	if req.Amount.set {
		amt, err := s.resolveAmount(req.Amount, p.Amount.Asset.Code)
		if err != nil {
			return err
		}
		minor = amt.Minor
	}
	rf, err := s.payments.Refund(r.Context(), payments.RefundInput{UserID: me, PaymentID: p.ID, Amount: minor,
		Reason: req.Reason, IdempotencyKey: apiIdemKey(r)})
	if err != nil {
		return s.apiMoneyError(r.Context(), me, p.Amount.Asset.Code, err)
	}
	return writeJSON(w, http.StatusCreated, jsonRefund(rf))
}

// apiCancelHold cancels the caller's own held payment.
func (s *Server) apiCancelHold(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	p, err := s.payments.CancelHold(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonPayment(p))
}

type moneyRequestRequest struct {
	From   string      `json:"from"`
	Amount amountInput `json:"amount"`
	Asset  string      `json:"asset"`
	Note   string      `json:"note"`
}

func (s *Server) apiCreateRequest(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	var req moneyRequestRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if req.From == "" {
		return nestegg.ParamErrorf(nestegg.Invalid, "from", "from is the handle of the member asked to pay")
	}
	amt, err := s.resolveAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	rq, err := s.payments.Request(r.Context(), payments.RequestInput{RequesterID: me, FromHandle: req.From, Amount: amt,
		Note: req.Note, IdempotencyKey: apiIdemKey(r)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, jsonRequest(rq))
}

// apiListRequests lists requests to the caller (?direction=incoming, the
// default) or by them (outgoing), optionally by ?status=.
func (s *Server) apiListRequests(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	page, err := apiPayPage(r, "direction", "status")
	if err != nil {
		return err
	}
	f := payments.RequestFilter{Status: payments.RequestStatus(r.URL.Query().Get("status"))}
	switch r.URL.Query().Get("direction") {
	case "", "incoming":
		f.Incoming = true
	case "outgoing":
	default:
		return nestegg.ParamErrorf(nestegg.Invalid, "direction", "direction is incoming or outgoing")
	}
	rp, err := s.payments.Requests(r.Context(), me, f, page)
	if err != nil {
		return err
	}
	out := apiList[requestJSON]{Data: make([]requestJSON, 0, len(rp.Requests)), NextCursor: rp.Next, HasMore: rp.Next != ""}
	for _, rq := range rp.Requests {
		out.Data = append(out.Data, jsonRequest(rq))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiGetRequest(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	rq, err := s.payments.RequestByID(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonRequest(rq))
}

// apiPayRequest pays a request made of the caller.
func (s *Server) apiPayRequest(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	rq, err := s.payments.RequestByID(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	p, err := s.payments.PayRequest(r.Context(), me, rq.ID, apiIdemKey(r))
	if err != nil {
		return s.apiMoneyError(r.Context(), me, rq.Amount.Asset.Code, err)
	}
	return writePayment(w, p)
}

// apiCloseRequest declines (the payer) or cancels (the requester) a
// request.
func (s *Server) apiCloseRequest(cancel bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		me, err := s.apiPayer(r)
		if err != nil {
			return err
		}
		act := s.payments.DeclineRequest
		if cancel {
			act = s.payments.CancelRequest
		}
		rq, err := act(r.Context(), me, r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, jsonRequest(rq))
	}
}

type splitRequest struct {
	Amount      amountInput `json:"amount"`
	Asset       string      `json:"asset"`
	With        []string    `json:"with"`
	IncludeSelf *bool       `json:"include_self"`
	Note        string      `json:"note"`
}

// apiCreateSplit splits a bill: by default the caller takes a share too.
func (s *Server) apiCreateSplit(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	var req splitRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	amt, err := s.resolveAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	self := req.IncludeSelf == nil || *req.IncludeSelf
	sp, err := s.payments.Split(r.Context(), payments.SplitInput{InitiatorID: me, Total: amt, With: req.With,
		IncludeSelf: self, Note: req.Note, IdempotencyKey: apiIdemKey(r)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, jsonSplit(sp))
}

func (s *Server) apiGetSplit(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	sp, err := s.payments.SplitByID(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonSplit(sp))
}
