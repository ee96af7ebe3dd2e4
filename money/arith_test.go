package money_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/nestegg/nestegg/money"
)

const (
	maxI = math.MaxInt64
	minI = math.MinInt64
)

func TestCheckedArithmetic(t *testing.T) {
	type op struct {
		name string
		f    func(a, b int64) (int64, error)
	}
	add, sub, mul := op{"Add", money.Add}, op{"Sub", money.Sub}, op{"Mul", money.Mul}
	tests := []struct {
		op       op
		a, b     int64
		want     int64
		overflow bool
	}{
		{add, 1, 2, 3, false},
		{add, -1, 1, 0, false},
		{add, maxI, 0, maxI, false},
		{add, maxI - 1, 1, maxI, false},
		{add, maxI, 1, 0, true},
		{add, 1, maxI, 0, true},
		{add, maxI, maxI, 0, true},
		{add, minI, -1, 0, true},
		{add, minI, maxI, -1, false},
		{add, minI, minI, 0, true},
		{sub, 5, 3, 2, false},
		{sub, 3, 5, -2, false},
		{sub, 0, maxI, -maxI, false},
		{sub, 0, minI, 0, true},
		{sub, -1, minI, maxI, false},
		{sub, -2, maxI, 0, true},
		{sub, maxI, -1, 0, true},
		{sub, minI, 1, 0, true},
		{sub, minI, 0, minI, false},
		{mul, 500, 3, 1500, false},
		{mul, 0, minI, 0, false},
		{mul, minI, 0, 0, false},
		{mul, -1, maxI, -maxI, false},
		{mul, -1, minI, 0, true},
		{mul, minI, -1, 0, true},
		{mul, minI, 1, minI, false},
		{mul, maxI, 2, 0, true},
		{mul, 1 << 32, 1 << 31, 0, true},
		{mul, 1 << 31, 1 << 31, 1 << 62, false},
		{mul, 3_037_000_500, 3_037_000_500, 0, true},
		{mul, 3_037_000_499, 3_037_000_499, 9_223_372_030_926_249_001, false},
		{mul, -(1 << 62), 2, minI, false},
		{mul, 1 << 62, -2, minI, false},
		{mul, 1 << 62, 2, 0, true},
	}
	for _, tt := range tests {
		got, err := tt.op.f(tt.a, tt.b)
		call := fmt.Sprintf("%s(%d, %d)", tt.op.name, tt.a, tt.b)
		if tt.overflow {
			checkErr(t, call, err, "amount is too large")
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s = %d, %v, want %d", call, got, err, tt.want)
		}
	}
}

// randInt64 returns values of every magnitude, with the edges often.
func randInt64(r *rand.Rand) int64 {
	switch r.IntN(8) {
	case 0:
		return []int64{0, 1, -1, maxI, minI, maxI - 1, minI + 1, 10_000}[r.IntN(8)]
	case 1:
		return r.Int64N(21) - 10
	}
	v := int64(r.Uint64()) >> r.IntN(64)
	return v
}

// TestCheckedArithmeticRandom compares Add, Sub, Mul and MulDiv with exact
// big.Int arithmetic: a result is returned exactly when it fits in an int64.
func TestCheckedArithmeticRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fits := func(x *big.Int) bool { return x.IsInt64() }
	for range 100_000 {
		a, b := randInt64(r), randInt64(r)
		A, B := big.NewInt(a), big.NewInt(b)
		for _, c := range []struct {
			name string
			f    func(a, b int64) (int64, error)
			want *big.Int
		}{
			{"Add", money.Add, new(big.Int).Add(A, B)},
			{"Sub", money.Sub, new(big.Int).Sub(A, B)},
			{"Mul", money.Mul, new(big.Int).Mul(A, B)},
		} {
			got, err := c.f(a, b)
			if fits(c.want) != (err == nil) || (err == nil && got != c.want.Int64()) {
				t.Fatalf("%s(%d, %d) = %d, %v, want %v", c.name, a, b, got, err, c.want)
			}
		}

		den := randInt64(r)
		if den <= 0 {
			den = r.Int64N(20_000) + 1
		}
		D := big.NewInt(den)
		P := new(big.Int).Mul(A, B)
		// big.Int.Div is Euclidean; with a positive divisor that is floor.
		floor := new(big.Int).Div(P, D)
		// Half up: floor((2P + D) / 2D).
		halfUp := new(big.Int).Div(new(big.Int).Add(new(big.Int).Lsh(P, 1), D), new(big.Int).Lsh(D, 1))
		for _, c := range []struct {
			r    money.Rounding
			want *big.Int
		}{{money.Floor, floor}, {money.HalfUp, halfUp}} {
			got, err := money.MulDiv(a, b, den, c.r)
			if fits(c.want) != (err == nil) || (err == nil && got != c.want.Int64()) {
				t.Fatalf("MulDiv(%d, %d, %d, %d) = %d, %v, want %v", a, b, den, c.r, got, err, c.want)
			}
		}
	}
}

