package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// staffSite is the whole app behind a real HTTP server, with one browser
// and one API token per staff role and one for a member.
type staffSite struct {
	e       *apiEnv
	site    *pageSite
	browser map[social.Role]*pageUser
	token   map[social.Role]string
	id      map[social.Role]string
}

func newStaffSite(t *testing.T, db *store.DB) *staffSite {
	t.Helper()
	e := newAPI(t, db)
	hs := httptest.NewServer(e.srv)
	t.Cleanup(hs.Close)
	s := &staffSite{e: e, site: &pageSite{t: t, url: hs.URL, social: e.social, clock: e.fclock},
		browser: map[social.Role]*pageUser{}, token: map[social.Role]string{}, id: map[social.Role]string{}}
	ctx := context.Background()
	for _, role := range append(social.Roles(), social.NoRole) {
		handle := "staff" + string(role)
		if role == social.NoRole {
			handle = "plainmember"
		}
		u := s.site.signup(handle)
		a, err := e.social.UserByHandle(ctx, handle)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.social.OperatorSetStaffRole(ctx, a.ID, role); err != nil {
			t.Fatal(err)
		}
		tok, err := e.social.CreateToken(ctx, a.ID, social.NewToken{Name: "staff test", Password: pagePassword})
		if err != nil {
			t.Fatal(err)
		}
		u.get("/") // a fresh CSRF token
		s.browser[role], s.token[role], s.id[role] = u, tok.Secret, a.ID
	}
	return s
}

var staffWildcard = regexp.MustCompile(`\{[a-z_]+\}`)

// TestStaffRoutesAsEveryRole walks every row of the staff route table (the
// table itself, so a new staff route cannot escape) as each role and as a
// member: a role the row lists gets in (a page answers 200; an action gets
// past the role check to the handler, and is in the audit log with who,
// what and why, twice: asked for and ended); any other gets 403 and leaves
// nothing in the log.
func TestStaffRoutesAsEveryRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaffSite(t, db)
		routes := s.e.srv.StaffRoutes()
		if len(routes) < 10 {
			t.Fatalf("StaffRoutes() has %d rows", len(routes))
		}
		ctx := context.Background()
		for _, rt := range routes {
			// Ids that name nothing: an allowed role gets past the role
			// check and hears 404 or 400 from the handler, and nothing
			// changes.
			path := staffWildcard.ReplaceAllString(rt.Pattern, "nosuchthing")
			for _, role := range append(social.Roles(), social.NoRole) {
				who := string(role)
				if who == "" {
					who = "member"
				}
				what := rt.Method + " " + rt.Pattern + " as " + who
				reason := "walking " + what
				before := staffAuditCount(t, s.e.comp)
				var status int
				var body, location string
				if rt.API {
					f := map[string]string{rt.Why: reason}
					if strings.HasSuffix(rt.Pattern, "/resolve") {
						f["outcome"] = "lost"
					}
					if strings.Contains(rt.Pattern, "/roles/") {
						f["role"] = ""
					}
					fields, _ := json.Marshal(f)
					b := ""
					if rt.Method != http.MethodGet {
						b = string(fields)
					}
					res := s.e.asWith(s.token[role], rt.Method, path, b, "Idempotency-Key", "staff-walk-"+who)
					status, body = res.Code, res.Body.String()
				} else {
					u := s.browser[role]
					var r pageResp
					if rt.Method == http.MethodGet {
						r = u.get(path)
					} else {
						r = u.post(path, rt.Why, reason, "outcome", "lost", "role", "")
					}
					status, body, location = r.status, r.body, r.location
				}
				allowed := slices.Contains(rt.Roles, role)
				switch {
				case !allowed:
					if status != http.StatusForbidden {
						t.Errorf("%s = %d, want 403 (the role table does not list %s)\n%.300s", what, status, who, body)
					}
					if n := staffAuditCount(t, s.e.comp); n != before {
						t.Errorf("%s: refused, but the audit log grew from %d to %d", what, before, n)
					}
				case status == http.StatusForbidden || status == http.StatusUnauthorized || strings.HasPrefix(location, "/login"):
					t.Errorf("%s = %d, want in (the role table lists %s)\n%.300s", what, status, who, body)
				case rt.Method == http.MethodGet && !strings.Contains(rt.Pattern, "{") && status != http.StatusOK:
					t.Errorf("%s = %d, want 200\n%.300s", what, status, body)
				case rt.Action != "":
					page, err := s.e.comp.StaffAudit(ctx, "", 2)
					if err != nil {
						t.Fatal(err)
					}
					if len(page.Entries) != 2 {
						t.Fatalf("%s: audit has %d entries, want 2", what, len(page.Entries))
					}
					ended, asked := page.Entries[0], page.Entries[1]
					if asked.Outcome != "requested" || !strings.HasPrefix(ended.Outcome, "failed: ") {
						t.Errorf("%s: audit outcomes %q then %q, want requested then failed (the id names nothing)", what, asked.Outcome, ended.Outcome)
					}
					for _, en := range page.Entries {
						if en.ActorID != s.id[role] || en.Action != rt.Action || en.Reason != reason || en.SubjectID != "nosuchthing" ||
							en.Reference != rt.Method+" "+path {
							t.Errorf("%s: audit entry %+v, want actor %s, action %s, reason %q, subject nosuchthing", what, en, s.id[role], rt.Action, reason)
						}
					}
				}
			}
		}
	})
}

