package commerce_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestQRStatic: a counter's static code paid twice with typed amounts and
// a tip; one refunded before settlement (from the settlement account, no
// fee), the rest settled with the operator's fee after a day, and the
// other refunded after settlement (from the business's wallet).
func TestQRStatic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cafe, bea := e.merchant("cafe"), e.member("bea")
		e.fund(bea, 50_00)
		code, err := e.shop.StaticQR(e.ctx, cafe, "")
		must(t, "StaticQR", err)
		if again, err := e.shop.StaticQR(e.ctx, cafe, ""); err != nil || again.ID != code.ID || again.Token != code.Token {
			t.Fatalf("StaticQR again = %+v, %v; want the same code", again, err)
		}
		seen, err := e.shop.ResolveQR(e.ctx, "https://nestegg.example/q/"+code.Token)
		must(t, "ResolveQR", err)
		if seen.Kind != commerce.QRStatic || seen.MerchantHandle != "cafe" || seen.Amount.Minor != 0 {
			t.Fatalf("ResolveQR = %+v", seen)
		}
		_, err = e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: code.Token, IdempotencyKey: "no-amount"})
		wantCode(t, "PayQR without an amount", err, nestegg.Invalid)
		p1, err := e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: code.Token, Amount: usd(4_50), Tip: usd(50), IdempotencyKey: "p1"})
		must(t, "PayQR", err)
		if p1.Amount.Minor != 4_50 || p1.Tip != 50 || p1.Fee != 13 || p1.Status != commerce.QRPaymentPaid || p1.PayerHandle != "bea" {
			t.Fatalf("PayQR = %+v; want $4.50 + $0.50 tip, fee 13 (3%% of the sale, rounded down)", p1)
		}
		p2, err := e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: code.Token, Amount: usd(3_00), IdempotencyKey: "p2"})
		must(t, "PayQR again", err)
		e.wantBalance("bea", bea, 42_00)
		e.wantBalance("cafe", cafe, 0) // waiting for settlement
		_, err = e.shop.RefundQR(e.ctx, bea, p2.ID, "r-by-payer")
		wantCode(t, "RefundQR by the payer", err, nestegg.NotFound)
		r2, err := e.shop.RefundQR(e.ctx, cafe, p2.ID, "r2")
		must(t, "RefundQR before settlement", err)
		if r2.Status != commerce.QRPaymentRefunded {
			t.Fatalf("refunded = %+v", r2)
		}
		_, err = e.shop.RefundQR(e.ctx, cafe, p2.ID, "r2-again")
		wantCode(t, "RefundQR twice", err, nestegg.Conflict)
		e.wantBalance("bea", bea, 45_00)
		tk, err := e.shop.DayTakings(e.ctx, cafe, e.clock.Now())
		must(t, "DayTakings", err)
		if tk.Count != 1 || tk.Sales != 4_50 || tk.Tips != 50 || tk.Fees != 13 || tk.Refunded != 3_00 || tk.Net != 4_87 || len(tk.Payments) != 2 {
			t.Fatalf("DayTakings = %+v", tk)
		}
		if n, err := e.shop.SettleQR(e.ctx); err != nil || n != 0 {
			t.Fatalf("SettleQR before the day is out = %d, %v", n, err)
		}
		e.clock.Advance(25 * time.Hour)
		if n, err := e.shop.SettleQR(e.ctx); err != nil || n != 1 {
			t.Fatalf("SettleQR = %d, %v", n, err)
		}
		e.wantBalance("cafe", cafe, 4_87)
		if fees := e.platform(ledger.KindFeeRevenue); fees != 13 {
			t.Fatalf("fee revenue = %d, want 13", fees)
		}
		if n, err := e.shop.SettleQR(e.ctx); err != nil || n != 0 {
			t.Fatalf("SettleQR again = %d, %v", n, err)
		}
		// After settlement a refund comes from the café's wallet, which must
		// cover it: $4.87 cannot return $5.00.
		_, err = e.shop.RefundQR(e.ctx, cafe, p1.ID, "r1")
		wantCode(t, "RefundQR beyond the wallet", err, nestegg.InsufficientFunds)
		e.fund(cafe, 1_00)
		_, err = e.shop.RefundQR(e.ctx, cafe, p1.ID, "r1b")
		must(t, "RefundQR after settlement", err)
		e.wantBalance("bea", bea, 50_00)
		e.wantBalance("cafe", cafe, 87)
		e.conserved()
	})
}

