package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
)

// RefundInput returns money of a payment to its payer.
type RefundInput struct {
	UserID    string // the payment's payee: only they may refund it
	PaymentID string
	// Amount to refund, in the payment's asset; 0 means all that is left.
	Amount         int64
	Reason         string
	IdempotencyKey string
}

// Refund returns part or all of a completed payment (a send or a paid
// request) from its payee to its payer, as a new ledger transfer; a payment
// can be refunded several times, never beyond what is left (Amount -
// Refunded). The payer is notified. Only the payee may call it.
//
// Errors: NotFound when the payment is not UserID's to refund; Invalid
// (Param "amount") for more than is left or a negative amount, (Param
// "reason", "idempotency_key"), or for a payment that is not a completed
// send; Forbidden when the checkpoint denies it (a frozen account);
// InsufficientFunds when the payee has spent the money; Conflict when the
// key was used for another refund.
func (s *Service) Refund(ctx context.Context, in RefundInput) (Refund, error) {
	if err := checkKey(in.IdempotencyKey); err != nil {
		return Refund{}, err
	}
	if in.Amount < 0 {
		return Refund{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must not be negative")
	}
	var err error
	if in.Reason, err = checkNote("reason", in.Reason); err != nil {
		return Refund{}, err
	}
	p, err := s.Payment(ctx, in.UserID, in.PaymentID)
	if err != nil {
		return Refund{}, err
	}
	if p.PayeeID != in.UserID {
		return Refund{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such payment")
	}
	var r Refund
	err = s.write(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanRefund(tx.QueryRowContext(ctx, "SELECT "+refundCols+" FROM refunds WHERE refunder_id = $1 AND idem_key = $2", in.UserID, in.IdempotencyKey))
		if err == nil {
			if r.PaymentID != in.PaymentID || (in.Amount != 0 && in.Amount != r.Amount.Minor) || r.Reason != in.Reason {
				return nestegg.ParamErrorf(nestegg.Conflict, "idempotency_key", "this idempotency key was used for a different refund")
			}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		p, err := s.lockPayment(ctx, tx, in.PaymentID)
		if err != nil {
			return err
		}
		if p.Kind != KindSend || p.Status != StatusCompleted {
			return nestegg.ParamErrorf(nestegg.Invalid, "id", "only completed payments can be refunded")
		}
		left := p.Refundable()
		amount := in.Amount
		if amount == 0 {
			amount = left
		}
		if amount == 0 || amount > left {
			return nestegg.ParamErrorf(nestegg.Invalid, "amount", "at most %s of this payment can still be refunded", fmtAmount(p.Amount.Asset, left))
		}
		tid := derive("refund", in.UserID, in.IdempotencyKey)
		d, err := s.comp.Check(ctx, tx, compliance.Movement{Kind: compliance.KindRefund, FromUser: in.UserID, ToUser: p.PayerID,
			Asset: p.Amount.Asset.Code, Amount: amount, Reference: tid})
		if err != nil {
			return err
		}
		if d.Outcome == compliance.Deny {
			return &denied{nestegg.Errorf(nestegg.Forbidden, "%s", d.Reason)}
		}
		now := s.now()
		r = Refund{ID: ledger.NewID("rfd"), PaymentID: p.ID, RefunderID: in.UserID, RecipientID: p.PayerID,
			Amount: money.Amount{Asset: p.Amount.Asset, Minor: amount}, Reason: in.Reason, TransferID: tid, CreatedAt: now}
		res, err := tx.ExecContext(ctx, `INSERT INTO refunds (id, payment_id, refunder_id, recipient_id, asset, amount, reason, transfer_id, idem_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (refunder_id, idem_key) DO NOTHING`,
			r.ID, r.PaymentID, r.RefunderID, r.RecipientID, p.Amount.Asset.Code, amount, r.Reason, tid, in.IdempotencyKey, now.UnixNano())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, errReplay)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE payments SET refunded = refunded + $2, updated_at = $3 WHERE id = $1", p.ID, amount, now.UnixNano()); err != nil {
			return err
		}
		if _, err := s.submit(ctx, tx, []ledger.Transfer{{ID: tid, DebitAccountID: walletID(in.UserID, p.Amount.Asset.Code),
			CreditAccountID: walletID(p.PayerID, p.Amount.Asset.Code), Amount: amount, Asset: p.Amount.Asset.Code, Code: "refund", Reference: r.ID}}); err != nil {
			return err
		}
		return s.notify(ctx, tx, p.PayerID, NotifyRefund, in.UserID, "", "refunded "+money.Format(r.Amount)+" of your payment"+noteSuffix(r.Reason))
	})
	if err != nil {
		return Refund{}, fmt.Errorf("refund: %w", err)
	}
	return r, nil
}

const refundCols = "id, payment_id, refunder_id, recipient_id, asset, amount, reason, transfer_id, created_at"

func scanRefund(row scanner) (Refund, error) {
	var r Refund
	var assetCode string
	var created int64
	if err := row.Scan(&r.ID, &r.PaymentID, &r.RefunderID, &r.RecipientID, &assetCode, &r.Amount.Minor, &r.Reason, &r.TransferID, &created); err != nil {
		return Refund{}, err
	}
	r.Amount.Asset, r.CreatedAt = asset(assetCode), fromNanos(created)
	return r, nil
}

// Refunds lists a payment's refunds, oldest first, to either party.
// Errors: NotFound when viewerID is neither the payer nor the payee.
func (s *Service) Refunds(ctx context.Context, viewerID, paymentID string) ([]Refund, error) {
	if _, err := s.Payment(ctx, viewerID, paymentID); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+refundCols+" FROM refunds WHERE payment_id = $1 ORDER BY created_at, id", paymentID)
	if err != nil {
		return nil, fmt.Errorf("refunds: %w", err)
	}
	defer rows.Close()
	var out []Refund
	for rows.Next() {
		r, err := scanRefund(rows)
		if err != nil {
			return nil, fmt.Errorf("refunds: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
