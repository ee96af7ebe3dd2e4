package web

import (
	"net/http"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/money"
)

// The subscriptions API (billing_api.go): plans, the caller's
// subscriptions and receipts, staff refunds and the check review queue,
// and the operator's Premium prices. Every member route acts for the
// signed-in member only: another's subscription is NotFound.

type planJSON struct {
	ID       string `json:"id"`
	Product  string `json:"product"`
	Name     string `json:"name"`
	Rank     int    `json:"rank"`
	Period   string `json:"period"`
	Price    int64  `json:"price"`
	Asset    string `json:"asset"`
	Display  string `json:"display"`
	Benefits string `json:"benefits"`
	Active   bool   `json:"active"`
	// SeatPrice is each seat's price a period (the organization tier).
	SeatPrice int64 `json:"seat_price"`
	// PostChars is Premium's perk: the longest post (0: the standard).
	PostChars int        `json:"post_chars"`
	Next      *int64     `json:"next_price,omitempty"`
	NextAt    *time.Time `json:"next_price_from,omitempty"`
}

func toPlanJSON(p billing.Plan) planJSON {
	out := planJSON{ID: p.ID, Product: p.Product, Name: p.Name, Rank: p.Rank, Period: string(p.Period), Price: p.Price.Minor,
		Asset: p.Price.Asset.Code, Display: money.Format(p.Price), Benefits: p.Benefits, Active: p.Active, SeatPrice: p.SeatPrice.Minor,
		PostChars: p.PostChars}
	if !p.NextAt.IsZero() {
		out.Next, out.NextAt = &p.Next.Minor, &p.NextAt
	}
	return out
}

