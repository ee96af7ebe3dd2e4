package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
)

// SendVerification writes l's verification message to the outbox.
func (o *Outbox) SendVerification(ctx context.Context, l social.EmailLink) error {
	return o.Enqueue(ctx, nil, Envelope{Kind: KindVerify, UserID: l.UserID, To: l.Email, Dedupe: "verify:" + nestegg.NewID("d"),
		Data: linkData{Link: o.opt.BaseURL + "/verify-email?token=" + url.QueryEscape(l.Token), Expires: l.ExpiresAt}})
}

// SendReset writes l's password reset message to the outbox.
func (o *Outbox) SendReset(ctx context.Context, l social.EmailLink) error {
	return o.Enqueue(ctx, nil, Envelope{Kind: KindReset, UserID: l.UserID, To: l.Email, Dedupe: "reset:" + nestegg.NewID("d"),
		Data: linkData{Link: o.opt.BaseURL + "/password/reset?token=" + url.QueryEscape(l.Token), Expires: l.ExpiresAt, TwoFactor: l.TwoFactor}})
}

var outboxColumns = []store.Column{{Name: "id", Type: "TEXT"}, {Name: "dedupe", Type: "TEXT"}, {Name: "kind", Type: "TEXT"},
	{Name: "user_id", Type: "TEXT"}, {Name: "to_addr", Type: "TEXT"}, {Name: "data", Type: "TEXT"}, {Name: "status", Type: "TEXT"},
	{Name: "attempts", Type: "INTEGER"}, {Name: "next_at", Type: "BIGINT"}, {Name: "created_at", Type: "BIGINT"}}

// receiptsFor says which members a movement event gets a receipt for:
// the member money left, for a movement that spends (done, or held for
// review), and the member it reached, once it is done, for money coming
// in, coming back, or paid to them. Movements inside the platform
// (settlements, recognition, releases of escrow) send none.
func receiptsFor(mv movementData) (sent, received string) {
	info, ok := movement.Lookup(movement.Kind(mv.Kind))
	if !ok || mv.Amount <= 0 {
		return "", ""
	}
	if mv.From != "" && info.Direction == movement.Out && (mv.Status == "done" || mv.Status == "held") {
		sent = mv.From
	}
	if mv.To != "" && mv.Status == "done" && (info.Direction == movement.In || info.Direction == movement.Back || info.Payee) {
		received = mv.To
	}
	if sent == received {
		received = ""
	}
	return sent, received
}

// Receipts is the events fan-out hook: it writes a receipt for each member
// a movement event names (receiptsFor) into the outbox, in the fan-out's
// transaction, in one bulk statement. Set it with events.Service.OnFanOut.
func (o *Outbox) Receipts(ctx context.Context, tx *sql.Tx, evs []events.Event) error {
	b := o.db.Dialect.NewBulk(outboxColumns...)
	now := o.now().UnixNano()
	for _, e := range evs {
		if !strings.HasPrefix(e.Type, "movement.") {
			continue
		}
		var mv movementData
		if err := json.Unmarshal(e.Data, &mv); err != nil {
			continue // not a movement as the kernel writes it: no receipt
		}
		sent, received := receiptsFor(mv)
		for _, side := range []struct{ user, role string }{{sent, "sent"}, {received, "received"}} {
			if side.user == "" || !strings.HasPrefix(side.user, "usr_") {
				continue
			}
			raw, err := json.Marshal(receiptData{Role: side.role, At: e.CreatedAt, Movement: mv})
			if err != nil {
				return err
			}
			id := nestegg.NewID("mal")
			data := string(raw)
			if o.opt.Sealer != nil {
				data = o.opt.Sealer.Seal(data, id)
			}
			b.Add(id, "receipt:"+e.ID+":"+side.user, KindReceipt, side.user, "", data, "pending", 0, now, now)
		}
	}
	if b.Len() == 0 {
		return nil
	}
	return b.Insert(ctx, tx, "mail_outbox", " ON CONFLICT (dedupe) DO NOTHING")
}

// weekPage is how many members a weekly run takes at a time.
const weekPage = 100

