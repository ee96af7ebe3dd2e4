package web_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/social"
)

// shopWorld is the shop of an authzWorld. The owner and the other member
// are businesses, each with a $5 product, an offer and a gift handle. The
// other bought the owner's product (sold, with a shipping address only the
// owner and the other may see) and the owner bought the other's (bought);
// the other sent the stranger a gift from the owner's shop (giftCode: the
// owner's to redeem, not the stranger's), and the stranger sent the owner
// one from the other's (ownVoucher). The owner's post with the other's
// buy hashtag waits for confirmation (intent); the other disputes sold.
type shopWorld struct {
	product, offer, otherOffer string
	sold, bought, address      string
	giftCode, ownVoucher       string
	intent, dispute            string
}

var shopSeq atomic.Int64

func (e *apiEnv) newShopWorld(t *testing.T, w *authzWorld) *shopWorld {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	n := shopSeq.Add(1)
	sw := &shopWorld{address: fmt.Sprintf("%d Secret Lane", n)}
	for _, id := range []string{w.owner.id, w.other.id} {
		must(e.social.SetKind(ctx, id, social.Business))
	}
	for _, c := range []struct{ id, amount string }{{w.owner.id, "50"}, {w.other.id, "50"}, {w.stranger.id, "20"}} {
		_, err := e.pay.Credit(ctx, c.id, usdAmount(t, c.amount), fmt.Sprintf("shop-fund-%s-%d", c.id, n), "authz")
		must(err)
	}
	shop := func(id, tag string) (commerce.Product, commerce.Offer) {
		p, err := e.shop.CreateProduct(ctx, id, commerce.ProductInput{Title: "Mug", Price: usdAmount(t, "5"), Stock: 10})
		must(err)
		o, err := e.shop.CreateOffer(ctx, id, commerce.OfferInput{ProductID: p.ID, Hashtag: tag})
		must(err)
		_, err = e.shop.SetMerchantSettings(ctx, id, commerce.Merchant{GiftHandle: tag + "gift", GiftProductID: p.ID})
		must(err)
		return p, o
	}
	p, o := shop(w.owner.id, fmt.Sprintf("ownbuy%d", n))
	_, oo := shop(w.other.id, fmt.Sprintf("othbuy%d", n))
	sw.product, sw.offer, sw.otherOffer = p.ID, o.ID, oo.ID
	sold, err := e.shop.Buy(ctx, commerce.BuyInput{BuyerID: w.other.id, OfferID: o.ID, IdempotencyKey: "sold"})
	must(err)
	_, err = e.shop.SetShippingAddress(ctx, w.other.id, sold.ID, sw.address)
	must(err)
	bought, err := e.shop.Buy(ctx, commerce.BuyInput{BuyerID: w.owner.id, OfferID: oo.ID, IdempotencyKey: "bought"})
	must(err)
	sw.sold, sw.bought = sold.ID, bought.ID

	gift := func(sender, handle, friend string) {
		_, err := e.social.CreatePost(ctx, sender, social.NewPost{Body: "@" + handle + " @" + friend})
		must(err)
		ins, err := e.shop.PendingIntents(ctx, sender)
		must(err)
		_, err = e.shop.ConfirmIntent(ctx, sender, ins[0].ID, nil)
		must(err)
	}
	gift(w.other.id, fmt.Sprintf("ownbuy%dgift", n), w.stranger.handle)
	gift(w.stranger.id, fmt.Sprintf("othbuy%dgift", n), w.owner.handle)
	vs, err := e.shop.Vouchers(ctx, w.stranger.id)
	must(err)
	sw.giftCode = vs[0].Code
	vs, err = e.shop.Vouchers(ctx, w.owner.id)
	must(err)
	sw.ownVoucher = vs[0].Code

	_, err = e.social.CreatePost(ctx, w.owner.id, social.NewPost{Body: fmt.Sprintf("#othbuy%d please", n)})
	must(err)
	ins, err := e.shop.PendingIntents(ctx, w.owner.id)
	must(err)
	sw.intent = ins[0].ID
	d, err := e.shop.OpenDispute(ctx, w.other.id, sold.ID, "never came")
	must(err)
	sw.dispute = d.ID
	return sw
}

// onShop is a case on the shop world: nobody gets 401.
func onShop(path func(sw *shopWorld) string, body string, stranger, owner int, private ...func(sw *shopWorld) string) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		sw := e.newShopWorld(t, w)
		c := authzCase{path: path(sw), body: body, nobody: s401, stranger: stranger, owner: owner}
		for _, p := range private {
			c.private = append(c.private, p(sw))
		}
		return c
	}
}

func shopPublic(path func(sw *shopWorld) string) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: path(e.newShopWorld(t, w)), nobody: s200, stranger: s200, owner: s200}
	}
}

