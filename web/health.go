package web

import (
	"context"
	_ "embed"
	"net/http"
	"time"

	"github.com/nestegg/nestegg"
)

// healthz answers 200 whenever the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ []byte) error {
	writeRaw(w, http.StatusOK, s.health)
	return nil
}

var readyBody = []byte(`{"status":"ready"}`)

// readyz answers 200 when the database answers a ping, 503 when it does not
// or when the server is draining for shutdown.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if s.draining.Load() {
		return nestegg.Errorf(nestegg.Unavailable, "shutting down")
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		return &nestegg.Error{Code: nestegg.Unavailable, Message: "database unavailable", Err: err}
	}
	writeRaw(w, http.StatusOK, readyBody)
	return nil
}

// openAPI is the API's description, written by hand and kept true by
// TestOpenAPICoversRoutes.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request, _ []byte) error {
	writeRaw(w, http.StatusOK, openAPI)
	return nil
}
