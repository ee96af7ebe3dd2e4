package funding

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/rails"
)

// ThreeDSTimeout is how long a top-up waits for its 3-D Secure
// authentication before the reservation lapses.
const ThreeDSTimeout = time.Hour

// LinkCard links the card behind a processor token. Nestegg receives only
// the token, and keeps it with the brand, last four digits and expiry the
// processor reports. Errors: Invalid (Param "token") for a token the
// processor does not know; Unavailable when it cannot be asked.
func (s *Service) LinkCard(ctx context.Context, userID, token string) (Card, error) {
	if token == "" || len(token) > 255 {
		return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "token", "a card token from the processor is required")
	}
	c, err := s.cards.Card(ctx, token)
	if err != nil {
		return Card{}, err
	}
	id := newID("crd")
	now := s.now()
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO funding_cards (id, user_id, processor, token, brand, last4, exp_month, exp_year, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9)`, id, userID, fmt.Sprintf("%T", s.cards), c.Token, c.Brand, c.Last4, c.ExpMonth, c.ExpYear, now.UnixNano())
		return err
	})
	if err != nil {
		return Card{}, fmt.Errorf("link card: %w", err)
	}
	return Card{ID: id, Brand: c.Brand, Last4: c.Last4, Masked: rails.Mask(c.Last4), ExpMonth: c.ExpMonth, ExpYear: c.ExpYear, CreatedAt: now}, nil
}

// Cards lists userID's linked cards, newest first.
func (s *Service) Cards(ctx context.Context, userID string) ([]Card, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, brand, last4, exp_month, exp_year, created_at FROM funding_cards WHERE user_id = $1 AND status = 'active' ORDER BY created_at DESC, id DESC", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Card{}
	for rows.Next() {
		var c Card
		var at int64
		if err := rows.Scan(&c.ID, &c.Brand, &c.Last4, &c.ExpMonth, &c.ExpYear, &at); err != nil {
			return nil, err
		}
		c.Masked, c.CreatedAt = rails.Mask(c.Last4), time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// RemoveCard unlinks a card. Errors: NotFound.
func (s *Service) RemoveCard(ctx context.Context, userID, id string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "UPDATE funding_cards SET status = 'removed' WHERE id = $1 AND user_id = $2 AND status = 'active'", id, userID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nestegg.ParamErrorf(nestegg.NotFound, "id", "no card %q", id)
		}
		return nil
	})
}

// TopUpInput asks to charge a linked card into the wallet.
type TopUpInput struct {
	CardID string       `json:"card_id"`
	Amount money.Amount `json:"amount"`
	// Fee, when set, is the fee the member was shown (see Withdraw).
	Fee            *money.Amount `json:"fee,omitempty"`
	IdempotencyKey string        `json:"-"`
}

// TopUp charges the card Amount plus the fee (TopUpFee) and credits the
// wallet with Amount at once when the charge succeeds. A decline is not an
// error: the movement comes back declined with the processor's reason.
// When the issuer wants 3-D Secure the movement is requires_action until
// ConfirmTopUp. Errors: Invalid (Param "amount", "idempotency_key");
// NotFound (Param "card_id"); Conflict (Param "fee"); Forbidden when
// compliance refuses.
func (s *Service) TopUp(ctx context.Context, userID string, in TopUpInput) (Movement, error) {
	if err := checkKey(in.IdempotencyKey); err != nil {
		return Movement{}, err
	}
	amt, err := s.amount(in.Amount, s.cfg.MaxTopUp)
	if err != nil {
		return Movement{}, err
	}
	fee, err := s.TopUpFee(amt)
	if err != nil {
		return Movement{}, err
	}
	if in.Fee != nil && in.Fee.Minor != fee {
		return Movement{}, nestegg.ParamErrorf(nestegg.Conflict, "fee", "the fee is %s, not %s", money.Format(s.Money(fee)), money.Format(s.Money(in.Fee.Minor)))
	}
	if err := s.ensureAccounts(ctx, userID); err != nil {
		return Movement{}, err
	}
	m := Movement{ID: newID("top"), Kind: KindTopUp, MethodID: in.CardID, Amount: s.Money(amt), Fee: s.Money(fee), Status: StatusPending}
	fp := fingerprint(string(KindTopUp), in.CardID, strconv.FormatInt(amt, 10))
	replay := false
	err = s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM funding_cards WHERE id = $1 AND user_id = $2 AND status = 'active'", in.CardID, userID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nestegg.ParamErrorf(nestegg.NotFound, "card_id", "no card %q", in.CardID)
		}
		if err := s.check(ctx, tx, compTopUp, userID, amt, m.ID); err != nil {
			return err
		}
		got, again, err := s.insert(ctx, tx, userID, m, in.IdempotencyKey, fp)
		m, replay = got, again
		return err
	})
	if err != nil {
		return Movement{}, fmt.Errorf("top-up: %w", err)
	}
	if !replay || m.Status == StatusPending {
		if err := s.charge(ctx, userID, m.ID); err != nil {
			return Movement{}, err
		}
	}
	return s.Movement(ctx, userID, m.ID)
}

// charge asks the processor to charge a pending top-up (idempotently, by
// the movement's id) and books the answer. When the processor cannot be
// reached the top-up stays pending and Sync asks again.
func (s *Service) charge(ctx context.Context, userID, id string) error {
	var token string
	var amt, fee int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT c.token, m.amount, m.fee FROM funding_movements m JOIN funding_cards c ON c.id = m.method_id
		WHERE m.id = $1 AND m.user_id = $2`, id, userID).Scan(&token, &amt, &fee)
	if err != nil {
		return fmt.Errorf("charge %s: %w", id, err)
	}
	ch, err := s.cards.Charge(ctx, rails.ChargeRequest{IdempotencyKey: id, Token: token, Amount: amt + fee, Currency: s.asset.Code, Description: "Nestegg wallet top-up"})
	if nestegg.Is(err, nestegg.Unavailable) {
		s.cfg.Logger.Warn("card top-up: processor unavailable; will retry", "movement", id)
		return nil
	}
	if err != nil {
		return s.db.Write(ctx, func(tx *sql.Tx) error {
			return setStatus(ctx, tx, id, StatusFailed, "", nestegg.ErrorMessage(err), s.now())
		})
	}
	return s.applyCharge(ctx, id, ch)
}

