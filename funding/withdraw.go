package funding

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/rails"
)

// Withdraw sends money from the wallet to the member's verified bank
// account: standard (free) in the next ACH file, or instant (the fee from
// WithdrawalFee, taken from the wallet beside the amount) through the
// bank's instant rail, answered at once. The amount and fee are reserved
// in the wallet (pending transfers) until the bank settles, and released
// if it refuses. It is a movement of kind withdrawal or
// instant_withdrawal: its amount counts toward the member's spending
// limits (per transfer, daily, monthly). A replay of the key returns the
// first withdrawal.
//
// Errors: Invalid (Param "amount", "speed", "idempotency_key");
// NotFound or Conflict (Param "bank_account_id"); Conflict (Param "fee")
// when the fee differs from the one the member was shown; Conflict while
// the member owes a receivable; InsufficientFunds; Forbidden when
// compliance refuses; IdempotencyMismatch (Param "idempotency_key") for a
// key used for another request; Unavailable when the instant rail is not
// offered, or when the platform's cash cannot cover payouts.
func (s *Service) Withdraw(ctx context.Context, userID string, in WithdrawInput) (Movement, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return Movement{}, err
	}
	if in.Speed == "" {
		in.Speed = Standard
	}
	if in.Speed != Standard && in.Speed != Instant {
		return Movement{}, nestegg.ParamErrorf(nestegg.Invalid, "speed", "speed is standard or instant")
	}
	amt, err := s.amount(in.Amount, s.cfg.MaxWithdrawal)
	if err != nil {
		return Movement{}, err
	}
	fee, err := s.WithdrawalFee(in.Speed, amt)
	if err != nil {
		return Movement{}, err
	}
	if in.Fee != nil && in.Fee.Minor != fee {
		return Movement{}, nestegg.ParamErrorf(nestegg.Conflict, "fee", "the fee is %s, not %s", money.Format(s.Money(fee)), money.Format(s.Money(in.Fee.Minor)))
	}
	if err := s.ensureAccounts(ctx, userID); err != nil {
		return Movement{}, err
	}
	m := Movement{ID: nestegg.NewID("wdr"), Kind: KindWithdrawal, MethodID: in.BankAccountID, Amount: s.Money(amt), Fee: s.Money(fee), Speed: in.Speed, Status: StatusPending}
	fp := nestegg.Fingerprint(string(KindWithdrawal), in.BankAccountID, strconv.FormatInt(amt, 10), string(in.Speed))
	kind := movement.Withdrawal
	if in.Speed == Instant {
		kind = movement.InstantWithdrawal
	}
	res, err := s.k.Move(ctx, movement.Request{Kind: kind, ID: m.ID, Actor: userID, Key: in.IdempotencyKey, Fingerprint: fp,
		From: userID, Asset: s.asset.Code, Amount: amt, Fee: fee}, func(ctx context.Context, tx *movement.Tx) error {
		if err := s.verifiedBank(ctx, tx.SQL, userID, in.BankAccountID); err != nil {
			return err
		}
		a := s.asset.Code
		// What the member owes and what the wallet can pay are read locked
		// (PostgreSQL) until the movement commits.
		rcv, err := tx.Account(ctx, receivableID(userID, a))
		if err != nil {
			return err
		}
		if owed := rcv.DebitsPosted - rcv.CreditsPosted; owed > 0 {
			return nestegg.Errorf(nestegg.Conflict, "you owe %s from a returned deposit; a deposit pays it first", money.Format(s.Money(owed)))
		}
		// The wallet is checked first: the chain below sets cash aside
		// before it reserves the wallet, so the ledger would otherwise
		// blame the platform's cash for the member's balance.
		w, err := tx.Account(ctx, walletID(userID, a))
		if err != nil {
			return err
		}
		if w.CreditsPosted-w.DebitsPosted-w.DebitsPending < amt+fee {
			return nestegg.ParamErrorf(nestegg.InsufficientFunds, "amount", "you don't have enough money for this")
		}
		if err := s.insert(ctx, tx, userID, &m, in.IdempotencyKey, fp); err != nil {
			return err
		}
		ts := []ledger.Transfer{
			// Cash at the bank is set aside for the outgoing entry …
			{ID: m.ID + ":earmark", DebitAccountID: platformID(a, ledger.KindBankClearing), CreditAccountID: platformID(a, ledger.KindCash), Amount: amt, Asset: a, Code: "withdrawal", Linked: true},
			// … and the member's money is reserved until the bank settles.
			{ID: m.ID + ":hold", DebitAccountID: walletID(userID, a), CreditAccountID: platformID(a, ledger.KindBankClearing), Amount: amt, Asset: a, Code: "withdrawal", Pending: true},
		}
		if fee > 0 {
			ts[1].Linked = true
			ts = append(ts, ledger.Transfer{ID: m.ID + ":fee", DebitAccountID: walletID(userID, a), CreditAccountID: platformID(a, ledger.KindFeeRevenue), Amount: fee, Asset: a, Code: "instant_fee", Pending: true})
		}
		_, err = tx.Submit(ctx, ts...)
		return err
	})
	if err != nil {
		return Movement{}, fmt.Errorf("withdraw: %w", cashShort(err, m.ID))
	}
	if in.Speed == Instant && !res.Replayed {
		if err := s.payInstant(ctx, userID, m.ID); err != nil {
			return Movement{}, err
		}
	}
	return s.Movement(ctx, userID, res.Reference)
}

