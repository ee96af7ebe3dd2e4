package payments_test

import (
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestTips(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bps    int64
		amount string
		fee    int64
	}{
		{"no fee", 0, "2", 0},
		{"5% fee", 500, "2", 10},
		{"fee rounds down", 250, "0.39", 0}, // 0.975 cents
		{"fee rounds down again", 250, "1.99", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, options{cfg: payments.Config{TipFeeBps: tc.bps}})
				alice, bob := e.signup("alice"), e.signup("bob")
				e.fund(alice, "10")
				post := e.post(bob, "my art", "")
				amt := usd(t, tc.amount)
				p, err := e.pay.Tip(e.ctx, payments.TipInput{FromUserID: alice, PostID: post.ID, Amount: amt, Note: "love it", Audience: payments.Public, IdempotencyKey: "t1"})
				must(t, "Tip", err)
				if p.Kind != payments.KindTip || p.Fee != tc.fee || p.PayeeID != bob || p.PostID != post.ID {
					t.Fatalf("Tip = %+v, want fee %d", p, tc.fee)
				}
				e.wantBalance(alice, "USD", 10_00-amt.Minor)
				e.wantBalance(bob, "USD", amt.Minor-tc.fee)
				fees, err := e.ledger.Account(e.ctx, "platform:USD:"+ledger.KindFeeRevenue)
				must(t, "fee account", err)
				if fees.CreditsPosted != tc.fee {
					t.Fatalf("fee revenue = %d, want %d", fees.CreditsPosted, tc.fee)
				}
				// A zero fee makes no zero transfer.
				wantTransfers := int64(1)
				if tc.fee > 0 {
					wantTransfers = 2
				}
				if n := e.count("SELECT count(*) FROM ledger_transfers WHERE reference = $1", p.ID); n != wantTransfers {
					t.Fatalf("tip made %d transfers, want %d", n, wantTransfers)
				}
				if n := e.hasNotification(bob, payments.NotifyTip); n.Post == nil || n.Post.ID != post.ID {
					t.Fatalf("tip notification = %+v", n)
				}
				// Retried: one tip.
				_, err = e.pay.Tip(e.ctx, payments.TipInput{FromUserID: alice, PostID: post.ID, Amount: amt, Note: "love it", Audience: payments.Public, IdempotencyKey: "t1"})
				must(t, "Tip again", err)
				e.wantBalance(bob, "USD", amt.Minor-tc.fee)
				// A profile tip.
				_, err = e.pay.Tip(e.ctx, payments.TipInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "1"), IdempotencyKey: "t2"})
				must(t, "Tip profile", err)

				earned, err := e.pay.PostTips(e.ctx, bob, post.ID)
				must(t, "PostTips", err)
				if len(earned.Tips) != 1 || earned.Tips[0].Count != 1 || earned.Tips[0].Gross != amt.Minor || earned.Tips[0].Net != amt.Minor-tc.fee {
					t.Fatalf("PostTips = %+v", earned)
				}
				_, err = e.pay.PostTips(e.ctx, alice, post.ID)
				wantCode(t, "PostTips(not the author)", err, nestegg.Forbidden)
				tips, err := e.pay.TipsReceived(e.ctx, bob, payments.Page{Limit: 1})
				must(t, "TipsReceived", err)
				if len(tips.Payments) != 1 || tips.Next == "" {
					t.Fatalf("TipsReceived page 1 = %+v", tips)
				}
				tips, err = e.pay.TipsReceived(e.ctx, bob, payments.Page{Limit: 1, Cursor: tips.Next})
				must(t, "TipsReceived", err)
				if len(tips.Payments) != 1 || tips.Payments[0].ID != p.ID || tips.Next != "" {
					t.Fatalf("TipsReceived page 2 = %+v", tips)
				}

				own := e.post(alice, "mine", "")
				_, err = e.pay.Tip(e.ctx, payments.TipInput{FromUserID: alice, PostID: own.ID, Amount: amt, IdempotencyKey: "t3"})
				wantCode(t, "Tip(own post)", err, nestegg.Invalid)
				_, err = e.pay.Tip(e.ctx, payments.TipInput{FromUserID: alice, PostID: "pst_nope", Amount: amt, IdempotencyKey: "t4"})
				wantCode(t, "Tip(no post)", err, nestegg.NotFound)
				_, err = e.pay.Tip(e.ctx, payments.TipInput{FromUserID: alice, PostID: post.ID, ToHandle: "bob", Amount: amt, IdempotencyKey: "t5"})
				wantCode(t, "Tip(both)", err, nestegg.Invalid)
				e.checkBooks()
			})
		})
	}
}

