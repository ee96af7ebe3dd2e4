package web

import (
	"net/http"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/rails"
)

// The member's verification page (/settings/verification): their tier,
// their limits, and the one step that raises them — a form for their
// facts, a button for the document check, or what they are waiting for.

type verificationPage struct {
	*settingsForm
	V          compliance.Verification
	Level      int
	NextLevel  int
	Limits     []limitLine // at the member's tier
	NextLimits []limitLine // at the next tier
	URL        string      // the provider's page for a pending check
	Person     rails.Person
}

func (s *Server) verificationData(pc *pageCtx, v compliance.Verification) *verificationPage {
	d := &verificationPage{settingsForm: pc.settings("verification", "Verification"), V: v, Level: v.Tier.Level(), NextLevel: v.NextTier.Level(), URL: checkURL(v.CheckURL)}
	d.Person.Country = "US"
	if a, err := money.Lookup(s.comp.Config().Asset); err == nil {
		f := func(m int64) string { return money.Format(money.Amount{Asset: a, Minor: m}) }
		lines := func(l, fl compliance.Limits) []limitLine {
			var out []limitLine
			for _, x := range []struct {
				label string
				v     int64
			}{{"Send per payment", l.PerTransfer}, {"Send per 24 hours", l.PerDay}, {"Send per 30 days", l.PerMonth},
				{"Add per 24 hours", fl.PerDay}, {"Add per 30 days", fl.PerMonth}} {
				if x.v > 0 {
					out = append(out, limitLine{x.label, f(x.v), ""})
				}
			}
			return out
		}
		d.Limits = lines(v.Limits, v.FundingLimits)
		if v.NextTier != "" {
			d.NextLimits = lines(v.NextLimits, s.comp.Config().FundingLimits[v.NextTier])
		}
	}
	return d
}

func (s *Server) verificationPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.apiNeedComp(); err != nil {
		return err
	}
	v, err := s.verification(r, pc.me.ID)
	if err != nil {
		return err
	}
	return s.render(pc, "verification", s.verificationData(pc, v))
}

// verificationSubmit takes the member's facts (tier 1).
func (s *Server) verificationSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.apiNeedComp(); err != nil {
		return err
	}
	p := rails.Person{LegalName: r.PostFormValue("legal_name"), DateOfBirth: r.PostFormValue("date_of_birth"), Line1: r.PostFormValue("line1"),
		Line2: r.PostFormValue("line2"), City: r.PostFormValue("city"), State: r.PostFormValue("state"), PostalCode: r.PostFormValue("postal_code"),
		Country: r.PostFormValue("country"), IDLast4: r.PostFormValue("id_last4")}
	v, err := s.comp.SubmitIdentity(r.Context(), pc.me.ID, p, "")
	if err != nil {
		if !userError(err) {
			return err
		}
		cur, verr := s.comp.Verification(r.Context(), pc.me.ID)
		if verr != nil {
			return verr
		}
		d := s.verificationData(pc, cur)
		d.Errors = fieldErrors(err, "legal_name", "date_of_birth", "line1", "line2", "city", "state", "postal_code", "country", "id_last4")
		// The member's own entries go back into the form, except the
		// last four, which they type again.
		d.Person, d.Person.IDLast4 = p, ""
		s.renderStatus(pc, http.StatusUnprocessableEntity, "verification", d)
		return nil
	}
	return s.seeOther(pc, "/settings/verification", verificationFlash(v))
}

// documentSubmit starts the document and selfie check (tier 2) and sends
// the member to the provider's pages when it has some.
func (s *Server) documentSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.apiNeedComp(); err != nil {
		return err
	}
	v, err := s.comp.StartDocument(r.Context(), pc.me.ID, httpsURL(s.absURL(r, "/settings/verification")))
	if err != nil {
		if !userError(err) {
			return err
		}
		return s.seeOther(pc, "/settings/verification", nestegg.ErrorMessage(err))
	}
	if u := checkURL(v.CheckURL); u != "" && v.CheckOutcome == rails.IdentityPending {
		http.Redirect(w, r, u, http.StatusSeeOther)
		return nil
	}
	return s.seeOther(pc, "/settings/verification", verificationFlash(v))
}

// verificationFlash says what a check's answer means for the member.
func verificationFlash(v compliance.Verification) string {
	switch v.CheckOutcome {
	case rails.IdentityApproved:
		return "Verified: you are now tier " + string(rune('0'+v.Tier.Level())) + " and your limits went up."
	case rails.IdentityPending:
		return "Your check has started. Finish it with our provider."
	}
	return v.Says
}

// absURL is path on the address the member reached this server at, for a
// provider to send them back to.
func (s *Server) absURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}
