package commerce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// voucherCodeLen is long enough that guessing a live code is hopeless
// (31^10 ≈ 8·10^14) and short enough to read out at a till.
const voucherCodeLen = 10

// issueVoucher creates the voucher for a gift order inside tx and tells
// the friend and the sender.
func (s *Service) issueVoucher(ctx context.Context, tx *sql.Tx, o Order) error {
	m, err := s.MerchantSettings(ctx, o.MerchantID)
	if err != nil {
		return err
	}
	v := Voucher{ID: nestegg.NewID("vch"), Code: newCode(voucherCodeLen), OrderID: o.ID, MerchantID: o.MerchantID, HolderID: o.RecipientID,
		SenderID: o.BuyerID, Title: o.Title, Amount: o.Amount, Policy: m.Policy, Status: VoucherActive,
		ExpiresAt: o.CreatedAt.Add(time.Duration(m.VoucherDays) * 24 * time.Hour), CreatedAt: o.CreatedAt}
	if _, err := tx.ExecContext(ctx, `INSERT INTO commerce_vouchers (id, code, order_id, merchant_id, holder_id, sender_id, title, asset, amount, fee, policy, status, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', $12, $13)`,
		v.ID, v.Code, o.ID, o.MerchantID, o.RecipientID, o.BuyerID, o.Title, o.Amount.Asset.Code, o.Amount.Minor, o.Fee, string(v.Policy),
		nanos(v.ExpiresAt), nanos(v.CreatedAt)); err != nil {
		return err
	}
	if err := s.notify(ctx, tx, o.RecipientID, NotifyGift, o.BuyerID, "", fmt.Sprintf("sent you a gift: %s. Your voucher code is %s — show it at the shop by %s",
		o.Title, v.Code, v.ExpiresAt.Format("2 Jan 2006"))); err != nil {
		return err
	}
	return s.notify(ctx, tx, o.BuyerID, NotifyBought, o.MerchantID, "", "your gift of "+o.Title+" ("+money.Format(o.Amount)+") is on its way")
}

const voucherCols = "id, code, order_id, merchant_id, holder_id, sender_id, title, asset, amount, fee, policy, status, expires_at, settled_at, created_at"

type storedVoucher struct {
	Voucher
	fee int64
}

func scanVoucher(row interface{ Scan(...any) error }) (storedVoucher, error) {
	var v storedVoucher
	var code, policy, status string
	var exp, settled, created int64
	err := row.Scan(&v.ID, &v.Code, &v.OrderID, &v.MerchantID, &v.HolderID, &v.SenderID, &v.Title, &code, &v.Amount.Minor, &v.fee,
		&policy, &status, &exp, &settled, &created)
	if err != nil {
		return storedVoucher{}, err
	}
	v.Amount.Asset, v.Policy, v.Status = asset(code), VoucherPolicy(policy), VoucherStatus(status)
	v.ExpiresAt, v.SettledAt, v.CreatedAt = fromNanos(exp), fromNanos(settled), fromNanos(created)
	return v, nil
}

// Vouchers lists the vouchers holderID holds, newest first (at most 200),
// codes included. Only holderID may call it.
func (s *Service) Vouchers(ctx context.Context, holderID string) ([]Voucher, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+voucherCols+" FROM commerce_vouchers WHERE holder_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200", holderID)
	if err != nil {
		return nil, fmt.Errorf("vouchers: %w", err)
	}
	defer rows.Close()
	var out []Voucher
	for rows.Next() {
		v, err := scanVoucher(rows)
		if err != nil {
			return nil, fmt.Errorf("vouchers: %w", err)
		}
		out = append(out, v.Voucher)
	}
	return out, rows.Err()
}

