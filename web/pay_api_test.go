package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// payJSON is the parts of a Payment the tests read.
type payJSON struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	Status     string  `json:"status"`
	PayerID    string  `json:"payer_id"`
	PayeeID    string  `json:"payee_id"`
	Amount     int64   `json:"amount"`
	Asset      string  `json:"asset"`
	Display    string  `json:"display"`
	Refunded   int64   `json:"refunded"`
	Refundable int64   `json:"refundable"`
	HoldUntil  *string `json:"hold_until"`
	Refunds    []struct {
		Amount int64 `json:"amount"`
	} `json:"refunds"`
}

// payEnv drives the payments API as members.
type payEnv struct {
	*apiEnv
	t   *testing.T
	key int
}

// call sends a request as m with a fresh Idempotency-Key, wants status and
// decodes into out.
func (p *payEnv) call(m member, want int, out any, method, path, body string) []byte {
	p.t.Helper()
	p.key++
	return p.callKey(m, fmt.Sprintf("k%d", p.key), want, out, method, path, body)
}

func (p *payEnv) callKey(m member, key string, want int, out any, method, path, body string) []byte {
	p.t.Helper()
	w := p.asWith(m.token, method, path, body, "Idempotency-Key", key)
	if w.Code != want {
		p.t.Fatalf("%s %s %s = %d %s, want %d", m.handle, method, path, w.Code, w.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			p.t.Fatalf("%s %s: decode %s: %v", method, path, w.Body, err)
		}
	}
	return w.Body.Bytes()
}

// credit funds m through the operator's endpoint.
func (p *payEnv) credit(m member, amount string) {
	p.t.Helper()
	p.key++
	w := p.do("POST", "/api/v1/operator/credit", fmt.Sprintf(`{"handle":%q,"amount":%q,"reason":"test money"}`, m.handle, amount),
		"Idempotency-Key", fmt.Sprintf("credit-%d", p.key))
	if w.Code != http.StatusCreated {
		p.t.Fatalf("credit %s %s = %d %s", m.handle, amount, w.Code, w.Body)
	}
}

// balance is m's available USD in minor units, through GET /wallet.
func (p *payEnv) balance(m member) int64 {
	p.t.Helper()
	var wl struct {
		Balances []struct {
			Asset     string `json:"asset"`
			Available int64  `json:"available"`
		} `json:"balances"`
	}
	p.call(m, 200, &wl, "GET", "/api/v1/wallet", "")
	for _, b := range wl.Balances {
		if b.Asset == "USD" {
			return b.Available
		}
	}
	p.t.Fatalf("%s's wallet has no USD: %+v", m.handle, wl)
	return 0
}

func (p *payEnv) wantBalance(m member, want int64) {
	p.t.Helper()
	if got := p.balance(m); got != want {
		p.t.Fatalf("%s's balance = %d, want %d", m.handle, got, want)
	}
}

func (p *payEnv) historyLen(m member) int {
	p.t.Helper()
	var h struct {
		Data []json.RawMessage `json:"data"`
	}
	p.call(m, 200, &h, "GET", "/api/v1/wallet/history?limit=100", "")
	return len(h.Data)
}

func newPayEnv(t *testing.T, db *store.DB) (*payEnv, member, member, member) {
	e := &payEnv{apiEnv: newAPI(t, db), t: t}
	return e, e.signupMember(t, "alice"), e.signupMember(t, "bob"), e.signupMember(t, "carol")
}

