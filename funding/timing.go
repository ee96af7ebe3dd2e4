package funding

import (
	"fmt"
	"time"
)

// Arrival is when a bank movement is expected to be done (a deposit
// spendable, a withdrawal in the member's bank), as the rail's clock
// says. Pages and the API say it in words (String), so that the same
// promise is made everywhere and a demo on the sandbox clock does not
// promise business days for what takes seconds.
type Arrival struct {
	// Within is set on a sandbox bank on a short clock: the movement is
	// done within about this long from now.
	Within time.Duration
	// MinDays and MaxDays, on the real schedule, are business days.
	MinDays, MaxDays int
	// Minutes: paid on the bank's instant rail.
	Minutes bool
}

// String says the arrival in words, to follow "arrives" or "spendable".
func (a Arrival) String() string {
	switch {
	case a.Minutes:
		return "in minutes"
	case a.Within > 0:
		return "in about " + seconds(a.Within)
	case a.MinDays == a.MaxDays && a.MaxDays == 1:
		return "in about a business day"
	}
	return fmt.Sprintf("in %d to %d business days", a.MinDays, a.MaxDays)
}

// seconds says a short duration in whole seconds (or minutes).
func seconds(d time.Duration) string {
	if d >= 2*time.Minute {
		return fmt.Sprintf("%d minutes", int((d+30*time.Second)/time.Minute))
	}
	n := int((d + time.Second/2) / time.Second)
	if n <= 1 {
		return "a second"
	}
	return fmt.Sprintf("%d seconds", n)
}

// settleClock is the bank's short clock, zero on the real schedule (any
// bank but the sandbox on SettleAfter).
func (s *Service) settleClock() time.Duration {
	if c, ok := s.bank.(interface{ SettleClock() time.Duration }); ok {
		return c.SettleClock()
	}
	return 0
}

// SettleClock is the bank's short clock (rails.SettleAfter), zero on the
// real schedule.
func (s *Service) SettleClock() time.Duration { return s.settleClock() }

// ExpectedArrival says when a deposit or withdrawal in the given status
// (pending: not yet in an ACH file; submitted: in one) is expected to be
// done. On a sandbox clock serve exports the ACH file every tick of the
// clock and the bank settles an entry a tick after it received the file,
// so a pending entry is done within two ticks and a submitted one within
// one (the second-long sync is lost in "about"). On the real schedule a file goes out
// daily and settles on its effective date, the next business day: a
// standard withdrawal is promised in 1 to 3 business days (the file may
// be tomorrow's, and the member's bank may post it a day late), anything
// already in a file in about one.
func (s *Service) ExpectedArrival(kind Kind, speed Speed, status Status) Arrival {
	if kind == KindWithdrawal && speed == Instant {
		return Arrival{Minutes: true}
	}
	if c := s.settleClock(); c > 0 {
		ticks := time.Duration(2)
		if status == StatusSubmitted {
			ticks = 1
		}
		return Arrival{Within: ticks * c}
	}
	if status == StatusSubmitted || kind == KindDeposit {
		return Arrival{MinDays: 1, MaxDays: 1}
	}
	return Arrival{MinDays: 1, MaxDays: 3}
}
