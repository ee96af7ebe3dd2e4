package funding

import (
	"context"
	"fmt"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// PreviewWithdrawal says, before the member confirms, whether Withdraw
// would refuse in for the member's own reasons, so that the review page
// says what is wrong instead of offering a button that fails. It reads
// only: no lock, no audit row, nothing reserved (compliance.Preview, the
// checkpoint's rules for the withdrawal's movement kind), so Withdraw
// still decides. The fee is the speed's fee now (in.Fee is not compared).
// Errors, as Withdraw's: Invalid for a bad amount or speed; NotFound for
// a bank account that is not the member's; Conflict for one not verified
// or a debt from a returned deposit; InsufficientFunds when the wallet
// cannot pay the amount and the fee ("you have X; this needs Y");
// Forbidden with compliance's reason (a frozen account, a limit).
func (s *Service) PreviewWithdrawal(ctx context.Context, userID string, in WithdrawInput) error {
	if in.Speed == "" {
		in.Speed = Standard
	}
	if in.Speed != Standard && in.Speed != Instant {
		return nestegg.ParamErrorf(nestegg.Invalid, "speed", "speed is standard or instant")
	}
	amt, err := s.amount(in.Amount, s.cfg.MaxWithdrawal)
	if err != nil {
		return err
	}
	fee, err := s.WithdrawalFee(in.Speed, amt)
	if err != nil {
		return err
	}
	if err := s.previewBank(ctx, userID, in.BankAccountID); err != nil {
		return err
	}
	owed, err := s.Receivable(ctx, userID)
	if err != nil {
		return err
	}
	if owed.Minor > 0 {
		return nestegg.Errorf(nestegg.Conflict, "you owe %s from a returned deposit; a deposit pays it first", money.Format(owed))
	}
	// What Withdraw compares: posted money less what is already held.
	var avail int64
	w, err := s.ledger.Account(ctx, walletID(userID, s.asset.Code))
	switch {
	case err == nil:
		avail = w.CreditsPosted - w.DebitsPosted - w.DebitsPending
	case !nestegg.Is(err, nestegg.NotFound):
		return err
	}
	if avail < amt+fee {
		return nestegg.ParamErrorf(nestegg.InsufficientFunds, "amount", "you have %s; this needs %s", money.Format(s.Money(max(avail, 0))), money.Format(s.Money(amt+fee)))
	}
	kind := movement.Withdrawal
	if in.Speed == Instant {
		kind = movement.InstantWithdrawal
	}
	return s.previewCheck(ctx, kind, userID, amt)
}

// PreviewDeposit says, before the member confirms, whether Deposit would
// refuse in: read-only, as PreviewWithdrawal. Errors: Invalid for a bad
// amount; NotFound or Conflict (Param "bank_account_id") for a bank
// account not the member's or not verified; Forbidden with compliance's
// reason (a frozen account, a funding limit).
func (s *Service) PreviewDeposit(ctx context.Context, userID string, in DepositInput) error {
	amt, err := s.amount(in.Amount, s.cfg.MaxDeposit)
	if err != nil {
		return err
	}
	if err := s.previewBank(ctx, userID, in.BankAccountID); err != nil {
		return err
	}
	return s.previewCheck(ctx, movement.Deposit, userID, amt)
}

// previewBank refuses a bank account that is not the member's or not
// verified, as the movement's own check (verifiedBank) would.
func (s *Service) previewBank(ctx context.Context, userID, bankID string) error {
	b, err := s.BankAccount(ctx, userID, bankID)
	if err != nil {
		return err
	}
	if b.Status != BankVerified {
		return nestegg.ParamErrorf(nestegg.Conflict, "bank_account_id", "this bank account is not verified yet; confirm its two small deposits first")
	}
	return nil
}

// previewCheck asks compliance, without a lock or an audit row, what the
// kernel's checkpoint would decide for a movement of kind by userID (as
// the kernel asks: the member as From, the amount without the fee).
func (s *Service) previewCheck(ctx context.Context, kind movement.Kind, userID string, amt int64) error {
	info, ok := movement.Lookup(kind)
	if !ok || !info.Check || s.comp == nil {
		return nil
	}
	d, err := s.comp.Preview(ctx, compliance.Movement{Kind: compliance.Kind(kind), Class: info.Class, Holdable: info.Holdable, CashOut: info.CashOut,
		FromUser: userID, Asset: s.asset.Code, Amount: amt})
	if err != nil {
		return fmt.Errorf("preview %s: %w", kind, err)
	}
	if d.Outcome == compliance.Deny {
		return nestegg.Errorf(nestegg.Forbidden, "%s", d.Reason)
	}
	return nil
}