func TestCoins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{}) // 10 cents a coin, redeemed at 7
		alice, bob, carol := e.signup("alice"), e.signup("bob"), e.signup("carol")
		e.fund(alice, "20")

		buy, err := e.pay.BuyCoins(e.ctx, alice, 150, "b1")
		must(t, "BuyCoins", err)
		if buy.Amount.Minor != 15_00 || buy.Counter.Minor != 150 || buy.Counter.Asset.Code != "COIN" {
			t.Fatalf("BuyCoins = %+v", buy)
		}
		if _, err := e.pay.BuyCoins(e.ctx, alice, 150, "b1"); err != nil {
			t.Fatalf("BuyCoins again: %v", err)
		}
		_, err = e.pay.BuyCoins(e.ctx, alice, 151, "b1")
		wantCode(t, "BuyCoins(reused key)", err, nestegg.IdempotencyMismatch)
		e.wantBalance(alice, "USD", 5_00)
		e.wantBalance(alice, "COIN", 150)
		_, err = e.pay.BuyCoins(e.ctx, alice, 51, "b2")
		wantCode(t, "BuyCoins(too few dollars)", err, nestegg.InsufficientFunds)
		e.wantBalance(alice, "COIN", 150)
		_, err = e.pay.BuyCoins(e.ctx, alice, 0, "b3")
		wantCode(t, "BuyCoins(0)", err, nestegg.Invalid)

		post := e.post(bob, "a good post", "")
		aw, err := e.pay.GiveAward(e.ctx, payments.AwardInput{FromUserID: alice, PostID: post.ID, Award: "gold", IdempotencyKey: "a1"})
		must(t, "GiveAward", err)
		if aw.Amount.Minor != 100 || aw.Award != "gold" || aw.PayeeID != bob {
			t.Fatalf("GiveAward = %+v", aw)
		}
		_, err = e.pay.GiveAward(e.ctx, payments.AwardInput{FromUserID: alice, PostID: post.ID, Award: "heart", IdempotencyKey: "a2"})
		must(t, "GiveAward heart", err)
		_, err = e.pay.GiveAward(e.ctx, payments.AwardInput{FromUserID: alice, PostID: post.ID, Award: "gold", IdempotencyKey: "a3"})
		wantCode(t, "GiveAward(too few coins)", err, nestegg.InsufficientFunds)
		_, err = e.pay.GiveAward(e.ctx, payments.AwardInput{FromUserID: alice, PostID: post.ID, Award: "platinum", IdempotencyKey: "a4"})
		wantCode(t, "GiveAward(unknown)", err, nestegg.Invalid)
		_, err = e.pay.GiveAward(e.ctx, payments.AwardInput{FromUserID: bob, PostID: post.ID, Award: "heart", IdempotencyKey: "a5"})
		wantCode(t, "GiveAward(own post)", err, nestegg.Invalid)
		e.wantBalance(alice, "COIN", 40)
		e.wantBalance(bob, "COIN", 110)
		e.hasNotification(bob, payments.NotifyAward)
		earned, err := e.pay.PostTips(e.ctx, bob, post.ID)
		must(t, "PostTips", err)
		if earned.Awards["gold"] != 1 || earned.Awards["heart"] != 1 || earned.Coins != 110 {
			t.Fatalf("PostTips = %+v", earned)
		}

		red, err := e.pay.RedeemCoins(e.ctx, bob, 100, "r1")
		must(t, "RedeemCoins", err)
		if red.Counter.Minor != 7_00 {
			t.Fatalf("RedeemCoins = %+v, want $7.00", red)
		}
		_, err = e.pay.RedeemCoins(e.ctx, bob, 11, "r2")
		wantCode(t, "RedeemCoins(too many)", err, nestegg.InsufficientFunds)
		_, err = e.pay.RedeemCoins(e.ctx, carol, 1, "r3")
		wantCode(t, "RedeemCoins(none)", err, nestegg.InsufficientFunds)
		e.wantBalance(bob, "COIN", 10)
		e.wantBalance(bob, "USD", 7_00)

		// The platform kept the spread (3 cents a coin sold) and owes 7 cents
		// for each of the 50 coins still out.
		acct := func(id string) int64 {
			a, err := e.ledger.Account(e.ctx, id)
			must(t, id, err)
			return a.CreditsPosted - a.DebitsPosted
		}
		if got := acct("platform:USD:fee_revenue"); got != 150*3 {
			t.Fatalf("fee revenue = %d, want %d", got, 150*3)
		}
		if got := acct("platform:USD:liability"); got != 50*7 {
			t.Fatalf("USD coin liability = %d, want %d", got, 50*7)
		}
		if got := -acct("platform:COIN:liability"); got != 50 {
			t.Fatalf("coins out = %d, want 50", got)
		}
		ws, err := e.pay.Balances(e.ctx, alice)
		must(t, "Balances", err)
		if len(ws) != 2 || ws[1].Asset.Code != "COIN" || ws[1].Available != 40 {
			t.Fatalf("Balances = %+v", ws)
		}
		if aw := e.pay.Awards(); len(aw) != 3 || aw[0].Name != "heart" {
			t.Fatalf("Awards = %+v", aw)
		}
		e.checkBooks()
	})
}

func TestConfig(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db, options{})
	for _, cfg := range []payments.Config{
		{Assets: []string{"XYZ"}},
		{Assets: []string{"COIN"}},
		{CoinPriceMinor: 5, CoinRedeemMinor: 5},
		{TipFeeBps: 10_001},
		{Awards: map[string]int64{"free": 0}},
		{Assets: []string{"EUR"}, CoinAsset: "USD"},
	} {
		if _, err := payments.New(db, e.ledger, e.social, e.comp, cfg); !nestegg.Is(err, nestegg.Invalid) {
			t.Errorf("New(%+v) = %v, want invalid", cfg, err)
		}
	}
}
