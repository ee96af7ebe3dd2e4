package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
)

// Staff roles live in staff_roles, one row per staff member. What a role
// may use is decided by the web package's route table, not here; social
// keeps who holds which role and who gave it.

// StaffMember is one member of staff.
type StaffMember struct {
	User
	Role      Role
	GrantedBy string // the admin's user id; "" for the operator's tooling
	GrantedAt time.Time
}

// SetStaffRole gives targetID a staff role, or none with NoRole. Any user
// may call it; only an admin succeeds. An admin cannot remove their own
// admin role (so the platform keeps one). Errors: Forbidden when actorID is
// not an admin or demotes themselves, Invalid (Param "role"), NotFound.
func (s *Service) SetStaffRole(ctx context.Context, actorID, targetID string, role Role) error {
	if !role.valid() {
		return nestegg.ParamErrorf(nestegg.Invalid, "role", "a staff role is admin, support, compliance, finance, moderator or none")
	}
	if actorID == targetID && role != Admin {
		return nestegg.Errorf(nestegg.Forbidden, "an admin cannot remove their own admin role")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		// The actor's row is locked, so that two admins demoting each
		// other at once cannot both succeed and leave no admin.
		var actorRole Role
		err := tx.QueryRowContext(ctx, "SELECT role FROM staff_roles WHERE user_id = $1"+s.db.Dialect.ForUpdate(), actorID).Scan(&actorRole)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if actorRole != Admin {
			return nestegg.Errorf(nestegg.Forbidden, "only an admin can change staff roles")
		}
		return s.setRole(ctx, tx, actorID, targetID, role)
	})
}

// OperatorSetStaffRole gives targetID a staff role without an acting admin.
// Only the operator's own tooling (the admin CLI, the demo seeder) may call
// it: it exists to appoint the first admin and must never be reachable from
// a request. Errors: Invalid (Param "role"), NotFound.
func (s *Service) OperatorSetStaffRole(ctx context.Context, targetID string, role Role) error {
	if !role.valid() {
		return nestegg.ParamErrorf(nestegg.Invalid, "role", "a staff role is admin, support, compliance, finance, moderator or none")
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error { return s.setRole(ctx, tx, "", targetID, role) })
}

func (s *Service) setRole(ctx context.Context, tx *sql.Tx, actorID, targetID string, role Role) error {
	now := nanos(s.now())
	if err := execOne(ctx, tx, notFound("user"), "UPDATE users SET updated_at = $1 WHERE id = $2", now, targetID); err != nil {
		return err
	}
	if role == NoRole {
		_, err := tx.ExecContext(ctx, "DELETE FROM staff_roles WHERE user_id = $1", targetID)
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO staff_roles (user_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET role = excluded.role, granted_by = excluded.granted_by, granted_at = excluded.granted_at`,
		targetID, string(role), actorID, now)
	return err
}

// StaffRole returns userID's staff role, NoRole for a member (or nobody).
// Anyone may call it. Errors: database failures only.
func (s *Service) StaffRole(ctx context.Context, userID string) (Role, error) {
	var role Role
	err := s.db.Reader().QueryRowContext(ctx, "SELECT role FROM staff_roles WHERE user_id = $1", userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return NoRole, nil
	}
	if err != nil {
		return NoRole, fmt.Errorf("staff role: %w", err)
	}
	return role, nil
}

// Staff lists the staff, by role then handle. Only staff may call it (the
// caller checks the role). Errors: database failures only.
func (s *Service) Staff(ctx context.Context) ([]StaffMember, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+userCols("u")+`, r.role, r.granted_by, r.granted_at
		FROM staff_roles r JOIN users u ON u.id = r.user_id ORDER BY r.role, u.handle_lower LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("staff: %w", err)
	}
	defer rows.Close()
	var out []StaffMember
	for rows.Next() {
		var us userScan
		var m StaffMember
		var at int64
		if err := rows.Scan(append(us.dest(), &m.Role, &m.GrantedBy, &at)...); err != nil {
			return nil, fmt.Errorf("staff: %w", err)
		}
		m.User, m.GrantedAt = us.user(), time.Unix(0, at).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Service) requireStaff(ctx context.Context, staffID string) error {
	role, err := s.StaffRole(ctx, staffID)
	if err != nil || role == NoRole {
		return nestegg.Errorf(nestegg.Forbidden, "only staff review checks")
	}
	return nil
}

// NewMembers counts the accounts created each day (UTC) from from to to
// (both midnight UTC), by day, for staff reports. Errors: database
// failures.
func (s *Service) NewMembers(ctx context.Context, from, to time.Time) (map[time.Time]int64, error) {
	const day = int64(24 * time.Hour)
	rows, err := s.db.Reader().QueryContext(ctx, fmt.Sprintf(`SELECT created_at / %d, COUNT(*) FROM users
		WHERE created_at >= $1 AND created_at < $2 GROUP BY created_at / %d`, day, day), nanos(from), nanos(to))
	if err != nil {
		return nil, fmt.Errorf("new members: %w", err)
	}
	defer rows.Close()
	out := map[time.Time]int64{}
	for rows.Next() {
		var d, n int64
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("new members: %w", err)
		}
		out[time.Unix(0, d*day).UTC()] = n
	}
	return out, rows.Err()
}
