package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// RequestInput asks FromHandle to pay RequesterID.
type RequestInput struct {
	RequesterID    string
	FromHandle     string
	Amount         money.Amount
	Note           string
	IdempotencyKey string
}

// Request asks the member with in.FromHandle for money; they are notified
// and may pay (PayRequest) or decline it, and the requester may cancel it.
// No money moves. Only RequesterID may call it.
//
// Errors: Invalid (Param "amount", "asset", "note", "from",
// "idempotency_key"), including asking yourself; NotFound (Param "from");
// Forbidden when either has blocked the other; Conflict when the key was
// used for another request.
func (s *Service) Request(ctx context.Context, in RequestInput) (Request, error) {
	in, payer, err := s.planRequest(ctx, in)
	if err != nil {
		return Request{}, err
	}
	var r Request
	err = s.writeRows(ctx, func(tx *sql.Tx) (err error) {
		r, err = s.request(ctx, tx, in.RequesterID, payer.ID, payer.Handle, in.Amount, in.Note, "", in.IdempotencyKey)
		return err
	})
	if err != nil {
		return Request{}, fmt.Errorf("request: %w", err)
	}
	return r, nil
}

func (s *Service) planRequest(ctx context.Context, in RequestInput) (RequestInput, social.User, error) {
	payer, err := s.byHandle(ctx, in.FromHandle, "from")
	if err != nil {
		return in, social.User{}, err
	}
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return in, social.User{}, err
	}
	if in.Amount, err = s.amount(in.Amount); err != nil {
		return in, social.User{}, err
	}
	if in.Note, err = checkNote("note", in.Note); err != nil {
		return in, social.User{}, err
	}
	if payer.ID == in.RequesterID {
		return in, social.User{}, nestegg.ParamErrorf(nestegg.Invalid, "from", "you can't ask yourself for money")
	}
	if _, err := s.member(ctx, in.RequesterID, "requester"); err != nil {
		return in, social.User{}, err
	}
	return in, payer, nil
}

// request writes one request inside tx, or finds the one made earlier with
// the same key.
func (s *Service) request(ctx context.Context, tx *sql.Tx, requesterID, payerID, payerHandle string, amount money.Amount, note, splitID, key string) (Request, error) {
	fp := nestegg.Fingerprint(payerID, amount.Asset.Code, strconv.FormatInt(amount.Minor, 10), note, splitID)
	var got string
	r, err := scanRequest(tx.QueryRowContext(ctx, "SELECT "+requestCols+", fingerprint FROM payment_requests WHERE requester_id = $1 AND idem_key = $2", requesterID, key), &got)
	if err == nil {
		if got != fp {
			return Request{}, nestegg.ParamErrorf(nestegg.Conflict, "idempotency_key", "this idempotency key was used for a different request")
		}
		return r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Request{}, err
	}
	if b, err := s.blocked(ctx, tx, requesterID, payerID); err != nil {
		return Request{}, err
	} else if b {
		return Request{}, nestegg.ParamErrorf(nestegg.Forbidden, "from", "you can't ask @%s for money", payerHandle)
	}
	now := s.now()
	r = Request{ID: ledger.NewID("req"), RequesterID: requesterID, PayerID: payerID, Amount: amount, Note: note,
		Status: RequestOpen, SplitID: splitID, CreatedAt: now, UpdatedAt: now}
	res, err := tx.ExecContext(ctx, `INSERT INTO payment_requests (id, requester_id, payer_id, asset, amount, note, status, split_id, idem_key, fingerprint, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10, $10) ON CONFLICT (requester_id, idem_key) DO NOTHING`,
		r.ID, requesterID, payerID, amount.Asset.Code, amount.Minor, note, splitID, key, fp, now.UnixNano())
	if err != nil {
		return Request{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return Request{}, errors.Join(err, errReplay)
	}
	return r, s.notify(ctx, tx, payerID, NotifyRequested, requesterID, "", "asks you for "+money.Format(amount)+noteSuffix(note))
}

const requestCols = "id, requester_id, payer_id, asset, amount, note, status, split_id, payment_id, created_at, updated_at"

func scanRequest(row scanner, extra ...any) (Request, error) {
	var r Request
	var assetCode, status string
	var created, updated int64
	dest := []any{&r.ID, &r.RequesterID, &r.PayerID, &assetCode, &r.Amount.Minor, &r.Note, &status, &r.SplitID, &r.PaymentID, &created, &updated}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return Request{}, err
	}
	r.Amount.Asset, r.Status = asset(assetCode), RequestStatus(status)
	r.CreatedAt, r.UpdatedAt = fromNanos(created), fromNanos(updated)
	return r, nil
}

