package web

import (
	"net/http"

	"github.com/nestegg/nestegg/social"
)

// The role table. Each staff route below names one of these; docs/STAFF.md
// is this table for people, and TestStaffRoutesAsEveryRole walks every
// route as every role (and as a member) to hold both to it.
var (
	// rolesAnyStaff: the console's home, which lists what the role may use.
	rolesAnyStaff = []social.Role{social.Admin, social.Support, social.Compliance, social.Finance, social.Moderator}
	// rolesAdmin: who is staff and in which role.
	rolesAdmin = []social.Role{social.Admin}
	// rolesDisputes: the dispute queue and its decisions.
	rolesDisputes = []social.Role{social.Admin, social.Support}
	// rolesBooks: reconciliation.
	rolesBooks = []social.Role{social.Admin, social.Finance}
	// rolesRefunds: refunding a subscription charge.
	rolesRefunds = []social.Role{social.Admin, social.Support, social.Finance}
	// rolesChecks: reviewing Premium members' new display names.
	rolesChecks = []social.Role{social.Admin, social.Support, social.Moderator}
	// rolesMembers: finding members and opening a member's page.
	rolesMembers = []social.Role{social.Admin, social.Support, social.Compliance, social.Finance}
	// rolesCompliance: a member's compliance state (tier, frozen, region)
	// on their page.
	rolesCompliance = []social.Role{social.Admin, social.Compliance}
	// rolesAudit: reading the audit log.
	rolesAudit = []social.Role{social.Admin, social.Compliance}
	// rolesOfficial: granting and removing the official label.
	rolesOfficial = []social.Role{social.Admin, social.Support}
	// rolesSettings: the business settings (fees, coin prices, limits).
	rolesSettings = []social.Role{social.Admin, social.Finance}
	// rolesRevenue: the revenue dashboard and its export.
	rolesRevenue = []social.Role{social.Admin, social.Finance}
)

// staffPageTable is every page and form action of the operator's console.
// A page under /staff belongs here and nowhere else (a test checks).
func (s *Server) staffPageTable() []staffPage {
	const get, post = http.MethodGet, http.MethodPost
	return []staffPage{
		{get, "/staff", "", staffRule{roles: rolesAnyStaff}, s.consolePage},
		{get, "/staff/roles", "Staff and roles", staffRule{roles: rolesAdmin}, s.staffRolesPage},
		{post, "/staff/roles/{handle}", "", staffRule{roles: rolesAdmin, action: "set_role"}, s.staffRoleSubmit},
		{get, "/staff/members", "Members", staffRule{roles: rolesMembers}, s.staffMembersPage},
		{get, "/staff/members/{id}", "", staffRule{roles: rolesMembers}, s.staffMemberPage},
		{post, "/staff/members/{id}/official/grant", "", staffRule{roles: rolesOfficial, action: "grant_official"}, s.officialSubmit},
		{post, "/staff/members/{id}/official/remove", "", staffRule{roles: rolesOfficial, action: "remove_official"}, s.officialSubmit},
		{get, "/staff/audit", "Audit log", staffRule{roles: rolesAudit}, s.staffAuditPage},
		{get, "/staff/settings", "Settings", staffRule{roles: rolesSettings}, s.staffSettingsPage},
		{post, "/staff/settings/{key}", "", staffRule{roles: rolesSettings, action: "set_setting"}, s.staffSettingSubmit},
		{get, "/staff/revenue", "Revenue", staffRule{roles: rolesRevenue}, s.staffRevenuePage},
		{get, "/staff/revenue.csv", "", staffRule{roles: rolesRevenue}, s.staffRevenueCSV},
		{get, "/staff/disputes", "Disputes", staffRule{roles: rolesDisputes}, s.disputesPage},
		{post, "/staff/disputes/{id}/resolve", "", staffRule{roles: rolesDisputes, action: "resolve_dispute", why: "note"}, s.resolveSubmit},
		{get, "/staff/reconciliation", "Reconciliation", staffRule{roles: rolesBooks}, s.reconciliationPage},
		{get, "/staff/checks", "Check reviews", staffRule{roles: rolesChecks}, s.checksPage},
		{post, "/staff/checks/{handle}/approve", "", staffRule{roles: rolesChecks, action: "approve_check"}, s.approveCheckSubmit},
	}
}

// staffRouteTable is every staff API route. They authenticate as members
// (a staff member's token or session); the role is checked before the body
// is read, and actions take their reason in the JSON body.
func (s *Server) staffRouteTable() []staffRoute {
	const get, post = http.MethodGet, http.MethodPost
	const mem, noIdem, req = AuthMember, IdempotencyNone, IdempotencyRequired
	return []staffRoute{
		{Route{get, "/api/v1/staff/members", mem, 0, noIdem}, staffRule{roles: rolesMembers}, s.apiStaffMembers},
		{Route{post, "/api/v1/staff/members/{id}/official/grant", mem, smallBody, noIdem}, staffRule{roles: rolesOfficial, action: "grant_official"}, s.apiSetOfficial},
		{Route{post, "/api/v1/staff/members/{id}/official/remove", mem, smallBody, noIdem}, staffRule{roles: rolesOfficial, action: "remove_official"}, s.apiSetOfficial},
		{Route{get, "/api/v1/staff/roles", mem, 0, noIdem}, staffRule{roles: rolesAdmin}, s.apiStaffRoles},
		{Route{post, "/api/v1/staff/roles/{handle}", mem, smallBody, noIdem}, staffRule{roles: rolesAdmin, action: "set_role"}, s.apiSetStaffRole},
		{Route{get, "/api/v1/staff/revenue", mem, 0, noIdem}, staffRule{roles: rolesRevenue}, s.apiStaffRevenue},
		{Route{get, "/api/v1/staff/settings", mem, 0, noIdem}, staffRule{roles: rolesSettings}, s.apiStaffSettings},
		{Route{post, "/api/v1/staff/settings/{key}", mem, smallBody, noIdem}, staffRule{roles: rolesSettings, action: "set_setting"}, s.apiSetSetting},
		{Route{post, "/api/v1/staff/charges/{id}/refund", mem, smallBody, req}, staffRule{roles: rolesRefunds, action: "refund_charge"}, s.apiRefundCharge},
		{Route{get, "/api/v1/staff/check-reviews", mem, 0, noIdem}, staffRule{roles: rolesChecks}, s.apiCheckReviews},
		{Route{post, "/api/v1/staff/check-reviews/{handle}/approve", mem, smallBody, noIdem}, staffRule{roles: rolesChecks, action: "approve_check"}, s.apiApproveCheck},
		// Kept at its first path: a dispute's parties list theirs at
		// /api/v1/disputes; only staff decide one.
		{Route{post, "/api/v1/disputes/{id}/resolve", mem, smallBody, noIdem}, staffRule{roles: rolesDisputes, action: "resolve_dispute", why: "note"}, s.apiResolveDispute},
	}
}
