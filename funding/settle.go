package funding

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
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

// lockMovement reads a movement inside a movement's transaction and locks
// it (PostgreSQL): what an answer does depends on its status, which no
// other process may change until this one commits.
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
// nothing new changes nothing, so Sync and ImportReturns may repeat, in
// several processes at once: each answer is a movement (Actor job) keyed
// by the funding movement, "settle:<id>" or "return:<id>".
func (s *Service) finish(ctx context.Context, id string, rec rails.Record, reason string) error {
	var m movementRow
	var kind, st, speed, trace string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT id, user_id, kind, status, amount, fee, speed, trace FROM funding_movements WHERE id = $1", id).
		Scan(&m.id, &m.userID, &kind, &st, &m.amount, &m.fee, &speed, &trace)
	if err != nil {
		return fmt.Errorf("movement %s: %w", id, err)
	}
	m.kind, m.status, m.speed = Kind(kind), Status(st), Speed(speed)
	var mk movement.Kind
	var from, to string
	switch {
	case rec.Status == rails.RecordSettled && m.open():
		mk = map[Kind]movement.Kind{KindDeposit: movement.DepositSettle, KindWithdrawal: movement.WithdrawalSettle, KindMicroDeposit: movement.MicroDeposit}[m.kind]
		if m.kind == KindDeposit {
			to = m.userID
		} else if m.kind == KindWithdrawal {
			from = m.userID
		}
	case rec.Status == rails.RecordReturned && (m.open() || m.status == StatusSettled):
		mk = map[Kind]movement.Kind{KindDeposit: movement.DepositReturn, KindWithdrawal: movement.WithdrawalReturn, KindMicroDeposit: movement.MicroDeposit}[m.kind]
		if m.kind == KindDeposit {
			from = m.userID
		} else if m.kind == KindWithdrawal {
			to = m.userID
		}
	}
	if mk == "" {
		// Nothing new; an instant payout may still learn its reference.
		if rec.Trace == "" || trace != "" {
			return nil
		}
		return s.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE funding_movements SET trace = $1 WHERE id = $2 AND trace = ''", rec.Trace, id)
			return err
		})
	}
	key := "settle:" + id
	if rec.Status == rails.RecordReturned {
		key = "return:" + id
	}
	return s.answer(ctx, mk, key, id, from, to, m.amount, m.fee, func(ctx context.Context, tx *movement.Tx) error {
		m, err := s.lockMovement(ctx, tx.SQL, id)
		if err != nil {
			return err
		}
		if rec.Trace != "" {
			// Instant payouts learn their reference from the rail's answer.
			if _, err := tx.SQL.ExecContext(ctx, "UPDATE funding_movements SET trace = $1 WHERE id = $2 AND trace = ''", rec.Trace, id); err != nil {
				return err
			}
		}
		switch {
		case rec.Status == rails.RecordSettled && m.open():
			return s.settle(ctx, tx, m)
		case rec.Status == rails.RecordReturned && m.open():
			return s.release(ctx, tx, m, rec.ReturnCode, reason)
		case rec.Status == rails.RecordReturned && m.status == StatusSettled:
			return s.reverse(ctx, tx, m, rec.ReturnCode)
		}
		return errUnchanged
	})
}

// open reports whether the rail has yet to answer for the movement.
func (m movementRow) open() bool { return m.status == StatusPending || m.status == StatusSubmitted }

// settle posts a movement's pending transfers: the bank has moved the
// money.
func (s *Service) settle(ctx context.Context, tx *movement.Tx, m movementRow) error {
	a := s.asset.Code
	ts := []ledger.Transfer{{ID: m.id + ":post", PendingID: m.id + ":hold", PostPending: true, Asset: a, Code: string(m.kind)}}
	if m.kind == KindDeposit {
		// The money has reached the platform's bank account.
		ts[0].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":cash", DebitAccountID: platformID(a, ledger.KindCash), CreditAccountID: platformID(a, ledger.KindBankClearing), Amount: m.amount, Asset: a, Code: "deposit"})
	}
	if m.fee > 0 && m.kind == KindWithdrawal {
		ts[0].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":feepost", PendingID: m.id + ":fee", PostPending: true, Asset: a, Code: "instant_fee"})
	}
	if _, err := tx.Submit(ctx, ts...); err != nil {
		return err
	}
	if err := setStatus(ctx, tx.SQL, m.id, m.status, StatusSettled, "", "", tx.Now()); err != nil {
		return err
	}
	if m.kind == KindDeposit {
		return s.collect(ctx, tx, m)
	}
	return nil
}

