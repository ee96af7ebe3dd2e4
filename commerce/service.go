package commerce

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

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

// Config is the operator's configuration of commerce. The zero value gets
// the defaults documented on each field.
type Config struct {
	// Events, when set, gets an event for every movement that commits
	// (package events: the outbox behind webhooks).
	Events *events.Service
	// FeeBps is the platform's fee on every sale in basis points, paid by
	// the merchant out of the price; default 0, at most 10000.
	FeeBps int64
	// IntentTTL is how long a purchase intent made by a post waits for
	// confirmation; default 15 minutes.
	IntentTTL time.Duration
	// DisputeWindow is how long after paying a buyer may open a dispute;
	// default 30 days.
	DisputeWindow time.Duration
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
	// QRFeeBps is the operator's fee on in-store QR sales (tips excluded),
	// in basis points, paid by the business at settlement; default 0, at
	// most 10000.
	QRFeeBps int64
	// QRSettleAfter is how old a QR payment is when SettleQR pays it out;
	// default a day.
	QRSettleAfter time.Duration
	// QRKey signs QR codes (HMAC-SHA256); empty: a key made once and kept
	// in the database, shared by every process.
	QRKey []byte
	// Funding charges saved cards for BuyWithCard (its card top-up, fee
	// and all); nil turns card buys off.
	Funding *funding.Service
}

// KindPurchase is the kind a purchase has in compliance's audit log: the
// movement kind movement.Purchase (a gift is movement.Gift). Both count
// toward the buyer's spending limits.
const KindPurchase = compliance.Kind(movement.Purchase)

// Notification kinds commerce sends (see social.Notify).
const (
	NotifyOrder    = "commerce_order"    // to a merchant: a new order
	NotifyBought   = "commerce_bought"   // to a buyer: the order is paid
	NotifyConfirm  = "commerce_confirm"  // to a buyer: confirm a purchase intent
	NotifyFailed   = "commerce_failed"   // to a buyer: a post bought nothing, and why
	NotifyGift     = "commerce_gift"     // to a friend: a voucher arrived
	NotifyShipped  = "commerce_shipped"  // to a buyer: shipped, with tracking
	NotifyRefund   = "commerce_refund"   // to a buyer: money came back
	NotifyDispute  = "commerce_dispute"  // to a merchant: a dispute opened or closed
	NotifyRedeemed = "commerce_redeemed" // to a voucher's holder: it was used
)

// MaxText is the length limit of titles, reasons and tracking text; a
// description or an address may be up to MaxLongText.
const (
	MaxText     = 200
	MaxLongText = 2000
)

// Service is the shop. It is safe for concurrent use.
type Service struct {
	db     *store.DB
	ledger *ledger.Ledger
	k      *movement.Kernel
	social *social.Service
	cfg    Config
	fees   atomic.Pointer[Fees] // the live part of cfg (SetFees)

	keyMu sync.Mutex
	key   []byte // the QR key read from the database
}

