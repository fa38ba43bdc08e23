package login

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// App passwords: created on the profile page or through the API, shown
// once, used by WebDAV clients in place of the user's password (and of
// the second factor, which a WebDAV client cannot ask for).

// appPasswordUser returns the user whose app password this is, if the
// login names that user; nil if it is not an app password of theirs.
func (s *Module) appPasswordUser(ctx context.Context, login, password string) (*schulhof.User, error) {
	id, err := s.db.UseAppPassword(ctx, schulhof.HashAppPassword(password))
	if schulhof.Match(err, schulhof.ENotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	name, slug := schulhof.ParseLoginField(login)
	sc, err := s.db.FindSchoolBySlug(ctx, slug)
	if err != nil {
		return nil, nil
	}
	u, err := s.db.FindUserByID(ctx, sc.ID, id)
	if err != nil || !u.Active || !strings.EqualFold(u.Login, name) {
		return nil, nil
	}
	return u, nil
}

// createdAppPassword is the answer to creating one: the only time the
// password itself is shown.
type createdAppPassword struct {
	*schulhof.AppPassword
	Password string `json:"password"`
}

// createAppPassword makes one after the user entered their password again
// (a session left open on a shared PC must not become a lasting key), and
// not while the school's required two-factor login is not set up: an app
// password would walk around it.
func (s *Module) createAppPassword(r *http.Request, name, password string) (*createdAppPassword, error) {
	a := kit.AuthOf(r)
	if kit.Gate(a) == schulhof.ETwoFactorSetup {
		return nil, schulhof.Errorf(schulhof.ETwoFactorSetup, "auth.two_factor_setup_required")
	}
	if err := s.confirmPassword(r, password, "password"); err != nil {
		return nil, err
	}
	pw := schulhof.NewAppPassword()
	p, err := s.db.CreateAppPassword(r.Context(), a.User.ID, name, schulhof.HashAppPassword(pw))
	if err != nil {
		return nil, err
	}
	return &createdAppPassword{AppPassword: p, Password: pw}, nil
}

// apiListAppPasswords: GET /api/v1/me/app-passwords.
func (s *Module) apiListAppPasswords(r *http.Request) (any, error) {
	ps, err := s.db.FindAppPasswords(r.Context(), kit.AuthOf(r).User.ID)
	if err != nil {
		return nil, err
	}
	return kit.NewList(ps, ""), nil
}

// apiCreateAppPassword: POST /api/v1/me/app-passwords {"name", "password"}.
func (s *Module) apiCreateAppPassword(r *http.Request) (any, error) {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	p, err := s.createAppPassword(r, in.Name, in.Password)
	if err != nil {
		return nil, err
	}
	return kit.Created(p), nil
}

// submitAppPassword: POST /profile/app-passwords shows the new password
// on the profile page (not in a redirect, so it is in no URL or history).
func (s *Module) submitAppPassword(w http.ResponseWriter, r *http.Request) {
	v := s.NewView(r, "profile.title")
	p, err := s.createAppPassword(r, r.PostFormValue("name"), r.PostFormValue("password"))
	if err != nil {
		status := s.FormError(r, v, err)
		s.fillProfile(r, v)
		v.Form["name"] = r.PostFormValue("name")
		s.Render(w, r, status, "profile", v)
		return
	}
	d := s.fillProfile(r, v)
	d.NewAppPassword = p
	s.Render(w, r, http.StatusOK, "profile", v)
}

// deleteAppPassword: DELETE /api/v1/me/app-passwords/{id} and the form
// /profile/app-passwords/{id}/delete.
func (s *Module) deleteAppPassword(r *http.Request) (kit.None, error) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return kit.None{}, s.db.DeleteAppPassword(r.Context(), kit.AuthOf(r).User.ID, id)
}
