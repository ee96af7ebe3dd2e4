package settings_test

import (
	"context"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/settings"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestCatalog: keys are unique, every default is in its range and passes
// Validate, and every default reads back from how the console shows it.
func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	all := map[string]int64{}
	for _, d := range settings.Catalog() {
		if seen[d.Key] {
			t.Errorf("%s twice", d.Key)
		}
		seen[d.Key] = true
		all[d.Key] = d.Default
		if d.Default < d.Min || d.Default > d.Max || d.Title == "" || d.Group == "" || d.Doc == "" {
			t.Errorf("%+v: default outside its range, or undocumented", d)
		}
		for _, v := range []int64{d.Min, d.Default, d.Max} {
			if got, err := d.Parse(d.Input(v)); err != nil || got != v {
				t.Errorf("%s: Parse(Input(%d) = %q) = %d, %v", d.Key, v, d.Input(v), got, err)
			}
		}
	}
	if err := settings.Validate(all); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	if len(seen) < 25 {
		t.Errorf("the catalog has %d settings", len(seen))
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		key, in string
		want    int64
		ok      bool
	}{
		{settings.TipFeeBps, "250", 250, true},
		{settings.TipFeeBps, " 0 ", 0, true},
		{settings.TipFeeBps, "2.5", 0, false},
		{settings.TipFeeBps, "+5", 0, false},
		{settings.TipFeeBps, "", 0, false},
		{settings.TopUpFeeFixed, "0.30", 30, true},
		{settings.TopUpFeeFixed, "$1,000", 1_000_00, true},
		{settings.TopUpFeeFixed, "0.305", 0, false},
		{settings.TopUpFeeFixed, "1 EUR", 0, false},
		{settings.CoolingOffHold, "36h", 36 * 3600, true},
		{settings.CoolingOffHold, "30d", 30 * 86400, true},
		{settings.CoolingOffHold, "1.5s", 0, false},
		{settings.CoolingOffHold, "-1h", 0, false},
		{settings.CoolingOffHold, "1e9d", 0, false},
		{settings.CoolingOffHold, "d", 0, false},
	} {
		d, err := settings.Lookup(c.key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Parse(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("%s.Parse(%q) = %d, %v; want %d, ok %v", c.key, c.in, got, err, c.want, c.ok)
		}
		if err != nil && !nestegg.Is(err, nestegg.Invalid) {
			t.Errorf("%s.Parse(%q) error %v is not Invalid", c.key, c.in, err)
		}
	}
}

// FuzzParse: no input panics, and a value read back from how it is shown
// is the same value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"250", "0.30", "$1,000.00", "36h", "30d", "1h30m", "-5", "9223372036854775807d", "1e3"} {
		f.Add(s)
	}
	defs := settings.Catalog()
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range []settings.Def{defs[0], defs[4], defs[len(defs)-1]} {
			v, err := d.Parse(s)
			if err != nil {
				continue
			}
			if back, err := d.Parse(d.Input(v)); err != nil || back != v {
				t.Fatalf("%s: Parse(%q) = %d, shown as %q, read back as %d, %v", d.Key, s, v, d.Input(v), back, err)
			}
		}
	})
}

