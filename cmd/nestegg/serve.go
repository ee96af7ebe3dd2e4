package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/demo"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/savings"
	"github.com/nestegg/nestegg/seal"
	"github.com/nestegg/nestegg/settings"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/web"
)

// shutdownTimeout bounds how long in-flight requests may take to finish
// once shutdown starts.
const shutdownTimeout = 30 * time.Second

// settingsPoll is how often a serve process asks whether the settings
// changed: one indexed MAX a second, so that a change made in another
// process applies here within about a second, and no payment pays a query
// for it.
const settingsPoll = time.Second

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	dsn := databaseFlag(fs, e)
	level := fs.String("log-level", "info", "log level: debug, info (logs every request), warn or error")
	debugAddr := fs.String("debug-addr", "", "if set, serve Go's pprof profiles on this (loopback) address, e.g. 127.0.0.1:6060")
	metricsAddr := fs.String("metrics-addr", "", "if set, serve /metrics on this address only, without the operator key (keep it where only your scrapers reach, e.g. 127.0.0.1:9090 or a private network); empty: /metrics is on --addr and takes the operator key")
	payHandle := fs.String("pay-handle", "pay", "the platform's pay handle: posts addressed to it are payment commands")
	qrFeeBps := fs.Int64("qr-fee-bps", 0, "the platform's fee on in-store QR sales, in basis points, taken from the business at settlement (tips are free); the default of the setting fees.qr_bps, which the console's Settings change without a restart")
	qrSettleAfter := fs.Duration("qr-settle-after", 24*time.Hour, "how old an in-store QR payment is when the settlement job pays it out to the business (its wallet, or on to the bank it chose), less the QR fee; the default of the setting holds.qr_settle_after")
	shopFeeBps := fs.Int64("shop-fee-bps", 0, "the platform's fee on every sale from a post, in basis points (250 is 2.5%), paid by the merchant; the default of the setting fees.shop_bps, which the console's Settings change without a restart")
	cardOpts := addCardFlags(fs)
	batchMax := fs.Int("batch-max", ledger.MaxBatch, "group commit: the most transfers one database commit carries")
	batchWait := fs.Duration("batch-wait", 0, "group commit: how long a committer waits for more requests once it has some (0: never; requests arriving during a commit form the next batch)")
	committers := fs.Int("committers", 0, "group commit: batches committing at once (default 1 on SQLite, 2 on PostgreSQL)")
	workCommitters := fs.Int("work-committers", 0, "group commit: batches of movements (members' payments, purchases, …) committing at once (default 1 on SQLite, 2 on PostgreSQL)")
	maxWorks := fs.Int("max-works", 0, "group commit: the most movements one batch carries (default all queued on SQLite, 64 on PostgreSQL)")
	demoFlag := fs.Bool("demo", false, "seed a demo community into an empty database (members with opening balances, on the sandbox rails only) and print how to log in; sets --sandbox-clock 5s unless given")
	sandboxClockFlag := fs.String("sandbox-clock", "",
		"a duration such as 10s: the sandbox bank settles ACH entries that long after their file, returns come that much later, sandbox card charges are paid out after it, and the ACH file is exported that often instead of daily; only with the sandbox bank; never on an install people use")
	trustedProxies := fs.String("trusted-proxies", "",
		"comma-separated networks (10.0.0.0/8) or addresses of the reverse proxies in front of this server: only their X-Forwarded-For is believed, and the client is its right-most address outside them; empty: the peer is the client")
	publicURL := fs.String("public-url", "",
		"the address people use, e.g. https://nestegg.example; https makes cookies Secure and adds HSTS, for TLS that ends at a proxy")
	defLimits := web.DefaultRateLimits()
	apiRate := fs.Float64("api-rate", float64(defLimits.Address), "API requests a second per client address (behind --trusted-proxies, the client's), in a token bucket of --api-burst; loopback is not limited; 0: no limit")
	apiBurst := fs.Int("api-burst", defLimits.AddressBurst, "API requests a client address may make at once")
	tokenRate := fs.Float64("token-rate", float64(defLimits.Token), "API requests a second per member token or session, in a bucket of --token-burst (the operator key is not limited); 0: no limit")
	tokenBurst := fs.Int("token-burst", defLimits.TokenBurst, "API requests a member token may make at once")
	loginRate := fs.Float64("login-rate", float64(defLimits.Login)*60, "login and sign-up attempts a minute per client address (web and API), in a bucket of --login-burst; 0: no limit")
	loginBurst := fs.Int("login-burst", defLimits.LoginBurst, "login and sign-up attempts a client address may make at once")
	mailF := newMailFlags(fs)
	fastPasswords := fs.Bool("bench-fast-passwords", false,
		"FOR BENCHMARKS ONLY: hash passwords with a tiny argon2id cost, so that 'nestegg bench --p2p' signs members up quickly; passwords set meanwhile are easy to crack: never on a server people use")
	if err := parse(fs, args); err != nil {
		return err
	}
	bi := buildInfo()
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(e.stderr, "nestegg serve: bad --log-level %q\n", *level)
		return errUsage
	}
	front, err := web.NewFrontage(*trustedProxies, *publicURL)
	if err != nil {
		fmt.Fprintf(e.stderr, "nestegg serve: %v\n", err)
		return errUsage
	}
	// The rails are checked before anything is written (an operator key
	// printed once, by a server that then refuses to start, is lost).
	clock, err := sandboxClock(e, *sandboxClockFlag)
	if err != nil {
		fmt.Fprintf(e.stderr, "nestegg serve: %v\n", err)
		return errUsage
	}
	plan, err := railsPlan(e)
	if err != nil {
		return err
	}
	// Checked here, before a key is printed or the port opened.
	stripeHook, stripeKey, err := stripeWeb(e, plan.sandboxCards)
	if err != nil {
		return err
	}
	if *demoFlag {
		// The demo's opening balances are money from nowhere, which a
		// real rail would pay out.
		if err := demoRails(plan); err != nil {
			return err
		}
		if clock == 0 && plan.sandboxBank {
			clock = demoClock
		}
	}
	if clock > 0 && !plan.sandboxBank {
		return errSandboxClock
	}
	// The port is taken before anything is printed or written: a busy port
	// must not cost a database, a migration or a printed operator key.
	ln, err := listen(*addr)
	if err != nil {
		return err
	}
	defer ln.Close() // on an early return; Shutdown closes it otherwise
	var metricsLn net.Listener
	if *metricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", *metricsAddr); err != nil {
			return fmt.Errorf("cannot listen on %s: %w; choose another address with --metrics-addr", *metricsAddr, err)
		}
		defer metricsLn.Close()
	}
	logOut := newBufferedLog(e.stderr)
	defer logOut.Close()
	log := newLogger(logOut, lvl)

	db, err := store.Open(ctx, *dsn, store.Options{Logger: log})
	if err != nil {
		return err
	}
	defer db.Close() // last: after the ledger has committed what it accepted
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := operatorKey(ctx, e, db); err != nil {
		return err
	}
	var demoSeeded *demo.Result
	if *demoFlag {
		if demoSeeded, err = seedDemo(ctx, db, *payHandle); err != nil {
			return err
		}
	}

	l := ledger.New(db, ledger.Options{Logger: log, ValidAsset: validAsset, MaxBatch: *batchMax, MaxWait: *batchWait, Committers: *committers, WorkCommitters: *workCommitters, MaxWorks: *maxWorks})
	l.Start()
	if *debugAddr != "" {
		if err := serveDebug(ctx, *debugAddr, log); err != nil {
			return err
		}
	}
	var argon social.Argon2 // zero: production cost
	if *fastPasswords {
		// Microseconds a hash instead of a quarter second, and no protection.
		argon = social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}
		log.Warn("FOR BENCHMARKS ONLY: --bench-fast-passwords hashes passwords with a tiny argon2id cost, so passwords set now are easy to crack; never run a server people use like this")
	}
	soc := social.New(db, social.Options{PayHandle: *payHandle, Argon2: argon})
	compCfg, err := complianceConfig(e, db, *dsn, log)
	if err != nil {
		l.Close()
		return err
	}
	comp := compliance.New(db, compCfg)
	// Every movement emits an event for developers, delivered to their
	// webhook endpoints by the jobs below, signed with secrets sealed at
	// rest under the encryption key, when there is one.
	key, err := encryptionKey(e, db, *dsn)
	if err != nil {
		l.Close()
		return err
	}
	hookSealer, err := seal.New(key, "nestegg webhook fingerprint")
	if err != nil {
		l.Close()
		return err
	}
	ev := events.New(db, events.Options{Sealer: hookSealer})
	base := "http://" + ln.Addr().String()
	if *publicURL != "" {
		base = *publicURL
	}
	outbox, mailWhere, err := openMail(mailF, e.getenv("NESTEGG_SMTP_PASSWORD"), db, *dsn, base, soc, ev, key, log)
	if err != nil {
		l.Close()
		return fmt.Errorf("mail: %w", err)
	}
	pay, err := payments.New(db, l, soc, comp, payments.Config{Events: ev})
	if err != nil {
		l.Close()
		return err
	}
	fund, sbxCards, err := openFunding(ctx, e, db, *dsn, *publicURL, l, comp, ev, log, clock)
	if err != nil {
		l.Close()
		return err
	}
	if clock > 0 {
		log.Warn("sandbox clock: the sandbox rails settle money in flight after a short time, and the ACH file is exported that often", "clock", clock.String())
	}
	if demoSeeded != nil {
		if err := seedDemoMoney(ctx, soc, pay); err != nil {
			l.Close()
			return err
		}
	}
	// The shop charges saved cards through funding's card top-up.
	shop, err := commerce.New(db, l, soc, comp, commerce.Config{FeeBps: *shopFeeBps, QRFeeBps: *qrFeeBps, QRSettleAfter: *qrSettleAfter, Funding: fund, Events: ev})
	if err != nil {
		l.Close()
		return err
	}
	// Subscriptions: Premium and creators' tiers, renewed by the job below.
	bill, err := billing.New(db, l, soc, comp, billing.Config{Funding: fund, Events: ev})
	if err != nil {
		l.Close()
		return err
	}
	// Savings: interest accrued daily and paid monthly by the job below.
	sav := savings.New(db, l, soc, comp, savings.Config{Events: ev})
	// Debit cards: the sandbox issuer asks them about every purchase.
	crd, sbxIssuer, err := openCards(e, cardOpts, db, *dsn, l, soc, comp, ev, log)
	if err != nil {
		l.Close()
		return err
	}
	// Creators' subscribers read their subscribers-only posts; Premium's
	// perk is longer posts.
	soc.SetSubscriberCheck(bill.SubscribedTo)
	soc.SetPostLimit(bill.PostChars)
	usd, _ := money.Lookup("USD")
	if err := bill.EnsurePremium(ctx, append(billing.DefaultPremiumPlans(usd), billing.DefaultOrganizationPlans(usd)...)); err != nil {
		l.Close()
		return err
	}
	// The business settings (fees, coin prices, limits, cooling-off, hold
	// windows) are the database's: applied now, and again within a second
	// of any change, made here or by another process (Watch below).
	set, err := settings.New(db, settings.Options{Logger: log, Defaults: map[string]int64{
		settings.ShopFeeBps: *shopFeeBps, settings.QRFeeBps: *qrFeeBps, settings.QRSettleAfter: int64(*qrSettleAfter / time.Second)}})
	if err != nil {
		l.Close()
		return fmt.Errorf("--shop-fee-bps, --qr-fee-bps or --qr-settle-after: %w", err)
	}
	set.Apply(settings.Targets{Payments: pay, Commerce: shop, Funding: fund, Compliance: comp})
	if err := set.Refresh(ctx); err != nil {
		l.Close()
		return err
	}
	// Posts addressed to the pay handle become payment intents, and posts
	// with a live offer's buy hashtag or a gift handle purchase intents,
	// all in the post's own transaction.
	soc.SetPostHook(postHooks(pay.OnPost, shop.OnPost))
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Commerce: shop, Billing: bill, Savings: sav, Settings: set, Cards: crd, SandboxIssuer: sbxIssuer, Funding: fund, SandboxCards: sbxCards, StripeWebhook: stripeHook, StripePublishableKey: stripeKey, Events: ev, Mail: outbox, Logger: log,
		Version: bi.Version, Commit: bi.commitLabel(), BuildDate: bi.Date,
		MetricsElsewhere: metricsLn != nil,
		RateLimits: web.RateLimits{
			Address: rate.Limit(*apiRate), AddressBurst: *apiBurst,
			Token: rate.Limit(*tokenRate), TokenBurst: *tokenBurst,
			Login: rate.Limit(*loginRate / 60), LoginBurst: *loginBurst,
		}})

	hs := &http.Server{
		Handler:           front.Handler(srv),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 2)
	go func() { serveErr <- hs.Serve(ln) }()
	var ms *http.Server
	if metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.Metrics())
		ms = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: hs.ErrorLog}
		go func() { serveErr <- ms.Serve(metricsLn) }()
	}
	fmt.Fprintf(e.stdout, "nestegg listening on %s\n", "http://"+ln.Addr().String())
	fmt.Fprintf(e.stdout, "email goes to %s\n", mailWhere)
	if metricsLn != nil {
		fmt.Fprintf(e.stdout, "metrics on http://%s/metrics\n", metricsLn.Addr())
	}
	if demoSeeded != nil {
		printDemo(e.stdout, demoSeeded, "http://"+ln.Addr().String())
	} else {
		printNext(e.stdout, "http://"+ln.Addr().String())
	}
	log.Info("serving", "addr", ln.Addr().String(), "database", db.Dialect.String(), "version", bi.Version, "commit", bi.commitLabel())

	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		set.Watch(jobs, settingsPoll)
	}()
	go func() {
		defer wg.Done()
		jobLoop(jobs, append([]job{
			{"expire pending transfers", l.ExpirePending},
			{"release held payments", pay.ReleaseHolds},
			{"expire payment intents", pay.ExpireIntents},
			{"return unopened red packets", pay.ExpireRedPackets},
			{"settle group gifts past their deadline", pay.SettleGroupGifts},
			{"settle counter takings and pay them out to banks", shop.SettleQR},
			{"expire purchase intents", shop.ExpireIntents},
			{"end offers past their time", shop.EndOffers},
			{"settle expired vouchers", shop.ExpireVouchers},
			{"renew subscriptions and recognize revenue", every(time.Minute, func(ctx context.Context) (int, error) {
				st, err := bill.Run(ctx)
				return st.Renewed + st.Failed + st.Lapsed + st.Ended, err
			})},
			{"deliver webhooks", func(ctx context.Context) (int, error) {
				n, err := ev.FanOut(ctx, 500)
				if err != nil {
					return n, err
				}
				d, err := ev.Deliver(ctx, 50)
				return n + d, err
			}},
			{"prune events and deliveries past their retention", every(time.Hour, func(ctx context.Context) (int, error) { return ev.Prune(ctx, 5000) })},
			{"accrue and pay savings interest", every(time.Minute, func(ctx context.Context) (int, error) {
				st, err := sav.Run(ctx)
				return st.Days + st.Payouts, err
			})},
			{"release card holds past the network's window", every(time.Minute, func(ctx context.Context) (int, error) {
				if crd == nil {
					return 0, nil
				}
				return crd.Expire(ctx)
			})},
			{"purge expired sessions", every(time.Hour, func(ctx context.Context) (int, error) { return 0, soc.PurgeExpired(ctx) })},
		}, append(mailJobs(outbox), fundingJobs(fund, clock)...)...), log)
	}()

	select {
	case <-ctx.Done():
		err = nil
	case err = <-serveErr:
	}

	// Shut down in dependency order so nothing acknowledged is lost: stop
	// taking requests and let those running finish (their transfers and
	// idempotency records commit), stop the jobs, then let the ledger commit
	// what it accepted, and only then close the database.
	log.Info("shutting down")
	srv.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil {
		err = errors.Join(err, fmt.Errorf("http shutdown: %w", serr))
	}
	if ms != nil {
		ms.Close() // scrapes hold nothing worth waiting for
	}
	stopJobs()
	wg.Wait()
	err = errors.Join(err, srv.Close())
	err = errors.Join(err, l.Close())
	if err == nil {
		log.Info("stopped")
	}
	return err
}

