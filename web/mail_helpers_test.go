package web_test

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/mail"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/web"
)

// mailSite is a server with payments and email, whose mail goes to the
// development sink, a folder the test reads.
type mailSite struct {
	t      testing.TB
	url    string
	dir    string
	clock  *pageClock
	social *social.Service
	pay    *payments.Service
	ev     *events.Service
	out    *mail.Outbox
}

func newMailSite(t testing.TB, db *store.DB) *mailSite {
	t.Helper()
	clock := &pageClock{t: time.Now()}
	soc := social.New(db, social.Options{Clock: clock.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
	l.Start()
	ccfg := compliance.DefaultConfig()
	ccfg.Clock = clock.Now
	comp := compliance.New(db, withIdentity(ccfg))
	ev := events.New(db, events.Options{Clock: clock.Now})
	pay, err := payments.New(db, l, soc, comp, payments.Config{Clock: clock.Now, Events: ev})
	if err != nil {
		t.Fatal(err)
	}
	soc.SetPostHook(pay.OnPost)
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	dir := filepath.Join(t.TempDir(), "mail")
	sink, err := mail.NewDir(dir, "Nestegg <no-reply@nestegg.test>", nil)
	if err != nil {
		t.Fatal(err)
	}
	out := mail.New(db, soc, ev, mail.Options{Sender: sink, BaseURL: base, Clock: clock.Now})
	ev.OnFanOut(out.Receipts)
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Events: ev, Mail: out, Version: "test"})
	hs.Config.Handler = srv
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		l.Close()
	})
	return &mailSite{t: t, url: base, dir: dir, clock: clock, social: soc, pay: pay, ev: ev, out: out}
}

// flush runs the jobs serve runs every second: events fanned out (which
// writes receipts) and the outbox delivered to the folder.
func (s *mailSite) flush() {
	s.t.Helper()
	ctx := context.Background()
	for range 5 {
		n, err := s.ev.FanOut(ctx, 500)
		if err != nil {
			s.t.Fatal(err)
		}
		d, err := s.out.Deliver(ctx, 100)
		if err != nil {
			s.t.Fatal(err)
		}
		if n+d == 0 {
			return
		}
	}
}

func (s *mailSite) fund(handle, amount string) {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.social.UserByHandle(ctx, handle)
	if err != nil {
		s.t.Fatal(err)
	}
	a, err := money.ParsePositive(amount, "USD")
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.pay.Credit(ctx, u.ID, a, "fund-"+handle+"-"+amount, "test funds"); err != nil {
		s.t.Fatal(err)
	}
}

// sentMail is one message from the folder.
type sentMail struct {
	file, to, subject, text, html string
}

var linkRE = regexp.MustCompile(`https?://\S+`)

// link is the message's first link (in its text part) to path.
func (m sentMail) link(t testing.TB, path string) string {
	t.Helper()
	for _, l := range linkRE.FindAllString(m.text, -1) {
		if strings.Contains(l, path) {
			return l
		}
	}
	t.Fatalf("no %s link in %q:\n%s", path, m.subject, m.text)
	return ""
}

// mails reads every message in the folder, oldest first, that went to to
// ("" for all) and whose subject contains subject.
func (s *mailSite) mails(to, subject string) []sentMail {
	s.t.Helper()
	files, err := filepath.Glob(filepath.Join(s.dir, "*.eml"))
	if err != nil {
		s.t.Fatal(err)
	}
	sort.Strings(files)
	var out []sentMail
	for _, f := range files {
		m := readEML(s.t, f)
		if (to == "" || strings.EqualFold(m.to, to)) && strings.Contains(m.subject, subject) {
			out = append(out, m)
		}
	}
	return out
}

// lastMail is the newest such message; the test fails without one.
func (s *mailSite) lastMail(to, subject string) sentMail {
	s.t.Helper()
	ms := s.mails(to, subject)
	if len(ms) == 0 {
		s.t.Fatalf("no mail to %s about %q in %s", to, subject, s.dir)
	}
	return ms[len(ms)-1]
}

// readEML parses a message as a mail client would: headers, MIME parts,
// transfer encodings.
func readEML(t testing.TB, file string) sentMail {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := netmail.ReadMessage(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	to, _ := netmail.ParseAddress(msg.Header.Get("To"))
	m := sentMail{file: file, subject: subject}
	if to != nil {
		m.to = to.Address
	}
	var walk func(h map[string][]string, body io.Reader)
	walk = func(h map[string][]string, body io.Reader) {
		hdr := http.Header(h)
		mt, params, _ := mime.ParseMediaType(hdr.Get("Content-Type"))
		if strings.HasPrefix(mt, "multipart/") {
			r := multipart.NewReader(body, params["boundary"])
			for {
				p, err := r.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header, p)
			}
		}
		if strings.EqualFold(hdr.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		b, _ := io.ReadAll(body)
		switch mt {
		case "text/plain":
			m.text = string(b)
		case "text/html":
			m.html = string(b)
		}
	}
	walk(msg.Header, msg.Body)
	if m.text == "" {
		t.Fatalf("%s has no plain-text part", file)
	}
	return m
}
