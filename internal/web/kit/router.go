package kit

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/schulhof/schulhof"
)

// Router is the route table the modules add their routes to: pages for
// a logged-in browser, the JSON API under /api/v1, and what needs no
// login. Each route knows its pattern, for the metrics and the log.
type Router struct {
	mux      *http.ServeMux
	d        *Deps
	patterns []string
	docs     [][]byte
	// crossSite are the patterns other sites may post to
	crossSite []string
}

// NewRouter is an empty route table.
func NewRouter(d *Deps) *Router { return &Router{mux: http.NewServeMux(), d: d} }

// Handler is the table, to put behind the middleware.
func (rt *Router) Handler() http.Handler { return rt.mux }

// Patterns is every pattern added, for the test that keeps the OpenAPI
// document true.
func (rt *Router) Patterns() []string { return rt.patterns }

// Document adds a module's part of the OpenAPI document (see OpenAPI),
// which describes the API routes it adds.
func (rt *Router) Document(part []byte) { rt.docs = append(rt.docs, part) }

// Documents is every part added, for the assembly.
func (rt *Router) Documents() [][]byte { return rt.docs }

// Handle adds h as it is: it checks who may use it itself.
func (rt *Router) Handle(pattern string, h http.Handler) {
	rt.patterns = append(rt.patterns, pattern)
	rt.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Info(r).Route = pattern // for the metrics and the log
		h.ServeHTTP(w, r)
	}))
}

// Open adds what anyone may call (login, the info screen by its secret
// address, calendar feeds).
func (rt *Router) Open(pattern string, h http.HandlerFunc) { rt.Handle(pattern, h) }

// OpenCrossSite adds what anyone may call, from any site too: the
// endpoints of single sign-on that other services' pages post to, which
// take no session (a code, a client's secret, a token) and so need no
// protection from cross-site requests.
func (rt *Router) OpenCrossSite(pattern string, h http.HandlerFunc) {
	rt.Handle(pattern, h)
	rt.crossSite = append(rt.crossSite, pattern)
}

// CrossSite is every pattern added by OpenCrossSite.
func (rt *Router) CrossSite() []string { return rt.crossSite }

// Page adds a page for a logged-in browser: anonymous users go to the
// login page, and a user who must change the password or finish
// two-factor is sent there first.
func (rt *Router) Page(pattern string, h http.HandlerFunc) {
	rt.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := AuthOf(r)
		if a.User == nil {
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		next := ""
		if r.Method == http.MethodGet {
			next = NextQuery(r.URL.RequestURI())
		}
		switch Gate(a) {
		case schulhof.ETOTPRequired:
			http.Redirect(w, r, "/login/totp"+next, http.StatusSeeOther)
			return
		case schulhof.EPasswordChange:
			http.Redirect(w, r, "/password"+next, http.StatusSeeOther)
			return
		case schulhof.ETwoFactorSetup:
			if !strings.HasPrefix(r.URL.Path, "/profile") {
				http.Redirect(w, r, "/profile?setup=totp", http.StatusSeeOther)
				return
			}
		}
		h(w, r)
	}))
}

// API adds a handler of the JSON API that needs a logged-in user.
func (rt *Router) API(pattern string, h http.HandlerFunc) {
	rt.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := AuthOf(r)
		if a.User == nil {
			rt.d.Fail(w, r, schulhof.Errorf(schulhof.EUnauthorized, "auth.required"))
			return
		}
		if g := Gate(a); g != "" {
			// a user who must change the password may still read who they
			// are and change it
			if !(g == schulhof.EPasswordChange && (r.URL.Path == "/api/v1/me" || r.URL.Path == "/api/v1/me/password")) {
				rt.d.Fail(w, r, schulhof.Errorf(g, "auth."+string(g)))
				return
			}
		}
		h(w, r)
	}))
}

