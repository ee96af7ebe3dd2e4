package payments

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/social"
)

// Group gifts, all or nothing: a member starts a pooled gift for someone
// with a target and a deadline; contributors pledge by reserving money (a
// pending transfer from their wallet to the gift's escrow account,
// esc:<gift>); at the deadline, if the pledges reach the target, every
// one is posted and the escrow pays the recipient in one linked chain,
// else every pledge is voided. A pledge can be withdrawn (voided) before
// the deadline. The rule is on the gift's post and page before anyone
// pledges.

// GroupGiftStatus is where a gift is.
type GroupGiftStatus string

// The statuses.
const (
	GiftOpen   GroupGiftStatus = "open"   // taking pledges until the deadline
	GiftPaid   GroupGiftStatus = "paid"   // the target was reached: the recipient got it
	GiftFailed GroupGiftStatus = "failed" // the target was missed: every pledge released
)

// PledgeStatus is where a pledge is.
type PledgeStatus string

// The statuses.
const (
	PledgeReserved  PledgeStatus = "reserved"  // money held from the pledger's wallet
	PledgeWithdrawn PledgeStatus = "withdrawn" // taken back before the deadline
	PledgeTaken     PledgeStatus = "taken"     // paid to the recipient
	PledgeReleased  PledgeStatus = "released"  // the target was missed: back to the pledger
)

// MaxGiftTitle is the length limit of a gift's title, in characters.
const MaxGiftTitle = 60

// MaxGiftDuration is the furthest a deadline may be.
const MaxGiftDuration = 90 * 24 * time.Hour

// giftGrace is how long past the deadline a pledge's reservation lives,
// so that a late settling job still finds it.
const giftGrace = 7 * 24 * time.Hour

// GroupGiftInput starts a gift.
type GroupGiftInput struct {
	OrganizerID     string
	RecipientHandle string
	Target          money.Amount
	Title           string
	Deadline        time.Time
	IdempotencyKey  string
}

// GroupGift is a gift as its viewer may see it.
type GroupGift struct {
	ID              string
	OrganizerID     string
	OrganizerHandle string
	RecipientID     string
	RecipientHandle string
	Target          money.Amount
	Pledged         int64 // reserved now (or taken, once paid)
	Title           string
	Deadline        time.Time
	Status          GroupGiftStatus
	PostID          string
	CreatedAt       time.Time
	// Pledges: every one for the organizer, the viewer's own for others.
	Pledges []Pledge
	// Pledgers is how many pledges are reserved or taken.
	Pledgers int
}

// Rule is the all-or-nothing rule in words, shown before anyone pledges.
func (g GroupGift) Rule() string {
	return "All or nothing: if pledges reach " + money.Format(g.Target) + " by " + g.Deadline.UTC().Format("2 Jan 2006 15:04 UTC") +
		", every pledge is taken and @" + g.RecipientHandle + " gets it all; otherwise every pledge is released and nobody pays. " +
		"You can withdraw your pledge until then."
}

// Pledge is one contributor's reservation.
type Pledge struct {
	ID        string
	GiftID    string
	UserID    string
	Handle    string
	Amount    money.Amount
	Status    PledgeStatus
	CreatedAt time.Time
}

// NotifyGroupGift tells members about a gift: its recipient when paid,
// pledgers when their pledge is taken or released.
const NotifyGroupGift = "payment_group_gift"

func giftEscrow(id string) string { return "esc:" + id }

func giftID(organizer, key string) string {
	h := sha256.Sum256([]byte("gift\x00" + organizer + "\x00" + key))
	return "gft_" + strings.ToLower(b32.EncodeToString(h[:])[:26])
}

