package ledger

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// Options configure a Ledger. The zero value is usable.
type Options struct {
	// Clock returns the current time; tests inject a fake one.
	Clock func() time.Time
	// MaxBatch caps how many transfers one group commit carries (default 8190).
	MaxBatch int
	// MaxWait is how long a committer may wait for more requests once it has
	// some (default 0: never wait; requests that arrive while a batch commits
	// form the next batch).
	MaxWait time.Duration
	// Committers is how many batches may commit at once (default 1 on SQLite,
	// which has one writer, and 2 on PostgreSQL, so that one batch gathers
	// while another waits for its fsync).
	Committers int
	// WorkCommitters is how many batches of units of work (Do: movements)
	// may commit at once, besides Committers' batches of transfers: default
	// 1 on SQLite and 2 on PostgreSQL, so that one batch is prepared while
	// another waits for its commit. (When a movement was ten round trips one
	// after another, 8 small batches side by side were best; since the
	// kernel prepares a batch as a whole, a movement is one statement inside
	// it, and two batches of up to 64 beat eight of 8: 946 and 1,057
	// payments/s against 833 and 770 at 64 clients, docs/BENCHMARKS.md.)
	WorkCommitters int
	// MaxWorks caps how many units of work (Do) one batch carries: default
	// unlimited (MaxBatch) on SQLite, whose one writer runs one batch at a
	// time anyway, and 64 on PostgreSQL, so that batches that lock their
	// accounts first still commit side by side instead of one long batch
	// holding every lock.
	MaxWorks int
	// ValidAsset, when set, vets asset codes of new accounts.
	ValidAsset func(code string) error
	Logger     *slog.Logger
}

// Ledger posts transfers and answers balance queries. It is safe for
// concurrent use, and several Ledgers (in several processes) may share one
// PostgreSQL database.
type Ledger struct {
	db  *store.DB
	opt Options

	tsMu   sync.Mutex
	lastTS int64

	startOnce sync.Once
	b         *batcher

	// known holds accounts known to exist, by id, with their static fields
	// (balances are never read from it). Accounts are never deleted or
	// changed, so creating or finding one again needs no database write.
	known sync.Map // id -> Account
}

// New returns a Ledger on db. Call Start before Submit and Close after.
func New(db *store.DB, opt Options) *Ledger {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.MaxBatch <= 0 || opt.MaxBatch > MaxBatch {
		opt.MaxBatch = MaxBatch
	}
	if opt.Committers <= 0 {
		opt.Committers = 1
		if db.Dialect == store.Postgres {
			opt.Committers = 2
		}
	}
	if opt.WorkCommitters <= 0 {
		opt.WorkCommitters = 1
		if db.Dialect == store.Postgres {
			opt.WorkCommitters = 2
		}
	}
	if opt.MaxWorks <= 0 || opt.MaxWorks > opt.MaxBatch {
		opt.MaxWorks = opt.MaxBatch
		if db.Dialect == store.Postgres {
			opt.MaxWorks = 64
		}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Ledger{db: db, opt: opt}
}

// Start runs the group-commit batcher until Close. Calling it twice is a no-op.
func (l *Ledger) Start() {
	l.startOnce.Do(func() { l.b = newBatcher(l, l.opt.Committers, l.opt.WorkCommitters) })
}

// Close stops accepting transfers, commits every request already accepted,
// and returns when they are answered. Submit after Close returns Unavailable.
func (l *Ledger) Close() error {
	l.Start() // so that Close without Start leaves a closed batcher behind
	l.b.close()
	return nil
}

// Submit commits transfers through the group-commit batcher and returns one
// Result per transfer, in order. The error is non-nil only when the call as
// a whole failed (Invalid for none or more than MaxBatch, or for a transfer
// whose text is not valid UTF-8, holds a control character or is over 256
// bytes, with Param naming it; Unavailable when closed, a context error, or
// a database error); then nothing was committed.
func (l *Ledger) Submit(ctx context.Context, transfers []Transfer) ([]Result, error) {
	if len(transfers) == 0 || len(transfers) > MaxBatch {
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "transfers", "a batch holds 1 to %d transfers, got %d", MaxBatch, len(transfers))
	}
	if err := checkText(transfers); err != nil {
		return nil, err
	}
	if l.b == nil {
		return nil, nestegg.Errorf(nestegg.Unavailable, "the ledger is not started")
	}
	return l.b.submit(ctx, transfers, nil)
}

