package payments

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// Config is the operator's configuration of payments. The zero value gets
// the defaults documented on each field.
type Config struct {
	// Events, when set, gets an event for every movement that commits
	// (package events: the outbox behind webhooks).
	Events *events.Service
	// Assets members hold wallets in; the first is the one a bare number
	// in a post command means. Default ["USD"].
	Assets []string
	// TipFeeBps is the platform's fee on tips in basis points; default 0.
	TipFeeBps int64
	// CoinAsset is what coins are bought with and redeemed to; default the
	// first of Assets.
	CoinAsset string
	// CoinPriceMinor is what one coin costs, in minor units of CoinAsset;
	// default 10 (ten cents). Negative disables coins.
	CoinPriceMinor int64
	// CoinRedeemMinor is what a redeemed coin pays, in minor units of
	// CoinAsset; default 7. It must be below the price: the spread is
	// platform revenue. Zero disables redemption.
	CoinRedeemMinor int64
	// Awards are the named awards and their price in coins; default gold
	// 100, silver 50, heart 10.
	Awards map[string]int64
	// IntentTTL is how long a post command waits for confirmation; default
	// 15 minutes.
	IntentTTL time.Duration
	// HoldGrace is how long past its release time a held payment's ledger
	// reservation lives, so that a late ReleaseHolds still finds it; after
	// that the ledger voids it and the payer gets the money back. Default
	// 7 days.
	HoldGrace time.Duration
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
}

// MaxNote is the length limit of notes and reasons, in characters.
const MaxNote = 280

// MaxSplit is how many people one split may include besides its initiator.
const MaxSplit = 20

// Service moves money between members. It is safe for concurrent use.
//
// Methods that act for someone take the acting member's id, established by
// the caller from a session or token, and check that the member may do what
// is asked with the money or object named: things that are not theirs are
// NotFound.
type Service struct {
	db        *store.DB
	ledger    *ledger.Ledger
	social    *social.Service
	comp      *compliance.Service
	k         *movement.Kernel
	cfg       Config
	prices    atomic.Pointer[Prices] // the live part of cfg (SetPrices)
	assets    []money.Asset
	coin      money.Asset
	payHandle string // the pay handle, lower-case

}

// New returns a Service on db (migrated) moving money with l (started),
// deciding with comp, and telling people through soc. Call
// soc.SetPostHook(svc.OnPost) to turn on money in posts. Errors: Invalid
// for a bad Config (unknown asset, redemption not below the price).
func New(db *store.DB, l *ledger.Ledger, soc *social.Service, comp *compliance.Service, cfg Config) (*Service, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if len(cfg.Assets) == 0 {
		cfg.Assets = []string{"USD"}
	}
	s := &Service{db: db, ledger: l, social: soc, comp: comp, k: movement.New(db, l, comp, cfg.Clock), payHandle: soc.PayHandle()}
	s.k.EmitTo(cfg.Events)
	// Post commands make private payments: their amounts reach nobody but
	// their author, wherever posts are read.
	soc.SetPostView(s.viewPost)
	for _, code := range cfg.Assets {
		a, err := money.Lookup(code)
		if err != nil {
			return nil, fmt.Errorf("payments config: %w", err)
		}
		if a.Code == "COIN" {
			return nil, nestegg.Errorf(nestegg.Invalid, "payments config: COIN is not a wallet asset; set the coin prices instead")
		}
		s.assets = append(s.assets, a)
	}
	if cfg.CoinAsset == "" {
		cfg.CoinAsset = s.assets[0].Code
	}
	if cfg.CoinPriceMinor == 0 {
		cfg.CoinPriceMinor, cfg.CoinRedeemMinor = 10, 7
	}
	if cfg.CoinPriceMinor > 0 && (cfg.CoinRedeemMinor < 0 || cfg.CoinRedeemMinor >= cfg.CoinPriceMinor) {
		return nil, nestegg.Errorf(nestegg.Invalid, "payments config: the coin redemption rate must be below the price")
	}
	if cfg.Awards == nil {
		cfg.Awards = map[string]int64{"gold": 100, "silver": 50, "heart": 10}
	}
	for name, coins := range cfg.Awards {
		if coins <= 0 || name == "" {
			return nil, nestegg.Errorf(nestegg.Invalid, "payments config: award %q needs a positive price", name)
		}
	}
	if cfg.TipFeeBps < 0 || cfg.TipFeeBps > 10_000 {
		return nil, nestegg.Errorf(nestegg.Invalid, "payments config: the tip fee is 0 to 10000 basis points")
	}
	if cfg.IntentTTL <= 0 {
		cfg.IntentTTL = 15 * time.Minute
	}
	if cfg.HoldGrace <= 0 {
		cfg.HoldGrace = 7 * 24 * time.Hour
	}
	s.coin, _ = money.Lookup("COIN")
	s.cfg = cfg
	s.prices.Store(&Prices{TipFeeBps: cfg.TipFeeBps, CoinPriceMinor: cfg.CoinPriceMinor, CoinRedeemMinor: cfg.CoinRedeemMinor})
	if cfg.CoinPriceMinor > 0 && !s.enabled(cfg.CoinAsset) {
		return nil, nestegg.Errorf(nestegg.Invalid, "payments config: coins are priced in %s, which is not an enabled asset", cfg.CoinAsset)
	}
	return s, nil
}

