package main

import (
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg/cards"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// cardFlags are serve's debit card settings: the operator's percentages.
type cardFlags struct {
	interchangeBps, cashbackBps *int64
	cashbackCategories          *string
	holdWindow                  *time.Duration
}

func addCardFlags(fs *flag.FlagSet) cardFlags {
	return cardFlags{
		interchangeBps: fs.Int64("card-interchange-bps", 100, "debit cards: the platform's interchange on every capture, in basis points of the amount (100 is 1%), from what it owes the network to its fee revenue"),
		cashbackBps:    fs.Int64("card-cashback-bps", 0, "debit cards: cash back paid to the member on every capture, in basis points, from the rewards expense account (0: none)"),
		cashbackCategories: fs.String("card-cashback-categories", "",
			"debit cards: cash back by merchant category, overriding --card-cashback-bps: comma-separated code=bps, such as 5812=300,5411=200"),
		holdWindow: fs.Duration("card-hold-window", 7*24*time.Hour, "debit cards: how long an authorization's hold lasts uncaptured before the expiry job releases it"),
	}
}

// parseCashbackCategories reads "5812=300,5411=200".
func parseCashbackCategories(s string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		code, bps, ok := strings.Cut(part, "=")
		n, err := strconv.ParseInt(strings.TrimSpace(bps), 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("--card-cashback-categories: %q is not code=bps (5812=300)", part)
		}
		out[strings.TrimSpace(code)] = n
	}
	return out, nil
}

// openCards opens debit cards on the sandbox issuer, in a sandbox install
// (the issuer keeps its seed in the rails directory, beside the other
// sandboxes' state). A real install gets no cards yet: the Stripe Issuing
// adapter (rails.StripeIssuing) passes the conformance suite, but the
// webhook that carries Stripe's authorization requests to Nestegg is not
// built, so nothing would answer them.
func openCards(e *env, f cardFlags, db *store.DB, dsn string, l *ledger.Ledger, soc *social.Service, comp *compliance.Service, ev *events.Service, log *slog.Logger) (*cards.Service, *rails.SandboxIssuer, error) {
	plan, err := railsPlan(e)
	if err != nil {
		return nil, nil, err
	}
	if !plan.sandboxCards || !plan.sandbox() {
		log.Info("debit cards are off: they run on the sandbox issuer, in a sandbox install")
		return nil, nil, nil
	}
	cats, err := parseCashbackCategories(*f.cashbackCategories)
	if err != nil {
		return nil, nil, err
	}
	dir := railsDir(e, db, dsn)
	if dir != "" {
		dir += "/issuer"
	}
	iss, err := rails.NewSandboxIssuer(dir, nil)
	if err != nil {
		return nil, nil, err
	}
	svc, err := cards.New(db, l, soc, comp, iss, cards.Config{Events: ev, Simulator: iss, HoldWindow: *f.holdWindow,
		InterchangeBps: *f.interchangeBps, CashbackBps: *f.cashbackBps, CashbackByCategory: cats})
	if err != nil {
		return nil, nil, err
	}
	iss.Listen(svc)
	return svc, iss, nil
}
