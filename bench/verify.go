package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
)

// verify walks every benchmark account's history (its debit side, where each
// transfer appears exactly once) and its balance.
func verify(ctx context.Context, c *client, cfg *Config, ids []string, funding int64, acked []string, rep *Report) error {
	seen := make(map[string]int, len(acked))
	var sum int64
	var mu sync.Mutex
	work := make(chan string)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	var retries atomic.Int64
	for w := 0; w < min(cfg.Concurrency, 16); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				code, b, _, err := c.retry(ctx, cfg, "GET", "/api/v1/accounts/"+id, "", nil, &retries)
				if err == nil && code != 200 {
					err = fmt.Errorf("account %s: %d %s", id, code, bytes.TrimSpace(b))
				}
				var a struct {
					DebitsPending, DebitsPosted, CreditsPosted int64
				}
				if err == nil {
					err = json.Unmarshal(b, &struct {
						DP  *int64 `json:"debits_pending"`
						DPo *int64 `json:"debits_posted"`
						CPo *int64 `json:"credits_posted"`
					}{&a.DebitsPending, &a.DebitsPosted, &a.CreditsPosted})
				}
				var mine []string
				for cursor := ""; err == nil; {
					q := "/api/v1/accounts/" + id + "/transfers?limit=200"
					if cursor != "" {
						q += "&cursor=" + url.QueryEscape(cursor)
					}
					var code int
					var b []byte
					code, b, _, err = c.retry(ctx, cfg, "GET", q, "", nil, &retries)
					if err == nil && code != 200 {
						err = fmt.Errorf("history %s: %d %s", id, code, bytes.TrimSpace(b))
					}
					if err != nil {
						break
					}
					var page struct {
						Data []struct {
							ID             string `json:"id"`
							DebitAccountID string `json:"debit_account_id"`
						} `json:"data"`
						NextCursor string `json:"next_cursor"`
					}
					if err = json.Unmarshal(b, &page); err != nil {
						break
					}
					for _, t := range page.Data {
						if t.DebitAccountID == id {
							mine = append(mine, t.ID)
						}
					}
					if page.NextCursor == "" {
						break
					}
					cursor = page.NextCursor
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				mu.Lock()
				bal := a.CreditsPosted - a.DebitsPosted - a.DebitsPending
				sum += bal
				if bal < 0 {
					rep.Negative++
				}
				for _, t := range mine {
					seen[t]++
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return fmt.Errorf("verify: %w", err)
	default:
	}
	for _, id := range acked {
		switch seen[id] {
		case 0:
			rep.Missing++
		case 1:
		default:
			rep.Duplicates++
		}
	}
	rep.ConservationOK = sum == funding*int64(len(ids))
	return nil
}
