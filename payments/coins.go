package payments

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// MaxCoins is the most coins one purchase or redemption moves.
const MaxCoins = 1_000_000

// Award is a named award and its price in coins.
type Award struct {
	Name  string
	Coins int64
}

// Awards lists the awards on offer, cheapest first. Anyone may call it.
func (s *Service) Awards() []Award {
	out := make([]Award, 0, len(s.cfg.Awards))
	for n, c := range s.cfg.Awards {
		out = append(out, Award{Name: n, Coins: c})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Coins < out[j].Coins || (out[i].Coins == out[j].Coins && out[i].Name < out[j].Name)
	})
	return out
}

// BuyCoins turns userID's balance into coins at Config.CoinPriceMinor each.
// In one linked chain: the coins' redemption value moves from the member's
// wallet to the platform's liability account (it owes that back when the
// coins are redeemed), the rest of the price to fee revenue (the spread),
// and the coins from the platform's COIN liability account to the member's
// COIN wallet. Only userID may call it.
//
// Errors: Invalid (Param "coins" for 1 to MaxCoins, "idempotency_key", or
// coins switched off); Forbidden for a checkpoint denial;
// InsufficientFunds; Conflict for a reused key.
func (s *Service) BuyCoins(ctx context.Context, userID string, coins int64, idempotencyKey string) (Payment, error) {
	// One reading of the prices, so that a change made meanwhile cannot
	// mix two sets in one purchase.
	pr := s.prices.Load()
	cost, err := s.coinMath(coins, pr.CoinPriceMinor)
	if err != nil {
		return Payment{}, err
	}
	redeemValue, _ := money.Mul(coins, pr.CoinRedeemMinor)
	cash := s.cfg.CoinAsset
	tid := derive("coinbuy", userID, idempotencyKey)
	p := Payment{Kind: KindCoinBuy, PayerID: userID, Amount: money.Amount{Asset: asset(cash), Minor: cost},
		Counter: money.Amount{Asset: s.coin, Minor: coins}, TransferID: tid}
	var ts []ledger.Transfer
	if redeemValue > 0 {
		ts = append(ts, ledger.Transfer{ID: tid, DebitAccountID: walletID(userID, cash), CreditAccountID: platformID(cash, ledger.KindLiability),
			Amount: redeemValue, Asset: cash, Code: "coin_buy"})
	}
	if spread := cost - redeemValue; spread > 0 {
		ts = append(ts, ledger.Transfer{ID: derive("coinfee", userID, idempotencyKey), DebitAccountID: walletID(userID, cash),
			CreditAccountID: platformID(cash, ledger.KindFeeRevenue), Amount: spread, Asset: cash, Code: "coin_spread"})
	}
	ts = append(ts, ledger.Transfer{ID: derive("coinissue", userID, idempotencyKey), DebitAccountID: platformID(s.coin.Code, ledger.KindLiability),
		CreditAccountID: walletID(userID, s.coin.Code), Amount: coins, Asset: s.coin.Code, Code: "coin_issue"})
	p.TransferID = ts[0].ID
	return s.exchange(ctx, p, movement.CoinBuy, idempotencyKey, ts, "buy coins")
}

// RedeemCoins turns userID's coins back into balance at
// Config.CoinRedeemMinor each: the coins go back to the platform's COIN
// liability account and their redemption value from the platform's
// liability account to the member's wallet, linked. Only userID may call
// it.
//
// Errors: Invalid (Param "coins", "idempotency_key", or redemption
// switched off); Forbidden for a checkpoint denial; InsufficientFunds when
// they have fewer coins; Conflict for a reused key.
func (s *Service) RedeemCoins(ctx context.Context, userID string, coins int64, idempotencyKey string) (Payment, error) {
	value, err := s.coinMath(coins, s.prices.Load().CoinRedeemMinor)
	if err != nil {
		return Payment{}, err
	}
	cash := s.cfg.CoinAsset
	p := Payment{Kind: KindCoinRedeem, PayerID: userID, Amount: money.Amount{Asset: s.coin, Minor: coins},
		Counter: money.Amount{Asset: asset(cash), Minor: value}}
	ts := []ledger.Transfer{
		{ID: derive("coinredeem", userID, idempotencyKey), DebitAccountID: walletID(userID, s.coin.Code),
			CreditAccountID: platformID(s.coin.Code, ledger.KindLiability), Amount: coins, Asset: s.coin.Code, Code: "coin_redeem", Linked: true},
		{ID: derive("coinpayout", userID, idempotencyKey), DebitAccountID: platformID(cash, ledger.KindLiability),
			CreditAccountID: walletID(userID, cash), Amount: value, Asset: cash, Code: "coin_payout"},
	}
	p.TransferID = ts[0].ID
	return s.exchange(ctx, p, movement.CoinRedeem, idempotencyKey, ts, "redeem coins")
}

