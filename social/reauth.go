package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/nestegg/nestegg"
)

// Sensitive changes to an account (its password, email, two-factor, API
// tokens) ask for the current password again, and for a code when
// two-factor is on and the change could outlive a stolen session: a
// session alone, found on an unlocked laptop or stolen from a browser,
// must not be enough to keep the account.

// reauth is an owner's password, checked before a sensitive change, and
// possibly a code; done records its success in the change's transaction.
type reauth struct {
	userID     string
	guard      string
	totpSecret string // "" when two-factor is off
	totpStep   int64  // set by code
}

func errCurrentPassword() error {
	return nestegg.ParamErrorf(nestegg.Unauthenticated, "current_password", "your current password is not right")
}

// checkCurrentPassword reserves an attempt on the owner's own guard, so a
// stolen session cannot guess the password for long, and checks it.
// Errors: Unauthenticated with Param "current_password", RateLimited,
// NotFound.
func (s *Service) checkCurrentPassword(ctx context.Context, userID, password string) (*reauth, error) {
	g := s.reauthGuard(userID)
	if err := s.reserveAttempt(ctx, []guard{g}); err != nil {
		return nil, err
	}
	r := &reauth{userID: userID, guard: g.key}
	var hash string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT password_hash, totp_secret FROM users WHERE id = $1", userID).Scan(&hash, &r.totpSecret)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("account")
	}
	if err != nil {
		return nil, fmt.Errorf("check password: %w", err)
	}
	if len(password) > MaxPassword {
		return nil, errCurrentPassword()
	}
	ok, _, err := s.verifyPassword(ctx, hash, password)
	if err != nil {
		return nil, fmt.Errorf("check password: %w", err)
	}
	if !ok {
		return nil, errCurrentPassword()
	}
	return r, nil
}

// code checks a TOTP code within the same reserved attempt (a wrong code
// stays counted, like a wrong password). Errors: Unauthenticated with
// Param "code", for a missing code too.
func (r *reauth) code(s *Service, code string) error {
	if strings.TrimSpace(code) == "" {
		return nestegg.ParamErrorf(nestegg.Unauthenticated, "code", "two-factor is on: enter the code from your authenticator app")
	}
	step, ok := matchTOTP(r.totpSecret, code, s.now())
	if !ok {
		return errWrongCode()
	}
	r.totpStep = step
	return nil
}

// done records the check's success in the change's transaction: a code is
// spent (a reused one is refused with Param "code") and the guard cleared.
func (r *reauth) done(ctx context.Context, tx *sql.Tx) error {
	if r.totpStep > 0 {
		err := execOne(ctx, tx, errWrongCode(), "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1", r.totpStep, r.userID)
		if err != nil {
			return err
		}
	}
	return clearGuards(ctx, tx, []string{r.guard})
}

// ChangePassword replaces userID's password after checking the current one,
// and ends every other session of the account (keepToken names the caller's
// own session to keep; "" ends them all) and every API token: whoever
// learnt the old password may have made some. Only the owner may call it.
// Errors: Invalid with Param "new_password" for a weak password;
// Unauthenticated with Param "current_password" when the current password
// is wrong; RateLimited after repeated wrong attempts; NotFound.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next, keepToken string) error {
	if err := checkPassword("new_password", next); err != nil {
		return err
	}
	r, err := s.checkCurrentPassword(ctx, userID, current)
	if err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		err := execOne(ctx, tx, notFound("account"), "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", hash, nanos(s.now()), userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", userID, hashSecret(keepToken)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM api_tokens WHERE user_id = $1", userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_challenges WHERE user_id = $1", userID); err != nil {
			return err
		}
		return r.done(ctx, tx)
	})
}

// ChangeEmail sets userID's email address after checking the password; the
// new address is unverified (links sent to the old one no longer work) until
// a verification link sent to it is used. Only the owner may call it. Errors: Invalid (Param "email"), Conflict (Param
// "email") when another account has it, Unauthenticated (Param
// "current_password"), RateLimited, NotFound.
func (s *Service) ChangeEmail(ctx context.Context, userID, password, email string) (Account, error) {
	email, err := cleanEmail(email)
	if err != nil {
		return Account{}, err
	}
	r, err := s.checkCurrentPassword(ctx, userID, password)
	if err != nil {
		return Account{}, err
	}
	var a Account
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE email_lower = $1 AND id <> $2", strings.ToLower(email), userID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nestegg.ParamErrorf(nestegg.Conflict, "email", "that email address already has an account")
		}
		err := execOne(ctx, tx, notFound("account"), `UPDATE users SET email = $1, email_lower = $2, updated_at = $3,
			email_verified_at = CASE WHEN email_lower = $2 THEN email_verified_at ELSE 0 END WHERE id = $4`,
			email, strings.ToLower(email), nanos(s.now()), userID)
		if err != nil {
			return err
		}
		if err := r.done(ctx, tx); err != nil {
			return err
		}
		a, err = s.account(ctx, tx, userID)
		return err
	})
	return a, err
}
