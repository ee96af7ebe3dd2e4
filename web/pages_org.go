package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// The organization pages (pages_org.go): a business's organization tier,
// its seats and affiliates; and, for every member, the invitations they
// have and the organization they are affiliated with. Seats are charged
// only from the seats review page's button.

type orgPage struct {
	Base
	Business bool
	Plans    []planCard
	// Sub is the business's organization subscription (nil without one).
	Sub         *subscriptionCard
	SubID       string
	Seats       int
	NextSeats   int
	Taken       int
	SeatPrice   string
	Affiliates  []social.Affiliation
	Invitations []social.Affiliation
	Affiliation *social.Affiliation
}

// orgState is a business's organization subscription with access, and how
// many of its seats are taken.
func (s *Server) orgState(ctx context.Context, userID string) (billing.Subscription, bool, int, error) {
	sub, ok, err := s.billing.Access(ctx, userID, billing.ProductOrganization)
	if err != nil || !ok {
		return billing.Subscription{}, false, 0, err
	}
	taken, err := s.social.SeatsTaken(ctx, userID)
	return sub, true, taken, err
}

func (s *Server) organizationPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	ctx := r.Context()
	d := &orgPage{Base: pc.base("Organization"), Business: pc.me.Kind == social.Business, NextSeats: -1}
	mine, err := s.social.Affiliations(ctx, pc.me.ID)
	if err != nil {
		return err
	}
	for i := range mine {
		if mine[i].Status == social.AffiliateActive {
			d.Affiliation = &mine[i]
		} else {
			d.Invitations = append(d.Invitations, mine[i])
		}
	}
	if !d.Business {
		return s.render(pc, "organization", d)
	}
	sub, ok, taken, err := s.orgState(ctx, pc.me.ID)
	if err != nil {
		return err
	}
	if ok {
		c := s.subscriptionCard(pc, sub)
		d.Sub, d.SubID, d.Seats, d.NextSeats, d.Taken = &c, sub.ID, sub.Seats, sub.NextSeats, taken
		plan, err := s.billing.Plan(ctx, sub.PlanID)
		if err != nil {
			return err
		}
		d.SeatPrice = money.Format(plan.SeatPrice) + " a " + string(plan.Period)
		if d.Affiliates, err = s.social.Affiliates(ctx, pc.me.ID); err != nil {
			return err
		}
		return s.render(pc, "organization", d)
	}
	plans, err := s.billing.Plans(ctx, billing.ProductOrganization, false)
	if err != nil {
		return err
	}
	for _, p := range plans {
		d.Plans = append(d.Plans, planCard{Plan: p, Price: money.Format(p.Price)})
	}
	return s.render(pc, "organization", d)
}

type seatsReviewPage struct {
	Base
	Q       billing.SeatsQuote
	Now     string
	Renews  string
	Balance string
	Short   bool
	Key     string
	Problem string
}

// seatsReview is the confirmation page before changing seats: what is
// charged now and what each renewal will be.
func (s *Server) seatsReview(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	ctx := r.Context()
	d := &seatsReviewPage{Base: pc.base("Review your seats"), Key: oneTimeKey()}
	q, err := s.quoteSeats(ctx, pc.me.ID, r.URL.Query().Get("seats"))
	if err != nil {
		if !userError(err) {
			return err
		}
		d.Problem = nestegg.ErrorMessage(err)
		return s.render(pc, "organization_seats", d)
	}
	d.Q, d.Now, d.Renews = q, money.Format(q.Now), money.Format(q.Renews)
	bal, err := s.payments.Balance(ctx, pc.me.ID, q.Now.Asset.Code)
	if err != nil {
		return err
	}
	d.Balance, d.Short = money.Format(bal), bal.Minor < q.Now.Minor
	return s.render(pc, "organization_seats", d)
}

func (s *Server) quoteSeats(ctx context.Context, userID, seats string) (billing.SeatsQuote, error) {
	n, err := parseSeats(seats)
	if err != nil {
		return billing.SeatsQuote{}, err
	}
	sub, ok, taken, err := s.orgState(ctx, userID)
	if err != nil {
		return billing.SeatsQuote{}, err
	}
	if !ok {
		return billing.SeatsQuote{}, nestegg.Errorf(nestegg.Conflict, "subscribe to the organization tier first")
	}
	if n < taken {
		return billing.SeatsQuote{}, nestegg.ParamErrorf(nestegg.Conflict, "seats", "%d seats are taken by affiliates and invitations; remove some before lowering to %d", taken, n)
	}
	return s.billing.QuoteSeats(ctx, userID, sub.ID, n)
}

