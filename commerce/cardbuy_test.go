package commerce_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// cardShop is env with card buys on: funding on the sandbox card
// processor, with the operator's card fee (bps, fixed; negative bps: none).
type cardShop struct {
	*env
	f     *funding.Service
	cards *rails.SandboxCards
}

func newCardShop(t *testing.T, db *store.DB, cardBps, cardFixed int64) *cardShop {
	t.Helper()
	return newCardShopWith(t, db, cardBps, cardFixed, nil)
}

// newCardShopWith is newCardShop with compliance's policy changed by cfg.
func newCardShopWith(t *testing.T, db *store.DB, cardBps, cardFixed int64, cfg func(*compliance.Config)) *cardShop {
	t.Helper()
	e := newEnvWith(t, db, cfg)
	cards, err := rails.NewSandboxCards("", e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	bank, err := rails.NewSandboxBank("", e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	f, err := funding.New(db, e.ledger, e.comp, bank, cards, funding.Config{CardFeeBps: cardBps, CardFeeFixed: cardFixed, EncryptionKey: bytes.Repeat([]byte{5}, 32), Sandbox: true, Clock: e.clock.Now})
	if err != nil {
		t.Fatalf("funding.New: %v", err)
	}
	e.shop, err = commerce.New(db, e.ledger, e.social, e.comp, commerce.Config{FeeBps: feeBps, QRFeeBps: 300, Clock: e.clock.Now, Funding: f})
	if err != nil {
		t.Fatalf("commerce.New: %v", err)
	}
	return &cardShop{env: e, f: f, cards: cards}
}

// card links a sandbox test card number to user.
func (e *cardShop) card(user, number string) string {
	e.t.Helper()
	tok, err := e.cards.Tokenize(e.ctx, user, rails.CardDetails{Number: number, ExpMonth: 12, ExpYear: 2030, CVC: "123"})
	if err != nil {
		e.t.Fatalf("Tokenize: %v", err)
	}
	c, err := e.f.LinkCard(e.ctx, user, tok.Token)
	if err != nil {
		e.t.Fatalf("LinkCard: %v", err)
	}
	return c.ID
}

// clearing is what the card processor owes the platform (posted).
func (e *cardShop) clearing() int64 { return -e.platform(ledger.KindCardClearing) }

// cardConserved checks the books with card money: every cent in a wallet,
// a settlement account, the fee revenue or the liability came in through the cash or is owed by
// the card processor.
func (e *cardShop) cardConserved() {
	e.t.Helper()
	in := -e.platform(ledger.KindCash) + e.clearing()
	total := e.platform(ledger.KindFeeRevenue) + e.platform(ledger.KindLiability)
	for _, u := range e.users {
		a, err := e.ledger.Account(e.ctx, "wal:"+u+":USD")
		if nestegg.Is(err, nestegg.NotFound) {
			continue
		}
		if err != nil {
			e.t.Fatal(err)
		}
		if a.Balance() < 0 {
			e.t.Fatalf("wallet of %s is negative: %+v", u, a)
		}
		total += a.CreditsPosted - a.DebitsPosted
		// Counter takings waiting for settlement (in-store QR payments).
		if st, err := e.ledger.Account(e.ctx, "stl:"+u+":USD"); err == nil {
			total += st.CreditsPosted - st.DebitsPosted
		}
	}
	if total != in {
		e.t.Fatalf("money not conserved: wallets+fees+liability = %d, cash and card clearing in = %d", total, in)
	}
}

func (e *cardShop) stock(productID string) int64 {
	e.t.Helper()
	p, err := e.shop.Product(e.ctx, "", productID)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Stock
}

func (e *cardShop) orders(user string) []commerce.Order {
	e.t.Helper()
	os, err := e.shop.Orders(e.ctx, user, commerce.AsBuyer, time.Time{}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return os
}

func (e *cardShop) topUps(user string) int {
	e.t.Helper()
	ms, err := e.f.Movements(e.ctx, user, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ms)
}

// TestCardBuy pays a one-tap buy with a saved card: the card is charged
// the price plus the operator's card fee into the wallet, the order takes
// it from there, a retry charges once, and a changed fee is refused
// before any charge.
func TestCardBuy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardShop(t, db, 290, 30)
		shop, buyer := e.merchant("nestshop"), e.member("bea")
		mug := e.product(shop, "Nest mug", 20_00, 5, commerce.Physical)
		o := e.offer(shop, mug, "")
		visa := e.card(buyer, "4242424242424242")

		fee, err := e.shop.CardFee(mug.Price)
		if err != nil || fee.Minor != 20_00*290/10_000+30 {
			t.Fatalf("CardFee(%v) = %v, %v; want 88", mug.Price, fee, err)
		}
		wrong := usd(50)
		_, err = e.shop.BuyWithCard(e.ctx, commerce.CardBuyInput{BuyInput: commerce.BuyInput{BuyerID: buyer, OfferID: o.ID, IdempotencyKey: "k0"}, CardID: visa, CardFee: &wrong})
		wantCode(t, "BuyWithCard with a stale fee", err, nestegg.Conflict)
		if p := nestegg.ErrorParam(err); p != "card_fee" {
			t.Fatalf("stale fee: param %q, want card_fee", p)
		}
		if n := e.topUps(buyer); n != 0 || e.clearing() != 0 || e.stock(mug.ID) != 5 {
			t.Fatalf("after a stale fee: %d top-ups, clearing %d, stock %d; want nothing", n, e.clearing(), e.stock(mug.ID))
		}

		in := commerce.CardBuyInput{BuyInput: commerce.BuyInput{BuyerID: buyer, OfferID: o.ID, IdempotencyKey: "k1"}, CardID: visa, CardFee: &fee}
		b, err := e.shop.BuyWithCard(e.ctx, in)
		if err != nil || !b.Paid() {
			t.Fatalf("BuyWithCard = %+v, %v", b, err)
		}
		if b.Order.Status != commerce.StatusPaid || b.Order.Amount.Minor != 20_00 || b.Order.Fee != 50 {
			t.Fatalf("order = %+v", b.Order)
		}
		if b.TopUp.Status != funding.StatusSucceeded || b.TopUp.Amount.Minor != 20_00 || b.TopUp.Fee.Minor != 88 || b.TopUp.MethodID != visa {
			t.Fatalf("top-up = %+v", b.TopUp)
		}
		again, err := e.shop.BuyWithCard(e.ctx, in)
		if err != nil || again.Order.ID != b.Order.ID || again.TopUp.ID != b.TopUp.ID {
			t.Fatalf("retry = %+v, %v; want order %s and top-up %s", again, err, b.Order.ID, b.TopUp.ID)
		}
		e.wantBalance("buyer", buyer, 0)
		e.wantBalance("merchant", shop, 19_50)
		if got := e.platform(ledger.KindFeeRevenue); got != 50+88 {
			t.Fatalf("fee revenue = %d, want the sale's 50 and the card's 88", got)
		}
		if c := e.clearing(); c != 20_88 {
			t.Fatalf("card clearing = %d, want 20_88 charged once", c)
		}
		if n := e.topUps(buyer); n != 1 || e.stock(mug.ID) != 4 || len(e.orders(buyer)) != 1 {
			t.Fatalf("%d top-ups, stock %d, %d orders; want 1, 4, 1", n, e.stock(mug.ID), len(e.orders(buyer)))
		}

		// The same key for another purchase is refused before any charge.
		amex := e.card(buyer, "378282246310005")
		in.CardID = amex
		_, err = e.shop.BuyWithCard(e.ctx, in)
		wantCode(t, "same key, another card", err, nestegg.IdempotencyMismatch)
		_, err = e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: buyer, OfferID: o.ID, IdempotencyKey: "k1"})
		wantCode(t, "same key, from the wallet", err, nestegg.IdempotencyMismatch)
		// Someone else's card is nobody's.
		other := e.member("olly")
		_, err = e.shop.BuyWithCard(e.ctx, commerce.CardBuyInput{BuyInput: commerce.BuyInput{BuyerID: other, OfferID: o.ID, IdempotencyKey: "k1"}, CardID: visa})
		wantCode(t, "another's card", err, nestegg.NotFound)
		if c := e.clearing(); c != 20_88 || e.stock(mug.ID) != 4 {
			t.Fatalf("after refusals: clearing %d, stock %d", c, e.stock(mug.ID))
		}
		e.cardConserved()
	})
}

