package ledger_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// model is the simple in-memory ledger the real one is checked against.
type model struct {
	accts    map[string]*ledger.Account
	xfers    map[string]ledger.Transfer
	pendings map[string]*modelPending
	now      time.Time
}

type modelPending struct {
	t       ledger.Transfer
	state   string
	expires time.Time // zero: never
}

func (m *model) clone() *model {
	c := &model{accts: map[string]*ledger.Account{}, xfers: map[string]ledger.Transfer{}, pendings: map[string]*modelPending{}, now: m.now}
	for k, v := range m.accts {
		a := *v
		c.accts[k] = &a
	}
	for k, v := range m.xfers {
		c.xfers[k] = v
	}
	for k, v := range m.pendings {
		p := *v
		c.pendings[k] = &p
	}
	return c
}

// apply is the specification of one transfer, written as plainly as possible.
func (m *model) apply(t ledger.Transfer) ledger.Status {
	if old, ok := m.xfers[t.ID]; ok {
		amt := t.Amount == old.Amount || ((t.PostPending || t.VoidPending) && t.Amount == 0)
		accts := (t.DebitAccountID == old.DebitAccountID || (t.PendingID != "" && t.DebitAccountID == "")) &&
			(t.CreditAccountID == old.CreditAccountID || (t.PendingID != "" && t.CreditAccountID == ""))
		asset := t.Asset == old.Asset || (t.PendingID != "" && t.Asset == "")
		if amt && accts && asset && t.Code == old.Code && t.Pending == old.Pending && t.PostPending == old.PostPending &&
			t.VoidPending == old.VoidPending && t.PendingID == old.PendingID && t.TimeoutSeconds == old.TimeoutSeconds && t.Linked == old.Linked {
			return ledger.StatusExists
		}
		return ledger.StatusExistsWithDifferentFields
	}
	if t.PostPending || t.VoidPending {
		p := m.pendings[t.PendingID]
		if p == nil {
			return ledger.StatusPendingTransferNotFound
		}
		switch p.state {
		case "posted":
			return ledger.StatusPendingTransferAlreadyPosted
		case "voided":
			return ledger.StatusPendingTransferAlreadyVoided
		case "expired":
			return ledger.StatusPendingTransferExpired
		}
		if !p.expires.IsZero() && !m.now.Before(p.expires) {
			return ledger.StatusPendingTransferExpired
		}
		amt := t.Amount
		if amt == 0 {
			amt = p.t.Amount
		}
		if amt > p.t.Amount || (t.VoidPending && amt != p.t.Amount) {
			return ledger.StatusExceedsPendingAmount
		}
		dr, cr := m.accts[p.t.DebitAccountID], m.accts[p.t.CreditAccountID]
		dr.DebitsPending -= p.t.Amount
		cr.CreditsPending -= p.t.Amount
		if t.PostPending {
			dr.DebitsPosted += amt
			cr.CreditsPosted += amt
			p.state = "posted"
		} else {
			p.state = "voided"
		}
		t.Amount, t.DebitAccountID, t.CreditAccountID, t.Asset = amt, p.t.DebitAccountID, p.t.CreditAccountID, p.t.Asset
		m.xfers[t.ID] = t
		return ledger.StatusOK
	}
	if t.Amount <= 0 {
		return ledger.StatusAmountMustBePositive
	}
	if t.DebitAccountID == t.CreditAccountID {
		return ledger.StatusAccountsMustBeDifferent
	}
	dr, cr := m.accts[t.DebitAccountID], m.accts[t.CreditAccountID]
	if dr == nil {
		return ledger.StatusDebitAccountNotFound
	}
	if cr == nil {
		return ledger.StatusCreditAccountNotFound
	}
	if dr.DebitsMustNotExceedCredits && dr.DebitsPosted+dr.DebitsPending+t.Amount > dr.CreditsPosted {
		return ledger.StatusExceedsCredits
	}
	if cr.CreditsMustNotExceedDebits && cr.CreditsPosted+cr.CreditsPending+t.Amount > cr.DebitsPosted {
		return ledger.StatusExceedsDebits
	}
	if t.Pending {
		dr.DebitsPending += t.Amount
		cr.CreditsPending += t.Amount
		p := &modelPending{t: t, state: "pending"}
		if t.TimeoutSeconds > 0 {
			p.expires = m.now.Add(time.Duration(t.TimeoutSeconds) * time.Second)
		}
		m.pendings[t.ID] = p
	} else {
		dr.DebitsPosted += t.Amount
		cr.CreditsPosted += t.Amount
	}
	m.xfers[t.ID] = t
	return ledger.StatusOK
}

