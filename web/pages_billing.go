package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// The subscription pages (pages_billing.go): Premium's plans, the review
// page before any charge, the member's subscriptions with their receipts
// and actions, and the staff queue of check reviews. Money leaves only
// from the review page's button.

func (s *Server) needBilling() error {
	if s.billing == nil || s.payments == nil {
		return nestegg.Errorf(nestegg.Unavailable, "subscriptions are not enabled on this server")
	}
	return nil
}

type planCard struct {
	billing.Plan
	Price   string
	Current bool
}

type planGroup struct {
	Title string
	Plans []planCard
}

type premiumPage struct {
	Base
	Groups   []planGroup
	Current  *subscriptionCard
	Verified bool
}

func (s *Server) premiumPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	ctx := r.Context()
	plans, err := s.billing.Plans(ctx, billing.ProductPremium, false)
	if err != nil {
		return err
	}
	d := &premiumPage{Base: pc.base("Premium"), Verified: pc.me.Verified}
	sub, ok, err := s.billing.Access(ctx, pc.me.ID, billing.ProductPremium)
	if err != nil {
		return err
	}
	if ok {
		c := s.subscriptionCard(pc, sub)
		d.Current = &c
	}
	d.Groups = []planGroup{{Title: "Monthly"}, {Title: "Yearly"}}
	for _, p := range plans {
		c := planCard{Plan: p, Price: money.Format(p.Price), Current: ok && p.ID == sub.PlanID}
		if p.Period == billing.Yearly {
			d.Groups[1].Plans = append(d.Groups[1].Plans, c)
		} else {
			d.Groups[0].Plans = append(d.Groups[0].Plans, c)
		}
	}
	return s.render(pc, "premium", d)
}

type subReviewPage struct {
	Base
	Q       billing.Quote
	Now     string
	Price   string
	Balance string
	Short   bool // the wallet cannot pay Now
	Cards   []cardChoice
	Key     string
	Action  string
	Back    string
	Problem string
}

// subscriptionReview is the confirmation page before subscribing or
// changing plan: what is charged now, from where, and what follows.
func (s *Server) subscriptionReview(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	ctx := r.Context()
	q, err := s.billing.Quote(ctx, pc.me.ID, r.URL.Query().Get("plan"))
	d := &subReviewPage{Base: pc.base("Review your subscription"), Key: oneTimeKey(), Back: nextPath(r, "/premium")}
	if err != nil {
		if !userError(err) {
			return err
		}
		d.Problem = nestegg.ErrorMessage(err)
		return s.render(pc, "subscription_review", d)
	}
	d.Q, d.Now, d.Price = q, money.Format(q.Now), money.Format(q.Plan.Price)
	d.Action = "/subscriptions"
	if q.Current.ID != "" {
		d.Action = "/subscriptions/" + url.PathEscape(q.Current.ID) + "/plan"
	}
	bal, err := s.payments.Balance(ctx, pc.me.ID, q.Plan.Price.Asset.Code)
	if err != nil {
		return err
	}
	d.Balance, d.Short = money.Format(bal), bal.Minor < q.Now.Minor
	if s.funding != nil && q.Current.ID == "" && q.Plan.Price.Asset.Code == s.funding.Asset().Code {
		if cards, err := s.funding.Cards(ctx, pc.me.ID); err == nil {
			for _, c := range cards {
				d.Cards = append(d.Cards, cardChoice{Value: "card:" + c.ID, Masked: c.Masked, Brand: c.Brand})
			}
		}
	}
	return s.render(pc, "subscription_review", d)
}

func (s *Server) subscribeSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	card, err := paymentCardID(r.PostFormValue("pay"))
	if err != nil {
		return err
	}
	sub, err := s.billing.Subscribe(r.Context(), billing.SubscribeInput{UserID: pc.me.ID, PlanID: r.PostFormValue("plan"), CardID: card,
		IdempotencyKey: formKey(r)})
	if err != nil {
		return s.billingRefused(pc, err, "/subscriptions/review?plan="+url.QueryEscape(r.PostFormValue("plan")))
	}
	return s.seeOther(pc, "/subscriptions#"+sub.ID, "You subscribed to "+sub.PlanName+": "+money.Format(amountOf(sub.Price, sub.Paid))+
		" charged. The next charge is on "+day(sub.NextCharge())+"; cancel any time.")
}