// cashShort says what is really wrong when the platform's cash at the
// bank cannot cover a withdrawal (the ledger refused the earmark): money
// is still on its way in (deposits and card payments not yet settled),
// which is the operator's matter, not the member's; their balance is
// untouched. The kernel's own words ("payouts are paused") left people
// guessing, and pages showed them as "busy".
func cashShort(err error, id string) error {
	var r *ledger.RefusedError
	if !nestegg.Is(err, nestegg.Unavailable) || !errors.As(err, &r) || r.Status != ledger.StatusExceedsDebits || r.ID != id+":earmark" {
		return err
	}
	return &nestegg.Error{Code: nestegg.Unavailable, Err: err,
		Message: "withdrawals are paused: the platform's bank account is waiting for money still on its way in (deposits and card payments settle first). Your balance is untouched; try again later"}
}

// payInstant asks the bank's instant rail to pay a pending instant
// withdrawal and records its answer. When the rail cannot be reached the
// withdrawal stays pending and Sync asks again (the rail is idempotent by
// the movement's id).
func (s *Service) payInstant(ctx context.Context, userID, id string) error {
	routing, number, name, _, err := s.accountNumber(ctx, s.db.Reader(), s.methodOf(ctx, id))
	if err != nil {
		return err
	}
	m, err := s.Movement(ctx, userID, id)
	if err != nil {
		return err
	}
	rec, err := s.bank.Instant(ctx, rails.InstantCredit{ID: id, Routing: routing, AccountNumber: number, Name: name, Amount: m.Amount.Minor})
	if nestegg.Is(err, nestegg.Unavailable) {
		// The bank offers no instant rail: release the money now.
		if ferr := s.finish(ctx, id, rails.Record{Status: rails.RecordReturned}, "instant payouts are not available; try a standard withdrawal"); ferr != nil {
			return ferr
		}
		return err
	}
	if err != nil {
		s.cfg.Logger.Warn("instant payout: rail unavailable; will retry", "movement", id, "err", err)
		return nil
	}
	return s.finish(ctx, id, rec, "")
}

func (s *Service) methodOf(ctx context.Context, id string) string {
	var mid string
	s.db.Reader().QueryRowContext(ctx, "SELECT method_id FROM funding_movements WHERE id = $1", id).Scan(&mid)
	return mid
}
