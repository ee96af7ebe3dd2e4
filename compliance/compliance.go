package compliance

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
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

// Tier is a member's KYC tier.
type Tier string

// The tiers. Every member starts Unverified.
const (
	Unverified Tier = "unverified"
	Verified   Tier = "verified"
)

func (t Tier) valid() bool { return t == Unverified || t == Verified }

// Kind says what a movement is; the rules treat kinds differently.
type Kind string

// Movement kinds.
const (
	KindP2P        Kind = "p2p"         // a payment to another member, or of a request
	KindTip        Kind = "tip"         // a tip to a creator
	KindAward      Kind = "award"       // coins given to a post
	KindCoinBuy    Kind = "coin_buy"    // balance turned into coins
	KindCoinRedeem Kind = "coin_redeem" // coins turned back into balance
	KindRefund     Kind = "refund"      // a receiver returning a payment
	KindCredit     Kind = "credit"      // the operator crediting a member
)

// Limits caps a tier's outgoing movements, in minor units of Config.Asset.
// Zero means no limit.
type Limits struct {
	PerTransfer int64
	PerDay      int64 // rolling 24 hours
	PerMonth    int64 // rolling 30 days
}

// Config is the policy. DefaultConfig gives sane USD values.
type Config struct {
	// Asset is the asset limits and the cooling-off threshold count in.
	Asset string
	// Limits per tier; a tier missing from the map is unlimited.
	Limits map[Tier]Limits
	// CoolingOffAbove turns cooling-off on when positive: a first p2p
	// payment to a new payee of more than this is held.
	CoolingOffAbove int64
	// CoolingOffHold is how long such a payment is held (default 24 hours).
	CoolingOffHold time.Duration
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
}

// DefaultConfig returns limits in USD: unverified members may send $500 per
// transfer, $1,000 a day and $2,000 a month; verified members ten times
// that. Cooling-off is off.
func DefaultConfig() Config {
	return Config{
		Asset: "USD",
		Limits: map[Tier]Limits{
			Unverified: {PerTransfer: 500_00, PerDay: 1_000_00, PerMonth: 2_000_00},
			Verified:   {PerTransfer: 5_000_00, PerDay: 10_000_00, PerMonth: 20_000_00},
		},
		CoolingOffHold: 24 * time.Hour,
	}
}

// Movement is one movement of money asking to pass.
type Movement struct {
	Kind     Kind
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
	db  *store.DB
	cfg Config
}

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
	return &Service{db: db, cfg: cfg}
}

// Config returns the policy in force.
func (s *Service) Config() Config { return s.cfg }

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
	d, err := s.decide(ctx, tx, m)
	if err != nil {
		return Decision{}, fmt.Errorf("compliance check: %w", err)
	}
	d.AuditID, err = s.audit(ctx, tx, auditRow{
		action: "check", actor: m.FromUser, subject: m.FromUser, kind: string(m.Kind), to: m.ToUser,
		asset: m.Asset, amount: m.Amount, outcome: string(d.Outcome), reason: d.Reason, reference: m.Reference,
	})
	if err != nil {
		return Decision{}, fmt.Errorf("compliance check: %w", err)
	}
	return d, nil
}

func (s *Service) decide(ctx context.Context, tx *sql.Tx, m Movement) (Decision, error) {
	allow := Decision{Outcome: Allow}
	if m.FromUser == "" || m.Kind == KindCredit {
		return allow, nil // the operator's own money: nothing to limit
	}
	st, err := s.lock(ctx, tx, m.FromUser)
	if err != nil {
		return Decision{}, err
	}
	if st.Frozen {
		return Decision{Outcome: Deny, Reason: "your account is frozen; contact support"}, nil
	}
	if m.Asset != s.cfg.Asset || !counted(m.Kind) {
		return allow, nil
	}
	lim := s.cfg.Limits[st.Tier]
	if lim.PerTransfer > 0 && m.Amount > lim.PerTransfer {
		return Decision{Outcome: Deny, Reason: fmt.Sprintf("%s is over the limit of %s per payment for %s accounts",
			s.fmt(m.Amount), s.fmt(lim.PerTransfer), st.Tier)}, nil
	}
	now := s.now()
	for _, w := range []struct {
		limit int64
		since time.Duration
		name  string
	}{{lim.PerDay, 24 * time.Hour, "in 24 hours"}, {lim.PerMonth, 30 * 24 * time.Hour, "in 30 days"}} {
		if w.limit <= 0 {
			continue
		}
		used, err := s.used(ctx, tx, m.FromUser, now.Add(-w.since))
		if err != nil {
			return Decision{}, err
		}
		total, err := money.Add(used, m.Amount)
		if err != nil || total > w.limit {
			return Decision{Outcome: Deny, Reason: fmt.Sprintf("this would take you over your limit of %s %s (%s used) for %s accounts",
				s.fmt(w.limit), w.name, s.fmt(used), st.Tier)}, nil
		}
	}
	if m.Kind == KindP2P && s.cfg.CoolingOffAbove > 0 && m.Amount > s.cfg.CoolingOffAbove && m.ToUser != "" {
		var n int
		err := tx.QueryRowContext(ctx, "SELECT count(*) FROM payments WHERE payer_id = $1 AND payee_id = $2 AND kind = 'send' AND status = 'completed'",
			m.FromUser, m.ToUser).Scan(&n)
		if err != nil {
			return Decision{}, err
		}
		if n == 0 {
			until := now.Add(s.cfg.CoolingOffHold)
			return Decision{Outcome: Hold, HoldUntil: until, Reason: fmt.Sprintf(
				"a first payment of more than %s to someone new is held until %s; you can cancel it until then",
				s.fmt(s.cfg.CoolingOffAbove), until.Format("2006-01-02 15:04 MST"))}, nil
		}
	}
	return allow, nil
}

// counted reports whether a kind spends the member's balance toward limits.
func counted(k Kind) bool { return k == KindP2P || k == KindTip || k == KindCoinBuy }

// used sums the member's outgoing payments in the limit asset since t.
func (s *Service) used(ctx context.Context, q store.Querier, userID string, since time.Time) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM payments
		WHERE payer_id = $1 AND asset = $2 AND status IN ('completed', 'held') AND created_at > $3`,
		userID, s.cfg.Asset, since.UnixNano()).Scan(&n)
	return n, err
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
	UpdatedAt    time.Time // zero for a member never touched
}

// lock returns the member's state, creating the row, and locks it until
// tx ends.
func (s *Service) lock(ctx context.Context, tx *sql.Tx, userID string) (Status, error) {
	if _, err := tx.ExecContext(ctx, "INSERT INTO compliance_users (user_id, updated_at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING",
		userID, s.now().UnixNano()); err != nil {
		return Status{}, err
	}
	return scanStatus(tx.QueryRowContext(ctx, "SELECT "+statusCols+" FROM compliance_users WHERE user_id = $1"+s.db.Dialect.ForUpdate(), userID))
}

const statusCols = "user_id, frozen, frozen_reason, tier, updated_at"

func scanStatus(row *sql.Row) (Status, error) {
	var st Status
	var frozen int
	var tier string
	var at int64
	err := row.Scan(&st.UserID, &frozen, &st.FrozenReason, &tier, &at)
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
	_, err := tx.ExecContext(ctx, `INSERT INTO compliance_audit (id, at, action, actor_id, subject_id, kind, to_user, asset, amount, outcome, reason, reference)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		id, s.now().UnixNano(), r.action, r.actor, r.subject, r.kind, r.to, r.asset, r.amount, r.outcome, r.reason, r.reference)
	return id, err
}
