package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
)

// In-store QR payments on the web: the business's counter (its static
// code, new sales with their own code, the day's takings and refunds),
// the sale's page that turns to "Paid" by itself (htmx polls its status),
// and the payer's page a scanned code opens.

type counterPage struct {
	Base
	Static    commerce.QRCode
	StaticURL string
	StaticSVG template.HTML
	Takings   commerce.Takings
	Sums      struct{ Sales, Tips, Fees, Refunded, Net string }
	Key       string
	FeeText   string // "2.5%"
	Error     string
	// Payouts: where settlements go — the wallet, or on to one of the
	// business's verified bank accounts (Banks).
	Banks       []funding.BankAccount
	BankRail    bool // bank accounts are on: the page may suggest linking one
	PayoutBank  string
	SettleAfter string // "a day", "2 hours"
	Settlements []settlementLine
}

// settlementLine is one of the day's settlements, in words.
type settlementLine struct {
	Net, Fee string
	Payments int
	Where    string // "in your wallet", "sent to your bank ••••6789", …
}

type salePage struct {
	Base
	C   commerce.QRCode
	URL string
	SVG template.HTML
}

type payCodePage struct {
	Base
	C      commerce.QRCode
	Amount string
	Tip    string
	Key    string
	Error  string
	// Cards are the payer's saved cards, when card payments are on; Pay
	// is the choice made ("wallet" or "card:<id>").
	Cards []cardChoice
	Pay   string
}

type qrReceiptPage struct {
	Base
	P        commerce.QRPayment
	Merchant bool
}

func (s *Server) needCommerce() error {
	if s.commerce == nil || s.payments == nil {
		return nestegg.Errorf(nestegg.Unavailable, "the shop is not enabled on this server")
	}
	return nil
}

// counterPage is the business's counter.
func (s *Server) counterPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.showCounter(pc, "")
}

func (s *Server) showCounter(pc *pageCtx, problem string) error {
	if err := s.needCommerce(); err != nil {
		return err
	}
	ctx := pc.r.Context()
	c, err := s.commerce.StaticQR(ctx, pc.me.ID, "")
	if err != nil {
		return err
	}
	bps := s.commerce.Config().QRFeeBps
	d := &counterPage{Static: c, StaticURL: qrURL(pc.r, c.Token), Key: newPayKey(), Error: problem,
		FeeText: strconv.FormatInt(bps/100, 10) + strings.TrimRight(strings.TrimRight("."+fmt.Sprintf("%02d", bps%100), "0"), ".") + "%"}
	if d.StaticSVG, err = qrSVG(d.StaticURL); err != nil {
		return err
	}
	if d.Takings, err = s.commerce.DayTakings(ctx, pc.me.ID, s.commerce.Config().Clock()); err != nil {
		return err
	}
	a := assetOf(d.Takings.Asset)
	d.Sums.Sales, d.Sums.Tips, d.Sums.Fees = money.Format(money.Amount{Asset: a, Minor: d.Takings.Sales}),
		money.Format(money.Amount{Asset: a, Minor: d.Takings.Tips}), money.Format(money.Amount{Asset: a, Minor: d.Takings.Fees})
	d.Sums.Refunded, d.Sums.Net = money.Format(money.Amount{Asset: a, Minor: d.Takings.Refunded}), money.Format(money.Amount{Asset: a, Minor: d.Takings.Net})
	if d.PayoutBank, err = s.commerce.QRPayoutBank(ctx, pc.me.ID); err != nil {
		return err
	}
	if s.funding != nil {
		d.BankRail = true
		if banks, err := s.funding.BankAccounts(ctx, pc.me.ID); err == nil {
			for _, b := range banks {
				if b.Status == funding.BankVerified {
					d.Banks = append(d.Banks, b)
				}
			}
		}
	}
	d.SettleAfter = humanDuration(s.commerce.Config().QRSettleAfter)
	for _, st := range d.Takings.Settlements {
		l := settlementLine{Net: money.Format(money.Amount{Asset: assetOf(st.Asset), Minor: st.Net}),
			Fee: money.Format(money.Amount{Asset: assetOf(st.Asset), Minor: st.Fee}), Payments: st.Payments, Where: "in your wallet"}
		switch st.Payout {
		case "due":
			l.Where = "on its way to your bank"
		case "sent":
			l.Where = "sent to your bank"
		case "failed":
			l.Where = "kept in your wallet: it could not be sent to your bank (" + st.PayoutReason + ")"
		}
		d.Settlements = append(d.Settlements, l)
	}
	d.Base = pc.base("Counter")
	return s.render(pc, "counter", d)
}

