package funding

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/rails"
)

// BankInput is what a member types to link a bank account.
type BankInput struct {
	HolderName    string `json:"holder_name"`
	RoutingNumber string `json:"routing_number"`
	AccountNumber string `json:"account_number"`
	AccountType   string `json:"account_type"` // checking (default) or savings
}

// LinkBank links a bank account for userID and sends two micro-deposits
// (1 to 99 cents each, in the next ACH file) that the member confirms with
// VerifyBank. The account number is sealed before it is stored and never
// returned. Errors: Invalid (Param "holder_name", "routing_number",
// "account_number", "account_type"); Conflict when the member already
// linked this account.
func (s *Service) LinkBank(ctx context.Context, userID string, in BankInput) (BankAccount, error) {
	if err := s.needKey(); err != nil {
		return BankAccount{}, err
	}
	name := achName(in.HolderName)
	if name == "" {
		return BankAccount{}, nestegg.ParamErrorf(nestegg.Invalid, "holder_name", "the account holder's name is required")
	}
	if err := rails.CheckRouting(in.RoutingNumber); err != nil {
		return BankAccount{}, err
	}
	if err := rails.CheckAccountNumber(in.AccountNumber); err != nil {
		return BankAccount{}, err
	}
	if in.AccountType == "" {
		in.AccountType = "checking"
	}
	if in.AccountType != "checking" && in.AccountType != "savings" {
		return BankAccount{}, nestegg.ParamErrorf(nestegg.Invalid, "account_type", "the account type is checking or savings")
	}
	if err := s.ensureAccounts(ctx, userID); err != nil {
		return BankAccount{}, err
	}
	id := nestegg.NewID("bnk")
	now := s.now()
	m1, m2 := microAmount(), microAmount()
	// The account and its two micro-deposits are one movement, paid by the
	// platform: the account never exists without them.
	_, err := s.k.Move(ctx, movement.Request{Kind: movement.MicroDeposit, Reference: id, Actor: userID, Key: "link:" + id,
		Asset: s.asset.Code, Amount: m1 + m2}, func(ctx context.Context, tx *movement.Tx) error {
		_, err := tx.SQL.ExecContext(ctx, `INSERT INTO funding_banks (id, user_id, holder_name, routing, account_enc, last4, account_type, fingerprint, status, micro1, micro2, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
			id, userID, name, in.RoutingNumber, s.seal.sealString(in.AccountNumber, id), rails.Last4(in.AccountNumber), in.AccountType,
			s.seal.fingerprint(in.RoutingNumber, in.AccountNumber), BankPending, m1, m2, now.UnixNano())
		if err != nil {
			return s.db.Translate(err)
		}
		for i, amt := range []int64{m1, m2} {
			if err := s.microDeposit(ctx, tx, userID, id, i+1, amt); err != nil {
				return err
			}
		}
		return nil
	})
	if nestegg.Is(err, nestegg.Conflict) {
		return BankAccount{}, nestegg.ParamErrorf(nestegg.Conflict, "account_number", "this bank account is already linked")
	}
	if err != nil {
		return BankAccount{}, fmt.Errorf("link bank: %w", err)
	}
	return s.BankAccount(ctx, userID, id)
}

// microDeposit books one verification credit: the platform's own money
// (equity → cash), set aside for the outgoing entry (cash → bank
// clearing), and the pending expense that the settlement posts.
func (s *Service) microDeposit(ctx context.Context, tx *movement.Tx, userID, bankID string, n int, amt int64) error {
	id := nestegg.NewID("mic")
	now := tx.Now().UnixNano()
	if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO funding_movements (id, user_id, kind, method_id, asset, amount, status, idem_key, fingerprint, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $9)`,
		id, userID, KindMicroDeposit, bankID, s.asset.Code, amt, StatusPending, fmt.Sprintf("micro:%s:%d", bankID, n), now); err != nil {
		return err
	}
	a := s.asset.Code
	_, err := tx.Submit(ctx,
		ledger.Transfer{ID: id + ":fund", DebitAccountID: platformID(a, ledger.KindCash), CreditAccountID: platformID(a, ledger.KindEquity), Amount: amt, Asset: a, Code: "micro_deposit", Linked: true},
		ledger.Transfer{ID: id + ":earmark", DebitAccountID: platformID(a, ledger.KindBankClearing), CreditAccountID: platformID(a, ledger.KindCash), Amount: amt, Asset: a, Code: "micro_deposit", Linked: true},
		ledger.Transfer{ID: id + ":hold", DebitAccountID: platformID(a, ledger.KindExpense), CreditAccountID: platformID(a, ledger.KindBankClearing), Amount: amt, Asset: a, Code: "micro_deposit", Pending: true},
	)
	return err
}

func microAmount() int64 {
	n, _ := rand.Int(rand.Reader, big.NewInt(99))
	return n.Int64() + 1
}

// achName makes a name fit a NACHA entry: 22 characters of upper-case
// letters, digits and spaces.
func achName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(strings.TrimSpace(s)) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == ' ' || r == '-' || r == '.' {
			b.WriteRune(r)
		}
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	if len(out) > 22 {
		out = out[:22]
	}
	return out
}

// VerifyBank checks the two micro-deposit amounts (in either order) the
// member read on their statement. Errors: NotFound; Conflict when the
// account is not waiting for verification; Invalid (Param "amounts") for
// wrong amounts, saying how many attempts remain (after the last, the
// account is failed and must be linked again).
func (s *Service) VerifyBank(ctx context.Context, userID, bankID string, a1, a2 int64) (BankAccount, error) {
	var wrong bool
	var left int
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		wrong = false
		var st string
		var m1, m2 int64
		var attempts int
		err := tx.QueryRowContext(ctx, "SELECT status, micro1, micro2, attempts FROM funding_banks WHERE id = $1 AND user_id = $2"+s.db.Dialect.ForUpdate(),
			bankID, userID).Scan(&st, &m1, &m2, &attempts)
		if err == sql.ErrNoRows {
			return nestegg.ParamErrorf(nestegg.NotFound, "id", "no bank account %q", bankID)
		}
		if err != nil {
			return err
		}
		if BankStatus(st) != BankPending {
			return nestegg.Errorf(nestegg.Conflict, "the bank account is %s", strings.ReplaceAll(st, "_", " "))
		}
		now := s.now().UnixNano()
		if (a1 == m1 && a2 == m2) || (a1 == m2 && a2 == m1) {
			_, err = tx.ExecContext(ctx, "UPDATE funding_banks SET status = $1, updated_at = $2 WHERE id = $3", BankVerified, now, bankID)
			return err
		}
		attempts++
		wrong, left = true, MaxVerifyAttempts-attempts
		next := BankPending
		if left <= 0 {
			next = BankFailed
		}
		_, err = tx.ExecContext(ctx, "UPDATE funding_banks SET attempts = $1, status = $2, updated_at = $3 WHERE id = $4", attempts, next, now, bankID)
		return err
	})
	if err != nil {
		return BankAccount{}, err
	}
	if wrong {
		if left <= 0 {
			return BankAccount{}, nestegg.ParamErrorf(nestegg.Invalid, "amounts", "those are not the amounts; no attempts are left, so link the account again")
		}
		return BankAccount{}, nestegg.ParamErrorf(nestegg.Invalid, "amounts", "those are not the amounts; %d attempt(s) left", left)
	}
	return s.BankAccount(ctx, userID, bankID)
}