// listen opens addr, and says which flag chooses another when it cannot.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w; choose another address with --addr (e.g. --addr 127.0.0.1:8081, or port 0 for any free one)", addr, err)
	}
	return ln, nil
}

// printNext tells a newcomer where to go once the server listens.
func printNext(w io.Writer, base string) {
	fmt.Fprintf(w, `Next:
  open %s/signup in a browser to create the first account (or %s/login);
  the API is under %s/api/v1, described at %s/api/v1/openapi.json;
  from a terminal: nestegg login --url %s --handle YOU (then nestegg help).
`, base, base, base, base, base)
}

// postHooks runs social's one post hook as several, in order, in the
// post's transaction: the first error aborts the post.
func postHooks(hooks ...social.PostHook) social.PostHook {
	return func(ctx context.Context, tx *sql.Tx, p social.Post) error {
		for _, h := range hooks {
			if err := h(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	}
}

// validAsset lets the ledger accept only assets the money package knows.
func validAsset(code string) error {
	_, err := money.Lookup(code)
	return err
}

// job is background work that serve runs every second: it returns how many
// things it did.
type job struct {
	name string
	run  func(context.Context) (int, error)
}

// every runs fn at most once per interval (the first time at once), for
// housekeeping that need not happen every second.
func every(interval time.Duration, fn func(context.Context) (int, error)) func(context.Context) (int, error) {
	var last time.Time
	return func(ctx context.Context) (int, error) {
		if !last.IsZero() && time.Since(last) < interval {
			return 0, nil
		}
		last = time.Now()
		return fn(ctx)
	}
}

// jobLoop runs each job once a second until ctx ends. Every job is safe to
// run in several processes at once (each resolves its items idempotently).
func jobLoop(ctx context.Context, jobs []job, log *slog.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	lastErr := make([]string, len(jobs))
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for i, j := range jobs {
			n, err := j.run(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				// Log a failure once, not every second while it lasts.
				if msg := err.Error(); msg != lastErr[i] {
					lastErr[i] = msg
					log.Warn("background job failed", "job", j.name, "error", err)
				}
			case err == nil:
				lastErr[i] = ""
				if n > 0 {
					log.Info("background job", "job", j.name, "count", n)
				}
			}
		}
	}
}

// operatorKey makes sure an operator API key exists: the one in
// NESTEGG_OPERATOR_KEY, or else a generated one, printed once.
func operatorKey(ctx context.Context, e *env, db *store.DB) error {
	now := time.Now()
	if k := strings.TrimSpace(e.getenv("NESTEGG_OPERATOR_KEY")); k != "" {
		if err := web.EnsureOperatorKey(ctx, db, k, now); err != nil {
			return fmt.Errorf("NESTEGG_OPERATOR_KEY: %w", err)
		}
		return nil
	}
	key, err := web.GenerateOperatorKey(ctx, db, now)
	if err != nil {
		return fmt.Errorf("operator key: %w", err)
	}
	if key != "" {
		fmt.Fprintf(e.stdout, "operator key: %s\n", key)
		fmt.Fprintln(e.stdout, "This operator API key is shown once and will not be shown again: store it now.")
	}
	return nil
}
