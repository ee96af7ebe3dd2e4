package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
)

// Funding's configuration comes from the environment:
//
//	NESTEGG_ENCRYPTION_KEY  32 bytes, base64 or hex: seals bank account
//	                        numbers. Without it, on SQLite, serve keeps a
//	                        generated key in "<database>.key" (mode 0600)
//	                        beside the database — back the two up together;
//	                        on PostgreSQL, where several servers share the
//	                        database, nothing is generated: without it bank
//	                        accounts are off (cards still work).
//	NESTEGG_RAILS_DIR       where the sandbox rails keep their state
//	                        (default "<database>.rails" on SQLite; in
//	                        memory on PostgreSQL unless set)
//	NESTEGG_ACH_OUTBOX/_INBOX  use the file bank (real ACH by file
//	                        exchange) instead of the sandbox bank
//	NESTEGG_STRIPE_KEY, NESTEGG_STRIPE_URL  use Stripe instead of the
//	                        sandbox card processor
//	NESTEGG_STRIPE_PUBLISHABLE_KEY  Stripe mode on the web: Stripe.js
//	                        collects cards (see web.Deps)
//	NESTEGG_STRIPE_WEBHOOK_SECRET  the signing secret of the endpoint
//	                        <public URL>/webhooks/stripe: Stripe's events
//	                        drive charges and payouts, and polling them
//	                        drops to every stripePollFallback
//	NESTEGG_SANDBOX=1       the whole install is a sandbox: allows a real
//	                        rail beside a sandbox one (see railsPlan)
//	NESTEGG_SANDBOX_CLOCK   a duration (10s): the sandbox rails settle on
//	                        that short clock, and serve exports the ACH
//	                        file that often (see sandboxClock)
func openFunding(ctx context.Context, e *env, db *store.DB, dsn, publicURL string, l *ledger.Ledger, comp *compliance.Service, ev *events.Service, log *slog.Logger, clock time.Duration) (*funding.Service, *rails.SandboxCards, error) {
	plan, err := railsPlan(e)
	if err != nil {
		return nil, nil, err
	}
	if plan.mixed {
		log.Warn("NESTEGG_SANDBOX=1: a real rail runs beside a sandbox one; the sandbox's money is not real, so nothing this install does may be treated as real money",
			"bank", map[bool]string{true: "sandbox", false: "real (ACH files)"}[plan.sandboxBank],
			"cards", map[bool]string{true: "sandbox", false: "Stripe"}[plan.sandboxCards])
	}
	if clock > 0 && !plan.sandboxBank {
		return nil, nil, errSandboxClock
	}
	key, err := encryptionKey(e, db, dsn)
	if err != nil {
		return nil, nil, err
	}
	if key == nil {
		log.Warn("NESTEGG_ENCRYPTION_KEY is not set: bank accounts are off")
	}
	dir := railsDir(e, db, dsn)
	if dir == "" {
		log.Warn("NESTEGG_RAILS_DIR is not set: the sandbox rails keep their state in memory")
	}
	sub := func(name string) string {
		if dir == "" {
			return ""
		}
		return dir + "/" + name
	}
	quick := rails.SettleAfter(clock)
	var bank rails.Bank
	if plan.sandboxBank {
		bank, err = rails.NewSandboxBank(sub("bank"), nil, quick)
	} else {
		bank, err = rails.NewFileBank(e.getenv("NESTEGG_ACH_OUTBOX"), e.getenv("NESTEGG_ACH_INBOX"), nil)
	}
	if err != nil {
		return nil, nil, err
	}
	var cards rails.CardProcessor
	var sbxCards *rails.SandboxCards
	if plan.sandboxCards {
		if sbxCards, err = rails.NewSandboxCards(sub("cards"), nil, quick); err != nil {
			return nil, nil, err
		}
		cards = sbxCards
	}
	cfg := funding.Config{EncryptionKey: key, Sandbox: plan.sandbox(), Logger: log, Events: ev}
	if !plan.sandboxCards {
		cards = rails.NewStripe(e.getenv("NESTEGG_STRIPE_KEY"), e.getenv("NESTEGG_STRIPE_URL"), &http.Client{Timeout: 30 * time.Second})
		if publicURL != "" {
			cfg.CardReturnURL = strings.TrimRight(publicURL, "/") + "/money/movements/{id}/return"
		} else {
			log.Warn("Stripe: --public-url is not set, so a card whose bank wants 3-D Secure cannot be sent to its bank's page and back")
		}
		if e.getenv("NESTEGG_STRIPE_WEBHOOK_SECRET") != "" {
			cfg.CardPollInterval = stripePollFallback
		} else {
			log.Warn("Stripe: NESTEGG_STRIPE_WEBHOOK_SECRET is not set, so Stripe's events are refused and charges are polled every second")
		}
	}
	f, err := funding.New(db, l, comp, bank, cards, cfg)
	return f, sbxCards, err
}

