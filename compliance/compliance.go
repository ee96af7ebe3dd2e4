package compliance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/seal"
	"github.com/nestegg/nestegg/store"
)

// Outcome is what the checkpoint decided.
type Outcome string

// The outcomes.
const (
	Allow Outcome = "allow" // the movement may go ahead now
	Hold  Outcome = "hold"  // the movement may go ahead, held until Decision.HoldUntil
	Deny  Outcome = "deny"  // the movement must not happen; Decision.Reason says why
)

// Tier is a member's KYC tier; its name is what people and the API see.
type Tier string

// The tiers, 0 to 2. Every member starts Unverified.
const (
	// Unverified, tier 0: just signed up; social features, small limits.
	Unverified Tier = "unverified"
	// Identified, tier 1: legal name, date of birth, address and the last
	// four of a national id, checked by the identity provider.
	Identified Tier = "identified"
	// Verified, tier 2: an identity document and a selfie, checked by the
	// provider (or by staff, as before there were three tiers).
	Verified Tier = "verified"
)

// Tiers is every tier, lowest first.
var Tiers = []Tier{Unverified, Identified, Verified}

// Level is the tier's number: 0, 1 or 2 (-1 for no tier).
func (t Tier) Level() int {
	switch t {
	case Unverified:
		return 0
	case Identified:
		return 1
	case Verified:
		return 2
	}
	return -1
}

func (t Tier) valid() bool { return t.Level() >= 0 }

// Kind names what a movement is, for the audit log ("p2p", "purchase",
// "withdrawal", …). The kinds and how each counts are declared once, in
// package movement's table; the checkpoint goes by Movement.Class.
type Kind string

// Movement kinds named by packages that call the checkpoint directly.
const (
	KindP2P    Kind = "p2p"    // a payment to another member
	KindCredit Kind = "credit" // the operator crediting a member
)

// Class says how a movement counts toward limits.
type Class string

// The classes.
const (
	// Uncounted: refunds, releases, the operator's own money.
	Uncounted Class = ""
	// Spend: money leaving a member — payments, tips, coin and shop
	// purchases, gifts, withdrawals. Per-transfer, daily and monthly
	// limits; cooling-off when the movement has a payee.
	Spend Class = "spend"
	// Funding: money coming in from outside — card top-ups, bank
	// deposits. Velocity limits of their own (Config.FundingLimits).
	Funding Class = "funding"
)

// Limits caps a tier's movements of one class, in minor units of
// Config.Asset. Zero means no limit.
type Limits struct {
	PerTransfer int64
	PerDay      int64 // rolling 24 hours, counted by the hour
	PerMonth    int64 // rolling 30 days, counted by the day
}

// Config is the policy. DefaultConfig gives sane USD values.
type Config struct {
	// Asset is the asset limits and the cooling-off threshold count in.
	Asset string
	// Limits per tier on Spend movements; a tier missing from the map is
	// unlimited.
	Limits map[Tier]Limits
	// FundingLimits per tier on Funding movements (top-ups, deposits).
	FundingLimits map[Tier]Limits
	// CoolingOffAbove turns cooling-off on when positive: a first p2p
	// payment to a new payee of more than this is held.
	CoolingOffAbove int64
	// CoolingOffHold is how long such a payment is held (default 24 hours).
	CoolingOffHold time.Duration
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
	// Identity is the identity provider members' checks go to, and Sealer
	// seals what members tell it at rest; with either nil, identity
	// verification is off (Unavailable) and tiers change only by staff.
	Identity rails.IdentityVerifier
	Sealer   *seal.Sealer
	// Regions lists where the operator is licensed to move money: a
	// country ("US") or a state or province ("US-CA"). A member whose
	// verified address (Status.Region) is elsewhere keeps the social
	// network but cannot send, receive or add money — only withdraw what
	// they hold. A member with no verified address yet is not known to be
	// outside, and tier 0's limits apply. Empty: licensed everywhere.
	Regions []string
	// IdentityAttemptsPerDay caps the checks a member may start in a day
	// (default 5): each costs the operator, and a member guessing at
	// someone else's details gets few guesses.
	IdentityAttemptsPerDay int
}

