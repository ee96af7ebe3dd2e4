package payments

import (
	"context"
	"fmt"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
)

// TipInput tips a post's author (PostID) or a member (ToHandle).
type TipInput struct {
	FromUserID     string
	PostID         string // the post tipped, or ""
	ToHandle       string // the member tipped when PostID is ""
	Amount         money.Amount
	Note           string
	Audience       Audience // default Private
	IdempotencyKey string
}

// planTip validates a tip and finds who gets it; see prepare for inTx.
func (s *Service) planTip(ctx context.Context, in TipInput, inTx bool) (payArgs, error) {
	if (in.PostID == "") == (in.ToHandle == "") {
		return payArgs{}, nestegg.ParamErrorf(nestegg.Invalid, "post_id", "tip a post or a member, not both or neither")
	}
	a := payArgs{kind: KindTip, payer: in.FromUserID, amount: in.Amount, note: in.Note,
		audience: in.Audience, key: in.IdempotencyKey, postID: in.PostID}
	if in.PostID != "" {
		p, err := s.social.Post(ctx, in.FromUserID, in.PostID)
		if nestegg.Is(err, nestegg.NotFound) {
			return payArgs{}, nestegg.ParamErrorf(nestegg.NotFound, "post_id", "no such post")
		}
		if err != nil {
			return payArgs{}, err
		}
		a.payee, a.payeeHandle = p.Author.ID, p.Author.Handle
	} else {
		u, err := s.byHandle(ctx, in.ToHandle, "to")
		if err != nil {
			return payArgs{}, err
		}
		a.payee, a.payeeHandle = u.ID, u.Handle
	}
	if a.payer == a.payee {
		return payArgs{}, nestegg.ParamErrorf(nestegg.Invalid, "to", "you can't tip yourself")
	}
	if err := s.prepare(ctx, &a, inTx); err != nil {
		return payArgs{}, err
	}
	fee, err := money.MulDivBps(a.amount.Minor, s.prices.Load().TipFeeBps)
	if err != nil {
		return payArgs{}, err
	}
	a.fee = fee
	a.notifyKind, a.notify = NotifyTip, "tipped you "+money.Format(a.amount)+noteSuffix(a.note)
	return a, nil
}

// Tip pays a creator: Amount leaves the tipper, and the platform's fee
// (Config.TipFeeBps of it, rounded down) goes from the creator's wallet to
// fee revenue in the same linked chain, so both happen or neither. With a
// zero fee there is no fee transfer. The creator is notified. Only
// FromUserID may call it.
//
// Errors: Invalid (Param "amount", "asset", "note", "audience", "to",
// "idempotency_key"), including tipping yourself or naming both or neither
// of PostID and ToHandle; NotFound (Param "post_id" or "to"); Forbidden for
// a block either way or a checkpoint denial; InsufficientFunds; Conflict
// for a reused key.
func (s *Service) Tip(ctx context.Context, in TipInput) (Payment, error) {
	a, err := s.planTip(ctx, in, false)
	if err != nil {
		return Payment{}, err
	}
	p, err := s.pay(ctx, nil, a, nil)
	if err != nil {
		return Payment{}, fmt.Errorf("tip: %w", err)
	}
	return p, nil
}

// PaymentPage is a page of payments, newest first.
type PaymentPage struct {
	Payments []Payment
	Next     string
}

// TipsReceived lists the tips creatorID received, newest first, with their
// fees. Only creatorID may call it. Errors: Invalid (Param "cursor",
// "limit").
func (s *Service) TipsReceived(ctx context.Context, creatorID string, page Page) (PaymentPage, error) {
	c, limit, err := nestegg.ParsePage(page)
	if err != nil {
		return PaymentPage{}, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+paymentCols+` FROM payments WHERE payee_id = $1 AND kind = 'tip'
		AND (created_at < $2 OR (created_at = $2 AND id < $3)) ORDER BY created_at DESC, id DESC LIMIT $4`, creatorID, c.At, c.ID, limit+1)
	if err != nil {
		return PaymentPage{}, fmt.Errorf("tips received: %w", err)
	}
	defer rows.Close()
	var out PaymentPage
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return PaymentPage{}, fmt.Errorf("tips received: %w", err)
		}
		out.Payments = append(out.Payments, p)
	}
	if err := rows.Err(); err != nil {
		return PaymentPage{}, fmt.Errorf("tips received: %w", err)
	}
	if len(out.Payments) > limit {
		out.Payments = out.Payments[:limit]
		last := out.Payments[limit-1]
		out.Next = nestegg.Cursor{At: last.CreatedAt.UnixNano(), ID: last.ID}.String()
	}
	return out, nil
}

// TipTotal sums a post's tips in one asset.
type TipTotal struct {
	Asset money.Asset
	Count int64
	Gross int64 // what tippers paid
	Fee   int64 // what the platform took
	Net   int64 // what the creator kept
}

// PostEarnings is what a post earned: tips per asset and coin awards.
type PostEarnings struct {
	PostID string
	Tips   []TipTotal
	Awards map[string]int64 // award name → how many
	Coins  int64            // coins received in awards
}

// PostTips returns what a post earned. Only the post's author may call it.
// Errors: NotFound for no such post; Forbidden for anyone but its author.
func (s *Service) PostTips(ctx context.Context, viewerID, postID string) (PostEarnings, error) {
	p, err := s.social.Post(ctx, viewerID, postID)
	if err != nil {
		return PostEarnings{}, err
	}
	if viewerID == "" || p.Author.ID != viewerID {
		return PostEarnings{}, nestegg.Errorf(nestegg.Forbidden, "only the author sees what a post earned")
	}
	out := PostEarnings{PostID: postID, Awards: map[string]int64{}}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT kind, asset, award, count(*), SUM(amount), SUM(fee) FROM payments
		WHERE post_id = $1 AND payee_id = $2 AND kind IN ('tip', 'award') AND status = 'completed' GROUP BY kind, asset, award ORDER BY kind, asset, award`, postID, p.Author.ID)
	if err != nil {
		return PostEarnings{}, fmt.Errorf("post tips: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, code, award string
		var n, sum, fee int64
		if err := rows.Scan(&kind, &code, &award, &n, &sum, &fee); err != nil {
			return PostEarnings{}, fmt.Errorf("post tips: %w", err)
		}
		if kind == string(KindAward) {
			out.Awards[award] += n
			out.Coins += sum
			continue
		}
		out.Tips = append(out.Tips, TipTotal{Asset: asset(code), Count: n, Gross: sum, Fee: fee, Net: sum - fee})
	}
	return out, rows.Err()
}
