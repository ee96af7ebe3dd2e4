package payments

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// Red packets: a member puts a total in a packet for a group of people or
// a post's audience (its conversation); the first Shares people to open it
// get a share each — even, or random — and what nobody opened goes back
// to the sender when the packet expires.
//
// As transfers: sending moves the total from the sender's wallet to the
// packet's escrow account (esc:<packet>, which can never go below zero);
// each opening moves one share from escrow to the opener's wallet; the
// expiry moves the rest back to the sender. Every one is a movement.

// MaxRedPacketShares is the most shares one packet has.
const MaxRedPacketShares = 200

// RedPacketTTL is how long a packet stays open before what is left goes
// back to its sender.
const RedPacketTTL = 24 * time.Hour

// RedPacketCovers are the covers a packet may wear; "" is the first.
var RedPacketCovers = []string{"classic", "gold", "blossom", "lantern"}

// RedPacketSplit is how a packet's total is divided.
type RedPacketSplit string

// The splits.
const (
	SplitEvenly   RedPacketSplit = "even"
	SplitAtRandom RedPacketSplit = "random"
)

// RedPacketStatus is where a packet is.
type RedPacketStatus string

// The statuses.
const (
	PacketOpen    RedPacketStatus = "open"    // shares wait to be opened
	PacketEmptied RedPacketStatus = "emptied" // every share was opened
	PacketExpired RedPacketStatus = "expired" // time ran out; the rest went back
)

// RedPacketInput is a packet to send.
type RedPacketInput struct {
	SenderID string
	Amount   money.Amount // the total
	Shares   int
	Split    RedPacketSplit // default SplitAtRandom
	Message  string
	Cover    string
	// ToHandles are the people it is for; or PostID names a post whose
	// readers (its conversation) may open it. Exactly one of the two.
	ToHandles      []string
	PostID         string
	IdempotencyKey string
}

// RedPacket is a packet as its viewer may see it.
type RedPacket struct {
	ID           string
	SenderID     string
	SenderHandle string
	Amount       money.Amount
	Shares       int
	Split        RedPacketSplit
	Message      string
	Cover        string
	PostID       string
	Recipients   []string // handles, for a packet to people
	Status       RedPacketStatus
	Opened       int   // shares opened
	Returned     int64 // minor units sent back at expiry
	ExpiresAt    time.Time
	CreatedAt    time.Time
	// Opens are the shares opened: every one for the sender, the viewer's
	// own for anyone else.
	Opens []RedPacketOpen
	// Mine is the viewer's share, when they opened one.
	Mine *RedPacketOpen
	// CanOpen: the viewer may open it now.
	CanOpen bool
}

// RedPacketOpen is one opened share.
type RedPacketOpen struct {
	UserID string
	Handle string
	Amount money.Amount
	At     time.Time
}

// NotifyRedPacket tells a member about a packet for them, and its sender
// about the shares opened.
const NotifyRedPacket = "payment_red_packet"

func packetEscrow(packetID string) string { return "esc:" + packetID }

// packetID derives a packet's id from its sender's key, so that a retry
// names (and prepares the escrow of) the same packet.
func packetID(sender, key string) string {
	h := sha256.Sum256([]byte(sender + "\x00" + key))
	return "rpk_" + strings.ToLower(b32.EncodeToString(h[:])[:26])
}

