package funding

import (
	"context"
	"database/sql"
	"time"

	"github.com/nestegg/nestegg"
)

// The guards against guessing micro-deposits (docs/SECURITY.md, "Bank
// account verification"). Two 1–99¢ amounts make about 4,900 unordered
// pairs: a guess succeeds about once in 1,600 tries at three per link, so
// what limits an attacker is the number of guesses per bank account,
// whoever links it and however often; not per link row, which a member
// can remove and make again.

// guessesLeft reads how many guesses the account with fingerprint fp has
// left now (outside any transaction: for refusing a link early and for
// display), and when the count starts again.
func (s *Service) guessesLeft(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, fp string) (int, time.Time, error) {
	var used int
	var last int64
	err := q.QueryRowContext(ctx, "SELECT used, last_at FROM funding_bank_guesses WHERE fingerprint = $1", fp).Scan(&used, &last)
	if err == sql.ErrNoRows {
		return s.cfg.VerifyAttempts, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, err
	}
	left, again := s.left(used, last)
	return left, again, nil
}

// left turns a fingerprint's count into the guesses left and the time the
// count starts again.
func (s *Service) left(used int, lastAt int64) (int, time.Time) {
	again := time.Unix(0, lastAt).UTC().Add(s.cfg.VerifyWindow)
	if !s.now().Before(again) {
		return s.cfg.VerifyAttempts, time.Time{}
	}
	return max(s.cfg.VerifyAttempts-used, 0), again
}

// lockGuesses makes the count of the account with fingerprint fp exist,
// and locks it until tx ends (PostgreSQL; SQLite has one writer).
func (s *Service) lockGuesses(ctx context.Context, tx *sql.Tx, fp string) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO funding_bank_guesses (fingerprint, used, last_at) VALUES ($1, 0, 0) ON CONFLICT (fingerprint) DO NOTHING", fp); err != nil {
		return err
	}
	var used int
	return tx.QueryRowContext(ctx, "SELECT used FROM funding_bank_guesses WHERE fingerprint = $1"+s.db.Dialect.ForUpdate(), fp).Scan(&used)
}

// reserveGuess takes one guess of the account with fingerprint fp (its
// count locked by lockGuesses), inside the verification's transaction,
// before the amounts are compared: the UPDATE is guarded by the cap, and
// the row stays locked until the transaction ends, so concurrent guesses
// (from any link, member or process) take guesses one at a time and never
// more than the cap. ok is false when none is left; left is what remains
// after this one.
func (s *Service) reserveGuess(ctx context.Context, tx *sql.Tx, fp string, now time.Time) (left int, ok bool, err error) {
	// The count starts again only when the last guess is a window old,
	// so that no window ever holds more than the cap.
	cutoff := now.Add(-s.cfg.VerifyWindow).UnixNano()
	var used int
	err = tx.QueryRowContext(ctx, `UPDATE funding_bank_guesses SET used = CASE WHEN last_at <= $2 THEN 1 ELSE used + 1 END, last_at = $3
		WHERE fingerprint = $1 AND (used < $4 OR last_at <= $2) RETURNING used`, fp, cutoff, now.UnixNano(), s.cfg.VerifyAttempts).Scan(&used)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return s.cfg.VerifyAttempts - used, true, nil
}

// refundGuess gives back the guess a right answer reserved: only wrong
// guesses count, so that the members of a joint account may each link it.
func refundGuess(ctx context.Context, tx *sql.Tx, fp string) error {
	_, err := tx.ExecContext(ctx, "UPDATE funding_bank_guesses SET used = used - 1 WHERE fingerprint = $1 AND used > 0", fp)
	return err
}

// microSent reports whether both of a link's micro-deposits have gone out
// in an ACH file (submitted, or settled since): before, nobody can have
// read them on a statement, so a guess could only be blind.
func microSent(ctx context.Context, tx *sql.Tx, bankID string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM funding_movements WHERE method_id = $1 AND kind = 'micro_deposit' AND status IN ('submitted', 'settled')", bankID).Scan(&n)
	return n == 2, err
}

// takeLink counts a new link against userID's caps, inside the link's
// transaction: at most MaxBankLinksPerDay a UTC day (removed ones count)
// and MaxPendingBanks waiting for verification at once. The day's row is
// taken first: it holds every other link of the member's until this one
// commits, so that parallel links cannot all pass the count. Errors:
// RateLimited.
func (s *Service) takeLink(ctx context.Context, tx *sql.Tx, userID string, now time.Time) error {
	var n int
	err := tx.QueryRowContext(ctx, `INSERT INTO funding_bank_links (user_id, day, links) VALUES ($1, $2, 1)
		ON CONFLICT (user_id, day) DO UPDATE SET links = funding_bank_links.links + 1 WHERE funding_bank_links.links < $3 RETURNING links`,
		userID, now.Unix()/86400, s.cfg.MaxBankLinksPerDay).Scan(&n)
	if err == sql.ErrNoRows {
		return nestegg.Errorf(nestegg.RateLimited, "you can link at most %d bank accounts a day; try again tomorrow", s.cfg.MaxBankLinksPerDay)
	}
	if err != nil {
		return err
	}
	var pending int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM funding_banks WHERE user_id = $1 AND status = $2", userID, BankPending).Scan(&pending); err != nil {
		return err
	}
	if pending >= s.cfg.MaxPendingBanks {
		return nestegg.Errorf(nestegg.RateLimited, "%d of your bank accounts are waiting for verification: verify or remove one before linking another", pending)
	}
	return nil
}
