package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/rails"
)

// The money in and out pages (pages_funding*.go): /money lists the
// member's bank accounts (masked) and cards and holds the forms; each
// movement has a status page; staff admins see the reconciliation.
//
// The card form posts a card number and CVC to this server only when the
// sandbox processor is in use (with Stripe, Stripe.js tokenizes in the
// browser). Its handler passes them straight to the sandbox's Tokenize,
// links the token, and forgets them: on any error the form comes back
// without the number or CVC. Deposits, withdrawals and top-ups show a
// confirmation page (with the fee) first; their forms carry an
// idempotency key made when the form was rendered.

// fundingPage is the data of funding.html.
type fundingPage struct {
	Base
	Banks     []funding.BankAccount
	Micro     map[string]string // sandbox: a pending bank's micro-deposit amounts
	Cards     []funding.Card
	Movements []funding.Movement
	Owed      string
	Balance   string
	Sandbox   bool
	CardForm  bool // the sandbox card form is offered
	// StripeKey is the publishable key in Stripe mode: the card form is
	// Stripe.js's card field, which tokenizes at Stripe.
	StripeKey string
	Key       string
	// Errors by form ("bank", "card", "deposit", "withdraw", "topup",
	// "verify:<id>"), and what was typed (never a card number or CVC, nor
	// an account number).
	Errors   map[string]string
	Holder   string
	Routing  string
	ExpMonth string
	ExpYear  string
	Amounts  map[string]string // the amount typed in each money form
	Speed    string
}

func (s *Server) needFunding() error {
	if s.funding == nil {
		return nestegg.Errorf(nestegg.NotFound, "money in and out is not enabled on this server")
	}
	return nil
}

// moneyPage shows /money.
func (s *Server) moneyPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	return s.showMoney(pc, http.StatusOK, &fundingPage{})
}

func (s *Server) showMoney(pc *pageCtx, status int, d *fundingPage) error {
	ctx, me := pc.r.Context(), pc.me.ID
	var err error
	if d.Banks, err = s.funding.BankAccounts(ctx, me); err != nil {
		return err
	}
	if d.Cards, err = s.funding.Cards(ctx, me); err != nil {
		return err
	}
	if d.Movements, err = s.funding.Movements(ctx, me, 50); err != nil {
		return err
	}
	owed, err := s.funding.Receivable(ctx, me)
	if err != nil {
		return err
	}
	if owed.Minor > 0 {
		d.Owed = money.Format(owed)
	}
	if s.payments != nil {
		if b, err := s.payments.Balance(ctx, me, s.funding.Asset().Code); err == nil {
			d.Balance = money.Format(b)
		}
	}
	d.Sandbox, d.CardForm = s.funding.Config().Sandbox, s.sbxCards != nil
	if s.sbxCards == nil && s.stripeKey != "" {
		d.StripeKey, pc.stripe = s.stripeKey, true
	}
	d.Micro = map[string]string{}
	if d.Sandbox {
		for _, b := range d.Banks {
			if b.Status == funding.BankPending {
				if m, err := s.funding.SandboxMicroDeposits(ctx, me, b.ID); err == nil {
					d.Micro[b.ID] = strconv.FormatInt(m[0], 10) + "¢ and " + strconv.FormatInt(m[1], 10) + "¢"
				}
			}
		}
	}
	if d.Key == "" {
		d.Key = newPayKey()
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Amounts == nil {
		d.Amounts = map[string]string{}
	}
	d.Base = pc.base("Bank & cards")
	s.renderStatus(pc, status, "funding", d)
	return nil
}

// moneyFormError shows /money again with err beside form, or fails the
// page for errors that are not the member's to fix. Funding's Unavailable
// refusals (withdrawals paused while the platform's cash is short, no
// instant rail, bank accounts off) are business answers written for
// people, so they too are shown beside the form (503), never as "busy".
func (s *Server) moneyFormError(pc *pageCtx, d *fundingPage, form string, err error) error {
	unavailable := nestegg.Is(err, nestegg.Unavailable)
	if !userError(err) && !nestegg.Is(err, nestegg.InsufficientFunds) && !nestegg.Is(err, codeCardDeclined) && !unavailable {
		return err
	}
	msg := nestegg.ErrorMessage(err)
	if nestegg.Is(err, nestegg.InsufficientFunds) {
		msg = "You don't have enough money for this (with the fee). Choose a smaller amount."
	}
	d.Errors = map[string]string{form: msg}
	status := http.StatusUnprocessableEntity
	switch {
	case nestegg.Is(err, codeCardDeclined):
		status = http.StatusPaymentRequired
	case unavailable:
		status = http.StatusServiceUnavailable
	}
	return s.showMoney(pc, status, d)
}

// bankSubmit links a bank account. The account number is not shown again,
// not even when the form comes back with an error.
func (s *Server) bankSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	in := funding.BankInput{HolderName: r.PostFormValue("holder_name"), RoutingNumber: strings.TrimSpace(r.PostFormValue("routing_number")),
		AccountNumber: strings.TrimSpace(r.PostFormValue("account_number")), AccountType: r.PostFormValue("account_type")}
	b, err := s.funding.LinkBank(r.Context(), pc.me.ID, in)
	if err != nil {
		return s.moneyFormError(pc, &fundingPage{Holder: in.HolderName, Routing: in.RoutingNumber}, "bank", err)
	}
	return s.seeOther(pc, "/money#bank-"+b.ID, "Linked the account "+b.Masked+". Two small deposits (under $1 each) are on their way to it: enter them below to verify the account.")
}

