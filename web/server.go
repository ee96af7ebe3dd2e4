package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/cards"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/mail"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/revenue"
	"github.com/nestegg/nestegg/savings"
	"github.com/nestegg/nestegg/settings"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

const headerRequestID = "X-Request-Id"

// Deps are what a Server needs. DB and Ledger are required.
type Deps struct {
	DB     *store.DB
	Ledger *ledger.Ledger
	// Social serves members: accounts, sessions, tokens, posts. Routes with
	// member auth answer 401 without it.
	Social *social.Service
	// Payments moves money between members; Compliance is its policy
	// checkpoint (staff freeze accounts and set tiers through it).
	Payments   *payments.Service
	Compliance *compliance.Service
	// Commerce sells from posts: catalogues, offers, orders (commerce_api*.go
	// and pages_shop*.go answer 503 without it).
	Commerce *commerce.Service
	// Billing sells subscriptions: Premium and creators' tiers
	// (billing_api.go and pages_billing.go answer 503 without it).
	Billing *billing.Service
	// Savings keeps members' savings and their interest (savings_api.go and
	// pages_savings.go answer 503 without it).
	Savings *savings.Service
	// Cards keeps members' debit cards (debitcards_api.go and
	// pages_card.go answer 503 without it). SandboxIssuer, when set, serves
	// the sandbox issuer's reveal page (a card's number, once, to its
	// holder); with a real issuer the issuer shows it and it stays nil.
	Cards         *cards.Service
	SandboxIssuer *rails.SandboxIssuer
	// Funding moves money in and out: bank accounts, cards, deposits,
	// withdrawals, top-ups (funding_api*.go and pages_funding*.go answer
	// 503 without it). SandboxCards, when set, serves the sandbox card
	// processor's tokenization endpoint; with a real processor cards are
	// tokenized in the member's browser at the processor and it stays nil.
	Funding      *funding.Service
	SandboxCards *rails.SandboxCards
	// StripeWebhook, when set, verifies the events Stripe posts to
	// /webhooks/stripe, which Funding then acts on (without it the route
	// is 404). StripePublishableKey (pk_…), when set, is Stripe mode on
	// the web: the card page collects cards with Stripe.js, and only that
	// page's Content-Security-Policy lets Stripe's script, frames and API
	// in.
	StripeWebhook        *rails.StripeWebhook
	StripePublishableKey string
	// Events lists members' events and keeps their webhook endpoints
	// (events_api.go answers 503 without it).
	Events *events.Service
	// Mail sends verification and password reset links (pages_email.go);
	// without it those forms say email is not set up.
	Mail     *mail.Outbox
	Settings *settings.Service
	// Logger receives access logs and server-side errors (default: discard).
	Logger *slog.Logger
	// Clock stamps stored idempotency records and decides when they expire
	// (default time.Now). Request durations use the monotonic clock.
	Clock func() time.Time
	// Version is reported by /healthz; Version, Commit and BuildDate are
	// exported on /metrics as nestegg_build_info.
	Version   string
	Commit    string
	BuildDate string
	// RateLimits caps requests per client address and per member
	// credential (zero: no limits; serve uses DefaultRateLimits).
	RateLimits RateLimits
	// Registry receives the HTTP metrics and is served at /metrics. When nil,
	// New makes one with the Go and process collectors.
	Registry *prometheus.Registry
	// MetricsElsewhere leaves /metrics off the server's routes: serve then
	// answers it on its own --metrics-addr (Server.Metrics), without the
	// operator key, and the public listener answers 404.
	MetricsElsewhere bool
	// IdempotencyTTL is how long stored Idempotency-Key responses are kept
	// (default 24h). Replays after that reach the handler again, which is
	// safe because ledger transfer ids are idempotent forever.
	IdempotencyTTL time.Duration
	// AccessLog logs one line per request at Info (default true when nil).
	AccessLog *bool
}

