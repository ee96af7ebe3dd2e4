package web

import (
	"net/http"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
)

// Tips, coins and awards, the payments feeds, post intents and the
// caller's payment settings.

type tipRequest struct {
	Amount   amountInput `json:"amount"`
	Asset    string      `json:"asset"`
	Note     string      `json:"note"`
	Audience string      `json:"audience"`
}

// apiTip tips a post's author (onPost) or the member named by {handle}.
func (s *Server) apiTip(onPost bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, body []byte) error {
		me, err := s.apiPayer(r)
		if err != nil {
			return err
		}
		var req tipRequest
		if err := decodeJSON(body, &req); err != nil {
			return err
		}
		amt, err := s.resolveAmount(req.Amount, req.Asset)
		if err != nil {
			return err
		}
		aud, err := apiAudience(req.Audience)
		if err != nil {
			return err
		}
		in := payments.TipInput{FromUserID: me, Amount: amt, Note: req.Note, Audience: aud, IdempotencyKey: apiIdemKey(r)}
		if onPost {
			in.PostID = r.PathValue("id")
		} else {
			in.ToHandle = r.PathValue("handle")
		}
		p, err := s.payments.Tip(r.Context(), in)
		if err != nil {
			return s.apiMoneyError(r.Context(), me, amt.Asset.Code, err)
		}
		return writePayment(w, p)
	}
}

// apiTipsReceived lists the tips the caller received.
func (s *Server) apiTipsReceived(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	page, err := apiPayPage(r)
	if err != nil {
		return err
	}
	pp, err := s.payments.TipsReceived(r.Context(), me, page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiList[paymentJSON]{Data: jsonPayments(pp.Payments), NextCursor: pp.Next, HasMore: pp.Next != ""})
}

type tipTotalJSON struct {
	Asset string `json:"asset"`
	Count int64  `json:"count"`
	Gross int64  `json:"gross"`
	Fee   int64  `json:"fee"`
	Net   int64  `json:"net"`
}

type earningsJSON struct {
	PostID string           `json:"post_id"`
	Tips   []tipTotalJSON   `json:"tips"`
	Awards map[string]int64 `json:"awards"`
	Coins  int64            `json:"coins"`
}

// apiPostTips is what a post earned, for its author only.
func (s *Server) apiPostTips(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	e, err := s.payments.PostTips(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := earningsJSON{PostID: e.PostID, Tips: make([]tipTotalJSON, 0, len(e.Tips)), Awards: e.Awards, Coins: e.Coins}
	for _, t := range e.Tips {
		out.Tips = append(out.Tips, tipTotalJSON{Asset: t.Asset.Code, Count: t.Count, Gross: t.Gross, Fee: t.Fee, Net: t.Net})
	}
	return writeJSON(w, http.StatusOK, out)
}

type coinsRequest struct {
	Coins int64 `json:"coins"`
}

// apiCoins buys (redeem false) or redeems coins for the caller.
func (s *Server) apiCoins(redeem bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, body []byte) error {
		me, err := s.apiPayer(r)
		if err != nil {
			return err
		}
		var req coinsRequest
		if err := decodeJSON(body, &req); err != nil {
			return err
		}
		act, asset := s.payments.BuyCoins, s.payments.Config().CoinAsset
		if redeem {
			act, asset = s.payments.RedeemCoins, "COIN"
		}
		p, err := act(r.Context(), me, req.Coins, apiIdemKey(r))
		if err != nil {
			return s.apiMoneyError(r.Context(), me, asset, err)
		}
		return writePayment(w, p)
	}
}

type awardRequest struct {
	Award    string `json:"award"`
	Audience string `json:"audience"`
}

func (s *Server) apiGiveAward(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	var req awardRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	aud, err := apiAudience(req.Audience)
	if err != nil {
		return err
	}
	p, err := s.payments.GiveAward(r.Context(), payments.AwardInput{FromUserID: me, PostID: r.PathValue("id"),
		Award: req.Award, Audience: aud, IdempotencyKey: apiIdemKey(r)})
	if err != nil {
		return s.apiMoneyError(r.Context(), me, "COIN", err)
	}
	return writePayment(w, p)
}

type awardJSON struct {
	Name  string `json:"name"`
	Coins int64  `json:"coins"`
}

type awardsJSON struct {
	Data []awardJSON `json:"data"`
	// What a coin costs and what a redeemed coin pays, in minor units of
	// Asset.
	Asset       string `json:"asset"`
	CoinPrice   int64  `json:"coin_price"`
	CoinRedeem  int64  `json:"coin_redeem"`
	CoinsOnSale bool   `json:"coins_on_sale"`
}

