package social

import (
	"context"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(t, db, Options{})
		a := signup(t, s, "rosa")
		signup(t, s, "otto")
		sess := login(t, s, "rosa")
		tok, err := s.CreateToken(ctx, a.ID, NewToken{Name: "laptop", Password: testPassword})
		must(t, "CreateToken", err)

		// An unknown address answers like a known one: no link, no error.
		if _, ok, err := s.RequestPasswordReset(ctx, "nobody@example.com"); ok || err != nil {
			t.Fatalf("RequestPasswordReset(unknown) = %v, %v; want false, nil", ok, err)
		}
		l, ok, err := s.RequestPasswordReset(ctx, "  ROSA@example.com ")
		if !ok || err != nil || l.UserID != a.ID || l.Token == "" || l.Email != "rosa@example.com" {
			t.Fatalf("RequestPasswordReset = %+v, %v, %v", l, ok, err)
		}
		if rl, err := s.CheckResetLink(ctx, l.Token); err != nil || rl.Handle != "rosa" || rl.NeedsCode {
			t.Fatalf("CheckResetLink = %+v, %v", rl, err)
		}
		wantErr(t, "ResetPassword(weak)", s.ResetPassword(ctx, l.Token, "short", ""), nestegg.Invalid, "new_password")
		wantErr(t, "ResetPassword(bad token)", s.ResetPassword(ctx, l.Token+"x", "a brand new password", ""), nestegg.NotFound, "token")
		must(t, "ResetPassword", s.ResetPassword(ctx, l.Token, "a brand new password", ""))
		// Used once: gone.
		wantErr(t, "ResetPassword(again)", s.ResetPassword(ctx, l.Token, "another new password", ""), nestegg.NotFound, "token")
		if _, err := s.CheckResetLink(ctx, l.Token); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("CheckResetLink(used) = %v, want NotFound", err)
		}
		// Every session and token is gone; the new password works, the
		// old does not; the address is now verified (the link reached it).
		if _, _, err := s.SessionUser(ctx, sess.Token); !nestegg.Is(err, nestegg.Unauthenticated) {
			t.Fatalf("old session after reset: %v, want Unauthenticated", err)
		}
		if _, _, err := s.TokenUser(ctx, tok.Secret); !nestegg.Is(err, nestegg.Unauthenticated) {
			t.Fatalf("API token after reset: %v, want Unauthenticated", err)
		}
		if _, err := s.Login(ctx, Credentials{Handle: "rosa", Password: testPassword, IP: "192.0.2.1"}); err == nil {
			t.Fatal("the old password still logs in")
		}
		if _, err := s.Login(ctx, Credentials{Handle: "rosa", Password: "a brand new password", IP: "192.0.2.1"}); err != nil {
			t.Fatalf("new password: %v", err)
		}
		if acct, _ := s.Account(ctx, a.ID); !acct.EmailVerified {
			t.Fatal("a used reset link did not verify the address")
		}

		// Expiry.
		l2, ok, err := s.RequestPasswordReset(ctx, "rosa@example.com")
		if !ok || err != nil {
			t.Fatalf("second link: %v %v", ok, err)
		}
		clk.Advance(ResetLinkTTL + time.Second)
		wantErr(t, "ResetPassword(expired)", s.ResetPassword(ctx, l2.Token, "a third new password", ""), nestegg.NotFound, "token")

		// The cap: MaxResetLinks an hour, then silence (the same answer).
		clk.Advance(time.Hour)
		for i := range MaxResetLinks {
			if _, ok, err := s.RequestPasswordReset(ctx, "rosa@example.com"); !ok || err != nil {
				t.Fatalf("link %d: %v %v", i+1, ok, err)
			}
		}
		if _, ok, err := s.RequestPasswordReset(ctx, "rosa@example.com"); ok || err != nil {
			t.Fatalf("link past the cap = %v, %v; want false, nil", ok, err)
		}
		// Another account is not capped by rosa's links.
		if _, ok, _ := s.RequestPasswordReset(ctx, "otto@example.com"); !ok {
			t.Fatal("otto's link was capped by rosa's")
		}
	})
}

func TestPasswordResetAsksForTheSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(t, db, Options{})
		a := signup(t, s, "rosa")
		secret := enableTOTP(t, s, clk, a.ID)
		l, ok, err := s.RequestPasswordReset(ctx, "rosa@example.com")
		if !ok || err != nil {
			t.Fatal(ok, err)
		}
		if rl, err := s.CheckResetLink(ctx, l.Token); err != nil || !rl.NeedsCode {
			t.Fatalf("CheckResetLink = %+v, %v; want NeedsCode", rl, err)
		}
		wantErr(t, "no code", s.ResetPassword(ctx, l.Token, "a brand new password", ""), nestegg.Unauthenticated, "code")
		for _, c := range wrongCodes(t, secret, clk, MaxLinkAttempts-2) {
			wantErr(t, "wrong code", s.ResetPassword(ctx, l.Token, "a brand new password", c), nestegg.Unauthenticated, "code")
		}
		// The right code still works within the link's attempts.
		must(t, "ResetPassword with the code", s.ResetPassword(ctx, l.Token, "a brand new password", totpCode(t, secret, clk)))

		// A link takes MaxLinkAttempts wrong codes, then it is spent.
		clk.Advance(time.Minute)
		l, _, _ = s.RequestPasswordReset(ctx, "rosa@example.com")
		for _, c := range wrongCodes(t, secret, clk, MaxLinkAttempts) {
			wantErr(t, "wrong code", s.ResetPassword(ctx, l.Token, "another new password", c), nestegg.Unauthenticated, "code")
		}
		wantErr(t, "right code on a spent link", s.ResetPassword(ctx, l.Token, "another new password", totpCode(t, secret, clk)), nestegg.NotFound, "token")
	})
}

func TestEmailVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(t, db, Options{})
		a := signup(t, s, "rosa")
		if a.EmailVerified || !a.WeeklySummary {
			t.Fatalf("new account: verified %v, weekly %v; want false, true", a.EmailVerified, a.WeeklySummary)
		}
		old, err := s.StartEmailVerification(ctx, a.ID)
		must(t, "StartEmailVerification", err)
		// A change of address makes the link sent to the old one useless.
		_, err = s.ChangeEmail(ctx, a.ID, testPassword, "rosa.new@example.com")
		must(t, "ChangeEmail", err)
		if _, err := s.VerifyEmail(ctx, old.Token); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("VerifyEmail(link to the old address) = %v, want NotFound", err)
		}
		l, err := s.StartEmailVerification(ctx, a.ID)
		must(t, "StartEmailVerification", err)
		if l.Email != "rosa.new@example.com" {
			t.Fatalf("link for %q", l.Email)
		}
		got, err := s.VerifyEmail(ctx, l.Token)
		if err != nil || !got.EmailVerified {
			t.Fatalf("VerifyEmail = %+v, %v", got, err)
		}
		if _, err := s.VerifyEmail(ctx, l.Token); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("VerifyEmail(again) = %v, want NotFound", err)
		}
		if _, err := s.StartEmailVerification(ctx, a.ID); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("StartEmailVerification(verified) = %v, want Conflict", err)
		}
		if r, err := s.Recipient(ctx, a.ID); err != nil || !r.Verified || r.Email != "rosa.new@example.com" {
			t.Fatalf("Recipient = %+v, %v", r, err)
		}
		// Changing the address again unverifies it.
		_, err = s.ChangeEmail(ctx, a.ID, testPassword, "rosa3@example.com")
		must(t, "ChangeEmail", err)
		if acct, _ := s.Account(ctx, a.ID); acct.EmailVerified {
			t.Fatal("a new address is verified without a link")
		}
		// The cap on verification mails.
		b := signup(t, s, "otto")
		for i := range MaxVerifyLinks {
			if _, err := s.StartEmailVerification(ctx, b.ID); err != nil {
				t.Fatalf("link %d: %v", i+1, err)
			}
		}
		if _, err := s.StartEmailVerification(ctx, b.ID); !nestegg.Is(err, nestegg.RateLimited) {
			t.Fatalf("past the cap: %v, want RateLimited", err)
		}
		clk.Advance(25 * time.Hour)
		if _, err := s.StartEmailVerification(ctx, b.ID); err != nil {
			t.Fatalf("a day later: %v", err)
		}
		// The weekly summary setting, and who the weekly job sees.
		must(t, "SetWeeklySummary", s.SetWeeklySummary(ctx, b.ID, false))
		if acct, _ := s.Account(ctx, b.ID); acct.WeeklySummary {
			t.Fatal("weekly summary still on")
		}
		rs, err := s.Recipients(ctx, "", 10)
		must(t, "Recipients", err)
		if len(rs) != 0 {
			t.Fatalf("Recipients = %+v; want none (rosa unverified, otto unverified and off)", rs)
		}
	})
}
