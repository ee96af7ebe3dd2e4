package settings

import (
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
)

// Unit is what a setting's integer counts.
type Unit string

const (
	// Bps is basis points: 250 is 2.5 %.
	Bps Unit = "bps"
	// Minor is minor units of the platform's asset (USD cents).
	Minor Unit = "minor"
	// Seconds is a duration.
	Seconds Unit = "seconds"
)

// Def is one business setting: its key, what it is for, its unit, its
// default and the range it may take.
type Def struct {
	Key     string
	Group   string // its heading in the console
	Title   string
	Unit    Unit
	Default int64
	Min     int64
	Max     int64
	Doc     string
}

const (
	day     = int64(24 * time.Hour / time.Second)
	maxFee  = 10_000             // bps: the whole amount
	maxCash = 100_000_000_000_00 // minor: a hundred billion dollars
)

// The keys of the settings, for the composition root that hands them to
// the services that use them.
const (
	TipFeeBps        = "fees.tip_bps"
	ShopFeeBps       = "fees.shop_bps"
	QRFeeBps         = "fees.qr_bps"
	InstantFeeBps    = "fees.instant_withdrawal_bps"
	InstantFeeMin    = "fees.instant_withdrawal_min"
	TopUpFeeBps      = "fees.topup_bps"
	TopUpFeeFixed    = "fees.topup_fixed"
	CoinPrice        = "coins.price"
	CoinRedeem       = "coins.redeem"
	CoolingOffAbove  = "cooling_off.above"
	CoolingOffHold   = "cooling_off.hold"
	QRSettleAfter    = "holds.qr_settle_after"
	DisputeWindow    = "holds.dispute_window"
	RevenueTarget    = "revenue.target_annual"
	limitKeyFormat   = "limits.tier%d.%s"
	LimitPerTransfer = "per_transfer"
	LimitPerDay      = "per_day"
	LimitPerMonth    = "per_month"
	FundingPerDay    = "funding_per_day"
	FundingPerMonth  = "funding_per_month"
	tiers            = 3
)

// LimitKey is the key of tier's limit what (LimitPerTransfer, …).
func LimitKey(tier int, what string) string { return fmt.Sprintf(limitKeyFormat, tier, what) }

// limitDefaults are compliance's default limits per tier, in cents:
// unverified, identified, verified.
var limitDefaults = map[string][tiers]int64{
	LimitPerTransfer: {500_00, 1_500_00, 5_000_00},
	LimitPerDay:      {1_000_00, 3_000_00, 10_000_00},
	LimitPerMonth:    {2_000_00, 6_000_00, 20_000_00},
	FundingPerDay:    {2_500_00, 7_500_00, 25_000_00},
	FundingPerMonth:  {5_000_00, 15_000_00, 50_000_00},
}

var tierNames = [tiers]string{"unverified (tier 0)", "identified (tier 1)", "verified (tier 2)"}

// catalog is every business setting, in the order the console lists them.
// This is the one place that says what the settings are, their defaults
// and their ranges; Validate adds the rules between them.
var catalog = buildCatalog()