// TestQRDynamic: a code for one sale is paid once: a second scan, an
// expired code, an altered or forged token are refused, and a retry of
// the same payment replays it.
func TestQRDynamic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cafe, bea, carl := e.merchant("cafe"), e.member("bea"), e.member("carl")
		e.fund(bea, 50_00)
		e.fund(carl, 50_00)
		_, err := e.shop.CreateQR(e.ctx, commerce.QRInput{MerchantID: bea, Amount: usd(1_00), IdempotencyKey: "k"})
		wantCode(t, "CreateQR by a member", err, nestegg.Forbidden)
		code, err := e.shop.CreateQR(e.ctx, commerce.QRInput{MerchantID: cafe, Amount: usd(12_00), Description: "2 lattes", TTL: 10 * time.Minute, IdempotencyKey: "sale-1"})
		must(t, "CreateQR", err)
		if code.Kind != commerce.QRDynamic || code.Status != commerce.QRActive || !strings.HasPrefix(code.Token, "v1."+code.ID+".1200.USD.") {
			t.Fatalf("CreateQR = %+v", code)
		}
		if again, err := e.shop.CreateQR(e.ctx, commerce.QRInput{MerchantID: cafe, Amount: usd(12_00), Description: "2 lattes", TTL: 10 * time.Minute, IdempotencyKey: "sale-1"}); err != nil || again.ID != code.ID {
			t.Fatalf("CreateQR retried = %+v, %v", again, err)
		}
		_, err = e.shop.CreateQR(e.ctx, commerce.QRInput{MerchantID: cafe, Amount: usd(13_00), IdempotencyKey: "sale-1"})
		wantCode(t, "CreateQR reusing a key", err, nestegg.IdempotencyMismatch)

		// Altered and forged tokens.
		parts := strings.Split(code.Token, ".")
		cheaper := strings.Join([]string{parts[0], parts[1], "100", parts[3], parts[4], parts[5]}, ".")
		forged := strings.Join([]string{parts[0], parts[1], parts[2], parts[3], parts[4], "AAAAAAAAAAAAAAAAAAAAAA"}, ".")
		later := strings.Join([]string{parts[0], parts[1], parts[2], parts[3], "9999999999", parts[5]}, ".")
		for name, tok := range map[string]string{"altered amount": cheaper, "forged signature": forged, "altered expiry": later, "garbage": "hello", "empty": ""} {
			_, err := e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: tok, IdempotencyKey: "bad-" + name})
			wantCode(t, "PayQR("+name+")", err, nestegg.Invalid)
		}
		_, err = e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: code.Token, Amount: usd(1_00), IdempotencyKey: "wrong-amount"})
		wantCode(t, "PayQR with another amount", err, nestegg.Invalid)
		_, err = e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: cafe, Token: code.Token, IdempotencyKey: "own"})
		wantCode(t, "PayQR of one's own code", err, nestegg.Invalid)
		e.wantBalance("bea", bea, 50_00)

		p, err := e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: code.Token, Tip: usd(1_00), IdempotencyKey: "pay-1"})
		must(t, "PayQR", err)
		replay, err := e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: code.Token, Tip: usd(1_00), IdempotencyKey: "pay-1"})
		if err != nil || replay.ID != p.ID {
			t.Fatalf("PayQR retried = %+v, %v; want payment %s", replay, err, p.ID)
		}
		_, err = e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: carl, Token: code.Token, IdempotencyKey: "carl-1"})
		wantCode(t, "a second scan", err, nestegg.Conflict)
		e.wantBalance("bea", bea, 37_00)
		e.wantBalance("carl", carl, 50_00)
		counter, err := e.shop.QR(e.ctx, cafe, code.ID)
		must(t, "QR", err)
		if counter.Status != commerce.QRPaid || counter.Payment == nil || counter.Payment.PayerHandle != "bea" {
			t.Fatalf("the counter sees %+v", counter)
		}
		_, err = e.shop.QR(e.ctx, bea, code.ID)
		wantCode(t, "QR as someone else", err, nestegg.NotFound)

		short, err := e.shop.CreateQR(e.ctx, commerce.QRInput{MerchantID: cafe, Amount: usd(2_00), TTL: time.Minute, IdempotencyKey: "sale-2"})
		must(t, "CreateQR", err)
		e.clock.Advance(2 * time.Minute)
		_, err = e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: carl, Token: short.Token, IdempotencyKey: "carl-2"})
		wantCode(t, "an expired code", err, nestegg.Conflict)
		e.wantBalance("carl", carl, 50_00)
	})
}

