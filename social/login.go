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

// ChallengeTTL is how long the second step of a two-factor login stays open.
const ChallengeTTL = 5 * time.Minute

// Credentials are what a person types to log in, plus where they come from.
type Credentials struct {
	Handle    string // a handle (any case, '@' optional) or the account's email address
	Password  string
	Code      string // the TOTP code, for accounts with two-factor on; may be left empty (see Login)
	IP        string // the client's address, for the lockout; may be empty
	UserAgent string // shown in the list of sessions
}

// SecondFactor completes a login that a SecondFactorRequired error paused.
type SecondFactor struct {
	Challenge string
	Code      string
	IP        string
	UserAgent string
}

// SecondFactorRequired is the cause (reach it with errors.As) of the error
// Login returns when the password was right, the account has two-factor on
// and no code was given. Pass Challenge, with the code, to CompleteLogin,
// so that the password need not be sent or kept again.
type SecondFactorRequired struct {
	Challenge string
	ExpiresAt time.Time
}

func (e *SecondFactorRequired) Error() string { return "two-factor code required" }

var errWrongLogin = nestegg.Errorf(nestegg.Unauthenticated, "wrong handle or password")

func errWrongCode() error {
	return nestegg.ParamErrorf(nestegg.Unauthenticated, "code", "that code is not right; codes change every 30 seconds")
}

// Login checks credentials and starts a new session (a fresh token at every
// login, so a token planted before login is worthless). Anyone may call it.
//
// Errors: Unauthenticated "wrong handle or password" for an unknown handle
// and a wrong password alike (both cost one argon2 hash); Unauthenticated
// with Param "code" for a wrong or reused TOTP code, or, when the code is
// missing, wrapping a *SecondFactorRequired; RateLimited when this handle
// has failed LoginMaxFailures times from this IP within LoginWindow (even
// the right password is refused until the lockout ends).
func (s *Service) Login(ctx context.Context, c Credentials) (Session, error) {
	ident := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c.Handle), "@"))
	col := "handle_lower"
	if strings.Contains(ident, "@") {
		col = "email_lower"
	}
	var id, hash, secret string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT id, password_hash, totp_secret FROM users WHERE "+col+" = $1", ident).
		Scan(&id, &hash, &secret)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	// Lock out per account (whichever name was typed) and address; an
	// unknown name is locked out under itself.
	key := lockKey(id, ident, c.IP)
	if err := s.checkLockout(ctx, key); err != nil {
		return Session{}, err
	}
	if len(c.Password) > MaxPassword {
		// No account has such a password; do not spend a hash on it.
		return Session{}, s.fail(ctx, key, errWrongLogin)
	}
	if id == "" {
		s.dummyVerify(ctx, c.Password)
		return Session{}, s.fail(ctx, key, errWrongLogin)
	}
	ok, stale, err := s.verifyPassword(ctx, hash, c.Password)
	if err != nil {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	if !ok {
		return Session{}, s.fail(ctx, key, errWrongLogin)
	}
	var step int64
	if secret != "" {
		if strings.TrimSpace(c.Code) == "" {
			return Session{}, s.challenge(ctx, id, c.IP)
		}
		if step, ok = matchTOTP(secret, c.Code, s.now()); !ok {
			return Session{}, s.fail(ctx, key, errWrongCode())
		}
	}
	newHash := ""
	if stale {
		if newHash, err = s.hashPassword(ctx, c.Password); err != nil {
			return Session{}, err
		}
	}
	sess, err := s.startSession(ctx, startSession{userID: id, lockKey: key, ip: c.IP, userAgent: c.UserAgent, totpStep: step, newHash: newHash})
	if errors.Is(err, errReplayedCode) {
		return Session{}, s.fail(ctx, key, errWrongCode())
	}
	return sess, err
}

