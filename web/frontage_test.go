package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// TestFrontageClientAddress: X-Forwarded-For is believed only from a
// trusted proxy, and then only its right-most untrusted address: what a
// client writes there itself proves nothing.
func TestFrontageClientAddress(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.RemoteAddr) })
	for _, tc := range []struct {
		name, trusted, peer string
		xff                 []string
		want                string
	}{
		{"no proxies: headers ignored", "", "203.0.113.9:5555", []string{"198.51.100.1"}, "203.0.113.9:5555"},
		{"untrusted peer: headers ignored", "10.0.0.0/8", "203.0.113.9:5555", []string{"198.51.100.1"}, "203.0.113.9:5555"},
		{"trusted proxy", "10.0.0.0/8", "10.0.0.2:443", []string{"198.51.100.1"}, "198.51.100.1:0"},
		{"client's own header is left of the truth", "10.0.0.0/8", "10.0.0.2:443", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1:0"},
		{"several header lines", "10.0.0.0/8", "10.0.0.2:443", []string{"6.6.6.6", "198.51.100.1"}, "198.51.100.1:0"},
		{"chain of proxies", "10.0.0.0/8, 192.168.1.1", "10.0.0.2:443", []string{"6.6.6.6, 198.51.100.1, 192.168.1.1, 10.0.0.3"}, "198.51.100.1:0"},
		{"all trusted: the left-most", "10.0.0.0/8", "10.0.0.2:443", []string{"10.0.0.5"}, "10.0.0.5:0"},
		{"no header: the proxy itself", "10.0.0.0/8", "10.0.0.2:443", nil, "10.0.0.2:0"},
		{"garbage: the last trusted hop", "10.0.0.0/8", "10.0.0.2:443", []string{"198.51.100.1, not-an-address"}, "10.0.0.2:0"},
		{"address with a port", "10.0.0.0/8", "10.0.0.2:443", []string{"198.51.100.1:4444"}, "198.51.100.1:0"},
		{"IPv6", "::1", "[::1]:443", []string{"2001:db8::1"}, "[2001:db8::1]:0"},
		{"IPv4-mapped peer", "10.0.0.0/8", "[::ffff:10.0.0.2]:443", []string{"198.51.100.1"}, "198.51.100.1:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := web.NewFrontage(tc.trusted, "")
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			w := httptest.NewRecorder()
			f.Handler(echo).ServeHTTP(w, r)
			if got := w.Body.String(); got != tc.want {
				t.Fatalf("client = %q, want %q", got, tc.want)
			}
			if r.RemoteAddr != tc.peer {
				t.Fatalf("the caller's request changed: %q", r.RemoteAddr)
			}
		})
	}
}

func TestNewFrontageRefuses(t *testing.T) {
	for _, tc := range []struct{ proxies, public string }{
		{"10.0.0.0/33", ""},
		{"proxy.example", ""},
		{"10.0.0.1,,nonsense", ""},
		{"", "ftp://nestegg.example"},
		{"", "https://"},
		{"", "nestegg.example"},
		{"", "https://user:pw@nestegg.example"},
	} {
		if _, err := web.NewFrontage(tc.proxies, tc.public); err == nil {
			t.Errorf("NewFrontage(%q, %q) = nil error", tc.proxies, tc.public)
		}
	}
	if _, err := web.NewFrontage(" 10.0.0.0/8 , 127.0.0.1,::1 ,fd00::/8", "https://nestegg.example"); err != nil {
		t.Fatalf("NewFrontage of good settings: %v", err)
	}
}

// TestLockoutBehindProxy: behind a trusted proxy, one client's guesses lock
// that client out, not everyone the proxy serves; a client cannot name the
// address it is counted under.
func TestLockoutBehindProxy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		m := e.signupMember(t, "prox")
		front, err := web.NewFrontage("10.0.0.0/8", "")
		if err != nil {
			t.Fatal(err)
		}
		h := front.Handler(e.srv)
		login := func(xff, password string) int {
			r := request("POST", "/api/v1/login", fmt.Sprintf(`{"handle":%q,"password":%q}`, m.handle, password), "X-Forwarded-For", xff)
			r.RemoteAddr = "10.0.0.2:443"
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w.Code
		}
		for i := 0; i < 5; i++ {
			if got := login("198.51.100.1", "guess"); got != http.StatusUnauthorized {
				t.Fatalf("guess %d = %d, want 401", i+1, got)
			}
		}
		if got := login("198.51.100.1", m.password); got != http.StatusTooManyRequests {
			t.Fatalf("the guesser with the right password = %d, want 429", got)
		}
		if got := login("6.6.6.6, 198.51.100.1", m.password); got != http.StatusTooManyRequests {
			t.Fatalf("the guesser naming another address = %d, want 429", got)
		}
		if got := login("203.0.113.7", m.password); got != http.StatusOK {
			t.Fatalf("another client of the same proxy = %d, want 200", got)
		}
	})
}

// TestPublicHTTPS: with an https public URL (TLS ending at the proxy),
// cookies are Secure and responses carry HSTS; without, neither.
func TestPublicHTTPS(t *testing.T) {
	e := newAPI(t, storetest.SQLite(t))
	m := e.signupMember(t, "tls")
	for _, public := range []string{"", "http://nestegg.example", "https://nestegg.example"} {
		front, err := web.NewFrontage("", public)
		if err != nil {
			t.Fatal(err)
		}
		secure := strings.HasPrefix(public, "https:")
		for _, r := range []*http.Request{
			request("POST", "/api/v1/login", fmt.Sprintf(`{"handle":%q,"password":%q}`, m.handle, m.password)),
			request("GET", "/login", "", "Accept", "text/html"),
		} {
			w := httptest.NewRecorder()
			front.Handler(e.srv).ServeHTTP(w, r)
			cookies := w.Result().Cookies()
			if len(cookies) == 0 {
				t.Fatalf("%s %s with public URL %q set no cookie", r.Method, r.URL.Path, public)
			}
			for _, c := range cookies {
				if c.Secure != secure {
					t.Errorf("%s %s with public URL %q: cookie %s Secure = %v", r.Method, r.URL.Path, public, c.Name, c.Secure)
				}
			}
			if got := w.Header().Get("Strict-Transport-Security"); (got != "") != secure {
				t.Errorf("%s %s with public URL %q: HSTS %q", r.Method, r.URL.Path, public, got)
			}
		}
	}
}