// maxText bounds every text field of a transfer. Valid ids, codes and
// references are far shorter (the engine's statuses say so per transfer);
// this only keeps megabytes of junk out of a batch's queries.
const maxText = 256

// checkText refuses, before they join a batch, transfers whose text the
// database would refuse: invalid UTF-8, a NUL or another control character
// (PostgreSQL rejects NUL and invalid UTF-8 in text with 22021, which would
// fail the whole group-commit batch and every other request in it), or text
// over maxText bytes. The error is Invalid for this request alone, naming
// transfers[i].field; nothing of the request is applied.
func checkText(transfers []Transfer) error {
	for i, t := range transfers {
		for _, f := range [...]struct{ name, v string }{
			{"id", t.ID}, {"debit_account_id", t.DebitAccountID}, {"credit_account_id", t.CreditAccountID},
			{"asset", t.Asset}, {"code", t.Code}, {"reference", t.Reference}, {"pending_id", t.PendingID},
		} {
			if why := badText(f.v); why != "" {
				name := fmt.Sprintf("transfers[%d].%s", i, f.name)
				return nestegg.ParamErrorf(nestegg.Invalid, name, "%s %s", name, why)
			}
		}
	}
	return nil
}

// badText says what is wrong with one transfer field, or "" when nothing.
func badText(s string) string {
	if len(s) > maxText {
		return fmt.Sprintf("is over %d bytes", maxText)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return "holds a control character"
		}
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	return ""
}

// Stats counts what the group commit has done since Start.
type Stats struct {
	Batches  int64 // database transactions committed
	Requests int64 // Submit, SubmitWith and Do calls they carried
}

// Stats returns what the group commit has committed so far: Requests over
// Batches is how many requests share a commit on average.
func (l *Ledger) Stats() Stats {
	if l.b == nil {
		return Stats{}
	}
	return Stats{Batches: l.b.batches.Load(), Requests: l.b.requests.Load()}
}

// Rider is a row written in the same transaction as one request's
// transfers, so that it commits exactly when they do — the API's stored
// response for an idempotency key, for one. The ledger does not interpret
// it. Rows without a Key are inserted with ON CONFLICT DO NOTHING: a row
// that already exists (written by a concurrent replay) is left as it is.
type Rider struct {
	Table   string
	Columns []string
	// Key, when above zero, says that the first Key columns are a unique
	// key of Table whose values are KeyValues. The batch then looks the key
	// up before applying the request: if a row with it exists (the request
	// is a replay), the request's transfers are not applied and Submit
	// returns ErrRiderExists. One query per batch replaces one per request.
	Key       int
	KeyValues []any
	// Row computes the row's values from the request's results, inside the
	// transaction; nil writes nothing.
	Row func(results []Result) []any
}

// ErrRiderExists is returned by SubmitWith when the rider's key is already
// taken: nothing was applied, and the caller answers from the stored row.
var ErrRiderExists = errors.New("ledger: a row with the rider's key already exists")

// SubmitWith is Submit with a Rider written atomically with the transfers.
func (l *Ledger) SubmitWith(ctx context.Context, transfers []Transfer, rider *Rider) ([]Result, error) {
	if len(transfers) == 0 || len(transfers) > MaxBatch {
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "transfers", "a batch holds 1 to %d transfers, got %d", MaxBatch, len(transfers))
	}
	if err := checkText(transfers); err != nil {
		return nil, err
	}
	if l.b == nil {
		return nil, nestegg.Errorf(nestegg.Unavailable, "the ledger is not started")
	}
	return l.b.submit(ctx, transfers, rider)
}

