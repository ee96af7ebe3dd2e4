package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// request is one Submit call waiting for its batch to commit.
type request struct {
	ctx       context.Context
	transfers []Transfer
	rider     *Rider
	// work, when set, is a Do call: run inside the batch in a SAVEPOINT of
	// its own, instead of transfers.
	work func(ctx context.Context, tx *sql.Tx) error
	// order places a unit of work in its batch, and accounts are the
	// ledger accounts it will touch, nil when unknown (see Do).
	order    string
	accounts []string
	// prep readies the batch for the work (DoPrepared), told hint.
	prep Preparer
	hint any
	done chan reply
}

type reply struct {
	results []Result
	err     error
}

// weight is what a request counts toward MaxBatch: its transfers, or for
// a unit of work MaxBatch / MaxWorks, so that a batch carries at most
// MaxWorks of them.
func (b *batcher) weight(r *request) int {
	if r.work != nil {
		return b.l.opt.MaxBatch / b.l.opt.MaxWorks
	}
	return len(r.transfers)
}

// batcher implements group commit: committers take whatever requests are
// queued (up to MaxBatch transfers), apply them in one transaction and answer
// each request only after that transaction has committed. A lone request
// never waits for company — requests that arrive while a batch commits simply
// form the next batch — so batches grow with load and latency at one client
// stays one commit.
type batcher struct {
	l *Ledger
	// batches and requests count what has been committed, for Stats.
	batches, requests atomic.Int64
	// workMu is held while a batch carrying units of work that did not
	// declare their accounts commits: they take their locks one movement at
	// a time, so two such batches at once deadlock each other often
	// (PostgreSQL aborts one after deadlock_timeout, a second: measured, 30
	// deadlocks in 8,000 payments even with works ordered by payer).
	workMu sync.Mutex

	// queue holds transfer requests and works units of work: each has its
	// own committers (Options.Committers, Options.WorkCommitters), so that
	// movements, which execute statement by statement, neither hold up
	// transfer batches nor take their committers.
	queue, works chan *request
	wg           sync.WaitGroup
	mu           sync.RWMutex // guards closed against sends on a closed queue
	closed       bool
}

func newBatcher(l *Ledger, committers, workCommitters int) *batcher {
	b := &batcher{l: l, queue: make(chan *request, 4*MaxBatch), works: make(chan *request, 4*MaxBatch)}
	for i := 0; i < committers; i++ {
		b.wg.Add(1)
		go b.loop(b.queue)
	}
	for i := 0; i < workCommitters; i++ {
		b.wg.Add(1)
		go b.loop(b.works)
	}
	return b
}

var errClosed = nestegg.Errorf(nestegg.Unavailable, "the ledger is shutting down; retry with the same transfer ids")

func (b *batcher) submit(ctx context.Context, ts []Transfer, rider *Rider) ([]Result, error) {
	return b.enqueue(&request{ctx: ctx, transfers: ts, rider: rider, done: make(chan reply, 1)})
}

func (b *batcher) enqueue(r *request) ([]Result, error) {
	ctx := r.ctx
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return nil, errClosed
	}
	q := b.queue
	if r.work != nil {
		q = b.works
	}
	select {
	case q <- r:
	case <-ctx.Done():
		b.mu.RUnlock()
		return nil, ctx.Err()
	}
	b.mu.RUnlock()
	// Once queued, the request is committed or failed as a whole: waiting
	// for the answer even if ctx ends keeps "answered" and "committed" equal.
	rep := <-r.done
	return rep.results, rep.err
}

// close stops accepting requests, commits every queued one, and waits.
func (b *batcher) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
		close(b.works)
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func (b *batcher) loop(queue chan *request) {
	defer b.wg.Done()
	max := b.l.opt.MaxBatch
	var carry *request
	for {
		var batch []*request
		n := 0
		if carry != nil {
			batch, n, carry = append(batch, carry), b.weight(carry), nil
		} else {
			r, ok := <-queue
			if !ok {
				return
			}
			batch, n = append(batch, r), b.weight(r)
		}
		var timer <-chan time.Time
		if b.l.opt.MaxWait > 0 {
			timer = time.After(b.l.opt.MaxWait)
		}
	gather:
		for n < max {
			var r *request
			var ok bool
			if timer != nil {
				select {
				case r, ok = <-queue:
				case <-timer:
					break gather
				}
			} else {
				select {
				case r, ok = <-queue:
				default:
					break gather
				}
			}
			if !ok {
				break
			}
			if n+b.weight(r) > max {
				carry = r
				break
			}
			batch, n = append(batch, r), n+b.weight(r)
		}
		b.commit(batch)
	}
}

