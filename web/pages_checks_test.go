package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// checksSite is the web app with payments, compliance and the shop, as
// serve wires them, with the services at hand for the tests of issue 11
// items 18–20 (variants, post commands, checks on the review page).
type checksSite struct {
	*payPageSite
	shop *commerce.Service
	comp *compliance.Service
}

func newChecksSite(t testing.TB, db *store.DB) *checksSite {
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
	shop, err := commerce.New(db, l, soc, comp, commerce.Config{FeeBps: 250, Clock: clock.Now})
	if err != nil {
		t.Fatalf("commerce.New: %v", err)
	}
	soc.SetPostHook(func(ctx context.Context, tx *sql.Tx, p social.Post) error {
		if err := pay.OnPost(ctx, tx, p); err != nil {
			return err
		}
		return shop.OnPost(ctx, tx, p)
	})
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Commerce: shop, Version: "test"})
	hs := httptest.NewServer(srv)
	k := movement.New(db, l, comp, nil)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		movementtest.Audit(t, k)
		l.Close()
	})
	return &checksSite{payPageSite: &payPageSite{pageSite: &pageSite{t: t, url: hs.URL, social: soc, clock: clock}, pay: pay}, shop: shop, comp: comp}
}

// userID is the id of the member with handle.
func (s *checksSite) userID(handle string) string {
	s.t.Helper()
	u, err := s.social.UserByHandle(context.Background(), handle)
	if err != nil {
		s.t.Fatalf("user %s: %v", handle, err)
	}
	return u.ID
}

// variantOffer makes handle a business with a mug in Cream and Charcoal
// on offer as #BuyNestMug.
func (s *checksSite) variantOffer(handle string) commerce.Offer {
	s.t.Helper()
	ctx := context.Background()
	id := s.userID(handle)
	if err := s.social.SetKind(ctx, id, social.Business); err != nil {
		s.t.Fatal(err)
	}
	p, err := s.shop.CreateProduct(ctx, id, commerce.ProductInput{Title: "Nest mug", Price: usd(12_00), Stock: 5, Kind: commerce.Physical,
		Variants: []string{"Cream", "Charcoal"}})
	if err != nil {
		s.t.Fatal(err)
	}
	o, err := s.shop.CreateOffer(ctx, id, commerce.OfferInput{ProductID: p.ID, Hashtag: "BuyNestMug"})
	if err != nil {
		s.t.Fatal(err)
	}
	return o
}

// TestPageHashtagBuyVariant (issue 11 item 18): a purchase a post asked
// for, of a product with variants, can be finished on the orders page:
// its Confirm form asks for the variant (preselecting one the post
// named), and confirming buys the one chosen. Before, the form had no
// choice and confirming always failed with "choose one of".
func TestPageHashtagBuyVariant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newChecksSite(t, db)
		s.signup("mugshop")
		bea := s.signup("bea")
		s.fund("bea", "$50")
		s.variantOffer("mugshop")
		ctx := context.Background()

		bea.postAs("I want one #BuyNestMug")
		orders := bea.get("/orders")
		wantBody(t, "orders page", orders, `name="variant" required`, "<option>Cream</option>", "<option>Charcoal</option>")
		ins, err := s.shop.PendingIntents(ctx, s.userID("bea"))
		if err != nil || len(ins) != 1 {
			t.Fatalf("pending = %+v, %v", ins, err)
		}
		r := bea.post("/purchases/"+ins[0].ID+"/confirm", "expected_price", "1200", "asset", "USD", "variant", "Charcoal", "next", "/orders")
		wantStatus(t, "confirm with a variant", r, 303)
		wantBody(t, "after confirming", unescaped(bea.get(r.location)), "Bought Nest mug (Charcoal) for $12.00.")
		os, err := s.shop.Orders(ctx, s.userID("bea"), commerce.AsBuyer, time.Time{}, 0)
		if err != nil || len(os) != 1 || os[0].Variant != "Charcoal" {
			t.Fatalf("orders = %+v, %v; want one Charcoal mug", os, err)
		}
		s.wantBalance("bea", "$38.00")

		// Named in the post: the form preselects it.
		bea.postAs("and one more #BuyNestMug cream")
		wantBody(t, "orders page, variant named", bea.get("/orders"), "<option selected>Cream</option>")
	})
}

