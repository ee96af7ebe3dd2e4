package web

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
)

// The money pages: the wallet, the payments feed and a payment's page
// (this file); the forms that move money and their confirmation step
// (pages_pay_forms.go); money on post cards and in notifications
// (pages_pay_posts.go).
//
// Every form that moves money carries a hidden idempotency key made when
// the form is rendered ("key"), passed on through the confirmation page,
// so a double click or a reload of the confirming POST pays once: the
// payments service derives its ledger ids from (member, key). Nothing
// moves until a POST with confirm=yes, which only the confirmation page
// sends; that page says exactly what will leave, to whom and who sees it.

// payKeyField is the form field carrying a form's idempotency key.
const payKeyField = "key"

// newPayKey makes a form's idempotency key: 128 random bits.
func newPayKey() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// payKey reads a posted form's idempotency key, scoped to the web app so
// that it can never collide with a key an API client chose.
func payKey(r *http.Request) (string, error) {
	k := r.PostFormValue(payKeyField)
	if k == "" || len(k) > 64 {
		return "", nestegg.Errorf(nestegg.Invalid, "this form is missing its payment key, so nothing was sent; go back, reload the page and try again")
	}
	return "web:" + k, nil
}

// confirmed says whether the POST comes from a confirmation page.
func confirmed(r *http.Request) bool { return r.PostFormValue("confirm") == "yes" }

// needPayments refuses money pages on a server built without payments.
func (s *Server) needPayments() error {
	if s.payments == nil {
		return nestegg.Errorf(nestegg.NotFound, "payments are not enabled on this server")
	}
	return nil
}

// payFuncs are the template functions of the money pages.
func payFuncs() template.FuncMap {
	return template.FuncMap{
		"money": func(a money.Amount) string { return money.Format(a) },
		"minor": func(a money.Asset, minor int64) string { return money.Format(money.Amount{Asset: a, Minor: minor}) },
		"audience": func(a payments.Audience) string {
			switch a {
			case payments.Public:
				return "Public"
			case payments.Followers:
				return "Followers"
			}
			return "Private"
		},
		"kindname": kindName,
		"paylink":  payLink,
		// notetext is a notification's text without the page it names,
		// which its Open link leads to.
		"notetext": func(text string) string { return strings.TrimSuffix(text, " · "+inAppPath.FindString(text)) },
	}
}

// kindName is a payment kind for people.
func kindName(k payments.Kind) string {
	switch k {
	case payments.KindSend:
		return "Payment"
	case payments.KindTip:
		return "Tip"
	case payments.KindAward:
		return "Award"
	case payments.KindCoinBuy:
		return "Coins bought"
	case payments.KindCoinRedeem:
		return "Coins redeemed"
	case payments.KindCredit:
		return "Money added"
	case payments.KindRefund:
		return "Refund"
	}
	return string(k)
}

// payLink is where a money notification leads: the post it is about when
// there is one to act on, else the wallet section that shows it.
func payLink(kind social.NotificationKind, p *social.Post, text string) string {
	k := string(kind)
	if !strings.HasPrefix(k, "payment_") {
		return ""
	}
	switch k {
	case payments.NotifyRedPacket:
		if path := inAppPath.FindString(text); path != "" {
			return path
		}
		return "/redpackets"
	case payments.NotifyGroupGift:
		if p != nil {
			if path := inAppPath.FindString(p.Body); path != "" {
				return path
			}
			return "/posts/" + p.ID
		}
	case payments.NotifyConfirm, payments.NotifyCommandFailed, payments.NotifyTip, payments.NotifyAward:
		if p != nil {
			return "/posts/" + p.ID
		}
	case payments.NotifyRequested, payments.NotifyRequestDeclined, payments.NotifyRequestCanceled:
		return "/wallet#requests"
	}
	if k == payments.NotifyTip || k == payments.NotifyAward {
		return "/wallet#tips"
	}
	return "/wallet#history"
}

// walletPage is the data of wallet.html.
type walletPage struct {
	Base
	Wallets   []payments.Wallet
	Limits    []limitLine
	Frozen    string // why, when the account is frozen
	Tier      compliance.Tier
	Filter    walletFilter
	FilterErr string
	// Filtered: the member searches their payments (History); otherwise
	// the page shows their statement (Statement, in StmtAsset, with the
	// monthly statements in Months).
	Filtered  bool
	History   []historyLine
	Statement []stmtLine
	StmtAsset string
	Months    []monthLink
	Older     string
	CSV       string
	Incoming  []requestLine // open requests to pay
	Outgoing  []requestLine // open requests made
	Tips      []payments.Payment
	Coins     coinForms
	Awards    []payments.Award
	Kinds     []payments.Kind // the history filter's choices
}

type limitLine struct{ Label, Left, Of string }

