package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// Accounts and credentials: sign-up, login and logout, the caller's own
// account, password, two-factor and personal API tokens. Everything under
// /api/v1/me acts on the signed-in member only: no route here takes a user
// id, so nobody can name another's account.

var errAPINoSocial = nestegg.Errorf(nestegg.Unavailable, "the social service is not configured on this server")

// apiNeedSocial fails routes open to anyone when the server runs without the
// social service (member routes already answer 401 then).
func (s *Server) apiNeedSocial() error {
	if s.social == nil {
		return errAPINoSocial
	}
	return nil
}

type signupRequest struct {
	Handle      string `json:"handle"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	Kind        string `json:"kind"`
}

// apiSignup opens an account. It starts no session: the client logs in next,
// so that sign-up and login share one path (and its rate limiting).
func (s *Server) apiSignup(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	var req signupRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	a, err := s.social.Signup(r.Context(), social.SignupInput{
		Handle: req.Handle, DisplayName: req.DisplayName, Email: req.Email, Password: req.Password, Kind: social.Kind(req.Kind),
	})
	if err != nil {
		return err
	}
	s.afterSignup(r.Context(), a.ID)
	return writeJSON(w, http.StatusCreated, jsonAccount(a))
}

type loginRequest struct {
	Handle   string `json:"handle"`
	Password string `json:"password"`
	// Code is the TOTP code for accounts with two-factor on.
	Code string `json:"code"`
	// Challenge, with Code, completes a login that answered
	// second_factor_required, without sending the password again.
	Challenge string `json:"challenge"`
	// TokenName, when set, makes a personal API token so named instead of
	// a session (one step, for programs such as the CLI: a two-factor
	// code is good once).
	TokenName string `json:"token_name"`
}

// tokenLoginResponse answers a login with token_name.
type tokenLoginResponse struct {
	APIToken tokenJSON   `json:"api_token"`
	Account  accountJSON `json:"account"`
}

type loginResponse struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	Account   accountJSON `json:"account"`
}

// secondFactorBody is the 401 a login gets when its account needs a code.
type secondFactorBody struct {
	Error     errorDetail `json:"error"`
	Challenge string      `json:"challenge"`
	ExpiresAt time.Time   `json:"challenge_expires_at"`
}

// apiLogin starts a session: its token is in the body (send it as the
// session cookie, or as Authorization: Bearer) and in the session cookie.
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	var req loginRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	ip := clientIP(r)
	if req.TokenName != "" {
		return s.apiLoginToken(w, r, req)
	}
	var sess social.Session
	var err error
	if req.Challenge != "" {
		sess, err = s.social.CompleteLogin(r.Context(), social.SecondFactor{
			Challenge: req.Challenge, Code: req.Code, IP: ip, UserAgent: r.UserAgent()})
	} else {
		if err := required("handle", req.Handle); err != nil {
			return err
		}
		sess, err = s.social.Login(r.Context(), social.Credentials{
			Handle: req.Handle, Password: req.Password, Code: req.Code, IP: ip, UserAgent: r.UserAgent()})
	}
	var sf *social.SecondFactorRequired
	if errors.As(err, &sf) {
		_, eb := errorResponse(&specificError{code: "second_factor_required",
			err: nestegg.ParamErrorf(nestegg.Unauthenticated, "code",
				"this account has two-factor on: send the code from your authenticator app, with this challenge")})
		w.Header().Set("WWW-Authenticate", `Bearer realm="nestegg"`)
		return writeJSON(w, http.StatusUnauthorized, secondFactorBody{Error: eb.Error, Challenge: sf.Challenge, ExpiresAt: sf.ExpiresAt})
	}
	if err != nil {
		return err
	}
	a, _, err := s.social.SessionUser(r.Context(), sess.Token)
	if err != nil {
		return err
	}
	apiSetSessionCookie(w, r, sess.Token, sess.ExpiresAt)
	return writeJSON(w, http.StatusOK, loginResponse{Token: sess.Token, ExpiresAt: sess.ExpiresAt, Account: jsonAccount(a)})
}

// apiLoginToken is a login with token_name: the credentials make a
// personal API token, and no session starts.
func (s *Server) apiLoginToken(w http.ResponseWriter, r *http.Request, req loginRequest) error {
	if req.Challenge != "" {
		return nestegg.ParamErrorf(nestegg.Invalid, "challenge", "a login that makes a token takes the password and code together, not a challenge")
	}
	if err := required("handle", req.Handle); err != nil {
		return err
	}
	t, err := s.social.LoginToken(r.Context(), social.Credentials{
		Handle: req.Handle, Password: req.Password, Code: req.Code, IP: clientIP(r), UserAgent: r.UserAgent()}, req.TokenName)
	if err != nil {
		return err
	}
	a, _, err := s.social.TokenUser(r.Context(), t.Secret)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusCreated, tokenLoginResponse{APIToken: jsonToken(t), Account: jsonAccount(a)})
}

func apiSetSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	c := &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secureRequest(r)}
	if token == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	http.SetCookie(w, c)
}

// apiSessionToken is the session secret a request signed in with ("" for a
// personal API token): a Bearer token without the API token prefix, else
// the cookie.
func apiSessionToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := bearer(h)
		if !ok || strings.HasPrefix(tok, social.TokenPrefix) {
			return ""
		}
		return tok
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// apiLogout ends the caller's session and clears the cookie. Signed in with an
// API token there is no session to end: revoke the token instead.
func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if tok := apiSessionToken(r); tok != "" {
		if err := s.social.Logout(r.Context(), tok); err != nil && !nestegg.Is(err, nestegg.NotFound) {
			return err
		}
	}
	apiSetSessionCookie(w, r, "", time.Time{})
	return apiNoContent(w)
}

func (s *Server) apiGetMe(w http.ResponseWriter, r *http.Request, _ []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonAccount(a))
}

type profileRequest struct {
	DisplayName *string `json:"display_name"`
	Bio         *string `json:"bio"`
	Link        *string `json:"link"`
}

// apiUpdateProfile changes the fields sent and keeps the others.
func (s *Server) apiUpdateProfile(w http.ResponseWriter, r *http.Request, body []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	var req profileRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	a, err = s.social.UpdateProfile(r.Context(), a.ID, social.ProfileUpdate{DisplayName: req.DisplayName, Bio: req.Bio, Link: req.Link})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonAccount(a))
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// apiChangePassword ends the member's other sessions and every API token
// (the one making the request too, if it is a token); a session making the
// request stays.
func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request, body []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	var req passwordRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if err := s.social.ChangePassword(r.Context(), a.ID, req.CurrentPassword, req.NewPassword, apiSessionToken(r)); err != nil {
		return err
	}
	return apiNoContent(w)
}

type totpEnrollment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
}

func (s *Server) apiEnrollTOTP(w http.ResponseWriter, r *http.Request, _ []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	e, err := s.social.EnrollTOTP(r.Context(), a.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, totpEnrollment{Secret: e.Secret, URL: e.URL})
}

type totpRequest struct {
	Code            string `json:"code"`
	CurrentPassword string `json:"current_password"`
}

func (s *Server) apiConfirmTOTP(w http.ResponseWriter, r *http.Request, body []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if err := s.social.ConfirmTOTP(r.Context(), a.ID, req.Code); err != nil {
		return err
	}
	return apiNoContent(w)
}

func (s *Server) apiDisableTOTP(w http.ResponseWriter, r *http.Request, body []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	var req totpRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if err := s.social.DisableTOTP(r.Context(), a.ID, req.CurrentPassword, req.Code); err != nil {
		return err
	}
	return apiNoContent(w)
}

// apiCreateToken makes a personal API token, given the member's password
// again (and a code when two-factor is on): a token outlives the session
// or token making it. Its secret is in this response only (the request is
// never stored for idempotent replay, which would keep the secret).
func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request, body []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	var req struct {
		Name            string `json:"name"`
		CurrentPassword string `json:"current_password"`
		Code            string `json:"code"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	t, err := s.social.CreateToken(r.Context(), a.ID, social.NewToken{Name: req.Name, Password: req.CurrentPassword, Code: req.Code})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusCreated, jsonToken(t))
}

func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request, _ []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	ts, err := s.social.Tokens(r.Context(), a.ID)
	if err != nil {
		return err
	}
	out := apiList[tokenJSON]{Data: make([]tokenJSON, 0, len(ts))}
	for _, t := range ts {
		out.Data = append(out.Data, jsonToken(t))
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiRevokeToken deletes one of the caller's tokens; another's is 404, as if
// it did not exist.
func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request, _ []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	if err := s.social.RevokeToken(r.Context(), a.ID, r.PathValue("id")); err != nil {
		return err
	}
	return apiNoContent(w)
}
