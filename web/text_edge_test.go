package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// Issue 11 item 9: PostgreSQL refuses a NUL byte and invalid UTF-8 in text
// (22021), so such input was a 500 there (and stored junk on SQLite). Text
// is checked once, at the edge: every route, both databases, a 400 in the
// one error shape naming the param.

// TestHostileTextEveryRoute sends every route in the table a NUL, an
// invalid UTF-8 byte and a newline in each path wildcard, in a query
// parameter, and in each string property of its body.
func TestHostileTextEveryRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		doc := loadOpenAPI(t, e)
		key := 0
		for _, rt := range e.srv.Routes() {
			name := rt.Method + " " + rt.Pattern
			auth := []string{"Authorization", "Bearer " + testKey}
			if rt.Auth == web.AuthMember || rt.Auth == web.AuthOptionalMember {
				auth = []string{"Authorization", "Bearer " + e.callerToken(t, rt)}
			}
			send := func(path, body string) *httptest.ResponseRecorder {
				key++
				h := append(append([]string{}, auth...), "Idempotency-Key", fmt.Sprintf("text-edge-%d", key))
				if rt.BodyLimit == 0 {
					body = ""
				} else if body == "" {
					body = `{}`
				}
				return e.serve(request(rt.Method, path, body, h...))
			}
			check := func(what string, w *httptest.ResponseRecorder, param string) {
				t.Helper()
				if got := wantError(t, name+" "+what, w, http.StatusBadRequest, "invalid"); got.Error.Param != param {
					t.Errorf("%s %s: param %q (%s), want %q", name, what, got.Error.Param, got.Error.Message, param)
				}
			}

			for _, m := range wildcard.FindAllStringIndex(rt.Pattern, -1) {
				param := strings.TrimSuffix(rt.Pattern[m[0]+1:m[1]-1], "...")
				for _, bad := range []string{"%00", "%FF", "a%0Ab", "x%00y"} {
					path := concrete(rt.Pattern[:m[0]]) + bad + concrete(rt.Pattern[m[1]:])
					check("path "+bad, send(path, ""), param)
				}
			}
			for _, bad := range []string{"%00", "%FF", "a%00b", "%C3%28"} {
				check("query "+bad, send(concrete(rt.Pattern)+"?zz="+bad, ""), "zz")
			}
			if rt.BodyLimit == 0 {
				continue
			}
			for _, p := range doc.requestProperties(t, rt.Method, rt.Pattern) {
				if p.typ != "string" {
					continue
				}
				for _, v := range []string{`"a\u0000b"`, `"\u0000"`, `"bell\u0007"`, "\"a\xffb\"", `"` + strings.Repeat("x", 9000) + `"`} {
					check(fmt.Sprintf("body %s=%.20q", p.name, v), send(concrete(rt.Pattern), fmt.Sprintf(`{%q:%s}`, p.name, v)), p.name)
				}
			}
		}
	})
}

// TestHostileTextNamedRoutes is the reproduction: the routes that
// answered 500 on PostgreSQL.
func TestHostileTextNamedRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		tok := e.memberToken(t)
		for i, c := range []struct{ method, path, body, param string }{
			{"GET", "/api/v1/payments/%00", "", "id"},
			{"GET", "/api/v1/payments/%FF", "", "id"},
			{"GET", "/api/v1/disputes?status=%00", "", "status"},
			{"GET", "/api/v1/wallet/history?kind=%00", "", "kind"},
			{"GET", "/api/v1/wallet/history?before=%FF", "", "before"},
			{"POST", "/api/v1/payments", `{"to":"@nobody","amount":100,"note":"hi\u0000there"}`, "note"},
			{"POST", "/api/v1/payments", "{\"to\":\"@nobody\",\"amount\":100,\"note\":\"caf\xe9\"}", "note"},
		} {
			w := e.serve(request(c.method, c.path, c.body, "Authorization", "Bearer "+tok, "Idempotency-Key", fmt.Sprintf("named-%d", i)))
			if got := wantError(t, c.method+" "+c.path, w, http.StatusBadRequest, "invalid"); got.Error.Param != c.param {
				t.Errorf("%s %s: param %q (%s), want %q", c.method, c.path, got.Error.Param, got.Error.Message, c.param)
			}
		}
		// Free text keeps its line breaks and tabs, and U+FFFD itself.
		for _, note := range []string{`line\nbreak\ttab\r`, `\ufffd`, "caf\u00e9"} {
			w := e.serve(request("POST", "/api/v1/payments", `{"to":"@nobody","amount":100,"note":"`+note+`"}`,
				"Authorization", "Bearer "+tok, "Idempotency-Key", "fine-"+note))
			if w.Code == http.StatusBadRequest && strings.Contains(w.Body.String(), `"param":"note"`) {
				t.Errorf("note %q refused: %s", note, w.Body)
			}
		}
	})
}

