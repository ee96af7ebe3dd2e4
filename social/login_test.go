package social

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestLoginAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(t, db, Options{SessionTTL: 24 * time.Hour})
		ada, bob := signup(t, s, "Ada"), signup(t, s, "bob")

		_, err := s.Login(ctx, Credentials{Handle: "ada", Password: "wrong password"})
		wantErr(t, "wrong password", err, nestegg.Unauthenticated, "")
		_, err2 := s.Login(ctx, Credentials{Handle: "nobody", Password: testPassword})
		wantErr(t, "unknown handle", err2, nestegg.Unauthenticated, "")
		if nestegg.ErrorMessage(err) != nestegg.ErrorMessage(err2) || nestegg.ErrorMessage(err) != "wrong handle or password" {
			t.Fatalf("messages differ: %q vs %q", nestegg.ErrorMessage(err), nestegg.ErrorMessage(err2))
		}

		s1 := login(t, s, "@ADA")
		s2, err := s.Login(ctx, Credentials{Handle: "Ada@Example.com", Password: testPassword, UserAgent: "phone"})
		if err != nil {
			t.Fatalf("login by email: %v", err)
		}
		if s1.Token == "" || s1.Token == s2.Token || s1.UserID != ada.ID || !strings.HasPrefix(s1.ID, "ses_") {
			t.Fatalf("sessions %+v %+v", s1, s2)
		}
		a, sess, err := s.SessionUser(ctx, s1.Token)
		if err != nil || a.ID != ada.ID || a.Email != "Ada@example.com" || sess.ID != s1.ID {
			t.Fatalf("SessionUser = %+v, %+v, %v", a, sess, err)
		}
		// Only the hash of the token is stored.
		var n int
		must(t, "count", db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM sessions WHERE token_hash = $1 OR id = $1", s1.Token).Scan(&n))
		if n != 0 {
			t.Fatal("session token stored in clear")
		}
		list, err := s.Sessions(ctx, ada.ID)
		if err != nil || len(list) != 2 || list[0].ID != s2.ID || list[0].UserAgent != "phone" || list[0].Token != "" {
			t.Fatalf("Sessions = %+v, %v", list, err)
		}
		// Someone else's session cannot be listed or revoked.
		if l, _ := s.Sessions(ctx, bob.ID); len(l) != 0 {
			t.Fatalf("bob sees %d sessions", len(l))
		}
		wantErr(t, "bob revokes ada's session", s.RevokeSession(ctx, bob.ID, s2.ID), nestegg.NotFound, "")
		must(t, "RevokeSession", s.RevokeSession(ctx, ada.ID, s2.ID))
		_, _, err = s.SessionUser(ctx, s2.Token)
		wantErr(t, "revoked session", err, nestegg.Unauthenticated, "")

		// Renewal: past half its life a used session is extended.
		clk.Advance(13 * time.Hour)
		_, sess, err = s.SessionUser(ctx, s1.Token)
		if err != nil || sess.ExpiresAt.Sub(clk.Now()) < 23*time.Hour {
			t.Fatalf("renewed session = %+v, %v", sess, err)
		}
		clk.Advance(25 * time.Hour)
		_, _, err = s.SessionUser(ctx, s1.Token)
		wantErr(t, "expired session", err, nestegg.Unauthenticated, "")

		s3 := login(t, s, "ada")
		must(t, "Logout", s.Logout(ctx, s3.Token))
		must(t, "Logout again", s.Logout(ctx, s3.Token))
		_, _, err = s.SessionUser(ctx, s3.Token)
		wantErr(t, "logged out", err, nestegg.Unauthenticated, "")
		_, _, err = s.SessionUser(ctx, "")
		wantErr(t, "empty token", err, nestegg.Unauthenticated, "")
		must(t, "PurgeExpired", s.PurgeExpired(ctx))
	})
}

func TestLoginLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(t, db, Options{})
		signup(t, s, "ada")
		try := func(handle, password, ip string) error {
			_, err := s.Login(ctx, Credentials{Handle: handle, Password: password, IP: ip})
			return err
		}
		for i := 0; i < 5; i++ {
			wantErr(t, "wrong password", try("ada", "guess", "198.51.100.7"), nestegg.Unauthenticated, "")
		}
		// Locked out: even the right password is refused, by email too.
		wantErr(t, "locked out", try("ada", testPassword, "198.51.100.7"), nestegg.RateLimited, "")
		wantErr(t, "locked out by email", try("ada@example.com", testPassword, "198.51.100.7"), nestegg.RateLimited, "")
		// Another address is not locked out.
		must(t, "login from elsewhere", try("ada", testPassword, "203.0.113.9"))
		// Unknown handles lock out too, without revealing anything.
		for i := 0; i < 5; i++ {
			wantErr(t, "unknown", try("ghost", "guess", "198.51.100.7"), nestegg.Unauthenticated, "")
		}
		wantErr(t, "unknown locked out", try("ghost", "guess", "198.51.100.7"), nestegg.RateLimited, "")

		clk.Advance(16 * time.Minute)
		must(t, "login after lockout", try("ada", testPassword, "198.51.100.7"))
		// A success clears the count.
		for i := 0; i < 4; i++ {
			wantErr(t, "wrong password", try("ada", "guess", "198.51.100.7"), nestegg.Unauthenticated, "")
		}
		must(t, "login", try("ada", testPassword, "198.51.100.7"))
		for i := 0; i < 4; i++ {
			wantErr(t, "wrong password", try("ada", "guess", "198.51.100.7"), nestegg.Unauthenticated, "")
		}
		must(t, "login", try("ada", testPassword, "198.51.100.7"))
	})
}

func TestTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(t, db, Options{})
		ada := signup(t, s, "ada")
		code := func(secret string) string {
			c, err := totp.GenerateCode(secret, clk.Now())
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		wantErr(t, "confirm before enrol", s.ConfirmTOTP(ctx, ada.ID, "123456"), nestegg.Conflict, "")
		en, err := s.EnrollTOTP(ctx, ada.ID)
		if err != nil || en.Secret == "" || !strings.HasPrefix(en.URL, "otpauth://totp/Nestegg:@ada?") {
			t.Fatalf("EnrollTOTP = %+v, %v", en, err)
		}
		// Not on until confirmed.
		login(t, s, "ada")
		wantErr(t, "wrong confirm", s.ConfirmTOTP(ctx, ada.ID, "000000"), nestegg.Invalid, "code")
		must(t, "ConfirmTOTP", s.ConfirmTOTP(ctx, ada.ID, code(en.Secret)))
		if a, _ := s.Account(ctx, ada.ID); !a.TOTPEnabled {
			t.Fatal("TOTPEnabled = false after confirm")
		}
		_, err = s.EnrollTOTP(ctx, ada.ID)
		wantErr(t, "enrol twice", err, nestegg.Conflict, "")

		// The code just used for confirming is spent.
		clk.Advance(30 * time.Second)
		// Without a code: a challenge.
		_, err = s.Login(ctx, Credentials{Handle: "ada", Password: testPassword, IP: "192.0.2.1"})
		var sf *SecondFactorRequired
		if !errors.As(err, &sf) || !nestegg.Is(err, nestegg.Unauthenticated) || nestegg.ErrorParam(err) != "code" {
			t.Fatalf("Login without code = %v, want SecondFactorRequired", err)
		}
		// The challenge is worth nothing without the code, nor a wrong one.
		_, err = s.CompleteLogin(ctx, SecondFactor{Challenge: sf.Challenge, Code: "000000", IP: "192.0.2.1"})
		wantErr(t, "wrong code", err, nestegg.Unauthenticated, "code")
		_, err = s.CompleteLogin(ctx, SecondFactor{Challenge: "bogus", Code: code(en.Secret)})
		wantErr(t, "bogus challenge", err, nestegg.Unauthenticated, "")
		c := code(en.Secret)
		sess, err := s.CompleteLogin(ctx, SecondFactor{Challenge: sf.Challenge, Code: c, IP: "192.0.2.1"})
		if err != nil || sess.UserID != ada.ID {
			t.Fatalf("CompleteLogin = %+v, %v", sess, err)
		}
		// A challenge is good once, and so is a code.
		_, err = s.CompleteLogin(ctx, SecondFactor{Challenge: sf.Challenge, Code: c})
		wantErr(t, "challenge reused", err, nestegg.Unauthenticated, "")
		_, err = s.Login(ctx, Credentials{Handle: "ada", Password: testPassword, Code: c})
		wantErr(t, "code reused", err, nestegg.Unauthenticated, "code")
		// The code in one step, as the API and CLI do it.
		clk.Advance(30 * time.Second)
		if _, err := s.Login(ctx, Credentials{Handle: "ada", Password: testPassword, Code: code(en.Secret)}); err != nil {
			t.Fatalf("Login with code: %v", err)
		}
		// A wrong password never reaches the code step.
		_, err = s.Login(ctx, Credentials{Handle: "ada", Password: "wrong password"})
		if errors.As(err, &sf) || !nestegg.Is(err, nestegg.Unauthenticated) {
			t.Fatalf("wrong password with 2FA = %v", err)
		}
		// Challenges expire.
		_, err = s.Login(ctx, Credentials{Handle: "ada", Password: testPassword})
		if !errors.As(err, &sf) {
			t.Fatalf("Login = %v, want challenge", err)
		}
		clk.Advance(ChallengeTTL + time.Second)
		_, err = s.CompleteLogin(ctx, SecondFactor{Challenge: sf.Challenge, Code: code(en.Secret)})
		wantErr(t, "expired challenge", err, nestegg.Unauthenticated, "")

		clk.Advance(30 * time.Second)
		wantErr(t, "disable, wrong password", s.DisableTOTP(ctx, ada.ID, "wrong password", code(en.Secret)), nestegg.Unauthenticated, "current_password")
		wantErr(t, "disable, wrong code", s.DisableTOTP(ctx, ada.ID, testPassword, "000000"), nestegg.Unauthenticated, "code")
		must(t, "DisableTOTP", s.DisableTOTP(ctx, ada.ID, testPassword, code(en.Secret)))
		wantErr(t, "disable twice", s.DisableTOTP(ctx, ada.ID, testPassword, code(en.Secret)), nestegg.Conflict, "")
		login(t, s, "ada")
	})
}

