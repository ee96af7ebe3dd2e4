package funding

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/seal"
	"github.com/nestegg/nestegg/store"
)

// Config is the operator's configuration of funding. Zero fields get the
// defaults documented on each.
type Config struct {
	// Events, when set, gets an event for every movement that commits
	// (package events: the outbox behind webhooks).
	Events *events.Service
	// Asset is what deposits, withdrawals and top-ups move; default USD
	// (the ACH and card rails are dollar rails).
	Asset string
	// EncryptionKey seals bank account numbers (AES-256-GCM): exactly 32
	// bytes. Without it bank accounts are off (LinkBank, ACH files and
	// instant payouts answer Unavailable); cards still work. See
	// cmd/nestegg for where serve gets it.
	EncryptionKey []byte
	// CardFeeBps and CardFeeFixed make the card top-up fee: bps of the
	// amount plus a fixed part, in minor units; default 290 bps + 30.
	// Negative CardFeeBps means no fee.
	CardFeeBps, CardFeeFixed int64
	// InstantFeeBps and InstantFeeMin make the instant withdrawal fee;
	// default 150 bps, at least 25. Standard withdrawals are free.
	InstantFeeBps, InstantFeeMin int64
	// MaxDeposit, MaxTopUp and MaxWithdrawal cap one movement; defaults
	// 2,500.00, 1,000.00 and 5,000.00.
	MaxDeposit, MaxTopUp, MaxWithdrawal int64
	// ODFI is the routing number of the platform's bank; CompanyName and
	// CompanyID identify the platform in NACHA batches.
	ODFI, CompanyName, CompanyID string
	// VerifyAttempts is how many wrong micro-deposit amounts one bank
	// account may be given, counted by the account (its fingerprint:
	// across members, and across links removed and made again), before
	// it cannot be verified for VerifyWindow after the last one; default
	// MaxVerifyAttempts (3) in 30 days.
	VerifyAttempts int
	VerifyWindow   time.Duration
	// MaxPendingBanks caps a member's bank accounts waiting for
	// verification at once (default 5); MaxBankLinksPerDay the bank
	// accounts a member links in a UTC day, removed ones included
	// (default 10).
	MaxPendingBanks, MaxBankLinksPerDay int
	// Sandbox says the rails are the sandboxes, so that pages may show
	// what a real bank statement would (the micro-deposit amounts).
	Sandbox bool
	// Clock returns the current time; default time.Now.
	Clock  func() time.Time
	Logger *slog.Logger
	// CardPollInterval is how often Sync asks the card processor about
	// open top-ups (charges unanswered, 3-D Secure waiting, succeeded
	// ones not yet paid out); 0: at every Sync. When the processor's
	// webhook drives them (CardEvent), polling is only the fallback for
	// a lost event, and asking about every open top-up every second
	// would spend the processor's rate limit.
	CardPollInterval time.Duration
	// CardReturnURL is where the card processor sends a member back after
	// 3-D Secure on their bank's page: an absolute URL in which "{id}"
	// stands for the top-up's id (serve: <public URL>/money/movements/{id}/return).
	// "" for a processor that has no such page (the sandbox).
	CardReturnURL string
}

// Service links bank accounts and cards and moves money through the rails.
// It is safe for concurrent use. Methods that act for a member take the
// member's id, established by the caller; what is not theirs is NotFound.
type Service struct {
	db     *store.DB
	ledger *ledger.Ledger
	k      *movement.Kernel
	comp   *compliance.Service // for previews; the kernel checks each movement
	bank   rails.Bank
	cards  rails.CardProcessor
	cfg    Config
	fees   atomic.Pointer[Fees] // the live part of cfg (SetFees)
	asset  money.Asset
	seal   *seal.Sealer
	// polled is when Sync last asked the card processor (UnixNano).
	polled atomic.Int64
}

