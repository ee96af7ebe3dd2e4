package bench

import (
	"strings"
	"testing"

	"github.com/nestegg/nestegg/social"
)

func TestElideAmounts(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"your balance is too low for this: you have $0.42 available", "your balance is too low for this: you have … available"},
		{"this would take you over your limit of $1,000.00 in 24 hours ($998.50 used) for unverified accounts",
			"this would take you over your limit of … in 24 hours (… used) for unverified accounts"},
		{"your account is frozen; contact support", "your account is frozen; contact support"},
		{"a $ sign, a comma, and a period.", "a $ sign, a comma, and a period."},
		{"$500.00 is over the limit of $5.00.", "… is over the limit of …."},
		{"3 members, 0.5 each, 24.", "3 members, … each, 24."},
		{"", ""},
	} {
		if got := elideAmounts(tc.in); got != tc.want {
			t.Errorf("elideAmounts(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestHandles: every handle a run signs up is valid, even at the most
// members a run may have, and two runs do not share them.
func TestHandles(t *testing.T) {
	cfg := &Config{RunID: "bench" + strings.Repeat("z", 20), Accounts: 1_000_000}
	hs := handles(cfg)
	for _, i := range []int{0, 9, 999_999} {
		if err := social.ValidateHandle(hs[i]); err != nil {
			t.Errorf("handle %d %q: %v", i, hs[i], err)
		}
	}
	other := handles(&Config{RunID: "bench" + strings.Repeat("z", 19) + "y", Accounts: 1})
	if other[0] == hs[0] {
		t.Errorf("two runs share the handle %q", hs[0])
	}
}
