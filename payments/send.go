package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/store"
)

// SendInput is a payment from FromUserID to the member with ToHandle.
type SendInput struct {
	FromUserID string
	ToHandle   string // "@bob" or "bob"
	Amount     money.Amount
	Note       string
	Audience   Audience // default Private
	// IdempotencyKey is the caller's: a retry with the same key and body
	// returns the first payment and never pays twice.
	IdempotencyKey string
}

// Send pays in.Amount from in.FromUserID's wallet to the member with
// in.ToHandle, after the compliance checkpoint. When the checkpoint holds
// it, the payment is created held: the money is reserved from the payer
// and reaches the payee when ReleaseHolds runs after HoldUntil, unless the
// payer calls CancelHold first. Only FromUserID may call it.
//
// Errors: Invalid (Param "amount", "asset", "note", "audience", "to",
// "idempotency_key"), including paying yourself; NotFound (Param "to") for
// an unknown handle; Forbidden when either member has blocked the other or
// the checkpoint denies the payment (the message says why);
// InsufficientFunds; Conflict when the key was used with another body.
func (s *Service) Send(ctx context.Context, in SendInput) (Payment, error) {
	a, err := s.planSend(ctx, in, false)
	if err != nil {
		return Payment{}, err
	}
	var p Payment
	err = s.write(ctx, func(tx *sql.Tx) (err error) {
		p, err = s.pay(ctx, tx, a)
		return err
	})
	if err != nil {
		return Payment{}, fmt.Errorf("send: %w", err)
	}
	return p, nil
}

func (s *Service) planSend(ctx context.Context, in SendInput, inTx bool) (payArgs, error) {
	payee, err := s.byHandle(ctx, in.ToHandle, "to")
	if err != nil {
		return payArgs{}, err
	}
	a := payArgs{kind: KindSend, comp: compliance.KindP2P, payer: in.FromUserID, payee: payee.ID, payeeHandle: payee.Handle,
		amount: in.Amount, note: in.Note, audience: in.Audience, key: in.IdempotencyKey}
	return a, s.prepare(ctx, &a, inTx)
}

// payArgs is one payment from a member's wallet to another's.
type payArgs struct {
	kind               Kind
	comp               compliance.Kind
	payer, payee       string
	payeeHandle        string
	amount             money.Amount
	fee                int64
	note               string
	audience           Audience
	key                string
	postID, requestID  string
	intentID, award    string
	notifyKind, notify string // what to tell the payee
}

// prepare validates a and creates, outside any transaction, the wallets and
// platform accounts the payment needs; inTx (a post hook's transaction,
// where nothing else may write) only checks that they exist.
func (s *Service) prepare(ctx context.Context, a *payArgs, inTx bool) error {
	if err := checkKey(a.key); err != nil {
		return err
	}
	var err error
	if a.kind == KindAward {
		if a.amount.Asset.Code != s.coin.Code || a.amount.Minor <= 0 {
			return nestegg.ParamErrorf(nestegg.Invalid, "award", "bad award")
		}
	} else if a.amount, err = s.amount(a.amount); err != nil {
		return err
	}
	if a.note, err = checkNote("note", a.note); err != nil {
		return err
	}
	if a.audience == "" {
		a.audience = Private
	}
	if !a.audience.valid() {
		return nestegg.ParamErrorf(nestegg.Invalid, "audience", "audience is private, followers or public")
	}
	if a.payer == a.payee {
		return nestegg.ParamErrorf(nestegg.Invalid, "to", "you can't pay yourself")
	}
	if _, err := s.member(ctx, a.payer, "from"); err != nil {
		return err
	}
	code := a.amount.Asset.Code
	if inTx {
		if !s.ledger.Exists(ctx, walletID(a.payer, code), walletID(a.payee, code), platformID(code, ledger.KindFeeRevenue)) {
			return errNoWallet
		}
		return nil
	}
	for _, u := range []string{a.payer, a.payee} {
		if _, err := s.ensureWallet(ctx, u, code); err != nil {
			return err
		}
	}
	return s.ensurePlatform(ctx, code)
}

