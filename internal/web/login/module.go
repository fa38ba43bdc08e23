// Package login is the module of logging in and of one's own account:
// the login with its sessions and two-factor, the limiter that keeps
// guessing slow without locking the owner out, device cookies, choosing
// a password, app passwords and WebDAV's HTTP Basic, the profile and
// GET /api/v1/me.
package login

import (
	"context"
	"embed"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// assets are the module's templates, sentences and part of the OpenAPI
// document (kit.AddAssets).
//
//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, nil)

// Store is what the module reads and writes of the store.
type Store interface {
	// SettingOnce keeps a setting the first node to ask makes (the
	// device cookies' key)
	SettingOnce(ctx context.Context, key, value string) (string, error)
	CalendarToken(ctx context.Context, user schulhof.UserID, renew bool) (string, error)
	CompleteTOTP(ctx context.Context, tokenHash []byte) error
	CreateAppPassword(ctx context.Context, user schulhof.UserID, name, hash string) (*schulhof.AppPassword, error)
	CreateSession(ctx context.Context, s *schulhof.Session) error
	DeleteAppPassword(ctx context.Context, user schulhof.UserID, id int64) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
	FindSessionsOf(ctx context.Context, user schulhof.UserID) ([]*schulhof.Session, error)
	ShortenIPs(ctx context.Context, before time.Time) (int64, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
	DeleteUserSessions(ctx context.Context, user schulhof.UserID, keep []byte) error
	FindAppPasswords(ctx context.Context, user schulhof.UserID) ([]*schulhof.AppPassword, error)
	FindChildren(ctx context.Context, school schulhof.SchoolID, parent schulhof.UserID) ([]*schulhof.User, error)
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	FindSchoolBySlug(ctx context.Context, slug string) (*schulhof.School, error)
	FindUserByID(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID) (*schulhof.User, error)
	FindUserByLogin(ctx context.Context, school schulhof.SchoolID, login string) (*schulhof.User, error)
	PasswordHash(ctx context.Context, id schulhof.UserID) (string, error)
	SetPassword(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID, hash string, mustChange bool) error
	SetTOTP(ctx context.Context, user schulhof.UserID, secret string, enabled bool) error
	TOTPSecret(ctx context.Context, user schulhof.UserID) (string, int64, error)
	UpdateUser(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID, upd schulhof.UserUpdate) (*schulhof.User, error)
	UseAppPassword(ctx context.Context, hash string) (schulhof.UserID, error)
	UseTOTPStep(ctx context.Context, user schulhof.UserID, step int64) error
}

// Timetable is what the profile needs of the timetable: the address of
// one's calendar feed.
type Timetable interface {
	FeedURL(r *http.Request, tok string) string
}

// Module serves logging in and the profile.
type Module struct {
	*kit.Deps
	db        Store
	hasher    *password.Hasher
	timetable Timetable

	limiter *Limiter
	// deviceKey signs device cookies (device.go)
	deviceKey []byte
	basic     basicCache
	logins    *prometheus.CounterVec
}

// New is the module on the server's Deps, its store, the password
// hasher and the timetable.
func New(d *kit.Deps, db Store, hasher *password.Hasher, tt Timetable) (*Module, error) {
	s := &Module{Deps: d, db: db, hasher: hasher, timetable: tt,
		limiter: NewLimiter(d.Now), basic: basicCache{m: map[[32]byte]basicEntry{}}}
	s.limiter.Share(d)
	key, err := loadDeviceKey(context.Background(), db.SettingOnce)
	if err != nil {
		return nil, err
	}
	s.deviceKey = key
	s.logins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "schulhof_logins_total", Help: "Login attempts by result: ok, failed, locked, busy.",
	}, []string{"result"})
	for _, r := range []string{"ok", "failed", "locked", "busy"} {
		s.logins.WithLabelValues(r)
	}
	d.Metrics.MustRegister(s.logins)
	d.AddExportPart(kit.ExportPart{Order: 10, Folder: "konto", About: "export.account", Write: s.exportAccount})
	return s, nil
}

// Routes adds the module's pages and API.
func (s *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	kit.Action(rt, "DELETE /api/v1/me/app-passwords/{id}", "POST /profile/app-passwords/{id}/delete", s.deleteAppPassword,
		func(*http.Request, kit.None) string { return "/profile?flash=deleted#app-passwords" })
	rt.Open("GET /login", s.showLoginPage)
	rt.Open("POST /login", s.submitLogin)
	rt.Open("POST /logout", s.submitLogout)
	rt.Open("POST /language", s.submitAnonymousLanguage)
	rt.Open("GET /login/totp", s.showTOTPPage)
	rt.Open("POST /login/totp", s.submitTOTP)
	rt.Open("GET /password", s.showPasswordPage)
	rt.Open("POST /password", s.submitPassword)
	rt.Show("GET /profile", "profile", s.showProfilePage)
	rt.Page("POST /profile/password", s.submitPassword)
	rt.Page("POST /profile/language", s.submitLanguage)
	rt.Page("POST /profile/totp/setup", s.submitTOTPSetup)
	rt.Page("POST /profile/totp/enable", s.submitTOTPEnable)
	rt.Page("POST /profile/totp/disable", s.submitTOTPDisable)
	rt.Page("POST /profile/app-passwords", s.submitAppPassword)
	rt.Open("POST /api/v1/auth/login", s.apiLogin)
	rt.Open("POST /api/v1/auth/logout", s.apiLogout)
	rt.JSON("GET /api/v1/me", s.apiMe)
	rt.API("GET /api/v1/me/export", s.apiExport)
	rt.JSON("POST /api/v1/me/password", s.apiChangePassword)
	rt.JSON("GET /api/v1/me/app-passwords", s.apiListAppPasswords)
	rt.JSON("POST /api/v1/me/app-passwords", s.apiCreateAppPassword)
}

// Housekeeping removes expired sessions and forgets old failed logins.
func (s *Module) Housekeeping(ctx context.Context) {
	if n, err := s.db.DeleteExpiredSessions(ctx, s.Now()); err != nil {
		s.Log.Error("delete expired sessions", "err", err)
	} else if n > 0 {
		s.Log.Info("deleted expired sessions", "count", n)
	}
	s.limiter.Sweep()
	// DSGVO: whole addresses only as long as needed to follow an attack
	if n, err := s.db.ShortenIPs(ctx, s.Now().Add(-schulhof.IPKeepFull)); err != nil {
		s.Log.Error("shorten ip addresses", "err", err)
	} else if n > 0 {
		s.Log.Info("shortened ip addresses", "count", n)
	}
}
