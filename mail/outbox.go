package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/seal"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// Backoff is how long each failed attempt waits before the next: growing,
// about a day and a half in all, after which a message is failed.
var Backoff = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 12 * time.Hour, 12 * time.Hour}

// lease is how long a claimed message is its claimer's.
const lease = 2 * time.Minute

// Retention is how long sent, skipped and failed messages are kept (their
// bodies are already gone: only who, what kind and when stay).
const Retention = 30 * 24 * time.Hour

// Message kinds.
const (
	KindVerify  = "verify"
	KindReset   = "reset"
	KindReceipt = "receipt"
	KindWeekly  = "weekly"
)

// Options configure an Outbox.
type Options struct {
	// Sender delivers; required.
	Sender Sender
	// BaseURL is where links point ("https://nestegg.example"); required.
	BaseURL string
	// Site names the service in subjects; default "Nestegg".
	Site string
	// Sealer, when set, seals what messages are composed from at rest.
	Sealer *seal.Sealer
	Clock  func() time.Time
	Logger *slog.Logger
}

// Outbox keeps messages until they are sent. It is safe for concurrent
// use, and its jobs are safe in several processes at once.
type Outbox struct {
	db     *store.DB
	social *social.Service
	events *events.Service
	opt    Options
}

// New returns the outbox on db (migrated). soc gives addresses; ev, the
// movements for receipts and summaries.
func New(db *store.DB, soc *social.Service, ev *events.Service, opt Options) *Outbox {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Site == "" {
		opt.Site = "Nestegg"
	}
	opt.BaseURL = strings.TrimRight(opt.BaseURL, "/")
	return &Outbox{db: db, social: soc, events: ev, opt: opt}
}

func (o *Outbox) now() time.Time { return o.opt.Clock().UTC() }

// Envelope is a message to be written: what it is composed from, not yet
// the words.
type Envelope struct {
	Kind   string
	UserID string
	// To is the address for verification and reset links; "" for receipts
	// and summaries, which go to the member's verified address when sent.
	To string
	// Dedupe is unique per message: writing the same twice is a no-op.
	Dedupe string
	Data   any // marshalled to JSON
}

