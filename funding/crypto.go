package funding

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/nestegg/nestegg"
)

// sealer encrypts account numbers at rest with AES-256-GCM. The bank
// account's id is the additional data, so a sealed number copied onto
// another row does not open.
type sealer struct {
	aead  cipher.AEAD
	fpKey []byte
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) == 0 {
		return nil, nil // bank accounts are off until the operator sets a key
	}
	if len(key) != 32 {
		return nil, nestegg.Errorf(nestegg.Invalid, "funding config: the encryption key must be 32 bytes, got %d", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("funding config: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("funding config: %w", err)
	}
	// A separate key for fingerprints, so the hash reveals nothing about
	// the encryption key.
	m := hmac.New(sha256.New, key)
	m.Write([]byte("nestegg funding fingerprint"))
	return &sealer{aead: g, fpKey: m.Sum(nil)}, nil
}

func (s *sealer) sealString(plain, ad string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), []byte(ad)))
}

func (s *sealer) openString(sealed, ad string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", fmt.Errorf("sealed account number is malformed")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(ad))
	if err != nil {
		// A wrong key: the operator changed it. Never guess.
		return "", fmt.Errorf("cannot decrypt an account number: wrong encryption key?")
	}
	return string(plain), nil
}

func (s *sealer) fingerprint(parts ...string) string {
	m := hmac.New(sha256.New, s.fpKey)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}