func TestPayAPISendIdempotency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, alice, bob, _ := newPayEnv(t, db)
		e.credit(alice, "$20")
		body := fmt.Sprintf(`{"to":"@%s","amount":"$5","note":"lunch"}`, bob.handle)
		first := e.asWith(alice.token, "POST", "/api/v1/payments", body, "Idempotency-Key", "send-1")
		if first.Code != http.StatusCreated || first.Header().Get("Idempotent-Replayed") != "" {
			t.Fatalf("send = %d %v %s", first.Code, first.Header(), first.Body)
		}
		var p payJSON
		json.Unmarshal(first.Body.Bytes(), &p)
		if p.Amount != 500 || p.Asset != "USD" || p.Display != "$5.00" || p.Status != "completed" || p.PayeeID != bob.id {
			t.Fatalf("payment = %+v", p)
		}
		again := e.asWith(alice.token, "POST", "/api/v1/payments", body, "Idempotency-Key", "send-1")
		if again.Code != first.Code || again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay = %d %v %s, want the first response replayed", again.Code, again.Header(), again.Body)
		}
		// Integer minor units are the same amount, but another body.
		other := e.asWith(alice.token, "POST", "/api/v1/payments", fmt.Sprintf(`{"to":%q,"amount":600}`, bob.handle), "Idempotency-Key", "send-1")
		wantError(t, "same key, other body", other, http.StatusUnprocessableEntity, "idempotency_mismatch")
		wantError(t, "no key", e.asWith(alice.token, "POST", "/api/v1/payments", body), http.StatusBadRequest, "invalid")
		e.wantBalance(alice, 1500)
		e.wantBalance(bob, 500)

		// Insufficient funds: 422 saying the balance is too low, nothing moved.
		before := e.historyLen(alice)
		w := e.asWith(alice.token, "POST", "/api/v1/payments", fmt.Sprintf(`{"to":%q,"amount":1501}`, bob.handle), "Idempotency-Key", "send-2")
		got := wantError(t, "too much", w, http.StatusUnprocessableEntity, "insufficient_funds")
		if !strings.Contains(got.Error.Message, "balance is too low") || !strings.Contains(got.Error.Message, "$15.00") || got.Error.Param != "amount" {
			t.Errorf("insufficient funds error = %+v", got.Error)
		}
		e.wantBalance(alice, 1500)
		e.wantBalance(bob, 500)
		if n := e.historyLen(alice); n != before {
			t.Errorf("a refused payment left history: %d entries, want %d", n, before)
		}

		// Amounts are integers or strings, never floats; assets must agree.
		for _, c := range []struct{ body, param string }{
			{`{"to":"x","amount":5.5}`, "amount"},
			{`{"to":"x","amount":"5.001"}`, "amount"},
			{`{"to":"x","amount":0}`, "amount"},
			{fmt.Sprintf(`{"to":%q,"amount":"5 EUR","asset":"USD"}`, bob.handle), "asset"},
			{fmt.Sprintf(`{"to":%q,"amount":100,"audience":"everyone"}`, bob.handle), "audience"},
			{fmt.Sprintf(`{"to":%q,"amount":100}`, alice.handle), "to"},
		} {
			w := e.asWith(alice.token, "POST", "/api/v1/payments", c.body, "Idempotency-Key", "bad-"+c.body)
			if got := wantError(t, c.body, w, http.StatusBadRequest, "invalid"); got.Error.Param != c.param {
				t.Errorf("%s: param %q, want %q", c.body, got.Error.Param, c.param)
			}
		}
		wantError(t, "unknown payee", e.asWith(alice.token, "POST", "/api/v1/payments", `{"to":"nobodyhere","amount":1}`, "Idempotency-Key", "nobody"), 404, "not_found")

		// The payment, seen by both parties.
		var seen payJSON
		e.call(bob, 200, &seen, "GET", "/api/v1/payments/"+p.ID, "")
		if seen.ID != p.ID || seen.Refundable != 500 {
			t.Errorf("payee's view = %+v", seen)
		}
	})
}

