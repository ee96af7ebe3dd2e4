package compliance

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// Batch is the checkpoint for movements that commit together in one
// transaction (the movement kernel's group commit). Prepare locks every
// paying member's row and reads their usage, known payees and receivers'
// regions in one statement each for the whole batch, where Check pays three per movement
// (on PostgreSQL, three round trips while the batch holds its locks); the
// usage the batch's movements record is held and written in one statement
// at the end (Flush). A Batch decides exactly as Check would in the same
// transaction: usage recorded earlier in the batch counts toward later
// movements' limits, and a movement rolled back (Undo) gives its usage
// back. A member Prepare was not told of is checked through SQL, as Check
// does.
//
// A Batch belongs to one transaction and is not safe for concurrent use.
type Batch struct {
	s   *Service
	now time.Time
	// What Prepare read: members' states (locked), the usage they had
	// (day and month per member and class), and who they had paid.
	status map[string]Status
	used   map[usedKey][2]int64
	paid   map[[2]string]bool
	asked  map[[2]string]bool // the pairs Prepare read
	// receivers' regions Prepare read (those not among the payers)
	regions map[string]string
	// What the batch's movements recorded, not yet written.
	rows    map[usageRow]int64
	payees  map[[2]string]int64
	journal []entry
	mark    int
}

type usedKey struct {
	user  string
	class Class
}

// usageRow is one row of compliance_usage.
type usageRow struct {
	user   string
	class  Class
	asset  string
	span   string // "h" or "d"
	bucket int64
}

// entry is one recorded change, for Undo.
type entry struct {
	row    usageRow
	amount int64
	payee  [2]string // set: a payee added
}

// Prepare locks the rows of the members whose money ms would move, in
// user id order (so that batches in several processes lock them in one
// order), and reads what deciding ms needs, inside tx. Errors: database
// failures.
func (s *Service) Prepare(ctx context.Context, tx *sql.Tx, ms []Movement) (*Batch, error) {
	b := &Batch{s: s, now: s.now(), status: map[string]Status{}, used: map[usedKey][2]int64{}, paid: map[[2]string]bool{},
		asked: map[[2]string]bool{}, regions: map[string]string{}, rows: map[usageRow]int64{}, payees: map[[2]string]int64{}}
	users := map[string]bool{}
	pairs := map[[2]string]bool{}
	receivers := map[string]bool{}
	for _, m := range ms {
		if !limited(m) {
			continue
		}
		users[m.FromUser] = true
		if s.coolingOff(m) {
			pairs[[2]string{m.FromUser, m.ToUser}] = true
		}
		if s.jurisdiction(m) && m.ToUser != "" {
			receivers[m.ToUser] = true
		}
	}
	if len(users) == 0 {
		return b, nil
	}
	ids := slices.Sorted(maps.Keys(users))
	if err := b.lockAll(ctx, tx, ids); err != nil {
		return nil, fmt.Errorf("compliance prepare: %w", err)
	}
	if err := b.readUsage(ctx, tx, ids); err != nil {
		return nil, fmt.Errorf("compliance prepare: %w", err)
	}
	if len(pairs) > 0 {
		if err := b.readPayees(ctx, tx, slices.SortedFunc(maps.Keys(pairs), comparePair)); err != nil {
			return nil, fmt.Errorf("compliance prepare: %w", err)
		}
	}
	for id := range users {
		delete(receivers, id) // a payer's region is in their locked row
	}
	if len(receivers) > 0 {
		if err := b.readRegions(ctx, tx, slices.Sorted(maps.Keys(receivers))); err != nil {
			return nil, fmt.Errorf("compliance prepare: %w", err)
		}
	}
	return b, nil
}

// readRegions reads receivers' regions in one statement, without locking
// them (a region changes only by an identity check, in a transaction of
// its own).
func (b *Batch) readRegions(ctx context.Context, tx *sql.Tx, ids []string) error {
	for _, id := range ids {
		b.regions[id] = "" // a member without a row has no region
	}
	in, args := b.s.db.Dialect.In("user_id", ids)
	rows, err := tx.QueryContext(ctx, "SELECT user_id, region FROM compliance_users WHERE "+in, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, r string
		if err := rows.Scan(&id, &r); err != nil {
			return err
		}
		b.regions[id] = r
	}
	return rows.Err()
}

