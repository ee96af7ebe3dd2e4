package compliance_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/seal"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// identityService is the checkpoint with the sandbox identity provider and
// a sealing key.
func identityService(t *testing.T, db *store.DB, c *clock) *compliance.Service {
	t.Helper()
	sl, err := seal.New(bytes.Repeat([]byte{9}, 32), "test")
	if err != nil {
		t.Fatal(err)
	}
	cfg := compliance.DefaultConfig()
	cfg.Clock, cfg.Identity, cfg.Sealer = c.Now, rails.NewSandboxIdentity(), sl
	return compliance.New(db, cfg)
}

// person is a member's facts; last4 chooses the sandbox's outcome.
func person(last4 string) rails.Person {
	return rails.Person{LegalName: "Ada Quintessa Lovelace", DateOfBirth: "1990-07-14", Line1: "12 Orchard Lane", City: "Springfield",
		State: "il", PostalCode: "62701", Country: "us", IDLast4: last4}
}

// TestIdentityTiers walks members up the tiers through the sandbox
// verifier, one per outcome at each level, and checks the tier, the next
// step, the limits and the audit log after each.
func TestIdentityTiers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		s := identityService(t, db, c)
		cfg := s.Config()
		p2p := func(user string, amount int64) compliance.Decision {
			return check(t, db, s, compliance.Movement{Kind: "p2p", Class: compliance.Spend, FromUser: user, Asset: "USD", Amount: amount})
		}
		// Tier 1, every outcome.
		for _, tc := range []struct {
			last4 string
			want  rails.IdentityOutcome
			tier  compliance.Tier
			next  compliance.Step
		}{
			{"1234", rails.IdentityApproved, compliance.Identified, compliance.StepVerifyDocument},
			{"0001", rails.IdentityDeclined, compliance.Unverified, compliance.StepContactSupport},
			{"0002", rails.IdentityNeedsReview, compliance.Unverified, compliance.StepWaitReview},
			{"0003", rails.IdentityDocumentMismatch, compliance.Unverified, compliance.StepSubmitIdentity},
			{"0004", rails.IdentityPending, compliance.Unverified, compliance.StepFinishCheck},
		} {
			user := "usr_t1_" + tc.last4
			v, err := s.SubmitIdentity(ctx, user, person(tc.last4), "")
			if err != nil {
				t.Fatalf("SubmitIdentity(%s) = %v", tc.last4, err)
			}
			if v.CheckOutcome != tc.want || v.Tier != tc.tier || v.Next != tc.next || v.Says == "" {
				t.Fatalf("SubmitIdentity(%s) = %+v, want outcome %s, tier %s, next %s", tc.last4, v, tc.want, tc.tier, tc.next)
			}
			if v.Limits != cfg.Limits[tc.tier] {
				t.Errorf("limits at %s = %+v, want %+v", tc.tier, v.Limits, cfg.Limits[tc.tier])
			}
			if tc.tier == compliance.Identified && v.Region != "US-IL" {
				t.Errorf("region = %q, want US-IL from the verified address", v.Region)
			}
			page, err := s.Audit(ctx, user, "", 10)
			if err != nil || len(page.Entries) != 1 || page.Entries[0].Action != "identity_check" || page.Entries[0].Outcome != string(tc.want) {
				t.Fatalf("Audit(%s) = %+v, %v, want the check", user, page.Entries, err)
			}
		}
		// Pending: the member finishes it at the provider; a refresh approves.
		v, err := s.RefreshIdentity(ctx, "usr_t1_0004")
		if err != nil || v.Tier != compliance.Identified || v.CheckOutcome != rails.IdentityApproved {
			t.Fatalf("RefreshIdentity(pending) = %+v, %v, want identified", v, err)
		}
		// Needs review: staff approve it, and the queue empties.
		q, err := s.ReviewQueue(ctx)
		if err != nil || len(q) != 1 || q[0] != "usr_t1_0002" {
			t.Fatalf("ReviewQueue = %v, %v", q, err)
		}
		if err := s.ReviewIdentity(ctx, "usr_staff", "usr_t1_0002", true, ""); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("ReviewIdentity(no reason) = %v, want Invalid", err)
		}
		must(t, s.ReviewIdentity(ctx, "usr_staff", "usr_t1_0002", true, "utility bill matches"))
		if st, _ := s.Status(ctx, "usr_t1_0002"); st.Tier != compliance.Identified || st.Region != "US-IL" {
			t.Fatalf("after review approve: %+v", st)
		}
		if err := s.ReviewIdentity(ctx, "usr_staff", "usr_t1_0002", false, "again"); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("ReviewIdentity twice = %v, want Conflict", err)
		}
		// A mismatch may try again; an identified member may not resubmit.
		if v, err := s.SubmitIdentity(ctx, "usr_t1_0003", person("5678"), ""); err != nil || v.Tier != compliance.Identified {
			t.Fatalf("SubmitIdentity(retry) = %+v, %v", v, err)
		}
		if _, err := s.SubmitIdentity(ctx, "usr_t1_1234", person("5678"), ""); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("SubmitIdentity(identified) = %v, want Conflict", err)
		}
		// Tier 2 needs tier 1 first, then every outcome of the document check.
		if _, err := s.StartDocument(ctx, "usr_t1_0001", ""); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("StartDocument(unverified) = %v, want Conflict", err)
		}
		for _, tc := range []struct {
			last4 string
			want  rails.IdentityOutcome
			tier  compliance.Tier
			next  compliance.Step
		}{
			{"4321", rails.IdentityApproved, compliance.Verified, compliance.StepNone},
			{"0001", rails.IdentityDeclined, compliance.Identified, compliance.StepContactSupport},
			{"0002", rails.IdentityNeedsReview, compliance.Identified, compliance.StepWaitReview},
			{"0003", rails.IdentityDocumentMismatch, compliance.Identified, compliance.StepVerifyDocument},
		} {
			user := "usr_t2_" + tc.last4
			// The sandbox decides both checks by the same last four: staff
			// make the member identified, as for one whose tier 1 check
			// they reviewed.
			mustIdentified(t, s, user, tc.last4)
			v, err := s.StartDocument(ctx, user, "")
			if err != nil || v.CheckOutcome != tc.want || v.Tier != tc.tier || v.Next != tc.next {
				t.Fatalf("StartDocument(%s) = %+v, %v, want outcome %s, tier %s, next %s", tc.last4, v, err, tc.want, tc.tier, tc.next)
			}
		}
		if _, err := s.StartDocument(ctx, "usr_t2_4321", ""); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("StartDocument(verified) = %v, want Conflict", err)
		}
		// Limits rise with the tier: $1,000 is over tier 0's per-payment
		// limit, within tier 1's; $4,000 only within tier 2's.
		for _, tc := range []struct {
			user   string
			amount int64
			want   compliance.Outcome
		}{
			{"usr_t1_0001", 1_000_00, compliance.Deny}, {"usr_t1_1234", 1_000_00, compliance.Allow},
			{"usr_t1_1234", 4_000_00, compliance.Deny}, {"usr_t2_4321", 4_000_00, compliance.Allow},
		} {
			if d := p2p(tc.user, tc.amount); d.Outcome != tc.want {
				t.Errorf("Check(%s, %d) = %+v, want %s", tc.user, tc.amount, d, tc.want)
			}
		}
		if d := p2p("usr_t1_0001", 1_000_00); !strings.Contains(d.Reason, "unverified accounts") {
			t.Errorf("tier 0 denial = %q, want it to name the tier", d.Reason)
		}
	})
}