type subscriptionJSON struct {
	ID          string    `json:"id"`
	Product     string    `json:"product"`
	PlanID      string    `json:"plan_id"`
	PlanName    string    `json:"plan_name"`
	Status      string    `json:"status"`
	Price       int64     `json:"price"`
	Asset       string    `json:"asset"`
	Display     string    `json:"display"`
	PaidPeriod  int64     `json:"paid_this_period"`
	Payment     string    `json:"payment_method"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	CancelAtEnd bool      `json:"cancel_at_period_end"`
	NextPlanID  string    `json:"next_plan_id,omitempty"`
	// Seats (plans with a seat price): how many the period pays for, and
	// a lower number from its end (-1: none waits).
	Seats      int        `json:"seats"`
	NextSeats  int        `json:"next_seats"`
	NextCharge *time.Time `json:"next_charge_at,omitempty"`
	Access     bool       `json:"access"`
	CreatedAt  time.Time  `json:"created_at"`
}

func toSubscriptionJSON(s billing.Subscription, now time.Time) subscriptionJSON {
	pay := "wallet"
	if s.CardID != "" {
		pay = "card:" + s.CardID
	}
	out := subscriptionJSON{ID: s.ID, Product: s.Product, PlanID: s.PlanID, PlanName: s.PlanName, Status: string(s.Status), Price: s.Price.Minor,
		Asset: s.Price.Asset.Code, Display: money.Format(s.Price), PaidPeriod: s.Paid, Payment: pay, PeriodStart: s.PeriodStart, PeriodEnd: s.PeriodEnd,
		CancelAtEnd: s.CancelAtEnd, NextPlanID: s.NextPlanID, Access: s.Access(now), CreatedAt: s.CreatedAt,
		Seats: s.Seats, NextSeats: s.NextSeats}
	if t := s.NextCharge(); !t.IsZero() {
		out.NextCharge = &t
	}
	return out
}

type chargeJSON struct {
	ID             string    `json:"id"`
	SubscriptionID string    `json:"subscription_id"`
	PlanID         string    `json:"plan_id"`
	Kind           string    `json:"kind"`
	Amount         int64     `json:"amount"`
	Asset          string    `json:"asset"`
	Display        string    `json:"display"`
	Refunded       int64     `json:"refunded"`
	PeriodStart    time.Time `json:"period_start"`
	PeriodEnd      time.Time `json:"period_end"`
	CreatedAt      time.Time `json:"created_at"`
}

func toChargeJSON(c billing.Charge) chargeJSON {
	return chargeJSON{ID: c.ID, SubscriptionID: c.SubscriptionID, PlanID: c.PlanID, Kind: c.Kind, Amount: c.Amount.Minor, Asset: c.Amount.Asset.Code,
		Display: money.Format(c.Amount), Refunded: c.Refunded, PeriodStart: c.Start, PeriodEnd: c.End, CreatedAt: c.CreatedAt}
}

// apiBilling is the signed-in member on a billing route, or 503 without
// billing.
func (s *Server) apiBilling(r *http.Request) (string, error) {
	if s.billing == nil || s.social == nil {
		return "", nestegg.Errorf(nestegg.Unavailable, "subscriptions are not enabled on this server")
	}
	a, err := apiMe(r)
	return a.ID, err
}

// paymentCardID reads payment_method: "wallet" (or "") or "card:<id>".
func paymentCardID(v string) (string, error) {
	if v == "" || v == "wallet" {
		return "", nil
	}
	return paymentCard(v)
}

func (s *Server) apiPlans(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if s.billing == nil {
		return nestegg.Errorf(nestegg.Unavailable, "subscriptions are not enabled on this server")
	}
	product := r.URL.Query().Get("product")
	if h := r.URL.Query().Get("creator"); h != "" {
		u, err := s.social.UserByHandle(r.Context(), h)
		if err != nil {
			return nestegg.ParamErrorf(nestegg.NotFound, "creator", "no such member")
		}
		product = billing.CreatorProduct(u.ID)
	}
	if product == "" {
		product = billing.ProductPremium
	}
	plans, err := s.billing.Plans(r.Context(), product, false)
	if err != nil {
		return err
	}
	out := make([]planJSON, 0, len(plans))
	for _, p := range plans {
		out = append(out, toPlanJSON(p))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (s *Server) apiSubscribe(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	var req struct {
		PlanID        string `json:"plan_id"`
		PaymentMethod string `json:"payment_method"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	card, err := paymentCardID(req.PaymentMethod)
	if err != nil {
		return err
	}
	sub, err := s.billing.Subscribe(r.Context(), billing.SubscribeInput{UserID: me, PlanID: req.PlanID, CardID: card, IdempotencyKey: apiIdemKey(r)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toSubscriptionJSON(sub, s.clock()))
}

func (s *Server) apiSubscriptions(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	subs, err := s.billing.Subscriptions(r.Context(), me)
	if err != nil {
		return err
	}
	out := make([]subscriptionJSON, 0, len(subs))
	for _, sub := range subs {
		out = append(out, toSubscriptionJSON(sub, s.clock()))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (s *Server) apiSubscription(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	sub, err := s.billing.Subscription(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSubscriptionJSON(sub, s.clock()))
}

// apiSubscriptionAction serves the subscription's actions: plan, cancel,
// resume, pay and payment-method.
func (s *Server) apiSubscriptionAction(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, body []byte) error {
		me, err := s.apiBilling(r)
		if err != nil {
			return err
		}
		ctx, id := r.Context(), r.PathValue("id")
		var sub billing.Subscription
		switch action {
		case "plan":
			var req struct {
				PlanID string `json:"plan_id"`
			}
			if err := decodeJSON(body, &req); err != nil {
				return err
			}
			sub, err = s.billing.ChangePlan(ctx, me, id, req.PlanID, apiIdemKey(r))
		case "cancel":
			sub, err = s.billing.Cancel(ctx, me, id)
		case "resume":
			sub, err = s.billing.Resume(ctx, me, id)
		case "pay":
			sub, err = s.billing.PayNow(ctx, me, id, apiIdemKey(r))
		case "payment-method":
			var req struct {
				PaymentMethod string `json:"payment_method"`
			}
			if err := decodeJSON(body, &req); err != nil {
				return err
			}
			card, cerr := paymentCardID(req.PaymentMethod)
			if cerr != nil {
				return cerr
			}
			sub, err = s.billing.SetCard(ctx, me, id, card)
		}
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, toSubscriptionJSON(sub, s.clock()))
	}
}

func (s *Server) apiReceipts(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	cs, err := s.billing.Receipts(r.Context(), me, 100)
	if err != nil {
		return err
	}
	out := make([]chargeJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, toChargeJSON(c))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (s *Server) apiRefundCharge(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	var req struct {
		Prorated bool   `json:"prorated"`
		Reason   string `json:"reason"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	return s.staffAction(w, r, req.Reason, func(w http.ResponseWriter) error {
		c, err := s.billing.Refund(r.Context(), billing.RefundInput{StaffID: me, ChargeID: r.PathValue("id"), Prorated: req.Prorated, Reason: req.Reason,
			IdempotencyKey: apiIdemKey(r)})
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, toChargeJSON(c))
	})
}

func (s *Server) apiCheckReviews(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	us, err := s.social.CheckReviews(r.Context(), me)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"data": jsonUsers(us)})
}

func (s *Server) apiApproveCheck(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	return s.staffAction(w, r, req.Reason, func(w http.ResponseWriter) error {
		u, err := s.social.UserByHandle(r.Context(), r.PathValue("handle"))
		if err != nil {
			return nestegg.ParamErrorf(nestegg.NotFound, "handle", "no such member")
		}
		if err := s.social.ApproveCheck(r.Context(), me, u.ID); err != nil {
			return err
		}
		u, err = s.social.UserByID(r.Context(), u.ID)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, jsonUser(u))
	})
}

// apiSetPlanPrice is the operator setting a Premium plan's price (from the
// next period after the notice; subscribers are told).
func (s *Server) apiSetPlanPrice(w http.ResponseWriter, r *http.Request, body []byte) error {
	if s.billing == nil {
		return nestegg.Errorf(nestegg.Unavailable, "subscriptions are not enabled on this server")
	}
	var req struct {
		Price amountInput `json:"price"`
		Asset string      `json:"asset"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return priceParam(err)
	}
	p, err := s.billing.Plan(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if req.Asset == "" {
		req.Asset = p.Price.Asset.Code
	}
	price, err := s.resolveAmount(req.Price, req.Asset)
	if err != nil {
		return priceParam(err)
	}
	p, err = s.billing.SetPrice(r.Context(), billing.PlatformOwner, p.ID, price)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toPlanJSON(p))
}

// apiSubscriptionQuote says what subscribing to a plan, or changing to it,
// would charge now and when it applies, without doing it (the CLI asks
// before any charge).
func (s *Server) apiSubscriptionQuote(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	q, err := s.billing.Quote(r.Context(), me, r.URL.Query().Get("plan_id"))
	if err != nil {
		return err
	}
	out := map[string]any{"plan": toPlanJSON(q.Plan), "now": q.Now.Minor, "now_display": money.Format(q.Now), "at_once": q.AtOnce,
		"from": q.From, "renews_at": q.Renews}
	if q.Current.ID != "" {
		out["current"] = toSubscriptionJSON(q.Current, s.clock())
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiSetPlanPerks sets a Premium plan's perk (the operator): how long a
// post its subscribers may write.
func (s *Server) apiSetPlanPerks(w http.ResponseWriter, r *http.Request, body []byte) error {
	if s.billing == nil {
		return nestegg.Errorf(nestegg.Unavailable, "subscriptions are not enabled on this server")
	}
	var req struct {
		PostChars *int `json:"post_chars"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if req.PostChars == nil {
		return nestegg.ParamErrorf(nestegg.Invalid, "post_chars", "say how long a post the plan allows (0 for the standard)")
	}
	p, err := s.billing.SetPerks(r.Context(), r.PathValue("id"), *req.PostChars)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toPlanJSON(p))
}
