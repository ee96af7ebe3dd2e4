package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/revenue"
	"github.com/nestegg/nestegg/settings"
	"github.com/nestegg/nestegg/social"
)

// Templates and static files are embedded so that the binary is the whole
// site. htmx.min.js is htmx.org@2.0.11 from npm (`npm pack htmx.org@2.0.11`,
// dist/htmx.min.js), vendored unchanged.
//
//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

const flashCookie = "nestegg_flash"

// pages holds what the web app parses once at start.
type pages struct {
	tmpl    map[string]*template.Template // by page name; each has "layout"
	static  map[string]staticAsset
	version map[string]string // file -> content hash, for cache-busting URLs
}

type staticAsset struct {
	body  []byte
	ctype string
}

// newPages parses every template and loads the static files. It panics on
// a broken template: that is a bug caught by any test that starts a Server.
func newPages() *pages {
	p := &pages{tmpl: map[string]*template.Template{}, static: map[string]staticAsset{}, version: map[string]string{}}
	files, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		b, err := staticFS.ReadFile("static/" + f.Name())
		if err != nil {
			panic(err)
		}
		ctype := "application/octet-stream"
		switch path.Ext(f.Name()) {
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".svg":
			ctype = "image/svg+xml"
		}
		sum := sha256.Sum256(b)
		p.static[f.Name()] = staticAsset{b, ctype}
		p.version[f.Name()] = hex.EncodeToString(sum[:6])
	}
	base := template.Must(template.New("").Funcs(p.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/partials*.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" || strings.HasPrefix(name, "partials") {
			continue
		}
		p.tmpl[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return p
}

func (p *pages) funcs() template.FuncMap {
	m := template.FuncMap{
		"tokens": postTokens,
		"static": func(name string) string { return "/static/" + name + "?v=" + p.version[name] },
		"ago":    ago,
		"day":    day,
		"money":  func(a money.Amount) string { return money.Format(a) },
		"when":   func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		// roleForm is the data of staff_roles.html's role form.
		"roleForm": func(page any, handle string, current social.Role) roleForm {
			return roleForm{Page: page, Handle: handle, Current: current, Roles: social.Roles()}
		},
		"plural": func(n any, one, many string) string {
			if fmt.Sprint(n) == "1" {
				return one
			}
			return many
		},
		"qesc":   url.QueryEscape,
		"anchor": settingAnchor,
		"units":  func() []string { return []string{string(revenue.Day), string(revenue.Week), string(revenue.Month)} },
		"amt": func(minor int64) string {
			a, _ := money.Lookup(settings.Asset)
			return money.Format(money.Amount{Asset: a, Minor: minor})
		},
		"bps":    func(v int64) string { return fmt.Sprintf("%d.%02d%%", v/100, v%100) },
		"joined": func(t time.Time) string { return t.UTC().Format("January 2006") },
		// avclass picks one of a few avatar colours from the handle, so a
		// person keeps their colour everywhere (classes, because the
		// Content-Security-Policy forbids inline styles).
		"avclass": func(handle string) int {
			h := fnv.New32a()
			h.Write([]byte(strings.ToLower(handle)))
			return int(h.Sum32() % 8)
		},
		"field": func(name, label, typ, value, err, hint, auto string) formField {
			return formField{name, label, typ, value, err, hint, auto}
		},
		"host": func(raw string) string {
			u, err := url.Parse(raw)
			if err != nil || u.Host == "" {
				return raw
			}
			return strings.TrimPrefix(u.Host, "www.") + strings.TrimSuffix(u.EscapedPath(), "/")
		},
	}
	for k, f := range payFuncs() {
		m[k] = f
	}
	return m
}

// formField is one labelled input of a form (the "field" template): its
// typed value is kept and its error shown under it.
type formField struct {
	Name, Label, Type, Value, Err, Hint, Auto string
}

// ago is a short relative time, like the ones people read on timelines.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d < 7*24*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
	return t.UTC().Format("2 Jan 2006")
}

// Base is what every page's data carries: who is looking, the nav's unread
// count, the CSRF token for its forms, a flash message, and its own path
// (forms send it back as "next" to return here).
type Base struct {
	Title  string
	Me     *social.Account
	Unread int
	CSRF   string
	Flash  string
	Path   string
	Money  bool // payments are on: show the wallet and money buttons
	// Funding is on: show "Bank & cards" (and, to staff admins, the
	// reconciliation).
	Funding bool
	// Mail is on: show the banner asking an unverified member to verify.
	Mail bool
	// Card: debit cards are on (a link to Money › Card).
	Card bool
}

