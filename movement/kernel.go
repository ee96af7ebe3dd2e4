package movement

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
)

// Kernel runs movements. It is safe for concurrent use; several kernels (in
// several processes) may share one PostgreSQL database.
type Kernel struct {
	db     *store.DB
	ledger *ledger.Ledger
	comp   *compliance.Service
	clock  func() time.Time
	events *events.Service // nil: no events
}

// EmitTo makes the kernel emit an event for every movement that commits
// (done or held), in its transaction: "movement.<kind>", naming the
// members it moved money from and to, with the movement as the API shows
// it. Call it before the kernel moves money.
func (k *Kernel) EmitTo(ev *events.Service) { k.events = ev }

// movementEvent is a movement as its event shows it.
type movementEvent struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Label     string `json:"label"`
	Status    string `json:"status"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Asset     string `json:"asset"`
	Amount    int64  `json:"amount"`
	Fee       int64  `json:"fee"`
	Reference string `json:"reference"`
	Note      string `json:"note,omitempty"`
}

func (k *Kernel) emit(ctx context.Context, tx *sql.Tx, req *Request, info Info, status Status) error {
	if k.events == nil {
		return nil
	}
	return k.events.Emit(ctx, tx, "movement."+string(req.Kind), []string{req.From, req.To}, movementEvent{ID: req.ID, Kind: string(req.Kind),
		Label: info.Label, Status: string(status), From: req.From, To: req.To, Asset: req.Asset, Amount: req.Amount, Fee: req.Fee,
		Reference: req.Reference, Note: req.Note})
}

// New returns a kernel moving money with l (started) on db (migrated),
// deciding with comp. clock may be nil (time.Now).
func New(db *store.DB, l *ledger.Ledger, comp *compliance.Service, clock func() time.Time) *Kernel {
	if clock == nil {
		clock = time.Now
	}
	return &Kernel{db: db, ledger: l, comp: comp, clock: clock}
}

// Request is one movement asked for.
type Request struct {
	Kind Kind
	// ID is the movement's id, and the Reference of every transfer it
	// makes; "" picks "mv_…". Domains pass their object's id (pay_…, ord_…)
	// when one object is one movement.
	ID string
	// Reference is the domain's object the movement belongs to; default ID.
	Reference string
	// Actor and Key are the idempotency key: whose (a member's id, or
	// "operator", or "job") and the key. Required.
	Actor, Key string
	// Fingerprint hashes the request's fields (nestegg.Fingerprint): the
	// same key with another fingerprint is IdempotencyMismatch.
	Fingerprint string
	// From is the member whose money leaves (and whose limits count), To the
	// member it reaches; "" for the platform or the outside world.
	From, To string
	Asset    string
	Amount   int64 // minor units, > 0 for kinds the checkpoint decides
	Fee      int64 // the platform's part, shown separately in statements
	Note     string
	// Accounts, when set, are every ledger account the movement's transfers
	// will touch: batches whose movements all say so lock them first, in
	// id order, and commit side by side on PostgreSQL; a movement that
	// does not say commits in a batch alone among this process's.
	Accounts []string
	// Unuse gives back usage an earlier movement recorded (a held payment
	// cancelled): Amount at At, in Class, for From.
	Unuse *compliance.Usage
}

// Result is what happened.
type Result struct {
	ID        string
	Reference string
	// Replayed: the key was used before with the same fingerprint; the
	// movement is the earlier one and nothing ran now.
	Replayed bool
	Status   Status
	// Held and HoldUntil: the checkpoint held the movement.
	HoldUntil time.Time
}

// Status is a movement's state.
type Status string

// The statuses.
const (
	Done      Status = "done"
	Held      Status = "held"
	Denied    Status = "denied"
	Cancelled Status = "cancelled"
)

// Tx is a movement in progress, handed to the domain's work: its rows go
// through SQL, its transfers through Submit, so that all of them, the
// checkpoint's decision and the usage commit together.
type Tx struct {
	// SQL is the transaction. Use it for every read and write: the movement
	// may share it with others (group commit) and it holds the one write
	// connection on SQLite.
	SQL      *sql.Tx
	k        *Kernel
	req      *Request
	decision compliance.Decision
	now      time.Time
	batch    *batch // nil outside a batch of movements
	claimed  bool   // the movement's row is written (else held for the batch's end)
}

// ID is the movement's id.
func (t *Tx) ID() string { return t.req.ID }

// Now is the movement's time.
func (t *Tx) Now() time.Time { return t.now }

// Held reports whether the checkpoint held the movement, and until when:
// the domain then reserves (pending transfers) instead of paying.
func (t *Tx) Held() (bool, time.Time) {
	return t.decision.Outcome == compliance.Hold, t.decision.HoldUntil
}

// Reason is what the checkpoint said, for people; "" without remark.
func (t *Tx) Reason() string { return t.decision.Reason }

// Submit applies transfers as part of the movement: each gets the
// movement's id as its reference. Any transfer refused is an error (see
// refused) that rolls the whole movement back.
func (t *Tx) Submit(ctx context.Context, ts ...ledger.Transfer) ([]ledger.Result, error) {
	for i := range ts {
		ts[i].Reference = t.req.ID
	}
	res, err := t.k.ledger.SubmitTx(ctx, t.SQL, ts)
	if err != nil {
		return nil, err
	}
	if err := refused(res); err != nil {
		return nil, err
	}
	return res, nil
}

// SubmitMaybe applies transfers like Submit, but hands back refusals as
// results instead of an error — for settling jobs that decide what a
// refusal means (a hold that lapsed).
func (t *Tx) SubmitMaybe(ctx context.Context, ts ...ledger.Transfer) ([]ledger.Result, error) {
	for i := range ts {
		ts[i].Reference = t.req.ID
	}
	return t.k.ledger.SubmitTx(ctx, t.SQL, ts)
}

// Account returns a ledger account's balances as the movement's
// transaction sees them, locked until it commits (FOR UPDATE on
// PostgreSQL): for decisions on a balance (what a member owes, what a
// wallet can pay) that the movement's transfers then rely on.
func (t *Tx) Account(ctx context.Context, id string) (ledger.Account, error) {
	return t.k.ledger.AccountTx(ctx, t.SQL, id)
}

// SetStatus moves another movement from status from to status to (a held
// payment released or cancelled), guarded by from. Conflict when that
// movement is not in from.
func (t *Tx) SetStatus(ctx context.Context, movementID string, from, to Status) error {
	res, err := t.SQL.ExecContext(ctx, "UPDATE movements SET status = $3 WHERE id = $1 AND status = $2", movementID, string(from), string(to))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return nestegg.Errorf(nestegg.Conflict, "movement %s is not %s", movementID, from)
	}
	return nil
}

// refused maps the ledger's refusals to the one error vocabulary. A
// platform account that cannot take a debit back (exceeds_debits: the
// cash at the bank cannot cover a payout) is the operator's matter, never
// the member's fault.
func refused(res []ledger.Result) error {
	err := ledger.Refused(res)
	var r *ledger.RefusedError
	if errors.As(err, &r) && r.Status == ledger.StatusExceedsDebits {
		return &nestegg.Error{Code: nestegg.Unavailable, Message: "payouts are paused; try again later", Err: err}
	}
	return err
}

// ErrDenied is the cause of every error Move returns for a checkpoint
// denial (Forbidden, with the reason as its message): errors.Is tells a
// denial, whose audit row committed, from other refusals, which left no
// trace.
var ErrDenied = errors.New("movement: denied by the checkpoint")

func deniedError(reason string) error {
	return &nestegg.Error{Code: nestegg.Forbidden, Message: reason, Err: ErrDenied}
}

// denial is a checkpoint refusal: its audit row and the movement's denied
// row commit; the caller gets Forbidden with the reason.
type denial struct{ reason string }

func (d *denial) Error() string { return d.reason }

// Move runs one movement through the group commit:
//
//	key + fingerprint → replay? → checkpoint (allow / hold / deny, audited)
//	  → work (the domain's rows and transfers) → usage → commit → answer
//
// A replay (the key used before with the same fingerprint) runs nothing
// and returns the earlier movement with Replayed set; a concurrent request
// with the same key waits for the first to commit and then replays it. A
// denial commits its audit row and returns Forbidden. Any error from work
// rolls the movement back alone (its SAVEPOINT) and is returned; other
// movements in the batch commit. Move returns only after the commit.
//
// work may run more than once (the batch retries whole on a serialization
// failure or deadlock): it must have no effects outside tx.
//
// Errors: Invalid for an undeclared kind or a bad key; IdempotencyMismatch
// (Param "idempotency_key") for the key used with another fingerprint;
// Forbidden for a denial; what work returns; Unavailable when the ledger is
// closed.
func (k *Kernel) Move(ctx context.Context, req Request, work func(ctx context.Context, tx *Tx) error) (Result, error) {
	if err := k.vet(&req); err != nil {
		return Result{}, err
	}
	rec := recordFrom(ctx)
	var res Result
	var answer error
	// The checkpoint locks the paying member's row first: order by it.
	var accounts []string
	if len(req.Accounts) > 0 {
		accounts = req.Accounts
	}
	err := k.ledger.DoPrepared(ctx, preparer{k.db, k.comp}, &req, req.From+"\x00"+req.Actor, accounts, func(ctx context.Context, sqlTx *sql.Tx) error {
		var err error
		res, answer, err = k.run(ctx, sqlTx, &req, rec, work)
		return err
	})
	// The record counts as stored only if what wrote it committed.
	var r *refusal
	switch {
	case errors.As(err, &r):
		rec.stored = rec.pending
		return Result{}, r.err
	case err != nil:
		return Result{}, err
	}
	if rec != nil {
		rec.stored = rec.pending
	}
	return res, answer
}

// MoveIn is Move inside tx, a write transaction the caller owns (a post
// hook's): the movement is a SAVEPOINT in it and holds only if tx commits.
func (k *Kernel) MoveIn(ctx context.Context, tx *sql.Tx, req Request, work func(ctx context.Context, tx *Tx) error) (Result, error) {
	if err := k.vet(&req); err != nil {
		return Result{}, err
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT movement_in"); err != nil {
		return Result{}, err
	}
	res, answer, err := k.run(ctx, tx, &req, nil, work)
	if err != nil {
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT movement_in"); rerr != nil {
			return Result{}, rerr
		}
	}
	if _, rerr := tx.ExecContext(ctx, "RELEASE SAVEPOINT movement_in"); rerr != nil {
		return Result{}, rerr
	}
	if err != nil {
		return Result{}, err
	}
	return res, answer
}

func (k *Kernel) vet(req *Request) error {
	info, ok := Lookup(req.Kind)
	if !ok {
		return nestegg.Errorf(nestegg.Invalid, "movement: undeclared kind %q", req.Kind)
	}
	if err := nestegg.CheckKey(req.Key); err != nil {
		return err
	}
	if req.Actor == "" || req.Asset == "" || req.Amount < 0 || req.Fee < 0 || (info.Check && req.Amount == 0) {
		return nestegg.Errorf(nestegg.Invalid, "movement %s: an actor, an asset and an amount are required", req.Kind)
	}
	if req.ID == "" {
		req.ID = nestegg.NewID("mv")
	}
	if req.Reference == "" {
		req.Reference = req.ID
	}
	return nil
}

// run is one movement inside sqlTx. It returns the result, the answer for
// the caller (a denial or a refusal whose record it stored: err nil so
// that what it wrote commits), and err to roll the movement back.
func (k *Kernel) run(ctx context.Context, sqlTx *sql.Tx, req *Request, rec *Record, work func(ctx context.Context, tx *Tx) error) (Result, error, error) {
	info, _ := Lookup(req.Kind)
	now := k.clock().UTC()
	if rec != nil {
		rec.pending = false // this run may be a retry of the batch
	}
	// The claim comes first: a concurrent movement with the same key (in
	// another batch or process) waits here for the first to commit, and
	// then replays it, instead of being decided against its effects. In a
	// batch's first attempt, a key that no committed movement holds (the
	// batch looked them all up) is claimed by inserting the movement's row
	// with the batch's other rows: a concurrent claim then fails the whole
	// batch, which runs again claiming here.
	b, _ := ledger.PartOf(ctx, sqlTx, preparer{k.db, k.comp}).(*batch)
	key := [2]string{req.Actor, req.Key}
	optimistic := b != nil && ledger.Optimistic(ctx, sqlTx) && !b.known[key]
	if optimistic {
		if earlier, ok := b.claims[key]; ok {
			// Claimed earlier in this batch: answered by that movement.
			if earlier.fingerprint != req.Fingerprint {
				return Result{}, errMismatch, nil
			}
			return earlier.res, nil, nil
		}
	} else {
		claimed, err := k.claim(ctx, sqlTx, req, now)
		if err != nil {
			return Result{}, nil, err
		}
		if !claimed {
			// Answered by the earlier movement: the key's record is its.
			res, err := k.replay(ctx, sqlTx, req)
			if err == nil || nestegg.Is(err, nestegg.Forbidden) {
				return res, err, nil
			}
			return res, nil, err
		}
	}
	res := Result{ID: req.ID, Reference: req.Reference, Status: Done}
	tx := &Tx{SQL: sqlTx, k: k, req: req, now: now, decision: compliance.Decision{Outcome: compliance.Allow}, batch: b, claimed: !optimistic}
	err := k.decideAndWork(ctx, tx, info, &res, work)
	var d *denial
	switch {
	case err == nil:
		if err := k.emit(ctx, sqlTx, req, info, res.Status); err != nil {
			return Result{}, nil, err
		}
		if optimistic {
			if err := k.insertClaim(ctx, sqlTx, req, res.Status, tx.decision, now); err != nil {
				return Result{}, nil, err
			}
			b.claim(key, claimed{res: Result{Replayed: true, ID: res.ID, Reference: res.Reference, Status: res.Status}, fingerprint: req.Fingerprint})
		}
		if rec != nil {
			return res, nil, rec.insert(ctx, sqlTx, k.db.Dialect, optimistic, req.ID, 0, "", now)
		}
		return res, nil, nil
	case errors.As(err, &d):
		// Its audit row stays: refusals are on record.
		answer := deniedError(d.reason)
		res.Status = Denied
		if rec != nil {
			status, body := rec.Render(answer)
			return res, answer, rec.insert(ctx, sqlTx, k.db.Dialect, optimistic, req.ID, status, body, now)
		}
		return res, answer, nil
	case rec != nil && storable(k.db, err):
		// A refusal (insufficient funds, sold out): nothing happened but
		// the record of the answer, which the batch writes after rolling
		// the movement back.
		status, body := rec.Render(err)
		if status < 500 {
			return Result{}, nil, &refusal{err: err, after: func(ctx context.Context, tx *sql.Tx) error {
				return rec.insert(ctx, tx, k.db.Dialect, optimistic, "", status, body, now)
			}}
		}
	}
	return Result{}, nil, err
}

// refusal is a movement refused after its claim, to be rolled back with
// its record of the answer kept (ledger.AfterRollback).
type refusal struct {
	err   error
	after func(ctx context.Context, tx *sql.Tx) error
}

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }
func (r *refusal) AfterRollback(ctx context.Context, tx *sql.Tx) error {
	return r.after(ctx, tx)
}

// storable reports whether err is an answer to keep for the key rather than
// a failure to retry: a business refusal, not a database or internal error.
func storable(db *store.DB, err error) bool {
	if db.Dialect.Retryable(err) {
		return false
	}
	switch nestegg.ErrorCode(err) {
	case nestegg.Internal, nestegg.Unavailable, nestegg.InFlight, "":
		return false
	}
	return true
}

func (k *Kernel) decideAndWork(ctx context.Context, tx *Tx, info Info, res *Result, work func(ctx context.Context, tx *Tx) error) error {
	req := tx.req
	if info.Check {
		m := checked(req, info)
		var d compliance.Decision
		var err error
		if tx.batch != nil {
			d, err = tx.batch.comp.Check(ctx, tx.SQL, m)
		} else {
			d, err = k.comp.Check(ctx, tx.SQL, m)
		}
		if err != nil {
			return err
		}
		tx.decision = d
		switch d.Outcome {
		case compliance.Deny:
			// A denial leaves no trace but its audit row: the claim goes, so
			// the key may be tried again (after a tier change, say); the
			// API's record of the request keeps the answer it was given.
			if tx.claimed {
				if _, err := tx.SQL.ExecContext(ctx, "DELETE FROM movements WHERE id = $1", req.ID); err != nil {
					return err
				}
			}
			return &denial{reason: d.Reason}
		case compliance.Hold:
			if !info.Holdable {
				return fmt.Errorf("movement %s: the checkpoint held a kind that cannot be held", req.Kind)
			}
			if tx.claimed {
				if _, err := tx.SQL.ExecContext(ctx, "UPDATE movements SET status = 'held', reason = $2 WHERE id = $1", req.ID, d.Reason); err != nil {
					return err
				}
			}
			res.Status, res.HoldUntil = Held, d.HoldUntil
		}
	}
	if err := work(ctx, tx); err != nil {
		return err
	}
	if req.Unuse != nil {
		u := *req.Unuse
		u.UserID, u.Asset, u.Amount = req.From, req.Asset, -u.Amount
		if err := k.record(ctx, tx, u); err != nil {
			return err
		}
	}
	u := compliance.Usage{UserID: req.From, Class: info.Class, Asset: req.Asset, Amount: req.Amount, At: tx.now}
	if info.Payee && res.Status == Done {
		u.PayeeID = req.To
	}
	if u.Class == compliance.Uncounted {
		u.Amount = 0
	}
	if u.Amount != 0 || u.PayeeID != "" {
		return k.record(ctx, tx, u)
	}
	return nil
}

// record adds u to the paying member's usage: held by the batch, or now.
func (k *Kernel) record(ctx context.Context, tx *Tx, u compliance.Usage) error {
	if tx.batch != nil {
		tx.batch.comp.Record(u)
		return nil
	}
	return k.comp.Record(ctx, tx.SQL, u)
}

// checked is the movement req asks the checkpoint about.
func checked(req *Request, info Info) compliance.Movement {
	return compliance.Movement{Kind: compliance.Kind(req.Kind), Class: info.Class, Holdable: info.Holdable, CashOut: info.CashOut,
		FromUser: req.From, ToUser: req.To, Asset: req.Asset, Amount: req.Amount, Reference: req.ID}
}

// insertClaim is claim for a key known to be free, with the movement's
// final status, held for the end of its batch.
func (k *Kernel) insertClaim(ctx context.Context, tx *sql.Tx, req *Request, status Status, d compliance.Decision, now time.Time) error {
	reason := ""
	if status == Held {
		reason = d.Reason
	}
	return store.Insert(ctx, tx, k.db.Dialect, "movements", movementColumns, "",
		req.ID, string(req.Kind), req.Actor, req.Key, req.Fingerprint, req.Reference, req.From, req.To, req.Asset, req.Amount, req.Fee,
		req.Note, string(status), reason, now.UnixNano())
}

var movementColumns = []store.Column{{Name: "id", Type: "TEXT"}, {Name: "kind", Type: "TEXT"}, {Name: "actor", Type: "TEXT"},
	{Name: "idem_key", Type: "TEXT"}, {Name: "fingerprint", Type: "TEXT"}, {Name: "reference", Type: "TEXT"}, {Name: "from_user", Type: "TEXT"},
	{Name: "to_user", Type: "TEXT"}, {Name: "asset", Type: "TEXT"}, {Name: "amount", Type: "BIGINT"}, {Name: "fee", Type: "BIGINT"},
	{Name: "note", Type: "TEXT"}, {Name: "status", Type: "TEXT"}, {Name: "reason", Type: "TEXT"}, {Name: "created_at", Type: "BIGINT"}}

// claim inserts the movement's row unless its key is taken; false means it
// is (by a committed movement: a concurrent one's insert waits for its
// transaction to end).
func (k *Kernel) claim(ctx context.Context, tx *sql.Tx, req *Request, now time.Time) (bool, error) {
	r, err := tx.ExecContext(ctx, `INSERT INTO movements (id, kind, actor, idem_key, fingerprint, reference, from_user, to_user, asset, amount, fee, note, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'done', $13) ON CONFLICT (actor, idem_key) DO NOTHING`,
		req.ID, string(req.Kind), req.Actor, req.Key, req.Fingerprint, req.Reference, req.From, req.To, req.Asset, req.Amount, req.Fee, req.Note, now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("movement claim: %w", err)
	}
	n, err := r.RowsAffected()
	return n == 1, err
}

var errMismatch = nestegg.ParamErrorf(nestegg.IdempotencyMismatch, "idempotency_key", "this idempotency key was used for a different request; use a new key")

// replay answers a key already used: the earlier movement, or its denial.
func (k *Kernel) replay(ctx context.Context, q store.Querier, req *Request) (Result, error) {
	var fp, status, reason string
	res := Result{Replayed: true}
	err := q.QueryRowContext(ctx, "SELECT id, reference, fingerprint, status, reason FROM movements WHERE actor = $1 AND idem_key = $2",
		req.Actor, req.Key).Scan(&res.ID, &res.Reference, &fp, &status, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		// Claimed, then rolled back between our insert and this read: the
		// movement may run again.
		return Result{}, nestegg.Errorf(nestegg.InFlight, "a request with this idempotency key was being processed; retry with the same key")
	}
	if err != nil {
		return Result{}, fmt.Errorf("movement replay: %w", err)
	}
	if fp != req.Fingerprint {
		return Result{}, errMismatch
	}
	res.Status = Status(status)
	if res.Status == Denied {
		return res, deniedError(reason)
	}
	return res, nil
}

// Find returns the movement an earlier request with (actor, key) made, for
// domains that answer a replay before doing any work of their own. found is
// false when the key is unused. Errors: IdempotencyMismatch for another
// fingerprint; Forbidden (with the reason) when it was denied.
func (k *Kernel) Find(ctx context.Context, actor, key, fingerprint string) (res Result, found bool, err error) {
	res, err = k.replay(ctx, k.db.Reader(), &Request{Actor: actor, Key: key, Fingerprint: fingerprint})
	if nestegg.Is(err, nestegg.InFlight) {
		return Result{}, false, nil
	}
	return res, err == nil || res.ID != "", err
}

// SetStatus moves a movement from status from to status to outside any
// movement — for a reservation the ledger itself voided when its timeout
// passed, where no money moves now. Conflict when it is not in from.
func (k *Kernel) SetStatus(ctx context.Context, movementID string, from, to Status) error {
	return k.db.Write(ctx, func(sqlTx *sql.Tx) error {
		return (&Tx{SQL: sqlTx}).SetStatus(ctx, movementID, from, to)
	})
}
