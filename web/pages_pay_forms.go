package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
)

// payForm is the send, request, split and tip form: what was typed, the
// form's idempotency key, and what was wrong with it.
type payForm struct {
	Mode        string // send, request, split or tip
	To          string // a handle: who gets the money, or who is asked
	With        string // split: handles separated by spaces or commas
	IncludeSelf bool   // split: the initiator takes a share
	Amount      string
	Note        string
	Audience    string
	PostID      string // tip: the post tipped
	Key         string
	Errors      map[string]string
}

// payFormPage is the data of pay.html.
type payFormPage struct {
	Base
	F       payForm
	Balance string
	Post    *postCard // the post a tip is for
	Awards  []awardButton
	Coins   int64
	Action  string
}

type awardButton struct {
	payments.Award
	Key        string
	Affordable bool
}

// reviewPage is the data of pay_review.html: the confirmation step that
// says what will leave before anything does.
type reviewPage struct {
	Base
	Heading string
	Lines   []reviewLine
	Notice  string
	Action  string
	Hidden  []hiddenField
	Button  string
	Back    string
	// Problem is why confirming would fail now (not enough money, a
	// limit, a frozen account), checked before the page is shown: the
	// page then says so, and how to fix it, instead of offering the
	// button.
	Problem, Fix     string
	FixURL, FixLabel string
}

// preview checks what confirming d would run into now (payments.Preview:
// the balance, then the compliance checkpoint's read-only evaluation)
// and fills in d's problem, or a line saying the payment would be held.
// Only failures that are not the member's to fix are returned.
func (s *Server) preview(pc *pageCtx, d *reviewPage, in payments.PreviewInput) error {
	in.FromUserID = pc.me.ID
	pv, err := s.payments.Preview(pc.r.Context(), in)
	switch {
	case nestegg.Is(err, nestegg.InsufficientFunds):
		d.Problem = "Not enough money: " + nestegg.ErrorMessage(err) + "."
		d.Fix = "Choose a smaller amount, or add money to your wallet first."
		if in.Amount.Asset.Code == "COIN" {
			d.Fix, d.FixURL, d.FixLabel = "Buy more coins, or choose something smaller.", "/wallet#coins", "Buy coins"
		} else if s.funding != nil {
			d.FixURL, d.FixLabel = "/money", "Add money"
		}
	case nestegg.Is(err, nestegg.Forbidden):
		d.Problem = "This can't go through: " + nestegg.ErrorMessage(err) + "."
		d.Fix = "Nothing has been sent. Your wallet page shows what you can still send, and your account's state."
		d.FixURL, d.FixLabel = "/wallet", "Open your wallet"
	case err != nil && userError(err):
		d.Problem = nestegg.ErrorMessage(err) + "."
	case err != nil:
		return err
	case !pv.HoldUntil.IsZero():
		d.Lines = append(d.Lines, reviewLine{"Arrives", "Held until " + pv.HoldUntil.UTC().Format("2 Jan 15:04 UTC") + ": " + pv.HoldReason, false})
	}
	return nil
}

type reviewLine struct {
	Label, Value string
	Strong       bool
}

type hiddenField struct{ Name, Value string }

func payModeOK(m string) bool { return m == "send" || m == "request" || m == "split" || m == "tip" }

// payPage shows the money form, prefilled from the query (a profile's
// "Send money" link passes mode and to).
func (s *Server) payPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	q := r.URL.Query()
	f := payForm{Mode: q.Get("mode"), To: q.Get("to"), Amount: q.Get("amount"), Note: q.Get("note"), With: q.Get("with"),
		Audience: q.Get("audience"), Key: q.Get(payKeyField)}
	if !payModeOK(f.Mode) {
		f.Mode = "send"
	}
	if f.Key == "" {
		f.Key = newPayKey()
	}
	return s.showPayForm(pc, http.StatusOK, f)
}

// tipPage is the tip form for a post, with its award buttons.
func (s *Server) tipPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	q := r.URL.Query()
	f := payForm{Mode: "tip", PostID: r.PathValue("id"), Amount: q.Get("amount"), Note: q.Get("note"), Audience: q.Get("audience"), Key: q.Get(payKeyField)}
	if f.Key == "" {
		f.Key = newPayKey()
	}
	return s.showPayForm(pc, http.StatusOK, f)
}

