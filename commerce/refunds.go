package commerce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
)

// RefundInput returns money of an order to its buyer.
type RefundInput struct {
	MerchantID string // the order's merchant: only they may refund it
	OrderID    string
	// Amount in the order's asset; 0 means all that is left.
	Amount         int64
	Reason         string
	IdempotencyKey string
}

// Refund returns part or all of an order from the merchant's wallet to the
// buyer's, as a new ledger transfer; an order can be refunded several
// times, never beyond its price. The platform keeps its fee. When nothing
// is left the order is refunded. Only the merchant may call it.
//
// Errors: NotFound when the order is not MerchantID's; Invalid (Param
// "amount", "reason", "idempotency_key"); Conflict when the order can't be
// refunded now (disputed, an unredeemed gift, already refunded) or the key
// was used for another refund; Forbidden when the checkpoint refuses;
// InsufficientFunds when the merchant has spent the money.
func (s *Service) Refund(ctx context.Context, in RefundInput) (Refund, error) {
	if err := checkKey(in.IdempotencyKey); err != nil {
		return Refund{}, err
	}
	if in.Amount < 0 {
		return Refund{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must not be negative")
	}
	var err error
	if in.Reason, err = cleanText("reason", in.Reason, MaxText, false); err != nil {
		return Refund{}, err
	}
	o, err := s.Order(ctx, in.MerchantID, in.OrderID)
	if err != nil || o.MerchantID != in.MerchantID {
		return Refund{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such order")
	}
	if err := s.ensureAccounts(ctx, o.Amount.Asset.Code, o.BuyerID); err != nil {
		return Refund{}, err
	}
	var r Refund
	err = s.write(ctx, func(tx *sql.Tx) error {
		var prevOrder string
		var prevAmount int64
		var prevReason string
		err := tx.QueryRowContext(ctx, "SELECT id, order_id, amount, reason, transfer_id, created_at FROM commerce_refunds WHERE merchant_id = $1 AND idem_key = $2",
			in.MerchantID, in.IdempotencyKey).Scan(&r.ID, &prevOrder, &prevAmount, &prevReason, &r.TransferID, new(int64))
		if err == nil {
			if prevOrder != in.OrderID || (in.Amount != 0 && in.Amount != prevAmount) || prevReason != in.Reason {
				return nestegg.ParamErrorf(nestegg.Conflict, "idempotency_key", "this idempotency key was used for a different refund")
			}
			r.OrderID, r.MerchantID, r.Amount, r.Reason = prevOrder, in.MerchantID, money.Amount{Asset: o.Amount.Asset, Minor: prevAmount}, prevReason
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		cur, err := s.order(ctx, tx, in.OrderID, true)
		if err != nil {
			return err
		}
		if cur.Gift && cur.Status == StatusPaid {
			return nestegg.Errorf(nestegg.Conflict, "the gift's voucher isn't redeemed yet; it refunds by itself if it expires")
		}
		left := cur.Refundable()
		if left == 0 {
			return nestegg.Errorf(nestegg.Conflict, "this order is %s and can't be refunded", cur.Status)
		}
		amount := in.Amount
		if amount == 0 {
			amount = left
		}
		if amount > left {
			return nestegg.ParamErrorf(nestegg.Invalid, "amount", "at most %s of this order can still be refunded", money.Format(money.Amount{Asset: cur.Amount.Asset, Minor: left}))
		}
		code := cur.Amount.Asset.Code
		r = Refund{ID: ledger.NewID("crf"), OrderID: cur.ID, MerchantID: in.MerchantID, Amount: money.Amount{Asset: cur.Amount.Asset, Minor: amount},
			Reason: in.Reason, CreatedAt: s.now()}
		r.TransferID = "crf:" + r.ID
		d, err := s.comp.Check(ctx, tx, compliance.Movement{Kind: compliance.KindRefund, FromUser: in.MerchantID, ToUser: cur.BuyerID,
			Asset: code, Amount: amount, Reference: r.ID})
		if err != nil {
			return err
		}
		if d.Outcome == compliance.Deny {
			return &denied{nestegg.Errorf(nestegg.Forbidden, "%s", d.Reason)}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO commerce_refunds (id, order_id, merchant_id, amount, reason, transfer_id, idem_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, r.OrderID, in.MerchantID, amount, r.Reason, r.TransferID, in.IdempotencyKey, nanos(r.CreatedAt)); err != nil {
			return err
		}
		status := cur.Status
		if amount == left {
			status = StatusRefunded
		}
		if _, err := tx.ExecContext(ctx, "UPDATE commerce_orders SET refunded = refunded + $2, status = $3, updated_at = $4 WHERE id = $1",
			cur.ID, amount, string(status), nanos(r.CreatedAt)); err != nil {
			return err
		}
		if err := s.submit(ctx, tx, []ledger.Transfer{{ID: r.TransferID, DebitAccountID: walletID(in.MerchantID, code), CreditAccountID: walletID(cur.BuyerID, code),
			Amount: amount, Asset: code, Code: "commerce_refund", Reference: cur.ID}}); err != nil {
			return err
		}
		return s.notify(ctx, tx, cur.BuyerID, NotifyRefund, in.MerchantID, "", "refunded "+money.Format(r.Amount)+" of your order of "+cur.Title)
	})
	if err != nil {
		return Refund{}, fmt.Errorf("refund: %w", err)
	}
	return r, nil
}

// Refunds lists an order's refunds, oldest first, to its buyer,
// recipient or merchant. Errors: NotFound for anyone else.
func (s *Service) Refunds(ctx context.Context, viewerID, orderID string) ([]Refund, error) {
	o, err := s.Order(ctx, viewerID, orderID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, order_id, merchant_id, amount, reason, transfer_id, created_at FROM commerce_refunds WHERE order_id = $1 ORDER BY created_at, id", orderID)
	if err != nil {
		return nil, fmt.Errorf("refunds: %w", err)
	}
	defer rows.Close()
	var out []Refund
	for rows.Next() {
		var r Refund
		var created int64
		if err := rows.Scan(&r.ID, &r.OrderID, &r.MerchantID, &r.Amount.Minor, &r.Reason, &r.TransferID, &created); err != nil {
			return nil, fmt.Errorf("refunds: %w", err)
		}
		r.Amount.Asset, r.CreatedAt = o.Amount.Asset, fromNanos(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

// OpenDispute contests an order within Config.DisputeWindow of paying: what
// is left of its price is held from the merchant's wallet (a pending
// transfer to the buyer) until staff resolve it. Only the buyer may call
// it, once per order.
//
// Errors: NotFound when the order is not buyerID's; Invalid (Param
// "reason"); Conflict when the window has passed, the order was already
// disputed or refunded, or it is an unredeemed gift; InsufficientFunds
// when the merchant's wallet can't cover the hold.
func (s *Service) OpenDispute(ctx context.Context, buyerID, orderID, reason string) (Dispute, error) {
	reason, err := cleanText("reason", reason, MaxText, true)
	if err != nil {
		return Dispute{}, err
	}
	var d Dispute
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		o, err := s.order(ctx, tx, orderID, true)
		if err != nil || o.BuyerID != buyerID {
			return nestegg.ParamErrorf(nestegg.NotFound, "id", "no such order")
		}
		now := s.now()
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM commerce_disputes WHERE order_id = $1", orderID).Scan(&n); err != nil {
			return err
		}
		switch {
		case n > 0:
			return nestegg.Errorf(nestegg.Conflict, "this order was already disputed")
		case now.Sub(o.CreatedAt) > s.cfg.DisputeWindow:
			return nestegg.Errorf(nestegg.Conflict, "disputes are open for %d days after buying", int(s.cfg.DisputeWindow/(24*time.Hour)))
		case o.Gift && o.Status == StatusPaid:
			return nestegg.Errorf(nestegg.Conflict, "the gift's voucher isn't redeemed yet")
		case o.Refundable() == 0:
			return nestegg.Errorf(nestegg.Conflict, "this order is %s", o.Status)
		}
		code := o.Amount.Asset.Code
		d = Dispute{ID: ledger.NewID("dsp"), OrderID: o.ID, BuyerID: buyerID, MerchantID: o.MerchantID,
			Amount: money.Amount{Asset: o.Amount.Asset, Minor: o.Refundable()}, Reason: reason, Status: DisputeOpen, PriorStatus: o.Status, CreatedAt: now}
		d.HoldID = "dsp:" + d.ID + ":hold"
		if _, err := tx.ExecContext(ctx, `INSERT INTO commerce_disputes (id, order_id, buyer_id, merchant_id, asset, amount, reason, status, prior_status, hold_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10)`, d.ID, o.ID, buyerID, o.MerchantID, code, d.Amount.Minor, reason,
			string(o.Status), d.HoldID, nanos(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE commerce_orders SET status = 'disputed', updated_at = $2 WHERE id = $1", o.ID, nanos(now)); err != nil {
			return err
		}
		// The hold is what makes a dispute worth something: the merchant
		// can't spend the money while staff look.
		if err := s.submit(ctx, tx, []ledger.Transfer{{ID: d.HoldID, DebitAccountID: walletID(o.MerchantID, code), CreditAccountID: walletID(buyerID, code),
			Amount: d.Amount.Minor, Asset: code, Code: "dispute_hold", Reference: d.ID, Pending: true}}); err != nil {
			if nestegg.Is(err, nestegg.InsufficientFunds) {
				return nestegg.Errorf(nestegg.InsufficientFunds, "the merchant's wallet can't cover this dispute right now; contact support")
			}
			return err
		}
		return s.notify(ctx, tx, o.MerchantID, NotifyDispute, buyerID, "", "a dispute was opened on "+o.Title+": "+reason+" ("+money.Format(d.Amount)+" is held)")
	})
	if err != nil {
		return Dispute{}, fmt.Errorf("open dispute: %w", err)
	}
	return d, nil
}

// ResolveDispute closes an open dispute: buyerWins posts the held money to
// the buyer and marks the order refunded; otherwise the hold is voided and
// the order returns to where it was. Only staff (admin or support) may
// call it. Errors: Forbidden for anyone else; NotFound; Conflict when it
// is already resolved; Invalid (Param "note").
func (s *Service) ResolveDispute(ctx context.Context, staffID, disputeID string, buyerWins bool, note string) (Dispute, error) {
	if err := s.staff(ctx, staffID); err != nil {
		return Dispute{}, err
	}
	note, err := cleanText("note", note, MaxText, false)
	if err != nil {
		return Dispute{}, err
	}
	var d Dispute
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = scanDispute(tx.QueryRowContext(ctx, "SELECT "+disputeCols+" FROM commerce_disputes WHERE id = $1"+s.db.Dialect.ForUpdate(), disputeID))
		if errors.Is(err, sql.ErrNoRows) {
			return nestegg.ParamErrorf(nestegg.NotFound, "id", "no such dispute")
		}
		if err != nil {
			return err
		}
		if d.Status != DisputeOpen {
			return nestegg.Errorf(nestegg.Conflict, "this dispute was already resolved (%s)", d.Status)
		}
		now := s.now()
		o, err := s.order(ctx, tx, d.OrderID, true)
		if err != nil {
			return err
		}
		t := ledger.Transfer{PendingID: d.HoldID, Code: "dispute_release", Reference: d.ID}
		status, refunded := d.PriorStatus, o.Refunded
		d.Status = DisputeLost
		if buyerWins {
			t.ID, t.PostPending, t.Code = "dsp:"+d.ID+":won", true, "dispute_won"
			status, refunded, d.Status = StatusRefunded, o.Refunded+d.Amount.Minor, DisputeWon
		} else {
			t.ID, t.VoidPending = "dsp:"+d.ID+":lost", true
		}
		if err := s.submit(ctx, tx, []ledger.Transfer{t}); err != nil {
			return err
		}
		d.ResolvedBy, d.Note, d.ResolvedAt = staffID, note, now
		if _, err := tx.ExecContext(ctx, "UPDATE commerce_disputes SET status = $2, resolved_by = $3, note = $4, resolved_at = $5 WHERE id = $1",
			d.ID, string(d.Status), staffID, note, nanos(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE commerce_orders SET status = $2, refunded = $3, updated_at = $4 WHERE id = $1",
			o.ID, string(status), refunded, nanos(now)); err != nil {
			return err
		}
		msg := "the dispute on " + o.Title + " was resolved: "
		if buyerWins {
			msg += money.Format(d.Amount) + " went back to the buyer"
		} else {
			msg += "the held money was released to the merchant"
		}
		if err := s.notify(ctx, tx, d.BuyerID, NotifyDispute, "", "", msg); err != nil {
			return err
		}
		return s.notify(ctx, tx, d.MerchantID, NotifyDispute, "", "", msg)
	})
	if err != nil {
		return Dispute{}, fmt.Errorf("resolve dispute: %w", err)
	}
	return d, nil
}

const disputeCols = "id, order_id, buyer_id, merchant_id, asset, amount, reason, status, prior_status, hold_id, resolved_by, note, created_at, resolved_at"

func scanDispute(row interface{ Scan(...any) error }) (Dispute, error) {
	var d Dispute
	var code, status, prior string
	var created, resolved int64
	err := row.Scan(&d.ID, &d.OrderID, &d.BuyerID, &d.MerchantID, &code, &d.Amount.Minor, &d.Reason, &status, &prior, &d.HoldID,
		&d.ResolvedBy, &d.Note, &created, &resolved)
	d.Amount.Asset, d.Status, d.PriorStatus = asset(code), DisputeStatus(status), OrderStatus(prior)
	d.CreatedAt, d.ResolvedAt = fromNanos(created), fromNanos(resolved)
	return d, err
}

// Disputes lists disputes newest first (at most 200): for staff (admin or
// support) every dispute with the status given ("" for all); for anyone
// else, those where they are the buyer or the merchant.
func (s *Service) Disputes(ctx context.Context, viewerID string, status DisputeStatus) ([]Dispute, error) {
	q := "SELECT " + disputeCols + " FROM commerce_disputes WHERE (buyer_id = $1 OR merchant_id = $1) AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id DESC LIMIT 200"
	if s.staff(ctx, viewerID) == nil {
		q = "SELECT " + disputeCols + " FROM commerce_disputes WHERE $1 <> '' AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id DESC LIMIT 200"
	}
	rows, err := s.db.Reader().QueryContext(ctx, q, viewerID, string(status))
	if err != nil {
		return nil, fmt.Errorf("disputes: %w", err)
	}
	defer rows.Close()
	var out []Dispute
	for rows.Next() {
		d, err := scanDispute(rows)
		if err != nil {
			return nil, fmt.Errorf("disputes: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
