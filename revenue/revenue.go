// Package revenue is the operator's revenue dashboard: what the platform
// earned, by stream, per day, week or month, read from the ledger's
// revenue accounts (fee revenue, interest income and expense, card
// rewards expense)
// rather than computed beside them, so that its totals are the ledger's to
// the cent; with the payment volume behind it, the take rate, active
// payers, new members, and a projection of the year from the trend.
package revenue

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/social"
)

// Unit is the length of a report's buckets.
type Unit string

// The units.
const (
	Day   Unit = "day"
	Week  Unit = "week" // Monday to Sunday, UTC
	Month Unit = "month"
)

// Stream is a named source of revenue.
type Stream string

// The streams, in the dashboard's order.
const (
	TipFees       Stream = "Tip fees"
	CoinSpread    Stream = "Coin spread"
	ShopFees      Stream = "Shop fees"
	QRFees        Stream = "In-store QR fees"
	InstantFees   Stream = "Instant withdrawal fees"
	TopUpFees     Stream = "Top-up fees"
	Subscriptions Stream = "Subscriptions recognized"
	Interest      Stream = "Savings interest margin"
	Cards         Stream = "Card interchange less rewards"
	Other         Stream = "Other"
)

// Streams lists the streams in order.
func Streams() []Stream {
	return []Stream{TipFees, CoinSpread, ShopFees, QRFees, InstantFees, TopUpFees, Subscriptions, Interest, Cards, Other}
}

// streamOf is the stream of a transfer code that moves a revenue account
// (refunds out of revenue count against the stream they reverse); a code
// not listed is Other, so that nothing the ledger holds is left out.
var streamOf = map[string]Stream{
	"tip_fee": TipFees, "coin_spread": CoinSpread, "commerce_fee": ShopFees, "qr_fee": QRFees,
	"instant_fee": InstantFees, "topup_fee": TopUpFees,
	"card_interchange":    Cards,
	"revenue_recognition": Subscriptions, "subscription_fee": Subscriptions, "subscription_refund": Subscriptions, "subscription": Subscriptions,
}

// Bucket is one day, week or month of a report. Amounts are minor units
// of the report's asset.
type Bucket struct {
	Start, End   time.Time
	ByStream     map[Stream]int64
	Revenue      int64
	Volume       int64 // what members paid (done movements leaving a member)
	VolumeByKind map[movement.Kind]int64
	Payments     int64 // how many
	TakeRateBps  int64 // Revenue / Volume in basis points, rounded down; 0 without volume
	ActivePayers int64 // members who paid at least once in the bucket
	NewMembers   int64
}

// Report is the dashboard for a period.
type Report struct {
	Asset    string
	Unit     Unit
	From, To time.Time // whole UTC days; To excluded
	Buckets  []Bucket
	// Total adds the buckets up; its ActivePayers counts each member once
	// over the whole period.
	Total Bucket
	// Accounts are the revenue accounts read, with what each gained over
	// the period (credit-normal: interest expense counts negative).
	Accounts map[string]int64
	// ProjectedYear is the next 365 days' revenue at the trend of the
	// period's daily revenue (least squares), never below zero; Target the
	// operator's annual target (0: none set).
	ProjectedYear int64
	Target        int64
}

// Service builds reports. It reads; it never moves money.
type Service struct {
	ledger *ledger.Ledger
	kernel *movement.Kernel
	social *social.Service
}

// New returns a Service reading the ledger's revenue accounts, the
// kernel's movements and social's members.
func New(l *ledger.Ledger, k *movement.Kernel, soc *social.Service) *Service {
	return &Service{ledger: l, kernel: k, social: soc}
}

// MaxDays is the longest period a report covers.
const MaxDays = 731

