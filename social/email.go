package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
)

// Email links: a member proves an address, or recovers an account, with a
// single-use link sent to it. Only the SHA-256 of a link's token is kept
// (like sessions' and API tokens'); the token itself is in the email only.
//
//   - A verification link lasts VerifyLinkTTL; a reset link ResetLinkTTL.
//   - A link is spent by a guarded update (used_at = 0 AND expires_at >
//     now, one row), so two tabs using it at once succeed once.
//   - A link is for the address it was sent to: after a change of address
//     it proves nothing, and a verification link no longer verifies.
//   - Caps: MaxResetLinks reset links an account an hour, and
//     MaxVerifyLinks verification links a day (nobody can make Nestegg mail
//     someone without end); a reset link takes MaxLinkAttempts wrong
//     second-factor codes and is then spent. Tokens are 256-bit random:
//     guessing one is hopeless, and the address rate limit on the forms
//     caps the tries anyway.

// Link lifetimes and caps.
const (
	VerifyLinkTTL   = 48 * time.Hour
	ResetLinkTTL    = time.Hour
	MaxResetLinks   = 3 // an account, an hour
	MaxVerifyLinks  = 5 // an account, a day
	MaxLinkAttempts = 5 // wrong codes on one reset link
)

const (
	linkVerify = "verify"
	linkReset  = "reset"
)

// EmailLink is a link just made, for the mail that carries it: Token is
// the secret, never stored.
type EmailLink struct {
	UserID      string
	Handle      string
	DisplayName string
	Email       string
	Token       string
	ExpiresAt   time.Time
	TwoFactor   bool // a reset will ask for a code
}

// errLinkGone is every unusable link's answer: unknown, used, expired or
// for another address alike.
func errLinkGone() error {
	return nestegg.ParamErrorf(nestegg.NotFound, "token", "this link has expired or was already used; ask for a new one")
}

