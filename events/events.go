package events

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/seal"
	"github.com/nestegg/nestegg/store"
)

// Operator is the owner of the operator's endpoints, which see every event.
const Operator = "operator"

// Event is one thing that happened.
type Event struct {
	ID   string // "evt_…", the webhook-id of its deliveries
	Type string // "movement.p2p", …
	// Users are the members it names (who paid, who was paid): their
	// endpoints receive it and their event lists show it.
	Users     []string
	Data      json.RawMessage // the object, as the API shows it
	CreatedAt time.Time
}

// EventPage is a page of events, newest first.
type EventPage struct {
	Events []Event
	Next   string
}

// Options configure a Service.
type Options struct {
	Clock func() time.Time
	// Client posts deliveries; default one with a 10 s timeout whose
	// connections, for members' endpoints, refuse private addresses unless
	// AllowPrivate.
	Client *http.Client
	// AllowPrivate lets members' endpoints point at loopback and private
	// addresses (tests, a development install).
	AllowPrivate bool
	// Sealer, when set, seals endpoints' signing secrets at rest (bound to
	// the endpoint's id), as bank account numbers are. Without one they
	// are stored as they are, and a secret sealed before cannot sign.
	Sealer *seal.Sealer
}

// Service keeps events and delivers them. It is safe for concurrent use.
type Service struct {
	db       *store.DB
	clock    func() time.Time
	client   *http.Client // members' endpoints
	opClient *http.Client // the operator's
	opt      Options
	hook     atomic.Pointer[FanOutHook]
}

// New returns the events service on db (migrated).
func New(db *store.DB, opt Options) *Service {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	s := &Service{db: db, clock: opt.Clock, opt: opt, client: opt.Client, opClient: opt.Client}
	if s.client == nil {
		s.client, s.opClient = newClient(opt.AllowPrivate), newClient(true)
	}
	return s
}

func (s *Service) now() time.Time { return s.clock().UTC() }

var eventColumns = []store.Column{{Name: "id", Type: "TEXT"}, {Name: "type", Type: "TEXT"}, {Name: "user_a", Type: "TEXT"},
	{Name: "user_b", Type: "TEXT"}, {Name: "data", Type: "TEXT"}, {Name: "fanned", Type: "BIGINT"}, {Name: "created_at", Type: "BIGINT"}}

// Emit adds an event of type typ about users (at most two: "" entries are
// skipped) with data (marshalled to JSON) inside tx, the transaction of
// what it reports: it exists only if tx commits. For the movement kernel
// and other domains. Errors: Invalid for a bad type, too many users or
// data that does not marshal; database failures.
func (s *Service) Emit(ctx context.Context, tx *sql.Tx, typ string, users []string, data any) error {
	if typ == "" || len(typ) > 100 || strings.ContainsAny(typ, " \t\n") {
		return nestegg.Errorf(nestegg.Invalid, "events: bad event type %q", typ)
	}
	var named []string
	for _, u := range users {
		if u != "" && (len(named) == 0 || named[0] != u) {
			named = append(named, u)
		}
	}
	if len(named) > 2 {
		return nestegg.Errorf(nestegg.Invalid, "events: an event names at most two members")
	}
	named = append(named, "", "")
	b, err := json.Marshal(data)
	if err != nil {
		return nestegg.Errorf(nestegg.Invalid, "events: %v", err)
	}
	return store.Insert(ctx, tx, s.db.Dialect, "events", eventColumns, "",
		nestegg.NewID("evt"), typ, named[0], named[1], string(b), 0, s.now().UnixNano())
}

// List returns a page of the events that name userID (every event for
// Operator), newest first. The caller must be userID, or the operator.
// Errors: Invalid (Param "cursor" or "limit").
func (s *Service) List(ctx context.Context, userID string, page nestegg.Page) (EventPage, error) {
	c, limit, err := nestegg.ParsePage(page)
	if err != nil {
		return EventPage{}, err
	}
	q := `SELECT id, type, user_a, user_b, data, created_at FROM events
		WHERE (created_at, id) < ($1, $2) AND (user_a = $3 OR user_b = $3) ORDER BY created_at DESC, id DESC LIMIT $4`
	args := []any{c.At, c.ID, userID, limit + 1}
	if userID == Operator {
		q = `SELECT id, type, user_a, user_b, data, created_at FROM events
		WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT $3`
		args = []any{c.At, c.ID, limit + 1}
	}
	rows, err := s.db.Reader().QueryContext(ctx, q, args...)
	if err != nil {
		return EventPage{}, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out EventPage
	var at []int64
	for rows.Next() {
		e, t, err := scanEvent(rows)
		if err != nil {
			return EventPage{}, fmt.Errorf("events: %w", err)
		}
		out.Events, at = append(out.Events, e), append(at, t)
	}
	if err := rows.Err(); err != nil {
		return EventPage{}, fmt.Errorf("events: %w", err)
	}
	if len(out.Events) > limit {
		out.Events = out.Events[:limit]
		out.Next = nestegg.Cursor{At: at[limit-1], ID: out.Events[limit-1].ID}.String()
	}
	return out, nil
}

func scanEvent(row interface{ Scan(...any) error }) (Event, int64, error) {
	var e Event
	var a, b, data string
	var at int64
	if err := row.Scan(&e.ID, &e.Type, &a, &b, &data, &at); err != nil {
		return Event{}, 0, err
	}
	for _, u := range []string{a, b} {
		if u != "" {
			e.Users = append(e.Users, u)
		}
	}
	e.Data, e.CreatedAt = json.RawMessage(data), time.Unix(0, at).UTC()
	return e, at, nil
}
