package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// payPageSite is the web app with payments and the compliance checkpoint
// wired as serve wires them, posts to @pay becoming intents.
type payPageSite struct {
	*pageSite
	pay  *payments.Service
	bill *billing.Service
	comp *compliance.Service
}

func newPayPageSite(t testing.TB, db *store.DB) *payPageSite {
	t.Helper()
	clock := &pageClock{t: time.Now()}
	soc := social.New(db, social.Options{Clock: clock.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
	l.Start()
	ccfg := compliance.DefaultConfig()
	ccfg.Clock = clock.Now
	comp := compliance.New(db, withIdentity(ccfg))
	pay, err := payments.New(db, l, soc, comp, payments.Config{Clock: clock.Now})
	if err != nil {
		t.Fatalf("payments.New: %v", err)
	}
	soc.SetPostHook(pay.OnPost)
	bill, err := billing.New(db, l, soc, comp, billing.Config{Clock: clock.Now, Premium: billing.PremiumConfig{MinAccountAge: -1}})
	if err != nil {
		t.Fatal(err)
	}
	soc.SetSubscriberCheck(bill.SubscribedTo)
	soc.SetPostLimit(bill.PostChars)
	usd, _ := money.Lookup("USD")
	if err := bill.EnsurePremium(context.Background(), append(billing.DefaultPremiumPlans(usd), billing.DefaultOrganizationPlans(usd)...)); err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Billing: bill, Version: "test"})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		l.Close()
	})
	// The book auditor, after every test on this site: runs before the
	// ledger closes (cleanups run last first).
	t.Cleanup(func() { movementtest.Audit(t, movement.New(db, l, comp, nil)) })
	return &payPageSite{pageSite: &pageSite{t: t, url: hs.URL, social: soc, clock: clock}, pay: pay, bill: bill, comp: comp}
}

// fund credits a member through the operator's door.
func (s *payPageSite) fund(handle, amount string) {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.social.UserByHandle(ctx, handle)
	if err != nil {
		s.t.Fatalf("fund %s: %v", handle, err)
	}
	a, err := money.ParsePositive(amount, "USD")
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.pay.Credit(ctx, u.ID, a, "fund-"+handle+"-"+amount, "test funds"); err != nil {
		s.t.Fatalf("Credit(%s, %s): %v", handle, amount, err)
	}
}

func (s *payPageSite) balance(handle string) string {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.social.UserByHandle(ctx, handle)
	if err != nil {
		s.t.Fatal(err)
	}
	b, err := s.pay.Balance(ctx, u.ID, "USD")
	if err != nil {
		s.t.Fatal(err)
	}
	return money.Format(b)
}

func (s *payPageSite) wantBalance(handle, want string) {
	s.t.Helper()
	if got := s.balance(handle); got != want {
		s.t.Fatalf("balance of @%s = %s, want %s", handle, got, want)
	}
}

var keyRE = regexp.MustCompile(`name="key" value="([^"]+)"`)

// formKey loads a page and returns the first money form's idempotency key.
func (u *pageUser) formKey(path string) string {
	u.site.t.Helper()
	r := u.get(path)
	wantStatus(u.site.t, "GET "+path, r, http.StatusOK)
	m := keyRE.FindStringSubmatch(r.body)
	if m == nil {
		u.site.t.Fatalf("GET %s: no idempotency key in the form\n%s", path, r.body)
	}
	return m[1]
}

