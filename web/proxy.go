package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/nestegg/nestegg"
)

// Frontage is how people reach the server: through which reverse proxies,
// and at which public address. The zero value is a server facing the
// internet directly over plain HTTP (or TLS of its own).
type Frontage struct {
	// TrustedProxies are the networks of the reverse proxies in front of
	// the server. Only a request whose peer is in them has its
	// X-Forwarded-For believed, and then the client is the right-most
	// address in it that is not itself a trusted proxy: everything left
	// of that was written by the client and proves nothing. Without them
	// the peer is the client, whatever the headers say, so that nobody
	// can pick the address their login attempts are counted under.
	TrustedProxies []netip.Prefix
	// PublicURL is the address people use. When it is https (TLS ending
	// at the proxy), cookies are Secure and responses carry HSTS, which
	// the server could not tell from a plain-HTTP request of the proxy.
	PublicURL *url.URL
}

// NewFrontage parses serve's settings: proxies is a comma-separated list
// of networks ("10.0.0.0/8") or single addresses ("127.0.0.1"), publicURL
// an http:// or https:// URL with a host; both may be empty. Errors:
// Invalid, naming the bad entry.
func NewFrontage(proxies, publicURL string) (Frontage, error) {
	var f Frontage
	for _, p := range strings.Split(proxies, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			a, err := netip.ParseAddr(p)
			if err != nil {
				return Frontage{}, nestegg.Errorf(nestegg.Invalid, "trusted proxy %q is neither a network (10.0.0.0/8) nor an address", p)
			}
			f.TrustedProxies = append(f.TrustedProxies, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		n, err := netip.ParsePrefix(p)
		if err != nil {
			return Frontage{}, nestegg.Errorf(nestegg.Invalid, "trusted proxy %q is neither a network (10.0.0.0/8) nor an address", p)
		}
		if n.Addr().Is4In6() {
			n = netip.PrefixFrom(n.Addr().Unmap(), max(n.Bits()-96, 0))
		}
		f.TrustedProxies = append(f.TrustedProxies, n.Masked())
	}
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return Frontage{}, nestegg.Errorf(nestegg.Invalid, "public URL %q must be http:// or https:// and a host, such as https://nestegg.example", publicURL)
		}
		f.PublicURL = u
	}
	return f, nil
}

// hstsValue asks browsers to use https only, for two years. It leaves
// subdomains alone: they may be the operator's other sites.
const hstsValue = "max-age=63072000"

type secureKey struct{}

// Handler returns h behind the frontage: h sees the client's address as
// the request's RemoteAddr (what logins are locked out by, and sessions
// show), and, with an https public URL, Secure cookies and HSTS.
func (f Frontage) Handler(h http.Handler) http.Handler {
	secure := f.PublicURL != nil && f.PublicURL.Scheme == "https"
	if len(f.TrustedProxies) == 0 && !secure {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if secure {
			w.Header().Set("Strict-Transport-Security", hstsValue)
			ctx = context.WithValue(ctx, secureKey{}, true)
		}
		r = r.WithContext(ctx) // a copy: the caller's request stays as it was
		if client, ok := f.client(r); ok {
			r.RemoteAddr = netip.AddrPortFrom(client, 0).String()
		}
		h.ServeHTTP(w, r)
	})
}

// client returns the address of the client behind trusted proxies, and
// false when the peer is not one (its own address stands).
func (f Frontage) client(r *http.Request) (netip.Addr, bool) {
	addr, ok := parseHop(r.RemoteAddr)
	if !ok || !f.trusted(addr) {
		return netip.Addr{}, false
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(strings.TrimSpace(hops[i]))
		if !ok {
			// A trusted proxy writes addresses; anything else came
			// from the client side. The last trusted hop stands.
			break
		}
		addr = a
		if !f.trusted(a) {
			break
		}
	}
	return addr, true
}

func (f Frontage) trusted(a netip.Addr) bool {
	for _, p := range f.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads an address as proxies write it: bare, or with a port.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// secureRequest says whether cookies set in answer to r must be Secure:
// r came over TLS, or the public URL is https.
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || r.Context().Value(secureKey{}) != nil
}

// clientIP is the address logins are locked out by: the peer's, or, behind
// a trusted proxy, the client's (Frontage.Handler puts it in RemoteAddr).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
