package funding

import (
	"time"

	"github.com/nestegg/nestegg/money"
)

// BankStatus is where a bank account is in its life.
type BankStatus string

// Bank account states.
const (
	BankPending  BankStatus = "pending_verification" // micro-deposits sent, not yet confirmed
	BankVerified BankStatus = "verified"
	BankFailed   BankStatus = "failed" // too many wrong amounts, or the micro-deposits were returned
	BankRemoved  BankStatus = "removed"
)

// MaxVerifyAttempts is the default of Config.VerifyAttempts: how many
// wrong micro-deposit amounts a bank account may be given in a window.
const MaxVerifyAttempts = 3

// BankAccount is a linked bank account as anyone outside funding sees it:
// the account number never leaves, only its last four digits (Masked).
type BankAccount struct {
	ID          string     `json:"id"`
	HolderName  string     `json:"holder_name"`
	Routing     string     `json:"routing_number"`
	Last4       string     `json:"last4"`
	Masked      string     `json:"account_number_masked"`
	AccountType string     `json:"account_type"`
	Status      BankStatus `json:"status"`
	// AttemptsLeft is how many micro-deposit confirmations remain for
	// the account (whoever else tried it).
	AttemptsLeft int       `json:"verification_attempts_left"`
	CreatedAt    time.Time `json:"created_at"`
}

// Card is a linked card: the processor's token stays inside funding.
type Card struct {
	ID        string    `json:"id"`
	Brand     string    `json:"brand"`
	Last4     string    `json:"last4"`
	Masked    string    `json:"number_masked"`
	ExpMonth  int       `json:"exp_month"`
	ExpYear   int       `json:"exp_year"`
	CreatedAt time.Time `json:"created_at"`
}

// Kind is what a movement is.
type Kind string

// Movement kinds.
const (
	KindDeposit      Kind = "deposit"       // ACH debit of the member's bank, into the wallet
	KindWithdrawal   Kind = "withdrawal"    // wallet out to the member's bank
	KindTopUp        Kind = "topup"         // card charge into the wallet
	KindMicroDeposit Kind = "micro_deposit" // a verification credit, paid by the platform
)

// Speed is how fast a withdrawal goes.
type Speed string

// Withdrawal speeds.
const (
	Standard Speed = "standard" // in the next ACH file, free
	Instant  Speed = "instant"  // at once through the bank's instant rail, for a fee
)

// Status is where a movement is. Not every kind passes every state.
type Status string

// Movement states.
const (
	StatusPending        Status = "pending"         // accepted, waiting for the next ACH file (or the rail's answer)
	StatusSubmitted      Status = "submitted"       // in an ACH file sent to the bank
	StatusRequiresAction Status = "requires_action" // the card issuer wants 3-D Secure
	StatusSucceeded      Status = "succeeded"       // card charged: in the wallet, the processor not yet paid out
	StatusSettled        Status = "settled"         // the rail's money has moved: done
	StatusReturned       Status = "returned"        // the bank returned the entry (ReturnCode says why)
	StatusDeclined       Status = "declined"        // the card was declined (Reason says why)
	StatusFailed         Status = "failed"          // refused or abandoned; nothing moved
)

// Movement is one movement of money through a rail.
type Movement struct {
	ID       string       `json:"id"`
	Kind     Kind         `json:"kind"`
	MethodID string       `json:"method_id"` // the bank account or card
	Amount   money.Amount `json:"amount"`
	// Fee is charged on top of a top-up and taken from the wallet beside
	// an instant withdrawal.
	Fee        money.Amount `json:"fee"`
	Speed      Speed        `json:"speed,omitempty"`
	Status     Status       `json:"status"`
	ReturnCode string       `json:"return_code,omitempty"`
	// Reason is for people: a decline's or a return's explanation.
	Reason string `json:"reason,omitempty"`
	// Shortfall is what the member came to owe when a deposit they had
	// already spent was returned.
	Shortfall money.Amount `json:"shortfall"`
	Trace     string       `json:"trace_number,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// Done reports whether the movement will change no more (barring a late
// return of a settled ACH entry).
func (m Movement) Done() bool {
	switch m.Status {
	case StatusSettled, StatusReturned, StatusDeclined, StatusFailed:
		return true
	}
	return false
}
