package money

import (
	"slices"
	"strings"

	"github.com/nestegg/nestegg"
)

// Asset is something the ledger counts: a currency, a crypto asset or the
// platform's coins. Amounts of an asset are int64 counts of its minor unit;
// Scale is the number of decimal places of the minor unit (2 for USD, so
// 1 USD is 100 minor units). Symbol, when not empty, is the prefix Format
// writes instead of the code.
type Asset struct {
	Code   string
	Scale  int
	Symbol string
}

// MarshalText writes the asset as its code, so that an Asset is a plain
// string ("USD") in JSON.
func (a Asset) MarshalText() ([]byte, error) {
	return []byte(a.Code), nil
}

// UnmarshalText reads an asset code as Lookup does. It returns a
// nestegg.Invalid error for an unknown code.
func (a *Asset) UnmarshalText(text []byte) error {
	found, err := Lookup(string(text))
	if err != nil {
		return err
	}
	*a = found
	return nil
}

// Lookup returns the asset with the given code, ignoring ASCII case ("usd"
// is USD). It returns a nestegg.Invalid error, `unknown asset "XYZ"`, for
// any other code.
func Lookup(code string) (Asset, error) {
	key, ok := upperASCII(code)
	if ok {
		if a, found := assets[key]; found {
			return a, nil
		}
	}
	return Asset{}, nestegg.Errorf(nestegg.Invalid, "unknown asset %q", shorten(key))
}

// Assets returns every asset Lookup knows, sorted by code.
func Assets() []Asset {
	all := make([]Asset, 0, len(assets))
	for _, a := range assets {
		all = append(all, a)
	}
	slices.SortFunc(all, func(a, b Asset) int { return strings.Compare(a.Code, b.Code) })
	return all
}

// upperASCII upper-cases code if it is made only of ASCII letters and
// digits. strings.ToUpper is not used because it maps some non-ASCII letters
// to ASCII ones ("ſ" to "S"), which would let look-alike codes through.
func upperASCII(code string) (string, bool) {
	if code == "" || len(code) > 8 {
		return code, false
	}
	b := []byte(code)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		default:
			return code, false
		}
	}
	return string(b), true
}

// shorten keeps error messages readable when the input is long.
func shorten(s string) string {
	const limit = 32
	if len(s) <= limit {
		return s
	}
	return strings.ToValidUTF8(s[:limit], "") + "…"
}

// symbols maps what people type before (or after) a number to an asset code.
// $ and ¥ are ambiguous in the world (CAD, CNY…); here they mean USD and JPY,
// and "$5 CAD" is refused because the symbol and the code disagree.
var symbols = map[string]string{
	"$": "USD",
	"€": "EUR",
	"£": "GBP",
	"¥": "JPY",
	"₿": "BTC",
}

// assets is read-only after package initialization.
var assets = func() map[string]Asset {
	m := make(map[string]Asset, len(iso4217)+len(platformAssets))
	for _, list := range [][]Asset{iso4217, platformAssets} {
		for _, a := range list {
			m[a.Code] = a
		}
	}
	return m
}()

// platformAssets are the assets that are not ISO 4217 currencies.
var platformAssets = []Asset{
	{Code: "BTC", Scale: 8},  // 1 satoshi
	{Code: "USDC", Scale: 6}, // the token's own decimals
	{Code: "COIN", Scale: 0}, // Nestegg's in-app coins: internal, indivisible
}