// DefaultConfig returns limits in USD: unverified members (tier 0) may send
// $500 per transfer, $1,000 a day and $2,000 a month, and bring in $2,500 a
// day and $5,000 a month from banks and cards; identified members (tier 1)
// three times that; verified members (tier 2) ten times. Cooling-off is
// off.
func DefaultConfig() Config {
	return Config{
		Asset: "USD",
		Limits: map[Tier]Limits{
			Unverified: {PerTransfer: 500_00, PerDay: 1_000_00, PerMonth: 2_000_00},
			Identified: {PerTransfer: 1_500_00, PerDay: 3_000_00, PerMonth: 6_000_00},
			Verified:   {PerTransfer: 5_000_00, PerDay: 10_000_00, PerMonth: 20_000_00},
		},
		FundingLimits: map[Tier]Limits{
			Unverified: {PerDay: 2_500_00, PerMonth: 5_000_00},
			Identified: {PerDay: 7_500_00, PerMonth: 15_000_00},
			Verified:   {PerDay: 25_000_00, PerMonth: 50_000_00},
		},
		CoolingOffHold: 24 * time.Hour,
		Regions:        []string{"US"},
	}
}

// Movement is one movement of money asking to pass.
type Movement struct {
	Kind  Kind
	Class Class // how it counts toward limits
	// Holdable says the movement can wait (a payment to a member): a first
	// large one to someone new is held rather than denied.
	Holdable bool
	// CashOut says the movement takes the member's money out to their own
	// account elsewhere (a withdrawal): a member outside the licensed
	// regions may still do it, so that nothing they hold is trapped.
	CashOut  bool
	FromUser string // who starts it and whose money leaves; "" for the operator
	ToUser   string // who receives it; "" for the platform
	Asset    string
	Amount   int64 // minor units, > 0
	// Reference names the business object (an idempotency-derived id) for
	// the audit log.
	Reference string
}

// Decision is the checkpoint's answer.
type Decision struct {
	Outcome   Outcome
	Reason    string    // for people; empty when allowed without remark
	HoldUntil time.Time // set when Outcome is Hold
	AuditID   string    // the audit row that records this decision
}

// Service is the checkpoint. It is safe for concurrent use.
type Service struct {
	db   *store.DB
	cfg  Config
	live atomic.Pointer[Rules] // the live part of cfg (SetRules)
}

// Rules are the limits and cooling-off of Config that the operator
// changes while the service runs (package settings hands them over): the
// next movement is decided by them.
type Rules struct {
	Limits          map[Tier]Limits
	FundingLimits   map[Tier]Limits
	CoolingOffAbove int64
	CoolingOffHold  time.Duration
}

// SetRules replaces the limits and cooling-off for the next movement.
// The maps are the caller's no more: they are copied. Errors: Invalid for
// a negative limit or threshold, or a hold that is not positive.
func (s *Service) SetRules(r Rules) error {
	if r.CoolingOffAbove < 0 || r.CoolingOffHold <= 0 {
		return nestegg.Errorf(nestegg.Invalid, "compliance: the cooling-off threshold is not negative and its hold is positive")
	}
	c := Rules{Limits: map[Tier]Limits{}, FundingLimits: map[Tier]Limits{}, CoolingOffAbove: r.CoolingOffAbove, CoolingOffHold: r.CoolingOffHold}
	for _, m := range []struct{ from, to map[Tier]Limits }{{r.Limits, c.Limits}, {r.FundingLimits, c.FundingLimits}} {
		for t, l := range m.from {
			if l.PerTransfer < 0 || l.PerDay < 0 || l.PerMonth < 0 {
				return nestegg.Errorf(nestegg.Invalid, "compliance: a limit is not negative (0: none)")
			}
			m.to[t] = l
		}
	}
	s.live.Store(&c)
	return nil
}

func (s *Service) rules() *Rules { return s.live.Load() }

// New returns the checkpoint on db (migrated) with the policy cfg.
func New(db *store.DB, cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Asset == "" {
		cfg.Asset = "USD"
	}
	if cfg.CoolingOffHold <= 0 {
		cfg.CoolingOffHold = 24 * time.Hour
	}
	if cfg.IdentityAttemptsPerDay <= 0 {
		cfg.IdentityAttemptsPerDay = 5
	}
	s := &Service{db: db, cfg: cfg}
	s.live.Store(&Rules{Limits: cfg.Limits, FundingLimits: cfg.FundingLimits, CoolingOffAbove: cfg.CoolingOffAbove, CoolingOffHold: cfg.CoolingOffHold})
	return s
}