// Do runs work inside the group commit: work from concurrent calls shares
// one database transaction, each in a SAVEPOINT of its own, and Do returns
// only after that transaction has committed (or failed). work returning an
// error rolls back its own savepoint alone, and Do returns that error; a
// serialization failure or deadlock reruns the whole batch, so work may
// run more than once and must have no effect outside tx. work must use tx
// for every read and write (on SQLite the batch holds the one write
// connection): it submits its transfers with SubmitTx. For the movement
// kernel (package movement), the one caller outside the ledger.
//
// order places the work in its batch: works run sorted by it, so that
// works that lock rows keyed by it (the member whose money moves) lock
// them in one global order across processes. accounts, when not nil, are
// every ledger account the work's transfers will touch: a batch whose
// works all say so locks them all first, in id order, and commits beside
// other such batches; a batch with a work that does not commits alone
// among this process's batches with work. A batch that deadlocks anyway
// reruns.
func (l *Ledger) Do(ctx context.Context, order string, accounts []string, work func(ctx context.Context, tx *sql.Tx) error) error {
	return l.DoPrepared(ctx, nil, nil, order, accounts, work)
}

// DoPrepared is Do for a unit of work whose batch p readies: p.Prepare is
// called once per batch, with the hint of every unit in it that names p,
// after the batch's accounts are locked and before any unit runs; the
// Part it returns is the units' through PartOf. p nil is Do.
func (l *Ledger) DoPrepared(ctx context.Context, p Preparer, hint any, order string, accounts []string, work func(ctx context.Context, tx *sql.Tx) error) error {
	if l.b == nil {
		return nestegg.Errorf(nestegg.Unavailable, "the ledger is not started")
	}
	_, err := l.b.enqueue(&request{ctx: ctx, work: work, prep: p, hint: hint, order: order, accounts: accounts, done: make(chan reply, 1)})
	return err
}

// SubmitTx applies transfers inside the caller's write transaction, so that a
// domain (payments, commerce) commits its own rows and its transfers at once.
// The caller must commit or roll back tx; the results hold only if it commits.
func (l *Ledger) SubmitTx(ctx context.Context, tx *sql.Tx, transfers []Transfer) ([]Result, error) {
	if len(transfers) == 0 || len(transfers) > MaxBatch {
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "transfers", "a batch holds 1 to %d transfers, got %d", MaxBatch, len(transfers))
	}
	if bt := batchOf(ctx, tx); bt != nil {
		// In a batch of units of work: decided now, written with the batch.
		if err := load(ctx, tx, l.db.Dialect, bt.e, [][]Transfer{transfers}, bt.lookUpIDs); err != nil {
			return nil, err
		}
		return bt.e.run(transfers), nil
	}
	res, err := l.applyTx(ctx, tx, [][]Transfer{transfers}, nil, false)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// NewID returns a fresh id with the given prefix ("acc", "txf", …).
func NewID(prefix string) string {
	return prefix + "_" + strings.ReplaceAll(uuid.Must(uuid.NewV7()).String(), "-", "")
}

// CreateAccount creates an account. ID may be empty (the ledger picks
// "acc_…"). Creating an account that exists with the same fields returns it;
// with different fields it returns Conflict. Invalid fields return Invalid.
func (l *Ledger) CreateAccount(ctx context.Context, a Account) (Account, error) {
	if a.ID == "" {
		a.ID = NewID("acc")
	}
	switch {
	case !validID(a.ID):
		return Account{}, nestegg.ParamErrorf(nestegg.Invalid, "id", "an account id is 1 to 64 of A-Z a-z 0-9 _ . : -")
	case a.Asset == "":
		return Account{}, nestegg.ParamErrorf(nestegg.Invalid, "asset", "asset is required")
	case !codePattern.MatchString(a.Kind):
		return Account{}, nestegg.ParamErrorf(nestegg.Invalid, "kind", "kind is 1 to 32 of a-z 0-9 _ . : -")
	case a.Owner == "" || len(a.Owner) > 128:
		return Account{}, nestegg.ParamErrorf(nestegg.Invalid, "owner", "owner is 1 to 128 characters")
	case a.Owner == PlatformOwner:
		return Account{}, nestegg.ParamErrorf(nestegg.Invalid, "owner", "the platform's accounts are created by the ledger")
	case a.DebitsMustNotExceedCredits && a.CreditsMustNotExceedDebits:
		return Account{}, nestegg.ParamErrorf(nestegg.Invalid, "flags", "an account takes at most one balance constraint")
	}
	if l.opt.ValidAsset != nil {
		if err := l.opt.ValidAsset(a.Asset); err != nil {
			return Account{}, &nestegg.Error{Code: nestegg.Invalid, Param: "asset", Message: nestegg.ErrorMessage(err), Err: err}
		}
	}
	return l.createAccount(ctx, a)
}