// errNoWallet means a payment prepared inside another transaction (a post
// hook) needs a ledger account that does not exist yet, which only a write
// of its own can create: the payment waits for an explicit confirmation.
var errNoWallet = nestegg.Errorf(nestegg.Unavailable, "a wallet is not set up yet; confirm the payment in the app")

func (a payArgs) fingerprint() string {
	return fingerprint(string(a.kind), a.payee, a.amount.Asset.Code, strconv.FormatInt(a.amount.Minor, 10), a.note,
		string(a.audience), a.postID, a.requestID, a.intentID, a.award)
}

// pay makes the payment inside tx. It asks the checkpoint before writing
// anything else, so that a denial leaves only its audit row; any other
// error must roll tx back.
func (s *Service) pay(ctx context.Context, tx *sql.Tx, a payArgs) (Payment, error) {
	fp := a.fingerprint()
	if p, found, err := s.replay(ctx, tx, a.payer, a.key, fp); found || err != nil {
		return p, err
	}
	if b, err := blocked(ctx, tx, a.payer, a.payee); err != nil {
		return Payment{}, err
	} else if b {
		return Payment{}, nestegg.ParamErrorf(nestegg.Forbidden, "to", "you can't pay @%s", a.payeeHandle)
	}
	transferID := derive("pay", a.payer, a.key)
	d, err := s.comp.Check(ctx, tx, compliance.Movement{Kind: a.comp, FromUser: a.payer, ToUser: a.payee,
		Asset: a.amount.Asset.Code, Amount: a.amount.Minor, Reference: transferID})
	if err != nil {
		return Payment{}, err
	}
	if d.Outcome == compliance.Deny {
		return Payment{}, &denied{nestegg.Errorf(nestegg.Forbidden, "%s", d.Reason)}
	}
	now := s.now()
	p := Payment{ID: ledger.NewID("pay"), Kind: a.kind, PayerID: a.payer, PayeeID: a.payee, Amount: a.amount, Fee: a.fee,
		Note: a.note, Audience: a.audience, Status: StatusCompleted, PostID: a.postID, RequestID: a.requestID,
		IntentID: a.intentID, Award: a.award, TransferID: transferID, CreatedAt: now, UpdatedAt: now}
	t := ledger.Transfer{ID: transferID, DebitAccountID: walletID(a.payer, a.amount.Asset.Code),
		CreditAccountID: walletID(a.payee, a.amount.Asset.Code), Amount: a.amount.Minor, Asset: a.amount.Asset.Code,
		Code: string(a.kind), Reference: p.ID}
	if d.Outcome == compliance.Hold {
		if a.kind != KindSend {
			return Payment{}, fmt.Errorf("compliance held a %s, which cannot be held", a.kind)
		}
		p.Status, p.HoldUntil = StatusHeld, d.HoldUntil
		t.Pending = true
		t.TimeoutSeconds = int64((d.HoldUntil.Sub(now)+s.cfg.HoldGrace)/time.Second) + 1
	}
	ts := []ledger.Transfer{t}
	if a.fee > 0 {
		ts[0].Linked = true
		ts = append(ts, ledger.Transfer{ID: derive("fee", a.payer, a.key), DebitAccountID: t.CreditAccountID,
			CreditAccountID: platformID(a.amount.Asset.Code, ledger.KindFeeRevenue), Amount: a.fee, Asset: a.amount.Asset.Code,
			Code: "tip_fee", Reference: p.ID})
	}
	if ok, err := s.insertPayment(ctx, tx, p, a.payer, a.key, fp); err != nil {
		return Payment{}, err
	} else if !ok {
		return Payment{}, errReplay
	}
	if _, err := s.submit(ctx, tx, ts); err != nil {
		return Payment{}, err
	}
	if p.Status == StatusHeld {
		return p, s.notify(ctx, tx, a.payer, NotifyHeld, "", p.PostID, d.Reason)
	}
	kind, text := a.notifyKind, a.notify
	if kind == "" {
		kind, text = NotifyReceived, "sent you "+fmtAmount(a.amount.Asset, a.amount.Minor)+noteSuffix(a.note)
	}
	return p, s.notify(ctx, tx, a.payee, kind, a.payer, p.PostID, text)
}