// Config returns the configuration in force, defaults filled in, with
// the prices SetPrices set last.
func (s *Service) Config() Config {
	c, p := s.cfg, s.prices.Load()
	c.TipFeeBps, c.CoinPriceMinor, c.CoinRedeemMinor = p.TipFeeBps, p.CoinPriceMinor, p.CoinRedeemMinor
	return c
}

// Prices are the operator's settings that payments charges by, changed
// while the service runs (package settings hands them over): the next
// tip, coin purchase or redemption uses them.
type Prices struct {
	TipFeeBps       int64
	CoinPriceMinor  int64 // negative: coins are off
	CoinRedeemMinor int64
}

// SetPrices replaces the prices for the next movement. Coins switched off
// by Config stay off. Errors: Invalid for a tip fee outside 0 to 10000 bps
// or a redemption not below the price.
func (s *Service) SetPrices(p Prices) error {
	if p.TipFeeBps < 0 || p.TipFeeBps > 10_000 {
		return nestegg.Errorf(nestegg.Invalid, "payments: the tip fee is 0 to 10000 basis points")
	}
	if s.cfg.CoinPriceMinor < 0 {
		p.CoinPriceMinor, p.CoinRedeemMinor = s.cfg.CoinPriceMinor, s.cfg.CoinRedeemMinor
	}
	if p.CoinPriceMinor == 0 || p.CoinPriceMinor > 0 && (p.CoinRedeemMinor < 0 || p.CoinRedeemMinor >= p.CoinPriceMinor) {
		return nestegg.Errorf(nestegg.Invalid, "payments: a coin costs more than nothing and redeems for less than its price")
	}
	s.prices.Store(&p)
	return nil
}

func (s *Service) now() time.Time { return s.cfg.Clock().UTC() }

func (s *Service) coinsEnabled() bool { return s.prices.Load().CoinPriceMinor > 0 }

func (s *Service) enabled(code string) bool {
	for _, a := range s.assets {
		if a.Code == code {
			return true
		}
	}
	return false
}

