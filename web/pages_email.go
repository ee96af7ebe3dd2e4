package web

import (
	"context"
	"net/http"

	"github.com/nestegg/nestegg"
)

// Email pages: "Forgot password?", the reset link's form, the
// verification link's confirmation, and the email settings. A link's GET
// only shows a form (mail scanners fetch links); the POST spends it.

// errNoMail is the answer of the email forms on a server without mail.
func errNoMail() error {
	return nestegg.Errorf(nestegg.Unavailable, "email is not set up on this server; ask its operator")
}

// sendVerification makes a verification link for userID and queues its
// mail. Sign-up calls it; a failure is logged, not the sign-up's.
func (s *Server) sendVerification(ctx context.Context, userID string) error {
	if s.mail == nil {
		return errNoMail()
	}
	l, err := s.social.StartEmailVerification(ctx, userID)
	if err != nil {
		return err
	}
	return s.mail.SendVerification(ctx, l)
}

// afterSignup starts the new member's address verification.
func (s *Server) afterSignup(ctx context.Context, userID string) {
	if s.mail == nil {
		return
	}
	if err := s.sendVerification(ctx, userID); err != nil {
		s.log.Warn("verification mail at sign-up", "user", userID, "error", err)
	}
}

// requestReset makes a reset link for email, if it is an account's, and
// queues its mail. The caller answers the same whatever happened.
func (s *Server) requestReset(ctx context.Context, email string) error {
	if s.mail == nil {
		return errNoMail()
	}
	l, ok, err := s.social.RequestPasswordReset(ctx, email)
	if err != nil || !ok {
		return err
	}
	return s.mail.SendReset(ctx, l)
}

type forgotForm struct {
	Base
	Email  string
	Sent   bool
	Errors map[string]string
}

func (s *Server) forgotPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.render(pc, "forgot", &forgotForm{Base: pc.base("Forgot password")})
}

func (s *Server) forgotSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	f := &forgotForm{Base: pc.base("Forgot password"), Email: r.PostFormValue("email")}
	if err := s.requestReset(r.Context(), f.Email); err != nil {
		if !nestegg.Is(err, nestegg.Unavailable) {
			return err
		}
		f.Errors = map[string]string{"": nestegg.ErrorMessage(err)}
		s.renderStatus(pc, http.StatusServiceUnavailable, "forgot", f)
		return nil
	}
	f.Sent = true
	return s.render(pc, "forgot", f)
}

type resetForm struct {
	Base
	Token, Handle string
	NeedsCode     bool
	Gone          bool
	Errors        map[string]string
}

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	f := &resetForm{Base: pc.base("Choose a new password"), Token: r.URL.Query().Get("token")}
	l, err := s.social.CheckResetLink(r.Context(), f.Token)
	if nestegg.Is(err, nestegg.NotFound) {
		f.Gone, f.Token = true, ""
		s.renderStatus(pc, http.StatusNotFound, "reset", f)
		return nil
	}
	if err != nil {
		return err
	}
	f.Handle, f.NeedsCode = l.Handle, l.NeedsCode
	return s.render(pc, "reset", f)
}

func (s *Server) resetSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	f := &resetForm{Base: pc.base("Choose a new password"), Token: r.PostFormValue("token")}
	next := r.PostFormValue("new_password")
	var err error
	if next != r.PostFormValue("new_password2") {
		err = nestegg.ParamErrorf(nestegg.Invalid, "new_password2", "the two new passwords differ; type the same one twice")
	} else {
		err = s.social.ResetPassword(r.Context(), f.Token, next, r.PostFormValue("code"))
	}
	switch {
	case nestegg.Is(err, nestegg.NotFound):
		f.Gone, f.Token = true, ""
		s.renderStatus(pc, http.StatusNotFound, "reset", f)
		return nil
	case err != nil && userError(err):
		if l, cerr := s.social.CheckResetLink(r.Context(), f.Token); cerr == nil {
			f.Handle, f.NeedsCode = l.Handle, l.NeedsCode
		} else {
			f.Gone, f.Token = true, "" // the wrong codes spent it
		}
		f.Errors = fieldErrors(err, "new_password", "new_password2", "code")
		s.renderStatus(pc, http.StatusUnprocessableEntity, "reset", f)
		return nil
	case err != nil:
		return err
	}
	// Every session ended, this browser's too: its cookie is stale.
	s.setCookie(pc, SessionCookie, "", -1)
	return s.seeOther(pc, "/login", "Your password is changed, and you were logged out everywhere: log in with the new one.")
}

type verifyEmailForm struct {
	Base
	Token string
	Gone  bool
}

func (s *Server) verifyEmailPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.render(pc, "verify_email", &verifyEmailForm{Base: pc.base("Confirm your email"), Token: r.URL.Query().Get("token")})
}

func (s *Server) verifyEmailSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	_, err := s.social.VerifyEmail(r.Context(), r.PostFormValue("token"))
	if nestegg.Is(err, nestegg.NotFound) {
		s.renderStatus(pc, http.StatusNotFound, "verify_email", &verifyEmailForm{Base: pc.base("Confirm your email"), Gone: true})
		return nil
	}
	if err != nil {
		return err
	}
	to := "/login"
	if pc.me != nil {
		to = "/settings/email"
	}
	return s.seeOther(pc, to, "Thank you: your email address is confirmed.")
}

func (s *Server) emailSettingsPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.render(pc, "email_settings", pc.settings("email", "Email"))
}

func (s *Server) emailSettingsSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	on := r.PostFormValue("weekly_summary") == "on"
	if err := s.social.SetWeeklySummary(r.Context(), pc.me.ID, on); err != nil {
		return err
	}
	msg := "Saved: no weekly summary."
	if on {
		msg = "Saved: a weekly summary every Monday."
	}
	return s.seeOther(pc, "/settings/email", msg)
}

func (s *Server) resendVerificationSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	err := s.sendVerification(r.Context(), pc.me.ID)
	switch {
	case nestegg.Is(err, nestegg.Conflict):
		return s.seeOther(pc, "/settings/email", "Your address is already verified.")
	case err != nil && userError(err) || nestegg.Is(err, nestegg.Unavailable):
		return s.seeOther(pc, "/settings/email", nestegg.ErrorMessage(err))
	case err != nil:
		return err
	}
	return s.seeOther(pc, "/settings/email", "We sent a new link to "+pc.me.Email+". It works for 48 hours.")
}