func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return ": " + note
}

// replay finds the payment made earlier under (scope, key): found with the
// payment when the fingerprint matches, Conflict when it does not.
func (s *Service) replay(ctx context.Context, q store.Querier, scope, key, fp string) (Payment, bool, error) {
	var got string
	p, err := scanPayment(q.QueryRowContext(ctx, "SELECT "+paymentCols+", fingerprint FROM payments WHERE idem_scope = $1 AND idem_key = $2", scope, key), &got)
	if errors.Is(err, sql.ErrNoRows) {
		return Payment{}, false, nil
	}
	if err != nil {
		return Payment{}, false, err
	}
	if got != fp {
		return Payment{}, true, nestegg.ParamErrorf(nestegg.Conflict, "idempotency_key", "this idempotency key was used for a different payment")
	}
	return p, true, nil
}

const paymentCols = `id, kind, payer_id, payee_id, asset, amount, fee, counter_asset, counter_amount, note, audience, status,
	refunded, post_id, request_id, intent_id, award, transfer_id, hold_until, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanPayment(row scanner, extra ...any) (Payment, error) {
	var p Payment
	var kind, assetCode, counterAsset, audience, status string
	var counter, hold, created, updated int64
	dest := []any{&p.ID, &kind, &p.PayerID, &p.PayeeID, &assetCode, &p.Amount.Minor, &p.Fee, &counterAsset, &counter,
		&p.Note, &audience, &status, &p.Refunded, &p.PostID, &p.RequestID, &p.IntentID, &p.Award, &p.TransferID,
		&hold, &created, &updated}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return Payment{}, err
	}
	p.Kind, p.Audience, p.Status = Kind(kind), Audience(audience), Status(status)
	p.Amount.Asset = asset(assetCode)
	if counterAsset != "" {
		p.Counter = money.Amount{Asset: asset(counterAsset), Minor: counter}
	}
	p.HoldUntil, p.CreatedAt, p.UpdatedAt = fromNanos(hold), fromNanos(created), fromNanos(updated)
	return p, nil
}

// insertPayment writes p unless a payment with (scope, key) exists: then
// it reports false, and the caller's transaction must roll back.
func (s *Service) insertPayment(ctx context.Context, tx *sql.Tx, p Payment, scope, key, fp string) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO payments (id, kind, payer_id, payee_id, asset, amount, fee, counter_asset, counter_amount,
		note, audience, status, post_id, request_id, intent_id, award, transfer_id, idem_scope, idem_key, fingerprint, hold_until, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22)
		ON CONFLICT (idem_scope, idem_key) DO NOTHING`,
		p.ID, string(p.Kind), p.PayerID, p.PayeeID, p.Amount.Asset.Code, p.Amount.Minor, p.Fee, p.Counter.Asset.Code, p.Counter.Minor,
		p.Note, string(p.Audience), string(p.Status), p.PostID, p.RequestID, p.IntentID, p.Award, p.TransferID, scope, key, fp,
		holdNanos(p.HoldUntil), p.CreatedAt.UnixNano())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func holdNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Payment returns a payment to one of its parties. Errors: NotFound when it
