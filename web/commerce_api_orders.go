package web

import (
	"net/http"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/money"
)

type orderJSON struct {
	ID          string    `json:"id"`
	BuyerID     string    `json:"buyer_id"`
	RecipientID string    `json:"recipient_id"`
	MerchantID  string    `json:"merchant_id"`
	ProductID   string    `json:"product_id"`
	OfferID     string    `json:"offer_id,omitempty"`
	Title       string    `json:"title"`
	Kind        string    `json:"kind"`
	Variant     string    `json:"variant,omitempty"`
	Gift        bool      `json:"gift"`
	Amount      int64     `json:"amount"`
	Asset       string    `json:"asset"`
	Display     string    `json:"display"`
	Fee         int64     `json:"fee"`
	Refunded    int64     `json:"refunded"`
	Status      string    `json:"status"`
	Tracking    string    `json:"tracking,omitempty"`
	Address     string    `json:"shipping_address,omitempty"`
	Content     string    `json:"content,omitempty"`
	Via         string    `json:"via"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toOrderJSON(o commerce.Order) orderJSON {
	return orderJSON{ID: o.ID, BuyerID: o.BuyerID, RecipientID: o.RecipientID, MerchantID: o.MerchantID, ProductID: o.ProductID,
		OfferID: o.OfferID, Title: o.Title, Kind: string(o.Kind), Variant: o.Variant, Gift: o.Gift, Amount: o.Amount.Minor,
		Asset: o.Amount.Asset.Code, Display: money.Format(o.Amount), Fee: o.Fee, Refunded: o.Refunded, Status: string(o.Status),
		Tracking: o.Tracking, Address: o.Address, Content: o.Content, Via: string(o.Via), CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// apiOrders lists the caller's orders: ?role=buyer (default: bought by or
// for the caller) or ?role=merchant (sold), newest first, paged by
// ?before= (the created_at of the last order seen).
func (s *Server) apiOrders(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r, "role", "before", "limit"); err != nil {
		return err
	}
	before, err := apiTimeQuery(r, "before")
	if err != nil {
		return err
	}
	limit, err := apiIntQuery(r, "limit")
	if err != nil {
		return err
	}
	os, err := s.commerce.Orders(r.Context(), me, commerce.OrderRole(r.URL.Query().Get("role")), before, limit)
	if err != nil {
		return err
	}
	out := struct {
		Data []orderJSON `json:"data"`
	}{Data: []orderJSON{}}
	for _, o := range os {
		out.Data = append(out.Data, toOrderJSON(o))
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiIntQuery reads an optional integer query parameter (0 when absent).
func apiIntQuery(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' || n > 1_000_000 {
			return 0, nestegg.ParamErrorf(nestegg.Invalid, name, "%s is a whole number", name)
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// apiGetOrder shows an order to its buyer, recipient or merchant.
func (s *Server) apiGetOrder(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	o, err := s.commerce.Order(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toOrderJSON(o))
}

// apiOrderAddress sets where a physical order goes (its recipient only).
func (s *Server) apiOrderAddress(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var req struct {
		Address string `json:"shipping_address"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	o, err := s.commerce.SetShippingAddress(r.Context(), me, r.PathValue("id"), req.Address)
	if err != nil {
		return apiRenameParam(err, map[string]string{"address": "shipping_address"})
	}
	return writeJSON(w, http.StatusOK, toOrderJSON(o))
}

