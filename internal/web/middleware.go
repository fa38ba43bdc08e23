package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
)

type ctxKey int

const (
	requestKey ctxKey = iota
	authKey
)

// requestInfo is what the outermost middleware knows of a request.
type requestInfo struct {
	id     string
	base   *slog.Logger
	lang   string
	route  string // the matched pattern, set by the route table
	user   schulhof.UserID
	school schulhof.SchoolID
}

// log returns the request's logger with its id and user. It is built on
// demand: most requests log nothing above debug level, and attaching
// attributes allocates.
func (ri *requestInfo) log() *slog.Logger {
	l := ri.base.With("request_id", ri.id)
	if ri.user != 0 {
		l = l.With("user_id", ri.user, "school_id", ri.school)
	}
	return l
}

// auth is who makes a request; nil fields mean anonymous.
type auth struct {
	user      *schulhof.User
	session   *schulhof.Session
	tokenHash []byte
	school    *schulhof.School // the user's own school; nil for operators
	bearer    bool
}

func info(r *http.Request) *requestInfo {
	if i, ok := r.Context().Value(requestKey).(*requestInfo); ok {
		return i
	}
	return &requestInfo{base: slog.Default(), lang: "de"}
}

func authOf(r *http.Request) *auth {
	a, _ := r.Context().Value(authKey).(*auth)
	if a == nil {
		return &auth{}
	}
	return a
}

// statusWriter remembers the status for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an id and a logger, recovers panics, and
// records the request in the log and in the metrics by route pattern.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		rand.Read(b)
		ri := &requestInfo{id: hex.EncodeToString(b), base: s.log, lang: i18n.Pick("", r.Header.Get("Accept-Language"))}
		if c, err := r.Cookie("lang"); err == nil {
			ri.lang = i18n.Pick(c.Value, "")
		}
		sw := &statusWriter{ResponseWriter: w}
		w.Header().Set("X-Request-Id", ri.id)
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		defer func() {
			if p := recover(); p != nil {
				ri.log().Error("panic", "panic", p, "path", r.URL.Path)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			route := ri.route
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
			s.metrics.latency.WithLabelValues(route).Observe(d.Seconds())
			level := slog.LevelDebug
			switch {
			case sw.status >= 500:
				level = slog.LevelError
			case sw.status >= 400:
				level = slog.LevelInfo
			}
			if !s.log.Enabled(r.Context(), level) {
				return
			}
			ri.log().Log(r.Context(), level, "request", "method", r.Method, "route", route, "status", sw.status,
				"duration_ms", d.Milliseconds(), "ip", s.clientIP(r))
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestKey, ri)))
	})
}

// contentSecurityPolicy allows only the server's own scripts, styles and
// images (and data: images for the two-factor QR code); no inline code.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.isHTTPS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

const sessionCookie = "schulhof_session"

// authenticate finds the session of a cookie or bearer token, if any. It
// does not refuse anonymous requests; the route wrappers do.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var tok string
		bearer := false
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			tok, bearer = strings.TrimSpace(h[len("Bearer "):]), true
		} else if c, err := r.Cookie(sessionCookie); err == nil {
			tok = c.Value
		}
		if tok == "" || len(tok) > 100 {
			next.ServeHTTP(w, r)
			return
		}
		th := hashToken(tok)
		now := s.now()
		sess, user, err := s.db.FindSession(r.Context(), th, now)
		if err != nil {
			if !schulhof.Match(err, schulhof.EUnauthorized) {
				info(r).log().Error("find session", "err", err)
			}
			if !bearer {
				s.clearSessionCookie(w, r)
			}
			next.ServeHTTP(w, r)
			return
		}
		a := &auth{user: user, session: sess, tokenHash: th, bearer: bearer}
		if user.SchoolID != 0 {
			if a.school, err = s.schools.get(r.Context(), user.SchoolID); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		// Record activity at most every five minutes: a write per request
		// would serialise every page view on SQLite's one writer.
		if now.Sub(sess.LastSeenAt) > 5*time.Minute {
			if err := s.db.TouchSession(r.Context(), th, now); err != nil {
				info(r).log().Warn("touch session", "err", err)
			}
		}
		ri := info(r)
		if _, err := r.Cookie("lang"); err != nil || user.Language != "" {
			ri.lang = i18n.Pick(user.Language, r.Header.Get("Accept-Language"))
		}
		ri.user, ri.school = user.ID, user.SchoolID
		ctx := context.WithValue(r.Context(), authKey, a)
		ctx = schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: user, IP: s.clientIP(r)})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// gate says what a logged-in user must do before anything else.
func gate(a *auth) schulhof.ErrorCode {
	switch {
	case a.session.TOTPPending:
		return schulhof.ETOTPRequired
	case a.user.MustChangePassword:
		return schulhof.EPasswordChange
	case a.school != nil && a.school.Require2FA && a.user.Role.IsStaff() && !a.user.TOTPEnabled:
		return schulhof.ETwoFactorSetup
	}
	return ""
}

// page wraps a handler for a logged-in browser: anonymous users go to the
// login page, and a user who must change the password or finish two-factor
// is sent there first.
func (s *Server) page(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := authOf(r)
		if a.user == nil {
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + urlQueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		switch gate(a) {
		case schulhof.ETOTPRequired:
			http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
			return
		case schulhof.EPasswordChange:
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		case schulhof.ETwoFactorSetup:
			if !strings.HasPrefix(r.URL.Path, "/profile") {
				http.Redirect(w, r, "/profile?setup=totp", http.StatusSeeOther)
				return
			}
		}
		h(w, r)
	})
}

// api wraps a handler of the JSON API that needs a logged-in user.
func (s *Server) api(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := authOf(r)
		if a.user == nil {
			s.fail(w, r, schulhof.Errorf(schulhof.EUnauthorized, "auth.required"))
			return
		}
		switch g := gate(a); g {
		case "":
		default:
			// a user who must change the password may still read who they
			// are and change it
			if !(g == schulhof.EPasswordChange && (r.URL.Path == "/api/v1/me" || r.URL.Path == "/api/v1/me/password")) {
				s.fail(w, r, schulhof.Errorf(g, "auth."+string(g)))
				return
			}
		}
		h(w, r)
	})
}
