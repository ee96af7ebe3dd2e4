package movement

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
)

// A statement is an account's ledger history told in movements: every
// transfer touching the account is a line, named by the movement whose id
// it carries as its reference, with the posted balance after it. The
// balances come from the ledger's own, walked back from the present, so a
// statement reconciles to the ledger to the cent by construction.

// LineStatus says how a line counts toward the balance.
type LineStatus string

// The line statuses.
const (
	// LinePosted moved the balance (a plain transfer, or a reservation
	// posted).
	LinePosted LineStatus = "posted"
	// LinePending reserved money (a held payment, a withdrawal on its way):
	// shown, but not in the balance until a later line posts it.
	LinePending LineStatus = "pending"
	// LineVoided released a reservation (cancelled or expired): it moved
	// nothing.
	LineVoided LineStatus = "voided"
)

// Line is one transfer on an account's statement.
type Line struct {
	TransferID string
	// MovementID is the movement the transfer belongs to; "" when its
	// reference names none (transfers made before the kernel).
	MovementID string
	// Reference is the domain's object (pay_…, ord_…, fmv_…): the
	// movement's, else the transfer's own reference.
	Reference string
	// Kind is the movement's kind; without a movement, the transfer's code.
	Kind Kind
	// Label is what the statement calls the line ("Tip", "Fee for tip").
	Label string
	// Direction is In (money reached the account) or Out (it left).
	Direction Direction
	// Counterparty is the other member of the movement; "" for the
	// platform, the outside world (a bank, a card), and fees.
	Counterparty string
	Note         string
	Asset        string
	Amount       int64 // minor units, > 0; Direction says which way
	// Fee: the platform's fee (credited to its fee revenue, or a transfer
	// whose code ends in "_fee"), shown on a line of its own.
	Fee    bool
	Status LineStatus
	// Balance is the account's posted balance after this line.
	Balance int64
	At      time.Time
	Code    string // the transfer's code
}

// Effect is what the line did to the posted balance.
func (l Line) Effect() int64 {
	if l.Status != LinePosted {
		return 0
	}
	if l.Direction == In {
		return l.Amount
	}
	return -l.Amount
}

// StatementPage is one page of a statement, newest first.
type StatementPage struct {
	Lines []Line
	// Next is the cursor of the following (older) page; "" on the last.
	Next string
}

// Statement returns a page of accountID's statement, newest first: every
// ledger transfer touching it, annotated with its movement, and the
// running posted balance after each line. The first page starts from the
// ledger's balance now; the cursor carries the balance where the page
// ended, so later pages continue from it whatever moved since (a cursor
// a caller forges misstates only the balances it shows that caller).
// Callers decide whose account it is (a member reads only their own
// wallet).
//
// Errors: Invalid (Param "limit" or "cursor"); NotFound (Param "id") when
// the account does not exist.
func (k *Kernel) Statement(ctx context.Context, accountID string, page nestegg.Page) (StatementPage, error) {
	c, limit, err := nestegg.ParsePage(page)
	if err != nil {
		return StatementPage{}, err
	}
	from := ""
	if page.Cursor != "" {
		from = ledger.HistoryCursor(c.At, c.ID)
	}
	ts, next, err := k.ledger.History(ctx, accountID, from, limit)
	if err != nil {
		return StatementPage{}, fmt.Errorf("statement: %w", err)
	}
	if len(ts) == 0 {
		return StatementPage{}, nil
	}
	var acct ledger.Account
	balance := c.Extra
	if page.Cursor == "" {
		// The balance after the newest line, read in one statement with the
		// account: a transfer committed since the page was read is taken
		// back out rather than credited to the wrong line.
		acct, balance, err = k.ledger.PostedAfter(ctx, accountID, ts[0].Timestamp, ts[0].ID)
	} else {
		acct, err = k.ledger.Account(ctx, accountID)
	}
	if err != nil {
		return StatementPage{}, fmt.Errorf("statement: %w", err)
	}
	lines, err := k.annotate(ctx, acct, ts)
	if err != nil {
		return StatementPage{}, err
	}
	for i := range lines {
		lines[i].Balance = balance
		balance -= lines[i].Effect()
	}
	out := StatementPage{Lines: lines}
	if next != "" {
		last := ts[len(ts)-1]
		out.Next = nestegg.Cursor{At: last.Timestamp.UnixNano(), ID: last.ID, Extra: balance}.String()
	}
	return out, nil
}

// Monthly is an account's statement for one calendar month.
type Monthly struct {
	AccountID string
	Asset     string
	Year      int
	Month     time.Month
	// Start and End bound the month in the location asked: Start <= At < End.
	Start, End time.Time
	// Opening is the posted balance at Start, Closing at End (for the
	// current month: now). Opening + In - Out = Closing.
	Opening, Closing int64
	// In and Out are the posted money that reached and left the account;
	// Fees is the part of Out that was the platform's fees.
	In, Out, Fees int64
	// Lines are every line of the month, oldest first.
	Lines []Line
}