func TestPayPagesSendConfirmRefund(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		alice, bob, carol := site.signup("alice"), site.signup("bob"), site.signup("carol")
		site.fund("alice", "$100")

		key := alice.formKey("/pay?mode=send&to=bob")
		review := alice.post("/pay", "mode", "send", "to", "@bob", "amount", "$5", "note", "lunch", "audience", "private", "key", key)
		wantStatus(t, "review send", review, http.StatusOK)
		wantBody(t, "review send", review, "Check before you send", "$5.00", "@bob", "Only you and @bob", `name="confirm" value="yes"`)
		site.wantBalance("alice", "$100.00") // the review moves nothing

		sent := alice.post("/pay", "mode", "send", "to", "@bob", "amount", "$5", "note", "lunch", "audience", "private", "key", key, "confirm", "yes")
		wantStatus(t, "confirm send", sent, http.StatusSeeOther)
		if !strings.HasPrefix(sent.location, "/payments/pay_") {
			t.Fatalf("send redirects to %q, want a payment page", sent.location)
		}
		site.wantBalance("alice", "$95.00")
		site.wantBalance("bob", "$5.00")
		// A second click, or a reload of the confirming POST, pays once.
		again := alice.post("/pay", "mode", "send", "to", "@bob", "amount", "$5", "note", "lunch", "audience", "private", "key", key, "confirm", "yes")
		wantStatus(t, "double submit", again, http.StatusSeeOther)
		if again.location != sent.location {
			t.Errorf("double submit went to %q, want the same payment %q", again.location, sent.location)
		}
		site.wantBalance("alice", "$95.00")
		site.wantBalance("bob", "$5.00")

		page := sent.location
		wantBody(t, "payer's payment page", alice.get(page), "$5.00", "lunch", "@bob")
		bw := bob.get("/wallet")
		wantStatus(t, "bob's wallet", bw, http.StatusOK)
		wantBody(t, "bob's wallet", bw, "$5.00", "@alice", "lunch")
		wantBody(t, "bob's payment page", bob.get(page), "Refund", "Up to $5.00")

		// Strangers and nobody see nothing and refund nothing.
		wantStatus(t, "carol sees alice's payment", carol.get(page), http.StatusNotFound)
		carol.get("/wallet")
		wantStatus(t, "carol refunds it", carol.post(page+"/refund", "amount", "5", "key", "k1", "confirm", "yes"), http.StatusNotFound)
		wantStatus(t, "alice refunds her own payment", alice.post(page+"/refund", "amount", "5", "key", "k2", "confirm", "yes"), http.StatusForbidden)
		nobody := site.visitor()
		for _, p := range []string{"/wallet", page, "/pay", "/wallet/history.csv"} {
			r := nobody.get(p)
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
				t.Errorf("nobody GET %s = %d %q, want 303 to /login", p, r.status, r.location)
			}
		}
		nobody.get("/login")
		if r := nobody.post("/pay", "mode", "send", "to", "bob", "amount", "5", "key", "k3", "confirm", "yes"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
			t.Errorf("nobody POST /pay = %d %q, want 303 to /login", r.status, r.location)
		}
		site.wantBalance("alice", "$95.00")

		// Bob refunds part of it, after confirming.
		bob.get(page)
		rv := bob.post(page+"/refund", "amount", "2", "reason", "too much", "key", "rk")
		wantStatus(t, "refund review", rv, http.StatusOK)
		wantBody(t, "refund review", rv, "Refund $2.00 to @alice")
		site.wantBalance("bob", "$5.00")
		wantStatus(t, "refund", bob.post(page+"/refund", "amount", "2", "reason", "too much", "key", "rk", "confirm", "yes"), http.StatusSeeOther)
		wantStatus(t, "refund again", bob.post(page+"/refund", "amount", "2", "reason", "too much", "key", "rk", "confirm", "yes"), http.StatusSeeOther)
		site.wantBalance("bob", "$3.00")
		site.wantBalance("alice", "$97.00")
		over := bob.post(page+"/refund", "amount", "4", "key", "rk2")
		wantStatus(t, "refund more than is left", over, http.StatusUnprocessableEntity)
		wantBody(t, "refund more than is left", over, "at most $3.00")

		csv := alice.get("/wallet/history.csv")
		wantStatus(t, "CSV", csv, http.StatusOK)
		if ct := csv.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("CSV Content-Type = %q", ct)
		}
		wantBody(t, "CSV", csv, "lunch", "@bob", "too much")
		filtered := alice.get("/wallet?kind=refund&direction=received")
		wantBody(t, "filtered history", filtered, "too much")
		wantNoBody(t, "filtered history", filtered, ">Payment to")
	})
}