// RedeemVoucher uses the voucher with code at merchantID, the merchant
// that issued it, who types the code the holder shows: the value moves
// from the platform's liability to the merchant (less the fee), once, as
// a movement (movement.VoucherRedeem). Only the issuing merchant may call
// it: to anyone else, every code is unknown.
//
// Errors: NotFound (Param "code") for a code that is not merchantID's to
// redeem; Conflict when it was redeemed already or has expired.
func (s *Service) RedeemVoucher(ctx context.Context, merchantID, code string) (Voucher, error) {
	code = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	notFound := nestegg.ParamErrorf(nestegg.NotFound, "code", "no voucher of yours has that code")
	if len(code) != voucherCodeLen || merchantID == "" {
		return Voucher{}, notFound
	}
	v, err := scanVoucher(s.db.Reader().QueryRowContext(ctx, "SELECT "+voucherCols+" FROM commerce_vouchers WHERE code = $1", code))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && v.MerchantID != merchantID) {
		return Voucher{}, notFound
	}
	if err != nil {
		return Voucher{}, fmt.Errorf("redeem voucher: %w", err)
	}
	if err := redeemable(v.Voucher, s.now()); err != nil {
		return Voucher{}, err
	}
	asset := v.Amount.Asset.Code
	// A voucher is redeemed once: the key is the voucher's, so a second
	// redemption (even a concurrent one) replays the first and is refused.
	req := movement.Request{Kind: movement.VoucherRedeem, Reference: v.OrderID, Actor: merchantID, Key: "voucher-redeem:" + v.ID,
		Fingerprint: nestegg.Fingerprint(v.ID), To: merchantID, Asset: asset, Amount: v.Amount.Minor, Fee: v.fee, Note: v.Title}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, mtx *movement.Tx) error {
		tx := mtx.SQL
		var err error
		if v, err = scanVoucher(tx.QueryRowContext(ctx, "SELECT "+voucherCols+" FROM commerce_vouchers WHERE id = $1"+s.db.Dialect.ForUpdate(), v.ID)); err != nil {
			return err
		}
		now := mtx.Now()
		if err := redeemable(v.Voucher, now); err != nil {
			return err
		}
		if _, err := mtx.Submit(ctx, sale("vch:"+v.ID, platformID(asset, ledger.KindLiability), merchantID, asset, v.Amount.Minor, v.fee, "voucher_redeem")...); err != nil {
			return err
		}
		v.Status, v.SettledAt = VoucherRedeemed, now
		if err := s.settleVoucher(ctx, tx, v.Voucher, StatusDelivered, 0); err != nil {
			return err
		}
		return s.notify(ctx, tx, v.HolderID, NotifyRedeemed, merchantID, "", "you redeemed your voucher for "+v.Title)
	})
	if res.Replayed {
		if v, err = scanVoucher(s.db.Reader().QueryRowContext(ctx, "SELECT "+voucherCols+" FROM commerce_vouchers WHERE id = $1", v.ID)); err == nil {
			err = redeemable(v.Voucher, s.now())
		}
	}
	if err != nil {
		return Voucher{}, fmt.Errorf("redeem voucher: %w", err)
	}
	return v.Voucher, nil
}

// redeemable says whether v may be redeemed at now. Errors: Conflict
// (Param "code") when it was redeemed or has expired.
func redeemable(v Voucher, now time.Time) error {
	switch {
	case v.Status == VoucherRedeemed:
		return nestegg.ParamErrorf(nestegg.Conflict, "code", "this voucher was already redeemed on %s", v.SettledAt.Format("2 Jan 2006 15:04"))
	case v.Status != VoucherActive || !now.Before(v.ExpiresAt):
		return nestegg.ParamErrorf(nestegg.Conflict, "code", "this voucher expired on %s", v.ExpiresAt.Format("2 Jan 2006"))
	}
	return nil
}

// settleVoucher records a voucher's end and its order's new status.
func (s *Service) settleVoucher(ctx context.Context, tx *sql.Tx, v Voucher, st OrderStatus, refunded int64) error {
	if _, err := tx.ExecContext(ctx, "UPDATE commerce_vouchers SET status = $2, settled_at = $3 WHERE id = $1", v.ID, string(v.Status), nanos(v.SettledAt)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "UPDATE commerce_orders SET status = $2, refunded = $3, updated_at = $4 WHERE id = $1", v.OrderID, string(st), refunded, nanos(v.SettledAt))
	return err
}