func (s *Server) verifySubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	id := r.PathValue("id")
	var a [2]int64
	for i, f := range []string{"amount1", "amount2"} {
		v := strings.TrimSuffix(strings.TrimSpace(r.PostFormValue(f)), "¢")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n > 99 {
			return s.moneyFormError(pc, &fundingPage{}, "verify:"+id, nestegg.ParamErrorf(nestegg.Invalid, "amounts", "enter each deposit in cents, such as 32"))
		}
		a[i] = n
	}
	b, err := s.funding.VerifyBank(r.Context(), pc.me.ID, id, a[0], a[1])
	if err != nil {
		return s.moneyFormError(pc, &fundingPage{}, "verify:"+id, err)
	}
	return s.seeOther(pc, "/money", "Verified "+b.Masked+". You can deposit from it and withdraw to it now.")
}

func (s *Server) removeBankSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	if err := s.funding.RemoveBank(r.Context(), pc.me.ID, r.PathValue("id")); err != nil {
		return err
	}
	return s.seeOther(pc, "/money", "Removed the bank account. Movements already under way finish.")
}

// cardSubmit tokenizes a card at the sandbox processor and links it, in
// one step. The number and CVC go nowhere else: not into the page, not
// into an error, not into a log.
func (s *Server) cardSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	d := &fundingPage{ExpMonth: r.PostFormValue("exp_month"), ExpYear: r.PostFormValue("exp_year")}
	if s.sbxCards == nil {
		// Stripe mode: Stripe.js made a PaymentMethod in the browser from
		// the card field (its frame, not this page, held the number) and
		// the form carries only its id.
		tok := strings.TrimSpace(r.PostFormValue("token"))
		if s.stripeKey == "" || tok == "" {
			return s.moneyFormError(pc, d, "card", nestegg.ParamErrorf(nestegg.Invalid, "token", "enter the card in the card processor's field (it needs JavaScript)"))
		}
		c, err := s.funding.LinkCard(r.Context(), pc.me.ID, tok)
		if err != nil {
			return s.moneyFormError(pc, d, "card", err)
		}
		return s.seeOther(pc, "/money#cards", "Added your "+c.Brand+" card "+c.Masked+". Top up your wallet from it below.")
	}
	mo, err1 := strconv.Atoi(strings.TrimSpace(d.ExpMonth))
	yr, err2 := strconv.Atoi(strings.TrimSpace(d.ExpYear))
	if err1 != nil || err2 != nil {
		return s.moneyFormError(pc, d, "card", nestegg.ParamErrorf(nestegg.Invalid, "exp_month", "enter the expiry month and year as numbers, such as 12 and 2030"))
	}
	tok, err := s.sbxCards.Tokenize(r.Context(), pc.me.ID, rails.CardDetails{Number: r.PostFormValue("number"), ExpMonth: mo, ExpYear: yr, CVC: r.PostFormValue("cvc")})
	if err != nil {
		return s.moneyFormError(pc, d, "card", err)
	}
	c, err := s.funding.LinkCard(r.Context(), pc.me.ID, tok.Token)
	if err != nil {
		return s.moneyFormError(pc, d, "card", err)
	}
	return s.seeOther(pc, "/money#cards", "Added your "+c.Brand+" card "+c.Masked+". Top up your wallet from it below.")
}