const bankCols = "id, holder_name, routing, last4, account_type, status, attempts, created_at"

func scanBank(sc interface{ Scan(...any) error }) (BankAccount, error) {
	var b BankAccount
	var st string
	var attempts int
	var at int64
	if err := sc.Scan(&b.ID, &b.HolderName, &b.Routing, &b.Last4, &b.AccountType, &st, &attempts, &at); err != nil {
		return BankAccount{}, err
	}
	b.Status, b.Masked, b.CreatedAt = BankStatus(st), rails.Mask(b.Last4), time.Unix(0, at).UTC()
	if b.Status == BankPending {
		b.AttemptsLeft = MaxVerifyAttempts - attempts
	}
	return b, nil
}

// BankAccount returns one of userID's bank accounts, or NotFound.
func (s *Service) BankAccount(ctx context.Context, userID, id string) (BankAccount, error) {
	b, err := scanBank(s.db.Reader().QueryRowContext(ctx, "SELECT "+bankCols+" FROM funding_banks WHERE id = $1 AND user_id = $2 AND status <> 'removed'", id, userID))
	if err == sql.ErrNoRows {
		return BankAccount{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no bank account %q", id)
	}
	return b, err
}

// BankAccounts lists userID's linked bank accounts, newest first.
func (s *Service) BankAccounts(ctx context.Context, userID string) ([]BankAccount, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+bankCols+" FROM funding_banks WHERE user_id = $1 AND status <> 'removed' ORDER BY created_at DESC, id DESC", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []BankAccount{}
	for rows.Next() {
		b, err := scanBank(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// RemoveBank unlinks a bank account. Movements already under way finish.
// Errors: NotFound.
func (s *Service) RemoveBank(ctx context.Context, userID, id string) error {
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, "UPDATE funding_banks SET status = 'removed', updated_at = $1 WHERE id = $2 AND user_id = $3 AND status <> 'removed'", s.now().UnixNano(), id, userID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nestegg.ParamErrorf(nestegg.NotFound, "id", "no bank account %q", id)
		}
		return nil
	})
}

// SandboxMicroDeposits returns the two micro-deposit amounts, which with a
// real bank the member reads on their statement. Only on the sandbox
// rails; elsewhere Forbidden. Errors: NotFound.
func (s *Service) SandboxMicroDeposits(ctx context.Context, userID, bankID string) ([2]int64, error) {
	if !s.cfg.Sandbox {
		return [2]int64{}, nestegg.Errorf(nestegg.Forbidden, "micro-deposit amounts are on your bank statement")
	}
	var m [2]int64
	err := s.db.Reader().QueryRowContext(ctx, "SELECT micro1, micro2 FROM funding_banks WHERE id = $1 AND user_id = $2", bankID, userID).Scan(&m[0], &m[1])
	if err == sql.ErrNoRows {
		return m, nestegg.ParamErrorf(nestegg.NotFound, "id", "no bank account %q", bankID)
	}
	return m, err
}

// verifiedBank checks, inside a movement's transaction, that bankID is a
// verified bank account of userID, and locks it (PostgreSQL) so that it is
// not removed or failed until the movement commits.
func (s *Service) verifiedBank(ctx context.Context, tx *sql.Tx, userID, bankID string) error {
	var st string
	err := tx.QueryRowContext(ctx, "SELECT status FROM funding_banks WHERE id = $1 AND user_id = $2 AND status <> 'removed'"+s.db.Dialect.ForUpdate(), bankID, userID).Scan(&st)
	if err == sql.ErrNoRows {
		return nestegg.ParamErrorf(nestegg.NotFound, "bank_account_id", "no bank account %q", bankID)
	}
	if err != nil {
		return err
	}
	if BankStatus(st) != BankVerified {
		return nestegg.ParamErrorf(nestegg.Conflict, "bank_account_id", "verify the bank account with its two micro-deposits first")
	}
	return nil
}

// accountNumber opens a bank account's sealed number: for NACHA files and
// instant payouts only.
func (s *Service) accountNumber(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, bankID string) (routing, number, name string, savings bool, err error) {
	if err = s.needKey(); err != nil {
		return "", "", "", false, err
	}
	var enc, typ string
	if err = q.QueryRowContext(ctx, "SELECT routing, account_enc, holder_name, account_type FROM funding_banks WHERE id = $1", bankID).Scan(&routing, &enc, &name, &typ); err != nil {
		return "", "", "", false, fmt.Errorf("bank %s: %w", bankID, err)
	}
	number, err = s.seal.openString(enc, bankID)
	return routing, number, name, typ == "savings", err
}
