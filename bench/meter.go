package bench

import (
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"
)

// meter is a run's live tallies, shared by its clients and the progress
// line: transfer and p2p runs count the same way.
type meter struct {
	done, refused, errs atomic.Int64
	firstErr            atomic.Value // string: the first error, shown once at the end
}

// fail counts a request that failed for good and remembers the first reason.
func (m *meter) fail(msg string) {
	m.errs.Add(1)
	m.firstErr.CompareAndSwap(nil, msg)
}

// progress prints a line a second to w, counting unit ("transfers",
// "payments") out of total, until the returned stop is called. stop waits
// for the last line, since progress shares its writer with what follows.
func (m *meter) progress(w io.Writer, total int, unit string) (stop func()) {
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last := int64(0)
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				d := m.done.Load()
				fmt.Fprintf(w, "  %d/%d %s  %d/s  refused %d  errors %d\n", d, total, unit, d-last, m.refused.Load(), m.errs.Load())
				last = d
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
		if e, ok := m.firstErr.Load().(string); ok {
			fmt.Fprintf(w, "first error: %s\n", e)
		}
	}
}

// tally fills rep's counts, throughput and latency percentiles from the
// meter, the acknowledged count and each answered request's latency.
func (m *meter) tally(rep *Report, acked int, lat []time.Duration, elapsed time.Duration) {
	slices.Sort(lat)
	pct := func(p int) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, len(lat)*p/100)].Microseconds()) / 1000
	}
	rep.Attempted = int(m.done.Load())
	rep.Acknowledged = acked
	rep.Refused = int(m.refused.Load())
	rep.Errors = int(m.errs.Load())
	rep.Seconds = elapsed.Seconds()
	rep.TransfersPerSec = float64(acked) / elapsed.Seconds()
	rep.RequestsPerSec = float64(len(lat)) / elapsed.Seconds()
	rep.P50ms, rep.P90ms, rep.P99ms = pct(50), pct(90), pct(99)
	if len(lat) > 0 {
		rep.Maxms = float64(lat[len(lat)-1].Microseconds()) / 1000
	}
}
