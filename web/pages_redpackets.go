package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
)

// Red packets on the web: the sending form with the packets sent, a
// review before the money leaves, and the packet's page, where the
// people it is for open it and its sender sees who got what.

type redPacketForm struct {
	Amount, Shares, Split, Message, Cover, To, PostID, Key string
	Error                                                  string
}

type redPacketsPage struct {
	Base
	F       redPacketForm
	Covers  []string
	Balance string
	Sent    []payments.RedPacket
}

type redPacketPage struct {
	Base
	P      payments.RedPacket
	Mine   bool // the viewer sent it
	Key    string
	Expiry string
}

// redPacketsPage is the sending form and the list of packets sent.
func (s *Server) redPacketsPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	q := r.URL.Query()
	f := redPacketForm{To: q.Get("to"), PostID: q.Get("post"), Shares: "5", Split: "random", Cover: "classic", Key: newPayKey()}
	return s.showRedPackets(pc, f)
}

func (s *Server) showRedPackets(pc *pageCtx, f redPacketForm) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	ctx := pc.r.Context()
	d := &redPacketsPage{F: f, Covers: payments.RedPacketCovers}
	bal, err := s.payments.Balance(ctx, pc.me.ID, s.payments.Config().Assets[0])
	if err != nil {
		return err
	}
	d.Balance = money.Format(bal)
	if d.Sent, err = s.payments.RedPacketsSent(ctx, pc.me.ID); err != nil {
		return err
	}
	d.Base = pc.base("Red packets")
	return s.render(pc, "redpackets", d)
}

// redPacketSubmit reviews, then sends, a red packet.
func (s *Server) redPacketSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	f := redPacketForm{Amount: r.PostFormValue("amount"), Shares: r.PostFormValue("shares"), Split: r.PostFormValue("split"),
		Message: r.PostFormValue("message"), Cover: r.PostFormValue("cover"), To: r.PostFormValue("to"), PostID: r.PostFormValue("post_id"),
		Key: r.PostFormValue(payKeyField)}
	key, err := payKey(r)
	if err != nil {
		return err
	}
	again := func(msg string) error { f.Error = msg; return s.showRedPackets(pc, f) }
	amt, perr := money.ParsePositive(f.Amount, s.payments.Config().Assets[0])
	if perr != nil {
		return again("Type the total, such as $20.")
	}
	n, nerr := strconv.Atoi(strings.TrimSpace(f.Shares))
	if nerr != nil || n < 1 || n > payments.MaxRedPacketShares {
		return again("Say how many people can open it: 1 to " + strconv.Itoa(payments.MaxRedPacketShares) + ".")
	}
	handles := strings.Fields(strings.ReplaceAll(f.To, ",", " "))
	in := payments.RedPacketInput{SenderID: pc.me.ID, Amount: amt, Shares: n, Split: payments.RedPacketSplit(f.Split), Message: f.Message,
		Cover: f.Cover, ToHandles: handles, PostID: strings.TrimSpace(f.PostID), IdempotencyKey: key}
	if !confirmed(r) {
		who := "Whoever can read the post"
		if len(handles) > 0 {
			who = strings.Join(handles, " ")
		}
		how := "At random: every share at least 1¢"
		if in.Split == payments.SplitEvenly {
			how = "Evenly"
		}
		return s.reviewChecked(pc, "Send a red packet", "Send "+money.Format(amt)+" red packet", "/redpackets",
			"The first "+strconv.Itoa(n)+" to open it get a share. What nobody opens in 24 hours comes back to you.",
			&payments.PreviewInput{Kind: payments.KindSend, Movement: movement.RedPacket, Amount: amt},
			[]reviewLine{{"For", who, false}, {"Shares", strconv.Itoa(n), false}, {"Split", how, false}, {"Leaves your wallet", money.Format(amt), true}},
			"amount", "shares", "split", "message", "cover", "to", "post_id", payKeyField)
	}
	p, err := s.payments.SendRedPacket(r.Context(), in)
	switch {
	case nestegg.Is(err, nestegg.InsufficientFunds):
		return again("You don't have " + money.Format(amt) + " in your wallet. Choose a smaller total, or add money first.")
	case err != nil && userError(err):
		f.Key = newPayKey()
		return again(nestegg.ErrorMessage(err) + ".")
	case err != nil:
		return err
	}
	return s.seeOther(pc, "/redpackets/"+url.PathEscape(p.ID), "Your red packet is on its way: "+strconv.Itoa(n)+" shares of "+money.Format(amt)+".")
}

// redPacketShow is a packet's page.
func (s *Server) redPacketShow(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	p, err := s.payments.RedPacket(r.Context(), pc.me.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &redPacketPage{P: p, Mine: p.SenderID == pc.me.ID, Key: newPayKey()}
	d.Base = pc.base("Red packet from @" + p.SenderHandle)
	return s.render(pc, "redpacket", d)
}

// redPacketOpenSubmit opens a packet for the viewer.
func (s *Server) redPacketOpenSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needPayments(); err != nil {
		return err
	}
	id := r.PathValue("id")
	p, err := s.payments.OpenRedPacket(r.Context(), pc.me.ID, id)
	back := "/redpackets/" + url.PathEscape(id)
	switch {
	case nestegg.Is(err, nestegg.Conflict):
		return s.seeOther(pc, back, "Too late: "+nestegg.ErrorMessage(err)+".")
	case err != nil:
		return err
	}
	return s.seeOther(pc, back, "You got "+money.Format(p.Mine.Amount)+" from @"+p.SenderHandle+"'s red packet. It's in your wallet.")
}
