package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// AuthKind says who may call a route.
type AuthKind int

// The kinds of authentication a route can demand. Member sessions and tokens
// will be another kind: add a constant, a case in Server.authenticate and
// routes that use it.
const (
	// AuthNone: anyone (health, metrics, the OpenAPI document).
	AuthNone AuthKind = iota
	// AuthOperator: the platform operator, by an API key from operator_keys.
	AuthOperator
	// AuthMember: a signed-in member, by a personal API token or a session
	// cookie (see member.go). Handlers read the member with Member(ctx).
	AuthMember
	// AuthOptionalMember: anyone; a signed-in member is recognised (public
	// timelines that show more to their owner).
	AuthOptionalMember
)

func (k AuthKind) String() string {
	switch k {
	case AuthNone:
		return "none"
	case AuthOperator:
		return "operator"
	case AuthMember:
		return "member"
	case AuthOptionalMember:
		return "optional_member"
	}
	return "unknown"
}

// PrincipalKind names what kind of caller a Principal is.
type PrincipalKind string

// Principal kinds. A member kind comes with member auth.
const (
	PrincipalOperator PrincipalKind = "operator"
)

// Principal is the authenticated caller of a request. Handlers find it with
// PrincipalFrom; stored idempotency keys are scoped to it.
type Principal struct {
	Kind PrincipalKind
	// ID identifies the caller within its kind (an operator key's id).
	ID string
}

// String is the principal's stable name, "kind:id".
func (p Principal) String() string { return string(p.Kind) + ":" + p.ID }

type principalKey struct{}

