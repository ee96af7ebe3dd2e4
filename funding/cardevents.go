package funding

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/rails"
)

// CardEvent acts on a card processor's webhook event, which the caller
// has verified (rails.StripeWebhook): the processor says a charge
// succeeded, failed, wants 3-D Secure or was refunded, or that a payout
// reached the platform's bank. Each event id is acted on once
// (funding_card_events); each action is also the same guarded movement
// that Sync and the member's own requests make, so an event crossing a
// poll, a retry of it, or two processes receiving it book each answer
// once. Events for charges Nestegg did not make (an account shared with
// other business), or whose amount is not the top-up's, change nothing.
// Sync's polling stays as the fallback for a lost event.
//
// A refund (made at the processor, in Stripe's dashboard) takes the
// refunded amount back out of the wallet, as a card_topup_refund movement
// (Actor job, Key "refund:<id>:<total>"); what the member already spent
// becomes their receivable, as for a returned deposit, and a refund of
// the fee comes out of fee revenue (refundEvent). A payout paid settles the succeeded top-ups the processor now
// reports paid out (Lookup, per top-up: a payout does not list its
// charges by their PaymentIntent); a payout failed is logged for the
// operator's reconciliation — the cash it would have brought was never
// booked before the payout was paid.
//
// Errors: those of the database and the processor, after which the
// event is not recorded as seen: the processor's retry acts on it again.
func (s *Service) CardEvent(ctx context.Context, ev rails.CardEvent) error {
	if ev.ID == "" {
		return nestegg.Errorf(nestegg.Invalid, "a card event without an id")
	}
	var seen int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT 1 FROM funding_card_events WHERE id = $1", ev.ID).Scan(&seen)
	if err == nil {
		return nil
	}
	if err != sql.ErrNoRows {
		return err
	}
	err = nil // an event of a type nothing acts on is recorded as seen
	switch {
	case ev.Charge != nil && ev.Charge.Refunded > 0:
		err = s.refundEvent(ctx, *ev.Charge)
	case ev.Charge != nil:
		err = s.chargeEvent(ctx, *ev.Charge)
	case ev.Payout != nil && ev.Payout.Status == "paid":
		_, err = s.settlePaidOut(ctx)
	case ev.Payout != nil && ev.Payout.Status == "failed":
		s.cfg.Logger.Warn("card processor: a payout to the platform's bank failed; reconcile the processor's balance with the bank", "payout", ev.Payout.ID, "failure", ev.Payout.FailureCode)
	}
	if err != nil {
		return fmt.Errorf("card event %s: %w", ev.ID, err)
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO funding_card_events (id, type, received_at) VALUES ($1, $2, $3)", ev.ID, ev.Type, s.now().UnixNano())
		return err
	})
	if nestegg.Is(err, nestegg.Conflict) {
		return nil // another process (or delivery) recorded it first
	}
	return err
}

// topUpFor finds the top-up a processor's charge is for: by the reference
// the charge carries (the top-up's id), else by the charge's id. ok is
// false when the charge is not one of Nestegg's top-ups, or does not
// match it (another charge id, another amount): nothing is booked on the
// processor's word for a different charge.
func (s *Service) topUpFor(ctx context.Context, ch rails.Charge) (m movementRow, ext string, ok bool, err error) {
	err = s.db.Reader().QueryRowContext(ctx, `SELECT id, user_id, amount, fee, external_id FROM funding_movements
		WHERE kind = 'topup' AND (id = $1 OR external_id = $2) ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1`, ch.Reference, ch.ID).
		Scan(&m.id, &m.userID, &m.amount, &m.fee, &ext)
	if err == sql.ErrNoRows {
		return m, "", false, nil
	}
	if err != nil {
		return m, "", false, err
	}
	if (ext != "" && ext != ch.ID) || ch.Amount != m.amount+m.fee {
		s.cfg.Logger.Warn("card processor: an event's charge does not match its top-up; ignored", "movement", m.id, "charge", ch.ID)
		return m, ext, false, nil
	}
	return m, ext, true, nil
}

// chargeEvent books a charge's new state, as the answer to charging it
// would have been.
func (s *Service) chargeEvent(ctx context.Context, ch rails.Charge) error {
	m, _, ok, err := s.topUpFor(ctx, ch)
	if err != nil || !ok {
		return err
	}
	return s.applyCharge(ctx, m.id, ch)
}

