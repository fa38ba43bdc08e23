package kit

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // German time on machines without a zone database

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/i18n"
)

// Berlin is the schools' time zone, in which pages show times.
var Berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return l
}()

//go:embed templates/*.html
var kitTemplates embed.FS

// Every module's page templates are parsed together with the site's
// layout: a file NAME.html is the page NAME (its names are unique across
// modules), a file _NAME.html holds parts (define "...") that any page may
// use. Modules add theirs at package init, with the template functions
// they bring; they are parsed once per process, at the first server.
var templates struct {
	mu      sync.Mutex
	sources []fs.FS
	funcs   template.FuncMap
	parsed  bool
}

// AddTemplates registers a module's templates (the *.html at the top of
// fsys) and its template functions. It returns true, for `var _ =`.
func AddTemplates(fsys fs.FS, funcs template.FuncMap) bool {
	templates.mu.Lock()
	defer templates.mu.Unlock()
	if templates.parsed {
		panic("kit: templates added after the first server was built")
	}
	templates.sources = append(templates.sources, fsys)
	if templates.funcs == nil {
		templates.funcs = template.FuncMap{}
	}
	for k, f := range funcs {
		if _, dup := templates.funcs[k]; dup {
			panic("kit: template function " + k + " added twice")
		}
		templates.funcs[k] = f
	}
	return true
}

var _ = AddTemplates(mustSub(kitTemplates, "templates"), template.FuncMap{
	"date": FormatDate,
	"join": func(xs []string) string { return strings.Join(xs, ", ") },
	"date2": func(d schulhof.Day) string { // "30.11."
		t, err := time.Parse("2006-01-02", string(d))
		if err != nil {
			return string(d)
		}
		return t.Format("02.01.")
	},
	"role":   func(lang string, r schulhof.Role) string { return i18n.T(lang, "role."+r.String()) },
	"kind":   func(lang string, k schulhof.GroupKind) string { return i18n.T(lang, "kind."+string(k)) },
	"week":   GermanWeek,
	"day":    func(d any) string { return GermanDate(schulhof.Day(fmt.Sprint(d))) }, // a Day or "2026-11-30": "30.11.2026"
	"state":  func(code string) string { return schulhof.States[code] },
	"states": statesByName,
	"size":   blob.FormatSize,
	"icon":   Icon,
	"clock":  func(t time.Time) string { return t.In(Berlin).Format("02.01. 15:04") }, // German time, as the school's
	// part shows the part (define "...") of the name the data gives, for
	// a page made of the sections modules add (the settings page); each
	// page binds it to its own templates (partOf)
	"part": func(string, any) (template.HTML, error) { return "", errors.New("part outside a page") },
})

// state is a German state for a choice: its code and name.
type state struct{ Code, Name string }