func (b *batcher) commit(batch []*request) {
	// Requests whose callers already gave up before their batch began are
	// answered without touching the database.
	live := batch[:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- reply{err: err}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	var reqs [][]Transfer
	var riders []*Rider
	var transferReqs, workReqs []*request
	for _, r := range live {
		if r.work != nil {
			workReqs = append(workReqs, r)
			continue
		}
		transferReqs = append(transferReqs, r)
		reqs, riders = append(reqs, r.transfers), append(riders, r.rider)
	}
	// Units of work take their row locks one after another: run in the
	// order their callers name (the member whose rows they lock first), so
	// that batches of several processes take those locks in one order.
	slices.SortStableFunc(workReqs, func(a, b *request) int { return strings.Compare(a.order, b.order) })
	works := make([]work, len(workReqs))
	for i, r := range workReqs {
		works[i] = work{ctx: context.WithoutCancel(r.ctx), fn: r.work, prep: r.prep, hint: r.hint}
	}
	// A batch whose units of work all declared their accounts locks every
	// account it will touch first, in id order, so that it never waits on
	// another batch in a cycle: such batches commit side by side (several
	// committers on PostgreSQL). One with a unit that did not declare them
	// takes its locks as it goes, so it commits alone among this process's
	// batches with work.
	var prelock []string
	if len(works) > 0 {
		declared := true
		for _, r := range workReqs {
			declared = declared && r.accounts != nil
			prelock = append(prelock, r.accounts...)
		}
		// Units of work have a queue of their own, so a batch with them
		// has no transfer requests whose accounts would join the lock.
		if declared {
			slices.Sort(prelock)
			prelock = slices.Compact(prelock)
		} else {
			prelock = nil
			b.workMu.Lock()
			defer b.workMu.Unlock()
		}
	}
	results, workErrs, err := b.l.apply(context.Background(), reqs, riders, works, prelock, false)
	if err == nil {
		b.batches.Add(1)
		b.requests.Add(int64(len(live)))
	}
	for i, r := range transferReqs {
		switch {
		case err != nil:
			r.done <- reply{err: err}
		case results[i] == nil: // its rider's key was taken: a replay
			r.done <- reply{err: ErrRiderExists}
		default:
			r.done <- reply{results: results[i]}
		}
	}
	for i, r := range workReqs {
		if err != nil {
			r.done <- reply{err: err}
		} else {
			r.done <- reply{err: workErrs[i]}
		}
	}
}

// AfterRollback is an error a unit of work may return to be rolled back
// and still leave something in the batch: AfterRollback runs in the batch's
// transaction after the work's savepoint is rolled back (the movement
// kernel stores the answer to a refused movement's idempotency key so).
// If it fails, what it wrote is rolled back too and its error is the
// work's.
type AfterRollback interface {
	error
	AfterRollback(ctx context.Context, tx *sql.Tx) error
}

// work is a Do call inside a batch.
type work struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	prep Preparer
	hint any
}