// TestTwoProcesses: a change made through one Service (one process's
// pool) reaches another on the same database when it refreshes, which
// costs it one query when nothing changed; refused changes change nothing.
func TestTwoProcesses(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		open := func() *settings.Service {
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			s, err := settings.New(db, settings.Options{Defaults: map[string]int64{settings.ShopFeeBps: 100}})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		a, b := open(), open()
		var applied []int64
		b.OnChange(func(v settings.Values) error {
			applied = append(applied, v.Int(settings.TipFeeBps))
			return nil
		})
		for _, s := range []*settings.Service{a, b} {
			if err := s.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if v := b.Current(); v.Version() != 0 || v.Int(settings.ShopFeeBps) != 100 || v.Int(settings.InstantFeeBps) != 150 {
			t.Fatalf("fresh values: version %d, shop %d, instant %d", v.Version(), v.Int(settings.ShopFeeBps), v.Int(settings.InstantFeeBps))
		}
		c, err := a.Set(ctx, settings.TipFeeBps, 300, 0, "usr_admin", "  creators' fee  ")
		if err != nil || c.Version != 1 || c.Previous != 0 || c.Reason != "creators' fee" {
			t.Fatalf("Set = %+v, %v", c, err)
		}
		if a.Current().Int(settings.TipFeeBps) != 300 {
			t.Errorf("the process that changed it does not apply it at once")
		}
		if b.Current().Int(settings.TipFeeBps) != 0 {
			t.Errorf("b changed without a refresh")
		}
		if err := b.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if v := b.Current(); v.Int(settings.TipFeeBps) != 300 || v.Version() != 1 || v.Int(settings.ShopFeeBps) != 100 {
			t.Errorf("b after refresh: tip %d, version %d, shop %d", v.Int(settings.TipFeeBps), v.Version(), v.Int(settings.ShopFeeBps))
		}
		if err := b.Refresh(ctx); err != nil { // nothing new: not applied again
			t.Fatal(err)
		}
		if len(applied) != 2 || applied[0] != 0 || applied[1] != 300 {
			t.Errorf("b applied %v, want [0 300]", applied)
		}

		for _, c := range []struct {
			key           string
			value, expect int64
			reason        string
			code          nestegg.Code
			param         string
		}{
			{settings.TipFeeBps, 10_001, 0, "too much", nestegg.Invalid, settings.TipFeeBps},
			{settings.CoinRedeem, 10, 0, "as much as the price", nestegg.Invalid, settings.CoinRedeem},
			{settings.CoinPrice, 7, 0, "down to the redemption value", nestegg.Invalid, settings.CoinRedeem},
			{settings.LimitKey(1, settings.LimitPerMonth), 1_00, 0, "below the day's", nestegg.Invalid, settings.LimitKey(1, settings.LimitPerMonth)},
			{settings.TipFeeBps, 100, 0, "   ", nestegg.Invalid, "reason"},
			{"fees.nothing", 1, 0, "no such", nestegg.NotFound, "key"},
			{settings.TipFeeBps, 100, 7, "stale form", nestegg.Conflict, ""},
		} {
			_, err := a.Set(ctx, c.key, c.value, c.expect, "usr_admin", c.reason)
			var e *nestegg.Error
			if !nestegg.Is(err, c.code) || c.param != "" && (!asError(err, &e) || e.Param != c.param) {
				t.Errorf("Set(%s, %d) = %v, want %s on %q", c.key, c.value, err, c.code, c.param)
			}
		}
		hist, err := b.History(ctx, "", 10)
		if err != nil || len(hist) != 1 || hist[0].By != "usr_admin" || hist[0].At.IsZero() || time.Since(hist[0].At) > time.Minute {
			t.Fatalf("history after refused changes = %+v, %v", hist, err)
		}
		if _, err := a.Set(ctx, settings.TipFeeBps, 0, 1, "usr_admin", "back to free"); err != nil {
			t.Fatalf("Set with the current version: %v", err)
		}
		if hist, _ := b.History(ctx, settings.TipFeeBps, 10); len(hist) != 2 || hist[0].Previous != 300 || hist[0].Value != 0 {
			t.Errorf("tip fee history = %+v", hist)
		}
	})
}

func asError(err error, e **nestegg.Error) bool {
	for err != nil {
		if x, ok := err.(*nestegg.Error); ok {
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

// TestBadDefaults: serve's flags become defaults only when valid.
func TestBadDefaults(t *testing.T) {
	db := storetest.SQLite(t)
	if _, err := settings.New(db, settings.Options{Defaults: map[string]int64{settings.ShopFeeBps: 20_000}}); !nestegg.Is(err, nestegg.Invalid) {
		t.Errorf("a 200%% shop fee default = %v, want Invalid", err)
	}
}