// humanDuration says d in words for the counter page: "a day", "2 hours".
func humanDuration(d time.Duration) string {
	switch {
	case d == 24*time.Hour:
		return "a day"
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + " days"
	case d == time.Hour:
		return "an hour"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	}
	return d.String()
}

// payoutSubmit chooses where the counter's takings go at settlement.
func (s *Server) payoutSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCommerce(); err != nil {
		return err
	}
	bank := r.PostFormValue("bank_account_id")
	err := s.commerce.SetQRPayout(r.Context(), pc.me.ID, bank)
	switch {
	case err != nil && (userError(err) || nestegg.Is(err, nestegg.Unavailable)):
		return s.showCounter(pc, nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	case bank == "":
		return s.seeOther(pc, "/shop/counter#payouts", "Your takings will stay in your wallet.")
	}
	return s.seeOther(pc, "/shop/counter#payouts", "Your takings will be sent on to your bank at each settlement.")
}

// saleSubmit makes a dynamic code for one sale and shows it.
func (s *Server) saleSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCommerce(); err != nil {
		return err
	}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	amt, perr := money.ParsePositive(r.PostFormValue("amount"), "USD")
	if perr != nil {
		return s.showCounter(pc, "Type the sale's amount, such as $4.50.")
	}
	mins, merr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("minutes")))
	if merr != nil || mins < 1 || mins > 1440 {
		return s.showCounter(pc, "The code lasts 1 to 1440 minutes.")
	}
	c, err := s.commerce.CreateQR(r.Context(), commerce.QRInput{MerchantID: pc.me.ID, Amount: amt, Description: r.PostFormValue("description"),
		TTL: time.Duration(mins) * time.Minute, IdempotencyKey: key})
	switch {
	case err != nil && userError(err):
		return s.showCounter(pc, nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	}
	return s.seeOther(pc, "/shop/counter/"+url.PathEscape(c.ID), "")
}

