// Package nestegg is the vocabulary shared by every part of Nestegg: error
// codes and the error type that carries them. It imports only the standard
// library, so every other package may depend on it.
package nestegg

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers and for the one place (web) that maps
// errors to HTTP statuses. Codes are stable strings: clients branch on them.
type Code string

// The error codes. Each names what the caller can do about it.
const (
	// Invalid: the request is malformed or breaks a rule; fix it and retry.
	Invalid Code = "invalid"
	// Unauthenticated: no or bad credentials.
	Unauthenticated Code = "unauthenticated"
	// Forbidden: the caller is known but may not do this.
	Forbidden Code = "forbidden"
	// NotFound: the thing does not exist, or the caller may not know it exists.
	NotFound Code = "not_found"
	// Conflict: the request contradicts the current state (a duplicate id with
	// different fields, a handle taken, a pending transfer already posted).
	Conflict Code = "conflict"
	// InFlight: the same idempotency key is being processed right now.
	InFlight Code = "in_flight"
	// IdempotencyMismatch: the idempotency key was used with another body.
	IdempotencyMismatch Code = "idempotency_mismatch"
	// InsufficientFunds: a constrained account would break its constraint.
	InsufficientFunds Code = "insufficient_funds"
	// TooLarge: the request body or a list is over its limit.
	TooLarge Code = "too_large"
	// RateLimited: too many attempts; wait and retry.
	RateLimited Code = "rate_limited"
	// Unavailable: the service is shutting down or a dependency is down;
	// retrying the same request later is safe.
	Unavailable Code = "unavailable"
	// Internal: a bug or an unexpected failure. Never caused by input.
	Internal Code = "internal"
)

// Error is Nestegg's one error type. Op says where it happened, Code what kind
// it is, Message what a person should read, Param which input field (if any)
// is at fault, and Err the cause, which is never shown to clients.
type Error struct {
	Op      string
	Code    Code
	Message string
	Param   string
	Err     error
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Op != "" {
		return e.Op + ": " + msg
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message for people.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ParamErrorf is Errorf for an error caused by one input field.
func ParamErrorf(code Code, param, format string, args ...any) *Error {
	return &Error{Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Code == "" && e.Err != nil {
			return ErrorCode(e.Err)
		}
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the message meant for people of the first *Error in
// err's chain that has one. Internal errors get a generic message so that
// causes (SQL, paths) never reach clients.
func ErrorMessage(err error) string {
	var e *Error
	for err != nil {
		if errors.As(err, &e) {
			if e.Message != "" && e.Code != Internal {
				return e.Message
			}
			err = e.Err
			continue
		}
		break
	}
	return "an internal error occurred; it has been logged"
}

// ErrorParam returns the input field named by the first *Error with a Param.
func ErrorParam(err error) string {
	var e *Error
	for err != nil && errors.As(err, &e) {
		if e.Param != "" {
			return e.Param
		}
		err = e.Err
	}
	return ""
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return ErrorCode(err) == code }
