package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/funding"
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
	Token         string      `json:"token"`
	Amount        amountInput `json:"amount"`
	Tip           tipInput    `json:"tip"`
	Asset         string      `json:"asset"`
	PaymentMethod string      `json:"payment_method"`
	CardFee       *int64      `json:"card_fee"`
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

// apiPayQR pays a code from the caller's wallet, or with payment_method
// "card:<id>" from one of their saved cards (commerce.PayQRWithCard: the
// card is charged the sale, the tip and the card fee, which card_fee may
// repeat as quoted by GET /api/v1/topups/quote). A card payment answers
// 201 with the card charge beside the payment, 402 card_error when the
// card is declined, and 202 when the card's bank wants 3-D Secure.
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
	cardID, err := paymentCard(req.PaymentMethod)
	if err != nil {
		return err
	}
	if cardID == "" {
		if req.CardFee != nil {
			return nestegg.ParamErrorf(nestegg.Invalid, "card_fee", "card_fee goes with a card payment_method")
		}
		p, err := s.commerce.PayQR(r.Context(), in)
		if err != nil {
			return s.apiMoneyError(r.Context(), me, "USD", err)
		}
		return writeJSON(w, http.StatusCreated, jsonQRPayment(p))
	}
	cin := commerce.QRCardPayInput{QRPayInput: in, CardID: cardID}
	if req.CardFee != nil {
		if *req.CardFee < 0 {
			return nestegg.ParamErrorf(nestegg.Invalid, "card_fee", "the card fee is zero or more")
		}
		c, err := s.commerce.ResolveQR(r.Context(), req.Token)
		if err != nil {
			return err
		}
		cin.CardFee = &money.Amount{Asset: c.Amount.Asset, Minor: *req.CardFee}
	}
	b, err := s.commerce.PayQRWithCard(r.Context(), cin)
	if err != nil {
		return err
	}
	switch {
	case b.Paid():
		return writeJSON(w, http.StatusCreated, struct {
			qrPaymentJSON
			CardCharge movementJSON `json:"card_charge"`
		}{jsonQRPayment(b.Payment), s.jsonMovement(b.TopUp)})
	case b.TopUp.Status == funding.StatusDeclined:
		return cardBuyDeclined(b.TopUp)
	}
	return writeJSON(w, http.StatusAccepted, struct {
		Status     string       `json:"status"`
		Message    string       `json:"message"`
		ConfirmURL string       `json:"confirm_url"`
		CardCharge movementJSON `json:"card_charge"`
	}{"requires_action", cardConfirmQRMessage, "/api/v1/topups/" + url.PathEscape(b.TopUp.ID) + "/confirm", s.jsonMovement(b.TopUp)})
}

// cardConfirmQRMessage is what a card payment waiting for 3-D Secure
// tells the payer, on the API and the payer's page.
const cardConfirmQRMessage = "Your card's bank wants you to confirm this payment (3-D Secure). Nothing is paid yet: confirm the charge and the money lands in your wallet, then pay the code from your wallet."

type takingsJSON struct {
	Day         string             `json:"day"`
	Asset       string             `json:"asset"`
	Count       int                `json:"count"`
	Sales       int64              `json:"sales"`
	Tips        int64              `json:"tips"`
	Fees        int64              `json:"fees"`
	Refunded    int64              `json:"refunded"`
	Net         int64              `json:"net"`
	Payments    []qrPaymentJSON    `json:"payments"`
	Settlements []qrSettlementJSON `json:"settlements"`
}

type qrSettlementJSON struct {
	ID            string    `json:"id"`
	Payments      int       `json:"payments"`
	Gross         int64     `json:"gross"`
	Fee           int64     `json:"fee"`
	Net           int64     `json:"net"`
	Asset         string    `json:"asset"`
	BankAccountID string    `json:"bank_account_id"`
	Payout        string    `json:"payout"`
	WithdrawalID  string    `json:"withdrawal_id"`
	PayoutReason  string    `json:"payout_reason"`
	CreatedAt     time.Time `json:"created_at"`
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
	day := s.commerce.Config().Clock().UTC()
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
		Refunded: t.Refunded, Net: t.Net, Payments: []qrPaymentJSON{}, Settlements: []qrSettlementJSON{}}
	for _, p := range t.Payments {
		j.Payments = append(j.Payments, jsonQRPayment(p))
	}
	for _, st := range t.Settlements {
		j.Settlements = append(j.Settlements, qrSettlementJSON{ID: st.ID, Payments: st.Payments, Gross: st.Gross, Fee: st.Fee, Net: st.Net,
			Asset: st.Asset, BankAccountID: st.BankAccountID, Payout: st.Payout, WithdrawalID: st.PayoutID, PayoutReason: st.PayoutReason,
			CreatedAt: st.CreatedAt})
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

// apiQRPayout reads (GET) or sets (PUT) where the caller's counter takings
// go at settlement: {"bank_account_id": ""} for the wallet, or one of
// their verified bank accounts.
func (s *Server) apiQRPayout(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if err := s.apiNeedCommerce(); err != nil {
		return err
	}
	if r.Method == http.MethodPut {
		var req struct {
			BankAccountID *string `json:"bank_account_id"`
		}
		if err := decodeJSON(body, &req); err != nil {
			return err
		}
		if req.BankAccountID == nil {
			return nestegg.ParamErrorf(nestegg.Invalid, "bank_account_id", `bank_account_id is one of your bank accounts, or "" for your wallet`)
		}
		if err := s.commerce.SetQRPayout(r.Context(), me, *req.BankAccountID); err != nil {
			return err
		}
	}
	bank, err := s.commerce.QRPayoutBank(r.Context(), me)
	if err != nil {
		return err
	}
	to := "wallet"
	if bank != "" {
		to = "bank"
	}
	return writeJSON(w, http.StatusOK, struct {
		To            string `json:"to"`
		BankAccountID string `json:"bank_account_id"`
		FeeBps        int64  `json:"fee_bps"`
		SettleAfter   int64  `json:"settle_after_seconds"`
	}{to, bank, s.commerce.Config().QRFeeBps, int64(s.commerce.Config().QRSettleAfter / time.Second)})
}
