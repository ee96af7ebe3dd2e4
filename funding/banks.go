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
// linked this account; RateLimited when the member is at a cap (see
// Config.MaxPendingBanks, MaxBankLinksPerDay), or when the account has no
// verification attempts left (too many wrong amounts, by anyone: the
// micro-deposits could not be confirmed).
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
	fp := s.seal.Fingerprint(in.RoutingNumber, in.AccountNumber)
	if left, again, err := s.guessesLeft(ctx, s.db.Reader(), fp); err != nil {
		return BankAccount{}, err
	} else if left == 0 {
		return BankAccount{}, nestegg.ParamErrorf(nestegg.RateLimited, "account_number", "this bank account had too many wrong verification attempts; it can be linked again after %s", again.Format("January 2, 2006"))
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
		if err := s.takeLink(ctx, tx.SQL, userID, tx.Now()); err != nil {
			return err
		}
		_, err := tx.SQL.ExecContext(ctx, `INSERT INTO funding_banks (id, user_id, holder_name, routing, account_enc, last4, account_type, fingerprint, status, micro1, micro2, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
			id, userID, name, in.RoutingNumber, s.seal.Seal(in.AccountNumber, id), rails.Last4(in.AccountNumber), in.AccountType,
			fp, BankPending, m1, m2, now.UnixNano())
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
// member read on their statement. Every guess is counted against the bank
// account (see Config.VerifyAttempts), whoever links it, so that removing
// a link and making it again gives no new guesses; after the last wrong
// one, every link waiting on the account fails. Errors: NotFound;
// Conflict when the account is not waiting for verification, or when its
// micro-deposits have not been sent yet (they go out in the next ACH
// file: until then nobody can know them); Invalid (Param "amounts") for
// wrong amounts, saying how many attempts remain; RateLimited (Param
// "amounts") when none remain.
func (s *Service) VerifyBank(ctx context.Context, userID, bankID string, a1, a2 int64) (BankAccount, error) {
	// refusal is decided inside the transaction, whose writes (the guess
	// taken, the link failed) must commit: it is returned after.
	var refusal error
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		refusal = nil
		var fp string
		err := tx.QueryRowContext(ctx, "SELECT fingerprint FROM funding_banks WHERE id = $1 AND user_id = $2", bankID, userID).Scan(&fp)
		if err == sql.ErrNoRows {
			return nestegg.ParamErrorf(nestegg.NotFound, "id", "no bank account %q", bankID)
		}
		if err != nil {
			return err
		}
		// The account's count is locked before the link: every guess
		// takes the two in this order, and the last one fails the
		// account's other links, so that parallel guesses on several
		// links of one account queue rather than deadlock (PostgreSQL).
		if err := s.lockGuesses(ctx, tx, fp); err != nil {
			return err
		}
		var st string
		var m1, m2 int64
		if err := tx.QueryRowContext(ctx, "SELECT status, micro1, micro2 FROM funding_banks WHERE id = $1"+s.db.Dialect.ForUpdate(), bankID).Scan(&st, &m1, &m2); err != nil {
			return err
		}
		if BankStatus(st) != BankPending {
			return nestegg.Errorf(nestegg.Conflict, "the bank account is %s", strings.ReplaceAll(st, "_", " "))
		}
		if sent, err := microSent(ctx, tx, bankID); err != nil {
			return err
		} else if !sent {
			return nestegg.Errorf(nestegg.Conflict, "the two small deposits have not been sent yet: they go out with the next bank file, and show on your statement in a business day or two")
		}
		now := s.now()
		left, ok, err := s.reserveGuess(ctx, tx, fp, now)
		if err != nil {
			return err
		}
		if !ok {
			refusal = nestegg.ParamErrorf(nestegg.RateLimited, "amounts", "this bank account had too many wrong attempts; link it again after %s", now.Add(s.cfg.VerifyWindow).Format("January 2, 2006"))
			return s.failPending(ctx, tx, fp, now)
		}
		if (a1 == m1 && a2 == m2) || (a1 == m2 && a2 == m1) {
			if err := refundGuess(ctx, tx, fp); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, "UPDATE funding_banks SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4", BankVerified, now.UnixNano(), bankID, BankPending)
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE funding_banks SET attempts = attempts + 1, updated_at = $1 WHERE id = $2", now.UnixNano(), bankID); err != nil {
			return err
		}
		if left > 0 {
			refusal = nestegg.ParamErrorf(nestegg.Invalid, "amounts", "those are not the amounts; %d attempt(s) left", left)
			return nil
		}
		refusal = nestegg.ParamErrorf(nestegg.Invalid, "amounts", "those are not the amounts; no attempts are left, so this account can be linked again after %s", now.Add(s.cfg.VerifyWindow).Format("January 2, 2006"))
		return s.failPending(ctx, tx, fp, now)
	})
	if err != nil {
		return BankAccount{}, err
	}
	if refusal != nil {
		return BankAccount{}, refusal
	}
	return s.BankAccount(ctx, userID, bankID)
}

// failPending fails every link waiting on the account with fingerprint fp
// (any member's): the account has no guesses left.
func (s *Service) failPending(ctx context.Context, tx *sql.Tx, fp string, now time.Time) error {
	_, err := tx.ExecContext(ctx, "UPDATE funding_banks SET status = $1, updated_at = $2 WHERE fingerprint = $3 AND status = $4", BankFailed, now.UnixNano(), fp, BankPending)
	return err
}

// bankCols are a bank account's columns, with its fingerprint's count of
// guesses (b is funding_banks, g funding_bank_guesses).
const bankCols = "b.id, b.holder_name, b.routing, b.last4, b.account_type, b.status, COALESCE(g.used, 0), COALESCE(g.last_at, 0), b.created_at FROM funding_banks b LEFT JOIN funding_bank_guesses g ON g.fingerprint = b.fingerprint"

func (s *Service) scanBank(sc interface{ Scan(...any) error }) (BankAccount, error) {
	var b BankAccount
	var st string
	var used int
	var last, at int64
	if err := sc.Scan(&b.ID, &b.HolderName, &b.Routing, &b.Last4, &b.AccountType, &st, &used, &last, &at); err != nil {
		return BankAccount{}, err
	}
	b.Status, b.Masked, b.CreatedAt = BankStatus(st), rails.Mask(b.Last4), time.Unix(0, at).UTC()
	if b.Status == BankPending {
		b.AttemptsLeft, _ = s.left(used, last)
	}
	return b, nil
}

// BankAccount returns one of userID's bank accounts, or NotFound.
func (s *Service) BankAccount(ctx context.Context, userID, id string) (BankAccount, error) {
	b, err := s.scanBank(s.db.Reader().QueryRowContext(ctx, "SELECT "+bankCols+" WHERE b.id = $1 AND b.user_id = $2 AND b.status <> 'removed'", id, userID))
	if err == sql.ErrNoRows {
		return BankAccount{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no bank account %q", id)
	}
	return b, err
}

// BankAccounts lists userID's linked bank accounts, newest first.
func (s *Service) BankAccounts(ctx context.Context, userID string) ([]BankAccount, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+bankCols+" WHERE b.user_id = $1 AND b.status <> 'removed' ORDER BY b.created_at DESC, b.id DESC", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []BankAccount{}
	for rows.Next() {
		b, err := s.scanBank(rows)
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
	number, err = s.seal.Open(enc, bankID)
	return routing, number, name, typ == "savings", err
}