// amount validates a payment amount: positive and in an enabled asset.
func (s *Service) amount(a money.Amount) (money.Amount, error) {
	if a.Asset.Code == "" {
		a.Asset = s.assets[0]
	}
	if !s.enabled(a.Asset.Code) {
		return money.Amount{}, nestegg.ParamErrorf(nestegg.Invalid, "asset", "%s is not offered here", a.Asset.Code)
	}
	asset, _ := money.Lookup(a.Asset.Code)
	a.Asset = asset
	if a.Minor <= 0 {
		return money.Amount{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must be greater than zero")
	}
	return a, nil
}

func checkNote(param, note string) (string, error) {
	note = strings.TrimSpace(note)
	if !utf8.ValidString(note) || utf8.RuneCountInString(note) > MaxNote {
		return "", nestegg.ParamErrorf(nestegg.Invalid, param, "at most %d characters", MaxNote)
	}
	return note, nil
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// derive makes a deterministic id from parts: the same parts always give
// the same id, so a retried operation finds what its first attempt did.
// 130 bits of SHA-256 keep it unique and under the ledger's 64 characters.
func derive(prefix string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return prefix + ":" + strings.ToLower(b32.EncodeToString(h[:])[:26])
}

// WalletID names a member's wallet account for an asset: deterministic, so
// that creating it concurrently (from any package) is idempotent.
func WalletID(userID, asset string) string { return "wal:" + userID + ":" + asset }

// WalletAccount is the ledger account that is userID's wallet in asset — the one
// definition every package that pays into or out of wallets creates it by,
// so that whichever creates it first, the fields agree.
func WalletAccount(userID, asset string) ledger.Account {
	return ledger.Account{ID: WalletID(userID, asset), Asset: asset, Kind: "wallet", Owner: userID, DebitsMustNotExceedCredits: true}
}

func walletID(userID, asset string) string { return WalletID(userID, asset) }

func platformID(asset, kind string) string { return ledger.PlatformID(asset, kind) }

// ensureWallet creates userID's wallet in asset if needed. It may write,
// so it must be called outside any transaction.
func (s *Service) ensureWallet(ctx context.Context, userID, asset string) (string, error) {
	id := WalletID(userID, asset)
	if err := s.ledger.Ensure(ctx, WalletAccount(userID, asset)); err != nil {
		return "", fmt.Errorf("wallet %s: %w", id, err)
	}
	return id, nil
}

// ensurePlatform creates the chart of accounts for asset if needed;
// outside any transaction.
func (s *Service) ensurePlatform(ctx context.Context, asset string) error {
	return s.ledger.EnsurePlatform(ctx, asset)
}

// member checks that userID is a member; payments to or from anyone else
// are refused before any wallet is made for them.
func (s *Service) member(ctx context.Context, userID, param string) (social.User, error) {
	if userID == "" {
		return social.User{}, nestegg.ParamErrorf(nestegg.NotFound, param, "no such member")
	}
	u, err := s.social.UserByID(ctx, userID)
	if nestegg.Is(err, nestegg.NotFound) {
		return social.User{}, nestegg.ParamErrorf(nestegg.NotFound, param, "no such member")
	}
	return u, err
}

// byHandle resolves a handle ("@bob" or "bob") to a member. NotFound with
// param when nobody has it.
func (s *Service) byHandle(ctx context.Context, handle, param string) (social.User, error) {
	h := strings.TrimPrefix(strings.TrimSpace(handle), "@")
	if social.ValidateHandle(h) != nil {
		return social.User{}, nestegg.ParamErrorf(nestegg.Invalid, param, "%q is not a handle", handle)
	}
	u, err := s.social.UserByHandle(ctx, h)
	if nestegg.Is(err, nestegg.NotFound) {
		return social.User{}, nestegg.ParamErrorf(nestegg.NotFound, param, "nobody is called @%s", h)
	}
	return u, err
}

// blocked reports whether a and b have blocked each other, either way,
// read in tx when it is not nil.
func (s *Service) blocked(ctx context.Context, tx *sql.Tx, a, b string) (bool, error) {
	var q store.Querier
	if tx != nil {
		q = tx
	}
	return s.social.BlockedEither(ctx, q, a, b)
}

// notify tells userID about a money event inside tx. The kinds are
// "payment_" names that the notifications page can group.
func (s *Service) notify(ctx context.Context, tx *sql.Tx, userID, kind, actorID, postID, text string) error {
	if userID == "" {
		return nil
	}
	if r := []rune(text); len(r) > social.MaxNotificationText {
		text = string(r[:social.MaxNotificationText-1]) + "…"
	}
	return s.social.Notify(ctx, tx, userID, social.NotificationKind(kind), actorID, postID, text)
}

// notifyChecked is notify for a payment whose payer and payee were just
// found not to have blocked each other.
func (s *Service) notifyChecked(ctx context.Context, tx *sql.Tx, userID, kind, actorID, postID, text string) error {
	if r := []rune(text); len(r) > social.MaxNotificationText {
		text = string(r[:social.MaxNotificationText-1]) + "…"
	}
	return s.social.NotifyChecked(ctx, tx, userID, social.NotificationKind(kind), actorID, postID, text)
}

// Notification kinds for money events (see social.Notify).
const (
	NotifyReceived        = "payment_received"
	NotifyHeld            = "payment_held"
	NotifyHoldReleased    = "payment_hold_released"
	NotifyHoldCancelled   = "payment_hold_cancelled"
	NotifyRequested       = "payment_requested"
	NotifyRequestPaid     = "payment_request_paid"
	NotifyRequestDeclined = "payment_request_declined"
	NotifyRequestCanceled = "payment_request_cancelled"
	NotifyTip             = "payment_tip"
	NotifyAward           = "payment_award"
	NotifyRefund          = "payment_refund"
	NotifyConfirm         = "payment_confirm"
	NotifyCommandFailed   = "payment_command_failed"
	NotifyCredit          = "payment_credit"
)

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func asset(code string) money.Asset {
	a, err := money.Lookup(code)
	if err != nil {
		return money.Asset{Code: code}
	}
	return a
}

// fmtAmount writes minor units of asset for people.
func fmtAmount(a money.Asset, minor int64) string {
	return money.Format(money.Amount{Asset: a, Minor: minor})
}
