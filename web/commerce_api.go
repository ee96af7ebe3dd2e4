package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
)

// The shop API (commerce_api*.go): catalogues, offers, one-tap buys,
// orders, purchase intents made by posts, vouchers, refunds and disputes.
// Every handler acts for the signed-in member only; package commerce
// decides what is theirs (another's order or voucher is NotFound) and
// masks what only some parties may see (a shipping address, a download).

type productJSON struct {
	ID          string    `json:"id"`
	MerchantID  string    `json:"merchant_id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Price       int64     `json:"price"`
	Asset       string    `json:"asset"`
	Display     string    `json:"display"`
	Stock       int64     `json:"stock"`
	Kind        string    `json:"kind"`
	Content     string    `json:"content,omitempty"`
	Variants    []string  `json:"variants"`
	CreatedAt   time.Time `json:"created_at"`
}

func toProductJSON(p commerce.Product) productJSON {
	vs := p.Variants
	if vs == nil {
		vs = []string{}
	}
	return productJSON{ID: p.ID, MerchantID: p.MerchantID, Title: p.Title, Description: p.Description, Price: p.Price.Minor,
		Asset: p.Price.Asset.Code, Display: money.Format(p.Price), Stock: p.Stock, Kind: string(p.Kind), Content: p.Content,
		Variants: vs, CreatedAt: p.CreatedAt}
}

type offerJSON struct {
	ID         string      `json:"id"`
	MerchantID string      `json:"merchant_id"`
	PostID     string      `json:"post_id"`
	Hashtag    string      `json:"hashtag,omitempty"`
	Status     string      `json:"status"`
	EndsAt     *time.Time  `json:"ends_at,omitempty"`
	Product    productJSON `json:"product"`
	CreatedAt  time.Time   `json:"created_at"`
}

func toOfferJSON(o commerce.Offer) offerJSON {
	out := offerJSON{ID: o.ID, MerchantID: o.MerchantID, PostID: o.PostID, Hashtag: o.Hashtag, Status: string(o.Status),
		Product: toProductJSON(o.Product), CreatedAt: o.CreatedAt}
	if !o.EndsAt.IsZero() {
		out.EndsAt = &o.EndsAt
	}
	return out
}

// apiShop is the signed-in member on a shop route, or 503 without a shop.
func (s *Server) apiShop(r *http.Request) (string, error) {
	if s.commerce == nil || s.payments == nil || s.social == nil {
		return "", nestegg.Errorf(nestegg.Unavailable, "the shop is not enabled on this server")
	}
	a, err := apiMe(r)
	return a.ID, err
}

type productRequest struct {
	Title       *string     `json:"title"`
	Description string      `json:"description"`
	Price       amountInput `json:"price"`
	Asset       string      `json:"asset"`
	Stock       *int64      `json:"stock"`
	Kind        string      `json:"kind"`
	Content     string      `json:"content"`
	Variants    []string    `json:"variants"`
}

func (s *Server) productInput(req productRequest) (commerce.ProductInput, error) {
	// The price first: it is the field with the most ways to be wrong.
	price, err := s.resolveAmount(req.Price, req.Asset)
	if err != nil {
		return commerce.ProductInput{}, apiRenameParam(err, map[string]string{"amount": "price"})
	}
	if req.Title == nil {
		return commerce.ProductInput{}, nestegg.ParamErrorf(nestegg.Invalid, "title", "title is required")
	}
	if req.Stock == nil {
		return commerce.ProductInput{}, nestegg.ParamErrorf(nestegg.Invalid, "stock", "stock is required")
	}
	return commerce.ProductInput{Title: *req.Title, Description: req.Description, Price: price, Stock: *req.Stock,
		Kind: commerce.ProductKind(req.Kind), Content: req.Content, Variants: req.Variants}, nil
}

// apiCreateProduct adds a product to the caller's catalogue (a business).
func (s *Server) apiCreateProduct(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var req productRequest
	if err := decodeJSON(body, &req); err != nil {
		return apiRenameParam(err, map[string]string{"amount": "price"})
	}
	in, err := s.productInput(req)
	if err != nil {
		return err
	}
	p, err := s.commerce.CreateProduct(r.Context(), me, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toProductJSON(p))
}

// apiUpdateProduct replaces the fields of one of the caller's products.
func (s *Server) apiUpdateProduct(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var req productRequest
	if err := decodeJSON(body, &req); err != nil {
		return apiRenameParam(err, map[string]string{"amount": "price"})
	}
	cur, err := s.commerce.Product(r.Context(), me, r.PathValue("id"))
	if err != nil || cur.MerchantID != me {
		return nestegg.ParamErrorf(nestegg.NotFound, "id", "no such product of yours")
	}
	if req.Asset == "" {
		req.Asset = cur.Price.Asset.Code
	}
	in, err := s.productInput(req)
	if err != nil {
		return err
	}
	p, err := s.commerce.UpdateProduct(r.Context(), me, cur.ID, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toProductJSON(p))
}

// apiGetProduct shows a product to anyone; its content only to its merchant.
func (s *Server) apiGetProduct(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if s.commerce == nil {
		return nestegg.Errorf(nestegg.Unavailable, "the shop is not enabled on this server")
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	p, err := s.commerce.Product(r.Context(), apiViewer(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toProductJSON(p))
}

// apiCatalogue lists a business profile's products and live offers.
func (s *Server) apiCatalogue(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if s.commerce == nil {
		return nestegg.Errorf(nestegg.Unavailable, "the shop is not enabled on this server")
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	u, err := s.apiUserByHandle(r)
	if err != nil {
		return err
	}
	ps, err := s.commerce.Catalogue(r.Context(), apiViewer(r), u.ID)
	if err != nil {
		return err
	}
	os, err := s.commerce.MerchantOffers(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := struct {
		Data   []productJSON `json:"data"`
		Offers []offerJSON   `json:"offers"`
	}{Data: []productJSON{}, Offers: []offerJSON{}}
	for _, p := range ps {
		out.Data = append(out.Data, toProductJSON(p))
	}
	for _, o := range os {
		out.Offers = append(out.Offers, toOfferJSON(o))
	}
	return writeJSON(w, http.StatusOK, out)
}

type offerRequest struct {
	ProductID string `json:"product_id"`
	Text      string `json:"text"`
	Hashtag   string `json:"hashtag"`
	EndsAt    string `json:"ends_at"` // RFC 3339, "" for none
}

// apiCreateOffer posts an offer of one of the caller's products.
func (s *Server) apiCreateOffer(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var req offerRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	in := commerce.OfferInput{ProductID: req.ProductID, Text: req.Text, Hashtag: req.Hashtag}
	if req.EndsAt != "" {
		if in.EndsAt, err = time.Parse(time.RFC3339, req.EndsAt); err != nil {
			return nestegg.ParamErrorf(nestegg.Invalid, "ends_at", "ends_at is an RFC 3339 time such as 2026-05-01T18:00:00Z")
		}
	}
	o, err := s.commerce.CreateOffer(r.Context(), me, in)
	if err != nil {
		return apiRenameParam(err, map[string]string{"body": "text"})
	}
	return writeJSON(w, http.StatusCreated, toOfferJSON(o))
}

// apiGetOffer shows an offer with its price and stock to anyone.
func (s *Server) apiGetOffer(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if s.commerce == nil {
		return nestegg.Errorf(nestegg.Unavailable, "the shop is not enabled on this server")
	}
	if err := apiQuery(r); err != nil {
		return err
	}
	o, err := s.commerce.Offer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toOfferJSON(o))
}

// apiEndOffer ends one of the caller's offers.
func (s *Server) apiEndOffer(w http.ResponseWriter, r *http.Request, _ []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	if err := s.commerce.EndOffer(r.Context(), me, r.PathValue("id")); err != nil {
		return err
	}
	return apiNoContent(w)
}

// apiBuy is the one-tap buy: one unit of the offer at the price the
// client showed (expected_price and asset; optional, for clients from
// before them: a changed price is refused with 409, not charged), paid
// from the caller's wallet, or with payment_method "card:<id>" from one of their
// saved cards (commerce.BuyWithCard: the card is charged the price plus
// the card fee, which card_fee may repeat as quoted by GET
// /api/v1/topups/quote). The Idempotency-Key is commerce's own key for the
// order, so a retry never charges twice. A card buy answers 201 with the
// card charge beside the order, 402 card_error when the card is declined,
// and 202 when the card's bank wants 3-D Secure: confirm the charge, then
// buy from the wallet.
func (s *Server) apiBuy(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var req struct {
		Variant       string `json:"variant"`
		PaymentMethod string `json:"payment_method"`
		CardFee       *int64 `json:"card_fee"`
		ExpectedPrice *int64 `json:"expected_price"`
		Asset         string `json:"asset"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	price, err := expectedPrice(req.ExpectedPrice, req.Asset)
	if err != nil {
		return err
	}
	in := commerce.BuyInput{BuyerID: me, OfferID: r.PathValue("id"), Variant: req.Variant, IdempotencyKey: apiIdemKey(r), Via: commerce.ViaButton,
		ExpectedPrice: price}
	cardID, err := paymentCard(req.PaymentMethod)
	if err != nil {
		return err
	}
	if cardID != "" {
		cin := commerce.CardBuyInput{BuyInput: in, CardID: cardID}
		if req.CardFee != nil {
			off, err := s.commerce.Offer(r.Context(), in.OfferID)
			if err != nil {
				return nestegg.ParamErrorf(nestegg.NotFound, "offer_id", "no such offer")
			}
			cin.CardFee = &money.Amount{Asset: off.Product.Price.Asset, Minor: *req.CardFee}
		}
		b, err := s.commerce.BuyWithCard(r.Context(), cin)
		if err != nil {
			return err
		}
		return s.writeCardBuy(w, b)
	}
	if req.CardFee != nil {
		return nestegg.ParamErrorf(nestegg.Invalid, "card_fee", "card_fee goes with a card payment_method")
	}
	o, err := s.commerce.Buy(r.Context(), in)
	if err != nil {
		if nestegg.Is(err, nestegg.InsufficientFunds) {
			if off, oerr := s.commerce.Offer(r.Context(), r.PathValue("id")); oerr == nil {
				return s.apiMoneyError(r.Context(), me, off.Product.Price.Asset.Code, err)
			}
		}
		return err
	}
	return writeJSON(w, http.StatusCreated, toOrderJSON(o))
}

