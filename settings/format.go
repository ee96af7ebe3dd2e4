package settings

import (
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
)

// Asset is what Minor settings count in: the platform's limits and fees
// are in US dollars.
const Asset = "USD"

func money2(minor int64) string {
	a, _ := money.Lookup(Asset)
	return money.Format(money.Amount{Asset: a, Minor: minor})
}

// Format is v as people read it: "2.5% (250 bps)", "$0.30", "24h".
func (d Def) Format(v int64) string {
	switch d.Unit {
	case Bps:
		return strconv.FormatInt(v, 10) + " bps (" + pct(v) + ")"
	case Minor:
		return money2(v)
	case Seconds:
		return formatDuration(v)
	}
	return strconv.FormatInt(v, 10)
}

// Input is v as the console's form and the CLI take it back: "250",
// "0.30", "24h".
func (d Def) Input(v int64) string {
	switch d.Unit {
	case Minor:
		a, _ := money.Lookup(Asset)
		return money.FormatPlain(v, a.Scale)
	case Seconds:
		return formatDuration(v)
	}
	return strconv.FormatInt(v, 10)
}

func pct(bps int64) string {
	s := strconv.FormatInt(bps/100, 10)
	if r := bps % 100; r != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(100+r, 10)[1:], "0")
	}
	return s + "%"
}

func formatDuration(sec int64) string {
	if sec%day == 0 {
		return strconv.FormatInt(sec/day, 10) + "d"
	}
	s := (time.Duration(sec) * time.Second).String()
	if t, ok := strings.CutSuffix(s, "h0m0s"); ok {
		return t + "h"
	}
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		return t + "m"
	}
	return s
}

// Parse reads a value of d as people write it: basis points as a whole
// number ("250"); money as an amount in dollars ("0.30", "$1,000"); a
// duration as Go writes one ("36h", "90m") or in days ("30d"). The range
// is Validate's. Errors: Invalid, naming the setting.
func (d Def) Parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	bad := func(want string) error {
		return nestegg.ParamErrorf(nestegg.Invalid, d.Key, "%s: %q is not %s", d.Title, shorten(s), want)
	}
	switch d.Unit {
	case Bps:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || strings.HasPrefix(s, "+") {
			return 0, bad("a whole number of basis points (250 is 2.5%)")
		}
		return v, nil
	case Minor:
		a, err := money.Parse(s, Asset)
		if err != nil || a.Asset.Code != Asset {
			return 0, bad("an amount in " + Asset + " (such as 0.30)")
		}
		return a.Minor, nil
	case Seconds:
		if n, ok := strings.CutSuffix(s, "d"); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil || strings.HasPrefix(n, "+") || v < 0 || v > 100_000 {
				return 0, bad("a duration (36h, 90m or 30d)")
			}
			return v * day, nil
		}
		t, err := time.ParseDuration(s)
		if err != nil || t < 0 || t%time.Second != 0 {
			return 0, bad("a duration in whole seconds (36h, 90m or 30d)")
		}
		return int64(t / time.Second), nil
	}
	return 0, bad("a value")
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
