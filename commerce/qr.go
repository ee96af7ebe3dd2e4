package commerce

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// In-store QR payments: a business shows a static code at its counter (the
// payer types the amount) or a dynamic one for one sale (an amount, a
// description, an expiry; paid once). A member opens the code's URL, sees
// the business, the amount and the fee (none for the payer: the business
// pays the operator's in-store fee at settlement), adds a tip if they like
// and pays from the wallet. The money waits in the business's settlement
// account ("stl:<merchant>:<asset>") until SettleQR pays it out, less the
// fee, on the schedule the operator sets.

// QRKind is a code's kind.
type QRKind string

// The kinds.
const (
	QRStatic  QRKind = "static"  // the counter's: any amount, any number of times
	QRDynamic QRKind = "dynamic" // one sale: its amount, once, before it expires
)

// QRStatus is where a code is, for people.
type QRStatus string

// The statuses.
const (
	QRActive  QRStatus = "active"  // can be paid
	QRPaid    QRStatus = "paid"    // a dynamic code, paid
	QRExpired QRStatus = "expired" // a dynamic code past its expiry, unpaid
)

// QRPaymentStatus is a QR payment's state.
type QRPaymentStatus string

// The statuses.
const (
	QRPaymentPaid     QRPaymentStatus = "paid"
	QRPaymentRefunded QRPaymentStatus = "refunded"
)

// MaxQRTTL is the longest a dynamic code may live.
const MaxQRTTL = 24 * time.Hour

// QRCode is a business's payment code.
type QRCode struct {
	ID             string
	MerchantID     string
	MerchantHandle string
	MerchantName   string
	Kind           QRKind
	Amount         money.Amount // zero Minor for a static code
	Description    string
	ExpiresAt      time.Time // zero for never
	Status         QRStatus
	// Token is the signed token; the code's URL is "/q/" + Token.
	Token     string
	CreatedAt time.Time
	// Payment is the dynamic code's payment once paid.
	Payment *QRPayment
}

// QRPayment is one payment at a counter.
type QRPayment struct {
	ID             string
	CodeID         string
	MerchantID     string
	MerchantHandle string
	PayerID        string
	PayerHandle    string
	Amount         money.Amount // the sale
	Tip            int64        // minor units on top, all the business's
	Fee            int64        // the operator's, taken at settlement
	Status         QRPaymentStatus
	Settled        bool
	Description    string
	CreatedAt      time.Time
}

// Total is what the payer paid: the sale and the tip.
func (p QRPayment) Total() money.Amount {
	return money.Amount{Asset: p.Amount.Asset, Minor: p.Amount.Minor + p.Tip}
}

func settlementAccount(merchantID, asset string) string { return "stl:" + merchantID + ":" + asset }

func (s *Service) ensureSettlement(ctx context.Context, merchantID, asset string) error {
	return s.ledger.Ensure(ctx, ledger.Account{ID: settlementAccount(merchantID, asset), Asset: asset, Kind: "settlement",
		Owner: merchantID, DebitsMustNotExceedCredits: true})
}

// qrKey is the server's key for signing codes: Config.QRKey, else one made
// once and kept in the database, so that every process signs alike.
func (s *Service) qrKey(ctx context.Context) ([]byte, error) {
	if len(s.cfg.QRKey) > 0 {
		return s.cfg.QRKey, nil
	}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	var secret string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT secret FROM commerce_qr_keys WHERE id = 'v1'").Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) {
		var b [32]byte
		rand.Read(b[:])
		err = s.db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO commerce_qr_keys (id, secret, created_at) VALUES ('v1', $1, $2) ON CONFLICT (id) DO NOTHING",
				hex.EncodeToString(b[:]), s.now().UnixNano()); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, "SELECT secret FROM commerce_qr_keys WHERE id = 'v1'").Scan(&secret)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("qr key: %w", err)
	}
	key, err := hex.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("qr key: %w", err)
	}
	s.key = key
	return key, nil
}