// stripePollFallback is how often serve asks Stripe about open top-ups
// when Stripe's webhook tells it: only to catch an event lost on the way.
const stripePollFallback = 5 * time.Minute

// stripeWeb is what the web server needs in Stripe mode: the webhook's
// verifier (nil without NESTEGG_STRIPE_WEBHOOK_SECRET) and the publishable
// key; both empty on the sandbox card processor, whose card form stays.
func stripeWeb(e *env, sandboxCards bool) (*rails.StripeWebhook, string, error) {
	if sandboxCards {
		return nil, "", nil
	}
	var hook *rails.StripeWebhook
	if sec := strings.TrimSpace(e.getenv("NESTEGG_STRIPE_WEBHOOK_SECRET")); sec != "" {
		if !strings.HasPrefix(sec, "whsec_") {
			return nil, "", nestegg.Errorf(nestegg.Invalid, "NESTEGG_STRIPE_WEBHOOK_SECRET is the endpoint's signing secret from Stripe, whsec_…")
		}
		hook = rails.NewStripeWebhook(sec, 0)
	}
	pk := strings.TrimSpace(e.getenv("NESTEGG_STRIPE_PUBLISHABLE_KEY"))
	if pk != "" && !strings.HasPrefix(pk, "pk_") {
		return nil, "", nestegg.Errorf(nestegg.Invalid, "NESTEGG_STRIPE_PUBLISHABLE_KEY is Stripe's publishable key, pk_… (never the secret key)")
	}
	return hook, pk, nil
}

// railsDir is where the sandbox rails keep their state: NESTEGG_RAILS_DIR,
// else beside a SQLite database; "" (in memory) on PostgreSQL without it.
func railsDir(e *env, db *store.DB, dsn string) string {
	if dir := e.getenv("NESTEGG_RAILS_DIR"); dir != "" {
		return dir
	}
	if db.Dialect == store.SQLite {
		return dsn + ".rails"
	}
	return ""
}

// railSet says which rails an install runs and whether that is allowed.
type railSet struct {
	// sandboxBank and sandboxCards: the built-in sandboxes run.
	sandboxBank, sandboxCards bool
	// realBank and realCards: the rail moves real money (Stripe is real
	// only with a live key).
	realBank, realCards bool
	// mixed: a real rail beside a sandbox one, allowed only because the
	// operator said the whole install is a sandbox.
	mixed bool
}

// sandbox says the install is a sandbox: no rail moves real money, or the
// operator declared the whole install one.
func (p railSet) sandbox() bool { return (!p.realBank && !p.realCards) || p.mixed }

// railsPlan picks the rails from the environment and refuses to mix a
// sandbox rail with a real one. The sandbox card processor's test card
// always succeeds and its payouts add to the platform's cash, and the
// sandbox bank's deposits always settle: beside a real bank (ACH files
// that move real money) that is money from nowhere withdrawn to a real
// account; beside real card payments it is fake money mixed into real
// balances. Only NESTEGG_SANDBOX=1, the operator's word that the whole
// install is a sandbox (a staging bank that moves nothing), allows it.
// A Stripe key in test mode (sk_test_…) or a Stripe URL of its own
// (stripe-mock) is a sandbox rail too: its test cards succeed just the
// same. Errors: Invalid, saying what to set.
func railsPlan(e *env) (railSet, error) {
	out, in := e.getenv("NESTEGG_ACH_OUTBOX"), e.getenv("NESTEGG_ACH_INBOX")
	if (out == "") != (in == "") {
		return railSet{}, nestegg.Errorf(nestegg.Invalid, "the real bank needs both NESTEGG_ACH_OUTBOX and NESTEGG_ACH_INBOX (or neither, for the sandbox bank)")
	}
	sk := e.getenv("NESTEGG_STRIPE_KEY")
	p := railSet{sandboxBank: out == "", sandboxCards: sk == ""}
	p.realBank = !p.sandboxBank
	p.realCards = sk != "" && e.getenv("NESTEGG_STRIPE_URL") == "" && (strings.HasPrefix(sk, "sk_live_") || strings.HasPrefix(sk, "rk_live_"))
	declared, err := sandboxDeclared(e)
	if err != nil {
		return p, err
	}
	if p.realBank == p.realCards {
		return p, nil
	}
	if !declared {
		if p.realBank {
			return p, nestegg.Errorf(nestegg.Invalid, "refusing to run the real bank (NESTEGG_ACH_OUTBOX/_INBOX) beside %s: its test cards always succeed, and their money would be withdrawn to real bank accounts. Set NESTEGG_STRIPE_KEY to a live Stripe key, or NESTEGG_SANDBOX=1 if this whole install is a sandbox whose ACH files move no real money",
				map[bool]string{true: "the sandbox card processor", false: "Stripe in test mode"}[p.sandboxCards])
		}
		return p, nestegg.Errorf(nestegg.Invalid, "refusing to run live Stripe beside the sandbox bank: its deposits always settle, and that money would mix with real card payments. Set NESTEGG_ACH_OUTBOX and NESTEGG_ACH_INBOX for the real bank, or NESTEGG_SANDBOX=1 if this whole install is a sandbox")
	}
	p.mixed = true
	return p, nil
}

