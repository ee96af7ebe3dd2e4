package rails

import (
	"encoding/json"
	"fmt"
	"time"
)

// SandboxOption changes how a sandbox rail behaves.
type SandboxOption func(*sandboxOptions)

type sandboxOptions struct {
	settleAfter time.Duration
}

// SettleAfter puts a sandbox on a short clock, for demos: the sandbox
// bank settles an ACH entry d after it received the entry's file (not on
// the entry's effective date, the next business day), returns an entry d
// after it settled (not two days), and the sandbox card processor pays a
// charge out d after it succeeded (not two days). A person trying
// Nestegg then sees a deposit become spendable, and the platform's cash
// arrive for withdrawals, within one sitting. Zero or less keeps the real
// schedule.
func SettleAfter(d time.Duration) SandboxOption {
	return func(o *sandboxOptions) {
		if d > 0 {
			o.settleAfter = d
		}
	}
}

func sandboxOpts(opts []SandboxOption) sandboxOptions {
	var o sandboxOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// received is when a sandbox bank on a short clock received a file: the
// entries in it settle SettleAfter later. It is kept beside the file
// (the store never overwrites, so a file sent again keeps its first
// time).
type received struct {
	At time.Time `json:"at"`
}

func (b *SandboxBank) noteReceived(name string) error {
	if b.opts.settleAfter <= 0 {
		return nil
	}
	data, _ := json.Marshal(received{At: b.clock().UTC()})
	return b.st.put("recv-"+name, data)
}

// receivedAt returns when the bank received each origination file, by
// the file's name (without "orig-"), for a bank on a short clock; nil
// otherwise.
func (b *SandboxBank) receivedAt() (map[string]time.Time, error) {
	if b.opts.settleAfter <= 0 {
		return nil, nil
	}
	fs, err := b.st.all("recv-")
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(fs))
	for _, f := range fs {
		var r received
		if err := json.Unmarshal(f.Data, &r); err != nil {
			return nil, fmt.Errorf("sandbox bank %s: %w", f.Name, err)
		}
		out[f.Name[len("recv-"):]] = r.At
	}
	return out, nil
}

// SettleClock is the sandbox bank's short clock (SettleAfter), zero on the
// real schedule: funding reads it to tell a person when money in flight
// arrives, so that a demo does not promise business days for seconds.
func (b *SandboxBank) SettleClock() time.Duration { return b.opts.settleAfter }