// shopAuthzCases are the shop routes' authorization cases; see authzCases.
var shopAuthzCases = map[string]func(t *testing.T, e *apiEnv, w *authzWorld) authzCase{
	// Only businesses sell: the stranger is a member.
	"POST /api/v1/products":     onShop(func(*shopWorld) string { return "/api/v1/products" }, `{"title":"Cup","price":"$2","stock":1}`, s403, s201),
	"GET /api/v1/products/{id}": shopPublic(func(sw *shopWorld) string { return "/api/v1/products/" + sw.product }),
	"PATCH /api/v1/products/{id}": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		c := onShop(func(sw *shopWorld) string { return "/api/v1/products/" + sw.product }, `{"title":"Renamed","price":500,"stock":3}`, s404, s200)(t, e, w)
		c.after = func(t *testing.T, e *apiEnv, w *authzWorld) {
			ps, _ := e.shop.Catalogue(context.Background(), w.owner.id, w.owner.id)
			for _, p := range ps {
				if p.Title == "Renamed" {
					t.Errorf("a stranger renamed the owner's product")
				}
			}
		}
		return c
	},
	"GET /api/v1/users/{handle}/products": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		e.newShopWorld(t, w)
		return authzCase{path: "/api/v1/users/" + w.owner.handle + "/products", nobody: s200, stranger: s200, owner: s200}
	},
	"GET /api/v1/me/shop": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		e.newShopWorld(t, w)
		return authzCase{path: "/api/v1/me/shop", nobody: s401, stranger: s200, owner: s200, private: []string{"ownbuy"}}
	},
	"PUT /api/v1/me/shop": onShop(func(*shopWorld) string { return "/api/v1/me/shop" }, `{"voucher_days":30,"voucher_policy":"keep"}`, s403, s200),
	"POST /api/v1/offers": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		sw := e.newShopWorld(t, w)
		return authzCase{path: "/api/v1/offers", body: fmt.Sprintf(`{"product_id":%q}`, sw.product), nobody: s401, stranger: s403, owner: s201}
	},
	"GET /api/v1/offers/{id}":      shopPublic(func(sw *shopWorld) string { return "/api/v1/offers/" + sw.offer }),
	"POST /api/v1/offers/{id}/end": onShop(func(sw *shopWorld) string { return "/api/v1/offers/" + sw.offer + "/end" }, "", s404, s204),
	// Anyone may buy the owner's offer but the owner.
	"POST /api/v1/offers/{id}/buy":             onShop(func(sw *shopWorld) string { return "/api/v1/offers/" + sw.offer + "/buy" }, `{}`, s201, s400),
	"GET /api/v1/orders":                       onShop(func(*shopWorld) string { return "/api/v1/orders" }, "", s200, s200, func(sw *shopWorld) string { return sw.bought }),
	"GET /api/v1/orders/{id}":                  onShop(func(sw *shopWorld) string { return "/api/v1/orders/" + sw.sold }, "", s404, s200, func(sw *shopWorld) string { return sw.address }),
	"PUT /api/v1/orders/{id}/shipping-address": onShop(func(sw *shopWorld) string { return "/api/v1/orders/" + sw.bought + "/shipping-address" }, `{"shipping_address":"2 Owner Road"}`, s404, s200),
	// sold is disputed: the owner may not ship it now.
	"POST /api/v1/orders/{id}/ship":       onShop(func(sw *shopWorld) string { return "/api/v1/orders/" + sw.bought + "/ship" }, `{"tracking":"x"}`, s404, s404),
	"POST /api/v1/orders/{id}/refunds":    onShop(func(sw *shopWorld) string { return "/api/v1/orders/" + sw.sold + "/refunds" }, `{"amount":100}`, s404, s409),
	"POST /api/v1/orders/{id}/dispute":    onShop(func(sw *shopWorld) string { return "/api/v1/orders/" + sw.bought + "/dispute" }, `{"reason":"broken"}`, s404, s201),
	"GET /api/v1/purchases":               onShop(func(*shopWorld) string { return "/api/v1/purchases" }, "", s200, s200, func(sw *shopWorld) string { return sw.intent }),
	"POST /api/v1/purchases/{id}/confirm": onShop(func(sw *shopWorld) string { return "/api/v1/purchases/" + sw.intent + "/confirm" }, "", s404, s201),
	"GET /api/v1/vouchers":                onShop(func(*shopWorld) string { return "/api/v1/vouchers" }, "", s200, s200, func(sw *shopWorld) string { return sw.ownVoucher }),
	// The stranger holds the voucher, and still may not redeem it: only
	// the shop that issued it does, with the code the holder shows.
	"POST /api/v1/vouchers/redeem": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		sw := e.newShopWorld(t, w)
		return authzCase{path: "/api/v1/vouchers/redeem", body: fmt.Sprintf(`{"code":%q}`, sw.giftCode), nobody: s401, stranger: s404, owner: s200,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				vs, _ := e.shop.Vouchers(context.Background(), w.stranger.id)
				if len(vs) != 1 || vs[0].Status != commerce.VoucherActive {
					t.Errorf("the holder's attempt changed the voucher: %+v", vs)
				}
			}}
	},
	"GET /api/v1/disputes": onShop(func(*shopWorld) string { return "/api/v1/disputes" }, "", s200, s200, func(sw *shopWorld) string { return sw.dispute }),
	// Only staff resolve disputes: here the owner is support staff.
	"POST /api/v1/disputes/{id}/resolve": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		// Both are staff; the owner is the dispute's merchant, and a party
		// cannot resolve it (issue 11 item 16): the stranger can.
		sw := e.newShopWorld(t, w)
		for _, id := range []string{w.owner.id, w.stranger.id} {
			if err := e.social.OperatorSetStaffRole(context.Background(), id, social.Support); err != nil {
				t.Fatal(err)
			}
		}
		return authzCase{path: "/api/v1/disputes/" + sw.dispute + "/resolve", body: `{"outcome":"lost","note":"proof of delivery"}`, nobody: s401, stranger: s200, owner: s403}
	},
}
