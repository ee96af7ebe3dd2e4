package web_test

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// cardShopSite is the shop's pages with card buys on, as serve wires them.
type cardShopSite struct {
	*pageSite
	shop  *commerce.Service
	funds *funding.Service
	cards *rails.SandboxCards
}

func newCardShopSite(t testing.TB, db *store.DB) *cardShopSite {
	t.Helper()
	clock := &pageClock{t: time.Now()}
	soc := social.New(db, social.Options{Clock: clock.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
	l.Start()
	ccfg := compliance.DefaultConfig()
	ccfg.Clock = clock.Now
	comp := compliance.New(db, ccfg)
	pay, err := payments.New(db, l, soc, comp, payments.Config{Clock: clock.Now})
	if err != nil {
		t.Fatalf("payments.New: %v", err)
	}
	fund, cards := newSandboxFunding(t, db, l, comp, clock, nil)
	shop, err := commerce.New(db, l, soc, comp, commerce.Config{FeeBps: 250, Clock: clock.Now, Funding: fund})
	if err != nil {
		t.Fatalf("commerce.New: %v", err)
	}
	soc.SetPostHook(func(ctx context.Context, tx *sql.Tx, p social.Post) error {
		if err := pay.OnPost(ctx, tx, p); err != nil {
			return err
		}
		return shop.OnPost(ctx, tx, p)
	})
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Commerce: shop, Funding: fund, SandboxCards: cards, Version: "test"})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		l.Close()
	})
	return &cardShopSite{pageSite: &pageSite{t: t, url: hs.URL, social: soc, clock: clock}, shop: shop, funds: fund, cards: cards}
}

// TestPageBuyWithCard: the Buy block offers the buyer's saved cards with
// the card fee shown before buying; an htmx buy with a card answers in
// place with the charge, a decline with the processor's reason (nothing
// bought), and 3-D Secure with a link to confirm the charge.
func TestPageBuyWithCard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newCardShopSite(t, db)
		ctx := context.Background()
		s.signup("cardcafe")
		bea := s.signup("cardbea")
		cafeAcct, _ := s.social.UserByHandle(ctx, "cardcafe")
		beaAcct, _ := s.social.UserByHandle(ctx, "cardbea")
		if err := s.social.SetKind(ctx, cafeAcct.ID, social.Business); err != nil {
			t.Fatal(err)
		}
		p, err := s.shop.CreateProduct(ctx, cafeAcct.ID, commerce.ProductInput{Title: "Nest mug", Price: usd(20_00), Stock: 5, Kind: commerce.Physical})
		if err != nil {
			t.Fatal(err)
		}
		o, err := s.shop.CreateOffer(ctx, cafeAcct.ID, commerce.OfferInput{ProductID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		link := func(number string) funding.Card {
			tok, err := s.cards.Tokenize(ctx, beaAcct.ID, rails.CardDetails{Number: number, ExpMonth: 12, ExpYear: 2040, CVC: "123"})
			if err != nil {
				t.Fatal(err)
			}
			c, err := s.funds.LinkCard(ctx, beaAcct.ID, tok.Token)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		// Without a card, the wallet is the only way.
		page := bea.get("/posts/" + o.PostID)
		wantBody(t, "offer without cards", page, "Paid from your wallet.")
		wantNoBody(t, "offer without cards", page, `name="pay"`)

		visa, declined, secure := link("4242424242424242"), link("4000000000000002"), link("4000002500003155")
		page = bea.get("/posts/" + o.PostID)
		wantBody(t, "offer with cards", page, `value="card:`+visa.ID+`"`, "Pay with ••••4242", "$20.88", "$0.88 card fee", `name="card_fee" value="88"`)
		key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page.body)[1]

		hx := []string{"HX-Request", "true"}
		buy := func(card funding.Card, key string) pageResp {
			return bea.postH("/offers/"+o.ID+"/buy", hx, "pay", "card:"+card.ID, "card_fee", "88", "key", key, "next", "/")
		}
		r := buy(visa, key)
		wantStatus(t, "card buy", r, 200)
		wantBody(t, "card buy", r, "Bought Nest mug for $20.00 with your card (charged $20.88, including a $0.88 card fee).", "See your order")
		wantBody(t, "card buy replayed", buy(visa, key), "Bought Nest mug")
		if ms, _ := s.funds.Movements(ctx, beaAcct.ID, 0); len(ms) != 1 {
			t.Fatalf("%d card charges after a replayed buy, want 1", len(ms))
		}

		r = buy(declined, "k-declined")
		wantBody(t, "declined", r, "Your card was declined: Your card was declined. Nothing was charged and nothing bought.")
		wantNoBody(t, "declined", r, "See your order")

		r = buy(secure, "k-3ds")
		wantBody(t, "3-D Secure", r, "3-D Secure", `href="/money/movements/top_`, "Confirm with your bank")

		if got, _ := s.shop.Product(ctx, "", p.ID); got.Stock != 4 {
			t.Fatalf("stock = %d, want 4 (one card buy)", got.Stock)
		}
		os, _ := s.shop.Orders(ctx, beaAcct.ID, commerce.AsBuyer, time.Time{}, 0)
		if len(os) != 1 {
			t.Fatalf("bea has %d orders, want 1", len(os))
		}
	})
}
