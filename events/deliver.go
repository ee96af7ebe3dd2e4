package events

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// Backoff is how long each failed attempt waits before the next: growing,
// and together longer than three days, after which a delivery is failed.
var Backoff = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour, 12 * time.Hour,
	12 * time.Hour, 12 * time.Hour}

// disableAfter is how long an endpoint fails every delivery before it is
// disabled.
const disableAfter = 5 * 24 * time.Hour

// lease is how long a claimed delivery is its claimer's: a process that
// dies while posting leaves it to be claimed again after this.
const lease = time.Minute

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID         string // "whd_…"
	EndpointID string
	EventID    string
	EventType  string
	Status     DeliveryStatus
	Attempts   int
	NextAt     time.Time // the next attempt, while pending
	LastStatus int       // the endpoint's last HTTP status, 0 for none
	LastError  string    // why the last attempt failed, for people
	At         time.Time // when it was made
}

// DeliveryStatus is where a delivery is.
type DeliveryStatus string

// The statuses.
const (
	Pending   DeliveryStatus = "pending"
	Delivered DeliveryStatus = "delivered"
	Failed    DeliveryStatus = "failed"
)

// FanOutHook is given the events FanOut takes, in its transaction: each
// event once, whatever processes run FanOut. It must be quick (a few
// statements for the lot); its error rolls the fan-out back, to be tried
// again.
type FanOutHook func(ctx context.Context, tx *sql.Tx, evs []Event) error

// OnFanOut sets the hook FanOut calls (package mail's receipts). Call it
// before the jobs start.
func (s *Service) OnFanOut(h FanOutHook) { s.hook.Store(&h) }