// accounts are the revenue accounts of asset, with the sign each counts
// with: revenue is credit-normal, interest expense is the margin's cost.
func accounts(asset string) map[string]int64 {
	return map[string]int64{
		ledger.PlatformID(asset, ledger.KindFeeRevenue):      1,
		ledger.PlatformID(asset, ledger.KindInterestIncome):  1,
		ledger.PlatformID(asset, ledger.KindInterestExpense): 1, // credits - debits: negative as it pays
		ledger.PlatformID(asset, ledger.KindRewardsExpense):  1, // cards' cash back, likewise
	}
}

// Report builds the dashboard of asset for [from, to), whole UTC days, in
// buckets of unit; target is the operator's annual target (shown beside
// the projection). Errors: Invalid for a period that is not whole days,
// ends before it starts or is longer than MaxDays, or an unknown unit.
func (s *Service) Report(ctx context.Context, asset string, from, to time.Time, unit Unit, target int64) (Report, error) {
	from, to = from.UTC(), to.UTC()
	day := 24 * time.Hour
	switch {
	case !from.Equal(from.Truncate(day)) || !to.Equal(to.Truncate(day)):
		return Report{}, nestegg.ParamErrorf(nestegg.Invalid, "from", "a report starts and ends at midnight UTC (give dates)")
	case !to.After(from):
		return Report{}, nestegg.ParamErrorf(nestegg.Invalid, "to", "a report ends after it starts")
	case to.Sub(from) > MaxDays*day:
		return Report{}, nestegg.ParamErrorf(nestegg.Invalid, "to", "a report covers at most %d days", MaxDays)
	case unit != Day && unit != Week && unit != Month:
		return Report{}, nestegg.ParamErrorf(nestegg.Invalid, "unit", "the unit is day, week or month")
	}
	r := Report{Asset: asset, Unit: unit, From: from, To: to, Target: target, Accounts: map[string]int64{}}
	for start := from; start.Before(to); {
		end := next(start, unit)
		if end.After(to) {
			end = to
		}
		r.Buckets = append(r.Buckets, Bucket{Start: start, End: end, ByStream: map[Stream]int64{}, VolumeByKind: map[movement.Kind]int64{}})
		start = end
	}
	bucketOf := func(t time.Time) *Bucket {
		i, _ := slices.BinarySearchFunc(r.Buckets, t, func(b Bucket, t time.Time) int {
			switch {
			case !t.Before(b.End):
				return -1
			case t.Before(b.Start):
				return 1
			}
			return 0
		})
		return &r.Buckets[i]
	}
	accts := accounts(asset)
	ids := make([]string, 0, len(accts))
	for id := range accts {
		ids = append(ids, id)
		r.Accounts[id] = 0
	}
	slices.Sort(ids)
	feeID, rewardsID := ledger.PlatformID(asset, ledger.KindFeeRevenue), ledger.PlatformID(asset, ledger.KindRewardsExpense)
	flows, err := s.ledger.Flows(ctx, ids, from, to)
	if err != nil {
		return Report{}, fmt.Errorf("revenue: %w", err)
	}
	daily := make([]int64, int(to.Sub(from)/day))
	for _, f := range flows {
		net := f.Credits - f.Debits
		st, ok := streamOf[f.Code]
		if !ok {
			st = Other
		}
		switch f.AccountID {
		case feeID:
		case rewardsID:
			st = Cards
		default:
			st = Interest // interest income and expense
		}
		b := bucketOf(f.Day)
		b.ByStream[st] += net
		b.Revenue += net
		r.Accounts[f.AccountID] += net
		daily[int(f.Day.Sub(from)/day)] += net
	}
	vols, err := s.kernel.Volume(ctx, from, to)
	if err != nil {
		return Report{}, err
	}
	for _, v := range vols {
		if v.Asset != asset {
			continue
		}
		b := bucketOf(v.Day)
		b.Volume += v.Amount
		b.VolumeByKind[v.Kind] += v.Amount
		b.Payments += v.Count
	}
	joined, err := s.social.NewMembers(ctx, from, to)
	if err != nil {
		return Report{}, err
	}
	for d, n := range joined {
		bucketOf(d).NewMembers += n
	}
	r.Total = Bucket{Start: from, End: to, ByStream: map[Stream]int64{}, VolumeByKind: map[movement.Kind]int64{}}
	for i := range r.Buckets {
		b := &r.Buckets[i]
		if b.ActivePayers, err = s.kernel.ActivePayers(ctx, b.Start, b.End); err != nil {
			return Report{}, err
		}
		b.TakeRateBps = takeRate(b.Revenue, b.Volume)
		for st, v := range b.ByStream {
			r.Total.ByStream[st] += v
		}
		for k, v := range b.VolumeByKind {
			r.Total.VolumeByKind[k] += v
		}
		r.Total.Revenue += b.Revenue
		r.Total.Volume += b.Volume
		r.Total.Payments += b.Payments
		r.Total.NewMembers += b.NewMembers
	}
	if r.Total.ActivePayers, err = s.kernel.ActivePayers(ctx, from, to); err != nil {
		return Report{}, err
	}
	r.Total.TakeRateBps = takeRate(r.Total.Revenue, r.Total.Volume)
	r.ProjectedYear = project(daily, 365)
	return r, nil
}

