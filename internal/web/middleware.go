package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

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
		ri := &kit.RequestInfo{ID: hex.EncodeToString(b), Base: s.Log, Lang: i18n.Pick("", r.Header.Get("Accept-Language"))}
		if c, err := r.Cookie("lang"); err == nil {
			ri.Lang = i18n.Pick(c.Value, "")
		}
		sw := &statusWriter{ResponseWriter: w}
		w.Header().Set("X-Request-Id", ri.ID)
		s.metrics.inFlight.Inc()
		defer s.metrics.inFlight.Dec()
		defer func() {
			if p := recover(); p != nil {
				ri.Log().Error("panic", "panic", p, "path", r.URL.Path)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			route := ri.Route
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
				s.Errors.Add(ri.School)
			case sw.status >= 400:
				level = slog.LevelInfo
			}
			if !s.Log.Enabled(r.Context(), level) {
				return
			}
			ri.Log().Log(r.Context(), level, "request", "method", r.Method, "route", route, "status", sw.status,
				"duration_ms", d.Milliseconds(), "ip", s.ClientIP(r))
		}()
		next.ServeHTTP(sw, r.WithContext(kit.WithInfo(r.Context(), ri)))
	})
}

func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", kit.ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		// camera, microphone and screen for video lessons, from the
		// server's own pages only (no frame of another site gets them)
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=()")
		if s.IsHTTPS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate finds the session of a cookie or bearer token, if any. It
// does not refuse anonymous requests; the route wrappers do.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var tok string
		bearer := false
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			tok, bearer = strings.TrimSpace(h[len("Bearer "):]), true
		} else if c, err := r.Cookie(kit.SessionCookie); err == nil {
			tok = c.Value
		}
		// the provider's endpoints take their own bearer tokens (sso)
		if tok == "" || len(tok) > 100 || (bearer && strings.HasPrefix(r.URL.Path, "/oidc/")) {
			next.ServeHTTP(w, r)
			return
		}
		th := kit.HashToken(tok)
		now := s.Now()
		sess, user, err := s.db.FindSession(r.Context(), th, now)
		if err != nil {
			if !schulhof.Match(err, schulhof.EUnauthorized) {
				kit.Info(r).Log().Error("find session", "err", err)
			}
			if !bearer {
				s.ClearSessionCookie(w, r)
			}
			next.ServeHTTP(w, r)
			return
		}
		a := &kit.Auth{User: user, Session: sess, TokenHash: th, Bearer: bearer}
		if user.SchoolID != 0 {
			if a.School, err = s.School(r.Context(), user.SchoolID); err != nil {
				s.Fail(w, r, err)
				return
			}
		}
		// Record activity at most every five minutes: a write per request
		// would serialise every page view on SQLite's one writer.
		if now.Sub(sess.LastSeenAt) > 5*time.Minute {
			if err := s.db.TouchSession(r.Context(), th, now); err != nil {
				kit.Info(r).Log().Warn("touch session", "err", err)
			}
		}
		ri := kit.Info(r)
		if _, err := r.Cookie("lang"); err != nil || user.Language != "" {
			ri.Lang = i18n.Pick(user.Language, r.Header.Get("Accept-Language"))
		}
		ri.User, ri.School = user.ID, user.SchoolID
		ctx := kit.WithAuth(r.Context(), a)
		ctx = schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: user, IP: s.ClientIP(r), SupportBy: sess.SupportBy})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
