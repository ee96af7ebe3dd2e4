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

// transaction is a card_transactions row's facts a refund or a dispute
// needs.
type transaction struct {
	id, cardID, userID, authID, asset, merchant, category string
	amount, refunded                                      int64
}

func (s *Service) transaction(ctx context.Context, q store.Querier, id string) (transaction, error) {
	var t transaction
	err := q.QueryRowContext(ctx, `SELECT id, card_id, user_id, auth_id, asset, merchant_name, merchant_category, amount, refunded
		FROM card_transactions WHERE id = $1 AND type = 'capture'`, id).Scan(&t.id, &t.cardID, &t.userID, &t.authID, &t.asset, &t.merchant, &t.category, &t.amount, &t.refunded)
	if errors.Is(err, sql.ErrNoRows) {
		return transaction{}, nestegg.ParamErrorf(nestegg.NotFound, "transaction", "no such capture")
	}
	if err != nil {
		return transaction{}, fmt.Errorf("card transaction: %w", err)
	}
	return t, nil
}

// captureOf finds the capture a refund is of: by the authorization the
// network names (Stripe's refunds name the authorization, not the capture).
func (s *Service) captureOf(ctx context.Context, authID string) (transaction, error) {
	var id string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT id FROM card_transactions WHERE auth_id = $1 AND type = 'capture' ORDER BY created_at DESC LIMIT 1", authID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return transaction{}, nestegg.ParamErrorf(nestegg.NotFound, "transaction", "no capture of authorization %s", authID)
	}
	if err != nil {
		return transaction{}, fmt.Errorf("card transaction: %w", err)
	}
	return s.transaction(ctx, s.db.Reader(), id)
}

// refund credits the member what the merchant refunded: card issuing →
// wallet. A capture is refunded at most its amount in all.
func (s *Service) refund(ctx context.Context, t rails.IssuingTransaction) error {
	if t.Amount <= 0 || t.ID == "" {
		return nestegg.Errorf(nestegg.Invalid, "cards: a refund needs an id and a positive amount")
	}
	c, err := s.captureOf(ctx, t.AuthorizationID)
	if err != nil {
		return err
	}
	wallet, issuing := payments.WalletID(c.userID, c.asset), ledger.PlatformID(c.asset, KindIssuing)
	fp := nestegg.Fingerprint(string(movement.CardRefund), t.ID, c.id, strconv.FormatInt(t.Amount, 10))
	req := movement.Request{Kind: movement.CardRefund, ID: nestegg.NewID("cmv"), Reference: c.authID, Actor: "issuer", Key: "refund:" + t.ID, Fingerprint: fp,
		To: c.userID, Asset: c.asset, Amount: t.Amount, Note: merchantNote(rails.Merchant{Name: c.merchant, Category: c.category}), Accounts: []string{wallet, issuing}}
	_, err = s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		r, err := tx.SQL.ExecContext(ctx, "UPDATE card_transactions SET refunded = refunded + $2 WHERE id = $1 AND refunded + $2 <= amount", c.id, t.Amount)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return nestegg.ParamErrorf(nestegg.Invalid, "amount", "a refund beyond what was captured")
		}
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: tx.ID() + ":refund", DebitAccountID: issuing, CreditAccountID: wallet, Amount: t.Amount, Asset: c.asset, Code: "card_refund"}); err != nil {
			return err
		}
		_, err = tx.SQL.ExecContext(ctx, `INSERT INTO card_transactions (id, card_id, user_id, auth_id, type, asset, amount, merchant_name, merchant_category, movement_id, created_at)
			VALUES ($1, $2, $3, $4, 'refund', $5, $6, $7, $8, $9, $10)`, t.ID, c.cardID, c.userID, c.authID, c.asset, t.Amount, c.merchant, c.category, tx.ID(), tx.Now().UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("refund %s: %w", t.ID, err)
	}
	return nil
}

// Dispute statuses.
const (
	DisputeOpen = "open"
	DisputeWon  = "won"
	DisputeLost = "lost"
)

