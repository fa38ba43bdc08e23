package web

import (
	"context"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"golang.org/x/image/font/gofont/goregular"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"

	_ "embed"
)

// openAPIBase is the OpenAPI document's base: info, security, the shared
// schemas, and the paths of the modules still in this package; each
// module adds its part through the route table.
//
//go:embed openapi.json
var openAPIBase []byte

// The OpenAPI document is assembled once per process: its parts are
// embedded in the binary, so every server of a process has the same.
var (
	openAPIOnce     sync.Once
	openAPIDocument []byte
	openAPIErr      error
)

func assembleOpenAPI(parts [][]byte) ([]byte, error) {
	openAPIOnce.Do(func() { openAPIDocument, openAPIErr = kit.OpenAPI(openAPIBase, parts...) })
	return openAPIDocument, openAPIErr
}

// routes is the whole route table. Pages live at the top, the JSON API
// under /api/v1; both call the same store after the same policy checks.
func (s *Server) routes() (http.Handler, error) {
	rt := kit.NewRouter(s.Deps)
	s.router = rt

	// operations
	rt.Open("GET /healthz", s.healthz)
	rt.Open("GET /readyz", s.readyz)
	rt.Handle("GET /metrics", s.metrics.handler())
	static, _ := fs.Sub(staticFS, "static")
	rt.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	// the service worker of Web Push, at the top so that it may serve the
	// whole site; never cached long, so that a new one takes over
	rt.Open("GET /sw.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, static, "sw.js")
	})

	// the Go font, which the whiteboard writes text in on the server's
	// pictures and, through this, in the browser alike
	rt.Open("GET /fonts/go-regular.ttf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "font/ttf")
		w.Header().Set("Cache-Control", "public, max-age=604800")
		w.Write(goregular.TTF)
	})

	// login and the pages every user has
	rt.Open("GET /login", s.showLoginPage)
	rt.Open("POST /login", s.submitLogin)
	rt.Open("POST /logout", s.submitLogout)
	rt.Open("POST /language", s.submitAnonymousLanguage)
	rt.Open("GET /login/totp", s.showTOTPPage)
	rt.Open("POST /login/totp", s.submitTOTP)
	rt.Open("GET /password", s.showPasswordPage)
	rt.Open("POST /password", s.submitPassword)
	rt.Page("GET /{$}", s.showStartPage)
	rt.Page("GET /profile", s.showProfilePage)
	// the info screen opens by its secret address, without login
	rt.Page("POST /profile/password", s.submitPassword)
	rt.Page("POST /profile/language", s.submitLanguage)
	rt.Page("POST /profile/totp/setup", s.submitTOTPSetup)
	rt.Page("POST /profile/totp/enable", s.submitTOTPEnable)
	rt.Page("POST /profile/totp/disable", s.submitTOTPDisable)
	rt.Page("POST /profile/app-passwords", s.submitAppPassword)
	rt.Page("POST /profile/app-passwords/{id}/delete", s.deleteAppPasswordFromForm)

	// administration pages
	rt.Page("GET /admin/schools", s.showSchoolsPage)
	rt.Page("POST /admin/schools", s.createSchool)
	rt.Page("POST /admin/operator", s.saveOperator)
	rt.Page("GET /audit", s.showAuditPage)
	rt.Page("GET /s/{school}/settings", s.showSchoolSettingsPage)
	rt.Page("POST /s/{school}/settings", s.saveSchoolSettings)
	rt.Page("GET /s/{school}/users", s.showUsersPage)
	rt.Page("POST /s/{school}/users", s.createUserFromForm)
	rt.Page("GET /s/{school}/users/{id}", s.showUserPage)
	rt.Page("POST /s/{school}/users/{id}", s.saveUser)
	rt.Page("POST /s/{school}/users/{id}/reset-password", s.resetPasswordFromForm)
	rt.Page("POST /s/{school}/users/{id}/reset-two-factor", s.resetTwoFactorFromForm)
	rt.Page("POST /s/{school}/users/{id}/children", s.linkChildFromForm)
	rt.Page("POST /s/{school}/users/{id}/children/{child}/remove", s.unlinkChildFromForm)
	rt.Page("GET /s/{school}/groups", s.showGroupsPage)
	rt.Page("POST /s/{school}/groups", s.createGroupFromForm)
	rt.Page("GET /s/{school}/groups/{group}", s.showGroupPage)
	rt.Page("POST /s/{school}/groups/{group}/{action}", s.groupFormAction)
	rt.Page("GET /s/{school}/import", s.showImportPage)
	rt.Page("POST /s/{school}/import", s.submitImport)
	rt.Page("GET /s/{school}/letters", s.showLettersPage)
	rt.Page("POST /s/{school}/letters", s.submitLetters)
	rt.Page("GET /s/{school}/audit", s.showAuditPage)

	// JSON API
	rt.Open("GET /api/v1/openapi.json", s.openAPI)
	rt.Open("POST /api/v1/auth/login", s.apiLogin)
	rt.Open("POST /api/v1/auth/logout", s.apiLogout)
	rt.API("GET /api/v1/me", s.apiMe)
	rt.API("POST /api/v1/me/password", s.apiChangePassword)
	rt.API("GET /api/v1/me/app-passwords", s.apiListAppPasswords)
	rt.API("POST /api/v1/me/app-passwords", s.apiCreateAppPassword)
	rt.API("DELETE /api/v1/me/app-passwords/{id}", s.apiDeleteAppPassword)
	rt.API("GET /api/v1/operator", s.apiGetOperator)
	rt.API("PATCH /api/v1/operator", s.apiUpdateOperator)
	rt.API("GET /api/v1/schools", s.apiListSchools)
	rt.API("POST /api/v1/schools", s.apiCreateSchool)
	rt.API("GET /api/v1/schools/{school}", s.apiGetSchool)
	rt.API("PATCH /api/v1/schools/{school}", s.apiUpdateSchool)
	rt.API("GET /api/v1/schools/{school}/users", s.apiListUsers)
	rt.API("POST /api/v1/schools/{school}/users", s.apiCreateUser)
	rt.API("GET /api/v1/schools/{school}/users/{id}", s.apiGetUser)
	rt.API("PATCH /api/v1/schools/{school}/users/{id}", s.apiUpdateUser)
	rt.API("POST /api/v1/schools/{school}/users/{id}/reset-password", s.apiResetPassword)
	rt.API("POST /api/v1/schools/{school}/users/{id}/reset-two-factor", s.apiResetTwoFactor)
	rt.API("PUT /api/v1/schools/{school}/users/{id}/children/{child}", s.apiLinkChild)
	rt.API("DELETE /api/v1/schools/{school}/users/{id}/children/{child}", s.apiUnlinkChild)
	rt.API("GET /api/v1/schools/{school}/groups", s.apiListGroups)
	rt.API("POST /api/v1/schools/{school}/groups", s.apiCreateGroup)
	rt.API("GET /api/v1/schools/{school}/groups/{group}", s.apiGetGroup)
	rt.API("PATCH /api/v1/schools/{school}/groups/{group}", s.apiUpdateGroup)
	rt.API("DELETE /api/v1/schools/{school}/groups/{group}", s.apiDeleteGroup)
	rt.API("GET /api/v1/schools/{school}/groups/{group}/members", s.apiListMembers)
	rt.API("PUT /api/v1/schools/{school}/groups/{group}/members/{user}", s.apiSetMember)
	rt.API("DELETE /api/v1/schools/{school}/groups/{group}/members/{user}", s.apiRemoveMember)
	rt.API("POST /api/v1/schools/{school}/imports/users", s.apiImportUsers)
	rt.API("POST /api/v1/schools/{school}/letters", s.apiLetters)
	s.live.Routes(rt)
	s.assignments.Routes(rt)
	s.boards.Routes(rt)
	s.chat.Routes(rt)
	s.exams.Routes(rt)
	s.timetables.Routes(rt)
	rt.API("GET /api/v1/schools/{school}/audit", s.apiAudit)
	rt.API("GET /api/v1/audit", s.apiAudit)
	// WebDAV authenticates every request by HTTP Basic itself
	s.files.Routes(rt)
	rt.Handle("/dav/", s.files.WebDAV(s))
	rt.Open("/api/", s.apiNotFound)
	rt.Open("/", s.pageNotFound)

	// Cross-origin protection refuses state-changing requests that a
	// browser sends from another site (Sec-Fetch-Site / Origin), which is
	// CSRF; scripts and apps with a bearer token send neither header.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.cross_origin"))
	}))
	doc, err := assembleOpenAPI(rt.Documents())
	if err != nil {
		return nil, err
	}
	s.openAPIDoc = doc
	return s.observe(s.secureHeaders(csrf.Handler(s.authenticate(rt.Handler())))), nil
}

// Routes returns every registered pattern, for the test that keeps the
// OpenAPI document true.
func (s *Server) Routes() []string { return s.router.Patterns() }

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// healthz: the process is up.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz: the database answers within a second.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.db.Ping(ctx); err != nil {
		kit.Info(r).Log().Error("readyz", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.openAPIDoc)
}

// pageNotFound answers unknown pages with the error page, in the user's
// language.
func (s *Server) pageNotFound(w http.ResponseWriter, r *http.Request) {
	s.Fail(w, r, schulhof.Errorf(schulhof.ENotFound, "error.not_found"))
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.Fail(w, r, schulhof.Errorf(schulhof.ENotFound, "error.not_found"))
}
