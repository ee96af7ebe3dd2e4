package compliance

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
)

// Status returns a member's compliance state; a member never touched is
// unverified and not frozen. The member may see their own; staff anyone's
// (the caller decides). Errors: database failures only.
func (s *Service) Status(ctx context.Context, userID string) (Status, error) {
	st, err := scanStatus(s.db.Reader().QueryRowContext(ctx, "SELECT "+statusCols+" FROM compliance_users WHERE user_id = $1", userID))
	if errors.Is(err, sql.ErrNoRows) {
		return Status{UserID: userID, Tier: Unverified}, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("compliance status: %w", err)
	}
	return st, nil
}

// Freeze stops userID from sending money until Unfreeze. actorID is the
// staff member acting; only compliance staff may call it (the caller checks
// the role). The action is audited. Errors: Invalid (Param "reason") when
// reason is empty.
func (s *Service) Freeze(ctx context.Context, actorID, userID, reason string) error {
	return s.staff(ctx, actorID, userID, "freeze", reason, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE compliance_users SET frozen = 1, frozen_reason = $2, updated_at = $3 WHERE user_id = $1",
			userID, reason, s.now().UnixNano())
		return err
	})
}

// Unfreeze lets userID send again. Same contract as Freeze.
func (s *Service) Unfreeze(ctx context.Context, actorID, userID, reason string) error {
	return s.staff(ctx, actorID, userID, "unfreeze", reason, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE compliance_users SET frozen = 0, frozen_reason = '', updated_at = $2 WHERE user_id = $1",
			userID, s.now().UnixNano())
		return err
	})
}

// SetTier sets userID's KYC tier, which picks their limits. Same contract
// as Freeze, plus Invalid (Param "tier") for an unknown tier.
func (s *Service) SetTier(ctx context.Context, actorID, userID string, tier Tier, reason string) error {
	if !tier.valid() {
		return nestegg.ParamErrorf(nestegg.Invalid, "tier", "tier is %q, %q or %q", Unverified, Identified, Verified)
	}
	return s.staff(ctx, actorID, userID, "set_tier", string(tier)+": "+reason, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE compliance_users SET tier = $2, updated_at = $3 WHERE user_id = $1",
			userID, string(tier), s.now().UnixNano())
		return err
	})
}

func (s *Service) staff(ctx context.Context, actorID, userID, action, reason string, fn func(tx *sql.Tx) error) error {
	if strings.TrimSpace(reason) == "" || strings.HasSuffix(reason, ": ") {
		return nestegg.ParamErrorf(nestegg.Invalid, "reason", "say why, for the audit log")
	}
	if userID == "" {
		return nestegg.ParamErrorf(nestegg.Invalid, "user_id", "user_id is required")
	}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := s.lock(ctx, tx, userID); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		_, err := s.audit(ctx, tx, auditRow{action: action, actor: actorID, subject: userID, outcome: "done", reason: reason})
		return err
	})
	if err != nil {
		return fmt.Errorf("compliance %s: %w", action, err)
	}
	return nil
}

// Entry is one line of the audit log.
type Entry struct {
	ID        string
	At        time.Time
	Action    string // "check", "freeze", "unfreeze", "set_tier"
	ActorID   string
	SubjectID string
	Kind      Kind
	ToUser    string
	Asset     string
	Amount    int64
	Outcome   string // an Outcome for checks, "done" for staff actions
	Reason    string
	Reference string
}

// AuditPage is a page of the log, newest first; Next is "" at the end.
type AuditPage struct {
	Entries []Entry
	Next    string
}

// Audit returns the audit log, newest first, of one member (subjectID) or
// of everyone (""); limit is 1 to 200 (0 means 50). Only compliance staff
// may call it (the caller checks). Errors: Invalid (Param "cursor" or
// "limit").
func (s *Service) Audit(ctx context.Context, subjectID, cursor string, limit int) (AuditPage, error) {
	return s.auditPage(ctx, subjectID, false, cursor, limit)
}

// StaffAudit is Audit of staff actions only (every entry but the
// checkpoint's checks of movements), of everyone. Same contract as Audit.
func (s *Service) StaffAudit(ctx context.Context, cursor string, limit int) (AuditPage, error) {
	return s.auditPage(ctx, "", true, cursor, limit)
}