// apply runs requests in one write transaction (retrying it whole on
// serialization failures and on a transfer id inserted concurrently by
// another process) and returns results per request.
//
// Units of work share one engine for the batch (see batchTx): their
// transfers are decided in memory as they submit and written together
// after the last unit, as a batch of transfer requests is.
func (l *Ledger) apply(ctx context.Context, reqs [][]Transfer, riders []*Rider, works []work, prelock []string, expiry bool) ([][]Result, []error, error) {
	var results [][]Result
	var workErrs []error
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = l.db.Write(ctx, func(tx *sql.Tx) error {
			var e error
			if len(reqs) > 0 {
				if results, e = l.applyTx(ctx, tx, reqs, riders, expiry); e != nil {
					return e
				}
			}
			if len(works) == 0 {
				return nil
			}
			// The first attempt does not look its transfer ids up: a
			// movement's ids derive from the idempotency key it has just
			// claimed, so none can exist yet, and the lookup was a
			// statement (a round trip on PostgreSQL) per movement. Should
			// one exist after all, saving the batch violates the unique id,
			// and the retry looks every id up and answers it as a replay.
			bt := &batchTx{tx: tx, e: newEngine(l.opt.Clock().UnixNano(), l.nextTimestamp, false), later: l.db.Dialect.NewLater(tx),
				lookUpIDs: attempt > 0}
			if e := loadAccounts(ctx, tx, l.db.Dialect, bt.e, prelock); e != nil {
				return e
			}
			if e := bt.prepare(ctx, works); e != nil {
				return e
			}
			if workErrs, e = l.runWorks(tx, bt, works); e != nil {
				return e
			}
			for _, p := range bt.parts {
				if e := p.part.Flush(ctx, tx); e != nil {
					return e
				}
			}
			if e := bt.later.Flush(ctx); e != nil {
				return e
			}
			return save(ctx, tx, l.db.Dialect, bt.e)
		})
		// A unique violation means another process committed one of these
		// transfer ids after we looked: run again and it is a replay.
		if !nestegg.Is(err, nestegg.Conflict) {
			break
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("ledger commit: %w", err)
	}
	return results, workErrs, nil
}

// batchTx is a batch of units of work in progress: its transaction, the
// engine its units' transfers are decided in, and the rows its units
// insert with store.Insert, written after the last unit. SubmitTx and
// AccountTx find it in the context runWorks hands each unit, and use it
// when they are called with its transaction.
type batchTx struct {
	tx        *sql.Tx
	e         *engine
	later     *store.Later
	lookUpIDs bool // read the ids of submitted transfers (a retry)
	parts     []preparedPart
}

type preparedPart struct {
	prep Preparer
	part Part
}

// Preparer readies state that the units of work of a batch share, in one
// statement for the whole batch where each unit would have paid one of its
// own: the movement kernel locks and reads every paying member's limits so.
// See DoPrepared.
type Preparer interface {
	// Prepare is called in the batch's transaction with the hints of the
	// batch's units that name this Preparer, in the order they will run.
	// Its error fails the batch.
	Prepare(ctx context.Context, tx *sql.Tx, hints []any) (Part, error)
}

// Part is a Preparer's state for one batch, journaled per unit like the
// batch's transfers: Mark before each unit runs, Undo when the unit rolls
// back (to its Mark), and Flush once after the last unit, before the
// batch's held rows (store.Later) and transfers are written.
type Part interface {
	Mark()
	Undo()
	Flush(ctx context.Context, tx *sql.Tx) error
}

// PartOf returns what p prepared for the batch tx belongs to, or nil
// outside a batch (a unit run in a transaction of its own then reads and
// writes as it goes).
func PartOf(ctx context.Context, tx *sql.Tx, p Preparer) Part {
	if bt := batchOf(ctx, tx); bt != nil {
		for _, pp := range bt.parts {
			if pp.prep == p {
				return pp.part
			}
		}
	}
	return nil
}

// Optimistic reports whether tx is a batch's first attempt, in which a
// unit may hold rows that could collide with another process's (a claimed
// key) for the batch's end (store.Later): a unique violation there runs
// the batch again, and Optimistic is then false — as it is outside a batch
// — so that the unit writes them as it goes, where a collision is its own.
func Optimistic(ctx context.Context, tx *sql.Tx) bool {
	bt := batchOf(ctx, tx)
	return bt != nil && !bt.lookUpIDs
}

// prepare calls each Preparer of the batch's units once.
func (bt *batchTx) prepare(ctx context.Context, works []work) error {
	bt.parts = bt.parts[:0]
	var order []Preparer
	hints := map[Preparer][]any{}
	for _, w := range works {
		if w.prep == nil {
			continue
		}
		if _, ok := hints[w.prep]; !ok {
			order = append(order, w.prep)
		}
		hints[w.prep] = append(hints[w.prep], w.hint)
	}
	ctx = context.WithValue(ctx, batchKey{}, bt)
	for _, p := range order {
		part, err := p.Prepare(ctx, bt.tx, hints[p])
		if err != nil {
			return err
		}
		bt.parts = append(bt.parts, preparedPart{prep: p, part: part})
	}
	return nil
}