// New returns a Service on db (migrated), moving money with l (started),
// deciding with comp and telling people through soc. Register OnPost in
// social's post hook (after payments') to turn on hashtag buys and gifts by
// mention. Errors: Invalid for a fee outside 0..10000 bps.
func New(db *store.DB, l *ledger.Ledger, soc *social.Service, comp *compliance.Service, cfg Config) (*Service, error) {
	if cfg.FeeBps < 0 || cfg.FeeBps > 10_000 {
		return nil, nestegg.Errorf(nestegg.Invalid, "commerce config: the fee is 0 to 10000 basis points")
	}
	if cfg.QRFeeBps < 0 || cfg.QRFeeBps > 10_000 {
		return nil, nestegg.Errorf(nestegg.Invalid, "commerce config: the QR fee is 0 to 10000 basis points")
	}
	if cfg.QRSettleAfter <= 0 {
		cfg.QRSettleAfter = 24 * time.Hour
	}
	if cfg.IntentTTL <= 0 {
		cfg.IntentTTL = 15 * time.Minute
	}
	if cfg.DisputeWindow <= 0 {
		cfg.DisputeWindow = 30 * 24 * time.Hour
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	k := movement.New(db, l, comp, cfg.Clock)
	k.EmitTo(cfg.Events)
	s := &Service{db: db, ledger: l, k: k, social: soc, cfg: cfg}
	s.fees.Store(&Fees{FeeBps: cfg.FeeBps, QRFeeBps: cfg.QRFeeBps, QRSettleAfter: cfg.QRSettleAfter, DisputeWindow: cfg.DisputeWindow})
	return s, nil
}

// Config returns the configuration in force, defaults filled in, with
// the fees SetFees set last.
func (s *Service) Config() Config {
	c, f := s.cfg, s.fees.Load()
	c.FeeBps, c.QRFeeBps, c.QRSettleAfter, c.DisputeWindow = f.FeeBps, f.QRFeeBps, f.QRSettleAfter, f.DisputeWindow
	return c
}

// Fees are the operator's settings the shop charges and waits by,
// changed while the service runs (package settings hands them over).
type Fees struct {
	FeeBps, QRFeeBps             int64
	QRSettleAfter, DisputeWindow time.Duration
}

// SetFees replaces the fees and windows for what happens next. Errors:
// Invalid for a fee outside 0..10000 bps or a window not positive.
func (s *Service) SetFees(f Fees) error {
	if f.FeeBps < 0 || f.FeeBps > 10_000 || f.QRFeeBps < 0 || f.QRFeeBps > 10_000 {
		return nestegg.Errorf(nestegg.Invalid, "commerce: a fee is 0 to 10000 basis points")
	}
	if f.QRSettleAfter <= 0 || f.DisputeWindow <= 0 {
		return nestegg.Errorf(nestegg.Invalid, "commerce: the QR settlement delay and the dispute window are positive")
	}
	s.fees.Store(&f)
	return nil
}

func (s *Service) now() time.Time { return s.cfg.Clock().UTC() }

// walletID is a member's wallet account, as package payments defines it.
func walletID(userID, asset string) string { return payments.WalletID(userID, asset) }

func platformID(asset, kind string) string { return ledger.PlatformID(asset, kind) }

// ensureAccounts prepares, outside any transaction, every account a sale
// in asset between the users may touch: their wallets (payments'
// definition) and the platform's chart of accounts.
func (s *Service) ensureAccounts(ctx context.Context, asset string, users ...string) error {
	for _, u := range users {
		if err := s.ledger.Ensure(ctx, payments.WalletAccount(u, asset)); err != nil {
			return fmt.Errorf("wallet: %w", err)
		}
	}
	return s.ledger.EnsurePlatform(ctx, asset)
}

// sale is the linked transfers that pay merchant amount from debit (a
// buyer's wallet, or the voucher liability) and the platform its fee. The
// movement that submits them gives them its id as reference.
func sale(idPrefix, debit, merchantID, asset string, amount, fee int64, code string) []ledger.Transfer {
	ts := []ledger.Transfer{{ID: idPrefix + ":pay", DebitAccountID: debit, CreditAccountID: walletID(merchantID, asset),
		Amount: amount, Asset: asset, Code: code}}
	if fee > 0 {
		ts[0].Linked = true
		ts = append(ts, ledger.Transfer{ID: idPrefix + ":fee", DebitAccountID: walletID(merchantID, asset),
			CreditAccountID: platformID(asset, ledger.KindFeeRevenue), Amount: fee, Asset: asset, Code: "commerce_fee"})
	}
	return ts
}

// reused says what the kernel's IdempotencyMismatch (the key was used
// before with another request) means for commerce's request. The code
// stays IdempotencyMismatch, so that every domain answers a reused key
// alike (422, idempotency_error). Other errors pass unchanged.
func reused(err error, what string) error {
	if nestegg.Is(err, nestegg.IdempotencyMismatch) {
		return &nestegg.Error{Code: nestegg.IdempotencyMismatch, Param: "idempotency_key", Message: "this idempotency key was used for " + what + "; use a new key"}
	}
	return err
}

// fee is the platform's part of amount.
func (s *Service) fee(amount int64) (int64, error) {
	return money.MulDivBps(amount, s.fees.Load().FeeBps)
}

// notify tells userID about a commerce event inside tx.
func (s *Service) notify(ctx context.Context, tx *sql.Tx, userID, kind, actorID, postID, text string) error {
	if userID == "" {
		return nil
	}
	if r := []rune(text); len(r) > social.MaxNotificationText {
		text = string(r[:social.MaxNotificationText-1]) + "…"
	}
	return s.social.Notify(ctx, tx, userID, social.NotificationKind(kind), actorID, postID, text)
}

// member returns the account of userID, NotFound (with param) if none.
func (s *Service) member(ctx context.Context, userID, param string) (social.Account, error) {
	if userID == "" {
		return social.Account{}, nestegg.ParamErrorf(nestegg.NotFound, param, "no such member")
	}
	a, err := s.social.Account(ctx, userID)
	if nestegg.Is(err, nestegg.NotFound) {
		return social.Account{}, nestegg.ParamErrorf(nestegg.NotFound, param, "no such member")
	}
	return a, err
}

// business returns userID's account if it is a business profile.
// Errors: Forbidden for anyone else.
func (s *Service) business(ctx context.Context, userID string) (social.Account, error) {
	a, err := s.member(ctx, userID, "merchant")
	if err != nil {
		return social.Account{}, err
	}
	if a.Kind != social.Business {
		return social.Account{}, nestegg.Errorf(nestegg.Forbidden, "only business profiles sell; switch your profile to business in settings")
	}
	return a, nil
}

// staff reports whether userID may resolve disputes (admin or support).
func (s *Service) staff(ctx context.Context, userID string) error {
	a, err := s.member(ctx, userID, "staff")
	if err != nil {
		return nestegg.Errorf(nestegg.Forbidden, "only staff resolve disputes")
	}
	if a.StaffRole != social.Admin && a.StaffRole != social.Support {
		return nestegg.Errorf(nestegg.Forbidden, "only staff resolve disputes")
	}
	return nil
}

// cleanText trims s and checks its length and that it is text.
func cleanText(param, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		return "", nestegg.ParamErrorf(nestegg.Invalid, param, "%s is required", param)
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return "", nestegg.ParamErrorf(nestegg.Invalid, param, "%s is not valid text", param)
	case utf8.RuneCountInString(s) > max:
		return "", nestegg.ParamErrorf(nestegg.Invalid, param, "%s has at most %d characters", param, max)
	}
	return s, nil
}

// newCode returns n random characters of codeAlphabet.
func newCode(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func asset(code string) money.Asset {
	a, err := money.Lookup(code)
	if err != nil {
		return money.Asset{Code: code}
	}
	return a
}

func bool2int(b bool) int {
	if b {
		return 1
	}
	return 0
}
