package web_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestCounterCardAndPayout: bea pays a café's counter code with her saved
// card — the review shows the card fee and what the card is charged, and
// one confirmation pays; the café chooses its verified bank on the
// counter page, and the day's settlement says it was sent there.
func TestCounterCardAndPayout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newCardShopSite(t, db)
		ctx := context.Background()
		cafe, bea := s.signup("cardcounter"), s.signup("cardpayer")
		cafeAcct, _ := s.social.UserByHandle(ctx, "cardcounter")
		beaAcct, _ := s.social.UserByHandle(ctx, "cardpayer")
		if err := s.social.SetKind(ctx, cafeAcct.ID, social.Business); err != nil {
			t.Fatal(err)
		}
		tok, err := s.cards.Tokenize(ctx, beaAcct.ID, rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2040, CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		card, err := s.funds.LinkCard(ctx, beaAcct.ID, tok.Token)
		if err != nil {
			t.Fatal(err)
		}
		counter := cafe.get("/shop/counter")
		wantBody(t, "counter without a bank", counter, `id="payouts"`, "Link and verify a bank account")
		static := regexp1(t, counter.body, `href="https?://[^"]+(/q/v1\.[^"]+)"`)

		page := bea.get(static)
		wantBody(t, "the code, with a card", page, `name="pay" value="wallet"`, `value="card:`+card.ID+`"`, "••••4242")
		key := keyRE.FindStringSubmatch(page.body)[1]
		review := bea.post(static, "amount", "$10", "tip", "$1", "pay", "card:"+card.ID, "key", key)
		wantStatus(t, "card review", review, http.StatusOK)
		// The sandbox's card fee: 2.9% + 30¢ of $11.00 = 62¢.
		fee, err := s.shop.CardFee(usd(11_00))
		if err != nil {
			t.Fatal(err)
		}
		wantBody(t, "card review", review, "Card fee", "Charged to your card", "Pay $11.00 by card", `name="card_fee" value="`+strconv.FormatInt(fee.Minor, 10)+`"`)
		paid := bea.post(static, "amount", "$10", "tip", "$1", "pay", "card:"+card.ID, "card_fee", strconv.FormatInt(fee.Minor, 10), "key", key, "confirm", "yes")
		wantStatus(t, "pay by card", paid, http.StatusSeeOther)
		wantBody(t, "receipt", bea.get(paid.location), "Paid · $11.00", "@cardcounter")
		if ms, _ := s.funds.Movements(ctx, beaAcct.ID, 0); len(ms) != 1 || ms[0].Kind != funding.KindTopUp || ms[0].Amount.Minor != 11_00 {
			t.Fatalf("bea's card charges = %+v; want one of $11.00", ms)
		}
		// The same confirmation again (a double tap) charges nothing more.
		wantStatus(t, "pay by card again", bea.post(static, "amount", "$10", "tip", "$1", "pay", "card:"+card.ID, "card_fee", strconv.FormatInt(fee.Minor, 10), "key", key, "confirm", "yes"), http.StatusSeeOther)
		if ms, _ := s.funds.Movements(ctx, beaAcct.ID, 0); len(ms) != 1 {
			t.Fatalf("%d card charges after a double tap, want 1", len(ms))
		}
		wantBody(t, "takings", cafe.get("/shop/counter"), "from @cardpayer", "$11.00")

		// The café's bank, verified, chosen on the counter page.
		b, err := s.funds.LinkBank(ctx, cafeAcct.ID, funding.BankInput{HolderName: "Card Counter", RoutingNumber: "011000015", AccountNumber: "000111222333"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.funds.SandboxMicroDeposits(ctx, cafeAcct.ID, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.funds.ExportACH(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.funds.VerifyBank(ctx, cafeAcct.ID, b.ID, m[0], m[1]); err != nil {
			t.Fatal(err)
		}
		counter = cafe.get("/shop/counter")
		wantBody(t, "counter with a bank", counter, `name="bank_account_id"`, "Bank ••••2333")
		wantStatus(t, "someone else's bank", cafe.post("/shop/counter/payout", "bank_account_id", "bnk_nope"), http.StatusOK)
		saved := cafe.post("/shop/counter/payout", "bank_account_id", b.ID)
		wantStatus(t, "choose the bank", saved, http.StatusSeeOther)
		if got, err := s.shop.QRPayoutBank(ctx, cafeAcct.ID); err != nil || got != b.ID {
			t.Fatalf("QRPayoutBank = %q, %v", got, err)
		}
		wantBody(t, "counter after choosing", cafe.get("/shop/counter"), "and go on to your bank")
		s.clock.Advance(25 * time.Hour)
		if n, err := s.shop.SettleQR(ctx); err != nil || n != 1 {
			t.Fatalf("SettleQR = %d, %v", n, err)
		}
		// The card processor has not paid the platform yet (it does two
		// days after the charge): there is no cash at the bank to send, so
		// the payout waits for a later run.
		wantBody(t, "counter after settlement", cafe.get("/shop/counter"), "on its way to your bank")
		s.clock.Advance(24 * time.Hour)
		if _, err := s.funds.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := s.shop.SettleQR(ctx); err != nil || n != 0 {
			t.Fatalf("SettleQR = %d, %v", n, err)
		}
		// The settlement was yesterday's: the API's takings for that day.
		wantBody(t, "takings after the payout", cafe.get("/api/v1/qr-payments?day="+s.clock.Now().Add(-24*time.Hour).UTC().Format("2006-01-02")),
			`"payout":"sent"`)
	})
}
