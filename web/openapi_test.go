package web_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// TestOpenAPICoversRoutes fails when a route is missing from the OpenAPI
// document, or the document lists an operation that no route serves.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := newAPI(t, storetest.SQLite(t))
	doc := loadOpenAPI(t, e)
	served := map[string]web.Route{}
	for _, rt := range e.srv.Routes() {
		served[strings.ToLower(rt.Method)+" "+rt.Pattern] = rt
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				documented[method+" "+path] = true
			}
		}
	}
	for _, k := range sortedKeys(served) {
		if !documented[k] {
			t.Errorf("route %s is not in web/openapi.json", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		rt, ok := served[k]
		if !ok {
			t.Errorf("web/openapi.json lists %s, which no route serves", k)
			continue
		}
		// What the document promises about a route must match the table.
		var op struct {
			Responses map[string]struct {
				Ref string `json:"$ref"`
			} `json:"responses"`
			Security   *[]map[string][]string `json:"security"`
			Parameters []struct {
				Ref string `json:"$ref"`
			} `json:"parameters"`
		}
		method, path, _ := strings.Cut(k, " ")
		if err := jsonUnmarshal(doc.Paths[path][method], &op); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		// Every API route is rate-limited per client address (ratelimit.go).
		if strings.HasPrefix(path, "/api/") && op.Responses["429"].Ref != "#/components/responses/TooManyRequests" {
			t.Errorf("%s: no 429 response referring to #/components/responses/TooManyRequests", k)
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != (rt.Auth == web.AuthNone) {
			t.Errorf("%s: document says public=%v, route auth is %v", k, public, rt.Auth)
		}
		var idem string
		for _, p := range op.Parameters {
			if strings.HasPrefix(p.Ref, "#/components/parameters/IdempotencyKey") {
				idem = p.Ref
			}
		}
		want := map[web.Idempotency]string{
			web.IdempotencyNone:     "",
			web.IdempotencyOptional: "#/components/parameters/IdempotencyKey",
			web.IdempotencyRequired: "#/components/parameters/IdempotencyKeyRequired",
			web.IdempotencyInLedger: "#/components/parameters/IdempotencyKeyRequired",
		}[rt.Idempotency]
		if idem != want {
			t.Errorf("%s: Idempotency-Key parameter %q, want %q", k, idem, want)
		}
	}
	w := e.serve(request("GET", "/api/v1/openapi.json", ""))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET openapi.json = %d %v", w.Code, w.Header())
	}
	// Every $ref points at something that exists.
	var whole any
	if err := jsonUnmarshal(w.Body.Bytes(), &whole); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && resolve(whole, ref) == nil {
				t.Errorf("unresolvable $ref %q", ref)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(whole)
}

// resolve follows a local JSON pointer ("#/components/schemas/Error").
func resolve(doc any, ref string) any {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	for _, part := range strings.Split(rest, "/") {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		doc = m[part]
	}
	return doc
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
