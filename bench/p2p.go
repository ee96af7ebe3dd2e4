package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A p2p run measures the path members use: each payment is a member's own
// POST /api/v1/payments, authenticated by that member's session and
// carrying a fresh Idempotency-Key (a timeout or 5xx is retried with the
// same key). Setup goes through the public API too: members sign up and log
// in, and the operator credits their wallets through
// /api/v1/operator/credit. Hashing the sign-up and login passwords is most
// of setup's cost unless the server runs with --bench-fast-passwords.

// maxPayment is the largest payment a p2p run makes, in minor units: small
// enough that an unverified member's limits allow a long run.
const maxPayment = 100

// member is one member a p2p run signed up.
type member struct {
	handle, id, token string
}

// paid is one payment the server acknowledged.
type paid struct {
	id       string
	from, to int // indexes into the run's members
	amount   int64
}

func runP2P(ctx context.Context, clients []*client, cfg *Config, progress io.Writer, retries *atomic.Int64) (Report, error) {
	c := clients[0]
	if _, err := platformEquity(ctx, c, cfg, retries); err != nil {
		return Report{}, err
	}
	credit := creditPerMember(cfg)
	members, err := signUp(ctx, c, cfg, credit, progress, retries)
	if err != nil {
		return Report{}, err
	}
	if err := warnLimits(ctx, c.as(members[0].token), cfg, progress, retries); err != nil {
		return Report{}, err
	}
	rep, acked, err := p2pLoad(ctx, clients, cfg, members, progress, retries)
	if err != nil {
		return Report{}, err
	}
	fmt.Fprintf(progress, "verifying %d acknowledged payments across %d members…\n", len(acked), len(members))
	if err := verifyP2P(ctx, c, cfg, members, credit, acked, &rep); err != nil {
		return Report{}, err
	}
	rep.Retries = int(retries.Load())
	rep.OK = rep.Errors == 0 && rep.Missing == 0 && rep.Duplicates == 0 && rep.ConservationOK && rep.Negative == 0 && rep.Drift == 0
	return rep, nil
}

// creditPerMember is what each member starts with: twice the most an
// average member could send in the run, so that few payments are refused
// for funds, and never less than $100.
func creditPerMember(cfg *Config) int64 {
	perMember := (cfg.Transfers + cfg.Accounts - 1) / cfg.Accounts
	return max(100_00, 2*int64(perMember)*maxPayment)
}

// handles returns the run's member handles: "b", six characters from the
// run id, "_", the index. A handle has at most 15 characters, fewer than a
// run id, hence the hash.
func handles(cfg *Config) []string {
	h := fnv.New64a()
	h.Write([]byte(cfg.RunID))
	tag := strconv.FormatUint(h.Sum64()%(36*36*36*36*36*36), 36)
	for len(tag) < 6 {
		tag = "0" + tag
	}
	out := make([]string, cfg.Accounts)
	for i := range out {
		out[i] = "b" + tag + "_" + strconv.Itoa(i)
	}
	return out
}