// apiAwards lists the awards on offer and the coin prices; anyone may ask.
func (s *Server) apiAwards(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedPayments(); err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	cfg := s.payments.Config()
	out := awardsJSON{Data: []awardJSON{}, Asset: cfg.CoinAsset, CoinsOnSale: cfg.CoinPriceMinor > 0}
	if out.CoinsOnSale {
		out.CoinPrice, out.CoinRedeem = cfg.CoinPriceMinor, cfg.CoinRedeemMinor
		for _, a := range s.payments.Awards() {
			out.Data = append(out.Data, awardJSON{Name: a.Name, Coins: a.Coins})
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiFeed is the payments feed as the caller (or nobody) may see it;
// apiProfileFeed narrows it to one member's payments.
func (s *Server) apiFeed(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedPayments(); err != nil {
		return err
	}
	page, err := apiPayPage(r)
	if err != nil {
		return err
	}
	fp, err := s.payments.Feed(r.Context(), apiViewer(r), page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonFeed(fp))
}

func (s *Server) apiProfileFeed(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedPayments(); err != nil {
		return err
	}
	page, err := apiPayPage(r)
	if err != nil {
		return err
	}
	u, err := s.apiUserByHandle(r)
	if err != nil {
		return err
	}
	fp, err := s.payments.ProfileFeed(r.Context(), apiViewer(r), u.ID, page)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonFeed(fp))
}

// apiGetIntent returns an intent to its author.
func (s *Server) apiGetIntent(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	in, err := s.payments.Intent(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, jsonIntent(in))
}

// apiPostIntents lists the intent a post made: its badge for anyone who may
// see the post, the details for its author.
func (s *Server) apiPostIntents(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.apiNeedPayments(); err != nil {
		return err
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	viewer := apiViewer(r)
	if _, err := s.social.Post(r.Context(), viewer, r.PathValue("id")); err != nil {
		return err
	}
	ins, err := s.payments.IntentsForPost(r.Context(), viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := apiList[intentJSON]{Data: make([]intentJSON, 0, len(ins))}
	for _, in := range ins {
		out.Data = append(out.Data, jsonIntent(in))
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiIntentAction confirms or cancels the caller's own intent.
func (s *Server) apiIntentAction(confirm bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		me, err := s.apiPayer(r)
		if err != nil {
			return err
		}
		act := s.payments.CancelIntent
		if confirm {
			act = s.payments.ConfirmIntent
		}
		in, err := act(r.Context(), me, r.PathValue("id"))
		if err != nil {
			if confirm {
				if cur, cerr := s.payments.Intent(r.Context(), me, r.PathValue("id")); cerr == nil && cur.Amount != nil {
					return s.apiMoneyError(r.Context(), me, cur.Amount.Asset.Code, err)
				}
			}
			return err
		}
		return writeJSON(w, http.StatusOK, jsonIntent(in))
	}
}

type paymentSettingsJSON struct {
	AutoConfirm amountOut `json:"auto_confirm"`
}

type paymentSettingsRequest struct {
	AutoConfirm amountInput `json:"auto_confirm"`
	Asset       string      `json:"asset"`
}

// apiPaymentSettings reads (GET) or sets (PUT) the caller's auto-confirm
// limit for post commands; 0 turns it off.
func (s *Server) apiPaymentSettings(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiPayer(r)
	if err != nil {
		return err
	}
	if r.Method == http.MethodPut {
		var req paymentSettingsRequest
		if err := decodeJSON(body, &req); err != nil {
			return apiRenameParam(err, map[string]string{"amount": "auto_confirm"})
		}
		if !req.AutoConfirm.set {
			return nestegg.ParamErrorf(nestegg.Invalid, "auto_confirm", "auto_confirm is required (0 turns it off)")
		}
		limit, err := s.autoConfirmAmount(req.AutoConfirm, req.Asset)
		if err != nil {
			return err
		}
		if err := s.payments.SetAutoConfirm(r.Context(), me, limit); err != nil {
			return err
		}
	}
	a, err := s.payments.AutoConfirm(r.Context(), me)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, paymentSettingsJSON{AutoConfirm: jsonAmount(a)})
}

// autoConfirmAmount is resolveAmount that allows zero (off).
func (s *Server) autoConfirmAmount(a amountInput, assetCode string) (money.Amount, error) {
	rename := func(err error) error { return apiRenameParam(err, map[string]string{"amount": "auto_confirm"}) }
	if !a.isStr && a.minor == 0 || a.isStr && (a.text == "0" || a.text == "off") {
		m := money.Amount{}
		if assetCode != "" {
			asset, err := money.Lookup(assetCode)
			if err != nil {
				return m, &nestegg.Error{Param: "asset", Err: err}
			}
			m.Asset = asset
		}
		return m, nil
	}
	m, err := s.resolveAmount(a, assetCode)
	return m, rename(err)
}
