package funding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
)

// ThreeDSTimeout is how long a top-up waits for its 3-D Secure
// authentication before the reservation lapses.
const ThreeDSTimeout = time.Hour

// LinkCard links the card behind a processor token. Nestegg receives only
// the token, and keeps it with the brand, last four digits and expiry the
// processor reports. A token links once, and only for the member the
// processor issued it to (when it says: the sandbox does), so that a
// token seen, guessed or reused cannot put someone else's card in a
// wallet. Errors: Invalid (Param "token") for a token the processor does
// not know or issued to another member; Conflict (Param "token") for a
// token already linked (tokenize the card again); Unavailable when the
// processor cannot be asked.
func (s *Service) LinkCard(ctx context.Context, userID, token string) (Card, error) {
	if token == "" || len(token) > 255 {
		return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "token", "a card token from the processor is required")
	}
	c, err := s.cards.Card(ctx, token)
	if err != nil {
		return Card{}, err
	}
	if c.Owner != "" && c.Owner != userID {
		// The same answer as an unknown token: whose it is stays unsaid.
		return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "token", "not a card token of this processor")
	}
	id := nestegg.NewID("crd")
	now := s.now()
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		// The token's row is its single use: a second link of it, by
		// anyone, in any process, is a unique violation.
		if _, err := tx.ExecContext(ctx, "INSERT INTO funding_card_tokens (token, user_id, card_id, created_at) VALUES ($1, $2, $3, $4)", token, userID, id, now.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO funding_cards (id, user_id, processor, token, brand, last4, exp_month, exp_year, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9)`, id, userID, fmt.Sprintf("%T", s.cards), c.Token, c.Brand, c.Last4, c.ExpMonth, c.ExpYear, now.UnixNano())
		return err
	})
	if nestegg.Is(err, nestegg.Conflict) {
		return Card{}, nestegg.ParamErrorf(nestegg.Conflict, "token", "this card token was already used: add the card again for a new one")
	}
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
// wallet with Amount at once when the charge succeeds. It is a movement of
// kind card_topup, from the member: it counts toward their funding limits,
// and reserves the money (pending transfers from card clearing) before the
// card is charged; the charge's answer posts or voids the reservation. A
// decline is not an error: the movement comes back declined with the
// processor's reason. When the issuer wants 3-D Secure the movement is
// requires_action until ConfirmTopUp. A replay of the key returns the
// first top-up (charging it again only if the processor never answered).
// Errors: Invalid (Param "amount", "idempotency_key"); NotFound (Param
// "card_id"); Conflict (Param "fee"); Forbidden when compliance refuses;
// IdempotencyMismatch (Param "idempotency_key") for a key used for another
// request.
func (s *Service) TopUp(ctx context.Context, userID string, in TopUpInput) (Movement, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
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
	m := Movement{ID: nestegg.NewID("top"), Kind: KindTopUp, MethodID: in.CardID, Amount: s.Money(amt), Fee: s.Money(fee), Status: StatusPending}
	fp := nestegg.Fingerprint(string(KindTopUp), in.CardID, strconv.FormatInt(amt, 10))
	res, err := s.k.Move(ctx, movement.Request{Kind: movement.TopUp, ID: m.ID, Actor: userID, Key: in.IdempotencyKey, Fingerprint: fp,
		From: userID, Asset: s.asset.Code, Amount: amt, Fee: fee}, func(ctx context.Context, tx *movement.Tx) error {
		var id string
		err := tx.SQL.QueryRowContext(ctx, "SELECT id FROM funding_cards WHERE id = $1 AND user_id = $2 AND status = 'active'"+s.db.Dialect.ForUpdate(), in.CardID, userID).Scan(&id)
		if err == sql.ErrNoRows {
			return nestegg.ParamErrorf(nestegg.NotFound, "card_id", "no card %q", in.CardID)
		}
		if err != nil {
			return err
		}
		if err := s.insert(ctx, tx, userID, &m, in.IdempotencyKey, fp); err != nil {
			return err
		}
		a := s.asset.Code
		ts := []ledger.Transfer{{ID: m.ID + ":credit", DebitAccountID: platformID(a, ledger.KindCardClearing), CreditAccountID: walletID(userID, a), Amount: amt, Asset: a, Code: "topup", Pending: true}}
		if fee > 0 {
			ts[0].Linked = true
			ts = append(ts, ledger.Transfer{ID: m.ID + ":fee", DebitAccountID: platformID(a, ledger.KindCardClearing), CreditAccountID: platformID(a, ledger.KindFeeRevenue), Amount: fee, Asset: a, Code: "topup_fee", Pending: true})
		}
		_, err = tx.Submit(ctx, ts...)
		return err
	})
	if err != nil {
		return Movement{}, fmt.Errorf("top-up: %w", err)
	}
	if !res.Replayed {
		err = s.charge(ctx, userID, m.ID)
	} else if m, err = s.Movement(ctx, userID, res.Reference); err == nil && m.Status == StatusPending {
		err = s.charge(ctx, userID, m.ID)
	}
	if err != nil {
		return Movement{}, err
	}
	return s.Movement(ctx, userID, res.Reference)
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
	ret := ""
	if s.cfg.CardReturnURL != "" {
		ret = strings.ReplaceAll(s.cfg.CardReturnURL, "{id}", id)
	}
	ch, err := s.cards.Charge(ctx, rails.ChargeRequest{IdempotencyKey: id, Token: token, Amount: amt + fee, Currency: s.asset.Code, Description: "Nestegg wallet top-up", ReturnURL: ret})
	if nestegg.Is(err, nestegg.Unavailable) {
		s.cfg.Logger.Warn("card top-up: processor unavailable; will retry", "movement", id)
		return nil
	}
	if err != nil {
		return s.unreserve(ctx, id, StatusFailed, "", nestegg.ErrorMessage(err), "", StatusPending)
	}
	return s.applyCharge(ctx, id, ch)
}

// applyCharge books a processor's answer for a top-up, once.
//
// Succeeded: the reservation posts — card clearing (what the processor
// owes the platform) pays the wallet the amount and fee revenue the fee.
// Requires action: the reservation waits for ConfirmTopUp (nothing moves;
// Sync voids it after ThreeDSTimeout, having asked the processor first).
// Declined: the reservation is voided. Each booking is a movement (Actor
// job, Key "charge:<id>").
//
// The card may be charged after the reservation is gone: the processor
// took longer than the ledger's hold, or the top-up was failed (3-D
// Secure abandoned, as the processor said a moment before) while the
// member was completing it. The money was taken all the same, so a
// succeeded charge is then credited afresh, posted at once (creditLate).
// A succeeded top-up is never changed back.
func (s *Service) applyCharge(ctx context.Context, id string, ch rails.Charge) error {
	switch ch.Status {
	case rails.ChargeRequiresAction:
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			if err := setStatus(ctx, tx, id, StatusPending, StatusRequiresAction, "", ch.Message, s.now()); err != nil {
				return err
			}
			if ch.ActionURL != "" {
				// The issuer's page, kept for the movement's page to
				// send the member to (AuthenticationURL).
				if _, err := tx.ExecContext(ctx, "UPDATE funding_movements SET action_url = $1 WHERE id = $2", ch.ActionURL, id); err != nil {
					return err
				}
			}
			return setExternal(ctx, tx, id, ch.ID)
		})
		if errors.Is(err, errUnchanged) {
			return nil
		}
		return err
	case rails.ChargeDeclined:
		return s.unreserve(ctx, id, StatusDeclined, ch.DeclineCode, ch.Message, ch.ID, StatusPending, StatusRequiresAction)
	case rails.ChargeSucceeded:
	default:
		return nil
	}
	m, err := s.topUpRow(ctx, id)
	if err != nil {
		return err
	}
	err = s.answer(ctx, movement.TopUpSettle, "charge:"+id, id, "", m.userID, m.amount, m.fee, func(ctx context.Context, tx *movement.Tx) error {
		m, err := s.lockMovement(ctx, tx.SQL, id)
		if err != nil {
			return err
		}
		if m.status != StatusPending && m.status != StatusRequiresAction {
			return errUnchanged // booked already, or failed: creditLate's
		}
		a := s.asset.Code
		posts := []ledger.Transfer{{ID: id + ":post", PendingID: id + ":credit", PostPending: true, Asset: a, Code: "topup"}}
		if m.fee > 0 {
			posts[0].Linked = true
			posts = append(posts, ledger.Transfer{ID: id + ":feepost", PendingID: id + ":fee", PostPending: true, Asset: a, Code: "topup_fee"})
		}
		res, err := tx.SubmitMaybe(ctx, posts...)
		if err != nil {
			return err
		}
		if lapsed(res) {
			// The ledger let the reservation go before the processor
			// answered: credit what the card paid afresh.
			if _, err := tx.Submit(ctx, s.lateCredit(m)...); err != nil {
				return err
			}
		} else if err := ledger.Refused(res); err != nil {
			return err
		}
		if err := setExternal(ctx, tx.SQL, id, ch.ID); err != nil {
			return err
		}
		return setStatus(ctx, tx.SQL, id, m.status, StatusSucceeded, "", "", tx.Now())
	})
	if err != nil {
		return err
	}
	// The answer may have found the top-up failed (or replayed the void
	// that failed it): the card was charged all the same.
	return s.creditLate(ctx, id, ch)
}

// creditLate credits a top-up whose card was charged (ch succeeded) after
// its reservation was voided — it is failed or declined — with fresh
// posted transfers from card clearing: the amount to the wallet and the
// fee to fee revenue, and the top-up becomes succeeded. It is a movement
// of its own (Actor job, Key "late:<id>"), since "charge:<id>" was spent
// on the void: under the top-up's lock, only from failed or declined, so
// the wallet is credited once whoever calls it, in however many
// processes; the transfers' ids (<id>:late) are a third guard. Nil when
// the top-up is not failed or declined (nothing to do).
func (s *Service) creditLate(ctx context.Context, id string, ch rails.Charge) error {
	if ch.Status != rails.ChargeSucceeded {
		return nil
	}
	var st string
	var m movementRow
	err := s.db.Reader().QueryRowContext(ctx, "SELECT user_id, status, amount, fee FROM funding_movements WHERE id = $1", id).Scan(&m.userID, &st, &m.amount, &m.fee)
	if err != nil {
		return fmt.Errorf("top-up %s: %w", id, err)
	}
	if Status(st) != StatusFailed && Status(st) != StatusDeclined {
		return nil
	}
	s.cfg.Logger.Warn("card top-up: charged after its reservation lapsed; crediting the wallet", "movement", id, "charge", ch.ID)
	return s.answer(ctx, movement.TopUpSettle, "late:"+id, id, "", m.userID, m.amount, m.fee, func(ctx context.Context, tx *movement.Tx) error {
		m, err := s.lockMovement(ctx, tx.SQL, id)
		if err != nil {
			return err
		}
		if m.kind != KindTopUp || (m.status != StatusFailed && m.status != StatusDeclined) {
			return errUnchanged
		}
		if _, err := tx.Submit(ctx, s.lateCredit(m)...); err != nil {
			return err
		}
		if err := setExternal(ctx, tx.SQL, id, ch.ID); err != nil {
			return err
		}
		return setStatus(ctx, tx.SQL, id, m.status, StatusSucceeded, "", "", tx.Now())
	})
}

// lateCredit is what a charge pays when there is no reservation left to
// post: the same money as the reservation's, posted at once.
func (s *Service) lateCredit(m movementRow) []ledger.Transfer {
	a := s.asset.Code
	ts := []ledger.Transfer{{ID: m.id + ":late", DebitAccountID: platformID(a, ledger.KindCardClearing), CreditAccountID: walletID(m.userID, a), Amount: m.amount, Asset: a, Code: "topup"}}
	if m.fee > 0 {
		ts[0].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":latefee", DebitAccountID: platformID(a, ledger.KindCardClearing), CreditAccountID: platformID(a, ledger.KindFeeRevenue), Amount: m.fee, Asset: a, Code: "topup_fee"})
	}
	return ts
}

// lapsed reports whether a post or void was refused because its pending
// transfer is already voided or expired (the ledger's expiry).
func lapsed(res []ledger.Result) bool {
	for _, r := range res {
		if r.Status == ledger.StatusPendingTransferAlreadyVoided || r.Status == ledger.StatusPendingTransferExpired {
			return true
		}
	}
	return false
}

// errLapsed is unreserve's work finding the reservation gone already.
var errLapsed = errors.New("funding: the reservation has lapsed")

// unreserve voids a top-up's reservation — the card was declined or
// failed, or 3-D Secure was abandoned — and moves it from one of the
// statuses from to to: a movement (Actor job, Key "charge:<id>") in which
// nothing is charged. ext, when not "", is the processor's charge id.
// When the ledger has already expired the reservation, only the status
// changes (under the same lock and guard): there is nothing to void.
func (s *Service) unreserve(ctx context.Context, id string, to Status, code, reason, ext string, from ...Status) error {
	m, err := s.topUpRow(ctx, id)
	if err != nil {
		return err
	}
	err = s.answer(ctx, movement.TopUpSettle, "charge:"+id, id, "", m.userID, m.amount, m.fee, func(ctx context.Context, tx *movement.Tx) error {
		m, err := s.lockMovement(ctx, tx.SQL, id)
		if err != nil {
			return err
		}
		if !slices.Contains(from, m.status) {
			return errUnchanged
		}
		a := s.asset.Code
		voids := []ledger.Transfer{{ID: id + ":void", PendingID: id + ":credit", VoidPending: true, Asset: a, Code: "topup"}}
		if m.fee > 0 {
			voids[0].Linked = true
			voids = append(voids, ledger.Transfer{ID: id + ":feevoid", PendingID: id + ":fee", VoidPending: true, Asset: a, Code: "topup_fee"})
		}
		res, err := tx.SubmitMaybe(ctx, voids...)
		if err != nil {
			return err
		}
		if lapsed(res) {
			return errLapsed
		}
		if err := ledger.Refused(res); err != nil {
			return err
		}
		if err := setExternal(ctx, tx.SQL, id, ext); err != nil {
			return err
		}
		return setStatus(ctx, tx.SQL, id, m.status, to, code, reason, tx.Now())
	})
	if !errors.Is(err, errLapsed) {
		return err
	}
	// Nothing moves, so no movement: a guarded status change.
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		m, err := s.lockMovement(ctx, tx, id)
		if err != nil {
			return err
		}
		if !slices.Contains(from, m.status) {
			return errUnchanged
		}
		if err := setExternal(ctx, tx, id, ext); err != nil {
			return err
		}
		return setStatus(ctx, tx, id, m.status, to, code, reason, s.now())
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// topUpRow reads what a top-up's answer needs to name its movement.
func (s *Service) topUpRow(ctx context.Context, id string) (movementRow, error) {
	m := movementRow{id: id}
	err := s.db.Reader().QueryRowContext(ctx, "SELECT user_id, amount, fee FROM funding_movements WHERE id = $1", id).Scan(&m.userID, &m.amount, &m.fee)
	if err != nil {
		return m, fmt.Errorf("top-up %s: %w", id, err)
	}
	return m, nil
}

// setExternal records the processor's id for a charge.
func setExternal(ctx context.Context, q store.Querier, id, ext string) error {
	if ext == "" {
		return nil
	}
	_, err := q.ExecContext(ctx, "UPDATE funding_movements SET external_id = $1 WHERE id = $2", ext, id)
	return err
}

// ConfirmTopUp completes a top-up after the member passed 3-D Secure.
// Within ThreeDSTimeout it asks the processor to complete the charge;
// later, or when the top-up was already failed for want of it, it only
// asks how the charge stands — a charge the processor completed anyway is
// credited (once), one it did not is never pushed through. Errors:
// NotFound; Conflict when the top-up is not waiting for 3-D Secure (or
// waited too long and the processor never completed it).
func (s *Service) ConfirmTopUp(ctx context.Context, userID, id string) (Movement, error) {
	m, err := s.Movement(ctx, userID, id)
	if err != nil {
		return Movement{}, err
	}
	var ext string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT external_id FROM funding_movements WHERE id = $1", id).Scan(&ext); err != nil {
		return Movement{}, err
	}
	late := s.now().Sub(m.CreatedAt) > ThreeDSTimeout
	if m.Kind != KindTopUp || ext == "" || (m.Status != StatusRequiresAction && (m.Status != StatusFailed || !late)) {
		return Movement{}, nestegg.Errorf(nestegg.Conflict, "the top-up is %s", m.Status)
	}
	var ch rails.Charge
	if m.Status == StatusRequiresAction && !late {
		ch, err = s.cards.Confirm(ctx, ext)
	} else {
		ch, err = s.cards.Lookup(ctx, ext)
	}
	if err != nil {
		return Movement{}, err
	}
	if err := s.applyCharge(ctx, id, ch); err != nil {
		return Movement{}, err
	}
	if m, err = s.Movement(ctx, userID, id); err != nil {
		return Movement{}, err
	}
	if m.Status == StatusRequiresAction || m.Status == StatusFailed {
		return Movement{}, nestegg.Errorf(nestegg.Conflict, "the authentication took too long; start the top-up again")
	}
	return m, nil
}

// AuthenticationURL returns the page where userID authenticates their
// top-up id with their card's bank (3-D Secure), as the processor gave it
// when it asked for the authentication; "" when the processor has no page
// of its own for it (the sandbox: the member confirms on Nestegg's page)
// or the top-up no longer waits for it. Errors: NotFound.
func (s *Service) AuthenticationURL(ctx context.Context, userID, id string) (string, error) {
	var kind, st, u string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT kind, status, action_url FROM funding_movements WHERE id = $1 AND user_id = $2", id, userID).Scan(&kind, &st, &u)
	if err == sql.ErrNoRows {
		return "", nestegg.ParamErrorf(nestegg.NotFound, "id", "no movement %q", id)
	}
	if err != nil || Kind(kind) != KindTopUp || Status(st) != StatusRequiresAction {
		return "", err
	}
	return u, nil
}

// LateChargeWindow is how long after a top-up was created Sync keeps
// asking the processor about it once it failed with a charge at the
// processor (3-D Secure abandoned): a cardholder who completes the
// authentication after all is charged, and their wallet is credited.
// Reconcile finds later ones through the processor's own list.
const LateChargeWindow = 7 * 24 * time.Hour

// syncTopUps charges top-ups the processor never answered; for 3-D
// Secure top-ups waiting longer than ThreeDSTimeout asks the processor
// first and books its answer (abandon); credits failed top-ups whose
// charge the processor completed later (within LateChargeWindow); and
// settles succeeded ones the processor has paid out: card clearing →
// cash, a card_payout movement (Actor job, Key "payout:<id>"). Every
// step is a movement under the top-up's lock, guarded by its status, so
// two processes syncing at once book each answer once.
func (s *Service) syncTopUps(ctx context.Context) (int, error) {
	now := s.now()
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, user_id, status, external_id, amount + fee, created_at FROM funding_movements
		WHERE kind = 'topup' AND (status IN ('pending', 'requires_action', 'succeeded') OR (status = 'failed' AND external_id <> '' AND created_at > $1))`,
		now.Add(-LateChargeWindow).UnixNano())
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
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
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
				if err := s.abandon(ctx, o.id, o.ext); err != nil {
					return n, err
				}
				n++
			}
		case StatusFailed:
			ch, err := s.cards.Lookup(ctx, o.ext)
			if err != nil || ch.Status != rails.ChargeSucceeded {
				continue
			}
			if err := s.creditLate(ctx, o.id, ch); err != nil {
				return n, err
			}
			n++
		case StatusSucceeded:
			ch, err := s.cards.Lookup(ctx, o.ext)
			if err != nil || !ch.PaidOut {
				continue
			}
			if err := s.settleTopUp(ctx, o.id, o.gross); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// settleTopUp books a succeeded top-up's money paid out by the processor