// MonthlyStatement returns accountID's statement for month of year, as the
// month runs in loc (nil: UTC): the opening balance, every line, the
// closing balance. The closing balance of the current month is the
// ledger's posted balance now, and a month's opening balance is the
// closing balance of the month before, to the cent.
//
// Errors: Invalid (Param "month") for a month outside 1..12 or a year
// outside 1..9999; NotFound (Param "id") when the account does not exist.
func (k *Kernel) MonthlyStatement(ctx context.Context, accountID string, year int, month time.Month, loc *time.Location) (Monthly, error) {
	if month < time.January || month > time.December || year < 1 || year > 9999 {
		return Monthly{}, nestegg.ParamErrorf(nestegg.Invalid, "month", "a month is YYYY-MM, such as 2026-12")
	}
	if loc == nil {
		loc = time.UTC
	}
	start := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	m := Monthly{AccountID: accountID, Year: year, Month: month, Start: start, End: start.AddDate(0, 1, 0)}
	ts, err := k.ledger.Between(ctx, accountID, m.Start, m.End)
	if err != nil {
		return Monthly{}, fmt.Errorf("statement: %w", err)
	}
	// The closing balance is the one after the month's last line (before
	// the month, when it has none): what commits meanwhile is after it and
	// taken back out, so the lines and the balances agree.
	at, id := m.Start, ""
	if len(ts) > 0 {
		at, id = ts[len(ts)-1].Timestamp, ts[len(ts)-1].ID
	}
	acct, closing, err := k.ledger.PostedAfter(ctx, accountID, at, id)
	if err != nil {
		return Monthly{}, fmt.Errorf("statement: %w", err)
	}
	m.Asset = acct.Asset
	if m.Lines, err = k.annotate(ctx, acct, ts); err != nil {
		return Monthly{}, err
	}
	for _, l := range m.Lines {
		switch e := l.Effect(); {
		case e > 0:
			m.In += e
		case e < 0:
			m.Out -= e
			if l.Fee {
				m.Fees -= e
			}
		}
	}
	m.Closing = closing
	m.Opening = closing - m.In + m.Out
	running := m.Opening
	for i := range m.Lines {
		running += m.Lines[i].Effect()
		m.Lines[i].Balance = running
	}
	return m, nil
}

// movementRow is what a line needs of its movement.
type movementRow struct {
	kind, reference, from, to, note string
}

// annotate makes lines of acct's transfers: each named by its movement
// (one query for all of them), its direction, counterparty and status.
// Balances are left to the caller.
func (k *Kernel) annotate(ctx context.Context, acct ledger.Account, ts []ledger.Transfer) ([]Line, error) {
	refs := make([]string, len(ts))
	for i, t := range ts {
		refs[i] = t.Reference
		if t.Reference == "" && t.PendingID != "" {
			// The ledger's expiry of a reservation names no movement; the
			// reservation it resolves does.
			p, err := k.ledger.Transfer(ctx, t.PendingID)
			if err != nil {
				return nil, fmt.Errorf("statement: %w", err)
			}
			refs[i] = p.Reference
		}
	}
	mvs, err := k.movements(ctx, refs)
	if err != nil {
		return nil, err
	}
	lines := make([]Line, len(ts))
	for i, t := range ts {
		l := Line{TransferID: t.ID, Reference: refs[i], Kind: Kind(t.Code), Asset: t.Asset, Amount: t.Amount,
			At: t.Timestamp, Code: t.Code, Direction: Out, Status: LinePosted}
		if t.CreditAccountID == acct.ID {
			l.Direction = In
		}
		switch {
		case t.Pending:
			l.Status = LinePending
		case t.VoidPending:
			l.Status = LineVoided
		}
		l.Fee = t.CreditAccountID == feeAccount(t.Asset) || strings.HasSuffix(t.Code, "_fee")
		m, found := mvs[refs[i]]
		if found {
			l.MovementID, l.Kind, l.Note = refs[i], Kind(m.kind), m.note
			if m.reference != "" {
				l.Reference = m.reference
			}
			if !l.Fee {
				l.Counterparty = m.from
				if l.Direction == Out {
					l.Counterparty = m.to
				}
				if l.Counterparty == acct.Owner {
					l.Counterparty = ""
				}
			}
		}
		l.Label = label(l.Kind, l.Fee, found)
		lines[i] = l
	}
	return lines, nil
}

// movements reads the movements named by ids, by id; ids naming none are
// left out.
func (k *Kernel) movements(ctx context.Context, ids []string) (map[string]movementRow, error) {
	seen := map[string]bool{}
	var uniq []string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	out := make(map[string]movementRow, len(uniq))
	const chunk = 500
	for len(uniq) > 0 {
		part := uniq[:min(chunk, len(uniq))]
		uniq = uniq[len(part):]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := k.db.Reader().QueryContext(ctx, "SELECT id, kind, reference, from_user, to_user, note FROM movements WHERE id IN ("+store.List(1, len(part))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("statement movements: %w", err)
		}
		for rows.Next() {
			var id string
			var m movementRow
			if err := rows.Scan(&id, &m.kind, &m.reference, &m.from, &m.to, &m.note); err != nil {
				rows.Close()
				return nil, fmt.Errorf("statement movements: %w", err)
			}
			out[id] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("statement movements: %w", err)
		}
	}
	return out, nil
}

// label is what a statement calls a line of kind k. A transfer without a
// movement has only its code: a declared kind's label when the code is
// one, else the code in words.
func label(k Kind, fee, named bool) string {
	info, ok := Lookup(k)
	switch {
	case fee && named && ok:
		return "Fee for " + strings.ToLower(info.Label[:1]) + info.Label[1:]
	case fee:
		return "Fee"
	case ok:
		return info.Label
	}
	s := strings.ReplaceAll(string(k), "_", " ")
	if s == "" {
		return "Transfer"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// feeAccount is the platform's fee revenue account in asset: the ledger's
// chart of accounts names it so.
func feeAccount(asset string) string { return ledger.PlatformID(asset, ledger.KindFeeRevenue) }
