package web

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/social"
)

// Staff routes: the operator's console (pages under /staff) and the staff
// API (/api/v1/staff and a few others). Each is declared once, in
// staffPageTable or staffRouteTable (staff_routes.go), with the roles that
// may use it; the wrappers here enforce that before the handler runs, and
// put every action (anything but a GET) in the audit log with who, what
// and why. docs/STAFF.md is the same table for people; a test walks every
// row as every role.

// staffRule is what the route table says about one staff route.
type staffRule struct {
	roles []social.Role
	// action names a state-changing route in the audit log ("set_role");
	// "" for a page or a read, which is not audited.
	action string
	// why is the form or JSON field that says why; default "reason".
	why string
}

func (r staffRule) allows(role social.Role) bool {
	return role != social.NoRole && slices.Contains(r.roles, role)
}

func (r staffRule) whyField() string {
	if r.why == "" {
		return "reason"
	}
	return r.why
}

// forbidden is the refusal of a role the rule does not list.
func (r staffRule) forbidden() error {
	names := make([]string, len(r.roles))
	for i, ro := range r.roles {
		names[i] = string(ro)
	}
	return nestegg.Errorf(nestegg.Forbidden, "this is for staff (%s)", strings.Join(names, ", "))
}

// StaffRoute is one row of the staff route table, for tests and docs.
type StaffRoute struct {
	Method, Pattern string
	API             bool          // a JSON route; else a console page
	Roles           []social.Role // who may use it
	Action          string        // its name in the audit log; "" for reads
	Why             string        // the field that says why, for actions
}

// StaffRoutes returns the staff route table: console pages, then API.
func (s *Server) StaffRoutes() []StaffRoute {
	var out []StaffRoute
	for _, p := range s.staffPageTable() {
		out = append(out, StaffRoute{Method: p.method, Pattern: p.pattern, Roles: p.rule.roles, Action: p.rule.action, Why: p.rule.whyField()})
	}
	for _, rt := range s.staffRouteTable() {
		out = append(out, StaffRoute{Method: rt.Method, Pattern: rt.Pattern, API: true, Roles: rt.rule.roles, Action: rt.rule.action, Why: rt.rule.whyField()})
	}
	return out
}

// staffPage is a console page or form action.
type staffPage struct {
	method, pattern string
	title           string // its link on the console's home; "" for none
	rule            staffRule
	handler         pageHandler
}

// staffRoute is a staff API route.
type staffRoute struct {
	Route
	rule    staffRule
	handler handlerFunc
}

// staffPageRoutes turns the staff pages into page routes whose handler
// checks the role first and audits actions.
func (s *Server) staffPageRoutes() []pageRoute {
	var out []pageRoute
	for _, sp := range s.staffPageTable() {
		out = append(out, pageRoute{sp.method, sp.pattern, true, s.guardPage(sp)})
	}
	return out
}

func (s *Server) guardPage(sp staffPage) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
		if !sp.rule.allows(pc.me.StaffRole) {
			return sp.rule.forbidden()
		}
		if sp.rule.action == "" {
			return sp.handler(w, r, pc)
		}
		why := strings.TrimSpace(r.PostForm.Get(sp.rule.whyField()))
		sw := &statusWriter{ResponseWriter: pc.w}
		pc.w = sw
		return s.audited(r, pc.me, sp.rule, why, sw, func() error { return sp.handler(sw, r, pc) })
	}
}

// guardRoute checks a staff API route's role; it runs in serveRoute after
// authentication and before the body is read.
func (s *Server) guardRoute(rule staffRule, r *http.Request) error {
	a, ok := r.Context().Value(memberKey{}).(social.Account)
	if !ok || !rule.allows(a.StaffRole) {
		return rule.forbidden()
	}
	return nil
}

// auditedHandler wraps a staff API action. The handler decodes its body
// first (so that bad input is answered as on any route) and then runs its
// effect through staffAction with the reason; a handler that answered
// without doing so is a bug, reported as one.
func (s *Server) auditedHandler(rule staffRule, h handlerFunc) handlerFunc {
	if rule.action == "" {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request, body []byte) error {
		slot := &staffSlot{rule: rule}
		slot.me, _ = Member(r.Context())
		r = r.WithContext(context.WithValue(r.Context(), staffSlotKey{}, slot))
		err := h(w, r, body)
		if err == nil && !slot.called {
			return nestegg.Errorf(nestegg.Internal, "staff action %s answered without its audit entry", rule.action)
		}
		return err
	}
}

type staffSlot struct {
	rule   staffRule
	me     social.Account
	called bool
}

type staffSlotKey struct{}

// staffAction runs a staff API action's effect between its audit entries
// (see audited). Every staff action handler calls it once its input is
// decoded, with the reason; fn writes the answer to the writer it is given.
func (s *Server) staffAction(w http.ResponseWriter, r *http.Request, why string, fn func(w http.ResponseWriter) error) error {
	slot, ok := r.Context().Value(staffSlotKey{}).(*staffSlot)
	if !ok {
		return nestegg.Errorf(nestegg.Internal, "staffAction outside a staff action route")
	}
	slot.called = true
	sw := &statusWriter{ResponseWriter: w}
	return s.audited(r, &slot.me, slot.rule, strings.TrimSpace(why), sw, func() error { return fn(sw) })
}

// audited runs a staff action between two audit entries: "requested"
// before it (an action that cannot be recorded does not run, so the log
// never misses one, even if the process dies half way) and its outcome
// after.
func (s *Server) audited(r *http.Request, me *social.Account, rule staffRule, why string, sw *statusWriter, fn func() error) error {
	if why == "" {
		return nestegg.ParamErrorf(nestegg.Invalid, rule.whyField(), "say why, for the audit log")
	}
	if s.comp == nil {
		return nestegg.Errorf(nestegg.Unavailable, "staff actions need the audit log, which is not configured")
	}
	act := compliance.StaffAction{ActorID: me.ID, Role: string(me.StaffRole), Action: rule.action,
		Subject: pathSubject(r), Reference: r.Method + " " + r.URL.Path, Reason: why, Outcome: "requested"}
	if err := s.comp.RecordStaffAction(r.Context(), act); err != nil {
		return err
	}
	err := fn()
	act.Outcome = "done"
	switch {
	case err != nil:
		act.Outcome = "failed: " + string(nestegg.ErrorCode(err))
	case sw.status >= 400:
		act.Outcome = "failed: " + http.StatusText(sw.status)
	}
	// The action has happened (or not); a failure to record its outcome
	// must not turn its answer into an error. The "requested" entry stands.
	if rerr := s.comp.RecordStaffAction(context.WithoutCancel(r.Context()), act); rerr != nil {
		s.log.Error("staff action outcome not recorded", "action", rule.action, "actor", me.ID, "err", rerr)
	}
	return err
}

var pathWildcard = regexp.MustCompile(`\{([a-z_]+)\}`)

// pathSubject is what a staff action acts on: its path's wildcards'
// values ("{handle}" of /staff/roles/{handle}).
func pathSubject(r *http.Request) string {
	var vals []string
	for _, m := range pathWildcard.FindAllStringSubmatch(r.Pattern, -1) {
		vals = append(vals, r.PathValue(m[1]))
	}
	return strings.Join(vals, " ")
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
