package web

import (
	"net/http"
	"time"

	"github.com/nestegg/nestegg/billing"
)

// A creator's side of subscriptions (creator_api.go): their tiers (at
// most three active) and their earnings. Each route acts for the signed-in
// creator on their own product only.

func (s *Server) apiCreateTier(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	var req struct {
		Name     string      `json:"name"`
		Price    amountInput `json:"price"`
		Asset    string      `json:"asset"`
		Period   string      `json:"period"`
		Benefits string      `json:"benefits"`
		Rank     int         `json:"rank"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return priceParam(err)
	}
	price, err := s.resolveAmount(req.Price, req.Asset)
	if err != nil {
		return priceParam(err)
	}
	if req.Period == "" {
		req.Period = string(billing.Monthly)
	}
	p, err := s.billing.CreatePlan(r.Context(), me, billing.PlanInput{Product: billing.CreatorProduct(me), Name: req.Name, Rank: req.Rank,
		Period: billing.Period(req.Period), Price: price, Benefits: req.Benefits})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toPlanJSON(p))
}

func (s *Server) apiUpdateTier(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	req := struct {
		Name     *string `json:"name"`
		Benefits *string `json:"benefits"`
		Active   *bool   `json:"active"`
	}{}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	p, err := s.billing.Plan(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	name, benefits, active := p.Name, p.Benefits, p.Active
	if req.Name != nil {
		name = *req.Name
	}
	if req.Benefits != nil {
		benefits = *req.Benefits
	}
	if req.Active != nil {
		active = *req.Active
	}
	p, err = s.billing.UpdatePlan(r.Context(), me, p.ID, name, benefits, active)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toPlanJSON(p))
}

func (s *Server) apiTierPrice(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
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
	p, err = s.billing.SetPrice(r.Context(), me, p.ID, price)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toPlanJSON(p))
}

type subEarningsJSON struct {
	Days        int    `json:"days"`
	Asset       string `json:"asset"`
	Gross       int64  `json:"gross"`
	Fee         int64  `json:"fee"`
	Net         int64  `json:"net"`
	Refunded    int64  `json:"refunded"`
	Charges     int    `json:"charges"`
	Subscribers int    `json:"subscribers"`
}

func (s *Server) apiEarnings(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	out := []subEarningsJSON{}
	for _, days := range []int{30, 365} {
		es, err := s.billing.CreatorEarnings(r.Context(), me, s.clock().Add(-time.Duration(days)*24*time.Hour))
		if err != nil {
			return err
		}
		for _, e := range es {
			out = append(out, subEarningsJSON{Days: days, Asset: e.Asset, Gross: e.Gross, Fee: e.Fee, Net: e.Net, Refunded: e.Refunded, Charges: e.Charges, Subscribers: e.Subscribers})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

// priceParam names the price field in an amount's error: these requests
// call it "price".
func priceParam(err error) error { return apiRenameParam(err, map[string]string{"amount": "price"}) }
