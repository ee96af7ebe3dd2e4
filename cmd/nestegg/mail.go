package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/mail"
	"github.com/nestegg/nestegg/seal"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// mailFlags are serve's email settings.
type mailFlags struct {
	host, user, from, tls, dir *string
	port                       *int
}

func newMailFlags(fs *flag.FlagSet) mailFlags {
	return mailFlags{
		host: fs.String("smtp-host", "", "the mail server that sends Nestegg's email (verification, password reset, receipts, summaries); empty: no server, and every message is written to --mail-dir instead (development)"),
		port: fs.Int("smtp-port", 0, "the mail server's port (default 587, or 465 with --smtp-tls tls)"),
		user: fs.String("smtp-user", "", "the user to log in to the mail server as (empty: no login)"),
		from: fs.String("mail-from", "", `the From of Nestegg's email, e.g. "Nestegg <no-reply@nestegg.example>" (default: no-reply at --public-url's host)`),
		tls:  fs.String("smtp-tls", string(mail.StartTLS), "how the mail server connection is protected: starttls (required STARTTLS), tls (TLS from the start, port 465), opportunistic (STARTTLS when offered), or none (only for a relay on this machine)"),
		dir:  fs.String("mail-dir", "", "without --smtp-host, the folder each message is written to as an .eml file (default: beside the SQLite database, <database>.mail; with PostgreSQL, nestegg-mail in the system's temporary folder)"),
	}
}

// openMail makes the sender and the outbox, and hooks receipts to the
// events' fan-out. base is where links point. The mail server's password
// is NESTEGG_SMTP_PASSWORD, an environment variable only, like the other
// secrets.
func openMail(f mailFlags, password string, db *store.DB, dsn, base string, soc *social.Service, ev *events.Service, key []byte, log *slog.Logger) (*mail.Outbox, string, error) {
	from := *f.from
	if from == "" {
		host := "localhost"
		if u, err := url.Parse(base); err == nil && u.Hostname() != "" && u.Hostname() != "127.0.0.1" && u.Hostname() != "::1" {
			host = u.Hostname()
		}
		from = "Nestegg <no-reply@" + host + ">"
	}
	var sender mail.Sender
	var where string
	if *f.host != "" {
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: *f.host, Port: *f.port, User: *f.user, Password: password, From: from, TLS: mail.TLSPolicy(*f.tls)})
		if err != nil {
			return nil, "", err
		}
		sender, where = s, fmt.Sprintf("smtp %s (%s)", *f.host, *f.tls)
	} else {
		dir := *f.dir
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "nestegg-mail")
			if db.Dialect == store.SQLite {
				dir = dsn + ".mail"
			}
		}
		d, err := mail.NewDir(dir, from, log)
		if err != nil {
			return nil, "", err
		}
		sender, where = d, "the folder "+dir
	}
	// What a waiting message is made of (a link's token, a receipt) is
	// sealed under the encryption key, when there is one.
	sealer, err := seal.New(key, "nestegg mail")
	if err != nil {
		return nil, "", err
	}
	out := mail.New(db, soc, ev, mail.Options{Sender: sender, BaseURL: base, Sealer: sealer, Logger: log})
	ev.OnFanOut(out.Receipts)
	return out, where, nil
}

// mailJobs are the outbox's jobs.
func mailJobs(out *mail.Outbox) []job {
	return []job{
		{"send email", func(ctx context.Context) (int, error) { return out.Deliver(ctx, 50) }},
		{"write weekly summaries", every(10*time.Minute, func(ctx context.Context) (int, error) { return out.Weekly(ctx, 10) })},
		{"prune sent email", every(time.Hour, func(ctx context.Context) (int, error) { return out.Prune(ctx, 5000) })},
	}
}
