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
		tok, err := s.CreateToken(ctx, ada.ID, " laptop CLI ")
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if !strings.HasPrefix(tok.Secret, TokenPrefix) || len(tok.Secret) != len(TokenPrefix)+52 || !strings.HasPrefix(tok.Secret, tok.Prefix) ||
			tok.Name != "laptop CLI" || !strings.HasPrefix(tok.ID, "tok_") {
			t.Fatalf("CreateToken = %+v", tok)
		}
		_, err = s.CreateToken(ctx, ada.ID, "  ")
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
			if _, err := s.CreateToken(ctx, bob.ID, "t"); err != nil {
				t.Fatalf("CreateToken %d: %v", i, err)
			}
		}
		_, err = s.CreateToken(ctx, bob.ID, "one too many")
		wantErr(t, "too many tokens", err, nestegg.TooLarge, "")
	})
}