// Config returns the policy in force.
func (s *Service) Config() Config {
	c, r := s.cfg, s.rules()
	c.Limits, c.FundingLimits, c.CoolingOffAbove, c.CoolingOffHold = r.Limits, r.FundingLimits, r.CoolingOffAbove, r.CoolingOffHold
	return c
}

func (s *Service) now() time.Time { return s.cfg.Clock().UTC() }

// Check decides whether m may happen and records the decision in the audit
// log, both inside tx, which must be a write transaction. It is for the
// money-moving domains (payments), which call it before they write
// anything else in tx; see the package doc for what to do with tx after a
// denial. Errors: Invalid for a movement without kind, asset or a
// positive amount; database failures. A denial is a Decision, not an error.
func (s *Service) Check(ctx context.Context, tx *sql.Tx, m Movement) (Decision, error) {
	if m.Kind == "" || m.Asset == "" || m.Amount <= 0 {
		return Decision{}, nestegg.Errorf(nestegg.Invalid, "compliance: a movement needs a kind, an asset and a positive amount")
	}
	d, err := s.decide(m, sqlFacts{s: s, ctx: ctx, q: tx, lock: tx})
	if err != nil {
		return Decision{}, fmt.Errorf("compliance check: %w", err)
	}
	return s.audited(ctx, tx, m, d)
}

// audited records d, the decision on m, in the audit log.
func (s *Service) audited(ctx context.Context, tx *sql.Tx, m Movement, d Decision) (Decision, error) {
	var err error
	d.AuditID, err = s.audit(ctx, tx, auditRow{
		action: "check", actor: m.FromUser, subject: m.FromUser, kind: string(m.Kind), to: m.ToUser,
		asset: m.Asset, amount: m.Amount, outcome: string(d.Outcome), reason: d.Reason, reference: m.Reference,
	})
	if err != nil {
		return Decision{}, fmt.Errorf("compliance check: %w", err)
	}
	return d, nil
}

// Preview says what Check would decide for m now, without deciding it: it
// reads outside any transaction, locks nothing and writes nothing (no
// audit row, no usage). It is for a confirmation page, so that a member
// learns before confirming what the checkpoint would refuse (a frozen
// account, a limit) or hold; the movement itself is still decided by Check
// when it happens, on the state then. Errors: Invalid for a movement
// without kind, asset or a positive amount; database failures. A denial is
// a Decision, not an error.
func (s *Service) Preview(ctx context.Context, m Movement) (Decision, error) {
	if m.Kind == "" || m.Asset == "" || m.Amount <= 0 {
		return Decision{}, nestegg.Errorf(nestegg.Invalid, "compliance: a movement needs a kind, an asset and a positive amount")
	}
	d, err := s.decide(m, sqlFacts{s: s, ctx: ctx, q: s.db.Reader()})
	if err != nil {
		return Decision{}, fmt.Errorf("compliance preview: %w", err)
	}
	return d, nil
}

// facts is what a decision reads: the database (Check locks the member's
// row, Preview only reads) or what a Batch read for all its movements.
type facts interface {
	status(userID string) (Status, error)
	region(userID string) (string, error) // a receiver's, read without a lock
	used(userID string, class Class, now time.Time) (day, month int64, err error)
	paid(userID, payeeID string) (bool, error)
}

type sqlFacts struct {
	s    *Service
	ctx  context.Context
	q    store.Querier
	lock *sql.Tx // lock the member's row in it; nil reads
}

func (f sqlFacts) status(userID string) (Status, error) {
	if f.lock != nil {
		return f.s.lock(f.ctx, f.lock, userID)
	}
	return f.s.Status(f.ctx, userID)
}

func (f sqlFacts) region(userID string) (string, error) {
	var r string
	err := f.q.QueryRowContext(f.ctx, "SELECT region FROM compliance_users WHERE user_id = $1", userID).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return r, err
}

func (f sqlFacts) used(userID string, class Class, now time.Time) (day, month int64, err error) {
	return f.s.used(f.ctx, f.q, userID, class, now)
}

