package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/events"
)

// The events API (events_api.go): a member's events, and the webhook
// endpoints that receive them. Every handler acts for the signed-in member
// only; another member's endpoint or delivery is 404, as if it did not
// exist.

type eventJSON struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Users     []string        `json:"users"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
}

type endpointJSON struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Secret is set only when the endpoint is made or its secret rotated.
	Secret string `json:"secret,omitempty"`
}

type deliveryJSON struct {
	ID         string     `json:"id"`
	EventID    string     `json:"event_id"`
	EventType  string     `json:"event_type"`
	Status     string     `json:"status"`
	Attempts   int        `json:"attempts"`
	NextAt     *time.Time `json:"next_attempt_at"`
	LastStatus int        `json:"last_status"`
	LastError  string     `json:"last_error"`
	CreatedAt  time.Time  `json:"created_at"`
}

func jsonEndpoint(e events.Endpoint) endpointJSON {
	return endpointJSON{ID: e.ID, URL: e.URL, Status: string(e.Status), Reason: e.Reason, CreatedAt: e.CreatedAt}
}

// apiEventsMember is the signed-in member on an events route.
func (s *Server) apiEventsMember(r *http.Request) (string, error) {
	if s.events == nil {
		return "", nestegg.Errorf(nestegg.Unavailable, "events are not enabled on this server")
	}
	a, err := apiMe(r)
	return a.ID, err
}

func (s *Server) apiListEvents(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiEventsMember(r)
	if err != nil {
		return err
	}
	p, err := apiPageQuery(r)
	if err != nil {
		return err
	}
	page, err := s.events.List(r.Context(), me, nestegg.Page{Cursor: p.Cursor, Limit: p.Limit})
	if err != nil {
		return err
	}
	out := apiList[eventJSON]{Data: make([]eventJSON, 0, len(page.Events)), NextCursor: page.Next, HasMore: page.Next != ""}
	for _, e := range page.Events {
		out.Data = append(out.Data, eventJSON{ID: e.ID, Type: e.Type, Users: e.Users, Data: e.Data, CreatedAt: e.CreatedAt})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCreateWebhook(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiEventsMember(r)
	if err != nil {
		return err
	}
	var req struct {
		URL string `json:"url"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	e, secret, err := s.events.Register(r.Context(), me, req.URL)
	if err != nil {
		return err
	}
	out := jsonEndpoint(e)
	out.Secret = secret
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiListWebhooks(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiEventsMember(r)
	if err != nil {
		return err
	}
	es, err := s.events.Endpoints(r.Context(), me)
	if err != nil {
		return err
	}
	out := apiList[endpointJSON]{Data: make([]endpointJSON, 0, len(es))}
	for _, e := range es {
		out.Data = append(out.Data, jsonEndpoint(e))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiDeleteWebhook(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiEventsMember(r)
	if err != nil {
		return err
	}
	if err := s.events.Delete(r.Context(), me, r.PathValue("id")); err != nil {
		return err
	}
	return apiNoContent(w)
}

func (s *Server) apiRotateWebhook(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiEventsMember(r)
	if err != nil {
		return err
	}
	secret, err := s.events.Rotate(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writeEndpoint(w, r, me, secret)
}

// writeEndpoint answers with the caller's endpoint named in the path, and
// its secret when one was just issued (then never cached).
func (s *Server) writeEndpoint(w http.ResponseWriter, r *http.Request, me, secret string) error {
	e, err := s.events.Endpoint(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := jsonEndpoint(e)
	if secret != "" {
		out.Secret = secret
		w.Header().Set("Cache-Control", "no-store")
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiEnableWebhook(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiEventsMember(r)
	if err != nil {
		return err
	}
	if err := s.events.Enable(r.Context(), me, r.PathValue("id")); err != nil {
		return err
	}
	return s.writeEndpoint(w, r, me, "")
}

func (s *Server) apiWebhookDeliveries(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiEventsMember(r)
	if err != nil {
		return err
	}
	p, err := apiPageQuery(r)
	if err != nil {
		return err
	}
	ds, next, err := s.events.Deliveries(r.Context(), me, r.PathValue("id"), nestegg.Page{Cursor: p.Cursor, Limit: p.Limit})
	if err != nil {
		return err
	}
	out := apiList[deliveryJSON]{Data: make([]deliveryJSON, 0, len(ds)), NextCursor: next, HasMore: next != ""}
	for _, d := range ds {
		j := deliveryJSON{ID: d.ID, EventID: d.EventID, EventType: d.EventType, Status: string(d.Status), Attempts: d.Attempts,
			LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.At}
		if !d.NextAt.IsZero() {
			j.NextAt = &d.NextAt
		}
		out.Data = append(out.Data, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiRedeliver(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiEventsMember(r)
	if err != nil {
		return err
	}
	if err := s.events.Redeliver(r.Context(), me, r.PathValue("id")); err != nil {
		return err
	}
	return apiNoContent(w)
}