// SendRedPacket sends a red packet: in.Amount leaves the sender's wallet
// for the packet's escrow at once, after the checkpoint, and the shares
// are drawn now (SplitRandom with crypto/rand, or SplitEven), each at
// least one minor unit, summing exactly to the total. The people named are
// notified. Only SenderID may call it.
//
// Errors: Invalid (Param "amount", "asset", "shares", "split", "message",
// "cover", "to", "idempotency_key"); NotFound (Param "to" or "post_id");
// Forbidden for a checkpoint denial; InsufficientFunds;
// IdempotencyMismatch for a reused key.
func (s *Service) SendRedPacket(ctx context.Context, in RedPacketInput) (RedPacket, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return RedPacket{}, err
	}
	amt, err := s.amount(in.Amount)
	if err != nil {
		return RedPacket{}, err
	}
	if in.Split == "" {
		in.Split = SplitAtRandom
	}
	if in.Split != SplitEvenly && in.Split != SplitAtRandom {
		return RedPacket{}, nestegg.ParamErrorf(nestegg.Invalid, "split", "split is even or random")
	}
	if in.Cover == "" {
		in.Cover = RedPacketCovers[0]
	}
	if !slices.Contains(RedPacketCovers, in.Cover) {
		return RedPacket{}, nestegg.ParamErrorf(nestegg.Invalid, "cover", "the cover is one of %s", strings.Join(RedPacketCovers, ", "))
	}
	msg, err := checkNote("message", in.Message)
	if err != nil {
		return RedPacket{}, err
	}
	if err := checkSplit(amt.Minor, in.Shares, 1); err != nil {
		return RedPacket{}, err
	}
	if _, err := s.member(ctx, in.SenderID, "from"); err != nil {
		return RedPacket{}, err
	}
	var recipients []string
	var handles []string
	switch {
	case len(in.ToHandles) > 0 && in.PostID != "", len(in.ToHandles) == 0 && in.PostID == "":
		return RedPacket{}, nestegg.ParamErrorf(nestegg.Invalid, "to", "send a packet to people or to a post's audience, not both or neither")
	case in.PostID != "":
		if _, err := s.social.Post(ctx, in.SenderID, in.PostID); err != nil {
			return RedPacket{}, nestegg.ParamErrorf(nestegg.NotFound, "post_id", "no such post")
		}
	default:
		if len(in.ToHandles) > MaxRedPacketShares {
			return RedPacket{}, nestegg.ParamErrorf(nestegg.Invalid, "to", "at most %d people", MaxRedPacketShares)
		}
		for _, h := range in.ToHandles {
			u, err := s.byHandle(ctx, h, "to")
			if err != nil {
				return RedPacket{}, err
			}
			if u.ID == in.SenderID {
				return RedPacket{}, nestegg.ParamErrorf(nestegg.Invalid, "to", "a packet is for others, not you")
			}
			if !slices.Contains(recipients, u.ID) {
				recipients = append(recipients, u.ID)
				handles = append(handles, u.Handle)
			}
		}
	}
	var shares []int64
	if in.Split == SplitEvenly {
		shares, err = SplitEven(amt.Minor, in.Shares, 1)
	} else {
		shares, err = SplitRandom(amt.Minor, in.Shares, 1, nil)
	}
	if err != nil {
		return RedPacket{}, err
	}
	code := amt.Asset.Code
	id := packetID(in.SenderID, in.IdempotencyKey)
	if _, err := s.ensureWallet(ctx, in.SenderID, code); err != nil {
		return RedPacket{}, err
	}
	if err := s.ledger.Ensure(ctx, ledger.Account{ID: packetEscrow(id), Asset: code, Kind: "escrow", Owner: id, DebitsMustNotExceedCredits: true}); err != nil {
		return RedPacket{}, fmt.Errorf("red packet escrow: %w", err)
	}
	fp := nestegg.Fingerprint("red_packet", code, strconv.FormatInt(amt.Minor, 10), strconv.Itoa(in.Shares), string(in.Split),
		msg, in.Cover, in.PostID, strings.Join(recipients, ","))
	req := movement.Request{Kind: movement.RedPacket, ID: id, Actor: in.SenderID, Key: in.IdempotencyKey, Fingerprint: fp,
		From: in.SenderID, Asset: code, Amount: amt.Minor, Note: msg,
		Accounts: []string{walletID(in.SenderID, code), packetEscrow(id)}}
	_, err = s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		now := tx.Now().UnixNano()
		if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO payment_red_packets (id, sender_id, asset, total, shares, split, message, cover, post_id, expires_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			id, in.SenderID, code, amt.Minor, in.Shares, string(in.Split), msg, in.Cover, in.PostID, tx.Now().Add(RedPacketTTL).UnixNano(), now); err != nil {
			return err
		}
		for i, a := range shares {
			if _, err := tx.SQL.ExecContext(ctx, "INSERT INTO payment_red_packet_shares (packet_id, idx, amount) VALUES ($1, $2, $3)", id, i, a); err != nil {
				return err
			}
		}
		for _, u := range recipients {
			if b, err := s.blocked(ctx, tx.SQL, in.SenderID, u); err != nil {
				return err
			} else if b {
				return nestegg.ParamErrorf(nestegg.Forbidden, "to", "you can't send a packet to someone you blocked or who blocked you")
			}
			if _, err := tx.SQL.ExecContext(ctx, "INSERT INTO payment_red_packet_recipients (packet_id, user_id) VALUES ($1, $2)", id, u); err != nil {
				return err
			}
		}
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: derive("rpk", id), DebitAccountID: walletID(in.SenderID, code),
			CreditAccountID: packetEscrow(id), Amount: amt.Minor, Asset: code, Code: "red_packet"}); err != nil {
			return err
		}
		for _, u := range recipients {
			if err := s.notify(ctx, tx.SQL, u, NotifyRedPacket, in.SenderID, "", "sent you a red packet"+noteSuffix(msg)+" · /redpackets/"+id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return RedPacket{}, fmt.Errorf("red packet: %w", err)
	}
	return s.RedPacket(ctx, in.SenderID, id)
}

