package commerce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/store"
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
// buyer's, as a movement of its own (movement.OrderRefund); an order can be
// refunded several times, never beyond its price. The platform keeps its
// fee. When nothing is left the order is refunded. A retry with the same
// key and request returns the first refund. Only the merchant may call it.
//
// Errors: NotFound when the order is not MerchantID's; Invalid (Param
// "amount", "reason", "idempotency_key"); Conflict when the order can't be
// refunded now (disputed, an unredeemed gift, already refunded), changed
// while refunding, or the key was used for another refund; Forbidden when
// the checkpoint refuses; InsufficientFunds when the merchant has spent
// the money.
func (s *Service) Refund(ctx context.Context, in RefundInput) (Refund, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
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
	fp := nestegg.Fingerprint(in.OrderID, strconv.FormatInt(in.Amount, 10), in.Reason)
	if res, found, err := s.k.Find(ctx, in.MerchantID, in.IdempotencyKey, fp); err != nil {
		return Refund{}, fmt.Errorf("refund: %w", reused(err, "a different refund"))
	} else if found {
		return s.refund(ctx, res.ID, o.Amount.Asset)
	}
	amount, err := refundable(o, in.Amount)
	if err != nil {
		return Refund{}, err
	}
	code := o.Amount.Asset.Code
	if err := s.ensureAccounts(ctx, code, o.BuyerID); err != nil {
		return Refund{}, err
	}
	r := Refund{ID: nestegg.NewID("crf"), OrderID: o.ID, MerchantID: in.MerchantID, Amount: money.Amount{Asset: o.Amount.Asset, Minor: amount}, Reason: in.Reason}
	r.TransferID = "crf:" + r.ID
	req := movement.Request{Kind: movement.OrderRefund, ID: r.ID, Reference: o.ID, Actor: in.MerchantID, Key: in.IdempotencyKey, Fingerprint: fp,
		From: in.MerchantID, To: o.BuyerID, Asset: code, Amount: amount, Note: in.Reason}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, mtx *movement.Tx) error {
		tx := mtx.SQL
		cur, err := s.order(ctx, tx, in.OrderID, true)
		if err != nil {
			return err
		}
		if now, err := refundable(cur, in.Amount); err != nil {
			return err
		} else if now != amount {
			return nestegg.Errorf(nestegg.Conflict, "this order changed while refunding it; look at it again")
		}
		r.CreatedAt = mtx.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO commerce_refunds (id, order_id, merchant_id, amount, reason, transfer_id, idem_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, r.OrderID, in.MerchantID, amount, r.Reason, r.TransferID, in.IdempotencyKey, nanos(r.CreatedAt)); err != nil {
			return err
		}
		status := cur.Status
		if amount == cur.Refundable() {
			status = StatusRefunded
		}
		if _, err := tx.ExecContext(ctx, "UPDATE commerce_orders SET refunded = refunded + $2, status = $3, updated_at = $4 WHERE id = $1",
			cur.ID, amount, string(status), nanos(r.CreatedAt)); err != nil {
			return err
		}
		if _, err := mtx.Submit(ctx, ledger.Transfer{ID: r.TransferID, DebitAccountID: walletID(in.MerchantID, code), CreditAccountID: walletID(cur.BuyerID, code),
			Amount: amount, Asset: code, Code: "commerce_refund"}); err != nil {
			return err
		}
		return s.notify(ctx, tx, cur.BuyerID, NotifyRefund, in.MerchantID, "", "refunded "+money.Format(r.Amount)+" of your order of "+cur.Title)
	})
	if err != nil {
		return Refund{}, fmt.Errorf("refund: %w", reused(err, "a different refund"))
	}
	if res.Replayed {
		return s.refund(ctx, res.ID, o.Amount.Asset)
	}
	return r, nil
}

// refundable is how much a refund of amount (0: all that is left) takes
// from o. Errors: Conflict when o can't be refunded now; Invalid (Param
// "amount") beyond what is left.
func refundable(o Order, amount int64) (int64, error) {
	if o.Gift && o.Status == StatusPaid {
		return 0, nestegg.Errorf(nestegg.Conflict, "the gift's voucher isn't redeemed yet; it refunds by itself if it expires")
	}
	left := o.Refundable()
	if left == 0 {
		return 0, nestegg.Errorf(nestegg.Conflict, "this order is %s and can't be refunded", o.Status)
	}
	if amount == 0 {
		amount = left
	}
	if amount > left {
		return 0, nestegg.ParamErrorf(nestegg.Invalid, "amount", "at most %s of this order can still be refunded", money.Format(money.Amount{Asset: o.Amount.Asset, Minor: left}))
	}
	return amount, nil
}

const refundCols = "id, order_id, merchant_id, amount, reason, transfer_id, created_at"

