package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store/storetest"
)

// The tests here check, from outside the code, that an Idempotency-Key's
// answer is what actually happened whatever the timing: a SIGKILL between
// a payment's commit and its answer, two serve processes taking the same
// key at once. They judge by conservation: every member's balance must be
// what the payments the keys answer with add up to — a payment made twice,
// or made while its key answers a refusal, breaks it.

const crashOperatorKey = "crash-test-operator-key-0001"

// member is one member signed up through the API.
type member struct {
	id, handle, token string
}

type apiResponse struct {
	status   int
	replayed bool
	body     []byte
}

func apiDo(t *testing.T, c *http.Client, method, url, token, body string, headers ...string) (apiResponse, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return apiResponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return apiResponse{status: resp.StatusCode, replayed: resp.Header.Get("Idempotent-Replayed") == "true", body: b}, err
}

// setupMembers signs up n members, logs each in and credits each with
// credit cents through the operator's credit route.
func setupMembers(t *testing.T, c *http.Client, url string, n int, credit int64) []member {
	t.Helper()
	ms := make([]member, n)
	for i := range ms {
		h := fmt.Sprintf("crash%02d", i)
		body := fmt.Sprintf(`{"handle":%q,"display_name":%q,"email":"%s@example.com","password":"a-long-test-password"}`, h, h, h)
		if r, err := apiDo(t, c, "POST", url+"/api/v1/signup", "", body); err != nil || r.status != 201 {
			t.Fatalf("signup %s = %d %s %v", h, r.status, r.body, err)
		}
		r, err := apiDo(t, c, "POST", url+"/api/v1/login", "", fmt.Sprintf(`{"handle":%q,"password":"a-long-test-password"}`, h))
		if err != nil || r.status != 200 {
			t.Fatalf("login %s = %d %s %v", h, r.status, r.body, err)
		}
		var lr struct {
			Token   string `json:"token"`
			Account struct {
				ID string `json:"id"`
			} `json:"account"`
		}
		json.Unmarshal(r.body, &lr)
		ms[i] = member{id: lr.Account.ID, handle: h, token: lr.Token}
		body = fmt.Sprintf(`{"handle":%q,"amount":%d,"reason":"test money"}`, h, credit)
		if r, err := apiDo(t, c, "POST", url+"/api/v1/operator/credit", crashOperatorKey, body, "Idempotency-Key", "fund-"+h); err != nil || r.status != 201 {
			t.Fatalf("credit %s = %d %s %v", h, r.status, r.body, err)
		}
	}
	return ms
}

// attempt is one payment asked for under one key.
type attempt struct {
	key, token, body string
	first            apiResponse
	answered         bool
}

type madePayment struct {
	ID      string `json:"id"`
	PayerID string `json:"payer_id"`
	PayeeID string `json:"payee_id"`
	Amount  int64  `json:"amount"`
}

// ledgerOf checks the keys' answers and returns the payments they say
// were made, by id.
type ledgerOf map[string]madePayment

func (l ledgerOf) add(t *testing.T, r apiResponse) string {
	t.Helper()
	var p madePayment
	if err := json.Unmarshal(r.body, &p); err != nil || p.ID == "" {
		t.Fatalf("a 201 without a payment: %s", r.body)
	}
	if prev, ok := l[p.ID]; ok && prev != p {
		t.Fatalf("payment %s answered as %+v and as %+v", p.ID, prev, p)
	}
	l[p.ID] = p
	return p.ID
}

// checkConservation wants every member's balance to be their credit plus
// what the answered payments moved.
func checkConservation(t *testing.T, c *http.Client, url string, ms []member, credit int64, made ledgerOf) {
	t.Helper()
	want := map[string]int64{}
	for _, m := range ms {
		want[m.id] = credit
	}
	for _, p := range made {
		want[p.PayerID] -= p.Amount
		want[p.PayeeID] += p.Amount
	}
	for _, m := range ms {
		r, err := apiDo(t, c, "GET", url+"/api/v1/wallet", m.token, "")
		if err != nil || r.status != 200 {
			t.Fatalf("wallet %s = %d %v", m.handle, r.status, err)
		}
		var w struct {
			Balances []struct {
				Asset     string `json:"asset"`
				Available int64  `json:"available"`
			} `json:"balances"`
		}
		json.Unmarshal(r.body, &w)
		got := int64(0)
		for _, b := range w.Balances {
			if b.Asset == "USD" {
				got = b.Available
			}
		}
		if got != want[m.id] {
			t.Errorf("%s has %d, but the keys' answers add up to %d: a payment made twice, or made under a key that answers otherwise",
				m.handle, got, want[m.id])
		}
	}
}