// does not exist or viewerID is neither its payer nor its payee.
func (s *Service) Payment(ctx context.Context, viewerID, paymentID string) (Payment, error) {
	p, err := scanPayment(s.db.Reader().QueryRowContext(ctx, "SELECT "+paymentCols+" FROM payments WHERE id = $1", paymentID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (viewerID == "" || (p.PayerID != viewerID && p.PayeeID != viewerID))) {
		return Payment{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such payment")
	}
	if err != nil {
		return Payment{}, fmt.Errorf("payment: %w", err)
	}
	return p, nil
}

// lockPayment reads a payment for update inside tx.
func (s *Service) lockPayment(ctx context.Context, tx *sql.Tx, id string) (Payment, error) {
	p, err := scanPayment(tx.QueryRowContext(ctx, "SELECT "+paymentCols+" FROM payments WHERE id = $1"+s.db.Dialect.ForUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Payment{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such payment")
	}
	return p, err
}

func (s *Service) setStatus(ctx context.Context, tx *sql.Tx, id string, st Status) error {
	_, err := tx.ExecContext(ctx, "UPDATE payments SET status = $2, updated_at = $3 WHERE id = $1", id, string(st), s.now().UnixNano())
	return err
}

// CancelHold cancels a held payment: the reservation is voided and the
// money is the payer's again. Only the payer may call it; cancelling twice
// is the same as once. Errors: NotFound (not the payer's, or no such
// payment); Conflict when the payment is not held (already released).
func (s *Service) CancelHold(ctx context.Context, payerID, paymentID string) (Payment, error) {
	var p Payment
	err := s.write(ctx, func(tx *sql.Tx) (err error) {
		if p, err = s.lockPayment(ctx, tx, paymentID); err != nil {
			return err
		}
		switch {
		case p.PayerID != payerID:
			return nestegg.ParamErrorf(nestegg.NotFound, "id", "no such payment")
		case p.Status == StatusCancelled:
			return nil
		case p.Status != StatusHeld:
			return nestegg.Errorf(nestegg.Conflict, "this payment is %s and can no longer be cancelled", p.Status)
		}
		_, err = s.submit(ctx, tx, []ledger.Transfer{{ID: "void:" + p.ID, PendingID: p.TransferID, VoidPending: true, Code: "hold_cancel", Reference: p.ID}})
		if err != nil {
			return err
		}
		p.Status = StatusCancelled
		if p.RequestID != "" { // the request is open again: it was not paid after all
			if _, err := tx.ExecContext(ctx, "UPDATE payment_requests SET status = 'open', payment_id = '', updated_at = $2 WHERE id = $1 AND payment_id = $3",
				p.RequestID, s.now().UnixNano(), p.ID); err != nil {
				return err
			}
		}
		return s.setStatus(ctx, tx, p.ID, StatusCancelled)
	})
	if err != nil {
		return Payment{}, fmt.Errorf("cancel hold: %w", err)
	}
	return p, nil
}

// ReleaseHolds completes held payments whose hold has ended (up to 100 a
// call) and returns how many it released. A hold whose ledger reservation
// lapsed (ReleaseHolds did not run within Config.HoldGrace) is marked
// failed: the ledger gave the money back to the payer. For the background
// worker; safe to run in several processes at once.
func (s *Service) ReleaseHolds(ctx context.Context) (int, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id FROM payments WHERE status = 'held' AND hold_until <= $1 ORDER BY hold_until LIMIT 100", s.now().UnixNano())
	if err != nil {
		return 0, fmt.Errorf("release holds: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("release holds: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		released := false
		err := s.write(ctx, func(tx *sql.Tx) error {
			released = false
			p, err := s.lockPayment(ctx, tx, id)
			if err != nil || p.Status != StatusHeld {
				return err
			}
			res, err := s.ledger.SubmitTx(ctx, tx, []ledger.Transfer{{ID: "release:" + p.ID, PendingID: p.TransferID, PostPending: true, Code: "hold_release", Reference: p.ID}})
			if err != nil {
				return err
			}
			if !res[0].OK() {
				// The reservation lapsed or was voided: the payer has the money.
				return s.setStatus(ctx, tx, p.ID, StatusFailed)
			}
			released = true
			if err := s.setStatus(ctx, tx, p.ID, StatusCompleted); err != nil {
				return err
			}
			if err := s.notify(ctx, tx, p.PayeeID, NotifyReceived, p.PayerID, p.PostID, "sent you "+money.Format(p.Amount)+noteSuffix(p.Note)); err != nil {
				return err
			}
			return s.notify(ctx, tx, p.PayerID, NotifyHoldReleased, "", p.PostID, "your held payment of "+money.Format(p.Amount)+" was released")
		})
		if err != nil {
			return n, fmt.Errorf("release hold %s: %w", id, err)
		}
		if released {
			n++
		}
	}
	return n, nil
}