// TestPageReviewChecksFirst (issue 11 item 20): the confirmation page of
// money leaving checks the balance, the limits and the account's state
// before offering the button (payments.Preview: the compliance
// checkpoint's read-only evaluation), and says what is wrong. Before, it
// offered "Send $5,000.00" from a $50 wallet, and limits and frozen
// accounts surfaced only after confirming. A preview writes nothing: no
// audit row.
func TestPageReviewChecksFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newChecksSite(t, db)
		ctx := context.Background()
		alice := s.signup("alice")
		s.signup("bob")
		s.fund("alice", "$50")
		sendReview := func(amount string) pageResp {
			t.Helper()
			alice.get("/pay")
			r := alice.post("/pay", "mode", "send", "to", "@bob", "amount", amount, "audience", "private", "key", "k-"+amount)
			wantStatus(t, "review of "+amount, r, 200)
			return unescaped(r)
		}
		audits := func() int {
			t.Helper()
			page, err := s.comp.Audit(ctx, s.userID("alice"), "", 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Entries)
		}

		r := sendReview("$5000")
		wantBody(t, "review beyond the balance", r, `id="problem"`, "Not enough money: you have $50.00; this needs $5,000.00.")
		wantNoBody(t, "review beyond the balance", r, `id="confirm"`, "Send $5,000.00")

		// Within the balance but over the limit for unverified accounts.
		s.fund("alice", "$600")
		r = sendReview("$600")
		wantBody(t, "review over the limit", r, `id="problem"`, "This can't go through: $600.00 is over the limit of $500.00 per payment for unverified accounts.")
		wantNoBody(t, "review over the limit", r, `id="confirm"`)

		// A frozen account is told before, not after.
		if err := s.comp.Freeze(ctx, "usr_staff", s.userID("alice"), "checking a report"); err != nil {
			t.Fatal(err)
		}
		r = sendReview("$5")
		wantBody(t, "review when frozen", r, `id="problem"`, "your account is frozen; contact support")
		wantNoBody(t, "review when frozen", r, `id="confirm"`)
		before := audits()
		if err := s.comp.Unfreeze(ctx, "usr_staff", s.userID("alice"), "all clear"); err != nil {
			t.Fatal(err)
		}

		// What would go through shows the button; reviewing wrote nothing.
		before = audits()
		r = sendReview("$5")
		wantBody(t, "review that can go", r, `id="confirm"`, "Send $5.00 to @bob")
		wantNoBody(t, "review that can go", r, `id="problem"`)
		if n := audits(); n != before {
			t.Fatalf("reviewing wrote %d audit rows", n-before)
		}

		// Paying a request is checked the same way.
		bob := s.userID("bob")
		rq, err := s.pay.Request(ctx, payments.RequestInput{RequesterID: bob, FromHandle: "alice", Amount: usd(900_00), Note: "rent", IdempotencyKey: "rq-1"})
		if err != nil {
			t.Fatal(err)
		}
		alice.get("/wallet")
		r = unescaped(alice.post("/requests/"+rq.ID+"/pay", "key", "k-rq"))
		wantStatus(t, "review of a request", r, 200)
		wantBody(t, "review of a request", r, `id="problem"`, "Not enough money: you have $650.00; this needs $900.00.")
		wantNoBody(t, "review of a request", r, `id="confirm"`)
		s.wantBalance("alice", "$650.00")
	})
}

// TestPagePostCommands (issue 11 item 19): a post command notifies nobody
// until confirmed, its amount reaches nobody but its author (the payment
// is private), the post's own button confirms it in one step, and a
// command that did nothing says why on the post. Before, bob got a mention
// notification with the amount, everyone saw "$5" on the post, confirming
// opened a second confirmation page, and a malformed command showed
// nothing.
func TestPagePostCommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newChecksSite(t, db)
		alice, bob, carol := s.signup("alice"), s.signup("bob"), s.signup("carol")
		s.fund("alice", "$20")
		post := alice.postAs("@pay @bob $5 lunch")

		// Nobody is told, and nobody else sees the amount.
		wantNoBody(t, "bob's notifications before confirming", bob.get("/notifications"), post)
		for who, u := range map[string]*pageUser{"bob": bob, "carol": carol, "a visitor": s.visitor()} {
			r := u.get("/posts/" + post)
			wantStatus(t, who+" reads the post", r, 200)
			wantBody(t, who+" reads the post", r, "@pay", "••• lunch")
			wantNoBody(t, who+" reads the post", r, "$5")
		}

		// One confirmation: the card's button sends.
		home := alice.get("/")
		wantBody(t, "author's card", unescaped(home), ">@bob</a> $5 lunch", "Payment pending confirmation · $5.00 to @bob",
			`<input type="hidden" name="confirm" value="yes">`, ">Send $5.00 to @bob</button>")
		m := intentRE.FindStringSubmatch(home.body)
		if m == nil {
			t.Fatalf("no Confirm form on the author's card:\n%s", home.body)
		}
		r := alice.post("/intents/"+m[1]+"/confirm", "confirm", "yes", "next", "/posts/"+post)
		wantStatus(t, "confirm on the card", r, 303)
		wantBody(t, "after confirming", unescaped(alice.get(r.location)), "Done: your post's payment is completed.", "Payment completed")
		s.wantBalance("alice", "$15.00")
		s.wantBalance("bob", "$5.00")
		bn := unescaped(bob.get("/notifications"))
		wantBody(t, "bob's notifications after confirming", bn, "sent you $5.00: lunch")
		wantNoBody(t, "bob's notifications after confirming", bn, "mentioned you")
		wantNoBody(t, "carol after confirming", carol.get("/posts/"+post), "$5")

		// A command that did nothing says why, on the post.
		bad := alice.postAs("@pay @bob lunch")
		card := unescaped(alice.get("/posts/" + bad))
		wantBody(t, "a malformed command's card", card, "No payment: this post could not be read as one", `"lunch" is not a valid amount`, "@pay @bob $5 lunch")
		ghost := alice.postAs("@pay @nobodyhere $3")
		wantBody(t, "a command to nobody", unescaped(alice.get("/posts/"+ghost)), "Payment failed", "nobody is called @nobodyhere")

		// A command confirming would fail says so on the card, with no button.
		big := alice.postAs("@pay @bob $400 rent")
		bc := unescaped(alice.get("/posts/" + big))
		wantBody(t, "card of a command beyond the balance", bc, "Not enough money: you have $15.00; this needs $400.00.")
		wantNoBody(t, "card of a command beyond the balance", bc, ">Send $400.00 to @bob</button>")
	})
}

