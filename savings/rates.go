package savings

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// MaxBps is the highest rate, 100.00 %.
const MaxBps = 10_000

// MaxTiers is the most bands a rate may have.
const MaxTiers = 20

// Tier is a balance band: the part of the balance from From (minor units)
// up to the next tier's From earns Bps.
type Tier struct {
	From int64 `json:"from"`
	Bps  int64 `json:"bps"`
}

// Rate is a version of an asset's savings rate: its tiers apply from
// EffectiveOn (a UTC day) until the next version's.
type Rate struct {
	ID          string
	Asset       string
	EffectiveOn time.Time
	// Tiers start at 0 and rise; one tier is a flat rate.
	Tiers     []Tier
	CreatedAt time.Time
}

// Bps is the rate of the first band (the whole rate when there is one).
func (r Rate) Bps() int64 { return r.Tiers[0].Bps }

// numerator is a day's interest on balance under tiers, in units of
// 1/Denominator minor units: each band of the balance times its rate.
func numerator(balance int64, tiers []Tier) int64 {
	var n int64
	for i, t := range tiers {
		if balance <= t.From {
			break
		}
		top := balance
		if i+1 < len(tiers) && tiers[i+1].From < top {
			top = tiers[i+1].From
		}
		n += (top - t.From) * t.Bps
	}
	return n
}

// checkTiers validates tiers: 1 to MaxTiers, the first from 0, rising,
// each rate 0 to MaxBps and each floor within MaxBalance.
func checkTiers(tiers []Tier) error {
	if len(tiers) == 0 || len(tiers) > MaxTiers {
		return nestegg.ParamErrorf(nestegg.Invalid, "tiers", "a rate has 1 to %d tiers", MaxTiers)
	}
	for i, t := range tiers {
		switch {
		case i == 0 && t.From != 0:
			return nestegg.ParamErrorf(nestegg.Invalid, "tiers", "the first tier starts from 0")
		case i > 0 && t.From <= tiers[i-1].From:
			return nestegg.ParamErrorf(nestegg.Invalid, "tiers", "each tier starts above the one before")
		case t.From > MaxBalance:
			return nestegg.ParamErrorf(nestegg.Invalid, "tiers", "a tier starts at most at %d minor units", int64(MaxBalance))
		case t.Bps < 0 || t.Bps > MaxBps:
			return nestegg.ParamErrorf(nestegg.Invalid, "tiers", "a rate is 0 to %d basis points", MaxBps)
		}
	}
	return nil
}

// formatTiers is the stored form of tiers: "from:bps" joined by ";".
func formatTiers(tiers []Tier) string {
	parts := make([]string, len(tiers))
	for i, t := range tiers {
		parts[i] = strconv.FormatInt(t.From, 10) + ":" + strconv.FormatInt(t.Bps, 10)
	}
	return strings.Join(parts, ";")
}

// parseTiers reads formatTiers' form back, and validates it.
func parseTiers(s string) ([]Tier, error) {
	if len(s) > 1000 {
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "tiers", "too long")
	}
	var out []Tier
	for _, p := range strings.Split(s, ";") {
		from, bps, ok := strings.Cut(p, ":")
		f, err1 := strconv.ParseInt(from, 10, 64)
		b, err2 := strconv.ParseInt(bps, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, nestegg.ParamErrorf(nestegg.Invalid, "tiers", "a tier is from:bps, such as 0:400")
		}
		out = append(out, Tier{From: f, Bps: b})
	}
	return out, checkTiers(out)
}

