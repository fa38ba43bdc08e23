package sso

import (
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The clients' registration: a school's admin registers the services
// the school's users log in to (/s/{school}/sso, /api/v1/schools/
// {school}/sso/clients), the operator those of the whole installation
// (/admin/sso, /api/v1/sso/clients). A confidential client's secret is
// shown once, when it is made, and kept only as its hash.

// owner is the school whose clients the path names (0: the
// installation's), once the acting user may manage them.
func (m *Module) owner(r *http.Request) (*schulhof.School, error) {
	u := kit.AuthOf(r).User
	if r.PathValue("school") == "" {
		if !schulhof.CanManageSignOn(u, 0) {
			return nil, schulhof.Errorf(schulhof.EForbidden, "oidc.manage.forbidden")
		}
		return nil, nil
	}
	sc, err := m.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	if !schulhof.CanManageSignOn(u, sc.ID) {
		return nil, schulhof.Errorf(schulhof.EForbidden, "oidc.manage.forbidden")
	}
	return sc, nil
}

func schoolID(sc *schulhof.School) schulhof.SchoolID {
	if sc == nil {
		return 0
	}
	return sc.ID
}

// clientInput is a registration as the API and the form give it.
type clientInput struct {
	Name           string             `json:"name"`
	RedirectURIs   []string           `json:"redirect_uris"`
	PostLogoutURIs []string           `json:"post_logout_redirect_uris"`
	Public         bool               `json:"public"`
	Roles          []schulhof.Role    `json:"roles"`
	Groups         []schulhof.GroupID `json:"groups"`
	// Consent: ask the user (the default); false for a client the
	// school trusts.
	Consent *bool `json:"consent"`
}

func (in clientInput) apply(c *schulhof.OIDCClient) {
	c.Name, c.RedirectURIs, c.PostLogoutURIs, c.Roles, c.Groups = in.Name, in.RedirectURIs, in.PostLogoutURIs, in.Roles, in.Groups
	c.Consent = in.Consent == nil || *in.Consent
}

// newClient is a registration as made: the secret is in it this once.
type newClient struct {
	*schulhof.OIDCClient
	Secret string `json:"secret,omitempty"`
}

// newSecret is a confidential client's secret: 256 random bits and more.
func newSecret() string { return "shs-" + rand.Text() + rand.Text() }

func (m *Module) create(r *http.Request, sc *schulhof.School, in clientInput) (*newClient, error) {
	c := &schulhof.OIDCClient{SchoolID: schoolID(sc), Public: in.Public}
	in.apply(c)
	out := &newClient{OIDCClient: c}
	var hash []byte
	if !c.Public {
		out.Secret = newSecret()
		hash = hashOf(out.Secret)
	}
	if err := m.db.CreateOIDCClient(r.Context(), c, hash); err != nil {
		return nil, err
	}
	return out, nil
}

// apiClients: GET /api/v1/schools/{school}/sso/clients (and
// /api/v1/sso/clients, the installation's).
func (m *Module) apiClients(r *http.Request) (any, error) {
	sc, err := m.owner(r)
	if err != nil {
		return nil, err
	}
	cs, err := m.db.FindOIDCClients(r.Context(), schoolID(sc))
	if err != nil {
		return nil, err
	}
	return kit.NewList(cs, ""), nil
}

// apiCreate: POST .../sso/clients {"name", "redirect_uris",
// "post_logout_redirect_uris", "public", "roles", "groups", "consent"}
// -> the client with its "secret" (confidential clients), shown once.
func (m *Module) apiCreate(r *http.Request) (any, error) {
	sc, err := m.owner(r)
	if err != nil {
		return nil, err
	}
	var in clientInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	c, err := m.create(r, sc, in)
	if err != nil {
		return nil, err
	}
	return kit.Created(c), nil
}

// pathClient is the path's client of the owner's.
func (m *Module) pathClient(r *http.Request) (*schulhof.School, *schulhof.OIDCClient, error) {
	sc, err := m.owner(r)
	if err != nil {
		return nil, nil, err
	}
	c, err := m.db.FindOIDCClient(r.Context(), schoolID(sc), r.PathValue("client"))
	return sc, c, err
}

// apiClient: GET .../sso/clients/{client}.
func (m *Module) apiClient(r *http.Request) (any, error) {
	_, c, err := m.pathClient(r)
	return c, err
}

func (m *Module) update(r *http.Request, c *schulhof.OIDCClient, in clientInput) error {
	in.apply(c)
	if err := m.db.UpdateOIDCClient(r.Context(), c); err != nil {
		return err
	}
	m.clients.Forget(c.ID)
	return nil
}

// apiUpdate: PUT .../sso/clients/{client}, the registration as for
// POST (whether it is public stays).
func (m *Module) apiUpdate(r *http.Request) (any, error) {
	_, c, err := m.pathClient(r)
	if err != nil {
		return nil, err
	}
	var in clientInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if err := m.update(r, c, in); err != nil {
		return nil, err
	}
	return c, nil
}

func (m *Module) renewSecret(r *http.Request, c *schulhof.OIDCClient) (*newClient, error) {
	if c.Public {
		return nil, schulhof.Errorf(schulhof.EConflict, "oidc.secret.public")
	}
	out := &newClient{OIDCClient: c, Secret: newSecret()}
	if err := m.db.SetOIDCClientSecret(r.Context(), c.SchoolID, c.ID, hashOf(out.Secret)); err != nil {
		return nil, err
	}
	m.clients.Forget(c.ID)
	return out, nil
}

// apiSecret: POST .../sso/clients/{client}/secret, a new secret for a
// confidential client (the old one stops working).
func (m *Module) apiSecret(r *http.Request) (any, error) {
	_, c, err := m.pathClient(r)
	if err != nil {
		return nil, err
	}
	return m.renewSecret(r, c)
}

func (m *Module) remove(r *http.Request) (*schulhof.School, error) {
	sc, c, err := m.pathClient(r)
	if err != nil {
		return nil, err
	}
	if err := m.db.DeleteOIDCClient(r.Context(), c.SchoolID, c.ID); err != nil {
		return nil, err
	}
	m.clients.Forget(c.ID)
	return sc, nil
}

// apiDelete: DELETE .../sso/clients/{client}: its tokens end with it.
func (m *Module) apiDelete(r *http.Request) (any, error) {
	_, err := m.remove(r)
	return nil, err
}

// The pages.

// base is where the owner's client pages are.
func base(sc *schulhof.School) string {
	if sc == nil {
		return "/admin/sso"
	}
	return "/s/" + sc.Slug + "/sso"
}

type clientsPage struct {
	Base    string
	Clients []*schulhof.OIDCClient
	Client  *schulhof.OIDCClient // the one shown
	Secret  string               // made just now, shown once
	Groups  []*schulhof.Group    // the school's, to choose from
	Roles   []schulhof.Role
	Issuer  string
}

// view is the clients' page of the owner.
func (m *Module) view(r *http.Request, sc *schulhof.School, c *schulhof.OIDCClient) (*kit.View, *clientsPage, error) {
	var v *kit.View
	if sc != nil {
		v = m.SchoolView(r, sc, "oidc.clients.title")
	} else {
		v = m.NewView(r, "oidc.clients.title")
	}
	p := &clientsPage{Base: base(sc), Client: c, Roles: schulhof.Roles, Issuer: m.BaseURL(r) + "/oidc"}
	var err error
	if c == nil {
		if p.Clients, err = m.db.FindOIDCClients(r.Context(), schoolID(sc)); err != nil {
			return nil, nil, err
		}
	}
	if sc != nil {
		if p.Groups, err = m.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID}); err != nil {
			return nil, nil, err
		}
	}
	v.Data = p
	return v, p, nil
}

