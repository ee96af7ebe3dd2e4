package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/social"
)

// IntentStatus is a post command's state: what the post's badge shows.
type IntentStatus string

// Intent statuses.
const (
	IntentPending   IntentStatus = "pending_confirmation"
	IntentCompleted IntentStatus = "completed"
	IntentExpired   IntentStatus = "expired"
	IntentCancelled IntentStatus = "cancelled"
	IntentFailed    IntentStatus = "failed" // refused by the checkpoint; Reason says why
)

// Intent is a payment asked for by a post, waiting for its author. The
// fields below Amount are filled in for the author only: others see the
// badge (Status) and never the amount.
type Intent struct {
	ID        string
	AuthorID  string
	PostID    string
	Kind      CommandKind
	Status    IntentStatus
	Reason    string
	ResultID  string // the payment, request or split it made
	ExpiresAt time.Time
	CreatedAt time.Time

	Amount    *money.Amount
	Handles   []string // lower-cased, without '@'
	Note      string
	TipPostID string // the post a tip goes to
}

// OnPost is the social.PostHook that turns posts addressed to the pay
// handle into payment intents, inside the post's transaction. A post that
// does not address the pay handle is left alone. A well-formed command
// creates an intent the author must confirm within Config.IntentTTL (its
// author is notified), or runs at once when it is under the author's
// auto-confirm limit; one that is not well formed, or names nobody, moves
// nothing and tells its author why. It returns only database failures,
// which abort the post. Register it with social.Service.SetPostHook.
func (s *Service) OnPost(ctx context.Context, tx *sql.Tx, p social.Post) error {
	cmd, err := parseCommand(p.Body, s.payHandle, s.assets[0].Code)
	if errors.Is(err, ErrNotCommand) {
		return nil
	}
	if err == nil {
		err = s.vetCommand(ctx, tx, p, &cmd)
	}
	if err != nil {
		if code := nestegg.ErrorCode(err); code == nestegg.Internal {
			return err
		}
		// The post itself says why it moved nothing (a failed intent with
		// the reason, on its badge for the author), as well as the
		// notification: a command must never fail silently.
		if err := s.failCommand(ctx, tx, p, cmd, nestegg.ErrorMessage(err)+" — "+Usage); err != nil {
			return err
		}
		return s.notify(ctx, tx, p.Author.ID, NotifyCommandFailed, "", p.ID,
			fmt.Sprintf("couldn't read “%s”: %s — %s", shorten(strings.TrimSpace(p.Body)), nestegg.ErrorMessage(err), Usage))
	}
	now := s.now()
	in := Intent{ID: ledger.NewID("int"), AuthorID: p.Author.ID, PostID: p.ID, Kind: cmd.Kind, Status: IntentPending,
		ExpiresAt: now.Add(s.cfg.IntentTTL), CreatedAt: now, Amount: &cmd.Amount, Handles: cmd.Handles, Note: cmd.Note}
	if cmd.Kind == CommandTip {
		in.TipPostID = p.ReplyToID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO payment_intents (id, author_id, post_id, kind, targets, tip_post_id, asset, amount, note, status, expires_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
		in.ID, in.AuthorID, in.PostID, string(in.Kind), strings.Join(in.Handles, " "), in.TipPostID, cmd.Amount.Asset.Code, cmd.Amount.Minor,
		in.Note, string(in.Status), in.ExpiresAt.UnixNano(), now.UnixNano()); err != nil {
		return err
	}
	if auto, err := s.autoConfirm(ctx, tx, p.Author.ID); err != nil {
		return err
	} else if auto.Minor > 0 && auto.Asset.Code == cmd.Amount.Asset.Code && cmd.Amount.Minor < auto.Minor {
		done, err := s.runInSavepoint(ctx, tx, in)
		if err != nil || done {
			return err
		}
	}
	return s.notify(ctx, tx, p.Author.ID, NotifyConfirm, "", p.ID, "confirm your payment: "+describe(in)+" (within 15 minutes)")
}

// failCommand records a command that moved nothing as a failed intent of
// its post, with reason, so that the post shows it. cmd is what was read
// of it (its Kind empty when nothing could be).
func (s *Service) failCommand(ctx context.Context, tx *sql.Tx, p social.Post, cmd Command, reason string) error {
	now := s.now()
	kind := cmd.Kind
	if kind == "" || cmd.Amount.Minor <= 0 {
		kind, cmd.Amount = CommandInvalid, money.Amount{}
	}
	if r := []rune(reason); len(r) > 500 {
		reason = string(r[:499]) + "…"
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO payment_intents (id, author_id, post_id, kind, targets, tip_post_id, asset, amount, note, status, reason, expires_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'failed', $10, $11, $11, $11)`,
		ledger.NewID("int"), p.Author.ID, p.ID, string(kind), strings.ToLower(strings.Join(cmd.Handles, " ")), p.ReplyToID, cmd.Amount.Asset.Code, cmd.Amount.Minor,
		cmd.Note, reason, now.UnixNano())
	return err
}

// vetCommand checks what the parser cannot: the asset is offered, the
// people exist and are not the author, a tip is a reply.
func (s *Service) vetCommand(ctx context.Context, tx *sql.Tx, p social.Post, c *Command) error {
	var err error
	if c.Amount, err = s.amount(c.Amount); err != nil {
		return err
	}
	if c.Kind == CommandTip {
		if p.ReplyToID == "" {
			return nestegg.Errorf(nestegg.Invalid, "a tip must be a reply to the post you tip")
		}
		if p.ReplyToUserID == p.Author.ID {
			return nestegg.Errorf(nestegg.Invalid, "you can't tip yourself")
		}
		return nil
	}
	users, err := s.social.UsersByHandle(ctx, tx, c.Handles...)
	if err != nil {
		return err
	}
	for i, h := range c.Handles {
		u, ok := users[strings.ToLower(h)]
		if !ok {
			return nestegg.Errorf(nestegg.Invalid, "nobody is called @%s", h)
		}
		if u.ID == p.Author.ID && c.Kind != CommandSplit {
			return nestegg.Errorf(nestegg.Invalid, "you can't pay yourself")
		}
		c.Handles[i] = strings.ToLower(h)
	}
	return nil
}

func describe(in Intent) string {
	amt := money.Format(*in.Amount)
	var d string
	switch in.Kind {
	case CommandSend:
		d = "send " + amt + " to @" + in.Handles[0]
	case CommandRequest:
		d = "ask @" + in.Handles[0] + " for " + amt
	case CommandSplit:
		d = "split " + amt + " with @" + strings.Join(in.Handles, " @")
	case CommandTip:
		d = "tip " + amt
	}
	return d + noteSuffix(in.Note)
}

// runInSavepoint carries out an auto-confirmed intent inside the post's
// transaction. Whatever fails is rolled back to the savepoint, so the post
// and its intent still commit and the author can confirm by hand; done
// reports whether the intent is settled (completed, or failed on a
// checkpoint denial).
func (s *Service) runInSavepoint(ctx context.Context, tx *sql.Tx, in Intent) (done bool, err error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT payment_intent"); err != nil {
		return false, err
	}
	resultID, runErr := s.execute(ctx, tx, in)
	if runErr != nil && !errors.Is(runErr, movement.ErrDenied) {
		_, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT payment_intent")
		return false, err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT payment_intent"); err != nil {
		return false, err
	}
	return true, s.settle(ctx, tx, in, resultID, runErr)
}

// settle records how an intent ended: completed with its result, or failed
// with the checkpoint's reason (and the author told).
func (s *Service) settle(ctx context.Context, tx *sql.Tx, in Intent, resultID string, runErr error) error {
	st, reason := IntentCompleted, ""
	if runErr != nil {
		st, reason = IntentFailed, nestegg.ErrorMessage(runErr)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE payment_intents SET status = $2, reason = $3, result_id = $4, updated_at = $5 WHERE id = $1",
		in.ID, string(st), reason, resultID, s.now().UnixNano()); err != nil {
		return err
	}
	if runErr != nil {
		return s.notify(ctx, tx, in.AuthorID, NotifyCommandFailed, "", in.PostID, "your payment was refused: "+reason)
	}
	return nil
}

// execute carries out an intent in tx with an idempotency key derived from
// its id, so that confirming twice acts once. Inside tx no account may be
// created (a post's transaction holds the only writer); with tx nil it
// only validates and sets up the accounts, outside any transaction.
func (s *Service) execute(ctx context.Context, tx *sql.Tx, in Intent) (string, error) {
	key := "intent:" + in.ID
	inTx := tx != nil
	switch in.Kind {
	case CommandSend, CommandTip:
		var a payArgs
		var err error
		if in.Kind == CommandSend {
			a, err = s.planSend(ctx, SendInput{FromUserID: in.AuthorID, ToHandle: in.Handles[0], Amount: *in.Amount, Note: in.Note, IdempotencyKey: key}, inTx)
		} else {
			a, err = s.planTip(ctx, TipInput{FromUserID: in.AuthorID, PostID: in.TipPostID, Amount: *in.Amount, Note: in.Note, IdempotencyKey: key}, inTx)
		}
		if err != nil || tx == nil {
			return "", err
		}
		a.intentID = in.ID
		if in.Kind == CommandSend {
			a.postID = in.PostID
		}
		p, err := s.pay(ctx, tx, a, nil)
		return p.ID, err
	case CommandRequest:
		rin, payer, err := s.planRequest(ctx, RequestInput{RequesterID: in.AuthorID, FromHandle: in.Handles[0], Amount: *in.Amount, Note: in.Note, IdempotencyKey: key})
		if err != nil || tx == nil {
			return "", err
		}
		r, err := s.request(ctx, tx, in.AuthorID, payer.ID, payer.Handle, rin.Amount, rin.Note, "", key)
		return r.ID, err
	case CommandSplit:
		plan, err := s.planSplit(ctx, SplitInput{InitiatorID: in.AuthorID, Total: *in.Amount, With: in.Handles, IncludeSelf: true, Note: in.Note, IdempotencyKey: key})
		if err != nil || tx == nil {
			return "", err
		}
		sp, err := s.split(ctx, tx, plan)
		return sp.ID, err
	}
	return "", fmt.Errorf("intent %s: unknown kind %q", in.ID, in.Kind)
}

const intentCols = "id, author_id, post_id, kind, targets, tip_post_id, asset, amount, note, status, reason, result_id, expires_at, created_at"

func scanIntent(row scanner) (Intent, error) {
	var in Intent
	var kind, targets, assetCode, status string
	var amount, expires, created int64
	err := row.Scan(&in.ID, &in.AuthorID, &in.PostID, &kind, &targets, &in.TipPostID, &assetCode, &amount, &in.Note, &status,
		&in.Reason, &in.ResultID, &expires, &created)
	if err != nil {
		return Intent{}, err
	}
	in.Kind, in.Status = CommandKind(kind), IntentStatus(status)
	in.Handles = strings.Fields(targets)
	if amount > 0 {
		in.Amount = &money.Amount{Asset: asset(assetCode), Minor: amount}
	}
	in.ExpiresAt, in.CreatedAt = fromNanos(expires), fromNanos(created)
	return in, nil
}

// masked is the intent as someone other than its author sees it: the
// badge, never the amount (post commands are private payments).
func (in Intent) masked(viewerID string) Intent {
	if viewerID != "" && viewerID == in.AuthorID {
		return in
	}
	in.Amount, in.Handles, in.Note, in.Reason, in.ResultID, in.TipPostID = nil, nil, "", "", "", ""
	return in
}

// Intent returns an intent to its author. Errors: NotFound for anyone
// else.
func (s *Service) Intent(ctx context.Context, viewerID, intentID string) (Intent, error) {
	in, err := scanIntent(s.db.Reader().QueryRowContext(ctx, "SELECT "+intentCols+" FROM payment_intents WHERE id = $1", intentID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (viewerID == "" || in.AuthorID != viewerID)) {
		return Intent{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such payment intent")
	}
	if err != nil {
		return Intent{}, fmt.Errorf("intent: %w", err)
	}
	return in, nil
}

// IntentsForPost returns the intent a post made (none or one), for its
// badge. Anyone may call it; only the author sees more than the status.
// Errors: database failures only.
func (s *Service) IntentsForPost(ctx context.Context, viewerID, postID string) ([]Intent, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+intentCols+" FROM payment_intents WHERE post_id = $1", postID)
	if err != nil {
		return nil, fmt.Errorf("intents for post: %w", err)
	}
	defer rows.Close()
	var out []Intent
	for rows.Next() {
		in, err := scanIntent(rows)
		if err != nil {
			return nil, fmt.Errorf("intents for post: %w", err)
		}
		out = append(out, in.masked(viewerID))
	}
	return out, rows.Err()
}

// ConfirmIntent carries out a pending intent: the payment, request or
// split its post asked for, with the same checks as Send, Request, Split
// and Tip. Confirming a completed intent returns it unchanged. When the
// money cannot move (insufficient funds, a block) the error is returned
// and the intent stays pending until it expires, so the author can try
// again; a checkpoint denial fails it for good. Only the author may call
// it.
//
// Errors: NotFound when it is not userID's; Conflict when it expired or
// was cancelled (or failed); Forbidden for a denial; the errors of the
// operation it carries out.
func (s *Service) ConfirmIntent(ctx context.Context, userID, intentID string) (Intent, error) {
	in, err := s.Intent(ctx, userID, intentID)
	if err != nil {
		return Intent{}, err
	}
	if in.Status == IntentCompleted {
		return in, nil
	}
	if in.Status != IntentPending {
		return Intent{}, nestegg.Errorf(nestegg.Conflict, "this payment is %s", in.Status)
	}
	// Set up accounts with writes of their own before the transaction.
	if _, err := s.execute(ctx, nil, in); err != nil {
		return Intent{}, fmt.Errorf("confirm: %w", err)
	}
	expired := false
	var denial error
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		expired, denial = false, nil
		cur, err := scanIntent(tx.QueryRowContext(ctx, "SELECT "+intentCols+" FROM payment_intents WHERE id = $1"+s.db.Dialect.ForUpdate(), intentID))
		if err != nil {
			return err
		}
		switch {
		case cur.Status == IntentCompleted:
			in = cur
			return nil
		case cur.Status != IntentPending:
			return nestegg.Errorf(nestegg.Conflict, "this payment is %s", cur.Status)
		case !s.now().Before(cur.ExpiresAt):
			expired = true
			_, err := tx.ExecContext(ctx, "UPDATE payment_intents SET status = 'expired', updated_at = $2 WHERE id = $1", intentID, s.now().UnixNano())
			return err
		}
		resultID, runErr := s.execute(ctx, tx, cur)
		if runErr != nil && !errors.Is(runErr, movement.ErrDenied) {
			return runErr
		}
		if err := s.settle(ctx, tx, cur, resultID, runErr); err != nil {
			return err
		}
		in = cur
		in.Status, in.ResultID = IntentCompleted, resultID
		if runErr != nil {
			in.Status, in.Reason = IntentFailed, nestegg.ErrorMessage(runErr)
		}
		denial = runErr // a denial: the failed intent and the audit row commit
		return nil
	})
	if err == nil {
		err = denial
	}
	if expired {
		return Intent{}, nestegg.Errorf(nestegg.Conflict, "this payment expired; post it again")
	}
	if err != nil {
		return Intent{}, fmt.Errorf("confirm: %w", err)
	}
	return in, nil
}

// CancelIntent cancels a pending intent; nothing moves. Cancelling twice is
// the same as once. Only the author may call it. Errors: NotFound when it
// is not userID's; Conflict when it is no longer pending.
func (s *Service) CancelIntent(ctx context.Context, userID, intentID string) (Intent, error) {
	in, err := s.Intent(ctx, userID, intentID)
	if err != nil {
		return Intent{}, err
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE payment_intents SET status = 'cancelled', updated_at = $2 WHERE id = $1 AND status = 'pending_confirmation'",
			intentID, s.now().UnixNano())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var st string
		if err := tx.QueryRowContext(ctx, "SELECT status FROM payment_intents WHERE id = $1", intentID).Scan(&st); err != nil {
			return err
		}
		if st != string(IntentCancelled) {
			return nestegg.Errorf(nestegg.Conflict, "this payment is %s", st)
		}
		return nil
	})
	if err != nil {
		return Intent{}, fmt.Errorf("cancel intent: %w", err)
	}
	in.Status = IntentCancelled
	return in, nil
}

// ExpireIntents marks pending intents past their time expired and returns
// how many. For the background worker; safe to run anywhere, any time.
func (s *Service) ExpireIntents(ctx context.Context) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now().UnixNano()
		res, err := tx.ExecContext(ctx, "UPDATE payment_intents SET status = 'expired', updated_at = $1 WHERE status = 'pending_confirmation' AND expires_at <= $1", now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("expire intents: %w", err)
	}
	return int(n), nil
}

// SetAutoConfirm sets the amount under which userID's post commands run
// without confirmation; a zero amount turns it off (the default). Only
// userID may call it. Errors: Invalid (Param "asset") for an asset not
// offered here, (Param "amount") for a negative amount.
func (s *Service) SetAutoConfirm(ctx context.Context, userID string, limit money.Amount) error {
	if limit.Minor < 0 {
		return nestegg.ParamErrorf(nestegg.Invalid, "amount", "the limit must not be negative")
	}
	if limit.Asset.Code == "" {
		limit.Asset = s.assets[0]
	}
	if !s.enabled(limit.Asset.Code) {
		return nestegg.ParamErrorf(nestegg.Invalid, "asset", "%s is not offered here", limit.Asset.Code)
	}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO payment_settings (user_id, auto_confirm, auto_confirm_asset, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO UPDATE SET auto_confirm = excluded.auto_confirm, auto_confirm_asset = excluded.auto_confirm_asset, updated_at = excluded.updated_at`,
			userID, limit.Minor, limit.Asset.Code, s.now().UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("set auto-confirm: %w", err)
	}
	return nil
}

// AutoConfirm returns userID's auto-confirm limit (zero when off). Only
// userID may call it. Errors: database failures only.
func (s *Service) AutoConfirm(ctx context.Context, userID string) (money.Amount, error) {
	return s.autoConfirm(ctx, s.db.Reader(), userID)
}

func (s *Service) autoConfirm(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, userID string) (money.Amount, error) {
	var minor int64
	var code string
	err := q.QueryRowContext(ctx, "SELECT auto_confirm, auto_confirm_asset FROM payment_settings WHERE user_id = $1", userID).Scan(&minor, &code)
	if errors.Is(err, sql.ErrNoRows) {
		return money.Amount{Asset: s.assets[0]}, nil
	}
	if err != nil {
		return money.Amount{}, err
	}
	return money.Amount{Asset: asset(code), Minor: minor}, nil
}