func TestMulDiv(t *testing.T) {
	tests := []struct {
		x, num, den int64
		r           money.Rounding
		want        int64
	}{
		{29, 1, 10, money.Floor, 2},
		{-21, 1, 10, money.Floor, -3},
		{25, 1, 10, money.HalfUp, 3},
		{24, 1, 10, money.HalfUp, 2},
		{-25, 1, 10, money.HalfUp, -2},
		{-26, 1, 10, money.HalfUp, -3},
		{maxI, maxI, maxI, money.Floor, maxI},
		{minI, maxI, maxI, money.Floor, minI},
		{minI, 1, 1, money.HalfUp, minI},
		{maxI, 3, 4, money.HalfUp, 6_917_529_027_641_081_855},
	}
	for _, tt := range tests {
		got, err := money.MulDiv(tt.x, tt.num, tt.den, tt.r)
		if err != nil || got != tt.want {
			t.Errorf("MulDiv(%d, %d, %d, %d) = %d, %v, want %d", tt.x, tt.num, tt.den, tt.r, got, err, tt.want)
		}
	}
	_, err := money.MulDiv(1, 1, 0, money.Floor)
	checkErr(t, "MulDiv(1, 1, 0)", err, "divisor must be positive")
	_, err = money.MulDiv(1, 1, -10, money.Floor)
	checkErr(t, "MulDiv(1, 1, -10)", err, "divisor must be positive")
	_, err = money.MulDiv(1, 1, 1, money.Rounding(7))
	checkErr(t, "MulDiv(1, 1, 1, 7)", err, "unknown rounding")
	_, err = money.MulDiv(maxI, 2, 1, money.Floor)
	checkErr(t, "MulDiv(max, 2, 1)", err, "amount is too large")
	_, err = money.MulDiv(minI, -1, 1, money.Floor)
	checkErr(t, "MulDiv(min, -1, 1)", err, "amount is too large")
}

func TestMulDivBps(t *testing.T) {
	tests := []struct {
		amount, bps   int64
		floor, halfUp int64
	}{
		{1001, 290, 29, 29},     // 2.9% of $10.01 is 29.029 cents
		{10_000, 290, 290, 290}, // exact
		{10, 250, 0, 0},         // 0.25
		{20, 250, 0, 1},         // 0.5: half up
		{30, 250, 0, 1},         // 0.75
		{199, 50, 0, 1},         // 0.995
		{100, 10_000, 100, 100}, // 100%
		{0, 290, 0, 0},
		{12_345, 0, 0, 0},
		{maxI, 10_000, maxI, maxI},
		{maxI, 1, 922_337_203_685_477, 922_337_203_685_478}, // …477.5807
	}
	for _, tt := range tests {
		if got, err := money.MulDivBps(tt.amount, tt.bps); err != nil || got != tt.floor {
			t.Errorf("MulDivBps(%d, %d) = %d, %v, want %d", tt.amount, tt.bps, got, err, tt.floor)
		}
		if got, err := money.MulDivBpsHalfUp(tt.amount, tt.bps); err != nil || got != tt.halfUp {
			t.Errorf("MulDivBpsHalfUp(%d, %d) = %d, %v, want %d", tt.amount, tt.bps, got, err, tt.halfUp)
		}
	}
	_, err := money.MulDivBps(maxI, 10_001)
	checkErr(t, "MulDivBps(max, 10001)", err, "amount is too large")
	_, err = money.MulDivBpsHalfUp(maxI, 20_000)
	checkErr(t, "MulDivBpsHalfUp(max, 20000)", err, "amount is too large")
}

func TestSplit(t *testing.T) {
	tests := []struct {
		total int64
		n     int
		want  []int64
	}{
		{10, 3, []int64{4, 3, 3}},
		{11, 3, []int64{4, 4, 3}},
		{9, 3, []int64{3, 3, 3}},
		{2, 5, []int64{1, 1, 0, 0, 0}},
		{0, 2, []int64{0, 0}},
		{7, 1, []int64{7}},
		{-10, 3, []int64{-4, -3, -3}},
		{maxI, 2, []int64{maxI/2 + 1, maxI / 2}},
		{minI, 2, []int64{minI / 2, minI / 2}},
		{minI, 3, []int64{minI/3 - 1, minI/3 - 1, minI / 3}},
	}
	for _, tt := range tests {
		got := money.Split(tt.total, tt.n)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Split(%d, %d) = %v, want %v", tt.total, tt.n, got, tt.want)
		}
	}
}

// TestSplitRandom checks the invariants on random totals and counts: the
// parts sum to the total exactly, differ by at most one, and the larger
// parts come first.
func TestSplitRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20_000 {
		total := randInt64(r)
		n := 1 + r.IntN(50)
		if r.IntN(10) == 0 {
			n = 1 + r.IntN(5000)
		}
		parts := money.Split(total, n)
		if len(parts) != n {
			t.Fatalf("Split(%d, %d) has %d parts", total, n, len(parts))
		}
		sum := new(big.Int)
		lo, hi := parts[0], parts[0]
		for i, p := range parts {
			sum.Add(sum, big.NewInt(p))
			lo, hi = min(lo, p), max(hi, p)
			// The parts with the extra unit come first: magnitudes never grow.
			if i > 0 && (total >= 0 && p > parts[i-1] || total < 0 && p < parts[i-1]) {
				t.Fatalf("Split(%d, %d) = %v: part %d is out of order", total, n, parts, i)
			}
		}
		if hi-lo > 1 {
			t.Fatalf("Split(%d, %d) = %v: parts differ by %d", total, n, parts, hi-lo)
		}
		if !sum.IsInt64() || sum.Int64() != total {
			t.Fatalf("Split(%d, %d) = %v, which sums to %v", total, n, parts, sum)
		}
	}
}

func TestSplitPanicsOnNoParts(t *testing.T) {
	for _, n := range []int{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Split(10, %d) did not panic", n)
				}
			}()
			money.Split(10, n)
		}()
	}
}