// applyCharge books a processor's answer for a top-up, once.
//
// Succeeded: card clearing (what the processor owes the platform) pays
// the wallet the amount and fee revenue the fee. Requires action: the
// same transfers, pending, lapsing after ThreeDSTimeout. Declined:
// nothing moves.
func (s *Service) applyCharge(ctx context.Context, id string, ch rails.Charge) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		m, err := s.lockMovement(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		if ch.ID != "" {
			if _, err := tx.ExecContext(ctx, "UPDATE funding_movements SET external_id = $1 WHERE id = $2", ch.ID, id); err != nil {
				return err
			}
		}
		a := s.asset.Code
		ts := []ledger.Transfer{{ID: id + ":credit", DebitAccountID: platformID(a, ledger.KindCardClearing), CreditAccountID: walletID(m.userID, a), Amount: m.amount, Code: "topup", Reference: id}}
		if m.fee > 0 {
			ts[0].Linked = true
			ts = append(ts, ledger.Transfer{ID: id + ":fee", DebitAccountID: platformID(a, ledger.KindCardClearing), CreditAccountID: platformID(a, ledger.KindFeeRevenue), Amount: m.fee, Code: "topup_fee", Reference: id})
		}
		switch {
		case ch.Status == rails.ChargeSucceeded && m.status == StatusPending:
			if err := s.submit(ctx, tx, ts); err != nil {
				return err
			}
		case ch.Status == rails.ChargeSucceeded && m.status == StatusRequiresAction:
			posts := []ledger.Transfer{{ID: id + ":post", PendingID: id + ":credit", PostPending: true, Code: "topup", Reference: id}}
			if m.fee > 0 {
				posts[0].Linked = true
				posts = append(posts, ledger.Transfer{ID: id + ":feepost", PendingID: id + ":fee", PostPending: true, Code: "topup_fee", Reference: id})
			}
			if err := s.submit(ctx, tx, posts); err != nil {
				return err
			}
		case ch.Status == rails.ChargeRequiresAction && m.status == StatusPending:
			for i := range ts {
				ts[i].Pending, ts[i].TimeoutSeconds = true, int64(ThreeDSTimeout/time.Second)
			}
			if err := s.submit(ctx, tx, ts); err != nil {
				return err
			}
			return setStatus(ctx, tx, id, StatusRequiresAction, "", ch.Message, now)
		case ch.Status == rails.ChargeDeclined && m.status == StatusPending:
			return setStatus(ctx, tx, id, StatusDeclined, ch.DeclineCode, ch.Message, now)
		default:
			return nil
		}
		return setStatus(ctx, tx, id, StatusSucceeded, "", "", now)
	})
}

