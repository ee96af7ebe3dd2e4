package social

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
)

// TokenPrefix starts every personal API token, so that secret scanners and
// people can tell one when they see it.
const TokenPrefix = "nst_"

// MaxTokens is how many API tokens one account may hold.
const MaxTokens = 50

// APIToken is a personal API token for the API and the CLI. Secret is set only
// in the APIToken that CreateToken returns; afterwards Prefix (the first
// characters of the secret) is what identifies it to its owner.
type APIToken struct {
	ID         string
	UserID     string
	Name       string
	Prefix     string
	Secret     string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
}

// NewToken is what making an API token takes: its name (e.g. "laptop
// CLI") and, because a token outlives every session, the owner's password
// again, and a code when two-factor is on.
type NewToken struct {
	Name     string
	Password string
	Code     string
}

// CreateToken makes a new API token for userID. The secret is in the
// result and nowhere else: only its SHA-256 is stored. Only the owner may
// call it. Errors: Invalid (Param "name"); Unauthenticated with Param
// "current_password" or "code" when the password or (two-factor on) the
// code is wrong, missing or, for a code, already used; RateLimited after
// repeated wrong attempts; TooLarge when the account already has MaxTokens
// tokens.
func (s *Service) CreateToken(ctx context.Context, userID string, in NewToken) (APIToken, error) {
	name, err := tokenName(in.Name)
	if err != nil {
		return APIToken{}, err
	}
	r, err := s.checkCurrentPassword(ctx, userID, in.Password)
	if err != nil {
		return APIToken{}, err
	}
	if r.totpSecret != "" {
		if err := r.code(s, in.Code); err != nil {
			return APIToken{}, err
		}
	}
	var t APIToken
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := r.done(ctx, tx); err != nil {
			return err
		}
		t, err = s.insertToken(ctx, tx, userID, name)
		return err
	})
	if err != nil {
		return APIToken{}, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

// LoginToken logs in as Login does and makes an API token named name
// instead of a session, in one step: what a command-line client needs,
// since a two-factor code is good once. Anyone may call it. Errors: those
// of Login, except that a missing code is Unauthenticated with Param
// "code" (there is no challenge to complete); Invalid (Param "name");
// TooLarge as for CreateToken.
func (s *Service) LoginToken(ctx context.Context, c Credentials, name string) (APIToken, error) {
	name, err := tokenName(name)
	if err != nil {
		return APIToken{}, err
	}
	v, err := s.checkLogin(ctx, c)
	if err != nil {
		return APIToken{}, err
	}
	if v.needCode {
		return APIToken{}, nestegg.ParamErrorf(nestegg.Unauthenticated, "code", "this account has two-factor on: send the code from your authenticator app")
	}
	var t APIToken
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		if err := v.succeed(ctx, tx); err != nil {
			return err
		}
		t, err = s.insertToken(ctx, tx, v.userID, name)
		return err
	})
	if errors.Is(err, errReplayedCode) {
		return APIToken{}, errWrongCode()
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("login token: %w", err)
	}
	return t, nil
}

func tokenName(name string) (string, error) {
	name, err := cleanText("name", name, false)
	if err != nil {
		return "", err
	}
	if name == "" || utf8.RuneCountInString(name) > MaxTokenName {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "name", "name the token (at most %d characters)", MaxTokenName)
	}
	return name, nil
}

// insertToken stores a new token for userID in tx, within MaxTokens.
func (s *Service) insertToken(ctx context.Context, tx *sql.Tx, userID, name string) (APIToken, error) {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM api_tokens WHERE user_id = $1", userID).Scan(&n); err != nil {
		return APIToken{}, err
	}
	if n >= MaxTokens {
		return APIToken{}, nestegg.Errorf(nestegg.TooLarge, "an account has at most %d API tokens; revoke one first", MaxTokens)
	}
	now := s.now()
	secret := TokenPrefix + newSecret()
	t := APIToken{ID: newID("tok"), UserID: userID, Name: name, Prefix: secret[:len(TokenPrefix)+8], Secret: secret, CreatedAt: now}
	_, err := tx.ExecContext(ctx, "INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
		t.ID, userID, name, t.Prefix, hashSecret(secret), nanos(now))
	return t, err
}

// Tokens lists userID's API tokens, newest first, without secrets. Only the
// owner may call it. Errors: only database failures.
func (s *Service) Tokens(ctx context.Context, userID string) ([]APIToken, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, user_id, name, prefix, created_at, last_used_at
		FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created, used int64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &used); err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		t.CreatedAt, t.LastUsedAt = fromNanos(created), fromNanos(used)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken deletes one of userID's API tokens; it stops working at once.
// Only the owner may call it. Errors: NotFound when userID has no such token
// (including when it is someone else's).
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, notFound("token"), "DELETE FROM api_tokens WHERE id = $1 AND user_id = $2", tokenID, userID)
	})
}

// TokenUser returns the account and token an API secret belongs to, noting
// its use (at most once a minute, to spare the writer). Anyone may call it
// (it is how a bearer token becomes a user). Errors: Unauthenticated for an
// unknown or revoked secret.
func (s *Service) TokenUser(ctx context.Context, secret string) (Account, APIToken, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return Account{}, APIToken{}, nestegg.Errorf(nestegg.Unauthenticated, "invalid API token")
	}
	var t APIToken
	var created, used int64
	var us userScan
	var a Account
	var tail accountTail
	dest := append([]any{&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &used}, us.dest()...)
	dest = append(dest, tail.dest(&a)...)
	err := s.db.Reader().QueryRowContext(ctx, "SELECT t.id, t.user_id, t.name, t.prefix, t.created_at, t.last_used_at, "+userCols("u")+", "+accountCols+`
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hashSecret(secret)).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, APIToken{}, nestegg.Errorf(nestegg.Unauthenticated, "invalid API token")
	}
	if err != nil {
		return Account{}, APIToken{}, fmt.Errorf("token: %w", err)
	}
	a.User = us.user()
	tail.finish(&a)
	t.CreatedAt, t.LastUsedAt = fromNanos(created), fromNanos(used)
	now := s.now()
	if now.Sub(t.LastUsedAt) > time.Minute {
		t.LastUsedAt = now
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", nanos(now), t.ID)
			return err
		})
		if err != nil {
			return Account{}, APIToken{}, fmt.Errorf("token: %w", err)
		}
	}
	return a, t, nil
}
