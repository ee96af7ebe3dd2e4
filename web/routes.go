package web

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// Body limits. The batch limit fits ledger.MaxBatch transfers of a few
// hundred bytes each.
const (
	smallBody = 64 << 10
	batchBody = 8 << 20
)

// Route describes one endpoint: what the route table says about it.
type Route struct {
	Method string
	// Pattern is the ServeMux path pattern, also the OpenAPI path
	// ("/api/v1/accounts/{id}").
	Pattern string
	Auth    AuthKind
	// BodyLimit is the most bytes of JSON body accepted; 0 means the route
	// takes no body and rejects one.
	BodyLimit   int64
	Idempotency Idempotency
}

// handlerFunc serves a route. body is the request body, already read and
// bounded (nil for routes without one). A returned error is written in the
// error shape; a handler writes only successes.
type handlerFunc func(w http.ResponseWriter, r *http.Request, body []byte) error

type route struct {
	Route
	handler handlerFunc
	metrics *routeMetrics
}

// routeTable is every route the server serves. Adding a route here adds it
// to the mux, to the metrics, and to the tests that check the OpenAPI
// document and send every route malformed input.
func (s *Server) routeTable(reg *prometheus.Registry) []*route {
	const (
		get, post = http.MethodGet, http.MethodPost
		op        = AuthOperator
		req       = IdempotencyRequired

		del, patch = http.MethodDelete, http.MethodPatch
		mem, opt   = AuthMember, AuthOptionalMember
		noIdem     = IdempotencyNone
		optIdem    = IdempotencyOptional
	)
	prom := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return []*route{
		{Route{get, "/healthz", AuthNone, 0, IdempotencyNone}, s.healthz, nil},
		{Route{get, "/readyz", AuthNone, 0, IdempotencyNone}, s.readyz, nil},
		{Route{get, "/metrics", AuthNone, 0, IdempotencyNone}, serveHandler(prom), nil},
		{Route{get, "/api/v1/openapi.json", AuthNone, 0, IdempotencyNone}, serveOpenAPI, nil},

		{Route{post, "/api/v1/accounts", op, smallBody, IdempotencyOptional}, s.createAccount, nil},
		{Route{get, "/api/v1/accounts/{id}", op, 0, IdempotencyNone}, s.getAccount, nil},
		{Route{get, "/api/v1/accounts/{id}/transfers", op, 0, IdempotencyNone}, s.accountTransfers, nil},
		{Route{get, "/api/v1/platform/accounts/{asset}/{kind}", op, 0, IdempotencyNone}, s.platformAccount, nil},

		{Route{post, "/api/v1/transfers", op, smallBody, req}, s.createTransfer, nil},
		{Route{post, "/api/v1/transfers/batch", op, batchBody, req}, s.createTransferBatch, nil},
		{Route{get, "/api/v1/transfers/{id}", op, 0, IdempotencyNone}, s.getTransfer, nil},
		{Route{post, "/api/v1/transfers/{id}/post", op, smallBody, req}, s.postPending, nil},
		{Route{post, "/api/v1/transfers/{id}/void", op, smallBody, req}, s.voidPending, nil},

		// The social network (social_api*.go). Each handler acts for the
		// signed-in member only; social decides what that member may do.
		{Route{post, "/api/v1/signup", AuthNone, smallBody, noIdem}, s.apiSignup, nil},
		{Route{post, "/api/v1/login", AuthNone, smallBody, noIdem}, s.apiLogin, nil},
		{Route{post, "/api/v1/logout", mem, 0, noIdem}, s.apiLogout, nil},
		{Route{get, "/api/v1/me", mem, 0, noIdem}, s.apiGetMe, nil},
		{Route{patch, "/api/v1/me/profile", mem, smallBody, noIdem}, s.apiUpdateProfile, nil},
		{Route{post, "/api/v1/me/password", mem, smallBody, noIdem}, s.apiChangePassword, nil},
		{Route{post, "/api/v1/me/2fa/enroll", mem, 0, noIdem}, s.apiEnrollTOTP, nil},
		{Route{post, "/api/v1/me/2fa/confirm", mem, smallBody, noIdem}, s.apiConfirmTOTP, nil},
		{Route{post, "/api/v1/me/2fa/disable", mem, smallBody, noIdem}, s.apiDisableTOTP, nil},
		{Route{post, "/api/v1/me/tokens", mem, smallBody, noIdem}, s.apiCreateToken, nil},
		{Route{get, "/api/v1/me/tokens", mem, 0, noIdem}, s.apiListTokens, nil},
		{Route{del, "/api/v1/me/tokens/{id}", mem, 0, noIdem}, s.apiRevokeToken, nil},

		{Route{post, "/api/v1/posts", mem, smallBody, optIdem}, s.apiCreatePost, nil},
		{Route{get, "/api/v1/posts/{id}", opt, 0, noIdem}, s.apiGetPost, nil},
		{Route{del, "/api/v1/posts/{id}", mem, 0, noIdem}, s.apiPostAction((*social.Service).DeletePost), nil},
		{Route{get, "/api/v1/posts/{id}/replies", opt, 0, noIdem}, s.apiPostReplies, nil},
		{Route{post, "/api/v1/posts/{id}/like", mem, 0, optIdem}, s.apiPostAction((*social.Service).Like), nil},
		{Route{del, "/api/v1/posts/{id}/like", mem, 0, noIdem}, s.apiPostAction((*social.Service).Unlike), nil},
		{Route{post, "/api/v1/posts/{id}/repost", mem, 0, optIdem}, s.apiPostAction((*social.Service).Repost), nil},
		{Route{del, "/api/v1/posts/{id}/repost", mem, 0, noIdem}, s.apiPostAction((*social.Service).Unrepost), nil},
		{Route{get, "/api/v1/timeline", mem, 0, noIdem}, s.apiHomeTimeline, nil},
		{Route{get, "/api/v1/users/{handle}", opt, 0, noIdem}, s.apiGetProfile, nil},
		{Route{get, "/api/v1/users/{handle}/posts", opt, 0, noIdem}, s.apiUserPosts, nil},
		{Route{post, "/api/v1/users/{handle}/follow", mem, 0, optIdem}, s.apiUserAction((*social.Service).Follow), nil},
		{Route{del, "/api/v1/users/{handle}/follow", mem, 0, noIdem}, s.apiUserAction((*social.Service).Unfollow), nil},
		{Route{post, "/api/v1/users/{handle}/block", mem, 0, optIdem}, s.apiUserAction((*social.Service).Block), nil},
		{Route{del, "/api/v1/users/{handle}/block", mem, 0, noIdem}, s.apiUserAction((*social.Service).Unblock), nil},
		{Route{get, "/api/v1/hashtags/{tag}", opt, 0, noIdem}, s.apiHashtagPosts, nil},
		{Route{get, "/api/v1/notifications", mem, 0, noIdem}, s.apiNotifications, nil},
		{Route{post, "/api/v1/notifications/read", mem, smallBody, noIdem}, s.apiMarkRead, nil},
		{Route{get, "/api/v1/search/users", opt, 0, noIdem}, s.apiSearchUsers, nil},
	}
}