func (l *Ledger) createAccount(ctx context.Context, a Account) (Account, error) {
	if k, ok := l.known.Load(a.ID); ok && sameStatic(k.(Account), a) {
		return l.Account(ctx, a.ID) // a read, not a write: it exists
	}
	a.CreatedAt = unixNano(l.opt.Clock().UnixNano())
	a.DebitsPending, a.DebitsPosted, a.CreditsPending, a.CreditsPosted = 0, 0, 0, 0
	err := l.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO ledger_accounts ("+accountCols+") VALUES ($1,$2,$3,$4,$5,0,0,0,0,$6)",
			a.ID, a.Asset, a.Kind, a.Owner, a.flags(), a.CreatedAt.UnixNano())
		return err
	})
	if nestegg.Is(err, nestegg.Conflict) {
		got, gerr := l.Account(ctx, a.ID)
		if gerr != nil {
			return Account{}, gerr
		}
		if !sameStatic(got, a) {
			return Account{}, nestegg.ParamErrorf(nestegg.Conflict, "id", "account %s exists with different fields", a.ID)
		}
		l.known.Store(a.ID, got)
		return got, nil
	}
	if err != nil {
		return Account{}, fmt.Errorf("create account: %w", err)
	}
	l.known.Store(a.ID, a)
	return a, nil
}

// sameStatic compares what never changes about an account.
func sameStatic(a, b Account) bool {
	return a.ID == b.ID && a.Asset == b.Asset && a.Kind == b.Kind && a.Owner == b.Owner && a.flags() == b.flags()
}

// PlatformOwner is the owner of the chart of accounts.
const PlatformOwner = "platform"

// PlatformID is the id of the platform's account of kind for asset
// ("platform:USD:fee_revenue"): the one definition of the format.
func PlatformID(asset, kind string) string { return "platform:" + asset + ":" + kind }

// PlatformAccount returns the platform's account of the given kind for asset,
// creating the chart of accounts for that asset on first use. Invalid for an
// unknown kind or asset; Conflict when an account of the chart exists with
// other fields.
func (l *Ledger) PlatformAccount(ctx context.Context, asset string, kind string) (Account, error) {
	if !slices.Contains(PlatformKinds, kind) {
		return Account{}, nestegg.ParamErrorf(nestegg.Invalid, "kind", "unknown platform account kind %q", kind)
	}
	id := PlatformID(asset, kind)
	if a, err := l.Account(ctx, id); err == nil {
		l.known.Store(id, a)
		return a, nil
	} else if !nestegg.Is(err, nestegg.NotFound) {
		return Account{}, err
	}
	if err := l.createChart(ctx, asset); err != nil {
		return Account{}, err
	}
	return l.Account(ctx, id)
}

// chart is asset's chart of accounts, in PlatformKinds order.
func chart(asset string) []Account {
	out := make([]Account, len(PlatformKinds))
	for i, k := range PlatformKinds {
		out[i] = Account{ID: PlatformID(asset, k), Asset: asset, Kind: k, Owner: PlatformOwner}
		if k == KindCash || k == KindBankClearing || k == KindCardClearing || k == KindExpense || k == KindInterestExpense || k == KindRewardsExpense {
			// Debit-normal (asset and expense) accounts: they hold value, and
			// must never be credited past what was debited into them.
			out[i].CreditsMustNotExceedDebits = true
		}
	}
	return out
}