func TestPayAPIRequestSplitRefund(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, alice, bob, carol := newPayEnv(t, db)
		e.credit(bob, "$50")
		e.credit(carol, "$50")

		// alice asks bob for $20; bob sees it as incoming and pays it.
		var rq struct {
			ID, Status string
			Amount     int64
		}
		e.call(alice, 201, &rq, "POST", "/api/v1/requests", fmt.Sprintf(`{"from":%q,"amount":2000,"note":"tickets"}`, bob.handle))
		var list struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		e.call(bob, 200, &list, "GET", "/api/v1/requests?direction=incoming&status=open", "")
		if len(list.Data) != 1 || list.Data[0].ID != rq.ID {
			t.Fatalf("bob's incoming requests = %+v, want %s", list, rq.ID)
		}
		e.call(alice, 200, &list, "GET", "/api/v1/requests?direction=outgoing", "")
		if len(list.Data) != 1 {
			t.Fatalf("alice's outgoing requests = %+v", list)
		}
		var paid payJSON
		e.call(bob, 201, &paid, "POST", "/api/v1/requests/"+rq.ID+"/pay", "")
		e.call(alice, 200, &rq, "GET", "/api/v1/requests/"+rq.ID, "")
		if rq.Status != "paid" || paid.Amount != 2000 {
			t.Fatalf("after paying: request %+v, payment %+v", rq, paid)
		}
		e.wantBalance(alice, 2000)
		e.wantBalance(bob, 3000)
		e.call(bob, 409, nil, "POST", "/api/v1/requests/"+rq.ID+"/decline", "")

		// A split of $10.00 in three: alice's own share takes the odd cent.
		var sp struct {
			ID     string `json:"id"`
			Total  int64  `json:"total"`
			Shares []struct {
				UserID    string `json:"user_id"`
				Amount    int64  `json:"amount"`
				RequestID string `json:"request_id"`
			} `json:"shares"`
		}
		e.call(alice, 201, &sp, "POST", "/api/v1/splits", fmt.Sprintf(`{"amount":"$10","with":[%q,%q],"note":"dinner"}`, bob.handle, carol.handle))
		var sum int64
		got := map[string]int64{}
		for _, sh := range sp.Shares {
			sum += sh.Amount
			got[sh.UserID] = sh.Amount
		}
		if sum != 1000 || got[alice.id] != 334 || got[bob.id] != 333 || got[carol.id] != 333 || len(sp.Shares) != 3 {
			t.Fatalf("split shares = %+v, want 334 (alice) + 333 + 333", sp.Shares)
		}
		e.call(carol, 200, nil, "GET", "/api/v1/splits/"+sp.ID, "")
		for _, sh := range sp.Shares {
			if sh.UserID == carol.id {
				e.call(carol, 201, nil, "POST", "/api/v1/requests/"+sh.RequestID+"/pay", "")
			}
			if sh.UserID == bob.id {
				e.call(bob, 200, nil, "POST", "/api/v1/requests/"+sh.RequestID+"/decline", "")
			}
		}
		e.wantBalance(alice, 2333)

		// alice refunds $3 and then $4 of bob's $20; then $4 more is too much.
		e.call(alice, 201, nil, "POST", "/api/v1/payments/"+paid.ID+"/refund", `{"amount":"$3","reason":"one ticket less"}`)
		e.call(alice, 201, nil, "POST", "/api/v1/payments/"+paid.ID+"/refund", `{"amount":400}`)
		var p payJSON
		e.call(bob, 200, &p, "GET", "/api/v1/payments/"+paid.ID, "")
		if p.Refunded != 700 || p.Refundable != 1300 || len(p.Refunds) != 2 {
			t.Fatalf("after two refunds: %+v", p)
		}
		e.call(alice, 400, nil, "POST", "/api/v1/payments/"+paid.ID+"/refund", `{"amount":1301}`)
		// bob cannot refund what he paid; no amount refunds all that is left.
		e.call(bob, 404, nil, "POST", "/api/v1/payments/"+paid.ID+"/refund", `{}`)
		e.call(alice, 201, nil, "POST", "/api/v1/payments/"+paid.ID+"/refund", `{}`)
		e.wantBalance(alice, 333)
		e.wantBalance(bob, 5000)
		e.call(alice, 400, nil, "POST", "/api/v1/payments/"+paid.ID+"/refund", `{}`)

		// The history lists it all, filtered.
		var h struct {
			Data []struct {
				Kind      string `json:"kind"`
				Direction string `json:"direction"`
				Amount    int64  `json:"amount"`
			} `json:"data"`
			NextCursor string `json:"next_cursor"`
			HasMore    bool   `json:"has_more"`
		}
		e.call(alice, 200, &h, "GET", "/api/v1/wallet/history?kind=refund&direction=sent", "")
		if len(h.Data) != 3 || h.Data[0].Amount != 1300 {
			t.Fatalf("alice's refunds = %+v", h)
		}
		e.call(alice, 200, &h, "GET", "/api/v1/wallet/history?limit=2", "")
		if !h.HasMore || len(h.Data) != 2 {
			t.Fatalf("history page = %+v", h)
		}
		e.call(alice, 200, &h, "GET", "/api/v1/wallet/history?limit=100&cursor="+h.NextCursor, "")
		if h.HasMore || len(h.Data) != 3 { // 2 received + 3 refunds
			t.Fatalf("history's next page = %+v", h)
		}
		e.call(alice, 400, nil, "GET", "/api/v1/wallet/history?since=yesterday", "")
		e.call(alice, 400, nil, "GET", "/api/v1/wallet/history?kind=theft", "")
		w := e.asWith(alice.token, "GET", "/api/v1/wallet/history.csv?kind=refund", "")
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
			!strings.Contains(w.Header().Get("Content-Disposition"), "attachment") ||
			strings.Count(w.Body.String(), "\n") != 4 || !strings.Contains(w.Body.String(), "refund,sent,@"+bob.handle+",USD,13.00") {
			t.Fatalf("CSV = %d %v\n%s", w.Code, w.Header(), w.Body)
		}
	})
}

func TestPayAPITipsAndFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, alice, bob, carol := newPayEnv(t, db)
		e.credit(alice, "$10")
		var post struct{ ID string }
		e.call(bob, 201, &post, "POST", "/api/v1/posts", `{"text":"a song I wrote"}`)
		e.call(carol, 204, nil, "POST", "/api/v1/users/"+alice.handle+"/follow", "")

		var pub, fol payJSON
		e.call(alice, 201, &pub, "POST", "/api/v1/posts/"+post.ID+"/tips", `{"amount":"$2","audience":"public","note":"lovely"}`)
		e.call(alice, 201, &fol, "POST", "/api/v1/users/"+bob.handle+"/tips", `{"amount":100,"audience":"followers"}`)
		e.wantBalance(bob, 300)

		type feed struct {
			Data []struct {
				ID     string `json:"id"`
				Amount *struct {
					Amount  int64  `json:"amount"`
					Display string `json:"display"`
				} `json:"amount"`
			} `json:"data"`
		}
		amounts := func(f feed) map[string]string {
			out := map[string]string{}
			for _, it := range f.Data {
				out[it.ID] = "hidden"
				if it.Amount != nil {
					out[it.ID] = it.Amount.Display
				}
			}
			return out
		}
		var f feed
		// Nobody sees the public tip, with its amount, and nothing else.
		w := e.as("", "GET", "/api/v1/payments/feed", "")
		json.Unmarshal(w.Body.Bytes(), &f)
		if got := amounts(f); w.Code != 200 || len(got) != 1 || got[pub.ID] != "$2.00" {
			t.Errorf("nobody's feed = %v", got)
		}
		// carol follows alice: she sees the followers tip, without its amount.
		e.call(carol, 200, &f, "GET", "/api/v1/payments/feed", "")
		if got := amounts(f); len(got) != 2 || got[pub.ID] != "$2.00" || got[fol.ID] != "hidden" {
			t.Errorf("carol's feed = %v", got)
		}
		// bob, the payee, sees both amounts on his profile feed.
		e.call(bob, 200, &f, "GET", "/api/v1/users/"+bob.handle+"/payments", "")
		if got := amounts(f); len(got) != 2 || got[fol.ID] != "$1.00" {
			t.Errorf("bob's profile feed = %v", got)
		}

		var tips struct {
			Data []payJSON `json:"data"`
		}
		e.call(bob, 200, &tips, "GET", "/api/v1/me/tips", "")
		if len(tips.Data) != 2 {
			t.Errorf("bob's tips = %+v", tips)
		}
		var earn struct {
			Tips []struct {
				Gross int64 `json:"gross"`
				Net   int64 `json:"net"`
			} `json:"tips"`
		}
		e.call(bob, 200, &earn, "GET", "/api/v1/posts/"+post.ID+"/tips", "")
		if len(earn.Tips) != 1 || earn.Tips[0].Gross != 200 {
			t.Errorf("post earnings = %+v", earn)
		}
		e.call(alice, 403, nil, "GET", "/api/v1/posts/"+post.ID+"/tips", "")

		// Coins: alice buys 50 (10¢ each), gives the heart award (10).
		var buy payJSON
		e.call(alice, 201, &buy, "POST", "/api/v1/coins/buy", `{"coins":50}`)
		e.wantBalance(alice, 200)
		e.call(alice, 201, nil, "POST", "/api/v1/posts/"+post.ID+"/awards", `{"award":"heart"}`)
		e.call(alice, 400, nil, "POST", "/api/v1/posts/"+post.ID+"/awards", `{"award":"platinum"}`)
		e.call(bob, 201, nil, "POST", "/api/v1/coins/redeem", `{"coins":10}`)
		e.wantBalance(bob, 370)
		w = e.asWith(bob.token, "POST", "/api/v1/coins/redeem", `{"coins":1}`, "Idempotency-Key", "redeem-more")
		if got := wantError(t, "redeem too many", w, 422, "insufficient_funds"); !strings.Contains(got.Error.Message, "0 COIN") {
			t.Errorf("redeem error = %+v", got.Error)
		}
	})
}