// TestSIGKILLKeepsEveryKeysAnswer sends payments from several members,
// kills the server with SIGKILL while they are in flight, starts it again,
// and replays every key: an acknowledged payment answers the same, one
// that committed but whose answer was lost to the crash answers with the
// payment (never a refusal, never a second payment), and the balances are
// what the answers add up to. It repeats until the crash has caught at
// least one payment between its commit and its answer.
func TestSIGKILLKeepsEveryKeysAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills servers")
	}
	dsn := storetest.SQLitePath(t)
	env := map[string]string{"NESTEGG_OPERATOR_KEY": crashOperatorKey}
	s := startChild(t, dsn, env)
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	const credit = 8_00 // little enough that some payments are refused
	ms := setupMembers(t, c, s.url, 8, credit)
	made := ledgerOf{}
	caught := 0
	rng := rand.New(rand.NewPCG(7, 11))
	for cycle := 0; cycle < 25 && caught == 0; cycle++ {
		var mu sync.Mutex
		var attempts []*attempt
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w, m := range ms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					to := ms[(w+1+i%(len(ms)-1))%len(ms)]
					a := &attempt{key: fmt.Sprintf("c%d-%d-%d", cycle, w, i), token: m.token,
						body: fmt.Sprintf(`{"to":"@%s","amount":%d}`, to.handle, 1+(w*31+i*17)%600)}
					mu.Lock()
					attempts = append(attempts, a)
					mu.Unlock()
					r, err := apiDo(t, c, "POST", s.url+"/api/v1/payments", a.token, a.body, "Idempotency-Key", a.key)
					if err != nil {
						return // the server died: unanswered
					}
					mu.Lock()
					a.first, a.answered = r, true
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond)
		s.kill()
		close(stop)
		wg.Wait()
		s = startChild(t, dsn, env)
		for _, a := range attempts {
			r, err := apiDo(t, c, "POST", s.url+"/api/v1/payments", a.token, a.body, "Idempotency-Key", a.key)
			if err != nil {
				t.Fatal(err)
			}
			again, err := apiDo(t, c, "POST", s.url+"/api/v1/payments", a.token, a.body, "Idempotency-Key", a.key)
			if err != nil {
				t.Fatal(err)
			}
			if again.status != r.status || (r.status == 201 && string(again.body) != string(r.body)) {
				t.Fatalf("key %s answers %d %s, then %d %s", a.key, r.status, r.body, again.status, again.body)
			}
			switch {
			case a.answered && a.first.status == 201:
				if r.status != 201 || !r.replayed || made.add(t, r) != made.add(t, a.first) {
					t.Fatalf("key %s was acknowledged with %s, after the crash answers %d %s", a.key, a.first.body, r.status, r.body)
				}
			case a.answered && a.first.status < 500:
				if r.status != a.first.status {
					t.Fatalf("key %s answered %d, after the crash %d %s", a.key, a.first.status, r.status, r.body)
				}
			case r.status == 201:
				made.add(t, r)
				if r.replayed {
					caught++ // committed, then killed before it could answer
				}
			}
		}
		t.Logf("cycle %d: %d keys, %d payments made in all, %d caught between commit and answer", cycle, len(attempts), len(made), caught)
	}
	if caught == 0 {
		t.Fatal("no crash fell between a payment's commit and its answer in 25 tries")
	}
	checkConservation(t, c, s.url, ms, credit, made)
}

// TestTwoServersOneKey runs two serve processes on one PostgreSQL database
// and sends each key to both at once — half with the same body, half with
// different amounts — then checks that a key never made two payments, that
// a key used with two bodies answers the other body 422, and that the
// balances are what the keys' answers add up to (so no key that made a
// payment answers with a refusal).
func TestTwoServersOneKey(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	dsn := storetest.PostgresURL(t)
	env := map[string]string{"NESTEGG_OPERATOR_KEY": crashOperatorKey}
	a, b := startChild(t, dsn, env), startChild(t, dsn, env)
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	const credit = 10_00
	ms := setupMembers(t, c, a.url, 6, credit)
	made := ledgerOf{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	const keys = 240
	for k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from, to := ms[k%len(ms)], ms[(k+1+k/len(ms))%len(ms)]
			if from == to {
				to = ms[(k+1)%len(ms)]
			}
			key := fmt.Sprintf("two-%d", k)
			body1 := fmt.Sprintf(`{"to":"@%s","amount":%d}`, to.handle, 100+k%300)
			body2 := body1
			if k%2 == 1 {
				body2 = fmt.Sprintf(`{"to":"@%s","amount":%d}`, to.handle, 101+k%300)
			}
			var r1, r2 apiResponse
			var e1, e2 error
			var both sync.WaitGroup
			both.Add(2)
			go func() {
				defer both.Done()
				r1, e1 = apiDo(t, c, "POST", a.url+"/api/v1/payments", from.token, body1, "Idempotency-Key", key)
			}()
			go func() {
				defer both.Done()
				r2, e2 = apiDo(t, c, "POST", b.url+"/api/v1/payments", from.token, body2, "Idempotency-Key", key)
			}()
			both.Wait()
			if e1 != nil || e2 != nil {
				t.Errorf("key %s: %v %v", key, e1, e2)
				return
			}
			// Settle what each body now answers, on either server.
			f1, _ := apiDo(t, c, "POST", b.url+"/api/v1/payments", from.token, body1, "Idempotency-Key", key)
			f2, _ := apiDo(t, c, "POST", a.url+"/api/v1/payments", from.token, body2, "Idempotency-Key", key)
			mu.Lock()
			defer mu.Unlock()
			for _, r := range []apiResponse{r1, r2, f1, f2} {
				if r.status >= 500 {
					t.Errorf("key %s: %d %s", key, r.status, r.body)
				}
			}
			if f1.status == 409 || f2.status == 409 {
				t.Errorf("key %s still in flight after both answered: %d %d", key, f1.status, f2.status)
			}
			ids := map[string]bool{}
			for _, r := range []apiResponse{r1, r2, f1, f2} {
				if r.status == 201 {
					ids[made.add(t, r)] = true
				}
			}
			if len(ids) > 1 {
				t.Errorf("key %s made %d payments", key, len(ids))
			}
			if k%2 == 1 && !(f1.status == 422 || f2.status == 422) {
				t.Errorf("key %s used with two bodies: neither answers 422 (%d %s, %d %s)", key, f1.status, f1.body, f2.status, f2.body)
			}
			if k%2 == 0 && (f1.status != f2.status || (f1.status == 201 && string(f1.body) != string(f2.body))) {
				t.Errorf("key %s, one body, answers %d %s and %d %s", key, f1.status, f1.body, f2.status, f2.body)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d keys, %d payments", keys, len(made))
	checkConservation(t, c, a.url, ms, credit, made)
}