func scanRefund(row interface{ Scan(...any) error }, a money.Asset) (Refund, error) {
	var r Refund
	var created int64
	err := row.Scan(&r.ID, &r.OrderID, &r.MerchantID, &r.Amount.Minor, &r.Reason, &r.TransferID, &created)
	r.Amount.Asset, r.CreatedAt = a, fromNanos(created)
	return r, err
}

// refund returns the refund with id, in asset a.
func (s *Service) refund(ctx context.Context, id string, a money.Asset) (Refund, error) {
	r, err := scanRefund(s.db.Reader().QueryRowContext(ctx, "SELECT "+refundCols+" FROM commerce_refunds WHERE id = $1", id), a)
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
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+refundCols+" FROM commerce_refunds WHERE order_id = $1 ORDER BY created_at, id", orderID)
	if err != nil {
		return nil, fmt.Errorf("refunds: %w", err)
	}
	defer rows.Close()
	var out []Refund
	for rows.Next() {
		r, err := scanRefund(rows, o.Amount.Asset)
		if err != nil {
			return nil, fmt.Errorf("refunds: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// OpenDispute contests an order within Config.DisputeWindow of paying: what
// is left of its price is held from the merchant's wallet (a movement,
// movement.DisputeHold: a pending transfer to the buyer) until staff
// resolve it. Only the buyer may call it, once per order.
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
	o, err := s.order(ctx, s.db.Reader(), orderID, false)
	if err != nil || o.BuyerID != buyerID {
		return Dispute{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such order")
	}
	if err := s.disputable(ctx, s.db.Reader(), o, s.now()); err != nil {
		return Dispute{}, fmt.Errorf("open dispute: %w", err)
	}
	code := o.Amount.Asset.Code
	d := Dispute{ID: nestegg.NewID("dsp"), OrderID: o.ID, BuyerID: buyerID, MerchantID: o.MerchantID,
		Amount: money.Amount{Asset: o.Amount.Asset, Minor: o.Refundable()}, Reason: reason, Status: DisputeOpen, PriorStatus: o.Status}
	d.HoldID = "dsp:" + d.ID + ":hold"
	// One dispute per order: the key is the order's, so a second one
	// (even a concurrent one) replays the first and is refused.
	req := movement.Request{Kind: movement.DisputeHold, ID: d.ID, Reference: o.ID, Actor: buyerID, Key: "dispute:" + o.ID, Fingerprint: nestegg.Fingerprint(o.ID),
		From: o.MerchantID, To: buyerID, Asset: code, Amount: d.Amount.Minor, Note: reason}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, mtx *movement.Tx) error {
		tx := mtx.SQL
		cur, err := s.order(ctx, tx, orderID, true)
		if err != nil {
			return err
		}
		d.CreatedAt = mtx.Now()
		if err := s.disputable(ctx, tx, cur, d.CreatedAt); err != nil {
			return err
		}
		if cur.Refundable() != d.Amount.Minor || cur.Status != d.PriorStatus {
			return nestegg.Errorf(nestegg.Conflict, "this order changed meanwhile; look at it again")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO commerce_disputes (id, order_id, buyer_id, merchant_id, asset, amount, reason, status, prior_status, hold_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10)`, d.ID, o.ID, buyerID, o.MerchantID, code, d.Amount.Minor, reason,
			string(cur.Status), d.HoldID, nanos(d.CreatedAt)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE commerce_orders SET status = 'disputed', updated_at = $2 WHERE id = $1", o.ID, nanos(d.CreatedAt)); err != nil {
			return err
		}
		// The hold is what makes a dispute worth something: the merchant
		// can't spend the money while staff look.
		if _, err := mtx.Submit(ctx, ledger.Transfer{ID: d.HoldID, DebitAccountID: walletID(o.MerchantID, code), CreditAccountID: walletID(buyerID, code),
			Amount: d.Amount.Minor, Asset: code, Code: "dispute_hold", Pending: true}); err != nil {
			if nestegg.Is(err, nestegg.InsufficientFunds) {
				return nestegg.Errorf(nestegg.InsufficientFunds, "the merchant's wallet can't cover this dispute right now; contact support")
			}
			return err
		}
		return s.notify(ctx, tx, o.MerchantID, NotifyDispute, buyerID, "", "a dispute was opened on "+o.Title+": "+reason+" ("+money.Format(d.Amount)+" is held)")
	})
	if res.Replayed || nestegg.Is(err, nestegg.IdempotencyMismatch) {
		return Dispute{}, nestegg.Errorf(nestegg.Conflict, "open dispute: this order was already disputed")
	}
	if err != nil {
		return Dispute{}, fmt.Errorf("open dispute: %w", err)
	}
	return d, nil
}

// disputable checks that o may be disputed at now: not disputed before,
// within the window, not an unredeemed gift, something left to dispute.
// Errors: Conflict.
func (s *Service) disputable(ctx context.Context, q store.Querier, o Order, now time.Time) error {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM commerce_disputes WHERE order_id = $1", o.ID).Scan(&n); err != nil {
		return err
	}
	switch {
	case n > 0:
		return nestegg.Errorf(nestegg.Conflict, "this order was already disputed")
	case now.Sub(o.CreatedAt) > s.fees.Load().DisputeWindow:
		return nestegg.Errorf(nestegg.Conflict, "disputes are open for %d days after buying", int(s.fees.Load().DisputeWindow/(24*time.Hour)))
	case o.Gift && o.Status == StatusPaid:
		return nestegg.Errorf(nestegg.Conflict, "the gift's voucher isn't redeemed yet")
	case o.Refundable() == 0:
		return nestegg.Errorf(nestegg.Conflict, "this order is %s", o.Status)
	}
	return nil
}

// ResolveDispute closes an open dispute as a movement
// (movement.DisputeResolve): buyerWins posts the held money to the buyer
// and marks the order refunded; otherwise the hold is voided and the
// order returns to where it was. Only staff (admin or support) may call
// it, and never on a dispute where they are the buyer or the merchant.
// Errors: Forbidden for anyone else or a party; NotFound; Conflict when it is
// already resolved; Invalid (Param "note").
func (s *Service) ResolveDispute(ctx context.Context, staffID, disputeID string, buyerWins bool, note string) (Dispute, error) {
	if err := s.staff(ctx, staffID); err != nil {
		return Dispute{}, err
	}
	note, err := cleanText("note", note, MaxText, false)
	if err != nil {
		return Dispute{}, err
	}
	d, err := s.dispute(ctx, s.db.Reader(), disputeID, false)
	if err != nil {
		return Dispute{}, fmt.Errorf("resolve dispute: %w", err)
	}
	resolved := func(d Dispute) error {
		return nestegg.Errorf(nestegg.Conflict, "this dispute was already resolved (%s)", d.Status)
	}
	// Staff decide between two other people: a member of staff who bought
	// or sold the order would be judging their own case.
	if staffID == d.BuyerID || staffID == d.MerchantID {
		return Dispute{}, nestegg.Errorf(nestegg.Forbidden, "you are a party to this dispute; another member of staff must resolve it")
	}
	if d.Status != DisputeOpen {
		return Dispute{}, resolved(d)
	}
	// Resolving moves the held money once, whoever asks: the key is the
	// dispute's.
	req := movement.Request{Kind: movement.DisputeResolve, Reference: d.OrderID, Actor: staffID, Key: "dispute-resolve:" + d.ID,
		Fingerprint: nestegg.Fingerprint(d.ID, strconv.FormatBool(buyerWins), note), From: d.MerchantID, To: d.BuyerID, Asset: d.Amount.Asset.Code, Note: note}
	if buyerWins {
		req.Amount = d.Amount.Minor // a release moves nothing
	}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, mtx *movement.Tx) error {
		tx := mtx.SQL
		var err error
		if d, err = s.dispute(ctx, tx, disputeID, true); err != nil {
			return err
		}
		if d.Status != DisputeOpen {
			return resolved(d)
		}
		now := mtx.Now()
		o, err := s.order(ctx, tx, d.OrderID, true)
		if err != nil {
			return err
		}
		t := ledger.Transfer{PendingID: d.HoldID, Code: "dispute_release"}
		status, refunded := d.PriorStatus, o.Refunded
		d.Status = DisputeLost
		if buyerWins {
			t.ID, t.PostPending, t.Code = "dsp:"+d.ID+":won", true, "dispute_won"
			status, refunded, d.Status = StatusRefunded, o.Refunded+d.Amount.Minor, DisputeWon
		} else {
			t.ID, t.VoidPending = "dsp:"+d.ID+":lost", true
		}
		if _, err := mtx.Submit(ctx, t); err != nil {
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
	if res.Replayed || nestegg.Is(err, nestegg.IdempotencyMismatch) {
		if d, err = s.dispute(ctx, s.db.Reader(), disputeID, false); err != nil {
			return Dispute{}, fmt.Errorf("resolve dispute: %w", err)
		}
		return Dispute{}, fmt.Errorf("resolve dispute: %w", resolved(d))
	}
	if err != nil {
		return Dispute{}, fmt.Errorf("resolve dispute: %w", err)
	}
	return d, nil
}

// dispute reads one dispute, locked for update when lock is set.
// Errors: NotFound (Param "id").
func (s *Service) dispute(ctx context.Context, q store.Querier, id string, lock bool) (Dispute, error) {
	sfx := ""
	if lock {
		sfx = s.db.Dialect.ForUpdate()
	}
	d, err := scanDispute(q.QueryRowContext(ctx, "SELECT "+disputeCols+" FROM commerce_disputes WHERE id = $1"+sfx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Dispute{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such dispute")
	}
	return d, err
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
