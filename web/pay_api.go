package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
)

// The payments API (pay_api*.go). Every handler acts for the signed-in
// member only: the actor passed to package payments is always the caller,
// never an id from the request, and payments decides what is theirs
// (another member's payment, request, split or intent is NotFound). There
// is no route that names another member's wallet: the wallet is /me-scoped.
//
// Amounts go out as integers of the asset's minor units beside the asset
// code ("amount": 500, "asset": "USD") with a display string; they come in
// either the same way, or as a string people type ("$5", "5.00", "5 EUR"),
// read exactly by money.ParsePositive. Never as a float.

// amountInput is a request's "amount": a JSON integer of minor units, or a
// string such as "$5" or "5.00". It is resolved against the request's
// "asset" by resolve.
type amountInput struct {
	set   bool
	minor int64
	text  string
	isStr bool
}

func (a *amountInput) UnmarshalJSON(b []byte) error {
	bad := nestegg.ParamErrorf(nestegg.Invalid, "amount",
		`amount is an integer of minor units (500 is $5.00) or a string such as "$5" or "5.00"`)
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return bad
		}
		// Which asset the string is in is known only later; refuse now
		// what no asset could read, so that the field is named.
		if !parsesInSomeAsset(s) {
			_, err := money.Parse(s, "USD")
			return &nestegg.Error{Code: nestegg.Invalid, Param: "amount", Err: err}
		}
		*a = amountInput{set: true, text: s, isStr: true}
	case len(b) > 0 && (b[0] == '-' || '0' <= b[0] && b[0] <= '9'):
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return bad
		}
		*a = amountInput{set: true, minor: n}
	default:
		return bad
	}
	return nil
}

func parsesInSomeAsset(s string) bool {
	for _, a := range money.Assets() {
		if _, err := money.Parse(s, a.Code); err == nil {
			return true
		}
	}
	return false
}

