package commerce

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// MaxVariants is how many variants one product may have.
const MaxVariants = 20

// ProductInput is a product a merchant adds or changes.
type ProductInput struct {
	Title       string
	Description string
	Price       money.Amount
	Stock       int64
	Kind        ProductKind // default Physical
	Content     string      // a digital product's link or code; required for Digital
	Variants    []string
}

func (in *ProductInput) clean() error {
	var err error
	if in.Title, err = cleanText("title", in.Title, MaxText, true); err != nil {
		return err
	}
	if in.Description, err = cleanText("description", in.Description, MaxLongText, false); err != nil {
		return err
	}
	if in.Content, err = cleanText("content", in.Content, MaxLongText, false); err != nil {
		return err
	}
	a, err := money.Lookup(in.Price.Asset.Code)
	if err != nil || a.Code == "COIN" {
		return nestegg.ParamErrorf(nestegg.Invalid, "asset", "products are priced in a currency, not %q", in.Price.Asset.Code)
	}
	in.Price.Asset = a
	if in.Price.Minor <= 0 {
		return nestegg.ParamErrorf(nestegg.Invalid, "price", "the price must be greater than zero")
	}
	if in.Stock < 0 {
		return nestegg.ParamErrorf(nestegg.Invalid, "stock", "stock must not be negative")
	}
	if in.Kind == "" {
		in.Kind = Physical
	}
	if in.Kind != Physical && in.Kind != Digital {
		return nestegg.ParamErrorf(nestegg.Invalid, "kind", "a product is physical or digital")
	}
	if in.Kind == Digital && in.Content == "" {
		return nestegg.ParamErrorf(nestegg.Invalid, "content", "a digital product needs the link or code it delivers")
	}
	if len(in.Variants) > MaxVariants {
		return nestegg.ParamErrorf(nestegg.Invalid, "variants", "at most %d variants", MaxVariants)
	}
	seen := map[string]bool{}
	var vs []string
	for _, v := range in.Variants {
		v, err := cleanText("variants", v, 60, true)
		if err != nil {
			return err
		}
		if strings.ContainsAny(v, "\n\r") || seen[strings.ToLower(v)] {
			return nestegg.ParamErrorf(nestegg.Invalid, "variants", "variants are distinct one-line names")
		}
		seen[strings.ToLower(v)] = true
		vs = append(vs, v)
	}
	in.Variants = vs
	return nil
}

// CreateProduct adds a product to merchantID's catalogue. Only a business
// profile may call it, for itself. Errors: Forbidden for a member who is
// not a business; Invalid naming the bad field.
func (s *Service) CreateProduct(ctx context.Context, merchantID string, in ProductInput) (Product, error) {
	if err := in.clean(); err != nil {
		return Product{}, err
	}
	if _, err := s.business(ctx, merchantID); err != nil {
		return Product{}, err
	}
	// The merchant's wallet and the platform's accounts exist from the
	// start, so that purchases made inside a post's transaction find them.
	if err := s.ensureAccounts(ctx, in.Price.Asset.Code, merchantID); err != nil {
		return Product{}, err
	}
	now := s.now()
	p := Product{ID: nestegg.NewID("prd"), MerchantID: merchantID, Title: in.Title, Description: in.Description, Price: in.Price,
		Stock: in.Stock, Kind: in.Kind, Content: in.Content, Variants: in.Variants, Active: true, CreatedAt: now, UpdatedAt: now}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO commerce_products (id, merchant_id, title, description, asset, price, stock, kind, content, variants, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)`,
			p.ID, merchantID, p.Title, p.Description, p.Price.Asset.Code, p.Price.Minor, p.Stock, string(p.Kind), p.Content,
			strings.Join(p.Variants, "\n"), nanos(now))
		return err
	})
	if err != nil {
		return Product{}, fmt.Errorf("create product: %w", err)
	}
	return p, nil
}

// UpdateProduct replaces a product's fields (the asset stays). Only its
// merchant may call it. Errors: NotFound when it is not merchantID's;
// Invalid naming the bad field.
func (s *Service) UpdateProduct(ctx context.Context, merchantID, productID string, in ProductInput) (Product, error) {
	cur, err := s.Product(ctx, merchantID, productID)
	if err != nil {
		return Product{}, err
	}
	if cur.MerchantID != merchantID {
		return Product{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such product")
	}
	if in.Price.Asset.Code == "" {
		in.Price.Asset = cur.Price.Asset
	}
	if err := in.clean(); err != nil {
		return Product{}, err
	}
	if in.Price.Asset.Code != cur.Price.Asset.Code {
		return Product{}, nestegg.ParamErrorf(nestegg.Invalid, "asset", "a product's currency can't change; add a new product")
	}
	now := s.now()
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE commerce_products SET title = $2, description = $3, price = $4, stock = $5, kind = $6, content = $7, variants = $8, updated_at = $9
			WHERE id = $1`, productID, in.Title, in.Description, in.Price.Minor, in.Stock, string(in.Kind), in.Content, strings.Join(in.Variants, "\n"), nanos(now))
		return err
	})
	if err != nil {
		return Product{}, fmt.Errorf("update product: %w", err)
	}
	return s.Product(ctx, merchantID, productID)
}

const productCols = "id, merchant_id, title, description, asset, price, stock, kind, content, variants, active, created_at, updated_at"

func scanProduct(row interface{ Scan(...any) error }) (Product, error) {
	var p productScan
	if err := row.Scan(p.dest()...); err != nil {
		return Product{}, err
	}
	return p.product(), nil
}

// masked is the product as viewerID may see it: Content only for the
// merchant.
func (p Product) masked(viewerID string) Product {
	if viewerID != p.MerchantID {
		p.Content = ""
	}
	return p
}

