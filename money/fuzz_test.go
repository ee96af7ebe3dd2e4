package money_test

import (
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
)

// FuzzParse checks that Parse never panics, that every error it returns is a
// nestegg.Invalid one, and that whatever it accepts is non-negative and
// survives Format and Parse again unchanged. The seeds are in
// testdata/fuzz/FuzzParse, with any crasher found kept there as a fixture.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		a, err := money.Parse(s, "USD")
		if err != nil {
			if !nestegg.Is(err, nestegg.Invalid) {
				t.Fatalf("Parse(%q) = %v, a %q error, want %q", s, err, nestegg.ErrorCode(err), nestegg.Invalid)
			}
			return
		}
		if a.Minor < 0 {
			t.Fatalf("Parse(%q) = %v, which is negative", s, a)
		}
		formatted := money.Format(a)
		b, err := money.Parse(formatted, "")
		if err != nil || b != a {
			t.Fatalf("Parse(%q) = %v; Parse(Format = %q) = %v, %v, want %v", s, a, formatted, b, err, a)
		}
		plain := money.FormatPlain(a.Minor, a.Asset.Scale)
		if b, err := money.Parse(plain, a.Asset.Code); err != nil || b != a {
			t.Fatalf("Parse(%q) = %v; Parse(FormatPlain = %q) = %v, %v, want %v", s, a, plain, b, err, a)
		}
		p, err := money.ParsePositive(s, "USD")
		if a.Minor == 0 {
			if !nestegg.Is(err, nestegg.Invalid) {
				t.Fatalf("ParsePositive(%q) = %v, %v, want an error for zero", s, p, err)
			}
		} else if err != nil || p != a {
			t.Fatalf("ParsePositive(%q) = %v, %v, want %v", s, p, err, a)
		}
	})
}
