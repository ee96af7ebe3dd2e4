package main

import (
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/seal"
	"github.com/nestegg/nestegg/store"
)

var regionRE = regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`)

// licensedRegions reads NESTEGG_LICENSED_REGIONS: where the operator is
// licensed, countries and states separated by commas ("US", "US-CA,US-NY");
// "*" is everywhere. Errors: Invalid naming the entry.
func licensedRegions(v string) ([]string, error) {
	if v == "*" {
		return nil, nil
	}
	var out []string
	for _, r := range strings.Split(v, ",") {
		r = strings.ToUpper(strings.TrimSpace(r))
		if !regionRE.MatchString(r) {
			return nil, nestegg.Errorf(nestegg.Invalid, "NESTEGG_LICENSED_REGIONS: %q is not a country (US) or a state (US-CA)", r)
		}
		out = append(out, r)
	}
	return out, nil
}

// complianceConfig is the checkpoint's policy — licensed where
// NESTEGG_LICENSED_REGIONS says (default the US) — with identity
// verification:
// members' personal data is sealed under NESTEGG_ENCRYPTION_KEY (the key
// that seals bank account numbers; see openFunding), and checked by
// Stripe Identity when NESTEGG_STRIPE_KEY is set, else by the sandbox
// identity provider — which approves by the id's last four, so it runs
// only where the rails are sandboxes too (or NESTEGG_SANDBOX=1): beside a
// real rail, without Stripe, identity verification is off and tiers change
// only by staff.
func complianceConfig(e *env, db *store.DB, dsn string, log *slog.Logger) (compliance.Config, error) {
	cfg := compliance.DefaultConfig()
	if v := strings.TrimSpace(e.getenv("NESTEGG_LICENSED_REGIONS")); v != "" {
		regions, err := licensedRegions(v)
		if err != nil {
			return cfg, err
		}
		cfg.Regions = regions
	}
	plan, err := railsPlan(e)
	if err != nil {
		return cfg, err
	}
	key, err := encryptionKey(e, db, dsn)
	if err != nil {
		return cfg, err
	}
	if cfg.Sealer, err = seal.New(key, "nestegg identity fingerprint"); err != nil {
		return cfg, err
	}
	switch {
	case e.getenv("NESTEGG_STRIPE_KEY") != "":
		s := rails.NewStripe(e.getenv("NESTEGG_STRIPE_KEY"), e.getenv("NESTEGG_STRIPE_URL"), &http.Client{Timeout: 30 * time.Second})
		cfg.Identity = rails.NewStripeIdentity(s)
	case plan.sandbox():
		cfg.Identity = rails.NewSandboxIdentity()
	default:
		log.Warn("identity verification is off: the rails move real money and no identity provider is set (NESTEGG_STRIPE_KEY)")
	}
	if cfg.Sealer == nil {
		log.Warn("NESTEGG_ENCRYPTION_KEY is not set: identity verification is off")
	}
	return cfg, nil
}
