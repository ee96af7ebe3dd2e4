package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
)

// The smaller money actions: awards, coins, refunds, answering requests,
// cancelling held payments, and confirming or cancelling post commands.
// Those that move money out of the member show a confirmation page first.

// review renders a confirmation page for the form being posted: its own
// fields go along as hidden fields with confirm=yes.
func (s *Server) review(pc *pageCtx, heading, button, back, notice string, lines []reviewLine, fields ...string) error {
	return s.reviewChecked(pc, heading, button, back, notice, nil, lines, fields...)
}

// reviewChecked is review for money leaving the member: check is what
// confirming would move, and the page checks it first (see preview) and
// says what is wrong instead of offering the button.
func (s *Server) reviewChecked(pc *pageCtx, heading, button, back, notice string, check *payments.PreviewInput, lines []reviewLine, fields ...string) error {
	d := &reviewPage{Heading: heading, Action: pc.r.URL.Path, Button: button, Back: back, Notice: notice, Lines: lines}
	for _, f := range fields {
		d.Hidden = append(d.Hidden, hiddenField{f, pc.r.PostFormValue(f)})
	}
	if check != nil {
		if err := s.preview(pc, d, *check); err != nil {
			return err
		}
	}
	d.Base = pc.base(heading)
	return s.render(pc, "pay_review", d)
}

// awardSubmit gives a post an award, after confirmation.
func (s *Server) awardSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	id, name := r.PathValue("id"), r.PostFormValue("award")
	key, err := payKey(r)
	if err != nil {
		return err
	}
	back := "/posts/" + url.PathEscape(id) + "/tip"
	var price int64 = -1
	for _, a := range s.payments.Awards() {
		if a.Name == name {
			price = a.Coins
		}
	}
	if price < 0 {
		return nestegg.Errorf(nestegg.Invalid, "there is no award called %q; go back and choose one", name)
	}
	p, err := s.social.Post(r.Context(), pc.me.ID, id)
	if err != nil {
		return err
	}
	if !confirmed(r) {
		coin, _ := money.Lookup("COIN")
		return s.reviewChecked(pc, "Give the "+name+" award", "Give "+name+" ("+strconv.FormatInt(price, 10)+" coins)", back,
			"Coins given as an award go to @"+p.Author.Handle+" and cannot be taken back.",
			&payments.PreviewInput{ToUserID: p.Author.ID, Kind: payments.KindAward, Amount: money.Amount{Asset: coin, Minor: price}},
			[]reviewLine{{"Post by", "@" + p.Author.Handle, false}, {"Award", name, false}, {"Leaves your coins", fmt.Sprintf("%d coins", price), true}},
			"award", payKeyField)
	}
	_, err = s.payments.GiveAward(r.Context(), payments.AwardInput{FromUserID: pc.me.ID, PostID: id, Award: name, IdempotencyKey: key})
	if nestegg.Is(err, nestegg.InsufficientFunds) {
		return s.seeOther(pc, "/wallet#coins", "You don't have enough coins for the "+name+" award. Buy some here, then try again.")
	}
	if err != nil {
		return err
	}
	return s.seeOther(pc, "/posts/"+url.PathEscape(id), "You gave @"+p.Author.Handle+" the "+name+" award.")
}

// coinsSubmit buys or redeems coins (the path's last segment), after
// confirmation.
func (s *Server) coinsSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	buy := strings.HasSuffix(r.URL.Path, "/buy")
	cfg := s.payments.Config()
	cash, _ := money.Lookup(cfg.CoinAsset)
	n, perr := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("coins")), 10, 64)
	if perr != nil || n <= 0 || n > payments.MaxCoins {
		return s.seeOther(pc, "/wallet#coins", fmt.Sprintf("Type a whole number of coins from 1 to %d.", payments.MaxCoins))
	}
	rate := cfg.CoinRedeemMinor
	if buy {
		rate = cfg.CoinPriceMinor
	}
	total, merr := money.Mul(n, rate)
	if merr != nil {
		return s.seeOther(pc, "/wallet#coins", "That is too many coins at once.")
	}
	value := money.Format(money.Amount{Asset: cash, Minor: total})
	if !confirmed(r) {
		if buy {
			return s.reviewChecked(pc, "Buy coins", "Buy "+strconv.FormatInt(n, 10)+" coins for "+value, "/wallet#coins",
				"Coins can be given to posts as awards. Creators can turn the coins they receive back into money.",
				&payments.PreviewInput{Kind: payments.KindCoinBuy, Amount: money.Amount{Asset: cash, Minor: total}},
				[]reviewLine{{"Coins", strconv.FormatInt(n, 10), false}, {"Price each", money.Format(money.Amount{Asset: cash, Minor: cfg.CoinPriceMinor}), false},
					{"Leaves your wallet", value, true}}, "coins", payKeyField)
		}
		return s.review(pc, "Redeem coins", "Redeem "+strconv.FormatInt(n, 10)+" coins for "+value, "/wallet#coins", "",
			[]reviewLine{{"Coins that leave", strconv.FormatInt(n, 10), true}, {"You receive", value, false}}, "coins", payKeyField)
	}
	if buy {
		_, err = s.payments.BuyCoins(r.Context(), pc.me.ID, n, key)
	} else {
		_, err = s.payments.RedeemCoins(r.Context(), pc.me.ID, n, key)
	}
	switch {
	case nestegg.Is(err, nestegg.InsufficientFunds) && buy:
		return s.seeOther(pc, "/wallet#coins", "You don't have "+value+" for "+strconv.FormatInt(n, 10)+" coins. Buy fewer.")
	case nestegg.Is(err, nestegg.InsufficientFunds):
		return s.seeOther(pc, "/wallet#coins", "You have fewer than "+strconv.FormatInt(n, 10)+" coins. Redeem fewer.")
	case err != nil && userError(err):
		return s.seeOther(pc, "/wallet#coins", nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	case buy:
		return s.seeOther(pc, "/wallet#coins", fmt.Sprintf("You bought %d coins for %s. Give them to posts you love with the Tip button.", n, value))
	}
	return s.seeOther(pc, "/wallet#coins", fmt.Sprintf("You redeemed %d coins: %s is in your wallet.", n, value))
}