func (f sqlFacts) paid(userID, payeeID string) (bool, error) {
	var n int
	err := f.q.QueryRowContext(f.ctx, "SELECT count(*) FROM compliance_payees WHERE user_id = $1 AND payee_id = $2",
		userID, payeeID).Scan(&n)
	return n > 0, err
}

// limited reports whether decide reads anything for m: a member's money,
// not the operator's.
func limited(m Movement) bool { return m.FromUser != "" && m.Kind != KindCredit }

// jurisdiction reports whether m is money the licensed regions limit: a
// member's own movement that counts (a refund or a release returns money
// and is not stopped).
func (s *Service) jurisdiction(m Movement) bool {
	return len(s.cfg.Regions) > 0 && m.Class != Uncounted
}

// Licensed reports whether region ("US-CA") is one where the operator may
// move money: listed itself or its country listed. The region unknown ("")
// is not known to be outside, so it is licensed.
func (s *Service) Licensed(region string) bool {
	if region == "" || len(s.cfg.Regions) == 0 {
		return true
	}
	country, _, _ := strings.Cut(region, "-")
	for _, r := range s.cfg.Regions {
		if r = strings.ToUpper(r); r == region || r == country {
			return true
		}
	}
	return false
}

func (s *Service) regionList() string {
	names := make([]string, len(s.cfg.Regions))
	for i, r := range s.cfg.Regions {
		names[i] = strings.ToUpper(r)
	}
	if len(names) == 1 && names[0] == "US" {
		return "the US"
	}
	return strings.Join(names, ", ")
}

// coolingOff reports whether m is a payment cooling-off may hold, were its
// payee new.
func (s *Service) coolingOff(m Movement) bool {
	return m.Class == Spend && s.rules().CoolingOffAbove > 0 && m.Amount > s.rules().CoolingOffAbove && m.ToUser != ""
}

// decide applies the policy to m, reading through f (the member's state
// only when there is a member to limit).
func (s *Service) decide(m Movement, f facts) (Decision, error) {
	allow := Decision{Outcome: Allow}
	if !limited(m) {
		return allow, nil // the operator's own money: nothing to limit
	}
	st, err := f.status(m.FromUser)
	if err != nil {
		return Decision{}, err
	}
	if st.Frozen {
		return Decision{Outcome: Deny, Reason: "your account is frozen; contact support"}, nil
	}
	if s.jurisdiction(m) {
		if !s.Licensed(st.Region) && !m.CashOut {
			return Decision{Outcome: Deny, Reason: fmt.Sprintf(
				"Nestegg is licensed to move money only in %s and your verified address is in %s, so you can't send, receive or add money here; you can still post, follow and talk, and withdraw what you hold",
				s.regionList(), st.Region)}, nil
		}
		if m.ToUser != "" {
			r, err := f.region(m.ToUser)
			if err != nil {
				return Decision{}, err
			}
			if !s.Licensed(r) {
				return Decision{Outcome: Deny, Reason: fmt.Sprintf(
					"the person you're paying can't receive money: their verified address is outside where Nestegg is licensed (%s)", s.regionList())}, nil
			}
		}
	}
	if m.Asset != s.cfg.Asset || m.Class == Uncounted {
		return allow, nil
	}
	lim, what := s.rules().Limits[st.Tier], "per payment"
	if m.Class == Funding {
		lim, what = s.rules().FundingLimits[st.Tier], "per deposit"
	}
	if lim.PerTransfer > 0 && m.Amount > lim.PerTransfer {
		return Decision{Outcome: Deny, Reason: fmt.Sprintf("%s is over the limit of %s %s for %s accounts",
			s.fmt(m.Amount), s.fmt(lim.PerTransfer), what, st.Tier)}, nil
	}
	now := s.now()
	if lim.PerDay > 0 || lim.PerMonth > 0 {
		day, month, err := f.used(m.FromUser, m.Class, now)
		if err != nil {
			return Decision{}, err
		}
		for _, w := range []struct {
			limit, used int64
			name        string
		}{{lim.PerDay, day, "in 24 hours"}, {lim.PerMonth, month, "in 30 days"}} {
			if w.limit <= 0 {
				continue
			}
			total, err := money.Add(w.used, m.Amount)
			if err != nil || total > w.limit {
				noun := "limit"
				if m.Class == Funding {
					noun = "limit for adding money"
				}
				return Decision{Outcome: Deny, Reason: fmt.Sprintf("this would take you over your %s of %s %s (%s used) for %s accounts",
					noun, s.fmt(w.limit), w.name, s.fmt(w.used), st.Tier)}, nil
			}
		}
	}
	if s.coolingOff(m) {
		known, err := f.paid(m.FromUser, m.ToUser)
		if err != nil {
			return Decision{}, err
		}
		if !known {
			until := now.Add(s.rules().CoolingOffHold)
			if !m.Holdable {
				// A purchase cannot wait a day, and must not be a way around
				// the hold a payment of the same size would get.
				return Decision{Outcome: Deny, Reason: fmt.Sprintf(
					"a first payment of more than %s to someone new waits %s before it arrives, and this one cannot wait; pay %s or less, or send it as a payment",
					s.fmt(s.rules().CoolingOffAbove), s.rules().CoolingOffHold, s.fmt(s.rules().CoolingOffAbove))}, nil
			}
			return Decision{Outcome: Hold, HoldUntil: until, Reason: fmt.Sprintf(
				"a first payment of more than %s to someone new is held until %s; you can cancel it until then",
				s.fmt(s.rules().CoolingOffAbove), until.Format("2006-01-02 15:04 MST"))}, nil
		}
	}
	return allow, nil
}

