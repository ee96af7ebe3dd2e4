package payments

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// Balance returns what userID can spend in the asset (code such as "USD"
// or "COIN"): zero when they have no wallet in it yet. Only userID may call
// it. Errors: Invalid (Param "asset") for an asset not offered here.
func (s *Service) Balance(ctx context.Context, userID, assetCode string) (money.Amount, error) {
	w, err := s.wallet(ctx, userID, assetCode)
	if err != nil {
		return money.Amount{}, err
	}
	return money.Amount{Asset: w.Asset, Minor: w.Available}, nil
}

// Balances returns userID's wallets: one per enabled asset, then coins when
// coins are on, whether or not any money has moved yet. Only userID may
// call it. Errors: database failures only.
func (s *Service) Balances(ctx context.Context, userID string) ([]Wallet, error) {
	codes := append([]string{}, s.cfg.Assets...)
	if s.coinsEnabled() {
		codes = append(codes, s.coin.Code)
	}
	out := make([]Wallet, 0, len(codes))
	for _, c := range codes {
		w, err := s.wallet(ctx, userID, c)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

func (s *Service) wallet(ctx context.Context, userID, assetCode string) (Wallet, error) {
	a, err := money.Lookup(assetCode)
	if err != nil || !(s.enabled(a.Code) || (a.Code == s.coin.Code && s.coinsEnabled())) {
		return Wallet{}, nestegg.ParamErrorf(nestegg.Invalid, "asset", "%s is not offered here", assetCode)
	}
	w := Wallet{Asset: a}
	acct, err := s.ledger.Account(ctx, walletID(userID, a.Code))
	if nestegg.Is(err, nestegg.NotFound) {
		return w, nil
	}
	if err != nil {
		return Wallet{}, fmt.Errorf("balance: %w", err)
	}
	w.Available, w.Incoming, w.Outgoing = acct.Balance(), acct.CreditsPending, acct.DebitsPending
	return w, nil
}

// Credit adds amount to userID's wallet from the platform's cash account:
// money that reached the platform outside a rail (an operator's manual
// deposit, a demo or test). Bank and card deposits replace it later. The
// idempotency key is the operator's, unique across all credits. Only the
// operator may call it.
//
// Errors: Invalid (Param "amount", "asset", "reason", "idempotency_key");
// NotFound (Param "user_id") for an unknown member; Conflict when the key
// was used for another credit.
func (s *Service) Credit(ctx context.Context, userID string, amount money.Amount, idempotencyKey, reason string) (Payment, error) {
	if err := nestegg.CheckKey(idempotencyKey); err != nil {
		return Payment{}, err
	}
	amount, err := s.amount(amount)
	if err != nil {
		return Payment{}, err
	}
	if reason, err = checkNote("reason", reason); err != nil {
		return Payment{}, err
	}
	if _, err := s.member(ctx, userID, "user_id"); err != nil {
		return Payment{}, err
	}
	if _, err := s.ensureWallet(ctx, userID, amount.Asset.Code); err != nil {
		return Payment{}, err
	}
	if err := s.ensurePlatform(ctx, amount.Asset.Code); err != nil {
		return Payment{}, err
	}
	fp := nestegg.Fingerprint(string(KindCredit), userID, amount.Asset.Code, strconv.FormatInt(amount.Minor, 10), reason)
	req := movement.Request{Kind: movement.Credit, ID: nestegg.NewID("pay"), Actor: "operator", Key: idempotencyKey, Fingerprint: fp,
		To: userID, Asset: amount.Asset.Code, Amount: amount.Minor, Note: reason,
		Accounts: []string{platformID(amount.Asset.Code, ledger.KindCash), walletID(userID, amount.Asset.Code)}}
	var p Payment
	res, err := s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		now := tx.Now()
		p = Payment{ID: tx.ID(), Kind: KindCredit, PayeeID: userID, Amount: amount, Note: reason,
			Audience: Private, Status: StatusCompleted, TransferID: derive("credit", idempotencyKey), CreatedAt: now, UpdatedAt: now}
		if err := s.insertPayment(ctx, tx.SQL, p, "operator", idempotencyKey, fp); err != nil {
			return err
		}
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: p.TransferID, DebitAccountID: platformID(amount.Asset.Code, ledger.KindCash),
			CreditAccountID: walletID(userID, amount.Asset.Code), Amount: amount.Minor, Asset: amount.Asset.Code, Code: "credit"}); err != nil {
			return err
		}
		return s.notify(ctx, tx.SQL, userID, NotifyCredit, "", "", money.Format(amount)+" was added to your wallet"+noteSuffix(reason))
	})
	if err == nil && res.Replayed {
		p, err = s.paymentIn(ctx, nil, res.Reference)
	}
	if err != nil {
		return Payment{}, fmt.Errorf("credit: %w", err)
	}
	return p, nil
}