// FanOut makes the deliveries of up to limit events not yet fanned out
// and returns how many events it took: three statements for the lot (the
// events, one delivery per enabled endpoint of the operator or of a member
// an event names, and the events marked), whatever the limit, so that a
// busy install keeps up without a statement per event. Safe when several
// processes run it at once. Errors: database failures.
func (s *Service) FanOut(ctx context.Context, limit int) (int, error) {
	n := 0
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id, type, user_a, user_b, data, created_at FROM events WHERE fanned = 0 ORDER BY created_at, id LIMIT $1"+s.db.Dialect.SkipLocked(), limit)
		if err != nil {
			return err
		}
		var ids []any
		var evs []Event
		for rows.Next() {
			e, _, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return err
			}
			ids, evs = append(ids, e.ID), append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		// An event's user_a or user_b is '' when it names nobody there;
		// no endpoint's owner is ''. An event older than Retention (fanned
		// out that late only after a long outage) gets no delivery: Prune
		// deletes it next.
		now := s.now()
		args := append([]any{now.UnixNano(), Operator, now.Add(-Retention).UnixNano()}, ids...)
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts, next_at, last_status, last_error, created_at)
			SELECT 'whd_' || e.id || '_' || w.id, w.id, e.id, 'pending', 0, $1, 0, '', $1
			FROM events e JOIN webhook_endpoints w ON w.status = 'enabled' AND w.owner <> '' AND w.owner IN ($2, e.user_a, e.user_b)
			WHERE e.created_at >= $3 AND e.id IN (`+store.List(4, n)+`)
			ON CONFLICT (endpoint_id, event_id) DO NOTHING`, args...); err != nil {
			return err
		}
		if h := s.hook.Load(); h != nil {
			if err := (*h)(ctx, tx, evs); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE events SET fanned = 1 WHERE id IN ("+store.List(1, n)+")", ids...)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fan out events: %w", err)
	}
	return n, nil
}

// claimed is a delivery this process has claimed, with what posting needs.
type claimed struct {
	id, endpoint, owner, eventID, eventType, url, secret, oldSecret string
	oldUntil, failingSince                                          int64
	attempts                                                        int
	data                                                            string
	createdAt                                                       int64
}

// Deliver posts up to limit due deliveries and returns how many it
// attempted. Safe when several processes run it at once: a delivery is
// claimed by moving its next attempt a lease ahead, guarded by the time
// read. Errors: database failures (an endpoint's failure is the
// delivery's, recorded, not an error).
func (s *Service) Deliver(ctx context.Context, limit int) (int, error) {
	cs, err := s.claim(ctx, limit)
	if err != nil {
		return 0, fmt.Errorf("deliver: %w", err)
	}
	for _, c := range cs {
		status, errText := s.post(ctx, c)
		if err := s.record(ctx, c, status, errText); err != nil {
			return 0, fmt.Errorf("deliver: %w", err)
		}
	}
	return len(cs), nil
}

func (s *Service) claim(ctx context.Context, limit int) ([]claimed, error) {
	var out []claimed
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		now := s.now().UnixNano()
		rows, err := tx.QueryContext(ctx, `SELECT d.id, d.endpoint_id, w.owner, d.event_id, e.type, w.url, w.secret, w.old_secret, w.old_until, w.failing_since,
				d.attempts, e.data, e.created_at, d.next_at
			FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id JOIN events e ON e.id = d.event_id
			WHERE d.status = 'pending' AND d.next_at <= $1 AND w.status = 'enabled' ORDER BY d.next_at LIMIT $2`+s.db.Dialect.SkipLockedOf("d"), now, limit)
		if err != nil {
			return err
		}
		var next []int64
		for rows.Next() {
			var c claimed
			var at int64
			if err := rows.Scan(&c.id, &c.endpoint, &c.owner, &c.eventID, &c.eventType, &c.url, &c.secret, &c.oldSecret, &c.oldUntil, &c.failingSince,
				&c.attempts, &c.data, &c.createdAt, &at); err != nil {
				rows.Close()
				return err
			}
			out, next = append(out, c), append(next, at)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		kept := out[:0]
		for i, c := range out {
			res, err := tx.ExecContext(ctx, "UPDATE webhook_deliveries SET next_at = $3 WHERE id = $1 AND status = 'pending' AND next_at = $2",
				c.id, next[i], now+int64(lease))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				kept = append(kept, c)
			}
		}
		out = kept
		return nil
	})
	return out, err
}

// post sends c's event to its endpoint: the HTTP status, or 0 and why not.
func (s *Service) post(ctx context.Context, c claimed) (int, string) {
	body := []byte(`{"id":"` + c.eventID + `","type":"` + c.eventType + `","created_at":"` +
		time.Unix(0, c.createdAt).UTC().Format(time.RFC3339Nano) + `","data":` + c.data + `}`)
	now := s.now()
	ts := strconv.FormatInt(now.Unix(), 10)
	secret, err := s.open(c.secret, c.endpoint)
	if err != nil {
		return 0, err.Error()
	}
	sigs := []string{sign(secret, c.eventID, ts, body)}
	if c.oldSecret != "" && now.UnixNano() < c.oldUntil {
		// An old secret that no longer opens is left out: the new one signs.
		if old, err := s.open(c.oldSecret, c.endpoint); err == nil {
			sigs = append(sigs, sign(old, c.eventID, ts, body))
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, "the endpoint's address is not usable"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Nestegg-Webhooks/1")
	req.Header.Set("webhook-id", c.eventID)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", strings.Join(sigs, " "))
	client := s.client
	if c.owner == Operator {
		client = s.opClient // the operator's endpoints may be its own services
	}
	resp, err := client.Do(req)
	if err != nil {
		var blocked *blockedAddr
		if errors.As(err, &blocked) {
			return 0, "the endpoint resolves to a private address"
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, "no answer within 10 seconds"
		}
		return 0, "could not connect"
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, ""
}

// sign is a Standard Webhooks v1 signature of body.
func sign(secret, id, ts string, body []byte) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		key = []byte(secret)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// record stores what an attempt did, guarded by the attempt claimed.
func (s *Service) record(ctx context.Context, c claimed, status int, errText string) error {
	now := s.now()
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		attempts := c.attempts + 1
		if status >= 200 && status < 300 {
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'delivered', attempts = $3, last_status = $4, last_error = '', next_at = $5
				WHERE id = $1 AND status = 'pending' AND attempts = $2`, c.id, c.attempts, attempts, status, now.UnixNano()); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "UPDATE webhook_endpoints SET failing_since = 0 WHERE id = $1", c.endpoint)
			return err
		}
		if errText == "" {
			errText = fmt.Sprintf("the endpoint answered %d", status)
		}
		st, next := "pending", now
		if c.attempts < len(Backoff) {
			next = now.Add(Backoff[c.attempts])
		} else {
			st = "failed"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $3, attempts = $4, last_status = $5, last_error = $6, next_at = $7
			WHERE id = $1 AND status = 'pending' AND attempts = $2`, c.id, c.attempts, st, attempts, status, errText, next.UnixNano()); err != nil {
			return err
		}
		if c.failingSince == 0 {
			_, err := tx.ExecContext(ctx, "UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1 AND failing_since = 0", c.endpoint, now.UnixNano())
			return err
		}
		if now.Sub(time.Unix(0, c.failingSince)) > disableAfter {
			_, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET status = 'disabled', reason = $2 WHERE id = $1 AND status = 'enabled'`,
				c.endpoint, "every delivery failed for five days; fix the endpoint, then enable it")
			return err
		}
		return nil
	})
}

// Deliveries returns a page of owner's endpoint's deliveries, newest
// first. Errors: NotFound for an endpoint not owner's; Invalid (Param
// "cursor" or "limit").
func (s *Service) Deliveries(ctx context.Context, owner, endpointID string, page nestegg.Page) ([]Delivery, string, error) {
	if _, err := s.Endpoint(ctx, owner, endpointID); err != nil {
		return nil, "", err
	}
	c, limit, err := nestegg.ParsePage(page)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT d.id, d.endpoint_id, d.event_id, e.type, d.status, d.attempts, d.next_at, d.last_status, d.last_error, d.created_at
		FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.endpoint_id = $1 AND (d.created_at, d.id) < ($2, $3) ORDER BY d.created_at DESC, d.id DESC LIMIT $4`, endpointID, c.At, c.ID, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	var ats []int64
	for rows.Next() {
		var d Delivery
		var status string
		var next, at int64
		if err := rows.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.EventType, &status, &d.Attempts, &next, &d.LastStatus, &d.LastError, &at); err != nil {
			return nil, "", fmt.Errorf("deliveries: %w", err)
		}
		d.Status, d.At = DeliveryStatus(status), time.Unix(0, at).UTC()
		if d.Status == Pending {
			d.NextAt = time.Unix(0, next).UTC()
		}
		out, ats = append(out, d), append(ats, at)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("deliveries: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = nestegg.Cursor{At: ats[limit-1], ID: out[limit-1].ID}.String()
	}
	return out, next, nil
}

// Redeliver sends owner's delivery id again now, whatever became of it
// (delivered, failed, pending). Errors: NotFound.
func (s *Service) Redeliver(ctx context.Context, owner, id string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_at = $3
			WHERE id = $1 AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE owner = $2)`, id, owner, s.now().UnixNano())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nestegg.Errorf(nestegg.NotFound, "no webhook delivery %s", id)
		}
		return nil
	})
}

// blockedAddr is a connection refused because it would reach a private
// address.
type blockedAddr struct{ addr string }

func (b *blockedAddr) Error() string {
	return "events: refused to connect to private address " + b.addr
}

// newClient returns the delivery client: its dialer checks the address
// each connection really reaches, so a public name that resolves to a
// private address (DNS rebinding) is refused as the connection is made.
func newClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !public(ip) {
				return &blockedAddr{addr: host}
			}
			return nil
		}
	}
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{DialContext: d.DialContext, Proxy: nil, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
		// A redirect is not followed: an endpoint answers where it is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Retention is how long events and their deliveries are kept: a client
// that was away longer catches up from its own records, not from events.
// A delivery sent again (Redeliver) near the end of it ends with its event.
const Retention = 30 * 24 * time.Hour

// Prune deletes up to limit deliveries, then up to limit events, made
// before Retention, oldest first, and returns how many rows it deleted.
// An event not yet fanned out is kept until it is. Safe when several
// processes run it at once. Errors: database failures.
func (s *Service) Prune(ctx context.Context, limit int) (int, error) {
	cutoff := s.now().Add(-Retention).UnixNano()
	n := 0
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, q := range []string{
			"DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE created_at < $1 ORDER BY created_at, id LIMIT $2)",
			"DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < $1 AND fanned = 1 ORDER BY created_at, id LIMIT $2)",
		} {
			res, err := tx.ExecContext(ctx, q, cutoff, limit)
			if err != nil {
				return err
			}
			d, _ := res.RowsAffected()
			n += int(d)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune events: %w", err)
	}
	return n, nil
}
