package ledger

import (
	"context"
	"fmt"

	"github.com/nestegg/nestegg"
)

// RefusedError is a transfer the ledger refused, as an error: what a domain
// returns from its transaction when one of its transfers did not commit,
// so that the transaction — its own rows with it — rolls back.
type RefusedError struct {
	ID     string
	Status Status
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("ledger refused transfer %s: %s", e.ID, e.Status)
}

// Refused returns nil when every result committed (ok or an exact replay)
// and otherwise an error for the first refusal, wrapping a *RefusedError:
// InsufficientFunds (Param "amount") when a debit would exceed an account's
// credits; Conflict when an id was reused with different fields or a
// pending transfer was already posted, voided or expired; Internal for the
// rest, which are bugs in the caller. linked_event_failed results are
// skipped: the chain's failing member says why.
func Refused(results []Result) error {
	for _, r := range results {
		if r.OK() || r.Status == StatusLinkedEventFailed {
			continue
		}
		cause := &RefusedError{ID: r.ID, Status: r.Status}
		switch r.Status {
		case StatusExceedsCredits:
			return &nestegg.Error{Code: nestegg.InsufficientFunds, Param: "amount", Message: "there is not enough money for this", Err: cause}
		case StatusExistsWithDifferentFields:
			return &nestegg.Error{Code: nestegg.Conflict, Message: "this was already done differently", Err: cause}
		case StatusPendingTransferAlreadyPosted, StatusPendingTransferAlreadyVoided, StatusPendingTransferExpired:
			return &nestegg.Error{Code: nestegg.Conflict, Message: "the held money is no longer pending", Err: cause}
		}
		return &nestegg.Error{Code: nestegg.Internal, Err: cause}
	}
	return nil
}

// Exists reports whether an account exists, without writing — for code
// running inside another transaction (a post hook), which cannot create
// accounts. Accounts are never deleted, so a yes is remembered.
func (l *Ledger) Exists(ctx context.Context, ids ...string) bool {
	for _, id := range ids {
		if _, ok := l.known.Load(id); ok {
			continue
		}
		a, err := l.Account(ctx, id)
		if err != nil {
			return false
		}
		l.known.Store(id, a)
	}
	return true
}

// Ensure makes sure the account exists with these fields, as CreateAccount
// does, but once this Ledger has seen it, without any database work — for
// hot paths that prepare a wallet before every payment. Errors are
// CreateAccount's.
func (l *Ledger) Ensure(ctx context.Context, a Account) error {
	if k, ok := l.known.Load(a.ID); ok && sameStatic(k.(Account), a) {
		return nil
	}
	_, err := l.CreateAccount(ctx, a)
	return err
}

// EnsurePlatform makes sure asset's whole chart of accounts exists,
// without any database work once this Ledger has seen every account of it
// (one account standing does not mean the others do: a chart may have been
// left incomplete by an older version, which created it an account at a
// time). Errors are PlatformAccount's.
func (l *Ledger) EnsurePlatform(ctx context.Context, asset string) error {
	for _, k := range PlatformKinds {
		if _, ok := l.known.Load(PlatformID(asset, k)); !ok {
			return l.createChart(ctx, asset)
		}
	}
	return nil
}

// Static returns what never changes about an account (id, asset, kind,
// owner, flags; balances zero), from this Ledger's cache once seen.
// NotFound when it does not exist.
func (l *Ledger) Static(ctx context.Context, id string) (Account, error) {
	if k, ok := l.known.Load(id); ok {
		return k.(Account), nil
	}
	a, err := l.Account(ctx, id)
	if err != nil {
		return Account{}, err
	}
	l.known.Store(id, a)
	return a, nil
}