func (s *Server) showPayForm(pc *pageCtx, status int, f payForm) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	ctx := pc.r.Context()
	d := &payFormPage{F: f, Action: "/pay"}
	if f.Audience == "" {
		d.F.Audience = string(payments.Private)
	}
	bal, err := s.payments.Balance(ctx, pc.me.ID, s.payments.Config().Assets[0])
	if err != nil {
		return err
	}
	d.Balance = money.Format(bal)
	title := map[string]string{"send": "Send money", "request": "Request money", "split": "Split a bill", "tip": "Tip"}[f.Mode]
	if f.PostID != "" {
		p, err := s.social.Post(ctx, pc.me.ID, f.PostID)
		if err != nil {
			return err
		}
		if p.Author.ID == pc.me.ID {
			return nestegg.Errorf(nestegg.Invalid, "you can't tip your own post")
		}
		c := pc.card(p, nil, "/posts/"+p.ID)
		d.Post, d.Action = &c, "/posts/"+url.PathEscape(p.ID)+"/tip"
		title = "Tip @" + p.Author.Handle
		if coins, err := s.payments.Balance(ctx, pc.me.ID, "COIN"); err == nil {
			d.Coins = coins.Minor
			for _, a := range s.payments.Awards() {
				d.Awards = append(d.Awards, awardButton{Award: a, Key: newPayKey(), Affordable: a.Coins <= coins.Minor})
			}
		}
	}
	d.Base = pc.base(title)
	s.renderStatus(pc, status, "pay", d)
	return nil
}

func readPayForm(r *http.Request) payForm {
	pf := r.PostForm
	return payForm{Mode: pf.Get("mode"), To: strings.TrimSpace(pf.Get("to")), With: pf.Get("with"), IncludeSelf: pf.Get("include_self") == "on",
		Amount: strings.TrimSpace(pf.Get("amount")), Note: strings.TrimSpace(pf.Get("note")), Audience: pf.Get("audience"), Key: pf.Get(payKeyField)}
}

// hidden is the form as hidden fields, for the confirmation page.
func (f payForm) hidden() []hiddenField {
	h := []hiddenField{{"mode", f.Mode}, {"to", f.To}, {"with", f.With}, {"amount", f.Amount}, {"note", f.Note}, {"audience", f.Audience}, {payKeyField, f.Key}}
	if f.IncludeSelf {
		h = append(h, hiddenField{"include_self", "on"})
	}
	return h
}

// backURL reopens the form with what was typed and the same key.
func (f payForm) backURL() string {
	q := url.Values{}
	for _, h := range f.hidden() {
		if h.Value != "" && h.Name != "include_self" {
			q.Set(h.Name, h.Value)
		}
	}
	if f.PostID != "" {
		q.Del("mode")
		return "/posts/" + url.PathEscape(f.PostID) + "/tip?" + q.Encode()
	}
	return "/pay?" + q.Encode()
}

// payPlan is a checked pay form.
type payPlan struct {
	amount money.Amount
	to     social.User // send, request, tip of a profile; the author for a post tip
	with   []string    // split handles
}

// check validates the form for the confirmation page, filling f.Errors.
func (s *Server) checkPayForm(pc *pageCtx, f *payForm) (payPlan, bool) {
	ctx := pc.r.Context()
	f.Errors = map[string]string{}
	var plan payPlan
	a, err := money.ParsePositive(f.Amount, s.payments.Config().Assets[0])
	if err != nil {
		f.Errors["amount"] = nestegg.ErrorMessage(err) + `. Type an amount such as "5" or "$5.00".`
	}
	plan.amount = a
	if utf8.RuneCountInString(f.Note) > payments.MaxNote {
		f.Errors["note"] = "A note is at most 280 characters."
	}
	switch f.Audience {
	case "", string(payments.Private):
		f.Audience = string(payments.Private)
	case string(payments.Followers), string(payments.Public):
	default:
		f.Errors["audience"] = "Choose who may see this payment."
	}
	switch {
	case f.PostID != "":
		p, err := s.social.Post(ctx, pc.me.ID, f.PostID)
		if err != nil {
			f.Errors[""] = nestegg.ErrorMessage(err)
			break
		}
		plan.to = p.Author
	case f.Mode == "split":
		for _, h := range strings.FieldsFunc(f.With, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' || r == '\t' }) {
			plan.with = append(plan.with, strings.TrimPrefix(h, "@"))
		}
		if len(plan.with) == 0 {
			f.Errors["with"] = "Name at least one person to split with, such as @bob."
		}
	default:
		h := strings.TrimPrefix(f.To, "@")
		if h == "" {
			f.Errors["to"] = "Who is it for? Type their handle, such as @bob."
			break
		}
		u, err := s.social.UserByHandle(ctx, h)
		switch {
		case nestegg.Is(err, nestegg.NotFound) || nestegg.Is(err, nestegg.Invalid):
			f.Errors["to"] = "Nobody here is called @" + h + ". Check the handle and try again."
		case err != nil:
			f.Errors[""] = "We could not look up @" + h + " just now. Please try again."
		case u.ID == pc.me.ID:
			f.Errors["to"] = "That's you. Choose someone else."
		}
		plan.to = u
	}
	return plan, len(f.Errors) == 0
}

