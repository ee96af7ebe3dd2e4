package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestWebhooksThroughTheAPI: a member registers an endpoint, another pays
// them through the API, and the endpoint receives the payment's event,
// verified with the Standard Webhooks reference library; the member's
// event list shows it; nobody else sees, rotates, redelivers or deletes
// their endpoint (404, as if it did not exist).
func TestWebhooksThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		alice, bob, carol := e.signupMember(t, "hookalice"), e.signupMember(t, "hookbob"), e.signupMember(t, "hookcarol")
		var mu sync.Mutex
		var bodies [][]byte
		var headers []http.Header
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies, headers = append(bodies, b), append(headers, r.Header.Clone())
			mu.Unlock()
		}))
		defer hook.Close()
		var ep struct {
			ID, URL, Status, Secret string
		}
		e.call(t, http.StatusCreated, &ep, "POST", "/api/v1/webhooks", bob.token, fmt.Sprintf(`{"url":%q}`, hook.URL+"/nestegg"))
		if ep.Secret == "" || !strings.HasPrefix(ep.Secret, "whsec_") || ep.Status != "enabled" {
			t.Fatalf("created endpoint %+v", ep)
		}
		if body := string(e.call(t, http.StatusOK, nil, "GET", "/api/v1/webhooks", bob.token, "")); strings.Contains(body, ep.Secret) || !strings.Contains(body, ep.ID) {
			t.Fatalf("the endpoint list shows the secret or lacks the endpoint: %s", body)
		}
		e.fundWallet(t, alice.id, 50_00)
		w := e.serve(request("POST", "/api/v1/payments", fmt.Sprintf(`{"to":%q,"amount":725}`, bob.handle),
			"Authorization", "Bearer "+alice.token, "Idempotency-Key", "hook-pay-1"))
		if w.Code != http.StatusCreated {
			t.Fatalf("pay: %d %s", w.Code, w.Body)
		}
		ctx := context.Background()
		for {
			f, err := e.events.FanOut(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			d, err := e.events.Deliver(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			if f+d == 0 {
				break
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if len(bodies) != 1 {
			t.Fatalf("bob's endpoint got %d deliveries, want 1", len(bodies))
		}
		wh, err := standardwebhooks.NewWebhook(ep.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(bodies[0], headers[0]); err != nil {
			t.Fatalf("verify: %v", err)
		}
		if !strings.Contains(string(bodies[0]), `"amount":725`) || !strings.Contains(string(bodies[0]), `"type":"movement.p2p"`) {
			t.Fatalf("delivered %s", bodies[0])
		}
		if body := string(e.call(t, http.StatusOK, nil, "GET", "/api/v1/events", bob.token, "")); !strings.Contains(body, headers[0].Get("webhook-id")) {
			t.Fatalf("bob's events lack the delivered one: %s", body)
		}
		if body := string(e.call(t, http.StatusOK, nil, "GET", "/api/v1/events", carol.token, "")); strings.Contains(body, "movement.p2p") {
			t.Fatalf("carol sees others' events: %s", body)
		}
		var log struct {
			Data []struct {
				ID, Status string
			}
		}
		e.call(t, http.StatusOK, &log, "GET", "/api/v1/webhooks/"+ep.ID+"/deliveries", bob.token, "")
		if len(log.Data) != 1 || log.Data[0].Status != "delivered" {
			t.Fatalf("delivery log %+v", log)
		}
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/v1/webhooks/" + ep.ID + "/deliveries"},
			{"POST", "/api/v1/webhooks/" + ep.ID + "/rotate"},
			{"POST", "/api/v1/webhooks/" + ep.ID + "/enable"},
			{"POST", "/api/v1/webhook-deliveries/" + log.Data[0].ID + "/redeliver"},
			{"DELETE", "/api/v1/webhooks/" + ep.ID},
		} {
			e.call(t, http.StatusNotFound, nil, c.method, c.path, carol.token, "")
		}
		e.call(t, http.StatusNoContent, nil, "POST", "/api/v1/webhook-deliveries/"+log.Data[0].ID+"/redeliver", bob.token, "")
		e.call(t, http.StatusBadRequest, nil, "POST", "/api/v1/webhooks", bob.token, `{"url":"ftp://example.com/"}`)
		e.call(t, http.StatusNoContent, nil, "DELETE", "/api/v1/webhooks/"+ep.ID, bob.token, "")
	})
}
