package kit

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/schulhof/schulhof"
)

type ctxKey int

const (
	requestKey ctxKey = iota
	authKey
)

// RequestInfo is what the outermost middleware knows of a request.
type RequestInfo struct {
	ID     string
	Base   *slog.Logger
	Lang   string
	Route  string // the matched pattern, set by the route table
	User   schulhof.UserID
	School schulhof.SchoolID
}

// Log returns the request's logger with its id and user. It is built on
// demand: most requests log nothing above debug level, and attaching
// attributes allocates.
func (ri *RequestInfo) Log() *slog.Logger {
	l := ri.Base.With("request_id", ri.ID)
	if ri.User != 0 {
		l = l.With("user_id", ri.User, "school_id", ri.School)
	}
	return l
}

// Auth is who makes a request; nil fields mean anonymous.
type Auth struct {
	User      *schulhof.User
	Session   *schulhof.Session
	TokenHash []byte
	School    *schulhof.School // the user's own school; nil for operators
	Bearer    bool
}

// Info is the request's RequestInfo (a default one outside the
// middleware, as in a unit test of a handler).
func Info(r *http.Request) *RequestInfo {
	if i, ok := r.Context().Value(requestKey).(*RequestInfo); ok {
		return i
	}
	return &RequestInfo{Base: slog.Default(), Lang: "de"}
}

// AuthOf is who makes the request; an empty Auth for anonymous ones.
func AuthOf(r *http.Request) *Auth { return AuthFromContext(r.Context()) }

// AuthFromContext is AuthOf for code that has only the request's
// context (the provider's storage, in sso).
func AuthFromContext(ctx context.Context) *Auth {
	a, _ := ctx.Value(authKey).(*Auth)
	if a == nil {
		return &Auth{}
	}
	return a
}

// WithInfo and WithAuth are for the middleware that learns them.
func WithInfo(ctx context.Context, ri *RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey, ri)
}

func WithAuth(ctx context.Context, a *Auth) context.Context {
	return context.WithValue(ctx, authKey, a)
}
