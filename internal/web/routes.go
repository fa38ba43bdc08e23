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

// openAPIBase is the OpenAPI document's base: info, security, the error
// every route answers with, and the document's own path; each module
// adds its part through the route table.
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

// routes is the whole route table: what the assembly serves itself, and
// every module's routes. Pages live at the top, the JSON API under
// /api/v1; both call the same store after the same policy checks.
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

	// the start page, which shows a part of several modules
	rt.Page("GET /{$}", s.showStartPage)
	rt.Open("GET /api/v1/openapi.json", s.openAPI)

	for _, m := range s.modules {
		m.Routes(rt)
	}
	// WebDAV authenticates every request by HTTP Basic itself
	rt.Handle("/dav/", s.files.WebDAV(s.login))
	rt.Open("/api/", s.apiNotFound)
	rt.Open("/", s.pageNotFound)

	// Cross-origin protection refuses state-changing requests that a
	// browser sends from another site (Sec-Fetch-Site / Origin), which is
	// CSRF; scripts and apps with a bearer token send neither header.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.cross_origin"))
	}))
	for _, p := range rt.CrossSite() {
		csrf.AddInsecureBypassPattern(p)
	}
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