// Usage is what a movement used of a member's limits, for Record.
type Usage struct {
	UserID string
	Class  Class
	Asset  string
	// Amount is added to the windows At falls in; negative gives back what
	// an earlier movement used (a held payment cancelled).
	Amount int64
	At     time.Time
	// PayeeID, when set, is someone the member has now paid: cooling-off
	// no longer holds payments to them.
	PayeeID string
}

const (
	hourNanos = int64(time.Hour)
	dayNanos  = 24 * int64(time.Hour)
)

// Record adds u to the member's usage inside tx, the movement's own
// transaction, so that usage commits exactly when the movement does. For
// the movement kernel, which calls it for every movement that counts.
// Errors: database failures only.
func (s *Service) Record(ctx context.Context, tx *sql.Tx, u Usage) error {
	if u.UserID == "" {
		return nil
	}
	if rows := s.usageRows(u); len(rows) > 0 {
		bulk := s.db.Dialect.NewBulk(usageColumns...)
		for _, r := range rows {
			bulk.Add(r.row.user, string(r.row.class), r.row.asset, r.row.span, r.row.bucket, r.amount)
		}
		if err := bulk.Insert(ctx, tx, "compliance_usage", usageUpsert); err != nil {
			return fmt.Errorf("record usage: %w", err)
		}
	}
	if p, ok := payee(u); ok {
		if _, err := tx.ExecContext(ctx, "INSERT INTO compliance_payees (user_id, payee_id, first_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, payee_id) DO NOTHING",
			p[0], p[1], u.At.UnixNano()); err != nil {
			return fmt.Errorf("record payee: %w", err)
		}
	}
	return nil
}

// usageRows is what u adds to compliance_usage: its amount in the hour's
// and the day's bucket, when it counts.
func (s *Service) usageRows(u Usage) []entry {
	if u.Class == Uncounted || u.Amount == 0 || u.Asset != s.cfg.Asset {
		return nil
	}
	at := u.At.UnixNano()
	return []entry{
		{row: usageRow{user: u.UserID, class: u.Class, asset: u.Asset, span: "h", bucket: at / hourNanos}, amount: u.Amount},
		{row: usageRow{user: u.UserID, class: u.Class, asset: u.Asset, span: "d", bucket: at / dayNanos}, amount: u.Amount},
	}
}

// payee is the (member, payee) pair u makes known, if any.
func payee(u Usage) ([2]string, bool) {
	return [2]string{u.UserID, u.PayeeID}, u.PayeeID != "" && u.PayeeID != u.UserID
}

var (
	usageColumns = []store.Column{{Name: "user_id", Type: "TEXT"}, {Name: "class", Type: "TEXT"}, {Name: "asset", Type: "TEXT"},
		{Name: "span", Type: "TEXT"}, {Name: "bucket", Type: "BIGINT"}, {Name: "amount", Type: "BIGINT"}}
	usageUpsert  = " ON CONFLICT (user_id, class, asset, span, bucket) DO UPDATE SET amount = compliance_usage.amount + excluded.amount"
	payeeColumns = []store.Column{{Name: "user_id", Type: "TEXT"}, {Name: "payee_id", Type: "TEXT"}, {Name: "first_at", Type: "BIGINT"}}
)

