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

// verifyP2P checks the books of a p2p run as its members see them: every
// acknowledged payment is there, as its payer fetches it, with the payer,
// payee and amount it was made with; every member's balance is what the
// credit and the acknowledged payments make it (a payment made twice, or
// made though answered as refused, breaks this); the members' total is
// what the operator credited; nobody is negative.
//
// A balance counts money on its way in (a payment held by cooling-off) as
// the member's, so that holds neither break conservation nor look like
// drift.
func verifyP2P(ctx context.Context, c *client, cfg *Config, members []member, credit int64, acked []paid, rep *Report) error {
	var retries atomic.Int64
	workers := min(cfg.Concurrency, 32)

	var mu sync.Mutex
	seen := make(map[string]int, len(acked))
	for _, p := range acked {
		seen[p.id]++
	}
	for _, n := range seen {
		if n > 1 {
			rep.Duplicates += n - 1 // one payment acknowledged for several requests
		}
	}
	err := forEach(ctx, len(acked), workers, func(i int) error {
		p := acked[i]
		code, b, _, err := c.as(members[p.from].token).retry(ctx, cfg, "GET", "/api/v1/payments/"+url.PathEscape(p.id), "", nil, &retries)
		if err != nil {
			return fmt.Errorf("payment %s: %w", p.id, err)
		}
		var got struct {
			PayerID string `json:"payer_id"`
			PayeeID string `json:"payee_id"`
			Amount  int64  `json:"amount"`
			Asset   string `json:"asset"`
		}
		switch code {
		case 200:
			if err := json.Unmarshal(b, &got); err != nil {
				return fmt.Errorf("payment %s: %w", p.id, err)
			}
		case 404:
		default:
			return fmt.Errorf("payment %s: %d %s", p.id, code, bytes.TrimSpace(b))
		}
		// Found as something else is as bad as not found.
		if code == 404 || got.PayerID != members[p.from].id || got.PayeeID != members[p.to].id || got.Amount != p.amount || got.Asset != cfg.Asset {
			mu.Lock()
			rep.Missing++
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}

	balances := make([]int64, len(members))
	err = forEach(ctx, len(members), workers, func(i int) error {
		code, b, _, err := c.as(members[i].token).retry(ctx, cfg, "GET", "/api/v1/wallet", "", nil, &retries)
		if err == nil && code != 200 {
			err = fmt.Errorf("%d %s", code, bytes.TrimSpace(b))
		}
		var w struct {
			Balances []struct {
				Asset     string `json:"asset"`
				Available int64  `json:"available"`
				Incoming  int64  `json:"incoming"`
			} `json:"balances"`
		}
		if err == nil {
			err = json.Unmarshal(b, &w)
		}
		if err != nil {
			return fmt.Errorf("wallet of @%s: %w", members[i].handle, err)
		}
		for _, bal := range w.Balances {
			if bal.Asset != cfg.Asset {
				continue
			}
			balances[i] = bal.Available + bal.Incoming
			if bal.Available < 0 {
				mu.Lock()
				rep.Negative++
				mu.Unlock()
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}

	want := make([]int64, len(members))
	for i := range want {
		want[i] = credit
	}
	for _, p := range acked {
		want[p.from] -= p.amount
		want[p.to] += p.amount
	}
	var sum int64
	for i, b := range balances {
		sum += b
		if b != want[i] {
			rep.Drift++
		}
	}
	rep.ConservationOK = sum == credit*int64(len(members))
	return nil
}