func (s *Server) removeCardSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	if err := s.funding.RemoveCard(r.Context(), pc.me.ID, r.PathValue("id")); err != nil {
		return err
	}
	return s.seeOther(pc, "/money#cards", "Removed the card.")
}

// reconciliationPage shows the reconciliation report (staff_routes.go
// says to whom).
func (s *Server) reconciliationPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	rep, err := s.funding.Reconcile(r.Context())
	if err != nil {
		return err
	}
	asset := s.funding.Asset()
	return s.render(pc, "funding_reconcile", struct {
		Base
		Report       funding.Report
		BankClearing string
		CardClearing string
	}{pc.base("Reconciliation"), rep, money.Format(money.Amount{Asset: asset, Minor: rep.BankClearing.Balance()}),
		money.Format(money.Amount{Asset: asset, Minor: rep.CardClearing.Balance()})})
}

// movementPage shows one movement's status and what happens next.
func (s *Server) movementPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	m, err := s.funding.Movement(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	method := m.MethodID
	if bs, err := s.funding.BankAccounts(r.Context(), pc.me.ID); err == nil {
		for _, b := range bs {
			if b.ID == m.MethodID {
				method = "Bank account " + b.Masked
			}
		}
	}
	if cs, err := s.funding.Cards(r.Context(), pc.me.ID); err == nil {
		for _, c := range cs {
			if c.ID == m.MethodID {
				method = c.Brand + " " + c.Masked
			}
		}
	}
	auth, err := s.funding.AuthenticationURL(r.Context(), pc.me.ID, m.ID)
	if err != nil {
		return err
	}
	return s.render(pc, "funding_movement", struct {
		Base
		M      funding.Movement
		Method string
		Next   string
		Fee    string
		Total  string
		// AuthURL is the card bank's 3-D Secure page (Stripe's
		// next_action redirect); "" on the sandbox, whose stand-in is a
		// button here.
		AuthURL string
		// SandboxCards: the confirm button is the sandbox's stand-in.
		SandboxCards bool
	}{pc.base(kindLabel(m.Kind)), m, method, s.movementNext(m), money.Format(m.Fee),
		money.Format(money.Amount{Asset: m.Amount.Asset, Minor: m.Amount.Minor + m.Fee.Minor}), auth, s.sbxCards != nil})
}

func kindLabel(k funding.Kind) string {
	switch k {
	case funding.KindDeposit:
		return "Deposit"
	case funding.KindWithdrawal:
		return "Withdrawal"
	case funding.KindTopUp:
		return "Card top-up"
	case funding.KindMicroDeposit:
		return "Verification deposit"
	}
	return cmp.Or(string(k), "Movement")
}

func movementURL(id string) string { return "/money/movements/" + url.PathEscape(id) }
