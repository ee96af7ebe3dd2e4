package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestEmailAPI: the API's forgot-password answers the same for an address
// with an account and one without; the mailed token resets the password
// once, revoking the member's token; verification by token; the email
// settings.
func TestEmailAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newMailSite(t, db)
		c := &http.Client{}
		do := func(method, path, token, body string) (int, string) {
			t.Helper()
			req, _ := http.NewRequest(method, site.url+path, bytes.NewBufferString(body))
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		if code, body := do("POST", "/api/v1/signup", "", `{"handle":"rosa","display_name":"Rosa","email":"rosa@example.com","password":"a long enough password"}`); code != 201 {
			t.Fatalf("signup = %d %s", code, body)
		}
		code, body := do("POST", "/api/v1/login", "", `{"handle":"rosa","password":"a long enough password","token_name":"cli"}`)
		var login struct {
			Token struct{ Secret string } `json:"api_token"`
		}
		json.Unmarshal([]byte(body), &login)
		tok := login.Token
		if code != 201 || tok.Secret == "" {
			t.Fatalf("token login = %d %s", code, body)
		}
		if code, body := do("GET", "/api/v1/me", tok.Secret, ""); code != 200 || !bytes.Contains([]byte(body), []byte(`"email_verified":false`)) {
			t.Fatalf("me = %d %s", code, body)
		}

		// Verification, by the token in the mail sent at sign-up.
		site.flush()
		v, _ := url.Parse(site.lastMail("rosa@example.com", "Confirm your email").link(t, "/verify-email"))
		if code, body := do("POST", "/api/v1/email/verify", "", `{"token":"`+v.Query().Get("token")+`"}`); code != 200 || !bytes.Contains([]byte(body), []byte(`"email_verified":true`)) {
			t.Fatalf("verify = %d %s", code, body)
		}
		if code, _ := do("POST", "/api/v1/email/verify", "", `{"token":"`+v.Query().Get("token")+`"}`); code != 404 {
			t.Fatalf("verify again = %d, want 404", code)
		}
		if code, _ := do("POST", "/api/v1/me/email/verify", tok.Secret, ""); code != 409 {
			t.Fatalf("resend when verified = %d, want 409", code)
		}
		if code, body := do("PATCH", "/api/v1/me/email", tok.Secret, `{"weekly_summary":false}`); code != 200 || !bytes.Contains([]byte(body), []byte(`"weekly_summary":false`)) {
			t.Fatalf("email settings = %d %s", code, body)
		}

		// Forgot: the same answer for a known and an unknown address.
		before := len(site.mails("", ""))
		c1, known := do("POST", "/api/v1/password/forgot", "", `{"email":"rosa@example.com"}`)
		c2, unknown := do("POST", "/api/v1/password/forgot", "", `{"email":"nobody@example.com"}`)
		if c1 != 202 || c2 != 202 || known != unknown {
			t.Fatalf("forgot: known %d %s, unknown %d %s; want the same 202", c1, known, c2, unknown)
		}
		site.flush()
		if n := len(site.mails("", "")) - before; n != 1 {
			t.Fatalf("%d mails sent, want 1 (none for the unknown address)", n)
		}
		r, _ := url.Parse(site.lastMail("rosa@example.com", "Reset your").link(t, "/password/reset"))
		reset := `{"token":"` + r.Query().Get("token") + `","new_password":"another long password"}`
		if code, body := do("POST", "/api/v1/password/reset", "", reset); code != 204 {
			t.Fatalf("reset = %d %s", code, body)
		}
		if code, _ := do("POST", "/api/v1/password/reset", "", reset); code != 404 {
			t.Fatalf("reset again = %d, want 404", code)
		}
		if code, _ := do("GET", "/api/v1/me", tok.Secret, ""); code != 401 {
			t.Fatalf("the API token after a reset = %d, want 401", code)
		}
		if code, _ := do("POST", "/api/v1/login", "", `{"handle":"rosa","password":"another long password"}`); code != 200 {
			t.Fatalf("login with the new password = %d", code)
		}
	})
}