func (s *Server) subscriptionActionSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	ctx, id := r.Context(), r.PathValue("id")
	action := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	var sub billing.Subscription
	var err error
	var msg string
	switch action {
	case "plan":
		before, gerr := s.billing.Subscription(ctx, pc.me.ID, id)
		if gerr != nil {
			return gerr
		}
		sub, err = s.billing.ChangePlan(ctx, pc.me.ID, id, r.PostFormValue("plan"), formKey(r))
		switch {
		case err != nil:
		case sub.NextPlanID != "":
			msg = "Your plan changes at the end of this period, on " + day(sub.PeriodEnd) + "."
		case sub.PlanID == before.PlanID:
			msg = "You stay on " + sub.PlanName + "."
		default:
			msg = "You are on " + sub.PlanName + " now: " + money.Format(amountOf(sub.Price, sub.Paid-before.Paid)) + " charged for the rest of this period."
		}
	case "cancel":
		sub, err = s.billing.Cancel(ctx, pc.me.ID, id)
		msg = "Cancelled. You keep " + sub.PlanName + " until " + day(sub.PeriodEnd) + " and nothing more is charged."
	case "resume":
		sub, err = s.billing.Resume(ctx, pc.me.ID, id)
		msg = "Your subscription continues; the next charge is on " + day(sub.PeriodEnd) + "."
	case "pay":
		sub, err = s.billing.PayNow(ctx, pc.me.ID, id, formKey(r))
		msg = "Paid: your subscription is active again until " + day(sub.PeriodEnd) + "."
	case "payment-method":
		card, cerr := paymentCardID(r.PostFormValue("pay"))
		if cerr != nil {
			return cerr
		}
		sub, err = s.billing.SetCard(ctx, pc.me.ID, id, card)
		msg = "Renewals now pay from your wallet."
		if card != "" {
			msg = "Renewals now pay with your card."
		}
	default:
		return nestegg.Errorf(nestegg.NotFound, "no such page")
	}
	if err != nil {
		return s.billingRefused(pc, err, "/subscriptions")
	}
	return s.seeOther(pc, "/subscriptions#"+sub.ID, msg)
}

// billingRefused sends a refusal the member can act on back to a page
// with the message; other errors are the error page's.
func (s *Server) billingRefused(pc *pageCtx, err error, to string) error {
	if !userError(err) && !nestegg.Is(err, nestegg.InsufficientFunds) && !nestegg.Is(err, nestegg.Unavailable) {
		return err
	}
	msg := nestegg.ErrorMessage(err)
	if nestegg.Is(err, nestegg.InsufficientFunds) {
		msg = "Your wallet doesn't have enough for this. Add money under Wallet or Bank & cards, then try again."
	}
	return s.seeOther(pc, to, "Nothing was charged: "+msg)
}

type subscriptionCard struct {
	billing.Subscription
	StatusWords string
	Price       string
	Next        string // the next charge's date, "" without
	Paying      string // "your wallet" or "•••• 4242"
	Ends        string // when access ends, for a cancelled one
	Plans       []planCard
	Cards       []cardChoice
	Key         string
}

func (s *Server) subscriptionCard(pc *pageCtx, sub billing.Subscription) subscriptionCard {
	c := subscriptionCard{Subscription: sub, Price: money.Format(sub.Price), Paying: "your wallet", Key: oneTimeKey()}
	switch {
	case sub.Status == billing.Active && sub.CancelAtEnd:
		c.StatusWords, c.Ends = "Cancelled — active until "+day(sub.PeriodEnd), day(sub.PeriodEnd)
	case sub.Status == billing.Active:
		c.StatusWords = "Active"
	case sub.Status == billing.PastDue:
		c.StatusWords = "Payment failed — we'll try again on " + day(sub.NextAttemptAt)
	case sub.Status == billing.Lapsed:
		c.StatusWords = "Lapsed — the last payment failed"
	default:
		c.StatusWords = "Ended"
	}
	if t := sub.NextCharge(); !t.IsZero() {
		c.Next = day(t)
	}
	if s.funding != nil {
		if cards, err := s.funding.Cards(pc.r.Context(), pc.me.ID); err == nil {
			for _, cd := range cards {
				cc := cardChoice{Value: "card:" + cd.ID, Masked: cd.Masked, Brand: cd.Brand}
				c.Cards = append(c.Cards, cc)
				if cd.ID == sub.CardID {
					c.Paying = cd.Brand + " " + cd.Masked
				}
			}
		}
	}
	return c
}

