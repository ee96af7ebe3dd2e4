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
func openFunding(ctx context.Context, e *env, db *store.DB, dsn string, l *ledger.Ledger, comp *compliance.Service, log *slog.Logger) (*funding.Service, *rails.SandboxCards, error) {
	key, err := encryptionKey(e, db, dsn)
	if err != nil {
		return nil, nil, err
	}
	if key == nil {
		log.Warn("NESTEGG_ENCRYPTION_KEY is not set: bank accounts are off")
	}
	dir := e.getenv("NESTEGG_RAILS_DIR")
	if dir == "" {
		if db.Dialect == store.SQLite {
			dir = dsn + ".rails"
		} else {
			log.Warn("NESTEGG_RAILS_DIR is not set: the sandbox rails keep their state in memory")
		}
	}
	sub := func(name string) string {
		if dir == "" {
			return ""
		}
		return dir + "/" + name
	}
	sandbox := true
	var bank rails.Bank
	if out, in := e.getenv("NESTEGG_ACH_OUTBOX"), e.getenv("NESTEGG_ACH_INBOX"); out != "" || in != "" {
		if bank, err = rails.NewFileBank(out, in, nil); err != nil {
			return nil, nil, err
		}
		sandbox = false
	} else if bank, err = rails.NewSandboxBank(sub("bank"), nil); err != nil {
		return nil, nil, err
	}
	var cards rails.CardProcessor
	var sbxCards *rails.SandboxCards
	if sk := e.getenv("NESTEGG_STRIPE_KEY"); sk != "" {
		cards = rails.NewStripe(sk, e.getenv("NESTEGG_STRIPE_URL"), &http.Client{Timeout: 30 * time.Second})
		sandbox = false
	} else {
		if sbxCards, err = rails.NewSandboxCards(sub("cards"), nil); err != nil {
			return nil, nil, err
		}
		cards = sbxCards
	}
	f, err := funding.New(db, l, comp, bank, cards, funding.Config{EncryptionKey: key, Sandbox: sandbox, Logger: log})
	return f, sbxCards, err
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
	f, _, err := openFunding(ctx, e, db, dsn, l, compliance.New(db, compliance.DefaultConfig()), log)
	closer := func() { l.Close(); db.Close() }
	if err != nil {
		closer()
		return nil, nil, err
	}
	return f, closer, nil
}

// fundingJobs are serve's background work for funding: sync with the
// rails every second, and the day's ACH file once a day.
func fundingJobs(f *funding.Service) []job {
	return []job{
		{"sync funding with the rails", func(ctx context.Context) (int, error) {
			r, err := f.Sync(ctx)
			return r.Settled + r.Returned + r.TopUps, err
		}},
		{"export the day's ACH file", every(24*time.Hour, func(ctx context.Context) (int, error) {
			af, err := f.ExportACH(ctx)
			return af.Entries, err
		})},
	}
}