// Server is the HTTP handler for the whole API. Create it with New and call
// Close after the http.Server has shut down.
type Server struct {
	limits     *limiter // nil: no rate limits
	db         *store.DB
	ledger     *ledger.Ledger
	kernel     *movement.Kernel // the operator's raw transfers go through it
	social     *social.Service
	payments   *payments.Service
	commerce   *commerce.Service
	billing    *billing.Service
	savings    *savings.Service
	funding    *funding.Service
	sbxCards   *rails.SandboxCards
	stripeHook *rails.StripeWebhook
	stripeKey  string
	events     *events.Service
	comp       *compliance.Service
	log        *slog.Logger
	clock      func() time.Time
	version    string
	accessLog  bool
	mail       *mail.Outbox
	settings   *settings.Service
	revenue    *revenue.Service // nil without Social
	cards      *cards.Service
	sbxIssuer  *rails.SandboxIssuer

	mux     *http.ServeMux
	handler http.Handler // mux behind CrossOriginProtection
	pages   *pages       // the web app's templates and assets
	routes  []*route
	// staffRules are the staff routes' roles (staff_routes.go).
	staffRules map[*route]staffRule
	unmatched  *routeMetrics
	metrics    *metrics
	prom       http.Handler // /metrics, wherever it is served
	keys       *operatorKeys
	idem       *idempotency
	health     []byte

	ridPrefix string
	ridSeq    atomic.Uint64
	draining  atomic.Bool
	recorders sync.Pool

	// testHook, when set (by tests only), runs inside an idempotent request
	// after its key is claimed and before its handler runs.
	testHook func(r *http.Request)
}

// newKernel is the kernel of the operator's raw transfers.
func newKernel(deps Deps) *movement.Kernel {
	k := movement.New(deps.DB, deps.Ledger, deps.Compliance, deps.Clock)
	k.EmitTo(deps.Events)
	return k
}

