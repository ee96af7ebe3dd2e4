package savings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// Denominator is the unit of the exact interest numerators: a numerator n
// is n/Denominator minor units (365 days × 10,000 basis points).
const Denominator = 365 * 10_000

// MaxBalance is the largest savings balance, in minor units: a month of
// numerators at MaxBps then fits in an int64 with room to spare.
const MaxBalance = 1_000_000_000_000

// Notification kinds savings sends (see social.Notify).
const (
	NotifyRate     = "savings_rate"     // the rate changes from a date (before a cut takes effect)
	NotifyInterest = "savings_interest" // a month's interest was paid
)

// Config is the operator's configuration of savings. The zero value gets
// the defaults documented on each field.
type Config struct {
	// Clock returns the current time; default time.Now. Tests drive accrual
	// and payouts with it.
	Clock func() time.Time
	// Events, when set, gets an event for every movement that commits.
	Events *events.Service
	// CutNotice is how far ahead a lower rate must be set, so that members
	// are told before it applies; default 7 days (negative: none).
	CutNotice time.Duration
}

// Service is savings. It is safe for concurrent use, in several processes
// sharing one database.
type Service struct {
	db     *store.DB
	ledger *ledger.Ledger
	k      *movement.Kernel
	social *social.Service
	cfg    Config
}

// New returns a Service on db (migrated), moving money with l (started),
// telling members through soc.
func New(db *store.DB, l *ledger.Ledger, soc *social.Service, comp *compliance.Service, cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.CutNotice == 0 {
		cfg.CutNotice = 7 * 24 * time.Hour
	}
	if cfg.CutNotice < 0 {
		cfg.CutNotice = 0
	}
	k := movement.New(db, l, comp, cfg.Clock)
	k.EmitTo(cfg.Events)
	return &Service{db: db, ledger: l, k: k, social: soc, cfg: cfg}
}

func (s *Service) now() time.Time { return s.cfg.Clock().UTC() }

// AccountID names userID's savings account in asset: deterministic, like a
// wallet's (payments.WalletID).
func AccountID(userID, asset string) string { return "sav:" + userID + ":" + asset }

// ledgerAccount is the ledger account behind a savings balance: a
// liability to the member that can never go below zero.
func ledgerAccount(userID, asset string) ledger.Account {
	return ledger.Account{ID: AccountID(userID, asset), Asset: asset, Kind: "savings", Owner: userID, DebitsMustNotExceedCredits: true}
}

func expenseID(asset string) string { return ledger.PlatformID(asset, ledger.KindInterestExpense) }

// Account is a member's savings in one asset as they see it.
type Account struct {
	ID     string
	UserID string
	Asset  money.Asset
	// Balance is the posted savings balance now.
	Balance int64
	// Accrued is the interest accrued and not yet paid, exactly:
	// AccruedNumerator/Denominator minor units (the remainder carried from
	// the last payout included). AccruedMinor is its whole minor units.
	AccruedNumerator int64
	AccruedMinor     int64
	// AccruedThrough is the last day accrued (zero before the first).
	AccruedThrough time.Time
	// PaidTotal is all interest ever paid into this account.
	PaidTotal int64
	// Rate is the rate in force today (nil: none set for the asset).
	Rate *Rate
	// Next is a change of rate already set for a later day, if any.
	Next     *Rate
	OpenedAt time.Time
}

// asset validates an asset code; "" is USD.
func asset(code string) (money.Asset, error) {
	if code == "" {
		code = "USD"
	}
	a, err := money.Lookup(code)
	if err != nil {
		return money.Asset{}, nestegg.ParamErrorf(nestegg.Invalid, "asset", "%q is not an asset offered here", code)
	}
	return a, nil
}

// Open opens userID's savings in asset ("" for USD), or returns it when it
// is open already. Interest accrues from the day it opens. Errors: Invalid
// (Param "asset"); NotFound (Param "user_id") for someone not a member.
func (s *Service) Open(ctx context.Context, userID, code string) (Account, error) {
	a, err := asset(code)
	if err != nil {
		return Account{}, err
	}
	if _, err := s.social.UserByID(ctx, userID); err != nil {
		if nestegg.Is(err, nestegg.NotFound) {
			return Account{}, nestegg.ParamErrorf(nestegg.NotFound, "user_id", "no such member")
		}
		return Account{}, err
	}
	if err := s.ensure(ctx, userID, a.Code); err != nil {
		return Account{}, err
	}
	now := s.now()
	today := dayOf(now)
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO savings_accounts (id, user_id, asset, opened_on, accrued_through, paid_through, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
			AccountID(userID, a.Code), userID, a.Code, today, today-1, monthOf(today)-1, now.UnixNano())
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("open savings: %w", err)
	}
	return s.Get(ctx, userID, a.Code)
}

