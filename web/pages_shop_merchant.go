package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// shopPage is a business profile's shop: catalogue, offers, sales with
// their shipping addresses (this merchant's only), voucher redemption and
// gift settings.
type shopPage struct {
	Base
	Business bool
	Products []commerce.Product
	Offers   []commerce.Offer
	Sales    []orderLine
	Settings commerce.Merchant
	Key      string
}

func (s *Server) shopPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needShop(); err != nil {
		return err
	}
	ctx, me := r.Context(), pc.me.ID
	d := &shopPage{Base: pc.base("Shop"), Business: pc.me.Kind == social.Business, Key: oneTimeKey()}
	if !d.Business {
		return s.render(pc, "shop", d)
	}
	var err error
	if d.Products, err = s.commerce.Catalogue(ctx, me, me); err != nil {
		return err
	}
	if d.Offers, err = s.commerce.MerchantOffers(ctx, me); err != nil {
		return err
	}
	sales, err := s.commerce.Orders(ctx, me, commerce.AsMerchant, time.Time{}, 100)
	if err != nil {
		return err
	}
	for _, o := range sales {
		d.Sales = append(d.Sales, orderLine{Order: o, Price: money.Format(o.Amount), Merchant: s.shopHandle(pc, o.BuyerID)})
	}
	if d.Settings, err = s.commerce.MerchantSettings(ctx, me); err != nil {
		return err
	}
	return s.render(pc, "shop", d)
}

func (s *Server) productSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.orderAction(pc, "/shop", func() (string, error) {
		price, err := money.ParsePositive(r.FormValue("price"), "USD")
		if err != nil {
			return "", &nestegg.Error{Code: nestegg.Invalid, Param: "price", Err: err}
		}
		stock, err := strconv.ParseInt(strings.TrimSpace(r.FormValue("stock")), 10, 64)
		if err != nil {
			return "", nestegg.ParamErrorf(nestegg.Invalid, "stock", "stock is a whole number")
		}
		var variants []string
		for _, v := range strings.Split(r.FormValue("variants"), ",") {
			if v = strings.TrimSpace(v); v != "" {
				variants = append(variants, v)
			}
		}
		p, err := s.commerce.CreateProduct(r.Context(), pc.me.ID, commerce.ProductInput{Title: r.FormValue("title"), Description: r.FormValue("description"),
			Price: price, Stock: stock, Kind: commerce.ProductKind(r.FormValue("kind")), Content: r.FormValue("content"), Variants: variants})
		return "Added " + p.Title + " to your catalogue.", err
	})
}

func (s *Server) offerSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.orderAction(pc, "/shop", func() (string, error) {
		o, err := s.commerce.CreateOffer(r.Context(), pc.me.ID, commerce.OfferInput{ProductID: r.FormValue("product_id"), Text: r.FormValue("text"),
			Hashtag: r.FormValue("hashtag")})
		return "Posted your offer of " + o.Product.Title + ".", err
	})
}

func (s *Server) offerEndSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.orderAction(pc, "/shop", func() (string, error) {
		return "The offer has ended.", s.commerce.EndOffer(r.Context(), pc.me.ID, r.PathValue("id"))
	})
}

func (s *Server) shipSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.orderAction(pc, "/shop#sales", func() (string, error) {
		_, err := s.commerce.Ship(r.Context(), pc.me.ID, r.PathValue("id"), r.FormValue("tracking"))
		return "Marked shipped; the buyer was told.", err
	})
}

func (s *Server) shopRefundSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.orderAction(pc, "/shop#sales", func() (string, error) {
		var minor int64
		if v := strings.TrimSpace(r.FormValue("amount")); v != "" {
			a, err := money.ParsePositive(v, "USD")
			if err != nil {
				return "", &nestegg.Error{Code: nestegg.Invalid, Param: "amount", Err: err}
			}
			minor = a.Minor
		}
		key := r.FormValue("key")
		if key == "" {
			key = oneTimeKey()
		}
		rf, err := s.commerce.Refund(r.Context(), commerce.RefundInput{MerchantID: pc.me.ID, OrderID: r.PathValue("id"), Amount: minor,
			Reason: r.FormValue("reason"), IdempotencyKey: key})
		return "Refunded " + money.Format(rf.Amount) + ".", err
	})
}

func (s *Server) redeemSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.orderAction(pc, "/shop#redeem", func() (string, error) {
		v, err := s.commerce.RedeemVoucher(r.Context(), pc.me.ID, r.FormValue("code"))
		return "Redeemed: hand over " + v.Title + ".", err
	})
}

func (s *Server) shopSettingsSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.orderAction(pc, "/shop#gifts", func() (string, error) {
		days, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue("voucher_days")), 10, 64)
		m, err := s.commerce.SetMerchantSettings(r.Context(), pc.me.ID, commerce.Merchant{GiftHandle: r.FormValue("gift_handle"),
			GiftProductID: r.FormValue("gift_product_id"), VoucherDays: days, Policy: commerce.VoucherPolicy(r.FormValue("voucher_policy"))})
		if m.GiftHandle == "" {
			return "Saved. Gifts by mention are off.", err
		}
		return "Saved. A post \"@" + m.GiftHandle + " @friend\" now sends your gift.", err
	})
}

// disputesPage is the staff dispute queue (staff_routes.go says to whom).
type disputesPage struct {
	Base
	Disputes []commerce.Dispute
}

func (s *Server) disputesPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needShop(); err != nil {
		return err
	}
	ds, err := s.commerce.Disputes(r.Context(), pc.me.ID, commerce.DisputeOpen)
	if err != nil {
		return err
	}
	return s.render(pc, "disputes", &disputesPage{Base: pc.base("Disputes"), Disputes: ds})
}

// resolveSubmit decides a dispute. A refusal is an error page, not a
// flash, so that the audit log records how the action ended.
func (s *Server) resolveSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needShop(); err != nil {
		return err
	}
	won := r.FormValue("outcome") == "won"
	if _, err := s.commerce.ResolveDispute(r.Context(), pc.me.ID, r.PathValue("id"), won, r.FormValue("note")); err != nil {
		return err
	}
	if won {
		return s.seeOther(pc, "/staff/disputes", "Resolved for the buyer: the held money went to them.")
	}
	return s.seeOther(pc, "/staff/disputes", "Resolved for the shop: the held money was released.")
}