// TestCardBuyNoFee: an operator without a card fee charges the price.
func TestCardBuyNoFee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardShop(t, db, -1, 0)
		shop, buyer := e.merchant("nestshop"), e.member("bea")
		o := e.offer(shop, e.product(shop, "Nest ebook", 5_00, 3, commerce.Digital), "")
		fee, err := e.shop.CardFee(o.Product.Price)
		if err != nil || fee.Minor != 0 {
			t.Fatalf("CardFee = %v, %v; want 0", fee, err)
		}
		b, err := e.shop.BuyWithCard(e.ctx, commerce.CardBuyInput{BuyInput: commerce.BuyInput{BuyerID: buyer, OfferID: o.ID, IdempotencyKey: "k"},
			CardID: e.card(buyer, "4242424242424242"), CardFee: &fee})
		if err != nil || b.Order.Status != commerce.StatusDelivered || b.TopUp.Fee.Minor != 0 || e.clearing() != 5_00 {
			t.Fatalf("BuyWithCard = %+v, %v; clearing %d", b, err, e.clearing())
		}
		e.cardConserved()
	})
}

// TestCardBuyDeclined: each decline names the processor's reason and
// leaves no order, no stock taken and nothing charged, retried or not.
func TestCardBuyDeclined(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardShop(t, db, 290, 30)
		shop := e.merchant("nestshop")
		mug := e.product(shop, "Nest mug", 20_00, 5, commerce.Physical)
		o := e.offer(shop, mug, "")
		for _, tc := range []struct{ number, code string }{
			{"4000000000000002", "generic_decline"},
			{"4000000000009995", "insufficient_funds"},
			{"4000000000000069", "expired_card"},
		} {
			buyer := e.member("b" + tc.number[len(tc.number)-4:])
			in := commerce.CardBuyInput{BuyInput: commerce.BuyInput{BuyerID: buyer, OfferID: o.ID, IdempotencyKey: "k"}, CardID: e.card(buyer, tc.number)}
			for try := 0; try < 2; try++ {
				b, err := e.shop.BuyWithCard(e.ctx, in)
				if err != nil || b.Paid() || b.TopUp.Status != funding.StatusDeclined || b.TopUp.ReturnCode != tc.code || b.TopUp.Reason == "" {
					t.Fatalf("BuyWithCard(%s) try %d = %+v, %v; want declined %s", tc.number, try, b, err, tc.code)
				}
			}
			if n := e.topUps(buyer); n != 1 || len(e.orders(buyer)) != 0 || e.balance(buyer) != 0 {
				t.Fatalf("after %s: %d top-ups, %d orders, balance %d; want 1, 0, 0", tc.code, n, len(e.orders(buyer)), e.balance(buyer))
			}
		}
		if e.stock(mug.ID) != 5 || e.clearing() != 0 || e.balance(shop) != 0 {
			t.Fatalf("after declines: stock %d, clearing %d, merchant %d; want 5, 0, 0", e.stock(mug.ID), e.clearing(), e.balance(shop))
		}
		e.cardConserved()
	})
}

