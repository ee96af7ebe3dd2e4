package compliance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestJurisdictions: a member's region comes from the address their
// identity check verified; outside the licensed regions (the US by
// default) they can neither send, receive nor add money, and are told
// why, but can withdraw; inside they can. A licence by state licenses
// that state only.
func TestJurisdictions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		s := identityService(t, db, c)
		abroad := person("1234")
		abroad.Line1, abroad.City, abroad.State, abroad.PostalCode, abroad.Country = "10 Downing Street", "London", "LND", "SW1A 2AA", "GB"
		for user, p := range map[string]rails.Person{"usr_in": person("1234"), "usr_in2": person("5678"), "usr_out": abroad} {
			if _, err := s.SubmitIdentity(ctx, user, p, ""); err != nil {
				t.Fatal(err)
			}
		}
		if v, _ := s.Verification(ctx, "usr_out"); v.Region != "GB-LND" || !v.Outside {
			t.Fatalf("Verification(abroad) = %+v, want GB-LND, outside", v)
		}
		if v, _ := s.Verification(ctx, "usr_in"); v.Region != "US-IL" || v.Outside {
			t.Fatalf("Verification(inside) = %+v, want US-IL, inside", v)
		}
		move := func(s *compliance.Service, from, to string, class compliance.Class, cashOut bool) compliance.Decision {
			return check(t, db, s, compliance.Movement{Kind: "p2p", Class: class, CashOut: cashOut, FromUser: from, ToUser: to, Asset: "USD", Amount: 10_00})
		}
		for _, tc := range []struct {
			name, from, to string
			class          compliance.Class
			cashOut        bool
			want           compliance.Outcome
			says           string
		}{
			{"inside to inside", "usr_in", "usr_in2", compliance.Spend, false, compliance.Allow, ""},
			{"inside to no verified address", "usr_in", "usr_new", compliance.Spend, false, compliance.Allow, ""},
			{"no verified address sends", "usr_new", "usr_in", compliance.Spend, false, compliance.Allow, ""},
			{"inside adds money", "usr_in", "", compliance.Funding, false, compliance.Allow, ""},
			{"outside sends", "usr_out", "usr_in", compliance.Spend, false, compliance.Deny, "licensed to move money only in the US and your verified address is in GB-LND"},
			{"outside adds money", "usr_out", "", compliance.Funding, false, compliance.Deny, "you can still post, follow and talk"},
			{"outside withdraws", "usr_out", "", compliance.Spend, true, compliance.Allow, ""},
			{"inside pays outside", "usr_in", "usr_out", compliance.Spend, false, compliance.Deny, "can't receive money"},
			{"refund to outside", "usr_in", "usr_out", compliance.Uncounted, false, compliance.Allow, ""},
		} {
			d := move(s, tc.from, tc.to, tc.class, tc.cashOut)
			if d.Outcome != tc.want || !strings.Contains(d.Reason, tc.says) {
				t.Errorf("%s: %+v, want %s saying %q", tc.name, d, tc.want, tc.says)
			}
		}
		// The same members under a licence for California alone.
		cfg := s.Config()
		cfg.Regions = []string{"us-ca"}
		ca := compliance.New(db, cfg)
		if d := move(ca, "usr_in", "", compliance.Funding, false); d.Outcome != compliance.Deny || !strings.Contains(d.Reason, "only in US-CA") {
			t.Errorf("Illinois under a California licence = %+v, want denied", d)
		}
		// Licensed everywhere when no region is listed.
		cfg.Regions = nil
		if d := move(compliance.New(db, cfg), "usr_out", "", compliance.Funding, false); d.Outcome != compliance.Allow {
			t.Errorf("no regions listed = %+v, want allowed", d)
		}
		// Preview says the same before the member confirms.
		d, err := s.Preview(ctx, compliance.Movement{Kind: "p2p", Class: compliance.Spend, FromUser: "usr_in", ToUser: "usr_out", Asset: "USD", Amount: 10_00})
		if err != nil || d.Outcome != compliance.Deny {
			t.Errorf("Preview(to outside) = %+v, %v", d, err)
		}
	})
}
