package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/settings"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestSettingsChangeReachesAnotherProcess: an admin changes the tip fee in
// the console of one server; another server, with its own services and
// its own connection pool to the same database (as a second serve process
// has), charges the new fee on the next tip once its watcher has seen the
// change (within its poll interval, with no restart and no query per
// payment), and the change is in the audit log with who and why.
func TestSettingsChangeReachesAnotherProcess(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		open := func() *store.DB {
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			return db
		}
		dbA, dbB := open(), open()
		a := newAPI(t, dbA)
		b := &payEnv{apiEnv: newAPI(t, dbB), t: t}
		t.Cleanup(func() { movementtest.Audit(t, movement.New(dbB, b.ledger, b.comp, nil)) })
		watch, stop := context.WithCancel(ctx)
		defer stop()
		go b.set.Watch(watch, 20*time.Millisecond)

		hs := httptest.NewServer(a.srv)
		t.Cleanup(hs.Close)
		site := &pageSite{t: t, url: hs.URL, social: a.social, clock: a.fclock}
		admin := site.signup("feeadmin")
		adminAcct, err := a.social.UserByHandle(ctx, "feeadmin")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.social.OperatorSetStaffRole(ctx, adminAcct.ID, social.Admin); err != nil {
			t.Fatal(err)
		}

		alice, bob := b.signupMember(t, "alice"), b.signupMember(t, "bob")
		b.credit(alice, "$100")
		tip := func() {
			b.call(alice, http.StatusCreated, nil, "POST", "/api/v1/users/"+bob.handle+"/tips", `{"amount":"$10"}`)
		}
		tip()
		b.wantBalance(bob, 10_00) // no fee by default

		page := admin.get("/staff/settings")
		wantStatus(t, "GET /staff/settings", page, http.StatusOK)
		if !strings.Contains(page.body, `action="/staff/settings/fees.tip_bps"`) {
			t.Fatalf("the settings page has no tip fee form:\n%.2000s", page.body)
		}
		// A value out of range is refused at its setting, and nothing changes.
		bad := admin.post("/staff/settings/fees.tip_bps", "value", "20000", "reason", "typo", "version", "0")
		if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "Tip fee must be from 0 bps") {
			t.Fatalf("tip fee 20000 = %d, want 400 with the range\n%.3000s", bad.status, bad.body)
		}
		before := staffAuditCount(t, a.comp)
		r := admin.post("/staff/settings/fees.tip_bps", "value", "250", "reason", "creators' fee from December", "version", "0")
		if r.status != http.StatusSeeOther {
			t.Fatalf("set the tip fee = %d\n%.3000s", r.status, r.body)
		}
		if got := a.set.Current().Int(settings.TipFeeBps); got != 250 {
			t.Fatalf("server A's tip fee = %d, want 250 at once", got)
		}

		// Server B learns of it by its watcher, not by a restart.
		deadline := time.Now().Add(10 * time.Second)
		for b.set.Current().Int(settings.TipFeeBps) != 250 {
			if time.Now().After(deadline) {
				t.Fatalf("server B still charges %d bps 10 s after the change", b.set.Current().Int(settings.TipFeeBps))
			}
			time.Sleep(5 * time.Millisecond)
		}
		tip()
		b.wantBalance(bob, 10_00+10_00-25) // 2.5 % of $10 to the platform
		b.wantBalance(alice, 100_00-20_00)

		// The audit log: asked for, then done, by the admin, with the reason.
		if n := staffAuditCount(t, a.comp); n != before+2 {
			t.Fatalf("audit log grew by %d entries, want 2", n-before)
		}
		audit, err := b.comp.StaffAudit(ctx, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"done", "requested"} {
			en := audit.Entries[i]
			if en.Action != "set_setting" || en.ActorID != adminAcct.ID || en.SubjectID != settings.TipFeeBps ||
				en.Reason != "creators' fee from December" || en.Outcome != want {
				t.Errorf("audit entry %d = %+v, want set_setting %s by %s", i, en, want, adminAcct.ID)
			}
		}
		// And the settings' own history: the old and new value, who, why.
		hist, err := b.set.History(ctx, settings.TipFeeBps, 10)
		if err != nil || len(hist) != 1 || hist[0].Previous != 0 || hist[0].Value != 250 || hist[0].By != adminAcct.ID {
			t.Fatalf("history = %+v, %v", hist, err)
		}
		// A form shown before that change cannot undo it unseen.
		stale := admin.post("/staff/settings/fees.shop_bps", "value", "100", "reason", "stale form", "version", "1")
		if stale.status != http.StatusSeeOther {
			t.Fatalf("set with the current version = %d\n%.2000s", stale.status, stale.body)
		}
		stale = admin.post("/staff/settings/fees.shop_bps", "value", "200", "reason", "stale form", "version", "1")
		if stale.status != http.StatusConflict || !strings.Contains(stale.body, "changed since version 1") {
			t.Fatalf("set with a stale version = %d, want 409\n%.2000s", stale.status, stale.body)
		}
	})
}

// TestSettingsAPI: the staff API lists the settings and changes one with
// an integer in its unit; bad input is a clear 4xx.
func TestSettingsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaffSite(t, db)
		tok := s.token[social.Finance]
		res := s.e.asWith(tok, "GET", "/api/v1/staff/settings", "")
		if res.Code != http.StatusOK || !strings.Contains(res.Body.String(), `"key":"fees.topup_bps"`) {
			t.Fatalf("GET settings = %d %s", res.Code, res.Body)
		}
		for _, c := range []struct {
			key, body string
			status    int
			param     string
		}{
			{"fees.topup_bps", `{"value":310,"reason":"the processor's new rate"}`, 200, ""},
			{"fees.topup_bps", `{"value":-1,"reason":"negative"}`, 400, "fees.topup_bps"},
			{"fees.topup_bps", `{"value":"310","reason":"a string"}`, 400, ""},
			{"fees.topup_bps", `{"reason":"no value"}`, 400, "value"},
			{"fees.topup_bps", `{"value":10}`, 400, "reason"},
			{"coins.redeem", `{"value":10,"reason":"as much as the price"}`, 400, "coins.redeem"},
			{"limits.tier0.per_day", `{"value":100,"reason":"below per payment"}`, 400, "limits.tier0.per_day"},
			{"no.such", `{"value":1,"reason":"nothing"}`, 404, "key"},
		} {
			res := s.e.asWith(tok, "POST", "/api/v1/staff/settings/"+c.key, c.body)
			if res.Code != c.status || c.param != "" && !strings.Contains(res.Body.String(), `"param":"`+c.param+`"`) {
				t.Errorf("POST %s %s = %d %s, want %d param %q", c.key, c.body, res.Code, res.Body, c.status, c.param)
			}
		}
		if got := s.e.funds.Config().CardFeeBps; got != 310 {
			t.Errorf("funding's top-up fee = %d bps, want 310", got)
		}
	})
}