// TestCardBuy3DS: a card that wants 3-D Secure buys nothing until the
// top-up is confirmed; the retry with the same key then takes the order,
// charging once. Had the last unit sold meanwhile, the confirmed money
// stays in the wallet.
func TestCardBuy3DS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardShop(t, db, 290, 30)
		shop, buyer, rival := e.merchant("nestshop"), e.member("bea"), e.member("rex")
		mug := e.product(shop, "Nest mug", 20_00, 2, commerce.Physical)
		o := e.offer(shop, mug, "")
		in := commerce.CardBuyInput{BuyInput: commerce.BuyInput{BuyerID: buyer, OfferID: o.ID, IdempotencyKey: "k"}, CardID: e.card(buyer, "4000002500003155")}
		b, err := e.shop.BuyWithCard(e.ctx, in)
		if err != nil || b.Paid() || b.TopUp.Status != funding.StatusRequiresAction {
			t.Fatalf("BuyWithCard = %+v, %v; want requires_action", b, err)
		}
		if e.stock(mug.ID) != 2 || len(e.orders(buyer)) != 0 || e.balance(buyer) != 0 {
			t.Fatalf("waiting for 3-D Secure: stock %d, orders %d, balance %d", e.stock(mug.ID), len(e.orders(buyer)), e.balance(buyer))
		}
		if _, err := e.f.ConfirmTopUp(e.ctx, buyer, b.TopUp.ID); err != nil {
			t.Fatalf("ConfirmTopUp: %v", err)
		}
		done, err := e.shop.BuyWithCard(e.ctx, in)
		if err != nil || !done.Paid() || done.TopUp.ID != b.TopUp.ID {
			t.Fatalf("retry after confirming = %+v, %v", done, err)
		}
		if e.clearing() != 20_88 || e.stock(mug.ID) != 1 || e.balance(buyer) != 0 {
			t.Fatalf("clearing %d, stock %d, balance %d; want 20_88, 1, 0", e.clearing(), e.stock(mug.ID), e.balance(buyer))
		}

		// The last unit: bea waits for 3-D Secure, rex buys it from his wallet.
		in.IdempotencyKey = "k2"
		if b, err = e.shop.BuyWithCard(e.ctx, in); err != nil || b.TopUp.Status != funding.StatusRequiresAction {
			t.Fatalf("second BuyWithCard = %+v, %v", b, err)
		}
		e.fund(rival, 20_00)
		if _, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: rival, OfferID: o.ID, IdempotencyKey: "r"}); err != nil {
			t.Fatalf("rival's Buy: %v", err)
		}
		if _, err := e.f.ConfirmTopUp(e.ctx, buyer, b.TopUp.ID); err != nil {
			t.Fatalf("ConfirmTopUp: %v", err)
		}
		_, err = e.shop.BuyWithCard(e.ctx, in)
		wantCode(t, "sold out after confirming", err, nestegg.Conflict)
		if e.balance(buyer) != 20_00 || len(e.orders(buyer)) != 1 || e.stock(mug.ID) != 0 {
			t.Fatalf("balance %d, orders %d, stock %d; want 20_00, 1, 0", e.balance(buyer), len(e.orders(buyer)), e.stock(mug.ID))
		}
		// Sold out before charging: nothing is charged.
		in.IdempotencyKey, in.CardID = "k3", e.card(buyer, "4242424242424242")
		_, err = e.shop.BuyWithCard(e.ctx, in)
		wantCode(t, "sold out before the charge", err, nestegg.Conflict)
		if n := e.topUps(buyer); n != 2 {
			t.Fatalf("%d top-ups, want 2 (nothing for a sold-out offer)", n)
		}
		e.cardConserved()
	})
}

