package commerce_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestConcurrentBuyersNeverOversell: 50 buyers race for 10 units; exactly
// 10 orders succeed, the other 40 are told it sold out and pay nothing,
// and the books balance.
func TestConcurrentBuyersNeverOversell(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop := e.merchant("nestshop")
		o := e.offer(shop, e.product(shop, "Limited mug", 10_00, 10, commerce.Physical), "")
		const buyers = 50
		ids := make([]string, buyers)
		for i := range ids {
			ids[i] = e.member(fmt.Sprintf("racer%d", i))
			e.fund(ids[i], 25_00)
		}
		var wg sync.WaitGroup
		errs := make([]error, buyers)
		start := make(chan struct{})
		for i := range ids {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				_, errs[i] = e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: ids[i], OfferID: o.ID, IdempotencyKey: "race"})
			}(i)
		}
		close(start)
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
				e.wantBalance("winner", ids[i], 15_00)
			case nestegg.Is(err, nestegg.Conflict):
				e.wantBalance("loser", ids[i], 25_00)
			default:
				t.Errorf("buyer %d: %v", i, err)
			}
		}
		if ok != 10 {
			t.Fatalf("%d orders succeeded, want exactly 10", ok)
		}
		if p, _ := e.shop.Product(e.ctx, "", o.ProductID); p.Stock != 0 {
			t.Fatalf("stock = %d, want 0", p.Stock)
		}
		orders, err := e.shop.Orders(e.ctx, shop, commerce.AsMerchant, time.Time{}, 200)
		if err != nil || len(orders) != 10 {
			t.Fatalf("merchant has %d orders (%v), want 10", len(orders), err)
		}
		e.wantBalance("merchant", shop, 10*(10_00-25))
		e.conserved()
	})
}
