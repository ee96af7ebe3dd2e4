package web

import (
	"net/http"
	"slices"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// The console's members: a search (social's index) and a member's page,
// each part of it asked of the package that owns it.

type staffMembersPage struct {
	Base
	Query   string
	Members []social.Account
	Next    string
	Err     string
}

func (s *Server) staffMembersPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	q := r.URL.Query()
	d := &staffMembersPage{Base: pc.base("Members"), Query: q.Get("q")}
	page, err := s.social.SearchMembers(r.Context(), d.Query, q.Get("after"), 25)
	switch {
	case nestegg.Is(err, nestegg.Invalid):
		d.Err = nestegg.ErrorMessage(err)
	case err != nil:
		return err
	}
	d.Members, d.Next = page.Members, page.Next
	return s.render(pc, "staff_members", d)
}

type staffMemberPage struct {
	Base
	Member  social.Account
	Wallets []money.Amount
	Banks   []funding.BankAccount
	Cards   []funding.Card
	Status  *compliance.Status // for admin and compliance staff only
	// CanOfficial: the viewer's role grants and removes the official label.
	CanOfficial bool
}

// staffMemberPage shows one member to staff: profile, balances, masked
// banks and cards, and, to admin and compliance staff, compliance state.
func (s *Server) staffMemberPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	ctx := r.Context()
	a, err := s.social.Account(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &staffMemberPage{Base: pc.base("@" + a.Handle), Member: a}
	if s.payments != nil {
		ws, err := s.payments.Balances(ctx, a.ID)
		if err != nil {
			return err
		}
		for _, wl := range ws {
			d.Wallets = append(d.Wallets, money.Amount{Asset: wl.Asset, Minor: wl.Available})
		}
	}
	if s.funding != nil {
		if d.Banks, err = s.funding.BankAccounts(ctx, a.ID); err != nil {
			return err
		}
		if d.Cards, err = s.funding.Cards(ctx, a.ID); err != nil {
			return err
		}
	}
	if s.comp != nil && slices.Contains(rolesCompliance, pc.me.StaffRole) {
		st, err := s.comp.Status(ctx, a.ID)
		if err != nil {
			return err
		}
		d.Status = &st
	}
	d.CanOfficial = slices.Contains(rolesOfficial, pc.me.StaffRole)
	return s.render(pc, "staff_member", d)
}

// memberJSON is a member as staff see them in the API.
type memberJSON struct {
	userJSON
	Email     string `json:"email"`
	StaffRole string `json:"staff_role"`
}

func (s *Server) apiStaffMembers(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := apiQuery(r, "q", "cursor", "limit"); err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := apiIntQuery(r, "limit")
	if err != nil {
		return err
	}
	page, err := s.social.SearchMembers(r.Context(), q.Get("q"), q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	out := []memberJSON{}
	for _, a := range page.Members {
		out = append(out, memberJSON{jsonUser(a.User), a.Email, string(a.StaffRole)})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"data": out, "next_cursor": page.Next, "has_more": page.Next != ""})
}
