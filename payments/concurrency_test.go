package payments_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestConcurrentPayments has 100 members pay each other from many
// goroutines at once, every payment sent twice under the same idempotency
// key (a client retrying), and checks that money is conserved, no wallet
// went negative, and every payment happened exactly once.
func TestConcurrentPayments(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		const members, perMember, payments_ = 100, 100_00, 600
		ids := make([]string, members)
		for i := range ids {
			ids[i] = e.signup(fmt.Sprintf("m%03d", i))
			e.fund(ids[i], "100")
		}
		type op struct {
			from, to int
			amount   int64
			key      string
		}
		rng := rand.New(rand.NewPCG(1, 2))
		var ops []op
		for k := 0; k < payments_; k++ {
			from := rng.IntN(members)
			to := (from + 1 + rng.IntN(members-1)) % members
			o := op{from: from, to: to, amount: 1 + rng.Int64N(40_00), key: fmt.Sprintf("c%d", k)}
			ops = append(ops, o, o) // every payment twice: a retry racing the original
		}
		rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })

		var mu sync.Mutex
		made := map[string]string{} // key → payment id
		work := make(chan op)
		var wg sync.WaitGroup
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for o := range work {
					p, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: ids[o.from], ToHandle: fmt.Sprintf("m%03d", o.to),
						Amount: money.Amount{Asset: usd(t, "1").Asset, Minor: o.amount}, IdempotencyKey: o.key})
					if nestegg.Is(err, nestegg.InsufficientFunds) {
						continue
					}
					if err != nil {
						t.Errorf("Send(%+v): %v", o, err)
						continue
					}
					mu.Lock()
					if prev, ok := made[o.key]; ok && prev != p.ID {
						t.Errorf("key %s made payments %s and %s", o.key, prev, p.ID)
					}
					made[o.key] = p.ID
					mu.Unlock()
				}
			}()
		}
		for _, o := range ops {
			work <- o
		}
		close(work)
		wg.Wait()
		if len(made) < payments_/2 {
			t.Fatalf("only %d of %d payments went through", len(made), payments_)
		}

		e.checkBooks()
		var total int64
		for _, id := range ids {
			total += e.balance(id, "USD")
		}
		if total != members*perMember {
			t.Fatalf("members hold %d in all, want %d credited", total, members*perMember)
		}
		if n := e.count("SELECT count(*) FROM payments WHERE kind = 'send'"); n != int64(len(made)) {
			t.Fatalf("%d send rows, want %d", n, len(made))
		}
		if n := e.count("SELECT count(*) FROM ledger_transfers WHERE code = 'send'"); n != int64(len(made)) {
			t.Fatalf("%d send transfers, want %d", n, len(made))
		}
		if n := e.count("SELECT count(*) FROM payments p JOIN ledger_transfers t ON t.id = p.transfer_id AND t.amount = p.amount WHERE p.kind = 'send'"); n != int64(len(made)) {
			t.Fatalf("%d payments match their transfer, want %d", n, len(made))
		}
		if n := e.count("SELECT count(*) FROM ledger_accounts WHERE owner = 'platform' AND asset = 'USD' AND kind = 'platform_cash' AND debits_posted = $1", int64(members*perMember)); n != 1 {
			t.Fatalf("platform cash does not show the %d credited", members*perMember)
		}
	})
}