// collect takes what the member owes (a receivable from an earlier
// returned deposit) out of a deposit that just settled, as far as it goes.
// The receivable is read locked (PostgreSQL), so two deposits settling at
// once in two processes collect one debt once.
func (s *Service) collect(ctx context.Context, tx *movement.Tx, m movementRow) error {
	rcv, err := tx.Account(ctx, receivableID(m.userID, s.asset.Code))
	if nestegg.Is(err, nestegg.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	owed := rcv.DebitsPosted - rcv.CreditsPosted
	if owed <= 0 {
		return nil
	}
	take := min(owed, m.amount)
	_, err = tx.Submit(ctx, ledger.Transfer{ID: m.id + ":collect", DebitAccountID: walletID(m.userID, s.asset.Code),
		CreditAccountID: receivableID(m.userID, s.asset.Code), Amount: take, Asset: s.asset.Code, Code: "receivable_collected"})
	return err
}

// release undoes a movement the bank refused before it settled: nothing
// reached the member or left the platform.
func (s *Service) release(ctx context.Context, tx *movement.Tx, m movementRow, code, reason string) error {
	a := s.asset.Code
	ts := []ledger.Transfer{{ID: m.id + ":void", PendingID: m.id + ":hold", VoidPending: true, Asset: a, Code: string(m.kind)}}
	if m.kind == KindWithdrawal || m.kind == KindMicroDeposit {
		// The cash set aside for the outgoing entry goes back.
		ts[0].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":unmark", DebitAccountID: platformID(a, ledger.KindCash), CreditAccountID: platformID(a, ledger.KindBankClearing), Amount: m.amount, Asset: a, Code: string(m.kind)})
	}
	if m.kind == KindMicroDeposit {
		ts[1].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":unfund", DebitAccountID: platformID(a, ledger.KindEquity), CreditAccountID: platformID(a, ledger.KindCash), Amount: m.amount, Asset: a, Code: "micro_deposit"})
	}
	if m.fee > 0 && m.kind == KindWithdrawal {
		ts[len(ts)-1].Linked = true
		ts = append(ts, ledger.Transfer{ID: m.id + ":feevoid", PendingID: m.id + ":fee", VoidPending: true, Asset: a, Code: "instant_fee"})
	}
	if _, err := tx.Submit(ctx, ts...); err != nil {
		return err
	}
	st := StatusReturned
	if code == "" {
		st = StatusFailed
	}
	if reason == "" {
		reason = rails.ReturnReason(code)
	}
	if err := setStatus(ctx, tx.SQL, m.id, m.status, st, code, reason, tx.Now()); err != nil {
		return err
	}
	return s.failBankOnMicroReturn(ctx, tx.SQL, m, tx.Now())
}

// reverse handles a return that arrives after the entry settled (the
// usual case: returns come a day or two after settlement).
//
// A returned deposit takes its amount back out of the wallet. If the
// member has already spent some of it, the wallet gives what it has and
// the rest becomes a receivable the member owes the platform: it is shown
// to them, blocks withdrawals, and is collected first from their next
// settled deposit. The platform's cash pays the bank back in full either
// way. The wallet is read locked (PostgreSQL) until the movement commits.
//
// A returned credit (a withdrawal or micro-deposit) brings the money back:
// to the wallet, or to the expense it came from.
func (s *Service) reverse(ctx context.Context, tx *movement.Tx, m movementRow, code string) error {
	a := s.asset.Code
	var ts []ledger.Transfer
	short := int64(0)
	switch m.kind {
	case KindDeposit:
		w, err := tx.Account(ctx, walletID(m.userID, a))
		if err != nil {
			return err
		}
		take := max(0, min(w.CreditsPosted-w.DebitsPosted-w.DebitsPending, m.amount))
		short = m.amount - take
		if take > 0 {
			ts = append(ts, ledger.Transfer{ID: m.id + ":reverse", DebitAccountID: walletID(m.userID, a), CreditAccountID: platformID(a, ledger.KindCash), Amount: take, Asset: a, Code: "deposit_returned"})
		}
		if short > 0 {
			if len(ts) > 0 {
				ts[0].Linked = true
			}
			ts = append(ts, ledger.Transfer{ID: m.id + ":receivable", DebitAccountID: receivableID(m.userID, a), CreditAccountID: platformID(a, ledger.KindCash), Amount: short, Asset: a, Code: "deposit_returned"})
		}
	case KindWithdrawal:
		ts = append(ts, ledger.Transfer{ID: m.id + ":back", DebitAccountID: platformID(a, ledger.KindCash), CreditAccountID: walletID(m.userID, a), Amount: m.amount, Asset: a, Code: "withdrawal_returned"})
	case KindMicroDeposit:
		ts = append(ts, ledger.Transfer{ID: m.id + ":back", DebitAccountID: platformID(a, ledger.KindCash), CreditAccountID: platformID(a, ledger.KindExpense), Amount: m.amount, Asset: a, Code: "micro_deposit_returned"})
	default:
		return errUnchanged
	}
	if _, err := tx.Submit(ctx, ts...); err != nil {
		return err
	}
	r, err := tx.SQL.ExecContext(ctx, "UPDATE funding_movements SET status = $1, return_code = $2, reason = $3, shortfall = $4, updated_at = $5 WHERE id = $6 AND status = $7",
		StatusReturned, code, s.returnReason(code, short), short, tx.Now().UnixNano(), m.id, StatusSettled)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return errUnchanged
	}
	return s.failBankOnMicroReturn(ctx, tx.SQL, m, tx.Now())
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