// run applies one request with linked-chain semantics.
func (m *model) run(ts []ledger.Transfer) (*model, []ledger.Status) {
	out := make([]ledger.Status, len(ts))
	cur := m
	for i := 0; i < len(ts); {
		j := i
		for j < len(ts) && ts[j].Linked {
			j++
		}
		if j == len(ts) {
			for k := i; k < len(ts); k++ {
				out[k] = ledger.StatusLinkedEventChainOpen
			}
			break
		}
		next := cur.clone()
		failed := -1
		for k := i; k <= j; k++ {
			out[k] = next.apply(ts[k])
			if out[k] != ledger.StatusOK && out[k] != ledger.StatusExists {
				failed = k
				break
			}
		}
		if failed >= 0 && j > i {
			for k := i; k <= j; k++ {
				if k != failed {
					out[k] = ledger.StatusLinkedEventFailed
				}
			}
		} else if failed < 0 {
			cur = next
		}
		i = j + 1
	}
	return cur, out
}

func TestLedgerMatchesModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		l := newLedger(t, db, clock.Now)
		check := 0
		rapid.Check(t, func(rt *rapid.T) {
			check++
			ns := fmt.Sprintf("c%d_", check)
			m := &model{accts: map[string]*ledger.Account{}, xfers: map[string]ledger.Transfer{}, pendings: map[string]*modelPending{}, now: clock.t}
			// Accounts: a funding source without constraints, wallets that may
			// not go negative, and one account constrained the other way.
			specs := []ledger.Account{
				{ID: ns + "src", Kind: "equity"},
				{ID: ns + "w1", Kind: "wallet", DebitsMustNotExceedCredits: true},
				{ID: ns + "w2", Kind: "wallet", DebitsMustNotExceedCredits: true},
				{ID: ns + "w3", Kind: "wallet", DebitsMustNotExceedCredits: true},
				{ID: ns + "cash", Kind: "cash", CreditsMustNotExceedDebits: true},
			}
			var ids []string
			for _, s := range specs {
				s.Asset, s.Owner = "USD", "test"
				a, err := l.CreateAccount(ctx, s)
				if err != nil {
					rt.Fatalf("CreateAccount: %v", err)
				}
				m.accts[a.ID] = &a
				ids = append(ids, a.ID)
			}
			ids = append(ids, ns+"missing")
			seq := 0
			var sent []ledger.Transfer
			genTransfer := func(rt *rapid.T) ledger.Transfer {
				seq++
				t := ledger.Transfer{ID: fmt.Sprintf("%st%d", ns, seq), Asset: "USD", Code: "prop"}
				switch rapid.IntRange(0, 9).Draw(rt, "kind") {
				case 0, 1: // replay an earlier one, exactly or altered
					if len(sent) > 0 {
						t = sent[rapid.IntRange(0, len(sent)-1).Draw(rt, "replay")]
						t.Linked = false
						if rapid.Bool().Draw(rt, "alter") {
							t.Amount++
						}
						return t
					}
				case 2, 3: // resolve a pending (or a transfer that is not one)
					if len(sent) > 0 {
						p := sent[rapid.IntRange(0, len(sent)-1).Draw(rt, "pending")]
						t.PendingID = p.ID
						if rapid.Bool().Draw(rt, "post") {
							t.PostPending = true
							t.Amount = rapid.Int64Range(0, 400).Draw(rt, "postAmount")
						} else {
							t.VoidPending = true
						}
						return t
					}
				}
				t.DebitAccountID = ids[rapid.IntRange(0, len(ids)-1).Draw(rt, "dr")]
				t.CreditAccountID = ids[rapid.IntRange(0, len(ids)-1).Draw(rt, "cr")]
				t.Amount = rapid.Int64Range(-1, 500).Draw(rt, "amount")
				if rapid.IntRange(0, 3).Draw(rt, "pendingFlag") == 0 {
					t.Pending = true
					t.TimeoutSeconds = rapid.SampledFrom([]int64{0, 5, 30}).Draw(rt, "timeout")
				}
				return t
			}
			steps := rapid.IntRange(10, 40).Draw(rt, "steps")
			for s := 0; s < steps; s++ {
				switch rapid.IntRange(0, 5).Draw(rt, "op") {
				case 0: // time passes and the expiry job runs
					clock.t = clock.t.Add(time.Duration(rapid.IntRange(1, 20).Draw(rt, "seconds")) * time.Second)
					m.now = clock.t
					if _, err := l.ExpirePending(ctx); err != nil {
						rt.Fatalf("ExpirePending: %v", err)
					}
					for id, p := range m.pendings {
						if p.state == "pending" && !p.expires.IsZero() && !m.now.Before(p.expires) {
							m.accts[p.t.DebitAccountID].DebitsPending -= p.t.Amount
							m.accts[p.t.CreditAccountID].CreditsPending -= p.t.Amount
							p.state = "expired"
							m.xfers["exp:"+id] = ledger.Transfer{}
						}
					}
				default: // a request of 1..4 transfers, some linked
					n := rapid.IntRange(1, 4).Draw(rt, "n")
					req := make([]ledger.Transfer, n)
					for i := range req {
						req[i] = genTransfer(rt)
						req[i].Linked = i < n-1 && rapid.Bool().Draw(rt, "linked")
					}
					if rapid.IntRange(0, 9).Draw(rt, "openChain") == 0 {
						req[n-1].Linked = true
					}
					var want []ledger.Status
					m, want = m.run(req)
					got, err := l.Submit(ctx, req)
					if err != nil {
						rt.Fatalf("Submit: %v", err)
					}
					for i, r := range got {
						if r.Status != want[i] {
							rt.Fatalf("Submit(%+v)[%d] = %s, want %s", req, i, r.Status, want[i])
						}
						if r.Status == ledger.StatusOK {
							sent = append(sent, req[i])
							// A timeout runs from the timestamp the ledger assigned,
							// which may be a few ns after the clock's reading.
							if p := m.pendings[r.ID]; p != nil && req[i].TimeoutSeconds > 0 {
								p.expires = r.Transfer.Timestamp.Add(time.Duration(req[i].TimeoutSeconds) * time.Second)
							}
						}
					}
				}
				for id, want := range m.accts {
					got, err := l.Account(ctx, id)
					if err != nil {
						rt.Fatalf("Account(%s): %v", id, err)
					}
					if got.DebitsPending != want.DebitsPending || got.DebitsPosted != want.DebitsPosted ||
						got.CreditsPending != want.CreditsPending || got.CreditsPosted != want.CreditsPosted {
						rt.Fatalf("Account(%s) = %+v, want %+v", id, got, *want)
					}
				}
				checkInvariants(rt, db)
			}
		})
	})
}

