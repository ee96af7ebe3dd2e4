package social

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/nestegg/nestegg"
)

// SetPaidCheck gives userID the paid verified check, or takes it away,
// inside tx (the transaction of the subscription change that decides it).
// Any trusted code may call it (package billing's Premium); it performs no
// permission check. Taking it away also ends a pending review. Errors:
// NotFound for no such account.
func (s *Service) SetPaidCheck(ctx context.Context, tx *sql.Tx, userID string, on bool) error {
	if on {
		return execOne(ctx, tx, notFound("account"), "UPDATE users SET paid_check = 1 WHERE id = $1", userID)
	}
	return execOne(ctx, tx, notFound("account"), "UPDATE users SET paid_check = 0, check_review = 0 WHERE id = $1", userID)
}

// CheckReviews lists the accounts whose paid check is hidden until staff
// approve a change of their display name, oldest first. Only staff may
// call it. Errors: Forbidden for anyone else.
func (s *Service) CheckReviews(ctx context.Context, staffID string) ([]User, error) {
	if err := s.requireStaff(ctx, staffID); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+userCols("u")+" FROM users u WHERE u.check_review = 1 ORDER BY u.updated_at, u.id LIMIT 200")
	if err != nil {
		return nil, fmt.Errorf("check reviews: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var us userScan
		if err := rows.Scan(us.dest()...); err != nil {
			return nil, fmt.Errorf("check reviews: %w", err)
		}
		out = append(out, us.user())
	}
	return out, rows.Err()
}

// ApproveCheck ends the review of userID's new display name: the paid
// check shows again. Only staff may call it. Errors: Forbidden; Conflict
// when no review is pending.
func (s *Service) ApproveCheck(ctx context.Context, staffID, userID string) error {
	if err := s.requireStaff(ctx, staffID); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, nestegg.Errorf(nestegg.Conflict, "no review of this account's check is pending"), "UPDATE users SET check_review = 0 WHERE id = $1 AND check_review = 1", userID)
	})
}