// paySubmit handles the send, request, split and tip forms: first the
// confirmation page, then (confirm=yes) the payment.
func (s *Server) paySubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	f := readPayForm(r)
	if id := r.PathValue("id"); id != "" {
		f.Mode, f.PostID = "tip", id
	}
	if !payModeOK(f.Mode) {
		return nestegg.Errorf(nestegg.Invalid, "unknown kind of payment; go back and choose send, request, split or tip")
	}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	plan, ok := s.checkPayForm(pc, &f)
	if !ok {
		return s.showPayForm(pc, http.StatusUnprocessableEntity, f)
	}
	// Requests and splits move no money: they are sent at once.
	if !confirmed(r) && (f.Mode == "send" || f.Mode == "tip") {
		return s.reviewPay(pc, f, plan)
	}
	ctx, me := r.Context(), pc.me.ID
	aud := payments.Audience(f.Audience)
	var p payments.Payment
	switch f.Mode {
	case "send":
		p, err = s.payments.Send(ctx, payments.SendInput{FromUserID: me, ToHandle: plan.to.Handle, Amount: plan.amount, Note: f.Note, Audience: aud, IdempotencyKey: key})
	case "tip":
		in := payments.TipInput{FromUserID: me, PostID: f.PostID, Amount: plan.amount, Note: f.Note, Audience: aud, IdempotencyKey: key}
		if f.PostID == "" {
			in.ToHandle = plan.to.Handle
		}
		p, err = s.payments.Tip(ctx, in)
	case "request":
		var rq payments.Request
		rq, err = s.payments.Request(ctx, payments.RequestInput{RequesterID: me, FromHandle: plan.to.Handle, Amount: plan.amount, Note: f.Note, IdempotencyKey: key})
		if err == nil {
			return s.seeOther(pc, "/wallet#requests", "You asked @"+plan.to.Handle+" for "+money.Format(rq.Amount)+
				". They've been told; the request stays under “Requests you sent” until they pay or decline.")
		}
	case "split":
		var sp payments.Split
		sp, err = s.payments.Split(ctx, payments.SplitInput{InitiatorID: me, Total: plan.amount, With: plan.with, IncludeSelf: f.IncludeSelf, Note: f.Note, IdempotencyKey: key})
		if err == nil {
			return s.seeOther(pc, "/wallet#requests", "Split "+money.Format(sp.Total)+" "+splitSummary(pc, s, sp)+". Each share is a request you can follow on this page.")
		}
	}
	if err != nil {
		return s.payFormError(pc, f, err)
	}
	return s.afterPayment(pc, p, f)
}

// payFormError shows the form again with what went wrong, or fails the
// page for errors that are not the member's to fix.
func (s *Server) payFormError(pc *pageCtx, f payForm, err error) error {
	if !userError(err) && !nestegg.Is(err, nestegg.InsufficientFunds) {
		return err
	}
	f.Errors = map[string]string{}
	param := nestegg.ErrorParam(err)
	if param == "from" || param == "post_id" {
		param = "to"
	}
	msg := nestegg.ErrorMessage(err)
	switch {
	case nestegg.Is(err, nestegg.InsufficientFunds):
		msg = "You don't have enough money for this. Choose a smaller amount, or wait for money to arrive."
	case nestegg.Is(err, nestegg.Conflict):
		msg += ". Nothing more was sent; check your wallet's history before trying again."
	}
	switch param {
	case "to", "with", "amount", "note", "audience":
		f.Errors[param] = msg
	default:
		f.Errors[""] = msg
	}
	return s.showPayForm(pc, http.StatusUnprocessableEntity, f)
}

