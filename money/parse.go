package money

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
)

// Parse reads an amount the way people type it: a number with an optional
// asset code or symbol before or after it. All of these are accepted:
//
//	5  5.00  1,000.50  .50  $5  $1,000.50  €5  £3.50  ¥500  ₿0.001
//	5.00 USD  USD 5.00  5 usd  5USD  0.0001 BTC  $5 USD
//
// The symbols are $ (USD), € (EUR), £ (GBP), ¥ (JPY) and ₿ (BTC); codes are
// those Lookup knows, in any case. If both a symbol and a code are given they
// must name the same asset. With neither, the amount is in defaultAsset,
// which may be "" to demand that the input name its asset.
//
// The number is read exactly, digit by digit. Commas separate thousands and
// must be well formed (1,000 and 12,345,678 but not 1,00 or 10,00,000); a
// point separates the decimals, of which there may be at most the asset's
// scale (two for USD, none for JPY), trailing zeros included.
//
// Zero is accepted; see ParsePositive. Every error has code nestegg.Invalid
// and a message meant for the person who typed s: the amount is empty, is
// not a well-formed number, is negative, has too many decimal places, is too
// large for an int64 of minor units, or names an unknown asset or two
// different assets.
func Parse(s, defaultAsset string) (Amount, error) {
	t, err := tokenize(s)
	if err != nil {
		return Amount{}, err
	}
	asset, err := t.asset(defaultAsset)
	if err != nil {
		return Amount{}, err
	}
	if t.negative {
		return Amount{}, nestegg.Errorf(nestegg.Invalid, "amount must not be negative")
	}
	return parseNumber(t.number, asset, s)
}

// ParsePositive is Parse for amounts that must be more than zero, such as a
// payment or a tip. Besides Parse's errors it returns a nestegg.Invalid
// "amount must be greater than zero" for zero.
func ParsePositive(s, defaultAsset string) (Amount, error) {
	a, err := Parse(s, defaultAsset)
	if err != nil {
		return Amount{}, err
	}
	if a.Minor == 0 {
		return Amount{}, nestegg.Errorf(nestegg.Invalid, "amount must be greater than zero")
	}
	return a, nil
}

// tokens are the parts of a typed amount, not yet checked for meaning.
type tokens struct {
	code     string // letters, as typed
	symbol   string
	negative bool
	number   string // digits, commas and points
}

// tokenize splits s into a sign, a code, a symbol (each at most once and in
// any order) and a number. The sign may only come before the number.
func tokenize(s string) (tokens, error) {
	var t tokens
	rest := strings.TrimSpace(s)
	if rest == "" {
		return t, nestegg.Errorf(nestegg.Invalid, "amount is empty")
	}
	before := true
	for rest != "" {
		r, size := utf8.DecodeRuneInString(rest)
		switch {
		case before && isNumberByte(rest[0]):
			n := strings.IndexFunc(rest, func(r rune) bool { return r > unicode.MaxASCII || !isNumberByte(byte(r)) })
			if n < 0 {
				n = len(rest)
			}
			t.number, rest = rest[:n], rest[n:]
			before = false
		case before && (r == '-' || r == '−'): // ASCII hyphen-minus or U+2212
			if t.negative {
				return t, malformed(s)
			}
			t.negative, rest = true, rest[size:]
		case isLetter(r):
			if t.code != "" {
				return t, nestegg.Errorf(nestegg.Invalid, "amount names its asset twice")
			}
			n := strings.IndexFunc(rest, func(r rune) bool { return !isLetter(r) })
			if n < 0 {
				n = len(rest)
			}
			t.code, rest = rest[:n], rest[n:]
		case symbols[rest[:size]] != "":
			if t.symbol != "" {
				return t, nestegg.Errorf(nestegg.Invalid, "amount names its asset twice")
			}
			t.symbol, rest = rest[:size], rest[size:]
		default:
			return t, malformed(s)
		}
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
	}
	if t.number == "" {
		return t, malformed(s)
	}
	return t, nil
}

// asset resolves the code and the symbol, which must agree, or falls back
// to defaultAsset.
func (t tokens) asset(defaultAsset string) (Asset, error) {
	switch {
	case t.code != "" && t.symbol != "":
		a, err := Lookup(t.code)
		if err != nil {
			return Asset{}, err
		}
		if code := symbols[t.symbol]; code != a.Code {
			return Asset{}, nestegg.Errorf(nestegg.Invalid, "%s is %s but the amount says %s", t.symbol, code, a.Code)
		}
		return a, nil
	case t.code != "":
		return Lookup(t.code)
	case t.symbol != "":
		return Lookup(symbols[t.symbol])
	case defaultAsset == "":
		return Asset{}, nestegg.Errorf(nestegg.Invalid, "amount names no asset; add a code such as USD")
	default:
		return Lookup(defaultAsset)
	}
}

// parseNumber reads number, made of ASCII digits, commas and points, as a
// count of asset's minor units. s is the whole input, for error messages.
func parseNumber(number string, asset Asset, s string) (Amount, error) {
	whole, frac, hasPoint := strings.Cut(number, ".")
	if hasPoint && (frac == "" || strings.ContainsAny(frac, ".,")) {
		return Amount{}, malformed(s)
	}
	if strings.Contains(whole, ",") {
		if !wellGrouped(whole) {
			return Amount{}, nestegg.Errorf(nestegg.Invalid,
				"%q has misplaced thousands separators; write groups of three digits, like 1,000.50", shorten(s))
		}
		whole = strings.ReplaceAll(whole, ",", "")
	}
	if len(frac) > asset.Scale {
		return Amount{}, tooPrecise(asset)
	}
	var minor int64
	ok := true
	for i := 0; i < len(whole) && ok; i++ {
		minor, ok = appendDigit(minor, whole[i])
	}
	for i := 0; i < asset.Scale && ok; i++ {
		d := byte('0')
		if i < len(frac) {
			d = frac[i]
		}
		minor, ok = appendDigit(minor, d)
	}
	if !ok {
		return Amount{}, nestegg.Errorf(nestegg.Invalid, "amount is too large; the most that can be held is %s",
			Format(Amount{Asset: asset, Minor: 1<<63 - 1}))
	}
	return Amount{Asset: asset, Minor: minor}, nil
}

// appendDigit returns n*10 + (d-'0') and whether it fits in an int64.
func appendDigit(n int64, d byte) (int64, bool) {
	v := int64(d - '0')
	if n > (1<<63-1-v)/10 {
		return 0, false
	}
	return n*10 + v, true
}

// wellGrouped reports whether whole, which contains a comma, is digits in
// groups of three after a first group of one to three digits that does not
// start with 0 ("0,500" is more likely half of something than 500).
func wellGrouped(whole string) bool {
	groups := strings.Split(whole, ",")
	first := groups[0]
	if len(first) < 1 || len(first) > 3 || first[0] == '0' {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

func tooPrecise(a Asset) error {
	switch a.Scale {
	case 0:
		return nestegg.Errorf(nestegg.Invalid, "%s allows no decimal places", a.Code)
	case 1:
		return nestegg.Errorf(nestegg.Invalid, "%s allows at most 1 decimal place", a.Code)
	}
	return nestegg.Errorf(nestegg.Invalid, "%s allows at most %d decimal places", a.Code, a.Scale)
}

func malformed(s string) error {
	return nestegg.Errorf(nestegg.Invalid, "%q is not a valid amount; write it like 1,000.50", shorten(strings.TrimSpace(s)))
}

func isNumberByte(c byte) bool { return '0' <= c && c <= '9' || c == ',' || c == '.' }

func isLetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }
