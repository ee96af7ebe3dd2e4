package funding

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/store"
)

const movementCols = "id, kind, method_id, asset, amount, fee, speed, status, return_code, reason, trace, shortfall, created_at, updated_at"

func (s *Service) scanMovement(sc interface{ Scan(...any) error }) (Movement, error) {
	var m Movement
	var kind, asset, speed, st string
	var amt, fee, short, c, u int64
	if err := sc.Scan(&m.ID, &kind, &m.MethodID, &asset, &amt, &fee, &speed, &st, &m.ReturnCode, &m.Reason, &m.Trace, &short, &c, &u); err != nil {
		return Movement{}, err
	}
	a, err := money.Lookup(asset)
	if err != nil {
		return Movement{}, err
	}
	m.Kind, m.Speed, m.Status = Kind(kind), Speed(speed), Status(st)
	m.Amount, m.Fee, m.Shortfall = money.Amount{Asset: a, Minor: amt}, money.Amount{Asset: a, Minor: fee}, money.Amount{Asset: a, Minor: short}
	m.CreatedAt, m.UpdatedAt = time.Unix(0, c).UTC(), time.Unix(0, u).UTC()
	return m, nil
}

// Movement returns one of userID's movements, or NotFound.
func (s *Service) Movement(ctx context.Context, userID, id string) (Movement, error) {
	m, err := s.scanMovement(s.db.Reader().QueryRowContext(ctx, "SELECT "+movementCols+" FROM funding_movements WHERE id = $1 AND user_id = $2", id, userID))
	if err == sql.ErrNoRows {
		return Movement{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no movement %q", id)
	}
	return m, err
}

// Movements lists userID's movements, newest first, at most limit (1 to
// 200, default 50). Micro-deposits are the platform's and not listed.
func (s *Service) Movements(ctx context.Context, userID string, limit int) ([]Movement, error) {
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "limit", "limit is 1 to 200")
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+movementCols+" FROM funding_movements WHERE user_id = $1 AND kind <> 'micro_deposit' ORDER BY created_at DESC, id DESC LIMIT $2", userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Movement{}
	for rows.Next() {
		m, err := s.scanMovement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Receivable returns what userID owes the platform from returned deposits.
func (s *Service) Receivable(ctx context.Context, userID string) (money.Amount, error) {
	a, err := s.ledger.Account(ctx, receivableID(userID, s.asset.Code))
	if nestegg.Is(err, nestegg.NotFound) {
		return s.Money(0), nil
	}
	if err != nil {
		return money.Amount{}, err
	}
	return s.Money(a.DebitsPosted - a.CreditsPosted), nil
}

// insert stores a new movement inside its kernel movement. (user_id,
// idem_key) keeps its unique index as a second guard: the kernel has
// already claimed the key.
func (s *Service) insert(ctx context.Context, tx *movement.Tx, userID string, m *Movement, key, fp string) error {
	m.CreatedAt, m.UpdatedAt = tx.Now(), tx.Now()
	_, err := tx.SQL.ExecContext(ctx, `INSERT INTO funding_movements (id, user_id, kind, method_id, asset, amount, fee, speed, status, idem_key, fingerprint, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
		m.ID, userID, m.Kind, m.MethodID, s.asset.Code, m.Amount.Minor, m.Fee.Minor, m.Speed, m.Status, key, fp, m.CreatedAt.UnixNano())
	return err
}

// setStatus records what the rail said about a movement, guarded by the
// status it had: errUnchanged when it no longer has it.
func setStatus(ctx context.Context, q store.Querier, id string, from, to Status, code, reason string, now time.Time) error {
	r, err := q.ExecContext(ctx, "UPDATE funding_movements SET status = $1, return_code = $2, reason = $3, updated_at = $4 WHERE id = $5 AND status = $6",
		to, code, reason, now.UnixNano(), id, from)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return errUnchanged
	}
	return nil
}

// DepositInput asks for a deposit from a verified bank account.
type DepositInput struct {
	BankAccountID  string       `json:"bank_account_id"`
	Amount         money.Amount `json:"amount"`
	IdempotencyKey string       `json:"-"`
}

// Deposit pulls money from the member's verified bank account by an ACH
// debit in the next file. The wallet shows it as incoming at once (a
// pending ledger transfer from bank clearing) and can spend it once the
// bank settles it. It is a movement of kind deposit: it counts toward the
// member's funding limits. A replay of the key returns the first deposit.
// Errors: Invalid (Param "amount", "idempotency_key"); NotFound or
// Conflict (Param "bank_account_id") for an account that is not the
// member's or not verified; Forbidden when compliance refuses;
// IdempotencyMismatch (Param "idempotency_key") for a key used for another
// request.
func (s *Service) Deposit(ctx context.Context, userID string, in DepositInput) (Movement, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return Movement{}, err
	}
	amt, err := s.amount(in.Amount, s.cfg.MaxDeposit)
	if err != nil {
		return Movement{}, err
	}
	if err := s.ensureAccounts(ctx, userID); err != nil {
		return Movement{}, err
	}
	m := Movement{ID: nestegg.NewID("dep"), Kind: KindDeposit, MethodID: in.BankAccountID, Amount: s.Money(amt), Fee: s.Money(0), Status: StatusPending}
	fp := nestegg.Fingerprint(string(KindDeposit), in.BankAccountID, strconv.FormatInt(amt, 10))
	res, err := s.k.Move(ctx, movement.Request{Kind: movement.Deposit, ID: m.ID, Actor: userID, Key: in.IdempotencyKey, Fingerprint: fp,
		From: userID, Asset: s.asset.Code, Amount: amt}, func(ctx context.Context, tx *movement.Tx) error {
		if err := s.verifiedBank(ctx, tx.SQL, userID, in.BankAccountID); err != nil {
			return err
		}
		if err := s.insert(ctx, tx, userID, &m, in.IdempotencyKey, fp); err != nil {
			return err
		}
		a := s.asset.Code
		_, err := tx.Submit(ctx, ledger.Transfer{ID: m.ID + ":hold", DebitAccountID: platformID(a, ledger.KindBankClearing),
			CreditAccountID: walletID(userID, a), Amount: amt, Asset: a, Code: "deposit", Pending: true})
		return err
	})
	if err != nil {
		return Movement{}, fmt.Errorf("deposit: %w", err)
	}
	return s.Movement(ctx, userID, res.Reference)
}

// WithdrawalFee is the fee for a withdrawal of amount at speed: zero for
// standard, InstantFeeBps of it (at least InstantFeeMin) for instant.
func (s *Service) WithdrawalFee(speed Speed, amount int64) (int64, error) {
	if speed != Instant {
		return 0, nil
	}
	fees := s.fees.Load()
	f, err := money.MulDivBpsHalfUp(amount, fees.InstantFeeBps)
	if err != nil {
		return 0, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount is too large")
	}
	return max(f, fees.InstantFeeMin), nil
}

// TopUpFee is the fee charged on top of a card top-up of amount.
func (s *Service) TopUpFee(amount int64) (int64, error) {
	fees := s.fees.Load()
	if fees.CardFeeBps == 0 && fees.CardFeeFixed == 0 {
		return 0, nil
	}
	f, err := money.MulDivBpsHalfUp(amount, fees.CardFeeBps)
	if err == nil {
		f, err = money.Add(f, fees.CardFeeFixed)
	}
	if err != nil {
		return 0, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount is too large")
	}
	return f, nil
}

// WithdrawInput asks for a withdrawal to a verified bank account.
type WithdrawInput struct {
	BankAccountID string       `json:"bank_account_id"`
	Amount        money.Amount `json:"amount"`
	Speed         Speed        `json:"speed"`
	// Fee, when set, is the fee the member was shown: the withdrawal is
	// refused (Conflict) if the fee is now different, so nobody pays a fee
	// they did not see.
	Fee            *money.Amount `json:"fee,omitempty"`
	IdempotencyKey string        `json:"-"`
}