// StartGroupGift starts a gift and posts it, with its rule, from the
// organizer. No money moves. The same key starts it once. Only
// OrganizerID may call it.
//
// Errors: Invalid (Param "amount", "asset", "title", "deadline", "to",
// "idempotency_key"); NotFound (Param "to").
func (s *Service) StartGroupGift(ctx context.Context, in GroupGiftInput) (GroupGift, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return GroupGift{}, err
	}
	target, err := s.amount(in.Target)
	if err != nil {
		return GroupGift{}, err
	}
	title := strings.TrimSpace(in.Title)
	if title == "" || !utf8.ValidString(title) || utf8.RuneCountInString(title) > MaxGiftTitle || strings.ContainsAny(title, "\r\n") {
		return GroupGift{}, nestegg.ParamErrorf(nestegg.Invalid, "title", "a title of 1 to %d characters on one line", MaxGiftTitle)
	}
	now := s.now()
	if !in.Deadline.After(now) || in.Deadline.After(now.Add(MaxGiftDuration)) {
		return GroupGift{}, nestegg.ParamErrorf(nestegg.Invalid, "deadline", "the deadline is in the future, at most 90 days away")
	}
	if _, err := s.member(ctx, in.OrganizerID, "from"); err != nil {
		return GroupGift{}, err
	}
	to, err := s.byHandle(ctx, in.RecipientHandle, "to")
	if err != nil {
		return GroupGift{}, err
	}
	id := giftID(in.OrganizerID, in.IdempotencyKey)
	code := target.Asset.Code
	if _, err := s.ensureWallet(ctx, to.ID, code); err != nil {
		return GroupGift{}, err
	}
	if err := s.ledger.Ensure(ctx, ledger.Account{ID: giftEscrow(id), Asset: code, Kind: "escrow", Owner: id, DebitsMustNotExceedCredits: true}); err != nil {
		return GroupGift{}, fmt.Errorf("group gift escrow: %w", err)
	}
	fp := nestegg.Fingerprint(to.ID, code, strconv.FormatInt(target.Minor, 10), title, strconv.FormatInt(in.Deadline.UnixNano(), 10))
	var existing string
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var got string
		err := tx.QueryRowContext(ctx, "SELECT fingerprint FROM payment_group_gifts WHERE id = $1", id).Scan(&got)
		if err == nil {
			existing = got
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		n := now.UnixNano()
		_, err = tx.ExecContext(ctx, `INSERT INTO payment_group_gifts (id, organizer_id, recipient_id, asset, target, title, deadline, fingerprint, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`, id, in.OrganizerID, to.ID, code, target.Minor, title, in.Deadline.UTC().UnixNano(), fp, n)
		return err
	})
	if err != nil {
		return GroupGift{}, fmt.Errorf("group gift: %w", err)
	}
	if existing != "" && existing != fp {
		return GroupGift{}, nestegg.ParamErrorf(nestegg.IdempotencyMismatch, "idempotency_key", "this idempotency key was used for a different request; use a new key")
	}
	g, err := s.GroupGift(ctx, in.OrganizerID, id)
	if err != nil || g.PostID != "" {
		return g, err
	}
	// The post says the rule before anyone pledges. A retry after a crash
	// here posts it then.
	body := "🎁 " + title + " for @" + to.Handle + ": " + money.Format(target) + " by " + g.Deadline.Format("2 Jan 15:04 UTC") +
		". All or nothing: pledges are taken only if the target is reached, else released. Pledge at /gifts/" + id
	p, err := s.social.CreatePost(ctx, in.OrganizerID, social.NewPost{Body: body})
	if err != nil {
		return GroupGift{}, fmt.Errorf("group gift post: %w", err)
	}
	if err := s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE payment_group_gifts SET post_id = $2 WHERE id = $1 AND post_id = ''", id, p.ID)
		return err
	}); err != nil {
		return GroupGift{}, fmt.Errorf("group gift post: %w", err)
	}
	return s.GroupGift(ctx, in.OrganizerID, id)
}