func splitSummary(pc *pageCtx, s *Server, sp payments.Split) string {
	names := map[string]string{}
	var parts []string
	for _, sh := range sp.Shares {
		if sh.RequestID == "" {
			parts = append(parts, "your share "+money.Format(money.Amount{Asset: sp.Total.Asset, Minor: sh.Amount}))
			continue
		}
		parts = append(parts, "@"+s.handleOf(pc, names, sh.UserID)+" "+money.Format(money.Amount{Asset: sp.Total.Asset, Minor: sh.Amount}))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// afterPayment says what happened and where to see it.
func (s *Server) afterPayment(pc *pageCtx, p payments.Payment, f payForm) error {
	who := "@" + s.handleOf(pc, map[string]string{}, p.PayeeID)
	amt := money.Format(p.Amount)
	switch {
	case p.Status == payments.StatusHeld:
		return s.seeOther(pc, "/payments/"+url.PathEscape(p.ID), "Your "+amt+" to "+who+" is held until "+p.HoldUntil.UTC().Format("2 Jan 15:04 UTC")+
			" because it is your first payment to them. The money is set aside; you can cancel it here until then.")
	case p.Kind == payments.KindTip && f.PostID != "":
		return s.seeOther(pc, "/posts/"+url.PathEscape(f.PostID), "You tipped "+who+" "+amt+". Thank you for supporting them.")
	case p.Kind == payments.KindTip:
		return s.seeOther(pc, "/u/"+url.PathEscape(strings.TrimPrefix(who, "@")), "You tipped "+who+" "+amt+". Thank you for supporting them.")
	}
	return s.seeOther(pc, "/payments/"+url.PathEscape(p.ID), "You sent "+amt+" to "+who+". It's in their wallet now.")
}

// audienceLine says who will see a payment.
func audienceLine(a payments.Audience, other string) string {
	switch a {
	case payments.Public:
		return "Everyone, with the amount"
	case payments.Followers:
		return "You, " + other + " and your followers (without the amount)"
	}
	return "Only you and " + other
}

// reviewPay is the confirmation page of a send or a tip.
func (s *Server) reviewPay(pc *pageCtx, f payForm, plan payPlan) error {
	who := "@" + plan.to.Handle
	d := &reviewPage{Heading: "Check before you send", Action: "/pay", Hidden: f.hidden(), Back: f.backURL()}
	lines := []reviewLine{
		{"To", plan.to.DisplayName + " (" + who + ")", false},
		{"Leaves your wallet", money.Format(plan.amount), true},
	}
	if f.Mode == "tip" {
		d.Heading = "Check your tip"
		fee, err := money.MulDivBps(plan.amount.Minor, s.payments.Config().TipFeeBps)
		if err != nil {
			return err
		}
		if fee > 0 {
			lines = append(lines, reviewLine{"Platform fee", money.Format(money.Amount{Asset: plan.amount.Asset, Minor: fee}), false},
				reviewLine{who + " receives", money.Format(money.Amount{Asset: plan.amount.Asset, Minor: plan.amount.Minor - fee}), false})
		} else {
			lines = append(lines, reviewLine{"Fee", "None: " + who + " receives all of it", false})
		}
		if f.PostID != "" {
			d.Action = "/posts/" + url.PathEscape(f.PostID) + "/tip"
		}
	} else {
		lines = append(lines, reviewLine{"Fee", "None", false})
	}
	if f.Note != "" {
		lines = append(lines, reviewLine{"Note", f.Note, false})
	}
	lines = append(lines, reviewLine{"Who sees it", audienceLine(payments.Audience(f.Audience), who), false})
	d.Lines = lines
	d.Button = "Send " + money.Format(plan.amount) + " to " + who
	if f.Mode == "tip" {
		d.Button = "Tip " + money.Format(plan.amount) + " to " + who
	}
	d.Notice = "Money sent to someone else can only come back if they refund it."
	kind := payments.KindSend
	if f.Mode == "tip" {
		kind = payments.KindTip
	}
	if err := s.preview(pc, d, payments.PreviewInput{ToUserID: plan.to.ID, Kind: kind, Amount: plan.amount}); err != nil {
		return err
	}
	d.Base = pc.base(d.Heading)
	return s.render(pc, "pay_review", d)
}
