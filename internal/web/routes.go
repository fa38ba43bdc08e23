package web

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	_ "embed"
)

//go:embed openapi.json
var openAPIDocument []byte

// routes is the whole route table. Pages live at the top, the JSON API
// under /api/v1; both call the same store after the same policy checks.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	page, api := s.page, s.api

	// operations
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.handler())
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))

	// login and the pages every user has
	mux.HandleFunc("GET /login", s.showLoginPage)
	mux.HandleFunc("POST /login", s.submitLogin)
	mux.HandleFunc("POST /logout", s.submitLogout)
	mux.HandleFunc("POST /language", s.submitAnonymousLanguage)
	mux.HandleFunc("GET /login/totp", s.showTOTPPage)
	mux.HandleFunc("POST /login/totp", s.submitTOTP)
	mux.HandleFunc("GET /password", s.showPasswordPage)
	mux.HandleFunc("POST /password", s.submitPassword)
	mux.Handle("GET /{$}", page(s.showStartPage))
	mux.Handle("GET /profile", page(s.showProfilePage))
	mux.Handle("POST /profile/password", page(s.submitPassword))
	mux.Handle("POST /profile/language", page(s.submitLanguage))
	mux.Handle("POST /profile/totp/setup", page(s.submitTOTPSetup))
	mux.Handle("POST /profile/totp/enable", page(s.submitTOTPEnable))
	mux.Handle("POST /profile/totp/disable", page(s.submitTOTPDisable))

	// administration pages
	mux.Handle("GET /admin/schools", page(s.showSchoolsPage))
	mux.Handle("POST /admin/schools", page(s.createSchool))
	mux.Handle("GET /audit", page(s.showAuditPage))
	mux.Handle("GET /s/{school}/settings", page(s.showSchoolSettingsPage))
	mux.Handle("POST /s/{school}/settings", page(s.saveSchoolSettings))
	mux.Handle("GET /s/{school}/users", page(s.showUsersPage))
	mux.Handle("POST /s/{school}/users", page(s.createUserFromForm))
	mux.Handle("GET /s/{school}/users/{id}", page(s.showUserPage))
	mux.Handle("POST /s/{school}/users/{id}", page(s.saveUser))
	mux.Handle("POST /s/{school}/users/{id}/reset-password", page(s.resetPasswordFromForm))
	mux.Handle("POST /s/{school}/users/{id}/children", page(s.linkChildFromForm))
	mux.Handle("POST /s/{school}/users/{id}/children/{child}/remove", page(s.unlinkChildFromForm))
	mux.Handle("GET /s/{school}/groups", page(s.showGroupsPage))
	mux.Handle("POST /s/{school}/groups", page(s.createGroupFromForm))
	mux.Handle("GET /s/{school}/groups/{group}", page(s.showGroupPage))
	mux.Handle("POST /s/{school}/groups/{group}/{action}", page(s.groupFormAction))
	mux.Handle("GET /s/{school}/import", page(s.showImportPage))
	mux.Handle("POST /s/{school}/import", page(s.submitImport))
	mux.Handle("GET /s/{school}/letters", page(s.showLettersPage))
	mux.Handle("POST /s/{school}/letters", page(s.submitLetters))
	mux.Handle("GET /s/{school}/audit", page(s.showAuditPage))

	// JSON API
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	mux.HandleFunc("POST /api/v1/auth/login", s.apiLogin)
	mux.HandleFunc("POST /api/v1/auth/logout", s.apiLogout)
	mux.Handle("GET /api/v1/me", api(s.apiMe))
	mux.Handle("POST /api/v1/me/password", api(s.apiChangePassword))
	mux.Handle("GET /api/v1/schools", api(s.apiListSchools))
	mux.Handle("POST /api/v1/schools", api(s.apiCreateSchool))
	mux.Handle("GET /api/v1/schools/{school}", api(s.apiGetSchool))
	mux.Handle("PATCH /api/v1/schools/{school}", api(s.apiUpdateSchool))
	mux.Handle("GET /api/v1/schools/{school}/users", api(s.apiListUsers))
	mux.Handle("POST /api/v1/schools/{school}/users", api(s.apiCreateUser))
	mux.Handle("GET /api/v1/schools/{school}/users/{id}", api(s.apiGetUser))
	mux.Handle("PATCH /api/v1/schools/{school}/users/{id}", api(s.apiUpdateUser))
	mux.Handle("POST /api/v1/schools/{school}/users/{id}/reset-password", api(s.apiResetPassword))
	mux.Handle("PUT /api/v1/schools/{school}/users/{id}/children/{child}", api(s.apiLinkChild))
	mux.Handle("DELETE /api/v1/schools/{school}/users/{id}/children/{child}", api(s.apiUnlinkChild))
	mux.Handle("GET /api/v1/schools/{school}/groups", api(s.apiListGroups))
	mux.Handle("POST /api/v1/schools/{school}/groups", api(s.apiCreateGroup))
	mux.Handle("GET /api/v1/schools/{school}/groups/{group}", api(s.apiGetGroup))
	mux.Handle("PATCH /api/v1/schools/{school}/groups/{group}", api(s.apiUpdateGroup))
	mux.Handle("DELETE /api/v1/schools/{school}/groups/{group}", api(s.apiDeleteGroup))
	mux.Handle("GET /api/v1/schools/{school}/groups/{group}/members", api(s.apiListMembers))
	mux.Handle("PUT /api/v1/schools/{school}/groups/{group}/members/{user}", api(s.apiSetMember))
	mux.Handle("DELETE /api/v1/schools/{school}/groups/{group}/members/{user}", api(s.apiRemoveMember))
	mux.Handle("POST /api/v1/schools/{school}/imports/users", api(s.apiImportUsers))
	mux.Handle("POST /api/v1/schools/{school}/letters", api(s.apiLetters))
	mux.Handle("GET /api/v1/schools/{school}/audit", api(s.apiAudit))
	mux.Handle("GET /api/v1/audit", api(s.apiAudit))
	mux.HandleFunc("/api/", s.apiNotFound)

	// Cross-origin protection refuses state-changing requests that a
	// browser sends from another site (Sec-Fetch-Site / Origin), which is
	// CSRF; scripts and apps with a bearer token send neither header.
	csrf := http.NewCrossOriginProtection()
	return s.observe(s.secureHeaders(csrf.Handler(s.authenticate(mux))))
}

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
		info(r).log.Error("readyz", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDocument)
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]any{"error": apiError{Code: string("not_found"), Message: "no such API route"}})
}