func comparePair(a, b [2]string) int {
	return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
}

// lockAll is lock for many members in one statement: the upsert's DO
// UPDATE locks each row as FOR UPDATE would, in the order ids are given.
func (b *Batch) lockAll(ctx context.Context, tx *sql.Tx, ids []string) error {
	d := b.s.db.Dialect
	bulk := d.NewBulk(store.Column{Name: "user_id", Type: "TEXT"}, store.Column{Name: "updated_at", Type: "BIGINT"})
	at := b.now.UnixNano()
	for _, id := range ids {
		bulk.Add(id, at)
	}
	rows, err := bulk.Query(ctx, tx, "compliance_users",
		" ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id RETURNING "+statusCols)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		st, err := scanStatus(rows)
		if err != nil {
			return err
		}
		b.status[st.UserID] = st
	}
	return rows.Err()
}

// readUsage is used for many members and every class at once.
func (b *Batch) readUsage(ctx context.Context, tx *sql.Tx, ids []string) error {
	d := b.s.db.Dialect
	in, args := d.In("user_id", ids)
	// The windows' bounds are integers written into the statement: the
	// IN list's placeholders must come first.
	n := b.now.UnixNano()
	hour, day := n/hourNanos-25, n/dayNanos-31
	args = append(args, b.s.cfg.Asset)
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT user_id, class,
			COALESCE(SUM(CASE WHEN span = 'h' AND bucket > %[2]d THEN amount ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN span = 'd' AND bucket > %[3]d THEN amount ELSE 0 END), 0)
		FROM compliance_usage WHERE %[4]s AND asset = %[1]s
			AND ((span = 'h' AND bucket > %[2]d) OR (span = 'd' AND bucket > %[3]d))
		GROUP BY user_id, class`, d.List(len(args), 1), hour, day, in), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k usedKey
		var class string
		var v [2]int64
		if err := rows.Scan(&k.user, &class, &v[0], &v[1]); err != nil {
			return err
		}
		k.class = Class(class)
		b.used[k] = v
	}
	return rows.Err()
}

func (b *Batch) readPayees(ctx context.Context, tx *sql.Tx, pairs [][2]string) error {
	keys := make([][]any, len(pairs))
	for i, p := range pairs {
		keys[i] = []any{p[0], p[1]}
	}
	in, args := b.s.db.Dialect.InTuples([]string{"user_id", "payee_id"}, keys)
	rows, err := tx.QueryContext(ctx, "SELECT user_id, payee_id FROM compliance_payees WHERE "+in, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for _, p := range pairs {
		b.asked[p] = true
	}
	for rows.Next() {
		var p [2]string
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return err
		}
		b.paid[p] = true
	}
	return rows.Err()
}

// Check is Service.Check inside the batch's transaction tx.
func (b *Batch) Check(ctx context.Context, tx *sql.Tx, m Movement) (Decision, error) {
	if m.Kind == "" || m.Asset == "" || m.Amount <= 0 {
		return Decision{}, nestegg.Errorf(nestegg.Invalid, "compliance: a movement needs a kind, an asset and a positive amount")
	}
	d, err := b.s.decide(m, batchFacts{b: b, sql: sqlFacts{s: b.s, ctx: ctx, q: tx, lock: tx}})
	if err != nil {
		return Decision{}, fmt.Errorf("compliance check: %w", err)
	}
	return b.s.audited(ctx, tx, m, d)
}

// batchFacts reads what Prepare read, plus what the batch recorded since;
// a member it did not prepare is read through SQL.
type batchFacts struct {
	b   *Batch
	sql sqlFacts
}

func (f batchFacts) status(userID string) (Status, error) {
	if st, ok := f.b.status[userID]; ok {
		return st, nil
	}
	return f.sql.status(userID)
}

func (f batchFacts) region(userID string) (string, error) {
	if st, ok := f.b.status[userID]; ok {
		return st.Region, nil
	}
	if r, ok := f.b.regions[userID]; ok {
		return r, nil
	}
	return f.sql.region(userID)
}

func (f batchFacts) used(userID string, class Class, now time.Time) (day, month int64, err error) {
	if _, prepared := f.b.status[userID]; prepared {
		v := f.b.used[usedKey{userID, class}]
		day, month = v[0], v[1]
	} else if day, month, err = f.sql.used(userID, class, now); err != nil {
		return 0, 0, err
	}
	// Add what the batch recorded inside the windows (usage given back
	// may belong to a bucket that has left them).
	n := now.UnixNano()
	for r, amount := range f.b.rows {
		if r.user != userID || r.class != class || r.asset != f.b.s.cfg.Asset {
			continue
		}
		switch {
		case r.span == "h" && r.bucket > n/hourNanos-25:
			day += amount
		case r.span == "d" && r.bucket > n/dayNanos-31:
			month += amount
		}
	}
	return day, month, nil
}

func (f batchFacts) paid(userID, payeeID string) (bool, error) {
	p := [2]string{userID, payeeID}
	if _, ok := f.b.payees[p]; ok || f.b.paid[p] {
		return true, nil
	}
	if f.b.asked[p] {
		return false, nil
	}
	return f.sql.paid(userID, payeeID)
}

// Record is Service.Record held for Flush.
func (b *Batch) Record(u Usage) {
	if u.UserID == "" {
		return
	}
	for _, r := range b.s.usageRows(u) {
		b.rows[r.row] += r.amount
		b.journal = append(b.journal, r)
	}
	if p, ok := payee(u); ok {
		if _, seen := b.payees[p]; !seen && !b.paid[p] {
			b.payees[p] = u.At.UnixNano()
			b.journal = append(b.journal, entry{payee: p})
		}
	}
}

// Mark remembers what the batch has recorded, for Undo.
func (b *Batch) Mark() { b.mark = len(b.journal) }

// Undo gives back what was recorded since Mark.
func (b *Batch) Undo() {
	for i := len(b.journal) - 1; i >= b.mark; i-- {
		e := b.journal[i]
		if e.payee != ([2]string{}) {
			delete(b.payees, e.payee)
			continue
		}
		b.rows[e.row] -= e.amount
	}
	b.journal = b.journal[:b.mark]
}

// Flush writes what the batch recorded, in one statement per table, in key
// order (the rows are its members', whose rows Prepare locked).
func (b *Batch) Flush(ctx context.Context, tx *sql.Tx) error {
	d := b.s.db.Dialect
	if len(b.rows) > 0 {
		bulk := d.NewBulk(usageColumns...)
		for _, r := range slices.SortedFunc(maps.Keys(b.rows), compareRow) {
			if a := b.rows[r]; a != 0 {
				bulk.Add(r.user, string(r.class), r.asset, r.span, r.bucket, a)
			}
		}
		if bulk.Len() > 0 {
			if err := bulk.Insert(ctx, tx, "compliance_usage", usageUpsert); err != nil {
				return fmt.Errorf("record usage: %w", err)
			}
		}
	}
	if len(b.payees) > 0 {
		bulk := d.NewBulk(payeeColumns...)
		for _, p := range slices.SortedFunc(maps.Keys(b.payees), comparePair) {
			bulk.Add(p[0], p[1], b.payees[p])
		}
		if err := bulk.Insert(ctx, tx, "compliance_payees", " ON CONFLICT (user_id, payee_id) DO NOTHING"); err != nil {
			return fmt.Errorf("record payee: %w", err)
		}
	}
	clear(b.rows)
	clear(b.payees)
	b.journal, b.mark = b.journal[:0], 0
	return nil
}

func compareRow(a, b usageRow) int {
	return cmp.Or(cmp.Compare(a.user, b.user), cmp.Compare(a.class, b.class), cmp.Compare(a.asset, b.asset),
		cmp.Compare(a.span, b.span), cmp.Compare(a.bucket, b.bucket))
}
