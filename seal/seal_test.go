package seal_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nestegg/nestegg/seal"
)

func TestSealOpens(t *testing.T) {
	s, err := seal.New(bytes.Repeat([]byte{1}, 32), "test")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Seal("8877665544332211", "bnk_1")
	if got, err := s.Open(c, "bnk_1"); err != nil || got != "8877665544332211" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(c, "bnk_2"); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("Open(other row) = %v, want ErrOpen", err)
	}
	other, _ := seal.New(bytes.Repeat([]byte{2}, 32), "test")
	if _, err := other.Open(c, "bnk_1"); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("Open(other key) = %v, want ErrOpen", err)
	}
	if _, err := s.Open("not base64!", "bnk_1"); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("Open(garbage) = %v, want ErrOpen", err)
	}
	if s.Fingerprint("a", "b") != s.Fingerprint("a", "b") || s.Fingerprint("a", "b") == s.Fingerprint("ab") {
		t.Fatal("fingerprints: equal parts must match, shifted parts must not")
	}
	if n, err := seal.New(nil, "x"); n != nil || err != nil {
		t.Fatalf("New(nil) = %v, %v, want nil, nil", n, err)
	}
	if _, err := seal.New([]byte("short"), "x"); err == nil {
		t.Fatal("New(short key) = nil error")
	}
}
