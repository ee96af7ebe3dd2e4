package cards

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
)

// Authorization statuses.
const (
	StatusPending  = "pending"
	StatusCaptured = "captured"
	StatusReversed = "reversed"
	StatusExpired  = "expired"
	StatusDeclined = "declined"
)

// Authorization is a purchase the network asked about, as the member sees
// it: pending (held) until captured, or reversed, expired or declined.
type Authorization struct {
	ID        string
	CardID    string
	UserID    string
	Asset     string
	Merchant  string
	Category  string
	City      string
	Channel   string
	Requested int64
	Held      int64
	Captured  int64
	Status    string
	Reason    string
	ExpiresAt int64
	CreatedAt int64
}

func (s *Service) authorization(ctx context.Context, q store.Querier, id string) (Authorization, error) {
	var a Authorization
	err := q.QueryRowContext(ctx, `SELECT id, card_id, user_id, asset, merchant_name, merchant_category, merchant_city, channel, requested, held, captured,
		status, reason, expires_at, created_at FROM card_authorizations WHERE id = $1`, id).Scan(&a.ID, &a.CardID, &a.UserID, &a.Asset, &a.Merchant,
		&a.Category, &a.City, &a.Channel, &a.Requested, &a.Held, &a.Captured, &a.Status, &a.Reason, &a.ExpiresAt, &a.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Authorization{}, nestegg.ParamErrorf(nestegg.NotFound, "authorization", "no such authorization")
	}
	if err != nil {
		return Authorization{}, fmt.Errorf("authorization: %w", err)
	}
	return a, nil
}

// Notify records what the network did (the rails.IssuingHandler the
// issuer tells): a capture, a refund, a reversal, a dispute opened or
// closed — each a movement through the kernel, idempotent by the
// network's id, so that the issuer may tell it twice. Errors: NotFound
// for a card or an authorization Nestegg does not know; Conflict for a
// step its state does not allow; Invalid for an unknown event.
func (s *Service) Notify(ctx context.Context, ev rails.IssuingEvent) error {
	switch ev.Type {
	case rails.EventCaptured:
		return s.capture(ctx, ev.Transaction)
	case rails.EventDeclined:
		c, err := s.card(ctx, s.db.Reader(), "issuer_card_id", ev.Auth.CardID)
		if err != nil {
			return err
		}
		if ev.Auth.ID == "" || ev.Auth.Requested <= 0 {
			return nestegg.Errorf(nestegg.Invalid, "cards: a declined authorization needs an id and an amount")
		}
		reason := ev.Auth.Reason
		if reason == "" {
			reason = "declined_by_issuer"
		}
		return s.recordDecline(ctx, c, rails.AuthorizationRequest{AuthorizationID: ev.Auth.ID, Amount: ev.Auth.Requested, Currency: ev.Auth.Currency,
			Merchant: ev.Auth.Merchant}, reason)
	case rails.EventReversed:
		return s.release(ctx, ev.Auth.ID, StatusReversed, movement.CardReversal, "issuer", "reverse:"+ev.Auth.ID)
	case rails.EventRefunded:
		return s.refund(ctx, ev.Transaction)
	case rails.EventDisputeOpened:
		return s.openDispute(ctx, ev.Dispute)
	case rails.EventDisputeClosed:
		return s.closeDispute(ctx, ev.Dispute)
	}
	return nestegg.Errorf(nestegg.Invalid, "cards: unknown event %q", ev.Type)
}

type hold struct {
	id     string
	amount int64
}

