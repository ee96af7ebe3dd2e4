package events_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/seal"
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
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *clock
	l     *ledger.Ledger
	k     *movement.Kernel
	ev    *events.Service
	n     int
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	// The clock follows real time from a fixed start, so that signatures
	// verify (the receiver checks the timestamp against its own clock).
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	l := ledger.New(db, ledger.Options{Clock: c.now})
	l.Start()
	t.Cleanup(func() { l.Close() })
	cc := compliance.DefaultConfig()
	cc.Clock = c.now
	k := movement.New(db, l, compliance.New(db, cc), c.now)
	ev := events.New(db, events.Options{Clock: c.now, AllowPrivate: true})
	k.EmitTo(ev)
	t.Cleanup(func() { movementtest.Audit(t, k) })
	e := &env{t: t, ctx: context.Background(), db: db, clock: c, l: l, k: k, ev: ev}
	if err := l.EnsurePlatform(e.ctx, "USD"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"usr_alice", "usr_bob", "usr_carol"} {
		if err := l.Ensure(e.ctx, ledger.Account{ID: wal(u), Asset: "USD", Kind: "wallet", Owner: u, DebitsMustNotExceedCredits: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.move(movement.Request{Kind: movement.Credit, Actor: "operator", To: "usr_alice", Amount: 100_00},
		ledger.PlatformID("USD", ledger.KindCash), wal("usr_alice"), nil); err != nil {
		t.Fatal(err)
	}
	return e
}

func wal(u string) string { return "wal:" + u + ":USD" }

// move runs a movement of req.Amount from debit to credit; fail, when
// set, makes its work fail after its transfer.
func (e *env) move(req movement.Request, debit, credit string, fail error) (movement.Result, error) {
	e.t.Helper()
	e.n++
	req.Asset, req.Key = "USD", fmt.Sprintf("k%d", e.n)
	return e.k.Move(e.ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: fmt.Sprintf("txf_%d", e.n), DebitAccountID: debit, CreditAccountID: credit,
			Amount: req.Amount, Asset: "USD", Code: string(req.Kind)}); err != nil {
			return err
		}
		return fail
	})
}

func (e *env) pay(from, to string, amount int64) {
	e.t.Helper()
	if _, err := e.move(movement.Request{Kind: movement.P2P, Actor: from, From: from, To: to, Amount: amount}, wal(from), wal(to), nil); err != nil {
		e.t.Fatal(err)
	}
}

// receiver is a webhook endpoint that records what it is sent, answering
// with the statuses in answers (then 200).
type receiver struct {
	mu      sync.Mutex
	srv     *httptest.Server
	got     []received
	answers []int
}

type received struct {
	body   []byte
	header http.Header
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{answers: answers}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{b, req.Header.Clone()})
		status := 200
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// run fans out and delivers until nothing is due.
func (e *env) run(ev *events.Service) {
	e.t.Helper()
	for {
		f, err := ev.FanOut(e.ctx, 100)
		if err != nil {
			e.t.Fatal(err)
		}
		d, err := ev.Deliver(e.ctx, 100)
		if err != nil {
			e.t.Fatal(err)
		}
		if f == 0 && d == 0 {
			return
		}
	}
}

// TestWebhookSignedAndVerified: a payment reaches the payee's endpoint
// once, signed so that the Standard Webhooks reference library verifies
// it; the payer's own endpoint gets it too, a stranger's does not; the
// event lists show it to the two members only.
func TestWebhookSignedAndVerified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bobHook, carolHook := newReceiver(t), newReceiver(t)
		_, bobSecret, err := e.ev.Register(e.ctx, "usr_bob", bobHook.srv.URL+"/hooks")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.ev.Register(e.ctx, "usr_carol", carolHook.srv.URL); err != nil {
			t.Fatal(err)
		}
		e.pay("usr_alice", "usr_bob", 12_34)
		e.run(e.ev)
		got := bobHook.received()
		if len(got) != 1 {
			t.Fatalf("bob's endpoint got %d requests, want 1", len(got))
		}
		wh, err := standardwebhooks.NewWebhook(bobSecret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(got[0].body, got[0].header); err != nil {
			t.Fatalf("the reference library does not verify the delivery: %v\n%s", err, got[0].body)
		}
		wrong, _ := standardwebhooks.NewWebhook("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		if wrong.Verify(got[0].body, got[0].header) == nil {
			t.Fatal("a delivery verified with another secret")
		}
		for _, want := range []string{`"type":"movement.p2p"`, `"amount":1234`, `"from":"usr_alice"`, `"to":"usr_bob"`} {
			if !strings.Contains(string(got[0].body), want) {
				t.Errorf("the delivery lacks %s:\n%s", want, got[0].body)
			}
		}
		if n := len(carolHook.received()); n != 0 {
			t.Fatalf("a stranger's endpoint got %d requests", n)
		}
		for user, want := range map[string]int{"usr_bob": 1, "usr_alice": 2 /* the credit too */, "usr_carol": 0} {
			page, err := e.ev.List(e.ctx, user, nestegg.Page{})
			if err != nil || len(page.Events) != want {
				t.Errorf("List(%s) = %d events, %v; want %d", user, len(page.Events), err, want)
			}
		}
		all, err := e.ev.List(e.ctx, events.Operator, nestegg.Page{Limit: 1})
		if err != nil || len(all.Events) != 1 || all.Next == "" {
			t.Fatalf("the operator's first page = %+v, %v", all, err)
		}
	})
}

// TestRolledBackEventNeverDelivered: a movement that fails after its
// transfer leaves no event, so nothing is ever delivered for it.
func TestRolledBackEventNeverDelivered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		hook := newReceiver(t)
		if _, _, err := e.ev.Register(e.ctx, "usr_bob", hook.srv.URL); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("the domain failed")
		if _, err := e.move(movement.Request{Kind: movement.P2P, Actor: "usr_alice", From: "usr_alice", To: "usr_bob", Amount: 5_00},
			wal("usr_alice"), wal("usr_bob"), boom); !errors.Is(err, boom) {
			t.Fatalf("Move = %v, want %v", err, boom)
		}
		e.run(e.ev)
		if n := len(hook.received()); n != 0 {
			t.Fatalf("a rolled-back movement was delivered %d times", n)
		}
		if page, _ := e.ev.List(e.ctx, "usr_bob", nestegg.Page{}); len(page.Events) != 0 {
			t.Fatalf("a rolled-back movement left events %+v", page.Events)
		}
	})
}