// expectedPrice reads the price a buyer was shown, minor units of an
// asset, from a request or a form: nil when neither is given. Errors:
// Invalid (Param "expected_price", "asset") for half a price, an unknown
// asset, or an amount that is no price.
func expectedPrice(minor *int64, code string) (*money.Amount, error) {
	switch {
	case minor == nil && code == "":
		return nil, nil
	case minor == nil:
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "expected_price", "asset goes with expected_price")
	case code == "":
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "asset", "expected_price goes with its asset")
	case *minor <= 0:
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "expected_price", "expected_price is a price in minor units, above 0")
	}
	a, err := money.Lookup(code)
	if err != nil {
		return nil, nestegg.ParamErrorf(nestegg.Invalid, "asset", "no asset is called %q", code)
	}
	return &money.Amount{Asset: a, Minor: *minor}, nil
}

// paymentCard reads a buy's payment_method: "" or "wallet" for the
// wallet (no card id), "card:<id>" for a saved card.
func paymentCard(method string) (string, error) {
	switch {
	case method == "" || method == "wallet":
		return "", nil
	case strings.HasPrefix(method, "card:") && len(method) > len("card:"):
		return strings.TrimPrefix(method, "card:"), nil
	}
	return "", nestegg.ParamErrorf(nestegg.Invalid, "payment_method", `payment_method is "wallet" or "card:<card id>"`)
}