// New returns the service. Errors: Invalid for a bad Config (no or a
// short key, unknown asset, bad ODFI routing number).
func New(db *store.DB, l *ledger.Ledger, comp *compliance.Service, bank rails.Bank, cards rails.CardProcessor, cfg Config) (*Service, error) {
	if cfg.Asset == "" {
		cfg.Asset = "USD"
	}
	a, err := money.Lookup(cfg.Asset)
	if err != nil {
		return nil, fmt.Errorf("funding config: %w", err)
	}
	sl, err := seal.New(cfg.EncryptionKey, "nestegg funding fingerprint")
	if err != nil {
		return nil, fmt.Errorf("funding config: %w", err)
	}
	if cfg.CardFeeBps == 0 && cfg.CardFeeFixed == 0 {
		cfg.CardFeeBps, cfg.CardFeeFixed = 290, 30
	}
	if cfg.CardFeeBps < 0 {
		cfg.CardFeeBps, cfg.CardFeeFixed = 0, 0
	}
	if cfg.InstantFeeBps == 0 && cfg.InstantFeeMin == 0 {
		cfg.InstantFeeBps, cfg.InstantFeeMin = 150, 25
	}
	if cfg.MaxDeposit <= 0 {
		cfg.MaxDeposit = 2_500_00
	}
	if cfg.MaxTopUp <= 0 {
		cfg.MaxTopUp = 1_000_00
	}
	if cfg.MaxWithdrawal <= 0 {
		cfg.MaxWithdrawal = 5_000_00
	}
	if cfg.VerifyAttempts <= 0 {
		cfg.VerifyAttempts = MaxVerifyAttempts
	}
	if cfg.VerifyWindow <= 0 {
		cfg.VerifyWindow = 30 * 24 * time.Hour
	}
	if cfg.MaxPendingBanks <= 0 {
		cfg.MaxPendingBanks = 5
	}
	if cfg.MaxBankLinksPerDay <= 0 {
		cfg.MaxBankLinksPerDay = 10
	}
	if cfg.ODFI == "" {
		cfg.ODFI = "091000019"
	}
	if err := rails.CheckRouting(cfg.ODFI); err != nil {
		return nil, nestegg.Errorf(nestegg.Invalid, "funding config: the ODFI routing number is not valid")
	}
	if cfg.CompanyName == "" {
		cfg.CompanyName = "NESTEGG"
	}
	if cfg.CompanyID == "" {
		cfg.CompanyID = "1234567890"
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	k := movement.New(db, l, comp, cfg.Clock)
	k.EmitTo(cfg.Events)
	s := &Service{db: db, ledger: l, k: k, comp: comp, bank: bank, cards: cards, cfg: cfg, asset: a, seal: sl}
	s.fees.Store(&Fees{CardFeeBps: cfg.CardFeeBps, CardFeeFixed: cfg.CardFeeFixed, InstantFeeBps: cfg.InstantFeeBps, InstantFeeMin: cfg.InstantFeeMin})
	return s, nil
}

// Fees are the operator's fees on card top-ups and instant withdrawals,
// changed while the service runs (package settings hands them over).
// Zero is no fee.
type Fees struct {
	CardFeeBps, CardFeeFixed     int64
	InstantFeeBps, InstantFeeMin int64
}

// SetFees replaces the fees for the next top-up or withdrawal. Errors:
// Invalid for a rate outside 0..10000 bps or a negative fixed part.
func (s *Service) SetFees(f Fees) error {
	if f.CardFeeBps < 0 || f.CardFeeBps > 10_000 || f.InstantFeeBps < 0 || f.InstantFeeBps > 10_000 || f.CardFeeFixed < 0 || f.InstantFeeMin < 0 {
		return nestegg.Errorf(nestegg.Invalid, "funding: a fee is 0 to 10000 basis points and a fixed part is not negative")
	}
	s.fees.Store(&f)
	return nil
}

// needKey refuses work that opens or seals account numbers without a key.
func (s *Service) needKey() error {
	if s.seal == nil {
		return nestegg.Errorf(nestegg.Unavailable, "bank accounts are not enabled here: the operator must set an encryption key")
	}
	return nil
}

// Config returns the configuration in force, defaults filled in (the key
// left out).
func (s *Service) Config() Config {
	c, f := s.cfg, s.fees.Load()
	c.EncryptionKey = nil
	c.CardFeeBps, c.CardFeeFixed, c.InstantFeeBps, c.InstantFeeMin = f.CardFeeBps, f.CardFeeFixed, f.InstantFeeBps, f.InstantFeeMin
	return c
}

// Asset returns the asset funding moves.
func (s *Service) Asset() money.Asset { return s.asset }

func (s *Service) now() time.Time { return s.cfg.Clock().UTC() }

// walletID is the member's wallet, the account package payments defines.
func walletID(userID, asset string) string { return payments.WalletID(userID, asset) }

// receivableID is what a member owes the platform after a deposit was
// returned when its money was already spent.
func receivableID(userID, asset string) string { return "rcv:" + userID + ":" + asset }

func platformID(asset, kind string) string { return ledger.PlatformID(asset, kind) }

// ensureAccounts creates the member's wallet and receivable and the chart
// of accounts; outside any transaction (each is its own write).
func (s *Service) ensureAccounts(ctx context.Context, userID string) error {
	if err := s.ledger.EnsurePlatform(ctx, s.asset.Code); err != nil {
		return err
	}
	if err := s.ledger.Ensure(ctx, payments.WalletAccount(userID, s.asset.Code)); err != nil {
		return fmt.Errorf("wallet: %w", err)
	}
	if err := s.ledger.Ensure(ctx, ledger.Account{ID: receivableID(userID, s.asset.Code), Asset: s.asset.Code, Kind: "receivable", Owner: userID, CreditsMustNotExceedDebits: true}); err != nil {
		return fmt.Errorf("receivable: %w", err)
	}
	return nil
}

// job is the Actor of the movements the rails' answers make (a charge
// booked, an entry settled or returned, a payout): their Keys derive from
// the funding movement ("settle:dep_…"), so that two processes applying
// the same answer at once make one movement, and the second replays it.
const job = "job"

// errUnchanged is returned by a movement's work that finds its funding
// movement no longer in the state the answer applies to (another process
// applied it first): the movement rolls back, claim included, and the
// caller has nothing to do.
var errUnchanged = errors.New("funding: the movement has already changed")

// answer runs a job's movement for the funding movement ref (see job):
// nil when it was applied now, before (a replay), or is no longer due.
func (s *Service) answer(ctx context.Context, kind movement.Kind, key, ref, from, to string, amount, fee int64, work func(ctx context.Context, tx *movement.Tx) error) error {
	_, err := s.k.Move(ctx, movement.Request{Kind: kind, Reference: ref, Actor: job, Key: key, Fingerprint: ref,
		From: from, To: to, Asset: s.asset.Code, Amount: amount, Fee: fee}, work)
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// amount vets an amount in the funding asset.
func (s *Service) amount(a money.Amount, max int64) (int64, error) {
	if a.Asset.Code != "" && a.Asset.Code != s.asset.Code {
		return 0, nestegg.ParamErrorf(nestegg.Invalid, "amount", "only %s moves through the bank and card rails", s.asset.Code)
	}
	if a.Minor <= 0 {
		return 0, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must be positive")
	}
	if a.Minor > max {
		return 0, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the most is %s", money.Format(money.Amount{Asset: s.asset, Minor: max}))
	}
	return a.Minor, nil
}

// Money formats minor units of the funding asset.
func (s *Service) Money(minor int64) money.Amount { return money.Amount{Asset: s.asset, Minor: minor} }