type walletFilter struct{ Kind, Direction, From, To string }

type historyLine struct {
	payments.Entry
	CanCancel bool // a held payment the member made
}

type requestLine struct {
	payments.Request
	Other string // the other party's handle
	Key   string // the pay form's idempotency key
}

// coinForms is what the buy and redeem forms need.
type coinForms struct {
	On            bool
	Price, Redeem string // per coin, formatted
	BuyKey        string
	RedeemKey     string
	Have          int64
}

// historyFilter reads the wallet's filter form: kind, direction and a date
// range (from and to inclusive, as <input type=date> sends them).
func historyFilter(r *http.Request) (walletFilter, payments.HistoryFilter, error) {
	q := r.URL.Query()
	wf := walletFilter{Kind: q.Get("kind"), Direction: q.Get("direction"), From: q.Get("from"), To: q.Get("to")}
	var f payments.HistoryFilter
	if wf.Kind != "" {
		f.Kinds = []payments.Kind{payments.Kind(wf.Kind)}
	}
	f.Direction = payments.Direction(wf.Direction)
	if wf.From != "" {
		t, err := time.Parse("2006-01-02", wf.From)
		if err != nil {
			return wf, f, nestegg.ParamErrorf(nestegg.Invalid, "from", "dates look like 2025-01-31")
		}
		f.Since = t
	}
	if wf.To != "" {
		t, err := time.Parse("2006-01-02", wf.To)
		if err != nil {
			return wf, f, nestegg.ParamErrorf(nestegg.Invalid, "to", "dates look like 2025-01-31")
		}
		f.Until = t.AddDate(0, 0, 1)
	}
	return wf, f, nil
}

func (s *Server) walletPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	ctx, me := r.Context(), pc.me.ID
	d := &walletPage{Kinds: []payments.Kind{payments.KindSend, payments.KindTip, payments.KindAward, payments.KindCoinBuy,
		payments.KindCoinRedeem, payments.KindCredit, payments.KindRefund}}
	var err error
	if d.Wallets, err = s.payments.Balances(ctx, me); err != nil {
		return err
	}
	if err := s.walletLimits(pc, d); err != nil {
		return err
	}
	wf, f, ferr := historyFilter(r)
	d.Filter = wf
	d.Filtered = wf != walletFilter{}
	if !d.Filtered {
		if err := s.walletStatement(pc, d); err != nil {
			return err
		}
	} else if ferr == nil {
		h, err := s.payments.History(ctx, me, f, payments.Page{Cursor: r.URL.Query().Get("cursor")})
		switch {
		case err != nil && userError(err):
			ferr = err
		case err != nil:
			return err
		}
		for _, e := range h.Entries {
			d.History = append(d.History, historyLine{Entry: e,
				CanCancel: e.Status == payments.StatusHeld && e.Direction == payments.Sent && e.Kind == payments.KindSend})
		}
		d.Older = olderURL(r, h.Next)
	}
	if ferr != nil {
		d.FilterErr = nestegg.ErrorMessage(ferr)
	}
	q := r.URL.Query()
	q.Del("cursor")
	d.CSV = "/wallet/history.csv"
	if enc := q.Encode(); enc != "" {
		d.CSV += "?" + enc
	}
	names := map[string]string{}
	for _, in := range []bool{true, false} {
		rp, err := s.payments.Requests(ctx, me, payments.RequestFilter{Incoming: in, Status: payments.RequestOpen}, payments.Page{Limit: 50})
		if err != nil {
			return err
		}
		for _, rq := range rp.Requests {
			other := rq.PayerID
			if in {
				other = rq.RequesterID
			}
			line := requestLine{Request: rq, Other: s.handleOf(pc, names, other), Key: newPayKey()}
			if in {
				d.Incoming = append(d.Incoming, line)
			} else {
				d.Outgoing = append(d.Outgoing, line)
			}
		}
	}
	tips, err := s.payments.TipsReceived(ctx, me, payments.Page{Limit: 10})
	if err != nil {
		return err
	}
	d.Tips = tips.Payments
	cfg := s.payments.Config()
	if cfg.CoinPriceMinor > 0 {
		cash, _ := money.Lookup(cfg.CoinAsset)
		d.Coins = coinForms{On: true, Price: money.Format(money.Amount{Asset: cash, Minor: cfg.CoinPriceMinor}),
			BuyKey: newPayKey(), RedeemKey: newPayKey()}
		if cfg.CoinRedeemMinor > 0 {
			d.Coins.Redeem = money.Format(money.Amount{Asset: cash, Minor: cfg.CoinRedeemMinor})
		}
		for _, wl := range d.Wallets {
			if wl.Asset.Code == "COIN" {
				d.Coins.Have = wl.Available
			}
		}
		d.Awards = s.payments.Awards()
	}
	d.Base = pc.base("Wallet")
	return s.render(pc, "wallet", d)
}

