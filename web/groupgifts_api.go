package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/payments"
)

// Group gifts, all or nothing (issue 19): started, pledged to and
// withdrawn from by the caller; payments decides what the caller sees.

type groupGiftRequest struct {
	To       string        `json:"to"`
	Amount   targetInput   `json:"target"`
	Asset    string        `json:"asset"`
	Title    string        `json:"title"`
	Deadline deadlineInput `json:"deadline"`
}

type pledgeRequest struct {
	Amount amountInput `json:"amount"`
	Asset  string      `json:"asset"`
}

type pledgeJSON struct {
	ID        string    `json:"id"`
	GiftID    string    `json:"gift_id"`
	Handle    string    `json:"handle"`
	Amount    int64     `json:"amount"`
	Asset     string    `json:"asset"`
	Display   string    `json:"display"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

type groupGiftJSON struct {
	ID        string       `json:"id"`
	Organizer string       `json:"organizer"`
	To        string       `json:"to"`
	Title     string       `json:"title"`
	Target    int64        `json:"target"`
	Pledged   int64        `json:"pledged"`
	Asset     string       `json:"asset"`
	Display   string       `json:"display"`
	Deadline  time.Time    `json:"deadline"`
	Status    string       `json:"status"`
	Rule      string       `json:"rule"`
	PostID    string       `json:"post_id"`
	Pledgers  int          `json:"pledgers"`
	Pledges   []pledgeJSON `json:"pledges"`
	CreatedAt time.Time    `json:"created_at"`
}

func jsonPledge(p payments.Pledge) pledgeJSON {
	return pledgeJSON{ID: p.ID, GiftID: p.GiftID, Handle: p.Handle, Amount: p.Amount.Minor, Asset: p.Amount.Asset.Code,
		Display: jsonAmount(p.Amount).Display, Status: string(p.Status), CreatedAt: p.CreatedAt}
}

func jsonGroupGift(g payments.GroupGift) groupGiftJSON {
	j := groupGiftJSON{ID: g.ID, Organizer: g.OrganizerHandle, To: g.RecipientHandle, Title: g.Title, Target: g.Target.Minor, Pledged: g.Pledged,
		Asset: g.Target.Asset.Code, Display: jsonAmount(g.Target).Display, Deadline: g.Deadline, Status: string(g.Status), Rule: g.Rule(),
		PostID: g.PostID, Pledgers: g.Pledgers, Pledges: []pledgeJSON{}, CreatedAt: g.CreatedAt}
	for _, p := range g.Pledges {
		j.Pledges = append(j.Pledges, jsonPledge(p))
	}
	return j
}

// apiStartGroupGift starts a gift organised by the caller.
func (s *Server) apiStartGroupGift(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	var req groupGiftRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	amt, err := s.resolveAmount(req.Amount.amountInput, req.Asset)
	if err != nil {
		return renamed(err, "target")
	}
	key := apiIdemKey(r)
	if key == "" {
		key = nestegg.NewID("key")
	}
	g, err := s.payments.StartGroupGift(r.Context(), payments.GroupGiftInput{OrganizerID: me, RecipientHandle: req.To, Target: amt,
		Title: req.Title, Deadline: req.Deadline.Time, IdempotencyKey: key})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, jsonGroupGift(g))
}

// apiGroupGift shows a gift.
func (s *Server) apiGroupGift(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	g, err := s.payments.GroupGift(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonGroupGift(g))
}

// apiPledge reserves money from the caller's wallet for a gift.
func (s *Server) apiPledge(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	var req pledgeRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	amt, err := s.resolveAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	p, err := s.payments.Pledge(r.Context(), me, r.PathValue("id"), amt, apiIdemKey(r))
	if err != nil {
		return s.apiMoneyError(r.Context(), me, amt.Asset.Code, err)
	}
	return writeJSON(w, http.StatusCreated, jsonPledge(p))
}

// apiWithdrawPledge takes the caller's pledge back before the deadline.
func (s *Server) apiWithdrawPledge(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	p, err := s.payments.WithdrawPledge(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonPledge(p))
}

// targetInput is an amount whose errors name the "target" field.
type targetInput struct{ amountInput }

func (a *targetInput) UnmarshalJSON(b []byte) error {
	return renamed(a.amountInput.UnmarshalJSON(b), "target")
}

// renamed is err with its Param set to param.
func renamed(err error, param string) error {
	var e *nestegg.Error
	if errors.As(err, &e) {
		c := *e
		c.Param = param
		return &c
	}
	return err
}

// deadlineInput is an RFC 3339 time whose errors name "deadline".
type deadlineInput struct{ time.Time }

func (d *deadlineInput) UnmarshalJSON(b []byte) error {
	if err := d.Time.UnmarshalJSON(b); err != nil {
		return nestegg.ParamErrorf(nestegg.Invalid, "deadline", "deadline is a time such as 2026-12-24T18:00:00Z")
	}
	return nil
}
