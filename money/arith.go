package money

import (
	"math"
	"math/bits"

	"github.com/nestegg/nestegg"
)

// errTooLarge is returned, as a fresh error each time, when a result does not
// fit in an int64. It is a nestegg.Invalid error: the inputs that caused it
// came from somewhere, and the caller should refuse them.
func errTooLarge() error {
	return nestegg.Errorf(nestegg.Invalid, "amount is too large")
}

// Add returns a+b, or a nestegg.Invalid error ("amount is too large") if the
// sum does not fit in an int64.
func Add(a, b int64) (int64, error) {
	c := a + b
	if (c > a) != (b > 0) {
		return 0, errTooLarge()
	}
	return c, nil
}

// Sub returns a-b, or a nestegg.Invalid error ("amount is too large") if the
// difference does not fit in an int64.
func Sub(a, b int64) (int64, error) {
	c := a - b
	if (c < a) != (b > 0) {
		return 0, errTooLarge()
	}
	return c, nil
}

// Mul returns a*b, typically an amount times a count, or a nestegg.Invalid
// error ("amount is too large") if the product does not fit in an int64.
func Mul(a, b int64) (int64, error) {
	if a == 0 || b == 0 {
		return 0, nil
	}
	c := a * b
	if c/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, errTooLarge()
	}
	return c, nil
}

// Rounding says which way MulDiv rounds a result that is not a whole number
// of minor units.
type Rounding int

const (
	// Floor rounds down, toward negative infinity: 2.9 → 2, -2.1 → -3. Use it
	// when the unit that does not divide should stay with the payer.
	Floor Rounding = iota
	// HalfUp rounds to the nearest unit, and a half up, toward positive
	// infinity: 2.5 → 3, 2.4 → 2, -2.5 → -2, -2.6 → -3.
	HalfUp
)

// MulDiv returns x*num/den rounded as r says. The product is computed in 128
// bits, so only the final result has to fit in an int64; if it does not, the
// error is a nestegg.Invalid "amount is too large". den must be positive
// (nestegg.Invalid otherwise).
func MulDiv(x, num, den int64, r Rounding) (int64, error) {
	if den <= 0 {
		return 0, nestegg.Errorf(nestegg.Invalid, "divisor must be positive, not %d", den)
	}
	if r != Floor && r != HalfUp {
		return 0, nestegg.Errorf(nestegg.Invalid, "unknown rounding %d", r)
	}
	neg := (x < 0) != (num < 0)
	hi, lo := bits.Mul64(abs(x), abs(num))
	d := uint64(den)
	if hi >= d {
		return 0, errTooLarge() // the quotient needs more than 64 bits
	}
	q, rem := bits.Div64(hi, lo, d)
	// Round the magnitude q + rem/d so that the signed result is right.
	switch {
	case rem == 0:
	case r == Floor && neg:
		q++ // -(q + a fraction) floors to -(q+1)
	case r == HalfUp && !neg && 2*rem >= d:
		q++
	case r == HalfUp && neg && 2*rem > d:
		q++ // an exact half of a negative number rounds up, toward zero
	}
	if neg {
		if q > 1<<63 {
			return 0, errTooLarge()
		}
		return int64(-q), nil // -q wraps to the right value, even for 1<<63
	}
	if q > math.MaxInt64 {
		return 0, errTooLarge()
	}
	return int64(q), nil
}

// MulDivBps returns bps basis points (hundredths of a percent) of amount,
// rounded down (Floor): the fee of 2.9% on 1001 cents is 29, not 29.029. It
// returns a nestegg.Invalid error if the result does not fit in an int64.
func MulDivBps(amount, bps int64) (int64, error) {
	return MulDiv(amount, bps, 10_000, Floor)
}

// MulDivBpsHalfUp is MulDivBps rounded to the nearest minor unit, halves up
// (HalfUp): 250 bps of 10 cents is 0.25 cents, so 0; of 20 cents, 0.5, so 1.
func MulDivBpsHalfUp(amount, bps int64) (int64, error) {
	return MulDiv(amount, bps, 10_000, HalfUp)
}

// Split divides total into n parts that sum exactly to total and differ by
// at most one minor unit; the first parts get the remainder (10 in 3 is
// 4, 3, 3; -10 in 3 is -4, -3, -3). n comes from the caller, who must check
// it: Split panics if n < 1, as strings.Repeat does for a negative count.
func Split(total int64, n int) []int64 {
	if n < 1 {
		panic("money.Split: n must be at least 1")
	}
	q, r := total/int64(n), total%int64(n) // r has the sign of total
	step := int64(1)
	if r < 0 {
		r, step = -r, -1
	}
	parts := make([]int64, n)
	for i := range parts {
		parts[i] = q
		if int64(i) < r {
			parts[i] += step
		}
	}
	return parts
}

// abs returns |x| as a uint64, which holds |math.MinInt64| too.
func abs(x int64) uint64 {
	if x < 0 {
		return -uint64(x)
	}
	return uint64(x)
}