// resolveAmount reads the amount in assetCode ("" for the server's default
// asset). A string naming its own asset must agree with assetCode.
func (s *Server) resolveAmount(a amountInput, assetCode string) (money.Amount, error) {
	if !a.set {
		return money.Amount{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "amount is required")
	}
	explicit := assetCode != ""
	if !explicit {
		assetCode = s.payments.Config().Assets[0]
	}
	asset, err := money.Lookup(assetCode)
	if err != nil {
		return money.Amount{}, &nestegg.Error{Param: "asset", Err: err}
	}
	if !a.isStr {
		if a.minor <= 0 {
			return money.Amount{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must be greater than zero")
		}
		return money.Amount{Asset: asset, Minor: a.minor}, nil
	}
	m, err := money.ParsePositive(a.text, asset.Code)
	if err != nil {
		return money.Amount{}, &nestegg.Error{Param: "amount", Err: err}
	}
	if explicit && m.Asset.Code != asset.Code {
		return money.Amount{}, nestegg.ParamErrorf(nestegg.Invalid, "asset", "amount is in %s but asset says %s", m.Asset.Code, asset.Code)
	}
	return m, nil
}

// apiMoneyError says how low the caller's balance is when the money was
// not there, rather than only that it was not.
func (s *Server) apiMoneyError(ctx context.Context, userID, asset string, err error) error {
	if !nestegg.Is(err, nestegg.InsufficientFunds) {
		return err
	}
	msg := "your balance is too low for this"
	if b, berr := s.payments.Balance(ctx, userID, asset); berr == nil {
		msg = "your balance is too low for this: you have " + money.Format(b) + " available"
	}
	return &nestegg.Error{Code: nestegg.InsufficientFunds, Param: "amount", Message: msg, Err: err}
}

// apiNeedPayments answers 503 on a server built without payments.
func (s *Server) apiNeedPayments() error {
	if s.payments == nil || s.social == nil {
		return nestegg.Errorf(nestegg.Unavailable, "payments are not enabled on this server")
	}
	return nil
}

// apiPayer is the signed-in member on a payments route.
func (s *Server) apiPayer(r *http.Request) (string, error) {
	if err := s.apiNeedPayments(); err != nil {
		return "", err
	}
	a, err := apiMe(r)
	return a.ID, err
}

// apiIdemKey is the request's Idempotency-Key, which package payments
// keeps as its own key for the movement: so even past the HTTP layer's
// record a retry cannot pay twice.
func apiIdemKey(r *http.Request) string { return r.Header.Get(headerIdempotencyKey) }

// apiAudience reads an audience, "" meaning private.
func apiAudience(v string) (payments.Audience, error) {
	switch a := payments.Audience(v); a {
	case "":
		return payments.Private, nil
	case payments.Private, payments.Followers, payments.Public:
		return a, nil
	}
	return "", nestegg.ParamErrorf(nestegg.Invalid, "audience", "audience is private, followers or public")
}

// apiPayPage reads ?cursor= and ?limit= for package payments.
func apiPayPage(r *http.Request, extra ...string) (payments.Page, error) {
	p, err := apiPageQuery(r, extra...)
	return payments.Page{Cursor: p.Cursor, Limit: p.Limit}, err
}

// paymentJSON is a payment as its payer or payee sees it.
type paymentJSON struct {
	ID         string       `json:"id"`
	Kind       string       `json:"kind"`
	Status     string       `json:"status"`
	PayerID    string       `json:"payer_id"`
	PayeeID    string       `json:"payee_id"`
	Amount     int64        `json:"amount"`
	Asset      string       `json:"asset"`
	Display    string       `json:"display"`
	Fee        int64        `json:"fee"`
	Counter    *amountOut   `json:"counter,omitempty"`
	Refunded   int64        `json:"refunded"`
	Refundable int64        `json:"refundable"`
	Note       string       `json:"note"`
	Audience   string       `json:"audience"`
	PostID     string       `json:"post_id"`
	RequestID  string       `json:"request_id"`
	IntentID   string       `json:"intent_id"`
	Award      string       `json:"award,omitempty"`
	HoldUntil  *time.Time   `json:"hold_until"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	Refunds    []refundJSON `json:"refunds,omitempty"`
}

// amountOut is an amount in a response: minor units, asset and display.
type amountOut struct {
	Amount  int64  `json:"amount"`
	Asset   string `json:"asset"`
	Display string `json:"display"`
}

func jsonAmount(a money.Amount) amountOut {
	return amountOut{Amount: a.Minor, Asset: a.Asset.Code, Display: money.Format(a)}
}

func jsonPayment(p payments.Payment) paymentJSON {
	out := paymentJSON{
		ID: p.ID, Kind: string(p.Kind), Status: string(p.Status), PayerID: p.PayerID, PayeeID: p.PayeeID,
		Amount: p.Amount.Minor, Asset: p.Amount.Asset.Code, Display: money.Format(p.Amount), Fee: p.Fee,
		Refunded: p.Refunded, Refundable: p.Refundable(), Note: p.Note, Audience: string(p.Audience),
		PostID: p.PostID, RequestID: p.RequestID, IntentID: p.IntentID, Award: p.Award,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	if p.Counter.Asset.Code != "" && p.Counter.Minor != 0 {
		c := jsonAmount(p.Counter)
		out.Counter = &c
	}
	if p.Status == payments.StatusHeld && !p.HoldUntil.IsZero() {
		t := p.HoldUntil
		out.HoldUntil = &t
	}
	return out
}

func jsonPayments(ps []payments.Payment) []paymentJSON {
	out := make([]paymentJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, jsonPayment(p))
	}
	return out
}

// writePayment writes a new payment: 201, or 202 when it is held (the
// money is reserved and moves at hold_until unless cancelled).
func writePayment(w http.ResponseWriter, p payments.Payment) error {
	status := http.StatusCreated
	if p.Status == payments.StatusHeld {
		status = http.StatusAccepted
	}
	return writeJSON(w, status, jsonPayment(p))
}

type refundJSON struct {
	ID          string    `json:"id"`
	PaymentID   string    `json:"payment_id"`
	RefunderID  string    `json:"refunder_id"`
	RecipientID string    `json:"recipient_id"`
	Amount      int64     `json:"amount"`
	Asset       string    `json:"asset"`
	Display     string    `json:"display"`
	Reason      string    `json:"reason"`
	CreatedAt   time.Time `json:"created_at"`
}

func jsonRefund(r payments.Refund) refundJSON {
	return refundJSON{ID: r.ID, PaymentID: r.PaymentID, RefunderID: r.RefunderID, RecipientID: r.RecipientID,
		Amount: r.Amount.Minor, Asset: r.Amount.Asset.Code, Display: money.Format(r.Amount), Reason: r.Reason, CreatedAt: r.CreatedAt}
}

type requestJSON struct {
	ID          string    `json:"id"`
	RequesterID string    `json:"requester_id"`
	PayerID     string    `json:"payer_id"`
	Amount      int64     `json:"amount"`
	Asset       string    `json:"asset"`
	Display     string    `json:"display"`
	Note        string    `json:"note"`
	Status      string    `json:"status"`
	SplitID     string    `json:"split_id"`
	PaymentID   string    `json:"payment_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func jsonRequest(r payments.Request) requestJSON {
	return requestJSON{ID: r.ID, RequesterID: r.RequesterID, PayerID: r.PayerID, Amount: r.Amount.Minor,
		Asset: r.Amount.Asset.Code, Display: money.Format(r.Amount), Note: r.Note, Status: string(r.Status),
		SplitID: r.SplitID, PaymentID: r.PaymentID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

type shareJSON struct {
	UserID    string `json:"user_id"`
	Amount    int64  `json:"amount"`
	RequestID string `json:"request_id"`
}

type splitJSON struct {
	ID          string      `json:"id"`
	InitiatorID string      `json:"initiator_id"`
	Total       int64       `json:"total"`
	Asset       string      `json:"asset"`
	Display     string      `json:"display"`
	Note        string      `json:"note"`
	Shares      []shareJSON `json:"shares"`
	CreatedAt   time.Time   `json:"created_at"`
}

func jsonSplit(sp payments.Split) splitJSON {
	out := splitJSON{ID: sp.ID, InitiatorID: sp.InitiatorID, Total: sp.Total.Minor, Asset: sp.Total.Asset.Code,
		Display: money.Format(sp.Total), Note: sp.Note, Shares: make([]shareJSON, 0, len(sp.Shares)), CreatedAt: sp.CreatedAt}
	for _, sh := range sp.Shares {
		out.Shares = append(out.Shares, shareJSON{UserID: sh.UserID, Amount: sh.Amount, RequestID: sh.RequestID})
	}
	return out
}

// intentJSON is a post command's intent. Others than its author see the
// status only: amount is null and the details empty.
type intentJSON struct {
	ID        string     `json:"id"`
	AuthorID  string     `json:"author_id"`
	PostID    string     `json:"post_id"`
	Kind      string     `json:"kind"`
	Status    string     `json:"status"`
	Reason    string     `json:"reason"`
	ResultID  string     `json:"result_id"`
	ExpiresAt time.Time  `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at"`
	Amount    *amountOut `json:"amount"`
	Handles   []string   `json:"handles"`
	Note      string     `json:"note"`
	TipPostID string     `json:"tip_post_id"`
}

func jsonIntent(in payments.Intent) intentJSON {
	out := intentJSON{ID: in.ID, AuthorID: in.AuthorID, PostID: in.PostID, Kind: string(in.Kind), Status: string(in.Status),
		Reason: in.Reason, ResultID: in.ResultID, ExpiresAt: in.ExpiresAt, CreatedAt: in.CreatedAt,
		Handles: in.Handles, Note: in.Note, TipPostID: in.TipPostID}
	if out.Handles == nil {
		out.Handles = []string{}
	}
	if in.Amount != nil {
		a := jsonAmount(*in.Amount)
		out.Amount = &a
	}
	return out
}

// feedItemJSON is a payment in the payments feed: amount is null unless
// the payment is public or the viewer is a party to it.
type feedItemJSON struct {
	ID       string     `json:"id"`
	Kind     string     `json:"kind"`
	Payer    userJSON   `json:"payer"`
	Payee    userJSON   `json:"payee"`
	Note     string     `json:"note"`
	Audience string     `json:"audience"`
	Amount   *amountOut `json:"amount"`
	Award    string     `json:"award,omitempty"`
	PostID   string     `json:"post_id"`
	At       time.Time  `json:"at"`
}

func jsonFeed(fp payments.FeedPage) apiList[feedItemJSON] {
	out := apiList[feedItemJSON]{Data: make([]feedItemJSON, 0, len(fp.Items)), NextCursor: fp.Next, HasMore: fp.Next != ""}
	for _, it := range fp.Items {
		j := feedItemJSON{ID: it.ID, Kind: string(it.Kind), Payer: jsonUser(it.Payer), Payee: jsonUser(it.Payee),
			Note: it.Note, Audience: string(it.Audience), Award: it.Award, PostID: it.PostID, At: it.At}
		if it.Amount != nil {
			a := jsonAmount(*it.Amount)
			j.Amount = &a
		}
		out.Data = append(out.Data, j)
	}
	return out
}

// apiKinds reads ?kind=send,tip (or repeated ?kind=).
func apiKinds(r *http.Request) []payments.Kind {
	var out []payments.Kind
	for _, v := range r.URL.Query()["kind"] {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				out = append(out, payments.Kind(k))
			}
		}
	}
	return out
}

// apiTimeQuery reads an RFC 3339 time or a date (2006-01-02, UTC).
func apiTimeQuery(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, nestegg.ParamErrorf(nestegg.Invalid, name, "%s is an RFC 3339 time (2026-03-01T12:00:00Z) or a date (2026-03-01)", name)
}