// invitableSeats is how many seats invitations may fill: the seats paid
// for, or fewer when a lower number waits for the period's end (so that
// the renewal never finds more affiliates than seats).
func invitableSeats(sub billing.Subscription) int {
	if sub.NextSeats >= 0 && sub.NextSeats < sub.Seats {
		return sub.NextSeats
	}
	return sub.Seats
}

func parseSeats(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > billing.MaxSeats {
		return 0, nestegg.ParamErrorf(nestegg.Invalid, "seats", "seats are a whole number from 0 to %d", billing.MaxSeats)
	}
	return n, nil
}

func (s *Server) seatsSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	ctx := r.Context()
	n, err := parseSeats(r.PostFormValue("seats"))
	if err != nil {
		return err
	}
	sub, ok, taken, err := s.orgState(ctx, pc.me.ID)
	if err != nil {
		return err
	}
	if !ok {
		return s.seeOther(pc, "/organization", "Subscribe to the organization tier first.")
	}
	before := sub
	sub, err = s.billing.SetSeats(ctx, pc.me.ID, sub.ID, n, taken, formKey(r))
	if err != nil {
		return s.billingRefused(pc, err, "/organization")
	}
	msg := "You have " + strconv.Itoa(sub.Seats) + " seats."
	switch {
	case sub.NextSeats >= 0:
		msg = "From " + day(sub.PeriodEnd) + " you pay for " + strconv.Itoa(sub.NextSeats) + " seats; until then you keep " + strconv.Itoa(sub.Seats) + "."
	case sub.Paid > before.Paid:
		msg = "You have " + strconv.Itoa(sub.Seats) + " seats: " + money.Format(amountOf(sub.Price, sub.Paid-before.Paid)) + " charged for the rest of this period."
	}
	return s.seeOther(pc, "/organization", msg)
}

func (s *Server) inviteAffiliateSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	sub, ok, _, err := s.orgState(r.Context(), pc.me.ID)
	if err != nil {
		return err
	}
	if !ok {
		return s.seeOther(pc, "/organization", "Subscribe to the organization tier first.")
	}
	a, err := s.social.InviteAffiliate(r.Context(), pc.me.ID, r.PostFormValue("handle"), invitableSeats(sub))
	if err != nil {
		if userError(err) {
			return s.seeOther(pc, "/organization", nestegg.ErrorMessage(err))
		}
		return err
	}
	return s.seeOther(pc, "/organization", "@"+a.Member.Handle+" is invited: their profile shows your mark once they accept.")
}

func (s *Server) removeAffiliateSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	m, err := s.social.UserByHandle(r.Context(), r.PathValue("handle"))
	if err != nil {
		return err
	}
	if err := s.social.EndAffiliation(r.Context(), pc.me.ID, m.ID, true); err != nil {
		return err
	}
	return s.seeOther(pc, "/organization", "@"+m.Handle+" is no longer your affiliate; the seat is free.")
}

func (s *Server) affiliationSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	org, err := s.social.UserByHandle(r.Context(), r.PathValue("handle"))
	if err != nil {
		return err
	}
	if strings.HasSuffix(r.URL.Path, "/accept") {
		if err := s.social.AcceptAffiliation(r.Context(), pc.me.ID, org.Handle); err != nil {
			if userError(err) {
				return s.seeOther(pc, "/organization", nestegg.ErrorMessage(err))
			}
			return err
		}
		return s.seeOther(pc, "/organization", "You are an affiliate of @"+org.Handle+": your profile shows its mark.")
	}
	if err := s.social.EndAffiliation(r.Context(), org.ID, pc.me.ID, false); err != nil {
		return err
	}
	return s.seeOther(pc, "/organization", "Done: you are not affiliated with @"+org.Handle+".")
}

// officialSubmit grants or removes a member's official label (staff; the
// role table audits it with the reason).
func (s *Server) officialSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	id := r.PathValue("id")
	on := strings.HasSuffix(r.URL.Path, "/grant")
	if err := s.social.SetOfficial(r.Context(), id, on); err != nil {
		return err
	}
	msg := "The official label is granted."
	if !on {
		msg = "The official label is removed."
	}
	return s.seeOther(pc, "/staff/members/"+url.PathEscape(id), msg)
}