func (s *Service) auditPage(ctx context.Context, subjectID string, staffOnly bool, cursor string, limit int) (AuditPage, error) {
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		return AuditPage{}, nestegg.ParamErrorf(nestegg.Invalid, "limit", "limit is 1 to 200")
	}
	at, id := int64(math.MaxInt64), ""
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		a, i, ok := strings.Cut(string(raw), "|")
		n, perr := strconv.ParseInt(a, 10, 64)
		if err != nil || !ok || perr != nil {
			return AuditPage{}, nestegg.ParamErrorf(nestegg.Invalid, "cursor", "bad cursor; use the one the previous page returned")
		}
		at, id = n, i
	}
	q := `SELECT id, at, action, actor_id, subject_id, kind, to_user, asset, amount, outcome, reason, reference FROM compliance_audit
		WHERE (at < $1 OR (at = $1 AND id < $2)) AND ($3 = '' OR subject_id = $3) AND ($5 = 0 OR action <> 'check') ORDER BY at DESC, id DESC LIMIT $4`
	if id == "" {
		id = "\U0010FFFF"
	}
	staff := 0
	if staffOnly {
		staff = 1
	}
	rows, err := s.db.Reader().QueryContext(ctx, q, at, id, subjectID, limit+1, staff)
	if err != nil {
		return AuditPage{}, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var out AuditPage
	for rows.Next() {
		var e Entry
		var ts int64
		var kind string
		if err := rows.Scan(&e.ID, &ts, &e.Action, &e.ActorID, &e.SubjectID, &kind, &e.ToUser, &e.Asset, &e.Amount, &e.Outcome, &e.Reason, &e.Reference); err != nil {
			return AuditPage{}, fmt.Errorf("audit: %w", err)
		}
		e.At, e.Kind = time.Unix(0, ts).UTC(), Kind(kind)
		out.Entries = append(out.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return AuditPage{}, fmt.Errorf("audit: %w", err)
	}
	if len(out.Entries) > limit {
		out.Entries = out.Entries[:limit]
		last := out.Entries[limit-1]
		out.Next = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(last.At.UnixNano(), 10) + "|" + last.ID))
	}
	return out, nil
}

// Allowance is how much of each limit a member has used and has left.
type Allowance struct {
	Tier      Tier
	Asset     string
	Limits    Limits
	UsedDay   int64
	UsedMonth int64
}

// Allowance returns userID's limits and usage, for a wallet page. The
// member may see their own. Errors: database failures only.
func (s *Service) Allowance(ctx context.Context, userID string) (Allowance, error) {
	st, err := s.Status(ctx, userID)
	if err != nil {
		return Allowance{}, err
	}
	a := Allowance{Tier: st.Tier, Asset: s.cfg.Asset, Limits: s.rules().Limits[st.Tier]}
	a.UsedDay, a.UsedMonth, err = s.used(ctx, s.db.Reader(), userID, Spend, s.now())
	if err != nil {
		return Allowance{}, fmt.Errorf("allowance: %w", err)
	}
	return a, nil
}

// StaffAction is one staff action for the audit log: who (ActorID, in
// Role), what (Action, on Subject, with Reference: the request's method
// and path), why (Reason), and how it ended (Outcome).
type StaffAction struct {
	ActorID   string
	Role      string
	Action    string
	Subject   string
	Reference string
	Reason    string
	Outcome   string // "requested", "done", or "failed: <code>"
}

// RecordStaffAction appends a to the audit log in a transaction of its
// own. Any trusted code may call it (the web's staff routes record every
// action before and after it runs; the admin CLI records role changes).
// Errors: Invalid when Action, ActorID or Outcome is empty.
func (s *Service) RecordStaffAction(ctx context.Context, a StaffAction) error {
	if a.Action == "" || a.ActorID == "" || a.Outcome == "" {
		return nestegg.Errorf(nestegg.Invalid, "a staff action needs an action, an actor and an outcome")
	}
	actor := a.ActorID
	if a.Role != "" {
		actor += " (" + a.Role + ")"
	}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := s.audit(ctx, tx, auditRow{action: a.Action, actor: a.ActorID, subject: a.Subject, kind: "staff:" + a.Role,
			outcome: a.Outcome, reason: a.Reason, reference: a.Reference})
		return err
	})
	if err != nil {
		return fmt.Errorf("record staff action %s by %s: %w", a.Action, actor, err)
	}
	return nil
}