// Pledge reserves amount from userID's wallet for a gift: a pending
// transfer to the gift's escrow that the settling job posts or voids at
// the deadline. It passes the checkpoint and counts toward the pledger's
// limits (given back if the pledge is withdrawn or released). Only userID
// may call it.
//
// Errors: Invalid (Param "amount", "asset", "idempotency_key"), including
// pledging to a gift for yourself; NotFound (no such gift); Conflict when
// it no longer takes pledges; Forbidden for a denial; InsufficientFunds;
// IdempotencyMismatch for a reused key.
func (s *Service) Pledge(ctx context.Context, userID, id string, amount money.Amount, key string) (Pledge, error) {
	if err := nestegg.CheckKey(key); err != nil {
		return Pledge{}, err
	}
	g, err := s.GroupGift(ctx, userID, id)
	if err != nil {
		return Pledge{}, err
	}
	if amount.Asset.Code == "" {
		amount.Asset = g.Target.Asset
	}
	amount, err = s.amount(amount)
	if err != nil {
		return Pledge{}, err
	}
	if amount.Asset.Code != g.Target.Asset.Code {
		return Pledge{}, nestegg.ParamErrorf(nestegg.Invalid, "asset", "this gift collects %s", g.Target.Asset.Code)
	}
	if userID == g.RecipientID {
		return Pledge{}, nestegg.Errorf(nestegg.Invalid, "this gift is for you: others pledge to it")
	}
	code := amount.Asset.Code
	if _, err := s.ensureWallet(ctx, userID, code); err != nil {
		return Pledge{}, err
	}
	pid := nestegg.NewID("pld")
	fp := nestegg.Fingerprint("pledge", id, code, strconv.FormatInt(amount.Minor, 10))
	req := movement.Request{Kind: movement.GiftPledge, ID: pid, Actor: userID, Key: key, Fingerprint: fp,
		From: userID, To: g.RecipientID, Asset: code, Amount: amount.Minor,
		Accounts: []string{walletID(userID, code), giftEscrow(id)}}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		now := tx.Now()
		r, err := tx.SQL.ExecContext(ctx, `UPDATE payment_group_gifts SET pledged = pledged + $2, updated_at = $3
			WHERE id = $1 AND status = 'open' AND deadline > $3`, id, amount.Minor, now.UnixNano())
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return nestegg.Errorf(nestegg.Conflict, "this gift no longer takes pledges: its deadline has passed")
		}
		tid := derive("pld", userID, key)
		if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO payment_group_gift_pledges (id, gift_id, pledger_id, asset, amount, transfer_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, pid, id, userID, code, amount.Minor, tid, now.UnixNano()); err != nil {
			return err
		}
		timeout := int64(g.Deadline.Sub(now)/time.Second) + int64(giftGrace/time.Second) + 1
		_, err = tx.Submit(ctx, ledger.Transfer{ID: tid, DebitAccountID: walletID(userID, code), CreditAccountID: giftEscrow(id),
			Amount: amount.Minor, Asset: code, Code: "gift_pledge", Pending: true, TimeoutSeconds: timeout})
		return err
	})
	if err != nil {
		return Pledge{}, fmt.Errorf("pledge: %w", err)
	}
	return s.pledge(ctx, res.ID)
}

// WithdrawPledge takes a reserved pledge back before the deadline: the
// reservation is voided and its use of the pledger's limits given back.
// Only the pledger may call it; withdrawing twice is the same as once.
// Errors: NotFound (not theirs); Conflict when the deadline has passed or
// the pledge was already settled.
func (s *Service) WithdrawPledge(ctx context.Context, userID, pledgeID string) (Pledge, error) {
	p, err := s.pledge(ctx, pledgeID)
	if err != nil || p.UserID != userID {
		return Pledge{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such pledge")
	}
	if p.Status == PledgeWithdrawn {
		return p, nil
	}
	code := p.Amount.Asset.Code
	req := movement.Request{Kind: movement.GiftPledgeWithdraw, Reference: p.ID, Actor: userID, Key: "withdraw:" + p.ID, Fingerprint: "withdraw",
		From: userID, Asset: code, Amount: p.Amount.Minor,
		Unuse:    &compliance.Usage{Class: compliance.Spend, Amount: p.Amount.Minor, At: p.CreatedAt},
		Accounts: []string{walletID(userID, code), giftEscrow(p.GiftID)}}
	_, err = s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		now := tx.Now().UnixNano()
		r, err := tx.SQL.ExecContext(ctx, `UPDATE payment_group_gifts SET pledged = pledged - $2, updated_at = $3
			WHERE id = $1 AND status = 'open' AND deadline > $3`, p.GiftID, p.Amount.Minor, now)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return nestegg.Errorf(nestegg.Conflict, "the deadline has passed: the pledge can no longer be withdrawn")
		}
		if err := s.setPledge(ctx, tx.SQL, p.ID, PledgeReserved, PledgeWithdrawn); err != nil {
			return err
		}
		var tid string
		if err := tx.SQL.QueryRowContext(ctx, "SELECT transfer_id FROM payment_group_gift_pledges WHERE id = $1", p.ID).Scan(&tid); err != nil {
			return err
		}
		_, err = tx.Submit(ctx, ledger.Transfer{ID: "void:" + p.ID, PendingID: tid, VoidPending: true, Code: "gift_pledge_withdraw"})
		return err
	})
	if err != nil {
		return Pledge{}, fmt.Errorf("withdraw pledge: %w", err)
	}
	return s.pledge(ctx, pledgeID)
}

