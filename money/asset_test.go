package money_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/nestegg/nestegg/money"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		code  string
		want  string
		scale int
	}{
		{"USD", "USD", 2}, {"usd", "USD", 2}, {"Usd", "USD", 2},
		{"EUR", "EUR", 2}, {"GBP", "GBP", 2}, {"JPY", "JPY", 0},
		{"KRW", "KRW", 0}, {"BHD", "BHD", 3}, {"KWD", "KWD", 3},
		{"JOD", "JOD", 3}, {"OMR", "OMR", 3}, {"TND", "TND", 3},
		{"IQD", "IQD", 3}, {"LYD", "LYD", 3}, {"CLF", "CLF", 4},
		{"UYW", "UYW", 4}, {"ISK", "ISK", 0}, {"VND", "VND", 0},
		{"CLP", "CLP", 0}, {"XAF", "XAF", 0}, {"CHF", "CHF", 2},
		{"CAD", "CAD", 2}, {"AUD", "AUD", 2}, {"CNY", "CNY", 2},
		{"INR", "INR", 2}, {"BTC", "BTC", 8}, {"btc", "BTC", 8},
		{"USDC", "USDC", 6}, {"COIN", "COIN", 0}, {"coin", "COIN", 0},
	}
	for _, tt := range tests {
		got, err := money.Lookup(tt.code)
		if err != nil || got.Code != tt.want || got.Scale != tt.scale {
			t.Errorf("Lookup(%q) = %+v, %v, want %s with scale %d", tt.code, got, err, tt.want, tt.scale)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	tests := []struct{ code, want string }{
		{"XYZ", `unknown asset "XYZ"`},
		{"xyz", `unknown asset "XYZ"`},
		{"", `unknown asset ""`},
		{"US", `unknown asset "US"`},
		{" USD", `unknown asset " USD"`},
		{"uſd", `unknown asset "uſd"`}, // ſ upper-cases to S in Unicode
		{"HRK", `unknown asset "HRK"`}, // replaced by EUR in 2023
		{"XAU", `unknown asset "XAU"`}, // no minor unit
	}
	for _, tt := range tests {
		got, err := money.Lookup(tt.code)
		if err == nil {
			t.Errorf("Lookup(%q) = %+v, want error %q", tt.code, got, tt.want)
			continue
		}
		checkErr(t, "Lookup("+tt.code+")", err, tt.want)
	}
}

// TestAssets checks the table itself: codes that Parse can read, sane
// scales, and symbols that each name one asset.
func TestAssets(t *testing.T) {
	all := money.Assets()
	if len(all) < 150 {
		t.Errorf("Assets() has %d assets, want the whole ISO 4217 list", len(all))
	}
	code := regexp.MustCompile(`^[A-Z]{3,4}$`)
	symbols := map[string]string{}
	for i, a := range all {
		if !code.MatchString(a.Code) {
			t.Errorf("asset %q: code is not 3 or 4 capital letters", a.Code)
		}
		if i > 0 && all[i-1].Code >= a.Code {
			t.Errorf("Assets() not sorted or duplicated at %q", a.Code)
		}
		if a.Scale < 0 || a.Scale > 8 {
			t.Errorf("asset %s: scale %d", a.Code, a.Scale)
		}
		if got, err := money.Lookup(a.Code); err != nil || got != a {
			t.Errorf("Lookup(%q) = %+v, %v, want %+v", a.Code, got, err, a)
		}
		if a.Symbol != "" {
			if other, dup := symbols[a.Symbol]; dup {
				t.Errorf("symbol %s names both %s and %s", a.Symbol, other, a.Code)
			}
			symbols[a.Symbol] = a.Code
		}
	}
	want := map[string]string{"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
	for sym, code := range want {
		if symbols[sym] != code {
			t.Errorf("symbol %s is %q, want %q", sym, symbols[sym], code)
		}
	}
}

func TestAssetJSON(t *testing.T) {
	b, err := json.Marshal(mustLookup(t, "USD"))
	if err != nil || string(b) != `"USD"` {
		t.Errorf("json.Marshal(USD) = %s, %v, want %q", b, err, `"USD"`)
	}
	var a money.Asset
	if err := json.Unmarshal([]byte(`"jpy"`), &a); err != nil || a != mustLookup(t, "JPY") {
		t.Errorf(`json.Unmarshal("jpy") = %+v, %v, want JPY`, a, err)
	}
	err = json.Unmarshal([]byte(`"XYZ"`), &a)
	checkErr(t, `json.Unmarshal("XYZ")`, err, `unknown asset "XYZ"`)
}