// registerRoutes is the one place routes reach the mux.
func (s *Server) registerRoutes(reg *prometheus.Registry) {
	s.routes = s.routeTable(reg)
	for _, rt := range s.routes {
		rt.metrics = s.metrics.route(rt.Method + " " + rt.Pattern)
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
}

// Routes returns the route table, in registration order.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	for i, rt := range s.routes {
		out[i] = rt.Route
	}
	return out
}

// wrap builds a route's handler: authentication, body, idempotency, and the
// error shape for anything the handler returns.
func (s *Server) wrap(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec, ok := w.(*recorder); ok {
			rec.route = rt.metrics
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, &nestegg.Error{Code: nestegg.Internal, Op: "panic",
					Err: fmt.Errorf("%v\n%s", v, debug.Stack())})
			}
		}()
		if err := s.serveRoute(rt, w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) serveRoute(rt *route, w http.ResponseWriter, r *http.Request) error {
	r, err := s.authenticate(rt.Auth, r)
	if err != nil {
		return err
	}
	var body []byte
	if rt.BodyLimit > 0 {
		if body, err = readBody(w, r, rt.BodyLimit); err != nil {
			return err
		}
	} else if r.ContentLength != 0 {
		return nestegg.Errorf(nestegg.Invalid, "this endpoint takes no request body")
	}
	if rt.Idempotency != IdempotencyNone && r.Method == http.MethodPost {
		return s.serveIdempotent(rt, w, r, body)
	}
	return rt.handler(w, r, body)
}

// serveHandler adapts a plain http.Handler (promhttp) to a route.
func serveHandler(h http.Handler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		h.ServeHTTP(w, r)
		return nil
	}
}