// sandboxDeclared reads NESTEGG_SANDBOX: "1" or "true" declares the whole
// install a sandbox; anything else but "" or "0"/"false" is an error
// rather than a guess.
func sandboxDeclared(e *env) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(e.getenv("NESTEGG_SANDBOX"))) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, nestegg.Errorf(nestegg.Invalid, "NESTEGG_SANDBOX is 1 (the whole install is a sandbox) or unset")
}

// encryptionKey reads NESTEGG_ENCRYPTION_KEY, or on SQLite the key file
// beside the database, generating it on first start.
func encryptionKey(e *env, db *store.DB, dsn string) ([]byte, error) {
	if v := strings.TrimSpace(e.getenv("NESTEGG_ENCRYPTION_KEY")); v != "" {
		if k, err := hex.DecodeString(v); err == nil && len(k) == 32 {
			return k, nil
		}
		if k, err := base64.StdEncoding.DecodeString(v); err == nil && len(k) == 32 {
			return k, nil
		}
		return nil, nestegg.Errorf(nestegg.Invalid, "NESTEGG_ENCRYPTION_KEY must be 32 bytes in hex or base64")
	}
	if db.Dialect != store.SQLite {
		return nil, nil // bank accounts stay off until the operator sets a key
	}
	path := dsn + ".key"
	if data, err := os.ReadFile(path); err == nil {
		k, err := hex.DecodeString(strings.TrimSpace(string(data)))
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("%s is not a 32-byte hex key", path)
		}
		return k, nil
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	k := make([]byte, 32)
	rand.Read(k)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create the encryption key file: %w", err)
	}
	if _, err := fmt.Fprintln(f, hex.EncodeToString(k)); err != nil {
		f.Close()
		return nil, err
	}
	return k, f.Close()
}

// operatorFunding opens the database and funding for an operator command
// run beside (or instead of) serve. The returned func closes it all.
func operatorFunding(ctx context.Context, e *env, dsn string) (*funding.Service, func(), error) {
	log := newLogger(e.stderr, slog.LevelWarn)
	db, err := store.Open(ctx, dsn, store.Options{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	l := ledger.New(db, ledger.Options{Logger: log, ValidAsset: validAsset})
	l.Start()
	clock, err := sandboxClock(e, "")
	if err != nil {
		l.Close()
		db.Close()
		return nil, nil, err
	}
	f, _, err := openFunding(ctx, e, db, dsn, "", l, compliance.New(db, compliance.DefaultConfig()), events.New(db, events.Options{}), log, clock)
	closer := func() { l.Close(); db.Close() }
	if err != nil {
		closer()
		return nil, nil, err
	}
	return f, closer, nil
}

// errSandboxClock refuses a sandbox clock beside the real bank, whose
// clock is the bank's.
var errSandboxClock = nestegg.Errorf(nestegg.Invalid, "the sandbox clock needs the sandbox bank: unset NESTEGG_ACH_OUTBOX and NESTEGG_ACH_INBOX, or the sandbox clock")

// sandboxClock reads the sandbox clock: flag (when not "") or else
// NESTEGG_SANDBOX_CLOCK, a Go duration from 1s to 1h; "" or "0" is none.
// Errors: Invalid.
func sandboxClock(e *env, flag string) (time.Duration, error) {
	v := strings.TrimSpace(flag)
	if v == "" {
		v = strings.TrimSpace(e.getenv("NESTEGG_SANDBOX_CLOCK"))
	}
	if v == "" || v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second || d > time.Hour {
		return 0, nestegg.Errorf(nestegg.Invalid, "the sandbox clock is a duration from 1s to 1h, such as 10s (got %q)", v)
	}
	return d, nil
}

// fundingJobs are serve's background work for funding: sync with the
// rails every second, and the day's ACH file once a day — or, on a
// sandbox clock, every tick of it, so that micro-deposits go out (and a
// bank can be verified) and deposits settle within a demo's sitting.
func fundingJobs(f *funding.Service, clock time.Duration) []job {
	export := 24 * time.Hour
	if clock > 0 {
		export = clock
	}
	return []job{
		{"sync funding with the rails", func(ctx context.Context) (int, error) {
			r, err := f.Sync(ctx)
			return r.Settled + r.Returned + r.TopUps, err
		}},
		{"export the ACH file", every(export, func(ctx context.Context) (int, error) {
			af, err := f.ExportACH(ctx)
			return af.Entries, err
		})},
	}
}
