package web

import (
	"net/http"
	"strconv"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
)

// The forms that move money in and out: each shows a confirmation page
// (with the fee) first and moves money only on confirm=yes, under the
// idempotency key the form was rendered with.

// moneyAmount reads the form's amount in the funding asset.
func (s *Server) moneyAmount(r *http.Request) (money.Amount, error) {
	a, err := money.ParsePositive(r.PostFormValue("amount"), s.funding.Asset().Code)
	if err != nil {
		return money.Amount{}, &nestegg.Error{Code: nestegg.Invalid, Param: "amount", Err: err}
	}
	if a.Asset.Code != s.funding.Asset().Code {
		return money.Amount{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "only %s moves through banks and cards", s.funding.Asset().Code)
	}
	return a, nil
}

// formFee reads the fee the confirmation page showed.
func (s *Server) formFee(r *http.Request) *money.Amount {
	n, err := strconv.ParseInt(r.PostFormValue("fee"), 10, 64)
	if err != nil {
		return nil
	}
	f := s.funding.Money(n)
	return &f
}

func (s *Server) bankLabel(pc *pageCtx, id string) string {
	b, err := s.funding.BankAccount(pc.r.Context(), pc.me.ID, id)
	if err != nil {
		return "?"
	}
	return b.HolderName + " " + b.Masked
}

// depositSubmit pulls money from a bank account, after confirmation.
func (s *Server) depositSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	d := &fundingPage{Amounts: map[string]string{"deposit": r.PostFormValue("amount")}}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	amt, err := s.moneyAmount(r)
	if err != nil {
		return s.moneyFormError(pc, d, "deposit", err)
	}
	bank := r.PostFormValue("bank_account_id")
	if !confirmed(r) {
		if _, err := s.funding.BankAccount(r.Context(), pc.me.ID, bank); err != nil {
			return s.moneyFormError(pc, d, "deposit", err)
		}
		// A frozen account, a funding limit or an unverified account is
		// said here, before the button.
		problem := s.funding.PreviewDeposit(r.Context(), pc.me.ID, funding.DepositInput{BankAccountID: bank, Amount: amt})
		return s.reviewFunding(pc, problem, "Check your deposit", "Deposit "+money.Format(amt), "/money", s.depositArrives(),
			[]reviewLine{{"From", s.bankLabel(pc, bank), false}, {"Into your wallet", money.Format(amt), true}, {"Fee", "None", false}},
			"amount", "bank_account_id", payKeyField)
	}
	m, err := s.funding.Deposit(r.Context(), pc.me.ID, funding.DepositInput{BankAccountID: bank, Amount: amt, IdempotencyKey: key})
	if err != nil {
		return s.moneyFormError(pc, d, "deposit", err)
	}
	return s.seeOther(pc, movementURL(m.ID), "Deposit of "+money.Format(m.Amount)+" started.")
}

// depositArrives says when a deposit asked for now becomes spendable: on
// the real schedule after tonight's ACH file, on a sandbox clock seconds.
func (s *Server) depositArrives() string {
	a := s.funding.ExpectedArrival(funding.KindDeposit, funding.Standard, funding.StatusPending)
	if a.Within > 0 {
		return "Spendable when the sandbox bank settles it, " + a.String() + "."
	}
	return "Spendable when your bank settles it, about a business day after tonight's ACH file."
}

