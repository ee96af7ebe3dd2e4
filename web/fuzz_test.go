package web_test

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/web"
)

// FuzzDecode feeds the strict decoding (content type, size limit, JSON into
// a transfer and into a batch) arbitrary input. It must never panic, and
// every failure must be the client's: invalid, too_large or
// unsupported_media_type, never internal. Seeds live in
// testdata/fuzz/FuzzDecode; crashers found later are kept there too.
func FuzzDecode(f *testing.F) {
	f.Add("application/json", []byte(`{"id":"t1","debit_account_id":"a","credit_account_id":"b","amount":1,"asset":"USD","code":"p2p"}`))
	f.Add("application/json; charset=utf-8", []byte(`{"transfers":[{"id":"t1","amount":5}]}`))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		const limit = 4096
		r := httptest.NewRequest("POST", "/api/v1/transfers", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		b, err := web.ReadBody(httptest.NewRecorder(), r, limit)
		if err != nil {
			checkClientError(t, err)
			return
		}
		var tr web.TransferRequest
		checkClientError(t, web.DecodeJSON(b, &tr))
		var batch web.BatchRequest
		checkClientError(t, web.DecodeJSON(b, &batch))
	})
}

func checkClientError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	switch c := nestegg.ErrorCode(err); c {
	case nestegg.Invalid, nestegg.TooLarge, "unsupported_media_type":
	default:
		t.Fatalf("error %q has code %q, want a client error", err, c)
	}
	if nestegg.ErrorMessage(err) == "" {
		t.Fatalf("error %v has no message", err)
	}
}