// TestRetriesBackOffAndRedeliver: an endpoint that fails is retried after
// the first back-off, not before; a delivered event is sent again by hand;
// an endpoint failing for five days is disabled, and stays quiet.
func TestRetriesBackOffAndRedeliver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		hook := newReceiver(t, 500, 503)
		ep, _, err := e.ev.Register(e.ctx, "usr_bob", hook.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		e.pay("usr_alice", "usr_bob", 1_00)
		e.run(e.ev)
		if n := len(hook.received()); n != 1 {
			t.Fatalf("first attempt: %d requests", n)
		}
		ds, _, err := e.ev.Deliveries(e.ctx, "usr_bob", ep.ID, nestegg.Page{})
		if err != nil || len(ds) != 1 || ds[0].Status != events.Pending || ds[0].Attempts != 1 || ds[0].LastStatus != 500 ||
			ds[0].NextAt.Sub(e.clock.now()) != events.Backoff[0] {
			t.Fatalf("after a 500: %+v, %v", ds, err)
		}
		e.clock.advance(events.Backoff[0] - time.Second)
		e.run(e.ev)
		if n := len(hook.received()); n != 1 {
			t.Fatalf("retried before its back-off: %d requests", n)
		}
		e.clock.advance(time.Second)
		e.run(e.ev) // 503
		e.clock.advance(events.Backoff[1])
		e.run(e.ev) // 200
		ds, _, _ = e.ev.Deliveries(e.ctx, "usr_bob", ep.ID, nestegg.Page{})
		if len(hook.received()) != 3 || ds[0].Status != events.Delivered || ds[0].Attempts != 3 {
			t.Fatalf("after 500, 503, 200: %d requests, %+v", len(hook.received()), ds)
		}
		if err := e.ev.Redeliver(e.ctx, "usr_carol", ds[0].ID); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("Redeliver of another's delivery = %v, want NotFound", err)
		}
		if err := e.ev.Redeliver(e.ctx, "usr_bob", ds[0].ID); err != nil {
			t.Fatal(err)
		}
		e.run(e.ev)
		got := hook.received()
		if len(got) != 4 || got[3].header.Get("webhook-id") != got[0].header.Get("webhook-id") {
			t.Fatalf("redelivery: %d requests", len(got))
		}

		// An endpoint down for good: retried until five days have passed
		// since its first failure, then disabled.
		down := newReceiver(t, repeat(500, 100)...)
		dep, _, err := e.ev.Register(e.ctx, "usr_alice", down.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		e.pay("usr_alice", "usr_carol", 1_00)
		for i := 0; i < len(events.Backoff); i++ {
			e.run(e.ev)
			e.clock.advance(events.Backoff[i])
		}
		e.run(e.ev) // the last attempt: the delivery has failed (after 3.6 days)
		ds, _, _ = e.ev.Deliveries(e.ctx, "usr_alice", dep.ID, nestegg.Page{})
		if len(ds) != 1 || ds[0].Status != events.Failed || ds[0].Attempts != len(events.Backoff)+1 {
			t.Fatalf("a delivery failing every attempt: %+v", ds)
		}
		if got, _ := e.ev.Endpoint(e.ctx, "usr_alice", dep.ID); got.Status != events.Enabled {
			t.Fatalf("disabled before five days of failures: %+v", got)
		}
		e.clock.advance(2 * 24 * time.Hour)
		e.pay("usr_alice", "usr_carol", 1_00)
		e.run(e.ev) // fails again, five days after the first failure
		if got, _ := e.ev.Endpoint(e.ctx, "usr_alice", dep.ID); got.Status != events.Disabled || got.Reason == "" {
			t.Fatalf("an endpoint failing for five days: %+v", got)
		}
		before := len(down.received())
		e.pay("usr_alice", "usr_carol", 1_00)
		e.run(e.ev)
		if n := len(down.received()); n != before {
			t.Fatalf("a disabled endpoint was sent %d requests", n-before)
		}
		if err := e.ev.Enable(e.ctx, "usr_alice", dep.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestRotationSignsWithBoth: for a day after a rotation both secrets
// verify a delivery; after it only the new one.
func TestRotationSignsWithBoth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		hook := newReceiver(t)
		ep, old, err := e.ev.Register(e.ctx, "usr_bob", hook.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.ev.Rotate(e.ctx, "usr_alice", ep.ID); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("Rotate of another's endpoint = %v, want NotFound", err)
		}
		fresh, err := e.ev.Rotate(e.ctx, "usr_bob", ep.ID)
		if err != nil || fresh == old {
			t.Fatalf("Rotate = %q, %v", fresh, err)
		}
		e.pay("usr_alice", "usr_bob", 1_00)
		e.run(e.ev)
		got := hook.received()
		for _, secret := range []string{old, fresh} {
			wh, _ := standardwebhooks.NewWebhook(secret)
			if err := wh.Verify(got[0].body, got[0].header); err != nil {
				t.Fatalf("during the overlap, secret %q does not verify: %v", secret[:10], err)
			}
		}
	})
}

// TestTwoProcessesDeliverOnce: two services (two processes' worth of
// jobs, each with its own connections) fan out and deliver the same
// events at once; a healthy endpoint gets each event exactly once.
func TestTwoProcessesDeliverOnce(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		open := func() *store.DB {
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return db
		}
		e := newEnv(t, open())
		hook := newReceiver(t)
		if _, _, err := e.ev.Register(e.ctx, events.Operator, hook.srv.URL); err != nil {
			t.Fatal(err)
		}
		const n = 30
		for i := 0; i < n; i++ {
			e.pay("usr_alice", "usr_bob", 1)
		}
		other := events.New(open(), events.Options{Clock: e.clock.now, AllowPrivate: true})
		var wg sync.WaitGroup
		for _, ev := range []*events.Service{e.ev, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					if _, err := ev.FanOut(e.ctx, 7); err != nil {
						t.Error(err)
					}
					if _, err := ev.Deliver(e.ctx, 5); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		e.run(e.ev)
		seen := map[string]int{}
		for _, r := range hook.received() {
			seen[r.header.Get("webhook-id")]++
		}
		// n payments and the credit.
		if len(seen) != n+1 {
			t.Fatalf("%d distinct events delivered, want %d", len(seen), n+1)
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("event %s delivered %d times", id, c)
			}
		}
	})
}

