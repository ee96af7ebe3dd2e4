package billing

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// RunStats is what one Run did.
type RunStats struct {
	Renewed    int
	Failed     int // renewals that failed and will be retried
	Lapsed     int
	Ended      int
	Recognized int64 // minor units moved into revenue, all assets together
}

// Run is the billing job: it renews every subscription due and recognizes
// revenue. Call it every minute or so from every serve process; it is safe
// in several at once. Errors: database failures (what was done stays done).
func (s *Service) Run(ctx context.Context) (RunStats, error) {
	st, err := s.Renew(ctx)
	if err != nil {
		return st, err
	}
	if _, err := s.SyncChecks(ctx, ""); err != nil {
		return st, err
	}
	st.Recognized, err = s.Recognize(ctx)
	return st, err
}

// Renew renews (or ends, or retries, or lapses) every subscription whose
// next charge is due, each once. See the package doc.
func (s *Service) Renew(ctx context.Context) (RunStats, error) {
	var st RunStats
	now := s.now()
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM billing_subscriptions WHERE status IN ('active', 'past_due')
		AND next_attempt_at <= $1 AND claim_until <= $1 ORDER BY next_attempt_at, id LIMIT 500`, now.UnixNano())
	if err != nil {
		return st, fmt.Errorf("renew: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return st, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	for _, id := range ids {
		lease := s.now().Add(s.cfg.Lease).UnixNano()
		claimed := false
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE billing_subscriptions SET claim_until = $2 WHERE id = $1 AND claim_until <= $3
				AND status IN ('active', 'past_due') AND next_attempt_at <= $3`, id, lease, now.UnixNano())
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			claimed = n == 1
			return err
		})
		if err != nil {
			return st, fmt.Errorf("renew: claim: %w", err)
		}
		if !claimed {
			continue // another process has it, or it changed
		}
		err = s.renewClaimed(ctx, id, &st)
		// Give the lease back whatever happened: a failure is retried at
		// the next run.
		if rerr := s.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE billing_subscriptions SET claim_until = 0 WHERE id = $1 AND claim_until = $2", id, lease)
			return err
		}); rerr != nil && err == nil {
			err = rerr
		}
		if err != nil && !nestegg.Is(err, nestegg.Conflict) && !nestegg.Is(err, nestegg.Unavailable) {
			return st, fmt.Errorf("renew %s: %w", id, err)
		}
	}
	return st, nil
}

func (s *Service) renewClaimed(ctx context.Context, id string, st *RunStats) error {
	sub, err := s.sub(ctx, s.db.Reader(), id)
	if err != nil {
		return err
	}
	if (sub.Status != Active && sub.Status != PastDue) || sub.NextAttemptAt.After(s.now()) {
		return nil
	}
	key := "renew:" + sub.ID + ":" + i64(sub.Anchor.UnixNano()) + ":" + i64(int64(sub.PeriodNo)) + ":" + i64(int64(sub.Attempts))
	err = s.renew(ctx, sub, "job", key, nestegg.Fingerprint("renew", sub.ID, i64(int64(sub.PeriodNo)), i64(int64(sub.Attempts))), false)
	switch {
	case err == nil:
		st.Renewed++
		return nil
	case err == errEnded:
		st.Ended++
		return nil
	case failure(err):
		lapsed, ferr := s.fail(ctx, sub, err)
		if ferr != nil {
			return ferr
		}
		if lapsed {
			st.Lapsed++
		} else {
			st.Failed++
		}
		return nil
	}
	return err
}

// errEnded says renew ended the subscription instead of charging it.
var errEnded = fmt.Errorf("billing: the subscription ended")

// failure reports whether err is a renewal's failure the member must fix
// (money, a card, a checkpoint denial), as opposed to a hiccup to retry.
func failure(err error) bool {
	switch nestegg.ErrorCode(err) {
	case nestegg.InsufficientFunds, nestegg.Forbidden:
		return true
	case nestegg.Conflict, nestegg.Invalid, nestegg.NotFound:
		return nestegg.ErrorParam(err) == "card_id"
	}
	return false
}

// renew charges the subscription's next period (the plan chosen for it, at
// the price in force when it starts) or ends it when it was cancelled or
// its plan is no longer offered.
//
// payNow (the member paying a past-due subscription) charges even when it
// was cancelled: paying is wanting it.
func (s *Service) renew(ctx context.Context, sub Subscription, actor, key, fp string, payNow bool) error {
	planID := sub.PlanID
	if sub.NextPlanID != "" {
		planID = sub.NextPlanID
	}
	cur, err := s.Plan(ctx, sub.PlanID)
	if err != nil {
		return err
	}
	plan, err := s.Plan(ctx, planID)
	if err != nil {
		return err
	}
	if (sub.CancelAtEnd && !payNow) || !plan.Active {
		return s.end(ctx, sub, plan)
	}
	start := sub.PeriodEnd
	anchor, n := sub.Anchor, sub.PeriodNo+1
	if plan.Period != cur.Period {
		anchor, n = start, 0 // a new rhythm from here
	}
	end := Bound(anchor, plan.Period, n+1)
	version, base, err := priceAt(ctx, s.db.Reader(), plan.ID, start)
	if err != nil {
		return err
	}
	seats := sub.Seats
	if sub.NextSeats >= 0 {
		seats = sub.NextSeats
	}
	plan.Price.Minor, plan.Version = base, version
	price, err := periodPrice(plan, seats)
	if err != nil {
		return err
	}
	worth, err := worthOf(start, end, price)
	if err != nil {
		return err
	}
	a := chargeArgs{kind: movement.SubscriptionRenewal, chargeKind: "renewal", actor: actor, key: key,
		fp: fp, userID: sub.UserID, subID: sub.ID,
		cardID: sub.CardID, plan: plan, amount: price, start: start, end: end, note: plan.Name}
	a.update = func(ctx context.Context, tx *movement.Tx) error {
		return guarded(ctx, tx.SQL, "the subscription", `UPDATE billing_subscriptions SET plan_id = $2, version = $3, price = $4, anchor_at = $5, period_no = $6,
			period_start = $7, period_end = $8, paid = $4, worth = $9, next_plan_id = '', attempts = 0, status = 'active', next_attempt_at = $8, cancel_at_end = 0, updated_at = $10,
			seats = $15, next_seats = -1
			WHERE id = $1 AND status IN ('active', 'past_due') AND anchor_at = $11 AND period_no = $12 AND attempts = $13 AND cancel_at_end = $14 AND seats = $16 AND next_seats = $17`,
			sub.ID, plan.ID, version, price, anchor.UnixNano(), n, start.UnixNano(), end.UnixNano(), worth, tx.Now().UnixNano(),
			sub.Anchor.UnixNano(), sub.PeriodNo, sub.Attempts, boolInt(sub.CancelAtEnd), seats, sub.Seats, sub.NextSeats)
	}
	_, err = s.charge(ctx, a)
	return err
}

