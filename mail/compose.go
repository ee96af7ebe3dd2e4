package mail

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

//go:embed templates
var templateFS embed.FS

var (
	textTemplates = template.Must(template.ParseFS(templateFS, "templates/*.txt"))
	htmlLayout    = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/layout.html"))
)

// linkData is a verification or reset message's data.
type linkData struct {
	Link      string    `json:"link"`
	Expires   time.Time `json:"expires"`
	TwoFactor bool      `json:"two_factor,omitempty"`
}

// movementData is the movement an event carries (package movement's
// movementEvent).
type movementData struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Label     string `json:"label"`
	Status    string `json:"status"`
	From      string `json:"from"`
	To        string `json:"to"`
	Asset     string `json:"asset"`
	Amount    int64  `json:"amount"`
	Fee       int64  `json:"fee"`
	Reference string `json:"reference"`
	Note      string `json:"note"`
}

// receiptData is a receipt's data: the movement, and which side of it the
// member is.
type receiptData struct {
	Role     string       `json:"role"` // "sent" or "received"
	At       time.Time    `json:"at"`
	Movement movementData `json:"movement"`
}

// weeklyData is a weekly summary's data.
type weeklyData struct {
	Week   string        `json:"week"`
	From   time.Time     `json:"from"`
	To     time.Time     `json:"to"`
	Totals []weeklyTotal `json:"totals"`
}

type weeklyTotal struct {
	Asset string `json:"asset"`
	Count int    `json:"count"`
	In    int64  `json:"in"`
	Out   int64  `json:"out"`
}

// page is what the HTML layout shows.
type page struct {
	Subject, Site, Link, Button string
	Paragraphs, After           []string
	Rows                        [][2]string
}

func stamp(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }

func (o *Outbox) text(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (o *Outbox) html(p page) (string, error) {
	p.Site = o.opt.Site
	var b bytes.Buffer
	if err := htmlLayout.ExecuteTemplate(&b, "layout.html", p); err != nil {
		return "", err
	}
	return b.String(), nil
}

func amount(asset string, minor int64) string {
	a, err := money.Lookup(asset)
	if err != nil {
		return fmt.Sprintf("%d %s (minor units)", minor, asset)
	}
	return money.Format(money.Amount{Minor: minor, Asset: a})
}

// compose turns a claimed message into words, for its recipient now.
// Errors: errSkip (not to be sent), errPermanent (it never will be),
// others (retry).
func (o *Outbox) compose(ctx context.Context, c claimedMail, data []byte) (Message, error) {
	r, err := o.social.Recipient(ctx, c.userID)
	if nestegg.Is(err, nestegg.NotFound) {
		return Message{}, fmt.Errorf("%w: the account is gone", errSkip)
	}
	if err != nil {
		return Message{}, err
	}
	name := r.DisplayName
	if name == "" {
		name = "@" + r.Handle
	}
	switch c.kind {
	case KindVerify, KindReset:
		var d linkData
		if err := json.Unmarshal(data, &d); err != nil {
			return Message{}, fmt.Errorf("%w: %v", errPermanent, err)
		}
		if !strings.EqualFold(c.to, r.Email) {
			// The member changed address meanwhile: the link would not
			// work, and the old address is no longer theirs to mail.
			return Message{}, fmt.Errorf("%w: the address changed", errSkip)
		}
		if !d.Expires.After(o.now()) {
			return Message{}, fmt.Errorf("%w: the link expired before it could be sent", errSkip)
		}
		vars := map[string]any{"Name": name, "Handle": r.Handle, "To": c.to, "Site": o.opt.Site, "Link": d.Link, "Expires": stamp(d.Expires), "TwoFactor": d.TwoFactor}
		m := Message{To: c.to}
		p := page{Link: d.Link}
		if c.kind == KindVerify {
			m.Subject = "Confirm your email address for " + o.opt.Site
			p.Paragraphs = []string{"Hi " + name + ",", "Please confirm that " + c.to + " is your email address for @" + r.Handle + "."}
			p.Button = "Confirm my address"
			p.After = []string{"The link works once, until " + stamp(d.Expires) + ".", "If you did not sign up for " + o.opt.Site + ", ignore this email."}
		} else {
			m.Subject = "Reset your " + o.opt.Site + " password"
			p.Paragraphs = []string{"Hi " + name + ",", "Someone (we hope you) asked to reset the password of @" + r.Handle + ". Choosing a new one signs you out everywhere and revokes your API tokens."}
			p.Button = "Choose a new password"
			p.After = []string{"The link works once, for one hour (until " + stamp(d.Expires) + ").", "If you did not ask, ignore this email: your password stays as it is."}
		}
		if m.Text, err = o.text(c.kind+".txt", vars); err != nil {
			return Message{}, fmt.Errorf("%w: %v", errPermanent, err)
		}
		p.Subject = m.Subject
		if m.HTML, err = o.html(p); err != nil {
			return Message{}, fmt.Errorf("%w: %v", errPermanent, err)
		}
		return m, nil
	case KindReceipt:
		if !r.Verified {
			return Message{}, fmt.Errorf("%w: no verified address", errSkip)
		}
		var d receiptData
		if err := json.Unmarshal(data, &d); err != nil {
			return Message{}, fmt.Errorf("%w: %v", errPermanent, err)
		}
		return o.receipt(ctx, r, name, d)
	case KindWeekly:
		if !r.Verified || !r.Weekly {
			return Message{}, fmt.Errorf("%w: no verified address, or the summary is off", errSkip)
		}
		var d weeklyData
		if err := json.Unmarshal(data, &d); err != nil {
			return Message{}, fmt.Errorf("%w: %v", errPermanent, err)
		}
		return o.weekly(r, name, d)
	}
	return Message{}, fmt.Errorf("%w: unknown kind %q", errPermanent, c.kind)
}

func (o *Outbox) receipt(ctx context.Context, r social.Recipient, name string, d receiptData) (Message, error) {
	mv := d.Movement
	amt := amount(mv.Asset, mv.Amount)
	other, otherRole, verb := mv.To, "To:         ", "You paid "+amt
	if d.Role == "received" {
		other, otherRole, verb = mv.From, "From:       ", "You received "+amt
	}
	var counterparty string
	if other != "" {
		if u, err := o.social.UserByID(ctx, other); err == nil {
			counterparty = "@" + u.Handle
		}
	}
	headline := verb
	if counterparty != "" {
		if d.Role == "received" {
			headline += " from " + counterparty
		} else {
			headline += " to " + counterparty
		}
	}
	headline += " (" + strings.ToLower(mv.Label) + ")."
	held := mv.Status == "held"
	vars := map[string]any{"Name": name, "Headline": headline, "Label": mv.Label, "Amount": amt, "Counterparty": counterparty,
		"CounterpartyRole": otherRole, "Note": mv.Note, "Held": held, "At": stamp(d.At), "Reference": mv.ID, "Base": o.opt.BaseURL, "Fee": ""}
	rows := [][2]string{{"What", mv.Label}, {"Amount", amt}}
	if mv.Fee > 0 && d.Role != "received" {
		vars["Fee"] = amount(mv.Asset, mv.Fee)
		rows = append(rows, [2]string{"Fee", amount(mv.Asset, mv.Fee)})
	}
	if counterparty != "" {
		rows = append(rows, [2]string{strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(otherRole), ":")), counterparty})
	}
	if mv.Note != "" {
		rows = append(rows, [2]string{"Note", mv.Note})
	}
	if held {
		rows = append(rows, [2]string{"Status", "held for review"})
	}
	rows = append(rows, [2]string{"Date", stamp(d.At)}, [2]string{"Reference", mv.ID})
	m := Message{To: r.Email, Subject: "Receipt: " + strings.TrimSuffix(headline, ".")}
	var err error
	if m.Text, err = o.text("receipt.txt", vars); err != nil {
		return Message{}, fmt.Errorf("%w: %v", errPermanent, err)
	}
	m.HTML, err = o.html(page{Subject: m.Subject, Paragraphs: []string{"Hi " + name + ",", headline}, Rows: rows,
		After: []string{"Your statement: " + o.opt.BaseURL + "/statement", "If you do not recognise this, change your password in your settings and contact support."}})
	if err != nil {
		return Message{}, fmt.Errorf("%w: %v", errPermanent, err)
	}
	return m, nil
}

func (o *Outbox) weekly(r social.Recipient, name string, d weeklyData) (Message, error) {
	type line struct {
		Asset, In, Out string
		Count          int
	}
	var lines []line
	var rows [][2]string
	for _, t := range d.Totals {
		l := line{Asset: t.Asset, Count: t.Count, In: amount(t.Asset, t.In), Out: amount(t.Asset, t.Out)}
		lines = append(lines, l)
		rows = append(rows, [2]string{t.Asset, fmt.Sprintf("%d movements: in %s, out %s", t.Count, l.In, l.Out)})
	}
	from, to := d.From.Format("2 Jan"), d.To.Add(-time.Second).Format("2 Jan 2006")
	vars := map[string]any{"Name": name, "Site": o.opt.Site, "From": from, "To": to, "Totals": lines, "Base": o.opt.BaseURL}
	m := Message{To: r.Email, Subject: "Your week on " + o.opt.Site + ", " + from + " to " + to}
	var err error
	if m.Text, err = o.text("weekly.txt", vars); err != nil {
		return Message{}, fmt.Errorf("%w: %v", errPermanent, err)
	}
	m.HTML, err = o.html(page{Subject: m.Subject, Paragraphs: []string{"Hi " + name + ",", "Your week, " + from + " to " + to + ":"}, Rows: rows,
		After: []string{"You get this summary every Monday. Turn it off in your settings: " + o.opt.BaseURL + "/settings"}})
	if err != nil {
		return Message{}, fmt.Errorf("%w: %v", errPermanent, err)
	}
	return m, nil
}
