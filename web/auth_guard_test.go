package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestTokenAPINeedsPassword: making a token through the API takes the
// password again (and the code with two-factor on), the CLI's one-step
// login makes one, and a password change revokes them all.
func TestTokenAPINeedsPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		m := e.signupMember(t, "tok")
		for _, body := range []string{`{"name":"x"}`, `{"name":"x","current_password":"guess"}`} {
			var ae apiError
			e.call(t, http.StatusUnauthorized, &ae, "POST", "/api/v1/me/tokens", m.token, body)
			if ae.Error.Param != "current_password" {
				t.Fatalf("token without the password: %+v", ae)
			}
		}
		var tok struct {
			Secret string `json:"secret"`
		}
		e.call(t, http.StatusCreated, &tok, "POST", "/api/v1/me/tokens", m.token, fmt.Sprintf(`{"name":"x","current_password":%q}`, m.password))

		// Two-factor on: the code too, and a code is good once.
		ctx := context.Background()
		en, err := e.social.EnrollTOTP(ctx, m.id)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		code, _ := totp.GenerateCode(en.Secret, now.Add(-30*time.Second))
		if err := e.social.ConfirmTOTP(ctx, m.id, code); err != nil {
			t.Fatal(err)
		}
		var ae apiError
		e.call(t, http.StatusUnauthorized, &ae, "POST", "/api/v1/me/tokens", m.token, fmt.Sprintf(`{"name":"x","current_password":%q}`, m.password))
		if ae.Error.Param != "code" {
			t.Fatalf("token without the code: %+v", ae)
		}
		code, _ = totp.GenerateCode(en.Secret, now)
		e.call(t, http.StatusCreated, nil, "POST", "/api/v1/me/tokens", m.token, fmt.Sprintf(`{"name":"x","current_password":%q,"code":%q}`, m.password, code))

		// The CLI's login: credentials in, a token out, no session.
		e.call(t, http.StatusUnauthorized, nil, "POST", "/api/v1/login", "", fmt.Sprintf(`{"handle":%q,"password":%q,"token_name":"cli"}`, m.handle, m.password))
		code, _ = totp.GenerateCode(en.Secret, now.Add(30*time.Second))
		var res struct {
			APIToken struct {
				Secret string `json:"secret"`
				Name   string `json:"name"`
			} `json:"api_token"`
			Account struct {
				Handle string `json:"handle"`
			} `json:"account"`
		}
		w := e.serve(request("POST", "/api/v1/login", fmt.Sprintf(`{"handle":%q,"password":%q,"code":%q,"token_name":"cli"}`, m.handle, m.password, code)))
		if w.Code != http.StatusCreated || len(w.Result().Cookies()) != 0 {
			t.Fatalf("login with token_name = %d %v %s", w.Code, w.Result().Cookies(), w.Body)
		}
		if err := jsonUnmarshal(w.Body.Bytes(), &res); err != nil || res.APIToken.Name != "cli" || res.Account.Handle != m.handle {
			t.Fatalf("login with token_name = %s, %v", w.Body, err)
		}
		e.call(t, http.StatusOK, nil, "GET", "/api/v1/me", res.APIToken.Secret, "")

		// A password change ends every token, the one making it too.
		e.call(t, http.StatusNoContent, nil, "POST", "/api/v1/me/password", m.token,
			fmt.Sprintf(`{"current_password":%q,"new_password":"a brand new password"}`, m.password))
		for _, secret := range []string{m.token, tok.Secret, res.APIToken.Secret} {
			e.call(t, http.StatusUnauthorized, nil, "GET", "/api/v1/me", secret, "")
		}
	})
}