// base fills a page's Base, consuming the flash cookie.
func (pc *pageCtx) base(title string) Base {
	b := Base{Title: title, Me: pc.me, CSRF: pc.csrf(), Path: pc.r.URL.RequestURI(), Money: pc.s.payments != nil, Funding: pc.s.funding != nil, Mail: pc.s.mail != nil,
		Card: pc.s.cards != nil}
	if pc.me != nil && pc.s.social != nil {
		// The nav count is a nicety: a failure here must not fail the page.
		b.Unread, _ = pc.s.social.UnreadCount(pc.r.Context(), pc.me.ID)
	}
	if c, err := pc.r.Cookie(flashCookie); err == nil {
		b.Flash, _ = url.QueryUnescape(c.Value)
		pc.s.setCookie(pc, flashCookie, "", -1)
	}
	return b
}

// render writes a page with status 200.
func (s *Server) render(pc *pageCtx, name string, data any) error {
	s.renderStatus(pc, http.StatusOK, name, data)
	return nil
}

// renderStatus executes a page into a buffer first, so that a template
// failure becomes a clean 500 instead of half a page.
func (s *Server) renderStatus(pc *pageCtx, status int, name string, data any) {
	s.renderTemplate(pc, status, name, "layout", data)
}

// renderPartial writes one template of a page (an htmx fragment).
func (s *Server) renderPartial(pc *pageCtx, name, tmpl string, data any) error {
	s.renderTemplate(pc, http.StatusOK, name, tmpl, data)
	return nil
}

func (s *Server) renderTemplate(pc *pageCtx, status int, name, tmpl string, data any) {
	var buf bytes.Buffer
	t := s.pages.tmpl[name]
	err := fmt.Errorf("no page template %q", name)
	if t != nil {
		err = t.ExecuteTemplate(&buf, tmpl, data)
	}
	h := pc.w.Header()
	if err != nil {
		s.writeError(discardWriter{pc.w}, pc.r, &nestegg.Error{Code: nestegg.Internal, Op: "render " + name, Err: err})
		h.Set("Content-Type", "text/plain; charset=utf-8")
		pc.w.WriteHeader(http.StatusInternalServerError)
		pc.w.Write([]byte("Something went wrong on our side. Please try again in a moment.\n"))
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// htmx needs neither inline scripts nor eval (see layout.html's
	// htmx-config), so the policy can forbid both.
	if pc.stripe {
		h.Set("Content-Security-Policy", stripeCSP)
	} else {
		h.Set("Content-Security-Policy", pageCSP)
	}
	pc.w.WriteHeader(status)
	pc.w.Write(buf.Bytes())
}

// pageCSP is every page's Content-Security-Policy: nothing from anywhere
// else.
const pageCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// stripeCSP is the card page's in Stripe mode: pageCSP plus exactly what
// Stripe documents that Stripe.js needs (docs.stripe.com/security/guide,
// "Content Security Policy"), without the Google Maps sources it lists
// for address autocompletion, which Nestegg does not use: its script from
// js.stripe.com, its card field and 3-D Secure frames from js.stripe.com
// and hooks.stripe.com, and its calls to api.stripe.com.
const stripeCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self' https://js.stripe.com https://*.js.stripe.com; frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com; connect-src 'self' https://api.stripe.com; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// staticFile serves an embedded asset. URLs carry the content hash (see
// the "static" template func), so the asset may be cached for a year.
func (s *Server) staticFile(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	a, ok := s.pages.static[r.PathValue("file")]
	if !ok {
		return nestegg.Errorf(nestegg.NotFound, "no such file")
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(a.body)
	return nil
}

// inAppPath finds the app's own pages that posts and notifications name
// as bare paths: a group gift's ("Pledge at /gifts/gft_…") and a red
// packet's.
var inAppPath = regexp.MustCompile(`/(?:gifts/gft|redpackets/rpk)_[a-z0-9]+`)

// tokenInApp is a link to one of the app's own pages, opened in place.
const tokenInApp social.TokenKind = "inapp"

// postTokens is social.Tokenize with the app's own pages, named as bare
// paths in a text run, made links of their own.
func postTokens(text string) []social.Token {
	var out []social.Token
	for _, t := range social.Tokenize(text) {
		if t.Kind != social.TokenText {
			out = append(out, t)
			continue
		}
		at := 0
		for _, m := range inAppPath.FindAllStringIndex(t.Text, -1) {
			if m[0] > at {
				out = append(out, social.Token{Kind: social.TokenText, Text: t.Text[at:m[0]]})
			}
			out = append(out, social.Token{Kind: tokenInApp, Text: t.Text[m[0]:m[1]], Value: t.Text[m[0]:m[1]]})
			at = m[1]
		}
		if at < len(t.Text) {
			out = append(out, social.Token{Kind: social.TokenText, Text: t.Text[at:]})
		}
	}
	return out
}
