package rails

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Charges lists the charges the sandbox made at or after since (a
// confirmed charge counts from its confirmation), as Lookup returns each:
// the sandbox is a ChargeLister, so reconciliation sees its side whole.
func (s *SandboxCards) Charges(ctx context.Context, since time.Time) ([]Charge, error) {
	fs, err := s.st.all("charge-")
	if err != nil {
		return nil, err
	}
	// By name, a charge's confirmed record follows its first one, and
	// wins (as in load).
	byID := map[string]Charge{}
	var order []string
	for _, f := range fs {
		var c Charge
		if err := json.Unmarshal(f.Data, &c); err != nil {
			return nil, fmt.Errorf("sandbox charge %s: %w", strings.TrimPrefix(f.Name, "charge-"), err)
		}
		if _, seen := byID[c.ID]; !seen {
			order = append(order, c.ID)
		}
		byID[c.ID] = c
	}
	out := []Charge{}
	for _, id := range order {
		if c := byID[id]; !c.Created.Before(since) {
			out = append(out, s.withPayout(c))
		}
	}
	return out, nil
}