// makeLink inserts a link for the user in tx, unless cap links of purpose
// were made within per. It reports false when capped.
func (s *Service) makeLink(ctx context.Context, tx *sql.Tx, purpose string, l *EmailLink, ttl, per time.Duration, cap int) (bool, error) {
	now := s.now()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM email_links WHERE user_id = $1 AND purpose = $2 AND created_at > $3",
		l.UserID, purpose, nanos(now.Add(-per))).Scan(&n); err != nil {
		return false, err
	}
	if n >= cap {
		return false, nil
	}
	l.Token = newSecret()
	l.ExpiresAt = now.Add(ttl)
	_, err := tx.ExecContext(ctx, `INSERT INTO email_links (id, user_id, purpose, token_hash, email, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, newID("eml"), l.UserID, purpose, hashSecret(l.Token), strings.ToLower(l.Email), nanos(l.ExpiresAt), nanos(now))
	return err == nil, err
}

// RequestPasswordReset makes a reset link for the account with email, for
// anyone to call (the forgot-password form). It reports false, with no
// error, when no account has that address, the address is not one, or the
// account has had MaxResetLinks links this hour: the caller answers the
// same either way, so that the form does not reveal who has an account.
// Errors: only database failures.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) (EmailLink, bool, error) {
	email = strings.TrimSpace(email)
	if len(email) > MaxEmail || !strings.Contains(email, "@") {
		return EmailLink{}, false, nil
	}
	var l EmailLink
	ok := false
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT id, handle, display_name, email, totp_secret <> '' FROM users WHERE email_lower = $1",
			strings.ToLower(email)).Scan(&l.UserID, &l.Handle, &l.DisplayName, &l.Email, &l.TwoFactor)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		ok, err = s.makeLink(ctx, tx, linkReset, &l, ResetLinkTTL, time.Hour, MaxResetLinks)
		return err
	})
	if err != nil {
		return EmailLink{}, false, fmt.Errorf("password reset: %w", err)
	}
	if !ok {
		return EmailLink{}, false, nil
	}
	return l, true, nil
}

// StartEmailVerification makes a verification link for userID's address.
// The owner calls it (a resend) and sign-up does. Errors: Conflict when
// the address is already verified; RateLimited after MaxVerifyLinks links
// in a day; NotFound.
func (s *Service) StartEmailVerification(ctx context.Context, userID string) (EmailLink, error) {
	l := EmailLink{UserID: userID}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		var verified int64
		err := tx.QueryRowContext(ctx, "SELECT handle, display_name, email, email_verified_at FROM users WHERE id = $1",
			userID).Scan(&l.Handle, &l.DisplayName, &l.Email, &verified)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("account")
		}
		if err != nil {
			return err
		}
		if verified != 0 {
			return nestegg.ParamErrorf(nestegg.Conflict, "email", "your email address is already verified")
		}
		ok, err := s.makeLink(ctx, tx, linkVerify, &l, VerifyLinkTTL, 24*time.Hour, MaxVerifyLinks)
		if err == nil && !ok {
			return nestegg.Errorf(nestegg.RateLimited, "we sent %d verification emails today; use the latest, or try again tomorrow", MaxVerifyLinks)
		}
		return err
	})
	if err != nil {
		return EmailLink{}, fmt.Errorf("email verification: %w", err)
	}
	return l, nil
}

// link is a stored link found by its token.
type link struct {
	id, userID, email, current, totp string
	attempts                         int
}

// findLink returns the usable link of purpose with token, in tx: not used,
// not expired, for the account's current address. Errors: errLinkGone.
func (s *Service) findLink(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, purpose, token string) (link, error) {
	var l link
	if token == "" || len(token) > 200 {
		return l, errLinkGone()
	}
	err := q.QueryRowContext(ctx, `SELECT l.id, l.user_id, l.email, u.email_lower, u.totp_secret, l.attempts
		FROM email_links l JOIN users u ON u.id = l.user_id
		WHERE l.token_hash = $1 AND l.purpose = $2 AND l.used_at = 0 AND l.expires_at > $3`,
		hashSecret(token), purpose, nanos(s.now())).Scan(&l.id, &l.userID, &l.email, &l.current, &l.totp, &l.attempts)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && l.email != l.current) {
		return link{}, errLinkGone()
	}
	return l, err
}

// spend marks l used, guarded: a link spent meanwhile is gone.
func (s *Service) spend(ctx context.Context, tx *sql.Tx, l link) error {
	return execOne(ctx, tx, errLinkGone(), "UPDATE email_links SET used_at = $1 WHERE id = $2 AND used_at = 0", nanos(s.now()), l.id)
}

// VerifyEmail spends a verification link and marks its address verified.
// Anyone holding the link may call it (it is the proof). Errors: NotFound
// with Param "token" for a link unknown, used, expired or for an address
// the account no longer has.
func (s *Service) VerifyEmail(ctx context.Context, token string) (Account, error) {
	var a Account
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		l, err := s.findLink(ctx, tx, linkVerify, token)
		if err != nil {
			return err
		}
		if err := s.spend(ctx, tx, l); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at = 0", nanos(s.now()), l.userID); err != nil {
			return err
		}
		a, err = s.account(ctx, tx, l.userID)
		return err
	})
	if err != nil && !nestegg.Is(err, nestegg.NotFound) {
		err = fmt.Errorf("verify email: %w", err)
	}
	return a, err
}

// ResetLink says what the reset form needs to show for a link.
type ResetLink struct {
	Handle    string
	NeedsCode bool // two-factor is on: ResetPassword wants a code
}

// CheckResetLink says whether a reset link is usable, without spending it
// (the form's first view). Errors: NotFound with Param "token".
func (s *Service) CheckResetLink(ctx context.Context, token string) (ResetLink, error) {
	l, err := s.findLink(ctx, s.db.Reader(), linkReset, token)
	if err != nil {
		return ResetLink{}, err
	}
	var handle string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT handle FROM users WHERE id = $1", l.userID).Scan(&handle); err != nil {
		return ResetLink{}, fmt.Errorf("reset link: %w", err)
	}
	return ResetLink{Handle: handle, NeedsCode: l.totp != ""}, nil
}

// ResetPassword spends a reset link and sets the account's password to
// next. When two-factor is on, code must be a current code from the app:
// a wrong one counts against the link, which is spent after
// MaxLinkAttempts. It ends every session and API token of the account
// (whoever knew the old password may hold some), its pending sign-ins and
// its login lockouts, spends its other reset links, and marks the address
// verified (the link reached it). Anyone holding the link may call it.
// Errors: Invalid (Param "new_password"); NotFound (Param "token") for an
// unusable link; Unauthenticated (Param "code") for a missing or wrong
// code.
func (s *Service) ResetPassword(ctx context.Context, token, next, code string) error {
	if err := checkPassword("new_password", next); err != nil {
		return err
	}
	l, err := s.findLink(ctx, s.db.Reader(), linkReset, token)
	if err != nil {
		return err
	}
	var step int64
	if l.totp != "" {
		var ok bool
		if strings.TrimSpace(code) != "" {
			step, ok = matchTOTP(l.totp, code, s.now())
		}
		if !ok {
			if err := s.linkMiss(ctx, l); err != nil {
				return err
			}
			if strings.TrimSpace(code) == "" {
				return nestegg.ParamErrorf(nestegg.Unauthenticated, "code", "two-factor is on: enter the code from your authenticator app")
			}
			return errWrongCode()
		}
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		l, err := s.findLink(ctx, tx, linkReset, token)
		if err != nil {
			return err
		}
		if err := s.spend(ctx, tx, l); err != nil {
			return err
		}
		now := nanos(s.now())
		if step > 0 {
			if err := execOne(ctx, tx, errWrongCode(), "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1", step, l.userID); err != nil {
				return err
			}
		}
		if err := execOne(ctx, tx, errLinkGone(), `UPDATE users SET password_hash = $1, updated_at = $2,
			email_verified_at = CASE WHEN email_verified_at = 0 THEN $2 ELSE email_verified_at END WHERE id = $3`, hash, now, l.userID); err != nil {
			return err
		}
		for _, q := range []string{
			"DELETE FROM sessions WHERE user_id = $1",
			"DELETE FROM api_tokens WHERE user_id = $1",
			"DELETE FROM login_challenges WHERE user_id = $1",
			"UPDATE email_links SET used_at = $2 WHERE user_id = $1 AND purpose = 'reset' AND used_at = 0",
		} {
			args := []any{l.userID}
			if strings.Contains(q, "$2") {
				args = append(args, now)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		// The owner proved the address: the lockouts that guessing put on
		// the account (from any address) no longer stand in their way.
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_guards WHERE lock_key LIKE $1", "addr|"+l.userID+"|%"); err != nil {
			return err
		}
		return clearGuards(ctx, tx, []string{"acct|" + l.userID, s.reauthGuard(l.userID).key})
	})
	if err != nil && !nestegg.Is(err, nestegg.NotFound) && !nestegg.Is(err, nestegg.Unauthenticated) {
		return fmt.Errorf("reset password: %w", err)
	}
	return err
}

// linkMiss counts a wrong code against a reset link, spending it at
// MaxLinkAttempts.
func (s *Service) linkMiss(ctx context.Context, l link) error {
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE email_links SET attempts = attempts + 1,
			used_at = CASE WHEN attempts + 1 >= $1 THEN $2 ELSE used_at END WHERE id = $3 AND used_at = 0`,
			MaxLinkAttempts, nanos(s.now()), l.id)
		return err
	})
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	return nil
}

