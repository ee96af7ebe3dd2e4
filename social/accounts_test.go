package social

import (
	"context"
	"strings"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestSignup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{PayHandle: "Cash", Reserved: []string{"giftacoffee"}})
		a, err := s.Signup(ctx, SignupInput{Handle: "@Ada_L", DisplayName: " Ada Lovelace ", Email: "Ada@Example.com", Password: "0123456789"})
		if err != nil {
			t.Fatalf("Signup: %v", err)
		}
		if a.Handle != "Ada_L" || a.DisplayName != "Ada Lovelace" || a.Initials != "AL" || a.Kind != Member || a.StaffRole != NoRole || !strings.HasPrefix(a.ID, "usr_") {
			t.Fatalf("Signup = %+v", a)
		}
		got, err := s.Account(ctx, a.ID)
		if err != nil || got.Email != "Ada@Example.com" || got.Handle != "Ada_L" {
			t.Fatalf("Account = %+v, %v", got, err)
		}
		for _, tt := range []struct {
			name  string
			in    SignupInput
			code  nestegg.Code
			param string
		}{
			{"taken handle, other case", SignupInput{Handle: "ada_l"}, nestegg.Conflict, "handle"},
			{"taken email, other case", SignupInput{Handle: "ada2", Email: "ada@example.COM"}, nestegg.Conflict, "email"},
			{"empty handle", SignupInput{Handle: ""}, nestegg.Invalid, "handle"},
			{"long handle", SignupInput{Handle: "abcdefghijklmnop"}, nestegg.Invalid, "handle"},
			{"bad handle", SignupInput{Handle: "ada-l"}, nestegg.Invalid, "handle"},
			{"reserved", SignupInput{Handle: "Admin"}, nestegg.Invalid, "handle"},
			{"reserved pay", SignupInput{Handle: "pay"}, nestegg.Invalid, "handle"},
			{"configured pay handle", SignupInput{Handle: "CASH"}, nestegg.Invalid, "handle"},
			{"operator reserved", SignupInput{Handle: "GiftACoffee"}, nestegg.Invalid, "handle"},
			{"no name", SignupInput{DisplayName: "  "}, nestegg.Invalid, "display_name"},
			{"bad email", SignupInput{Email: "ada"}, nestegg.Invalid, "email"},
			{"short password", SignupInput{Password: "123456789"}, nestegg.Invalid, "password"},
			{"bad kind", SignupInput{Kind: "bank"}, nestegg.Invalid, "kind"},
		} {
			in := SignupInput{Handle: "grace", DisplayName: "Grace", Email: "grace@example.com", Password: testPassword}
			if tt.in.Handle != "" || tt.param == "handle" {
				in.Handle = tt.in.Handle
			}
			if tt.in.DisplayName != "" {
				in.DisplayName = tt.in.DisplayName
			}
			if tt.in.Email != "" {
				in.Email = tt.in.Email
			}
			if tt.in.Password != "" {
				in.Password = tt.in.Password
			}
			in.Kind = tt.in.Kind
			_, err := s.Signup(ctx, in)
			wantErr(t, "Signup "+tt.name, err, tt.code, tt.param)
		}
		c, err := s.Signup(ctx, SignupInput{Handle: "nestcafe", DisplayName: "The Nest Café", Email: "cafe@example.com", Password: testPassword, Kind: Business})
		if err != nil || c.Kind != Business || c.Initials != "TC" {
			t.Fatalf("Signup business = %+v, %v", c, err)
		}
		wantErr(t, "CheckHandle taken", s.CheckHandle(ctx, "NESTCAFE"), nestegg.Conflict, "handle")
		wantErr(t, "CheckHandle reserved", s.CheckHandle(ctx, "support"), nestegg.Invalid, "handle")
		must(t, "CheckHandle free", s.CheckHandle(ctx, "@pay"+"ton"))
		u, err := s.UserByHandle(ctx, "@ADA_L")
		if err != nil || u.ID != a.ID {
			t.Fatalf("UserByHandle = %+v, %v", u, err)
		}
		_, err = s.UserByHandle(ctx, "nobody")
		wantErr(t, "UserByHandle(nobody)", err, nestegg.NotFound, "")
		m, err := s.UsersByHandle(ctx, db.Reader(), "ada_l", "NestCafe", "nobody", "bad-handle")
		if err != nil || len(m) != 2 || m["nestcafe"].ID != c.ID {
			t.Fatalf("UsersByHandle = %v, %v", m, err)
		}
		// The password is stored as an argon2id hash, nothing else.
		var hash string
		must(t, "read hash", db.Reader().QueryRowContext(ctx, "SELECT password_hash FROM users WHERE id = $1", a.ID).Scan(&hash))
		if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(hash, "0123456789") {
			t.Fatalf("stored hash = %q", hash)
		}
	})
}

func TestUpdateProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		a := signup(t, s, "ada")
		got, err := s.UpdateProfile(ctx, a.ID, ProfileUpdate{DisplayName: ptr("Grace Hopper"), Bio: ptr("  Compilers.\nCOBOL. "), Link: ptr("https://example.com/grace")})
		if err != nil {
			t.Fatalf("UpdateProfile: %v", err)
		}
		if got.DisplayName != "Grace Hopper" || got.Initials != "GH" || got.Bio != "Compilers.\nCOBOL." || got.Link != "https://example.com/grace" {
			t.Fatalf("UpdateProfile = %+v", got)
		}
		got, err = s.UpdateProfile(ctx, a.ID, ProfileUpdate{Link: ptr("")})
		if err != nil || got.Link != "" || got.Bio == "" {
			t.Fatalf("clear link = %+v, %v", got, err)
		}
		_, err = s.UpdateProfile(ctx, a.ID, ProfileUpdate{Bio: ptr(strings.Repeat("é", 161))})
		wantErr(t, "long bio", err, nestegg.Invalid, "bio")
		_, err = s.UpdateProfile(ctx, a.ID, ProfileUpdate{Link: ptr("javascript:alert(1)")})
		wantErr(t, "javascript link", err, nestegg.Invalid, "link")
		_, err = s.UpdateProfile(ctx, a.ID, ProfileUpdate{DisplayName: ptr("")})
		wantErr(t, "empty name", err, nestegg.Invalid, "display_name")
		_, err = s.UpdateProfile(ctx, "usr_nobody", ProfileUpdate{Bio: ptr("x")})
		wantErr(t, "update nobody", err, nestegg.NotFound, "")
		// Search sees the new name (by its start: see SearchUsers).
		us, err := s.SearchUsers(ctx, "grace h", 0)
		if err != nil || len(us) != 1 || us[0].ID != a.ID {
			t.Fatalf("SearchUsers(grace h) = %v, %v", us, err)
		}
		must(t, "SetKind", s.SetKind(ctx, a.ID, Creator))
		wantErr(t, "SetKind bad", s.SetKind(ctx, a.ID, "bank"), nestegg.Invalid, "kind")
		if u, _ := s.UserByID(ctx, a.ID); u.Kind != Creator {
			t.Fatalf("kind = %q, want creator", u.Kind)
		}
	})
}

func TestStaffRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		boss, bob, carol := signup(t, s, "boss"), signup(t, s, "bob"), signup(t, s, "carol")
		wantErr(t, "non-admin promotes", s.SetStaffRole(ctx, bob.ID, bob.ID, Admin), nestegg.Forbidden, "")
		wantErr(t, "non-admin promotes other", s.SetStaffRole(ctx, bob.ID, carol.ID, Support), nestegg.Forbidden, "")
		wantErr(t, "nobody promotes", s.SetStaffRole(ctx, "", carol.ID, Support), nestegg.Forbidden, "")
		must(t, "OperatorSetStaffRole", s.OperatorSetStaffRole(ctx, boss.ID, Admin))
		must(t, "admin appoints support", s.SetStaffRole(ctx, boss.ID, bob.ID, Support))
		must(t, "admin appoints compliance", s.SetStaffRole(ctx, boss.ID, carol.ID, Compliance))
		wantErr(t, "support appoints", s.SetStaffRole(ctx, bob.ID, carol.ID, Admin), nestegg.Forbidden, "")
		wantErr(t, "admin demotes self", s.SetStaffRole(ctx, boss.ID, boss.ID, NoRole), nestegg.Forbidden, "")
		wantErr(t, "bad role", s.SetStaffRole(ctx, boss.ID, bob.ID, "owner"), nestegg.Invalid, "role")
		wantErr(t, "unknown target", s.SetStaffRole(ctx, boss.ID, "usr_x", Support), nestegg.NotFound, "")
		for id, want := range map[string]Role{boss.ID: Admin, bob.ID: Support, carol.ID: Compliance} {
			a, err := s.Account(ctx, id)
			if err != nil || a.StaffRole != want {
				t.Fatalf("Account(%s).StaffRole = %q, %v; want %q", id, a.StaffRole, err, want)
			}
		}
		must(t, "admin removes role", s.SetStaffRole(ctx, boss.ID, bob.ID, NoRole))
		if a, _ := s.Account(ctx, bob.ID); a.StaffRole != NoRole {
			t.Fatalf("role after removal = %q", a.StaffRole)
		}
	})
}