// TestFanOutManyAtOnce: one FanOut takes a whole page of events and makes
// exactly the deliveries each endpoint should get: the operator's endpoint
// every event, a member's endpoint the events naming them (as payer or
// payee), a stranger's none; a second FanOut finds nothing left.
func TestFanOutManyAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		hook := newReceiver(t)
		op, _, err := e.ev.Register(e.ctx, events.Operator, hook.srv.URL+"/op")
		if err != nil {
			t.Fatal(err)
		}
		bob, _, err := e.ev.Register(e.ctx, "usr_bob", hook.srv.URL+"/bob")
		if err != nil {
			t.Fatal(err)
		}
		carol, _, err := e.ev.Register(e.ctx, "usr_carol", hook.srv.URL+"/carol")
		if err != nil {
			t.Fatal(err)
		}
		toBob := 0
		for i := range 120 {
			to := "usr_bob"
			if i%3 == 0 {
				to = "usr_carol"
			} else {
				toBob++
			}
			e.pay("usr_alice", to, 1)
		}
		// The credit that opened alice's wallet is an event too.
		n, err := e.ev.FanOut(e.ctx, 500)
		if err != nil {
			t.Fatal(err)
		}
		if n != 121 {
			t.Fatalf("FanOut took %d events, want 121", n)
		}
		if n, err := e.ev.FanOut(e.ctx, 500); err != nil || n != 0 {
			t.Fatalf("second FanOut = %d, %v; want 0, nil", n, err)
		}
		for _, c := range []struct {
			owner, endpoint string
			want            int
		}{{events.Operator, op.ID, 121}, {"usr_bob", bob.ID, toBob}, {"usr_carol", carol.ID, 120 - toBob}} {
			got := 0
			page := nestegg.Page{Limit: 100}
			for {
				ds, next, err := e.ev.Deliveries(e.ctx, c.owner, c.endpoint, page)
				if err != nil {
					t.Fatal(err)
				}
				got += len(ds)
				if next == "" {
					break
				}
				page.Cursor = next
			}
			if got != c.want {
				t.Errorf("%s's endpoint has %d deliveries, want %d", c.owner, got, c.want)
			}
		}
	})
}

