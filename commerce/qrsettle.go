package commerce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
)

// Settlement: QR payments wait in the business's settlement account until
// they are Config.QRSettleAfter old (a day by default); SettleQR then pays
// each business everything due in one movement — the total less the
// operator's fee to its wallet, the fee to fee revenue — and marks those
// payments settled. From the wallet the business withdraws to its bank as
// any member does, or, when the business chose a bank account
// (SetQRPayout), the settlement goes on to it by itself (qrpayout.go).

// QRSettlement is one payout of a business's counter takings.
type QRSettlement struct {
	ID         string
	MerchantID string
	Payments   int
	Gross      int64 // what payers paid, tips included
	Fee        int64 // the operator's
	Net        int64 // what reached the wallet
	Asset      string
	CreatedAt  time.Time
	// BankAccountID is where the net went on to, "" for the wallet only;
	// Payout is "" then, else "due", "sent" (PayoutID: the withdrawal) or
	// "failed" (PayoutReason: why; the money stayed in the wallet).
	BankAccountID string
	Payout        string
	PayoutID      string
	PayoutReason  string
}

var errNothingDue = errors.New("commerce: nothing due")

// SettleQR settles every business's QR payments that are due and returns
// how many businesses it paid, then sends due settlements on to the banks
// their businesses chose. For the background worker; safe in several
// processes at once: a settlement claims its payments with an UPDATE
// guarded by settlement_id = ” (a payment is settled once), and locks the
// settlement account as payments and refunds do; a payout is one
// withdrawal under the settlement's key, recorded by an UPDATE guarded by
// its status.
func (s *Service) SettleQR(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-s.fees.Load().QRSettleAfter).UnixNano()
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT DISTINCT merchant_id, asset FROM commerce_qr_payments
		WHERE status = 'paid' AND settlement_id = '' AND created_at <= $1 ORDER BY merchant_id, asset LIMIT 100`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("settle qr: %w", err)
	}
	type due struct{ merchant, asset string }
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.merchant, &d.asset); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	n := 0
	for _, d := range list {
		if err := s.ensureAccounts(ctx, d.asset, d.merchant); err != nil {
			return n, err
		}
		sid := nestegg.NewID("qst")
		req := movement.Request{Kind: movement.QRSettlement, ID: sid, Actor: "job", Key: "qr-settle:" + sid, Fingerprint: "settle",
			To: d.merchant, Asset: d.asset,
			Accounts: []string{settlementAccount(d.merchant, d.asset), walletID(d.merchant, d.asset), platformID(d.asset, ledger.KindFeeRevenue)}}
		_, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
			r, err := tx.SQL.ExecContext(ctx, `UPDATE commerce_qr_payments SET settlement_id = $1, updated_at = $5
				WHERE merchant_id = $2 AND asset = $3 AND status = 'paid' AND settlement_id = '' AND created_at <= $4`,
				sid, d.merchant, d.asset, cutoff, tx.Now().UnixNano())
			if err != nil {
				return err
			}
			if n, err := r.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return errNothingDue
			}
			var st QRSettlement
			if err := tx.SQL.QueryRowContext(ctx, "SELECT count(*), SUM(amount + tip), SUM(fee) FROM commerce_qr_payments WHERE settlement_id = $1", sid).
				Scan(&st.Payments, &st.Gross, &st.Fee); err != nil {
				return err
			}
			st.Net = st.Gross - st.Fee
			err = tx.SQL.QueryRowContext(ctx, "SELECT bank_account_id FROM commerce_qr_payout_settings WHERE merchant_id = $1", d.merchant).Scan(&st.BankAccountID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if st.BankAccountID != "" && st.Net > 0 {
				st.Payout = "due"
			} else {
				st.BankAccountID = ""
			}
			if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO commerce_qr_settlements (id, merchant_id, asset, payments, gross, fee, net, created_at, bank_account_id, payout_status)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, sid, d.merchant, d.asset, st.Payments, st.Gross, st.Fee, st.Net, tx.Now().UnixNano(),
				st.BankAccountID, st.Payout); err != nil {
				return err
			}
			var ts []ledger.Transfer
			if st.Net > 0 {
				ts = append(ts, ledger.Transfer{ID: "qst:" + sid, DebitAccountID: settlementAccount(d.merchant, d.asset),
					CreditAccountID: walletID(d.merchant, d.asset), Amount: st.Net, Asset: d.asset, Code: "qr_settlement"})
			}
			if st.Fee > 0 {
				if len(ts) > 0 {
					ts[0].Linked = true
				}
				ts = append(ts, ledger.Transfer{ID: "qsf:" + sid, DebitAccountID: settlementAccount(d.merchant, d.asset),
					CreditAccountID: platformID(d.asset, ledger.KindFeeRevenue), Amount: st.Fee, Asset: d.asset, Code: "qr_fee"})
			}
			if _, err := tx.Submit(ctx, ts...); err != nil {
				return err
			}
			return s.notify(ctx, tx.SQL, d.merchant, NotifyOrder, "", "", fmt.Sprintf("your counter takings were settled: %s from %d payments, less %s fee",
				fmtMoney(d.asset, st.Net), st.Payments, fmtMoney(d.asset, st.Fee)))
		})
		switch {
		case errors.Is(err, errNothingDue):
			continue // settled by another process meanwhile
		case err != nil:
			return n, fmt.Errorf("settle qr %s: %w", d.merchant, err)
		}
		n++
	}
	if _, err := s.payOutQR(ctx); err != nil {
		return n, err
	}
	return n, nil
}

// Takings is a business's counter takings over a UTC day.
type Takings struct {
	Day      time.Time
	Asset    string
	Payments []QRPayment // newest first
	Count    int         // paid, not refunded
	Sales    int64       // amounts of those
	Tips     int64
	Fees     int64
	Refunded int64 // what went back
	Net      int64 // sales + tips - fees
	// Settlements made that day.
	Settlements []QRSettlement
}

// DayTakings returns merchantID's takings on the UTC day of day. Errors:
// Forbidden for anyone but a business.
func (s *Service) DayTakings(ctx context.Context, merchantID string, day time.Time) (Takings, error) {
	if _, err := s.business(ctx, merchantID); err != nil {
		return Takings{}, err
	}
	from := day.UTC().Truncate(24 * time.Hour)
	to := from.Add(24 * time.Hour)
	t := Takings{Day: from, Asset: "USD"}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+qrPaymentCols+` FROM commerce_qr_payments
		WHERE merchant_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY created_at DESC, id DESC LIMIT 500`, merchantID, from.UnixNano(), to.UnixNano())
	if err != nil {
		return Takings{}, fmt.Errorf("takings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := s.scanQRPayment(ctx, rows)
		if err != nil {
			return Takings{}, fmt.Errorf("takings: %w", err)
		}
		t.Payments = append(t.Payments, p)
		t.Asset = p.Amount.Asset.Code
		if p.Status == QRPaymentRefunded {
			t.Refunded += p.Total().Minor
			continue
		}
		t.Count++
		t.Sales += p.Amount.Minor
		t.Tips += p.Tip
		t.Fees += p.Fee
	}
	if err := rows.Err(); err != nil {
		return Takings{}, err
	}
	t.Net = t.Sales + t.Tips - t.Fees
	srows, err := s.db.Reader().QueryContext(ctx, `SELECT id, merchant_id, asset, payments, gross, fee, net, created_at,
		bank_account_id, payout_status, payout_id, payout_reason FROM commerce_qr_settlements
		WHERE merchant_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY created_at DESC`, merchantID, from.UnixNano(), to.UnixNano())
	if err != nil {
		return Takings{}, fmt.Errorf("takings: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var st QRSettlement
		var created int64
		if err := srows.Scan(&st.ID, &st.MerchantID, &st.Asset, &st.Payments, &st.Gross, &st.Fee, &st.Net, &created,
			&st.BankAccountID, &st.Payout, &st.PayoutID, &st.PayoutReason); err != nil {
			return Takings{}, err
		}
		st.CreatedAt = fromNanos(created)
		t.Settlements = append(t.Settlements, st)
	}
	return t, srows.Err()
}
