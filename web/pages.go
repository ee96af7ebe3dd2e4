package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// The web app: server-rendered pages for people, beside the JSON API.
//
// Pages have their own table (pageTable) rather than rows in routeTable
// because they are not API endpoints: they answer HTML, take urlencoded
// forms, authenticate only by the session cookie, redirect nobody to
// /login, and are not described in openapi.json. Every page still gets its
// own metrics series, and every POST is a form checked for its CSRF token
// (csrf.go) after CrossOriginProtection has refused cross-site requests.

// pageForm bounds a form body: the longest field is a 280-character post.
const pageForm = 64 << 10

// pageHandler serves one page. A returned error is shown as an error page
// (or, for Unauthenticated, a redirect to /login); a handler writes only
// what it meant to write.
type pageHandler func(w http.ResponseWriter, r *http.Request, pc *pageCtx) error

type pageRoute struct {
	method, pattern string
	member          bool // nobody is sent to /login
	handler         pageHandler
}

// pageTable is every page and form action of the web app.
func (s *Server) pageTable() []pageRoute {
	const get, post = http.MethodGet, http.MethodPost
	return []pageRoute{
		{get, "/{$}", false, s.homePage},
		{get, "/static/{file}", false, s.staticFile},
		{get, "/signup", false, s.signupPage},
		{post, "/signup", false, s.signupSubmit},
		{get, "/login", false, s.loginPage},
		{post, "/login", false, s.loginSubmit},
		{post, "/login/code", false, s.loginCodeSubmit},
		{post, "/logout", true, s.logoutSubmit},
		// Email (pages_email.go): recovering an account, proving an address.
		{get, "/password/forgot", false, s.forgotPage},
		{post, "/password/forgot", false, s.forgotSubmit},
		{get, "/password/reset", false, s.resetPage},
		{post, "/password/reset", false, s.resetSubmit},
		{get, "/verify-email", false, s.verifyEmailPage},
		{post, "/verify-email", false, s.verifyEmailSubmit},
		{get, "/settings/email", true, s.emailSettingsPage},
		{post, "/settings/email", true, s.emailSettingsSubmit},
		{post, "/settings/email/verify", true, s.resendVerificationSubmit},

		{post, "/posts", true, s.composeSubmit},
		{get, "/posts/{id}", false, s.postPage},
		{post, "/posts/{id}/like", true, s.postAction},
		{post, "/posts/{id}/unlike", true, s.postAction},
		{post, "/posts/{id}/repost", true, s.postAction},
		{post, "/posts/{id}/unrepost", true, s.postAction},
		{post, "/posts/{id}/delete", true, s.deleteSubmit},
		{get, "/tags/{tag}", false, s.tagPage},

		{get, "/u/{handle}", false, s.profilePage},
		{post, "/u/{handle}/follow", true, s.relationSubmit},
		{post, "/u/{handle}/unfollow", true, s.relationSubmit},
		{post, "/u/{handle}/block", true, s.relationSubmit},
		{post, "/u/{handle}/unblock", true, s.relationSubmit},
		{get, "/search", true, s.searchPage}, // members only, like the API's
		{get, "/notifications", true, s.notificationsPage},

		{get, "/settings", true, s.settingsPage},
		{post, "/settings/profile", true, s.profileSubmit},
		{get, "/settings/password", true, s.passwordPage},
		{post, "/settings/password", true, s.passwordSubmit},
		{get, "/settings/two-factor", true, s.twoFactorPage},
		{post, "/settings/two-factor", true, s.twoFactorSubmit},
		{get, "/settings/tokens", true, s.tokensPage},
		{post, "/settings/tokens", true, s.tokenCreateSubmit},
		{post, "/settings/tokens/{id}/revoke", true, s.tokenRevokeSubmit},
		{get, "/settings/verification", true, s.verificationPage},
		{post, "/settings/verification", true, s.verificationSubmit},
		{post, "/settings/verification/document", true, s.documentSubmit},

		// Money (pages_pay*.go). Forms that move money show a confirmation
		// page first and move it only on confirm=yes.
		{get, "/wallet", true, s.walletPage},
		{get, "/wallet/history.csv", true, s.historyCSV},
		{get, "/wallet/statements/{month}", true, s.statementMonth}, // a month; "{month}.csv" downloads it
		{post, "/wallet/coins/buy", true, s.coinsSubmit},
		{post, "/wallet/coins/redeem", true, s.coinsSubmit},
		{get, "/pay", true, s.payPage},
		{post, "/pay", true, s.paySubmit},
		{get, "/payments", false, s.paymentsFeed},
		{get, "/payments/{id}", true, s.paymentShow},
		{post, "/payments/{id}/refund", true, s.refundSubmit},
		{post, "/payments/{id}/cancel", true, s.holdCancelSubmit},
		{post, "/requests/{id}/pay", true, s.requestSubmit},
		{post, "/requests/{id}/decline", true, s.requestSubmit},
		{post, "/requests/{id}/cancel", true, s.requestSubmit},
		{get, "/posts/{id}/tip", true, s.tipPage},
		{post, "/posts/{id}/tip", true, s.paySubmit},
		{post, "/posts/{id}/award", true, s.awardSubmit},
		{post, "/intents/{id}/confirm", true, s.intentSubmit},
		{post, "/intents/{id}/cancel", true, s.intentSubmit},
		// Red packets (pages_redpackets.go).
		{get, "/redpackets", true, s.redPacketsPage},
		{post, "/redpackets", true, s.redPacketSubmit},
		{get, "/redpackets/{id}", true, s.redPacketShow},
		{post, "/redpackets/{id}/open", true, s.redPacketOpenSubmit},
		// Group gifts (pages_groupgifts.go).
		{get, "/gifts", true, s.giftsPage},
		{post, "/gifts", true, s.giftSubmit},
		{get, "/gifts/{id}", true, s.giftShow},
		{post, "/gifts/{id}/pledge", true, s.pledgeSubmit},
		{post, "/pledges/{id}/withdraw", true, s.pledgeWithdrawSubmit},
		// The shop (pages_shop*.go).
		{post, "/offers/{id}/buy", true, s.buySubmit},
		{get, "/orders", true, s.ordersPage},
		{post, "/orders/{id}/address", true, s.addressSubmit},
		{post, "/orders/{id}/dispute", true, s.disputeSubmit},
		{post, "/purchases/{id}/confirm", true, s.confirmPurchaseSubmit},
		{post, "/purchases/{id}/cancel", true, s.confirmPurchaseSubmit},
		{get, "/shop", true, s.shopPage},
		{post, "/shop/products", true, s.productSubmit},
		{post, "/shop/offers", true, s.offerSubmit},
		{post, "/shop/offers/{id}/end", true, s.offerEndSubmit},
		{post, "/shop/orders/{id}/ship", true, s.shipSubmit},
		{post, "/shop/orders/{id}/refund", true, s.shopRefundSubmit},
		{post, "/shop/vouchers/redeem", true, s.redeemSubmit},
		{post, "/shop/settings", true, s.shopSettingsSubmit},
		// In-store QR payments (pages_counter.go).
		{get, "/shop/counter", true, s.counterPage},
		{post, "/shop/counter", true, s.saleSubmit},
		{post, "/shop/counter/payout", true, s.payoutSubmit},
		{get, "/shop/counter/{id}", true, s.saleShow},
		{get, "/shop/counter/{id}/status", true, s.saleStatus},
		{post, "/shop/counter/payments/{id}/refund", true, s.counterRefundSubmit},
		{get, "/q/{token}", true, s.payCodePage},
		{post, "/q/{token}", true, s.payCodeSubmit},
		{get, "/qr-payments/{id}", true, s.qrReceipt},
		// Money in and out (pages_funding*.go): deposits, withdrawals and
		// top-ups show their fee on a confirmation page first.
		{get, "/money", true, s.moneyPage},
		{post, "/money/banks", true, s.bankSubmit},
		{post, "/money/banks/{id}/verify", true, s.verifySubmit},
		{post, "/money/banks/{id}/remove", true, s.removeBankSubmit},
		{post, "/money/cards", true, s.cardSubmit},
		{post, "/money/cards/{id}/remove", true, s.removeCardSubmit},
		{post, "/money/deposit", true, s.depositSubmit},
		{post, "/money/withdraw", true, s.withdrawSubmit},
		{post, "/money/topup", true, s.topUpSubmit},
		{get, "/money/movements/{id}", true, s.movementPage},
		{post, "/money/movements/{id}/confirm", true, s.confirmTopUpSubmit},
		{get, "/money/movements/{id}/return", true, s.topUpReturn},
		// Savings (pages_savings.go): money moves at once between the
		// member's own wallet and savings.
		{get, "/savings", true, s.savingsPage},
		{post, "/savings/open", true, s.savingsOpenSubmit},
		{post, "/savings/move", true, s.savingsMoveSubmit},
		{get, "/savings/interest/{year}", true, s.savingsSummaryCSV},
		// The debit card (pages_card.go): the number only on the issuer's
		// page; purchases played by the sandbox in sandbox mode.
		{get, "/money/card", true, s.cardPage},
		{post, "/money/card/issue", true, s.cardIssueSubmit},
		{post, "/money/card/{id}/freeze", true, s.cardFreezeSubmit},
		{post, "/money/card/{id}/unfreeze", true, s.cardFreezeSubmit},
		{post, "/money/card/{id}/controls", true, s.cardControlsSubmit},
		{post, "/money/card/{id}/reveal", true, s.cardRevealSubmit},
		{post, "/money/card/{id}/simulate", true, s.cardSimulateSubmit},
		{post, "/money/card/purchases/{id}/capture", true, s.cardCaptureSubmit},
		{get, "/sandbox/issuing/reveal/{token}", true, s.sandboxRevealPage},
		// Subscriptions (pages_billing.go): money leaves only from the
		// review page's button.
		{get, "/premium", true, s.premiumPage},
		{get, "/subscriptions", true, s.subscriptionsPage},
		{get, "/subscriptions/review", true, s.subscriptionReview},
		{post, "/subscriptions", true, s.subscribeSubmit},
		{post, "/subscriptions/{id}/plan", true, s.subscriptionActionSubmit},
		{post, "/subscriptions/{id}/cancel", true, s.subscriptionActionSubmit},
		{post, "/subscriptions/{id}/resume", true, s.subscriptionActionSubmit},
		{post, "/subscriptions/{id}/pay", true, s.subscriptionActionSubmit},
		{post, "/subscriptions/{id}/payment-method", true, s.subscriptionActionSubmit},
		// Organizations (pages_org.go): seats are charged only from the
		// seats review page's button.
		{get, "/organization", true, s.organizationPage},
		{get, "/organization/seats/review", true, s.seatsReview},
		{post, "/organization/seats", true, s.seatsSubmit},
		{post, "/organization/affiliates", true, s.inviteAffiliateSubmit},
		{post, "/organization/affiliates/{handle}/remove", true, s.removeAffiliateSubmit},
		{post, "/organization/invitations/{handle}/accept", true, s.affiliationSubmit},
		{post, "/organization/invitations/{handle}/decline", true, s.affiliationSubmit},
		{get, "/creator", true, s.creatorPage},
		{post, "/creator/tiers", true, s.creatorTierSubmit},
		{post, "/creator/tiers/{id}/price", true, s.creatorTierActionSubmit},
		{post, "/creator/tiers/{id}/retire", true, s.creatorTierActionSubmit},
	}
}

