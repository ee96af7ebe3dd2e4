package social

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/nestegg/nestegg"
)

const argonKeyLen = 32

// hashPassword returns the password's argon2id hash in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), which carries its parameters so
// they can change without invalidating stored hashes.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	var salt [16]byte
	rand.Read(salt[:])
	key, err := s.argon2(ctx, []byte(password), salt[:], s.argon, argonKeyLen)
	if err != nil {
		return "", err
	}
	return encodeHash(s.argon, salt[:], key), nil
}

func encodeHash(p Argon2, salt, key []byte) string {
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

func decodeHash(h string) (p Argon2, salt, key []byte, err error) {
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("argon2 parameters %q: %w", parts[3], err)
	}
	enc := base64.RawStdEncoding
	if salt, err = enc.DecodeString(parts[4]); err != nil {
		return p, nil, nil, fmt.Errorf("argon2 salt: %w", err)
	}
	if key, err = enc.DecodeString(parts[5]); err != nil {
		return p, nil, nil, fmt.Errorf("argon2 key: %w", err)
	}
	if p.Time == 0 || p.Threads == 0 || p.MemoryKiB < 8*uint32(p.Threads) || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, fmt.Errorf("argon2 parameters out of range")
	}
	return p, salt, key, nil
}

// verifyPassword reports whether password matches the stored hash, comparing
// in constant time, and whether the hash should be redone with the current
// parameters. A hash that cannot be decoded is an error (a bug or a damaged
// row), never a match.
func (s *Service) verifyPassword(ctx context.Context, hash, password string) (ok, stale bool, err error) {
	p, salt, want, err := decodeHash(hash)
	if err != nil {
		return false, false, err
	}
	got, err := s.argon2(ctx, []byte(password), salt, p, uint32(len(want)))
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, p != s.argon, nil
}

// dummyVerify hashes the password when a login names nobody, so that an
// unknown handle costs as much time as a wrong password, and is refused
// alike when the hashes are busy (HashBusy).
func (s *Service) dummyVerify(ctx context.Context, password string) error {
	var salt [16]byte
	_, err := s.argon2(ctx, []byte(password), salt[:], s.argon, argonKeyLen)
	return err
}

// HashBusy is the cause of the Unavailable error that refuses a login,
// sign-up or password check because too many are already waiting for a
// password hash (Options.MaxHashQueue, HashWait). Web answers 503 with
// Retry-After. Without the bound, a flood of logins (known handles or
// not, each an argon2 hash) piled up goroutines and memory without end.
type HashBusy struct{ After time.Duration }

func (e *HashBusy) Error() string { return "too many password checks waiting" }

// RetryAfter is how long the client should wait before trying again.
func (e *HashBusy) RetryAfter() time.Duration { return e.After }

func (s *Service) errHashBusy() error {
	return &nestegg.Error{Code: nestegg.Unavailable, Op: "password hash",
		Message: "too many people are signing in right now; try again in a few seconds", Err: &HashBusy{After: s.hashWait}}
}

// hashesBusy reports whether a password check would be refused now: a
// cheap look before a login reserves an attempt, so that refusals under a
// flood do not spend the account's guesses. argon2 decides for sure.
func (s *Service) hashesBusy() bool {
	return len(s.hashSem) == cap(s.hashSem) && s.queued.Load() >= s.maxQueue
}

// argon2 computes one argon2id key, waiting for a slot: each hash holds
// MemoryKiB of memory, and a burst of logins must not exhaust the machine.
// At most maxQueue callers wait, each at most hashWait; the others are
// refused at once (errHashBusy).
func (s *Service) argon2(ctx context.Context, password, salt []byte, p Argon2, keyLen uint32) ([]byte, error) {
	select {
	case s.hashSem <- struct{}{}:
	default:
		if s.queued.Add(1) > s.maxQueue {
			s.queued.Add(-1)
			return nil, s.errHashBusy()
		}
		t := time.NewTimer(s.hashWait)
		select {
		case s.hashSem <- struct{}{}:
			t.Stop()
			s.queued.Add(-1)
		case <-t.C:
			s.queued.Add(-1)
			return nil, s.errHashBusy()
		case <-ctx.Done():
			t.Stop()
			s.queued.Add(-1)
			return nil, ctx.Err()
		}
	}
	defer func() { <-s.hashSem }()
	return argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, keyLen), nil
}