func buildCatalog() []Def {
	c := []Def{
		{TipFeeBps, "Fees", "Tip fee", Bps, 0, 0, maxFee, "taken from every tip, paid by the tipper on top"},
		{ShopFeeBps, "Fees", "Shop fee", Bps, 0, 0, maxFee, "on every sale from a post, paid by the merchant out of the price"},
		{QRFeeBps, "Fees", "In-store QR fee", Bps, 0, 0, maxFee, "on in-store QR sales (not tips), taken from the business at settlement"},
		{InstantFeeBps, "Fees", "Instant withdrawal fee", Bps, 150, 0, maxFee, "of the amount of an instant withdrawal (standard ones are free)"},
		{InstantFeeMin, "Fees", "Instant withdrawal minimum fee", Minor, 25, 0, 100_00, "the least an instant withdrawal costs"},
		{TopUpFeeBps, "Fees", "Card top-up fee", Bps, 290, 0, maxFee, "of the amount of a card top-up, plus the fixed part"},
		{TopUpFeeFixed, "Fees", "Card top-up fixed fee", Minor, 30, 0, 100_00, "added to every card top-up's fee"},
		{CoinPrice, "Coins", "Coin price", Minor, 10, 1, 100_00, "what a member pays for one coin"},
		{CoinRedeem, "Coins", "Coin redemption value", Minor, 7, 0, 100_00, "what a creator gets for one coin redeemed; below the price (the spread is revenue); 0 turns redemption off"},
	}
	for tier := range tiers {
		for _, w := range []struct{ what, title string }{
			{LimitPerTransfer, "per payment"}, {LimitPerDay, "per day (rolling 24 hours)"}, {LimitPerMonth, "per month (rolling 30 days)"},
			{FundingPerDay, "money in per day"}, {FundingPerMonth, "money in per month"},
		} {
			c = append(c, Def{LimitKey(tier, w.what), "Limits", "Limit, " + tierNames[tier] + ", " + w.title, Minor,
				limitDefaults[w.what][tier], 0, maxCash, "0: no limit"})
		}
	}
	return append(c,
		Def{CoolingOffAbove, "Cooling-off", "Cooling-off above", Minor, 0, 0, maxCash, "a first payment to someone new above this is held; 0: off"},
		Def{CoolingOffHold, "Cooling-off", "Cooling-off hold", Seconds, day, 60, 30 * day, "how long such a payment is held"},
		Def{QRSettleAfter, "Hold windows", "QR settlement delay", Seconds, day, 1, 30 * day, "how old an in-store QR payment is when it is paid out to the business"},
		Def{DisputeWindow, "Hold windows", "Dispute window", Seconds, 30 * day, day, 365 * day, "how long after buying a buyer may open a dispute"},
		Def{RevenueTarget, "Revenue", "Annual revenue target", Minor, 0, 0, maxCash, "what the platform aims to earn in a year, shown beside the projection on the revenue dashboard; 0: none"},
	)
}

// Catalog returns every business setting with its default, in the
// console's order.
func Catalog() []Def { return append([]Def(nil), catalog...) }

// Lookup returns the setting key. Errors: NotFound for a key that is not
// a setting.
func Lookup(key string) (Def, error) {
	for _, d := range catalog {
		if d.Key == key {
			return d, nil
		}
	}
	return Def{}, nestegg.ParamErrorf(nestegg.NotFound, "key", "%q is not a setting (nestegg settings list names them)", key)
}

// Validate checks a whole set of values: each in its range, and the rules
// between them (a coin redeems for less than it costs; a tier's daily
// limit is not below its per-payment limit, nor its monthly below its
// daily). A key missing from v has its default. Errors: Invalid, naming
// the setting.
func Validate(v map[string]int64) error {
	get := func(k string) int64 {
		if x, ok := v[k]; ok {
			return x
		}
		d, _ := Lookup(k)
		return d.Default
	}
	for k, x := range v {
		d, err := Lookup(k)
		if err != nil {
			return err
		}
		if x < d.Min || x > d.Max {
			return nestegg.ParamErrorf(nestegg.Invalid, k, "%s must be from %s to %s", d.Title, d.Format(d.Min), d.Format(d.Max))
		}
	}
	if r, p := get(CoinRedeem), get(CoinPrice); r >= p {
		return nestegg.ParamErrorf(nestegg.Invalid, CoinRedeem, "a coin must redeem for less than its price (%s): the spread is the platform's", money2(p))
	}
	for tier := range tiers {
		for _, pair := range [][2]string{{LimitPerTransfer, LimitPerDay}, {LimitPerDay, LimitPerMonth}, {FundingPerDay, FundingPerMonth}} {
			lo, hi := get(LimitKey(tier, pair[0])), get(LimitKey(tier, pair[1]))
			if lo > 0 && hi > 0 && hi < lo {
				return nestegg.ParamErrorf(nestegg.Invalid, LimitKey(tier, pair[1]), "%s's %s limit (%s) is below its %s limit (%s)",
					tierNames[tier], pair[1], money2(hi), pair[0], money2(lo))
			}
		}
	}
	return nil
}
