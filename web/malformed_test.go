package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

var wildcard = regexp.MustCompile(`\{[^}]+\}`)

// concrete fills a pattern's wildcards ("/api/v1/accounts/{id}").
func concrete(pattern string) string {
	return wildcard.ReplaceAllString(pattern, "x1")
}

// TestEveryRouteRejectsBadInput sends every route in the route table
// malformed JSON, unknown fields, wrong types, oversized bodies, wrong
// content types and missing or wrong credentials, and wants a 4xx in the
// error shape each time. Routes added to the table are covered unasked.
func TestEveryRouteRejectsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		doc := loadOpenAPI(t, e)
		key := 0
		nextKey := func() string { key++; return fmt.Sprintf("bad-input-%d", key) }
		for _, rt := range e.srv.Routes() {
			path := concrete(rt.Pattern)
			name := rt.Method + " " + rt.Pattern
			auth := []string{"Authorization", "Bearer " + testKey}
			if rt.Auth == web.AuthMember || rt.Auth == web.AuthOptionalMember {
				auth = []string{"Authorization", "Bearer " + e.callerToken(t, rt)}
			}
			send := func(what, ct, body string, extra ...string) *httpResult {
				h := append(append([]string{}, auth...), "Idempotency-Key", nextKey())
				h = append(h, extra...)
				r := request(rt.Method, path, body, h...)
				r.Header.Set("Content-Type", ct)
				if ct == "" {
					r.Header.Del("Content-Type")
				}
				return &httpResult{what: name + " " + what, w: e.serve(r)}
			}

			if rt.Auth != web.AuthNone {
				for _, a := range []string{"", "Bearer wrong-key-0123456789", "Basic dXNlcjpwYXNz", "Bearer "} {
					if a == "" && rt.Auth == web.AuthOptionalMember {
						continue // anyone may call it
					}
					w := e.serve(request(rt.Method, path, "", "Authorization", a))
					wantError(t, name+" auth "+a, w, http.StatusUnauthorized, "unauthenticated")
				}
			}

			if rt.BodyLimit == 0 {
				// A route without a body rejects one, whatever it holds.
				for _, b := range []string{`{"a":`, `{"zzz_unknown":1}`, `[1]`} {
					r := send("body "+b, "", b)
					wantError(t, r.what, r.w, http.StatusBadRequest, "invalid")
				}
				continue
			}

			for _, b := range []string{``, `   `, `{"a":`, `{`, `}`, `nul`, `null`, `[]`, `"x"`, `12`, `{}{}`, `{} x`, `{"id":"a"}}`, "\xff\xfe"} {
				r := send(fmt.Sprintf("body %q", b), "application/json", b)
				wantError(t, r.what, r.w, http.StatusBadRequest, "invalid")
			}
			// Stripe's webhook takes Stripe's event objects, whose fields
			// are Stripe's to add to: its body is checked as JSON here,
			// and by its signature (TestStripeMode), not against a schema
			// of ours.
			stripeEvent := rt.Pattern == "/webhooks/stripe"
			if !stripeEvent {
				r := send("unknown field", "application/json", `{"zzz_unknown":1}`)
				if got := wantError(t, r.what, r.w, http.StatusBadRequest, "invalid"); got.Error.Param != "zzz_unknown" {
					t.Errorf("%s: param %q, want zzz_unknown", r.what, got.Error.Param)
				}
			}
			for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "application/jsonx", "", "multipart/form-data; boundary=x"} {
				r := send("content type "+ct, ct, `{}`)
				wantError(t, r.what, r.w, http.StatusUnsupportedMediaType, "unsupported_media_type")
			}
			big := `{"id":"` + strings.Repeat("x", int(rt.BodyLimit)) + `"}`
			r := send("oversized", "application/json", big)
			wantError(t, r.what, r.w, http.StatusRequestEntityTooLarge, "too_large")
			// Without a Content-Length the limit holds while reading.
			q := request(rt.Method, path, "", append(append([]string{}, auth...), "Idempotency-Key", nextKey())...)
			q.Header.Set("Content-Type", "application/json")
			q.Body = readCloser{strings.NewReader(big)}
			q.ContentLength = -1
			wantError(t, name+" oversized chunked", e.serve(q), http.StatusRequestEntityTooLarge, "too_large")

			props := doc.requestProperties(t, rt.Method, rt.Pattern)
			if len(props) == 0 && !stripeEvent {
				t.Errorf("%s: OpenAPI document has no request body properties", name)
			}
			for _, p := range props {
				b := fmt.Sprintf(`{%q:%s}`, p.name, wrongValue(p.typ))
				r := send("wrong type "+b, "application/json", b)
				if got := wantError(t, r.what, r.w, http.StatusBadRequest, "invalid"); got.Error.Param != p.name {
					t.Errorf("%s: param %q, want %q", r.what, got.Error.Param, p.name)
				}
			}
			if rt.Idempotency == web.IdempotencyRequired || rt.Idempotency == web.IdempotencyInLedger {
				w := e.serve(request(rt.Method, path, `{}`, auth...))
				if got := wantError(t, name+" without Idempotency-Key", w, http.StatusBadRequest, "invalid"); got.Error.Param != "Idempotency-Key" {
					t.Errorf("%s without Idempotency-Key: param %q", name, got.Error.Param)
				}
			}
			if rt.Idempotency != web.IdempotencyNone {
				for _, k := range []string{strings.Repeat("k", 256), "caf\xc3\xa9", "tab\there"} {
					w := e.serve(request(rt.Method, path, `{}`, append(append([]string{}, auth...), "Idempotency-Key", k)...))
					wantError(t, name+" bad Idempotency-Key", w, http.StatusBadRequest, "invalid")
				}
			}
		}
	})
}

type httpResult struct {
	what string
	w    *httptest.ResponseRecorder
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// wrongValue is JSON of a type other than typ.
func wrongValue(typ string) string {
	switch typ {
	case "string":
		return "123"
	case "integer", "boolean":
		return `"not-a-` + typ + `"`
	case "array":
		return `{"a":1}`
	default:
		return `"x"`
	}
}

// openAPIDoc is the parts of the OpenAPI document the tests read.
type openAPIDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]schema `json:"schemas"`
	} `json:"components"`
}

type schema struct {
	Ref        string            `json:"$ref"`
	Type       string            `json:"type"`
	Properties map[string]schema `json:"properties"`
}

type property struct{ name, typ string }

func loadOpenAPI(t *testing.T, e *apiEnv) *openAPIDoc {
	t.Helper()
	w := e.serve(request("GET", "/api/v1/openapi.json", ""))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json = %d", w.Code)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return &doc
}

// requestProperties lists the top-level properties of an operation's JSON
// request body, sorted by name.
func (d *openAPIDoc) requestProperties(t *testing.T, method, path string) []property {
	t.Helper()
	var op struct {
		RequestBody struct {
			Content map[string]struct {
				Schema schema `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	}
	raw, ok := d.Paths[path][strings.ToLower(method)]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, &op); err != nil {
		t.Fatalf("operation %s %s: %v", method, path, err)
	}
	s := op.RequestBody.Content["application/json"].Schema
	if s.Ref != "" {
		s = d.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	var out []property
	for name, p := range s.Properties {
		out = append(out, property{name, p.Type})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
