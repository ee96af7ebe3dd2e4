package billing

import (
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
)

// Period is how often a plan charges.
type Period string

// The periods.
const (
	Monthly Period = "month"
	Yearly  Period = "year"
)

func (p Period) valid() bool { return p == Monthly || p == Yearly }

func (p Period) months() int {
	if p == Yearly {
		return 12
	}
	return 1
}

// Bound returns the start of the n-th period (0 is anchor itself) of a
// subscription anchored at anchor: n periods later on the anchor's day of
// the month, or on the month's last day when it has no such day. Bounds are
// counted from the anchor, never from the previous bound, so a subscription
// started on 31 January renews on 28 February and then on 31 March.
func Bound(anchor time.Time, p Period, n int) time.Time {
	anchor = anchor.UTC()
	y, m, d := anchor.Date()
	total := int(m) - 1 + n*p.months()
	ty, tm := y+total/12, total%12+1
	if last := time.Date(ty, time.Month(tm)+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	return time.Date(ty, time.Month(tm), d, anchor.Hour(), anchor.Minute(), anchor.Second(), anchor.Nanosecond(), time.UTC)
}

// seconds is the whole seconds from a to b, rounded down, never below 0.
func seconds(a, b time.Time) int64 {
	if !b.After(a) {
		return 0
	}
	return int64(b.Sub(a) / time.Second)
}

// Upgrade is the proration of a change of price during a period: the
// period's new worth (minor units × seconds) and what is due now.
//
// The period [start, end) is worth `worth` so far and `paid` was charged
// for it; from now on it costs newPrice instead of oldPrice. The remaining
// time is counted in whole seconds, rounded down; the new worth is exact;
// due is floor(new worth / length) − paid, never below zero. So the total
// charged for a period is always floor(its exact worth): never more, and
// less by under one minor unit, over any number of changes.
func Upgrade(start, end, now time.Time, worth, paid, oldPrice, newPrice int64) (newWorth, due int64, err error) {
	length := seconds(start, end)
	if length <= 0 {
		return 0, 0, nestegg.Errorf(nestegg.Invalid, "billing: an empty period")
	}
	rest := seconds(now, end)
	if rest > length {
		rest = length
	}
	delta, err := money.Mul(newPrice-oldPrice, rest)
	if err != nil {
		return 0, 0, err
	}
	if newWorth, err = money.Add(worth, delta); err != nil {
		return 0, 0, err
	}
	total, err := money.MulDiv(newWorth, 1, length, money.Floor)
	if err != nil {
		return 0, 0, err
	}
	due = total - paid
	if due < 0 {
		due = 0
	}
	return newWorth, due, nil
}

// worthOf is a whole period at price: price × its length in seconds.
func worthOf(start, end time.Time, price int64) (int64, error) {
	return money.Mul(price, seconds(start, end))
}

// Recognizable is how much of part, charged for [start, end), has been
// earned by now: floor(part × elapsed / length), all of it from end on.
func Recognizable(part int64, start, end, now time.Time) (int64, error) {
	if !now.Before(end) {
		return part, nil
	}
	length := seconds(start, end)
	if length <= 0 {
		return part, nil
	}
	return money.MulDiv(part, seconds(start, now), length, money.Floor)
}

// unused is floor(part × the time left of [start, end) at now / length).
func unused(part int64, start, end, now time.Time) (int64, error) {
	length := seconds(start, end)
	if length <= 0 {
		return 0, nil
	}
	rest := seconds(now, end)
	if rest > length {
		rest = length
	}
	return money.MulDiv(part, rest, length, money.Floor)
}