// refundEvent books the part of ch.Refunded not booked yet. A refund
// gives the card back what it paid, the amount and then the fee: the
// amount's part comes out of the wallet (what the wallet lacks, out of
// the member's receivable), the fee's part out of fee revenue — the
// platform gives its fee back, the member never pays it twice.
func (s *Service) refundEvent(ctx context.Context, ch rails.Charge) error {
	top, _, ok, err := s.topUpFor(ctx, ch)
	if err != nil || !ok {
		return err
	}
	if ch.Refunded > top.amount+top.fee {
		return nestegg.Errorf(nestegg.Invalid, "the processor refunded more than the charge")
	}
	var done int64
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT refunded FROM funding_movements WHERE id = $1", top.id).Scan(&done); err != nil {
		return err
	}
	if ch.Refunded <= done {
		return nil
	}
	fromWallet := min(ch.Refunded, top.amount) - min(done, top.amount)
	fromFees := ch.Refunded - done - fromWallet
	amount, fee := fromWallet, fromFees
	if amount == 0 {
		amount, fee = fromFees, 0 // only the fee is refunded: that is the movement
	}
	key := fmt.Sprintf("refund:%s:%d", top.id, ch.Refunded)
	return s.answer(ctx, movement.TopUpRefund, key, top.id, top.userID, "", amount, fee, func(ctx context.Context, tx *movement.Tx) error {
		m, err := s.lockMovement(ctx, tx.SQL, top.id)
		if err != nil {
			return err
		}
		if m.status != StatusSucceeded && m.status != StatusSettled {
			// Never credited (declined, failed, waiting): a refund of it
			// takes nothing from the wallet. Sync's late credit would
			// book the charge first if it had succeeded.
			return errUnchanged
		}
		var now int64
		if err := tx.SQL.QueryRowContext(ctx, "SELECT refunded FROM funding_movements WHERE id = $1", top.id).Scan(&now); err != nil {
			return err
		}
		if now != done {
			return errUnchanged // another event booked a refund meanwhile: this one's key is its total, and the next delivery books the rest
		}
		// The card gets its money back from the processor's balance.
		// Before the payout that balance is what card clearing says the
		// processor owes the platform (the payout then brings the rest);
		// after it, the platform's cash pays it back (the processor nets
		// it from a later payout).
		a := s.asset.Code
		src := platformID(a, ledger.KindCardClearing)
		if m.status == StatusSettled {
			src = platformID(a, ledger.KindCash)
		}
		var ts []ledger.Transfer
		if fromWallet > 0 {
			w, err := tx.Account(ctx, walletID(m.userID, a))
			if err != nil {
				return err
			}
			take := max(0, min(w.CreditsPosted-w.DebitsPosted-w.DebitsPending, fromWallet))
			if take > 0 {
				ts = append(ts, ledger.Transfer{ID: fmt.Sprintf("%s:refund%d", top.id, ch.Refunded), DebitAccountID: walletID(m.userID, a), CreditAccountID: src, Amount: take, Asset: a, Code: "topup_refunded"})
			}
			if short := fromWallet - take; short > 0 {
				ts = append(ts, ledger.Transfer{ID: fmt.Sprintf("%s:refundowed%d", top.id, ch.Refunded), DebitAccountID: receivableID(m.userID, a), CreditAccountID: src, Amount: short, Asset: a, Code: "topup_refunded"})
			}
		}
		if fromFees > 0 {
			ts = append(ts, ledger.Transfer{ID: fmt.Sprintf("%s:refundfee%d", top.id, ch.Refunded), DebitAccountID: platformID(a, ledger.KindFeeRevenue), CreditAccountID: src, Amount: fromFees, Asset: a, Code: "topup_fee_refunded"})
		}
		if len(ts) == 0 {
			return errUnchanged
		}
		for i := range ts[:len(ts)-1] {
			ts[i].Linked = true
		}
		if _, err := tx.Submit(ctx, ts...); err != nil {
			return err
		}
		// Refunded in full before the payout: there is nothing left for a
		// payout to bring, so the top-up is settled now.
		to := m.status
		if m.status == StatusSucceeded && ch.Refunded == m.amount+m.fee {
			to = StatusSettled
		}
		r, err := tx.SQL.ExecContext(ctx, "UPDATE funding_movements SET refunded = $1, status = $2, updated_at = $3 WHERE id = $4 AND refunded = $5 AND status = $6",
			ch.Refunded, to, tx.Now().UnixNano(), top.id, done, m.status)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errUnchanged
		}
		return nil
	})
}

// settlePaidOut settles every succeeded top-up the processor reports paid
// out. It returns how many it settled.
func (s *Service) settlePaidOut(ctx context.Context) (int, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, external_id, amount + fee FROM funding_movements WHERE kind = 'topup' AND status = 'succeeded' AND external_id <> ''")
	if err != nil {
		return 0, err
	}
	type open struct {
		id, ext string
		gross   int64
	}
	var due []open
	for rows.Next() {
		var o open
		if err := rows.Scan(&o.id, &o.ext, &o.gross); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, o := range due {
		ch, err := s.cards.Lookup(ctx, o.ext)
		if err != nil {
			return n, err
		}
		if !ch.PaidOut {
			continue
		}
		if err := s.settleTopUp(ctx, o.id, o.gross); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