// PrincipalFrom returns the request's authenticated caller; ok is false on
// routes with AuthNone.
func PrincipalFrom(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// authenticate checks the request against the route's auth kind and returns
// the request carrying its principal. Failures are Unauthenticated.
func (s *Server) authenticate(kind AuthKind, r *http.Request) (*http.Request, error) {
	var p Principal
	var err error
	switch kind {
	case AuthNone:
		return r, nil
	case AuthOperator:
		p, err = s.keys.authenticate(r.Context(), r.Header.Get("Authorization"))
	case AuthMember, AuthOptionalMember:
		a, err := s.member(r)
		if err != nil {
			// Anyone may call an optional route, but a client that sends
			// a bad token should hear so rather than be served as nobody.
			// A stale cookie alone does not stop a public read.
			if kind == AuthOptionalMember && nestegg.Is(err, nestegg.Unauthenticated) && r.Header.Get("Authorization") == "" {
				return r, nil
			}
			return nil, err
		}
		return withMember(r, a), nil
	default:
		return nil, nestegg.Errorf(nestegg.Internal, "route has unknown auth kind %d", kind)
	}
	if err != nil {
		return nil, err
	}
	return r.WithContext(context.WithValue(r.Context(), principalKey{}, p)), nil
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(header string) (string, bool) {
	const prefix = "Bearer "
	if len(header) <= len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", false
	}
	tok := strings.TrimSpace(header[len(prefix):])
	return tok, tok != "" && len(tok) <= 512
}

// keyRecheck is how long a verified key is trusted from memory before the
// database is asked again, so that a key revoked by another process (the
// CLI, another serve) stops working within this time; the process that
// revokes a key forgets it at once. One indexed read per key a second is
// nothing beside the requests it saves.
const keyRecheck = time.Second

// operatorKeys verifies operator API keys. Keys are stored as hex SHA-256
// hashes; a verified hash is cached so that the hot path does one SHA-256 and
// a constant-time compare per cached key instead of a query.
type operatorKeys struct {
	db    *store.DB
	mu    sync.Mutex // serializes cache updates; reads are lock-free
	cache atomic.Pointer[[]cachedKey]
}

type cachedKey struct {
	hash     [sha256.Size]byte
	id       string
	verified time.Time
}

func newOperatorKeys(db *store.DB) *operatorKeys {
	k := &operatorKeys{db: db}
	k.cache.Store(&[]cachedKey{})
	return k
}

var errBadKey = nestegg.Errorf(nestegg.Unauthenticated,
	"missing or invalid API key; send Authorization: Bearer <key>")

func (k *operatorKeys) authenticate(ctx context.Context, header string) (Principal, error) {
	tok, ok := bearer(header)
	if !ok {
		return Principal{}, errBadKey
	}
	sum := sha256.Sum256([]byte(tok))
	now := time.Now()
	// Compare against every cached key, in constant time each, so timing
	// says nothing about which hash (if any) was close.
	var hit *cachedKey
	cached := *k.cache.Load()
	for i := range cached {
		if subtle.ConstantTimeCompare(cached[i].hash[:], sum[:]) == 1 {
			hit = &cached[i]
		}
	}
	if hit != nil && now.Sub(hit.verified) < keyRecheck {
		return Principal{Kind: PrincipalOperator, ID: hit.id}, nil
	}
	var id string
	err := k.db.Reader().QueryRowContext(ctx,
		"SELECT id FROM operator_keys WHERE key_hash = $1 AND revoked_at = 0", hex.EncodeToString(sum[:])).Scan(&id)
	switch {
	case err == sql.ErrNoRows:
		k.update(sum, "", now)
		return Principal{}, errBadKey
	case err != nil:
		return Principal{}, &nestegg.Error{Code: nestegg.Unavailable, Op: "verify operator key",
			Message: "cannot verify the API key right now; retry", Err: err}
	}
	k.update(sum, id, now)
	return Principal{Kind: PrincipalOperator, ID: id}, nil
}

// update caches (id != "") or forgets (id == "") a key hash.
func (k *operatorKeys) update(sum [sha256.Size]byte, id string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	old := *k.cache.Load()
	next := make([]cachedKey, 0, len(old)+1)
	for _, c := range old {
		if c.hash != sum {
			next = append(next, c)
		}
	}
	if id != "" {
		next = append(next, cachedKey{hash: sum, id: id, verified: now})
	}
	k.cache.Store(&next)
}

// forget drops the key id from the cache: it was revoked.
func (k *operatorKeys) forget(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	old := *k.cache.Load()
	next := make([]cachedKey, 0, len(old))
	for _, c := range old {
		if c.id != id {
			next = append(next, c)
		}
	}
	k.cache.Store(&next)
}

// hashKey is how a key is stored: hex SHA-256. Keys are 256-bit random
// secrets, so a fast unsalted hash is enough (no dictionary to attack).
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// EnsureOperatorKey stores key's hash in operator_keys unless it is there.
// It returns Invalid for a key shorter than 16 characters, and Conflict
// for a key that was revoked: a revoked key is never brought back by a
// restart with the old setting.
func EnsureOperatorKey(ctx context.Context, db *store.DB, key string, now time.Time) error {
	if len(key) < 16 || len(key) > 512 {
		return nestegg.Errorf(nestegg.Invalid, "operator key must be 16 to 512 characters")
	}
	h := hashKey(key)
	return db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			"INSERT INTO operator_keys (id, key_hash, created_at, name, created_by) VALUES ($1, $2, $3, 'NESTEGG_OPERATOR_KEY', 'env') ON CONFLICT DO NOTHING",
			"opk_"+h[:16], h, now.UTC().UnixNano())
		if err != nil {
			return err
		}
		var revoked int64
		if err := tx.QueryRowContext(ctx, "SELECT revoked_at FROM operator_keys WHERE key_hash = $1", h).Scan(&revoked); err != nil {
			return err
		}
		if revoked != 0 {
			return nestegg.Errorf(nestegg.Conflict, "this operator key was revoked at %s; set a working key (nestegg operator-key list)",
				time.Unix(0, revoked).UTC().Format(time.RFC3339))
		}
		return nil
	})
}

// GenerateOperatorKey creates an operator key if none exists yet and returns
// it; it returns "" when a key already existed. Only the hash is stored, so
// the returned key can never be shown again. When several processes start
// at once, exactly one creates the key: it has a fixed id.
func GenerateOperatorKey(ctx context.Context, db *store.DB, now time.Time) (string, error) {
	key := newOperatorSecret()
	created := false
	err := db.Write(ctx, func(tx *sql.Tx) error {
		created = false
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM operator_keys LIMIT 1").Scan(&one)
		if err == nil {
			return nil
		}
		if err != sql.ErrNoRows {
			return err
		}
		res, err := tx.ExecContext(ctx,
			"INSERT INTO operator_keys (id, key_hash, created_at, name, created_by) VALUES ('opk_initial', $1, $2, 'initial', 'generated') ON CONFLICT DO NOTHING",
			hashKey(key), now.UTC().UnixNano())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		created = n == 1
		return err
	})
	if err != nil || !created {
		return "", err
	}
	return key, nil
}
