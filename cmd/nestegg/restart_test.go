package main

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store/storetest"
)

type transferJSON struct {
	ID     string `json:"id"`
	Amount int64  `json:"amount"`
}

type accountJSON struct {
	ID            string `json:"id"`
	DebitsPosted  int64  `json:"debits_posted"`
	CreditsPosted int64  `json:"credits_posted"`
}

// TestRestartKeepsAcknowledgedTransfers posts transfers from several
// clients, stops the server while they are still sending (as SIGTERM would),
// starts it again on the same database, and checks that every transfer that
// was acknowledged with 201 is there exactly once.
func TestRestartKeepsAcknowledgedTransfers(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		const key = "restart-test-operator-key-01"
		env := map[string]string{"NESTEGG_OPERATOR_KEY": key}
		s := startServer(t, dsn, env)
		c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

		var equity accountJSON
		if code, err := call(t, c, "GET", s.url+"/api/v1/platform/accounts/USD/equity", key, "", &equity); err != nil || code != 200 {
			t.Fatalf("equity = %d, %v", code, err)
		}
		if code, err := call(t, c, "POST", s.url+"/api/v1/accounts", key,
			`{"id":"wallet-r","asset":"USD","kind":"wallet","owner":"usr_r","debits_must_not_exceed_credits":true}`, nil); err != nil || code != 201 {
			t.Fatalf("create wallet = %d, %v", code, err)
		}

		const workers, before = 8, 300
		var (
			mu    sync.Mutex
			acked = map[string]int64{}
			wg    sync.WaitGroup
		)
		enough := make(chan struct{})
		var enoughOnce sync.Once
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					id := fmt.Sprintf("r-%d-%d", w, i)
					amount := int64(1 + (w*7+i)%50)
					body := fmt.Sprintf(`{"id":%q,"debit_account_id":%q,"credit_account_id":"wallet-r","amount":%d,"asset":"USD","code":"deposit"}`,
						id, equity.ID, amount)
					code, err := call(t, c, "POST", s.url+"/api/v1/transfers", key, body, nil, "Idempotency-Key", id)
					if err != nil || code == http.StatusServiceUnavailable {
						return // the server is going away: this one was not acknowledged
					}
					if code != http.StatusCreated {
						t.Errorf("transfer %s = %d", id, code)
						return
					}
					mu.Lock()
					acked[id] = amount
					if len(acked) >= before {
						enoughOnce.Do(func() { close(enough) })
					}
					mu.Unlock()
				}
			}()
		}
		select {
		case <-enough:
		case <-time.After(60 * time.Second):
			t.Fatalf("only %d transfers acknowledged in 60s", len(acked))
		}
		s.stop(t) // while the workers are still sending
		wg.Wait()
		c.CloseIdleConnections()
		t.Logf("%d transfers acknowledged before shutdown", len(acked))

		s = startServer(t, dsn, env)
		for id, amount := range acked {
			var tr transferJSON
			if code, err := call(t, c, "GET", s.url+"/api/v1/transfers/"+id, key, "", &tr); err != nil || code != 200 || tr.Amount != amount {
				t.Fatalf("after restart, transfer %s = %d %+v, %v; want amount %d", id, code, tr, err, amount)
			}
		}
		// The wallet's history holds every acknowledged transfer exactly once,
		// and its balance is the sum of its history.
		seen := map[string]int{}
		var sum int64
		cursor := ""
		for {
			var page struct {
				Data       []transferJSON `json:"data"`
				NextCursor string         `json:"next_cursor"`
			}
			if code, err := call(t, c, "GET", s.url+"/api/v1/accounts/wallet-r/transfers?limit=200&cursor="+cursor, key, "", &page); err != nil || code != 200 {
				t.Fatalf("history = %d, %v", code, err)
			}
			for _, tr := range page.Data {
				seen[tr.ID]++
				sum += tr.Amount
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("transfer %s appears %d times in the history", id, n)
			}
		}
		for id := range acked {
			if seen[id] != 1 {
				t.Errorf("acknowledged transfer %s is missing from the history", id)
			}
		}
		var wallet, eq accountJSON
		call(t, c, "GET", s.url+"/api/v1/accounts/wallet-r", key, "", &wallet)
		call(t, c, "GET", s.url+"/api/v1/accounts/"+equity.ID, key, "", &eq)
		if wallet.CreditsPosted != sum || eq.DebitsPosted != sum {
			t.Errorf("wallet credits %d, equity debits %d, history sum %d: want all equal", wallet.CreditsPosted, eq.DebitsPosted, sum)
		}
	})
}