// ensure prepares, outside any transaction, the ledger accounts savings
// moves money between.
func (s *Service) ensure(ctx context.Context, userID, code string) error {
	if err := s.ledger.EnsurePlatform(ctx, code); err != nil {
		return err
	}
	if err := s.ledger.Ensure(ctx, payments.WalletAccount(userID, code)); err != nil {
		return fmt.Errorf("wallet: %w", err)
	}
	if err := s.ledger.Ensure(ctx, ledgerAccount(userID, code)); err != nil {
		return fmt.Errorf("savings account: %w", err)
	}
	return nil
}

// row is a savings_accounts row.
type row struct {
	id, userID, asset                     string
	openedOn, accruedThrough, paidThrough int64
	createdAt                             int64
}

func (s *Service) row(ctx context.Context, q store.Querier, id string) (row, error) {
	var r row
	err := q.QueryRowContext(ctx, `SELECT id, user_id, asset, opened_on, accrued_through, paid_through, created_at FROM savings_accounts WHERE id = $1`, id).
		Scan(&r.id, &r.userID, &r.asset, &r.openedOn, &r.accruedThrough, &r.paidThrough, &r.createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, nestegg.Errorf(nestegg.NotFound, "no savings open in this asset: open savings first")
	}
	if err != nil {
		return row{}, fmt.Errorf("savings account: %w", err)
	}
	return r, nil
}

// Get returns userID's savings in asset ("" for USD). Only the member
// (or the operator) may ask. Errors: NotFound when none is open; Invalid
// (Param "asset").
func (s *Service) Get(ctx context.Context, userID, code string) (Account, error) {
	a, err := asset(code)
	if err != nil {
		return Account{}, err
	}
	r, err := s.row(ctx, s.db.Reader(), AccountID(userID, a.Code))
	if err != nil {
		return Account{}, err
	}
	acct, err := s.ledger.Account(ctx, r.id)
	if err != nil {
		return Account{}, err
	}
	out := Account{ID: r.id, UserID: userID, Asset: a, Balance: acct.CreditsPosted - acct.DebitsPosted, OpenedAt: time.Unix(0, r.createdAt).UTC()}
	if r.accruedThrough >= r.openedOn {
		out.AccruedThrough = dayTime(r.accruedThrough)
	}
	carried, err := s.carried(ctx, s.db.Reader(), r.id, r.paidThrough)
	if err != nil {
		return Account{}, err
	}
	var accrued int64
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COALESCE(SUM(numerator), 0) FROM savings_accruals WHERE account_id = $1 AND day >= $2`,
		r.id, firstDay(r.paidThrough+1)).Scan(&accrued); err != nil {
		return Account{}, fmt.Errorf("savings accrued: %w", err)
	}
	out.AccruedNumerator = carried + accrued
	out.AccruedMinor = out.AccruedNumerator / Denominator
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM savings_payouts WHERE account_id = $1`, r.id).Scan(&out.PaidTotal); err != nil {
		return Account{}, fmt.Errorf("savings paid: %w", err)
	}
	today := dayOf(s.now())
	rates, err := s.rates(ctx, a.Code)
	if err != nil {
		return Account{}, err
	}
	if cur, ok := rates.at(today); ok {
		out.Rate = &cur
	}
	if next, ok := rates.after(today); ok {
		out.Next = &next
	}
	return out, nil
}

// carried is the remainder carried out of month (0 when it was not paid:
// before the account opened).
func (s *Service) carried(ctx context.Context, q store.Querier, accountID string, month int64) (int64, error) {
	var c int64
	err := q.QueryRowContext(ctx, `SELECT carried_out FROM savings_payouts WHERE account_id = $1 AND month = $2`, accountID, month).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("savings carried: %w", err)
	}
	return c, nil
}