// end ends a subscription at its period's end (cancelled, or its plan
// retired), telling the member.
func (s *Service) end(ctx context.Context, sub Subscription, plan Plan) error {
	text := fmt.Sprintf("Your %s subscription has ended, as you asked. Subscribe again any time.", sub.PlanName)
	if !sub.CancelAtEnd {
		text = fmt.Sprintf("Your %s subscription has ended: %s is no longer offered. Choose another plan to continue.", sub.PlanName, plan.Name)
	}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := guarded(ctx, tx, "the subscription", `UPDATE billing_subscriptions SET status = 'ended', next_attempt_at = 0, updated_at = $2
			WHERE id = $1 AND status = $3 AND anchor_at = $4 AND period_no = $5 AND attempts = $6`,
			sub.ID, s.now().UnixNano(), string(sub.Status), sub.Anchor.UnixNano(), sub.PeriodNo, sub.Attempts); err != nil {
			return err
		}
		return s.notify(ctx, tx, sub.UserID, NotifyEnded, "", text)
	})
	if err != nil {
		return err
	}
	return errEnded
}

// fail records a failed renewal: past due with the next retry, or lapsed
// after the last; the member is told either way.
func (s *Service) fail(ctx context.Context, sub Subscription, cause error) (lapsed bool, err error) {
	attempts := sub.Attempts + 1
	lapsed = attempts > len(s.cfg.RetryDays)
	status, next := Lapsed, time.Time{}
	reason := nestegg.ErrorMessage(cause)
	text := fmt.Sprintf("Your %s subscription has lapsed: we could not charge %s (%s). Subscribe again to restore it.",
		sub.PlanName, money.Format(sub.Price), reason)
	if !lapsed {
		status, next = PastDue, sub.PeriodEnd.AddDate(0, 0, s.cfg.RetryDays[attempts-1])
		text = fmt.Sprintf("We could not renew your %s subscription (%s). We will try again on %s; add money to your wallet or change how you pay, or pay now. You keep access until then.",
			sub.PlanName, reason, day(next))
	}
	var nextAt int64
	if !next.IsZero() {
		nextAt = next.UnixNano()
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := guarded(ctx, tx, "the subscription", `UPDATE billing_subscriptions SET status = $2, attempts = $3, next_attempt_at = $4, updated_at = $5
			WHERE id = $1 AND status IN ('active', 'past_due') AND anchor_at = $6 AND period_no = $7 AND attempts = $8`,
			sub.ID, string(status), attempts, nextAt, s.now().UnixNano(), sub.Anchor.UnixNano(), sub.PeriodNo, sub.Attempts); err != nil {
			return err
		}
		kind := NotifyFailed
		if lapsed {
			kind = NotifyLapsed
		}
		return s.notify(ctx, tx, sub.UserID, kind, "", text)
	})
	return lapsed, err
}

// PayNow restores a past-due subscription by charging its renewal now:
// the new period starts where the unpaid one ended. Only the subscriber
// may call it. Errors: NotFound; Conflict when it is not past due; the
// charge's errors (the subscription stays past due); IdempotencyMismatch.
func (s *Service) PayNow(ctx context.Context, userID, subID, key string) (Subscription, error) {
	if err := nestegg.CheckKey(key); err != nil {
		return Subscription{}, err
	}
	sub, err := s.Subscription(ctx, userID, subID)
	if err != nil {
		return Subscription{}, err
	}
	fp := nestegg.Fingerprint("paynow", sub.ID)
	if prev, found, err := s.k.Find(ctx, userID, key, fp); err != nil {
		return Subscription{}, reused(err, "another request")
	} else if found {
		return s.Subscription(ctx, userID, prev.Reference)
	}
	if sub.Status != PastDue {
		return Subscription{}, nestegg.Errorf(nestegg.Conflict, "the subscription is %s: there is nothing to pay now", statusWords(sub.Status))
	}
	if err := s.renew(ctx, sub, userID, key, fp, true); err != nil {
		if err == errEnded {
			return Subscription{}, nestegg.Errorf(nestegg.Conflict, "the plan is no longer offered; choose another")
		}
		return Subscription{}, fmt.Errorf("pay now: %w", reused(err, "another request"))
	}
	s.afterChange(ctx, userID, sub.Product)
	return s.Subscription(ctx, userID, subID)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