// Week returns the ISO week that ended last before t ("2026-W49"), and its
// bounds, Monday 00:00 UTC to the next Monday.
func Week(t time.Time) (string, time.Time, time.Time) {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	from := monday.AddDate(0, 0, -7)
	y, w := from.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w), from, monday
}

// Weekly writes the summary of the week that ended last for up to pages ×
// 100 members who want it and returns how many it wrote; the next call
// goes on where it stopped, and once every member is done it does nothing
// until the next week. Safe in several processes at once: a page is
// claimed by a guarded update of mail_weekly, and a summary is keyed by
// member and week. Members with no movement that week get none. Errors:
// database failures.
func (o *Outbox) Weekly(ctx context.Context, pages int) (int, error) {
	week, from, to := Week(o.now())
	if err := o.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO mail_weekly (week, after_user, done) VALUES ($1, '', 0) ON CONFLICT (week) DO NOTHING", week)
		return err
	}); err != nil {
		return 0, fmt.Errorf("mail: weekly: %w", err)
	}
	written := 0
	for range pages {
		var after string
		var done int
		err := o.db.Reader().QueryRowContext(ctx, "SELECT after_user, done FROM mail_weekly WHERE week = $1", week).Scan(&after, &done)
		if err != nil {
			return written, fmt.Errorf("mail: weekly: %w", err)
		}
		if done == 1 {
			return written, nil
		}
		rs, err := o.social.Recipients(ctx, after, weekPage)
		if err != nil {
			return written, fmt.Errorf("mail: weekly: %w", err)
		}
		for _, r := range rs {
			d, err := o.summary(ctx, r.UserID, week, from, to)
			if err != nil {
				return written, fmt.Errorf("mail: weekly: %w", err)
			}
			if len(d.Totals) == 0 {
				continue
			}
			if err := o.Enqueue(ctx, nil, Envelope{Kind: KindWeekly, UserID: r.UserID, Dedupe: "weekly:" + week + ":" + r.UserID, Data: d}); err != nil {
				return written, err
			}
			written++
		}
		next, fin := after, 0
		if len(rs) > 0 {
			next = rs[len(rs)-1].UserID
		}
		if len(rs) < weekPage {
			fin = 1
		}
		// Guarded by where this page started: a process that took the
		// same page meanwhile has advanced it, and this page's summaries
		// were no-ops by their keys.
		err = o.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE mail_weekly SET after_user = $1, done = $2 WHERE week = $3 AND after_user = $4 AND done = 0", next, fin, week, after)
			return err
		})
		if err != nil {
			return written, fmt.Errorf("mail: weekly: %w", err)
		}
	}
	return written, nil
}

// summary totals userID's movements in [from, to) from its events, per
// asset: what came in and what went out, as receipts count them.
func (o *Outbox) summary(ctx context.Context, userID, week string, from, to time.Time) (weeklyData, error) {
	d := weeklyData{Week: week, From: from, To: to}
	byAsset := map[string]*weeklyTotal{}
	var order []string
	cursor := ""
	for {
		pg, err := o.events.List(ctx, userID, nestegg.Page{Cursor: cursor, Limit: 100})
		if err != nil {
			return d, err
		}
		for _, e := range pg.Events {
			if !e.CreatedAt.Before(to) {
				continue
			}
			if e.CreatedAt.Before(from) {
				pg.Next = ""
				break
			}
			var mv movementData
			if !strings.HasPrefix(e.Type, "movement.") || json.Unmarshal(e.Data, &mv) != nil {
				continue
			}
			sent, received := receiptsFor(mv)
			if sent != userID && received != userID {
				continue
			}
			t := byAsset[mv.Asset]
			if t == nil {
				t = &weeklyTotal{Asset: mv.Asset}
				byAsset[mv.Asset] = t
				order = append(order, mv.Asset)
			}
			t.Count++
			var err error
			if sent == userID {
				if t.Out, err = money.Add(t.Out, mv.Amount); err == nil {
					t.Out, err = money.Add(t.Out, mv.Fee)
				}
			} else {
				t.In, err = money.Add(t.In, mv.Amount)
			}
			if err != nil {
				return d, err
			}
		}
		if pg.Next == "" {
			break
		}
		cursor = pg.Next
	}
	for _, a := range order {
		d.Totals = append(d.Totals, *byAsset[a])
	}
	return d, nil
}
