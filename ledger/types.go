package ledger

import "time"

// Account is a ledger account: one asset, a kind, an owner and four balance
// columns. Balances change only by transfers.
type Account struct {
	// ID is "acc_…" when the ledger chose it; callers may choose their own.
	ID    string `json:"id"`
	Asset string `json:"asset"`
	// Kind says what the account is for ("wallet", "platform_cash", …).
	Kind string `json:"kind"`
	// Owner references who the account belongs to ("usr_…", "platform").
	Owner string `json:"owner"`
	// DebitsMustNotExceedCredits: debits_pending + debits_posted may never
	// exceed credits_posted. A member wallet has it: it can never go negative.
	DebitsMustNotExceedCredits bool `json:"debits_must_not_exceed_credits"`
	// CreditsMustNotExceedDebits: the mirror constraint, for asset-side
	// accounts that may never be overdrawn the other way.
	CreditsMustNotExceedDebits bool      `json:"credits_must_not_exceed_debits"`
	DebitsPending              int64     `json:"debits_pending"`
	DebitsPosted               int64     `json:"debits_posted"`
	CreditsPending             int64     `json:"credits_pending"`
	CreditsPosted              int64     `json:"credits_posted"`
	CreatedAt                  time.Time `json:"created_at"`
}

// Balance is credits_posted - debits_posted - debits_pending: what a
// credit-normal account (a wallet, a liability) can still spend.
func (a Account) Balance() int64 { return a.CreditsPosted - a.DebitsPosted - a.DebitsPending }

// Transfer moves Amount of Asset from DebitAccountID to CreditAccountID.
//
// A plain transfer posts at once. Pending reserves the amount (it counts
// against constraints) until a later transfer with PostPending or VoidPending
// and PendingID settles it, or until TimeoutSeconds pass and the ledger voids
// it. Linked joins a transfer to the next one in the same call: the chain
// ends at the first transfer without Linked and succeeds or fails as a whole.
type Transfer struct {
	// ID is chosen by the client and is its idempotency key forever.
	ID              string `json:"id"`
	DebitAccountID  string `json:"debit_account_id"`
	CreditAccountID string `json:"credit_account_id"`
	// Amount in minor units. For PostPending, 0 means the full pending amount;
	// for VoidPending it must be 0 or the pending amount.
	Amount int64  `json:"amount"`
	Asset  string `json:"asset"`
	// Code says why the money moved ("p2p", "tip", "deposit", …).
	Code string `json:"code"`
	// Reference names the business object the transfer belongs to.
	Reference      string `json:"reference,omitempty"`
	Linked         bool   `json:"linked,omitempty"`
	Pending        bool   `json:"pending,omitempty"`
	PostPending    bool   `json:"post_pending,omitempty"`
	VoidPending    bool   `json:"void_pending,omitempty"`
	PendingID      string `json:"pending_id,omitempty"`
	TimeoutSeconds int64  `json:"timeout_seconds,omitempty"`
	// Timestamp is assigned by the ledger when the transfer commits.
	Timestamp time.Time `json:"timestamp"`
}

// Result is the outcome of one transfer in a Submit call.
type Result struct {
	ID string `json:"id"`
	// Status is StatusOK, StatusExists (an exact replay: the original
	// transfer is returned), or a failure code.
	Status Status `json:"status"`
	// Transfer is the committed transfer when Status is ok or exists.
	Transfer *Transfer `json:"transfer,omitempty"`
}

// OK reports whether the transfer is committed (now or by an earlier call).
func (r Result) OK() bool { return r.Status == StatusOK || r.Status == StatusExists }

// Status is a transfer's outcome. Failure codes follow TigerBeetle's names.
type Status string

// Transfer outcomes.
const (
	StatusOK                           Status = "ok"
	StatusExists                       Status = "exists"
	StatusExistsWithDifferentFields    Status = "exists_with_different_fields"
	StatusLinkedEventFailed            Status = "linked_event_failed"
	StatusLinkedEventChainOpen         Status = "linked_event_chain_open"
	StatusInvalidID                    Status = "invalid_id"
	StatusAccountsMustBeDifferent      Status = "accounts_must_be_different"
	StatusAmountMustBePositive         Status = "amount_must_be_positive"
	StatusDebitAccountNotFound         Status = "debit_account_not_found"
	StatusCreditAccountNotFound        Status = "credit_account_not_found"
	StatusAssetMismatch                Status = "asset_mismatch"
	StatusInvalidCode                  Status = "invalid_code"
	StatusInvalidFlags                 Status = "invalid_flags"
	StatusInvalidTimeout               Status = "invalid_timeout"
	StatusExceedsCredits               Status = "exceeds_credits"
	StatusExceedsDebits                Status = "exceeds_debits"
	StatusOverflow                     Status = "overflow"
	StatusPendingTransferNotFound      Status = "pending_transfer_not_found"
	StatusPendingTransferNotPending    Status = "pending_transfer_not_pending"
	StatusPendingTransferAlreadyPosted Status = "pending_transfer_already_posted"
	StatusPendingTransferAlreadyVoided Status = "pending_transfer_already_voided"
	StatusPendingTransferExpired       Status = "pending_transfer_expired"
	StatusExceedsPendingAmount         Status = "exceeds_pending_transfer_amount"
	StatusPendingAccountsMismatch      Status = "pending_transfer_has_different_accounts"
)

// MaxBatch is the most transfers one Submit call takes (TigerBeetle's batch).
const MaxBatch = 8190

// Platform account kinds: the chart of accounts, one of each per asset,
// created on first use by PlatformAccount. Owner is "platform".
const (
	// KindCash is cash held at the partner bank for members' benefit (an
	// asset: debit-normal, may never go below zero the other way).
	KindCash = "platform_cash"
	// KindBankClearing holds bank (ACH) money in flight.
	KindBankClearing = "bank_clearing"
	// KindCardClearing holds card-processor money in flight.
	KindCardClearing = "card_clearing"
	// KindFeeRevenue collects the platform's fees.
	KindFeeRevenue = "fee_revenue"
	// KindExpense pays interest, rewards and write-offs.
	KindExpense = "expense"
	// KindLiability is the platform's other liabilities (coins, gift cards,
	// vouchers): what it owes that is not in a member wallet.
	KindLiability = "liability"
	// KindDeferredRevenue holds what members paid for periods not yet
	// served (package billing): it moves into fee revenue as they pass.
	KindDeferredRevenue = "deferred_revenue"
	// KindInterestExpense pays members' savings interest (package
	// savings): debit-normal, like KindExpense.
	KindInterestExpense = "interest_expense"
	// KindInterestIncome collects the partner bank's yield on the cash it
	// holds (package savings): with KindInterestExpense, the platform's net
	// interest margin.
	KindInterestIncome = "interest_income"
	// KindCardIssuing is what the platform owes the card network for
	// members' debit card purchases (package cards): captures credit it,
	// refunds and the platform's interchange debit it.
	KindCardIssuing = "card_issuing"
	// KindRewardsExpense pays members' card cash back and fronts a
	// disputed purchase's provisional credit (package cards):
	// debit-normal, like KindExpense.
	KindRewardsExpense = "rewards_expense"
	// KindEquity funds the platform's own operations (tests and the
	// benchmark fund accounts from it).
	KindEquity = "equity"
)

// PlatformKinds lists the chart of accounts in creation order.
var PlatformKinds = []string{KindCash, KindBankClearing, KindCardClearing, KindFeeRevenue, KindExpense, KindLiability, KindEquity, KindDeferredRevenue, KindInterestExpense, KindInterestIncome, KindCardIssuing, KindRewardsExpense}
