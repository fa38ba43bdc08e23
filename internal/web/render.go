package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // German time on machines without a zone database

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/thumb"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return l
}()

// staticT matches a translation without arguments in a template.
var staticT = regexp.MustCompile(`\{\{\s*\$?\.T "([a-z_.0-9]+)"\s*\}\}`)

// parseTemplates parses each page together with the layout, once at start
// and once per language: translations without arguments are written into
// the template text (escaped) before parsing, so that rendering a page does
// not look up dozens of sentences by reflection on every request.
// parsedTemplates are parsed once per process: they do not change, and
// every test makes a server.
var parsedTemplates = sync.OnceValues(parseTemplates)

func parseTemplates() (map[string]map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"date":   formatDate,
		"status": statusText,
		"join":   func(xs []string) string { return strings.Join(xs, ", ") },
		"date2": func(d schulhof.Day) string { // "30.11."
			t, err := time.Parse("2006-01-02", string(d))
			if err != nil {
				return string(d)
			}
			return t.Format("02.01.")
		},
		"kindText": func(lang, kind string) string {
			key := "substitutions.kind." + kind
			if !i18n.Has(key) {
				key = "substitutions.kind.other"
			}
			return i18n.T(lang, key)
		},
		"thumbable": func(ctype string) bool {
			base, _, _ := strings.Cut(ctype, ";")
			return thumb.Types[strings.TrimSpace(base)]
		},
		"row": func(v *view, slug string, a *assignmentView) assignmentRow {
			return assignmentRow{V: v, Slug: slug, A: a}
		},
		"role":   func(lang string, r schulhof.Role) string { return i18n.T(lang, "role."+r.String()) },
		"kind":   func(lang string, k schulhof.GroupKind) string { return i18n.T(lang, "kind."+string(k)) },
		"state":  func(code string) string { return schulhof.States[code] },
		"states": func() map[string]string { return schulhof.States },
		"size":   blob.FormatSize,
		"clock":  func(t time.Time) string { return t.In(berlin).Format("02.01. 15:04") }, // German time, as the school's
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]*template.Template{}
	for _, lang := range i18n.Languages {
		translate := func(src []byte) string {
			return staticT.ReplaceAllStringFunc(string(src), func(m string) string {
				return html.EscapeString(i18n.T(lang, staticT.FindStringSubmatch(m)[1]))
			})
		}
		layoutSrc, err := templateFS.ReadFile("templates/layout.html")
		if err != nil {
			return nil, err
		}
		layout, err := template.New("layout.html").Funcs(funcs).Parse(translate(layoutSrc))
		if err != nil {
			return nil, fmt.Errorf("template layout.html: %w", err)
		}
		out[lang] = map[string]*template.Template{}
		for _, n := range names {
			base := path.Base(n)
			if base == "layout.html" {
				continue
			}
			src, err := templateFS.ReadFile(n)
			if err != nil {
				return nil, err
			}
			t, err := template.Must(layout.Clone()).New(base).Parse(translate(src))
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", base, err)
			}
			out[lang][strings.TrimSuffix(base, ".html")] = t
		}
	}
	return out, nil
}

// formatDate writes a time (or *time.Time) as German time.
func formatDate(t any) string {
	switch t := t.(type) {
	case time.Time:
		return t.In(berlin).Format("02.01.2006 15:04")
	case *time.Time:
		if t != nil {
			return t.In(berlin).Format("02.01.2006 15:04")
		}
	}
	return ""
}

// assignmentRow is one line of an assignment list, for the shared template.
type assignmentRow struct {
	V    *view
	Slug string
	A    *assignmentView
}

// view is what every page template gets.
type view struct {
	Lang       string
	Title      string
	User       *schulhof.User
	School     *schulhof.School // the school the page is about
	Flash      string
	Error      string
	Fields     map[string]string // form field -> message
	Form       map[string]string // values to fill the form again with
	Data       any
	Version    string
	Admin      bool // may manage users of School
	IsOperator bool // runs the installation: sees all schools
	// Org is the organisation that runs the installation, named on every
	// page (DSGVO: who processes the data).
	Org *schulhof.Operator
}

// T translates for the page's language.
func (v *view) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

func (s *Server) newView(r *http.Request, titleKey string) *view {
	a := authOf(r)
	v := &view{Lang: info(r).lang, User: a.user, School: a.school, Version: s.cfg.Version, Fields: map[string]string{}, Form: map[string]string{}}
	v.Title = v.T(titleKey)
	v.IsOperator = a.user != nil && a.user.Role == schulhof.RoleOperator
	v.Org = s.operator(r.Context())
	if a.user != nil && a.school != nil {
		v.Admin = schulhof.CanManageUsers(a.user, a.school.ID)
	}
	if f := r.URL.Query().Get("flash"); f != "" && i18n.Has("flash."+f) {
		v.Flash = v.T("flash." + f)
	}
	return v
}

// render writes a page with the status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := s.pages[v.Lang][name]
	if !ok {
		s.fail(w, r, fmt.Errorf("no template %q", name))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	root := "layout.html"
	if t.Lookup("standalone") != nil { // a page of its own, without the site's frame (the info screen)
		root = "standalone"
	}
	if err := t.ExecuteTemplate(w, root, v); err != nil {
		info(r).log().Error("render", "template", name, "err", err)
	}
}

// formError puts a domain error on a view: field messages next to their
// fields, anything else on top. It returns the status to answer with.
func (s *Server) formError(r *http.Request, v *view, err error) int {
	e := asDomainError(err)
	if e.Code == schulhof.EInternal {
		info(r).log().Error("request failed", "err", err)
	}
	v.Error = v.T(e.Key, e.Args...)
	for _, f := range e.Fields {
		v.Fields[f.Field] = v.T(f.Key, f.Args...)
	}
	return statusOf(e.Code)
}

// isAPI reports whether the request is for the JSON API.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// apiError is the JSON error body: {"error": {"code", "message", "fields"}}.
type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// fail answers with an error: JSON for the API, a page otherwise. The
// cause of an internal error goes to the log, once, and never to the user.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := asDomainError(err)
	lang := info(r).lang
	status := statusOf(e.Code)
	if e.Code == schulhof.EInternal {
		info(r).log().Error("request failed", "err", err)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if isAPI(r) || authOf(r).bearer {
		body := apiError{Code: string(e.Code), Message: i18n.T(lang, e.Key, e.Args...)}
		if len(e.Fields) > 0 {
			body.Fields = map[string]string{}
			for _, f := range e.Fields {
				body.Fields[f.Field] = i18n.T(lang, f.Key, f.Args...)
			}
		}
		writeJSON(w, status, map[string]any{"error": body})
		return
	}
	v := s.newView(r, "error.title")
	v.Error = v.T(e.Key, e.Args...)
	s.render(w, r, status, "error", v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// readJSON decodes a request body of at most 1 MiB into v.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return schulhof.Errorf(schulhof.EBadRequest, "error.bad_json", err.Error())
	}
	return nil
}

// list is the envelope of every list in the API.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func newList[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: next}
}
