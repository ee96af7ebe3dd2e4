package rails

import (
	"context"
	"time"

	"github.com/nestegg/nestegg"
)

// Bank is the bank rail. The platform originates ACH entries in one NACHA
// file per day (Transmit) and learns what became of them from the bank's
// records (Records), which include returns. Instant credits (RTP, FedNow)
// go through Instant when the bank offers them.
type Bank interface {
	// Transmit delivers an origination file to the bank. Delivering the
	// same file (same name) twice is a no-op.
	Transmit(ctx context.Context, f File) error
	// Records returns the bank's view of every entry it has received:
	// pending, settled or returned. It is what funding settles and
	// reconciles against.
	Records(ctx context.Context) ([]Record, error)
	// Instant sends a credit that settles at once, or returns an error
	// with code Unavailable when the bank offers no instant payments.
	Instant(ctx context.Context, c InstantCredit) (Record, error)
}

// File is a NACHA file by name.
type File struct {
	Name string
	Data []byte
}

// RecordStatus is what became of an entry.
type RecordStatus string

// Entry states as the bank reports them.
const (
	RecordPending  RecordStatus = "pending"
	RecordSettled  RecordStatus = "settled"
	RecordReturned RecordStatus = "returned"
)

// Record is the bank's record of one entry.
type Record struct {
	// Trace is the entry's 15-digit trace number (instant credits carry
	// the id the bank gave them).
	Trace  string
	Amount int64 // minor units (cents)
	// Debit is true for money pulled from the member's account.
	Debit        bool
	Routing      string
	AccountLast4 string
	Status       RecordStatus
	// ReturnCode is R01, R02 … when Status is returned.
	ReturnCode string
	// Effective is when the entry settles (or settled).
	Effective time.Time
	// File names the origination file that carried the entry.
	File string
}

// InstantCredit is an instant payout to a member's bank account.
type InstantCredit struct {
	// ID is the caller's idempotency key: the same id returns the first
	// result.
	ID            string
	Routing       string
	AccountNumber string
	Name          string
	Amount        int64
}

// ReturnReason gives a person's reading of an ACH return code.
func ReturnReason(code string) string {
	switch code {
	case "R01":
		return "insufficient funds in the bank account"
	case "R02":
		return "the bank account is closed"
	case "R03":
		return "no such bank account"
	case "R04":
		return "invalid bank account number"
	case "R10", "R05", "R07", "R29":
		return "the account holder did not authorize the debit"
	case "":
		return ""
	}
	return "returned by the bank (" + code + ")"
}

// CheckRouting validates a 9-digit ABA routing number and its check digit
// (weights 3, 7, 1). Errors: Invalid with Param "routing_number".
func CheckRouting(rt string) error {
	bad := nestegg.ParamErrorf(nestegg.Invalid, "routing_number", "a routing number is 9 digits with a valid check digit")
	if len(rt) != 9 {
		return bad
	}
	sum := 0
	weights := [3]int{3, 7, 1}
	for i := 0; i < 9; i++ {
		c := rt[i]
		if c < '0' || c > '9' {
			return bad
		}
		sum += int(c-'0') * weights[i%3]
	}
	if sum%10 != 0 || rt == "000000000" {
		return bad
	}
	return nil
}

// CheckAccountNumber validates a bank account number: 4 to 17 digits (the
// NACHA field is 17 characters). Errors: Invalid with Param
// "account_number"; the message never repeats the number.
func CheckAccountNumber(n string) error {
	if len(n) < 4 || len(n) > 17 {
		return nestegg.ParamErrorf(nestegg.Invalid, "account_number", "an account number is 4 to 17 digits")
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return nestegg.ParamErrorf(nestegg.Invalid, "account_number", "an account number is 4 to 17 digits")
		}
	}
	return nil
}

// Mask shows the last four characters of a number as "••••1234".
func Mask(last4 string) string { return "••••" + last4 }

// Last4 returns the last four characters of s (all of s if shorter).
func Last4(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[len(s)-4:]
}