// TestCardBuyersRace: 20 card buyers race for 5 units. Exactly 5 orders
// are taken; a loser refused before the charge paid nothing; one whose card
// was charged before the last unit went has the price in the wallet and is
// told so; the processor is owed exactly what succeeded.
func TestCardBuyersRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardShop(t, db, 290, 30)
		shop := e.merchant("nestshop")
		o := e.offer(shop, e.product(shop, "Limited mug", 10_00, 5, commerce.Physical), "")
		const buyers = 20
		ids, cards := make([]string, buyers), make([]string, buyers)
		for i := range ids {
			ids[i] = e.member(fmt.Sprintf("racer%d", i))
			cards[i] = e.card(ids[i], "4242424242424242")
		}
		var wg sync.WaitGroup
		errs := make([]error, buyers)
		start := make(chan struct{})
		for i := range ids {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				_, errs[i] = e.shop.BuyWithCard(e.ctx, commerce.CardBuyInput{BuyInput: commerce.BuyInput{BuyerID: ids[i], OfferID: o.ID, IdempotencyKey: "race"}, CardID: cards[i]})
			}(i)
		}
		close(start)
		wg.Wait()
		won, charged := 0, int64(0)
		for i, err := range errs {
			switch {
			case err == nil:
				won++
				charged += 10_59
				e.wantBalance("winner", ids[i], 0)
			case nestegg.Is(err, nestegg.Conflict) && strings.Contains(nestegg.ErrorMessage(err), "in your wallet"):
				charged += 10_59
				e.wantBalance("charged loser", ids[i], 10_00)
			case nestegg.Is(err, nestegg.Conflict):
				if n := e.topUps(ids[i]); n != 0 {
					t.Errorf("buyer %d refused before the charge has %d top-ups", i, n)
				}
				e.wantBalance("loser", ids[i], 0)
			default:
				t.Errorf("buyer %d: %v", i, err)
			}
		}
		t.Logf("%d winners; the processor is owed %d", won, charged)
		if won != 5 || e.stock(o.ProductID) != 0 {
			t.Fatalf("%d orders, stock %d; want 5, 0", won, e.stock(o.ProductID))
		}
		if c := e.clearing(); c != charged {
			t.Fatalf("card clearing = %d, want %d", c, charged)
		}
		e.wantBalance("merchant", shop, 5*(10_00-25))
		e.cardConserved()
	})
}
