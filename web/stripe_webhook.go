package web

import (
	"encoding/json"
	"net/http"

	"github.com/nestegg/nestegg"
)

// stripeWebhook receives Stripe's events: the Stripe-Signature header is
// checked against the endpoint's signing secret (and its timestamp
// against the tolerance) before anything in the body is read, and the
// event goes to funding, which acts on each event id once. A 2xx tells
// Stripe the event is done; an error (a database or processor failure)
// makes Stripe deliver it again later. A bad signature is 401, and never
// acted on. Nothing of the body is logged.
func (s *Server) stripeWebhook(w http.ResponseWriter, r *http.Request, body []byte) error {
	// Whatever else it is, an event is a JSON object: anything else is
	// refused as every route refuses it (the fields are Stripe's, which
	// it adds to; the signature, not a schema, says the body is Stripe's).
	if i := skipSpace(body, 0); i == len(body) || body[i] != '{' || !json.Valid(body) {
		return nestegg.Errorf(nestegg.Invalid, "the body is not a JSON object")
	}
	if err := checkBodyText(body); err != nil {
		return err
	}
	if s.stripeHook == nil || s.funding == nil {
		return nestegg.Errorf(nestegg.NotFound, "Stripe webhooks are not configured on this server")
	}
	ev, err := s.stripeHook.Event(body, r.Header.Get("Stripe-Signature"))
	if err != nil {
		return err
	}
	if err := s.funding.CardEvent(r.Context(), ev); err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, []byte(`{"received":true}`))
	return nil
}