// signUp signs up, logs in and credits the run's members, concurrently.
func signUp(ctx context.Context, c *client, cfg *Config, credit int64, progress io.Writer, retries *atomic.Int64) ([]member, error) {
	fmt.Fprintf(progress, "signing up, logging in and crediting %d members with %d minor units each (run %s)…\n", cfg.Accounts, credit, cfg.RunID)
	start := time.Now()
	password := "nestegg-bench-" + cfg.RunID
	members := make([]member, cfg.Accounts)
	for i, h := range handles(cfg) {
		members[i].handle = h
	}
	err := forEach(ctx, len(members), min(cfg.Concurrency, 32), func(i int) error {
		m := &members[i]
		body := fmt.Appendf(nil, `{"handle":%q,"display_name":"Bench member %d","email":"%s@bench.invalid","password":%q}`, m.handle, i, m.handle, password)
		if err := signUpOne(ctx, c, cfg, body, retries); err != nil {
			return fmt.Errorf("sign up @%s: %w", m.handle, err)
		}
		body = fmt.Appendf(nil, `{"handle":%q,"password":%q}`, m.handle, password)
		code, b, _, err := c.retry(ctx, cfg, "POST", "/api/v1/login", "", body, retries)
		if err == nil && code != 200 {
			err = fmt.Errorf("%d %s", code, bytes.TrimSpace(b))
		}
		var login struct {
			Token   string `json:"token"`
			Account struct {
				ID string `json:"id"`
			} `json:"account"`
		}
		if err == nil {
			err = json.Unmarshal(b, &login)
		}
		if err == nil && (login.Token == "" || login.Account.ID == "") {
			err = fmt.Errorf("no token or account id in %s", bytes.TrimSpace(b))
		}
		if err != nil {
			return fmt.Errorf("log in @%s: %w", m.handle, err)
		}
		m.id, m.token = login.Account.ID, login.Token
		body = fmt.Appendf(nil, `{"user_id":%q,"amount":%d,"asset":%q,"reason":"nestegg bench"}`, m.id, credit, cfg.Asset)
		code, b, _, err = c.retry(ctx, cfg, "POST", "/api/v1/operator/credit", fmt.Sprintf("%s-credit-%d", cfg.RunID, i), body, retries)
		if err == nil && code != 201 {
			err = fmt.Errorf("%d %s", code, bytes.TrimSpace(b))
		}
		if err != nil {
			return fmt.Errorf("credit @%s: %w", m.handle, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "  %d members ready in %.1fs\n", len(members), time.Since(start).Seconds())
	return members, nil
}

// signUpOne sends one sign-up, retrying a timeout or 5xx. Sign-up takes no
// idempotency key, so a retry that finds the handle taken means an earlier
// attempt got through: the handle is the run's own.
func signUpOne(ctx context.Context, c *client, cfg *Config, body []byte, retries *atomic.Int64) error {
	var lastErr error
	for attempt := 0; attempt <= cfg.Retries && ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			retries.Add(1)
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		}
		rctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		code, b, err := c.do(rctx, "POST", "/api/v1/signup", "", body)
		cancel()
		switch {
		case err != nil:
			lastErr = err
		case code == 201 || code == 409 && attempt > 0:
			return nil
		case code < 500:
			return fmt.Errorf("%d %s", code, bytes.TrimSpace(b))
		default:
			lastErr = fmt.Errorf("%d %s", code, bytes.TrimSpace(b))
		}
	}
	if lastErr == nil {
		lastErr = ctx.Err()
	}
	return lastErr
}

// warnLimits says, before the load, when the server's compliance limits
// (as a member sees them in their wallet) will refuse part of the run: the
// average member's spending against the daily and monthly limits.
func warnLimits(ctx context.Context, c *client, cfg *Config, progress io.Writer, retries *atomic.Int64) error {
	code, b, _, err := c.retry(ctx, cfg, "GET", "/api/v1/wallet", "", nil, retries)
	if err == nil && code != 200 {
		err = fmt.Errorf("%d %s", code, bytes.TrimSpace(b))
	}
	var w struct {
		Limits struct {
			Asset    string `json:"asset"`
			PerDay   int64  `json:"per_day"`
			PerMonth int64  `json:"per_month"`
		} `json:"limits"`
	}
	if err == nil {
		err = json.Unmarshal(b, &w)
	}
	if err != nil {
		return fmt.Errorf("wallet: %w", err)
	}
	if w.Limits.Asset != cfg.Asset {
		return nil
	}
	spend := int64(cfg.Transfers) * (maxPayment + 1) / 2 / int64(cfg.Accounts)
	for _, l := range []struct {
		limit int64
		name  string
	}{{w.Limits.PerDay, "daily"}, {w.Limits.PerMonth, "monthly"}} {
		if l.limit > 0 && spend > l.limit*9/10 {
			fmt.Fprintf(progress, "warning: each member sends about %d minor units of %s, near or over the %s limit of %d: expect refusals (pass more --accounts)\n",
				spend, cfg.Asset, l.name, l.limit)
		}
	}
	return nil
}

// appendPayment appends a payment's JSON body to b.
func appendPayment(b []byte, cfg *Config, to string, amount int64) []byte {
	b = append(b, `{"to":"`...)
	b = append(b, to...)
	b = append(b, `","amount":`...)
	b = strconv.AppendInt(b, amount, 10)
	b = append(b, `,"asset":"`...)
	b = append(b, cfg.Asset...)
	b = append(b, `","note":"bench"}`...)
	return b
}

// elideAmounts replaces each amount of money in a message ("$1,000.00",
// "0.42") with "…", so that refusals for one reason count together whatever
// the amounts; other numbers ("24 hours") stay.
func elideAmounts(msg string) string {
	var out strings.Builder
	for i := 0; i < len(msg); {
		j := i
		for j < len(msg) && strings.IndexByte("$0123456789.,", msg[j]) >= 0 {
			j++
		}
		if j == i {
			out.WriteByte(msg[i])
			i++
			continue
		}
		k := j // punctuation after the number is the sentence's
		for k > i && (msg[k-1] == '.' || msg[k-1] == ',') {
			k--
		}
		if run := msg[i:k]; strings.ContainsAny(run, "0123456789") && strings.ContainsAny(run, "$.") {
			out.WriteString("…")
		} else {
			out.WriteString(run)
		}
		out.WriteString(msg[k:j])
		i = j
	}
	return out.String()
}

func p2pLoad(ctx context.Context, clients []*client, cfg *Config, members []member, progress io.Writer, retries *atomic.Int64) (Report, []paid, error) {
	rep := Report{Mode: "p2p", Servers: len(clients), Accounts: cfg.Accounts, Concurrency: cfg.Concurrency, Batch: 1,
		RefusedBy: map[string]int{}}
	var next atomic.Int64
	var m meter
	var mu sync.Mutex // guards rep.RefusedBy
	deadline := time.Now().Add(cfg.MaxDuration)
	type result struct {
		lat   []time.Duration
		acked []paid
	}
	results := make([]result, cfg.Concurrency)
	start := time.Now()
	stopProgress := m.progress(progress, cfg.Transfers, "payments")
	var wg sync.WaitGroup
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			c := clients[w%len(clients)]
			res := &results[w]
			var body []byte
			for {
				k := int(next.Add(1)) - 1
				if k >= cfg.Transfers || time.Now().After(deadline) || ctx.Err() != nil {
					return
				}
				from, to := pick(r, cfg)
				amount := 1 + r.Int64N(maxPayment)
				body = appendPayment(body[:0], cfg, members[to].handle, amount)
				key := cfg.RunID + "-p" + strconv.Itoa(k)
				code, b, lat, err := c.as(members[from].token).retry(ctx, cfg, "POST", "/api/v1/payments", key, body, retries)
				if err != nil {
					m.fail(err.Error())
					continue
				}
				res.lat = append(res.lat, lat)
				m.done.Add(1)
				var p struct {
					ID    string `json:"id"`
					Error struct {
						Code    string `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				jerr := json.Unmarshal(b, &p)
				switch {
				case (code == 201 || code == 202) && jerr == nil && p.ID != "": // 202: held by cooling-off, still made
					res.acked = append(res.acked, paid{id: p.ID, from: from, to: to, amount: amount})
				case code == 422 && p.Error.Code == "insufficient_funds" || code == 403:
					m.refused.Add(1)
					why := p.Error.Code + ": " + elideAmounts(p.Error.Message)
					mu.Lock()
					rep.RefusedBy[why]++
					mu.Unlock()
				default:
					m.fail(fmt.Sprintf("%d %s", code, bytes.TrimSpace(b)))
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopProgress()
	var lat []time.Duration
	var acked []paid
	for _, r := range results {
		lat = append(lat, r.lat...)
		acked = append(acked, r.acked...)
	}
	m.tally(&rep, len(acked), lat, elapsed)
	return rep, acked, nil
}
