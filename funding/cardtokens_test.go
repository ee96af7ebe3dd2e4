package funding_test

import (
	"sync"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestCardTokenOwnedAndSingleUse: a card token links only for the member
// it was issued to, only once (also when linked many times at once), and
// a token the processor never issued links for nobody.
func TestCardTokenOwnedAndSingleUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tok, err := e.cards.Tokenize(e.ctx, "usr_a", rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2030, CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.f.LinkCard(e.ctx, "usr_b", tok.Token); nestegg.ErrorParam(err) != "token" || !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("usr_b linking usr_a's token = %v, want invalid token", err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[nestegg.Code]int{}
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.f.LinkCard(e.ctx, "usr_a", tok.Token)
				mu.Lock()
				codes[nestegg.ErrorCode(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[""] != 1 || codes[nestegg.Conflict] != 9 {
			t.Fatalf("10 links of one token at once: %v; want 1 linked, 9 conflicts", codes)
		}
		cards, _ := e.f.Cards(e.ctx, "usr_a")
		if len(cards) != 1 {
			t.Fatalf("usr_a has %d cards, want 1", len(cards))
		}
		// Removed, the card's token does not come back.
		if err := e.f.RemoveCard(e.ctx, "usr_a", cards[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.f.LinkCard(e.ctx, "usr_a", tok.Token); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("linking a used token again = %v, want conflict", err)
		}
		if _, err := e.f.LinkCard(e.ctx, "usr_b", "tok_sbx_ok_visa_4242_122030_0123456789ab"); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("linking a forged token = %v, want invalid", err)
		}
		// usr_b tops up from nothing of usr_a's.
		if bs, _ := e.f.Cards(e.ctx, "usr_b"); len(bs) != 0 {
			t.Fatalf("usr_b has cards %+v", bs)
		}
		if _, err := e.f.TopUp(e.ctx, "usr_b", funding.TopUpInput{CardID: cards[0].ID, Amount: usd(10_00), IdempotencyKey: "t"}); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("usr_b topping up from usr_a's card = %v, want not found", err)
		}
	})
}
