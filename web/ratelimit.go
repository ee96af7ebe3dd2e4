package web

import (
	"crypto/sha256"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/nestegg/nestegg"
)

// RateLimits caps requests, with token buckets (golang.org/x/time/rate):
// per client address on the API, per member credential (API token or
// session) on the API, and per client address on the login and sign-up
// forms (web and API). The client address is the one the Frontage
// settles on: behind trusted proxies, the client's, not the proxy's.
// Loopback addresses are not limited per address: on this machine are the
// operator's tools (nestegg bench) and any proxy not declared trusted,
// behind which every client would share one bucket. The operator's key is
// not limited. A zero rate is no limit.
type RateLimits struct {
	Address      rate.Limit // API requests a second, per client address
	AddressBurst int
	Token        rate.Limit // API requests a second, per member credential
	TokenBurst   int
	Login        rate.Limit // login and sign-up attempts a second, per client address
	LoginBurst   int
}

// DefaultRateLimits are serve's defaults: generous for people and apps,
// tight for password guessing (which the lockout also caps per account).
func DefaultRateLimits() RateLimits {
	return RateLimits{
		Address: 50, AddressBurst: 200,
		Token: 100, TokenBurst: 500,
		Login: rate.Every(6 * time.Second), LoginBurst: 10,
	}
}

// buckets are one limit's token buckets, by key.
type buckets struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
}

func newBuckets(limit rate.Limit, burst int) *buckets {
	if limit <= 0 {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	return &buckets{limit: limit, burst: burst, m: map[string]*rate.Limiter{}}
}

// maxBuckets bounds memory: past it, full (idle) buckets are dropped.
const maxBuckets = 100_000

// take spends one token of key's bucket and sets the RateLimit headers; it
// reports false, with how long to wait, when the bucket is empty.
func (b *buckets) take(w http.ResponseWriter, key string, now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	l := b.m[key]
	if l == nil {
		if len(b.m) >= maxBuckets {
			for k, old := range b.m {
				if old.TokensAt(now) >= float64(b.burst) {
					delete(b.m, k)
				}
			}
		}
		l = rate.NewLimiter(b.limit, b.burst)
		b.m[key] = l
	}
	r := l.ReserveN(now, 1)
	var wait time.Duration
	if r.OK() {
		wait = r.DelayFrom(now)
		if wait > 0 {
			r.CancelAt(now)
		}
	}
	left := l.TokensAt(now)
	b.mu.Unlock()

	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(b.burst))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(0, int(math.Floor(left)))))
	// Seconds until the bucket is full again.
	full := time.Duration((float64(b.burst) - left) / float64(b.limit) * float64(time.Second))
	h.Set("RateLimit-Reset", strconv.Itoa(int(math.Ceil(full.Seconds()))))
	if wait > 0 {
		h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
		return false, wait
	}
	return true, 0
}

// limiter is a server's rate limits.
type limiter struct {
	address, token, login *buckets
}

func newLimiter(l RateLimits) *limiter {
	return &limiter{
		address: newBuckets(l.Address, l.AddressBurst),
		token:   newBuckets(l.Token, l.TokenBurst),
		login:   newBuckets(l.Login, l.LoginBurst),
	}
}

// isLogin says whether r tries a password, makes an account, or asks for
// or uses a link sent by email.
func isLogin(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	switch r.URL.Path {
	case "/login", "/signup", "/api/v1/login", "/api/v1/signup", "/login/2fa", "/api/v1/login/2fa",
		// Links by email: asking for one, and using one.
		"/password/forgot", "/password/reset", "/verify-email",
		"/api/v1/password/forgot", "/api/v1/password/reset", "/api/v1/email/verify":
		return true
	}
	return false
}

// admitAddress applies the per-address limits before routing; it answers
// 429 itself and reports false when r is over one.
func (s *Server) admitAddress(w http.ResponseWriter, r *http.Request) bool {
	lim := s.limits
	api := strings.HasPrefix(r.URL.Path, "/api/")
	login := isLogin(r)
	if (!api || lim.address == nil) && (!login || lim.login == nil) {
		return true
	}
	ip := clientIP(r)
	if a, err := netip.ParseAddr(ip); err == nil && a.Unmap().IsLoopback() {
		return true
	}
	now := s.clock()
	if login && lim.login != nil {
		if ok, _ := lim.login.take(w, ip, now); !ok {
			s.tooMany(w, r, api, "too many login and sign-up attempts from your address; wait and try again")
			return false
		}
	}
	if api && lim.address != nil {
		if ok, _ := lim.address.take(w, ip, now); !ok {
			s.tooMany(w, r, true, "too many requests from your address; wait and try again")
			return false
		}
	}
	return true
}

// admitMember applies the per-credential limit once a route has
// authenticated a member: the key is a hash of the token or session, so
// that no secret is kept.
func (s *Server) admitMember(w http.ResponseWriter, r *http.Request, credential string) error {
	if s.limits == nil || s.limits.token == nil || credential == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(credential))
	if ok, _ := s.limits.token.take(w, string(sum[:16]), s.clock()); !ok {
		return nestegg.Errorf(nestegg.RateLimited, "too many requests with this token; wait and try again")
	}
	return nil
}

// tooMany answers 429: the API's error shape, or plain text for a form.
func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, api bool, msg string) {
	if api {
		s.writeError(w, r, nestegg.Errorf(nestegg.RateLimited, "%s", msg))
		return
	}
	http.Error(w, "Too many login and sign-up attempts from your address: wait a minute and try again.", http.StatusTooManyRequests)
}
