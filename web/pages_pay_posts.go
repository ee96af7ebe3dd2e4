package web

import (
	"strings"
	"time"

	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
)

// postMoney is what a post card shows about money: the Tip button, the
// badge of a post command (its status, never its amount, except to its
// author), and, to the author, what the post earned.
type postMoney struct {
	Tip     bool // show the Tip button: signed in, not the author
	Intent  *payments.Intent
	Badge   string // "Payment pending confirmation", ...
	Status  string // the intent's status, for the badge's class
	Mine    bool   // the viewer wrote the command: show what and Confirm/Cancel
	What    string // for the author: "$5.00 to @bob"
	Pending bool
	// Confirm is the author's one confirmation, on the post itself:
	// "Send $5.00 to @bob". Problem, when set, is why confirming would
	// fail now (checked first, as the review page does), shown instead.
	Confirm, Problem string
	Earnings         []string // for the author: "$2.00 in 1 tip", "1 gold award"
}

// postMoney fills a card's money part; nil when payments are off or there
// is nothing to show. A failure to read it leaves it out: money facts are
// not worth failing a timeline for, and the wallet is the record.
func (pc *pageCtx) postMoney(p social.Post, mine bool) *postMoney {
	s := pc.s
	if s.payments == nil || pc.me == nil {
		return nil
	}
	m := &postMoney{Tip: !mine, Mine: mine}
	ctx := pc.r.Context()
	// Only posts addressed to the pay handle cost a look-up of their intent.
	if s.social.IsPayCommand(p.Body) {
		if ins, err := s.payments.IntentsForPost(ctx, pc.me.ID, p.ID); err == nil && len(ins) > 0 {
			in := ins[0]
			m.Intent, m.Status = &in, string(in.Status)
			if in.Status == payments.IntentPending && time.Now().After(in.ExpiresAt) {
				m.Status = string(payments.IntentExpired) // the background job has not caught up yet
			}
			m.Pending = m.Status == string(payments.IntentPending) && mine
			m.Badge = intentBadge(payments.IntentStatus(m.Status))
			if in.Kind == payments.CommandInvalid {
				m.Badge = "No payment: this post could not be read as one"
			}
			if mine && in.Amount != nil {
				m.What = intentWhat(in)
			}
			if m.Pending && in.Amount != nil {
				_, m.Confirm = s.intentLines(in)
				m.Problem = pc.intentProblem(in)
			}
		}
	}
	if mine {
		if e, err := s.payments.PostTips(ctx, pc.me.ID, p.ID); err == nil {
			for _, t := range e.Tips {
				m.Earnings = append(m.Earnings, money.Format(money.Amount{Asset: t.Asset, Minor: t.Net})+" from "+plural(t.Count, "tip", "tips"))
			}
			for _, a := range s.payments.Awards() {
				if n := e.Awards[a.Name]; n > 0 {
					m.Earnings = append(m.Earnings, plural(n, a.Name+" award", a.Name+" awards"))
				}
			}
		}
	}
	if !m.Tip && m.Intent == nil && len(m.Earnings) == 0 {
		return nil
	}
	return m
}

// intentProblem is why confirming the author's pending intent would fail
// now (payments.Preview), or "". A send or tip moves money now; a request
// or split moves nothing until it is paid, so there is nothing to check.
func (pc *pageCtx) intentProblem(in payments.Intent) string {
	if in.Kind != payments.CommandSend && in.Kind != payments.CommandTip {
		return ""
	}
	kind := payments.KindSend
	if in.Kind == payments.CommandTip {
		kind = payments.KindTip
	}
	var to string
	if in.Kind == payments.CommandSend && len(in.Handles) == 1 {
		if u, err := pc.s.social.UserByHandle(pc.r.Context(), in.Handles[0]); err == nil {
			to = u.ID
		}
	}
	d := &reviewPage{}
	if err := pc.s.preview(pc, d, payments.PreviewInput{ToUserID: to, Kind: kind, Amount: *in.Amount}); err != nil {
		return "" // a failure to check: confirming will say what is wrong
	}
	return d.Problem
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return money.FormatPlain(n, 0) + " " + many
}

// intentBadge is the words on a post command's badge.
func intentBadge(st payments.IntentStatus) string {
	switch st {
	case payments.IntentPending:
		return "Payment pending confirmation"
	case payments.IntentCompleted:
		return "Payment completed"
	case payments.IntentExpired:
		return "Payment expired"
	case payments.IntentCancelled:
		return "Payment cancelled"
	case payments.IntentFailed:
		return "Payment failed"
	}
	return "Payment " + string(st)
}

// intentWhat is a post command in a few words, for its author.
func intentWhat(in payments.Intent) string {
	amt := money.Format(*in.Amount)
	hs := make([]string, len(in.Handles))
	for i, h := range in.Handles {
		hs[i] = "@" + h
	}
	who := strings.Join(hs, " ")
	switch in.Kind {
	case payments.CommandSend:
		return amt + " to " + who
	case payments.CommandRequest:
		return "asking " + who + " for " + amt
	case payments.CommandSplit:
		return amt + " split with " + who
	case payments.CommandTip:
		return "a " + amt + " tip"
	}
	return amt
}