type receiptLine struct {
	billing.Charge
	Amount, What, Refunded string
}

type subscriptionsPage struct {
	Base
	Subs     []subscriptionCard
	Receipts []receiptLine
}

func (s *Server) subscriptionsPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	ctx := r.Context()
	subs, err := s.billing.Subscriptions(ctx, pc.me.ID)
	if err != nil {
		return err
	}
	d := &subscriptionsPage{Base: pc.base("Subscriptions")}
	for _, sub := range subs {
		c := s.subscriptionCard(pc, sub)
		plans, err := s.billing.Plans(ctx, sub.Product, false)
		if err != nil {
			return err
		}
		for _, p := range plans {
			c.Plans = append(c.Plans, planCard{Plan: p, Price: money.Format(p.Price), Current: p.ID == sub.PlanID})
		}
		d.Subs = append(d.Subs, c)
	}
	cs, err := s.billing.Receipts(ctx, pc.me.ID, 50)
	if err != nil {
		return err
	}
	for _, c := range cs {
		l := receiptLine{Charge: c, Amount: money.Format(c.Amount)}
		switch c.Kind {
		case "upgrade":
			l.What = "Upgrade to " + planName(ctx, s, c.PlanID) + " until " + day(c.End)
		default:
			l.What = planName(ctx, s, c.PlanID) + ", " + day(c.Start) + " – " + day(c.End)
		}
		if c.Refunded > 0 {
			l.Refunded = money.Format(amountOf(c.Amount, c.Refunded))
		}
		d.Receipts = append(d.Receipts, l)
	}
	return s.render(pc, "subscriptions", d)
}

// planName is a plan's name for a receipt; a plan is never deleted, so
// a failed look-up shows its id rather than failing the page.
func planName(ctx context.Context, s *Server, id string) string {
	if p, err := s.billing.Plan(ctx, id); err == nil {
		return p.Name
	}
	return id
}

type checksPage struct {
	Base
	Users []social.User
}

func (s *Server) checksPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	us, err := s.social.CheckReviews(r.Context(), pc.me.ID)
	if err != nil {
		return err
	}
	return s.render(pc, "checks", &checksPage{Base: pc.base("Check reviews"), Users: us})
}

func (s *Server) approveCheckSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	u, err := s.social.UserByHandle(r.Context(), r.PathValue("handle"))
	if err != nil {
		return err
	}
	if err := s.social.ApproveCheck(r.Context(), pc.me.ID, u.ID); err != nil {
		return err
	}
	return s.seeOther(pc, "/staff/checks", "@"+u.Handle+"'s new name is approved: the check shows again.")
}

func amountOf(a money.Amount, minor int64) money.Amount {
	return money.Amount{Asset: a.Asset, Minor: minor}
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006")
}

// formKey is the form's idempotency key, or a fresh one.
func formKey(r *http.Request) string {
	if k := r.PostFormValue("key"); k != "" {
		return k
	}
	return oneTimeKey()
}

// profileTiers fills a creator's tiers on their profile, and the one the
// viewer subscribes to.
func (s *Server) profileTiers(pc *pageCtx, d *profilePage) error {
	if s.billing == nil || d.Profile.Kind != social.Creator {
		return nil
	}
	ctx := pc.r.Context()
	product := billing.CreatorProduct(d.Profile.ID)
	plans, err := s.billing.Plans(ctx, product, false)
	if err != nil {
		return err
	}
	var mine string
	if pc.me != nil {
		if sub, ok, err := s.billing.Access(ctx, pc.me.ID, product); err != nil {
			return err
		} else if ok {
			mine, d.Subscribed = sub.PlanID, sub.PlanName
		}
	}
	for _, p := range plans {
		d.Tiers = append(d.Tiers, planCard{Plan: p, Price: money.Format(p.Price), Current: p.ID == mine})
	}
	return nil
}

type earningsLine struct {
	Days                         int
	Gross, Fee, Net, Subscribers string
	Charges                      int
}

type creatorPage struct {
	Base
	Tiers    []planCard
	Earnings []earningsLine
	Subs     int
	CanAdd   bool
	Errors   map[string]string
	Form     map[string]string
}

