package funding

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/rails"
)

// movementRow is a movement with what settling it needs.
type movementRow struct {
	id, userID string
	kind       Kind
	status     Status
	amount     int64
	fee        int64
	speed      Speed
}

func (s *Service) lockMovement(ctx context.Context, tx *sql.Tx, id string) (movementRow, error) {
	var r movementRow
	var kind, st, speed string
	err := tx.QueryRowContext(ctx, "SELECT id, user_id, kind, status, amount, fee, speed FROM funding_movements WHERE id = $1"+s.db.Dialect.ForUpdate(), id).
		Scan(&r.id, &r.userID, &kind, &st, &r.amount, &r.fee, &speed)
	if err == sql.ErrNoRows {
		return r, nestegg.ParamErrorf(nestegg.NotFound, "id", "no movement %q", id)
	}
	r.kind, r.status, r.speed = Kind(kind), Status(st), Speed(speed)
	return r, err
}

// finish applies what the bank says became of an ACH entry or instant
// payout to its movement, once: settled entries post their pending
// transfers, returned ones release or reverse them. A record that says
// nothing new changes nothing, so Sync and ImportReturns may repeat.
func (s *Service) finish(ctx context.Context, id string, rec rails.Record, reason string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		m, err := s.lockMovement(ctx, tx, id)
		if err != nil {
			return err
		}
		open := m.status == StatusPending || m.status == StatusSubmitted
		now := s.now()
		if rec.Trace != "" {
			// Instant payouts learn their reference from the rail's answer.
			if _, err := tx.ExecContext(ctx, "UPDATE funding_movements SET trace = $1 WHERE id = $2 AND trace = ''", rec.Trace, id); err != nil {
				return err
			}
		}
		switch {
		case rec.Status == rails.RecordSettled && open:
			return s.settle(ctx, tx, m, now)
		case rec.Status == rails.RecordReturned && open:
			return s.release(ctx, tx, m, rec.ReturnCode, reason, now)
		case rec.Status == rails.RecordReturned && m.status == StatusSettled:
			return s.reverse(ctx, tx, m, rec.ReturnCode, now)
		}
		return nil
	})
}

// settle posts a movement's pending transfers: the bank has moved the
// money.
func (s *Service) settle(ctx context.Context, tx *sql.Tx, m movementRow, now time.Time) error {
	a := s.asset.Code
	ts := []ledger.Transfer{{ID: m.id + ":post", PendingID: m.id + ":hold", PostPending: true, Code: string(m.kind), Reference: m.id}}
	if m.kind == KindDeposit {
		// The money has reached the platform's bank account.
		ts[0].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":cash", DebitAccountID: platformID(a, ledger.KindCash), CreditAccountID: platformID(a, ledger.KindBankClearing), Amount: m.amount, Code: "deposit", Reference: m.id})
	}
	if m.fee > 0 && m.kind == KindWithdrawal {
		ts[0].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":feepost", PendingID: m.id + ":fee", PostPending: true, Code: "instant_fee", Reference: m.id})
	}
	if err := s.submit(ctx, tx, ts); err != nil {
		return err
	}
	if err := setStatus(ctx, tx, m.id, StatusSettled, "", "", now); err != nil {
		return err
	}
	if m.kind == KindDeposit {
		return s.collect(ctx, tx, m, now)
	}
	return nil
}

// collect takes what the member owes (a receivable from an earlier
// returned deposit) out of a deposit that just settled, as far as it goes.
func (s *Service) collect(ctx context.Context, tx *sql.Tx, m movementRow, now time.Time) error {
	var owed int64
	err := tx.QueryRowContext(ctx, "SELECT debits_posted - credits_posted FROM ledger_accounts WHERE id = $1", receivableID(m.userID, s.asset.Code)).Scan(&owed)
	if err == sql.ErrNoRows || owed <= 0 {
		return nil
	}
	if err != nil {
		return err
	}
	take := min(owed, m.amount)
	return s.submit(ctx, tx, []ledger.Transfer{{ID: m.id + ":collect", DebitAccountID: walletID(m.userID, s.asset.Code),
		CreditAccountID: receivableID(m.userID, s.asset.Code), Amount: take, Code: "receivable_collected", Reference: m.id}})
}