func (s *Service) setPledge(ctx context.Context, tx *sql.Tx, id string, from, to PledgeStatus) error {
	r, err := tx.ExecContext(ctx, "UPDATE payment_group_gift_pledges SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2",
		id, string(from), string(to), s.now().UnixNano())
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return nestegg.Errorf(nestegg.Conflict, "this pledge is no longer %s", from)
	}
	return nil
}

const pledgeCols = "id, gift_id, pledger_id, asset, amount, status, created_at"

func scanPledge(row scanner) (Pledge, error) {
	var p Pledge
	var code, status string
	var created int64
	if err := row.Scan(&p.ID, &p.GiftID, &p.UserID, &code, &p.Amount.Minor, &status, &created); err != nil {
		return Pledge{}, err
	}
	p.Amount.Asset, p.Status, p.CreatedAt = asset(code), PledgeStatus(status), fromNanos(created)
	return p, nil
}

func (s *Service) pledge(ctx context.Context, id string) (Pledge, error) {
	p, err := scanPledge(s.db.Reader().QueryRowContext(ctx, "SELECT "+pledgeCols+" FROM payment_group_gift_pledges WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Pledge{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such pledge")
	}
	if err != nil {
		return Pledge{}, fmt.Errorf("pledge: %w", err)
	}
	if u, err := s.social.UserByID(ctx, p.UserID); err == nil {
		p.Handle = u.Handle
	}
	return p, nil
}

// GroupGift returns a gift to a signed-in member: its progress for all,
// every pledge for its organizer, the viewer's own for others. Errors:
// NotFound.
func (s *Service) GroupGift(ctx context.Context, viewerID, id string) (GroupGift, error) {
	var g GroupGift
	var code, status string
	var deadline, created int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, organizer_id, recipient_id, asset, target, pledged, title, deadline, status, post_id, created_at
		FROM payment_group_gifts WHERE id = $1`, id).Scan(&g.ID, &g.OrganizerID, &g.RecipientID, &code, &g.Target.Minor, &g.Pledged, &g.Title,
		&deadline, &status, &g.PostID, &created)
	if errors.Is(err, sql.ErrNoRows) || viewerID == "" {
		return GroupGift{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such group gift")
	}
	if err != nil {
		return GroupGift{}, fmt.Errorf("group gift: %w", err)
	}
	g.Target.Asset, g.Status, g.Deadline, g.CreatedAt = asset(code), GroupGiftStatus(status), fromNanos(deadline), fromNanos(created)
	for _, u := range []struct {
		id string
		h  *string
	}{{g.OrganizerID, &g.OrganizerHandle}, {g.RecipientID, &g.RecipientHandle}} {
		who, err := s.social.UserByID(ctx, u.id)
		if err != nil {
			return GroupGift{}, err
		}
		*u.h = who.Handle
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+pledgeCols+" FROM payment_group_gift_pledges WHERE gift_id = $1 ORDER BY created_at, id", id)
	if err != nil {
		return GroupGift{}, fmt.Errorf("group gift: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPledge(rows)
		if err != nil {
			return GroupGift{}, err
		}
		if p.Status == PledgeReserved || p.Status == PledgeTaken {
			g.Pledgers++
		}
		if viewerID != g.OrganizerID && viewerID != p.UserID {
			continue
		}
		if u, err := s.social.UserByID(ctx, p.UserID); err == nil {
			p.Handle = u.Handle
		}
		g.Pledges = append(g.Pledges, p)
	}
	return g, rows.Err()
}

var (
	errGiftNotDue = errors.New("payments: group gift not due")
	errGiftLapsed = errors.New("payments: a pledge's reservation lapsed")
)

// SettleGroupGifts settles gifts whose deadline has passed (up to 50 a
// call) and returns how many it settled: a gift whose pledges reach its
// target is paid — every pledge posted and the escrow paid to the
// recipient, in one linked chain of one movement — and any other has
// every pledge released, each its own movement giving back the pledger's
// limits. For the background worker; safe in several processes at once:
// each movement is keyed by its gift or pledge (a second run replays it)
// and guarded by the status it expects.
func (s *Service) SettleGroupGifts(ctx context.Context) (int, error) {
	now := s.now().UnixNano()
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM payment_group_gifts WHERE (status = 'open' AND deadline <= $1)
		OR (status = 'failed' AND id IN (SELECT gift_id FROM payment_group_gift_pledges WHERE status = 'reserved')) ORDER BY deadline LIMIT 50`, now)
	if err != nil {
		return 0, fmt.Errorf("settle group gifts: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		done, err := s.settleGift(ctx, id)
		if err != nil {
			return n, fmt.Errorf("settle group gift %s: %w", id, err)
		}
		if done {
			n++
		}
	}
	return n, nil
}

