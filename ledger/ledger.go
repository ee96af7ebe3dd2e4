// Package ledger is Nestegg's double-entry engine, modelled on TigerBeetle's
// accounts and transfers. See doc.go for the model and its invariants.
package ledger

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// Options configure a Ledger. The zero value is usable.
type Options struct {
	// Clock returns the current time; tests inject a fake one.
	Clock func() time.Time
	// MaxBatch caps how many transfers one group commit carries (default 8190).
	MaxBatch int
	// MaxWait is how long the batcher may wait for more requests once it has
	// some (default 0: never wait; requests that arrive while a batch commits
	// form the next batch).
	MaxWait time.Duration
	Logger  *slog.Logger
}

// Ledger posts transfers and answers balance queries. It is safe for
// concurrent use, and several Ledgers (in several processes) may share one
// PostgreSQL database.
type Ledger struct {
	db  *store.DB
	opt Options
}

// New returns a Ledger on db. Call Start before Submit and Close after.
func New(db *store.DB, opt Options) *Ledger {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.MaxBatch <= 0 || opt.MaxBatch > MaxBatch {
		opt.MaxBatch = MaxBatch
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Ledger{db: db, opt: opt}
}

var errTODO = nestegg.Errorf(nestegg.Unavailable, "ledger: under construction")

// Start runs the group-commit batcher until Close.
func (l *Ledger) Start() {}

// Close stops accepting transfers, commits what was accepted, and returns.
func (l *Ledger) Close() error { return nil }

// CreateAccount creates an account. ID may be empty (the ledger picks
// "acc_…"). Creating an account that exists with the same fields returns it;
// with different fields it returns Conflict. Invalid fields return Invalid.
func (l *Ledger) CreateAccount(ctx context.Context, a Account) (Account, error) {
	return Account{}, errTODO
}

// Submit commits transfers through the group-commit batcher and returns one
// Result per transfer, in order. The error is non-nil only when the call as
// a whole failed (Invalid for more than MaxBatch, Unavailable when closed, or
// a database error); then nothing was committed.
func (l *Ledger) Submit(ctx context.Context, transfers []Transfer) ([]Result, error) {
	return nil, errTODO
}

// SubmitTx applies transfers inside the caller's write transaction, so that a
// domain (payments, commerce) commits its own rows and its transfers at once.
func (l *Ledger) SubmitTx(ctx context.Context, tx *sql.Tx, transfers []Transfer) ([]Result, error) {
	return nil, errTODO
}

// Account returns the account with its balances, or NotFound.
func (l *Ledger) Account(ctx context.Context, id string) (Account, error) {
	return Account{}, errTODO
}

// Transfer returns a committed transfer, or NotFound.
func (l *Ledger) Transfer(ctx context.Context, id string) (Transfer, error) {
	return Transfer{}, errTODO
}

// History returns an account's transfers, newest first, at most limit
// (1..200, default 50) after the cursor; next is "" on the last page.
// NotFound if the account does not exist, Invalid for a bad cursor.
func (l *Ledger) History(ctx context.Context, accountID, cursor string, limit int) (page []Transfer, next string, err error) {
	return nil, "", errTODO
}

// PlatformAccount returns the platform's account of the given kind for asset,
// creating the chart of accounts for that asset on first use.
func (l *Ledger) PlatformAccount(ctx context.Context, asset string, kind string) (Account, error) {
	return Account{}, errTODO
}

// ExpirePending voids every pending transfer whose timeout has passed and
// returns how many it voided.
func (l *Ledger) ExpirePending(ctx context.Context) (int, error) { return 0, errTODO }
