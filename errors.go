package kite

import (
	"errors"
	"fmt"
)

// Error codes. Each layer returns a *Error carrying one of these; the HTTP
// layer maps codes to status codes in one table, and the HTTP client maps
// them back, so callers on either side test codes, never strings.
const (
	EINVALID   = "invalid"   // the caller's input is wrong
	ENOTFOUND  = "not_found" // no such issue or relation
	ECONFLICT  = "conflict"  // the write contradicts existing data
	EFORBIDDEN = "forbidden" // the caller may not see that namespace
	// ETOOMANY: the caller is over its request rate.
	ETOOMANY = "too_many"
	// EUNAUTHENTICATED: the caller's credentials were rejected.
	EUNAUTHENTICATED = "unauthenticated"
	ETOOLARGE        = "too_large"   // the request body is over the limit
	EUNAVAILABLE     = "unavailable" // storage is closed or unusable
	// ENOSPACE: the data volume is full; nothing was written.
	ENOSPACE  = "no_space"
	EINTERNAL = "internal" // a bug or an I/O failure
)

// Error is Kite's one error type. Message is safe to show to API callers;
// Details adds what a caller needs to fix the input; Field names the
// offending input field; Err keeps the cause for logs and errors.Is.
type Error struct {
	Code    string
	Message string
	Field   string
	Details string
	Err     error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Details != "" {
		msg += ": " + e.Details
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the field at fault.
func Invalid(field, message, details string) *Error {
	return &Error{Code: EINVALID, Field: field, Message: message, Details: details}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: the Message of a
// *Error, or a generic text for anything else so internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "Internal server error"
}

// ErrorDetails returns the Details of the first *Error in err's chain.
func ErrorDetails(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return ""
}

// ErrorField returns the Field of the first *Error in err's chain: the
// input the error is about, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
