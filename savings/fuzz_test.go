package savings

import "testing"

// FuzzParseTiers: the stored form of tiers never panics, and what parses
// formats back to itself.
func FuzzParseTiers(f *testing.F) {
	for _, s := range []string{"0:400", "0:100;100000:1000", "", "0:", ":1", "0:1;0:2", "0:10001", "-1:5", "0:1;;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := parseTiers(s)
		if err != nil {
			return
		}
		back, err := parseTiers(formatTiers(ts))
		if err != nil || formatTiers(back) != formatTiers(ts) {
			t.Fatalf("parseTiers(%q) = %v; formatted back %q, %v", s, ts, formatTiers(ts), err)
		}
		if n := numerator(MaxBalance, ts); n < 0 {
			t.Fatalf("numerator overflowed for %v", ts)
		}
	})
}

// FuzzParsePercent: a percentage parses to basis points within range, and
// Percent writes them back to the same rate.
func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"4", "4.25%", "0.5", "100", "100.01", "abc", "-1", "4.255", ".5", "4."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bps, ok := ParsePercent(s)
		if !ok {
			return
		}
		if bps < 0 || bps > MaxBps {
			t.Fatalf("ParsePercent(%q) = %d", s, bps)
		}
		if again, ok := ParsePercent(Percent(bps)); !ok || again != bps {
			t.Fatalf("ParsePercent(Percent(%d)) = %d, %v", bps, again, ok)
		}
	})
}

func TestParsePercent(t *testing.T) {
	for in, want := range map[string]int64{"4": 400, "4.25%": 425, "0.5": 50, "100": 10000, " 3.65 % ": -1, "4.": 400} {
		got, ok := ParsePercent(in)
		if !ok {
			got = -1
		}
		if got != want {
			t.Errorf("ParsePercent(%q) = %d, want %d", in, got, want)
		}
	}
	if got := Percent(5); got != "0.05%" {
		t.Errorf("Percent(5) = %s", got)
	}
}