func staffAuditCount(t *testing.T, comp *compliance.Service) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		page, err := comp.StaffAudit(context.Background(), cursor, 200)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Entries)
		if page.Next == "" {
			return n
		}
		cursor = page.Next
	}
}

// TestStaffRoutesAreInTheRoleTable: every API route under /api/v1/staff is
// a row of the staff table (registration refuses one declared elsewhere;
// this checks what the server serves), and every row is served.
func TestStaffRoutesAreInTheRoleTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		staff := map[string]bool{}
		for _, r := range e.srv.StaffRoutes() {
			staff[r.Method+" "+r.Pattern] = true
			if len(r.Roles) == 0 {
				t.Errorf("%s %s lists no role", r.Method, r.Pattern)
			}
			if r.Method != http.MethodGet && r.Action == "" {
				t.Errorf("%s %s changes something but names no audit action", r.Method, r.Pattern)
			}
		}
		served := map[string]bool{}
		for _, r := range e.srv.Routes() {
			served[r.Method+" "+r.Pattern] = true
			if strings.HasPrefix(r.Pattern, "/api/v1/staff") && !staff[r.Method+" "+r.Pattern] {
				t.Errorf("%s %s is not in the staff route table", r.Method, r.Pattern)
			}
		}
		for _, r := range e.srv.StaffRoutes() {
			if r.API && !served[r.Method+" "+r.Pattern] {
				t.Errorf("%s %s is in the staff table but not served", r.Method, r.Pattern)
			}
		}
	})
}

// TestConsoleRoles: an admin gives a member a role in the console with a
// reason, the member then sees the console with just their role's pages,
// and the change is in the audit log; an admin cannot drop their own role.
func TestConsoleRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaffSite(t, db)
		admin := s.browser[social.Admin]
		newbie := s.site.signup("newbie")
		wantStatus(t, "newbie's console", newbie.get("/staff"), http.StatusForbidden)
		home := admin.get("/")
		wantBody(t, "admin's nav", home, `href="/staff"`)
		wantNoBody(t, "admin's nav", home, `href="/staff/disputes"`)
		found := admin.get("/staff/roles?handle=@newbie")
		wantStatus(t, "find newbie", found, http.StatusOK)
		wantBody(t, "find newbie", found, `id="found"`, `action="/staff/roles/newbie"`)
		r := admin.post("/staff/roles/newbie", "role", "moderator")
		wantStatus(t, "role without a reason", r, http.StatusBadRequest)
		r = admin.post("/staff/roles/newbie", "role", "moderator", "reason", "joins trust and safety")
		if r.status != http.StatusSeeOther || r.location != "/staff/roles" {
			t.Fatalf("set role = %d %q\n%s", r.status, r.location, r.body)
		}
		list := admin.get("/staff/roles")
		wantBody(t, "staff list", list, `id="staff-newbie"`, "moderator")
		console := newbie.get("/staff")
		wantStatus(t, "newbie's console", console, http.StatusOK)
		wantBody(t, "moderator's console", console, `href="/staff/checks"`)
		wantNoBody(t, "moderator's console", console, `href="/staff/roles"`, `href="/staff/reconciliation"`, `href="/staff/audit"`)
		wantStatus(t, "moderator opens roles", newbie.get("/staff/roles"), http.StatusForbidden)

		audit := admin.get("/staff/audit")
		wantBody(t, "audit log", audit, "set_role", "by @staffadmin", "joins trust and safety", "done")

		r = admin.post("/staff/roles/staffadmin", "role", "", "reason", "stepping down")
		wantStatus(t, "admin drops own role", r, http.StatusForbidden)
		if role, _ := s.e.social.StaffRole(context.Background(), s.id[social.Admin]); role != social.Admin {
			t.Fatalf("admin's role after refusing = %q", role)
		}
		// Members: found by part of a name or email, and their page, with
		// compliance state for admin and compliance staff only.
		found = admin.get("/staff/members?q=ewbi")
		wantBody(t, "member search", found, "@newbie", "newbie@example.com")
		wantNoBody(t, "member search", found, "@staffsupport")
		wantBody(t, "short search", admin.get("/staff/members?q=ne"), "search for 3 to")
		newbieID := s.e.socialID(t, "newbie")
		page := admin.get("/staff/members/" + newbieID)
		wantBody(t, "member page", page, "newbie@example.com", `id="balances"`, "$0.00", `id="compliance"`, "unverified")
		support := s.browser[social.Support].get("/staff/members/" + newbieID)
		wantStatus(t, "support's member page", support, http.StatusOK)
		wantNoBody(t, "support's member page", support, `id="compliance"`)
		wantBody(t, "compliance's member page", s.browser[social.Compliance].get("/staff/members/"+newbieID), `id="compliance"`)
		res := s.e.as(s.token[social.Finance], "GET", "/api/v1/staff/members?q=newbie@", "")
		if res.Code != http.StatusOK || !strings.Contains(res.Body.String(), `"email":"newbie@example.com"`) {
			t.Fatalf("API member search = %d %s", res.Code, res.Body)
		}

		// The API: an admin lists staff and sets a role; the reason is required.
		res = s.e.as(s.token[social.Admin], "POST", "/api/v1/staff/roles/newbie", `{"role":"finance"}`)
		wantError(t, "API role without reason", res, http.StatusBadRequest, "")
		res = s.e.as(s.token[social.Admin], "POST", "/api/v1/staff/roles/newbie", `{"role":"finance","reason":"moves to finance"}`)
		if res.Code != http.StatusOK {
			t.Fatalf("API set role = %d %s", res.Code, res.Body)
		}
		res = s.e.as(s.token[social.Admin], "GET", "/api/v1/staff/roles", "")
		if res.Code != http.StatusOK || !strings.Contains(res.Body.String(), `"role":"finance"`) {
			t.Fatalf("API staff list = %d %s", res.Code, res.Body)
		}
	})
}