// RequestByID returns a request to its requester or its payer. Errors:
// NotFound for anyone else.
func (s *Service) RequestByID(ctx context.Context, viewerID, requestID string) (Request, error) {
	r, err := scanRequest(s.db.Reader().QueryRowContext(ctx, "SELECT "+requestCols+" FROM payment_requests WHERE id = $1", requestID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (viewerID == "" || (r.RequesterID != viewerID && r.PayerID != viewerID))) {
		return Request{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such request")
	}
	return r, err
}

func (s *Service) lockRequest(ctx context.Context, tx *sql.Tx, id string) (Request, error) {
	r, err := scanRequest(tx.QueryRowContext(ctx, "SELECT "+requestCols+" FROM payment_requests WHERE id = $1"+s.db.Dialect.ForUpdate(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Request{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such request")
	}
	return r, err
}

// PayRequest pays an open request to its requester, like Send (it may be
// held; cancelling the hold reopens the request). Only the request's payer
// may call it; the idempotency key is theirs. Errors: as Send, plus
// NotFound when the request is not payerID's, and Conflict when it is not
// open.
func (s *Service) PayRequest(ctx context.Context, payerID, requestID, idempotencyKey string) (Payment, error) {
	r, err := s.RequestByID(ctx, payerID, requestID)
	if err != nil {
		return Payment{}, err
	}
	if r.PayerID != payerID {
		return Payment{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such request")
	}
	requester, err := s.member(ctx, r.RequesterID, "id")
	if err != nil {
		return Payment{}, err
	}
	a := payArgs{kind: KindSend, payer: payerID, payee: r.RequesterID, payeeHandle: requester.Handle,
		amount: r.Amount, note: r.Note, key: idempotencyKey, requestID: r.ID,
		notifyKind: NotifyRequestPaid, notify: "paid your request for " + money.Format(r.Amount) + noteSuffix(r.Note)}
	if err := s.prepare(ctx, &a, false); err != nil {
		return Payment{}, err
	}
	p, err := s.pay(ctx, nil, a, func(ctx context.Context, tx *movement.Tx, p Payment) error {
		r, err := s.lockRequest(ctx, tx.SQL, requestID)
		if err != nil {
			return err
		}
		if r.Status != RequestOpen {
			return nestegg.Errorf(nestegg.Conflict, "this request is %s", r.Status)
		}
		_, err = tx.SQL.ExecContext(ctx, "UPDATE payment_requests SET status = 'paid', payment_id = $2, updated_at = $3 WHERE id = $1 AND status = 'open'", r.ID, p.ID, s.now().UnixNano())
		return err
	})
	if err != nil {
		return Payment{}, fmt.Errorf("pay request: %w", err)
	}
	return p, nil
}

// DeclineRequest refuses an open request; the requester is told. Only the
// request's payer may call it; declining twice is the same as once.
// Errors: NotFound; Conflict when it is paid or cancelled.
func (s *Service) DeclineRequest(ctx context.Context, payerID, requestID string) (Request, error) {
	return s.closeRequest(ctx, payerID, requestID, RequestDeclined)
}

// CancelRequest withdraws an open request; the payer is told. Only the
// requester may call it; cancelling twice is the same as once. Errors:
// NotFound; Conflict when it is paid or declined.
func (s *Service) CancelRequest(ctx context.Context, requesterID, requestID string) (Request, error) {
	return s.closeRequest(ctx, requesterID, requestID, RequestCancelled)
}

func (s *Service) closeRequest(ctx context.Context, actorID, requestID string, to RequestStatus) (Request, error) {
	var r Request
	err := s.writeRows(ctx, func(tx *sql.Tx) (err error) {
		if r, err = s.lockRequest(ctx, tx, requestID); err != nil {
			return err
		}
		mine, other, kind, verb := r.PayerID, r.RequesterID, NotifyRequestDeclined, "declined"
		if to == RequestCancelled {
			mine, other, kind, verb = r.RequesterID, r.PayerID, NotifyRequestCanceled, "cancelled"
		}
		switch {
		case mine != actorID:
			return nestegg.ParamErrorf(nestegg.NotFound, "id", "no such request")
		case r.Status == to:
			return nil
		case r.Status != RequestOpen:
			return nestegg.Errorf(nestegg.Conflict, "this request is %s", r.Status)
		}
		r.Status, r.UpdatedAt = to, s.now()
		if _, err := tx.ExecContext(ctx, "UPDATE payment_requests SET status = $2, updated_at = $3 WHERE id = $1", r.ID, string(to), r.UpdatedAt.UnixNano()); err != nil {
			return err
		}
		return s.notify(ctx, tx, other, kind, actorID, "", verb+" the request for "+money.Format(r.Amount)+noteSuffix(r.Note))
	})
	if err != nil {
		return Request{}, fmt.Errorf("%s request: %w", to, err)
	}
	return r, nil
}

// RequestFilter narrows Requests.
type RequestFilter struct {
	Incoming bool          // requests to userID to pay; else those userID made
	Status   RequestStatus // "" for all
}

// RequestPage is a page of requests, newest first.
type RequestPage struct {
	Requests []Request
	Next     string
}

// Requests lists requests userID made or (Incoming) was asked to pay. Only
// userID may call it. Errors: Invalid (Param "cursor", "limit", "status").
func (s *Service) Requests(ctx context.Context, userID string, f RequestFilter, page Page) (RequestPage, error) {
	c, limit, err := nestegg.ParsePage(page)
	if err != nil {
		return RequestPage{}, err
	}
	switch f.Status {
	case "", RequestOpen, RequestPaid, RequestDeclined, RequestCancelled:
	default:
		return RequestPage{}, nestegg.ParamErrorf(nestegg.Invalid, "status", "status is open, paid, declined or cancelled")
	}
	col := "requester_id"
	if f.Incoming {
		col = "payer_id"
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+requestCols+" FROM payment_requests WHERE "+col+` = $1
		AND ($2 = '' OR status = $2) AND (created_at < $3 OR (created_at = $3 AND id < $4)) ORDER BY created_at DESC, id DESC LIMIT $5`,
		userID, string(f.Status), c.At, c.ID, limit+1)
	if err != nil {
		return RequestPage{}, fmt.Errorf("requests: %w", err)
	}
	defer rows.Close()
	var out RequestPage
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return RequestPage{}, fmt.Errorf("requests: %w", err)
		}
		out.Requests = append(out.Requests, r)
	}
	if err := rows.Err(); err != nil {
		return RequestPage{}, fmt.Errorf("requests: %w", err)
	}
	if len(out.Requests) > limit {
		out.Requests = out.Requests[:limit]
		last := out.Requests[limit-1]
		out.Next = nestegg.Cursor{At: last.CreatedAt.UnixNano(), ID: last.ID}.String()
	}
	return out, nil
}

// SplitInput divides Total among InitiatorID (when IncludeSelf) and the
// members named in With.
type SplitInput struct {
	InitiatorID    string
	Total          money.Amount
	With           []string // handles; duplicates and the initiator's own are ignored
	IncludeSelf    bool     // the initiator takes a share too (a bill they were part of)
	Note           string
	IdempotencyKey string
}

// Split divides a bill into shares with money.Split, so they always sum to
// the total: shares differ by at most one minor unit and the first shares
// take the remainder, the initiator's own share (when IncludeSelf) being
// the first, so friends are never asked for the odd cent. Each other share
// becomes a Request from the initiator; the initiator's own share is not
// requested. Only InitiatorID may call it.
//
// Errors: Invalid (Param "amount", "asset", "note", "with",
// "idempotency_key") — nobody to split with, more than MaxSplit people, or
// a total too small to give everyone at least one minor unit; NotFound
// (Param "with") for an unknown handle; Forbidden when a block stands
// between the initiator and someone named; Conflict for a reused key.
func (s *Service) Split(ctx context.Context, in SplitInput) (Split, error) {
	plan, err := s.planSplit(ctx, in)
	if err != nil {
		return Split{}, err
	}
	var sp Split
	err = s.writeRows(ctx, func(tx *sql.Tx) (err error) {
		sp, err = s.split(ctx, tx, plan)
		return err
	})
	if err != nil {
		return Split{}, fmt.Errorf("split: %w", err)
	}
	return sp, nil
}

// splitPlan is a validated split with its shares computed.
type splitPlan struct {
	in     SplitInput
	people []social.User
	own    int64   // the initiator's share, 0 when not included
	parts  []int64 // the others' shares, in people's order
	fp     string
}

func (s *Service) planSplit(ctx context.Context, in SplitInput) (splitPlan, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return splitPlan{}, err
	}
	var err error
	if in.Total, err = s.amount(in.Total); err != nil {
		return splitPlan{}, err
	}
	if in.Note, err = checkNote("note", in.Note); err != nil {
		return splitPlan{}, err
	}
	if _, err := s.member(ctx, in.InitiatorID, "initiator"); err != nil {
		return splitPlan{}, err
	}
	plan := splitPlan{}
	seen := map[string]bool{in.InitiatorID: true}
	for _, h := range in.With {
		u, err := s.byHandle(ctx, h, "with")
		if err != nil {
			return splitPlan{}, err
		}
		if u.ID == in.InitiatorID {
			in.IncludeSelf = true // "split with @me @bob" means me too
		}
		if !seen[u.ID] {
			seen[u.ID] = true
			plan.people = append(plan.people, u)
		}
	}
	if len(plan.people) == 0 {
		return splitPlan{}, nestegg.ParamErrorf(nestegg.Invalid, "with", "name at least one person to split with")
	}
	if len(plan.people) > MaxSplit {
		return splitPlan{}, nestegg.ParamErrorf(nestegg.Invalid, "with", "a split includes at most %d people", MaxSplit)
	}
	n := len(plan.people)
	if in.IncludeSelf {
		n++
	}
	if in.Total.Minor < int64(n) {
		return splitPlan{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "%s is too little to split %d ways", money.Format(in.Total), n)
	}
	plan.parts = money.Split(in.Total.Minor, n)
	if in.IncludeSelf {
		plan.own, plan.parts = plan.parts[0], plan.parts[1:]
	}
	ids := make([]string, len(plan.people))
	for i, p := range plan.people {
		ids[i] = p.ID
	}
	plan.fp = nestegg.Fingerprint(in.Total.Asset.Code, strconv.FormatInt(in.Total.Minor, 10), in.Note, strconv.FormatBool(in.IncludeSelf), strings.Join(ids, ","))
	plan.in = in
	return plan, nil
}

// split writes a planned split and its requests inside tx, or finds the
// one made earlier with the same key.
func (s *Service) split(ctx context.Context, tx *sql.Tx, plan splitPlan) (Split, error) {
	in := plan.in
	var sp Split
	var got string
	err := tx.QueryRowContext(ctx, "SELECT id, fingerprint FROM payment_splits WHERE initiator_id = $1 AND idem_key = $2",
		in.InitiatorID, in.IdempotencyKey).Scan(&sp.ID, &got)
	if err == nil {
		if got != plan.fp {
			return Split{}, nestegg.ParamErrorf(nestegg.Conflict, "idempotency_key", "this idempotency key was used for a different split")
		}
		return s.loadSplit(ctx, tx, sp.ID)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Split{}, err
	}
	now := s.now()
	sp = Split{ID: ledger.NewID("spl"), InitiatorID: in.InitiatorID, Total: in.Total, Note: in.Note, CreatedAt: now}
	res, err := tx.ExecContext(ctx, `INSERT INTO payment_splits (id, initiator_id, asset, total, own_share, note, idem_key, fingerprint, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (initiator_id, idem_key) DO NOTHING`,
		sp.ID, in.InitiatorID, in.Total.Asset.Code, in.Total.Minor, plan.own, in.Note, in.IdempotencyKey, plan.fp, now.UnixNano())
	if err != nil {
		return Split{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return Split{}, errors.Join(err, errReplay)
	}
	if in.IncludeSelf {
		sp.Shares = append(sp.Shares, Share{UserID: in.InitiatorID, Amount: plan.own})
	}
	for i, p := range plan.people {
		amt := money.Amount{Asset: in.Total.Asset, Minor: plan.parts[i]}
		r, err := s.request(ctx, tx, in.InitiatorID, p.ID, p.Handle, amt, in.Note, sp.ID, fmt.Sprintf("%s/split/%02d", in.IdempotencyKey, i))
		if err != nil {
			return Split{}, err
		}
		sp.Shares = append(sp.Shares, Share{UserID: p.ID, Amount: plan.parts[i], RequestID: r.ID})
	}
	return sp, nil
}

func (s *Service) loadSplit(ctx context.Context, q store.Querier, id string) (Split, error) {
	sp := Split{ID: id}
	var assetCode string
	var total, own, created int64
	err := q.QueryRowContext(ctx, "SELECT initiator_id, asset, total, own_share, note, created_at FROM payment_splits WHERE id = $1", id).
		Scan(&sp.InitiatorID, &assetCode, &total, &own, &sp.Note, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Split{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such split")
	}
	if err != nil {
		return Split{}, err
	}
	sp.Total, sp.CreatedAt = money.Amount{Asset: asset(assetCode), Minor: total}, fromNanos(created)
	if own > 0 {
		sp.Shares = append(sp.Shares, Share{UserID: sp.InitiatorID, Amount: own})
	}
	rows, err := q.QueryContext(ctx, "SELECT id, payer_id, amount FROM payment_requests WHERE split_id = $1 ORDER BY idem_key", id)
	if err != nil {
		return Split{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var sh Share
		if err := rows.Scan(&sh.RequestID, &sh.UserID, &sh.Amount); err != nil {
			return Split{}, err
		}
		sp.Shares = append(sp.Shares, sh)
	}
	return sp, rows.Err()
}

// SplitByID returns a split to its initiator or anyone with a share.
// Errors: NotFound for anyone else.
func (s *Service) SplitByID(ctx context.Context, viewerID, splitID string) (Split, error) {
	sp, err := s.loadSplit(ctx, s.db.Reader(), splitID)
	if err != nil {
		return Split{}, err
	}
	for _, sh := range sp.Shares {
		if viewerID != "" && (sh.UserID == viewerID || sp.InitiatorID == viewerID) {
			return sp, nil
		}
	}
	return Split{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such split")
}

// errReplay means a concurrent call with the same idempotency key wrote
// its request or split first; running again finds it.
var errReplay = errors.New("payments: concurrent replay")

// writeRows runs fn (requests and splits: rows, no money) in a
// transaction, again when a concurrent call with the same key won the
// race, so that the rerun returns what that call made.
func (s *Service) writeRows(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.db.Write(ctx, fn)
		if !errors.Is(err, errReplay) && !(nestegg.Is(err, nestegg.Conflict) && store.IsUniqueViolation(err)) {
			return err
		}
	}
	return err
}