// used returns what the member used of class in the limit asset in the
// rolling day (this hour's bucket and the 24 before it) and month (today's
// and the 30 days before): one indexed range of at most 56 rows. A
// movement thus leaves the daily window within the hour after 24 hours,
// and the monthly one within the day after 30 days — never sooner.
func (s *Service) used(ctx context.Context, q store.Querier, userID string, class Class, now time.Time) (day, month int64, err error) {
	n := now.UnixNano()
	err = q.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN span = 'h' AND bucket > $4 THEN amount ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN span = 'd' AND bucket > $5 THEN amount ELSE 0 END), 0)
		FROM compliance_usage WHERE user_id = $1 AND class = $2 AND asset = $3
			AND ((span = 'h' AND bucket > $4) OR (span = 'd' AND bucket > $5))`,
		userID, string(class), s.cfg.Asset, n/hourNanos-25, n/dayNanos-31).Scan(&day, &month)
	return day, month, err
}

func (s *Service) fmt(minor int64) string {
	a, err := money.Lookup(s.cfg.Asset)
	if err != nil {
		return fmt.Sprintf("%d %s", minor, s.cfg.Asset)
	}
	return money.Format(money.Amount{Asset: a, Minor: minor})
}

// Status is a member's compliance state.
type Status struct {
	UserID       string
	Frozen       bool
	FrozenReason string
	Tier         Tier
	// Region is where the member's verified address is ("US-CA"), "" until
	// an identity check approved one.
	Region    string
	UpdatedAt time.Time // zero for a member never touched
}

// lock returns the member's state, creating the row, and locks it until
// tx ends — in one statement (one round trip on PostgreSQL, where the
// upsert's DO UPDATE takes the row lock that FOR UPDATE would).
func (s *Service) lock(ctx context.Context, tx *sql.Tx, userID string) (Status, error) {
	return scanStatus(tx.QueryRowContext(ctx, `INSERT INTO compliance_users (user_id, updated_at) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id RETURNING `+statusCols, userID, s.now().UnixNano()))
}

const statusCols = "user_id, frozen, frozen_reason, tier, updated_at, region"

func scanStatus(row interface{ Scan(...any) error }) (Status, error) {
	var st Status
	var frozen int
	var tier string
	var at int64
	err := row.Scan(&st.UserID, &frozen, &st.FrozenReason, &tier, &at, &st.Region)
	st.Frozen, st.Tier = frozen != 0, Tier(tier)
	if at != 0 {
		st.UpdatedAt = time.Unix(0, at).UTC()
	}
	return st, err
}

// auditRow is one line of the audit log.
type auditRow struct {
	action, actor, subject, kind, to, asset string
	amount                                  int64
	outcome, reason, reference              string
}

func (s *Service) audit(ctx context.Context, tx *sql.Tx, r auditRow) (string, error) {
	id := "aud_" + strings.ReplaceAll(uuid.Must(uuid.NewV7()).String(), "-", "")
	// Nothing reads an audit row back in the transaction that writes it: in
	// a batch of movements it is inserted with the batch's others.
	err := store.Insert(ctx, tx, s.db.Dialect, "compliance_audit", auditColumns, "",
		id, s.now().UnixNano(), r.action, r.actor, r.subject, r.kind, r.to, r.asset, r.amount, r.outcome, r.reason, r.reference)
	return id, err
}

var auditColumns = []store.Column{{Name: "id", Type: "TEXT"}, {Name: "at", Type: "BIGINT"}, {Name: "action", Type: "TEXT"},
	{Name: "actor_id", Type: "TEXT"}, {Name: "subject_id", Type: "TEXT"}, {Name: "kind", Type: "TEXT"}, {Name: "to_user", Type: "TEXT"},
	{Name: "asset", Type: "TEXT"}, {Name: "amount", Type: "BIGINT"}, {Name: "outcome", Type: "TEXT"}, {Name: "reason", Type: "TEXT"},
	{Name: "reference", Type: "TEXT"}}