// reviewFunding is review for money leaving through a rail: problem is
// what funding's preview found (nil when confirming would go through).
// Like reviewChecked's, the page then says what is wrong and how to fix
// it instead of offering the button; an error that is not the member's
// to fix is the page's error.
func (s *Server) reviewFunding(pc *pageCtx, problem error, heading, button, back, notice string, lines []reviewLine, fields ...string) error {
	d := &reviewPage{Heading: heading, Action: pc.r.URL.Path, Button: button, Back: back, Notice: notice, Lines: lines}
	for _, f := range fields {
		d.Hidden = append(d.Hidden, hiddenField{f, pc.r.PostFormValue(f)})
	}
	switch {
	case problem == nil:
	case nestegg.Is(problem, nestegg.InsufficientFunds):
		d.Problem = "Not enough money: " + nestegg.ErrorMessage(problem) + "."
		d.Fix = "Choose a smaller amount, or add money to your wallet first."
		d.FixURL, d.FixLabel = "/money#deposit", "Add money"
	case nestegg.Is(problem, nestegg.Forbidden):
		d.Problem = "This can't go through: " + nestegg.ErrorMessage(problem) + "."
		d.Fix = "Nothing has been sent. Your wallet page shows what you can still send, and your account's state."
		d.FixURL, d.FixLabel = "/wallet", "Open your wallet"
	case userError(problem):
		d.Problem = nestegg.ErrorMessage(problem) + "."
		d.Fix = "Nothing has been sent."
	default:
		return problem
	}
	d.Base = pc.base(heading)
	return s.render(pc, "pay_review", d)
}

// withdrawSubmit sends money to a bank account: the confirmation page
// shows the fee of the chosen speed, and the withdrawal is refused if the
// fee changed since.
func (s *Server) withdrawSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	speed := funding.Speed(r.PostFormValue("speed"))
	if speed == "" {
		speed = funding.Standard
	}
	d := &fundingPage{Amounts: map[string]string{"withdraw": r.PostFormValue("amount")}, Speed: string(speed)}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	amt, err := s.moneyAmount(r)
	if err != nil {
		return s.moneyFormError(pc, d, "withdraw", err)
	}
	if speed != funding.Standard && speed != funding.Instant {
		return s.moneyFormError(pc, d, "withdraw", nestegg.ParamErrorf(nestegg.Invalid, "speed", "choose standard or instant"))
	}
	bank := r.PostFormValue("bank_account_id")
	if !confirmed(r) {
		if _, err := s.funding.BankAccount(r.Context(), pc.me.ID, bank); err != nil {
			return s.moneyFormError(pc, d, "withdraw", err)
		}
		fee, err := s.funding.WithdrawalFee(speed, amt.Minor)
		if err != nil {
			return s.moneyFormError(pc, d, "withdraw", err)
		}
		feeText := "None (standard)"
		if fee > 0 {
			feeText = money.Format(s.funding.Money(fee)) + " (instant)"
		}
		r.PostForm.Set("fee", strconv.FormatInt(fee, 10))
		r.PostForm.Set("speed", string(speed))
		// Checked before the button is offered: the balance, a debt
		// from a returned deposit, and compliance (a frozen account, a
		// limit) say here what is wrong, not after confirming.
		problem := s.funding.PreviewWithdrawal(r.Context(), pc.me.ID, funding.WithdrawInput{BankAccountID: bank, Amount: amt, Speed: speed})
		return s.reviewFunding(pc, problem, "Check your withdrawal", "Withdraw "+money.Format(amt), "/money", "Arrives "+s.withdrawalArrives(speed)+".",
			[]reviewLine{{"To", s.bankLabel(pc, bank), false}, {"Arrives in your bank", money.Format(amt), false},
				{"Fee", feeText, false}, {"Leaves your wallet", money.Format(s.funding.Money(amt.Minor + fee)), true}},
			"amount", "bank_account_id", "speed", "fee", payKeyField)
	}
	fee := s.formFee(r)
	if fee == nil {
		return s.moneyFormError(pc, d, "withdraw", nestegg.ParamErrorf(nestegg.Invalid, "fee", "the confirmation page's fee is missing; start again"))
	}
	m, err := s.funding.Withdraw(r.Context(), pc.me.ID, funding.WithdrawInput{BankAccountID: bank, Amount: amt, Speed: speed, Fee: fee, IdempotencyKey: key})
	if err != nil {
		return s.moneyFormError(pc, d, "withdraw", err)
	}
	return s.seeOther(pc, movementURL(m.ID), "Withdrawal of "+money.Format(m.Amount)+" started.")
}

