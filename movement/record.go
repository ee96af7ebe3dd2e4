package movement

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nestegg/nestegg/store"
)

// Record is the API's stored answer for an Idempotency-Key, written by the
// kernel in the transaction of the movement the request makes, so that the
// key and what it did commit together, whatever the timing (two processes,
// a crash between commit and answer):
//
//   - a movement that commits stores a row pointing at it (status 0); a
//     replay of the key runs the request again and the kernel answers with
//     the movement it made, never running it twice;
//   - a refusal (a denial, insufficient funds) stores its rendered answer,
//     and the movement's own writes roll back.
//
// The row is in the API's table idempotency_keys (package web owns its
// reads; the kernel only inserts).
type Record struct {
	Principal, Key, Hash string
	// Render turns a refusal into the response to store (status < 500).
	Render func(err error) (status int, body string)

	pending, stored bool
}

// Stored reports whether a movement stored the record (so the caller must
// not store it again).
func (r *Record) Stored() bool { return r.stored }

type recordKey struct{}

// WithRecord returns ctx carrying rec: the first movement made under ctx
// stores it.
func WithRecord(ctx context.Context, rec *Record) context.Context {
	return context.WithValue(ctx, recordKey{}, rec)
}

func recordFrom(ctx context.Context) *Record {
	rec, _ := ctx.Value(recordKey{}).(*Record)
	if rec == nil || rec.stored {
		return nil
	}
	return rec
}

// insert writes the record inside tx. A key already recorded (by another
// process, with the request that won) is a unique violation that rolls the
// movement back; the API then answers from the stored record.
//
// later holds the row for the end of the batch (see ledger.Optimistic),
// where a collision fails the batch, which then runs again writing it now.
func (r *Record) insert(ctx context.Context, tx *sql.Tx, d store.Dialect, later bool, movementID string, status int, body string, now time.Time) error {
	var err error
	if later {
		err = store.Insert(ctx, tx, d, "idempotency_keys", recordColumns, "",
			r.Principal, r.Key, r.Hash, status, body, now.UnixNano(), movementID)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (principal, idem_key, request_hash, status, response, created_at, movement_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.Principal, r.Key, r.Hash, status, body, now.UnixNano(), movementID)
	}
	if err != nil {
		return fmt.Errorf("idempotency record: %w", err)
	}
	r.pending = true
	return nil
}

var recordColumns = []store.Column{{Name: "principal", Type: "TEXT"}, {Name: "idem_key", Type: "TEXT"}, {Name: "request_hash", Type: "TEXT"},
	{Name: "status", Type: "BIGINT"}, {Name: "response", Type: "TEXT"}, {Name: "created_at", Type: "BIGINT"}, {Name: "movement_id", Type: "TEXT"}}
