package payments

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
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
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
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
	amount := in.Amount
	if amount == 0 {
		amount = p.Refundable() // checked again under the payment's lock
	}
	if amount == 0 {
		amount = 1 // nothing is left: the check below says so
	}
	code := p.Amount.Asset.Code
	req := movement.Request{Kind: movement.Refund, ID: nestegg.NewID("rfd"), Reference: "", Actor: in.UserID, Key: in.IdempotencyKey,
		Fingerprint: nestegg.Fingerprint("refund", in.PaymentID, strconv.FormatInt(in.Amount, 10), in.Reason),
		From:        in.UserID, To: p.PayerID, Asset: code, Amount: amount, Note: in.Reason,
		Accounts: []string{walletID(in.UserID, code), walletID(p.PayerID, code)}}
	var r Refund
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		p, err := s.lockPayment(ctx, tx.SQL, in.PaymentID)
		if err != nil {
			return err
		}
		if p.Kind != KindSend || p.Status != StatusCompleted {
			return nestegg.ParamErrorf(nestegg.Invalid, "id", "only completed payments can be refunded")
		}
		left := p.Refundable()
		if amount > left || (in.Amount == 0 && amount != left) {
			return nestegg.ParamErrorf(nestegg.Invalid, "amount", "at most %s of this payment can still be refunded", fmtAmount(p.Amount.Asset, left))
		}
		now := tx.Now()
		r = Refund{ID: tx.ID(), PaymentID: p.ID, RefunderID: in.UserID, RecipientID: p.PayerID,
			Amount: money.Amount{Asset: p.Amount.Asset, Minor: amount}, Reason: in.Reason, TransferID: derive("refund", in.UserID, in.IdempotencyKey), CreatedAt: now}
		if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO refunds (id, payment_id, refunder_id, recipient_id, asset, amount, reason, transfer_id, idem_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			r.ID, r.PaymentID, r.RefunderID, r.RecipientID, code, amount, r.Reason, r.TransferID, in.IdempotencyKey, now.UnixNano()); err != nil {
			return err
		}
		if _, err := tx.SQL.ExecContext(ctx, "UPDATE payments SET refunded = refunded + $2, updated_at = $3 WHERE id = $1", p.ID, amount, now.UnixNano()); err != nil {
			return err
		}
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: r.TransferID, DebitAccountID: walletID(in.UserID, code),
			CreditAccountID: walletID(p.PayerID, code), Amount: amount, Asset: code, Code: "refund"}); err != nil {
			return err
		}
		return s.notify(ctx, tx.SQL, p.PayerID, NotifyRefund, in.UserID, "", "refunded "+money.Format(r.Amount)+" of your payment"+noteSuffix(r.Reason))
	})
	if err == nil && res.Replayed {
		r, err = scanRefund(s.db.Reader().QueryRowContext(ctx, "SELECT "+refundCols+" FROM refunds WHERE id = $1", res.Reference))
	}
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
