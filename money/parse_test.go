package money_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
)

func mustLookup(t testing.TB, code string) money.Asset {
	t.Helper()
	a, err := money.Lookup(code)
	if err != nil {
		t.Fatalf("Lookup(%q) = %v", code, err)
	}
	return a
}

// checkErr fails unless err is a nestegg.Invalid error whose message
// contains want.
func checkErr(t *testing.T, call string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s = nil error, want %q", call, want)
		return
	}
	if !nestegg.Is(err, nestegg.Invalid) {
		t.Errorf("%s: code %q, want %q (%v)", call, nestegg.ErrorCode(err), nestegg.Invalid, err)
	}
	if msg := nestegg.ErrorMessage(err); !strings.Contains(msg, want) {
		t.Errorf("%s: message %q, want it to contain %q", call, msg, want)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in    string
		asset string // default asset
		code  string // want
		minor int64
	}{
		{"$5", "", "USD", 500},
		{"5", "USD", "USD", 500},
		{"5.00 USD", "", "USD", 500},
		{"USD 5.00", "", "USD", 500},
		{"€5", "USD", "EUR", 500},
		{"£3.50", "", "GBP", 350},
		{"¥500", "USD", "JPY", 500},
		{"0.0001 BTC", "USD", "BTC", 10_000},
		{"1,000.50", "USD", "USD", 100_050},
		{"$1,000.50", "", "USD", 100_050},
		{"5 usd", "", "USD", 500},
		{"₿0.001", "", "BTC", 100_000},
		// More of what people type.
		{"  $5  ", "", "USD", 500},
		{"$ 5", "", "USD", 500},
		{"5$", "", "USD", 500},
		{"5€", "", "EUR", 500},
		{"5USD", "", "USD", 500},
		{"usd5", "", "USD", 500},
		{"Usd 5", "", "USD", 500},
		{"$5 USD", "", "USD", 500},
		{"USD $5", "", "USD", 500},
		{"5\u00a0EUR", "", "EUR", 500}, // no-break space, as pasted
		{".5", "USD", "USD", 50},
		{"0.5", "USD", "USD", 50},
		{"5.1", "USD", "USD", 510},
		{"05", "USD", "USD", 500},
		{"0", "USD", "USD", 0},
		{"0.00", "USD", "USD", 0},
		{"$0", "", "USD", 0},
		{"12,345,678.9", "USD", "USD", 1_234_567_890},
		{"1,000", "JPY", "JPY", 1000},
		{"1.234 BHD", "", "BHD", 1234},
		{"1.234 kwd", "", "KWD", 1234},
		{"2.5 OMR", "", "OMR", 2500},
		{"1.2345 CLF", "", "CLF", 12_345},
		{"1000 KRW", "", "KRW", 1000},
		{"1000 VND", "", "VND", 1000},
		{"1000 ISK", "", "ISK", 1000},
		{"1.000001 USDC", "", "USDC", 1_000_001},
		{"500 COIN", "", "COIN", 500},
		{"500 coin", "", "COIN", 500},
		{"0.00010000 BTC", "", "BTC", 10_000},
		{"92,233,720,368,547,758.07 USD", "", "USD", 1<<63 - 1},
		{"9223372036854775807", "JPY", "JPY", 1<<63 - 1},
		{"92233720368.54775807 BTC", "", "BTC", 1<<63 - 1},
		{"5", "usd", "USD", 500},
	}
	for _, tt := range tests {
		got, err := money.Parse(tt.in, tt.asset)
		want := money.Amount{Asset: mustLookup(t, tt.code), Minor: tt.minor}
		if err != nil || got != want {
			t.Errorf("Parse(%q, %q) = %v, %v, want %v", tt.in, tt.asset, got, err, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, asset string
		want      string // in the message
	}{
		// Empty.
		{"", "USD", "amount is empty"},
		{"   ", "USD", "amount is empty"},
		// Too many decimals for the asset.
		{"5.001", "USD", "USD allows at most 2 decimal places"},
		{"$5.000", "", "USD allows at most 2 decimal places"},
		{"¥500.5", "", "JPY allows no decimal places"},
		{"¥500.0", "", "JPY allows no decimal places"},
		{"1.5 COIN", "", "COIN allows no decimal places"},
		{"0.000000001 BTC", "", "BTC allows at most 8 decimal places"},
		{"1.2345 KWD", "", "KWD allows at most 3 decimal places"},
		// Negative.
		{"-5", "USD", "amount must not be negative"},
		{"-$5", "", "amount must not be negative"},
		{"$-5", "", "amount must not be negative"},
		{"USD -5", "", "amount must not be negative"},
		{"−5", "USD", "amount must not be negative"}, // U+2212 minus sign
		{"-0", "USD", "amount must not be negative"},
		// Overflow.
		{"92,233,720,368,547,758.08 USD", "", "amount is too large"},
		{"9223372036854775808", "JPY", "amount is too large"},
		{"92233720368547758.08", "USD", "the most that can be held is $92,233,720,368,547,758.07"},
		{"100000000000 BTC", "", "amount is too large"},
		{"99999999999999999999999999999999999999", "USD", "amount is too large"},
		// Unknown asset.
		{"5 XYZ", "", `unknown asset "XYZ"`},
		{"5 xyz", "", `unknown asset "XYZ"`},
		{"5", "XYZ", `unknown asset "XYZ"`},
		{"5 US", "", `unknown asset "US"`},
		{"1e3", "USD", `"1e3" is not a valid amount`},
		{"5 e", "USD", `unknown asset "E"`},
		// No asset at all.
		{"5", "", "amount names no asset"},
		// Symbol and code disagree, or the asset is named twice.
		{"$5 EUR", "", "$ is USD but the amount says EUR"},
		{"€5 USD", "", "€ is EUR but the amount says USD"},
		{"¥500 CNY", "", "¥ is JPY but the amount says CNY"},
		{"USD 5 USD", "", "amount names its asset twice"},
		{"$5$", "", "amount names its asset twice"},
		{"$€5", "", "amount names its asset twice"},
		// Malformed numbers.
		{"abc", "USD", `"abc" is not a valid amount`},
		{"$", "", `"$" is not a valid amount`},
		{"USD", "", `"USD" is not a valid amount`},
		{"-", "USD", `"-" is not a valid amount`},
		{"--5", "USD", `"--5" is not a valid amount`},
		{"+5", "USD", `"+5" is not a valid amount`},
		{"5-", "USD", `"5-" is not a valid amount`},
		{"5.", "USD", `"5." is not a valid amount`},
		{"5..0", "USD", `"5..0" is not a valid amount`},
		{"5.0.0", "USD", `"5.0.0" is not a valid amount`},
		{".", "USD", `"." is not a valid amount`},
		{"1.000,50", "USD", `"1.000,50" is not a valid amount`},
		{"5 5", "USD", `"5 5" is not a valid amount`},
		{"5 000", "USD", `"5 000" is not a valid amount`},
		{"5%", "USD", `"5%" is not a valid amount`},
		{"٥", "USD", `"٥" is not a valid amount`}, // Arabic-Indic five
		{"\xff5", "USD", "is not a valid amount"},
		// Thousands separators.
		{"1,00", "USD", "misplaced thousands separators"},
		{"1,0000", "USD", "misplaced thousands separators"},
		{"1000,000", "USD", "misplaced thousands separators"},
		{"10,00,000", "USD", "misplaced thousands separators"},
		{",100", "USD", "misplaced thousands separators"},
		{"100,", "USD", "misplaced thousands separators"},
		{"1,,000", "USD", "misplaced thousands separators"},
		{"0,500", "USD", "misplaced thousands separators"},
		{",", "USD", "misplaced thousands separators"},
		{"1.000,5", "USD", "is not a valid amount"},
		{"1,000.000,5", "USD", "is not a valid amount"},
	}
	for _, tt := range tests {
		got, err := money.Parse(tt.in, tt.asset)
		if err == nil {
			t.Errorf("Parse(%q, %q) = %v, want error %q", tt.in, tt.asset, got, tt.want)
			continue
		}
		checkErr(t, fmt.Sprintf("Parse(%q, %q)", tt.in, tt.asset), err, tt.want)
	}
}

func TestParsePositive(t *testing.T) {
	for _, in := range []string{"0", "$0", "0.00", ".00", "0 BTC", "0,000"} {
		_, err := money.ParsePositive(in, "USD")
		if in == "0,000" {
			checkErr(t, fmt.Sprintf("ParsePositive(%q)", in), err, "misplaced thousands separators")
			continue
		}
		checkErr(t, fmt.Sprintf("ParsePositive(%q)", in), err, "amount must be greater than zero")
		if a, err := money.Parse(in, "USD"); err != nil || a.Minor != 0 {
			t.Errorf("Parse(%q) = %v, %v, want zero", in, a, err)
		}
	}
	_, err := money.ParsePositive("-5", "USD")
	checkErr(t, `ParsePositive("-5")`, err, "amount must not be negative")
	_, err = money.ParsePositive("", "USD")
	checkErr(t, `ParsePositive("")`, err, "amount is empty")

	got, err := money.ParsePositive("0.01", "USD")
	if want := (money.Amount{Asset: mustLookup(t, "USD"), Minor: 1}); err != nil || got != want {
		t.Errorf("ParsePositive(%q) = %v, %v, want %v", "0.01", got, err, want)
	}
}

func TestParseLongInputMessages(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	_, err := money.Parse("5 "+long, "")
	checkErr(t, "Parse(5 xxx…)", err, "unknown asset")
	if msg := nestegg.ErrorMessage(err); len(msg) > 100 {
		t.Errorf("Parse(5 xxx…): message is %d bytes long, want it shortened", len(msg))
	}
	_, err = money.Parse("5%"+long, "USD")
	if msg := nestegg.ErrorMessage(err); len(msg) > 100 {
		t.Errorf("Parse(5%%xxx…): message is %d bytes long, want it shortened", len(msg))
	}
}
