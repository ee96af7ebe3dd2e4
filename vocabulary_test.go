package nestegg_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nestegg/nestegg"
)

func TestNewIDSortsByTime(t *testing.T) {
	prev := ""
	seen := map[string]bool{}
	for i := 0; i < 10_000; i++ {
		id := nestegg.NewID("pay")
		if !strings.HasPrefix(id, "pay_") || len(id) != len("pay_")+32 {
			t.Fatalf("NewID = %q, want pay_ and 32 hex digits", id)
		}
		if id <= prev || seen[id] {
			t.Fatalf("NewID after %q = %q: not increasing", prev, id)
		}
		if id[4+12] != '7' {
			t.Fatalf("NewID = %q: not a version 7 UUID", id)
		}
		seen[id], prev = true, id
	}
}

func TestParsePage(t *testing.T) {
	c := nestegg.Cursor{At: 1_700_000_000_000, ID: "pay_1", Extra: -250}
	got, limit, err := nestegg.ParsePage(nestegg.Page{Cursor: c.String(), Limit: 5})
	if err != nil || got != c || limit != 5 {
		t.Fatalf("ParsePage(%v) = %v, %d, %v", c, got, limit, err)
	}
	// A webhook delivery's id is its event's and its endpoint's.
	long := nestegg.Cursor{At: 1, ID: "whd_evt_01a23ca81de6794a9d7fe62c208fdcec_whe_01a23ca81de6794a9d7fe62c208fdcec"}
	if got, _, err := nestegg.ParsePage(nestegg.Page{Cursor: long.String()}); err != nil || got != long {
		t.Fatalf("ParsePage(%v) = %v, %v", long, got, err)
	}
	tooLong := nestegg.Cursor{At: 1, ID: strings.Repeat("x", 129)}
	if _, _, err := nestegg.ParsePage(nestegg.Page{Cursor: tooLong.String()}); !nestegg.Match(&nestegg.Error{Code: nestegg.Invalid, Param: "cursor"}, err) {
		t.Errorf("ParsePage(a 129-byte id) = %v, want invalid", err)
	}
	if got, limit, err := nestegg.ParsePage(nestegg.Page{}); err != nil || got != nestegg.Start || limit != nestegg.DefaultLimit {
		t.Fatalf("ParsePage(first page) = %v, %d, %v", got, limit, err)
	}
	for _, p := range []nestegg.Page{{Limit: -1}, {Limit: nestegg.MaxLimit + 1}, {Cursor: "!!"}, {Cursor: "eHl6"}} {
		if _, _, err := nestegg.ParsePage(p); !nestegg.Match(&nestegg.Error{Code: nestegg.Invalid}, err) {
			t.Errorf("ParsePage(%+v) = %v, want invalid", p, err)
		}
	}
}

func TestMatch(t *testing.T) {
	err := fmt.Errorf("send: %w", nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must be greater than zero"))
	for _, tc := range []struct {
		want *nestegg.Error
		err  error
		ok   bool
	}{
		{&nestegg.Error{Code: nestegg.Invalid}, err, true},
		{&nestegg.Error{Code: nestegg.Invalid, Param: "amount"}, err, true},
		{&nestegg.Error{Code: nestegg.Invalid, Param: "note"}, err, false},
		{&nestegg.Error{Code: nestegg.Forbidden}, err, false},
		{&nestegg.Error{Message: "the amount must be greater than zero"}, err, true},
		{&nestegg.Error{Code: nestegg.Invalid}, errors.New("plain"), false},
		{nil, nil, true},
		{nil, err, false},
	} {
		if got := nestegg.Match(tc.want, tc.err); got != tc.ok {
			t.Errorf("Match(%+v, %v) = %v, want %v", tc.want, tc.err, got, tc.ok)
		}
	}
}

func TestFingerprintAndKey(t *testing.T) {
	if nestegg.Fingerprint("a", "bc") == nestegg.Fingerprint("ab", "c") {
		t.Error("Fingerprint does not separate its parts")
	}
	if err := nestegg.CheckKey(strings.Repeat("k", nestegg.MaxKeyLen+1)); !nestegg.Match(&nestegg.Error{Code: nestegg.Invalid, Param: "idempotency_key"}, err) {
		t.Errorf("CheckKey(too long) = %v", err)
	}
	if err := nestegg.CheckKey("k"); err != nil {
		t.Errorf("CheckKey(k) = %v", err)
	}
}