// Transfer is a move between wallet and savings.
type Transfer struct {
	// MovementID is the movement that moved it.
	MovementID string
	UserID     string
	Amount     money.Amount
	// ToSavings: wallet → savings; else savings → wallet.
	ToSavings bool
	// Replayed: the idempotency key was used before; nothing moved now.
	Replayed bool
}

// Deposit moves amount from userID's wallet into their savings at once.
// key is the idempotency key. Errors: Invalid (Param "amount", "asset");
// NotFound when no savings is open in the asset; InsufficientFunds when
// the wallet cannot pay it; Invalid when savings would exceed MaxBalance;
// IdempotencyMismatch for a key used for another request.
func (s *Service) Deposit(ctx context.Context, userID string, amount money.Amount, key string) (Transfer, error) {
	return s.move(ctx, userID, amount, key, true)
}

// Withdraw moves amount from userID's savings into their wallet at once.
// Errors: as Deposit's, InsufficientFunds when savings holds less.
func (s *Service) Withdraw(ctx context.Context, userID string, amount money.Amount, key string) (Transfer, error) {
	return s.move(ctx, userID, amount, key, false)
}

func (s *Service) move(ctx context.Context, userID string, amount money.Amount, key string, in bool) (Transfer, error) {
	if err := nestegg.CheckKey(key); err != nil {
		return Transfer{}, err
	}
	a, err := asset(amount.Asset.Code)
	if err != nil {
		return Transfer{}, err
	}
	amount.Asset = a
	if amount.Minor <= 0 {
		return Transfer{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must be greater than zero")
	}
	if amount.Minor > MaxBalance {
		return Transfer{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "savings hold at most %s", money.Format(money.Amount{Asset: a, Minor: MaxBalance}))
	}
	id := AccountID(userID, a.Code)
	if _, err := s.row(ctx, s.db.Reader(), id); err != nil {
		return Transfer{}, err
	}
	if err := s.ensure(ctx, userID, a.Code); err != nil {
		return Transfer{}, err
	}
	wallet := payments.WalletID(userID, a.Code)
	kind, debit, credit, code := movement.SavingsDeposit, wallet, id, "savings_deposit"
	if !in {
		kind, debit, credit, code = movement.SavingsWithdrawal, id, wallet, "savings_withdrawal"
	}
	fp := nestegg.Fingerprint(string(kind), userID, a.Code, strconv.FormatInt(amount.Minor, 10))
	req := movement.Request{Kind: kind, ID: nestegg.NewID("svm"), Actor: userID, Key: key, Fingerprint: fp, From: userID, To: userID,
		Asset: a.Code, Amount: amount.Minor, Accounts: []string{wallet, id}}
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		if in {
			acct, err := tx.Account(ctx, id)
			if err != nil {
				return err
			}
			if acct.CreditsPosted-acct.DebitsPosted+amount.Minor > MaxBalance {
				return nestegg.ParamErrorf(nestegg.Invalid, "amount", "savings hold at most %s", money.Format(money.Amount{Asset: a, Minor: MaxBalance}))
			}
		}
		_, err := tx.Submit(ctx, ledger.Transfer{ID: tx.ID() + ":move", DebitAccountID: debit, CreditAccountID: credit,
			Amount: amount.Minor, Asset: a.Code, Code: code})
		return err
	})
	if nestegg.Is(err, nestegg.IdempotencyMismatch) {
		return Transfer{}, err
	}
	if err != nil {
		return Transfer{}, fmt.Errorf("savings: %w", err)
	}
	return Transfer{MovementID: res.ID, UserID: userID, Amount: amount, ToSavings: in, Replayed: res.Replayed}, nil
}

// Statement is a page of userID's savings statement (movement.Statement):
// money moved in and out, and interest. Errors: NotFound when no savings
// is open; the kernel's.
func (s *Service) Statement(ctx context.Context, userID, code string, page nestegg.Page) (movement.StatementPage, error) {
	a, err := asset(code)
	if err != nil {
		return movement.StatementPage{}, err
	}
	id := AccountID(userID, a.Code)
	if _, err := s.row(ctx, s.db.Reader(), id); err != nil {
		return movement.StatementPage{}, err
	}
	return s.k.Statement(ctx, id, page)
}