// createChart creates every account of asset's chart that is missing, in
// one transaction: concurrent first requests (in this process or others)
// never see part of a chart, whatever order they ask for its accounts in,
// and a chart left incomplete by an older version is completed. Each
// account is then remembered as known.
func (l *Ledger) createChart(ctx context.Context, asset string) error {
	if l.opt.ValidAsset != nil {
		if err := l.opt.ValidAsset(asset); err != nil {
			return &nestegg.Error{Code: nestegg.Invalid, Param: "asset", Message: nestegg.ErrorMessage(err), Err: err}
		}
	}
	accts := chart(asset)
	for _, a := range accts {
		if !validID(a.ID) {
			return nestegg.ParamErrorf(nestegg.Invalid, "asset", "bad asset code %q", asset)
		}
	}
	now := l.opt.Clock().UnixNano()
	err := l.db.Write(ctx, func(tx *sql.Tx) error {
		for _, a := range accts {
			if _, err := tx.ExecContext(ctx, "INSERT INTO ledger_accounts ("+accountCols+") VALUES ($1,$2,$3,$4,$5,0,0,0,0,$6) ON CONFLICT (id) DO NOTHING",
				a.ID, a.Asset, a.Kind, a.Owner, a.flags(), now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create the %s chart of accounts: %w", asset, err)
	}
	for _, a := range accts {
		got, err := l.Account(ctx, a.ID)
		if err != nil {
			return err
		}
		if !sameStatic(got, a) {
			return nestegg.ParamErrorf(nestegg.Conflict, "id", "account %s exists with different fields", a.ID)
		}
		l.known.Store(a.ID, got)
	}
	return nil
}

// Account returns the account with its balances, or NotFound.
func (l *Ledger) Account(ctx context.Context, id string) (Account, error) {
	a, err := scanAccount(l.db.Reader().QueryRowContext(ctx, "SELECT "+accountCols+" FROM ledger_accounts WHERE id = $1", id))
	if err != nil {
		err = l.db.Translate(err)
		if nestegg.Is(err, nestegg.NotFound) {
			return Account{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no account %q", id)
		}
		return Account{}, fmt.Errorf("account %s: %w", id, err)
	}
	return a, nil
}

// AccountTx returns an account with its balances as tx sees them, locked
// until tx ends on PostgreSQL (FOR UPDATE), so that a decision made on a
// balance holds until the transfers that follow commit. For the movement
// kernel (movement.Tx.Account). NotFound when it does not exist.
func (l *Ledger) AccountTx(ctx context.Context, tx *sql.Tx, id string) (Account, error) {
	if bt := batchOf(ctx, tx); bt != nil {
		// The batch's engine holds balances newer than the table's.
		if bt.e.accounts[id] == nil {
			if err := loadAccounts(ctx, tx, l.db.Dialect, bt.e, []string{id}); err != nil {
				return Account{}, err
			}
		}
		if a := bt.e.accounts[id]; a != nil {
			return *a, nil
		}
		return Account{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no account %q", id)
	}
	a, err := scanAccount(tx.QueryRowContext(ctx, "SELECT "+accountCols+" FROM ledger_accounts WHERE id = $1"+l.db.Dialect.ForUpdate(), id))
	if err != nil {
		err = l.db.Translate(err)
		if nestegg.Is(err, nestegg.NotFound) {
			return Account{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no account %q", id)
		}
		return Account{}, fmt.Errorf("account %s: %w", id, err)
	}
	return a, nil
}

// Transfer returns a committed transfer, or NotFound.
func (l *Ledger) Transfer(ctx context.Context, id string) (Transfer, error) {
	t, err := scanTransfer(l.db.Reader().QueryRowContext(ctx, "SELECT "+transferCols+" FROM ledger_transfers WHERE id = $1", id))
	if err != nil {
		err = l.db.Translate(err)
		if nestegg.Is(err, nestegg.NotFound) {
			return Transfer{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no transfer %q", id)
		}
		return Transfer{}, fmt.Errorf("transfer %s: %w", id, err)
	}
	return t, nil
}

// History returns an account's transfers, newest first, at most limit
// (1..200, default 50) after the cursor; next is "" on the last page.
// NotFound if the account does not exist, Invalid for a bad cursor or limit.
func (l *Ledger) History(ctx context.Context, accountID, cursor string, limit int) (page []Transfer, next string, err error) {
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		return nil, "", nestegg.ParamErrorf(nestegg.Invalid, "limit", "limit is 1 to 200")
	}
	if _, err := l.Account(ctx, accountID); err != nil {
		return nil, "", err
	}
	beforeTS, beforeID := int64(1<<62), "\U0010FFFF"
	if cursor != "" {
		if beforeTS, beforeID, err = decodeCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	// Each side of the union walks its own index newest first.
	q := "SELECT * FROM (SELECT " + transferCols + " FROM ledger_transfers WHERE debit_account_id = $1 AND (ts < $2 OR (ts = $2 AND id < $3)) ORDER BY ts DESC, id DESC LIMIT $4) AS d" +
		" UNION ALL SELECT * FROM (SELECT " + transferCols + " FROM ledger_transfers WHERE credit_account_id = $1 AND (ts < $2 OR (ts = $2 AND id < $3)) ORDER BY ts DESC, id DESC LIMIT $4) AS c" +
		" ORDER BY ts DESC, id DESC LIMIT $4"
	rows, err := l.db.Reader().QueryContext(ctx, q, accountID, beforeTS, beforeID, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("history %s: %w", accountID, err)
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, "", fmt.Errorf("history %s: %w", accountID, err)
		}
		page = append(page, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("history %s: %w", accountID, err)
	}
	if len(page) > limit {
		page = page[:limit]
		last := page[len(page)-1]
		next = encodeCursor(last.Timestamp.UnixNano(), last.ID)
	}
	return page, next, nil
}

func encodeCursor(ts int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(ts, 10) + "|" + id))
}

func decodeCursor(c string) (int64, string, error) {
	bad := nestegg.ParamErrorf(nestegg.Invalid, "cursor", "the cursor is not one this API returned")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", bad
	}
	tsStr, id, ok := strings.Cut(string(raw), "|")
	ts, err := strconv.ParseInt(tsStr, 10, 64)
	if !ok || err != nil || !validID(id) {
		return 0, "", bad
	}
	return ts, id, nil
}

// ExpirePending voids every pending transfer whose timeout has passed (up to
// 1000 per call) and returns how many it voided. Safe to run in several
// processes at once: the voids have deterministic ids ("exp:" + pending id),
// so a race is a replay.
func (l *Ledger) ExpirePending(ctx context.Context) (int, error) {
	now := l.opt.Clock().UnixNano()
	rows, err := l.db.Reader().QueryContext(ctx,
		"SELECT transfer_id FROM ledger_pending WHERE state = $1 AND expires_at > 0 AND expires_at <= $2 ORDER BY expires_at LIMIT 1000", statePending, now)
	if err != nil {
		return 0, fmt.Errorf("expire pending: %w", err)
	}
	var voids []Transfer
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("expire pending: %w", err)
		}
		voids = append(voids, Transfer{ID: expiryID(id), PendingID: id, VoidPending: true, Code: "expired"})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("expire pending: %w", err)
	}
	if len(voids) == 0 {
		return 0, nil
	}
	res, _, err := l.apply(ctx, [][]Transfer{voids}, nil, nil, nil, true)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range res[0] {
		if r.Status == StatusOK {
			n++
		}
	}
	return n, nil
}

// expiryID names the void the ledger makes for an expired pending transfer.
// It fits the 64-character id limit by hashing long pending ids.
func expiryID(pendingID string) string {
	if id := "exp:" + pendingID; len(id) <= 64 {
		return id
	}
	return "exp:" + strings.ReplaceAll(uuid.NewSHA1(uuid.NameSpaceOID, []byte(pendingID)).String(), "-", "")
}
