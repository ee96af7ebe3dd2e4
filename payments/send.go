package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/social"
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
	p, err := s.pay(ctx, nil, a, nil)
	if err != nil {
		return Payment{}, fmt.Errorf("send: %w", err)
	}
	return p, nil
}

func (s *Service) planSend(ctx context.Context, in SendInput, inTx bool) (payArgs, error) {
	h := strings.TrimPrefix(strings.TrimSpace(in.ToHandle), "@")
	if social.ValidateHandle(h) != nil {
		return payArgs{}, nestegg.ParamErrorf(nestegg.Invalid, "to", "%q is not a handle", in.ToHandle)
	}
	// The payee, whether the payer is a member and whether either has
	// blocked the other: one read.
	payee, err := s.social.CounterpartyByHandle(ctx, in.FromUserID, h)
	if nestegg.Is(err, nestegg.NotFound) {
		return payArgs{}, nestegg.ParamErrorf(nestegg.NotFound, "to", "nobody is called @%s", h)
	}
	if err != nil {
		return payArgs{}, err
	}
	a := payArgs{kind: KindSend, payer: in.FromUserID, payee: payee.ID, payeeHandle: payee.Handle,
		amount: in.Amount, note: in.Note, audience: in.Audience, key: in.IdempotencyKey, counterparty: &payee}
	return a, s.prepare(ctx, &a, inTx)
}

// payArgs is one payment from a member's wallet to another's.
type payArgs struct {
	kind               Kind
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
	// counterparty, when set, was read just now: whether the payer is a
	// member and whether the two have blocked each other.
	counterparty *social.Counterparty
}

