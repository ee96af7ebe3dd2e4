package events

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
)

// Endpoint is a URL that receives events.
type Endpoint struct {
	ID     string // "whe_…"
	Owner  string // a member's id, or Operator
	URL    string
	Status EndpointStatus
	// Reason says why a disabled endpoint was disabled.
	Reason    string
	CreatedAt time.Time
}

// EndpointStatus is whether an endpoint receives events.
type EndpointStatus string

// The statuses.
const (
	Enabled  EndpointStatus = "enabled"
	Disabled EndpointStatus = "disabled"
)

// MaxEndpoints is how many endpoints one owner may have.
const MaxEndpoints = 10

// rotationOverlap is how long a rotated-out secret still signs.
const rotationOverlap = 24 * time.Hour

const endpointCols = "id, owner, url, status, reason, created_at"

func scanEndpoint(row interface{ Scan(...any) error }) (Endpoint, error) {
	var e Endpoint
	var status string
	var at int64
	err := row.Scan(&e.ID, &e.Owner, &e.URL, &status, &e.Reason, &at)
	e.Status, e.CreatedAt = EndpointStatus(status), time.Unix(0, at).UTC()
	return e, err
}

// newSecret returns a fresh signing secret in the Standard Webhooks form.
func newSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// sealedPrefix marks a secret stored sealed, so that secrets stored
// before the operator set an encryption key still sign.
const sealedPrefix = "sealed:"

// seal returns secret as it is stored for endpoint id.
func (s *Service) seal(secret, id string) string {
	if s.opt.Sealer == nil || secret == "" {
		return secret
	}
	return sealedPrefix + s.opt.Sealer.Seal(secret, "webhook endpoint "+id)
}

// open returns the secret stored for endpoint id. Errors: one saying why
// a sealed secret does not open (no key, or another key).
func (s *Service) open(stored, id string) (string, error) {
	sealed, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	if s.opt.Sealer == nil {
		return "", errors.New("the endpoint's signing secret is sealed and no encryption key is set")
	}
	plain, err := s.opt.Sealer.Open(sealed, "webhook endpoint "+id)
	if err != nil {
		return "", errors.New("the endpoint's signing secret does not open with this encryption key")
	}
	return plain, nil
}

// Register adds an endpoint for owner (a member acting for themselves, or
// Operator) and returns it with its secret, which is shown this once.
// Errors: Invalid (Param "url") for a URL that is not http(s), or — for a
// member, unless Options.AllowPrivate — not https or naming a private
// address; RateLimited when owner has MaxEndpoints already.
func (s *Service) Register(ctx context.Context, owner, rawURL string) (Endpoint, string, error) {
	u, err := s.checkURL(owner, rawURL)
	if err != nil {
		return Endpoint{}, "", err
	}
	e := Endpoint{ID: nestegg.NewID("whe"), Owner: owner, URL: u, Status: Enabled, CreatedAt: s.now()}
	secret := newSecret()
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM webhook_endpoints WHERE owner = $1", owner).Scan(&n); err != nil {
			return err
		}
		if n >= MaxEndpoints {
			return nestegg.Errorf(nestegg.RateLimited, "you have %d webhook endpoints, the most there may be; delete one first", n)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (id, owner, url, secret, old_secret, old_until, status, reason, failing_since, created_at)
			VALUES ($1, $2, $3, $4, '', 0, 'enabled', '', 0, $5)`, e.ID, owner, u, s.seal(secret, e.ID), e.CreatedAt.UnixNano())
		return err
	})
	if err != nil {
		return Endpoint{}, "", fmt.Errorf("register endpoint: %w", err)
	}
	return e, secret, nil
}

// checkURL vets an endpoint's URL for owner.
func (s *Service) checkURL(owner, raw string) (string, error) {
	bad := func(msg string) error { return nestegg.ParamErrorf(nestegg.Invalid, "url", "%s", msg) }
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || len(raw) > 2000 {
		return "", bad("the url must be an http(s) address such as https://example.com/hooks/nestegg")
	}
	if owner == Operator || s.opt.AllowPrivate {
		return u.String(), nil
	}
	if u.Scheme != "https" {
		return "", bad("a webhook endpoint must use https")
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil && !public(ip) {
		return "", bad("a webhook endpoint must be a public address")
	}
	if h := strings.ToLower(host); h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".internal") {
		return "", bad("a webhook endpoint must be a public address")
	}
	return u.String(), nil
}

// public reports whether ip is an address on the public internet.
func public(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast())
}

// Endpoints lists owner's endpoints, oldest first. Only owner may call it.
// Errors: database failures.
func (s *Service) Endpoints(ctx context.Context, owner string) ([]Endpoint, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+endpointCols+" FROM webhook_endpoints WHERE owner = $1 ORDER BY created_at, id", owner)
	if err != nil {
		return nil, fmt.Errorf("endpoints: %w", err)
	}
	defer rows.Close()
	var out []Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("endpoints: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Endpoint returns owner's endpoint id. Errors: NotFound (another owner's
// endpoint is not found either).
func (s *Service) Endpoint(ctx context.Context, owner, id string) (Endpoint, error) {
	e, err := scanEndpoint(s.db.Reader().QueryRowContext(ctx, "SELECT "+endpointCols+" FROM webhook_endpoints WHERE id = $1 AND owner = $2", id, owner))
	if errors.Is(err, sql.ErrNoRows) {
		return Endpoint{}, nestegg.Errorf(nestegg.NotFound, "no webhook endpoint %s", id)
	}
	return e, err
}

// Delete removes owner's endpoint id and its pending deliveries. Errors:
// NotFound.
func (s *Service) Delete(ctx context.Context, owner, id string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM webhook_endpoints WHERE id = $1 AND owner = $2", id, owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nestegg.Errorf(nestegg.NotFound, "no webhook endpoint %s", id)
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM webhook_deliveries WHERE endpoint_id = $1", id)
		return err
	})
}

// Rotate gives owner's endpoint id a new secret and returns it (shown this
// once); for a day the old one signs beside it. Errors: NotFound.
func (s *Service) Rotate(ctx context.Context, owner, id string) (string, error) {
	secret := newSecret()
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET old_secret = secret, old_until = $3, secret = $4
			WHERE id = $1 AND owner = $2`, id, owner, s.now().Add(rotationOverlap).UnixNano(), s.seal(secret, id))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nestegg.Errorf(nestegg.NotFound, "no webhook endpoint %s", id)
		}
		return nil
	})
	return secret, err
}

// Enable turns owner's disabled endpoint id back on; deliveries that
// failed while it was off are not sent again (Redeliver sends one).
// Errors: NotFound.
func (s *Service) Enable(ctx context.Context, owner, id string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE webhook_endpoints SET status = 'enabled', reason = '', failing_since = 0 WHERE id = $1 AND owner = $2", id, owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nestegg.Errorf(nestegg.NotFound, "no webhook endpoint %s", id)
		}
		return nil
	})
}