// ExpireVouchers settles active vouchers past their expiry, per each
// merchant's policy: refunded to the sender, or kept by the merchant (less
// the fee). It returns how many it settled. A background job, safe to run
// in several processes: each voucher is settled under lock, once.
func (s *Service) ExpireVouchers(ctx context.Context) (int, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id FROM commerce_vouchers WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT 100", nanos(s.now()))
	if err != nil {
		return 0, fmt.Errorf("expire vouchers: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("expire vouchers: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("expire vouchers: %w", err)
	}
	n := 0
	for _, id := range ids {
		done, err := s.expireVoucher(ctx, id)
		if err != nil {
			return n, fmt.Errorf("expire voucher %s: %w", id, err)
		}
		if done {
			n++
		}
	}
	return n, nil
}

// expireVoucher settles one voucher, if it is still active and past its
// time, as a job's movement (movement.VoucherExpiry, Actor "job", keyed by
// the voucher): two processes expiring it at once move its value once.
func (s *Service) expireVoucher(ctx context.Context, id string) (bool, error) {
	v, err := scanVoucher(s.db.Reader().QueryRowContext(ctx, "SELECT "+voucherCols+" FROM commerce_vouchers WHERE id = $1", id))
	if err != nil {
		return false, err
	}
	if v.Status != VoucherActive || s.now().Before(v.ExpiresAt) {
		return false, nil
	}
	code := v.Amount.Asset.Code
	if err := s.ensureAccounts(ctx, code, v.SenderID, v.MerchantID); err != nil {
		return false, err
	}
	req := movement.Request{Kind: movement.VoucherExpiry, Reference: v.OrderID, Actor: "job", Key: "voucher-expiry:" + v.ID,
		Fingerprint: nestegg.Fingerprint(v.ID), To: v.SenderID, Asset: code, Amount: v.Amount.Minor, Note: v.Title}
	if v.Policy != PolicyRefund {
		req.To, req.Fee = v.MerchantID, v.fee
	}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, mtx *movement.Tx) error {
		tx := mtx.SQL
		v, err := scanVoucher(tx.QueryRowContext(ctx, "SELECT "+voucherCols+" FROM commerce_vouchers WHERE id = $1"+s.db.Dialect.ForUpdate(), id))
		if err != nil {
			return err
		}
		now := mtx.Now()
		if v.Status != VoucherActive || now.Before(v.ExpiresAt) {
			return errSettled // redeemed meanwhile: nothing moves
		}
		st, refunded := StatusExpired, int64(0)
		if v.Policy == PolicyRefund {
			st, refunded = StatusRefunded, v.Amount.Minor
			_, err = mtx.Submit(ctx, ledger.Transfer{ID: "vch:" + v.ID + ":back", DebitAccountID: platformID(code, ledger.KindLiability),
				CreditAccountID: walletID(v.SenderID, code), Amount: v.Amount.Minor, Asset: code, Code: "voucher_expired"})
		} else {
			_, err = mtx.Submit(ctx, sale("vch:"+v.ID, platformID(code, ledger.KindLiability), v.MerchantID, code, v.Amount.Minor, v.fee, "voucher_expired")...)
		}
		if err != nil {
			return err
		}
		v.Status, v.SettledAt = VoucherExpired, now
		if err := s.settleVoucher(ctx, tx, v.Voucher, st, refunded); err != nil {
			return err
		}
		msg := "your gift voucher for " + v.Title + " expired unused"
		if v.Policy == PolicyRefund {
			msg += "; " + money.Format(v.Amount) + " came back to your wallet"
		}
		return s.notify(ctx, tx, v.SenderID, NotifyRefund, "", "", msg)
	})
	switch {
	case errors.Is(err, errSettled):
		return false, nil
	case err != nil:
		return false, err
	}
	return !res.Replayed, nil
}

// errSettled stops a voucher's expiry that found it settled already.
var errSettled = errors.New("commerce: voucher already settled")
