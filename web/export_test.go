package web

import "net/http"

// Hooks for the external tests in package web_test.

// SetTestHook makes s call f inside every idempotent request, after its key
// is claimed and before its handler runs.
func SetTestHook(s *Server, f func(r *http.Request)) { s.testHook = f }

// ReadBody and DecodeJSON expose the strict decoding to FuzzDecode.
var (
	ReadBody   = readBody
	DecodeJSON = decodeJSON
)

// TransferRequest and BatchRequest are request bodies to decode into.
type (
	TransferRequest = transferRequest
	BatchRequest    = batchRequest
)