// JSON adds a handler of the JSON API that returns its answer: what it
// returns goes out as JSON, 200 (wrapped in Created: 201; None or nil:
// 204; Stored bytes as they are), its error as the error in the user's
// language. Most of the API is this: find, check, store, answer.
func (rt *Router) JSON(pattern string, h func(r *http.Request) (any, error)) {
	rt.API(pattern, func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			rt.d.Fail(w, r, err)
			return
		}
		rt.answer(w, r, v)
	})
}

// Form adds a page that answers by sending the browser on (what a
// form's handler does, mostly): the handler returns the address, or its
// error, which shows as the error page in the user's language.
func (rt *Router) Form(pattern string, h func(r *http.Request) (string, error)) {
	rt.Page(pattern, func(w http.ResponseWriter, r *http.Request) {
		next, err := h(r)
		if err != nil {
			rt.d.Fail(w, r, err)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}

// Show adds a page for a logged-in browser that shows the template page
// with the view its handler returns, or the error page.
func (rt *Router) Show(pattern, page string, h func(r *http.Request) (*View, error)) {
	rt.Page(pattern, func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		if err != nil {
			rt.d.Fail(w, r, err)
			return
		}
		rt.d.Render(w, r, http.StatusOK, page, v)
	})
}

// Created is an answer of JSON that made something: 201.
func Created(v any) any { return created{v} }

type created struct{ v any }

// answer writes what a JSON handler returned.
func (rt *Router) answer(w http.ResponseWriter, r *http.Request, v any) {
	switch v := v.(type) {
	case nil, None:
		w.WriteHeader(http.StatusNoContent)
	case Stored:
		rt.d.serveStored(w, r, v)
	case created:
		WriteJSON(w, http.StatusCreated, v.v)
	default:
		WriteJSON(w, http.StatusOK, v)
	}
}

// Action adds one thing a user does, declared once and served twice: to
// the JSON API at apiPattern, which answers with its result as JSON (see
// JSON), and to the form at formPattern, which goes on to the address
// done gives. Either pattern may be empty.
func Action[T any](rt *Router, apiPattern, formPattern string, do func(r *http.Request) (T, error), done func(r *http.Request, t T) string) {
	action(rt, apiPattern, formPattern, do, done, func(t T) any { return t })
}

// QuietAction is an Action whose API answers 204 whatever it did: its
// result is only for the form's next address (deleting a file goes on
// to the folder it was in).
func QuietAction[T any](rt *Router, apiPattern, formPattern string, do func(r *http.Request) (T, error), done func(r *http.Request, t T) string) {
	action(rt, apiPattern, formPattern, do, done, func(T) any { return None{} })
}

func action[T any](rt *Router, apiPattern, formPattern string, do func(r *http.Request) (T, error), done func(r *http.Request, t T) string, answer func(T) any) {
	if apiPattern != "" {
		rt.JSON(apiPattern, func(r *http.Request) (any, error) {
			t, err := do(r)
			if err != nil {
				return nil, err
			}
			return answer(t), nil
		})
	}
	if formPattern != "" {
		rt.Form(formPattern, func(r *http.Request) (string, error) {
			t, err := do(r)
			if err != nil {
				return "", err
			}
			return done(r, t), nil
		})
	}
}

// None is the result of an action that has nothing to say: the API
// answers 204.
type None struct{}

// Gate says what a logged-in user must do before anything else.
func Gate(a *Auth) schulhof.ErrorCode {
	switch {
	case a.Session.TOTPPending:
		return schulhof.ETOTPRequired
	case a.User.MustChangePassword:
		return schulhof.EPasswordChange
	case a.School != nil && a.School.Require2FA && a.User.Role.IsStaff() && !a.User.TOTPEnabled:
		return schulhof.ETwoFactorSetup
	}
	return ""
}

// NextQuery is "?next=..." to come back to the address after a step of
// the login (the second factor, the first password), or "" for the
// start page.
func NextQuery(next string) string {
	if next == "" || next == "/" {
		return ""
	}
	return "?next=" + url.QueryEscape(next)
}
