package movement

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/nestegg/nestegg/ledger"
)

// memberAccount reports whether a is a member's account — a wallet
// ("wal:…", package payments), a receivable ("rcv:…", package funding) or
// a savings balance ("sav:…", package savings),
// the ids the domains give them: every transfer touching one belongs to a
// movement.
func memberAccount(a ledger.Account) bool {
	return strings.HasPrefix(a.ID, "wal:") || strings.HasPrefix(a.ID, "rcv:") || strings.HasPrefix(a.ID, "sav:")
}

// Audit is the book auditor: the ledger's own checks (ledger.Audit: debits
// equal credits per asset, balances equal their transfers, no constrained
// account broken), and the movements' —
//
//   - every transfer touching a member's account names a movement (or
//     settles a reservation that does: a post, a void, an expiry);
//   - every movement has its transfers;
//   - every member account's balance equals the sum of its movements.
//
// It returns every problem found; none means the books hold. It reads
// everything: for tests (after every money test, on both databases) and
// for the operator's occasional check. Errors: database failures only.
func (k *Kernel) Audit(ctx context.Context) ([]string, error) {
	status := map[string]string{}
	rows, err := k.db.Reader().QueryContext(ctx, "SELECT id, status FROM movements")
	if err != nil {
		return nil, fmt.Errorf("audit movements: %w", err)
	}
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			rows.Close()
			return nil, fmt.Errorf("audit movements: %w", err)
		}
		status[id] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit movements: %w", err)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	refOf := map[string]string{}  // transfer id -> the movement it belongs to
	transfers := map[string]int{} // movement -> its transfers
	net := map[string]int64{}     // member account -> Σ posted movements
	balance := map[string]int64{}
	ledgerProblems, err := k.ledger.Audit(ctx, func(t ledger.Transfer, dr, cr ledger.Account) {
		ref := t.Reference
		if _, ok := status[ref]; !ok && t.PendingID != "" {
			ref = refOf[t.PendingID] // settles a reservation: its movement's
		}
		refOf[t.ID] = ref
		_, isMovement := status[ref]
		if isMovement {
			transfers[ref]++
		}
		for _, a := range []ledger.Account{dr, cr} {
			if !memberAccount(a) {
				continue
			}
			balance[a.ID] = a.CreditsPosted - a.DebitsPosted
			if !isMovement {
				bad("transfer %s touches %s but belongs to no movement (reference %q)", t.ID, a.ID, t.Reference)
				continue
			}
			if t.Pending || t.VoidPending {
				continue
			}
			if a.ID == cr.ID {
				net[a.ID] += t.Amount
			} else {
				net[a.ID] -= t.Amount
			}
		}
	})
	if err != nil {
		return nil, err
	}
	problems = append(problems, ledgerProblems...)
	for id, st := range status {
		if transfers[id] == 0 {
			bad("movement %s (%s) has no transfers", id, st)
		}
	}
	for id, b := range balance {
		if net[id] != b {
			bad("account %s: balance %d, but its movements add up to %d", id, b, net[id])
		}
	}
	sort.Strings(problems)
	return problems, nil
}