// StaticQR returns merchantID's counter code in asset ("" for USD), made on
// first use. Errors: Forbidden for anyone but a business.
func (s *Service) StaticQR(ctx context.Context, merchantID, assetCode string) (QRCode, error) {
	if _, err := s.business(ctx, merchantID); err != nil {
		return QRCode{}, err
	}
	if assetCode == "" {
		assetCode = "USD"
	}
	a, err := money.Lookup(assetCode)
	if err != nil {
		return QRCode{}, &nestegg.Error{Code: nestegg.Invalid, Param: "asset", Err: err}
	}
	h := sha256.Sum256([]byte("static\x00" + merchantID + "\x00" + a.Code))
	id := "qr_s" + hex.EncodeToString(h[:12])
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO commerce_qr_codes (id, merchant_id, kind, asset, created_at) VALUES ($1, $2, 'static', $3, $4)
			ON CONFLICT (id) DO NOTHING`, id, merchantID, a.Code, s.now().UnixNano())
		return err
	})
	if err != nil {
		return QRCode{}, fmt.Errorf("static qr: %w", err)
	}
	return s.QR(ctx, merchantID, id)
}

// QRInput is a dynamic code for one sale.
type QRInput struct {
	MerchantID     string
	Amount         money.Amount
	Description    string
	TTL            time.Duration // default 15 minutes, at most MaxQRTTL
	IdempotencyKey string
}

// CreateQR makes a dynamic code for one sale: its amount, paid once,
// before it expires. The same key makes it once (a point-of-sale app that
// retries shows the same code). Errors: Forbidden for anyone but a
// business; Invalid (Param "amount", "asset", "description", "ttl",
// "idempotency_key"); IdempotencyMismatch for a key reused for another
// sale.
func (s *Service) CreateQR(ctx context.Context, in QRInput) (QRCode, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return QRCode{}, err
	}
	if _, err := s.business(ctx, in.MerchantID); err != nil {
		return QRCode{}, err
	}
	if in.Amount.Asset.Code == "" {
		in.Amount.Asset, _ = money.Lookup("USD")
	}
	if in.Amount.Minor <= 0 {
		return QRCode{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must be greater than zero")
	}
	desc, err := cleanText("description", in.Description, MaxText, false)
	if err != nil {
		return QRCode{}, err
	}
	if in.TTL == 0 {
		in.TTL = 15 * time.Minute
	}
	if in.TTL < time.Minute || in.TTL > MaxQRTTL {
		return QRCode{}, nestegg.ParamErrorf(nestegg.Invalid, "ttl", "a code lives from a minute to a day")
	}
	h := sha256.Sum256([]byte("dynamic\x00" + in.MerchantID + "\x00" + in.IdempotencyKey))
	id := "qr_d" + hex.EncodeToString(h[:12])
	fp := nestegg.Fingerprint(in.Amount.Asset.Code, strconv.FormatInt(in.Amount.Minor, 10), desc, in.TTL.String())
	expires := s.now().Add(in.TTL).Truncate(time.Second)
	var got string
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO commerce_qr_codes (id, merchant_id, kind, asset, amount, description, expires_at, fingerprint, created_at)
			VALUES ($1, $2, 'dynamic', $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
			id, in.MerchantID, in.Amount.Asset.Code, in.Amount.Minor, desc, expires.UnixNano(), fp, s.now().UnixNano()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT fingerprint FROM commerce_qr_codes WHERE id = $1", id).Scan(&got)
	})
	if err != nil {
		return QRCode{}, fmt.Errorf("create qr: %w", err)
	}
	if got != fp {
		return QRCode{}, reused(nestegg.Errorf(nestegg.IdempotencyMismatch, "key reused"), "another code")
	}
	return s.QR(ctx, in.MerchantID, id)
}

const qrCols = "id, merchant_id, kind, asset, amount, description, expires_at, status, payment_id, created_at"

// loadQR reads a code (without checking who asks).
func (s *Service) loadQR(ctx context.Context, id string) (QRCode, string, error) {
	var c QRCode
	var kind, code, status, paymentID string
	var expires, created int64
	err := s.db.Reader().QueryRowContext(ctx, "SELECT "+qrCols+" FROM commerce_qr_codes WHERE id = $1", id).Scan(&c.ID, &c.MerchantID, &kind, &code,
		&c.Amount.Minor, &c.Description, &expires, &status, &paymentID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return QRCode{}, "", nestegg.ParamErrorf(nestegg.NotFound, "id", "no such code")
	}
	if err != nil {
		return QRCode{}, "", fmt.Errorf("qr: %w", err)
	}
	c.Kind, c.Amount.Asset, c.Status = QRKind(kind), asset(code), QRStatus(status)
	c.ExpiresAt, c.CreatedAt = fromNanos(expires), fromNanos(created)
	if c.Status == QRActive && !c.ExpiresAt.IsZero() && !s.now().Before(c.ExpiresAt) {
		c.Status = QRExpired
	}
	if a, err := s.social.Account(ctx, c.MerchantID); err == nil {
		c.MerchantHandle, c.MerchantName = a.Handle, a.DisplayName
	}
	key, err := s.qrKey(ctx)
	if err != nil {
		return QRCode{}, "", err
	}
	c.Token = qrSigned(key, QRToken{CodeID: c.ID, Amount: c.Amount.Minor, Asset: c.Amount.Asset.Code, Expires: qrExpiry(c.ExpiresAt)}).String()
	return c, paymentID, nil
}

// QR returns one of merchantID's codes, with its payment once paid (what
// the counter's page polls). Errors: NotFound for anyone else's.
func (s *Service) QR(ctx context.Context, merchantID, id string) (QRCode, error) {
	c, paymentID, err := s.loadQR(ctx, id)
	if err != nil {
		return QRCode{}, err
	}
	if c.MerchantID != merchantID {
		return QRCode{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such code")
	}
	if paymentID != "" {
		p, err := s.qrPayment(ctx, paymentID)
		if err != nil {
			return QRCode{}, err
		}
		c.Payment = &p
	}
	return c, nil
}

// ResolveQR checks a scanned token and returns its code for a payer to
// see: the business, the amount (zero: the payer types it) and the status.
// Errors: Invalid (Param "token") for a token that is malformed, forged,
// altered or no longer matches its code; NotFound for a code that does
// not exist.
func (s *Service) ResolveQR(ctx context.Context, token string) (QRCode, error) {
	t, err := ParseQRToken(token)
	if err != nil {
		return QRCode{}, err
	}
	key, err := s.qrKey(ctx)
	if err != nil {
		return QRCode{}, err
	}
	refused := nestegg.ParamErrorf(nestegg.Invalid, "token", "this code was altered or is not from this server; ask the business for a new one")
	if !qrValid(key, t) {
		return QRCode{}, refused
	}
	c, _, err := s.loadQR(ctx, t.CodeID)
	if nestegg.Is(err, nestegg.NotFound) {
		return QRCode{}, refused
	}
	if err != nil {
		return QRCode{}, err
	}
	if c.Token != t.String() {
		return QRCode{}, refused
	}
	return c, nil
}

// QRPayInput is a payment at a counter.
type QRPayInput struct {
	PayerID string
	Token   string
	// Amount is what the payer typed for a static code; for a dynamic code
	// it is zero or the code's amount.
	Amount         money.Amount
	Tip            money.Amount
	IdempotencyKey string
}

// QRFee is the operator's in-store fee on amount minor units, paid by the
// business at settlement.
func (s *Service) QRFee(amount int64) (int64, error) {
	return money.MulDivBps(amount, s.fees.Load().QRFeeBps)
}

// PayQR pays a code from the payer's wallet, as one movement through the
// checkpoint: the sale and the tip go to the business's settlement
// account; a dynamic code is marked paid in the same transaction, guarded
// by its status and expiry, so that it is paid once. Only PayerID may call
// it.
//
// Errors: Invalid (Param "token" for a bad, forged or altered code;
// "amount", "tip", "idempotency_key"), including paying your own code;
// Conflict when a dynamic code is already paid or expired; Forbidden for a
// denial; InsufficientFunds; IdempotencyMismatch for a reused key.
func (s *Service) PayQR(ctx context.Context, in QRPayInput) (QRPayment, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return QRPayment{}, err
	}
	q, err := s.prepareQR(ctx, in)
	if err != nil {
		return QRPayment{}, err
	}
	return s.payQR(ctx, q)
}

// qrPay is a checked payment of a code, ready to move.
type qrPay struct {
	c      QRCode
	payer  string
	amount int64 // the sale
	tip    int64
	total  int64 // sale and tip: what leaves the payer
	req    movement.Request
}

// prepareQR checks in against its code and returns its movement (PayQR's
// errors but the movement's own).
func (s *Service) prepareQR(ctx context.Context, in QRPayInput) (qrPay, error) {
	c, err := s.ResolveQR(ctx, in.Token)
	if err != nil {
		return qrPay{}, err
	}
	code := c.Amount.Asset.Code
	amount := in.Amount.Minor
	switch {
	case in.Amount.Asset.Code != "" && in.Amount.Asset.Code != code:
		return qrPay{}, nestegg.ParamErrorf(nestegg.Invalid, "asset", "this code takes %s", code)
	case c.Kind == QRDynamic && amount != 0 && amount != c.Amount.Minor:
		return qrPay{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "this code asks for %s", money.Format(c.Amount))
	case c.Kind == QRDynamic:
		amount = c.Amount.Minor
	case amount <= 0:
		return qrPay{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "type the amount to pay")
	}
	tip := in.Tip.Minor
	if tip < 0 || (in.Tip.Asset.Code != "" && in.Tip.Asset.Code != code) {
		return qrPay{}, nestegg.ParamErrorf(nestegg.Invalid, "tip", "a tip is zero or more, in %s", code)
	}
	total, err := money.Add(amount, tip)
	if err != nil {
		return qrPay{}, nestegg.ParamErrorf(nestegg.Invalid, "tip", "that is too much")
	}
	if in.PayerID == c.MerchantID {
		return qrPay{}, nestegg.Errorf(nestegg.Invalid, "this is your own code: your customers pay it")
	}
	if _, err := s.member(ctx, in.PayerID, "payer"); err != nil {
		return qrPay{}, err
	}
	fee, err := s.QRFee(amount)
	if err != nil {
		return qrPay{}, err
	}
	if err := s.ensureAccounts(ctx, code, in.PayerID, c.MerchantID); err != nil {
		return qrPay{}, err
	}
	if err := s.ensureSettlement(ctx, c.MerchantID, code); err != nil {
		return qrPay{}, err
	}
	fp := nestegg.Fingerprint("qr", c.ID, code, strconv.FormatInt(amount, 10), strconv.FormatInt(tip, 10))
	req := movement.Request{Kind: movement.QRPayment, ID: nestegg.NewID("qrp"), Actor: in.PayerID, Key: in.IdempotencyKey, Fingerprint: fp,
		From: in.PayerID, To: c.MerchantID, Asset: code, Amount: total, Fee: fee, Note: c.Description,
		Accounts: []string{walletID(in.PayerID, code), settlementAccount(c.MerchantID, code)}}
	return qrPay{c: c, payer: in.PayerID, amount: amount, tip: tip, total: total, req: req}, nil
}

// payQR moves a prepared payment from the payer's wallet.
func (s *Service) payQR(ctx context.Context, q qrPay) (QRPayment, error) {
	c, code, pid := q.c, q.c.Amount.Asset.Code, q.req.ID
	res, err := s.k.Move(ctx, q.req, func(ctx context.Context, tx *movement.Tx) error {
		now := tx.Now()
		if c.Kind == QRDynamic {
			r, err := tx.SQL.ExecContext(ctx, "UPDATE commerce_qr_codes SET status = 'paid', payment_id = $2 WHERE id = $1 AND status = 'active' AND expires_at > $3",
				c.ID, pid, now.UnixNano())
			if err != nil {
				return err
			}
			if n, err := r.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return nestegg.Errorf(nestegg.Conflict, "this code was already paid or has expired; ask the business for a new one")
			}
		}
		if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO commerce_qr_payments (id, code_id, merchant_id, payer_id, asset, amount, tip, fee, description, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`, pid, c.ID, c.MerchantID, q.payer, code, q.amount, q.tip, q.req.Fee, c.Description, now.UnixNano()); err != nil {
			return err
		}
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: "qrp:" + pid, DebitAccountID: walletID(q.payer, code),
			CreditAccountID: settlementAccount(c.MerchantID, code), Amount: q.total, Asset: code, Code: "qr_payment"}); err != nil {
			return err
		}
		return s.notify(ctx, tx.SQL, c.MerchantID, NotifyOrder, q.payer, "", "paid "+fmtMoney(code, q.total)+" at your counter")
	})
	if err != nil {
		return QRPayment{}, reused(err, "another payment")
	}
	return s.qrPayment(ctx, res.ID)
}

