package okr

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to one way the bot answers a person.
const (
	EINVALID   = "invalid"   // the input breaks a rule; the message says which
	ENOTFOUND  = "not_found" // the thing referred to does not exist
	EFORBIDDEN = "forbidden" // the person may not do this; the message says who may
	ECONFLICT  = "conflict"  // the change clashes with the current state
	EINTERNAL  = "internal"  // anything else: logged, never shown in detail
)

// internalMessage is what a person sees for any error that is not an *Error.
const internalMessage = "Something went wrong; it has been logged."

// Error is a domain error: a code, a message written for a person, and for
// validation errors the field it is about (so a form can show it in place).
//
// Messages are written for Slack: they may mention people (<@U123>) and
// quote `commands`, and every name a person typed is passed through Quote,
// so a message can go into mrkdwn as it is.
type Error struct {
	Code    string
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("okr error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("okr error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error about one input field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Quote makes text a person typed (a team name, a cycle name, a schedule)
// safe inside a message: only &, < and > are markup in Slack's mrkdwn, and
// escaping them keeps a name from pinging @channel or forging a link.
func Quote(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the person-facing message of the first *Error in
// err's chain; any other error gets a generic message, never its text.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e) && e.Code != EINTERNAL:
		return e.Message
	default:
		return internalMessage
	}
}

// FieldErrors collects the field errors in err, which may be a single *Error
// or several joined with errors.Join, keyed by field. The first message for a
// field wins. Errors without a field are left out.
func FieldErrors(err error) map[string]string {
	out := map[string]string{}
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			if e.Field != "" {
				if _, seen := out[e.Field]; !seen {
					out[e.Field] = e.Message
				}
			}
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}