// cardBuyJSON is a card buy's answer: the order when it was taken, and
// always the card charge into the wallet that paid for it.
type cardBuyJSON struct {
	orderJSON
	CardCharge movementJSON `json:"card_charge"`
}

// writeCardBuy answers a card buy by what happened to the card.
func (s *Server) writeCardBuy(w http.ResponseWriter, b commerce.CardBuy) error {
	switch {
	case b.Paid():
		return writeJSON(w, http.StatusCreated, cardBuyJSON{orderJSON: toOrderJSON(b.Order), CardCharge: s.jsonMovement(b.TopUp)})
	case b.TopUp.Status == funding.StatusDeclined:
		return cardBuyDeclined(b.TopUp)
	}
	return writeJSON(w, http.StatusAccepted, struct {
		Status     string       `json:"status"`
		Message    string       `json:"message"`
		ConfirmURL string       `json:"confirm_url"`
		CardCharge movementJSON `json:"card_charge"`
	}{"requires_action", cardConfirmMessage, "/api/v1/topups/" + url.PathEscape(b.TopUp.ID) + "/confirm", s.jsonMovement(b.TopUp)})
}

// cardConfirmMessage is what a card buy waiting for 3-D Secure tells the
// buyer, on the API and the Buy block.
// The API's idempotency record keeps answering the buy's key with this
// 202, so the buyer finishes from the wallet, where the confirmed money
// lands.
const cardConfirmMessage = "Your card's bank wants you to confirm this payment (3-D Secure). Nothing is bought yet: confirm the charge and the money lands in your wallet, then buy from your wallet."

func cardBuyDeclined(m funding.Movement) error {
	reason := m.Reason
	if reason == "" {
		reason = "no reason given."
	}
	return &declineError{declineCode: m.ReturnCode, err: &nestegg.Error{Code: codeCardDeclined, Param: "payment_method",
		Message: "Your card was declined: " + reason + " Nothing was charged and nothing bought."}}
}

type shopSettingsJSON struct {
	GiftHandle    string `json:"gift_handle"`
	GiftProductID string `json:"gift_product_id"`
	VoucherDays   int64  `json:"voucher_days"`
	VoucherPolicy string `json:"voucher_policy"`
}

// apiShopSettings reads (GET) or sets (PUT) the caller's shop settings:
// the gift handle and product, and how vouchers expire.
func (s *Server) apiShopSettings(w http.ResponseWriter, r *http.Request, body []byte) error {
	me, err := s.apiShop(r)
	if err != nil {
		return err
	}
	var m commerce.Merchant
	if r.Method == http.MethodGet {
		if err := apiQuery(r); err != nil {
			return err
		}
		if m, err = s.commerce.MerchantSettings(r.Context(), me); err != nil {
			return err
		}
	} else {
		var req shopSettingsJSON
		if err := decodeJSON(body, &req); err != nil {
			return err
		}
		m, err = s.commerce.SetMerchantSettings(r.Context(), me, commerce.Merchant{GiftHandle: req.GiftHandle, GiftProductID: req.GiftProductID,
			VoucherDays: req.VoucherDays, Policy: commerce.VoucherPolicy(req.VoucherPolicy)})
		if err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, shopSettingsJSON{GiftHandle: m.GiftHandle, GiftProductID: m.GiftProductID,
		VoucherDays: m.VoucherDays, VoucherPolicy: string(m.Policy)})
}
