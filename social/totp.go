package social

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/nestegg/nestegg"
)

const totpPeriod = 30 // seconds

// TOTPEnrollment is what an authenticator app needs: the secret (base32, for
// typing) and the otpauth:// URL (for a QR code).
type TOTPEnrollment struct {
	Secret string
	URL    string
}

// EnrollTOTP starts two-factor enrolment for userID: it makes a new secret,
// kept pending until ConfirmTOTP proves the app has it. Starting again
// replaces a pending secret. Only the owner may call it. Errors: Conflict
// when two-factor is already on, NotFound.
func (s *Service) EnrollTOTP(ctx context.Context, userID string) (TOTPEnrollment, error) {
	var out TOTPEnrollment
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var handle, secret string
		err := tx.QueryRowContext(ctx, "SELECT handle, totp_secret FROM users WHERE id = $1", userID).Scan(&handle, &secret)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("account")
		}
		if err != nil {
			return err
		}
		if secret != "" {
			return nestegg.Errorf(nestegg.Conflict, "two-factor authentication is already on")
		}
		key, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer, AccountName: "@" + handle, Period: totpPeriod})
		if err != nil {
			return err
		}
		out = TOTPEnrollment{Secret: key.Secret(), URL: key.URL()}
		_, err = tx.ExecContext(ctx, "UPDATE users SET totp_pending = $1, updated_at = $2 WHERE id = $3", out.Secret, nanos(s.now()), userID)
		return err
	})
	if err != nil {
		return TOTPEnrollment{}, fmt.Errorf("enrol TOTP: %w", err)
	}
	return out, nil
}

// ConfirmTOTP turns two-factor on for userID with a code from the app
// enrolled by EnrollTOTP. Only the owner may call it. Errors: Invalid with
// Param "code" for a wrong code, Conflict when no enrolment is pending (or
// two-factor is already on), NotFound.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		var secret, pending string
		err := tx.QueryRowContext(ctx, "SELECT totp_secret, totp_pending FROM users WHERE id = $1", userID).Scan(&secret, &pending)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("account")
		}
		if err != nil {
			return err
		}
		if secret != "" {
			return nestegg.Errorf(nestegg.Conflict, "two-factor authentication is already on")
		}
		if pending == "" {
			return nestegg.Errorf(nestegg.Conflict, "start two-factor enrolment first")
		}
		step, ok := matchTOTP(pending, code, s.now())
		if !ok {
			return nestegg.ParamErrorf(nestegg.Invalid, "code", "that code is not right; check your app's clock and try the current code")
		}
		_, err = tx.ExecContext(ctx, "UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_last_step = $1, updated_at = $2 WHERE id = $3",
			step, nanos(s.now()), userID)
		return err
	})
}

// DisableTOTP turns two-factor off for userID, given the password and a
// current code (spent: a code is good once). Only the owner may call it.
// Errors: Unauthenticated with Param "current_password" or "code" when
// either is wrong, Conflict when two-factor is off, RateLimited after
// repeated wrong passwords or codes, NotFound.
func (s *Service) DisableTOTP(ctx context.Context, userID, password, code string) error {
	r, err := s.checkCurrentPassword(ctx, userID, password)
	if err != nil {
		return err
	}
	if r.totpSecret == "" {
		return nestegg.Errorf(nestegg.Conflict, "two-factor authentication is off")
	}
	if err := r.code(s, code); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := r.done(ctx, tx); err != nil {
			return err
		}
		err := execOne(ctx, tx, nestegg.Errorf(nestegg.Conflict, "two-factor authentication is off"),
			"UPDATE users SET totp_secret = '', totp_pending = '', totp_last_step = 0, updated_at = $1 WHERE id = $2 AND totp_secret <> ''",
			nanos(s.now()), userID)
		return err
	})
}

// matchTOTP checks a 6-digit code against the time steps around now (one
// step either way for clock drift) and returns the step it matched. Codes
// are compared in constant time.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	found := int64(0)
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		want, err := hotp.GenerateCode(secret, uint64(step))
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found = step
		}
	}
	return found, found > 0
}