// registerPages mounts the web app on the mux; registerRoutes calls it.
func (s *Server) registerPages() {
	s.pages = newPages()
	// The console's pages (staff_routes.go) check the role first.
	for _, pr := range s.pageTable() {
		if strings.HasPrefix(pr.pattern, "/staff") {
			panic("web: " + pr.pattern + " is a console page: declare it in staffPageTable with its roles")
		}
	}
	for _, pr := range append(s.pageTable(), s.staffPageRoutes()...) {
		s.mux.Handle(pr.method+" "+pr.pattern, s.wrapPage(pr))
	}
}

// wrapPage builds a page's handler: session, sign-in requirement, form
// parsing and CSRF check, and error pages for what the handler returns.
func (s *Server) wrapPage(pr pageRoute) http.Handler {
	m := s.metrics.route(pr.method + " " + pr.pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec, ok := w.(*recorder); ok {
			rec.route = m // our own 404s are pages, not the mux's
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		pc := &pageCtx{s: s, w: w, r: r}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.pageError(pc, &nestegg.Error{Code: nestegg.Internal, Op: "panic", Err: fmt.Errorf("%v\n%s", v, debug.Stack())})
			}
		}()
		if err := s.pageSession(pc); err != nil {
			s.pageError(pc, err)
			return
		}
		// Text at the edge, as for the API: path values and query
		// parameters here, form fields once parsed below. A NUL or bad
		// UTF-8 would otherwise be a 500 on PostgreSQL and stored junk on
		// SQLite.
		if err := checkURLText(pr.pattern, r); err != nil {
			s.pageError(pc, err)
			return
		}
		if pr.member && pc.me == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, pageForm)
			if err := r.ParseForm(); err != nil {
				s.pageError(pc, nestegg.Errorf(nestegg.Invalid, "the form could not be read; please try again"))
				return
			}
			if err := checkFormText(r.PostForm); err != nil {
				s.pageError(pc, err)
				return
			}
			if !pc.csrfOK(r.PostForm.Get(csrfField)) {
				s.csrfRefused(pc)
				return
			}
		}
		if err := pr.handler(w, r, pc); err != nil {
			s.pageError(pc, err)
		}
	})
}

