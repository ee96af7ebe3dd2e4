package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// pick returns a debit and a credit account index, different, honouring skew.
func pick(r *rand.Rand, cfg *Config) (int, int) {
	n := cfg.Accounts
	if cfg.Skew > 0 && r.IntN(100) < cfg.Skew {
		n = cfg.Hot
	}
	dr := r.IntN(n)
	cr := r.IntN(n - 1)
	if cr >= dr {
		cr++
	}
	return dr, cr
}

func appendTransfer(b []byte, cfg *Config, id string, dr, cr string, amount int) []byte {
	b = append(b, `{"id":"`...)
	b = append(b, id...)
	b = append(b, `","debit_account_id":"`...)
	b = append(b, dr...)
	b = append(b, `","credit_account_id":"`...)
	b = append(b, cr...)
	b = append(b, `","amount":`...)
	b = strconv.AppendInt(b, int64(amount), 10)
	b = append(b, `,"asset":"`...)
	b = append(b, cfg.Asset...)
	b = append(b, `","code":"bench"}`...)
	return b
}

func load(ctx context.Context, clients []*client, cfg *Config, ids []string, progress io.Writer, retries *atomic.Int64) (Report, []string, error) {
	rep := Report{Mode: "single", Servers: len(clients), Accounts: cfg.Accounts, Concurrency: cfg.Concurrency, Batch: cfg.Batch}
	path := "/api/v1/transfers"
	if cfg.Batch > 1 {
		rep.Mode, path = "batch", "/api/v1/transfers/batch"
	}
	requests := (cfg.Transfers + cfg.Batch - 1) / cfg.Batch
	var next atomic.Int64
	var m meter
	deadline := time.Now().Add(cfg.MaxDuration)
	type result struct {
		lat   []time.Duration
		acked []string
	}
	results := make([]result, cfg.Concurrency)
	start := time.Now()
	stopProgress := m.progress(progress, cfg.Transfers, "transfers")
	var wg sync.WaitGroup
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			c := clients[w%len(clients)]
			res := &results[w]
			var body []byte
			batchIDs := make([]string, 0, cfg.Batch)
			for {
				k := int(next.Add(1)) - 1
				if k >= requests || time.Now().After(deadline) || ctx.Err() != nil {
					return
				}
				n := min(cfg.Batch, cfg.Transfers-k*cfg.Batch)
				body = body[:0]
				batchIDs = batchIDs[:0]
				if cfg.Batch > 1 {
					body = append(body, `{"transfers":[`...)
				}
				for i := 0; i < n; i++ {
					if i > 0 {
						body = append(body, ',')
					}
					dr, cr := pick(r, cfg)
					id := cfg.RunID + "-t" + strconv.Itoa(k*cfg.Batch+i)
					batchIDs = append(batchIDs, id)
					body = appendTransfer(body, cfg, id, ids[dr], ids[cr], 1+r.IntN(100))
				}
				if cfg.Batch > 1 {
					body = append(body, `]}`...)
				}
				code, b, lat, err := c.retry(ctx, cfg, "POST", path, batchIDs[0], body, retries)
				if err != nil {
					m.fail(err.Error())
					continue
				}
				res.lat = append(res.lat, lat)
				switch {
				case cfg.Batch == 1 && (code == 201 || code == 200):
					res.acked = append(res.acked, batchIDs[0])
				case cfg.Batch == 1 && code == 422:
					m.refused.Add(1)
				case cfg.Batch > 1 && code == 200:
					var out struct{ Results []struct{ ID, Status string } }
					if err := json.Unmarshal(b, &out); err != nil || len(out.Results) != n {
						m.fail(fmt.Sprintf("batch response: %v", err))
						continue
					}
					for _, x := range out.Results {
						if x.Status == "ok" || x.Status == "exists" {
							res.acked = append(res.acked, x.ID)
						} else {
							m.refused.Add(1)
						}
					}
				default:
					m.fail(fmt.Sprintf("%d %s", code, bytes.TrimSpace(b)))
				}
				m.done.Add(int64(n))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopProgress()
	var lat []time.Duration
	var acked []string
	for _, r := range results {
		lat = append(lat, r.lat...)
		acked = append(acked, r.acked...)
	}
	m.tally(&rep, len(acked), lat, elapsed)
	return rep, acked, nil
}