// Product returns a product; anyone may call it, and only its merchant
// sees its Content. Errors: NotFound.
func (s *Service) Product(ctx context.Context, viewerID, productID string) (Product, error) {
	p, err := scanProduct(s.db.Reader().QueryRowContext(ctx, "SELECT "+productCols+" FROM commerce_products WHERE id = $1", productID))
	if errors.Is(err, sql.ErrNoRows) {
		return Product{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such product")
	}
	if err != nil {
		return Product{}, fmt.Errorf("product: %w", err)
	}
	return p.masked(viewerID), nil
}

// Catalogue lists a merchant's products, newest first (at most 200), as
// viewerID may see them. Anyone may call it.
func (s *Service) Catalogue(ctx context.Context, viewerID, merchantID string) ([]Product, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+productCols+" FROM commerce_products WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200", merchantID)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, fmt.Errorf("catalogue: %w", err)
		}
		out = append(out, p.masked(viewerID))
	}
	return out, rows.Err()
}

// MerchantSettings returns merchantID's shop settings (defaults when never
// set). Anyone may call it: nothing in it is private.
func (s *Service) MerchantSettings(ctx context.Context, merchantID string) (Merchant, error) {
	m := Merchant{UserID: merchantID, VoucherDays: 90, Policy: PolicyRefund}
	var policy string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT gift_handle, gift_product_id, voucher_days, voucher_policy FROM commerce_merchants WHERE user_id = $1",
		merchantID).Scan(&m.GiftHandle, &m.GiftProductID, &m.VoucherDays, &policy)
	if errors.Is(err, sql.ErrNoRows) {
		return m, nil
	}
	if err != nil {
		return Merchant{}, fmt.Errorf("merchant settings: %w", err)
	}
	m.Policy = VoucherPolicy(policy)
	return m, nil
}

// SetMerchantSettings declares merchantID's gift handle (without '@'; ""
// for none), its gift product, how many days vouchers last, and where an
// unredeemed voucher's value goes. Only a business may call it, for
// itself. Errors: Forbidden for a non-business; Invalid (Param
// "gift_handle", "gift_product_id", "voucher_days", "voucher_policy");
// Conflict when the handle is a member's handle or another merchant's gift
// handle.
func (s *Service) SetMerchantSettings(ctx context.Context, merchantID string, m Merchant) (Merchant, error) {
	if _, err := s.business(ctx, merchantID); err != nil {
		return Merchant{}, err
	}
	m.UserID = merchantID
	m.GiftHandle = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(m.GiftHandle), "@"))
	if m.VoucherDays == 0 {
		m.VoucherDays = 90
	}
	if m.Policy == "" {
		m.Policy = PolicyRefund
	}
	switch {
	case m.VoucherDays < 1 || m.VoucherDays > 3650:
		return Merchant{}, nestegg.ParamErrorf(nestegg.Invalid, "voucher_days", "vouchers last 1 to 3650 days")
	case m.Policy != PolicyRefund && m.Policy != PolicyKeep:
		return Merchant{}, nestegg.ParamErrorf(nestegg.Invalid, "voucher_policy", "unredeemed vouchers are refunded or kept")
	case m.GiftHandle != "" && social.ValidateHandle(m.GiftHandle) != nil:
		return Merchant{}, nestegg.ParamErrorf(nestegg.Invalid, "gift_handle", "%q is not a handle", m.GiftHandle)
	case m.GiftHandle != "" && (m.GiftHandle == s.social.PayHandle() || social.IsReserved(m.GiftHandle)):
		return Merchant{}, nestegg.ParamErrorf(nestegg.Conflict, "gift_handle", "@%s is reserved", m.GiftHandle)
	case (m.GiftHandle == "") != (m.GiftProductID == ""):
		return Merchant{}, nestegg.ParamErrorf(nestegg.Invalid, "gift_product_id", "a gift handle needs a gift product, and a gift product a handle")
	}
	if m.GiftHandle != "" {
		// A gift handle that is someone's handle would turn their mentions
		// into purchases.
		if _, err := s.social.UserByHandle(ctx, m.GiftHandle); err == nil {
			return Merchant{}, nestegg.ParamErrorf(nestegg.Conflict, "gift_handle", "@%s is somebody's handle", m.GiftHandle)
		} else if !nestegg.Is(err, nestegg.NotFound) {
			return Merchant{}, err
		}
		p, err := s.Product(ctx, merchantID, m.GiftProductID)
		if err != nil || p.MerchantID != merchantID {
			return Merchant{}, nestegg.ParamErrorf(nestegg.Invalid, "gift_product_id", "the gift product must be one of yours")
		}
		if err := s.ensureAccounts(ctx, p.Price.Asset.Code, merchantID); err != nil {
			return Merchant{}, err
		}
	}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		// The handle is claimed in social's namespace, so that nobody
		// signs up as it later (and gets the gift posts' mentions).
		if err := s.social.ClaimGiftHandle(ctx, tx, merchantID, m.GiftHandle); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO commerce_merchants (user_id, gift_handle, gift_product_id, voucher_days, voucher_policy, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET gift_handle = $2, gift_product_id = $3, voucher_days = $4,
			voucher_policy = $5, updated_at = $6`, merchantID, m.GiftHandle, m.GiftProductID, m.VoucherDays, string(m.Policy), nanos(s.now()))
		return err
	})
	if nestegg.Is(err, nestegg.Conflict) && nestegg.ErrorParam(err) == "" {
		return Merchant{}, nestegg.ParamErrorf(nestegg.Conflict, "gift_handle", "@%s is another merchant's gift handle", m.GiftHandle)
	}
	if err != nil {
		return Merchant{}, fmt.Errorf("merchant settings: %w", err)
	}
	return m, nil
}