// walletLimits fills in what the compliance checkpoint still allows.
func (s *Server) walletLimits(pc *pageCtx, d *walletPage) error {
	if s.comp == nil {
		return nil
	}
	ctx := pc.r.Context()
	st, err := s.comp.Status(ctx, pc.me.ID)
	if err != nil {
		return err
	}
	if st.Frozen {
		d.Frozen = st.FrozenReason
		if d.Frozen == "" {
			d.Frozen = "your account is under review"
		}
	}
	al, err := s.comp.Allowance(ctx, pc.me.ID)
	if err != nil {
		return err
	}
	d.Tier = al.Tier
	a, err := money.Lookup(al.Asset)
	if err != nil {
		return nil // a policy in an asset we cannot format: show no limits
	}
	f := func(m int64) string { return money.Format(money.Amount{Asset: a, Minor: max(m, 0)}) }
	if al.Limits.PerTransfer > 0 {
		d.Limits = append(d.Limits, limitLine{"Per payment", f(al.Limits.PerTransfer), ""})
	}
	if al.Limits.PerDay > 0 {
		d.Limits = append(d.Limits, limitLine{"Today (24 hours)", f(al.Limits.PerDay - al.UsedDay), f(al.Limits.PerDay)})
	}
	if al.Limits.PerMonth > 0 {
		d.Limits = append(d.Limits, limitLine{"This month (30 days)", f(al.Limits.PerMonth - al.UsedMonth), f(al.Limits.PerMonth)})
	}
	return nil
}

// handleOf is a member's handle for display, remembered for the page.
func (s *Server) handleOf(pc *pageCtx, seen map[string]string, id string) string {
	if h, ok := seen[id]; ok {
		return h
	}
	h := "someone"
	if u, err := s.social.UserByID(pc.r.Context(), id); err == nil {
		h = u.Handle
	}
	seen[id] = h
	return h
}

// historyCSV downloads the member's history, as filtered, as CSV. It is
// written to a buffer first so that a failure is an error page, not half
// a file.
func (s *Server) historyCSV(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	_, f, err := historyFilter(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.payments.ExportCSV(r.Context(), pc.me.ID, &buf, f); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="nestegg-history.csv"`)
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

// feedPage is the data of payments.html.
type feedPage struct {
	Base
	Items []payments.FeedItem
	Older string
}

// paymentsFeed shows the payments the viewer may see; amounts only where
// the payer made them public or the viewer is a party (the service masks
// the rest).
func (s *Server) paymentsFeed(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	fp, err := s.payments.Feed(r.Context(), pc.myID(), payments.Page{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	return s.render(pc, "payments", &feedPage{Base: pc.base("Payments"), Items: fp.Items, Older: olderURL(r, fp.Next)})
}

// paymentPage is the data of payment.html.
type paymentPage struct {
	Base
	P           payments.Payment
	Payer       string
	Payee       string
	IAmPayer    bool
	Refunds     []payments.Refund
	Refundable  string // formatted, when the viewer may refund
	RefundKey   string
	RefundForm  refundForm
	RefundError string
}

type refundForm struct{ Amount, Reason string }

// paymentShow is a payment's page, for its payer and payee only: anyone
// else gets the same 404 as for a payment that does not exist.
func (s *Server) paymentShow(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.showPayment(pc, http.StatusOK, refundForm{}, "")
}

func (s *Server) showPayment(pc *pageCtx, status int, rf refundForm, rerr string) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	ctx, me := pc.r.Context(), pc.me.ID
	p, err := s.payments.Payment(ctx, me, pc.r.PathValue("id"))
	if err != nil {
		return err
	}
	names := map[string]string{}
	d := &paymentPage{P: p, IAmPayer: p.PayerID == me, RefundForm: rf, RefundError: rerr, RefundKey: newPayKey()}
	if pc.r.Method == http.MethodPost {
		d.RefundKey = pc.r.PostFormValue(payKeyField)
	}
	if p.PayerID != "" {
		d.Payer = s.handleOf(pc, names, p.PayerID)
	}
	if p.PayeeID != "" {
		d.Payee = s.handleOf(pc, names, p.PayeeID)
	}
	if d.Refunds, err = s.payments.Refunds(ctx, me, p.ID); err != nil {
		return err
	}
	if p.PayeeID == me && p.Refundable() > 0 {
		d.Refundable = money.Format(money.Amount{Asset: p.Amount.Asset, Minor: p.Refundable()})
	}
	d.Base = pc.base(kindName(p.Kind) + " " + money.Format(p.Amount))
	s.renderStatus(pc, status, "payment", d)
	return nil
}
