package web

import (
	"net/http"

	"github.com/nestegg/nestegg/social"
)

// The API's email routes: the same as the pages (pages_email.go), for
// apps. The two without a member (forgot, reset, verify) are rate-limited
// per client address like the login.

type forgotRequest struct {
	Email string `json:"email"`
}

// apiForgotPassword answers 202 whether or not an account has the address.
func (s *Server) apiForgotPassword(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	var req forgotRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if err := s.requestReset(r.Context(), req.Email); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, map[string]string{
		"status":  "accepted",
		"message": "If an account has this address, a link to choose a new password is on its way; it works once, for one hour.",
	})
}

type resetRequest struct {
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
	Code        string `json:"code"`
}

func (s *Server) apiResetPassword(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	var req resetRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if err := s.social.ResetPassword(r.Context(), req.Token, req.NewPassword, req.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type verifyEmailRequest struct {
	Token string `json:"token"`
}

func (s *Server) apiVerifyEmail(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedSocial(); err != nil {
		return err
	}
	var req verifyEmailRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	a, err := s.social.VerifyEmail(r.Context(), req.Token)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"email": a.Email, "email_verified": a.EmailVerified})
}

func (s *Server) apiResendVerification(w http.ResponseWriter, r *http.Request, _ []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	if err := s.sendVerification(r.Context(), a.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted", "message": "A new link is on its way to " + a.Email + "; it works for 48 hours."})
}

type emailSettingsRequest struct {
	WeeklySummary *bool `json:"weekly_summary"`
}

func (s *Server) apiEmailSettings(w http.ResponseWriter, r *http.Request, body []byte) error {
	a, err := apiMe(r)
	if err != nil {
		return err
	}
	var req emailSettingsRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if req.WeeklySummary != nil {
		if err := s.social.SetWeeklySummary(r.Context(), a.ID, *req.WeeklySummary); err != nil {
			return err
		}
	}
	a, err = s.social.Account(r.Context(), a.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, emailSettingsJSON(a))
}

func emailSettingsJSON(a social.Account) map[string]any {
	return map[string]any{"email": a.Email, "email_verified": a.EmailVerified, "weekly_summary": a.WeeklySummary}
}
