package kit

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
)

// DomainError returns err as the domain's Error; any other error is an
// internal one.
func DomainError(err error) *schulhof.Error {
	var e *schulhof.Error
	if errors.As(err, &e) {
		return e
	}
	return &schulhof.Error{Code: schulhof.EInternal, Key: "error.internal", Err: err}
}

// StatusOf is the HTTP status of a domain error code.
func StatusOf(code schulhof.ErrorCode) int {
	switch code {
	case schulhof.EBadRequest:
		return http.StatusBadRequest
	case schulhof.EInvalid:
		return http.StatusUnprocessableEntity
	case schulhof.ENotFound:
		return http.StatusNotFound
	case schulhof.EConflict:
		return http.StatusConflict
	case schulhof.EUnauthorized, schulhof.ETOTPRequired:
		return http.StatusUnauthorized
	case schulhof.EForbidden, schulhof.EPasswordChange, schulhof.ETwoFactorSetup:
		return http.StatusForbidden
	case schulhof.ERateLimited:
		return http.StatusTooManyRequests
	case schulhof.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// IsAPI reports whether the request is for the JSON API.
func IsAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// APIError is the JSON error body: {"error": {"code", "message", "fields"}}.
type APIError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Fail answers with an error: JSON for the API, a page otherwise. The
// cause of an internal error goes to the log, once, and never to the user.
func (d *Deps) Fail(w http.ResponseWriter, r *http.Request, err error) {
	e := DomainError(err)
	lang := Info(r).Lang
	status := StatusOf(e.Code)
	if e.Code == schulhof.EInternal {
		Info(r).Log().Error("request failed", "err", err)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if IsAPI(r) || AuthOf(r).Bearer {
		body := APIError{Code: string(e.Code), Message: i18n.T(lang, e.Key, e.Args...)}
		if len(e.Fields) > 0 {
			body.Fields = map[string]string{}
			for _, f := range e.Fields {
				body.Fields[f.Field] = i18n.T(lang, f.Key, f.Args...)
			}
		}
		WriteJSON(w, status, map[string]any{"error": body})
		return
	}
	v := d.NewView(r, "error.title")
	v.Error = v.T(e.Key, e.Args...)
	d.Render(w, r, status, "error", v)
}

// WriteJSON answers with v as JSON, never cached.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// ReadJSON decodes a request body of at most 1 MiB into v; an unknown
// field is an error, so that a typo does not pass silently.
func ReadJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return schulhof.Errorf(schulhof.EBadRequest, "error.bad_json", err.Error())
	}
	return nil
}

// List is the envelope of every list in the API.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// NewList never answers null for no items.
func NewList[T any](items []T, next string) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, NextCursor: next}
}

// Seconds and Minutes round a wait up, for Retry-After and the sentences
// that name it.
func Seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
func Minutes(d time.Duration) int { return int(math.Ceil(d.Minutes())) }