// checkFormText checks an urlencoded form's field names (no control
// character) and values (free text: tab and newlines allowed), the pages'
// counterpart of checkBodyText.
func checkFormText(form url.Values) error {
	for name, vs := range form {
		if fault := textFault(name, false); fault != "" {
			return textError("form field", fault)
		}
		for _, v := range vs {
			if fault := textFault(v, true); fault != "" {
				return textError(name, fault)
			}
		}
	}
	return nil
}

// pageCtx is one page request: who is asking and what the page will say.
type pageCtx struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	me      *social.Account
	session social.Session
	token   string // the session cookie's secret
	anon    string // the anonymous CSRF cookie's secret, for nobody
	// stripe: the page loads Stripe.js (the card page in Stripe mode),
	// so its Content-Security-Policy lets Stripe in.
	stripe bool
}

// myID is the signed-in member's id, or "" for nobody.
func (pc *pageCtx) myID() string {
	if pc.me == nil {
		return ""
	}
	return pc.me.ID
}

// pageSession finds the member behind the session cookie. A stale cookie
// is cleared and the request goes on as nobody's.
func (s *Server) pageSession(pc *pageCtx) error {
	c, err := pc.r.Cookie(SessionCookie)
	if err != nil || c.Value == "" || s.social == nil {
		return nil
	}
	a, sess, err := s.social.SessionUser(pc.r.Context(), c.Value)
	switch {
	case nestegg.Is(err, nestegg.Unauthenticated):
		s.setCookie(pc, SessionCookie, "", -1)
		return nil
	case err != nil:
		return err
	}
	pc.me, pc.session, pc.token = &a, sess, c.Value
	return nil
}

