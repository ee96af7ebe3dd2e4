package nestegg

import "errors"

// Match reports whether err is an *Error that has every non-empty field of
// want (Code, Param, Message, Op) — for precise test assertions, in the
// spirit of upspin's errors.Match. A nil want matches only a nil err.
func Match(want *Error, err error) bool {
	if want == nil {
		return err == nil
	}
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	// The outermost *Error with a code speaks for the chain (ErrorCode).
	if want.Code != "" && ErrorCode(err) != want.Code {
		return false
	}
	if want.Param != "" && ErrorParam(err) != want.Param {
		return false
	}
	if want.Message != "" && ErrorMessage(err) != want.Message {
		return false
	}
	if want.Op != "" && e.Op != want.Op {
		return false
	}
	return true
}
