package schulhof

import (
	"context"
	"time"
)

// Session is a logged-in browser or app. Only the SHA-256 of its token is
// stored, so a copy of the database logs nobody in.
type Session struct {
	TokenHash  []byte
	UserID     UserID
	SchoolID   SchoolID
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	// TOTPPending is true between a right password and the second factor;
	// such a session may do nothing but finish the login.
	TOTPPending bool
	IP          string
	UserAgent   string
	// SupportBy is the operator's login when the operator sees Schulhof
	// as this user for support (with the school's consent); such a
	// session ends after SupportFor and does not slide.
	SupportBy string
}

// SupportFor is how long a support session lasts.
const SupportFor = time.Hour

// SessionEnd tells that sessions have ended: the one whose token hash is
// Session, or else all of User's but Keep's. It is how a node learns to
// close the live sockets of a logout, a password change, a reset or a
// deactivation made on any node.
type SessionEnd struct {
	User    UserID `json:"user"`
	Session []byte `json:"session,omitempty"`
	Keep    []byte `json:"keep,omitempty"`
}

// SessionService stores sessions.
//
// Errors: EUnauthorized from FindSession for an unknown or expired token.
type SessionService interface {
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session and its user, active ones only.
	FindSession(ctx context.Context, tokenHash []byte, now time.Time) (*Session, *User, error)
	TouchSession(ctx context.Context, tokenHash []byte, now time.Time) error
	CompleteTOTP(ctx context.Context, tokenHash []byte) error
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteUserSessions logs a user out everywhere, but for keep (may be nil).
	DeleteUserSessions(ctx context.Context, user UserID, keep []byte) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
}

// TOTPService stores users' second factors.
type TOTPService interface {
	// TOTPSecret returns the secret and the last time step used (replay guard).
	TOTPSecret(ctx context.Context, user UserID) (secret string, lastStep int64, err error)
	SetTOTP(ctx context.Context, user UserID, secret string, enabled bool) error
	// UseTOTPStep records step as used; EConflict if it was already.
	UseTOTPStep(ctx context.Context, user UserID, step int64) error
}

// Session lifetimes: a session ends after SessionIdleTimeout without use,
// and in any case after SessionMaxAge.
const (
	SessionIdleTimeout = 12 * time.Hour
	SessionMaxAge      = 30 * 24 * time.Hour
)
