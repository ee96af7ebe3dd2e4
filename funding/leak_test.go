package funding_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestNoSensitiveDataLeaks runs a card flow and a bank flow with every
// logger writing to one buffer at debug level, records every value and
// error the service returns as JSON (what the API serializes), and looks
// for the full card number, the CVC and the full account number in all of
// it, and in the database outside the sealed column and the NACHA files.
func TestNoSensitiveDataLeaks(t *testing.T) {
	const pan, cvc, account = "4000002500003155", "987", "8877665544332211"
	db := storetest.SQLite(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := &clock{t: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	l := ledger.New(db, ledger.Options{Clock: c.Now, Logger: log})
	l.Start()
	defer l.Close()
	bank, _ := rails.NewSandboxBank("", c.Now)
	cards, _ := rails.NewSandboxCards("", c.Now)
	key := bytes.Repeat([]byte{7}, 32)
	comp := compliance.New(db, compliance.DefaultConfig())
	f, err := funding.New(db, l, comp, bank, cards, funding.Config{EncryptionKey: key, Sandbox: true, Clock: c.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: t.Context(), db: db, clock: c, ledger: l, bank: bank, cards: cards, comp: comp, f: f}
	e.audited()
	var out bytes.Buffer
	record := func(v any, err error) {
		json.NewEncoder(&out).Encode(v)
		if err != nil {
			fmt.Fprintln(&out, err.Error())
		}
	}
	// Card flow: tokenization is the one place the number passes.
	tok, err := cards.Tokenize(e.ctx, "usr_a", rails.CardDetails{Number: pan, ExpMonth: 1, ExpYear: 2031, CVC: cvc})
	record(tok, err)
	_, err = cards.Tokenize(e.ctx, "usr_a", rails.CardDetails{Number: pan[:15] + "0", ExpMonth: 1, ExpYear: 2031, CVC: cvc})
	record(nil, err)
	card, err := f.LinkCard(e.ctx, "usr_a", tok.Token)
	record(card, err)
	m, err := f.TopUp(e.ctx, "usr_a", funding.TopUpInput{CardID: card.ID, Amount: usd(10_00), IdempotencyKey: "t"})
	record(m, err)
	record(f.ConfirmTopUp(e.ctx, "usr_a", m.ID))
	record(f.Cards(e.ctx, "usr_a"))
	// Bank flow.
	b, err := f.LinkBank(e.ctx, "usr_a", funding.BankInput{HolderName: "A", RoutingNumber: "011000015", AccountNumber: account})
	record(b, err)
	_, err = f.LinkBank(e.ctx, "usr_a", funding.BankInput{HolderName: "A", RoutingNumber: "011000016", AccountNumber: account})
	record(nil, err)
	_, err = f.LinkBank(e.ctx, "usr_a", funding.BankInput{HolderName: "A", RoutingNumber: "011000015", AccountNumber: account})
	record(nil, err)
	mic, _ := f.SandboxMicroDeposits(e.ctx, "usr_a", b.ID)
	record(f.ExportACH(e.ctx))
	record(f.VerifyBank(e.ctx, "usr_a", b.ID, mic[0], mic[1]))
	record(f.Deposit(e.ctx, "usr_a", funding.DepositInput{BankAccountID: b.ID, Amount: usd(50_00), IdempotencyKey: "d"}))
	file, err := f.ExportACH(e.ctx)
	record(file, err)
	c.Advance(25 * time.Hour)
	record(f.Sync(e.ctx))
	record(f.Withdraw(e.ctx, "usr_a", funding.WithdrawInput{BankAccountID: b.ID, Amount: usd(5_00), Speed: funding.Instant, IdempotencyKey: "w"}))
	record(f.Movements(e.ctx, "usr_a", 0))
	record(f.BankAccounts(e.ctx, "usr_a"))
	record(f.Reconcile(e.ctx))
	record(f.ACHFiles(e.ctx))
	if !strings.Contains(string(file.Data), account) {
		t.Fatalf("the NACHA file should carry the account number (the format needs it)")
	}
	for name, text := range map[string]string{"logs": logs.String(), "responses": out.String(), "database": dumpDB(t, e)} {
		for _, secret := range []string{pan, cvc + `"`, account, "cvc=" + cvc} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contain %q", name, secret)
			}
		}
	}
	if !strings.Contains(out.String(), "••••3155") || !strings.Contains(out.String(), "••••2211") {
		t.Errorf("responses do not show the masked numbers")
	}
}

// dumpDB returns every text column of every funding table except the
// sealed account number and the NACHA files.
func dumpDB(t *testing.T, e *env) string {
	var sb strings.Builder
	for _, q := range []string{
		"SELECT id || holder_name || routing || last4 || fingerprint FROM funding_banks",
		"SELECT id || token || brand || last4 FROM funding_cards",
		"SELECT id || method_id || reason || trace || external_id FROM funding_movements",
		"SELECT id || reference || code FROM ledger_transfers",
	} {
		rows, err := e.db.Reader().QueryContext(e.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			sb.WriteString(s + "\n")
		}
		rows.Close()
	}
	return sb.String()
}
