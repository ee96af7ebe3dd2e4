package cards

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// Config is the operator's configuration of cards. The zero value gets the
// defaults documented on each field.
type Config struct {
	// Clock returns the current time; default time.Now.
	Clock func() time.Time
	// Events, when set, gets an event for every movement that commits.
	Events *events.Service
	// Issuer names the issuer for the cards' rows ("sandbox", "stripe");
	// default "sandbox".
	Issuer string
	// Simulator, when set (the sandbox issuer, or Stripe in test mode),
	// lets members and the CLI play a merchant (Simulate…).
	Simulator rails.IssuingSimulator
	// HoldWindow is how long an authorization's hold lasts uncaptured
	// before the expiry job releases it (the network's window); default
	// 7 days.
	HoldWindow time.Duration
	// InterchangeBps is the platform's interchange on every capture, in
	// basis points of the amount (100 = 1.00 %).
	InterchangeBps int64
	// CashbackBps is the cash back paid to the member on a capture, in
	// basis points; CashbackByCategory overrides it per merchant category
	// code.
	CashbackBps        int64
	CashbackByCategory map[string]int64
	// MaxCards is how many cards (not canceled) a member may hold;
	// default 5.
	MaxCards int
}

// Service is debit cards. It is safe for concurrent use, in several
// processes sharing one database.
type Service struct {
	db     *store.DB
	ledger *ledger.Ledger
	k      *movement.Kernel
	social *social.Service
	issuer rails.CardIssuer
	cfg    Config
}

// New returns a Service on db (migrated), moving money with l (started),
// deciding with comp, issuing with issuer. Give it to the issuer as the
// one it asks about purchases (the sandbox's Listen; Stripe's webhook).
func New(db *store.DB, l *ledger.Ledger, soc *social.Service, comp *compliance.Service, issuer rails.CardIssuer, cfg Config) (*Service, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "sandbox"
	}
	if cfg.HoldWindow <= 0 {
		cfg.HoldWindow = 7 * 24 * time.Hour
	}
	if cfg.MaxCards <= 0 {
		cfg.MaxCards = 5
	}
	if err := checkBps("interchange", cfg.InterchangeBps); err != nil {
		return nil, err
	}
	if err := checkBps("cash back", cfg.CashbackBps); err != nil {
		return nil, err
	}
	for c, b := range cfg.CashbackByCategory {
		if !mcc.MatchString(c) {
			return nil, nestegg.Errorf(nestegg.Invalid, "cards: cash back category %q is not a merchant category code (four digits)", c)
		}
		if err := checkBps("cash back for "+c, b); err != nil {
			return nil, err
		}
	}
	if issuer == nil {
		return nil, nestegg.Errorf(nestegg.Invalid, "cards: an issuer is required")
	}
	k := movement.New(db, l, comp, cfg.Clock)
	k.EmitTo(cfg.Events)
	return &Service{db: db, ledger: l, k: k, social: soc, issuer: issuer, cfg: cfg}, nil
}

func checkBps(what string, b int64) error {
	if b < 0 || b > 10_000 {
		return nestegg.Errorf(nestegg.Invalid, "cards: %s is 0 to 10000 basis points, not %d", what, b)
	}
	return nil
}

var mcc = regexp.MustCompile(`^[0-9]{4}$`)

func (s *Service) now() time.Time { return s.cfg.Clock().UTC() }

// Sandbox reports whether members may simulate purchases.
func (s *Service) Sandbox() bool { return s.cfg.Simulator != nil }

// Card statuses.
const (
	Active   = "active"
	Frozen   = "frozen"
	Canceled = "canceled"
)

// Card is a member's card as Nestegg keeps it: never its number.
type Card struct {
	ID           string
	UserID       string
	Issuer       string
	IssuerCardID string
	Brand        string
	Last4        string
	ExpMonth     int
	ExpYear      int
	Asset        string
	Status       string
	Controls     Controls
	// SpentToday is what was approved today (UTC) toward DailyLimit.
	SpentToday int64
	CreatedAt  time.Time
}

