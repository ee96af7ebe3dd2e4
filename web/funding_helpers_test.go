package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/web"
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
	// The amounts can be confirmed once they are sent.
	if _, err := e.funds.ExportACH(ctx); err != nil {
		t.Fatalf("ExportACH: %v", err)
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
	tok, err := e.cards.Tokenize(ctx, userID, rails.CardDetails{Number: number, ExpMonth: testExpMonth, ExpYear: testExpYear, CVC: testCVC})
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

// newFundingEnv is newAPI with every log line (access logs included, at
// debug level) going to log, behind a real HTTP server for the pages.
func newFundingEnv(t testing.TB, db *store.DB, log *slog.Logger) (*apiEnv, *pageSite) {
	t.Helper()
	fclock := &pageClock{t: time.Now()}
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset, Logger: log})
	l.Start()
	soc := social.New(db, social.Options{PayHandle: "pay", Clock: fclock.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	comp := compliance.New(db, withIdentity(compliance.DefaultConfig()))
	pay, err := payments.New(db, l, soc, comp, payments.Config{})
	if err != nil {
		t.Fatalf("payments.New: %v", err)
	}
	soc.SetPostHook(pay.OnPost)
	fund, cards := newSandboxFunding(t, db, l, comp, fclock, log)
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Funding: fund, SandboxCards: cards, Logger: log, Version: "test"})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		l.Close()
	})
	if err := web.EnsureOperatorKey(context.Background(), db, testKey, time.Now()); err != nil {
		t.Fatal(err)
	}
	e := &apiEnv{t: t, db: db, ledger: l, social: soc, pay: pay, comp: comp, srv: srv, funds: fund, cards: cards, fclock: fclock}
	return e, &pageSite{t: t, url: hs.URL, social: soc, clock: fclock}
}

// settleDay exports the ACH file, lets a day pass and syncs with the bank,
// as serve's jobs do.
func (e *apiEnv) settleDay(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.funds.ExportACH(ctx); err != nil {
		t.Fatalf("ExportACH: %v", err)
	}
	e.fclock.Advance(25 * time.Hour)
	if _, err := e.funds.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}