// prepare validates a and creates, outside any transaction, the wallets and
// platform accounts the payment needs; inTx (a post hook's transaction,
// where nothing else may write) only checks that they exist.
func (s *Service) prepare(ctx context.Context, a *payArgs, inTx bool) error {
	if err := nestegg.CheckKey(a.key); err != nil {
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
	if c := a.counterparty; c != nil {
		if !c.ActorExists {
			return nestegg.ParamErrorf(nestegg.NotFound, "from", "no such member")
		}
	} else if _, err := s.member(ctx, a.payer, "from"); err != nil {
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
	return nestegg.Fingerprint(string(a.kind), a.payee, a.amount.Asset.Code, strconv.FormatInt(a.amount.Minor, 10), a.note,
		string(a.audience), a.postID, a.requestID, a.intentID, a.award)
}

// movementKind is the movement a payment of kind k is.
func movementKind(k Kind) movement.Kind {
	switch k {
	case KindTip:
		return movement.Tip
	case KindAward:
		return movement.Award
	}
	return movement.P2P
}

// pay makes the payment as one movement: through the group commit, or
// inside outer (a post's or an intent's transaction) when it is not nil.
// also, when set, runs in the movement's transaction after the payment is
// made (a request marked paid). A replay returns the payment made first.
func (s *Service) pay(ctx context.Context, outer *sql.Tx, a payArgs, also func(ctx context.Context, tx *movement.Tx, p Payment) error) (Payment, error) {
	code := a.amount.Asset.Code
	req := movement.Request{Kind: movementKind(a.kind), ID: nestegg.NewID("pay"), Actor: a.payer, Key: a.key, Fingerprint: a.fingerprint(),
		From: a.payer, To: a.payee, Asset: code, Amount: a.amount.Minor, Fee: a.fee, Note: a.note,
		Accounts: []string{walletID(a.payer, code), walletID(a.payee, code)}}
	if a.fee > 0 {
		req.Accounts = append(req.Accounts, platformID(code, ledger.KindFeeRevenue))
	}
	// Blocks are read before the group commit, on the reader, so that the
	// batch does not pay a statement for them while it holds its locks; a
	// block placed while the payment commits may miss it, as it could when
	// read in the movement's transaction under READ COMMITTED. In a
	// transaction of the caller's (a post hook's) they are read in it.
	errBlocked := nestegg.ParamErrorf(nestegg.Forbidden, "to", "you can't pay @%s", a.payeeHandle)
	if outer == nil {
		b := a.counterparty != nil && a.counterparty.Blocked
		if a.counterparty == nil {
			var err error
			if b, err = s.blocked(ctx, nil, a.payer, a.payee); err != nil {
				return Payment{}, err
			}
		}
		if b {
			return Payment{}, errBlocked
		}
	}
	var p Payment
	work := func(ctx context.Context, tx *movement.Tx) error {
		if outer != nil {
			if b, err := s.blocked(ctx, tx.SQL, a.payer, a.payee); err != nil {
				return err
			} else if b {
				return errBlocked
			}
		}
		now := tx.Now()
		p = Payment{ID: tx.ID(), Kind: a.kind, PayerID: a.payer, PayeeID: a.payee, Amount: a.amount, Fee: a.fee,
			Note: a.note, Audience: a.audience, Status: StatusCompleted, PostID: a.postID, RequestID: a.requestID,
			IntentID: a.intentID, Award: a.award, TransferID: derive("pay", a.payer, a.key), CreatedAt: now, UpdatedAt: now}
		t := ledger.Transfer{ID: p.TransferID, DebitAccountID: walletID(a.payer, code), CreditAccountID: walletID(a.payee, code),
			Amount: a.amount.Minor, Asset: code, Code: string(a.kind)}
		held, until := tx.Held()
		if held {
			p.Status, p.HoldUntil = StatusHeld, until
			t.Pending = true
			t.TimeoutSeconds = int64((until.Sub(now)+s.cfg.HoldGrace)/time.Second) + 1
		}
		ts := []ledger.Transfer{t}
		if a.fee > 0 {
			ts[0].Linked = true
			ts = append(ts, ledger.Transfer{ID: derive("fee", a.payer, a.key), DebitAccountID: t.CreditAccountID,
				CreditAccountID: platformID(code, ledger.KindFeeRevenue), Amount: a.fee, Asset: code, Code: "tip_fee"})
		}
		if err := s.insertPayment(ctx, tx.SQL, p, a.payer, a.key, req.Fingerprint); err != nil {
			return err
		}
		if _, err := tx.Submit(ctx, ts...); err != nil {
			return err
		}
		if also != nil {
			if err := also(ctx, tx, p); err != nil {
				return err
			}
		}
		if held {
			return s.notify(ctx, tx.SQL, a.payer, NotifyHeld, "", p.PostID, tx.Reason())
		}
		kind, text := a.notifyKind, a.notify
		if kind == "" {
			kind, text = NotifyReceived, "sent you "+fmtAmount(a.amount.Asset, a.amount.Minor)+noteSuffix(a.note)
		}
		return s.notifyChecked(ctx, tx.SQL, a.payee, kind, a.payer, p.PostID, text)
	}
	res, err := s.move(ctx, outer, req, work)
	if err != nil {
		return Payment{}, err
	}
	if res.Replayed {
		return s.paymentIn(ctx, outer, res.Reference)
	}
	return p, nil
}

// move runs a movement through the group commit, or inside outer when it
// is not nil.
func (s *Service) move(ctx context.Context, outer *sql.Tx, req movement.Request, work func(ctx context.Context, tx *movement.Tx) error) (movement.Result, error) {
	if outer != nil {
		return s.k.MoveIn(ctx, outer, req, work)
	}
	return s.k.Move(ctx, req, work)
}

// paymentIn reads a payment by id, in outer when it is not nil.
func (s *Service) paymentIn(ctx context.Context, outer *sql.Tx, id string) (Payment, error) {
	var q store.Querier = s.db.Reader()
	if outer != nil {
		q = outer
	}
	p, err := scanPayment(q.QueryRowContext(ctx, "SELECT "+paymentCols+" FROM payments WHERE id = $1", id))
	if err != nil {
		return Payment{}, fmt.Errorf("payment %s: %w", id, s.db.Translate(err))
	}
	return p, nil
}

func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return ": " + note
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

// insertPayment writes p. (scope, key) is the movement's idempotency key,
// kept for the record: the kernel has claimed it, and its unique index
// (movements_idem) is the guard.
//
// In a batch of movements the row is inserted with the batch's others,
// after the last movement: nothing reads a payment back in the movement
// that makes it, and no later movement of the batch can name it (its id
// is answered only after the commit).
func (s *Service) insertPayment(ctx context.Context, tx *sql.Tx, p Payment, scope, key, fp string) error {
	created := p.CreatedAt.UnixNano()
	return store.Insert(ctx, tx, s.db.Dialect, "payments", paymentColumns, "",
		p.ID, string(p.Kind), p.PayerID, p.PayeeID, p.Amount.Asset.Code, p.Amount.Minor, p.Fee, p.Counter.Asset.Code, p.Counter.Minor,
		p.Note, string(p.Audience), string(p.Status), p.PostID, p.RequestID, p.IntentID, p.Award, p.TransferID, scope, key, fp,
		holdNanos(p.HoldUntil), created, created)
}

var paymentColumns = func() []store.Column {
	var cols []store.Column
	for _, c := range []string{"id", "kind", "payer_id", "payee_id", "asset", "amount", "fee", "counter_asset", "counter_amount",
		"note", "audience", "status", "post_id", "request_id", "intent_id", "award", "transfer_id", "idem_scope", "idem_key", "fingerprint",
		"hold_until", "created_at", "updated_at"} {
		typ := "TEXT"
		switch c {
		case "amount", "fee", "counter_amount", "hold_until", "created_at", "updated_at":
			typ = "BIGINT"
		}
		cols = append(cols, store.Column{Name: c, Type: typ})
	}
	return cols
}()

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

// setStatus moves payment id from status from to to, guarded by from.
// Conflict when it is not in from.
func (s *Service) setStatus(ctx context.Context, tx *sql.Tx, id string, from, to Status) error {
	res, err := tx.ExecContext(ctx, "UPDATE payments SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2", id, string(from), string(to), s.now().UnixNano())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return nestegg.Errorf(nestegg.Conflict, "this payment is no longer %s", from)
	}
	return nil
}

// CancelHold cancels a held payment: the reservation is voided, the money
// is the payer's again, and what it used of their limits is given back.
// Only the payer may call it; cancelling twice is the same as once.
// Errors: NotFound (not the payer's, or no such payment); Conflict when the
// payment is not held (already released).
func (s *Service) CancelHold(ctx context.Context, payerID, paymentID string) (Payment, error) {
	p, err := s.Payment(ctx, payerID, paymentID)
	if err != nil {
		return Payment{}, fmt.Errorf("cancel hold: %w", err)
	}
	if p.PayerID != payerID {
		return Payment{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such payment")
	}
	if p.Status == StatusCancelled {
		return p, nil
	}
	req := movement.Request{Kind: movement.HoldCancel, Reference: p.ID, Actor: payerID, Key: "cancel:" + p.ID, Fingerprint: "cancel",
		From: p.PayerID, To: p.PayeeID, Asset: p.Amount.Asset.Code, Amount: p.Amount.Minor,
		Unuse:    &compliance.Usage{Class: compliance.Spend, Amount: p.Amount.Minor, At: p.CreatedAt},
		Accounts: []string{walletID(p.PayerID, p.Amount.Asset.Code), walletID(p.PayeeID, p.Amount.Asset.Code)}}
	_, err = s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		cur, err := s.lockPayment(ctx, tx.SQL, paymentID)
		if err != nil {
			return err
		}
		if cur.Status != StatusHeld {
			return nestegg.Errorf(nestegg.Conflict, "this payment is %s and can no longer be cancelled", cur.Status)
		}
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: "void:" + cur.ID, PendingID: cur.TransferID, VoidPending: true, Code: "hold_cancel"}); err != nil {
			return err
		}
		if err := tx.SetStatus(ctx, cur.ID, movement.Held, movement.Cancelled); err != nil {
			return err
		}
		return s.unhold(ctx, tx.SQL, cur, StatusCancelled)
	})
	if err != nil {
		return Payment{}, fmt.Errorf("cancel hold: %w", err)
	}
	return s.Payment(ctx, payerID, paymentID)
}

