package web

import (
	"net/http"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/rails"
)

// Identity verification over the API: a member sees their tier, limits
// and next step, submits their facts (tier 1) and starts a document check
// (tier 2); the operator opens a member's personal data (audited, with a
// reason) and decides a check the provider left for review.

type tierLimitsJSON struct {
	PerTransfer int64 `json:"per_transfer"`
	PerDay      int64 `json:"per_day"`
	PerMonth    int64 `json:"per_month"`
}

type verificationJSON struct {
	Tier          string         `json:"tier"`
	TierLevel     int            `json:"tier_level"`
	Asset         string         `json:"asset"`
	Limits        tierLimitsJSON `json:"limits"`
	FundingLimits tierLimitsJSON `json:"funding_limits"`
	Region        string         `json:"region"`
	Outside       bool           `json:"outside_licensed_regions"`
	Check         *checkJSON     `json:"check"`
	NextStep      string         `json:"next_step"`
	NextStepText  string         `json:"next_step_text"`
	NextTier      string         `json:"next_tier"`
	NextLimits    tierLimitsJSON `json:"next_limits"`
}

type checkJSON struct {
	Level   int       `json:"level"`
	Outcome string    `json:"outcome"`
	Reason  string    `json:"reason"`
	URL     string    `json:"url"`
	At      time.Time `json:"at"`
}

func limitsOf(l compliance.Limits) tierLimitsJSON {
	return tierLimitsJSON{PerTransfer: l.PerTransfer, PerDay: l.PerDay, PerMonth: l.PerMonth}
}

func (s *Server) writeVerification(w http.ResponseWriter, status int, v compliance.Verification) error {
	out := verificationJSON{Tier: string(v.Tier), TierLevel: v.Tier.Level(), Asset: s.comp.Config().Asset, Limits: limitsOf(v.Limits),
		FundingLimits: limitsOf(v.FundingLimits), Region: v.Region, Outside: v.Outside, NextStep: string(v.Next), NextStepText: v.Says,
		NextTier: string(v.NextTier), NextLimits: limitsOf(v.NextLimits)}
	if v.CheckLevel > 0 {
		out.Check = &checkJSON{Level: int(v.CheckLevel), Outcome: string(v.CheckOutcome), Reason: v.CheckReason, URL: checkURL(v.CheckURL), At: v.CheckedAt}
	}
	return writeJSON(w, status, out)
}

// checkURL is a check's URL if the member can open it (the provider's
// pages), "" for the sandbox's.
func checkURL(u string) string {
	if len(u) > 8 && u[:8] == "https://" {
		return u
	}
	return ""
}

func (s *Server) apiNeedComp() error {
	if s.comp == nil {
		return nestegg.Errorf(nestegg.Unavailable, "compliance is not enabled on this server")
	}
	return nil
}

// apiVerification is the caller's verification; a pending check is asked
// after first (the member may have finished it at the provider).
func (s *Server) apiVerification(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedComp(); err != nil {
		return err
	}
	me, err := apiMe(r)
	if err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	v, err := s.verification(r, me.ID)
	if err != nil {
		return err
	}
	return s.writeVerification(w, http.StatusOK, v)
}

// verification refreshes a pending check when a provider is set, and
// otherwise just reads.
func (s *Server) verification(r *http.Request, userID string) (compliance.Verification, error) {
	v, err := s.comp.Verification(r.Context(), userID)
	if err != nil || v.CheckOutcome != rails.IdentityPending {
		return v, err
	}
	if rv, err := s.comp.RefreshIdentity(r.Context(), userID); err == nil {
		return rv, nil
	} else if !nestegg.Is(err, nestegg.Unavailable) {
		return compliance.Verification{}, err
	}
	return v, nil // the provider is down: show what we know
}

type identityRequest struct {
	LegalName   string `json:"legal_name"`
	DateOfBirth string `json:"date_of_birth"`
	Line1       string `json:"line1"`
	Line2       string `json:"line2"`
	City        string `json:"city"`
	State       string `json:"state"`
	PostalCode  string `json:"postal_code"`
	Country     string `json:"country"`
	IDLast4     string `json:"id_last4"`
	ReturnURL   string `json:"return_url"`
}

func (q identityRequest) person() rails.Person {
	return rails.Person{LegalName: q.LegalName, DateOfBirth: q.DateOfBirth, Line1: q.Line1, Line2: q.Line2, City: q.City,
		State: q.State, PostalCode: q.PostalCode, Country: q.Country, IDLast4: q.IDLast4}
}

// apiSubmitIdentity sends the caller's facts to the identity provider.
func (s *Server) apiSubmitIdentity(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedComp(); err != nil {
		return err
	}
	me, err := apiMe(r)
	if err != nil {
		return err
	}
	var req identityRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	v, err := s.comp.SubmitIdentity(r.Context(), me.ID, req.person(), httpsURL(req.ReturnURL))
	if err != nil {
		return err
	}
	return s.writeVerification(w, http.StatusOK, v)
}

type documentRequest struct {
	ReturnURL string `json:"return_url"`
}

// apiStartDocument starts the caller's document and selfie check.
func (s *Server) apiStartDocument(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedComp(); err != nil {
		return err
	}
	me, err := apiMe(r)
	if err != nil {
		return err
	}
	var req documentRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	v, err := s.comp.StartDocument(r.Context(), me.ID, httpsURL(req.ReturnURL))
	if err != nil {
		return err
	}
	return s.writeVerification(w, http.StatusOK, v)
}

// httpsURL keeps a return URL only when it is https (the provider
// refuses others).
func httpsURL(u string) string {
	if len(u) > 8 && u[:8] == "https://" && len(u) < 2048 {
		return u
	}
	return ""
}

type identityViewRequest struct {
	Reason string `json:"reason"`
}

type personJSON struct {
	UserID      string `json:"user_id"`
	LegalName   string `json:"legal_name"`
	DateOfBirth string `json:"date_of_birth"`
	Line1       string `json:"line1"`
	Line2       string `json:"line2"`
	City        string `json:"city"`
	State       string `json:"state"`
	PostalCode  string `json:"postal_code"`
	Country     string `json:"country"`
	IDLast4     string `json:"id_last4"`
}

// apiOperatorIdentity opens a member's personal data for the operator:
// the reason and who asked go to the audit log first.
func (s *Server) apiOperatorIdentity(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedComp(); err != nil {
		return err
	}
	var req identityViewRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	id := r.PathValue("id")
	p, err := s.comp.Identity(r.Context(), apiOperatorActor(r), id, req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, personJSON{UserID: id, LegalName: p.LegalName, DateOfBirth: p.DateOfBirth, Line1: p.Line1, Line2: p.Line2,
		City: p.City, State: p.State, PostalCode: p.PostalCode, Country: p.Country, IDLast4: p.IDLast4})
}

type identityReviewRequest struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"`
}

// apiOperatorReview decides a member's check the provider left for
// review, and returns their verification.
func (s *Server) apiOperatorReview(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedComp(); err != nil {
		return err
	}
	var req identityReviewRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.comp.ReviewIdentity(r.Context(), apiOperatorActor(r), id, req.Approve, req.Reason); err != nil {
		return err
	}
	v, err := s.comp.Verification(r.Context(), id)
	if err != nil {
		return err
	}
	return s.writeVerification(w, http.StatusOK, v)
}
