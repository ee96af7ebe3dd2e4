package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
)

// Group gifts on the web: starting one, its page (the all-or-nothing rule
// above the pledge form), pledging after a review, and withdrawing.

type giftForm struct {
	To, Target, Title, Days, Key string
	Error                        string
}

type giftsPage struct {
	Base
	F giftForm
}

type giftPage struct {
	Base
	G       payments.GroupGift
	Percent int64
	Key     string
	Amount  string
	Mine    bool // the viewer organised it
	CanGive bool
}

func (s *Server) giftsPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	d := &giftsPage{F: giftForm{To: r.URL.Query().Get("to"), Days: "7", Key: newPayKey()}}
	d.Base = pc.base("Start a group gift")
	return s.render(pc, "gifts", d)
}

// giftSubmit starts a gift: no money moves.
func (s *Server) giftSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	f := giftForm{To: r.PostFormValue("to"), Target: r.PostFormValue("target"), Title: r.PostFormValue("title"), Days: r.PostFormValue("days"), Key: r.PostFormValue(payKeyField)}
	again := func(msg string) error {
		d := &giftsPage{F: f}
		d.F.Error = msg
		d.Base = pc.base("Start a group gift")
		return s.render(pc, "gifts", d)
	}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	target, perr := money.ParsePositive(f.Target, s.payments.Config().Assets[0])
	if perr != nil {
		return again("Type the target, such as $100.")
	}
	days, derr := strconv.Atoi(strings.TrimSpace(f.Days))
	if derr != nil || days < 1 || days > 90 {
		return again("The gift closes in 1 to 90 days.")
	}
	g, err := s.payments.StartGroupGift(r.Context(), payments.GroupGiftInput{OrganizerID: pc.me.ID, RecipientHandle: f.To, Target: target,
		Title: f.Title, Deadline: time.Now().Add(time.Duration(days) * 24 * time.Hour).Truncate(time.Minute), IdempotencyKey: key})
	switch {
	case err != nil && userError(err):
		return again(nestegg.ErrorMessage(err) + ".")
	case err != nil:
		return err
	}
	return s.seeOther(pc, "/gifts/"+url.PathEscape(g.ID), "Your group gift is posted. Share the link: nobody pays unless the target is reached.")
}

func (s *Server) giftShow(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	g, err := s.payments.GroupGift(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &giftPage{G: g, Key: newPayKey(), Mine: g.OrganizerID == pc.me.ID,
		CanGive: g.Status == payments.GiftOpen && time.Now().Before(g.Deadline) && g.RecipientID != pc.me.ID}
	if g.Target.Minor > 0 {
		d.Percent = min(100, g.Pledged*100/g.Target.Minor)
	}
	d.Base = pc.base(g.Title)
	return s.render(pc, "gift", d)
}

// pledgeSubmit reviews, then makes, a pledge.
func (s *Server) pledgeSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	id := r.PathValue("id")
	back := "/gifts/" + url.PathEscape(id)
	key, err := payKey(r)
	if err != nil {
		return err
	}
	g, err := s.payments.GroupGift(r.Context(), pc.me.ID, id)
	if err != nil {
		return err
	}
	amt, perr := money.ParsePositive(r.PostFormValue("amount"), g.Target.Asset.Code)
	if perr != nil {
		return s.seeOther(pc, back, "Type how much to pledge, such as $10.")
	}
	if !confirmed(r) {
		return s.reviewChecked(pc, "Pledge to "+g.Title, "Pledge "+money.Format(amt), back, g.Rule(),
			&payments.PreviewInput{ToUserID: g.RecipientID, Kind: payments.KindSend, Movement: movement.GiftPledge, Amount: amt},
			[]reviewLine{{"For", "@" + g.RecipientHandle, false}, {"Target", money.Format(g.Target) + " by " + g.Deadline.UTC().Format("2 Jan 15:04 UTC"), false},
				{"Reserved from your wallet now", money.Format(amt), true}}, "amount", payKeyField)
	}
	_, err = s.payments.Pledge(r.Context(), pc.me.ID, id, amt, key)
	switch {
	case nestegg.Is(err, nestegg.InsufficientFunds):
		return s.seeOther(pc, back, "You don't have "+money.Format(amt)+" free in your wallet. Pledge less, or add money first.")
	case err != nil && userError(err):
		return s.seeOther(pc, back, nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	}
	return s.seeOther(pc, back, "You pledged "+money.Format(amt)+". It is reserved in your wallet, and taken only if the target is reached by the deadline.")
}

// pledgeWithdrawSubmit takes a pledge back before the deadline.
func (s *Server) pledgeWithdrawSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	p, err := s.payments.WithdrawPledge(r.Context(), pc.me.ID, r.PathValue("id"))
	back := nextPath(r, "/wallet")
	switch {
	case nestegg.Is(err, nestegg.Conflict):
		return s.seeOther(pc, back, nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	}
	return s.seeOther(pc, "/gifts/"+url.PathEscape(p.GiftID), "Your pledge of "+money.Format(p.Amount)+" is withdrawn: the money is free in your wallet again.")
}