// ParsePercent reads a rate written as a percentage with at most two
// decimals ("4", "4.5", "4.25%") as basis points. ok is false for
// anything else or a rate above MaxBps.
func ParsePercent(s string) (bps int64, ok bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 3 || len(frac) > 2 {
		return 0, false
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	frac += strings.Repeat("0", 2-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	bps = w*100 + f
	return bps, bps <= MaxBps
}

// Percent writes bps as a percentage: 425 → "4.25%".
func Percent(bps int64) string {
	return fmt.Sprintf("%d.%02d%%", bps/100, bps%100)
}

// Describe says tiers in words: "4.00%", or "4.00% up to $1,000.00, 4.50% above".
func Describe(code string, tiers []Tier) string {
	if len(tiers) == 1 {
		return Percent(tiers[0].Bps)
	}
	a, _ := money.Lookup(code)
	var b strings.Builder
	for i, t := range tiers {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(Percent(t.Bps))
		if i+1 < len(tiers) {
			b.WriteString(" up to " + money.Format(money.Amount{Asset: a, Minor: tiers[i+1].From}))
		} else {
			b.WriteString(" above")
		}
	}
	return b.String()
}

// schedule is an asset's rate versions, by effective day.
type schedule []Rate

// at is the version in force on day d.
func (sc schedule) at(d int64) (Rate, bool) {
	i := sort.Search(len(sc), func(i int) bool { return dayOf(sc[i].EffectiveOn) > d })
	if i == 0 {
		return Rate{}, false
	}
	return sc[i-1], true
}

// after is the first version that takes effect after day d.
func (sc schedule) after(d int64) (Rate, bool) {
	i := sort.Search(len(sc), func(i int) bool { return dayOf(sc[i].EffectiveOn) > d })
	if i == len(sc) {
		return Rate{}, false
	}
	return sc[i], true
}

// rates reads asset's versions.
func (s *Service) rates(ctx context.Context, code string) (schedule, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, effective_on, tiers, created_at FROM savings_rates WHERE asset = $1 ORDER BY effective_on`, code)
	if err != nil {
		return nil, fmt.Errorf("savings rates: %w", err)
	}
	defer rows.Close()
	var out schedule
	for rows.Next() {
		var r Rate
		var day, created int64
		var tiers string
		if err := rows.Scan(&r.ID, &day, &tiers, &created); err != nil {
			return nil, fmt.Errorf("savings rates: %w", err)
		}
		if r.Tiers, err = parseTiers(tiers); err != nil {
			return nil, fmt.Errorf("savings rate %s: %w", r.ID, err)
		}
		r.Asset, r.EffectiveOn, r.CreatedAt = code, dayTime(day), time.Unix(0, created).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rates returns asset's rate versions, oldest first. Anyone may read them.
func (s *Service) Rates(ctx context.Context, code string) ([]Rate, error) {
	a, err := asset(code)
	if err != nil {
		return nil, err
	}
	return s.rates(ctx, a.Code)
}

// RateInput is a new version of an asset's rate.
type RateInput struct {
	Asset string
	// EffectiveOn is the UTC day it applies from: today or later.
	EffectiveOn time.Time
	Tiers       []Tier
}

// cut reports whether next pays less than prev on some balance: the
// marginal rates are steps, so comparing them at every step's floor is
// enough.
func cut(prev, next []Tier) bool {
	rateAt := func(ts []Tier, b int64) int64 {
		r := int64(0)
		for _, t := range ts {
			if b >= t.From {
				r = t.Bps
			}
		}
		return r
	}
	for _, ts := range [][]Tier{prev, next} {
		for _, t := range ts {
			if rateAt(next, t.From) < rateAt(prev, t.From) {
				return true
			}
		}
	}
	return false
}

// SetRate sets asset's rate from in.EffectiveOn: a new version, or the
// one already set for that day replaced (days not yet accrued only: today
// or later). A lower rate than the one it follows (on any balance) is a
// cut: it must be set at least Config.CutNotice ahead, and every member
// with savings in the asset is told, in the same transaction. For the
// operator only. Errors: Invalid (Param "effective_on", "tiers", "asset").
func (s *Service) SetRate(ctx context.Context, in RateInput) (Rate, error) {
	a, err := asset(in.Asset)
	if err != nil {
		return Rate{}, err
	}
	if err := checkTiers(in.Tiers); err != nil {
		return Rate{}, err
	}
	now := s.now()
	today := dayOf(now)
	eff := dayOf(in.EffectiveOn)
	if in.EffectiveOn.IsZero() || eff < today {
		return Rate{}, nestegg.ParamErrorf(nestegg.Invalid, "effective_on", "a rate applies from today or a later day, never to days past")
	}
	r := Rate{ID: nestegg.NewID("rate"), Asset: a.Code, EffectiveOn: dayTime(eff), Tiers: in.Tiers, CreatedAt: now}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var prev []Tier
		var stored string
		err := tx.QueryRowContext(ctx, `SELECT tiers FROM savings_rates WHERE asset = $1 AND effective_on < $2 ORDER BY effective_on DESC LIMIT 1`, a.Code, eff).Scan(&stored)
		switch {
		case err == sql.ErrNoRows:
			prev = []Tier{{From: 0, Bps: 0}}
		case err != nil:
			return err
		default:
			if prev, err = parseTiers(stored); err != nil {
				return err
			}
		}
		isCut := cut(prev, in.Tiers)
		notice := int64((s.cfg.CutNotice + 24*time.Hour - 1) / (24 * time.Hour))
		if isCut && eff < today+notice {
			return nestegg.ParamErrorf(nestegg.Invalid, "effective_on", "a lower rate must be set at least %d days ahead, so that members are told before it applies", notice)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM savings_rates WHERE asset = $1 AND effective_on = $2 AND effective_on >= $3`, a.Code, eff, today); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO savings_rates (id, asset, effective_on, tiers, created_at) VALUES ($1, $2, $3, $4, $5)`,
			r.ID, a.Code, eff, formatTiers(in.Tiers), now.UnixNano()); err != nil {
			return err
		}
		if !isCut {
			return nil
		}
		text := fmt.Sprintf("Your savings rate in %s goes down from %s to %s on %s.", a.Code, Describe(a.Code, prev), Describe(a.Code, in.Tiers),
			dayTime(eff).Format("2 Jan 2006"))
		users, err := holders(ctx, tx, a.Code)
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := s.social.Notify(ctx, tx, u, social.NotificationKind(NotifyRate), "", "", text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Rate{}, fmt.Errorf("set savings rate: %w", err)
	}
	return r, nil
}

// holders are the members with savings open in asset.
func holders(ctx context.Context, tx *sql.Tx, code string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM savings_accounts WHERE asset = $1 ORDER BY user_id`, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
