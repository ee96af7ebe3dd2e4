package web

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// Operator keys are created, rotated and revoked, never deleted: the rows
// of operator_keys are the audit trail of every key (who made it, when it
// ended, by whom, and which key replaced it). A revoked key stops working
// at once in the process that revoked it and within keyRecheck in every
// other serve process sharing the database. The last working key cannot
// be revoked, so that the operator is never locked out of the API.

// OperatorKey describes an operator API key; its secret is never kept.
type OperatorKey struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"` // "env", "generated", "cli" or the key that made it
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	RevokedBy  string    `json:"revoked_by,omitempty"`
	ReplacedBy string    `json:"replaced_by,omitempty"` // the key a rotation made in its place
	Active     bool      `json:"active"`
}

const maxKeyName = 100

const operatorKeyCols = "id, name, created_at, created_by, revoked_at, revoked_by, replaced_by"

func scanOperatorKey(sc interface{ Scan(...any) error }) (OperatorKey, error) {
	var k OperatorKey
	var created, revoked int64
	if err := sc.Scan(&k.ID, &k.Name, &created, &k.CreatedBy, &revoked, &k.RevokedBy, &k.ReplacedBy); err != nil {
		return OperatorKey{}, err
	}
	k.CreatedAt = time.Unix(0, created).UTC()
	if revoked != 0 {
		k.RevokedAt = time.Unix(0, revoked).UTC()
	}
	k.Active = revoked == 0
	return k, nil
}

