package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/cards"
	"github.com/nestegg/nestegg/money"
)

// The debit card on the web (Money › Card): issue a virtual card, see its
// number once through the issuer, freeze and unfreeze it, set its
// controls, and follow its purchases, pending until captured. In sandbox
// mode the page also plays a merchant: a purchase to try, and its capture.

type cardPage struct {
	Base
	Sandbox bool
	Wallet  string
	Cards   []cardView
	Key     string
	Error   string
	// Categories a simulated merchant may be in.
	Categories []cardCategory
}

type cardCategory struct{ Code, Name string }

type cardView struct {
	cards.Card
	Expiry      string
	PerPurchase string // "" for none
	Daily       string
	Blocked     string
	SpentToday  string
	Activity    []cardLine
}

type cardLine struct {
	ID       string
	Type     string
	Merchant string
	Category string
	Amount   string
	Cashback string
	Status   string
	Reason   string
	At       time.Time
}

func (s *Server) needCards() error {
	if s.cards == nil || s.payments == nil {
		return nestegg.Errorf(nestegg.Unavailable, "debit cards are not enabled on this server")
	}
	return nil
}

// cardPage is the member's cards.
func (s *Server) cardPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.showCards(pc, "")
}

func (s *Server) showCards(pc *pageCtx, msg string) error {
	if err := s.needCards(); err != nil {
		return err
	}
	ctx := pc.r.Context()
	d := &cardPage{Sandbox: s.cards.Sandbox(), Key: newPayKey(), Error: msg}
	d.Base = pc.base("Debit card")
	bal, err := s.payments.Balance(ctx, pc.me.ID, "USD")
	if err != nil {
		return err
	}
	d.Wallet = money.Format(bal)
	cs, err := s.cards.List(ctx, pc.me.ID)
	if err != nil {
		return err
	}
	usd, _ := money.Lookup("USD")
	amt := func(m int64) string { return money.Format(money.Amount{Asset: usd, Minor: m}) }
	for _, c := range cs {
		v := cardView{Card: c, Expiry: twoDigits(c.ExpMonth) + "/" + twoDigits(c.ExpYear%100), Blocked: strings.Join(c.Controls.BlockedCategories, ", "), SpentToday: amt(c.SpentToday)}
		if c.Controls.PerPurchase > 0 {
			v.PerPurchase = amt(c.Controls.PerPurchase)
		}
		if c.Controls.Daily > 0 {
			v.Daily = amt(c.Controls.Daily)
		}
		act, err := s.cards.Activity(ctx, pc.me.ID, c.ID, 30)
		if err != nil {
			return err
		}
		for _, a := range act {
			l := cardLine{ID: a.ID, Type: a.Type, Merchant: a.Merchant, Category: cards.CategoryName(a.Category), Amount: amt(a.Amount), Status: a.Status,
				Reason: declineText(a.Reason), At: a.At}
			if a.Cashback > 0 {
				l.Cashback = amt(a.Cashback)
			}
			v.Activity = append(v.Activity, l)
		}
		d.Cards = append(d.Cards, v)
	}
	for _, code := range []string{"5812", "5411", "5541", "5999", "6011", "7995"} {
		d.Categories = append(d.Categories, cardCategory{Code: code, Name: cards.CategoryName(code)})
	}
	return s.render(pc, "card", d)
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + string(rune('0'+n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// declineText is a decline's reason for the member.
func declineText(reason string) string {
	switch reason {
	case "":
		return ""
	case cards.ReasonFrozen:
		return "the card is frozen"
	case cards.ReasonCanceled:
		return "the card is canceled"
	case cards.ReasonOnline:
		return "online purchases are off"
	case cards.ReasonATM:
		return "ATM withdrawals are off"
	case cards.ReasonCategory:
		return "you blocked this kind of merchant"
	case cards.ReasonPurchaseLimit:
		return "over your limit per purchase"
	case cards.ReasonDailyLimit:
		return "over your daily limit"
	case cards.ReasonFunds:
		return "not enough money in your wallet"
	case cards.ReasonCompliance:
		return "your account's limits or status"
	case cards.ReasonCurrency:
		return "a currency the card does not take"
	}
	return strings.ReplaceAll(reason, "_", " ")
}

// cardIssueSubmit issues the member a virtual card.
func (s *Server) cardIssueSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCards(); err != nil {
		return err
	}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	c, err := s.cards.Issue(r.Context(), pc.me.ID, key)
	if err != nil {
		if userError(err) {
			return s.showCards(pc, nestegg.ErrorMessage(err)+".")
		}
		return err
	}
	return s.seeOther(pc, "/money/card", "Your virtual card ending "+c.Last4+" is ready to use.")
}

// cardFreezeSubmit freezes or unfreezes one of the member's cards.
func (s *Server) cardFreezeSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCards(); err != nil {
		return err
	}
	freeze := strings.HasSuffix(r.URL.Path, "/freeze")
	act, what := s.cards.Unfreeze, " is unfrozen: it works again."
	if freeze {
		act, what = s.cards.Freeze, " is frozen: every purchase is declined until you unfreeze it."
	}
	c, err := act(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.seeOther(pc, "/money/card", "Your card ending "+c.Last4+what)
}

// cardControlsSubmit sets one of the member's cards' controls.
func (s *Server) cardControlsSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCards(); err != nil {
		return err
	}
	c, err := s.cards.Get(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	limit := func(field, what string) (*int64, string) {
		t := strings.TrimSpace(r.PostFormValue(field))
		if t == "" || t == "0" {
			zero := int64(0)
			return &zero, ""
		}
		a, err := money.ParsePositive(t, c.Asset)
		if err != nil {
			return nil, "Type the " + what + " as an amount, such as $50, or leave it empty for none."
		}
		return &a.Minor, ""
	}
	per, msg := limit("per_purchase", "limit per purchase")
	if msg != "" {
		return s.showCards(pc, msg)
	}
	daily, msg := limit("daily", "daily limit")
	if msg != "" {
		return s.showCards(pc, msg)
	}
	var blocked []string
	for _, f := range strings.FieldsFunc(r.PostFormValue("blocked"), func(r rune) bool { return r == ',' || r == ' ' }) {
		blocked = append(blocked, f)
	}
	online, atm := r.PostFormValue("online") == "on", r.PostFormValue("atm") == "on"
	_, err = s.cards.SetControls(r.Context(), pc.me.ID, c.ID, cards.ControlsInput{PerPurchase: per, Daily: daily, BlockedCategories: &blocked, Online: &online, ATM: &atm})
	if err != nil {
		if userError(err) {
			return s.showCards(pc, nestegg.ErrorMessage(err)+".")
		}
		return err
	}
	return s.seeOther(pc, "/money/card", "Your card's controls are saved.")
}

// cardRevealSubmit sends the member to the issuer's page that shows the
// card's number once. Nestegg never sees the number.
func (s *Server) cardRevealSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCards(); err != nil {
		return err
	}
	rv, err := s.cards.Reveal(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !strings.HasPrefix(rv.URL, "/") && !strings.HasPrefix(rv.URL, "https://") {
		return s.seeOther(pc, "/money/card", "Your card's number is shown in the card issuer's app.")
	}
	http.Redirect(w, r, rv.URL, http.StatusSeeOther)
	return nil
}

type cardRevealPage struct {
	Base
	Number  string
	CVC     string
	Expiry  string
	Last4   string
	Expires string
}

// sandboxRevealPage is the sandbox issuer's own page: the card's number,
// once, to the member it was issued to. In production the issuer serves
// it; Nestegg only links to it.
func (s *Server) sandboxRevealPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if s.sbxIssuer == nil {
		return nestegg.Errorf(nestegg.NotFound, "not found")
	}
	c, err := s.sbxIssuer.RevealCard(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	if c.Owner != pc.me.ID {
		return nestegg.Errorf(nestegg.NotFound, "this link was used or has expired; ask for the card again")
	}
	w.Header().Set("Cache-Control", "no-store")
	var groups []string
	for i := 0; i < len(c.Number); i += 4 {
		groups = append(groups, c.Number[i:min(i+4, len(c.Number))])
	}
	d := &cardRevealPage{Number: strings.Join(groups, " "), CVC: c.CVC, Expiry: twoDigits(c.ExpMonth) + "/" + twoDigits(c.ExpYear%100), Last4: c.Last4}
	d.Base = pc.base("Your card")
	return s.render(pc, "card_reveal", d)
}

// cardSimulateSubmit plays a merchant asking to authorize a purchase on
// the member's card (sandbox mode only).
func (s *Server) cardSimulateSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCards(); err != nil {
		return err
	}
	amt, err := money.ParsePositive(r.PostFormValue("amount"), "USD")
	if err != nil {
		return s.showCards(pc, "Type the purchase's amount, such as $4.50.")
	}
	a, err := s.cards.Simulate(r.Context(), pc.me.ID, r.PathValue("id"), cards.Purchase{Merchant: r.PostFormValue("merchant"), Category: r.PostFormValue("category"),
		Amount: amt.Minor, Channel: r.PostFormValue("channel")})
	if err != nil {
		if userError(err) {
			return s.showCards(pc, nestegg.ErrorMessage(err)+".")
		}
		return err
	}
	if !a.Approved {
		return s.seeOther(pc, "/money/card", "Declined at "+a.Merchant.Name+": "+declineText(a.Reason)+".")
	}
	return s.seeOther(pc, "/money/card", money.Format(money.Amount{Asset: amt.Asset, Minor: a.Amount})+" approved at "+a.Merchant.Name+": pending until the merchant captures it.")
}

// cardCaptureSubmit plays the merchant capturing a pending purchase
// (sandbox mode only), for the amount typed (empty: as authorized).
func (s *Server) cardCaptureSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needCards(); err != nil {
		return err
	}
	var amount int64
	if t := strings.TrimSpace(r.PostFormValue("amount")); t != "" {
		a, err := money.ParsePositive(t, "USD")
		if err != nil {
			return s.showCards(pc, "Type the amount to capture, such as $5.25, or leave it empty.")
		}
		amount = a.Minor
	}
	t, err := s.cards.SimulateCapture(r.Context(), pc.me.ID, r.PathValue("id"), amount)
	if err != nil {
		if userError(err) {
			return s.showCards(pc, nestegg.ErrorMessage(err)+".")
		}
		return err
	}
	usd, _ := money.Lookup("USD")
	return s.seeOther(pc, "/money/card", "The merchant captured "+money.Format(money.Amount{Asset: usd, Minor: t.Amount})+".")
}
