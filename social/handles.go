package social

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/nestegg/nestegg"
)

// Handles and gift handles share one namespace, table handle_claims: every
// member's handle and every merchant's gift handle ("@GiftACoffee @bob")
// holds a row, lower-cased. The primary key is what keeps them apart, also
// when a sign-up and a shop's settings race: nobody can sign up as a gift
// handle and so receive the mentions (and gift posts) meant for the shop,
// and no shop can take a person's handle and turn their mentions into
// purchases.

// ClaimGiftHandle makes handle (without '@'; "" for none) ownerID's gift
// handle, inside tx (the transaction of the shop's settings), releasing
// the one it had before. The caller has checked the handle's syntax and
// that ownerID is a business. Errors: Conflict (Param "gift_handle") when
// the handle is somebody's handle or another gift handle.
func (s *Service) ClaimGiftHandle(ctx context.Context, tx *sql.Tx, ownerID, handle string) error {
	h := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(handle), "@"))
	if _, err := tx.ExecContext(ctx, "DELETE FROM handle_claims WHERE owner_id = $1 AND kind = 'gift'", ownerID); err != nil {
		return err
	}
	if h == "" {
		return nil
	}
	var kind, owner string
	err := tx.QueryRowContext(ctx, "SELECT kind, owner_id FROM handle_claims WHERE handle_lower = $1", h).Scan(&kind, &owner)
	switch {
	case err == nil && kind == "user":
		return nestegg.ParamErrorf(nestegg.Conflict, "gift_handle", "@%s is somebody's handle", h)
	case err == nil:
		return nestegg.ParamErrorf(nestegg.Conflict, "gift_handle", "@%s is another merchant's gift handle", h)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO handle_claims (handle_lower, owner_id, kind, created_at) VALUES ($1, $2, 'gift', $3)",
		h, ownerID, nanos(s.now()))
	if nestegg.Is(err, nestegg.Conflict) {
		return nestegg.ParamErrorf(nestegg.Conflict, "gift_handle", "@%s was just taken", h)
	}
	return err
}

// claimUserHandle claims a new member's handle inside the sign-up's
// transaction. Errors: Conflict (Param "handle") when it is a gift handle
// or was just taken.
func claimUserHandle(ctx context.Context, tx *sql.Tx, userID, handleLower string, at int64) error {
	var kind string
	err := tx.QueryRowContext(ctx, "SELECT kind FROM handle_claims WHERE handle_lower = $1", handleLower).Scan(&kind)
	switch {
	case err == nil && kind == "gift":
		return nestegg.ParamErrorf(nestegg.Conflict, "handle", "@%s is a shop's gift handle", handleLower)
	case err == nil:
		return nestegg.ParamErrorf(nestegg.Conflict, "handle", "@%s is taken", handleLower)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO handle_claims (handle_lower, owner_id, kind, created_at) VALUES ($1, $2, 'user', $3)",
		handleLower, userID, at)
	return err
}
