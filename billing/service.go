package billing

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// Config is the operator's configuration of billing. The zero value gets
// the defaults documented on each field.
type Config struct {
	// Events, when set, gets an event for every movement that commits
	// (package events: the outbox behind webhooks).
	Events *events.Service
	// Clock returns the current time; default time.Now. Tests drive
	// renewals and recognition with it.
	Clock func() time.Time
	// RetryDays are the days after a period's end on which a failed renewal
	// is tried again; after the last failure the subscription lapses.
	// Default 1, 3, 5.
	RetryDays []int
	// PriceNotice is how long after a price change it takes effect (for
	// periods starting from then); default 7 days. Zero after defaults
	// is not possible: set a negative value for no notice.
	PriceNotice time.Duration
	// CreatorCutBps is the platform's part of every charge for a creator's
	// plan, in basis points, rounded down; default 1000 (10%).
	CreatorCutBps int64
	// Lease is how long the renewal job holds a subscription it works on;
	// default one minute.
	Lease time.Duration
	// Premium is who gets the verified check.
	Premium PremiumConfig
	// Funding charges saved cards for subscriptions that pay by card; nil
	// turns card payment off (wallet only).
	Funding *funding.Service
}

// Notification kinds billing sends (see social.Notify).
const (
	NotifyReceipt = "billing_receipt" // a charge was taken: the receipt
	NotifyFailed  = "billing_failed"  // a renewal failed; when it is tried again
	NotifyLapsed  = "billing_lapsed"  // the last try failed: the subscription lapsed
	NotifyEnded   = "billing_ended"   // a cancelled subscription ended at its period's end
	NotifyPrice   = "billing_price"   // a plan's price changes from a date
	NotifyRefund  = "billing_refund"  // staff refunded a charge
	NotifyChanged = "billing_changed" // a plan change takes effect at the period's end
)

// Owner of the operator's plans.
const PlatformOwner = "platform"

// MaxPrice is the largest price of a plan in minor units: a period's worth
// in minor units × seconds (a year of it) then fits in an int64.
const MaxPrice = 100_000_000_000

// MaxText is the length limit of a plan's name; benefits may be up to
// MaxBenefits.
const (
	MaxText     = 60
	MaxBenefits = 1000
)

// Service is billing. It is safe for concurrent use, in several processes
// sharing one database.
type Service struct {
	db     *store.DB
	ledger *ledger.Ledger
	k      *movement.Kernel
	social *social.Service
	cfg    Config
}

// New returns a Service on db (migrated), moving money with l (started),
// deciding with comp and telling people through soc. Errors: Invalid for a
// cut outside 0..10000 bps or a retry day that is not after the one before.
func New(db *store.DB, l *ledger.Ledger, soc *social.Service, comp *compliance.Service, cfg Config) (*Service, error) {
	if cfg.CreatorCutBps == 0 {
		cfg.CreatorCutBps = 1000
	}
	if cfg.CreatorCutBps < 0 || cfg.CreatorCutBps > 10_000 {
		return nil, nestegg.Errorf(nestegg.Invalid, "billing config: the creator cut is 0 to 10000 basis points")
	}
	if cfg.RetryDays == nil {
		cfg.RetryDays = []int{1, 3, 5}
	}
	for i, d := range cfg.RetryDays {
		if d < 0 || (i > 0 && d <= cfg.RetryDays[i-1]) {
			return nil, nestegg.Errorf(nestegg.Invalid, "billing config: retry days must grow: %v", cfg.RetryDays)
		}
	}
	if cfg.PriceNotice == 0 {
		cfg.PriceNotice = 7 * 24 * time.Hour
	}
	if cfg.PriceNotice < 0 {
		cfg.PriceNotice = 0
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	cfg.Premium.defaults()
	k := movement.New(db, l, comp, cfg.Clock)
	k.EmitTo(cfg.Events)
	return &Service{db: db, ledger: l, k: k, social: soc, cfg: cfg}, nil
}

// Config returns the configuration in force, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

func (s *Service) now() time.Time { return s.cfg.Clock().UTC() }

func walletID(userID, asset string) string { return payments.WalletID(userID, asset) }

func deferredID(asset string) string { return ledger.PlatformID(asset, ledger.KindDeferredRevenue) }

func revenueID(asset string) string { return ledger.PlatformID(asset, ledger.KindFeeRevenue) }

// ensureAccounts prepares, outside any transaction, the wallets of users
// in asset and the platform's chart of accounts.
func (s *Service) ensureAccounts(ctx context.Context, asset string, users ...string) error {
	for _, u := range users {
		if u == "" || u == PlatformOwner {
			continue
		}
		if err := s.ledger.Ensure(ctx, payments.WalletAccount(u, asset)); err != nil {
			return fmt.Errorf("wallet: %w", err)
		}
	}
	return s.ledger.EnsurePlatform(ctx, asset)
}

// notify tells userID inside tx.
func (s *Service) notify(ctx context.Context, tx *sql.Tx, userID, kind, actorID, text string) error {
	return s.social.Notify(ctx, tx, userID, social.NotificationKind(kind), actorID, "", text)
}

func asset(code string) money.Asset {
	a, err := money.Lookup(code)
	if err != nil {
		return money.Asset{Code: code}
	}
	return a
}

func amount(code string, minor int64) money.Amount {
	return money.Amount{Asset: asset(code), Minor: minor}
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func day(t time.Time) string { return t.Format("2 Jan 2006") }

// reused says what the kernel's IdempotencyMismatch means for billing.
func reused(err error, what string) error {
	if nestegg.Is(err, nestegg.IdempotencyMismatch) {
		return &nestegg.Error{Code: nestegg.IdempotencyMismatch, Param: "idempotency_key", Message: "this idempotency key was used for " + what + "; use a new key"}
	}
	return err
}

// afterChange brings userID's verified check or organization badge in
// line with a change that has just committed. The change stands whatever
// happens here: should this fail, Run's SyncChecks makes it right within a
// minute.
func (s *Service) afterChange(ctx context.Context, userID, product string) {
	if product == ProductPremium || product == ProductOrganization {
		_, _ = s.SyncChecks(ctx, userID)
	}
}
