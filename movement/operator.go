package movement

import (
	"context"
	"fmt"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
)

// Operator submits the operator's own transfers — the raw ledger API,
// between accounts the operator made — through the ledger's group commit,
// with rider (the API's record of the request's Idempotency-Key) when not
// nil. It refuses, before anything is submitted, a transfer that touches a
// member's account (a wallet, a receivable) or settles a reservation a
// movement made (a held payment, a top-up awaiting 3-D Secure): members'
// money moves only through movements, which pass the checkpoint, count
// toward limits and show in statements.
//
// Errors: Forbidden (Param "transfers[i]…") for such a transfer; the
// ledger's Submit errors (ledger.ErrRiderExists for a taken rider key).
func (k *Kernel) Operator(ctx context.Context, ts []ledger.Transfer, rider *ledger.Rider) ([]ledger.Result, error) {
	var pendings []string
	for i, t := range ts {
		for _, side := range []struct{ id, param string }{{t.DebitAccountID, "debit_account_id"}, {t.CreditAccountID, "credit_account_id"}} {
			if side.id == "" {
				continue
			}
			a, err := k.ledger.Static(ctx, side.id)
			if nestegg.Is(err, nestegg.NotFound) {
				continue // the ledger answers account_not_found
			}
			if err != nil {
				return nil, err
			}
			if memberAccount(a) {
				return nil, nestegg.ParamErrorf(nestegg.Forbidden, param(len(ts), i, side.param),
					"%s is a member's account: members' money moves only through the payments, shop and funding APIs", a.ID)
			}
		}
		if t.PendingID != "" {
			pendings = append(pendings, t.PendingID)
		}
	}
	for _, id := range pendings {
		p, err := k.ledger.Transfer(ctx, id)
		if nestegg.Is(err, nestegg.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var n int
		if err := k.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM movements WHERE id = $1", p.Reference).Scan(&n); err != nil {
			return nil, fmt.Errorf("operator transfer: %w", err)
		}
		if n > 0 {
			return nil, nestegg.ParamErrorf(nestegg.Forbidden, "pending_id",
				"%s is held by a movement (%s); only its own flow may post or void it", id, p.Reference)
		}
	}
	if rider != nil {
		return k.ledger.SubmitWith(ctx, ts, rider)
	}
	return k.ledger.Submit(ctx, ts)
}

func param(n, i int, field string) string {
	if n == 1 {
		return field
	}
	return fmt.Sprintf("transfers[%d].%s", i, field)
}