// checkInvariants asserts, over the whole database, that debits equal
// credits per asset (posted and pending) and that no constrained account
// breaks its constraint.
func checkInvariants(t interface{ Fatalf(string, ...any) }, db *store.DB) {
	ctx := context.Background()
	rows, err := db.Reader().QueryContext(ctx, `SELECT asset, SUM(debits_posted), SUM(credits_posted), SUM(debits_pending), SUM(credits_pending)
		FROM ledger_accounts GROUP BY asset`)
	if err != nil {
		t.Fatalf("sums: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var asset string
		var dp, cp, dpe, cpe int64
		if err := rows.Scan(&asset, &dp, &cp, &dpe, &cpe); err != nil {
			t.Fatalf("sums: %v", err)
		}
		if dp != cp || dpe != cpe {
			t.Fatalf("%s: debits posted %d / credits posted %d, debits pending %d / credits pending %d", asset, dp, cp, dpe, cpe)
		}
	}
	var broken int
	err = db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_accounts WHERE
		(flags = 1 AND debits_posted + debits_pending > credits_posted) OR
		(flags = 2 AND credits_posted + credits_pending > debits_posted) OR
		debits_pending < 0 OR credits_pending < 0`).Scan(&broken)
	if err != nil || broken != 0 {
		t.Fatalf("constrained accounts broken: %d (%v)", broken, err)
	}
	// The balances are the sums of the transfers that moved them.
	var mismatched int
	err = db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_accounts a WHERE a.debits_posted <>
		(SELECT COALESCE(SUM(t.amount), 0) FROM ledger_transfers t WHERE t.debit_account_id = a.id AND (t.flags & 2) = 0 AND (t.flags & 8) = 0)`).Scan(&mismatched)
	if err != nil || mismatched != 0 {
		t.Fatalf("accounts whose debits_posted differ from their transfers: %d (%v)", mismatched, err)
	}
}