// showClientsPage: GET /s/{school}/sso and /admin/sso.
func (m *Module) showClientsPage(r *http.Request) (*kit.View, error) {
	sc, err := m.owner(r)
	if err != nil {
		return nil, err
	}
	v, _, err := m.view(r, sc, nil)
	return v, err
}

// showClientPage: GET /s/{school}/sso/{client} and /admin/sso/{client}.
func (m *Module) showClientPage(r *http.Request) (*kit.View, error) {
	sc, c, err := m.pathClient(r)
	if err != nil {
		return nil, err
	}
	v, _, err := m.view(r, sc, c)
	return v, err
}

// formInput reads the registration form: addresses one per line, roles
// and groups ticked.
func formInput(r *http.Request) (clientInput, error) {
	if err := r.ParseForm(); err != nil {
		return clientInput{}, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
	}
	consent := r.PostFormValue("consent") == "on"
	in := clientInput{Name: r.PostFormValue("name"), Public: r.PostFormValue("public") == "on", Consent: &consent,
		RedirectURIs: strings.Split(r.PostFormValue("redirect_uris"), "\n"), PostLogoutURIs: strings.Split(r.PostFormValue("post_logout_redirect_uris"), "\n")}
	for _, s := range r.PostForm["roles"] {
		if role, ok := schulhof.ParseRole(s); ok {
			in.Roles = append(in.Roles, role)
		}
	}
	for _, s := range r.PostForm["groups"] {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			in.Groups = append(in.Groups, schulhof.GroupID(n))
		}
	}
	return in, nil
}

