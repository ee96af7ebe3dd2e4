package savings

import "time"

// Days are counted from 1970-01-01 (day 0) in UTC and months as
// year×12 + month−1: integers that order and subtract simply, and that
// the tables store.

const secondsPerDay = 24 * 60 * 60

// dayOf is the day t falls on, in UTC.
func dayOf(t time.Time) int64 {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

// dayTime is the start of day d.
func dayTime(d int64) time.Time { return time.Unix(d*secondsPerDay, 0).UTC() }

// monthOf is the month day d falls in.
func monthOf(d int64) int64 {
	t := dayTime(d)
	return int64(t.Year())*12 + int64(t.Month()) - 1
}

// firstDay is the first day of month m.
func firstDay(m int64) int64 {
	return time.Date(int(m/12), time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

// lastDay is the last day of month m.
func lastDay(m int64) int64 { return firstDay(m+1) - 1 }

// monthTime is the first instant of month m.
func monthTime(m int64) time.Time { return dayTime(firstDay(m)) }

// ParseDay parses a day "2027-01-31" (UTC). ok is false when s is not one.
func ParseDay(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 2000 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}
