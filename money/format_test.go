package money_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nestegg/nestegg/money"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		code  string
		minor int64
		want  string
	}{
		{"USD", 500, "$5.00"},
		{"USD", 100_050, "$1,000.50"},
		{"USD", 0, "$0.00"},
		{"USD", 1, "$0.01"},
		{"USD", 99, "$0.99"},
		{"USD", -500, "-$5.00"},
		{"USD", math.MaxInt64, "$92,233,720,368,547,758.07"},
		{"USD", math.MinInt64, "-$92,233,720,368,547,758.08"},
		{"EUR", 500, "€5.00"},
		{"GBP", 350, "£3.50"},
		{"JPY", 500, "¥500"},
		{"JPY", 1_000_000, "¥1,000,000"},
		{"JPY", 100, "¥100"},
		{"JPY", 1000, "¥1,000"},
		{"BTC", 10_000, "0.00010000 BTC"},
		{"BTC", 100_000_000, "1.00000000 BTC"},
		{"BTC", 123_456_789_012, "1,234.56789012 BTC"},
		{"USDC", 1_500_000, "1.500000 USDC"},
		{"CHF", 100_050, "1,000.50 CHF"},
		{"BHD", 1234, "1.234 BHD"},
		{"CLF", 12_345, "1.2345 CLF"},
		{"KRW", 1_000_000, "1,000,000 KRW"},
		{"COIN", 500, "500 COIN"},
		{"COIN", 0, "0 COIN"},
		{"COIN", -1234, "-1,234 COIN"},
	}
	for _, tt := range tests {
		a := money.Amount{Asset: mustLookup(t, tt.code), Minor: tt.minor}
		if got := money.Format(a); got != tt.want {
			t.Errorf("Format(%s %d) = %q, want %q", tt.code, tt.minor, got, tt.want)
		}
		if got := a.String(); got != tt.want {
			t.Errorf("Amount{%s %d}.String() = %q, want %q", tt.code, tt.minor, got, tt.want)
		}
	}
}

func TestFormatPlain(t *testing.T) {
	tests := []struct {
		minor int64
		scale int
		want  string
	}{
		{100_050, 2, "1000.50"},
		{500, 2, "5.00"},
		{5, 2, "0.05"},
		{0, 2, "0.00"},
		{-5, 2, "-0.05"},
		{-100_050, 2, "-1000.50"},
		{500, 0, "500"},
		{0, 0, "0"},
		{-7, 0, "-7"},
		{10_000, 8, "0.00010000"},
		{1, 8, "0.00000001"},
		{math.MaxInt64, 2, "92233720368547758.07"},
		{math.MinInt64, 2, "-92233720368547758.08"},
		{math.MaxInt64, 19, "0.9223372036854775807"},
		{1, 20, "0.00000000000000000001"},
	}
	for _, tt := range tests {
		if got := money.FormatPlain(tt.minor, tt.scale); got != tt.want {
			t.Errorf("FormatPlain(%d, %d) = %q, want %q", tt.minor, tt.scale, got, tt.want)
		}
	}
}

// TestFormatParseRoundTrip checks Parse(Format(x)) == x for every asset, at
// the edges and at random values of every magnitude.
func TestFormatParseRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, asset := range money.Assets() {
		values := []int64{0, 1, 9, 10, 99, 100, 999, 1000, 1001, math.MaxInt64 - 1, math.MaxInt64}
		for range 200 {
			values = append(values, r.Int64N(math.MaxInt64)>>r.IntN(63))
		}
		for _, minor := range values {
			want := money.Amount{Asset: asset, Minor: minor}
			s := money.Format(want)
			got, err := money.Parse(s, "")
			if err != nil || got != want {
				t.Fatalf("Parse(Format(%s %d) = %q) = %v, %v, want %v", asset.Code, minor, s, got, err, want)
			}
			// The plain form reads back too, given the asset.
			plain := money.FormatPlain(minor, asset.Scale)
			got, err = money.Parse(plain, asset.Code)
			if err != nil || got != want {
				t.Fatalf("Parse(%q, %q) = %v, %v, want %v", plain, asset.Code, got, err, want)
			}
		}
	}
}