// staffAuthzCases are TestAuthorization's cases for the staff routes that
// have no other: neither the stranger nor the owner is staff.
var staffAuthzCases = map[string]func(*testing.T, *apiEnv, *authzWorld) authzCase{
	"GET /api/v1/staff/members": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/staff/members?q=" + w.owner.handle, nobody: s401, stranger: s403, owner: s403, never: []string{w.owner.email}}
	},
	"GET /api/v1/staff/roles":    asMember("/api/v1/staff/roles", "", s403),
	"GET /api/v1/staff/settings": asMember("/api/v1/staff/settings", "", s403),
	"GET /api/v1/staff/revenue":  asMember("/api/v1/staff/revenue?format=csv", "", s403),
	"POST /api/v1/staff/settings/{key}": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/staff/settings/fees.tip_bps", body: `{"value":10000,"reason":"all tips are mine"}`,
			nobody: s401, stranger: s403, owner: s403,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				if n, _ := e.set.History(context.Background(), "", 10); len(n) != 0 {
					t.Errorf("a member changed a setting: %+v", n)
				}
			}}
	},
	"POST /api/v1/staff/roles/{handle}": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/staff/roles/" + w.stranger.handle, body: `{"role":"admin","reason":"mine now"}`,
			nobody: s401, stranger: s403, owner: s403,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				if role, _ := e.social.StaffRole(context.Background(), w.stranger.id); role != social.NoRole {
					t.Errorf("the stranger made themselves %q", role)
				}
			}}
	},
}

// TestStaffDocMatchesRouteTable: docs/STAFF.md's role table has one row per
// staff route with exactly the roles and audit action the route table
// gives it, so that the table people read is the one the server enforces.
func TestStaffDocMatchesRouteTable(t *testing.T) {
	doc, err := os.ReadFile("../docs/STAFF.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	row := regexp.MustCompile("(?m)^\\| `([A-Z]+ [^`]+)` \\|(.*)\\|\\s*$")
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = m[2]
	}
	e := newAPI(t, storetest.SQLite(t))
	routes := e.srv.StaffRoutes()
	for _, rt := range routes {
		name := rt.Method + " " + rt.Pattern
		cells, ok := rows[name]
		if !ok {
			t.Errorf("docs/STAFF.md has no row for `%s`", name)
			continue
		}
		delete(rows, name)
		var want []string
		for _, role := range social.Roles() {
			mark := " "
			if slices.Contains(rt.Roles, role) {
				mark = "✓"
			}
			want = append(want, mark)
		}
		action := rt.Action
		if action != "" && rt.Why != "reason" {
			action += " (why: " + rt.Why + ")"
		}
		want = append(want, action)
		var got []string
		for _, c := range strings.Split(cells, "|") {
			got = append(got, strings.TrimSpace(c))
		}
		for i := range want {
			want[i] = strings.TrimSpace(want[i])
		}
		if !slices.Equal(got, want) {
			t.Errorf("docs/STAFF.md `%s`: %q, want %q (admin, support, compliance, finance, moderator, audited as)", name, got, want)
		}
	}
	for name := range rows {
		t.Errorf("docs/STAFF.md lists `%s`, which is not a staff route", name)
	}
}

// callerToken is a member route's caller for the tests that send every
// route bad input: a member, or for a staff route an admin (a member is
// refused before their input is read).
func (e *apiEnv) callerToken(t *testing.T, rt web.Route) string {
	t.Helper()
	for _, sr := range e.srv.StaffRoutes() {
		if sr.API && sr.Method == rt.Method && sr.Pattern == rt.Pattern {
			if e.adminTok == "" {
				m := e.signupMember(t, "admin")
				if err := e.social.OperatorSetStaffRole(context.Background(), m.id, social.Admin); err != nil {
					t.Fatal(err)
				}
				e.adminTok = m.token
			}
			return e.adminTok
		}
	}
	return e.memberToken(t)
}

func (e *apiEnv) socialID(t *testing.T, handle string) string {
	t.Helper()
	u, err := e.social.UserByHandle(context.Background(), handle)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
