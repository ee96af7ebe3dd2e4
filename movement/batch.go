package movement

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
)

// batch is the kernel's state for a batch of movements committing together
// (ledger.Part): what it prepared for the whole batch in a few statements,
// where each movement would have paid its own.
//
//   - The checkpoint's batch (compliance.Batch): every paying member's row
//     locked and their usage read at once; usage written at the end.
//   - The keys: which of the batch's (actor, key) pairs a committed
//     movement already holds (those claim as they go and replay); the
//     others are claimed by the movement's row, held for the end of the
//     batch (store.Later) with its final status.
//
// Every statement a movement no longer pays is, on PostgreSQL, a round
// trip made while the batch holds its locks.
type batch struct {
	comp   *compliance.Batch
	known  map[[2]string]bool
	claims map[[2]string]claimed
	added  [][2]string // claims in the order made, for Undo
	mark   int
}

// claimed is a key claimed earlier in the batch: a later movement with it
// is answered by it.
type claimed struct {
	res         Result
	fingerprint string
}

// preparer readies the ledger's batches of movements. It is a value
// that every kernel on the same database and checkpoint shares (each
// domain makes its own kernel): the ledger prepares a batch once per
// distinct Preparer, so movements of payments, commerce and funding in one
// batch share one compliance.Batch — a member's usage recorded by a
// payment counts toward a purchase later in the same batch.
type preparer struct {
	db   *store.DB
	comp *compliance.Service
}

// Prepare readies a batch of movements (hints are their *Request).
func (k preparer) Prepare(ctx context.Context, tx *sql.Tx, hints []any) (ledger.Part, error) {
	b := &batch{known: map[[2]string]bool{}, claims: map[[2]string]claimed{}}
	var ms []compliance.Movement
	keys := make([][]any, 0, len(hints))
	for _, h := range hints {
		req := h.(*Request)
		if info, _ := Lookup(req.Kind); info.Check {
			ms = append(ms, checked(req, info))
		}
		keys = append(keys, []any{req.Actor, req.Key})
	}
	var err error
	if b.comp, err = k.comp.Prepare(ctx, tx, ms); err != nil {
		return nil, err
	}
	in, args := k.db.Dialect.InTuples([]string{"actor", "idem_key"}, keys)
	rows, err := tx.QueryContext(ctx, "SELECT actor, idem_key FROM movements WHERE "+in, args...)
	if err != nil {
		return nil, fmt.Errorf("movement keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key [2]string
		if err := rows.Scan(&key[0], &key[1]); err != nil {
			return nil, fmt.Errorf("movement keys: %w", err)
		}
		b.known[key] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("movement keys: %w", err)
	}
	return b, nil
}

func (b *batch) claim(key [2]string, c claimed) {
	b.claims[key] = c
	b.added = append(b.added, key)
}

func (b *batch) Mark() {
	b.mark = len(b.added)
	b.comp.Mark()
}

func (b *batch) Undo() {
	for _, key := range b.added[b.mark:] {
		delete(b.claims, key)
	}
	b.added = b.added[:b.mark]
	b.comp.Undo()
}

func (b *batch) Flush(ctx context.Context, tx *sql.Tx) error {
	return b.comp.Flush(ctx, tx)
}
