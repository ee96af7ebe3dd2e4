package social

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
)

// SetOrgBadge gives userID the organization badge, or takes it away,
// inside tx (the transaction of the subscription change that decides it).
// Any trusted code may call it (package billing's organization tier); it
// performs no permission check. Errors: NotFound for no such account.
func (s *Service) SetOrgBadge(ctx context.Context, tx *sql.Tx, userID string, on bool) error {
	return execOne(ctx, tx, notFound("account"), "UPDATE users SET org_badge = $2 WHERE id = $1", userID, boolInt(on))
}

// SetOfficial gives userID the official label, or takes it away. The
// caller is staff whose role allows it and records the action with its
// reason in the audit log (the console's role table does both). Errors:
// NotFound; Conflict when the account already is (or is not) official.
func (s *Service) SetOfficial(ctx context.Context, userID string, on bool) error {
	msg := "the account is official already"
	if !on {
		msg = "the account is not official"
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		var cur int
		err := tx.QueryRowContext(ctx, "SELECT official FROM users WHERE id = $1", userID).Scan(&cur)
		if err == sql.ErrNoRows {
			return notFound("account")
		}
		if err != nil {
			return err
		}
		return execOne(ctx, tx, nestegg.Errorf(nestegg.Conflict, "%s", msg), "UPDATE users SET official = $2 WHERE id = $1 AND official = $3",
			userID, boolInt(on), boolInt(!on))
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// AffiliationStatus is where an affiliation stands.
type AffiliationStatus string

// The statuses.
const (
	AffiliateInvited AffiliationStatus = "invited" // the organization asked; the member has not answered
	AffiliateActive  AffiliationStatus = "active"  // the member accepted: their account shows the mark
)

// Affiliation links an organization and a member.
type Affiliation struct {
	Org       User
	Member    User
	Status    AffiliationStatus
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Notification kinds of affiliations.
const (
	NotifyAffiliateInvite NotificationKind = "affiliate.invite"
	NotifyAffiliate       NotificationKind = "affiliate"
)

// MaxInvitations is how many invitations a member may have waiting.
const MaxInvitations = 20

// InviteAffiliate asks the member with handle to become an affiliate of
// orgID, which holds the organization badge and pays for seats seats
// (package billing says how many; the caller passes them). Invitations and
// affiliates together never exceed seats: the organization's row is locked
// while they are counted, so two invitations at once cannot both take the
// last seat. The member is told.
//
// Errors: Forbidden when orgID has no organization badge; NotFound (Param
// "handle"); Invalid (Param "handle") for the organization itself;
// Conflict (Param "seats") when every seat is taken, (Param "handle") when
// invited or affiliated already, or the member has too many invitations.
func (s *Service) InviteAffiliate(ctx context.Context, orgID, handle string, seats int) (Affiliation, error) {
	org, err := s.UserByID(ctx, orgID)
	if err != nil {
		return Affiliation{}, err
	}
	if !org.Organization {
		return Affiliation{}, nestegg.Errorf(nestegg.Forbidden, "only an organization (a business on the organization tier) adds affiliates")
	}
	m, err := s.UserByHandle(ctx, handle)
	if err != nil {
		return Affiliation{}, nestegg.ParamErrorf(nestegg.NotFound, "handle", "nobody is called @%s", strings.TrimPrefix(handle, "@"))
	}
	if m.ID == orgID {
		return Affiliation{}, nestegg.ParamErrorf(nestegg.Invalid, "handle", "an organization is not its own affiliate")
	}
	now := s.now()
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		// Lock the organization's row: counting and inserting must not
		// interleave with another invitation's (PostgreSQL's READ
		// COMMITTED would let both see a free seat; SQLite has one writer).
		if err := execOne(ctx, tx, notFound("account"), "UPDATE users SET org_badge = org_badge WHERE id = $1", orgID); err != nil {
			return err
		}
		var taken, waiting int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM affiliations WHERE org_id = $1", orgID).Scan(&taken); err != nil {
			return err
		}
		if taken >= seats {
			return nestegg.ParamErrorf(nestegg.Conflict, "seats", "all %d seats are taken; add seats first", seats)
		}
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM affiliations WHERE member_id = $1 AND status = 'invited'", m.ID).Scan(&waiting); err != nil {
			return err
		}
		if waiting >= MaxInvitations {
			return nestegg.ParamErrorf(nestegg.Conflict, "handle", "@%s has too many invitations waiting", m.Handle)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO affiliations (org_id, member_id, status, created_at, updated_at) VALUES ($1, $2, 'invited', $3, $3)`,
			orgID, m.ID, nanos(now)); err != nil {
			if err := s.db.Translate(err); nestegg.Is(err, nestegg.Conflict) {
				return nestegg.ParamErrorf(nestegg.Conflict, "handle", "@%s is invited or affiliated already", m.Handle)
			}
			return err
		}
		return s.Notify(ctx, tx, m.ID, NotifyAffiliateInvite, orgID, "",
			fmt.Sprintf("@%s invites you to be one of its affiliates: your profile would show its mark. Answer on the Organization page.", org.Handle))
	})
	if err != nil {
		return Affiliation{}, fmt.Errorf("invite affiliate: %w", err)
	}
	return Affiliation{Org: org, Member: m, Status: AffiliateInvited, CreatedAt: now, UpdatedAt: now}, nil
}

// AcceptAffiliation makes memberID an active affiliate of the organization
// with orgHandle, which invited them. A member is affiliated with one
// organization at a time. The organization is told.
//
// Errors: NotFound when no invitation from it waits; Conflict when the
// member is affiliated with another organization (leave it first).
func (s *Service) AcceptAffiliation(ctx context.Context, memberID, orgHandle string) error {
	org, err := s.UserByHandle(ctx, orgHandle)
	if err != nil {
		return nestegg.ParamErrorf(nestegg.NotFound, "handle", "no invitation from @%s", strings.TrimPrefix(orgHandle, "@"))
	}
	m, err := s.UserByID(ctx, memberID)
	if err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE affiliations SET status = 'active', updated_at = $3 WHERE org_id = $1 AND member_id = $2 AND status = 'invited'",
			org.ID, memberID, nanos(s.now()))
		if err != nil {
			if err := s.db.Translate(err); nestegg.Is(err, nestegg.Conflict) {
				return nestegg.ParamErrorf(nestegg.Conflict, "handle", "you are another organization's affiliate; leave it first")
			}
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM affiliations WHERE org_id = $1 AND member_id = $2 AND status = 'active'", org.ID, memberID).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			return nestegg.ParamErrorf(nestegg.NotFound, "handle", "no invitation from @%s", org.Handle)
		}
		return s.Notify(ctx, tx, org.ID, NotifyAffiliate, memberID, "", fmt.Sprintf("@%s is now one of your affiliates.", m.Handle))
	})
	if err != nil {
		return fmt.Errorf("accept affiliation: %w", err)
	}
	return nil
}

// EndAffiliation ends an invitation or an affiliation between orgID and
// memberID; either side may (an organization removing an affiliate, a
// member declining or leaving). The other side is told. byOrg says which
// side asks. Errors: NotFound when there is none.
func (s *Service) EndAffiliation(ctx context.Context, orgID, memberID string, byOrg bool) error {
	org, err := s.UserByID(ctx, orgID)
	if err != nil {
		return err
	}
	m, err := s.UserByID(ctx, memberID)
	if err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, "SELECT status FROM affiliations WHERE org_id = $1 AND member_id = $2", orgID, memberID).Scan(&status)
		if err == sql.ErrNoRows {
			return nestegg.ParamErrorf(nestegg.NotFound, "handle", "there is no affiliation between @%s and @%s", org.Handle, m.Handle)
		}
		if err != nil {
			return err
		}
		if err := execOne(ctx, tx, nestegg.Errorf(nestegg.Conflict, "the affiliation changed meanwhile; look again"),
			"DELETE FROM affiliations WHERE org_id = $1 AND member_id = $2 AND status = $3", orgID, memberID, status); err != nil {
			return err
		}
		if byOrg {
			return s.Notify(ctx, tx, memberID, NotifyAffiliate, orgID, "", fmt.Sprintf("@%s ended your affiliation.", org.Handle))
		}
		text := fmt.Sprintf("@%s left your affiliates.", m.Handle)
		if status == string(AffiliateInvited) {
			text = fmt.Sprintf("@%s declined your invitation.", m.Handle)
		}
		return s.Notify(ctx, tx, orgID, NotifyAffiliate, memberID, "", text)
	})
	if err != nil {
		return fmt.Errorf("end affiliation: %w", err)
	}
	return nil
}

// Affiliates lists orgID's affiliates and invitations, active first, then
// by handle. Only the organization (or staff, through their own routes)
// may call it.
func (s *Service) Affiliates(ctx context.Context, orgID string) ([]Affiliation, error) {
	return s.affiliations(ctx, "a.org_id = $1 ORDER BY a.status, m.handle", orgID)
}

// Affiliations lists memberID's invitations and affiliation, active first.
// Only the member may call it.
func (s *Service) Affiliations(ctx context.Context, memberID string) ([]Affiliation, error) {
	return s.affiliations(ctx, "a.member_id = $1 ORDER BY a.status, a.created_at DESC", memberID)
}

// SeatsTaken is how many of orgID's seats affiliates and invitations take.
func (s *Service) SeatsTaken(ctx context.Context, orgID string) (int, error) {
	var n int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM affiliations WHERE org_id = $1", orgID).Scan(&n)
	return n, err
}

func (s *Service) affiliations(ctx context.Context, where, id string) ([]Affiliation, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+userCols("o")+", "+userCols("m")+`, a.status, a.created_at, a.updated_at
		FROM affiliations a JOIN users o ON o.id = a.org_id JOIN users m ON m.id = a.member_id WHERE `+where+" LIMIT 1000", id)
	if err != nil {
		return nil, fmt.Errorf("affiliations: %w", err)
	}
	defer rows.Close()
	var out []Affiliation
	for rows.Next() {
		var o, m userScan
		var a Affiliation
		var status string
		var created, updated int64
		if err := rows.Scan(append(append(o.dest(), m.dest()...), &status, &created, &updated)...); err != nil {
			return nil, fmt.Errorf("affiliations: %w", err)
		}
		a.Org, a.Member, a.Status = o.user(), m.user(), AffiliationStatus(status)
		a.CreatedAt, a.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, a)
	}
	return out, rows.Err()
}