// New returns a Server for deps and starts its background writers; call
// Close to stop them.
func New(deps Deps) *Server {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Clock == nil {
		deps.Clock = time.Now
	}
	if deps.Registry == nil {
		deps.Registry = prometheus.NewRegistry()
		deps.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if deps.IdempotencyTTL <= 0 {
		deps.IdempotencyTTL = 24 * time.Hour
	}
	var prefix [6]byte
	rand.Read(prefix[:])
	s := &Server{
		db:         deps.DB,
		ledger:     deps.Ledger,
		kernel:     newKernel(deps),
		social:     deps.Social,
		payments:   deps.Payments,
		commerce:   deps.Commerce,
		billing:    deps.Billing,
		savings:    deps.Savings,
		funding:    deps.Funding,
		sbxCards:   deps.SandboxCards,
		stripeHook: deps.StripeWebhook,
		stripeKey:  deps.StripePublishableKey,
		events:     deps.Events,
		comp:       deps.Compliance,
		log:        deps.Logger,
		clock:      deps.Clock,
		version:    deps.Version,
		accessLog:  deps.AccessLog == nil || *deps.AccessLog,
		mux:        http.NewServeMux(),
		metrics:    newMetrics(deps.Registry, deps.Version, deps.Commit, deps.BuildDate),
		keys:       newOperatorKeys(deps.DB),
		ridPrefix:  "req_" + hex.EncodeToString(prefix[:]) + "_",
		health:     []byte(`{"status":"ok","version":` + strconv.Quote(deps.Version) + "}"),
		mail:       deps.Mail,
		settings:   deps.Settings,
		cards:      deps.Cards,
		sbxIssuer:  deps.SandboxIssuer,
	}
	if deps.Social != nil {
		s.revenue = revenue.New(deps.Ledger, s.kernel, deps.Social)
	}
	if deps.RateLimits != (RateLimits{}) {
		s.limits = newLimiter(deps.RateLimits)
	}
	s.idem = newIdempotency(deps.DB, deps.Clock, deps.IdempotencyTTL, deps.Logger)
	s.unmatched = s.metrics.route("unmatched")
	s.recorders.New = func() any { return new(recorder) }
	s.prom = promhttp.HandlerFor(deps.Registry, promhttp.HandlerOpts{})
	s.registerRoutes(!deps.MetricsElsewhere)
	s.registerPages()
	s.handler = s.crossOrigin(s.mux)
	return s
}

// Metrics is the Prometheus exposition of the server's registry, for a
// listener of its own (Deps.MetricsElsewhere): it checks no credential, so
// that listener must be one only the operator's scrapers reach.
func (s *Server) Metrics() http.Handler { return s.prom }

// Drain makes /readyz answer 503 so that load balancers stop sending new
// requests; call it before http.Server.Shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

// Close stops the background writers after writing what they hold. Call it
// after http.Server.Shutdown has returned: requests still running would find
// the idempotency writer closed and answer 503.
func (s *Server) Close() error {
	s.Drain()
	return s.idem.close()
}

// ServeHTTP serves one request: request id, routing, metrics and access log.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := s.recorders.Get().(*recorder)
	*rec = recorder{w: w, req: r, srv: s}
	id := r.Header.Get(headerRequestID)
	if !saneRequestID(id) {
		id = s.ridPrefix + strconv.FormatUint(s.ridSeq.Add(1), 36)
	}
	w.Header()[headerRequestID] = []string{id}

	if s.limits == nil || s.admitAddress(rec, r) {
		s.handler.ServeHTTP(rec, r)
	}

	if rec.status == 0 {
		rec.status = http.StatusOK // the handler wrote nothing
	}
	d := time.Since(start)
	rm := rec.route
	if rm == nil {
		rm = s.unmatched
	}
	rm.observe(rec.status, d)
	if s.accessLog && s.log.Enabled(r.Context(), slog.LevelInfo) {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Duration("duration", d),
			slog.String("request_id", id),
			slog.Int64("bytes", rec.bytes))
	}
	*rec = recorder{}
	s.recorders.Put(rec)
}

// saneRequestID accepts a caller's request id only if it is short and made
// of characters that are safe in logs and headers.
func saneRequestID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// recorder notes what a response was for metrics and logs. It also turns
// the ServeMux's own plain-text 404 and 405 into the error shape: those are
// the only responses written before a route's wrapper has set route.
type recorder struct {
	w       http.ResponseWriter
	route   *routeMetrics
	status  int
	bytes   int64
	swallow bool // the mux's text body is replaced by ours
	req     *http.Request
	srv     *Server
}

func (rec *recorder) Header() http.Header { return rec.w.Header() }

func (rec *recorder) WriteHeader(code int) {
	if rec.status != 0 {
		return
	}
	if rec.route == nil && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) {
		rec.swallow = true
		rec.writeMuxError(code)
		return
	}
	rec.status = code
	rec.w.WriteHeader(code)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.swallow {
		return len(p), nil
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.w.Write(p)
	rec.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.w }

func (rec *recorder) writeMuxError(code int) {
	if wantsPage(rec.req) {
		rec.srv.writeMuxPage(rec, code)
		return
	}
	err := nestegg.Errorf(nestegg.NotFound, "no such endpoint; see /api/v1/openapi.json")
	if code == http.StatusMethodNotAllowed {
		err = nestegg.Errorf(codeMethodNotAllowed, "method not allowed; this endpoint allows %s", rec.w.Header().Get("Allow"))
	}
	_, body := errorResponse(err)
	h := rec.w.Header()
	h.Del("X-Content-Type-Options")
	h["Content-Type"] = contentTypeJSON
	rec.status = code
	rec.w.WriteHeader(code)
	b, _ := json.Marshal(body) // cannot fail: strings only
	n, _ := rec.w.Write(b)
	rec.bytes += int64(n)
}
