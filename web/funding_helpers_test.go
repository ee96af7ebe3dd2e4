package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
)

// Test card numbers of the sandbox processor, and a bank account.
const (
	cardOK       = "4242424242424242"
	cardDecline  = "4000000000000002"
	cardNoFunds  = "4000000000009995"
	cardExpired  = "4000000000000069"
	card3DS      = "4000002500003155"
	testRouting  = "011000015"
	testAccount  = "8877665544332211"
	testCVC      = "987"
	testExpMonth = 12
	testExpYear  = 2040
)

// newSandboxFunding is funding on the sandbox rails, on clock, logging to
// log (nil discards).
func newSandboxFunding(t testing.TB, db *store.DB, l *ledger.Ledger, comp *compliance.Service, clock *pageClock, log *slog.Logger) (*funding.Service, *rails.SandboxCards) {
	t.Helper()
	bank, err := rails.NewSandboxBank("", clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	cards, err := rails.NewSandboxCards("", clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	f, err := funding.New(db, l, comp, bank, cards, funding.Config{EncryptionKey: bytes.Repeat([]byte{9}, 32), Sandbox: true, Clock: clock.Now, Logger: log})
	if err != nil {
		t.Fatalf("funding.New: %v", err)
	}
	return f, cards
}

func usd(minor int64) money.Amount {
	a, _ := money.Lookup("USD")
	return money.Amount{Asset: a, Minor: minor}
}

// verifiedBank links and verifies a bank account of userID in the domain.
func (e *apiEnv) verifiedBank(t testing.TB, userID string) funding.BankAccount {
	t.Helper()
	b := e.pendingBank(t, userID)
	ctx := context.Background()
	m, err := e.funds.SandboxMicroDeposits(ctx, userID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = e.funds.VerifyBank(ctx, userID, b.ID, m[0], m[1]); err != nil {
		t.Fatalf("VerifyBank: %v", err)
	}
	return b
}

func (e *apiEnv) pendingBank(t testing.TB, userID string) funding.BankAccount {
	t.Helper()
	b, err := e.funds.LinkBank(context.Background(), userID, funding.BankInput{HolderName: "Owner Example", RoutingNumber: testRouting, AccountNumber: testAccount})
	if err != nil {
		t.Fatalf("LinkBank: %v", err)
	}
	return b
}

// linkedCard tokenizes number and links it for userID in the domain.
func (e *apiEnv) linkedCard(t testing.TB, userID, number string) funding.Card {
	t.Helper()
	ctx := context.Background()
	tok, err := e.cards.Tokenize(ctx, rails.CardDetails{Number: number, ExpMonth: testExpMonth, ExpYear: testExpYear, CVC: testCVC})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.funds.LinkCard(ctx, userID, tok.Token)
	if err != nil {
		t.Fatalf("LinkCard: %v", err)
	}
	return c
}

// fundWallet credits userID's wallet (the operator's door).
func (e *apiEnv) fundWallet(t testing.TB, userID string, minor int64) {
	t.Helper()
	if _, err := e.pay.Credit(context.Background(), userID, usd(minor), "fund-"+userID, "test funds"); err != nil {
		t.Fatalf("Credit: %v", err)
	}
}