func (s *Service) coinMath(coins, rate int64) (int64, error) {
	if !s.coinsEnabled() || rate <= 0 {
		return 0, nestegg.Errorf(nestegg.Invalid, "coins are not offered here")
	}
	if coins < 1 || coins > MaxCoins {
		return 0, nestegg.ParamErrorf(nestegg.Invalid, "coins", "choose 1 to %d coins", MaxCoins)
	}
	return money.Mul(coins, rate)
}

// exchange makes a coin purchase or redemption: one movement, one payment
// row and its linked transfers between the member and the platform. Only a
// purchase counts toward limits (the table says so): a redemption brings
// money in.
func (s *Service) exchange(ctx context.Context, p Payment, kind movement.Kind, key string, ts []ledger.Transfer, op string) (Payment, error) {
	if err := nestegg.CheckKey(key); err != nil {
		return Payment{}, err
	}
	if _, err := s.member(ctx, p.PayerID, "user_id"); err != nil {
		return Payment{}, err
	}
	for _, a := range []string{s.cfg.CoinAsset, s.coin.Code} {
		if _, err := s.ensureWallet(ctx, p.PayerID, a); err != nil {
			return Payment{}, err
		}
		if err := s.ensurePlatform(ctx, a); err != nil {
			return Payment{}, err
		}
	}
	for i := range ts[:len(ts)-1] {
		ts[i].Linked = true
	}
	fp := nestegg.Fingerprint(string(p.Kind), strconv.FormatInt(p.Counter.Minor, 10), strconv.FormatInt(p.Amount.Minor, 10))
	p.Audience, p.Status = Private, StatusCompleted
	// Limits count in cash: a purchase's cost, a redemption's payout.
	cash := p.Amount
	if kind == movement.CoinRedeem {
		cash = p.Counter
	}
	req := movement.Request{Kind: kind, ID: nestegg.NewID("pay"), Actor: p.PayerID, Key: key, Fingerprint: fp, From: p.PayerID,
		Asset: cash.Asset.Code, Amount: cash.Minor}
	for _, t := range ts {
		req.Accounts = append(req.Accounts, t.DebitAccountID, t.CreditAccountID)
	}
	var out Payment
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		out = p
		out.ID = tx.ID()
		out.CreatedAt = tx.Now()
		out.UpdatedAt = out.CreatedAt
		if err := s.insertPayment(ctx, tx.SQL, out, p.PayerID, key, fp); err != nil {
			return err
		}
		_, err := tx.Submit(ctx, ts...)
		return err
	})
	if err == nil && res.Replayed {
		out, err = s.paymentIn(ctx, nil, res.Reference)
	}
	if err != nil {
		return Payment{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// AwardInput gives a named award to a post.
type AwardInput struct {
	FromUserID     string
	PostID         string
	Award          string   // a name from Config.Awards
	Audience       Audience // default Private
	IdempotencyKey string
}

// GiveAward gives a post's author an award: its price in coins moves from
// the giver's COIN wallet to the author's. The author is notified. Only
// FromUserID may call it.
//
// Errors: Invalid (Param "award" for an unknown award, "idempotency_key",
// or awarding your own post); NotFound (Param "post_id"); Forbidden for a
// block either way or a checkpoint denial; InsufficientFunds when the giver
// has too few coins; Conflict for a reused key.
func (s *Service) GiveAward(ctx context.Context, in AwardInput) (Payment, error) {
	coins, ok := s.cfg.Awards[in.Award]
	if !ok || !s.coinsEnabled() {
		return Payment{}, nestegg.ParamErrorf(nestegg.Invalid, "award", "there is no award called %q", in.Award)
	}
	post, err := s.social.Post(ctx, in.FromUserID, in.PostID)
	if nestegg.Is(err, nestegg.NotFound) {
		return Payment{}, nestegg.ParamErrorf(nestegg.NotFound, "post_id", "no such post")
	}
	if err != nil {
		return Payment{}, err
	}
	if post.Author.ID == in.FromUserID {
		return Payment{}, nestegg.ParamErrorf(nestegg.Invalid, "post_id", "you can't award your own post")
	}
	a := payArgs{kind: KindAward, payer: in.FromUserID, payee: post.Author.ID, payeeHandle: post.Author.Handle,
		amount: money.Amount{Asset: s.coin, Minor: coins}, audience: in.Audience, key: in.IdempotencyKey, postID: post.ID, award: in.Award,
		notifyKind: NotifyAward, notify: fmt.Sprintf("gave your post the %s award (%d coins)", in.Award, coins)}
	if err := s.prepare(ctx, &a, false); err != nil {
		return Payment{}, err
	}
	p, err := s.pay(ctx, nil, a, nil)
	if err != nil {
		return Payment{}, fmt.Errorf("award: %w", err)
	}
	return p, nil
}