func (bt *batchTx) mark() {
	bt.e.beginWork()
	bt.later.Mark()
	for _, p := range bt.parts {
		p.part.Mark()
	}
}

func (bt *batchTx) undo() {
	bt.e.undoWork()
	bt.later.Undo()
	for _, p := range bt.parts {
		p.part.Undo()
	}
}

type batchKey struct{}

// batchOf returns the batch tx belongs to, or nil outside one.
func batchOf(ctx context.Context, tx *sql.Tx) *batchTx {
	bt, _ := ctx.Value(batchKey{}).(*batchTx)
	if bt == nil || bt.tx != tx {
		return nil
	}
	return bt
}

// runWorks runs each unit of work in its own SAVEPOINT, so that one that
// fails rolls back alone — its rows and, in the batch's engine, its
// transfers — and the others commit with the batch. A work's error is its
// own answer — except a serialization failure or deadlock, which aborts
// the batch so that the whole of it runs again.
func (l *Ledger) runWorks(tx *sql.Tx, bt *batchTx, works []work) ([]error, error) {
	errs := make([]error, len(works))
	if len(works) > 0 {
		if _, err := tx.ExecContext(works[0].ctx, "SAVEPOINT work"); err != nil {
			return nil, err
		}
	}
	for i, w := range works {
		ctx := store.WithLater(context.WithValue(w.ctx, batchKey{}, bt), bt.later)
		bt.mark()
		err := w.fn(ctx, tx)
		if err != nil {
			if l.db.Dialect.Retryable(err) {
				return nil, err
			}
			if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT work"); rerr != nil {
				return nil, rerr
			}
			bt.undo()
			var after AfterRollback
			if errors.As(err, &after) {
				bt.mark()
				if aerr := after.AfterRollback(ctx, tx); aerr != nil {
					if l.db.Dialect.Retryable(aerr) {
						return nil, aerr
					}
					if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT work"); rerr != nil {
						return nil, rerr
					}
					bt.undo()
					err = aerr
				}
			}
		}
		// One statement ends this unit's savepoint and begins the next's:
		// on PostgreSQL one round trip per unit instead of two.
		next := "RELEASE SAVEPOINT work"
		if i < len(works)-1 {
			next += "; SAVEPOINT work"
		}
		if _, rerr := tx.ExecContext(ctx, next); rerr != nil {
			return nil, rerr
		}
		errs[i] = err
	}
	bt.e.journaling = false
	return errs, nil
}

func (l *Ledger) applyTx(ctx context.Context, tx *sql.Tx, reqs [][]Transfer, riders []*Rider, expiry bool) ([][]Result, error) {
	e := newEngine(l.opt.Clock().UnixNano(), l.nextTimestamp, expiry)
	taken, err := takenRiders(ctx, tx, l.db.Dialect, riders)
	if err != nil {
		return nil, err
	}
	if err := load(ctx, tx, l.db.Dialect, e, reqs, true); err != nil {
		return nil, err
	}
	results := make([][]Result, len(reqs))
	for i, ts := range reqs {
		if i < len(taken) && taken[i] {
			continue // a replay: nothing applied, results[i] stays nil
		}
		results[i] = e.run(ts)
	}
	if err := save(ctx, tx, l.db.Dialect, e); err != nil {
		return nil, err
	}
	if err := saveRiders(ctx, tx, l.db.Dialect, riders, results); err != nil {
		return nil, err
	}
	return results, nil
}

// nextTimestamp returns a timestamp after every one this Ledger handed out,
// so that a process's transfers are strictly ordered by time.
func (l *Ledger) nextTimestamp(now int64) int64 {
	l.tsMu.Lock()
	defer l.tsMu.Unlock()
	if now <= l.lastTS {
		now = l.lastTS + 1
	}
	l.lastTS = now
	return now
}
