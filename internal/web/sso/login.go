package sso

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The login a client sends its users to: the library redirects the
// browser from /oidc/authorize to /oidc/login?id=..., which is a page of
// Schulhof's own (so whoever is logged in at Schulhof is not asked
// again; anyone else logs in there first, with two-factor where it is
// on). It checks that the client admits the user, asks for consent
// where the client wants it, and sends the browser back to the library,
// which gives the client its code.

// pendingLogin is the path's login under way, still open.
func (m *Module) pendingLogin(r *http.Request, id string) (*schulhof.OIDCAuthRequest, *schulhof.OIDCClient, error) {
	a, err := m.db.FindOIDCAuthRequest(r.Context(), id)
	if err != nil || a.Done || m.Now().Sub(a.CreatedAt) > LoginFor {
		return nil, nil, schulhof.Errorf(schulhof.ENotFound, "oidc.login.expired")
	}
	c, _, err := m.client(r.Context(), a.ClientID)
	if err != nil {
		return nil, nil, schulhof.Errorf(schulhof.ENotFound, "oidc.login.expired")
	}
	return a, c, nil
}

// admittedLogin is the login under way of the id, whose client admits
// the acting user; otherwise it has answered (the error page, or the
// client told access_denied) and ok is false.
func (m *Module) admittedLogin(w http.ResponseWriter, r *http.Request, id string) (a *schulhof.OIDCAuthRequest, c *schulhof.OIDCClient, ok bool) {
	a, c, err := m.pendingLogin(r, id)
	if err != nil {
		m.Fail(w, r, err)
		return nil, nil, false
	}
	admitted, err := m.admits(r, c, kit.AuthOf(r).User)
	if err != nil {
		m.Fail(w, r, err)
		return nil, nil, false
	}
	if !admitted {
		m.refuse(w, r, a, oidc.ErrAccessDenied().WithDescription("the user may not use this client"))
		return nil, nil, false
	}
	return a, c, true
}

// continueLogin: GET /oidc/login?id=, for a user logged in at Schulhof.
func (m *Module) continueLogin(w http.ResponseWriter, r *http.Request) {
	a, c, ok := m.admittedLogin(w, r, r.URL.Query().Get("id"))
	if !ok {
		return
	}
	auth := kit.AuthOf(r)
	u := auth.User
	prompts := strings.Fields(a.Prompt)
	// a client that wants a fresh login (prompt=login, which the library
	// makes max_age=0, or max_age) gets one made since it asked or
	// within the age, or the standard's error: Schulhof does not ask a
	// logged-in user for the password again
	began := auth.Session.CreatedAt
	sinceAsked := !began.Before(a.CreatedAt)
	if !sinceAsked && ((slices.Contains(prompts, oidc.PromptLogin)) ||
		(a.MaxAge >= 0 && m.Now().Sub(began) > time.Duration(a.MaxAge)*time.Second)) {
		m.refuse(w, r, a, oidc.ErrLoginRequired().WithDescription("the login at Schulhof is older than the client accepts"))
		return
	}
	if c.Consent {
		agreed, err := m.db.FindOIDCConsent(r.Context(), u.ID, c.ID)
		if err != nil {
			m.Fail(w, r, err)
			return
		}
		if slices.Contains(prompts, oidc.PromptConsent) || !covers(agreed, a.Scopes) {
			if slices.Contains(prompts, oidc.PromptNone) {
				m.refuse(w, r, a, oidc.ErrInteractionRequired().WithDescription("consent required"))
				return
			}
			m.showConsent(w, r, a, c)
			return
		}
	}
	m.complete(w, r, a)
}

// admits: the client's school, roles and groups.
func (m *Module) admits(r *http.Request, c *schulhof.OIDCClient, u *schulhof.User) (bool, error) {
	if u.SchoolID == 0 {
		return false, nil
	}
	groups, err := m.groupsOf(r.Context(), u)
	if err != nil {
		return false, err
	}
	return c.Admits(u, groupIDs(groups)), nil
}

// covers: every scope asked for was agreed to.
func covers(agreed, asked []string) bool {
	for _, s := range asked {
		if !slices.Contains(agreed, s) {
			return false
		}
	}
	return true
}

// refuse sends the browser back to the client with the standard's error
// and forgets the login.
func (m *Module) refuse(w http.ResponseWriter, r *http.Request, a *schulhof.OIDCAuthRequest, e *oidc.Error) {
	if err := m.db.DeleteOIDCAuthRequest(r.Context(), a.ID); err != nil {
		m.Log.Warn("forget refused oidc login", "err", err)
	}
	op.AuthRequestError(w, r.WithContext(m.withIssuer(r)), authRequest{a}, e, m.provider)
}

// complete records who logged in and sends the browser to the library,
// which redirects to the client with the code.
func (m *Module) complete(w http.ResponseWriter, r *http.Request, a *schulhof.OIDCAuthRequest) {
	auth := kit.AuthOf(r)
	u := auth.User
	sub, err := m.db.OIDCSubject(r.Context(), u.ID)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	a.UserID, a.SchoolID, a.Subject, a.AuthTime = u.ID, u.SchoolID, sub, auth.Session.CreatedAt
	a.AMR = []string{"pwd"}
	if u.TOTPEnabled {
		a.AMR = append(a.AMR, "otp", "mfa")
	}
	if err := m.db.CompleteOIDCAuthRequest(r.Context(), a); err != nil {
		m.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(m.provider)(m.withIssuer(r), a.ID), http.StatusFound)
}