// topUpSubmit charges a card into the wallet, after a confirmation page
// showing the fee. A decline comes back on /money with the processor's
// reason; 3-D Secure leads to the movement's page to confirm.
func (s *Server) topUpSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	d := &fundingPage{Amounts: map[string]string{"topup": r.PostFormValue("amount")}}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	amt, err := s.moneyAmount(r)
	if err != nil {
		return s.moneyFormError(pc, d, "topup", err)
	}
	card := r.PostFormValue("card_id")
	if !confirmed(r) {
		cs, err := s.funding.Cards(r.Context(), pc.me.ID)
		if err != nil {
			return err
		}
		label := ""
		for _, c := range cs {
			if c.ID == card {
				label = c.Brand + " " + c.Masked
			}
		}
		if label == "" {
			return s.moneyFormError(pc, d, "topup", nestegg.ParamErrorf(nestegg.NotFound, "card_id", "choose one of your cards"))
		}
		fee, err := s.funding.TopUpFee(amt.Minor)
		if err != nil {
			return s.moneyFormError(pc, d, "topup", err)
		}
		r.PostForm.Set("fee", strconv.FormatInt(fee, 10))
		return s.review(pc, "Check your top-up", "Charge "+money.Format(s.funding.Money(amt.Minor+fee)), "/money", "Spendable at once when the card is charged.",
			[]reviewLine{{"Card", label, false}, {"Into your wallet", money.Format(amt), false},
				{"Fee", money.Format(s.funding.Money(fee)), false}, {"Charged to your card", money.Format(s.funding.Money(amt.Minor + fee)), true}},
			"amount", "card_id", "fee", payKeyField)
	}
	m, err := s.funding.TopUp(r.Context(), pc.me.ID, funding.TopUpInput{CardID: card, Amount: amt, Fee: s.formFee(r), IdempotencyKey: key})
	if err != nil {
		return s.moneyFormError(pc, d, "topup", err)
	}
	switch m.Status {
	case funding.StatusDeclined:
		return s.moneyFormError(pc, d, "topup", topUpDeclined(m))
	case funding.StatusRequiresAction:
		return s.seeOther(pc, movementURL(m.ID), "Your card's bank wants you to confirm this top-up.")
	}
	return s.seeOther(pc, movementURL(m.ID), "Added "+money.Format(m.Amount)+" to your wallet from your card.")
}

// confirmTopUpSubmit completes a 3-D Secure top-up (the sandbox's
// stand-in for the issuer's authentication page).
func (s *Server) confirmTopUpSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	m, err := s.funding.ConfirmTopUp(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if m.Status == funding.StatusDeclined {
		return s.seeOther(pc, movementURL(m.ID), "Your card was declined: "+m.Reason)
	}
	return s.seeOther(pc, movementURL(m.ID), "Confirmed: "+money.Format(m.Amount)+" is in your wallet.")
}

// topUpReturn is where the card processor sends the member back from
// their bank's 3-D Secure page (CardReturnURL): the top-up asks the
// processor how the charge stands and books it (ConfirmTopUp, which
// only reads a charge the processor completes itself), then the
// movement's page shows the result. Nothing here trusts the query string
// Stripe appends: the processor is asked.
func (s *Server) topUpReturn(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needFunding(); err != nil {
		return err
	}
	id := r.PathValue("id")
	m, err := s.funding.ConfirmTopUp(r.Context(), pc.me.ID, id)
	switch {
	case nestegg.Is(err, nestegg.Conflict):
		// Already booked (the webhook was first), or not authenticated:
		// the page says which.
		return s.seeOther(pc, movementURL(id), "")
	case err != nil:
		return err
	case m.Status == funding.StatusDeclined:
		return s.seeOther(pc, movementURL(m.ID), "Your card was declined: "+m.Reason)
	}
	return s.seeOther(pc, movementURL(m.ID), "Confirmed: "+money.Format(m.Amount)+" is in your wallet.")
}