// OpenRedPacket opens a packet for userID: the next share, if any is
// left, moves from the packet's escrow to their wallet. Each member opens
// a packet once: opening it again answers the share they got. Concurrent
// openers are let in one at a time by the guarded UPDATE of the packet's
// claimed count, so that exactly Shares of them get money.
//
// Errors: NotFound when the packet does not exist or userID may not open
// it (not among its people, or cannot read its post); Invalid for its own
// sender; Conflict when every share is taken or the packet expired.
func (s *Service) OpenRedPacket(ctx context.Context, userID, id string) (RedPacket, error) {
	p, err := s.RedPacket(ctx, userID, id)
	if err != nil {
		return RedPacket{}, err
	}
	if p.Mine != nil {
		return p, nil
	}
	if p.SenderID == userID {
		return RedPacket{}, nestegg.Errorf(nestegg.Invalid, "this is your own packet: it is for the others to open")
	}
	code := p.Amount.Asset.Code
	if _, err := s.ensureWallet(ctx, userID, code); err != nil {
		return RedPacket{}, err
	}
	req := movement.Request{Kind: movement.RedPacketOpen, Actor: userID, Key: "red-packet:" + id, Fingerprint: "open",
		Reference: id, From: p.SenderID, To: userID, Asset: code,
		Accounts: []string{packetEscrow(id), walletID(userID, code)}}
	_, err = s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		now := tx.Now().UnixNano()
		if b, err := s.blocked(ctx, tx.SQL, p.SenderID, userID); err != nil {
			return err
		} else if b {
			return nestegg.Errorf(nestegg.NotFound, "no such red packet")
		}
		r, err := tx.SQL.ExecContext(ctx, `UPDATE payment_red_packets SET claimed = claimed + 1, updated_at = $2
			WHERE id = $1 AND status = 'open' AND expires_at > $2 AND claimed < shares`, id, now)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return nestegg.Errorf(nestegg.Conflict, "this red packet is empty: every share was opened, or it expired")
		}
		var claimed, shares int
		if err := tx.SQL.QueryRowContext(ctx, "SELECT claimed, shares FROM payment_red_packets WHERE id = $1", id).Scan(&claimed, &shares); err != nil {
			return err
		}
		var mine int
		if err := tx.SQL.QueryRowContext(ctx, "SELECT count(*) FROM payment_red_packet_shares WHERE packet_id = $1 AND claimer_id = $2", id, userID).Scan(&mine); err != nil {
			return err
		}
		if mine > 0 {
			return nestegg.Errorf(nestegg.Conflict, "you have opened this red packet already")
		}
		idx := claimed - 1
		r, err = tx.SQL.ExecContext(ctx, "UPDATE payment_red_packet_shares SET claimer_id = $3, claimed_at = $4 WHERE packet_id = $1 AND idx = $2 AND claimer_id IS NULL",
			id, idx, userID, now)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("red packet %s: share %d was taken twice", id, idx)
		}
		var amount int64
		if err := tx.SQL.QueryRowContext(ctx, "SELECT amount FROM payment_red_packet_shares WHERE packet_id = $1 AND idx = $2", id, idx).Scan(&amount); err != nil {
			return err
		}
		if claimed == shares {
			if _, err := tx.SQL.ExecContext(ctx, "UPDATE payment_red_packets SET status = 'emptied' WHERE id = $1 AND status = 'open'", id); err != nil {
				return err
			}
		}
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: derive("rpo", id, strconv.Itoa(idx)), DebitAccountID: packetEscrow(id),
			CreditAccountID: walletID(userID, code), Amount: amount, Asset: code, Code: "red_packet_open"}); err != nil {
			return err
		}
		return s.notify(ctx, tx.SQL, p.SenderID, NotifyRedPacket, userID, "", "opened your red packet and got "+fmtAmount(p.Amount.Asset, amount))
	})
	if err != nil {
		return RedPacket{}, fmt.Errorf("open red packet: %w", err)
	}
	return s.RedPacket(ctx, userID, id)
}

