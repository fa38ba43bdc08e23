// Package schulhof holds the domain of the Schulhof school platform: its
// types, their validation, the pure rules that decide who may do what, and
// the service interfaces that the storage and web layers implement.
//
// It imports nothing of the project; everything else imports it.
package schulhof

import (
	"errors"
	"fmt"
)

// ErrorCode says what kind of failure an Error is. Only the HTTP layer maps
// codes to statuses. The list is append-only: clients match on the strings.
type ErrorCode string

const (
	EInvalid        ErrorCode = "invalid"                   // bad input; the message says what to fix
	ENotFound       ErrorCode = "not_found"                 // the thing does not exist, or the actor may not know it does
	EConflict       ErrorCode = "conflict"                  // a unique value is taken, or the state does not allow it
	EUnauthorized   ErrorCode = "unauthorized"              // not logged in, or the credentials are wrong
	EForbidden      ErrorCode = "forbidden"                 // logged in, but not allowed
	ERateLimited    ErrorCode = "rate_limited"              // too many attempts; try again later
	EUnavailable    ErrorCode = "unavailable"               // overloaded; try again shortly
	EPasswordChange ErrorCode = "password_change_required"  // a one-time password must be replaced first
	ETwoFactorSetup ErrorCode = "two_factor_setup_required" // the school requires two-factor for this staff member
	ETOTPRequired   ErrorCode = "totp_required"             // the password was right, a second factor is needed
	EInternal       ErrorCode = "internal"                  // a bug or an outage; the log has the cause
	EBadRequest     ErrorCode = "bad_request"               // a request that cannot be read: broken JSON, a bad cursor or query parameter
)

// Error is the one error type that crosses layers. Key names a sentence in
// the message catalog (internal/i18n) so that the web layer can show it in
// the user's language; Args fill its verbs. Fields carries per-field
// validation messages for forms.
type Error struct {
	Code   ErrorCode
	Key    string
	Args   []any
	Fields []FieldError
	// RetryAfter is set with ERateLimited and EUnavailable, in seconds.
	RetryAfter int
	// Err is the cause, for the log only; it is never shown to a user.
	Err error
}

// FieldError is one validation message bound to a form field.
type FieldError struct {
	Field string
	Key   string
	Args  []any
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Key
	if len(e.Args) > 0 {
		s += fmt.Sprint(e.Args)
	}
	for _, f := range e.Fields {
		s += "; " + f.Field + ": " + f.Key
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the code, message key and arguments.
func Errorf(code ErrorCode, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// ErrorCodeOf returns the code of the first Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Match reports whether err carries the code. Tests use it.
func Match(err error, code ErrorCode) bool { return ErrorCodeOf(err) == code }

// Validation collects field errors and turns into one EInvalid Error.
type Validation struct{ fields []FieldError }

// Add records a message for a field.
func (v *Validation) Add(field, key string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Key: key, Args: args})
}

// Err returns nil when nothing was added.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Key: "error.invalid", Fields: v.fields}
}

// Invalid is an EInvalid Error with one field's message.
func Invalid(field, key string, args ...any) error {
	var v Validation
	v.Add(field, key, args...)
	return v.Err()
}
