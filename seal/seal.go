// Package seal encrypts small secrets at rest (bank account numbers,
// members' personal data) with AES-256-GCM under the operator's key, and
// fingerprints them with a keyed hash, so that equal secrets can be found
// without opening them. One key seals everything; the additional data a
// caller binds each sealed value to (the row's id) keeps a value copied
// onto another row from opening.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/nestegg/nestegg"
)

// Sealer seals and opens strings. It is safe for concurrent use.
type Sealer struct {
	aead  cipher.AEAD
	fpKey []byte
}

// New returns a sealer on key, which must be 32 bytes; a nil key returns a
// nil sealer (the feature needing it is off until the operator sets one).
// fingerprintLabel derives the fingerprint key from key, so that a
// fingerprint reveals nothing about the encryption key and each use has
// fingerprints of its own. Errors: Invalid for a key of another length.
func New(key []byte, fingerprintLabel string) (*Sealer, error) {
	if len(key) == 0 {
		return nil, nil
	}
	if len(key) != 32 {
		return nil, nestegg.Errorf(nestegg.Invalid, "the encryption key must be 32 bytes, got %d", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(fingerprintLabel))
	return &Sealer{aead: g, fpKey: m.Sum(nil)}, nil
}

// ErrOpen is returned by Open for a value that does not open: malformed,
// sealed under another key, or bound to other additional data.
var ErrOpen = errors.New("a sealed value does not open: wrong encryption key?")

// Seal encrypts plain bound to ad (the owning row's id), as base64.
func (s *Sealer) Seal(plain, ad string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), []byte(ad)))
}

// Open decrypts what Seal returned for the same ad. Errors: ErrOpen.
func (s *Sealer) Open(sealed, ad string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", ErrOpen
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(ad))
	if err != nil {
		// A wrong key: the operator changed it. Never guess.
		return "", ErrOpen
	}
	return string(plain), nil
}

// Fingerprint is a keyed hash of parts, equal for equal parts.
func (s *Sealer) Fingerprint(parts ...string) string {
	m := hmac.New(sha256.New, s.fpKey)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}
