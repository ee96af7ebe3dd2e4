package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one email.
type Message struct {
	// ID names the message ("mal_…"), for file names and logs.
	ID      string
	Kind    string // "verify", "reset", "receipt", "weekly"
	To      string
	Subject string
	Text    string // the plain-text part, always
	HTML    string // an HTML alternative; "" for none
}

// Sender delivers messages. Send returns once the message is handed over
// (to the mail server, or written); an error means it may be retried.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// build makes the RFC 5322 message.
func build(from string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// TLSPolicy is how SMTP protects the connection.
type TLSPolicy string

// The policies.
const (
	// StartTLS requires STARTTLS on a plain connection (port 587): the
	// default; a server that does not offer it is an error.
	StartTLS TLSPolicy = "starttls"
	// ImplicitTLS connects with TLS from the start (port 465).
	ImplicitTLS TLSPolicy = "tls"
	// Opportunistic uses STARTTLS when the server offers it, else sends
	// in the clear.
	Opportunistic TLSPolicy = "opportunistic"
	// NoTLS sends in the clear: only for a relay on this machine.
	NoTLS TLSPolicy = "none"
)

// SMTPConfig is the operator's mail server.
type SMTPConfig struct {
	Host     string
	Port     int // default 587, or 465 with ImplicitTLS
	User     string
	Password string
	From     string // "Nestegg <no-reply@example.com>"
	TLS      TLSPolicy
	Timeout  time.Duration // default 30 s
}

// SMTP sends through a mail server.
type SMTP struct {
	cfg  SMTPConfig
	opts []gomail.Option
}

// NewSMTP checks cfg and returns its sender. Errors: a missing host or
// from address, an unknown TLS policy.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("smtp: no host")
	}
	if _, err := build(cfg.From, Message{To: "check@example.com"}); err != nil {
		return nil, fmt.Errorf("smtp: --mail-from: %w", err)
	}
	if cfg.TLS == "" {
		cfg.TLS = StartTLS
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithTimeout(cfg.Timeout)}
	switch cfg.TLS {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case Opportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case NoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("smtp: TLS policy %q: want starttls, tls, opportunistic or none", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.TLS == ImplicitTLS {
			cfg.Port = 465
		}
	}
	opts = append(opts, gomail.WithPort(cfg.Port))
	if cfg.User != "" {
		// PLAIN and LOGIN refuse to send a password without TLS.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(cfg.User), gomail.WithPassword(cfg.Password))
	}
	return &SMTP{cfg: cfg, opts: opts}, nil
}

// Send connects, sends m and disconnects.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := build(s.cfg.From, m)
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(s.cfg.Host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

// Dir is the development sink: each message becomes an .eml file in a
// folder, and a line in the log.
type Dir struct {
	path string
	from string
	log  *slog.Logger
}

// NewDir makes the folder (0700: messages hold links that log in) and
// returns its sink.
func NewDir(path, from string, log *slog.Logger) (*Dir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("mail folder: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dir{path: path, from: from, log: log}, nil
}

// Path is the folder.
func (d *Dir) Path() string { return d.path }

// Send writes m to the folder as <time>-<kind>-<id>.eml, atomically (a
// reader never sees half a message).
func (d *Dir) Send(ctx context.Context, m Message) error {
	msg, err := build(d.from, m)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s-%s-%s.eml", time.Now().UTC().Format("20060102T150405.000000000"), m.Kind, m.ID)
	name = strings.NewReplacer("/", "_", "\\", "_").Replace(name)
	tmp, err := os.CreateTemp(d.path, ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := msg.WriteTo(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	file := filepath.Join(d.path, name)
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	// The address stays out of the log: it is personal data, and the
	// message's file names it for whoever reads the folder.
	d.log.Info("mail written to the development folder", "kind", m.Kind, "file", file)
	return nil
}