// consentPage is what the consent page shows.
type consentPage struct {
	ID     string
	Client string
	// Gets are the sentences' keys of what the client gets.
	Gets []string
}

// scopeSentences say in the user's language what a scope gives.
var scopeSentences = map[string]string{
	oidc.ScopeOpenID:        "oidc.gets.openid",
	oidc.ScopeProfile:       "oidc.gets.profile",
	oidc.ScopeEmail:         "oidc.gets.email",
	ScopeSchool:             "oidc.gets.school",
	ScopeGroups:             "oidc.gets.groups",
	oidc.ScopeOfflineAccess: "oidc.gets.offline_access",
}

func (m *Module) showConsent(w http.ResponseWriter, r *http.Request, a *schulhof.OIDCAuthRequest, c *schulhof.OIDCClient) {
	v := m.NewView(r, "oidc.consent.title")
	v.Form["next"] = loginPath(a.ID) // the consent goes on to the client (formTarget)
	p := &consentPage{ID: a.ID, Client: c.Name}
	for _, s := range Scopes { // in a fixed order
		if slices.Contains(a.Scopes, s) {
			p.Gets = append(p.Gets, scopeSentences[s])
		}
	}
	v.Data = p
	m.Render(w, r, http.StatusOK, "ssoconsent", v)
}

// submitConsent: POST /oidc/consent, id= and choice=allow or deny.
func (m *Module) submitConsent(w http.ResponseWriter, r *http.Request) {
	a, c, ok := m.admittedLogin(w, r, r.PostFormValue("id"))
	if !ok {
		return
	}
	u := kit.AuthOf(r).User
	if r.PostFormValue("choice") != "allow" {
		m.refuse(w, r, a, oidc.ErrAccessDenied().WithDescription("the user did not agree"))
		return
	}
	if err := m.db.SaveOIDCConsent(r.Context(), u.SchoolID, u.ID, c.ID, a.Scopes); err != nil {
		m.Fail(w, r, err)
		return
	}
	m.complete(w, r, a)
}

// endSession: GET or POST /oidc/end_session, a client's logout. With
// the ID token it was given (id_token_hint), the user's tokens of the
// client are revoked and, when this browser is that user's, the
// Schulhof session ends too (one logout for all). Without one, nobody
// knows whose logout it is: a page offers to log out of Schulhof.
func (m *Module) endSession(w http.ResponseWriter, r *http.Request) {
	req, err := op.ParseEndSessionRequest(r, m.provider.Decoder())
	if err != nil {
		m.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "oidc.logout.invalid"))
		return
	}
	sess, err := op.ValidateEndSessionRequest(m.withIssuer(r), req, m.provider)
	if err != nil {
		m.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "oidc.logout.invalid"))
		return
	}
	if sess.UserID == "" {
		m.renderLoggedOut(w, r, sess.RedirectURI, sess.ClientID)
		return
	}
	user, _, err := m.db.FindOIDCSubjectUser(r.Context(), sess.UserID)
	if err == nil {
		err = m.db.RevokeOIDCTokensOf(r.Context(), user, sess.ClientID)
	}
	if err != nil && !schulhof.Match(err, schulhof.ENotFound) {
		m.Fail(w, r, err)
		return
	}
	if a := kit.AuthOf(r); a.User != nil && a.User.ID == user && !a.Bearer {
		if err := m.db.DeleteSession(r.Context(), a.TokenHash); err != nil {
			m.Fail(w, r, err)
			return
		}
		m.ClearSessionCookie(w, r)
	}
	http.Redirect(w, r, sess.RedirectURI, http.StatusFound)
}

// loggedOutPage is what the page after a client's logout shows.
type loggedOutPage struct {
	Client   string
	Back     string // the client's address to go back to, if any
	LoggedIn bool   // still logged in at Schulhof
}

// showLoggedOut: GET /oidc/logged-out, where a logout without an
// address of the client's ends.
func (m *Module) showLoggedOut(w http.ResponseWriter, r *http.Request) {
	m.renderLoggedOut(w, r, "", "")
}

func (m *Module) renderLoggedOut(w http.ResponseWriter, r *http.Request, back, clientID string) {
	p := &loggedOutPage{LoggedIn: kit.AuthOf(r).User != nil}
	if !strings.HasPrefix(back, "/oidc/") {
		p.Back = back
	}
	if clientID != "" {
		if c, _, err := m.client(r.Context(), clientID); err == nil {
			p.Client = c.Name
		}
	}
	v := m.NewView(r, "oidc.logged_out.title")
	v.Data = p
	m.Render(w, r, http.StatusOK, "ssologgedout", v)
}

// loginPath is where the browser continues a login under way.
func loginPath(id string) string { return "/oidc/login?id=" + url.QueryEscape(id) }

// formTarget: a form of the login (Schulhof's password, the second
// factor, the consent) whose next address is a login under way goes on
// to the client's redirect address; its origin is allowed as the form's
// target.
func (m *Module) formTarget(ctx context.Context, next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Path != "/oidc/login" {
		return ""
	}
	a, err := m.db.FindOIDCAuthRequest(ctx, u.Query().Get("id"))
	if err != nil {
		return ""
	}
	back, err := url.Parse(a.RedirectURI)
	if err != nil || (back.Scheme != "https" && back.Scheme != "http") || back.Host == "" {
		return ""
	}
	return back.Scheme + "://" + back.Host
}
