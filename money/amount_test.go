package money_test

import (
	"encoding/json"
	"testing"

	"github.com/nestegg/nestegg/money"
)

func TestAmountJSON(t *testing.T) {
	a := money.Amount{Asset: mustLookup(t, "USD"), Minor: 150}
	b, err := json.Marshal(a)
	if want := `{"asset":"USD","minor":150}`; err != nil || string(b) != want {
		t.Errorf("json.Marshal(%v) = %s, %v, want %s", a, b, err, want)
	}
	var got money.Amount
	if err := json.Unmarshal(b, &got); err != nil || got != a {
		t.Errorf("json.Unmarshal(%s) = %v, %v, want %v", b, got, err, a)
	}
	big := `{"asset":"BTC","minor":9223372036854775807}`
	want := money.Amount{Asset: mustLookup(t, "BTC"), Minor: 1<<63 - 1}
	if err := json.Unmarshal([]byte(big), &got); err != nil || got != want {
		t.Errorf("json.Unmarshal(%s) = %v, %v, want %v", big, got, err, want)
	}
}

func TestAmountJSONErrors(t *testing.T) {
	tests := []struct {
		in      string
		invalid string // the nestegg.Invalid message, or "" for a JSON error
	}{
		{`{"asset":"USD","minor":-1}`, "amount must not be negative"},
		{`{"asset":"XYZ","minor":1}`, `unknown asset "XYZ"`},
		{`{"minor":1}`, "amount names no asset"},
		{`{"asset":"USD","minor":1.5}`, ""},
		{`{"asset":"USD","minor":1e3}`, ""},
		{`{"asset":"USD","minor":"150"}`, ""},
		{`{"asset":"USD","minor":9223372036854775808}`, ""},
	}
	for _, tt := range tests {
		var got money.Amount
		err := json.Unmarshal([]byte(tt.in), &got)
		if err == nil {
			t.Errorf("json.Unmarshal(%s) = %v, want an error", tt.in, got)
			continue
		}
		if tt.invalid != "" {
			checkErr(t, "json.Unmarshal("+tt.in+")", err, tt.invalid)
		}
	}
}
