package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
)

// Codes that only the HTTP layer produces. They are nestegg.Codes so that
// they pass through the same single mapping as every other error.
const (
	codeMethodNotAllowed     nestegg.Code = "method_not_allowed"
	codeUnsupportedMediaType nestegg.Code = "unsupported_media_type"
	// codeCardDeclined is a card processor's decline (funding_api.go).
	codeCardDeclined nestegg.Code = "card_declined"
)

// httpStatus is the one place that maps error codes to an HTTP status and
// the error "type" clients branch on.
//
// insufficient_funds is 422, not 402: 402 is "reserved for future use", and
// proxies and client libraries treat it inconsistently; 422 says "well
// formed, but cannot be done in the current state", which is what it is.
func httpStatus(code nestegg.Code) (int, string) {
	switch code {
	case nestegg.Invalid:
		return http.StatusBadRequest, "invalid_request_error"
	case nestegg.Unauthenticated:
		return http.StatusUnauthorized, "authentication_error"
	case nestegg.Forbidden:
		return http.StatusForbidden, "permission_error"
	case nestegg.NotFound:
		return http.StatusNotFound, "not_found_error"
	case nestegg.Conflict:
		return http.StatusConflict, "conflict_error"
	case nestegg.InFlight:
		return http.StatusConflict, "idempotency_error"
	case nestegg.IdempotencyMismatch:
		return http.StatusUnprocessableEntity, "idempotency_error"
	case nestegg.InsufficientFunds:
		return http.StatusUnprocessableEntity, "invalid_request_error"
	case nestegg.TooLarge:
		return http.StatusRequestEntityTooLarge, "invalid_request_error"
	case nestegg.RateLimited:
		return http.StatusTooManyRequests, "rate_limit_error"
	case nestegg.Unavailable:
		return http.StatusServiceUnavailable, "api_error"
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed, "invalid_request_error"
	case codeUnsupportedMediaType:
		return http.StatusUnsupportedMediaType, "invalid_request_error"
	case codeCardDeclined:
		// As card processors answer: the request was fine, the card
		// was refused; decline_code says why.
		return http.StatusPaymentRequired, "card_error"
	default:
		return http.StatusInternalServerError, "api_error"
	}
}

// specificError gives an error a more specific code for clients than its
// nestegg code (a failed transfer shows the ledger status, "exceeds_credits",
// while its nestegg code, insufficient_funds, decides the HTTP status).
type specificError struct {
	code string
	err  error
}

func (e *specificError) Error() string { return e.err.Error() }
func (e *specificError) Unwrap() error { return e.err }

// transferFailure says how a failed ledger status is shown: the nestegg code
// that sets the HTTP status, and the request field at fault.
type transferFailure struct {
	code  nestegg.Code
	param string
}

// transferFailures is the one table from ledger statuses to API errors.
// Statuses not listed are Invalid (400) without a param: every failure is the
// client's to fix, none is ours.
var transferFailures = map[ledger.Status]transferFailure{
	ledger.StatusExistsWithDifferentFields:    {nestegg.Conflict, "id"},
	ledger.StatusDebitAccountNotFound:         {nestegg.NotFound, "debit_account_id"},
	ledger.StatusCreditAccountNotFound:        {nestegg.NotFound, "credit_account_id"},
	ledger.StatusPendingTransferNotFound:      {nestegg.NotFound, "pending_id"},
	ledger.StatusExceedsCredits:               {nestegg.InsufficientFunds, "amount"},
	ledger.StatusExceedsDebits:                {nestegg.InsufficientFunds, "amount"},
	ledger.StatusPendingTransferNotPending:    {nestegg.Conflict, "pending_id"},
	ledger.StatusPendingTransferAlreadyPosted: {nestegg.Conflict, "pending_id"},
	ledger.StatusPendingTransferAlreadyVoided: {nestegg.Conflict, "pending_id"},
	ledger.StatusPendingTransferExpired:       {nestegg.Conflict, "pending_id"},
	ledger.StatusInvalidID:                    {nestegg.Invalid, "id"},
	ledger.StatusAccountsMustBeDifferent:      {nestegg.Invalid, "credit_account_id"},
	ledger.StatusAmountMustBePositive:         {nestegg.Invalid, "amount"},
	ledger.StatusAssetMismatch:                {nestegg.Invalid, "asset"},
	ledger.StatusInvalidCode:                  {nestegg.Invalid, "code"},
	ledger.StatusInvalidTimeout:               {nestegg.Invalid, "timeout_seconds"},
	ledger.StatusOverflow:                     {nestegg.Invalid, "amount"},
	ledger.StatusExceedsPendingAmount:         {nestegg.Invalid, "amount"},
	ledger.StatusPendingAccountsMismatch:      {nestegg.Invalid, "pending_id"},
}

// resultError turns a failed transfer result into an error whose shown code
// is the ledger status.
func resultError(res ledger.Result) error {
	f, ok := transferFailures[res.Status]
	if !ok {
		f.code = nestegg.Invalid
	}
	return &specificError{
		code: string(res.Status),
		err:  nestegg.ParamErrorf(f.code, f.param, "transfer %s failed: %s", res.ID, res.Status),
	}
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
	// DeclineCode is a card processor's reason for a decline
	// ("insufficient_funds"), on card_error only.
	DeclineCode string `json:"decline_code,omitempty"`
}

// errorResponse renders err in the one error shape.
func errorResponse(err error) (int, errorBody) {
	code := nestegg.ErrorCode(err)
	status, typ := httpStatus(code)
	shown := string(code)
	var se *specificError
	if errors.As(err, &se) {
		shown = se.code
	}
	if status == http.StatusInternalServerError {
		shown = string(nestegg.Internal)
	}
	var decline string
	var de *declineError
	if errors.As(err, &de) {
		decline = de.declineCode
	}
	return status, errorBody{Error: errorDetail{
		Type:        typ,
		Code:        shown,
		Message:     nestegg.ErrorMessage(err),
		Param:       nestegg.ErrorParam(err),
		DeclineCode: decline,
	}}
}

// writeError writes err in the error shape. Server-side failures are logged
// here, with the request id, because their causes are never shown.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := errorResponse(err)
	if status >= 500 {
		level := slog.LevelError
		if status == http.StatusServiceUnavailable {
			level = slog.LevelWarn
		}
		s.log.LogAttrs(r.Context(), level, "request failed",
			slog.String("request_id", w.Header().Get(headerRequestID)),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.String("error", err.Error()))
	}
	h := w.Header()
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="nestegg"`)
	}
	setRetryAfter(h, err)
	b, _ := json.Marshal(body) // cannot fail: strings only
	writeRaw(w, status, b)
}

// contentTypeJSON is shared by every JSON response; headers are never
// appended to in place, so one slice serves all.
var contentTypeJSON = []string{"application/json"}

// writeRaw writes an already encoded JSON body.
func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	delete(h, "Content-Length")
	w.WriteHeader(status)
	w.Write(b)
}

// writeJSON encodes v and writes it with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return &nestegg.Error{Code: nestegg.Internal, Op: "encode response", Err: err}
	}
	writeRaw(w, status, b)
	return nil
}

// setRetryAfter tells the client when to come back, for an error whose
// cause knows (social.HashBusy: too many logins waiting for a hash).
func setRetryAfter(h http.Header, err error) {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		h.Set("Retry-After", strconv.Itoa(max(1, int((ra.RetryAfter()+time.Second-1)/time.Second))))
	}
}