// RedPacket returns a packet to its sender (with every share opened) or
// to someone it is for (with their own). Errors: NotFound when it does not
// exist or viewerID may not see it.
func (s *Service) RedPacket(ctx context.Context, viewerID, id string) (RedPacket, error) {
	r := s.db.Reader()
	var p RedPacket
	var code, split, status string
	var expires, created int64
	err := r.QueryRowContext(ctx, `SELECT id, sender_id, asset, total, shares, split, message, cover, post_id, status, claimed, returned, expires_at, created_at
		FROM payment_red_packets WHERE id = $1`, id).Scan(&p.ID, &p.SenderID, &code, &p.Amount.Minor, &p.Shares, &split, &p.Message, &p.Cover,
		&p.PostID, &status, &p.Opened, &p.Returned, &expires, &created)
	notFound := nestegg.ParamErrorf(nestegg.NotFound, "id", "no such red packet")
	if errors.Is(err, sql.ErrNoRows) || viewerID == "" {
		return RedPacket{}, notFound
	}
	if err != nil {
		return RedPacket{}, fmt.Errorf("red packet: %w", err)
	}
	p.Amount.Asset, p.Split, p.Status = asset(code), RedPacketSplit(split), RedPacketStatus(status)
	p.ExpiresAt, p.CreatedAt = fromNanos(expires), fromNanos(created)
	sender, err := s.social.UserByID(ctx, p.SenderID)
	if err != nil {
		return RedPacket{}, err
	}
	p.SenderHandle = sender.Handle
	rows, err := r.QueryContext(ctx, "SELECT user_id FROM payment_red_packet_recipients WHERE packet_id = $1 ORDER BY user_id", id)
	if err != nil {
		return RedPacket{}, fmt.Errorf("red packet: %w", err)
	}
	var ids []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return RedPacket{}, err
		}
		ids = append(ids, u)
	}
	rows.Close()
	if viewerID != p.SenderID {
		if p.PostID != "" {
			if _, err := s.social.Post(ctx, viewerID, p.PostID); err != nil {
				return RedPacket{}, notFound
			}
		} else if !slices.Contains(ids, viewerID) {
			return RedPacket{}, notFound
		}
	}
	for _, u := range ids {
		if who, err := s.social.UserByID(ctx, u); err == nil {
			p.Recipients = append(p.Recipients, who.Handle)
		}
	}
	rows, err = r.QueryContext(ctx, "SELECT claimer_id, amount, claimed_at FROM payment_red_packet_shares WHERE packet_id = $1 AND claimer_id IS NOT NULL ORDER BY claimed_at, idx", id)
	if err != nil {
		return RedPacket{}, fmt.Errorf("red packet: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o RedPacketOpen
		var at int64
		if err := rows.Scan(&o.UserID, &o.Amount.Minor, &at); err != nil {
			return RedPacket{}, err
		}
		o.Amount.Asset, o.At = p.Amount.Asset, fromNanos(at)
		if o.UserID != viewerID && viewerID != p.SenderID {
			continue
		}
		if who, err := s.social.UserByID(ctx, o.UserID); err == nil {
			o.Handle = who.Handle
		}
		p.Opens = append(p.Opens, o)
		if o.UserID == viewerID {
			mine := o
			p.Mine = &mine
		}
	}
	if err := rows.Err(); err != nil {
		return RedPacket{}, err
	}
	p.CanOpen = p.Mine == nil && viewerID != p.SenderID && p.Status == PacketOpen && s.now().Before(p.ExpiresAt)
	return p, nil
}

