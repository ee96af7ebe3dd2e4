package payments

import (
	"testing"

	"pgregory.net/rapid"
)

// TestSplitProperties: over random totals and counts, every split sums
// exactly to its total and gives every share at least the minimum unit;
// even splits differ by at most one unit.
func TestSplitProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, MaxRedPacketShares).Draw(t, "n")
		min := rapid.Int64Range(1, 100).Draw(t, "min")
		total := rapid.Int64Range(int64(n)*min, int64(n)*min+rapid.Int64Range(0, 1<<40).Draw(t, "extra")).Draw(t, "total")
		for name, split := range map[string]func() ([]int64, error){
			"random": func() ([]int64, error) { return SplitRandom(total, n, min, nil) },
			"even":   func() ([]int64, error) { return SplitEven(total, n, min) },
		} {
			shares, err := split()
			if err != nil {
				t.Fatalf("%s(%d, %d, %d): %v", name, total, n, min, err)
			}
			if len(shares) != n {
				t.Fatalf("%s(%d, %d, %d) gave %d shares", name, total, n, min, len(shares))
			}
			var sum, lo, hi int64 = 0, shares[0], shares[0]
			for _, s := range shares {
				if s < min {
					t.Fatalf("%s(%d, %d, %d) = %v: a share below the minimum", name, total, n, min, shares)
				}
				sum += s
				lo, hi = minOf(lo, s), maxOf(hi, s)
			}
			if sum != total {
				t.Fatalf("%s(%d, %d, %d) sums to %d", name, total, n, min, sum)
			}
			if name == "even" && hi-lo > 1 {
				t.Fatalf("even(%d, %d) = %v: uneven", total, n, shares)
			}
		}
	})
}

func minOf(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

func maxOf(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// TestSplitRefuses: too little for the shares, no shares, too many.
func TestSplitRefuses(t *testing.T) {
	for _, tc := range []struct {
		total int64
		n     int
	}{{9, 10}, {10, 0}, {1000, MaxRedPacketShares + 1}, {0, 1}} {
		if _, err := SplitRandom(tc.total, tc.n, 1, nil); err == nil {
			t.Errorf("SplitRandom(%d, %d) = nil error", tc.total, tc.n)
		}
		if _, err := SplitEven(tc.total, tc.n, 1); err == nil {
			t.Errorf("SplitEven(%d, %d) = nil error", tc.total, tc.n)
		}
	}
}

// TestSplitFair: each position's mean share is the total over n (within a
// few standard errors over many draws), so opening first gains nothing.
func TestSplitFair(t *testing.T) {
	const n, total, draws = 5, 1000, 4000
	sums := make([]int64, n)
	for range draws {
		s, err := SplitRandom(total, n, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range s {
			sums[i] += v
		}
	}
	for i, s := range sums {
		mean := float64(s) / draws
		if mean < 190 || mean > 210 {
			t.Errorf("position %d: mean share %.1f, want about 200", i, mean)
		}
	}
}