// creatorPage is a creator's subscriptions: their tiers (add, reprice,
// retire) and what the tiers earned.
func (s *Server) creatorPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.showCreator(pc, http.StatusOK, nil, nil)
}

func (s *Server) showCreator(pc *pageCtx, status int, errs map[string]string, form map[string]string) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	if pc.me.Kind != social.Creator {
		return nestegg.Errorf(nestegg.Forbidden, "only creator accounts offer subscriptions")
	}
	ctx := pc.r.Context()
	plans, err := s.billing.Plans(ctx, billing.CreatorProduct(pc.me.ID), true)
	if err != nil {
		return err
	}
	d := &creatorPage{Base: pc.base("Your subscriptions"), Errors: errs, Form: form}
	active := 0
	for _, p := range plans {
		if p.Active {
			active++
		}
		d.Tiers = append(d.Tiers, planCard{Plan: p, Price: money.Format(p.Price)})
	}
	d.CanAdd = active < billing.MaxCreatorTiers
	for _, days := range []int{30, 365} {
		es, err := s.billing.CreatorEarnings(ctx, pc.me.ID, s.clock().Add(-time.Duration(days)*24*time.Hour))
		if err != nil {
			return err
		}
		for _, e := range es {
			if e.Asset == "" {
				continue
			}
			var a money.Amount
			if as, err := money.Lookup(e.Asset); err == nil {
				a.Asset = as
			}
			d.Earnings = append(d.Earnings, earningsLine{Days: days, Gross: money.Format(amountOf(a, e.Gross)), Fee: money.Format(amountOf(a, e.Fee)),
				Net: money.Format(amountOf(a, e.Net)), Charges: e.Charges})
			d.Subs = e.Subscribers
		}
	}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.Form == nil {
		d.Form = map[string]string{"period": "month"}
	}
	s.renderStatus(pc, status, "creator", d)
	return nil
}

func (s *Server) creatorTierSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	ctx := r.Context()
	form := map[string]string{"name": r.PostFormValue("name"), "price": r.PostFormValue("price"), "period": r.PostFormValue("period"), "benefits": r.PostFormValue("benefits")}
	price, err := money.ParsePositive(form["price"], "USD")
	if err == nil {
		// A tier's rank follows its price in whole units, so a dearer tier
		// is an upgrade.
		var p billing.Plan
		p, err = s.billing.CreatePlan(ctx, pc.me.ID, billing.PlanInput{Product: billing.CreatorProduct(pc.me.ID), Name: form["name"],
			Rank: int(min(price.Minor/100, 100)), Period: billing.Period(form["period"]), Price: price, Benefits: form["benefits"]})
		if err == nil {
			return s.seeOther(pc, "/creator", "Tier "+p.Name+" added at "+money.Format(p.Price)+" a "+string(p.Period)+". Mark posts “Subscribers only” when you write them.")
		}
	} else {
		err = &nestegg.Error{Code: nestegg.Invalid, Param: "price", Message: nestegg.ErrorMessage(err)}
	}
	if !userError(err) {
		return err
	}
	return s.showCreator(pc, http.StatusUnprocessableEntity, fieldErrors(err, "name", "price", "period", "benefits"), form)
}

func (s *Server) creatorTierActionSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	ctx, id := r.Context(), r.PathValue("id")
	p, err := s.billing.Plan(ctx, id)
	if err != nil {
		return err
	}
	var msg string
	switch r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:] {
	case "price":
		price, perr := money.ParsePositive(r.PostFormValue("price"), p.Price.Asset.Code)
		if perr != nil {
			return s.seeOther(pc, "/creator", "The price was not changed: "+nestegg.ErrorMessage(perr))
		}
		p, err = s.billing.SetPrice(ctx, pc.me.ID, id, price)
		msg = p.Name + " costs " + money.Format(price) + " from " + day(p.NextAt) + "; your subscribers have been told."
	case "retire":
		p, err = s.billing.UpdatePlan(ctx, pc.me.ID, id, p.Name, p.Benefits, false)
		msg = p.Name + " is retired: nobody new can subscribe, and its subscribers end at their next renewal."
	}
	if err != nil {
		if userError(err) {
			return s.seeOther(pc, "/creator", "Nothing changed: "+nestegg.ErrorMessage(err))
		}
		return err
	}
	return s.seeOther(pc, "/creator", msg)
}