func (s *Service) settleGift(ctx context.Context, id string) (bool, error) {
	g, err := s.GroupGift(ctx, "job", id)
	if err != nil {
		return false, err
	}
	if g.Status == GiftOpen && g.Pledged >= g.Target.Minor && g.Pledged > 0 {
		paid, err := s.payGift(ctx, g)
		if !errors.Is(err, errGiftLapsed) {
			return paid, err
		}
		// A reservation lapsed (the job did not run for a week): nobody is
		// paid, and the rest are released below.
	}
	if g.Status == GiftOpen {
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE payment_group_gifts SET status = 'failed', updated_at = $2 WHERE id = $1 AND status = 'open' AND deadline <= $2",
				id, s.now().UnixNano())
			return err
		})
		if err != nil {
			return false, err
		}
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+pledgeCols+" FROM payment_group_gift_pledges WHERE gift_id = $1 AND status = 'reserved' ORDER BY id", id)
	if err != nil {
		return false, err
	}
	var pledges []Pledge
	for rows.Next() {
		p, err := scanPledge(rows)
		if err != nil {
			rows.Close()
			return false, err
		}
		pledges = append(pledges, p)
	}
	rows.Close()
	released := false
	for _, p := range pledges {
		ok, err := s.releasePledge(ctx, g, p)
		if err != nil {
			return false, err
		}
		released = released || ok
	}
	return released || (g.Status == GiftOpen && len(pledges) == 0), nil
}