// setCookie sets (maxAge > 0), makes a browser-session cookie (0) or
// deletes (< 0) a cookie: HttpOnly, SameSite=Lax (top-level links from
// other sites keep the session; their POSTs do not), Secure over TLS.
func (s *Server) setCookie(pc *pageCtx, name, value string, maxAge int) {
	http.SetCookie(pc.w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureRequest(pc.r),
	})
}

// seeOther ends a form post: a redirect (so reloading does not post again)
// with a flash message for the next page.
func (s *Server) seeOther(pc *pageCtx, to, flash string) error {
	if flash != "" {
		s.setCookie(pc, flashCookie, url.QueryEscape(flash), 60)
	}
	http.Redirect(pc.w, pc.r, to, http.StatusSeeOther)
	return nil
}

// nextPath is where a form wants to go back to: its "next" field when that
// is a path on this site (see localPath), else fallback.
func nextPath(r *http.Request, fallback string) string {
	if n := r.FormValue("next"); localPath(n) {
		return n
	}
	return fallback
}

// localPath reports whether next can only take a browser to a page of this
// site, so that a link to /login?next=… cannot send people who sign in to
// another site. Browsers forgive a lot: they drop tabs and newlines inside
// a URL ("/\t/evil.example" becomes "//evil.example", another host), read
// a backslash as a slash, and resolve "//host" to that host. So next must
// be a path starting with exactly one "/", with no backslash and no control
// character anywhere (escaped or not), and parse as a path alone.
func localPath(next string) bool {
	if len(next) == 0 || len(next) > 2048 || next[0] != '/' || strings.HasPrefix(next, "//") {
		return false
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	// What the path says once unescaped must hold too: a server or proxy
	// on the way may decode it before a browser sees it.
	p := u.Path
	if strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\") {
		return false
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// pageError shows err as a page: nobody is sent to log in, everything else
// gets an error page with the status httpStatus gives its code. Causes of
// server-side failures are logged, never shown.
func (s *Server) pageError(pc *pageCtx, err error) {
	code := nestegg.ErrorCode(err)
	if code == nestegg.Unauthenticated && pc.me == nil && pc.r.Method == http.MethodGet {
		http.Redirect(pc.w, pc.r, "/login?next="+url.QueryEscape(pc.r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	status, _ := httpStatus(code)
	setRetryAfter(pc.w.Header(), err)
	msg := nestegg.ErrorMessage(err)
	if status >= 500 {
		s.writeError(discardWriter{pc.w}, pc.r, err) // logs it; the body goes nowhere
		msg = "Something went wrong on our side. Please try again in a moment."
		if code == nestegg.Unavailable {
			msg = "Nestegg is busy right now. Please try again in a moment."
		}
	}
	title := http.StatusText(status)
	if status == http.StatusNotFound {
		msg = "There is nothing here. " + msg
	}
	s.renderStatus(pc, status, "error", &errorPage{Base: pc.base(title), Status: status, Message: msg})
}

// errorPage is the data of error.html.
type errorPage struct {
	Base
	Status  int
	Message string
}

// discardWriter lets pageError reuse writeError's logging without its body.
type discardWriter struct{ w http.ResponseWriter }

func (d discardWriter) Header() http.Header         { return d.w.Header().Clone() }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

// writeMuxPage answers the mux's own 404 and 405 for a browser with a page
// (recorder.writeMuxError calls it when wantsPage says so).
func (s *Server) writeMuxPage(rec *recorder, code int) {
	pc := &pageCtx{s: s, w: rec.w, r: rec.req}
	_ = s.pageSession(pc)
	msg := "There is nothing here. Check the address, or go back home."
	if code == http.StatusMethodNotAllowed {
		msg = "That page cannot be used this way. Go back and try again."
	}
	rec.status = code
	s.renderStatus(pc, code, "error", &errorPage{Base: pc.base(http.StatusText(code)), Status: code, Message: msg})
}

// wantsPage says whether a request the mux could not route should get an
// HTML page rather than the JSON error shape: a browser (it asks for
// text/html) outside /api/. Programs that send no such Accept header
// (curl, monitors, API clients) keep the machine-readable shape.
func wantsPage(r *http.Request) bool {
	return !strings.HasPrefix(r.URL.Path, "/api/") && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// fieldErrors turns a validation error into messages by form field; fields
// the form does not show land under "" (the form's top).
func fieldErrors(err error, fields ...string) map[string]string {
	p := nestegg.ErrorParam(err)
	for _, f := range fields {
		if p == f {
			return map[string]string{p: nestegg.ErrorMessage(err)}
		}
	}
	return map[string]string{"": nestegg.ErrorMessage(err)}
}

// userError reports whether err is the caller's to fix (shown on the form)
// rather than a failure of ours.
func userError(err error) bool {
	var sf *social.SecondFactorRequired
	if errors.As(err, &sf) {
		return true
	}
	switch nestegg.ErrorCode(err) {
	case nestegg.Invalid, nestegg.Conflict, nestegg.Unauthenticated, nestegg.RateLimited, nestegg.TooLarge, nestegg.Forbidden, nestegg.NotFound:
		return true
	}
	return false
}
