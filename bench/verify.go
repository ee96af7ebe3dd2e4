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
	var retries atomic.Int64
	err := forEach(ctx, len(ids), min(cfg.Concurrency, 16), func(i int) error {
		id := ids[i]
		code, b, _, err := c.retry(ctx, cfg, "GET", "/api/v1/accounts/"+id, "", nil, &retries)
		if err == nil && code != 200 {
			err = fmt.Errorf("account %s: %d %s", id, code, bytes.TrimSpace(b))
		}
		if err != nil {
			return err
		}
		var a struct {
			DebitsPending int64 `json:"debits_pending"`
			DebitsPosted  int64 `json:"debits_posted"`
			CreditsPosted int64 `json:"credits_posted"`
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return fmt.Errorf("account %s: %w", id, err)
		}
		var mine []string
		for cursor := ""; ; {
			q := "/api/v1/accounts/" + id + "/transfers?limit=200"
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			code, b, _, err := c.retry(ctx, cfg, "GET", q, "", nil, &retries)
			if err == nil && code != 200 {
				err = fmt.Errorf("history %s: %d %s", id, code, bytes.TrimSpace(b))
			}
			if err != nil {
				return err
			}
			var page struct {
				Data []struct {
					ID             string `json:"id"`
					DebitAccountID string `json:"debit_account_id"`
				} `json:"data"`
				NextCursor string `json:"next_cursor"`
			}
			if err := json.Unmarshal(b, &page); err != nil {
				return fmt.Errorf("history %s: %w", id, err)
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
		mu.Lock()
		defer mu.Unlock()
		bal := a.CreditsPosted - a.DebitsPosted - a.DebitsPending
		sum += bal
		if bal < 0 {
			rep.Negative++
		}
		for _, t := range mine {
			seen[t]++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
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
