package ledger

import (
	"math"
	"regexp"
)

// Transfer flag bits as stored in ledger_transfers.flags.
const (
	flagLinked  = 1
	flagPending = 2
	flagPost    = 4
	flagVoid    = 8
)

// Account flag bits as stored in ledger_accounts.flags.
const (
	flagDebitsMustNotExceedCredits = 1
	flagCreditsMustNotExceedDebits = 2
)

// Pending transfer states.
const (
	statePending = "pending"
	statePosted  = "posted"
	stateVoided  = "voided"
	stateExpired = "expired"
)

func (t Transfer) flags() int {
	f := 0
	if t.Linked {
		f |= flagLinked
	}
	if t.Pending {
		f |= flagPending
	}
	if t.PostPending {
		f |= flagPost
	}
	if t.VoidPending {
		f |= flagVoid
	}
	return f
}

func (t *Transfer) setFlags(f int) {
	t.Linked = f&flagLinked != 0
	t.Pending = f&flagPending != 0
	t.PostPending = f&flagPost != 0
	t.VoidPending = f&flagVoid != 0
}

func (a Account) flags() int {
	f := 0
	if a.DebitsMustNotExceedCredits {
		f |= flagDebitsMustNotExceedCredits
	}
	if a.CreditsMustNotExceedDebits {
		f |= flagCreditsMustNotExceedDebits
	}
	return f
}

