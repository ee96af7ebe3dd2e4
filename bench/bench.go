// Package bench is the load generator behind `nestegg bench`: it drives a
// running Nestegg server over HTTP with transfers between accounts it
// creates, then checks the server's books — every acknowledged transfer
// exists exactly once, the accounts' total is unchanged, none is negative.
//
// With P2P it drives the path members use instead: members it signs up,
// credited by the operator, pay each other through POST /api/v1/payments
// with their own tokens, and the same books are checked through the
// members' eyes (see p2p.go).
//
// It only ever targets loopback unless told AllowRemote, and it is bounded in
// both count (Transfers) and time (MaxDuration).
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one benchmark run.
type Config struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:8080. Several
	// comma-separated URLs (servers sharing one database) split the load
	// between them: client i talks to URL i mod n; setup and verification
	// use the first.
	URL         string
	Key         string // operator API key
	Accounts    int    // accounts to create and fund (members, with P2P)
	Transfers   int    // transfers to attempt (payments, with P2P)
	Concurrency int    // concurrent clients
	// Batch is transfers per request: 1 posts to /api/v1/transfers, more
	// posts batches to /api/v1/transfers/batch.
	Batch int
	// Hot and Skew concentrate traffic: Skew percent of transfers touch only
	// the first Hot accounts.
	Hot, Skew   int
	Asset       string
	MaxDuration time.Duration // stop issuing transfers after this long
	Timeout     time.Duration // per request; a timed-out request is retried with the same key
	Retries     int           // retries per request after a timeout or 5xx
	AllowRemote bool
	// RunID prefixes every id the run creates, so runs never collide.
	RunID string
	// P2P makes the run members paying members through the payments API
	// instead of operator transfers between ledger accounts.
	P2P bool
}

// Report is the outcome, printed as one JSON line by `nestegg bench --json`.
// In a p2p run, accounts are members and transfers are payments.
type Report struct {
	Mode            string  `json:"mode"`
	Servers         int     `json:"servers"`
	Accounts        int     `json:"accounts"`
	Concurrency     int     `json:"concurrency"`
	Batch           int     `json:"batch"`
	Attempted       int     `json:"attempted"`
	Acknowledged    int     `json:"acknowledged"`
	Refused         int     `json:"refused"` // business refusals, e.g. exceeds_credits
	Errors          int     `json:"errors"`  // requests that failed after retries
	Retries         int     `json:"retries"`
	Seconds         float64 `json:"seconds"`
	TransfersPerSec float64 `json:"transfers_per_sec"`
	RequestsPerSec  float64 `json:"requests_per_sec"`
	P50ms           float64 `json:"p50_ms"`
	P90ms           float64 `json:"p90_ms"`
	P99ms           float64 `json:"p99_ms"`
	Maxms           float64 `json:"max_ms"`
	Missing         int     `json:"missing"`    // acknowledged but not found
	Duplicates      int     `json:"duplicates"` // found more than once
	ConservationOK  bool    `json:"conservation_ok"`
	Negative        int     `json:"negative_accounts"`
	// RefusedBy counts refusals by why (p2p only): the error code
	// (insufficient_funds, or forbidden for a compliance denial) and its
	// message with amounts elided.
	RefusedBy map[string]int `json:"refused_by,omitempty"`
	// Drift counts members whose balance is not what the run's
	// acknowledged payments make it (p2p only): a payment made twice, or
	// made though it was answered as refused, shows here.
	Drift int  `json:"drift_accounts,omitempty"`
	OK    bool `json:"ok"`
}