// saleShow is the sale's page: its code, large, for the customer to scan.
func (s *Server) saleShow(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCommerce(); err != nil {
		return err
	}
	c, err := s.commerce.QR(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &salePage{C: c, URL: qrURL(r, c.Token)}
	if d.SVG, err = qrSVG(d.URL); err != nil {
		return err
	}
	d.Base = pc.base("Sale · " + money.Format(c.Amount))
	return s.render(pc, "sale", d)
}

// saleStatus is the fragment the sale's page polls until it is paid.
func (s *Server) saleStatus(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCommerce(); err != nil {
		return err
	}
	c, err := s.commerce.QR(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderPartial(pc, "sale", "salestatus", &salePage{C: c})
}

// counterRefundSubmit refunds a counter payment in full, after a review.
func (s *Server) counterRefundSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCommerce(); err != nil {
		return err
	}
	id := r.PathValue("id")
	p, err := s.commerce.QRPaymentFor(r.Context(), pc.me.ID, id)
	if err != nil || p.MerchantID != pc.me.ID {
		return nestegg.ParamErrorf(nestegg.NotFound, "id", "no such payment")
	}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	if !confirmed(r) {
		notice := "It goes back out of what is waiting for settlement."
		if p.Settled {
			notice = "This payment is settled: the refund comes from your wallet, and the fee already taken is not returned."
		}
		return s.review(pc, "Refund a counter payment", "Refund "+money.Format(p.Total())+" to @"+p.PayerHandle, "/shop/counter", notice,
			[]reviewLine{{"Paid by", "@" + p.PayerHandle, false}, {"Sale", money.Format(p.Amount), false},
				{"Tip", money.Format(money.Amount{Asset: p.Amount.Asset, Minor: p.Tip}), false}, {"Goes back", money.Format(p.Total()), true}}, payKeyField)
	}
	_, err = s.commerce.RefundQR(r.Context(), pc.me.ID, id, key)
	switch {
	case nestegg.Is(err, nestegg.InsufficientFunds):
		return s.seeOther(pc, "/shop/counter", "Your wallet can't cover this refund. Add money, then try again.")
	case err != nil && userError(err):
		return s.seeOther(pc, "/shop/counter", nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	}
	return s.seeOther(pc, "/shop/counter", "Refunded "+money.Format(p.Total())+" to @"+p.PayerHandle+".")
}

// payCodePage is what a scanned code opens: the business, the amount (or
// a box for it), the fee, a tip.
func (s *Server) payCodePage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.showPayCode(pc, r.PathValue("token"), "", "", "")
}

func (s *Server) showPayCode(pc *pageCtx, token, amount, tip, problem string) error {
	if err := s.needCommerce(); err != nil {
		return err
	}
	c, err := s.commerce.ResolveQR(pc.r.Context(), token)
	if err != nil {
		return err
	}
	d := &payCodePage{C: c, Amount: amount, Tip: tip, Key: newPayKey(), Error: problem, Pay: pc.r.PostFormValue("pay")}
	if d.Pay == "" {
		d.Pay = "wallet"
	}
	if s.funding != nil {
		// A failed look-up leaves only the wallet: a card is not worth
		// failing the page for.
		if cards, err := s.funding.Cards(pc.r.Context(), pc.me.ID); err == nil {
			for _, cd := range cards {
				d.Cards = append(d.Cards, cardChoice{Value: "card:" + cd.ID, Masked: cd.Masked, Brand: cd.Brand})
			}
		}
	}
	d.Base = pc.base("Pay @" + c.MerchantHandle)
	return s.render(pc, "paycode", d)
}

// payCodeSubmit reviews, then pays, a scanned code.
func (s *Server) payCodeSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCommerce(); err != nil {
		return err
	}
	token := r.PathValue("token")
	key, err := payKey(r)
	if err != nil {
		return err
	}
	c, err := s.commerce.ResolveQR(r.Context(), token)
	if err != nil {
		return err
	}
	amountText, tipText := r.PostFormValue("amount"), strings.TrimSpace(r.PostFormValue("tip"))
	amt := c.Amount
	if c.Kind == commerce.QRStatic {
		a, perr := money.ParsePositive(amountText, c.Amount.Asset.Code)
		if perr != nil {
			return s.showPayCode(pc, token, amountText, tipText, "Type the amount the business asked for, such as $4.50.")
		}
		amt = a
	}
	tip := money.Amount{Asset: c.Amount.Asset}
	if tipText != "" && tipText != "0" {
		t, terr := money.ParsePositive(tipText, c.Amount.Asset.Code)
		if terr != nil {
			return s.showPayCode(pc, token, amountText, tipText, "Type the tip as an amount, such as $1, or leave it empty.")
		}
		tip = t
	}
	total := money.Amount{Asset: amt.Asset, Minor: amt.Minor + tip.Minor}
	cardID, err := paymentCard(r.PostFormValue("pay"))
	if err != nil {
		return s.showPayCode(pc, token, amountText, tipText, "Choose your wallet or one of your cards.")
	}
	if cardID != "" {
		return s.payCodeByCard(pc, c, token, cardID, amt, tip, key)
	}
	if !confirmed(r) {
		lines := []reviewLine{{"To", c.MerchantName + " (@" + c.MerchantHandle + ")", false}}
		if c.Description != "" {
			lines = append(lines, reviewLine{"For", c.Description, false})
		}
		lines = append(lines, reviewLine{"Amount", money.Format(amt), false})
		if tip.Minor > 0 {
			lines = append(lines, reviewLine{"Tip", money.Format(tip), false})
		}
		lines = append(lines, reviewLine{"Fee", "None for you", false}, reviewLine{"Leaves your wallet", money.Format(total), true})
		return s.reviewChecked(pc, "Pay @"+c.MerchantHandle, "Pay "+money.Format(total), "/q/"+token, "",
			&payments.PreviewInput{ToUserID: c.MerchantID, Kind: payments.KindSend, Movement: movement.QRPayment, Amount: total},
			lines, "amount", "tip", "pay", payKeyField)
	}
	in := commerce.QRPayInput{PayerID: pc.me.ID, Token: token, Tip: tip, IdempotencyKey: key}
	if c.Kind == commerce.QRStatic {
		in.Amount = amt
	}
	p, err := s.commerce.PayQR(r.Context(), in)
	switch {
	case nestegg.Is(err, nestegg.InsufficientFunds):
		return s.showPayCode(pc, token, amountText, tipText, "You don't have "+money.Format(total)+" in your wallet. Add money first, or pay with a card.")
	case err != nil && userError(err):
		return s.showPayCode(pc, token, amountText, tipText, nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	}
	return s.seeOther(pc, "/qr-payments/"+url.PathEscape(p.ID), "")
}

// payCodeByCard is the payer's page's card path: a review that shows the
// card fee and what the card is charged, then one payment with the fee
// shown repeated (a changed fee is refused, not charged).
func (s *Server) payCodeByCard(pc *pageCtx, c commerce.QRCode, token, cardID string, amt, tip money.Amount, key string) error {
	r := pc.r
	amountText, tipText := r.PostFormValue("amount"), strings.TrimSpace(r.PostFormValue("tip"))
	total := money.Amount{Asset: amt.Asset, Minor: amt.Minor + tip.Minor}
	fee, err := s.commerce.CardFee(total)
	if err != nil {
		if userError(err) || nestegg.Is(err, nestegg.Unavailable) {
			return s.showPayCode(pc, token, amountText, tipText, nestegg.ErrorMessage(err)+".")
		}
		return err
	}
	if !confirmed(r) {
		lines := []reviewLine{{"To", c.MerchantName + " (@" + c.MerchantHandle + ")", false}}
		if c.Description != "" {
			lines = append(lines, reviewLine{"For", c.Description, false})
		}
		lines = append(lines, reviewLine{"Amount", money.Format(amt), false})
		if tip.Minor > 0 {
			lines = append(lines, reviewLine{"Tip", money.Format(tip), false})
		}
		lines = append(lines, reviewLine{"Card fee", money.Format(fee), false},
			reviewLine{"Charged to your card", money.Format(money.Amount{Asset: fee.Asset, Minor: total.Minor + fee.Minor}), true})
		r.PostForm.Set("card_fee", strconv.FormatInt(fee.Minor, 10))
		return s.review(pc, "Pay @"+c.MerchantHandle, "Pay "+money.Format(total)+" by card", "/q/"+token,
			"The card is charged into your wallet and the business is paid from it at once.", lines, "amount", "tip", "pay", "card_fee", payKeyField)
	}
	in := commerce.QRCardPayInput{QRPayInput: commerce.QRPayInput{PayerID: pc.me.ID, Token: token, Tip: tip, IdempotencyKey: key}, CardID: cardID}
	if c.Kind == commerce.QRStatic {
		in.Amount = amt
	}
	if f := r.PostFormValue("card_fee"); f != "" {
		minor, perr := strconv.ParseInt(f, 10, 64)
		if perr != nil || minor < 0 {
			return nestegg.ParamErrorf(nestegg.Invalid, "card_fee", "the card fee is not an amount")
		}
		in.CardFee = &money.Amount{Asset: total.Asset, Minor: minor}
	}
	b, err := s.commerce.PayQRWithCard(r.Context(), in)
	switch {
	case err != nil && (userError(err) || nestegg.Is(err, nestegg.Unavailable)):
		return s.showPayCode(pc, token, amountText, tipText, nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	case b.Paid():
		return s.seeOther(pc, "/qr-payments/"+url.PathEscape(b.Payment.ID), "")
	case b.TopUp.Status == funding.StatusDeclined:
		reason := b.TopUp.Reason
		if reason == "" {
			reason = "no reason given."
		}
		return s.showPayCode(pc, token, amountText, tipText, "Your card was declined: "+reason+" Nothing was charged and nothing paid.")
	}
	return s.seeOther(pc, "/money/movements/"+url.PathEscape(b.TopUp.ID), cardConfirmQRMessage)
}

// qrReceipt is a counter payment's page, for its payer and its business.
func (s *Server) qrReceipt(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCommerce(); err != nil {
		return err
	}
	p, err := s.commerce.QRPaymentFor(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &qrReceiptPage{P: p, Merchant: p.MerchantID == pc.me.ID}
	d.Base = pc.base("Paid @" + p.MerchantHandle)
	return s.render(pc, "qrreceipt", d)
}

func assetOf(code string) money.Asset {
	a, err := money.Lookup(code)
	if err != nil {
		return money.Asset{Code: code}
	}
	return a
}
