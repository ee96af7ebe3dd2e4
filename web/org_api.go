package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// The organization routes (org_api.go): a business's affiliates and
// seats, a member's invitations and affiliation, and staff's official
// label.

type affiliationJSON struct {
	Organization userJSON  `json:"organization"`
	Member       userJSON  `json:"member"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toAffiliationJSON(a social.Affiliation) affiliationJSON {
	return affiliationJSON{Organization: jsonUser(a.Org), Member: jsonUser(a.Member), Status: string(a.Status), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

func toAffiliationsJSON(as []social.Affiliation) []affiliationJSON {
	out := make([]affiliationJSON, 0, len(as))
	for _, a := range as {
		out = append(out, toAffiliationJSON(a))
	}
	return out
}

// apiOrganization is the caller's organization: its subscription, seats
// and affiliates.
func (s *Server) apiOrganization(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	sub, ok, taken, err := s.orgState(ctx, me)
	if err != nil {
		return err
	}
	if !ok {
		return nestegg.Errorf(nestegg.NotFound, "you have no organization tier; a business profile subscribes to it")
	}
	affs, err := s.social.Affiliates(ctx, me)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"subscription": toSubscriptionJSON(sub, s.clock()), "seats": sub.Seats,
		"seats_taken": taken, "affiliates": toAffiliationsJSON(affs)})
}

func (s *Server) apiInviteAffiliate(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	var req struct {
		Handle string `json:"handle"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	sub, ok, _, err := s.orgState(r.Context(), me)
	if err != nil {
		return err
	}
	if !ok {
		return nestegg.Errorf(nestegg.Forbidden, "only an organization (a business on the organization tier) adds affiliates")
	}
	a, err := s.social.InviteAffiliate(r.Context(), me, req.Handle, invitableSeats(sub))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toAffiliationJSON(a))
}

func (s *Server) apiRemoveAffiliate(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, ok := Member(r.Context())
	if !ok {
		return nestegg.Errorf(nestegg.Unauthenticated, "sign in")
	}
	m, err := s.social.UserByHandle(r.Context(), r.PathValue("handle"))
	if err != nil {
		return nestegg.ParamErrorf(nestegg.NotFound, "handle", "no such member")
	}
	if err := s.social.EndAffiliation(r.Context(), me.ID, m.ID, true); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiSetSeats changes how many seats the caller's organization tier pays
// for (POST /api/v1/subscriptions/{id}/seats).
func (s *Server) apiSetSeats(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiBilling(r)
	if err != nil {
		return err
	}
	var req struct {
		Seats *int `json:"seats"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if req.Seats == nil {
		return nestegg.ParamErrorf(nestegg.Invalid, "seats", "say how many seats")
	}
	taken, err := s.social.SeatsTaken(r.Context(), me)
	if err != nil {
		return err
	}
	sub, err := s.billing.SetSeats(r.Context(), me, r.PathValue("id"), *req.Seats, taken, apiIdemKey(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSubscriptionJSON(sub, s.clock()))
}

// apiAffiliations is the caller's invitations and affiliation.
func (s *Server) apiAffiliations(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, ok := Member(r.Context())
	if !ok {
		return nestegg.Errorf(nestegg.Unauthenticated, "sign in")
	}
	as, err := s.social.Affiliations(r.Context(), me.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"affiliations": toAffiliationsJSON(as)})
}

// apiAffiliation accepts an organization's invitation (POST …/accept) or
// declines it or leaves the organization (DELETE).
func (s *Server) apiAffiliation(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, ok := Member(r.Context())
	if !ok {
		return nestegg.Errorf(nestegg.Unauthenticated, "sign in")
	}
	org, err := s.social.UserByHandle(r.Context(), r.PathValue("handle"))
	if err != nil {
		return nestegg.ParamErrorf(nestegg.NotFound, "handle", "no such organization")
	}
	if r.Method == http.MethodDelete {
		if err := s.social.EndAffiliation(r.Context(), org.ID, me.ID, false); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if err := s.social.AcceptAffiliation(r.Context(), me.ID, org.Handle); err != nil {
		return err
	}
	as, err := s.social.Affiliations(r.Context(), me.ID)
	if err != nil {
		return err
	}
	for _, a := range as {
		if a.Org.ID == org.ID {
			return writeJSON(w, http.StatusOK, toAffiliationJSON(a))
		}
	}
	return nestegg.Errorf(nestegg.Conflict, "the affiliation changed meanwhile; look again")
}

// apiSetOfficial grants (…/official/grant) or removes (…/official/remove)
// a member's official label; the role table audits it with the reason.
func (s *Server) apiSetOfficial(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	on := strings.HasSuffix(r.URL.Path, "/grant")
	return s.staffAction(w, r, req.Reason, func(w http.ResponseWriter) error {
		id := r.PathValue("id")
		if err := s.social.SetOfficial(r.Context(), id, on); err != nil {
			return err
		}
		u, err := s.social.UserByID(r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, jsonUser(u))
	})
}