// openDispute credits the member the disputed amount provisionally, from
// the platform (the rewards and losses expense account), while the network
// decides.
func (s *Service) openDispute(ctx context.Context, d rails.Dispute) error {
	c, err := s.transaction(ctx, s.db.Reader(), d.TransactionID)
	if err != nil {
		return err
	}
	amount := d.Amount
	if amount <= 0 || amount > c.amount-c.refunded {
		amount = c.amount - c.refunded
	}
	if amount <= 0 {
		return nestegg.Errorf(nestegg.Conflict, "cards: transaction %s was refunded in full", c.id)
	}
	wallet, rewards := payments.WalletID(c.userID, c.asset), ledger.PlatformID(c.asset, KindRewards)
	fp := nestegg.Fingerprint(string(movement.CardDisputeCredit), d.ID, c.id)
	req := movement.Request{Kind: movement.CardDisputeCredit, ID: nestegg.NewID("cmv"), Reference: d.ID, Actor: "issuer", Key: "dispute:" + d.ID, Fingerprint: fp,
		To: c.userID, Asset: c.asset, Amount: amount, Note: merchantNote(rails.Merchant{Name: c.merchant, Category: c.category}), Accounts: []string{wallet, rewards}}
	_, err = s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO card_disputes (id, transaction_id, card_id, user_id, asset, amount, reason, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)`, d.ID, c.id, c.cardID, c.userID, c.asset, amount, d.Reason, tx.Now().UnixNano()); err != nil {
			return s.db.Translate(err)
		}
		_, err := tx.Submit(ctx, ledger.Transfer{ID: tx.ID() + ":credit", DebitAccountID: rewards, CreditAccountID: wallet, Amount: amount, Asset: c.asset, Code: "card_dispute_credit"})
		return err
	})
	if err != nil {
		return fmt.Errorf("dispute %s: %w", d.ID, err)
	}
	return nil
}

// closeDispute settles a dispute: won, the network's money comes back
// (card issuing → the expense that fronted the credit), and the member
// keeps the credit; lost, the credit is taken back from the wallet (what
// the wallet holds of it: the rest is the platform's loss).
func (s *Service) closeDispute(ctx context.Context, d rails.Dispute) error {
	if d.Status != DisputeWon && d.Status != DisputeLost {
		return nestegg.Errorf(nestegg.Invalid, "cards: a dispute closes won or lost, not %q", d.Status)
	}
	var userID, asset, status string
	var amount int64
	err := s.db.Reader().QueryRowContext(ctx, "SELECT user_id, asset, amount, status FROM card_disputes WHERE id = $1", d.ID).Scan(&userID, &asset, &amount, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return nestegg.ParamErrorf(nestegg.NotFound, "dispute", "no such dispute")
	}
	if err != nil {
		return fmt.Errorf("dispute: %w", err)
	}
	if status != DisputeOpen {
		if status == d.Status {
			return nil
		}
		return nestegg.Errorf(nestegg.Conflict, "cards: dispute %s is %s", d.ID, status)
	}
	wallet, issuing, rewards := payments.WalletID(userID, asset), ledger.PlatformID(asset, KindIssuing), ledger.PlatformID(asset, KindRewards)
	kind := movement.CardDisputeWon
	if d.Status == DisputeLost {
		kind = movement.CardDisputeReverse
	}
	fp := nestegg.Fingerprint(string(kind), d.ID)
	req := movement.Request{Kind: kind, ID: nestegg.NewID("cmv"), Reference: d.ID, Actor: "issuer", Key: "dispute-close:" + d.ID, Fingerprint: fp,
		From: userID, Asset: asset, Amount: amount, Accounts: []string{wallet, issuing, rewards}}
	if kind == movement.CardDisputeWon {
		req.From = ""
	}
	errNothing := errors.New("nothing to take back")
	_, err = s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		r, err := tx.SQL.ExecContext(ctx, "UPDATE card_disputes SET status = $2, closed_at = $3 WHERE id = $1 AND status = 'open'", d.ID, d.Status, tx.Now().UnixNano())
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return nestegg.Errorf(nestegg.Conflict, "cards: dispute %s is closed already", d.ID)
		}
		if kind == movement.CardDisputeWon {
			_, err := tx.Submit(ctx, ledger.Transfer{ID: tx.ID() + ":won", DebitAccountID: issuing, CreditAccountID: rewards, Amount: amount, Asset: asset, Code: "card_dispute_won"})
			return err
		}
		w, err := tx.Account(ctx, wallet)
		if err != nil {
			return err
		}
		back := min(amount, max(w.Balance(), 0))
		if back == 0 {
			return errNothing
		}
		_, err = tx.Submit(ctx, ledger.Transfer{ID: tx.ID() + ":back", DebitAccountID: wallet, CreditAccountID: rewards, Amount: back, Asset: asset, Code: "card_dispute_reverse"})
		return err
	})
	if errors.Is(err, errNothing) {
		// The wallet is empty: the dispute closes, the loss is the platform's.
		err = s.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE card_disputes SET status = $2, closed_at = $3 WHERE id = $1 AND status = 'open'", d.ID, d.Status, s.now().UnixNano())
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("close dispute %s: %w", d.ID, err)
	}
	return nil
}