func (a *Account) setFlags(f int) {
	a.DebitsMustNotExceedCredits = f&flagDebitsMustNotExceedCredits != 0
	a.CreditsMustNotExceedDebits = f&flagCreditsMustNotExceedDebits != 0
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
var codePattern = regexp.MustCompile(`^[a-z0-9_.:-]{1,32}$`)

// validID reports whether s can be an account or transfer id.
func validID(s string) bool { return idPattern.MatchString(s) }

// pendingState is a two-phase transfer as the batch sees it.
type pendingState struct {
	t          Transfer
	state      string
	expiresAt  int64 // Unix ns; 0 = never
	resolvedBy string
	isNew      bool // created in this batch: INSERT rather than UPDATE
	dirty      bool
}

// undo restores one piece of state when a linked chain fails.
type undo struct {
	acct    *Account
	prevA   Account
	pend    *pendingState
	prevP   pendingState
	created string // transfer id to forget
}

// engine applies transfers to a working set loaded (and, on PostgreSQL,
// locked) from the database. It decides every result in memory; the caller
// then writes what changed. All invariants live here.
type engine struct {
	now      int64 // Unix ns
	nextTS   func() int64
	accounts map[string]*Account
	dirty    map[string]bool
	pendings map[string]*pendingState
	existing map[string]Transfer // committed before this batch
	created  map[string]int      // id -> index in out
	out      []Transfer          // created in this batch, in order
	log      []undo
	expiry   bool // the expiry job: voids mark pendings expired
	// journal, in a batch of units of work, holds every change the current
	// unit made, so that a unit rolled back to its savepoint is undone here
	// too (undoWork).
	journal    []undo
	journaling bool
}

// newEngine returns an empty engine deciding at now.
func newEngine(now int64, nextTS func(int64) int64, expiry bool) *engine {
	e := &engine{
		now:      now,
		accounts: map[string]*Account{},
		dirty:    map[string]bool{},
		pendings: map[string]*pendingState{},
		existing: map[string]Transfer{},
		created:  map[string]int{},
		expiry:   expiry,
	}
	e.nextTS = func() int64 { return nextTS(e.now) }
	return e
}

// note records how to undo one change, for the linked chain and the unit
// of work in progress.
func (e *engine) note(u undo) {
	e.log = append(e.log, u)
	if e.journaling {
		e.journal = append(e.journal, u)
	}
}

// beginWork starts a unit of work's journal.
func (e *engine) beginWork() {
	e.journaling = true
	e.journal = e.journal[:0]
}

// undoWork takes back everything the current unit of work changed, newest
// first (chains it already rolled back included: restoring each change's
// earlier state in reverse order ends at the state before the unit).
func (e *engine) undoWork() {
	for k := len(e.journal) - 1; k >= 0; k-- {
		e.undoOne(e.journal[k])
	}
	e.journal = e.journal[:0]
	e.log = e.log[:0]
}

func (e *engine) undoOne(u undo) {
	switch {
	case u.acct != nil:
		*u.acct = u.prevA
	case u.pend != nil:
		*u.pend = u.prevP
	case u.created != "":
		// Already gone when its chain was rolled back before.
		if idx, ok := e.created[u.created]; ok {
			delete(e.created, u.created)
			e.out = e.out[:idx]
			delete(e.pendings, u.created) // a pending created in the chain
		}
	}
}

// run applies one request's transfers and returns their results. Linked
// chains never extend past the end of ts.
func (e *engine) run(ts []Transfer) []Result {
	res := make([]Result, len(ts))
	for i := 0; i < len(ts); {
		j := i
		for j < len(ts) && ts[j].Linked {
			j++
		}
		if j == len(ts) { // the last transfer is linked: the chain never closes
			for k := i; k < len(ts); k++ {
				res[k] = Result{ID: ts[k].ID, Status: StatusLinkedEventChainOpen}
			}
			break
		}
		if i == j {
			res[i] = e.one(ts[i])
			e.log = e.log[:0]
			i++
			continue
		}
		failed := -1
		for k := i; k <= j; k++ {
			res[k] = e.one(ts[k])
			if !res[k].OK() {
				failed = k
				break
			}
		}
		if failed >= 0 {
			e.rollback()
			for k := i; k <= j; k++ {
				if k != failed {
					res[k] = Result{ID: ts[k].ID, Status: StatusLinkedEventFailed}
				}
			}
		}
		e.log = e.log[:0]
		i = j + 1
	}
	return res
}

func (e *engine) rollback() {
	for k := len(e.log) - 1; k >= 0; k-- {
		e.undoOne(e.log[k])
	}
	e.log = e.log[:0]
}

func (e *engine) touchAccount(a *Account) {
	e.note(undo{acct: a, prevA: *a})
	e.dirty[a.ID] = true
}

func (e *engine) touchPending(p *pendingState) {
	e.note(undo{pend: p, prevP: *p})
	p.dirty = true
}

// static checks what can be checked without state.
func static(t Transfer) Status {
	switch {
	case !validID(t.ID):
		return StatusInvalidID
	case !codePattern.MatchString(t.Code):
		return StatusInvalidCode
	case len(t.Reference) > 128:
		return StatusInvalidCode
	}
	n := 0
	for _, b := range []bool{t.Pending, t.PostPending, t.VoidPending} {
		if b {
			n++
		}
	}
	if n > 1 {
		return StatusInvalidFlags
	}
	if t.TimeoutSeconds < 0 || (t.TimeoutSeconds > 0 && !t.Pending) || t.TimeoutSeconds > 10*365*24*3600 {
		return StatusInvalidTimeout
	}
	if t.PostPending || t.VoidPending {
		if !validID(t.PendingID) {
			return StatusPendingTransferNotFound
		}
		if t.Amount < 0 {
			return StatusAmountMustBePositive
		}
		return ""
	}
	if t.PendingID != "" {
		return StatusInvalidFlags
	}
	switch {
	case t.Amount <= 0:
		return StatusAmountMustBePositive
	case t.DebitAccountID == t.CreditAccountID:
		return StatusAccountsMustBeDifferent
	}
	return ""
}

// same reports whether a replayed transfer matches the committed one. A
// post_pending replay with amount 0 ("the full amount") matches whatever
// amount the original resolved to.
func same(in, orig Transfer) bool {
	amountOK := in.Amount == orig.Amount || ((in.PostPending || in.VoidPending) && in.Amount == 0)
	accountsOK := in.DebitAccountID == orig.DebitAccountID && in.CreditAccountID == orig.CreditAccountID
	if in.PostPending || in.VoidPending {
		// Post and void may leave the accounts and asset to the pending transfer.
		accountsOK = (in.DebitAccountID == "" || in.DebitAccountID == orig.DebitAccountID) &&
			(in.CreditAccountID == "" || in.CreditAccountID == orig.CreditAccountID)
		if in.Asset == "" {
			in.Asset = orig.Asset
		}
	}
	return amountOK && accountsOK && in.Asset == orig.Asset && in.Code == orig.Code &&
		in.Reference == orig.Reference && in.flags() == orig.flags() &&
		in.PendingID == orig.PendingID && in.TimeoutSeconds == orig.TimeoutSeconds
}

func add(a, b int64) (int64, bool) {
	if b > 0 && a > math.MaxInt64-b {
		return 0, false
	}
	return a + b, true
}

// one applies a single transfer.
func (e *engine) one(t Transfer) Result {
	r := Result{ID: t.ID}
	if s := static(t); s != "" {
		r.Status = s
		return r
	}
	if orig, ok := e.existing[t.ID]; ok {
		return e.replay(t, orig)
	}
	if idx, ok := e.created[t.ID]; ok {
		return e.replay(t, e.out[idx])
	}
	if t.PostPending || t.VoidPending {
		return e.resolve(t)
	}
	dr, cr := e.accounts[t.DebitAccountID], e.accounts[t.CreditAccountID]
	switch {
	case dr == nil:
		r.Status = StatusDebitAccountNotFound
		return r
	case cr == nil:
		r.Status = StatusCreditAccountNotFound
		return r
	case dr.Asset != t.Asset || cr.Asset != t.Asset:
		r.Status = StatusAssetMismatch
		return r
	}
	// Constraints count pending amounts: a reservation is as binding as a debit.
	drTotal, ok1 := add(dr.DebitsPosted, dr.DebitsPending)
	drTotal, ok2 := add(drTotal, t.Amount)
	crTotal, ok3 := add(cr.CreditsPosted, cr.CreditsPending)
	crTotal, ok4 := add(crTotal, t.Amount)
	if !(ok1 && ok2 && ok3 && ok4) {
		r.Status = StatusOverflow
		return r
	}
	if dr.DebitsMustNotExceedCredits && drTotal > dr.CreditsPosted {
		r.Status = StatusExceedsCredits
		return r
	}
	if cr.CreditsMustNotExceedDebits && crTotal > cr.DebitsPosted {
		r.Status = StatusExceedsDebits
		return r
	}
	e.touchAccount(dr)
	e.touchAccount(cr)
	if t.Pending {
		dr.DebitsPending += t.Amount
		cr.CreditsPending += t.Amount
	} else {
		dr.DebitsPosted += t.Amount
		cr.CreditsPosted += t.Amount
	}
	return e.create(t)
}

func (e *engine) create(t Transfer) Result {
	ts := e.nextTS()
	t.Timestamp = unixNano(ts)
	e.created[t.ID] = len(e.out)
	e.out = append(e.out, t)
	e.note(undo{created: t.ID})
	if t.Pending {
		var exp int64
		if t.TimeoutSeconds > 0 {
			exp = ts + t.TimeoutSeconds*1e9
		}
		p := &pendingState{t: t, state: statePending, expiresAt: exp, isNew: true, dirty: true}
		e.pendings[t.ID] = p
	}
	tt := t
	return Result{ID: t.ID, Status: StatusOK, Transfer: &tt}
}

func (e *engine) replay(in, orig Transfer) Result {
	if !same(in, orig) {
		return Result{ID: in.ID, Status: StatusExistsWithDifferentFields}
	}
	o := orig
	return Result{ID: in.ID, Status: StatusExists, Transfer: &o}
}

// resolve posts or voids a pending transfer.
func (e *engine) resolve(t Transfer) Result {
	r := Result{ID: t.ID}
	p := e.pendings[t.PendingID]
	if p == nil {
		r.Status = StatusPendingTransferNotFound
		return r
	}
	switch p.state {
	case statePosted:
		r.Status = StatusPendingTransferAlreadyPosted
		return r
	case stateVoided:
		r.Status = StatusPendingTransferAlreadyVoided
		return r
	case stateExpired:
		r.Status = StatusPendingTransferExpired
		return r
	}
	if p.expiresAt != 0 && e.now >= p.expiresAt && !e.expiry {
		r.Status = StatusPendingTransferExpired
		return r
	}
	pt := p.t
	if (t.DebitAccountID != "" && t.DebitAccountID != pt.DebitAccountID) ||
		(t.CreditAccountID != "" && t.CreditAccountID != pt.CreditAccountID) {
		r.Status = StatusPendingAccountsMismatch
		return r
	}
	if t.Asset != "" && t.Asset != pt.Asset {
		r.Status = StatusAssetMismatch
		return r
	}
	amount := t.Amount
	if amount == 0 {
		amount = pt.Amount
	}
	if amount > pt.Amount || (t.VoidPending && amount != pt.Amount) {
		r.Status = StatusExceedsPendingAmount
		return r
	}
	dr, cr := e.accounts[pt.DebitAccountID], e.accounts[pt.CreditAccountID]
	if dr == nil || cr == nil { // cannot happen: the pending moved them
		r.Status = StatusPendingTransferNotFound
		return r
	}
	e.touchAccount(dr)
	e.touchAccount(cr)
	e.touchPending(p)
	dr.DebitsPending -= pt.Amount
	cr.CreditsPending -= pt.Amount
	if t.PostPending {
		// Posting at most the pending amount cannot break a constraint that
		// the reservation already satisfied.
		dr.DebitsPosted += amount
		cr.CreditsPosted += amount
		p.state = statePosted
	} else if e.expiry {
		p.state = stateExpired
	} else {
		p.state = stateVoided
	}
	p.resolvedBy = t.ID
	t.DebitAccountID, t.CreditAccountID, t.Asset, t.Amount = pt.DebitAccountID, pt.CreditAccountID, pt.Asset, amount
	return e.create(t)
}
