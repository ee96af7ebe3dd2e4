package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/social"
)

// The operator's console: its home, staff and roles, and the audit log.
// Who may open each is staff_routes.go's table.

// consoleHints say in a line what each console page is for.
var consoleHints = map[string]string{
	"/staff/members":        "Find a member by handle, name, email or id; their profile, balances, banks and cards.",
	"/staff/roles":          "Who is staff, and in which role. Give or take a role.",
	"/staff/audit":          "Every staff action: who, what, why, and how it ended.",
	"/staff/disputes":       "Open disputes between buyers and shops; decide who gets the held money.",
	"/staff/reconciliation": "The clearing accounts against the rails' records, and each difference.",
	"/staff/checks":         "Premium members whose new display name waits for approval.",
	"/staff/revenue":        "What the platform earns, by stream, from the ledger; volume, take rate, payers; the year's projection against the target.",
	"/staff/settings":       "Fees, coin prices, limits per tier, cooling-off and hold windows: change them without a restart.",
}

type consoleLink struct{ Title, Path, Hint string }

type consolePage struct {
	Base
	Role  social.Role
	Links []consoleLink
}

// consolePage lists the console's pages the viewer's role may open, from
// the route table, so that the home never offers a page that would refuse.
func (s *Server) consolePage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	d := &consolePage{Base: pc.base("Console"), Role: pc.me.StaffRole}
	for _, p := range s.staffPageTable() {
		if p.method == http.MethodGet && p.title != "" && p.rule.allows(pc.me.StaffRole) {
			d.Links = append(d.Links, consoleLink{p.title, p.pattern, consoleHints[p.pattern]})
		}
	}
	return s.render(pc, "console", d)
}

type staffRolesPage struct {
	Base
	Staff []staffRow
	Roles []social.Role
	// Found is the member looked up with ?handle=, to be given a role.
	Found     *social.User
	FoundRole social.Role
	Query     string
}

func (s *Server) staffRolesPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	staff, err := s.social.Staff(r.Context())
	if err != nil {
		return err
	}
	d := &staffRolesPage{Base: pc.base("Staff and roles"), Roles: social.Roles()}
	handles := map[string]string{}
	for _, m := range staff {
		handles[m.ID] = "@" + m.Handle
	}
	for _, m := range staff {
		by, ok := handles[m.GrantedBy]
		switch {
		case m.GrantedBy == "":
			by = "the operator"
		case !ok:
			by = "a former admin"
		}
		d.Staff = append(d.Staff, staffRow{StaffMember: m, By: by})
	}
	if q := strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("handle")), "@"); q != "" {
		d.Query = q
		u, err := s.social.UserByHandle(r.Context(), q)
		if err != nil {
			if !nestegg.Is(err, nestegg.NotFound) && !nestegg.Is(err, nestegg.Invalid) {
				return err
			}
			d.Flash = "Nobody has the handle @" + q + "."
		} else {
			d.Found = &u
			if d.FoundRole, err = s.social.StaffRole(r.Context(), u.ID); err != nil {
				return err
			}
		}
	}
	return s.render(pc, "staff_roles", d)
}

// staffRow is a member of staff with who gave them the role.
type staffRow struct {
	social.StaffMember
	By string
}

// staffRoleSubmit gives the member {handle} the form's role ("" for none).
// social checks again that the actor is an admin.
func (s *Server) staffRoleSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	u, err := s.social.UserByHandle(r.Context(), r.PathValue("handle"))
	if err != nil {
		return err
	}
	role := social.Role(r.PostForm.Get("role"))
	if err := s.social.SetStaffRole(r.Context(), pc.me.ID, u.ID, role); err != nil {
		return err
	}
	msg := "@" + u.Handle + " is now " + string(role) + "."
	if role == social.NoRole {
		msg = "@" + u.Handle + " is no longer staff."
	}
	return s.seeOther(pc, "/staff/roles", msg)
}

// roleForm is one form that sets a member's role.
type roleForm struct {
	Page    any // the page, for its CSRF token
	Handle  string
	Current social.Role
	Roles   []social.Role
}

type staffAuditPage struct {
	Base
	Entries []auditRow
	Next    string
}

// auditRow is an audit entry with names instead of ids where they are
// members.
type auditRow struct {
	compliance.Entry
	Actor string
	Role  string // the actor's role then
}

func (s *Server) staffAuditPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	page, err := s.comp.StaffAudit(r.Context(), r.URL.Query().Get("cursor"), 50)
	if err != nil {
		return err
	}
	d := &staffAuditPage{Base: pc.base("Audit log"), Next: page.Next}
	names := map[string]string{}
	for _, e := range page.Entries {
		name, ok := names[e.ActorID]
		if !ok {
			name = e.ActorID
			if u, err := s.social.UserByID(r.Context(), e.ActorID); err == nil {
				name = "@" + u.Handle
			}
			names[e.ActorID] = name
		}
		d.Entries = append(d.Entries, auditRow{Entry: e, Actor: name, Role: strings.TrimPrefix(string(e.Kind), "staff:")})
	}
	return s.render(pc, "staff_audit", d)
}

// staffJSON is a member of staff in the API.
type staffJSON struct {
	userJSON
	Role      string    `json:"role"`
	GrantedBy string    `json:"granted_by"`
	GrantedAt time.Time `json:"granted_at"`
}

func (s *Server) apiStaffRoles(w http.ResponseWriter, r *http.Request, _ []byte) error {
	staff, err := s.social.Staff(r.Context())
	if err != nil {
		return err
	}
	out := []staffJSON{}
	for _, m := range staff {
		out = append(out, staffJSON{jsonUser(m.User), string(m.Role), m.GrantedBy, m.GrantedAt})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (s *Server) apiSetStaffRole(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req struct {
		Role   string `json:"role"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	me, _ := Member(r.Context())
	return s.staffAction(w, r, req.Reason, func(w http.ResponseWriter) error {
		u, err := s.social.UserByHandle(r.Context(), r.PathValue("handle"))
		if err != nil {
			return nestegg.ParamErrorf(nestegg.NotFound, "handle", "no such member")
		}
		if err := s.social.SetStaffRole(r.Context(), me.ID, u.ID, social.Role(req.Role)); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"handle": u.Handle, "role": req.Role})
	})
}
