package web

import (
	"net/http"
	"time"

	"github.com/nestegg/nestegg/payments"
)

// Red packets (issue 19): sent by the caller, opened by the caller; the
// sender sees every share opened, others their own.

type redPacketRequest struct {
	Amount  amountInput `json:"amount"`
	Asset   string      `json:"asset"`
	Shares  int         `json:"shares"`
	Split   string      `json:"split"`
	Message string      `json:"message"`
	Cover   string      `json:"cover"`
	To      []string    `json:"to"`
	PostID  string      `json:"post_id"`
}

type redPacketOpenJSON struct {
	Handle   string    `json:"handle"`
	Amount   int64     `json:"amount"`
	Display  string    `json:"display"`
	OpenedAt time.Time `json:"opened_at"`
}

type redPacketJSON struct {
	ID        string              `json:"id"`
	Sender    string              `json:"sender"`
	Amount    int64               `json:"amount"`
	Asset     string              `json:"asset"`
	Display   string              `json:"display"`
	Shares    int                 `json:"shares"`
	Opened    int                 `json:"opened"`
	Split     string              `json:"split"`
	Message   string              `json:"message"`
	Cover     string              `json:"cover"`
	To        []string            `json:"to"`
	PostID    string              `json:"post_id,omitempty"`
	Status    string              `json:"status"`
	Returned  int64               `json:"returned"`
	ExpiresAt time.Time           `json:"expires_at"`
	CreatedAt time.Time           `json:"created_at"`
	Opens     []redPacketOpenJSON `json:"opens"`
	Mine      *redPacketOpenJSON  `json:"mine"`
	CanOpen   bool                `json:"can_open"`
}

func jsonRedPacket(p payments.RedPacket) redPacketJSON {
	j := redPacketJSON{ID: p.ID, Sender: p.SenderHandle, Amount: p.Amount.Minor, Asset: p.Amount.Asset.Code, Display: jsonAmount(p.Amount).Display,
		Shares: p.Shares, Opened: p.Opened, Split: string(p.Split), Message: p.Message, Cover: p.Cover, To: p.Recipients, PostID: p.PostID,
		Status: string(p.Status), Returned: p.Returned, ExpiresAt: p.ExpiresAt, CreatedAt: p.CreatedAt, Opens: []redPacketOpenJSON{}, CanOpen: p.CanOpen}
	if j.To == nil {
		j.To = []string{}
	}
	for _, o := range p.Opens {
		j.Opens = append(j.Opens, redPacketOpenJSON{Handle: o.Handle, Amount: o.Amount.Minor, Display: jsonAmount(o.Amount).Display, OpenedAt: o.At})
	}
	if p.Mine != nil {
		j.Mine = &redPacketOpenJSON{Handle: p.Mine.Handle, Amount: p.Mine.Amount.Minor, Display: jsonAmount(p.Mine.Amount).Display, OpenedAt: p.Mine.At}
	}
	return j
}

// apiSendRedPacket sends a red packet from the caller's wallet.
func (s *Server) apiSendRedPacket(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	var req redPacketRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	amt, err := s.resolveAmount(req.Amount, req.Asset)
	if err != nil {
		return err
	}
	p, err := s.payments.SendRedPacket(r.Context(), payments.RedPacketInput{SenderID: me, Amount: amt, Shares: req.Shares,
		Split: payments.RedPacketSplit(req.Split), Message: req.Message, Cover: req.Cover, ToHandles: req.To, PostID: req.PostID,
		IdempotencyKey: apiIdemKey(r)})
	if err != nil {
		return s.apiMoneyError(r.Context(), me, amt.Asset.Code, err)
	}
	return writeJSON(w, http.StatusCreated, jsonRedPacket(p))
}

// apiRedPackets lists the packets the caller sent.
func (s *Server) apiRedPackets(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	ps, err := s.payments.RedPacketsSent(r.Context(), me)
	if err != nil {
		return err
	}
	out := apiList[redPacketJSON]{Data: []redPacketJSON{}}
	for _, p := range ps {
		out.Data = append(out.Data, jsonRedPacket(p))
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiRedPacket shows a packet to its sender or to someone it is for.
func (s *Server) apiRedPacket(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	p, err := s.payments.RedPacket(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonRedPacket(p))
}

// apiOpenRedPacket opens a packet for the caller: their share, once.
func (s *Server) apiOpenRedPacket(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	p, err := s.payments.OpenRedPacket(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonRedPacket(p))
}