func TestPayPagesFormErrorsAndEscaping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		alice, bob := site.signup("alice"), site.signup("bob")
		site.fund("alice", "$10")
		key := alice.formKey("/pay")
		for _, c := range []struct{ to, amount, want string }{
			{"bob", "five", "amount"},
			{"bob", "0", "greater than zero"},
			{"nobodyhere", "5", "Nobody here is called @nobodyhere"},
			{"alice", "5", "That&#39;s you"},
		} {
			r := alice.post("/pay", "mode", "send", "to", c.to, "amount", c.amount, "key", key)
			wantStatus(t, "send "+c.to+" "+c.amount, r, http.StatusUnprocessableEntity)
			wantBody(t, "send "+c.to+" "+c.amount, r, c.want, key) // the key survives the error
		}
		r := alice.post("/pay", "mode", "send", "to", "bob", "amount", "$50", "key", key, "confirm", "yes")
		wantStatus(t, "send more than she has", r, http.StatusUnprocessableEntity)
		wantBody(t, "send more than she has", r, "enough money")

		note := `<script>alert("x")</script>`
		wantStatus(t, "send", alice.post("/pay", "mode", "send", "to", "bob", "amount", "1.50", "note", note, "key", key, "confirm", "yes"), http.StatusSeeOther)
		for _, u := range []*pageUser{alice, bob} {
			w := u.get("/wallet")
			wantBody(t, "wallet", w, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
			wantNoBody(t, "wallet", w, note)
		}
		wantNoBody(t, "notifications", bob.get("/notifications"), note)
	})
}

var intentRE = regexp.MustCompile(`/intents/(int_[0-9a-f]+)/confirm`)

func TestPayPagesPostCommandIntent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		alice, bob, carol := site.signup("alice"), site.signup("bob"), site.signup("carol")
		site.fund("alice", "$20")
		post := alice.postAs("@pay @bob $5 lunch")
		home := alice.get("/")
		wantBody(t, "author's card", home, "Payment pending confirmation", "$5.00 to @bob", ">Send $5.00 to @bob</button>")
		m := intentRE.FindStringSubmatch(home.body)
		if m == nil {
			t.Fatalf("no Confirm form on the author's card:\n%s", home.body)
		}
		intent := m[1]

		others := bob.get("/posts/" + post)
		wantBody(t, "bob sees the badge", others, "Payment pending confirmation")
		wantNoBody(t, "bob sees the badge", others, "$5.00", "/intents/")
		bob.get("/")
		wantStatus(t, "bob confirms alice's intent", bob.post("/intents/"+intent+"/confirm", "confirm", "yes"), http.StatusNotFound)
		carol.get("/")
		wantStatus(t, "carol cancels alice's intent", carol.post("/intents/"+intent+"/cancel"), http.StatusNotFound)
		site.wantBalance("alice", "$20.00")

		an := alice.get("/notifications")
		wantBody(t, "alice's notifications", an, `href="/posts/`+post+`"`)

		alice.get("/posts/" + post)
		rv := alice.post("/intents/"+intent+"/confirm", "next", "/posts/"+post)
		wantStatus(t, "confirm review", rv, http.StatusOK)
		wantBody(t, "confirm review", rv, "Send $5.00 to @bob", "Leaves your wallet")
		site.wantBalance("alice", "$20.00")
		done := alice.post("/intents/"+intent+"/confirm", "next", "/posts/"+post, "confirm", "yes")
		wantStatus(t, "confirm", done, http.StatusSeeOther)
		alice.post("/intents/"+intent+"/confirm", "next", "/posts/"+post, "confirm", "yes")
		site.wantBalance("alice", "$15.00")
		site.wantBalance("bob", "$5.00")
		wantBody(t, "completed badge", bob.get("/posts/"+post), "Payment completed")
		bw := bob.get("/wallet")
		wantBody(t, "bob's wallet", bw, "$5.00", "lunch")
		wantBody(t, "bob's notifications", bob.get("/notifications"), "/wallet#history")
	})
}

func TestPayPagesTipsAwardsRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		alice, bob, carol := site.signup("alice"), site.signup("bob"), site.signup("carol")
		site.fund("alice", "$50")
		post := bob.postAs("my first song")

		pp := alice.get("/posts/" + post)
		wantBody(t, "post page", pp, `href="/posts/`+post+`/tip"`)
		wantNoBody(t, "bob's own post", bob.get("/posts/"+post), `/tip"`)
		wantStatus(t, "bob tips himself", bob.get("/posts/"+post+"/tip"), http.StatusBadRequest)

		key := alice.formKey("/posts/" + post + "/tip")
		rv := alice.post("/posts/"+post+"/tip", "amount", "2", "audience", "public", "key", key)
		wantStatus(t, "tip review", rv, http.StatusOK)
		wantBody(t, "tip review", rv, "Tip $2.00", "Everyone, with the amount")
		wantStatus(t, "tip", alice.post("/posts/"+post+"/tip", "amount", "2", "audience", "public", "key", key, "confirm", "yes"), http.StatusSeeOther)
		site.wantBalance("alice", "$48.00")
		wantBody(t, "bob's earnings", bob.get("/posts/"+post), "Earned: $2.00 from 1 tip")
		wantNoBody(t, "alice sees no earnings", alice.get("/posts/"+post), "Earned:")
		wantBody(t, "tips on bob's wallet", bob.get("/wallet"), "Tips received", "your post")
		wantBody(t, "public feed", site.visitor().get("/payments"), "tipped", "$2.00")

		// Coins: buy after confirming, then an award.
		ck := alice.formKey("/wallet")
		wantBody(t, "buy review", alice.post("/wallet/coins/buy", "coins", "100", "key", ck), "Buy 100 coins for $10.00")
		wantStatus(t, "buy", alice.post("/wallet/coins/buy", "coins", "100", "key", ck, "confirm", "yes"), http.StatusSeeOther)
		site.wantBalance("alice", "$38.00")
		alice.get("/posts/" + post + "/tip")
		wantStatus(t, "award", alice.post("/posts/"+post+"/award", "award", "gold", "key", "aw1", "confirm", "yes"), http.StatusSeeOther)
		wantBody(t, "bob's award", bob.get("/posts/"+post), "1 gold award")

		// A request: bob asks alice; carol cannot pay or cancel it.
		rk := bob.formKey("/pay?mode=request&to=alice")
		wantStatus(t, "request", bob.post("/pay", "mode", "request", "to", "alice", "amount", "7", "note", "tickets", "key", rk), http.StatusSeeOther)
		aw := alice.get("/wallet")
		wantBody(t, "alice's requests", aw, "@bob</b> asks for <b>$7.00", "tickets")
		rid := regexp.MustCompile(`/requests/(req_[0-9a-f]+)/pay`).FindStringSubmatch(aw.body)
		if rid == nil {
			t.Fatalf("no Pay button on alice's wallet")
		}
		carol.get("/wallet")
		wantStatus(t, "carol pays it", carol.post("/requests/"+rid[1]+"/pay", "key", "c1", "confirm", "yes"), http.StatusNotFound)
		wantStatus(t, "carol cancels it", carol.post("/requests/"+rid[1]+"/cancel"), http.StatusNotFound)
		alice.get("/wallet")
		wantBody(t, "pay review", alice.post("/requests/"+rid[1]+"/pay", "key", "p1"), "Pay $7.00 to @bob")
		wantStatus(t, "pay", alice.post("/requests/"+rid[1]+"/pay", "key", "p1", "confirm", "yes"), http.StatusSeeOther)
		site.wantBalance("alice", "$31.00")
		site.wantBalance("bob", "$9.00")
	})
}

func TestPayPagesProfileButtonsAndFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		alice, bob := site.signup("alice"), site.signup("bob")
		site.fund("alice", "$10")
		p := alice.get("/u/bob")
		wantBody(t, "bob's profile", p, `href="/pay?mode=send&amp;to=bob"`, `href="/pay?mode=request&amp;to=bob"`, `href="/pay?mode=tip&amp;to=bob"`, `href="/wallet"`)
		wantNoBody(t, "own profile", bob.get("/u/bob"), "/pay?mode=send")
		form := alice.get("/pay?mode=tip&to=bob")
		wantBody(t, "profile tip form", form, `name="to" type="text" value="bob"`, `value="tip"`)
		key := keyRE.FindStringSubmatch(form.body)[1]
		wantStatus(t, "profile tip", alice.post("/pay", "mode", "tip", "to", "bob", "amount", "1", "audience", "followers", "note", "thanks", "key", key, "confirm", "yes"), http.StatusSeeOther)
		site.wantBalance("bob", "$1.00")
		// Followers-only: nobody sees it; the parties see the amount.
		wantNoBody(t, "public feed", site.visitor().get("/payments"), "thanks")
		wantBody(t, "bob's feed", bob.get("/payments"), "thanks", "$1.00")
	})
}
