package payments_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob := e.signup("alice"), e.signup("bob")
		e.signup("carol")
		_, err := e.pay.Credit(e.ctx, alice, usd(t, "100"), "c1", "welcome")
		must(t, "Credit", err)
		mid := e.clock.Now()
		sent, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "10"), Note: "=HYPERLINK(\"x\")", IdempotencyKey: "s"})
		must(t, "Send", err)
		_, err = e.pay.Tip(e.ctx, payments.TipInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "1"), IdempotencyKey: "t"})
		must(t, "Tip", err)
		_, err = e.pay.BuyCoins(e.ctx, alice, 10, "b")
		must(t, "BuyCoins", err)
		_, err = e.pay.Refund(e.ctx, payments.RefundInput{UserID: bob, PaymentID: sent.ID, Amount: 5_00, IdempotencyKey: "r"})
		must(t, "Refund", err)
		e.send(bob, "carol", "1", "other") // not alice's business

		kinds := func(h payments.HistoryPage) string {
			var s []string
			for _, en := range h.Entries {
				s = append(s, fmt.Sprintf("%s/%s/%s/%d", en.Kind, en.Direction, en.CounterpartyHandle, en.Amount.Minor))
			}
			return fmt.Sprint(s)
		}
		cases := []struct {
			f    payments.HistoryFilter
			want string
		}{
			{payments.HistoryFilter{}, "[refund/received/bob/500 coin_buy/sent//100 tip/sent/bob/100 send/sent/bob/1000 credit/received//10000]"},
			{payments.HistoryFilter{Direction: payments.Received}, "[refund/received/bob/500 credit/received//10000]"},
			{payments.HistoryFilter{Kinds: []payments.Kind{payments.KindSend, payments.KindTip}}, "[tip/sent/bob/100 send/sent/bob/1000]"},
			{payments.HistoryFilter{Since: mid}, "[refund/received/bob/500 coin_buy/sent//100 tip/sent/bob/100 send/sent/bob/1000]"},
			{payments.HistoryFilter{Until: mid}, "[credit/received//10000]"},
			{payments.HistoryFilter{Asset: "coin"}, "[]"},
		}
		for _, tc := range cases {
			h, err := e.pay.History(e.ctx, alice, tc.f, payments.Page{})
			must(t, "History", err)
			if got := kinds(h); got != tc.want {
				t.Errorf("History(%+v) = %s, want %s", tc.f, got, tc.want)
			}
		}
		// Paging two at a time sees everything once.
		var all []string
		page := payments.Page{Limit: 2}
		for {
			h, err := e.pay.History(e.ctx, alice, payments.HistoryFilter{}, page)
			must(t, "History page", err)
			for _, en := range h.Entries {
				all = append(all, en.ID)
			}
			if page.Cursor = h.Next; page.Cursor == "" {
				break
			}
		}
		if len(all) != 5 {
			t.Fatalf("paged history has %d entries, want 5", len(all))
		}
		_, err = e.pay.History(e.ctx, alice, payments.HistoryFilter{Kinds: []payments.Kind{"bribe"}}, payments.Page{})
		wantCode(t, "History(bad kind)", err, nestegg.Invalid)
		_, err = e.pay.History(e.ctx, alice, payments.HistoryFilter{}, payments.Page{Cursor: "garbage!"})
		wantCode(t, "History(bad cursor)", err, nestegg.Invalid)

		var buf bytes.Buffer
		must(t, "ExportCSV", e.pay.ExportCSV(e.ctx, alice, &buf, payments.HistoryFilter{}))
		rows, err := csv.NewReader(&buf).ReadAll()
		must(t, "read CSV", err)
		if len(rows) != 6 || rows[0][0] != "time" {
			t.Fatalf("CSV = %q", rows)
		}
		send := rows[4]
		if send[2] != "send" || send[4] != "@bob" || send[6] != "10.00" || send[10] != "'=HYPERLINK(\"x\")" {
			t.Fatalf("CSV send row = %q", send)
		}
	})
}

func TestFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob, carol, dave := e.signup("alice"), e.signup("bob"), e.signup("carol"), e.signup("dave")
		must(t, "Follow", e.social.Follow(e.ctx, carol, alice))
		e.fund(alice, "100")
		for _, a := range []payments.Audience{payments.Private, payments.Followers, payments.Public} {
			_, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "1"), Note: string(a), Audience: a, IdempotencyKey: string(a)})
			must(t, "Send", err)
		}
		// What each viewer sees: note, and amount or "-".
		view := func(viewer string) string {
			f, err := e.pay.Feed(e.ctx, viewer, payments.Page{})
			must(t, "Feed", err)
			var s []string
			for _, it := range f.Items {
				a := "-"
				if it.Amount != nil {
					a = it.Amount.String()
				}
				if it.Payer.ID != alice || it.Payee.Handle != "bob" {
					t.Fatalf("feed item = %+v", it)
				}
				s = append(s, it.Note+":"+a)
			}
			return fmt.Sprint(s)
		}
		for _, tc := range []struct{ who, viewer, want string }{
			{"payer", alice, "[public:$1.00 followers:$1.00 private:$1.00]"},
			{"payee", bob, "[public:$1.00 followers:$1.00 private:$1.00]"},
			{"follower", carol, "[public:$1.00 followers:-]"},
			{"stranger", dave, "[public:$1.00]"},
			{"logged out", "", "[public:$1.00]"},
		} {
			if got := view(tc.viewer); got != tc.want {
				t.Errorf("Feed(%s) = %s, want %s", tc.who, got, tc.want)
			}
		}
		// Blocks hide payments either way; so does ProfileFeed's narrowing.
		must(t, "Block", e.social.Block(e.ctx, dave, bob))
		if got := view(dave); got != "[]" {
			t.Errorf("Feed(dave after blocking bob) = %s, want []", got)
		}
		pf, err := e.pay.ProfileFeed(e.ctx, carol, dave, payments.Page{})
		must(t, "ProfileFeed", err)
		if len(pf.Items) != 0 {
			t.Errorf("ProfileFeed(dave) = %+v, want nothing", pf.Items)
		}
		pf, err = e.pay.ProfileFeed(e.ctx, carol, bob, payments.Page{Limit: 1})
		must(t, "ProfileFeed", err)
		if len(pf.Items) != 1 || pf.Next == "" {
			t.Fatalf("ProfileFeed page 1 = %+v", pf)
		}
		pf, err = e.pay.ProfileFeed(e.ctx, carol, bob, payments.Page{Limit: 1, Cursor: pf.Next})
		must(t, "ProfileFeed", err)
		if len(pf.Items) != 1 || pf.Items[0].Note != "followers" || pf.Items[0].Amount != nil || pf.Next != "" {
			t.Fatalf("ProfileFeed page 2 = %+v", pf)
		}
	})
}
