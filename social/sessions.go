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

// Session is a logged-in browser. Token is the secret for the cookie; it is
// set only in the Session that Login or CompleteLogin returns: the database
// keeps just its SHA-256.
type Session struct {
	ID         string
	UserID     string
	Token      string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

var errReplayedCode = errors.New("TOTP code already used")

type startSession struct {
	login         checkedLogin
	ip, userAgent string
	challenge     string // hash of a login challenge to consume
}

// startSession creates the session of a successful login and, in the same
// transaction, records the success (see checkedLogin.succeed) and consumes
// the challenge.
func (s *Service) startSession(ctx context.Context, in startSession) (Session, error) {
	now := s.now()
	sess := Session{
		ID: newID("ses"), UserID: in.login.userID, Token: newSecret(),
		IP: truncate(in.ip, 64), UserAgent: truncate(strings.ToValidUTF8(in.userAgent, "\uFFFD"), 300),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.ttl),
	}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := in.login.succeed(ctx, tx); err != nil {
			return err
		}
		if in.challenge != "" {
			if _, err := tx.ExecContext(ctx, "DELETE FROM login_challenges WHERE token_hash = $1", in.challenge); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2", sess.UserID, nanos(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, token_hash, user_id, ip, user_agent, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
			sess.ID, hashSecret(sess.Token), sess.UserID, sess.IP, sess.UserAgent, nanos(now), nanos(sess.ExpiresAt))
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("start session: %w", err)
	}
	return sess, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n-- // do not cut a UTF-8 sequence
	}
	return s[:n]
}

const sessionCols = "s.id, s.user_id, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.expires_at"

// SessionUser returns the account and session a session token belongs to,
// renewing the session when it is past half its life. Anyone may call it
// (it is how a request's cookie becomes a user). Errors: Unauthenticated for
// an unknown, ended or expired token.
func (s *Service) SessionUser(ctx context.Context, token string) (Account, Session, error) {
	now := s.now()
	var sess Session
	var created, seen, exp int64
	var us userScan
	var a Account
	var tail accountTail
	dest := append([]any{&sess.ID, &sess.UserID, &sess.IP, &sess.UserAgent, &created, &seen, &exp}, us.dest()...)
	dest = append(dest, tail.dest(&a)...)
	err := s.db.Reader().QueryRowContext(ctx, "SELECT "+sessionCols+", "+userCols("u")+", "+accountCols+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2`,
		hashSecret(token), nanos(now)).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) || token == "" {
		return Account{}, Session{}, nestegg.Errorf(nestegg.Unauthenticated, "please log in")
	}
	if err != nil {
		return Account{}, Session{}, fmt.Errorf("session: %w", err)
	}
	a.User = us.user()
	tail.finish(&a)
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromNanos(created), fromNanos(seen), fromNanos(exp)
	// Writing on every request would serialize reads on SQLite's one
	// writer; renewing at most hourly keeps "last seen" useful and the
	// session alive while it is used.
	if sess.ExpiresAt.Sub(now) < s.ttl/2 || now.Sub(sess.LastSeenAt) > time.Hour {
		sess.LastSeenAt, sess.ExpiresAt = now, now.Add(s.ttl)
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3", nanos(now), nanos(sess.ExpiresAt), sess.ID)
			return err
		})
		if err != nil {
			return Account{}, Session{}, fmt.Errorf("renew session: %w", err)
		}
	}
	return a, sess, nil
}

// Logout ends the session with this token. Anyone holding the token may
// call it; an unknown token is not an error (logging out twice is fine).
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", hashSecret(token))
		return err
	})
}

// Sessions lists userID's live sessions, newest first (without tokens).
// Only the owner may call it. Errors: only database failures.
func (s *Service) Sessions(ctx context.Context, userID string) ([]Session, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+sessionCols+" FROM sessions s WHERE s.user_id = $1 AND s.expires_at > $2 ORDER BY s.created_at DESC, s.id DESC",
		userID, nanos(s.now()))
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var ss Session
		var created, seen, exp int64
		if err := rows.Scan(&ss.ID, &ss.UserID, &ss.IP, &ss.UserAgent, &created, &seen, &exp); err != nil {
			return nil, fmt.Errorf("sessions: %w", err)
		}
		ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = fromNanos(created), fromNanos(seen), fromNanos(exp)
		out = append(out, ss)
	}
	return out, rows.Err()
}

// RevokeSession ends one of userID's sessions by id ("log out that
// device"). Only the owner may call it. Errors: NotFound when userID has no
// such session (including when it is someone else's).
func (s *Service) RevokeSession(ctx context.Context, userID, sessionID string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, notFound("session"), "DELETE FROM sessions WHERE id = $1 AND user_id = $2", sessionID, userID)
	})
}

// LogoutEverywhere ends every session of userID except the one with
// keepToken ("" ends all). Only the owner (or staff acting on an account)
// may call it. Errors: only database failures.
func (s *Service) LogoutEverywhere(ctx context.Context, userID, keepToken string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", userID, hashSecret(keepToken))
		return err
	})
}

// PurgeExpired deletes expired sessions and login challenges and the
// lockout counters that no longer matter. A background worker calls it now
// and then; nothing depends on it for correctness. Errors: only database
// failures.
func (s *Service) PurgeExpired(ctx context.Context) error {
	now := s.now()
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql string
			at  int64
		}{
			{"DELETE FROM sessions WHERE expires_at <= $1", nanos(now)},
			{"DELETE FROM login_challenges WHERE expires_at <= $1", nanos(now)},
			{"DELETE FROM login_guards WHERE forget_at < $1", nanos(now)},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.at); err != nil {
				return err
			}
		}
		return nil
	})
}