// iso4217 lists the currencies of ISO 4217 list one with their minor units.
// Funds and units with no minor unit (XAU, XDR, XTS, XXX…) are left out: no
// one pays with them here. Codes that are being withdrawn but are still legal
// tender (ANG, BGN, SLL) stay until they are removed from the standard.
var iso4217 = []Asset{
	{Code: "AED", Scale: 2}, {Code: "AFN", Scale: 2}, {Code: "ALL", Scale: 2},
	{Code: "AMD", Scale: 2}, {Code: "ANG", Scale: 2}, {Code: "AOA", Scale: 2},
	{Code: "ARS", Scale: 2}, {Code: "AUD", Scale: 2}, {Code: "AWG", Scale: 2},
	{Code: "AZN", Scale: 2},
	{Code: "BAM", Scale: 2}, {Code: "BBD", Scale: 2}, {Code: "BDT", Scale: 2},
	{Code: "BGN", Scale: 2}, {Code: "BHD", Scale: 3}, {Code: "BIF", Scale: 0},
	{Code: "BMD", Scale: 2}, {Code: "BND", Scale: 2}, {Code: "BOB", Scale: 2},
	{Code: "BOV", Scale: 2}, {Code: "BRL", Scale: 2}, {Code: "BSD", Scale: 2},
	{Code: "BTN", Scale: 2}, {Code: "BWP", Scale: 2}, {Code: "BYN", Scale: 2},
	{Code: "BZD", Scale: 2},
	{Code: "CAD", Scale: 2}, {Code: "CDF", Scale: 2}, {Code: "CHE", Scale: 2},
	{Code: "CHF", Scale: 2}, {Code: "CHW", Scale: 2}, {Code: "CLF", Scale: 4},
	{Code: "CLP", Scale: 0}, {Code: "CNY", Scale: 2}, {Code: "COP", Scale: 2},
	{Code: "COU", Scale: 2}, {Code: "CRC", Scale: 2}, {Code: "CUC", Scale: 2},
	{Code: "CUP", Scale: 2}, {Code: "CVE", Scale: 2}, {Code: "CZK", Scale: 2},
	{Code: "DJF", Scale: 0}, {Code: "DKK", Scale: 2}, {Code: "DOP", Scale: 2},
	{Code: "DZD", Scale: 2},
	{Code: "EGP", Scale: 2}, {Code: "ERN", Scale: 2}, {Code: "ETB", Scale: 2},
	{Code: "EUR", Scale: 2, Symbol: "€"},
	{Code: "FJD", Scale: 2}, {Code: "FKP", Scale: 2},
	{Code: "GBP", Scale: 2, Symbol: "£"},
	{Code: "GEL", Scale: 2}, {Code: "GHS", Scale: 2}, {Code: "GIP", Scale: 2},
	{Code: "GMD", Scale: 2}, {Code: "GNF", Scale: 0}, {Code: "GTQ", Scale: 2},
	{Code: "GYD", Scale: 2},
	{Code: "HKD", Scale: 2}, {Code: "HNL", Scale: 2}, {Code: "HTG", Scale: 2},
	{Code: "HUF", Scale: 2},
	{Code: "IDR", Scale: 2}, {Code: "ILS", Scale: 2}, {Code: "INR", Scale: 2},
	{Code: "IQD", Scale: 3}, {Code: "IRR", Scale: 2}, {Code: "ISK", Scale: 0},
	{Code: "JMD", Scale: 2}, {Code: "JOD", Scale: 3},
	{Code: "JPY", Scale: 0, Symbol: "¥"},
	{Code: "KES", Scale: 2}, {Code: "KGS", Scale: 2}, {Code: "KHR", Scale: 2},
	{Code: "KMF", Scale: 0}, {Code: "KPW", Scale: 2}, {Code: "KRW", Scale: 0},
	{Code: "KWD", Scale: 3}, {Code: "KYD", Scale: 2}, {Code: "KZT", Scale: 2},
	{Code: "LAK", Scale: 2}, {Code: "LBP", Scale: 2}, {Code: "LKR", Scale: 2},
	{Code: "LRD", Scale: 2}, {Code: "LSL", Scale: 2}, {Code: "LYD", Scale: 3},
	{Code: "MAD", Scale: 2}, {Code: "MDL", Scale: 2}, {Code: "MGA", Scale: 2},
	{Code: "MKD", Scale: 2}, {Code: "MMK", Scale: 2}, {Code: "MNT", Scale: 2},
	{Code: "MOP", Scale: 2}, {Code: "MRU", Scale: 2}, {Code: "MUR", Scale: 2},
	{Code: "MVR", Scale: 2}, {Code: "MWK", Scale: 2}, {Code: "MXN", Scale: 2},
	{Code: "MXV", Scale: 2}, {Code: "MYR", Scale: 2}, {Code: "MZN", Scale: 2},
	{Code: "NAD", Scale: 2}, {Code: "NGN", Scale: 2}, {Code: "NIO", Scale: 2},
	{Code: "NOK", Scale: 2}, {Code: "NPR", Scale: 2}, {Code: "NZD", Scale: 2},
	{Code: "OMR", Scale: 3},
	{Code: "PAB", Scale: 2}, {Code: "PEN", Scale: 2}, {Code: "PGK", Scale: 2},
	{Code: "PHP", Scale: 2}, {Code: "PKR", Scale: 2}, {Code: "PLN", Scale: 2},
	{Code: "PYG", Scale: 0},
	{Code: "QAR", Scale: 2},
	{Code: "RON", Scale: 2}, {Code: "RSD", Scale: 2}, {Code: "RUB", Scale: 2},
	{Code: "RWF", Scale: 0},
	{Code: "SAR", Scale: 2}, {Code: "SBD", Scale: 2}, {Code: "SCR", Scale: 2},
	{Code: "SDG", Scale: 2}, {Code: "SEK", Scale: 2}, {Code: "SGD", Scale: 2},
	{Code: "SHP", Scale: 2}, {Code: "SLE", Scale: 2}, {Code: "SLL", Scale: 2},
	{Code: "SOS", Scale: 2}, {Code: "SRD", Scale: 2}, {Code: "SSP", Scale: 2},
	{Code: "STN", Scale: 2}, {Code: "SVC", Scale: 2}, {Code: "SYP", Scale: 2},
	{Code: "SZL", Scale: 2},
	{Code: "THB", Scale: 2}, {Code: "TJS", Scale: 2}, {Code: "TMT", Scale: 2},
	{Code: "TND", Scale: 3}, {Code: "TOP", Scale: 2}, {Code: "TRY", Scale: 2},
	{Code: "TTD", Scale: 2}, {Code: "TWD", Scale: 2}, {Code: "TZS", Scale: 2},
	{Code: "UAH", Scale: 2}, {Code: "UGX", Scale: 0},
	{Code: "USD", Scale: 2, Symbol: "$"},
	{Code: "USN", Scale: 2}, {Code: "UYI", Scale: 0}, {Code: "UYU", Scale: 2},
	{Code: "UYW", Scale: 4}, {Code: "UZS", Scale: 2},
	{Code: "VED", Scale: 2}, {Code: "VES", Scale: 2}, {Code: "VND", Scale: 0},
	{Code: "VUV", Scale: 0},
	{Code: "WST", Scale: 2},
	{Code: "XAF", Scale: 0}, {Code: "XCD", Scale: 2}, {Code: "XCG", Scale: 2},
	{Code: "XOF", Scale: 0}, {Code: "XPF", Scale: 0},
	{Code: "YER", Scale: 2},
	{Code: "ZAR", Scale: 2}, {Code: "ZMW", Scale: 2}, {Code: "ZWG", Scale: 2},
}