// mustIdentified makes user identified with the facts person(last4).
func mustIdentified(t *testing.T, s *compliance.Service, user, last4 string) {
	t.Helper()
	ctx := context.Background()
	v, err := s.SubmitIdentity(ctx, user, person(last4), "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Tier == compliance.Identified {
		return
	}
	if v.CheckOutcome != rails.IdentityNeedsReview {
		// Declined or mismatched facts: staff raise the tier by hand, as
		// they could before there were checks.
		must(t, s.SetTier(ctx, "usr_staff", user, compliance.Identified, "checked by hand"))
		return
	}
	must(t, s.ReviewIdentity(ctx, "usr_staff", user, true, "checked"))
}

// TestIdentityGuards: bad facts are Invalid naming the field without
// repeating it; attempts are capped per day; without a provider it is
// Unavailable.
func TestIdentityGuards(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := identityService(t, db, c)
	for param, p := range map[string]rails.Person{
		"legal_name":    func() rails.Person { p := person("1234"); p.LegalName = " "; return p }(),
		"date_of_birth": func() rails.Person { p := person("1234"); p.DateOfBirth = "2015-01-01"; return p }(),
		"id_last4":      func() rails.Person { p := person("1234"); p.IDLast4 = "123-45-6789"; return p }(),
		"country":       func() rails.Person { p := person("1234"); p.Country = "United States"; return p }(),
		"line1":         func() rails.Person { p := person("1234"); p.Line1 = "a\nb"; return p }(),
	} {
		_, err := s.SubmitIdentity(ctx, "usr_g", p, "")
		var e *nestegg.Error
		if !nestegg.Is(err, nestegg.Invalid) || !asError(err, &e) || e.Param != param {
			t.Errorf("SubmitIdentity(bad %s) = %v, want Invalid naming %s", param, err, param)
		}
		if err != nil && (strings.Contains(err.Error(), "123-45-6789") || strings.Contains(err.Error(), "United States")) {
			t.Errorf("the error repeats the value: %v", err)
		}
	}
	for i := range 6 {
		_, err := s.SubmitIdentity(ctx, "usr_cap", person("0003"), "")
		if (i < 5) != (err == nil) || (i == 5 && !nestegg.Is(err, nestegg.RateLimited)) {
			t.Fatalf("attempt %d = %v, want five then RateLimited", i+1, err)
		}
	}
	c.t = c.t.Add(24 * time.Hour)
	if _, err := s.SubmitIdentity(ctx, "usr_cap", person("0003"), ""); err != nil {
		t.Fatalf("the next day = %v", err)
	}
	off := compliance.New(db, compliance.DefaultConfig())
	if _, err := off.SubmitIdentity(ctx, "usr_g", person("1234"), ""); !nestegg.Is(err, nestegg.Unavailable) {
		t.Fatalf("SubmitIdentity(no provider) = %v, want Unavailable", err)
	}
}

func asError(err error, e **nestegg.Error) bool {
	for err != nil {
		if x, ok := err.(*nestegg.Error); ok && x.Param != "" {
			*e = x
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// TestPersonalDataSealed: what a member tells is sealed in the database,
// appears in no answer the member or the audit log gets, and opens only
// through Identity, which audits the staff member who looked and why.
func TestPersonalDataSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		s := identityService(t, db, c)
		p := person("7391")
		var out bytes.Buffer
		record := func(v any, err error) {
			json.NewEncoder(&out).Encode(v)
			if err != nil {
				fmt.Fprintln(&out, err.Error())
			}
		}
		record(s.SubmitIdentity(ctx, "usr_p", p, ""))
		record(s.SubmitIdentity(ctx, "usr_p", p, ""))
		record(s.StartDocument(ctx, "usr_p", ""))
		record(s.Verification(ctx, "usr_p"))
		record(s.Status(ctx, "usr_p"))
		record(s.Audit(ctx, "", "", 200))
		if _, err := s.Identity(ctx, "usr_officer", "usr_p", ""); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("Identity(no reason) = %v, want Invalid", err)
		}
		secrets := []string{p.LegalName, "Lovelace", p.DateOfBirth, p.Line1, "Orchard", "Springfield", p.PostalCode, p.IDLast4}
		for _, sec := range secrets {
			if strings.Contains(out.String(), sec) {
				t.Errorf("%q appears in what the member and the audit log get:\n%s", sec, out.String())
			}
		}
		// The database holds it only sealed.
		var enc string
		if err := db.Reader().QueryRowContext(ctx, "SELECT person_enc FROM compliance_identity WHERE user_id = 'usr_p'").Scan(&enc); err != nil {
			t.Fatal(err)
		}
		for _, sec := range secrets {
			if strings.Contains(enc, sec) {
				t.Errorf("%q appears in the sealed column", sec)
			}
		}
		got, err := s.Identity(ctx, "usr_officer", "usr_p", "case 12: name check")
		if err != nil || got.LegalName != p.LegalName || got.IDLast4 != p.IDLast4 || got.State != "IL" {
			t.Fatalf("Identity = %+v, %v", got, err)
		}
		page, err := s.Audit(ctx, "usr_p", "", 1)
		if err != nil || len(page.Entries) != 1 {
			t.Fatal(page, err)
		}
		if e := page.Entries[0]; e.Action != "view_identity" || e.ActorID != "usr_officer" || e.Reason != "case 12: name check" {
			t.Fatalf("the latest audit row = %+v, want the staff member's look", e)
		}
		if _, err := s.Identity(ctx, "usr_officer", "usr_nobody", "check"); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("Identity(never submitted) = %v, want NotFound", err)
		}
		// Copied onto another member's row, the sealed data does not open.
		must(t, db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO compliance_identity (user_id, person_enc, level, attempt, outcome, updated_at) VALUES ('usr_q', $1, 1, 'x', 'approved', 0)`, enc)
			return err
		}))
		if _, err := s.Identity(ctx, "usr_officer", "usr_q", "check"); err == nil {
			t.Fatal("Identity(copied row) opened")
		}
	})
}

// failingIdentity is a provider that is down.
type failingIdentity struct{}

func (failingIdentity) Verify(context.Context, rails.IdentityRequest) (rails.IdentityCheck, error) {
	return rails.IdentityCheck{}, nestegg.Errorf(nestegg.Unavailable, "the provider is down")
}

func (failingIdentity) Check(context.Context, string) (rails.IdentityCheck, error) {
	return rails.IdentityCheck{}, nestegg.Errorf(nestegg.Unavailable, "the provider is down")
}

// TestIdentityProviderDown: a check the provider never answered leaves the
// member free to try again, not waiting on a check that does not exist.
func TestIdentityProviderDown(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	up := identityService(t, db, c)
	cfg := up.Config()
	cfg.Identity = failingIdentity{}
	down := compliance.New(db, cfg)
	if _, err := down.SubmitIdentity(ctx, "usr_d", person("1234"), ""); !nestegg.Is(err, nestegg.Unavailable) {
		t.Fatalf("SubmitIdentity(provider down) = %v, want Unavailable", err)
	}
	v, err := down.Verification(ctx, "usr_d")
	if err != nil || v.Next != compliance.StepSubmitIdentity || v.CheckOutcome != "" {
		t.Fatalf("Verification after the provider failed = %+v, %v, want the submit step again", v, err)
	}
	if v, err := up.SubmitIdentity(ctx, "usr_d", person("1234"), ""); err != nil || v.Tier != compliance.Identified {
		t.Fatalf("SubmitIdentity(provider back) = %+v, %v", v, err)
	}
}