// statesByName are the states in the order of their names, as a person
// looks for hers.
func statesByName() []state {
	out := make([]state, 0, len(schulhof.States))
	for c, n := range schulhof.States {
		out = append(out, state{c, n})
	}
	slices.SortFunc(out, func(a, b state) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// partOf is the function part of the page t.
func partOf(t *template.Template) func(name string, data any) (template.HTML, error) {
	return func(name string, data any) (template.HTML, error) {
		var b strings.Builder
		if err := t.ExecuteTemplate(&b, name, data); err != nil {
			return "", err
		}
		return template.HTML(b.String()), nil // html/template has escaped it
	}
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Sub is fs.Sub for a module's embedded templates folder.
func Sub(fsys fs.FS, dir string) fs.FS { return mustSub(fsys, dir) }

// FormatDate writes a time (or *time.Time) as German time.
func FormatDate(t any) string {
	switch t := t.(type) {
	case time.Time:
		return t.In(Berlin).Format("02.01.2006 15:04")
	case *time.Time:
		if t != nil {
			return t.In(Berlin).Format("02.01.2006 15:04")
		}
	}
	return ""
}

// staticT matches a translation without arguments in a template.
var staticT = regexp.MustCompile(`\{\{\s*\$?\.T "([a-z_.0-9]+)"\s*\}\}`)

// pages are parsed once per process: they do not change, and every test
// makes a server. Translations without arguments are written into the
// template text (escaped) before parsing, once per language, so that
// rendering a page does not look up dozens of sentences by reflection on
// every request.
var pages = sync.OnceValues(parsePages)

// ParseTemplates parses every module's templates, so that a broken one
// stops the server at start rather than at the first request for it.
func ParseTemplates() error { _, err := pages(); return err }

type file struct {
	name string
	src  []byte
}

func parsePages() (map[string]map[string]*template.Template, error) {
	templates.mu.Lock()
	templates.parsed = true
	sources, funcs := templates.sources, templates.funcs
	templates.mu.Unlock()
	var parts, pageFiles []file
	for _, fsys := range sources {
		names, err := fs.Glob(fsys, "*.html")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			src, err := fs.ReadFile(fsys, n)
			if err != nil {
				return nil, err
			}
			switch {
			case n == "layout.html":
			case strings.HasPrefix(n, "_"):
				parts = append(parts, file{n, src})
			default:
				pageFiles = append(pageFiles, file{n, src})
			}
		}
	}
	layoutSrc, err := fs.ReadFile(kitTemplates, "templates/layout.html")
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
		layout, err := template.New("layout.html").Funcs(funcs).Parse(translate(layoutSrc))
		if err != nil {
			return nil, fmt.Errorf("template layout.html: %w", err)
		}
		for _, p := range parts {
			if _, err := layout.New(p.name).Parse(translate(p.src)); err != nil {
				return nil, fmt.Errorf("template %s: %w", p.name, err)
			}
		}
		out[lang] = map[string]*template.Template{}
		for _, p := range pageFiles {
			name := strings.TrimSuffix(path.Base(p.name), ".html")
			if _, dup := out[lang][name]; dup {
				return nil, fmt.Errorf("template %s: two modules have a page of that name", p.name)
			}
			t, err := template.Must(layout.Clone()).New(p.name).Parse(translate(p.src))
			if err != nil {
				return nil, fmt.Errorf("template %s: %w", p.name, err)
			}
			t.Funcs(template.FuncMap{"part": partOf(t)})
			out[lang][name] = t
		}
	}
	return out, nil
}

// View is what every page template gets.
type View struct {
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
	// SupportBy is the operator who sees this page as User for support;
	// every page says so (the banner).
	SupportBy string
	// Framed: the page is shown inside another of the server's pages (a
	// board in a video lesson), without the site's header and footer;
	// only the server's own pages may frame it.
	Framed bool
}

// ContentSecurityPolicy allows only the server's own scripts, styles
// and images (and data: images for the two-factor QR code); no inline
// code, and no page may frame ours; FramedContentSecurityPolicy is the
// same for a page that the server's own pages frame (View.Framed).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

var FramedContentSecurityPolicy = strings.Replace(ContentSecurityPolicy, "frame-ancestors 'none'", "frame-ancestors 'self'", 1)

// T translates for the page's language.
func (v *View) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

// NewView is the view of a page titled by the sentence titleKey, with a
// flash message from ?flash= when the catalog knows it.
func (d *Deps) NewView(r *http.Request, titleKey string) *View {
	a := AuthOf(r)
	v := &View{Lang: Info(r).Lang, User: a.User, School: a.School, Version: d.Version, Fields: map[string]string{}, Form: map[string]string{}}
	v.Title = v.T(titleKey)
	v.IsOperator = a.User != nil && a.User.Role == schulhof.RoleOperator
	if a.Session != nil {
		v.SupportBy = a.Session.SupportBy
	}
	v.Org = d.Operator(r.Context())
	if a.User != nil && a.School != nil {
		v.Admin = schulhof.CanManageUsers(a.User, a.School.ID)
	}
	if f := r.URL.Query().Get("flash"); f != "" && i18n.Has("flash."+f) {
		v.Flash = v.T("flash." + f)
	}
	return v
}

// SchoolView is NewView for a page about the school sc.
func (d *Deps) SchoolView(r *http.Request, sc *schulhof.School, title string) *View {
	v := d.NewView(r, title)
	v.School = sc
	v.Admin = schulhof.CanManageUsers(AuthOf(r).User, sc.ID)
	return v
}

// Render writes the page name with the status.
func (d *Deps) Render(w http.ResponseWriter, r *http.Request, status int, name string, v *View) {
	all, err := pages()
	if err != nil {
		d.Fail(w, r, err)
		return
	}
	t, ok := all[v.Lang][name]
	if !ok {
		d.Fail(w, r, fmt.Errorf("no template %q", name))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if v.Framed {
		w.Header().Set("Content-Security-Policy", FramedContentSecurityPolicy)
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	} else if origins := d.formOrigins(r.Context(), v.Form["next"]); len(origins) > 0 {
		w.Header().Set("Content-Security-Policy", strings.Replace(ContentSecurityPolicy, "form-action 'self'",
			"form-action 'self' "+strings.Join(origins, " "), 1))
	}
	w.WriteHeader(status)
	root := "layout.html"
	if t.Lookup("standalone") != nil { // a page of its own, without the site's frame (the info screen)
		root = "standalone"
	}
	if err := t.ExecuteTemplate(w, root, v); err != nil {
		Info(r).Log().Error("render", "template", name, "err", err)
	}
}

// FormError puts a domain error on a view: field messages next to their
// fields, anything else on top. It returns the status to answer with.
func (d *Deps) FormError(r *http.Request, v *View, err error) int {
	e := DomainError(err)
	if e.Code == schulhof.EInternal {
		Info(r).Log().Error("request failed", "err", err)
	}
	v.Error = v.T(e.Key, e.Args...)
	for _, f := range e.Fields {
		v.Fields[f.Field] = v.T(f.Key, f.Args...)
	}
	return StatusOf(e.Code)
}

// FormTarget names the origin (scheme://host[:port]) that a form may
// lead on to through the address next, which the page's form carries
// on: a single sign-on's login goes back to its client. "" if none.
type FormTarget func(ctx context.Context, next string) string

// AddFormTarget adds a module's FormTarget. The pages of the login (the
// password, the second factor, the first password change, a consent)
// carry their next address in View.Form["next"]; their Content Security
// Policy lets the form's redirects go on to the origins named, which
// "form-action 'self'" would stop (browsers apply it to every redirect
// after a form).
func (d *Deps) AddFormTarget(f FormTarget) {
	d.registryMu.Lock()
	defer d.registryMu.Unlock()
	d.formTargets = append(d.formTargets, f)
}

func (d *Deps) formOrigins(ctx context.Context, next string) []string {
	if next == "" || next == "/" {
		return nil
	}
	d.registryMu.Lock()
	targets := d.formTargets
	d.registryMu.Unlock()
	var out []string
	for _, f := range targets {
		if o := f(ctx, next); o != "" && !strings.ContainsAny(o, " ;,'\"") {
			out = append(out, o)
		}
	}
	return out
}
