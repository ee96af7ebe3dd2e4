package commerce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
)

// Payouts to the bank: a business chooses where its counter takings go at
// settlement — its wallet, or on to one of its verified bank accounts.
// SettleQR records the choice on each settlement ('due'); payOutQR then
// withdraws each due settlement's net to the bank (funding's standard
// withdrawal, free) under a key derived from the settlement, so that two
// processes paying the same settlement out make one withdrawal, and marks
// it 'sent' or 'failed' by an UPDATE guarded by payout_status = 'due'. A
// failed payout (the bank removed, the wallet spent meanwhile) leaves the
// money in the wallet and tells the business why.

// QRPayoutBank returns the bank account merchantID's counter takings go to
// at settlement, "" for the wallet. Errors: Forbidden for anyone but a
// business.
func (s *Service) QRPayoutBank(ctx context.Context, merchantID string) (string, error) {
	if _, err := s.business(ctx, merchantID); err != nil {
		return "", err
	}
	var bank string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT bank_account_id FROM commerce_qr_payout_settings WHERE merchant_id = $1", merchantID).Scan(&bank)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("qr payout: %w", err)
	}
	return bank, nil
}

// SetQRPayout sends merchantID's counter takings, from the next
// settlement on, to bankAccountID (one of its verified bank accounts), or
// to its wallet when bankAccountID is "". Errors: Forbidden for anyone but
// a business; Unavailable when this server has no bank rail; NotFound
// (Param "bank_account_id") for an account not theirs; Conflict (Param
// "bank_account_id") for one not yet verified.
func (s *Service) SetQRPayout(ctx context.Context, merchantID, bankAccountID string) error {
	if _, err := s.business(ctx, merchantID); err != nil {
		return err
	}
	if bankAccountID != "" {
		if s.cfg.Funding == nil {
			return nestegg.Errorf(nestegg.Unavailable, "bank accounts are not enabled on this server")
		}
		b, err := s.cfg.Funding.BankAccount(ctx, merchantID, bankAccountID)
		if err != nil {
			return nestegg.ParamErrorf(nestegg.NotFound, "bank_account_id", "choose one of your bank accounts")
		}
		if b.Status != funding.BankVerified {
			return nestegg.ParamErrorf(nestegg.Conflict, "bank_account_id", "verify this bank account first (its two small deposits)")
		}
	}
	now := s.now().UnixNano()
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO commerce_qr_payout_settings (merchant_id, bank_account_id, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (merchant_id) DO UPDATE SET bank_account_id = excluded.bank_account_id, updated_at = excluded.updated_at`, merchantID, bankAccountID, now)
		return err
	})
}

// payOutQR withdraws every due settlement to its bank (up to 100 a run)
// and returns how many it sent. Transient failures (the processor, a
// withdrawal still running in another process) leave a settlement due for
// the next run.
func (s *Service) payOutQR(ctx context.Context) (int, error) {
	if s.cfg.Funding == nil {
		return 0, nil
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, merchant_id, asset, net, bank_account_id FROM commerce_qr_settlements
		WHERE payout_status = 'due' ORDER BY created_at, id LIMIT 100`)
	if err != nil {
		return 0, fmt.Errorf("qr payout: %w", err)
	}
	var due []QRSettlement
	for rows.Next() {
		var st QRSettlement
		if err := rows.Scan(&st.ID, &st.MerchantID, &st.Asset, &st.Net, &st.BankAccountID); err != nil {
			rows.Close()
			return 0, fmt.Errorf("qr payout: %w", err)
		}
		due = append(due, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("qr payout: %w", err)
	}
	n := 0
	for _, st := range due {
		f := s.cfg.Funding
		if st.Asset != f.Asset().Code {
			if err := s.payoutDone(ctx, st, "failed", "", "the bank pays out "+f.Asset().Code+" only"); err != nil {
				return n, err
			}
			continue
		}
		m, err := f.Withdraw(ctx, st.MerchantID, funding.WithdrawInput{BankAccountID: st.BankAccountID, Amount: f.Money(st.Net),
			Speed: funding.Standard, IdempotencyKey: "qr-payout:" + st.ID})
		switch nestegg.ErrorCode(err) {
		case "":
			if err := s.payoutDone(ctx, st, "sent", m.ID, ""); err != nil {
				return n, err
			}
			n++
		case nestegg.InFlight, nestegg.Unavailable:
			continue // another process is on it, or the rail is down: next run
		case nestegg.Invalid, nestegg.NotFound, nestegg.Forbidden, nestegg.InsufficientFunds, nestegg.Conflict:
			if err := s.payoutDone(ctx, st, "failed", "", nestegg.ErrorMessage(err)); err != nil {
				return n, err
			}
		default:
			return n, fmt.Errorf("qr payout %s: %w", st.ID, err)
		}
	}
	return n, nil
}

// payoutDone moves a due settlement's payout to status, once, and tells
// the business when it failed.
func (s *Service) payoutDone(ctx context.Context, st QRSettlement, status, withdrawalID, reason string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE commerce_qr_settlements SET payout_status = $2, payout_id = $3, payout_reason = $4
			WHERE id = $1 AND payout_status = 'due'`, st.ID, status, withdrawalID, reason)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil || n != 1 || status != "failed" {
			return err // n == 0: another process recorded it first
		}
		return s.notify(ctx, tx, st.MerchantID, NotifyOrder, "", "", fmt.Sprintf("your counter takings of %s could not be sent to your bank (%s); they are in your wallet",
			money.Format(money.Amount{Asset: asset(st.Asset), Minor: st.Net}), reason))
	})
}
