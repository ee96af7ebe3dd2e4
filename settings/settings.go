// Package settings keeps the operator's business settings — fees, coin
// prices, limits per tier, cooling-off, hold windows — in the database,
// versioned, and hands each serve process the current ones without a
// restart.
//
// Catalog lists every setting with its default and range (the one place
// that does). A change is a new row in settings_changes with who made it,
// when and why; rows are never edited. Every change takes the next
// version number, so a process learns of another's change by reading one
// number (Refresh, which Watch runs every second or so): the money path
// reads the values from memory (Current), never from the database, and a
// payment costs no query for its fee.
package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
)

// Values is every setting at one version. The zero Values has every
// default.
type Values struct {
	version int64
	v       map[string]int64
}

// Version is the number of the newest change these values include; 0
// when nothing was ever changed.
func (v Values) Version() int64 { return v.version }

// Int is the setting key's value; a key not in the catalog is 0 (a
// programming error the catalog's tests rule out).
func (v Values) Int(key string) int64 {
	if x, ok := v.v[key]; ok {
		return x
	}
	d, _ := Lookup(key)
	return d.Default
}

// Duration is a Seconds setting as a time.Duration.
func (v Values) Duration(key string) time.Duration { return time.Duration(v.Int(key)) * time.Second }

// Change is one row of a setting's history.
type Change struct {
	Version  int64
	Key      string
	Value    int64
	Previous int64
	By       string // the staff member's id, or "operator (cli, …)"
	Reason   string
	At       time.Time
}

// Options configures a Service.
type Options struct {
	// Defaults replace the catalog's defaults for settings never changed
	// in the database (serve's --shop-fee-bps and --qr-fee-bps, from the
	// time they were flags). They must pass Validate.
	Defaults map[string]int64
	Clock    func() time.Time
	Logger   *slog.Logger
}

// Service reads and changes the settings. It is safe for concurrent use,
// in several processes sharing one database.
type Service struct {
	db   *store.DB
	opt  Options
	cur  atomic.Pointer[Values]
	mu   sync.Mutex // one Refresh at a time, so appliers see versions in order
	subs []func(Values) error
}

// New returns the settings on db (migrated). Nothing is read until Refresh.
// Errors: Invalid for Defaults that Validate refuses.
func New(db *store.DB, opt Options) (*Service, error) {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if err := Validate(opt.Defaults); err != nil {
		return nil, fmt.Errorf("settings defaults: %w", err)
	}
	s := &Service{db: db, opt: opt}
	s.cur.Store(&Values{version: -1, v: s.defaults()})
	return s, nil
}

func (s *Service) defaults() map[string]int64 {
	m := make(map[string]int64, len(catalog))
	for _, d := range catalog {
		m[d.Key] = d.Default
		if x, ok := s.opt.Defaults[d.Key]; ok {
			m[d.Key] = x
		}
	}
	return m
}

// Default is key's value when the database has none: the catalog's, or
// Options.Defaults'.
func (s *Service) Default(key string) int64 { return s.defaults()[key] }

// OnChange registers apply, called by Refresh with the new values each
// time they change (the first Refresh included), in the order registered.
// The composition root uses it to hand each service its part.
func (s *Service) OnChange(apply func(Values) error) { s.subs = append(s.subs, apply) }

// Current returns the values this process applied last: a memory read.
func (s *Service) Current() Values { return *s.cur.Load() }

// Refresh reads the newest version (one indexed number) and, when it is
// not the one applied, the values, and applies them. Errors: database
// failures; an applier's refusal (the values are applied to the others
// and kept, so that one service's refusal does not hold back the rest).
func (s *Service) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var version int64
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM settings_changes").Scan(&version); err != nil {
		return fmt.Errorf("settings version: %w", err)
	}
	if version == s.cur.Load().version {
		return nil
	}
	vals, version, err := s.load(ctx, s.db.Reader())
	if err != nil {
		return err
	}
	nv := &Values{version: version, v: vals}
	var errs []error
	for _, apply := range s.subs {
		if err := apply(*nv); err != nil {
			errs = append(errs, err)
		}
	}
	s.cur.Store(nv)
	if len(errs) > 0 {
		return fmt.Errorf("settings version %d: %w", version, errors.Join(errs...))
	}
	s.opt.Logger.Info("settings applied", "version", version)
	return nil
}