// RedPacketsSent lists the packets senderID sent, newest first (at most
// 50).
func (s *Service) RedPacketsSent(ctx context.Context, senderID string) ([]RedPacket, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id FROM payment_red_packets WHERE sender_id = $1 ORDER BY created_at DESC, id DESC LIMIT 50", senderID)
	if err != nil {
		return nil, fmt.Errorf("red packets: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]RedPacket, 0, len(ids))
	for _, id := range ids {
		p, err := s.RedPacket(ctx, senderID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

var errPacketNotOpen = errors.New("payments: red packet not open")

// ExpireRedPackets returns what is left in packets past their time to
// their senders (up to 100 a call) and says how many it returned. For
// the background worker; safe in several processes at once: each return
// is a movement keyed by the packet (a second run replays it) and guarded
// by the packet's status, and it locks the packet's escrow as openers do,
// so an opening and the expiry never cross.
func (s *Service) ExpireRedPackets(ctx context.Context) (int, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, sender_id, asset FROM payment_red_packets WHERE status = 'open' AND expires_at <= $1 ORDER BY expires_at LIMIT 100", s.now().UnixNano())
	if err != nil {
		return 0, fmt.Errorf("expire red packets: %w", err)
	}
	type due struct{ id, sender, asset string }
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.sender, &d.asset); err != nil {
			rows.Close()
			return 0, fmt.Errorf("expire red packets: %w", err)
		}
		list = append(list, d)
	}
	rows.Close()
	n := 0
	for _, d := range list {
		req := movement.Request{Kind: movement.RedPacketReturn, Actor: "job", Key: "red-packet-return:" + d.id, Fingerprint: "return",
			Reference: d.id, To: d.sender, Asset: d.asset,
			Accounts: []string{packetEscrow(d.id), walletID(d.sender, d.asset)}}
		res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
			r, err := tx.SQL.ExecContext(ctx, "UPDATE payment_red_packets SET status = 'expired', updated_at = $2 WHERE id = $1 AND status = 'open' AND expires_at <= $2", d.id, tx.Now().UnixNano())
			if err != nil {
				return err
			}
			if n, err := r.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return errPacketNotOpen
			}
			esc, err := tx.Account(ctx, packetEscrow(d.id))
			if err != nil {
				return err
			}
			rest := esc.Balance()
			if rest <= 0 {
				return errPacketNotOpen
			}
			if _, err := tx.SQL.ExecContext(ctx, "UPDATE payment_red_packets SET returned = $2 WHERE id = $1", d.id, rest); err != nil {
				return err
			}
			if _, err := tx.Submit(ctx, ledger.Transfer{ID: derive("rpr", d.id), DebitAccountID: packetEscrow(d.id),
				CreditAccountID: walletID(d.sender, d.asset), Amount: rest, Asset: d.asset, Code: "red_packet_return"}); err != nil {
				return err
			}
			return s.notify(ctx, tx.SQL, d.sender, NotifyRedPacket, "", "", fmtAmount(asset(d.asset), rest)+" nobody opened in your red packet is back in your wallet")
		})
		switch {
		case errors.Is(err, errPacketNotOpen):
			continue // emptied meanwhile, or returned by another process
		case err != nil:
			return n, fmt.Errorf("expire red packet %s: %w", d.id, err)
		}
		if !res.Replayed {
			n++
		}
	}
	return n, nil
}