// refundSubmit returns part or all of a payment to its payer, after
// confirmation. Only the payee gets this far: Payment is NotFound for
// strangers and Refund refuses the payer.
func (s *Server) refundSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	ctx, me := r.Context(), pc.me.ID
	p, err := s.payments.Payment(ctx, me, r.PathValue("id"))
	if err != nil {
		return err
	}
	if p.PayeeID != me {
		return nestegg.Errorf(nestegg.Forbidden, "only the person who received a payment can refund it")
	}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	rf := refundForm{Amount: strings.TrimSpace(r.PostFormValue("amount")), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	amount := money.Amount{Asset: p.Amount.Asset, Minor: p.Refundable()}
	if rf.Amount != "" {
		if amount, err = money.ParsePositive(rf.Amount, p.Amount.Asset.Code); err != nil {
			return s.showPayment(pc, http.StatusUnprocessableEntity, rf, nestegg.ErrorMessage(err)+`. Type an amount such as "2.50", or leave it empty to refund all.`)
		}
		if amount.Asset.Code != p.Amount.Asset.Code {
			return s.showPayment(pc, http.StatusUnprocessableEntity, rf, "Refund in "+p.Amount.Asset.Code+", the payment's currency.")
		}
	}
	if amount.Minor > p.Refundable() || amount.Minor <= 0 {
		return s.showPayment(pc, http.StatusUnprocessableEntity, rf, "You can refund at most "+money.Format(money.Amount{Asset: amount.Asset, Minor: p.Refundable()})+".")
	}
	payer := s.handleOf(pc, map[string]string{}, p.PayerID)
	here := "/payments/" + url.PathEscape(p.ID)
	if !confirmed(r) {
		lines := []reviewLine{{"To", "@" + payer, false}, {"Leaves your wallet", money.Format(amount), true}}
		if rf.Reason != "" {
			lines = append(lines, reviewLine{"Reason", rf.Reason, false})
		}
		return s.reviewChecked(pc, "Check your refund", "Refund "+money.Format(amount)+" to @"+payer, here, "",
			&payments.PreviewInput{ToUserID: p.PayerID, Kind: payments.KindRefund, Amount: amount}, lines, "amount", "reason", payKeyField)
	}
	_, err = s.payments.Refund(ctx, payments.RefundInput{UserID: me, PaymentID: p.ID, Amount: amount.Minor, Reason: rf.Reason, IdempotencyKey: key})
	if err != nil {
		if userError(err) || nestegg.Is(err, nestegg.InsufficientFunds) {
			return s.showPayment(pc, http.StatusUnprocessableEntity, rf, nestegg.ErrorMessage(err)+".")
		}
		return err
	}
	return s.seeOther(pc, here, "You refunded "+money.Format(amount)+" to @"+payer+". They've been told.")
}

// holdCancelSubmit cancels the member's own held payment.
func (s *Server) holdCancelSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	p, err := s.payments.CancelHold(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.seeOther(pc, nextPath(r, "/wallet#history"), "Cancelled: "+money.Format(p.Amount)+" is back in your wallet.")
}

