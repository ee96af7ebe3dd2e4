package funding

import (
	"context"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/rails"
)

// Mismatch is one disagreement between the ledger, funding's records and
// a rail.
type Mismatch struct {
	// Check names the comparison: "bank_clearing_pending_debits",
	// "entry_status", "entry_amount", "unknown_entry", "charge_amount" …
	Check string `json:"check"`
	// Reference is the movement, trace number or account concerned.
	Reference string `json:"reference"`
	Want      string `json:"expected"`
	Got       string `json:"found"`
}

// Report is a reconciliation: every mismatch found, and what was checked.
type Report struct {
	At           time.Time      `json:"at"`
	Checked      int            `json:"checked"`
	BankClearing ledger.Account `json:"bank_clearing"`
	CardClearing ledger.Account `json:"card_clearing"`
	Mismatches   []Mismatch     `json:"mismatches"`
}

// ChargeLookback is how far back Reconcile reads the card processor's
// charges.
const ChargeLookback = 90 * 24 * time.Hour

// OK reports whether nothing disagrees.
func (r Report) OK() bool { return len(r.Mismatches) == 0 }

// Reconcile compares the ledger's clearing accounts with funding's
// movements, and the movements with the rails' own records (the bank's
// entries, the processor's charges), and lists every mismatch:
//
//   - bank clearing: pending debits = deposits in flight; pending credits
//     = outgoing credits in flight; posted debits − credits = the cash set
//     aside for those credits;
//   - card clearing: pending debits = top-ups awaiting the processor's
//     answer or 3-D Secure; posted debits − credits = succeeded top-ups
//     not yet paid out;
//   - each ACH entry sent: the bank has it, for the same amount and
//     direction, in the same state (settled/returned) as the movement;
//     the bank has no entry Nestegg did not send, and none twice (the
//     same trace number in two entries: trace_seen_twice); no two
//     movements share a trace (trace_reused);
//   - each card charge: the processor has it for the same gross amount,
//     succeeded, when the top-up is credited; and every charge the
//     processor holds (rails.ChargeLister: both processors list theirs)
//     that succeeded is a credited top-up. A succeeded charge whose top-up
//     is failed, declined or still waiting is charge_not_credited — the
//     card paid, the wallet did not get it — and is repaired there and
//     then: the top-up is credited (once, as ConfirmTopUp or Sync would;
//     the mismatch says so). One no top-up names is charge_not_in_books,
//     for a person to look into.
//
// Only operators may call it.
func (s *Service) Reconcile(ctx context.Context) (Report, error) {
	rep := Report{At: s.now(), Mismatches: []Mismatch{}}
	a := s.asset.Code
	var err error
	if rep.BankClearing, err = s.ledger.PlatformAccount(ctx, a, ledger.KindBankClearing); err != nil {
		return rep, err
	}
	if rep.CardClearing, err = s.ledger.PlatformAccount(ctx, a, ledger.KindCardClearing); err != nil {
		return rep, err
	}
	add := func(check, ref string, want, got any) {
		rep.Mismatches = append(rep.Mismatches, Mismatch{Check: check, Reference: ref, Want: fmt.Sprint(want), Got: fmt.Sprint(got)})
	}
	var inDebit, inCredit, topPending, topOwed int64
	type mv struct {
		id, kind, speed, status, trace, ext, code string
		amount, gross, at                         int64
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, kind, speed, status, trace, external_id, return_code, amount, amount + fee, created_at FROM funding_movements")
	if err != nil {
		return rep, err
	}
	var mvs []mv
	for rows.Next() {
		var m mv
		if err := rows.Scan(&m.id, &m.kind, &m.speed, &m.status, &m.trace, &m.ext, &m.code, &m.amount, &m.gross, &m.at); err != nil {
			rows.Close()
			return rep, err
		}
		mvs = append(mvs, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, err
	}
	recs, err := s.bank.Records(ctx)
	if err != nil {
		return rep, fmt.Errorf("reconcile: bank records: %w", err)
	}
	// An entry the bank holds twice (a file sent twice, two files
	// numbered alike) is money moved twice: each trace must be there once.
	byTrace := map[string]rails.Record{}
	files := map[string][]string{}
	for _, r := range recs {
		if _, twice := byTrace[r.Trace]; !twice {
			byTrace[r.Trace] = r
		}
		files[r.Trace] = append(files[r.Trace], r.File)
	}
	for _, r := range recs {
		if fs := files[r.Trace]; len(fs) > 1 && fs[0] == r.File {
			add("trace_seen_twice", r.Trace, "one entry at the bank", fmt.Sprintf("%d entries, in %v", len(fs), fs))
			files[r.Trace] = nil
		}
	}
	// The processor's side, whole when it can list its charges; else
	// each top-up's charge is looked up alone.
	since := rep.At.Add(-ChargeLookback)
	var held map[string]rails.Charge
	var heldOrder []string
	if cl, ok := s.cards.(rails.ChargeLister); ok {
		chs, err := cl.Charges(ctx, since)
		if err != nil {
			return rep, fmt.Errorf("reconcile: processor charges: %w", err)
		}
		held = make(map[string]rails.Charge, len(chs))
		for _, c := range chs {
			if _, dup := held[c.ID]; !dup {
				heldOrder = append(heldOrder, c.ID)
			}
			held[c.ID] = c
		}
	}
	lookup := func(ext string) (rails.Charge, error) {
		if c, ok := held[ext]; ok {
			return c, nil
		}
		return s.cards.Lookup(ctx, ext)
	}
	// notCredited reports a charge the card paid for a top-up the wallet
	// did not get, and credits it.
	notCredited := func(id, status string, ch rails.Charge) {
		got := fmt.Sprintf("charge %s %s at the processor, top-up %s", ch.ID, ch.Status, status)
		if err := s.applyCharge(ctx, id, ch); err != nil {
			got += "; not repaired: " + nestegg.ErrorMessage(err)
		} else {
			got += "; credited now"
		}
		add("charge_not_credited", id, "credited to the wallet", got)
	}
	topUps := map[string]mv{}    // top-up id → movement
	charged := map[string]bool{} // charge ids the books know
	seen := map[string]bool{}
	for _, m := range mvs {
		rep.Checked++
		inFlight := m.status == string(StatusPending) || m.status == string(StatusSubmitted)
		switch Kind(m.kind) {
		case KindDeposit:
			if inFlight {
				inDebit += m.amount
			}
		case KindWithdrawal, KindMicroDeposit:
			if inFlight {
				inCredit += m.amount
			}
		case KindTopUp:
			switch Status(m.status) {
			case StatusPending, StatusRequiresAction:
				topPending += m.gross
			case StatusSucceeded:
				topOwed += m.gross
			}
			topUps[m.id] = m
			if m.ext == "" {
				continue // the processor never answered; its list may say (below)
			}
			charged[m.ext] = true
			if m.status == string(StatusSucceeded) || m.status == string(StatusSettled) {
				ch, err := lookup(m.ext)
				switch {
				case err != nil:
					add("charge_missing", m.id, m.ext, "the processor does not know it")
				case ch.Amount != m.gross:
					add("charge_amount", m.id, m.gross, ch.Amount)
				case ch.Status != rails.ChargeSucceeded:
					add("charge_status", m.id, rails.ChargeSucceeded, ch.Status)
				}
				continue
			}
			// Not credited: the processor must not hold its money. Without
			// the processor's list, only recent top-ups are asked.
			if _, listed := held[m.ext]; !listed && (held != nil || m.at < since.UnixNano()) {
				continue
			}
			if ch, err := lookup(m.ext); err == nil && ch.Status == rails.ChargeSucceeded {
				notCredited(m.id, m.status, ch)
			}
			continue
		}
		trace := m.trace
		if m.speed == string(Instant) && trace == "" && m.status != string(StatusFailed) {
			trace = "rtp_" + m.id
		}
		if trace == "" {
			continue // not sent yet, or refused before it was
		}
		if seen[trace] {
			add("trace_reused", m.id, "a trace of its own", trace)
		}
		seen[trace] = true
		r, ok := byTrace[trace]
		if !ok {
			if m.status != string(StatusPending) {
				add("entry_missing_at_bank", m.id, trace, "no such entry at the bank")
			}
			continue
		}
		if r.Amount != m.amount || r.Debit != (m.kind == string(KindDeposit)) {
			add("entry_amount", m.id, fmt.Sprintf("%d debit=%v", m.amount, m.kind == string(KindDeposit)), fmt.Sprintf("%d debit=%v", r.Amount, r.Debit))
		}
		want := map[string]rails.RecordStatus{string(StatusSubmitted): rails.RecordPending, string(StatusSettled): rails.RecordSettled,
			string(StatusReturned): rails.RecordReturned, string(StatusFailed): rails.RecordReturned}[m.status]
		if want != "" && want != r.Status {
			add("entry_status", m.id, fmt.Sprintf("%s (%s)", want, m.status), r.Status)
		}
	}
	// Charges of the processor's that no top-up names by its charge id:
	// one for a top-up that never learnt it (the processor's answer was
	// lost) is that top-up's; any other is money the books lack.
	for _, id := range heldOrder {
		ch := held[id]
		if charged[ch.ID] || ch.Status != rails.ChargeSucceeded {
			continue
		}
		m, ok := topUps[ch.Reference]
		switch {
		case ok && m.ext == "" && m.status != string(StatusSucceeded) && m.status != string(StatusSettled):
			notCredited(m.id, m.status, ch)
		default:
			add("charge_not_in_books", ch.ID, "a top-up charged by it", fmt.Sprintf("%d %s %s, reference %q", ch.Amount, ch.Currency, ch.Status, ch.Reference))
		}
	}
	for _, r := range recs {
		if !seen[r.Trace] {
			add("unknown_entry_at_bank", r.Trace, "no movement", fmt.Sprintf("%d debit=%v %s", r.Amount, r.Debit, r.Status))
		}
	}
	bc, cc := rep.BankClearing, rep.CardClearing
	if bc.DebitsPending != inDebit {
		add("bank_clearing_pending_debits", bc.ID, inDebit, bc.DebitsPending)
	}
	if bc.CreditsPending != inCredit {
		add("bank_clearing_pending_credits", bc.ID, inCredit, bc.CreditsPending)
	}
	if got := bc.DebitsPosted - bc.CreditsPosted; got != inCredit {
		add("bank_clearing_posted_balance", bc.ID, inCredit, got)
	}
	if cc.DebitsPending != topPending {
		add("card_clearing_pending_debits", cc.ID, topPending, cc.DebitsPending)
	}
	if got := cc.DebitsPosted - cc.CreditsPosted; got != topOwed {
		add("card_clearing_posted_balance", cc.ID, topOwed, got)
	}
	return rep, nil
}
