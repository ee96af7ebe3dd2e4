package payments

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// Direction says which way money went for the member whose history it is.
type Direction string

// Directions.
const (
	Sent     Direction = "sent"
	Received Direction = "received"
)

// Entry is one line of a member's history: a payment they made or got, or
// a refund. Amount is always positive; Direction gives the sign.
type Entry struct {
	ID                 string // a payment id, or a refund id for KindRefund
	Kind               Kind
	Direction          Direction
	CounterpartyID     string // "" for the platform (coins, credits)
	CounterpartyHandle string
	Amount             money.Amount
	Fee                int64
	Counter            money.Amount // coins bought, or balance from redeemed coins
	Note               string
	Status             Status
	Refunded           int64
	PaymentID          string // for a refund, the payment refunded
	PostID             string
	RequestID          string
	At                 time.Time
}

// HistoryFilter narrows History; the zero value is everything.
type HistoryFilter struct {
	Kinds     []Kind    // any of these; empty for all
	Direction Direction // "" for both
	Asset     string    // "" for all
	Since     time.Time // inclusive; zero for no bound
	Until     time.Time // exclusive; zero for no bound
}

// HistoryPage is a page of history, newest first.
type HistoryPage struct {
	Entries []Entry
	Next    string
}

// History lists userID's payments and refunds, newest first, as filtered.
// Only userID may call it. Errors: Invalid (Param "cursor", "limit",
// "kind", "direction").
func (s *Service) History(ctx context.Context, userID string, f HistoryFilter, page Page) (HistoryPage, error) {
	c, limit, err := nestegg.ParsePage(page)
	if err != nil {
		return HistoryPage{}, err
	}
	args := []any{userID, c.At, c.ID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var where []string
	if len(f.Kinds) > 0 {
		var ps []string
		for _, k := range f.Kinds {
			switch k {
			case KindSend, KindTip, KindAward, KindCoinBuy, KindCoinRedeem, KindCredit, KindRefund:
			default:
				return HistoryPage{}, nestegg.ParamErrorf(nestegg.Invalid, "kind", "unknown kind %q", k)
			}
			ps = append(ps, arg(string(k)))
		}
		where = append(where, "kind IN ("+strings.Join(ps, ", ")+")")
	}
	switch f.Direction {
	case "":
	case Sent:
		where = append(where, "payer_id = $1")
	case Received:
		where = append(where, "payee_id = $1")
	default:
		return HistoryPage{}, nestegg.ParamErrorf(nestegg.Invalid, "direction", "direction is sent or received")
	}
	if f.Asset != "" {
		where = append(where, "asset = "+arg(strings.ToUpper(f.Asset)))
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= "+arg(f.Since.UnixNano()))
	}
	if !f.Until.IsZero() {
		where = append(where, "created_at < "+arg(f.Until.UnixNano()))
	}
	q := `SELECT id, kind, payer_id, payee_id, asset, amount, fee, counter_asset, counter_amount, note, status, refunded, post_id, request_id, payment_id, created_at FROM (
		SELECT id, kind, payer_id, payee_id, asset, amount, fee, counter_asset, counter_amount, note, status, refunded, post_id, request_id, '' AS payment_id, created_at
			FROM payments WHERE payer_id = $1 OR payee_id = $1
		UNION ALL
		SELECT id, 'refund', refunder_id, recipient_id, asset, amount, 0, '', 0, reason, 'completed', 0, '', '', payment_id, created_at
			FROM refunds WHERE refunder_id = $1 OR recipient_id = $1
	) h WHERE (created_at < $2 OR (created_at = $2 AND id < $3))`
	for _, w := range where {
		q += " AND " + w
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT " + arg(limit+1)
	rows, err := s.db.Reader().QueryContext(ctx, q, args...)
	if err != nil {
		return HistoryPage{}, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out HistoryPage
	for rows.Next() {
		var e Entry
		var kind, payer, payee, assetCode, counterAsset, status string
		var counter, at int64
		if err := rows.Scan(&e.ID, &kind, &payer, &payee, &assetCode, &e.Amount.Minor, &e.Fee, &counterAsset, &counter, &e.Note,
			&status, &e.Refunded, &e.PostID, &e.RequestID, &e.PaymentID, &at); err != nil {
			return HistoryPage{}, fmt.Errorf("history: %w", err)
		}
		e.Kind, e.Status, e.At = Kind(kind), Status(status), fromNanos(at)
		e.Amount.Asset = asset(assetCode)
		if counterAsset != "" {
			e.Counter = money.Amount{Asset: asset(counterAsset), Minor: counter}
		}
		e.Direction, e.CounterpartyID = Sent, payee
		if payer != userID {
			e.Direction, e.CounterpartyID = Received, payer
		}
		out.Entries = append(out.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return HistoryPage{}, fmt.Errorf("history: %w", err)
	}
	if len(out.Entries) > limit {
		out.Entries = out.Entries[:limit]
		last := out.Entries[limit-1]
		out.Next = nestegg.Cursor{At: last.At.UnixNano(), ID: last.ID}.String()
	}
	users := s.users()
	for i := range out.Entries {
		if id := out.Entries[i].CounterpartyID; id != "" {
			u, err := users(ctx, id)
			if err != nil {
				return HistoryPage{}, err
			}
			out.Entries[i].CounterpartyHandle = u.Handle
		}
	}
	return out, nil
}

// users returns a lookup of users by id that remembers what it found, for
// the length of one call.
func (s *Service) users() func(ctx context.Context, id string) (social.User, error) {
	cache := map[string]social.User{}
	return func(ctx context.Context, id string) (social.User, error) {
		if u, ok := cache[id]; ok {
			return u, nil
		}
		u, err := s.social.UserByID(ctx, id)
		if nestegg.Is(err, nestegg.NotFound) {
			u, err = social.User{ID: id}, nil // a closed account still shows in history
		}
		if err != nil {
			return social.User{}, err
		}
		cache[id] = u
		return u, nil
	}
}

// ExportCSV writes userID's history, as filtered, to w as CSV with a header
// row: amounts as plain decimals, times in RFC 3339 UTC. Only userID may
// call it. Errors: as History, and w's.
func (s *Service) ExportCSV(ctx context.Context, userID string, w io.Writer, f HistoryFilter) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"time", "id", "kind", "direction", "counterparty", "asset", "amount", "fee", "refunded", "status", "note", "payment_id"}); err != nil {
		return err
	}
	page := Page{Limit: 100}
	for {
		h, err := s.History(ctx, userID, f, page)
		if err != nil {
			return err
		}
		for _, e := range h.Entries {
			sc := e.Amount.Asset.Scale
			who := ""
			if e.CounterpartyHandle != "" {
				who = "@" + e.CounterpartyHandle
			}
			if err := cw.Write([]string{e.At.Format(time.RFC3339Nano), e.ID, string(e.Kind), string(e.Direction), who, e.Amount.Asset.Code,
				money.FormatPlain(e.Amount.Minor, sc), money.FormatPlain(e.Fee, sc), money.FormatPlain(e.Refunded, sc), string(e.Status),
				cell(e.Note), e.PaymentID}); err != nil {
				return err
			}
		}
		if h.Next == "" {
			break
		}
		page.Cursor = h.Next
	}
	cw.Flush()
	return cw.Error()
}

// cell defuses text a spreadsheet would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