// Controls are what the member sets on a card.
type Controls struct {
	// PerPurchase and Daily are limits in minor units; 0: none.
	PerPurchase int64
	Daily       int64
	// BlockedCategories are merchant category codes declined outright.
	BlockedCategories []string
	Online            bool
	ATM               bool
}

// MaxLimit is the largest limit a member may set.
const MaxLimit = 1_000_000_000_00

// Accounts: the platform's side of card spending, in the ledger's chart.
const (
	// KindIssuing is what the platform owes the card network for the
	// members' purchases (credited by captures, debited by refunds and
	// the platform's interchange).
	KindIssuing = ledger.KindCardIssuing
	// KindRewards pays members' cash back and fronts disputes'
	// provisional credits (debit-normal, an expense).
	KindRewards = ledger.KindRewardsExpense
)

// ensure prepares, outside any transaction, the accounts cards move money
// between.
func (s *Service) ensure(ctx context.Context, userID, asset string) error {
	if err := s.ledger.EnsurePlatform(ctx, asset); err != nil {
		return err
	}
	if err := s.ledger.Ensure(ctx, payments.WalletAccount(userID, asset)); err != nil {
		return fmt.Errorf("cards: wallet: %w", err)
	}
	return nil
}

const cardCols = `id, user_id, issuer, issuer_card_id, brand, last4, exp_month, exp_year, asset, status, per_purchase_limit, daily_limit,
	blocked_categories, online, atm, spent_day, spent_today, created_at`

func scanCard(sc interface{ Scan(...any) error }, today int64) (Card, error) {
	var c Card
	var blocked string
	var online, atm int
	var day, created int64
	err := sc.Scan(&c.ID, &c.UserID, &c.Issuer, &c.IssuerCardID, &c.Brand, &c.Last4, &c.ExpMonth, &c.ExpYear, &c.Asset, &c.Status,
		&c.Controls.PerPurchase, &c.Controls.Daily, &blocked, &online, &atm, &day, &c.SpentToday, &created)
	if err != nil {
		return Card{}, err
	}
	if blocked != "" {
		c.Controls.BlockedCategories = strings.Split(blocked, ",")
	}
	c.Controls.Online, c.Controls.ATM = online == 1, atm == 1
	if day != today {
		c.SpentToday = 0
	}
	c.CreatedAt = time.Unix(0, created).UTC()
	return c, nil
}

func dayOf(t time.Time) int64 { return t.Unix() / 86400 }

var errNoCard = nestegg.ParamErrorf(nestegg.NotFound, "card_id", "no such card")

// card reads a card by a condition on one value.
func (s *Service) card(ctx context.Context, q store.Querier, where string, v string) (Card, error) {
	c, err := scanCard(q.QueryRowContext(ctx, "SELECT "+cardCols+" FROM cards WHERE "+where+" = $1", v), dayOf(s.now()))
	if errors.Is(err, sql.ErrNoRows) {
		return Card{}, errNoCard
	}
	if err != nil {
		return Card{}, fmt.Errorf("card: %w", err)
	}
	return c, nil
}

// Get returns userID's card. Errors: NotFound (Param "card_id") for a card
// that is not theirs: another member's card does not exist to them.
func (s *Service) Get(ctx context.Context, userID, cardID string) (Card, error) {
	c, err := s.card(ctx, s.db.Reader(), "id", cardID)
	if err != nil {
		return Card{}, err
	}
	if c.UserID != userID {
		return Card{}, errNoCard
	}
	return c, nil
}