// TestBatchWithNULReference: one of 60 transfers on the operator batch route
// has a NUL in its reference. The request is refused as a whole, naming
// transfers[17].reference, as a bad asset in a batch already is: a batch is
// one request under one idempotency key, and half-applying it at the edge
// would leave the client a replay whose meaning depends on which half. The
// same 59 without it then commit.
func TestBatchWithNULReference(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		e.fund("src", "usr_src", 100000)
		e.fund("dst", "usr_dst", 0)
		batch := func(prefix string, bad int) string {
			var ts []string
			for i := 0; i < 60; i++ {
				if i == bad {
					continue
				}
				ref := fmt.Sprintf("ref-%d", i)
				if i == 17 && bad < 0 {
					ref = "ref\u0000x"
				}
				ts = append(ts, fmt.Sprintf(`{"id":"%s%d","debit_account_id":"src","credit_account_id":"dst","amount":1,"asset":"USD","code":"p2p","reference":%s}`, prefix, i, jsonString(ref)))
			}
			return `{"transfers":[` + strings.Join(ts, ",") + `]}`
		}
		w := e.do("POST", "/api/v1/transfers/batch", batch("b", -1), "Idempotency-Key", "nul-batch")
		if got := wantError(t, "batch with a NUL reference", w, http.StatusBadRequest, "invalid"); got.Error.Param != "transfers[17].reference" {
			t.Errorf("param %q (%s), want transfers[17].reference", got.Error.Param, got.Error.Message)
		}
		wantError(t, "GET a refused batch's transfer", e.do("GET", "/api/v1/transfers/b0", ""), http.StatusNotFound, "")

		var res struct {
			Results []struct{ ID, Status string } `json:"results"`
		}
		e.ok(200, &res, "POST", "/api/v1/transfers/batch", batch("c", 17), "Idempotency-Key", "clean-batch")
		if len(res.Results) != 59 {
			t.Fatalf("%d results, want 59", len(res.Results))
		}
		for _, r := range res.Results {
			if r.Status != "ok" {
				t.Errorf("%s: %s, want ok", r.ID, r.Status)
			}
		}
	})
}

// TestBadTextDoesNotFailOthers: 59 valid transfers and one with a NUL in
// its reference arrive at once and would share a group-commit batch; on
// PostgreSQL the bad one used to fail the batch for all of them (500s).
func TestBadTextDoesNotFailOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		e.fund("src", "usr_src", 100000)
		e.fund("dst", "usr_dst", 0)
		codes := make([]int, 60)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				ref := fmt.Sprintf("ref-%d", i)
				if i == 30 {
					ref = "bad\u0000ref"
				}
				body := fmt.Sprintf(`{"id":"conc%d","debit_account_id":"src","credit_account_id":"dst","amount":1,"asset":"USD","code":"p2p","reference":%s}`, i, jsonString(ref))
				codes[i] = e.do("POST", "/api/v1/transfers", body, "Idempotency-Key", fmt.Sprintf("conc-%d", i)).Code
			}(i)
		}
		wg.Wait()
		for i, c := range codes {
			want := http.StatusCreated
			if i == 30 {
				want = http.StatusBadRequest
			}
			if c != want {
				t.Errorf("transfer %d: %d, want %d", i, c, want)
			}
		}
		var dst struct {
			CreditsPosted int64 `json:"credits_posted"`
		}
		e.ok(200, &dst, "GET", "/api/v1/accounts/dst", "")
		if dst.CreditsPosted != 59 {
			t.Errorf("dst credited %d, want 59", dst.CreditsPosted)
		}
	})
}

// jsonString is s as a JSON string (Go's %q writes \x00, which JSON lacks).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