func TestPayAPIPostIntent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, alice, bob, carol := newPayEnv(t, db)
		e.credit(alice, "$20")
		var post struct{ ID string }
		e.call(alice, 201, &post, "POST", "/api/v1/posts", fmt.Sprintf(`{"text":"@pay @%s $5 lunch"}`, bob.handle))
		e.wantBalance(alice, 2000)

		type intent struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Note   string `json:"note"`
			Amount *struct {
				Amount int64 `json:"amount"`
			} `json:"amount"`
			ResultID string `json:"result_id"`
		}
		var ins struct {
			Data []intent `json:"data"`
		}
		e.call(alice, 200, &ins, "GET", "/api/v1/posts/"+post.ID+"/intents", "")
		if len(ins.Data) != 1 || ins.Data[0].Status != "pending_confirmation" || ins.Data[0].Amount == nil || ins.Data[0].Amount.Amount != 500 || ins.Data[0].Note != "lunch" {
			t.Fatalf("alice's intents = %+v", ins)
		}
		id := ins.Data[0].ID
		// Others see the badge only.
		e.call(carol, 200, &ins, "GET", "/api/v1/posts/"+post.ID+"/intents", "")
		if len(ins.Data) != 1 || ins.Data[0].Amount != nil || ins.Data[0].Note != "" {
			t.Fatalf("carol's view of the intent = %+v", ins)
		}
		e.call(bob, 404, nil, "POST", "/api/v1/intents/"+id+"/confirm", "")

		var in intent
		e.call(alice, 200, &in, "POST", "/api/v1/intents/"+id+"/confirm", "")
		if in.Status != "completed" || !strings.HasPrefix(in.ResultID, "pay_") {
			t.Fatalf("confirmed intent = %+v", in)
		}
		e.wantBalance(alice, 1500)
		e.wantBalance(bob, 500)
		// Confirming again acts once.
		e.call(alice, 200, &in, "POST", "/api/v1/intents/"+id+"/confirm", "")
		e.wantBalance(alice, 1500)
		e.call(alice, 409, nil, "POST", "/api/v1/intents/"+id+"/cancel", "")

		// Auto-confirm: under the limit a post command runs at once.
		var st struct {
			AutoConfirm struct {
				Amount int64 `json:"amount"`
			} `json:"auto_confirm"`
		}
		e.call(alice, 200, &st, "GET", "/api/v1/me/payment-settings", "")
		if st.AutoConfirm.Amount != 0 {
			t.Fatalf("auto-confirm is on by default: %+v", st)
		}
		e.call(alice, 200, &st, "PUT", "/api/v1/me/payment-settings", `{"auto_confirm":"$3"}`)
		if st.AutoConfirm.Amount != 300 {
			t.Fatalf("auto-confirm = %+v", st)
		}
		e.call(alice, 201, &post, "POST", "/api/v1/posts", fmt.Sprintf(`{"text":"@pay @%s $2 coffee"}`, bob.handle))
		e.wantBalance(alice, 1300)
		e.call(alice, 200, &st, "PUT", "/api/v1/me/payment-settings", `{"auto_confirm":0}`)
	})
}

