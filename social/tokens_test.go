package social

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(t, db, Options{})
		ada, bob := signup(t, s, "ada"), signup(t, s, "bob")
		tok, err := s.CreateToken(ctx, ada.ID, NewToken{Name: " laptop CLI ", Password: testPassword})
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if !strings.HasPrefix(tok.Secret, TokenPrefix) || len(tok.Secret) != len(TokenPrefix)+52 || !strings.HasPrefix(tok.Secret, tok.Prefix) ||
			tok.Name != "laptop CLI" || !strings.HasPrefix(tok.ID, "tok_") {
			t.Fatalf("CreateToken = %+v", tok)
		}
		_, err = s.CreateToken(ctx, ada.ID, NewToken{Name: "  ", Password: testPassword})
		wantErr(t, "unnamed token", err, nestegg.Invalid, "name")

		// The secret is not stored, only its hash.
		var n int
		must(t, "count", db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM api_tokens WHERE token_hash = $1 OR prefix = $1", tok.Secret).Scan(&n))
		if n != 0 {
			t.Fatal("token secret stored in clear")
		}
		list, err := s.Tokens(ctx, ada.ID)
		if err != nil || len(list) != 1 || list[0].Secret != "" || list[0].Prefix != tok.Prefix || !list[0].LastUsedAt.IsZero() {
			t.Fatalf("Tokens = %+v, %v", list, err)
		}
		if l, _ := s.Tokens(ctx, bob.ID); len(l) != 0 {
			t.Fatalf("bob sees ada's tokens: %+v", l)
		}
		a, used, err := s.TokenUser(ctx, tok.Secret)
		if err != nil || a.ID != ada.ID || used.ID != tok.ID || used.LastUsedAt.IsZero() {
			t.Fatalf("TokenUser = %+v, %+v, %v", a, used, err)
		}
		clk.Advance(2 * time.Minute)
		s.TokenUser(ctx, tok.Secret)
		list, _ = s.Tokens(ctx, ada.ID)
		if !list[0].LastUsedAt.After(used.LastUsedAt) {
			t.Fatalf("last used not updated: %v then %v", used.LastUsedAt, list[0].LastUsedAt)
		}
		for _, bad := range []string{"", "nst_", tok.Secret + "x", strings.TrimPrefix(tok.Secret, TokenPrefix), tok.Prefix} {
			_, _, err := s.TokenUser(ctx, bad)
			wantErr(t, "TokenUser("+bad+")", err, nestegg.Unauthenticated, "")
		}
		wantErr(t, "bob revokes ada's token", s.RevokeToken(ctx, bob.ID, tok.ID), nestegg.NotFound, "")
		if _, _, err := s.TokenUser(ctx, tok.Secret); err != nil {
			t.Fatalf("token after failed revoke: %v", err)
		}
		must(t, "RevokeToken", s.RevokeToken(ctx, ada.ID, tok.ID))
		_, _, err = s.TokenUser(ctx, tok.Secret)
		wantErr(t, "revoked token", err, nestegg.Unauthenticated, "")
		wantErr(t, "revoke twice", s.RevokeToken(ctx, ada.ID, tok.ID), nestegg.NotFound, "")

		for i := 0; i < MaxTokens; i++ {
			if _, err := s.CreateToken(ctx, bob.ID, NewToken{Name: "t", Password: testPassword}); err != nil {
				t.Fatalf("CreateToken %d: %v", i, err)
			}
		}
		_, err = s.CreateToken(ctx, bob.ID, NewToken{Name: "one too many", Password: testPassword})
		wantErr(t, "too many tokens", err, nestegg.TooLarge, "")
	})
}

// TestTokenNeedsPassword: a token outlives every session, so making one
// takes the password again, and a fresh code when two-factor is on; a
// password change ends every token.
func TestTokenNeedsPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(t, db, Options{})
		ada := signup(t, s, "ada")
		_, err := s.CreateToken(ctx, ada.ID, NewToken{Name: "stolen session"})
		wantErr(t, "no password", err, nestegg.Unauthenticated, "current_password")
		_, err = s.CreateToken(ctx, ada.ID, NewToken{Name: "stolen session", Password: "guess"})
		wantErr(t, "wrong password", err, nestegg.Unauthenticated, "current_password")
		if l, _ := s.Tokens(ctx, ada.ID); len(l) != 0 {
			t.Fatalf("tokens made without the password: %+v", l)
		}

		secret := enableTOTP(t, s, clk, ada.ID)
		_, err = s.CreateToken(ctx, ada.ID, NewToken{Name: "cli", Password: testPassword})
		wantErr(t, "two-factor on, no code", err, nestegg.Unauthenticated, "code")
		_, err = s.CreateToken(ctx, ada.ID, NewToken{Name: "cli", Password: testPassword, Code: wrongCodes(t, secret, clk, 1)[0]})
		wantErr(t, "wrong code", err, nestegg.Unauthenticated, "code")
		code := totpCode(t, secret, clk)
		tok, err := s.CreateToken(ctx, ada.ID, NewToken{Name: "cli", Password: testPassword, Code: code})
		must(t, "CreateToken with password and code", err)
		_, err = s.CreateToken(ctx, ada.ID, NewToken{Name: "again", Password: testPassword, Code: code})
		wantErr(t, "code reused", err, nestegg.Unauthenticated, "code")

		// In one step with the login, as the command-line client does.
		clk.Advance(30 * time.Second)
		_, err = s.LoginToken(ctx, Credentials{Handle: "ada", Password: testPassword}, "laptop")
		wantErr(t, "LoginToken without code", err, nestegg.Unauthenticated, "code")
		_, err = s.LoginToken(ctx, Credentials{Handle: "ada", Password: "guess", Code: totpCode(t, secret, clk)}, "laptop")
		wantErr(t, "LoginToken, wrong password", err, nestegg.Unauthenticated, "")
		code = totpCode(t, secret, clk)
		tok2, err := s.LoginToken(ctx, Credentials{Handle: "ada", Password: testPassword, Code: code}, "laptop")
		must(t, "LoginToken", err)
		_, err = s.LoginToken(ctx, Credentials{Handle: "ada", Password: testPassword, Code: code}, "laptop")
		wantErr(t, "LoginToken, code reused", err, nestegg.Unauthenticated, "code")
		if a, _, err := s.TokenUser(ctx, tok2.Secret); err != nil || a.ID != ada.ID || tok2.Name != "laptop" {
			t.Fatalf("TokenUser(LoginToken's) = %v, %v", a.ID, err)
		}

		clk.Advance(30 * time.Second)
		keep, err := s.CompleteLogin(ctx, SecondFactor{Challenge: challengeFor(t, s, "ada", "192.0.2.9"), Code: totpCode(t, secret, clk)})
		must(t, "CompleteLogin", err)
		must(t, "ChangePassword", s.ChangePassword(ctx, ada.ID, testPassword, "new password 1", keep.Token))
		for _, secret := range []string{tok.Secret, tok2.Secret} {
			_, _, err := s.TokenUser(ctx, secret)
			wantErr(t, "token after a password change", err, nestegg.Unauthenticated, "")
		}
		if l, _ := s.Tokens(ctx, ada.ID); len(l) != 0 {
			t.Fatalf("tokens after a password change: %+v", l)
		}
	})
}
