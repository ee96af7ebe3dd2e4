package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
)

// The operator's side of payments: crediting a member's wallet (money
// that arrived outside a rail, for demos and tests until banks exist) and
// the compliance staff actions, all audited.

type creditRequest struct {
	UserID string      `json:"user_id"`
	Handle string      `json:"handle"`
	Amount amountInput `json:"amount"`
	Asset  string      `json:"asset"`
	Reason string      `json:"reason"`
}

// apiCredit funds a member's wallet, named by user_id or handle.
func (s *Server) apiCredit(w http.ResponseWriter, r *http.Request, body []byte) error {
	if err := s.apiNeedPayments(); err != nil {
		return err
	}
	var req creditRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	userID := req.UserID
	switch {
	case req.UserID != "" && req.Handle != "":
		return nestegg.ParamErrorf(nestegg.Invalid, "handle", "name the member by user_id or handle, not both")
	case req.Handle != "":
		u, err := s.social.UserByHandle(r.Context(), req.Handle)
		if err != nil {
			return &nestegg.Error{Param: "handle", Err: err}
		}
		userID = u.ID
	case userID == "":
		return nestegg.ParamErrorf(nestegg.Invalid, "user_id", "user_id or handle names the member to credit")
	}
	amt, err := s.resolveAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	p, err := s.payments.Credit(r.Context(), userID, amt, apiIdemKey(r), req.Reason)
	if err != nil {
		return err
	}
	return writePayment(w, p)
}

// apiOperatorActor names the operator key acting, for the audit log.
func apiOperatorActor(r *http.Request) string {
	p, _ := PrincipalFrom(r.Context())
	return p.String()
}

type staffRequest struct {
	Reason string `json:"reason"`
	Tier   string `json:"tier"`
}

type complianceStatusJSON struct {
	UserID       string     `json:"user_id"`
	Frozen       bool       `json:"frozen"`
	FrozenReason string     `json:"frozen_reason"`
	Tier         string     `json:"tier"`
	UpdatedAt    *time.Time `json:"updated_at"`
}

// apiStaff freezes, unfreezes or sets the tier of the member {id}, and
// returns their compliance status.
func (s *Server) apiStaff(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, body []byte) error {
		if s.comp == nil || s.social == nil {
			return nestegg.Errorf(nestegg.Unavailable, "compliance is not enabled on this server")
		}
		var req staffRequest
		if err := decodeJSON(body, &req); err != nil {
			return err
		}
		if req.Tier != "" && action != "tier" {
			return nestegg.ParamErrorf(nestegg.Invalid, "tier", "tier is only for POST …/tier")
		}
		id := r.PathValue("id")
		if _, err := s.social.UserByID(r.Context(), id); err != nil {
			return err
		}
		actor := apiOperatorActor(r)
		var err error
		switch action {
		case "freeze":
			err = s.comp.Freeze(r.Context(), actor, id, req.Reason)
		case "unfreeze":
			err = s.comp.Unfreeze(r.Context(), actor, id, req.Reason)
		default:
			err = s.comp.SetTier(r.Context(), actor, id, compliance.Tier(req.Tier), req.Reason)
		}
		if err != nil {
			return err
		}
		st, err := s.comp.Status(r.Context(), id)
		if err != nil {
			return err
		}
		out := complianceStatusJSON{UserID: st.UserID, Frozen: st.Frozen, FrozenReason: st.FrozenReason, Tier: string(st.Tier)}
		if !st.UpdatedAt.IsZero() {
			out.UpdatedAt = &st.UpdatedAt
		}
		return writeJSON(w, http.StatusOK, out)
	}
}

type auditJSON struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	Action    string    `json:"action"`
	ActorID   string    `json:"actor_id"`
	SubjectID string    `json:"subject_id"`
	Kind      string    `json:"kind"`
	ToUser    string    `json:"to_user"`
	Asset     string    `json:"asset"`
	Amount    int64     `json:"amount"`
	Outcome   string    `json:"outcome"`
	Reason    string    `json:"reason"`
	Reference string    `json:"reference"`
}

// apiAudit pages through the compliance audit log, of one member
// (?user_id=) or everyone; ?limit= is 1 to 200.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if s.comp == nil {
		return nestegg.Errorf(nestegg.Unavailable, "compliance is not enabled on this server")
	}
	if err := apiQuery(r, "user_id", "cursor", "limit"); err != nil {
		return err
	}
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nestegg.ParamErrorf(nestegg.Invalid, "limit", "limit is 1 to 200")
		}
		limit = n
	}
	p, err := s.comp.Audit(r.Context(), q.Get("user_id"), q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	out := apiList[auditJSON]{Data: make([]auditJSON, 0, len(p.Entries)), NextCursor: p.Next, HasMore: p.Next != ""}
	for _, e := range p.Entries {
		out.Data = append(out.Data, auditJSON{ID: e.ID, At: e.At, Action: e.Action, ActorID: e.ActorID, SubjectID: e.SubjectID,
			Kind: string(e.Kind), ToUser: e.ToUser, Asset: e.Asset, Amount: e.Amount, Outcome: e.Outcome, Reason: e.Reason, Reference: e.Reference})
	}
	return writeJSON(w, http.StatusOK, out)
}