func holds(ctx context.Context, q store.Querier, authID string) ([]hold, error) {
	rows, err := q.QueryContext(ctx, "SELECT transfer_id, amount FROM card_holds WHERE auth_id = $1 ORDER BY created_at, transfer_id", authID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hold
	for rows.Next() {
		var h hold
		if err := rows.Scan(&h.id, &h.amount); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// capture posts an authorization's holds for the captured amount: less
// than held releases the rest; more takes the difference from the wallet
// (a tip), and what the wallet cannot pay is the platform's loss (the
// network's capture is not refused), recorded as the shortfall. A capture
// of an authorization whose hold was reversed or expired is paid the same
// way, from the wallet. The platform's interchange on the capture moves
// card issuing → fee revenue in the same movement; the cash back follows
// as a movement of its own (its own line in the statement).
func (s *Service) capture(ctx context.Context, t rails.IssuingTransaction) error {
	if t.Amount <= 0 || t.ID == "" {
		return nestegg.Errorf(nestegg.Invalid, "cards: a capture needs an id and a positive amount")
	}
	a, err := s.authorization(ctx, s.db.Reader(), t.AuthorizationID)
	if err != nil {
		return err
	}
	if a.Status == StatusDeclined {
		return nestegg.Errorf(nestegg.Conflict, "cards: authorization %s was declined", a.ID)
	}
	if err := s.ensure(ctx, a.UserID, a.Asset); err != nil {
		return err
	}
	wallet, issuing := payments.WalletID(a.UserID, a.Asset), ledger.PlatformID(a.Asset, KindIssuing)
	fees, rewards := ledger.PlatformID(a.Asset, ledger.KindFeeRevenue), ledger.PlatformID(a.Asset, KindRewards)
	interchange := t.Amount * s.cfg.InterchangeBps / 10_000
	fp := nestegg.Fingerprint(string(movement.CardCapture), t.ID, a.ID, strconv.FormatInt(t.Amount, 10))
	req := movement.Request{Kind: movement.CardCapture, ID: nestegg.NewID("cmv"), Reference: a.ID, Actor: "issuer", Key: "capture:" + t.ID, Fingerprint: fp,
		From: a.UserID, Asset: a.Asset, Amount: t.Amount, Note: merchantNote(rails.Merchant{Name: a.Merchant, Category: a.Category}),
		Accounts: []string{wallet, issuing, fees, rewards}}
	_, err = s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		cur, err := s.authorization(ctx, tx.SQL, a.ID)
		if err != nil {
			return err
		}
		var ts []ledger.Transfer
		left := t.Amount
		if cur.Status == StatusPending {
			hs, err := holds(ctx, tx.SQL, a.ID)
			if err != nil {
				return err
			}
			for _, h := range hs {
				post := min(left, h.amount)
				left -= post
				if post == 0 {
					ts = append(ts, ledger.Transfer{ID: h.id + ":void", PendingID: h.id, VoidPending: true, Code: "card_release"})
					continue
				}
				ts = append(ts, ledger.Transfer{ID: h.id + ":post", PendingID: h.id, PostPending: true, Amount: post, Asset: a.Asset, Code: "card_capture"})
			}
		}
		if len(ts) > 0 {
			if _, err := tx.Submit(ctx, ts...); err != nil {
				return err
			}
		}
		var shortfall int64
		if left > 0 {
			w, err := tx.Account(ctx, wallet)
			if err != nil {
				return err
			}
			fromWallet := min(left, max(w.Balance(), 0))
			shortfall = left - fromWallet
			var more []ledger.Transfer
			if fromWallet > 0 {
				more = append(more, ledger.Transfer{ID: tx.ID() + ":over", DebitAccountID: wallet, CreditAccountID: issuing, Amount: fromWallet, Asset: a.Asset, Code: "card_capture"})
			}
			if shortfall > 0 {
				more = append(more, ledger.Transfer{ID: tx.ID() + ":short", DebitAccountID: rewards, CreditAccountID: issuing, Amount: shortfall, Asset: a.Asset, Code: "card_shortfall"})
			}
			if _, err := tx.Submit(ctx, more...); err != nil {
				return err
			}
		}
		if interchange > 0 {
			if _, err := tx.Submit(ctx, ledger.Transfer{ID: tx.ID() + ":ic", DebitAccountID: issuing, CreditAccountID: fees, Amount: interchange, Asset: a.Asset, Code: "card_interchange"}); err != nil {
				return err
			}
		}
		now := tx.Now().UnixNano()
		r, err := tx.SQL.ExecContext(ctx, `UPDATE card_authorizations SET status = 'captured', held = 0, captured = captured + $3, updated_at = $4
			WHERE id = $1 AND status = $2`, a.ID, cur.Status, t.Amount, now)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return nestegg.Errorf(nestegg.Conflict, "cards: authorization %s changed while it was captured", a.ID)
		}
		if cur.Status == StatusPending && cur.Held > 0 {
			// The hold leaves the day's count; the capture takes its place.
			if err := s.recount(ctx, tx, cur, t.Amount-cur.Held); err != nil {
				return err
			}
		}
		_, err = tx.SQL.ExecContext(ctx, `INSERT INTO card_transactions (id, card_id, user_id, auth_id, type, asset, amount, merchant_name, merchant_category,
			interchange, shortfall, movement_id, created_at) VALUES ($1, $2, $3, $4, 'capture', $5, $6, $7, $8, $9, $10, $11, $12)`,
			t.ID, a.CardID, a.UserID, a.ID, a.Asset, t.Amount, a.Merchant, a.Category, interchange, shortfall, tx.ID(), now)
		return err
	})
	if err != nil {
		return fmt.Errorf("capture %s: %w", t.ID, err)
	}
	return s.cashback(ctx, a, t)
}

// recount moves the card's count of today by delta (never below zero),
// when the authorization was counted today.
func (s *Service) recount(ctx context.Context, tx *movement.Tx, a Authorization, delta int64) error {
	_, err := tx.SQL.ExecContext(ctx, `UPDATE cards SET spent_today = CASE WHEN spent_today + $3 < 0 THEN 0 ELSE spent_today + $3 END
		WHERE id = $1 AND spent_day = $2`, a.CardID, dayOf(tx.Now()), delta)
	return err
}