// load reads every setting's newest value and the newest version.
func (s *Service) load(ctx context.Context, q store.Querier) (map[string]int64, int64, error) {
	vals := s.defaults()
	rows, err := q.QueryContext(ctx, `SELECT c.key, c.value, c.version FROM settings_changes c
		WHERE c.version = (SELECT MAX(l.version) FROM settings_changes l WHERE l.key = c.key)`)
	if err != nil {
		return nil, 0, fmt.Errorf("settings: %w", err)
	}
	defer rows.Close()
	var version int64
	for rows.Next() {
		var k string
		var v, ver int64
		if err := rows.Scan(&k, &v, &ver); err != nil {
			return nil, 0, err
		}
		version = max(version, ver)
		if _, known := vals[k]; known {
			// A key a later release removed from the catalog is history.
			vals[k] = v
		}
	}
	return vals, version, rows.Err()
}

// Watch runs Refresh every interval until ctx ends, so that a change made
// by another process applies here within about one interval. Failures are
// logged once each, not every tick.
func (s *Service) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	last := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := s.Refresh(ctx)
		if err != nil && ctx.Err() == nil {
			if msg := err.Error(); msg != last {
				s.opt.Logger.Warn("settings refresh", "err", err)
				last = msg
			}
			continue
		}
		last = ""
	}
}

// Set changes key to value, for the reason given, by by (a staff
// member's id, or who ran the CLI), and applies it in this process at
// once. When expect is positive, the change is refused unless expect is
// still the newest version (a form shown before someone else's change
// does not silently undo it). Errors: NotFound for an unknown key;
// Invalid for a value out of range or against another setting (named by
// Param), or no reason; Conflict when expect is stale or another change
// took the same version at the same moment.
func (s *Service) Set(ctx context.Context, key string, value, expect int64, by, reason string) (Change, error) {
	if _, err := Lookup(key); err != nil {
		return Change{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Change{}, nestegg.ParamErrorf(nestegg.Invalid, "reason", "say why, for the settings' history")
	}
	if len(reason) > 500 {
		return Change{}, nestegg.ParamErrorf(nestegg.Invalid, "reason", "the reason is longer than 500 bytes")
	}
	c := Change{Key: key, Value: value, By: by, Reason: reason, At: s.opt.Clock().UTC()}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		vals, version, err := s.load(ctx, tx)
		if err != nil {
			return err
		}
		if expect > 0 && expect != version {
			return nestegg.Errorf(nestegg.Conflict, "the settings changed since version %d (now %d): look again before changing them", expect, version)
		}
		c.Previous = vals[key]
		vals[key] = value
		if err := Validate(vals); err != nil {
			return err
		}
		c.Version = version + 1
		_, err = tx.ExecContext(ctx, `INSERT INTO settings_changes (version, key, value, previous, changed_by, reason, changed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.Version, key, value, c.Previous, by, reason, c.At.UnixNano())
		return err
	})
	if err != nil {
		if nestegg.ErrorCode(err) == nestegg.Conflict && !strings.Contains(err.Error(), "since version") {
			err = nestegg.Errorf(nestegg.Conflict, "another settings change landed at the same moment: look again and retry")
		}
		return Change{}, err
	}
	// The change is committed; applying it here at once is a courtesy
	// (Watch would in a second), so its failure is not the change's.
	if rerr := s.Refresh(context.WithoutCancel(ctx)); rerr != nil {
		s.opt.Logger.Warn("settings refresh after a change", "err", rerr)
	}
	return c, nil
}

// History returns the changes, newest first: all settings' when key is
// "", else key's; at most limit (default 50, at most 500).
func (s *Service) History(ctx context.Context, key string, limit int) ([]Change, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q := `SELECT version, key, value, previous, changed_by, reason, changed_at FROM settings_changes`
	var args []any
	if key != "" {
		q += ` WHERE key = $1`
		args = append(args, key)
	}
	args = append(args, limit)
	rows, err := s.db.Reader().QueryContext(ctx, q+fmt.Sprintf(` ORDER BY version DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("settings history: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&c.Version, &c.Key, &c.Value, &c.Previous, &c.By, &c.Reason, &at); err != nil {
			return nil, err
		}
		c.At = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