// TestQRConcurrent: eight payers scan one dynamic code at once: one pays;
// then two processes settle at once: the café is paid once.
func TestQRConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		other := newEnv(t, db)
		cafe := e.merchant("cafe")
		var payers []string
		for _, h := range []string{"payer1", "payer2", "payer3", "payer4", "payer5", "payer6", "payer7", "payer8"} {
			id := e.member(h)
			e.fund(id, 20_00)
			payers = append(payers, id)
		}
		code, err := e.shop.CreateQR(e.ctx, commerce.QRInput{MerchantID: cafe, Amount: usd(10_00), IdempotencyKey: "one"})
		must(t, "CreateQR", err)
		var wg sync.WaitGroup
		var mu sync.Mutex
		paid, refused := 0, 0
		for _, p := range payers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: p, Token: code.Token, IdempotencyKey: "scan"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					paid++
				case nestegg.Is(err, nestegg.Conflict):
					refused++
				default:
					t.Errorf("PayQR = %v", err)
				}
			}()
		}
		wg.Wait()
		if paid != 1 || refused != 7 {
			t.Fatalf("%d paid, %d refused; want 1 and 7", paid, refused)
		}
		e.clock.Advance(25 * time.Hour)
		other.clock.Advance(26 * time.Hour)
		var n1, n2 int
		var e1, e2 error
		wg.Add(2)
		go func() { defer wg.Done(); n1, e1 = e.shop.SettleQR(e.ctx) }()
		go func() { defer wg.Done(); n2, e2 = other.shop.SettleQR(e.ctx) }()
		wg.Wait()
		if e1 != nil || e2 != nil || n1+n2 != 1 {
			t.Fatalf("two settling processes: %d %v, %d %v", n1, e1, n2, e2)
		}
		e.wantBalance("cafe", cafe, 10_00-30)
	})
}

// TestQRTokenRoundTrip: what ParseQRToken reads, String writes back.
func TestQRTokenRoundTrip(t *testing.T) {
	for _, s := range []string{"v1.qr_d0a1.1200.USD.1767225600.AAAAAAAAAAAAAAAAAAAAAA", "v1.qr_s1.0.USD.0.abcdefghijklmnopqrstuv"} {
		tok, err := commerce.ParseQRToken(s)
		if err != nil || tok.String() != s {
			t.Errorf("ParseQRToken(%q) = %+v, %v", s, tok, err)
		}
	}
	for _, s := range []string{"v2.qr_a.1.USD.0.AAAAAAAAAAAAAAAAAAAAAA", "v1.qr_a.01.USD.0.AAAAAAAAAAAAAAAAAAAAAA", "v1.qr_a.-1.USD.0.AAAAAAAAAAAAAAAAAAAAAA",
		"v1.qr_a.1.usd.0.AAAAAAAAAAAAAAAAAAAAAA", "v1.x.1.USD.0.AAAAAAAAAAAAAAAAAAAAAA", "v1.qr_a.1.USD.0.AAAA", "v1.qr_a.1.USD.0.AAAAAAAAAAAAAAAAAAAAAA.x"} {
		if _, err := commerce.ParseQRToken(s); err == nil {
			t.Errorf("ParseQRToken(%q) accepted", s)
		}
	}
}

// FuzzParseQRToken: any text parses or is refused without panicking, and
// what parses writes back as the token it was read from.
func FuzzParseQRToken(f *testing.F) {
	for _, s := range []string{"v1.qr_d0a1.1200.USD.1767225600.AAAAAAAAAAAAAAAAAAAAAA", "https://x.example/q/v1.qr_s1.0.USD.0.abcdefghijklmnopqrstuv", "", "v1.....", "v1.qr_.0.USD.0.______________________"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := commerce.ParseQRToken(s)
		if err != nil {
			if !nestegg.Is(err, nestegg.Invalid) {
				t.Fatalf("ParseQRToken(%q) = %v, want Invalid", s, err)
			}
			return
		}
		if i := strings.LastIndex(s, "/q/"); i >= 0 {
			s = s[i+3:]
		}
		if tok.String() != s {
			t.Fatalf("ParseQRToken(%q).String() = %q", s, tok.String())
		}
	})
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