func fmtMoney(code string, minor int64) string {
	return money.Format(money.Amount{Asset: asset(code), Minor: minor})
}

const qrPaymentCols = "id, code_id, merchant_id, payer_id, asset, amount, tip, fee, status, settlement_id, description, created_at"

func (s *Service) scanQRPayment(ctx context.Context, row interface{ Scan(...any) error }) (QRPayment, error) {
	var p QRPayment
	var code, status, settlement string
	var created int64
	if err := row.Scan(&p.ID, &p.CodeID, &p.MerchantID, &p.PayerID, &code, &p.Amount.Minor, &p.Tip, &p.Fee, &status, &settlement,
		&p.Description, &created); err != nil {
		return QRPayment{}, err
	}
	p.Amount.Asset, p.Status, p.Settled, p.CreatedAt = asset(code), QRPaymentStatus(status), settlement != "", fromNanos(created)
	if a, err := s.social.Account(ctx, p.PayerID); err == nil {
		p.PayerHandle = a.Handle
	}
	if a, err := s.social.Account(ctx, p.MerchantID); err == nil {
		p.MerchantHandle = a.Handle
	}
	return p, nil
}

func (s *Service) qrPayment(ctx context.Context, id string) (QRPayment, error) {
	p, err := s.scanQRPayment(ctx, s.db.Reader().QueryRowContext(ctx, "SELECT "+qrPaymentCols+" FROM commerce_qr_payments WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return QRPayment{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such payment")
	}
	if err != nil {
		return QRPayment{}, fmt.Errorf("qr payment: %w", err)
	}
	return p, nil
}

