package commerce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
)

// An in-store QR code is a URL with a signed token (docs: commerce/doc.go,
// "In-store QR codes"):
//
//	https://<host>/q/<token>
//	token   = "v1." + code + "." + amount + "." + asset + "." + expires + "." + sig
//	code    = the code's id ("qr_…": lower-case letters, digits, "_")
//	amount  = minor units the code asks for; "0" for a static code (the
//	          payer types the amount)
//	asset   = the asset's code ("USD")
//	expires = Unix seconds after which the code is refused; "0" for never
//	sig     = base64url, unpadded, of the first 16 bytes of
//	          HMAC-SHA256(server key, everything before ".sig")
//
// A forged or altered token fails the signature; a token whose fields do
// not match its code's row (a key rotated, a row changed) is refused too.

// QRToken is a parsed token: what a code claims before it is checked
// against the server's key and its row.
type QRToken struct {
	CodeID  string
	Amount  int64 // 0 for a static code
	Asset   string
	Expires int64 // Unix seconds; 0 for never
	Sig     string
}

// qrVersion is the token's version prefix.
const qrVersion = "v1"

// maxQRToken bounds what ParseQRToken reads.
const maxQRToken = 200

// ParseQRToken reads a token (or a URL ending in "/q/<token>") without
// checking its signature: see Service.verifyToken. Errors: Invalid (Param
// "token") for anything that is not a well-formed v1 token.
func ParseQRToken(s string) (QRToken, error) {
	bad := nestegg.ParamErrorf(nestegg.Invalid, "token", "this is not a Nestegg payment code")
	if i := strings.LastIndex(s, "/q/"); i >= 0 {
		s = s[i+3:]
	}
	if s == "" || len(s) > maxQRToken {
		return QRToken{}, bad
	}
	parts := strings.Split(s, ".")
	if len(parts) != 6 || parts[0] != qrVersion {
		return QRToken{}, bad
	}
	t := QRToken{CodeID: parts[1], Asset: parts[3], Sig: parts[5]}
	if !idText(t.CodeID) || !strings.HasPrefix(t.CodeID, "qr_") || !assetText(t.Asset) || len(t.Sig) != 22 {
		return QRToken{}, bad
	}
	if _, err := base64.RawURLEncoding.DecodeString(t.Sig); err != nil {
		return QRToken{}, bad
	}
	var err error
	if t.Amount, err = decimal(parts[2]); err != nil {
		return QRToken{}, bad
	}
	if t.Expires, err = decimal(parts[4]); err != nil {
		return QRToken{}, bad
	}
	return t, nil
}

// decimal reads a non-negative integer with no sign, no leading zero (but
// "0") and no overflow: one spelling per number, so a token cannot be
// altered into another that means the same.
func decimal(s string) (int64, error) {
	if s == "" || len(s) > 18 || (len(s) > 1 && s[0] == '0') {
		return 0, strconv.ErrSyntax
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

func idText(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func assetText(s string) bool {
	if len(s) < 3 || len(s) > 8 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// signed is everything the signature covers.
func (t QRToken) signed() string {
	return qrVersion + "." + t.CodeID + "." + strconv.FormatInt(t.Amount, 10) + "." + t.Asset + "." + strconv.FormatInt(t.Expires, 10)
}

// String is the token as it goes in a URL.
func (t QRToken) String() string { return t.signed() + "." + t.Sig }

func qrSign(key []byte, t QRToken) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(t.signed()))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// qrSigned is t with its signature under key.
func qrSigned(key []byte, t QRToken) QRToken {
	t.Sig = qrSign(key, t)
	return t
}

// qrValid reports whether t's signature is key's, in constant time.
func qrValid(key []byte, t QRToken) bool {
	return hmac.Equal([]byte(qrSign(key, t)), []byte(t.Sig))
}

func qrExpiry(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