// release undoes a movement the bank refused before it settled: nothing
// reached the member or left the platform.
func (s *Service) release(ctx context.Context, tx *sql.Tx, m movementRow, code, reason string, now time.Time) error {
	a := s.asset.Code
	ts := []ledger.Transfer{{ID: m.id + ":void", PendingID: m.id + ":hold", VoidPending: true, Code: string(m.kind), Reference: m.id}}
	if m.kind == KindWithdrawal || m.kind == KindMicroDeposit {
		// The cash set aside for the outgoing entry goes back.
		ts[0].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":unmark", DebitAccountID: platformID(a, ledger.KindCash), CreditAccountID: platformID(a, ledger.KindBankClearing), Amount: m.amount, Code: string(m.kind), Reference: m.id})
	}
	if m.kind == KindMicroDeposit {
		ts[1].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":unfund", DebitAccountID: platformID(a, ledger.KindEquity), CreditAccountID: platformID(a, ledger.KindCash), Amount: m.amount, Code: "micro_deposit", Reference: m.id})
	}
	if m.fee > 0 && m.kind == KindWithdrawal {
		ts[len(ts)-1].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":feevoid", PendingID: m.id + ":fee", VoidPending: true, Code: "instant_fee", Reference: m.id})
	}
	if err := s.submit(ctx, tx, ts); err != nil {
		return err
	}
	st := StatusReturned
	if code == "" {
		st = StatusFailed
	}
	if reason == "" {
		reason = rails.ReturnReason(code)
	}
	if err := setStatus(ctx, tx, m.id, st, code, reason, now); err != nil {
		return err
	}
	return s.failBankOnMicroReturn(ctx, tx, m, now)
}

// reverse handles a return that arrives after the entry settled (the
// usual case: returns come a day or two after settlement).
//
// A returned deposit takes its amount back out of the wallet. If the
// member has already spent some of it, the wallet gives what it has and
// the rest becomes a receivable the member owes the platform: it is shown
// to them, blocks withdrawals, and is collected first from their next
// settled deposit. The platform's cash pays the bank back in full either
// way.
//
// A returned credit (a withdrawal or micro-deposit) brings the money back:
// to the wallet, or to the expense it came from.
func (s *Service) reverse(ctx context.Context, tx *sql.Tx, m movementRow, code string, now time.Time) error {
	a := s.asset.Code
	var ts []ledger.Transfer
	short := int64(0)
	switch m.kind {
	case KindDeposit:
		var avail int64
		if err := tx.QueryRowContext(ctx, "SELECT credits_posted - debits_posted - debits_pending FROM ledger_accounts WHERE id = $1",
			walletID(m.userID, a)).Scan(&avail); err != nil {
			return err
		}
		take := max(0, min(avail, m.amount))
		short = m.amount - take
		if take > 0 {
			ts = append(ts, ledger.Transfer{ID: m.id + ":reverse", DebitAccountID: walletID(m.userID, a), CreditAccountID: platformID(a, ledger.KindCash), Amount: take, Code: "deposit_returned", Reference: m.id})
		}
		if short > 0 {
			if len(ts) > 0 {
				ts[0].Linked = true
			}
			ts = append(ts, ledger.Transfer{ID: m.id + ":receivable", DebitAccountID: receivableID(m.userID, a), CreditAccountID: platformID(a, ledger.KindCash), Amount: short, Code: "deposit_returned", Reference: m.id})
		}
	case KindWithdrawal:
		ts = append(ts, ledger.Transfer{ID: m.id + ":back", DebitAccountID: platformID(a, ledger.KindCash), CreditAccountID: walletID(m.userID, a), Amount: m.amount, Code: "withdrawal_returned", Reference: m.id})
	case KindMicroDeposit:
		ts = append(ts, ledger.Transfer{ID: m.id + ":back", DebitAccountID: platformID(a, ledger.KindCash), CreditAccountID: platformID(a, ledger.KindExpense), Amount: m.amount, Code: "micro_deposit_returned", Reference: m.id})
	default:
		return nil
	}
	if err := s.submit(ctx, tx, ts); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE funding_movements SET status = $1, return_code = $2, reason = $3, shortfall = $4, updated_at = $5 WHERE id = $6",
		StatusReturned, code, s.returnReason(code, short), short, now.UnixNano(), m.id); err != nil {
		return err
	}
	return s.failBankOnMicroReturn(ctx, tx, m, now)
}

func (s *Service) returnReason(code string, short int64) string {
	r := rails.ReturnReason(code)
	if short > 0 {
		r += fmt.Sprintf("; %s had already been spent and is now owed", money.Format(s.Money(short)))
	}
	return r
}

// failBankOnMicroReturn marks a bank account failed when its
// micro-deposit came back: the account cannot receive money.
func (s *Service) failBankOnMicroReturn(ctx context.Context, tx *sql.Tx, m movementRow, now time.Time) error {
	if m.kind != KindMicroDeposit {
		return nil
	}
	_, err := tx.ExecContext(ctx, "UPDATE funding_banks SET status = $1, updated_at = $2 WHERE id = (SELECT method_id FROM funding_movements WHERE id = $3) AND status = $4",
		BankFailed, now.UnixNano(), m.id, BankPending)
	return err
}
