// Package web is Nestegg's HTTP layer: the JSON API under /api/v1, health and
// metrics endpoints, and the one mapping from error codes to HTTP responses
// (httpStatus in errors.go; failed ledger transfers go through the one table
// transferFailures beside it).
//
// # A request's path
//
// Server.ServeHTTP sets the request id (a sane incoming X-Request-Id, else a
// generated one), runs the ServeMux, then records metrics and the access
// log. The ServeMux's own 404 and 405 are rewritten into the error shape
// for API clients, and into HTML pages for browsers (Accept: text/html)
// outside /api/.
// Each route's handler is built once, at registration (Server.wrap): it
// authenticates by the route's AuthKind, reads and bounds the body (the
// Content-Type must be application/json), applies Idempotency-Key semantics
// to POSTs of routes that honour it, then calls the route's handlerFunc. A
// handlerFunc writes only successes and returns errors, which are written in
// the one shape:
//
//	{"error":{"type":"invalid_request_error","code":"invalid","message":"…","param":"amount"}}
//
// # Adding a route
//
// Add one line to the table in routes.go (method, pattern, auth, body limit,
// idempotency, handler), describe it in openapi.json, and write the handler:
// decode with decodeJSON (strict: unknown fields, wrong types and trailing
// data are 400s naming the field), return nestegg errors, write with
// writeJSON. TestOpenAPICoversRoutes and TestEveryRouteRejectsBadInput pick
// the route up from the table by themselves.
//
// # Adding member authentication
//
// Add an AuthMember constant to AuthKind and a PrincipalMember kind, and a
// case in Server.authenticate that verifies the session or token and returns
// Principal{Kind: PrincipalMember, ID: "usr_…"}. Routes then say AuthMember
// in the table; handlers read the caller with PrincipalFrom and check that
// what they read or move is the caller's. Stored idempotency keys are
// already scoped per principal.
//
// # The web app
//
// Server-rendered pages (pages*.go, templates/, static/) have their own page
// table, registered beside the API routes but kept out of the OpenAPI
// document. They sign members in with the session cookie, work without
// JavaScript (forms POST and redirect), and use htmx where it makes a page
// nicer. Every state-changing form carries a per-session CSRF token, and the
// whole server sits behind net/http's CrossOriginProtection, which also
// guards cookie-authenticated API calls.
//
// # Idempotency records
//
// Routes marked IdempotencyInLedger (the transfer endpoints) look their key
// up and store their response inside the ledger's batch commit, as a keyed
// ledger.Rider: no query of their own on the hot path, and the transfers
// and the stored response commit together. Every other request with an
// Idempotency-Key carries a movement.Record in its context: a movement the
// handler makes (a payment, a purchase, a withdrawal) writes the key's
// record in its own transaction — a pointer to the movement, or the
// refusal it got — so that the key's answer is what happened even across
// processes and crashes; a replay of a pointer runs the handler again and
// the movement kernel answers with the movement, never making a second
// (the response carries Idempotent-Replayed: true). A request that made
// no movement has its response stored (status < 500) through a
// group-commit writer. Records are kept 24 hours (Deps.IdempotencyTTL),
// then swept; movements and transfer ids stay idempotent forever
// regardless.
package web