// cashback pays the member the operator's cash back on a capture, from the
// rewards expense account.
func (s *Service) cashback(ctx context.Context, a Authorization, t rails.IssuingTransaction) error {
	bps := s.cfg.CashbackBps
	if b, ok := s.cfg.CashbackByCategory[a.Category]; ok {
		bps = b
	}
	amount := t.Amount * bps / 10_000
	if amount <= 0 {
		return nil
	}
	wallet, rewards := payments.WalletID(a.UserID, a.Asset), ledger.PlatformID(a.Asset, KindRewards)
	fp := nestegg.Fingerprint(string(movement.CardCashback), t.ID, strconv.FormatInt(amount, 10))
	req := movement.Request{Kind: movement.CardCashback, ID: nestegg.NewID("cmv"), Reference: a.ID, Actor: "issuer", Key: "cashback:" + t.ID, Fingerprint: fp,
		To: a.UserID, Asset: a.Asset, Amount: amount, Note: merchantNote(rails.Merchant{Name: a.Merchant, Category: a.Category}), Accounts: []string{wallet, rewards}}
	_, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: tx.ID() + ":cb", DebitAccountID: rewards, CreditAccountID: wallet, Amount: amount, Asset: a.Asset, Code: "card_cashback"}); err != nil {
			return err
		}
		_, err := tx.SQL.ExecContext(ctx, "UPDATE card_transactions SET cashback = $2 WHERE id = $1", t.ID, amount)
		return err
	})
	if err != nil {
		return fmt.Errorf("cash back %s: %w", t.ID, err)
	}
	return nil
}

// errGone is release finding the authorization no longer pending: nothing
// to release, and the movement rolls back.
var errGone = errors.New("cards: the authorization is no longer pending")

// release voids a pending authorization's holds (a reversal, or the
// expiry job) and marks it to. Releasing one already reversed or expired
// is no error; one captured is Conflict.
func (s *Service) release(ctx context.Context, authID, to string, kind movement.Kind, actor, key string) error {
	_, err := s.releaseOnce(ctx, authID, to, kind, actor, key)
	return err
}

// releaseOnce is release, saying whether this call released the holds
// (not another process, nor an earlier call).
func (s *Service) releaseOnce(ctx context.Context, authID, to string, kind movement.Kind, actor, key string) (bool, error) {
	a, err := s.authorization(ctx, s.db.Reader(), authID)
	if err != nil {
		return false, err
	}
	if a.Status != StatusPending {
		if a.Status == StatusReversed || a.Status == StatusExpired {
			return false, nil
		}
		return false, nestegg.Errorf(nestegg.Conflict, "cards: authorization %s is %s", authID, a.Status)
	}
	wallet, issuing := payments.WalletID(a.UserID, a.Asset), ledger.PlatformID(a.Asset, KindIssuing)
	fp := nestegg.Fingerprint(string(kind), authID)
	req := movement.Request{Kind: kind, ID: nestegg.NewID("cmv"), Reference: authID, Actor: actor, Key: key, Fingerprint: fp,
		To: a.UserID, Asset: a.Asset, Amount: a.Held, Note: merchantNote(rails.Merchant{Name: a.Merchant, Category: a.Category}), Accounts: []string{wallet, issuing}}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		r, err := tx.SQL.ExecContext(ctx, "UPDATE card_authorizations SET status = $2, held = 0, updated_at = $3 WHERE id = $1 AND status = 'pending'",
			authID, to, tx.Now().UnixNano())
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errGone
		}
		hs, err := holds(ctx, tx.SQL, authID)
		if err != nil {
			return err
		}
		ts := make([]ledger.Transfer, 0, len(hs))
		var held int64
		for _, h := range hs {
			held += h.amount
			ts = append(ts, ledger.Transfer{ID: h.id + ":void", PendingID: h.id, VoidPending: true, Code: "card_release"})
		}
		if _, err := tx.Submit(ctx, ts...); err != nil {
			return err
		}
		return s.recount(ctx, tx, a, -held)
	})
	if errors.Is(err, errGone) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("release %s: %w", authID, err)
	}
	return !res.Replayed, nil
}

// Expire releases every hold whose network window has passed (up to 500
// a call) and returns how many. Safe in several processes at once: each
// release is a movement keyed by the authorization, and guarded by its
// pending status, so a hold is released once.
func (s *Service) Expire(ctx context.Context) (int, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id FROM card_authorizations WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT 500",
		s.now().UnixNano())
	if err != nil {
		return 0, fmt.Errorf("expire holds: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		released, err := s.releaseOnce(ctx, id, StatusExpired, movement.CardHoldExpiry, "job", "expire:"+id)
		if nestegg.Is(err, nestegg.Conflict) {
			continue // captured meanwhile
		}
		if err != nil {
			return n, err
		}
		if released {
			n++
		}
	}
	return n, nil
}