// payGift takes every pledge and pays the recipient, as one movement.
func (s *Service) payGift(ctx context.Context, g GroupGift) (bool, error) {
	code := g.Target.Asset.Code
	req := movement.Request{Kind: movement.GroupGiftPay, Reference: g.ID, Actor: "job", Key: "gift-pay:" + g.ID, Fingerprint: "pay",
		To: g.RecipientID, Asset: code, Amount: g.Pledged, Note: g.Title}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		now := tx.Now().UnixNano()
		r, err := tx.SQL.ExecContext(ctx, `UPDATE payment_group_gifts SET status = 'paid', updated_at = $2
			WHERE id = $1 AND status = 'open' AND deadline <= $2 AND pledged >= target`, g.ID, now)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errGiftNotDue
		}
		rows, err := tx.SQL.QueryContext(ctx, "SELECT id, pledger_id, amount, transfer_id FROM payment_group_gift_pledges WHERE gift_id = $1 AND status = 'reserved' ORDER BY id", g.ID)
		if err != nil {
			return err
		}
		type taken struct {
			id, pledger, tid string
			amount           int64
		}
		var list []taken
		var sum int64
		for rows.Next() {
			var t taken
			if err := rows.Scan(&t.id, &t.pledger, &t.amount, &t.tid); err != nil {
				rows.Close()
				return err
			}
			list = append(list, t)
			sum += t.amount
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if sum < g.Target.Minor {
			return fmt.Errorf("group gift %s: pledges add up to %d, below the target it was paid on", g.ID, sum)
		}
		var ts []ledger.Transfer
		for _, t := range list {
			ts = append(ts, ledger.Transfer{ID: "take:" + t.id, PendingID: t.tid, PostPending: true, Amount: t.amount, Code: "gift_pledge_take", Linked: true})
			if _, err := tx.SQL.ExecContext(ctx, "UPDATE payment_group_gift_pledges SET status = 'taken', updated_at = $2 WHERE id = $1 AND status = 'reserved'", t.id, now); err != nil {
				return err
			}
		}
		ts = append(ts, ledger.Transfer{ID: "gift:" + g.ID, DebitAccountID: giftEscrow(g.ID), CreditAccountID: walletID(g.RecipientID, code),
			Amount: sum, Asset: code, Code: "group_gift"})
		results, err := tx.SubmitMaybe(ctx, ts...)
		if err != nil {
			return err
		}
		for _, r := range results {
			if !r.OK() {
				return errGiftLapsed
			}
		}
		if _, err := tx.SQL.ExecContext(ctx, "UPDATE payment_group_gifts SET pledged = $2 WHERE id = $1", g.ID, sum); err != nil {
			return err
		}
		for _, t := range list {
			if err := s.notify(ctx, tx.SQL, t.pledger, NotifyGroupGift, g.RecipientID, g.PostID, "your pledge of "+fmtAmount(g.Target.Asset, t.amount)+" to "+g.Title+" was taken: the target was reached"); err != nil {
				return err
			}
		}
		return s.notify(ctx, tx.SQL, g.RecipientID, NotifyGroupGift, g.OrganizerID, g.PostID, "gave you "+fmtAmount(g.Target.Asset, sum)+" from a group gift: "+g.Title)
	})
	switch {
	case errors.Is(err, errGiftNotDue):
		return false, nil // paid by another process meanwhile
	case err != nil:
		return false, err
	}
	return !res.Replayed, nil
}

// releasePledge voids one pledge of a gift that missed its target.
func (s *Service) releasePledge(ctx context.Context, g GroupGift, p Pledge) (bool, error) {
	code := p.Amount.Asset.Code
	req := movement.Request{Kind: movement.GiftPledgeRelease, Reference: p.ID, Actor: "job", Key: "gift-release:" + p.ID, Fingerprint: "release",
		From: p.UserID, Asset: code, Amount: p.Amount.Minor,
		Unuse:    &compliance.Usage{Class: compliance.Spend, Amount: p.Amount.Minor, At: p.CreatedAt},
		Accounts: []string{walletID(p.UserID, code), giftEscrow(g.ID)}}
	lapsed := false
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		var tid string
		if err := tx.SQL.QueryRowContext(ctx, "SELECT transfer_id FROM payment_group_gift_pledges WHERE id = $1", p.ID).Scan(&tid); err != nil {
			return err
		}
		if err := s.setPledge(ctx, tx.SQL, p.ID, PledgeReserved, PledgeReleased); err != nil {
			return errGiftNotDue
		}
		r, err := tx.SubmitMaybe(ctx, ledger.Transfer{ID: "release:" + p.ID, PendingID: tid, VoidPending: true, Code: "gift_pledge_release"})
		if err != nil {
			return err
		}
		if !r[0].OK() {
			lapsed = true
			return errGiftLapsed
		}
		return s.notify(ctx, tx.SQL, p.UserID, NotifyGroupGift, "", g.PostID, g.Title+" missed its target: your pledge of "+money.Format(p.Amount)+" was released, and nobody paid")
	})
	switch {
	case errors.Is(err, errGiftNotDue):
		return false, nil
	case lapsed:
		// The ledger voided the reservation itself when its time ran out:
		// the money is the pledger's already; only the row says so now.
		return true, s.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE payment_group_gift_pledges SET status = 'released' WHERE id = $1 AND status = 'reserved'", p.ID)
			return err
		})
	case err != nil:
		return false, err
	}
	return !res.Replayed, nil
}