// ConfirmTopUp completes a top-up after the member passed 3-D Secure.
// Errors: NotFound; Conflict when the top-up is not waiting for it (or
// waited too long).
func (s *Service) ConfirmTopUp(ctx context.Context, userID, id string) (Movement, error) {
	m, err := s.Movement(ctx, userID, id)
	if err != nil {
		return Movement{}, err
	}
	if m.Kind != KindTopUp || m.Status != StatusRequiresAction {
		return Movement{}, nestegg.Errorf(nestegg.Conflict, "the top-up is %s", m.Status)
	}
	if s.now().Sub(m.CreatedAt) > ThreeDSTimeout {
		return Movement{}, nestegg.Errorf(nestegg.Conflict, "the authentication took too long; start the top-up again")
	}
	var ext string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT external_id FROM funding_movements WHERE id = $1", id).Scan(&ext); err != nil {
		return Movement{}, err
	}
	ch, err := s.cards.Confirm(ctx, ext)
	if err != nil {
		return Movement{}, err
	}
	if err := s.applyCharge(ctx, id, ch); err != nil {
		return Movement{}, err
	}
	return s.Movement(ctx, userID, id)
}

// syncTopUps charges top-ups the processor never answered, marks
// abandoned 3-D Secure top-ups failed (the ledger voids their reservation
// by itself), and settles succeeded ones the processor has paid out:
// card clearing → cash.
func (s *Service) syncTopUps(ctx context.Context) (int, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, user_id, status, external_id, amount + fee, created_at FROM funding_movements WHERE kind = 'topup' AND status IN ('pending', 'requires_action', 'succeeded')")
	if err != nil {
		return 0, err
	}
	type open struct {
		id, user, status, ext string
		gross, at             int64
	}
	var due []open
	for rows.Next() {
		var o open
		if err := rows.Scan(&o.id, &o.user, &o.status, &o.ext, &o.gross, &o.at); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, o)
	}
	rows.Close()
	n := 0
	now := s.now()
	for _, o := range due {
		switch Status(o.status) {
		case StatusPending:
			if now.Sub(time.Unix(0, o.at)) > time.Minute {
				if err := s.charge(ctx, o.user, o.id); err != nil {
					return n, err
				}
				n++
			}
		case StatusRequiresAction:
			if now.Sub(time.Unix(0, o.at)) > ThreeDSTimeout {
				err := s.db.Write(ctx, func(tx *sql.Tx) error {
					return setStatus(ctx, tx, o.id, StatusFailed, "", "the card's authentication was not completed", now)
				})
				if err != nil {
					return n, err
				}
				n++
			}
		case StatusSucceeded:
			ch, err := s.cards.Lookup(ctx, o.ext)
			if err != nil || !ch.PaidOut {
				continue
			}
			err = s.db.Write(ctx, func(tx *sql.Tx) error {
				m, err := s.lockMovement(ctx, tx, o.id)
				if err != nil || m.status != StatusSucceeded {
					return err
				}
				a := s.asset.Code
				if err := s.submit(ctx, tx, []ledger.Transfer{{ID: o.id + ":cash", DebitAccountID: platformID(a, ledger.KindCash),
					CreditAccountID: platformID(a, ledger.KindCardClearing), Amount: o.gross, Code: "card_payout", Reference: o.id}}); err != nil {
					return err
				}
				return setStatus(ctx, tx, o.id, StatusSettled, "", "", now)
			})
			if err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
