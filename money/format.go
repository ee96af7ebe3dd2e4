package money

import (
	"strconv"
	"strings"
)

// Format writes a for people. An asset with a symbol gets it as a prefix
// ("$1,000.50", "€5.00", "£3.50", "¥500"); any other is followed by its code
// ("1,000.50 CHF", "0.00010000 BTC", "500 COIN"). Thousands are separated by
// commas and every decimal place of the asset is written. A negative amount
// starts with "-" ("-$5.00"). Parse reads every non-negative result back to
// a.
func Format(a Amount) string {
	plain := FormatPlain(a.Minor, a.Asset.Scale)
	var b strings.Builder
	if strings.HasPrefix(plain, "-") {
		b.WriteByte('-')
		plain = plain[1:]
	}
	b.WriteString(a.Asset.Symbol)
	whole, frac, hasPoint := strings.Cut(plain, ".")
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	if hasPoint {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	if a.Asset.Symbol == "" && a.Asset.Code != "" {
		b.WriteByte(' ')
		b.WriteString(a.Asset.Code)
	}
	return b.String()
}

// FormatPlain writes minor units as a bare decimal with scale decimal places
// and no separators ("1000.50" for 100050 at scale 2, "500" at scale 0), for
// CSV files and decimal strings in JSON. It panics if scale is negative.
func FormatPlain(minor int64, scale int) string {
	if scale < 0 {
		panic("money.FormatPlain: negative scale")
	}
	digits := strconv.FormatUint(abs(minor), 10)
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	sign := ""
	if minor < 0 {
		sign = "-"
	}
	if scale == 0 {
		return sign + digits
	}
	cut := len(digits) - scale
	return sign + digits[:cut] + "." + digits[cut:]
}