// unhold ends a held payment that did not complete: its status, and its
// request (if it paid one) open again, since it was not paid after all.
func (s *Service) unhold(ctx context.Context, tx *sql.Tx, p Payment, st Status) error {
	if p.RequestID != "" {
		if _, err := tx.ExecContext(ctx, "UPDATE payment_requests SET status = 'open', payment_id = '', updated_at = $2 WHERE id = $1 AND payment_id = $3",
			p.RequestID, s.now().UnixNano(), p.ID); err != nil {
			return err
		}
	}
	return s.setStatus(ctx, tx, p.ID, StatusHeld, st)
}

// errLapsed: a held payment's ledger reservation expired before release.
var errLapsed = errors.New("payments: the hold's reservation lapsed")

// ReleaseHolds completes held payments whose hold has ended (up to 100 a
// call) and returns how many it released. A hold whose ledger reservation
// lapsed (ReleaseHolds did not run within Config.HoldGrace) is marked
// failed, and its request opened again: the ledger gave the money back to
// the payer. For the background worker; safe to run in several processes
// at once (each release is a movement keyed by the payment: a second run
// replays).
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
		p, err := s.paymentIn(ctx, nil, id)
		if err != nil {
			return n, fmt.Errorf("release hold %s: %w", id, err)
		}
		req := movement.Request{Kind: movement.HoldRelease, Reference: p.ID, Actor: "job", Key: "release:" + p.ID, Fingerprint: "release",
			From: p.PayerID, To: p.PayeeID, Asset: p.Amount.Asset.Code, Amount: p.Amount.Minor,
			Accounts: []string{walletID(p.PayerID, p.Amount.Asset.Code), walletID(p.PayeeID, p.Amount.Asset.Code)}}
		res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
			cur, err := s.lockPayment(ctx, tx.SQL, id)
			if err != nil {
				return err
			}
			if cur.Status != StatusHeld {
				return errNotHeld
			}
			res, err := tx.SubmitMaybe(ctx, ledger.Transfer{ID: "release:" + cur.ID, PendingID: cur.TransferID, PostPending: true, Code: "hold_release"})
			if err != nil {
				return err
			}
			if !res[0].OK() {
				return errLapsed
			}
			if err := tx.SetStatus(ctx, cur.ID, movement.Held, movement.Done); err != nil {
				return err
			}
			if err := s.setStatus(ctx, tx.SQL, cur.ID, StatusHeld, StatusCompleted); err != nil {
				return err
			}
			if err := s.notify(ctx, tx.SQL, cur.PayeeID, NotifyReceived, cur.PayerID, cur.PostID, "sent you "+money.Format(cur.Amount)+noteSuffix(cur.Note)); err != nil {
				return err
			}
			return s.notify(ctx, tx.SQL, cur.PayerID, NotifyHoldReleased, "", cur.PostID, "your held payment of "+money.Format(cur.Amount)+" was released")
		})
		switch {
		case errors.Is(err, errNotHeld):
			continue // cancelled meanwhile, or released by another process
		case errors.Is(err, errLapsed):
			if err := s.lapse(ctx, p); err != nil {
				return n, fmt.Errorf("release hold %s: %w", id, err)
			}
			continue
		case err != nil:
			return n, fmt.Errorf("release hold %s: %w", id, err)
		}
		if !res.Replayed {
			n++
		}
	}
	return n, nil
}

var errNotHeld = errors.New("payments: not held")

// lapse records a hold whose reservation the ledger voided: no money moves
// now (it went back to the payer when the reservation expired).
func (s *Service) lapse(ctx context.Context, p Payment) error {
	if err := s.k.SetStatus(ctx, p.ID, movement.Held, movement.Cancelled); err != nil && !nestegg.Is(err, nestegg.Conflict) {
		return err
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		cur, err := s.lockPayment(ctx, tx, p.ID)
		if err != nil || cur.Status != StatusHeld {
			return err
		}
		if err := s.unhold(ctx, tx, cur, StatusFailed); err != nil {
			return err
		}
		return s.notify(ctx, tx, cur.PayerID, NotifyHoldCancelled, "", cur.PostID, "your held payment of "+money.Format(cur.Amount)+" was not sent; the money is back in your wallet")
	})
}