// next is the start of the bucket after the one starting at t.
func next(t time.Time, u Unit) time.Time {
	switch u {
	case Week:
		// To the next Monday, so that weeks line up across reports.
		d := (8 - int(t.Weekday())) % 7
		if d == 0 {
			d = 7
		}
		return t.AddDate(0, 0, d)
	case Month:
		return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.AddDate(0, 0, 1)
}

func takeRate(revenue, volume int64) int64 {
	if volume <= 0 || revenue <= 0 {
		return 0
	}
	// Both fit comfortably: revenue below volume in any sane month, and
	// 10000 × a trillion dollars of cents fits int64.
	if revenue > (1<<63-1)/10_000 {
		return 0
	}
	return revenue * 10_000 / volume
}

// project is the sum of the next days days of a least-squares line
// through daily (day i at x = i), exactly (big integers: the sums
// overflow int64 for large amounts over long periods), rounded down,
// never negative.
func project(daily []int64, days int64) int64 {
	n := int64(len(daily))
	if n == 0 {
		return 0
	}
	bi := big.NewInt
	sx, sy, sxx, sxy := bi(0), bi(0), bi(0), bi(0)
	for i, y := range daily {
		x := bi(int64(i))
		sx.Add(sx, x)
		sy.Add(sy, bi(y))
		sxx.Add(sxx, new(big.Int).Mul(x, x))
		sxy.Add(sxy, new(big.Int).Mul(x, bi(y)))
	}
	nb, d := bi(n), bi(days)
	// den = n·sxx − sx²; with one day it is 0 and that day repeats.
	den := new(big.Int).Sub(new(big.Int).Mul(nb, sxx), new(big.Int).Mul(sx, sx))
	var v *big.Int
	if den.Sign() == 0 {
		v = new(big.Int).Mul(sy, d)
		v.Quo(v, nb)
	} else {
		// y(x) = a + b·x, b = bNum/den, a = (sy·den − bNum·sx)/(n·den);
		// Σ over x = n … n+days−1 is days·a + b·Σx, one fraction over n·den.
		bNum := new(big.Int).Sub(new(big.Int).Mul(nb, sxy), new(big.Int).Mul(sx, sy))
		sumX := bi(days*n + days*(days-1)/2)
		num := new(big.Int).Mul(d, new(big.Int).Sub(new(big.Int).Mul(sy, den), new(big.Int).Mul(bNum, sx)))
		num.Add(num, new(big.Int).Mul(new(big.Int).Mul(bNum, sumX), nb))
		v = num.Div(num, new(big.Int).Mul(nb, den))
	}
	if v.Sign() < 0 {
		return 0
	}
	if !v.IsInt64() {
		return 1<<63 - 1
	}
	return v.Int64()
}