func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		ada, bob := signup(t, s, "ada"), signup(t, s, "bob")
		keep, other := login(t, s, "ada"), login(t, s, "ada")
		bobs := login(t, s, "bob")
		adaTok, err := s.CreateToken(ctx, ada.ID, NewToken{Name: "cli", Password: testPassword})
		must(t, "CreateToken", err)
		bobTok, err := s.CreateToken(ctx, bob.ID, NewToken{Name: "cli", Password: testPassword})
		must(t, "CreateToken", err)
		wantErr(t, "wrong current", s.ChangePassword(ctx, ada.ID, "wrong password", "new password 1", keep.Token), nestegg.Unauthenticated, "current_password")
		wantErr(t, "weak new", s.ChangePassword(ctx, ada.ID, testPassword, "short", keep.Token), nestegg.Invalid, "new_password")
		must(t, "ChangePassword", s.ChangePassword(ctx, ada.ID, testPassword, "new password 1", keep.Token))
		if _, _, err := s.SessionUser(ctx, keep.Token); err != nil {
			t.Fatalf("kept session: %v", err)
		}
		_, _, err = s.SessionUser(ctx, other.Token)
		wantErr(t, "other session", err, nestegg.Unauthenticated, "")
		_, _, err = s.TokenUser(ctx, adaTok.Secret)
		wantErr(t, "API token after a password change", err, nestegg.Unauthenticated, "")
		if _, _, err := s.SessionUser(ctx, bobs.Token); err != nil {
			t.Fatalf("bob's session ended: %v", err)
		}
		if _, _, err := s.TokenUser(ctx, bobTok.Secret); err != nil {
			t.Fatalf("bob's token revoked: %v", err)
		}
		_, err = s.Login(ctx, Credentials{Handle: "ada", Password: testPassword})
		wantErr(t, "old password", err, nestegg.Unauthenticated, "")
		if _, err := s.Login(ctx, Credentials{Handle: "ada", Password: "new password 1"}); err != nil {
			t.Fatalf("new password: %v", err)
		}
		// Email change needs the password and a free address.
		_, err = s.ChangeEmail(ctx, ada.ID, "new password 1", "BOB@example.com")
		wantErr(t, "taken email", err, nestegg.Conflict, "email")
		_, err = s.ChangeEmail(ctx, ada.ID, "wrong password", "ada2@example.com")
		wantErr(t, "email, wrong password", err, nestegg.Unauthenticated, "current_password")
		a, err := s.ChangeEmail(ctx, ada.ID, "new password 1", "ada2@example.com")
		if err != nil || a.Email != "ada2@example.com" {
			t.Fatalf("ChangeEmail = %+v, %v", a, err)
		}
		// Guessing the current password is rate limited too.
		for i := 0; i < 5; i++ {
			s.ChangePassword(ctx, bob.ID, "guess", "new password 2", "")
		}
		wantErr(t, "guessing", s.ChangePassword(ctx, bob.ID, testPassword, "new password 2", ""), nestegg.RateLimited, "")
	})
}

func TestPasswordRehash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		old, _ := newTestService(t, db, Options{})
		signup(t, old, "ada")
		stronger, _ := newTestService(t, db, Options{Argon2: Argon2{Time: 2, MemoryKiB: 128, Threads: 1}})
		login(t, stronger, "ada")
		var hash string
		must(t, "read hash", db.Reader().QueryRowContext(ctx, "SELECT password_hash FROM users WHERE handle_lower = 'ada'").Scan(&hash))
		if !strings.Contains(hash, "$m=128,t=2,p=1$") {
			t.Fatalf("hash after login with new parameters = %q", hash)
		}
		login(t, old, "ada") // old parameters still verify (and downgrade is harmless)
	})
}

func TestPasswordHash(t *testing.T) {
	s := New(nil, Options{Argon2: tinyArgon2})
	ctx := context.Background()
	h, err := s.hashPassword(ctx, "pässword 123")
	if err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]bool{"pässword 123": true, "pässword 124": false, "": false} {
		ok, stale, err := s.verifyPassword(ctx, h, pw)
		if err != nil || ok != want || stale {
			t.Errorf("verifyPassword(%q) = %v, %v, %v; want %v", pw, ok, stale, err, want)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=64,t=1,p=1$!!$AAAA", "$argon2id$v=19$m=1,t=0,p=1$AAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"} {
		if ok, _, err := s.verifyPassword(ctx, bad, "x"); ok || err == nil {
			t.Errorf("verifyPassword(%q) = %v, %v; want error", bad, ok, err)
		}
	}
}