// QRPaymentFor returns a QR payment to its payer or its business.
// Errors: NotFound for anyone else.
func (s *Service) QRPaymentFor(ctx context.Context, viewerID, id string) (QRPayment, error) {
	p, err := s.qrPayment(ctx, id)
	if err != nil {
		return QRPayment{}, err
	}
	if viewerID == "" || (viewerID != p.PayerID && viewerID != p.MerchantID) {
		return QRPayment{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such payment")
	}
	return p, nil
}

// RefundQR gives a QR payment back to its payer in full (sale and tip), for
// its business only, once. Before settlement the money comes back out of
// the settlement account and no fee is charged; after, it comes from the
// business's wallet and the fee already taken stays the operator's.
//
// Errors: NotFound for anyone but its business; Conflict when already
// refunded; InsufficientFunds when a settled payment's business wallet
// cannot cover it; Invalid for a bad key.
func (s *Service) RefundQR(ctx context.Context, merchantID, id, key string) (QRPayment, error) {
	if err := nestegg.CheckKey(key); err != nil {
		return QRPayment{}, err
	}
	p, err := s.qrPayment(ctx, id)
	if err != nil || p.MerchantID != merchantID {
		return QRPayment{}, nestegg.ParamErrorf(nestegg.NotFound, "id", "no such payment")
	}
	if p.Status == QRPaymentRefunded {
		return QRPayment{}, nestegg.Errorf(nestegg.Conflict, "this payment was already refunded")
	}
	code := p.Amount.Asset.Code
	total := p.Total().Minor
	req := movement.Request{Kind: movement.QRRefund, Reference: p.ID, Actor: merchantID, Key: key, Fingerprint: nestegg.Fingerprint("qr-refund", p.ID),
		From: merchantID, To: p.PayerID, Asset: code, Amount: total,
		Accounts: []string{settlementAccount(merchantID, code), walletID(merchantID, code), walletID(p.PayerID, code)}}
	_, err = s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		var settlement string
		r, err := tx.SQL.ExecContext(ctx, "UPDATE commerce_qr_payments SET status = 'refunded', updated_at = $2 WHERE id = $1 AND status = 'paid'", p.ID, tx.Now().UnixNano())
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return nestegg.Errorf(nestegg.Conflict, "this payment was already refunded")
		}
		if err := tx.SQL.QueryRowContext(ctx, "SELECT settlement_id FROM commerce_qr_payments WHERE id = $1", p.ID).Scan(&settlement); err != nil {
			return err
		}
		from := settlementAccount(merchantID, code)
		if settlement != "" {
			from = walletID(merchantID, code)
		}
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: "qrr:" + p.ID, DebitAccountID: from, CreditAccountID: walletID(p.PayerID, code),
			Amount: total, Asset: code, Code: "qr_refund"}); err != nil {
			return err
		}
		return s.notify(ctx, tx.SQL, p.PayerID, NotifyRefund, merchantID, "", "refunded your "+fmtMoney(code, total)+" counter payment")
	})
	if err != nil {
		return QRPayment{}, reused(err, "another refund")
	}
	return s.qrPayment(ctx, id)
}