// formAgain shows a page with the form's error and what was typed.
func (m *Module) formAgain(w http.ResponseWriter, r *http.Request, sc *schulhof.School, c *schulhof.OIDCClient, err error) {
	v, _, verr := m.view(r, sc, c)
	if verr != nil {
		m.Fail(w, r, verr)
		return
	}
	for _, k := range []string{"name", "redirect_uris", "post_logout_redirect_uris"} {
		v.Form[k] = r.PostFormValue(k)
	}
	page := "ssoclients"
	if c != nil {
		page = "ssoclient"
	}
	m.Render(w, r, m.FormError(r, v, err), page, v)
}

// createFromForm: POST /s/{school}/sso and /admin/sso; the new client's
// page shows its secret this once.
func (m *Module) createFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := m.owner(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	in, err := formInput(r)
	if err == nil {
		var made *newClient
		if made, err = m.create(r, sc, in); err == nil {
			m.showSecret(w, r, sc, made)
			return
		}
	}
	m.formAgain(w, r, sc, nil, err)
}

func (m *Module) showSecret(w http.ResponseWriter, r *http.Request, sc *schulhof.School, made *newClient) {
	v, p, err := m.view(r, sc, made.OIDCClient)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	p.Secret = made.Secret
	v.Flash = v.T("oidc.flash.saved")
	m.Render(w, r, http.StatusOK, "ssoclient", v)
}

// updateFromForm: POST /s/{school}/sso/{client}.
func (m *Module) updateFromForm(w http.ResponseWriter, r *http.Request) {
	sc, c, err := m.pathClient(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	in, err := formInput(r)
	if err == nil {
		in.Public = c.Public
		if err = m.update(r, c, in); err == nil {
			http.Redirect(w, r, base(sc)+"/"+c.ID+"?flash=saved", http.StatusSeeOther)
			return
		}
	}
	m.formAgain(w, r, sc, c, err)
}

// secretFromForm: POST /s/{school}/sso/{client}/secret.
func (m *Module) secretFromForm(w http.ResponseWriter, r *http.Request) {
	sc, c, err := m.pathClient(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	made, err := m.renewSecret(r, c)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	m.showSecret(w, r, sc, made)
}

// deleteFromForm: POST /s/{school}/sso/{client}/delete.
func (m *Module) deleteFromForm(r *http.Request) (string, error) {
	sc, err := m.remove(r)
	if err != nil {
		return "", err
	}
	return base(sc) + "?flash=deleted", nil
}