// apiShipOrder marks one of the caller's sales shipped, with tracking.
func (s *Server) apiShipOrder(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var req struct {
		Tracking string `json:"tracking"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	o, err := s.commerce.Ship(r.Context(), me, r.PathValue("id"), req.Tracking)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toOrderJSON(o))
}

type commerceRefundJSON struct {
	ID        string    `json:"id"`
	OrderID   string    `json:"order_id"`
	Amount    int64     `json:"amount"`
	Asset     string    `json:"asset"`
	Display   string    `json:"display"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// apiRefundOrder refunds part (amount) or all that is left of one of the
// caller's sales.
func (s *Server) apiRefundOrder(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var req struct {
		Amount amountInput `json:"amount"`
		Asset  string      `json:"asset"`
		Reason string      `json:"reason"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	var amt money.Amount
	if req.Amount.set {
		// Read the amount before looking the order up, so that a bad
		// amount is a 400 naming it whoever asks.
		if amt, err = s.resolveAmount(req.Amount, req.Asset); err != nil {
			return err
		}
		o, err := s.commerce.Order(r.Context(), me, r.PathValue("id"))
		if err != nil {
			return err
		}
		if amt.Asset.Code != o.Amount.Asset.Code {
			return nestegg.ParamErrorf(nestegg.Invalid, "asset", "the order is in %s", o.Amount.Asset.Code)
		}
	}
	rf, err := s.commerce.Refund(r.Context(), commerce.RefundInput{MerchantID: me, OrderID: r.PathValue("id"), Amount: amt.Minor,
		Reason: req.Reason, IdempotencyKey: apiIdemKey(r)})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, commerceRefundJSON{ID: rf.ID, OrderID: rf.OrderID, Amount: rf.Amount.Minor, Asset: rf.Amount.Asset.Code,
		Display: money.Format(rf.Amount), Reason: rf.Reason, CreatedAt: rf.CreatedAt})
}

type disputeJSON struct {
	ID         string     `json:"id"`
	OrderID    string     `json:"order_id"`
	BuyerID    string     `json:"buyer_id"`
	MerchantID string     `json:"merchant_id"`
	Amount     int64      `json:"amount"`
	Asset      string     `json:"asset"`
	Display    string     `json:"display"`
	Reason     string     `json:"reason"`
	Status     string     `json:"status"`
	Note       string     `json:"note,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

func toDisputeJSON(d commerce.Dispute) disputeJSON {
	out := disputeJSON{ID: d.ID, OrderID: d.OrderID, BuyerID: d.BuyerID, MerchantID: d.MerchantID, Amount: d.Amount.Minor,
		Asset: d.Amount.Asset.Code, Display: money.Format(d.Amount), Reason: d.Reason, Status: string(d.Status), Note: d.Note, CreatedAt: d.CreatedAt}
	if !d.ResolvedAt.IsZero() {
		out.ResolvedAt = &d.ResolvedAt
	}
	return out
}

// apiOpenDispute contests one of the caller's purchases.
func (s *Server) apiOpenDispute(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	d, err := s.commerce.OpenDispute(r.Context(), me, r.PathValue("id"), req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toDisputeJSON(d))
}

// apiDisputes is the staff dispute queue (?status=open), or for anyone
// else the disputes they are party to.
func (s *Server) apiDisputes(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r, "status"); err != nil {
		return err
	}
	ds, err := s.commerce.Disputes(r.Context(), me, commerce.DisputeStatus(r.URL.Query().Get("status")))
	if err != nil {
		return err
	}
	out := struct {
		Data []disputeJSON `json:"data"`
	}{Data: []disputeJSON{}}
	for _, d := range ds {
		out.Data = append(out.Data, toDisputeJSON(d))
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiResolveDispute is staff deciding a dispute: "won" posts the held
// money to the buyer, "lost" releases it to the merchant.
func (s *Server) apiResolveDispute(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var req struct {
		Outcome string `json:"outcome"`
		Note    string `json:"note"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if req.Outcome != "won" && req.Outcome != "lost" {
		return nestegg.ParamErrorf(nestegg.Invalid, "outcome", `outcome is "won" (the buyer gets the money) or "lost"`)
	}
	return s.staffAction(w, r, req.Note, func(w http.ResponseWriter) error {
		d, err := s.commerce.ResolveDispute(r.Context(), me, r.PathValue("id"), req.Outcome == "won", req.Note)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, toDisputeJSON(d))
	})
}

type purchaseJSON struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	PostID      string    `json:"post_id"`
	OfferID     string    `json:"offer_id,omitempty"`
	ProductID   string    `json:"product_id"`
	MerchantID  string    `json:"merchant_id"`
	RecipientID string    `json:"recipient_id"`
	ConfirmTag  string    `json:"confirm_hashtag"`
	Variant     string    `json:"variant,omitempty"`
	Status      string    `json:"status"`
	OrderID     string    `json:"order_id,omitempty"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// apiPurchases lists the caller's purchases made by posts that wait for
// confirmation.
func (s *Server) apiPurchases(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	ins, err := s.commerce.PendingIntents(r.Context(), me)
	if err != nil {
		return err
	}
	out := struct {
		Data []purchaseJSON `json:"data"`
	}{Data: []purchaseJSON{}}
	for _, in := range ins {
		out.Data = append(out.Data, purchaseJSON{ID: in.ID, Kind: string(in.Kind), PostID: in.PostID, OfferID: in.OfferID, ProductID: in.ProductID,
			MerchantID: in.MerchantID, RecipientID: in.RecipientID, ConfirmTag: "#" + in.ConfirmTag(), Variant: in.Variant, Status: string(in.Status),
			OrderID: in.OrderID, ExpiresAt: in.ExpiresAt})
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiConfirmPurchase confirms one of the caller's pending purchases. The
// optional query parameter variant chooses the product's variant first,
// for a post that named none (the route takes no body, so that clients
// confirming without one need send nothing).
func (s *Server) apiConfirmPurchase(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	if v := r.URL.Query().Get("variant"); v != "" {
		if _, err := s.commerce.ChooseVariant(r.Context(), me, r.PathValue("id"), v); err != nil {
			return err
		}
	}
	// The purchase's own quote is the price its notification told.
	o, err := s.commerce.ConfirmIntent(r.Context(), me, r.PathValue("id"), nil)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toOrderJSON(o))
}

type voucherJSON struct {
	ID         string    `json:"id"`
	Code       string    `json:"code"`
	OrderID    string    `json:"order_id"`
	MerchantID string    `json:"merchant_id"`
	Title      string    `json:"title"`
	Amount     int64     `json:"amount"`
	Asset      string    `json:"asset"`
	Display    string    `json:"display"`
	Status     string    `json:"status"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func toVoucherJSON(v commerce.Voucher) voucherJSON {
	return voucherJSON{ID: v.ID, Code: v.Code, OrderID: v.OrderID, MerchantID: v.MerchantID, Title: v.Title, Amount: v.Amount.Minor,
		Asset: v.Amount.Asset.Code, Display: money.Format(v.Amount), Status: string(v.Status), ExpiresAt: v.ExpiresAt}
}

// apiVouchers lists the vouchers the caller holds, with their codes.
func (s *Server) apiVouchers(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	vs, err := s.commerce.Vouchers(r.Context(), me)
	if err != nil {
		return err
	}
	out := struct {
		Data []voucherJSON `json:"data"`
	}{Data: []voucherJSON{}}
	for _, v := range vs {
		out.Data = append(out.Data, toVoucherJSON(v))
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiRedeemVoucher is a merchant typing the code a customer shows.
func (s *Server) apiRedeemVoucher(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	v, err := s.commerce.RedeemVoucher(r.Context(), me, req.Code)
	if err != nil {
		return err
	}
	v.Code = "" // the merchant typed it; the holder's list shows it
	return writeJSON(w, http.StatusOK, toVoucherJSON(v))
}
