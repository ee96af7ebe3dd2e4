package web

import (
	"net/http"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/money"
)

// In-store QR payments (issue 19): a business's codes and takings, and a
// member paying a code. commerce decides whose code, payment and takings
// each caller may see.

type qrCodeRequest struct {
	Amount      amountInput `json:"amount"`
	Asset       string      `json:"asset"`
	Description string      `json:"description"`
	TTLSeconds  int64       `json:"ttl_seconds"`
}

type qrPayRequest struct {
	Token  string      `json:"token"`
	Amount amountInput `json:"amount"`
	Tip    tipInput    `json:"tip"`
	Asset  string      `json:"asset"`
}

type qrPaymentJSON struct {
	ID          string    `json:"id"`
	CodeID      string    `json:"code_id"`
	Merchant    string    `json:"merchant"`
	Payer       string    `json:"payer"`
	Amount      int64     `json:"amount"`
	Tip         int64     `json:"tip"`
	Fee         int64     `json:"fee"`
	Total       int64     `json:"total"`
	Asset       string    `json:"asset"`
	Display     string    `json:"display"`
	Status      string    `json:"status"`
	Settled     bool      `json:"settled"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

type qrCodeJSON struct {
	ID          string         `json:"id"`
	Kind        string         `json:"kind"`
	Merchant    string         `json:"merchant"`
	Amount      int64          `json:"amount"`
	Asset       string         `json:"asset"`
	Display     string         `json:"display"`
	Description string         `json:"description"`
	ExpiresAt   *time.Time     `json:"expires_at"`
	Status      string         `json:"status"`
	Token       string         `json:"token"`
	URL         string         `json:"url"`
	Payment     *qrPaymentJSON `json:"payment"`
	PayerFee    int64          `json:"payer_fee"`
	CreatedAt   time.Time      `json:"created_at"`
}

func jsonQRPayment(p commerce.QRPayment) qrPaymentJSON {
	return qrPaymentJSON{ID: p.ID, CodeID: p.CodeID, Merchant: p.MerchantHandle, Payer: p.PayerHandle, Amount: p.Amount.Minor, Tip: p.Tip,
		Fee: p.Fee, Total: p.Total().Minor, Asset: p.Amount.Asset.Code, Display: money.Format(p.Total()), Status: string(p.Status),
		Settled: p.Settled, Description: p.Description, CreatedAt: p.CreatedAt}
}

func jsonQRCode(r *http.Request, c commerce.QRCode) qrCodeJSON {
	j := qrCodeJSON{ID: c.ID, Kind: string(c.Kind), Merchant: c.MerchantHandle, Amount: c.Amount.Minor, Asset: c.Amount.Asset.Code,
		Display: money.Format(c.Amount), Description: c.Description, Status: string(c.Status), Token: c.Token, URL: qrURL(r, c.Token), CreatedAt: c.CreatedAt}
	if !c.ExpiresAt.IsZero() {
		t := c.ExpiresAt
		j.ExpiresAt = &t
	}
	if c.Payment != nil {
		p := jsonQRPayment(*c.Payment)
		j.Payment = &p
	}
	return j
}

// qrURL is the code's URL on this server, as its QR image encodes it.
func qrURL(r *http.Request, token string) string {
	scheme := "http"
	if secureRequest(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/q/" + token
}

func (s *Server) apiNeedCommerce() error {
	if s.commerce == nil {
		return nestegg.Errorf(nestegg.Unavailable, "the shop is not enabled on this server")
	}
	return nil
}

// apiStaticQR returns the caller's counter code (a business's).
func (s *Server) apiStaticQR(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if err := s.apiNeedCommerce(); err != nil {
		return err
	}
	c, err := s.commerce.StaticQR(r.Context(), me, r.URL.Query().Get("asset"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonQRCode(r, c))
}

// apiCreateQR makes a dynamic code for one sale (a point-of-sale app's call).
func (s *Server) apiCreateQR(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if err := s.apiNeedCommerce(); err != nil {
		return err
	}
	var req qrCodeRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	amt, err := s.resolveAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	if req.TTLSeconds < 0 || req.TTLSeconds > int64(commerce.MaxQRTTL/time.Second) {
		return nestegg.ParamErrorf(nestegg.Invalid, "ttl_seconds", "a code lives from 60 seconds to a day")
	}
	key := apiIdemKey(r)
	if key == "" {
		key = nestegg.NewID("key")
	}
	c, err := s.commerce.CreateQR(r.Context(), commerce.QRInput{MerchantID: me, Amount: amt, Description: req.Description,
		TTL: time.Duration(req.TTLSeconds) * time.Second, IdempotencyKey: key})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, jsonQRCode(r, c))
}

// apiQRCode is one of the caller's codes, with its payment once paid.
func (s *Server) apiQRCode(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if err := s.apiNeedCommerce(); err != nil {
		return err
	}
	c, err := s.commerce.QR(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonQRCode(r, c))
}

// apiResolveQR checks a scanned token and shows what paying it means.
func (s *Server) apiResolveQR(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if _, err := s.apiPayer(r); err != nil {
		return err
	}
	if err := s.apiNeedCommerce(); err != nil {
		return err
	}
	c, err := s.commerce.ResolveQR(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	j := jsonQRCode(r, c)
	j.Payment = nil // the sale's payer is the business's to know
	return writeJSON(w, http.StatusOK, j)
}

// apiPayQR pays a code from the caller's wallet.
func (s *Server) apiPayQR(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if err := s.apiNeedCommerce(); err != nil {
		return err
	}
	var req qrPayRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	in := commerce.QRPayInput{PayerID: me, Token: req.Token, IdempotencyKey: apiIdemKey(r)}
	if req.Amount.set {
		if in.Amount, err = s.resolveAmount(req.Amount, req.Asset); err != nil {
			return err
		}
	}
	if req.Tip.set {
		tip, err := s.resolveAmount(req.Tip.amountInput, req.Asset)
		if err != nil {
			return &nestegg.Error{Code: nestegg.Invalid, Param: "tip", Err: err}
		}
		in.Tip = tip
	}
	p, err := s.commerce.PayQR(r.Context(), in)
	if err != nil {
		return s.apiMoneyError(r.Context(), me, "USD", err)
	}
	return writeJSON(w, http.StatusCreated, jsonQRPayment(p))
}

type takingsJSON struct {
	Day      string          `json:"day"`
	Asset    string          `json:"asset"`
	Count    int             `json:"count"`
	Sales    int64           `json:"sales"`
	Tips     int64           `json:"tips"`
	Fees     int64           `json:"fees"`
	Refunded int64           `json:"refunded"`
	Net      int64           `json:"net"`
	Payments []qrPaymentJSON `json:"payments"`
}

// apiTakings is the caller's counter takings for a UTC day (?day=2026-12-03).
func (s *Server) apiTakings(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if err := s.apiNeedCommerce(); err != nil {
		return err
	}
	day := time.Now().UTC()
	if d := r.URL.Query().Get("day"); d != "" {
		if day, err = time.Parse("2006-01-02", d); err != nil {
			return nestegg.ParamErrorf(nestegg.Invalid, "day", "day is a date such as 2026-12-03")
		}
	}
	t, err := s.commerce.DayTakings(r.Context(), me, day)
	if err != nil {
		return err
	}
	j := takingsJSON{Day: t.Day.Format("2006-01-02"), Asset: t.Asset, Count: t.Count, Sales: t.Sales, Tips: t.Tips, Fees: t.Fees,
		Refunded: t.Refunded, Net: t.Net, Payments: []qrPaymentJSON{}}
	for _, p := range t.Payments {
		j.Payments = append(j.Payments, jsonQRPayment(p))
	}
	return writeJSON(w, http.StatusOK, j)
}

// apiRefundQR refunds one of the caller's counter payments in full.
func (s *Server) apiRefundQR(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if err := s.apiNeedCommerce(); err != nil {
		return err
	}
	p, err := s.commerce.RefundQR(r.Context(), me, r.PathValue("id"), apiIdemKey(r))
	if err != nil {
		return s.apiMoneyError(r.Context(), me, "USD", err)
	}
	return writeJSON(w, http.StatusOK, jsonQRPayment(p))
}

// tipInput is an amount whose errors name the "tip" field.
type tipInput struct{ amountInput }

func (a *tipInput) UnmarshalJSON(b []byte) error {
	return renamed(a.amountInput.UnmarshalJSON(b), "tip")
}