// to the platform's bank: card clearing → cash, less what was refunded
// before the payout (the processor paid that back to the card from the
// same balance), a card_payout movement (Actor job, Key "payout:<id>"),
// under the top-up's lock and only from succeeded, so that Sync and the
// processor's webhook, in any number of processes, book it once.
func (s *Service) settleTopUp(ctx context.Context, id string, gross int64) error {
	var refunded int64
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT refunded FROM funding_movements WHERE id = $1", id).Scan(&refunded); err != nil {
		return fmt.Errorf("top-up %s: %w", id, err)
	}
	net := gross - refunded
	return s.answer(ctx, movement.CardPayout, "payout:"+id, id, "", "", net, 0, func(ctx context.Context, tx *movement.Tx) error {
		m, err := s.lockMovement(ctx, tx.SQL, id)
		if err != nil {
			return err
		}
		var now int64
		if err := tx.SQL.QueryRowContext(ctx, "SELECT refunded FROM funding_movements WHERE id = $1", id).Scan(&now); err != nil {
			return err
		}
		if m.status != StatusSucceeded || now != refunded || net <= 0 {
			return errUnchanged // booked, or refunded meanwhile: the next pass
		}
		a := s.asset.Code
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: id + ":cash", DebitAccountID: platformID(a, ledger.KindCash),
			CreditAccountID: platformID(a, ledger.KindCardClearing), Amount: net, Asset: a, Code: "card_payout"}); err != nil {
			return err
		}
		return setStatus(ctx, tx.SQL, id, StatusSucceeded, StatusSettled, "", "", tx.Now())
	})
}

// abandon ends a 3-D Secure top-up that waited longer than
// ThreeDSTimeout, asking the processor first: a charge it completed (the
// cardholder authenticated after all) is credited, one it declined is
// declined, and only one still waiting for the cardholder (or one the
// processor never made) is failed. A processor that cannot be asked, or
// answers with an error, leaves the top-up for the next Sync.
func (s *Service) abandon(ctx context.Context, id, ext string) error {
	if ext != "" {
		ch, err := s.cards.Lookup(ctx, ext)
		switch {
		case err == nil && ch.Status != rails.ChargeRequiresAction:
			return s.applyCharge(ctx, id, ch)
		case err != nil && !nestegg.Is(err, nestegg.NotFound):
			// Not knowing is no reason to fail it: the next Sync asks
			// again, and the other top-ups go on meanwhile.
			s.cfg.Logger.Warn("card top-up: the processor did not say how the charge stands; will ask again", "movement", id, "err", err)
			return nil
		}
	}
	return s.unreserve(ctx, id, StatusFailed, "", "the card's authentication was not completed", "", StatusRequiresAction)
}
