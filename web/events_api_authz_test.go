package web_test

import (
	"context"
	"testing"

	"github.com/nestegg/nestegg"
)

// eventsAuthzCases are the events and webhook routes' authorization
// cases; see authzCases. Each builds the owner's endpoint, event or
// delivery; a stranger's request naming it is 404.
var eventsAuthzCases = map[string]func(t *testing.T, e *apiEnv, w *authzWorld) authzCase{
	"GET /api/v1/events": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		evt := ownerEvent(t, e, w)
		return authzCase{path: "/api/v1/events", nobody: s401, stranger: s200, owner: s200, private: []string{evt}}
	},
	"POST /api/v1/webhooks": asMember("/api/v1/webhooks", `{"url":"http://127.0.0.1:9/hook"}`, s201),
	"GET /api/v1/webhooks": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/webhooks", nobody: s401, stranger: s200, owner: s200, private: []string{ownerEndpoint(t, e, w)}}
	},
	"DELETE /api/v1/webhooks/{id}": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/webhooks/" + ownerEndpoint(t, e, w), nobody: s401, stranger: s404, owner: s204}
	},
	"POST /api/v1/webhooks/{id}/rotate": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/webhooks/" + ownerEndpoint(t, e, w) + "/rotate", nobody: s401, stranger: s404, owner: s200}
	},
	"POST /api/v1/webhooks/{id}/enable": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/webhooks/" + ownerEndpoint(t, e, w) + "/enable", nobody: s401, stranger: s404, owner: s200}
	},
	"GET /api/v1/webhooks/{id}/deliveries": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/webhooks/" + ownerEndpoint(t, e, w) + "/deliveries", nobody: s401, stranger: s404, owner: s200}
	},
	"POST /api/v1/webhook-deliveries/{id}/redeliver": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		ep := ownerEndpoint(t, e, w)
		evt := ownerEvent(t, e, w)
		if _, err := e.events.FanOut(context.Background(), 1000); err != nil {
			t.Fatal(err)
		}
		return authzCase{path: "/api/v1/webhook-deliveries/whd_" + evt + "_" + ep + "/redeliver", nobody: s401, stranger: s404, owner: s204}
	},
}

// ownerEndpoint registers a webhook endpoint for the world's owner.
func ownerEndpoint(t *testing.T, e *apiEnv, w *authzWorld) string {
	t.Helper()
	ep, _, err := e.events.Register(context.Background(), w.owner.id, "http://127.0.0.1:9/owner-hook")
	if err != nil {
		t.Fatal(err)
	}
	return ep.ID
}

// ownerEvent credits the owner (a movement, so an event naming them) and
// returns the event's id.
func ownerEvent(t *testing.T, e *apiEnv, w *authzWorld) string {
	t.Helper()
	e.fundWallet(t, w.owner.id, 1_00)
	page, err := e.events.List(context.Background(), w.owner.id, nestegg.Page{Limit: 1})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("the owner's events: %+v, %v", page, err)
	}
	return page.Events[0].ID
}