// SetWeeklySummary turns userID's weekly summary email on or off. Only the
// owner may call it. Errors: NotFound.
func (s *Service) SetWeeklySummary(ctx context.Context, userID string, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, notFound("account"), "UPDATE users SET weekly_summary = $1 WHERE id = $2", v, userID)
	})
}

// Recipient is what email needs of a member.
type Recipient struct {
	UserID      string
	Handle      string
	DisplayName string
	Email       string
	Verified    bool // the address is proven: receipts and summaries go only there
	Weekly      bool // wants the weekly summary
}

// Recipients returns members with a verified address who want the weekly
// summary, after the id after (""), in id order, at most limit, for the
// weekly job. Errors: only database failures.
func (s *Service) Recipients(ctx context.Context, after string, limit int) ([]Recipient, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, handle, display_name, email FROM users
		WHERE id > $1 AND email_verified_at <> 0 AND weekly_summary = 1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		r := Recipient{Verified: true, Weekly: true}
		if err := rows.Scan(&r.UserID, &r.Handle, &r.DisplayName, &r.Email); err != nil {
			return nil, fmt.Errorf("recipients: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Recipient returns userID's address and email choices. Errors: NotFound.
func (s *Service) Recipient(ctx context.Context, userID string) (Recipient, error) {
	r := Recipient{UserID: userID}
	var verified int64
	var weekly int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT handle, display_name, email, email_verified_at, weekly_summary FROM users WHERE id = $1",
		userID).Scan(&r.Handle, &r.DisplayName, &r.Email, &verified, &weekly)
	if errors.Is(err, sql.ErrNoRows) {
		return Recipient{}, notFound("account")
	}
	if err != nil {
		return Recipient{}, fmt.Errorf("recipient: %w", err)
	}
	r.Verified, r.Weekly = verified != 0, weekly == 1
	return r, nil
}