// Enqueue writes e to the outbox in tx (nil: in a transaction of its own).
// Errors: Invalid for an envelope without a kind or dedupe key, or data
// that does not marshal; database failures.
func (o *Outbox) Enqueue(ctx context.Context, tx *sql.Tx, e Envelope) error {
	if e.Kind == "" || e.Dedupe == "" {
		return nestegg.Errorf(nestegg.Invalid, "mail: an envelope needs a kind and a dedupe key")
	}
	b, err := json.Marshal(e.Data)
	if err != nil {
		return nestegg.Errorf(nestegg.Invalid, "mail: %v", err)
	}
	id := nestegg.NewID("mal")
	data := string(b)
	if o.opt.Sealer != nil {
		data = o.opt.Sealer.Seal(data, id)
	}
	ins := func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO mail_outbox (id, dedupe, kind, user_id, to_addr, data, status, attempts, next_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7) ON CONFLICT (dedupe) DO NOTHING`,
			id, e.Dedupe, e.Kind, e.UserID, e.To, data, o.now().UnixNano())
		return err
	}
	if tx != nil {
		err = ins(tx)
	} else {
		err = o.db.Write(ctx, ins)
	}
	if err != nil {
		return fmt.Errorf("mail: enqueue %s: %w", e.Kind, err)
	}
	return nil
}

// claimedMail is a message this process has claimed.
type claimedMail struct {
	id, kind, userID, to, data string
	attempts                   int
}

// errSkip marks a message that is not to be sent (no verified address, the
// summary turned off): skipped, not retried.
var errSkip = errors.New("skipped")

// Deliver sends up to limit due messages and returns how many it
// attempted. Safe when several processes run it at once. Errors: database
// failures (a message's failure is recorded, not returned).
func (o *Outbox) Deliver(ctx context.Context, limit int) (int, error) {
	cs, err := o.claim(ctx, limit)
	if err != nil {
		return 0, fmt.Errorf("mail: deliver: %w", err)
	}
	for _, c := range cs {
		sendErr := o.send(ctx, c)
		if err := o.record(ctx, c, sendErr); err != nil {
			return 0, fmt.Errorf("mail: deliver: %w", err)
		}
	}
	return len(cs), nil
}

func (o *Outbox) claim(ctx context.Context, limit int) ([]claimedMail, error) {
	var out []claimedMail
	err := o.db.Write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		now := o.now()
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, user_id, to_addr, data, attempts FROM mail_outbox
			WHERE status = 'pending' AND next_at <= $1 ORDER BY next_at, id LIMIT $2`+o.db.Dialect.SkipLocked(), now.UnixNano(), limit)
		if err != nil {
			return err
		}
		var found []claimedMail
		for rows.Next() {
			var c claimedMail
			if err := rows.Scan(&c.id, &c.kind, &c.userID, &c.to, &c.data, &c.attempts); err != nil {
				rows.Close()
				return err
			}
			found = append(found, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range found {
			res, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, next_at = $1
				WHERE id = $2 AND status = 'pending' AND attempts = $3`, now.Add(lease).UnixNano(), c.id, c.attempts)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				c.attempts++
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

// send composes and sends one message.
func (o *Outbox) send(ctx context.Context, c claimedMail) error {
	data := c.data
	if o.opt.Sealer != nil {
		var err error
		if data, err = o.opt.Sealer.Open(data, c.id); err != nil {
			return fmt.Errorf("%w: cannot open the message's data: %v", errPermanent, err)
		}
	}
	m, err := o.compose(ctx, c, []byte(data))
	if err != nil {
		return err
	}
	m.ID, m.Kind = c.id, c.kind
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return o.opt.Sender.Send(sctx, m)
}

// errPermanent marks a failure that retrying cannot mend.
var errPermanent = errors.New("permanent failure")

// record writes the outcome, guarded by the attempt claimed: a claim that
// outlived its lease and was taken again records nothing.
func (o *Outbox) record(ctx context.Context, c claimedMail, sendErr error) error {
	now := o.now()
	var q string
	var args []any
	switch {
	case sendErr == nil:
		q, args = "UPDATE mail_outbox SET status = 'sent', data = '', sent_at = $1, last_error = '' WHERE id = $2 AND status = 'pending' AND attempts = $3",
			[]any{now.UnixNano(), c.id, c.attempts}
	case errors.Is(sendErr, errSkip):
		q, args = "UPDATE mail_outbox SET status = 'skipped', data = '', last_error = $1 WHERE id = $2 AND status = 'pending' AND attempts = $3",
			[]any{truncate(sendErr.Error()), c.id, c.attempts}
	case errors.Is(sendErr, errPermanent) || c.attempts > len(Backoff):
		q, args = "UPDATE mail_outbox SET status = 'failed', data = '', last_error = $1 WHERE id = $2 AND status = 'pending' AND attempts = $3",
			[]any{truncate(sendErr.Error()), c.id, c.attempts}
		// The mail server's answer often names the recipient: it stays on
		// the message (last_error), out of the log.
		o.opt.Logger.Warn("mail failed for good; its last_error in mail_outbox says why", "id", c.id, "kind", c.kind, "attempts", c.attempts)
	default:
		q, args = "UPDATE mail_outbox SET next_at = $1, last_error = $2 WHERE id = $3 AND status = 'pending' AND attempts = $4",
			[]any{now.Add(Backoff[c.attempts-1]).UnixNano(), truncate(sendErr.Error()), c.id, c.attempts}
	}
	return o.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

func truncate(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// Prune deletes up to limit messages done (sent, skipped, failed) more
// than Retention ago, and returns how many. Errors: database failures.
func (o *Outbox) Prune(ctx context.Context, limit int) (int, error) {
	var n int64
	err := o.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM mail_outbox WHERE id IN (SELECT id FROM mail_outbox
			WHERE status <> 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2)`, o.now().Add(-Retention).UnixNano(), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mail: prune: %w", err)
	}
	return int(n), nil
}

// Status is a message's state, for tests and the operator.
type Status struct {
	ID, Kind, UserID, To, Status, LastError string
	Attempts                                int
}

// Messages lists the outbox's messages for userID ("" for all), newest
// first, at most limit. Errors: database failures.
func (o *Outbox) Messages(ctx context.Context, userID string, limit int) ([]Status, error) {
	rows, err := o.db.Reader().QueryContext(ctx, `SELECT id, kind, user_id, to_addr, status, last_error, attempts FROM mail_outbox
		WHERE ($1 = '' OR user_id = $1) ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	defer rows.Close()
	var out []Status
	for rows.Next() {
		var s Status
		if err := rows.Scan(&s.ID, &s.Kind, &s.UserID, &s.To, &s.Status, &s.LastError, &s.Attempts); err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
