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
// missing, wrapping a *SecondFactorRequired; RateLimited when the account
// is locked out: LoginMaxFailures attempts from this IP, or
// AccountMaxFailures from anywhere, within LoginWindow (even the right
// password is refused until the lockout, which doubles each time, ends).
func (s *Service) Login(ctx context.Context, c Credentials) (Session, error) {
	v, err := s.checkLogin(ctx, c)
	if err != nil {
		return Session{}, err
	}
	if v.needCode {
		return Session{}, s.challenge(ctx, v.userID, c.IP)
	}
	sess, err := s.startSession(ctx, startSession{login: v, ip: c.IP, userAgent: c.UserAgent})
	if errors.Is(err, errReplayedCode) {
		return Session{}, errWrongCode()
	}
	return sess, err
}

// checkedLogin is a login whose password (and code) were right.
type checkedLogin struct {
	userID   string
	needCode bool     // two-factor is on and no code was given
	totpStep int64    // >0: the TOTP step used, recorded so it is good once
	newHash  string   // a password hash with current parameters
	guards   []string // the counters to clear when the login succeeds
}

// checkLogin reserves an attempt on the account's guards, then checks the
// password and, when two-factor is on and a code was given, the code.
func (s *Service) checkLogin(ctx context.Context, c Credentials) (checkedLogin, error) {
	ident := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c.Handle), "@"))
	col := "handle_lower"
	if strings.Contains(ident, "@") {
		col = "email_lower"
	}
	var id, hash, secret string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT id, password_hash, totp_secret FROM users WHERE "+col+" = $1", ident).
		Scan(&id, &hash, &secret)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return checkedLogin{}, fmt.Errorf("login: %w", err)
	}
	// Lock out per account (whichever name was typed), from anywhere and
	// from this address; an unknown name is locked out under itself.
	guards := s.loginGuards(id, ident, c.IP)
	if s.hashesBusy() {
		// Refused before an attempt is reserved: a flood of other logins
		// must not spend this account's guesses.
		return checkedLogin{}, s.errHashBusy()
	}
	if err := s.reserveAttempt(ctx, guards); err != nil {
		return checkedLogin{}, err
	}
	if len(c.Password) > MaxPassword {
		// No account has such a password; do not spend a hash on it.
		return checkedLogin{}, errWrongLogin
	}
	if id == "" {
		// Busy or not, the same answer as for a known handle.
		if err := s.dummyVerify(ctx, c.Password); err != nil {
			return checkedLogin{}, fmt.Errorf("login: %w", err)
		}
		return checkedLogin{}, errWrongLogin
	}
	ok, stale, err := s.verifyPassword(ctx, hash, c.Password)
	if err != nil {
		return checkedLogin{}, fmt.Errorf("login: %w", err)
	}
	if !ok {
		return checkedLogin{}, errWrongLogin
	}
	v := checkedLogin{userID: id, guards: guardKeys(guards)}
	if secret != "" {
		if strings.TrimSpace(c.Code) == "" {
			v.needCode = true
			return v, nil
		}
		if v.totpStep, ok = matchTOTP(secret, c.Code, s.now()); !ok {
			return checkedLogin{}, errWrongCode()
		}
	}
	if stale {
		if v.newHash, err = s.hashPassword(ctx, c.Password); err != nil {
			return checkedLogin{}, err
		}
	}
	return v, nil
}

// succeed records a successful login in tx, the transaction that acts on
// it: the TOTP step is spent (errReplayedCode if it already was), a stale
// hash replaced, the lockout counters cleared.
func (v checkedLogin) succeed(ctx context.Context, tx *sql.Tx) error {
	if v.totpStep > 0 {
		err := execOne(ctx, tx, errReplayedCode, "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1", v.totpStep, v.userID)
		if err != nil {
			return err
		}
	}
	if v.newHash != "" {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", v.newHash, v.userID); err != nil {
			return err
		}
	}
	return clearGuards(ctx, tx, v.guards)
}

var errChallengeGone = nestegg.Errorf(nestegg.Unauthenticated, "this sign-in has expired; please start again")

// CompleteLogin finishes a two-factor login with the challenge from a
// SecondFactorRequired error and a TOTP code. Anyone may call it.
// Errors: Unauthenticated when the challenge is unknown, expired or has
// had ChallengeMaxCodes codes (start again), Unauthenticated with Param
// "code" for a wrong or reused code, RateLimited as for Login (every code
// counts toward the account's lockout).
func (s *Service) CompleteLogin(ctx context.Context, f SecondFactor) (Session, error) {
	var id, secret string
	var guards []guard
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		// Spend one of the challenge's codes before looking at this one:
		// the row's lock makes parallel codes queue, and a dead challenge
		// takes none, from any address.
		err := execOne(ctx, tx, errChallengeGone, "UPDATE login_challenges SET attempts = attempts + 1 WHERE token_hash = $1 AND expires_at > $2 AND attempts < $3",
			hashSecret(f.Challenge), nanos(now), ChallengeMaxCodes)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, "SELECT u.id, u.totp_secret FROM login_challenges c JOIN users u ON u.id = c.user_id WHERE c.token_hash = $1",
			hashSecret(f.Challenge)).Scan(&id, &secret)
		if err != nil {
			return err
		}
		guards = s.loginGuards(id, "", f.IP)
		return s.reserve(ctx, tx, now, guards)
	})
	if err != nil {
		if nestegg.Is(err, nestegg.Unauthenticated) || nestegg.Is(err, nestegg.RateLimited) {
			return Session{}, err
		}
		return Session{}, fmt.Errorf("complete login: %w", err)
	}
	step, ok := matchTOTP(secret, f.Code, s.now())
	if !ok {
		return Session{}, errWrongCode()
	}
	v := checkedLogin{userID: id, totpStep: step, guards: guardKeys(guards)}
	sess, err := s.startSession(ctx, startSession{login: v, ip: f.IP, userAgent: f.UserAgent, challenge: hashSecret(f.Challenge)})
	if errors.Is(err, errReplayedCode) {
		return Session{}, errWrongCode()
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
