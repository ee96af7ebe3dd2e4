package social

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
)

// Brute-force guards. Every check of a password or a code first reserves
// an attempt on counters in login_guards, in its own committed
// transaction, and only then evaluates the secret. The counter row is
// locked while it is counted, so parallel guesses queue on it and no more
// than the budget is ever evaluated, however many processes share the
// database. A reserved attempt stays counted unless the attempt succeeds:
// the success clears the counters, in the transaction that acts on it.
//
// A login is guarded twice: per account from any address (so rotating
// addresses buys nothing) and per account and address (so one address
// alone locks itself out sooner, leaving others their share of the
// account's budget). Reaching a limit locks the key for LoginWindow, and
// each lockout in a row doubles the next, up to LoginMaxLockout.

// ChallengeMaxCodes is how many codes one login challenge accepts: after
// that many wrong ones it is dead, whatever addresses they came from, and
// the login must start again with the password.
const ChallengeMaxCodes = 5

// guard is one counter an attempt is reserved on, and its limit.
type guard struct {
	key   string
	limit int
}

// loginGuards are the counters a login for an account is reserved on:
// userID's, or, for a name that matches nobody, the typed name's.
func (s *Service) loginGuards(userID, ident, ip string) []guard {
	who := userID
	if who == "" {
		who = "?" + ident
	}
	return []guard{{"acct|" + who, s.acctFail}, {"addr|" + who + "|" + ip, s.maxFail}}
}

// reauthGuard is the counter a sensitive change's current password (and
// code) is reserved on: a stolen session cannot guess it for long.
func (s *Service) reauthGuard(userID string) guard {
	return guard{"pw|" + userID, s.maxFail}
}

func guardKeys(gs []guard) []string {
	keys := make([]string, len(gs))
	for i, g := range gs {
		keys[i] = g.key
	}
	return keys
}

// reserveAttempt counts one attempt on every guard, or on none when one of
// them is locked (RateLimited, saying for how long). It commits before the
// caller evaluates anything.
func (s *Service) reserveAttempt(ctx context.Context, guards []guard) error {
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		return s.reserve(ctx, tx, s.now(), guards)
	})
	if err != nil && !nestegg.Is(err, nestegg.RateLimited) {
		return fmt.Errorf("reserve login attempt: %w", err)
	}
	return err
}

// reserve is reserveAttempt inside tx. Keys are locked in sorted order, so
// two attempts on overlapping guards cannot deadlock.
func (s *Service) reserve(ctx context.Context, tx *sql.Tx, now time.Time, guards []guard) error {
	guards = slices.Clone(guards)
	slices.SortFunc(guards, func(a, b guard) int { return strings.Compare(a.key, b.key) })
	at := nanos(now)
	for _, g := range guards {
		// The upsert creates the row or locks the existing one (a no-op
		// update), and returns it either way, in one statement.
		var failures, start, locked, lockouts, forget int64
		err := tx.QueryRowContext(ctx, `INSERT INTO login_guards (lock_key, window_start, forget_at) VALUES ($1, $2, $2)
			ON CONFLICT (lock_key) DO UPDATE SET lock_key = excluded.lock_key
			RETURNING failures, window_start, locked_until, lockouts, forget_at`, g.key, at).
			Scan(&failures, &start, &locked, &lockouts, &forget)
		if err != nil {
			return err
		}
		if forget < at {
			failures, start, locked, lockouts = 0, at, 0, 0
		}
		if locked > at {
			return lockedOut(fromNanos(locked).Sub(now))
		}
		if start <= nanos(now.Add(-s.window)) {
			failures, start = 0, at
		}
		failures++
		if failures >= int64(g.limit) {
			// This attempt is still evaluated (it may be the right one,
			// which clears the row); every later one waits.
			lockouts++
			locked = nanos(now.Add(s.backoff(lockouts)))
			failures, start = 0, locked
		}
		forget = start + int64(s.window)
		if lockouts > 0 {
			// A later lockout doubles while the last is this recent.
			forget = max(forget, locked+int64(s.maxLock))
		}
		_, err = tx.ExecContext(ctx, `UPDATE login_guards SET failures = $1, window_start = $2, locked_until = $3, lockouts = $4, forget_at = $5
			WHERE lock_key = $6`, failures, start, locked, lockouts, forget, g.key)
		if err != nil {
			return err
		}
	}
	return nil
}

// backoff is how long the nth lockout in a row lasts: LoginWindow, doubled
// for each one before it, at most LoginMaxLockout.
func (s *Service) backoff(n int64) time.Duration {
	d := s.window
	for i := int64(1); i < n && d < s.maxLock; i++ {
		d *= 2
	}
	return min(d, s.maxLock)
}

// clearGuards forgets the counters of a successful attempt, in the
// transaction that acts on the success.
func clearGuards(ctx context.Context, tx *sql.Tx, keys []string) error {
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_guards WHERE lock_key = $1", k); err != nil {
			return err
		}
	}
	return nil
}

func lockedOut(wait time.Duration) error {
	var in string
	switch mins := int((wait + time.Minute - 1) / time.Minute); {
	case mins < 90:
		in = fmt.Sprintf("%d minute%s", max(mins, 1), plural(max(mins, 1)))
	default:
		hours := (mins + 59) / 60
		in = fmt.Sprintf("%d hour%s", hours, plural(hours))
	}
	return &nestegg.Error{Code: nestegg.RateLimited, Message: "too many failed attempts; try again in " + in, Err: &LockedOut{Wait: wait}}
}

// LockedOut is the cause of the RateLimited error of a lockout: how long
// it lasts, so that web answers with Retry-After.
type LockedOut struct{ Wait time.Duration }

func (e *LockedOut) Error() string { return "locked out after too many failed attempts" }

// RetryAfter is how long the lockout lasts from now.
func (e *LockedOut) RetryAfter() time.Duration { return e.Wait }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
