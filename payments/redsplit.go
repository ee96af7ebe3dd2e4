package payments

import (
	"crypto/rand"
	"io"
	"math/big"
	"slices"

	"github.com/nestegg/nestegg"
)

// SplitRandom divides total minor units into n shares of at least min each,
// at random: the n-1 cut points of what is left above the minimums are
// drawn uniformly (with crypto/rand, or r when not nil) and sorted, and the
// gaps between them are the shares' extras. The shares are exchangeable —
// every position has the same distribution, mean total/n — so that who
// opens first gains nothing, and they sum to total exactly.
//
// Errors: Invalid when n < 1, min < 1 or total < n × min.
func SplitRandom(total int64, n int, min int64, r io.Reader) ([]int64, error) {
	if err := checkSplit(total, n, min); err != nil {
		return nil, err
	}
	if r == nil {
		r = rand.Reader
	}
	rest := total - int64(n)*min
	cuts := make([]int64, 0, n+1)
	cuts = append(cuts, 0, rest)
	bound := big.NewInt(rest + 1)
	for i := 0; i < n-1; i++ {
		v, err := rand.Int(r, bound)
		if err != nil {
			return nil, err
		}
		cuts = append(cuts, v.Int64())
	}
	slices.Sort(cuts)
	out := make([]int64, n)
	for i := range out {
		out[i] = min + cuts[i+1] - cuts[i]
	}
	return out, nil
}

// SplitEven divides total into n shares that differ by at most one minor
// unit: the first total mod n shares get the extra unit. Errors as
// SplitRandom's.
func SplitEven(total int64, n int, min int64) ([]int64, error) {
	if err := checkSplit(total, n, min); err != nil {
		return nil, err
	}
	out := make([]int64, n)
	base, extra := total/int64(n), total%int64(n)
	for i := range out {
		out[i] = base
		if int64(i) < extra {
			out[i]++
		}
	}
	return out, nil
}

func checkSplit(total int64, n int, min int64) error {
	if n < 1 || n > MaxRedPacketShares {
		return nestegg.ParamErrorf(nestegg.Invalid, "shares", "a red packet has 1 to %d shares", MaxRedPacketShares)
	}
	if min < 1 {
		return nestegg.ParamErrorf(nestegg.Invalid, "shares", "the minimum share must be positive")
	}
	if total/int64(n) < min {
		return nestegg.ParamErrorf(nestegg.Invalid, "amount", "the total must give each of the %d shares at least the smallest unit", n)
	}
	return nil
}