// List returns userID's cards, newest first.
func (s *Service) List(ctx context.Context, userID string) ([]Card, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+cardCols+" FROM cards WHERE user_id = $1 ORDER BY created_at DESC, id DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("cards: %w", err)
	}
	defer rows.Close()
	out := []Card{}
	today := dayOf(s.now())
	for rows.Next() {
		c, err := scanCard(rows, today)
		if err != nil {
			return nil, fmt.Errorf("cards: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Issue issues userID a virtual card in USD through the issuer, or returns
// the card issued earlier with key. Nestegg keeps the issuer's id, the last
// four digits and the expiry. Errors: Invalid (a bad key); NotFound (Param
// "user_id") for someone not a member; Conflict when they hold MaxCards
// already; the issuer's (Unavailable).
func (s *Service) Issue(ctx context.Context, userID, key string) (Card, error) {
	if err := nestegg.CheckKey(key); err != nil {
		return Card{}, err
	}
	u, err := s.social.UserByID(ctx, userID)
	if err != nil {
		if nestegg.Is(err, nestegg.NotFound) {
			return Card{}, nestegg.ParamErrorf(nestegg.NotFound, "user_id", "no such member")
		}
		return Card{}, err
	}
	var existing string
	err = s.db.Reader().QueryRowContext(ctx, "SELECT id FROM cards WHERE user_id = $1 AND idem_key = $2", userID, key).Scan(&existing)
	if err == nil {
		return s.Get(ctx, userID, existing)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Card{}, fmt.Errorf("issue card: %w", err)
	}
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM cards WHERE user_id = $1 AND status <> 'canceled'", userID).Scan(&n); err != nil {
		return Card{}, fmt.Errorf("issue card: %w", err)
	}
	if n >= s.cfg.MaxCards {
		return Card{}, nestegg.Errorf(nestegg.Conflict, "you hold %d cards already, the most a member may", n)
	}
	const asset = "USD"
	if err := s.ensure(ctx, userID, asset); err != nil {
		return Card{}, err
	}
	ic, err := s.issuer.Issue(ctx, rails.IssueRequest{IdempotencyKey: "nestegg-card-" + userID + "-" + key, Owner: userID, Name: "@" + u.Handle, Currency: asset})
	if err != nil {
		return Card{}, fmt.Errorf("issue card: %w", err)
	}
	if !last4.MatchString(ic.Last4) || ic.ID == "" {
		return Card{}, nestegg.Errorf(nestegg.Unavailable, "the card issuer answered with a card Nestegg cannot keep")
	}
	now := s.now()
	id := nestegg.NewID("crd")
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO cards (id, user_id, idem_key, issuer, issuer_card_id, brand, last4, exp_month, exp_year, asset, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $11) ON CONFLICT DO NOTHING`,
			id, userID, key, s.cfg.Issuer, ic.ID, ic.Brand, ic.Last4, ic.ExpMonth, ic.ExpYear, asset, now.UnixNano())
		return err
	})
	if err != nil {
		return Card{}, fmt.Errorf("issue card: %w", err)
	}
	// A concurrent request with the key may have written first: its row.
	return s.card(ctx, s.db.Reader(), "issuer_card_id", ic.ID)
}

var last4 = regexp.MustCompile(`^[0-9]{4}$`)

// Freeze freezes userID's card: every purchase is declined until Unfreeze.
// Freezing a frozen card is no error. Errors: NotFound; Conflict for a
// canceled card; the issuer's, after Nestegg has frozen it (Nestegg
// declines on its own, so a freeze the issuer missed still holds).
func (s *Service) Freeze(ctx context.Context, userID, cardID string) (Card, error) {
	c, err := s.setStatus(ctx, userID, cardID, Active, Frozen)
	if err != nil {
		return Card{}, err
	}
	if _, err := s.issuer.SetFrozen(ctx, c.IssuerCardID, true); err != nil {
		return c, fmt.Errorf("freeze at the issuer: %w", err)
	}
	return c, nil
}

// Unfreeze makes userID's frozen card usable again: at the issuer first,
// then in Nestegg, so that a failure leaves it frozen. Errors: as Freeze's.
func (s *Service) Unfreeze(ctx context.Context, userID, cardID string) (Card, error) {
	c, err := s.Get(ctx, userID, cardID)
	if err != nil {
		return Card{}, err
	}
	if c.Status == Canceled {
		return Card{}, nestegg.Errorf(nestegg.Conflict, "the card is canceled")
	}
	if _, err := s.issuer.SetFrozen(ctx, c.IssuerCardID, false); err != nil {
		return Card{}, fmt.Errorf("unfreeze at the issuer: %w", err)
	}
	return s.setStatus(ctx, userID, cardID, Frozen, Active)
}

// setStatus moves the card from one status to another with an UPDATE
// guarded by from; a card already in to is returned as it is.
func (s *Service) setStatus(ctx context.Context, userID, cardID, from, to string) (Card, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "UPDATE cards SET status = $4, updated_at = $5 WHERE id = $1 AND user_id = $2 AND status = $3",
			cardID, userID, from, to, s.now().UnixNano())
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	if err != nil {
		return Card{}, fmt.Errorf("card status: %w", err)
	}
	c, err := s.Get(ctx, userID, cardID)
	if err != nil {
		return Card{}, err
	}
	if n == 0 && c.Status != to {
		return Card{}, nestegg.Errorf(nestegg.Conflict, "the card is %s", c.Status)
	}
	return c, nil
}

// ControlsInput changes a card's controls; nil fields stay as they are.
type ControlsInput struct {
	PerPurchase       *int64
	Daily             *int64
	BlockedCategories *[]string
	Online            *bool
	ATM               *bool
}

// SetControls changes userID's card's controls. Errors: NotFound; Invalid
// (Param "per_purchase_limit", "daily_limit" or "blocked_categories").
func (s *Service) SetControls(ctx context.Context, userID, cardID string, in ControlsInput) (Card, error) {
	c, err := s.Get(ctx, userID, cardID)
	if err != nil {
		return Card{}, err
	}
	ctl := c.Controls
	if in.PerPurchase != nil {
		if *in.PerPurchase < 0 || *in.PerPurchase > MaxLimit {
			return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "per_purchase_limit", "a limit is 0 (none) up to 1,000,000,000.00")
		}
		ctl.PerPurchase = *in.PerPurchase
	}
	if in.Daily != nil {
		if *in.Daily < 0 || *in.Daily > MaxLimit {
			return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "daily_limit", "a limit is 0 (none) up to 1,000,000,000.00")
		}
		ctl.Daily = *in.Daily
	}
	if in.BlockedCategories != nil {
		seen := map[string]bool{}
		ctl.BlockedCategories = nil
		for _, m := range *in.BlockedCategories {
			m = strings.TrimSpace(m)
			if m == "" || seen[m] {
				continue
			}
			if !mcc.MatchString(m) {
				return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "blocked_categories", "a merchant category code is four digits")
			}
			seen[m] = true
			ctl.BlockedCategories = append(ctl.BlockedCategories, m)
		}
		if len(ctl.BlockedCategories) > 50 {
			return Card{}, nestegg.ParamErrorf(nestegg.Invalid, "blocked_categories", "at most 50 categories may be blocked")
		}
	}
	if in.Online != nil {
		ctl.Online = *in.Online
	}
	if in.ATM != nil {
		ctl.ATM = *in.ATM
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE cards SET per_purchase_limit = $3, daily_limit = $4, blocked_categories = $5, online = $6, atm = $7, updated_at = $8
			WHERE id = $1 AND user_id = $2`, cardID, userID, ctl.PerPurchase, ctl.Daily, strings.Join(ctl.BlockedCategories, ","), flag(ctl.Online), flag(ctl.ATM), s.now().UnixNano())
		return err
	})
	if err != nil {
		return Card{}, fmt.Errorf("card controls: %w", err)
	}
	return s.Get(ctx, userID, cardID)
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Reveal asks the issuer to show userID the card's full number once (a
// one-time link or an ephemeral key). Nestegg never sees the number.
// Errors: NotFound; Conflict for a canceled card; the issuer's.
func (s *Service) Reveal(ctx context.Context, userID, cardID string) (rails.Reveal, error) {
	c, err := s.Get(ctx, userID, cardID)
	if err != nil {
		return rails.Reveal{}, err
	}
	if c.Status == Canceled {
		return rails.Reveal{}, nestegg.Errorf(nestegg.Conflict, "the card is canceled")
	}
	r, err := s.issuer.Reveal(ctx, c.IssuerCardID)
	if err != nil {
		return rails.Reveal{}, fmt.Errorf("reveal: %w", err)
	}
	return r, nil
}
