package mail_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/mail"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/seal"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// recorder is a Sender that keeps what it is given and fails while fail
// says so.
type recorder struct {
	mu   sync.Mutex
	sent []mail.Message
	fail func(mail.Message) error
}

func (r *recorder) Send(_ context.Context, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return err
		}
	}
	r.sent = append(r.sent, m)
	return nil
}

func (r *recorder) messages() []mail.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]mail.Message(nil), r.sent...)
}

type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *clock
	soc   *social.Service
	k     *movement.Kernel
	l     *ledger.Ledger
	ev    *events.Service
	out   *mail.Outbox
	rec   *recorder
	seal  *seal.Sealer
	n     int
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	// A Wednesday.
	c := &clock{t: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	l := ledger.New(db, ledger.Options{Clock: c.now})
	l.Start()
	t.Cleanup(func() { l.Close() })
	cc := compliance.DefaultConfig()
	cc.Clock = c.now
	k := movement.New(db, l, compliance.New(db, cc), c.now)
	ev := events.New(db, events.Options{Clock: c.now})
	k.EmitTo(ev)
	t.Cleanup(func() { movementtest.Audit(t, k) })
	soc := social.New(db, social.Options{Clock: c.now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	sealer, err := seal.New([]byte("0123456789abcdef0123456789abcdef"), "test")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	out := mail.New(db, soc, ev, mail.Options{Sender: rec, BaseURL: "https://nestegg.example/", Sealer: sealer, Clock: c.now})
	ev.OnFanOut(out.Receipts)
	e := &env{t: t, ctx: context.Background(), db: db, clock: c, soc: soc, k: k, l: l, ev: ev, out: out, rec: rec, seal: sealer}
	if err := l.EnsurePlatform(e.ctx, "USD"); err != nil {
		t.Fatal(err)
	}
	return e
}

// member signs a member up, with a wallet, verified when asked.
func (e *env) member(handle string, verified bool) social.Account {
	e.t.Helper()
	a, err := e.soc.Signup(e.ctx, social.SignupInput{Handle: handle, DisplayName: strings.ToUpper(handle[:1]) + handle[1:], Email: handle + "@example.com", Password: "a long enough password"})
	if err != nil {
		e.t.Fatal(err)
	}
	if verified {
		l, err := e.soc.StartEmailVerification(e.ctx, a.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.soc.VerifyEmail(e.ctx, l.Token); err != nil {
			e.t.Fatal(err)
		}
	}
	return a
}

func wal(u string) string { return "wal:" + u + ":USD" }

func (e *env) move(req movement.Request, debit, credit string) {
	e.t.Helper()
	e.n++
	req.Asset, req.Key = "USD", fmt.Sprintf("k%d", e.n)
	_, err := e.k.Move(e.ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		_, err := tx.Submit(ctx, ledger.Transfer{ID: fmt.Sprintf("txf_%d", e.n), DebitAccountID: debit, CreditAccountID: credit,
			Amount: req.Amount, Asset: "USD", Code: string(req.Kind)})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) wallet(u string) {
	e.t.Helper()
	if err := e.l.Ensure(e.ctx, ledger.Account{ID: wal(u), Asset: "USD", Kind: "wallet", Owner: u, DebitsMustNotExceedCredits: true}); err != nil {
		e.t.Fatal(err)
	}
}

// drain fans events out and delivers the outbox until nothing is due.
func (e *env) drain() {
	e.t.Helper()
	for range 10 {
		n, err := e.ev.FanOut(e.ctx, 500)
		if err != nil {
			e.t.Fatal(err)
		}
		d, err := e.out.Deliver(e.ctx, 100)
		if err != nil {
			e.t.Fatal(err)
		}
		if n+d == 0 {
			return
		}
	}
}

// TestReceipts: a payment between members gives the payer a receipt and
// the payee one, each to a verified address only; the fan-out's hook
// writes them once; what they are made of is sealed and then erased.
func TestReceipts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice, bob, carol := e.member("alice", true), e.member("bob", true), e.member("carol", false)
		for _, u := range []string{alice.ID, bob.ID, carol.ID} {
			e.wallet(u)
		}
		e.move(movement.Request{Kind: movement.Credit, Actor: "operator", To: alice.ID, Amount: 100_00}, ledger.PlatformID("USD", ledger.KindCash), wal(alice.ID))
		e.move(movement.Request{Kind: movement.P2P, Actor: alice.ID, From: alice.ID, To: bob.ID, Amount: 12_34, Note: "lunch"}, wal(alice.ID), wal(bob.ID))
		e.move(movement.Request{Kind: movement.P2P, Actor: alice.ID, From: alice.ID, To: carol.ID, Amount: 1_00}, wal(alice.ID), wal(carol.ID))
		e.drain()

		got := map[string][]string{}
		for _, m := range e.rec.messages() {
			got[m.To] = append(got[m.To], m.Subject)
			if !strings.Contains(m.Text, "Reference:") || m.HTML == "" {
				t.Errorf("receipt without its plain-text part or HTML: %+v", m)
			}
		}
		want := map[string][]string{
			"alice@example.com": {"Receipt: You received $100.00 (credit from the operator)", "Receipt: You paid $12.34 to @bob (payment)", "Receipt: You paid $1.00 to @carol (payment)"},
			"bob@example.com":   {"Receipt: You received $12.34 from @alice (payment)"},
		}
		for to, subjects := range want {
			if strings.Join(got[to], "|") != strings.Join(subjects, "|") {
				t.Errorf("%s got %q, want %q", to, got[to], subjects)
			}
		}
		if len(got["carol@example.com"]) != 0 {
			t.Errorf("an unverified address got receipts: %q", got["carol@example.com"])
		}
		st, err := e.out.Messages(e.ctx, carol.ID, 10)
		if err != nil || len(st) != 1 || st[0].Status != "skipped" {
			t.Fatalf("carol's receipt = %+v, %v; want one skipped", st, err)
		}
		for _, m := range e.rec.messages() {
			if m.To == "bob@example.com" && !strings.Contains(m.Text, "Note:       lunch") {
				t.Errorf("bob's receipt lacks the note:\n%s", m.Text)
			}
		}
		// Nothing readable is left, and the hook run again over the same
		// events writes nothing more.
		var leftover int
		if err := db.Reader().QueryRowContext(e.ctx, "SELECT count(*) FROM mail_outbox WHERE data <> '' OR status = 'pending'").Scan(&leftover); err != nil || leftover != 0 {
			t.Fatalf("%d messages still hold data or are pending (%v)", leftover, err)
		}
		page, err := e.ev.List(e.ctx, events.Operator, nestegg.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Write(e.ctx, func(tx *sql.Tx) error { return e.out.Receipts(e.ctx, tx, page.Events) }); err != nil {
			t.Fatal(err)
		}
		var total int
		db.Reader().QueryRowContext(e.ctx, "SELECT count(*) FROM mail_outbox").Scan(&total)
		if total != 5 {
			t.Fatalf("outbox holds %d messages after the hook ran twice, want 5", total)
		}
	})
}

// TestOutboxSealsPending: a waiting message's data is sealed at rest.
func TestOutboxSealsPending(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	a := e.member("alice", false)
	l, err := e.soc.StartEmailVerification(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.out.SendVerification(e.ctx, l); err != nil {
		t.Fatal(err)
	}
	var data string
	if err := e.db.Reader().QueryRowContext(e.ctx, "SELECT data FROM mail_outbox").Scan(&data); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(data, l.Token) || strings.Contains(data, "verify-email") {
		t.Fatalf("a pending message's data is readable: %q", data)
	}
	e.drain()
	m := e.rec.messages()
	if len(m) != 1 || !strings.Contains(m[0].Text, "https://nestegg.example/verify-email?token="+l.Token) || m[0].To != "alice@example.com" {
		t.Fatalf("verification mail = %+v", m)
	}
}

// TestDeliverRetriesAndRunsTwice: a failed send is retried after its
// back-off; two processes delivering at once send each message once.
func TestDeliverRetriesAndRunsTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		a := e.member("alice", false)
		fails := 1
		e.rec.fail = func(mail.Message) error {
			if fails > 0 {
				fails--
				return errors.New("421 try again later")
			}
			return nil
		}
		l, _ := e.soc.StartEmailVerification(e.ctx, a.ID)
		if err := e.out.SendVerification(e.ctx, l); err != nil {
			t.Fatal(err)
		}
		if n, err := e.out.Deliver(e.ctx, 10); n != 1 || err != nil {
			t.Fatalf("Deliver = %d, %v", n, err)
		}
		st, _ := e.out.Messages(e.ctx, a.ID, 10)
		if len(st) != 1 || st[0].Status != "pending" || st[0].Attempts != 1 || !strings.Contains(st[0].LastError, "421") {
			t.Fatalf("after a failure: %+v", st)
		}
		if n, _ := e.out.Deliver(e.ctx, 10); n != 0 {
			t.Fatalf("retried before its back-off: %d", n)
		}
		e.clock.advance(mail.Backoff[0])
		if n, err := e.out.Deliver(e.ctx, 10); n != 1 || err != nil {
			t.Fatalf("Deliver after the back-off = %d, %v", n, err)
		}
		if st, _ := e.out.Messages(e.ctx, a.ID, 10); st[0].Status != "sent" || len(e.rec.messages()) != 1 {
			t.Fatalf("after the retry: %+v, %d sent", st, len(e.rec.messages()))
		}

		// Two outboxes on one database, as two processes.
		other := mail.New(db, e.soc, e.ev, mail.Options{Sender: e.rec, BaseURL: "https://nestegg.example", Clock: e.clock.now, Sealer: e.seal})
		const n = 40
		for i := range n {
			if err := other.Enqueue(e.ctx, nil, mail.Envelope{Kind: mail.KindVerify, UserID: a.ID, To: "alice@example.com", Dedupe: fmt.Sprint("t", i),
				Data: map[string]any{"link": fmt.Sprint("https://nestegg.example/x", i), "expires": e.clock.now().Add(time.Hour)}}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for _, o := range []*mail.Outbox{e.out, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					if _, err := o.Deliver(e.ctx, 3); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, m := range e.rec.messages() {
			seen[m.ID]++
		}
		if len(seen) != n+1 {
			t.Fatalf("%d distinct messages sent, want %d", len(seen), n+1)
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("%s sent %d times", id, c)
			}
		}
	})
}

// TestWeekly: the summary of last week's movements goes once to each
// verified member who wants it and had any.
func TestWeekly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice, bob, carol := e.member("alice", true), e.member("bob", true), e.member("carol", true)
		for _, u := range []string{alice.ID, bob.ID, carol.ID} {
			e.wallet(u)
		}
		e.move(movement.Request{Kind: movement.Credit, Actor: "operator", To: alice.ID, Amount: 50_00}, ledger.PlatformID("USD", ledger.KindCash), wal(alice.ID))
		e.move(movement.Request{Kind: movement.P2P, Actor: alice.ID, From: alice.ID, To: bob.ID, Amount: 20_00}, wal(alice.ID), wal(bob.ID))
		e.move(movement.Request{Kind: movement.P2P, Actor: alice.ID, From: alice.ID, To: carol.ID, Amount: 5_00}, wal(alice.ID), wal(carol.ID))
		if err := e.soc.SetWeeklySummary(e.ctx, carol.ID, false); err != nil {
			t.Fatal(err)
		}
		e.drain() // the receipts
		before := len(e.rec.messages())

		// Still this week: last week had nothing, so nothing is written.
		if n, err := e.out.Weekly(e.ctx, 10); n != 0 || err != nil {
			t.Fatalf("Weekly in the same week = %d, %v", n, err)
		}
		e.clock.advance(6 * 24 * time.Hour) // the next Tuesday
		for range 2 {                       // a second run, as another process, writes nothing more
			if _, err := e.out.Weekly(e.ctx, 10); err != nil {
				t.Fatal(err)
			}
		}
		e.drain()
		var weekly []mail.Message
		for _, m := range e.rec.messages()[before:] {
			if m.Kind == mail.KindWeekly {
				weekly = append(weekly, m)
			}
		}
		if len(weekly) != 2 {
			t.Fatalf("%d summaries, want 2 (alice, bob; carol turned it off): %+v", len(weekly), weekly)
		}
		for _, m := range weekly {
			want := map[string]string{"alice@example.com": "USD: 3 movements; in $50.00, out $25.00", "bob@example.com": "USD: 1 movement; in $20.00, out $0.00"}[m.To]
			if want == "" || !strings.Contains(m.Text, want) || !strings.Contains(m.Subject, "30 Nov to 6 Dec 2026") {
				t.Errorf("summary to %s: %q\n%s", m.To, m.Subject, m.Text)
			}
		}
	})
}