// ListOperatorKeys returns every operator key, revoked ones included,
// oldest first. For the operator only.
func ListOperatorKeys(ctx context.Context, db *store.DB) ([]OperatorKey, error) {
	rows, err := db.Reader().QueryContext(ctx, "SELECT "+operatorKeyCols+" FROM operator_keys ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OperatorKey
	for rows.Next() {
		k, err := scanOperatorKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// newOperatorSecret is a fresh 256-bit key, "nsk_" and base32.
func newOperatorSecret() string {
	var secret [32]byte
	rand.Read(secret[:]) // never fails: it crashes the program instead
	return "nsk_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret[:]))
}

func cleanKeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxKeyName || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", nestegg.ParamErrorf(nestegg.Invalid, "name", "a key's name is at most %d characters of text", maxKeyName)
	}
	return name, nil
}

// CreateOperatorKey makes a new operator key and returns its secret, which
// is shown once. by says who asked ("cli", or the key making it). Errors:
// Invalid (Param "name").
func CreateOperatorKey(ctx context.Context, db *store.DB, name, by string, now time.Time) (string, OperatorKey, error) {
	name, err := cleanKeyName(name)
	if err != nil {
		return "", OperatorKey{}, err
	}
	var secret string
	var k OperatorKey
	err = db.Write(ctx, func(tx *sql.Tx) error {
		secret, k, err = insertOperatorKey(ctx, tx, name, by, now)
		return err
	})
	return secret, k, err
}

func insertOperatorKey(ctx context.Context, tx *sql.Tx, name, by string, now time.Time) (string, OperatorKey, error) {
	secret := newOperatorSecret()
	h := hashKey(secret)
	k := OperatorKey{ID: "opk_" + h[:16], Name: name, CreatedAt: time.Unix(0, now.UTC().UnixNano()).UTC(), CreatedBy: by, Active: true}
	_, err := tx.ExecContext(ctx, "INSERT INTO operator_keys (id, key_hash, created_at, name, created_by) VALUES ($1, $2, $3, $4, $5)",
		k.ID, h, now.UTC().UnixNano(), name, by)
	return secret, k, err
}

// RevokeOperatorKey ends the key id: it stops working at once (see the
// note above). by says who asked. Errors: NotFound; Conflict when it is
// already revoked or is the last working key.
func (s *Server) RevokeOperatorKey(ctx context.Context, id, by string) (OperatorKey, error) {
	k, err := RevokeOperatorKey(ctx, s.db, id, by, s.clock())
	if err == nil {
		s.keys.forget(id)
	}
	return k, err
}

// RevokeOperatorKey is Server.RevokeOperatorKey for a process that serves
// nothing (the CLI): serve processes notice within keyRecheck.
func RevokeOperatorKey(ctx context.Context, db *store.DB, id, by string, now time.Time) (OperatorKey, error) {
	var k OperatorKey
	err := db.Write(ctx, func(tx *sql.Tx) error {
		var err error
		k, err = revokeKey(ctx, db, tx, id, by, "", now)
		return err
	})
	return k, err
}

// RotateOperatorKey replaces the key id with a new one in one transaction:
// the new key (same name) is returned with its secret, shown once, and the
// old one is revoked, naming its replacement. Errors: NotFound; Conflict
// when id is already revoked.
func RotateOperatorKey(ctx context.Context, db *store.DB, id, by string, now time.Time) (string, OperatorKey, error) {
	var secret string
	var k OperatorKey
	err := db.Write(ctx, func(tx *sql.Tx) error {
		old, err := scanOperatorKey(tx.QueryRowContext(ctx, "SELECT "+operatorKeyCols+" FROM operator_keys WHERE id = $1", id))
		if errors.Is(err, sql.ErrNoRows) {
			return nestegg.Errorf(nestegg.NotFound, "no operator key %s", id)
		}
		if err != nil {
			return err
		}
		if secret, k, err = insertOperatorKey(ctx, tx, old.Name, by, now); err != nil {
			return err
		}
		_, err = revokeKey(ctx, db, tx, id, by, k.ID, now)
		return err
	})
	return secret, k, err
}

// RotateOperatorKey is the package's RotateOperatorKey, forgetting the old key in
// this process at once.
func (s *Server) RotateOperatorKey(ctx context.Context, id, by string) (string, OperatorKey, error) {
	secret, k, err := RotateOperatorKey(ctx, s.db, id, by, s.clock())
	if err == nil {
		s.keys.forget(id)
	}
	return secret, k, err
}

// revokeKey marks id revoked inside tx, guarded by its state, after
// locking every working key: two revocations at once cannot leave none.
func revokeKey(ctx context.Context, db *store.DB, tx *sql.Tx, id, by, replacedBy string, now time.Time) (OperatorKey, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id FROM operator_keys WHERE revoked_at = 0 ORDER BY id"+db.Dialect.ForUpdate())
	if err != nil {
		return OperatorKey{}, err
	}
	live := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return OperatorKey{}, err
		}
		live[k] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return OperatorKey{}, err
	}
	k, err := scanOperatorKey(tx.QueryRowContext(ctx, "SELECT "+operatorKeyCols+" FROM operator_keys WHERE id = $1", id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return OperatorKey{}, nestegg.Errorf(nestegg.NotFound, "no operator key %s", id)
	case err != nil:
		return OperatorKey{}, err
	case !live[id]:
		return OperatorKey{}, nestegg.Errorf(nestegg.Conflict, "operator key %s was already revoked", id)
	case len(live) == 1:
		return OperatorKey{}, nestegg.Errorf(nestegg.Conflict, "operator key %s is the last working key; create or rotate to another first", id)
	}
	res, err := tx.ExecContext(ctx, "UPDATE operator_keys SET revoked_at = $2, revoked_by = $3, replaced_by = $4 WHERE id = $1 AND revoked_at = 0",
		id, now.UTC().UnixNano(), by, replacedBy)
	if err != nil {
		return OperatorKey{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return OperatorKey{}, nestegg.Errorf(nestegg.Conflict, "operator key %s was already revoked", id)
	}
	k.RevokedAt, k.RevokedBy, k.ReplacedBy, k.Active = time.Unix(0, now.UTC().UnixNano()).UTC(), by, replacedBy, false
	return k, nil
}