// CompleteLogin finishes a two-factor login with the challenge from a
// SecondFactorRequired error and a TOTP code. Anyone may call it.
// Errors: Unauthenticated when the challenge is unknown or expired (start
// again), Unauthenticated with Param "code" for a wrong or reused code,
// RateLimited as for Login.
func (s *Service) CompleteLogin(ctx context.Context, f SecondFactor) (Session, error) {
	var id, secret string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT u.id, u.totp_secret FROM login_challenges c JOIN users u ON u.id = c.user_id
		WHERE c.token_hash = $1 AND c.expires_at > $2`, hashSecret(f.Challenge), nanos(s.now())).Scan(&id, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, nestegg.Errorf(nestegg.Unauthenticated, "this sign-in has expired; please start again")
	}
	if err != nil {
		return Session{}, fmt.Errorf("complete login: %w", err)
	}
	key := lockKey(id, "", f.IP)
	if err := s.checkLockout(ctx, key); err != nil {
		return Session{}, err
	}
	step, ok := matchTOTP(secret, f.Code, s.now())
	if !ok {
		return Session{}, s.fail(ctx, key, errWrongCode())
	}
	sess, err := s.startSession(ctx, startSession{userID: id, lockKey: key, ip: f.IP, userAgent: f.UserAgent, totpStep: step, challenge: hashSecret(f.Challenge)})
	if errors.Is(err, errReplayedCode) {
		return Session{}, s.fail(ctx, key, errWrongCode())
	}
	return sess, err
}

func (s *Service) challenge(ctx context.Context, userID, ip string) error {
	token := newSecret()
	now := s.now()
	exp := now.Add(ChallengeTTL)
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_challenges WHERE user_id = $1 AND expires_at <= $2", userID, nanos(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO login_challenges (token_hash, user_id, ip, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
			hashSecret(token), userID, ip, nanos(now), nanos(exp))
		return err
	})
	if err != nil {
		return fmt.Errorf("login challenge: %w", err)
	}
	return &nestegg.Error{Code: nestegg.Unauthenticated, Param: "code",
		Message: "enter the code from your authenticator app",
		Err:     &SecondFactorRequired{Challenge: token, ExpiresAt: exp}}
}

func lockKey(userID, ident, ip string) string {
	if userID != "" {
		return userID + "|" + ip
	}
	return "?" + ident + "|" + ip
}

// checkLockout refuses when key has failed too often within the window.
func (s *Service) checkLockout(ctx context.Context, key string) error {
	now := s.now()
	var n int
	var oldest sql.NullInt64
	err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*), min(at) FROM login_failures WHERE lock_key = $1 AND at > $2",
		key, nanos(now.Add(-s.window))).Scan(&n, &oldest)
	if err != nil {
		return fmt.Errorf("login lockout: %w", err)
	}
	if n < s.maxFail {
		return nil
	}
	wait := fromNanos(oldest.Int64).Add(s.window).Sub(now)
	mins := int(wait.Round(time.Minute) / time.Minute)
	return nestegg.Errorf(nestegg.RateLimited, "too many failed attempts; try again in %d minute%s", max(mins, 1), plural(max(mins, 1)))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// fail records a failed attempt under key and returns cause, or the
// database's error if the failure could not be recorded: a lockout that
// silently stops counting is no lockout.
func (s *Service) fail(ctx context.Context, key string, cause error) error {
	now := s.now()
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE lock_key = $1 AND at <= $2", key, nanos(now.Add(-s.window))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO login_failures (id, lock_key, at) VALUES ($1, $2, $3)", newID("lgf"), key, nanos(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("record failed login: %w", err)
	}
	return cause
}

// ChangePassword replaces userID's password after checking the current one,
// and ends every other session of the account (keepToken names the caller's
// own session to keep; "" ends them all). API tokens stay valid. Only the
// owner may call it. Errors: Invalid with Param "new_password" for a weak
// password; Unauthenticated with Param "current_password" when the current
// password is wrong; RateLimited after repeated wrong attempts; NotFound.
func (s *Service) ChangePassword(ctx context.Context, userID, current, next, keepToken string) error {
	if err := checkPassword("new_password", next); err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, userID, current); err != nil {
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
		_, err = tx.ExecContext(ctx, "DELETE FROM login_challenges WHERE user_id = $1", userID)
		return err
	})
}

// ChangeEmail sets userID's email address after checking the password. Only
// the owner may call it. Errors: Invalid (Param "email"), Conflict (Param
// "email") when another account has it, Unauthenticated (Param
// "current_password"), RateLimited, NotFound.
func (s *Service) ChangeEmail(ctx context.Context, userID, password, email string) (Account, error) {
	email, err := cleanEmail(email)
	if err != nil {
		return Account{}, err
	}
	if err := s.checkCurrentPassword(ctx, userID, password); err != nil {
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
		err := execOne(ctx, tx, notFound("account"), "UPDATE users SET email = $1, email_lower = $2, updated_at = $3 WHERE id = $4",
			email, strings.ToLower(email), nanos(s.now()), userID)
		if err != nil {
			return err
		}
		a, err = s.account(ctx, tx, userID)
		return err
	})
	return a, err
}

// checkCurrentPassword verifies an owner's password before a sensitive
// change, with its own lockout so a stolen session cannot guess it.
func (s *Service) checkCurrentPassword(ctx context.Context, userID, password string) error {
	key := "pw|" + userID
	if err := s.checkLockout(ctx, key); err != nil {
		return err
	}
	var hash string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT password_hash FROM users WHERE id = $1", userID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("account")
	}
	if err != nil {
		return fmt.Errorf("check password: %w", err)
	}
	ok, _, err := s.verifyPassword(ctx, hash, password)
	if err != nil {
		return fmt.Errorf("check password: %w", err)
	}
	if !ok {
		return s.fail(ctx, key, nestegg.ParamErrorf(nestegg.Unauthenticated, "current_password", "your current password is not right"))
	}
	return nil
}