// requestSubmit pays (after confirmation), declines or cancels a request,
// as the path's last segment says.
func (s *Server) requestSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	ctx, me, id := r.Context(), pc.me.ID, r.PathValue("id")
	rq, err := s.payments.RequestByID(ctx, me, id)
	if err != nil {
		return err
	}
	names := map[string]string{}
	const back = "/wallet#requests"
	switch action := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]; action {
	case "decline":
		if _, err := s.payments.DeclineRequest(ctx, me, id); err != nil {
			return err
		}
		return s.seeOther(pc, back, "You declined @"+s.handleOf(pc, names, rq.RequesterID)+"'s request. They've been told; nothing was paid.")
	case "cancel":
		if _, err := s.payments.CancelRequest(ctx, me, id); err != nil {
			return err
		}
		return s.seeOther(pc, back, "Request to @"+s.handleOf(pc, names, rq.PayerID)+" cancelled.")
	}
	if rq.PayerID != me {
		return nestegg.Errorf(nestegg.NotFound, "no such request")
	}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	who := "@" + s.handleOf(pc, names, rq.RequesterID)
	if !confirmed(r) {
		lines := []reviewLine{{"To", who, false}, {"Leaves your wallet", money.Format(rq.Amount), true}, {"Fee", "None", false}}
		if rq.Note != "" {
			lines = append(lines, reviewLine{"For", rq.Note, false})
		}
		return s.reviewChecked(pc, "Pay "+who+"'s request", "Pay "+money.Format(rq.Amount)+" to "+who, back, "",
			&payments.PreviewInput{ToUserID: rq.RequesterID, Kind: payments.KindSend, Amount: rq.Amount}, lines, payKeyField)
	}
	p, err := s.payments.PayRequest(ctx, me, id, key)
	if nestegg.Is(err, nestegg.InsufficientFunds) {
		return s.seeOther(pc, back, "You don't have "+money.Format(rq.Amount)+" to pay "+who+" yet. The request stays open.")
	}
	if err != nil {
		return err
	}
	return s.afterPayment(pc, p, payForm{})
}

// intentSubmit confirms (after showing what will leave) or cancels a post
// command, as the path's last segment says. Only the post's author finds
// the intent.
func (s *Server) intentSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	ctx, me, id := r.Context(), pc.me.ID, r.PathValue("id")
	in, err := s.payments.Intent(ctx, me, id)
	if err != nil {
		return err
	}
	back := nextPath(r, "/posts/"+url.PathEscape(in.PostID))
	if strings.HasSuffix(r.URL.Path, "/cancel") {
		if _, err := s.payments.CancelIntent(ctx, me, id); err != nil {
			return err
		}
		return s.seeOther(pc, back, "Cancelled. Your post stays, but it moves no money.")
	}
	// The post's own Confirm button confirms at once: the post said what
	// it asks for, and the card shows it, so one confirmation is enough.
	// This page is for a form without confirm=yes (an older page).
	if !confirmed(r) {
		lines, button := s.intentLines(in)
		var check *payments.PreviewInput
		if in.Amount != nil && (in.Kind == payments.CommandSend || in.Kind == payments.CommandTip) {
			check = &payments.PreviewInput{Kind: payments.KindSend, Amount: *in.Amount}
			if in.Kind == payments.CommandTip {
				check.Kind = payments.KindTip
			} else if u, err := s.social.UserByHandle(ctx, in.Handles[0]); err == nil {
				check.ToUserID = u.ID
			}
		}
		return s.reviewChecked(pc, "Confirm your post's payment", button, back,
			"Your post asked for this. Nothing moves until you confirm; if you don't, it expires at "+in.ExpiresAt.UTC().Format("15:04 UTC")+".",
			check, lines, "next")
	}
	done, err := s.payments.ConfirmIntent(ctx, me, id)
	switch {
	case nestegg.Is(err, nestegg.InsufficientFunds):
		return s.seeOther(pc, back, "You don't have enough money for this yet. It stays pending until "+in.ExpiresAt.UTC().Format("15:04 UTC")+"; confirm again once you do.")
	case err != nil && userError(err):
		return s.seeOther(pc, back, nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	}
	msg := "Done: your post's payment is completed."
	if done.Status == payments.IntentFailed {
		msg = "This payment was refused: " + done.Reason
	}
	return s.seeOther(pc, back, msg)
}

// intentLines describes a post command for its author's confirmation.
func (s *Server) intentLines(in payments.Intent) ([]reviewLine, string) {
	amt := ""
	if in.Amount != nil {
		amt = money.Format(*in.Amount)
	}
	handles := make([]string, len(in.Handles))
	for i, h := range in.Handles {
		handles[i] = "@" + h
	}
	who := strings.Join(handles, ", ")
	var lines []reviewLine
	button := "Confirm"
	switch in.Kind {
	case payments.CommandSend:
		lines = []reviewLine{{"To", who, false}, {"Leaves your wallet", amt, true}, {"Fee", "None", false}, {"Who sees it", audienceLine(payments.Private, who), false}}
		button = "Send " + amt + " to " + who
	case payments.CommandTip:
		lines = []reviewLine{{"Tip for", "the post you replied to", false}, {"Leaves your wallet", amt, true}}
		button = "Tip " + amt
	case payments.CommandRequest:
		lines = []reviewLine{{"Ask", who, false}, {"For", amt, true}, {"Leaves your wallet", "Nothing now: they pay if they agree", false}}
		button = "Request " + amt
	case payments.CommandSplit:
		lines = []reviewLine{{"Split with", who, false}, {"Total", amt, true}, {"Leaves your wallet", "Nothing now: each share is a request", false}}
		button = "Split " + amt
	}
	if in.Note != "" {
		lines = append(lines, reviewLine{"Note", in.Note, false})
	}
	return lines, button
}