// TestSecretsSealedAtRest: with a sealer, an endpoint's signing secret is
// stored sealed (the table holds no trace of it), deliveries still verify
// with it, a rotated secret and the old one both sign, an endpoint made
// before the key still signs, and a process with another key refuses to
// sign, saying why, instead of sending a bad signature.
func TestSecretsSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		key := func(b byte) *seal.Sealer {
			s, err := seal.New(bytes.Repeat([]byte{b}, 32), "webhook test")
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		sealed := events.New(db, events.Options{Clock: e.clock.now, AllowPrivate: true, Sealer: key(1)})
		aliceHook, bobHook := newReceiver(t), newReceiver(t)
		_, aliceSecret, err := e.ev.Register(e.ctx, "usr_alice", aliceHook.srv.URL) // before the key
		if err != nil {
			t.Fatal(err)
		}
		bobEnd, bobSecret, err := sealed.Register(e.ctx, "usr_bob", bobHook.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		stored := func() (string, string) {
			var s, old string
			if err := db.Reader().QueryRowContext(e.ctx, "SELECT secret, old_secret FROM webhook_endpoints WHERE id = $1", bobEnd.ID).Scan(&s, &old); err != nil {
				t.Fatal(err)
			}
			return s, old
		}
		if s, _ := stored(); !strings.HasPrefix(s, "sealed:") || strings.Contains(s, strings.TrimPrefix(bobSecret, "whsec_")) {
			t.Fatalf("bob's secret is stored as %q", s)
		}
		verify := func(h *receiver, n int, secrets ...string) {
			t.Helper()
			got := h.received()
			if len(got) != n {
				t.Fatalf("the endpoint got %d requests, want %d", len(got), n)
			}
			for _, secret := range secrets {
				wh, err := standardwebhooks.NewWebhook(secret)
				if err != nil {
					t.Fatal(err)
				}
				if err := wh.Verify(got[n-1].body, got[n-1].header); err != nil {
					t.Fatalf("delivery %d does not verify with %s…: %v", n, secret[:10], err)
				}
			}
		}
		e.pay("usr_alice", "usr_bob", 1_00)
		e.run(sealed)
		verify(bobHook, 1, bobSecret)
		verify(aliceHook, 2, aliceSecret) // the credit that opened her wallet, and the payment

		newSecret, err := sealed.Rotate(e.ctx, "usr_bob", bobEnd.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s, old := stored(); !strings.HasPrefix(s, "sealed:") || !strings.HasPrefix(old, "sealed:") {
			t.Fatalf("after rotation bob's secrets are stored as %q, %q", s, old)
		}
		e.pay("usr_alice", "usr_bob", 1_00)
		e.run(sealed)
		verify(bobHook, 2, newSecret, bobSecret)

		other := events.New(db, events.Options{Clock: e.clock.now, AllowPrivate: true, Sealer: key(2)})
		e.pay("usr_alice", "usr_bob", 1_00)
		if _, err := other.FanOut(e.ctx, 100); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Deliver(e.ctx, 100); err != nil {
			t.Fatal(err)
		}
		verify(bobHook, 2)
		ds, _, err := other.Deliveries(e.ctx, "usr_bob", bobEnd.ID, nestegg.Page{Limit: 1})
		if err != nil || len(ds) != 1 || !strings.Contains(ds[0].LastError, "encryption key") {
			t.Fatalf("the delivery under another key = %+v, %v; want one failed attempt saying why", ds, err)
		}
	})
}

// TestPruneAfterRetention: events and deliveries older than Retention go,
// at most limit of each a call; younger ones, and an old event not yet
// fanned out, stay; an event fanned out only after Retention gets no
// delivery (it would outlive its event); two processes pruning at once
// delete each row once.
func TestPruneAfterRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db) // alice's opening credit: one event
		hook := newReceiver(t)
		if _, _, err := e.ev.Register(e.ctx, events.Operator, hook.srv.URL); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			e.pay("usr_alice", "usr_bob", 1)
		}
		e.run(e.ev)                      // 5 events, 5 deliveries
		e.pay("usr_alice", "usr_bob", 1) // old, and not fanned out yet
		e.clock.advance(events.Retention + time.Minute)
		e.pay("usr_alice", "usr_bob", 1) // young
		count := func(table string) int {
			t.Helper()
			var n int
			if err := db.Reader().QueryRowContext(e.ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n, err := e.ev.Prune(e.ctx, 3); err != nil || n != 6 {
			t.Fatalf("Prune(3) = %d, %v; want 3 deliveries and 3 events", n, err)
		}
		var wg sync.WaitGroup
		got := make([]int, 2)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := e.ev.Prune(e.ctx, 100)
				if err != nil {
					t.Error(err)
				}
				got[i] = n
			}()
		}
		wg.Wait()
		if got[0]+got[1] != 4 {
			t.Fatalf("two Prunes at once deleted %v rows, want 4 in all", got)
		}
		if ev, d := count("events"), count("webhook_deliveries"); ev != 2 || d != 0 {
			t.Fatalf("after pruning: %d events and %d deliveries, want the old unfanned and the young event, no delivery", ev, d)
		}
		e.run(e.ev)
		if d := count("webhook_deliveries"); d != 1 {
			t.Fatalf("fanning out the old and the young event made %d deliveries, want the young one's only", d)
		}
		if n, err := e.ev.Prune(e.ctx, 100); err != nil || n != 1 {
			t.Fatalf("Prune = %d, %v; want the old event, fanned out now", n, err)
		}
		if ev := count("events"); ev != 1 {
			t.Fatalf("%d events left, want the young one", ev)
		}
	})
}