func TestPayAPIOperator(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, alice, bob, _ := newPayEnv(t, db)
		e.credit(alice, "$20")
		var st struct {
			Frozen bool   `json:"frozen"`
			Tier   string `json:"tier"`
		}
		e.ok(200, &st, "POST", "/api/v1/operator/users/"+alice.id+"/freeze", `{"reason":"suspicious"}`)
		if !st.Frozen {
			t.Fatalf("after freeze: %+v", st)
		}
		w := e.asWith(alice.token, "POST", "/api/v1/payments", fmt.Sprintf(`{"to":%q,"amount":100}`, bob.handle), "Idempotency-Key", "frozen")
		if got := wantError(t, "frozen send", w, 403, "forbidden"); !strings.Contains(got.Error.Message, "frozen") {
			t.Errorf("frozen send error = %+v", got.Error)
		}
		e.ok(400, nil, "POST", "/api/v1/operator/users/"+alice.id+"/unfreeze", `{"reason":""}`)
		e.ok(200, &st, "POST", "/api/v1/operator/users/"+alice.id+"/unfreeze", `{"reason":"checked"}`)
		e.ok(200, &st, "POST", "/api/v1/operator/users/"+alice.id+"/tier", `{"tier":"verified","reason":"id seen"}`)
		if st.Frozen || st.Tier != "verified" {
			t.Fatalf("after unfreeze and tier: %+v", st)
		}
		e.ok(404, nil, "POST", "/api/v1/operator/users/usr_nobody/freeze", `{"reason":"x"}`)
		var audit struct {
			Data []struct {
				Action  string `json:"action"`
				Outcome string `json:"outcome"`
			} `json:"data"`
		}
		e.ok(200, &audit, "GET", "/api/v1/operator/audit?user_id="+alice.id, "")
		var actions []string
		for _, a := range audit.Data {
			actions = append(actions, a.Action+":"+a.Outcome)
		}
		if got := strings.Join(actions, " "); !strings.HasPrefix(got, "set_tier:done unfreeze:done check:deny freeze:done") {
			t.Errorf("audit = %s", got)
		}
		var wl struct {
			Limits struct {
				Tier        string `json:"tier"`
				PerTransfer int64  `json:"per_transfer"`
			} `json:"limits"`
		}
		e.call(alice, 200, &wl, "GET", "/api/v1/wallet", "")
		if wl.Limits.Tier != "verified" || wl.Limits.PerTransfer != 5_000_00 {
			t.Errorf("wallet limits = %+v", wl.Limits)
		}
	})
}

// TestPayAPIHeld: a first payment to a new payee above the cooling-off
// threshold is held (202, hold_until), and the payer can cancel it.
func TestPayAPIHeld(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cc := compliance.DefaultConfig()
		cc.CoolingOffAbove, cc.CoolingOffHold = 10_00, time.Hour
		e := &payEnv{apiEnv: newAPIWith(t, db, cc), t: t}
		alice, bob := e.signupMember(t, "alice"), e.signupMember(t, "bob")
		e.credit(alice, "$50")
		var p payJSON
		e.call(alice, 202, &p, "POST", "/api/v1/payments", fmt.Sprintf(`{"to":%q,"amount":"$20"}`, bob.handle))
		if p.Status != "held" || p.HoldUntil == nil {
			t.Fatalf("held payment = %+v", p)
		}
		var wl struct {
			Balances []struct {
				Available int64 `json:"available"`
				Outgoing  int64 `json:"outgoing"`
			} `json:"balances"`
		}
		e.call(alice, 200, &wl, "GET", "/api/v1/wallet", "")
		if wl.Balances[0].Available != 3000 || wl.Balances[0].Outgoing != 2000 {
			t.Fatalf("payer's wallet while held = %+v", wl)
		}
		e.call(bob, 404, nil, "POST", "/api/v1/payments/"+p.ID+"/cancel", "")
		e.call(alice, 200, &p, "POST", "/api/v1/payments/"+p.ID+"/cancel", "")
		if p.Status != "cancelled" {
			t.Fatalf("cancelled payment = %+v", p)
		}
		e.wantBalance(alice, 5000)
		e.wantBalance(bob, 0)
	})
}