// TestDirSink: the development sink writes a whole message, text part
// first, and nothing half-written.
func TestDirSink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	d, err := mail.NewDir(dir, "Nestegg <no-reply@nestegg.example>", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Send(context.Background(), mail.Message{ID: "mal_1", Kind: "reset", To: "rosa@example.com", Subject: "Reset", Text: "plain words", HTML: "<p>html words</p>"}); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 1 || !strings.HasSuffix(files[0].Name(), "-reset-mal_1.eml") {
		t.Fatalf("files = %v", files)
	}
	b, _ := os.ReadFile(filepath.Join(dir, files[0].Name()))
	s := string(b)
	for _, want := range []string{"To: <rosa@example.com>", "Subject: Reset", "text/plain", "plain words", "text/html"} {
		if !strings.Contains(s, want) {
			t.Errorf("message lacks %q:\n%s", want, s)
		}
	}
	if strings.Index(s, "text/plain") > strings.Index(s, "text/html") {
		t.Errorf("the HTML part comes before the text part")
	}
	if _, err := mail.NewSMTP(mail.SMTPConfig{Host: "smtp.example", From: "no-reply@example.com", TLS: "sometimes"}); err == nil {
		t.Error("NewSMTP accepted an unknown TLS policy")
	}
	if _, err := mail.NewSMTP(mail.SMTPConfig{Host: "smtp.example", From: "not an address"}); err == nil {
		t.Error("NewSMTP accepted a bad from address")
	}
}