func (c *Config) defaults() error {
	if c.Accounts == 0 {
		c.Accounts = 1000
	}
	if c.Transfers == 0 {
		c.Transfers = 100_000
	}
	if c.Concurrency == 0 {
		c.Concurrency = 64
	}
	if c.Batch == 0 {
		c.Batch = 1
	}
	if c.Asset == "" {
		c.Asset = "USD"
	}
	if c.MaxDuration == 0 {
		c.MaxDuration = 5 * time.Minute
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Retries == 0 {
		c.Retries = 5
	}
	if c.Hot == 0 {
		c.Hot = 10
	}
	if c.RunID == "" {
		c.RunID = "bench" + strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	switch {
	case c.Accounts < 2 || c.Accounts > 1_000_000:
		return fmt.Errorf("--accounts must be 2 to 1,000,000")
	case c.Transfers < 1 || c.Transfers > 100_000_000:
		return fmt.Errorf("--transfers must be 1 to 100,000,000")
	case c.Concurrency < 1 || c.Concurrency > 4096:
		return fmt.Errorf("--concurrency must be 1 to 4096")
	case c.Batch < 1 || c.Batch > 8190:
		return fmt.Errorf("--batch must be 1 to 8190")
	case c.P2P && c.Batch != 1:
		return fmt.Errorf("--batch is for transfers: --p2p sends one payment per request")
	case c.Skew < 0 || c.Skew > 100:
		return fmt.Errorf("--skew is a percentage, 0 to 100")
	case c.Hot < 2 || c.Hot > c.Accounts:
		c.Hot = min(max(2, c.Hot), c.Accounts)
	}
	for _, u := range strings.Split(c.URL, ",") {
		if err := checkTarget(u, c.AllowRemote); err != nil {
			return err
		}
	}
	return nil
}

// checkTarget refuses anything but a loopback server unless allowRemote:
// a load test must never be pointed at someone else's machine by accident.
func checkTarget(raw string, allowRemote bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url must be an http(s) URL, got %q", raw)
	}
	if allowRemote {
		return nil
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to load %s: not a loopback address (pass --allow-remote if you mean it)", host)
}

// forEach calls fn(i) for every i in [0, n) from up to workers goroutines
// and returns the first error (after which no further i starts), or ctx's.
func forEach(ctx context.Context, n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var failed atomic.Bool
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() && ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

type client struct {
	base string
	key  string // bearer token: the operator key, or a member's session
	hc   *http.Client
}

// as returns the client acting with another bearer token (a member's) on
// the same server and connections.
func (c *client) as(token string) *client {
	return &client{base: c.base, key: token, hc: c.hc}
}

// do sends one request and returns the status and body. Bodies are read
// whole so connections are reused.
func (c *client) do(ctx context.Context, method, path, idemKey string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// retry sends a request until it gets an answer that is not a timeout, a
// connection error or a 5xx, reusing the same idempotency key each time.
func (c *client) retry(ctx context.Context, cfg *Config, method, path, key string, body []byte, retries *atomic.Int64) (int, []byte, time.Duration, error) {
	var lastErr error
	for attempt := 0; attempt <= cfg.Retries; attempt++ {
		if attempt > 0 {
			retries.Add(1)
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		}
		rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		start := time.Now()
		code, b, err := c.do(rctx, method, path, key, body)
		d := time.Since(start)
		cancel()
		if err == nil && code < 500 && code != http.StatusConflict { // 409 in_flight: the first try is still running
			return code, b, d, nil
		}
		if err == nil {
			lastErr = fmt.Errorf("%s %s: %d %s", method, path, code, bytes.TrimSpace(b))
		} else {
			lastErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return 0, nil, 0, lastErr
}

// Run performs the benchmark and verifies the books. progress receives a
// line per second while transfers run. The error is for runs that could not
// happen (bad config, server unreachable); a run whose verification failed
// returns a Report with OK false.
func Run(ctx context.Context, cfg Config, progress io.Writer) (Report, error) {
	if err := cfg.defaults(); err != nil {
		return Report{}, err
	}
	tr := &http.Transport{MaxIdleConns: cfg.Concurrency + 8, MaxIdleConnsPerHost: cfg.Concurrency + 8, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	var clients []*client
	for _, u := range strings.Split(cfg.URL, ",") {
		clients = append(clients, &client{base: strings.TrimRight(u, "/"), key: cfg.Key, hc: &http.Client{Transport: tr}})
	}
	c := clients[0]
	var retries atomic.Int64
	if cfg.P2P {
		return runP2P(ctx, clients, &cfg, progress, &retries)
	}

	ids, funding, err := setup(ctx, c, &cfg, progress, &retries)
	if err != nil {
		return Report{}, err
	}
	rep, acked, err := load(ctx, clients, &cfg, ids, progress, &retries)
	if err != nil {
		return Report{}, err
	}
	fmt.Fprintf(progress, "verifying %d acknowledged transfers across %d accounts…\n", len(acked), len(ids))
	if err := verify(ctx, c, &cfg, ids, funding, acked, &rep); err != nil {
		return Report{}, err
	}
	rep.Retries = int(retries.Load())
	rep.OK = rep.Errors == 0 && rep.Missing == 0 && rep.Duplicates == 0 && rep.ConservationOK && rep.Negative == 0
	return rep, nil
}

// fundingPerAccount is large enough that few transfers are refused, small
// enough that Accounts × it never overflows.
const fundingPerAccount = 1_000_000_00

// platformEquity returns the id of the platform's equity account in the
// run's asset, which funds transfer runs; asking for it first also tells
// an unreachable server or a wrong operator key apart before any setup.
func platformEquity(ctx context.Context, c *client, cfg *Config, retries *atomic.Int64) (string, error) {
	code, b, _, err := c.retry(ctx, cfg, "GET", "/api/v1/platform/accounts/"+cfg.Asset+"/equity", "", nil, retries)
	if err != nil {
		return "", fmt.Errorf("server unreachable at %s: %w", cfg.URL, err)
	}
	if code != 200 {
		return "", fmt.Errorf("platform account: %d %s (is --key the operator key?)", code, bytes.TrimSpace(b))
	}
	var eq struct{ ID string }
	if err := json.Unmarshal(b, &eq); err != nil {
		return "", fmt.Errorf("platform account: %w", err)
	}
	return eq.ID, nil
}

func setup(ctx context.Context, c *client, cfg *Config, progress io.Writer, retries *atomic.Int64) ([]string, int64, error) {
	equity, err := platformEquity(ctx, c, cfg, retries)
	if err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(progress, "creating and funding %d accounts (run %s)…\n", cfg.Accounts, cfg.RunID)
	ids := make([]string, cfg.Accounts)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-a%d", cfg.RunID, i)
	}
	// Accounts are created concurrently, then funded in batches.
	err = forEach(ctx, len(ids), min(cfg.Concurrency, 32), func(i int) error {
		body := fmt.Appendf(nil, `{"id":%q,"asset":%q,"kind":"wallet","owner":%q,"debits_must_not_exceed_credits":true}`, ids[i], cfg.Asset, cfg.RunID)
		code, b, _, err := c.retry(ctx, cfg, "POST", "/api/v1/accounts", "acct-"+ids[i], body, retries)
		if err == nil && code != 201 && code != 200 {
			err = fmt.Errorf("create account: %d %s", code, bytes.TrimSpace(b))
		}
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	for start := 0; start < len(ids); start += 8190 {
		part := ids[start:min(start+8190, len(ids))]
		var buf bytes.Buffer
		buf.WriteString(`{"transfers":[`)
		for i, id := range part {
			if i > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"id":"fund-%s","debit_account_id":%q,"credit_account_id":%q,"amount":%d,"asset":%q,"code":"bench_fund"}`, id, equity, id, fundingPerAccount, cfg.Asset)
		}
		buf.WriteString(`]}`)
		code, b, _, err := c.retry(ctx, cfg, "POST", "/api/v1/transfers/batch", fmt.Sprintf("%s-fund-%d", cfg.RunID, start), buf.Bytes(), retries)
		if err != nil {
			return nil, 0, fmt.Errorf("fund accounts: %w", err)
		}
		if code != 200 {
			return nil, 0, fmt.Errorf("fund accounts: %d %s", code, bytes.TrimSpace(b))
		}
		var res struct{ Results []struct{ Status string } }
		if err := json.Unmarshal(b, &res); err != nil {
			return nil, 0, fmt.Errorf("fund accounts: %w", err)
		}
		for _, r := range res.Results {
			if r.Status != "ok" && r.Status != "exists" {
				return nil, 0, fmt.Errorf("fund accounts: a funding transfer was %s", r.Status)
			}
		}
	}
	return ids, fundingPerAccount, nil
}
