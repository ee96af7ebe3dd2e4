package funding_test

import (
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestAnswersOnceAcrossProcesses runs Sync in two services (two ledgers,
// as two processes would have) at once, many times over: every answer of
// the rails is applied once.
func TestAnswersOnceAcrossProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f2 := e.secondService()
		bank := e.verifiedBank("usr_a", "123456789")
		returned := e.verifiedBank("usr_a", "5550001") // the sandbox returns it R01
		e.deposit("usr_a", bank, 300_00, "d1")
		e.deposit("usr_a", returned, 100_00, "d2")
		tok, err := e.cards.Tokenize(e.ctx, "usr_a", rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2030, CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		card, err := e.f.LinkCard(e.ctx, "usr_a", tok.Token)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.f.TopUp(e.ctx, "usr_a", funding.TopUpInput{CardID: card.ID, Amount: usd(20_00), IdempotencyKey: "t1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.f.ExportACH(e.ctx); err != nil {
			t.Fatal(err)
		}
		both := func() {
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for _, f := range []*funding.Service{e.f, f2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := f.Sync(e.ctx)
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("Sync: %v", err)
				}
			}
		}
		e.clock.Advance(25 * time.Hour)
		both() // the deposits settle
		e.wantBalance("usr_a", 420_00)
		e.clock.Advance(rails.ReturnDelay + rails.PayoutDelay)
		both() // one deposit comes back; the card charge is paid out
		e.wantBalance("usr_a", 320_00)
		both()
		e.wantBalance("usr_a", 320_00)
		e.reconciled()
	})
}
