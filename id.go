package nestegg

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

var idMu sync.Mutex
var lastIDTime int64

// NewID returns a fresh id with a type prefix ("pay", "ord", "mv", …):
// prefix, "_", then 32 hex digits of a UUIDv7 (RFC 9562), so ids made later
// sort later, even within one millisecond in one process, and two processes
// never collide (74 random bits).
func NewID(prefix string) string {
	var u [16]byte
	rand.Read(u[8:])
	rand.Read(u[6:8])
	idMu.Lock()
	// Milliseconds, then a 12-bit fraction of the millisecond: strictly
	// increasing per process, as RFC 9562's method 3 describes.
	now := time.Now().UnixNano()
	ms, frac := now/1e6, (now%1e6)*4096/1e6
	t := ms<<12 | frac
	if t <= lastIDTime {
		t = lastIDTime + 1
	}
	lastIDTime = t
	idMu.Unlock()
	binary.BigEndian.PutUint64(u[0:8], uint64(t>>12)<<16|uint64(t&0xfff))
	u[6] = 0x70 | byte(t>>8&0x0f) // version 7, then the fraction's top bits
	u[7] = byte(t)
	u[8] = u[8]&0x3f | 0x80 // the RFC 4122 variant
	return prefix + "_" + hex.EncodeToString(u[:])
}

// MaxKeyLen is the longest idempotency key a caller may choose.
const MaxKeyLen = 255

// CheckKey validates an idempotency key a caller chose: 1 to 255
// characters. Invalid (Param "idempotency_key") otherwise.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return ParamErrorf(Invalid, "idempotency_key", "an idempotency key of 1 to %d characters is required", MaxKeyLen)
	}
	return nil
}

// Fingerprint hashes a request's fields (in a fixed order) so that a replay
// of an idempotency key is told apart from its reuse with another body:
// the first 18 bytes of SHA-256 over the NUL-joined parts, base64url.
func Fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(h[:18])
}