// TestAPIConfirmPurchaseVariant (issue 11 item 18): through the API, a
// purchase a post asked for of a product with variants lists the variant
// the post named, and confirming takes {"variant"} for one that named
// none (?variant=); without it the answer is 400 naming the choices,
// nothing charged.
func TestAPIConfirmPurchaseVariant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		ctx := context.Background()
		shop, buyer := e.signupMember(t, "apimugs"), e.signupMember(t, "apibuyer")
		if err := e.social.SetKind(ctx, shop.id, social.Business); err != nil {
			t.Fatal(err)
		}
		e.fundWallet(t, buyer.id, 100_00)
		p, err := e.shop.CreateProduct(ctx, shop.id, commerce.ProductInput{Title: "Mug", Price: usd(5_00), Stock: 5, Kind: commerce.Physical,
			Variants: []string{"Cream", "Charcoal"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.shop.CreateOffer(ctx, shop.id, commerce.OfferInput{ProductID: p.ID, Hashtag: "BuyApiMug"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.social.CreatePost(ctx, buyer.id, social.NewPost{Body: "#BuyApiMug"}); err != nil {
			t.Fatal(err)
		}
		ins, err := e.shop.PendingIntents(ctx, buyer.id)
		if err != nil || len(ins) != 1 {
			t.Fatalf("pending = %+v, %v", ins, err)
		}
		confirm := func(key, variant string) *httptest.ResponseRecorder {
			path := "/api/v1/purchases/" + ins[0].ID + "/confirm"
			if variant != "" {
				path += "?variant=" + variant
			}
			return e.serve(request("POST", path, "", "Authorization", "Bearer "+buyer.token, "Idempotency-Key", key))
		}
		w := confirm("v1", "")
		if ae := wantError(t, "confirm without a variant", w, http.StatusBadRequest, ""); ae.Error.Param != "variant" ||
			!strings.Contains(ae.Error.Message, "Cream, Charcoal") {
			t.Fatalf("confirm without a variant: %+v", ae)
		}
		if b, _ := e.pay.Balance(ctx, buyer.id, "USD"); b.Minor != 100_00 {
			t.Fatalf("buyer has %d after the refusal", b.Minor)
		}
		if w := confirm("v2", "Teal"); w.Code != http.StatusBadRequest {
			t.Fatalf("confirm with no such variant = %d %s", w.Code, w.Body)
		}
		for i := 0; i < 2; i++ { // the second is a replay of the key
			w = confirm("v3", "charcoal")
			if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"variant":"Charcoal"`) {
				t.Fatalf("confirm with a variant (%d) = %d %s", i, w.Code, w.Body)
			}
		}
		if b, _ := e.pay.Balance(ctx, buyer.id, "USD"); b.Minor != 95_00 {
			t.Fatalf("buyer has %d after confirming twice with one key, want 9500", b.Minor)
		}

		// One named in the post is listed.
		if _, err := e.social.CreatePost(ctx, buyer.id, social.NewPost{Body: "#BuyApiMug cream"}); err != nil {
			t.Fatal(err)
		}
		w = e.serve(request("GET", "/api/v1/purchases", "", "Authorization", "Bearer "+buyer.token))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"variant":"Cream"`) {
			t.Fatalf("GET purchases = %d %s", w.Code, w.Body)
		}
	})
}
