package accounts

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// userInput is a user as forms and the API send it.
type userInput struct {
	Login      string  `json:"login"`
	FirstName  string  `json:"first_name"`
	LastName   string  `json:"last_name"`
	Role       string  `json:"role"`
	Password   string  `json:"password"`
	ExternalID string  `json:"external_id"`
	BirthDate  string  `json:"birth_date"`
	Email      string  `json:"email"`
	ShortCode  string  `json:"short_code"`
	Class      *string `json:"class"`
}

// createdUser is the answer to creating a user: the initial password is
// shown this once.
type createdUser struct {
	*schulhof.User
	InitialPassword string `json:"initial_password,omitempty"`
}

// createUser makes a user of the school. Without a login, one is made
// from the name; without a password, a one-time password is made and
// returned. Either way the user must choose their own at first login.
func (s *Module) createUser(ctx context.Context, sc *schulhof.School, in userInput) (*createdUser, error) {
	role, ok := schulhof.ParseRole(in.Role)
	if !ok || role == schulhof.RoleOperator {
		return nil, &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid",
			Fields: []schulhof.FieldError{{Field: "role", Key: "user.role.invalid"}}}
	}
	u := &schulhof.User{SchoolID: sc.ID, Login: in.Login, FirstName: in.FirstName, LastName: in.LastName, Role: role,
		ExternalID: in.ExternalID, BirthDate: in.BirthDate, Email: in.Email, ShortCode: in.ShortCode, MustChangePassword: true}
	u.Normalize()
	if u.Login == "" {
		base := schulhof.LoginBase(u.FirstName, u.LastName)
		u.Login = schulhof.UniqueLogin(base, func(l string) bool {
			_, err := s.db.FindUserByLogin(ctx, sc.ID, l)
			return err == nil
		})
	}
	plain := in.Password
	out := &createdUser{User: u}
	if plain == "" {
		plain = password.Generate(10)
		out.InitialPassword = plain
	} else if err := password.Validate(plain); err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, plain)
	if err != nil {
		return nil, err
	}
	if in.Class != nil {
		u.Class = strings.TrimSpace(*in.Class)
	}
	if err := s.db.CreateUser(ctx, u, hash); err != nil {
		return nil, err
	}
	return out, nil
}

// userFromPath resolves {id} within the school and checks that the actor
// may see that user; it returns the user as the actor may see them.
func (s *Module) userFromPath(r *http.Request, sc *schulhof.School) (*schulhof.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "user.not_found")
	}
	u, err := s.db.FindUserByID(r.Context(), sc.ID, schulhof.UserID(id))
	if err != nil {
		return nil, err
	}
	a := kit.AuthOf(r).User
	var shares, parent bool
	if a.Role < schulhof.RoleTeacher && a.ID != u.ID {
		if parent, err = s.db.IsParentOf(r.Context(), a.ID, u.ID); err != nil {
			return nil, err
		}
		if shares, err = s.db.SharesGroup(r.Context(), a.ID, u.ID); err != nil {
			return nil, err
		}
	}
	if !schulhof.CanViewUser(a, u, shares, parent) {
		return nil, schulhof.Errorf(schulhof.ENotFound, "user.not_found")
	}
	return schulhof.Redact(a, u, parent), nil
}

// userFilter reads the list filters of the query string.
func (s *Module) userFilter(r *http.Request, school schulhof.SchoolID) (schulhof.UserFilter, error) {
	q := r.URL.Query()
	f := schulhof.UserFilter{SchoolID: school, Query: q.Get("q"), After: q.Get("cursor")}
	if v := q.Get("role"); v != "" {
		role, ok := schulhof.ParseRole(v)
		if !ok {
			return f, schulhof.Errorf(schulhof.EBadRequest, "user.role.invalid")
		}
		f.Role = role
	}
	if v := q.Get("group"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return f, schulhof.Errorf(schulhof.EBadRequest, "group.not_found")
		}
		f.GroupID = schulhof.GroupID(id)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, schulhof.Errorf(schulhof.EBadRequest, "limit.invalid")
		}
		f.Limit = n
	}
	switch q.Get("active") {
	case "true":
		t := true
		f.Active = &t
	case "false":
		t := false
		f.Active = &t
	}
	return f, nil
}

// apiListUsers: GET /api/v1/schools/{school}/users (staff).
func (s *Module) apiListUsers(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	a := kit.AuthOf(r).User
	if !schulhof.CanListUsers(a, sc.ID) {
		return nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	f, err := s.userFilter(r, sc.ID)
	if err != nil {
		return nil, err
	}
	us, next, err := s.db.FindUsers(r.Context(), f)
	if err != nil {
		return nil, err
	}
	for i, u := range us {
		us[i] = schulhof.Redact(a, u, false)
	}
	return kit.NewList(us, next), nil
}

// apiCreateUser: POST /api/v1/schools/{school}/users (admins).
func (s *Module) apiCreateUser(r *http.Request) (any, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	var in userInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	out, err := s.createUser(r.Context(), sc, in)
	if err != nil {
		return nil, err
	}
	return kit.Created(out), nil
}

// managedUser resolves {school} and {id} for an admin's action.
func (s *Module) managedUser(r *http.Request) (*schulhof.School, *schulhof.User, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.userFromPath(r, sc)
	return sc, u, err
}

// apiGetUser: GET /api/v1/schools/{school}/users/{id}.
func (s *Module) apiGetUser(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	u, err := s.userFromPath(r, sc)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// userUpdateInput is a partial update; absent fields stay.
type userUpdateInput struct {
	FirstName  *string `json:"first_name"`
	LastName   *string `json:"last_name"`
	Role       *string `json:"role"`
	Email      *string `json:"email"`
	BirthDate  *string `json:"birth_date"`
	ExternalID *string `json:"external_id"`
	ShortCode  *string `json:"short_code"`
	Active     *bool   `json:"active"`
	Class      *string `json:"class"`
}

func (s *Module) updateUser(ctx context.Context, sc *schulhof.School, id schulhof.UserID, in userUpdateInput) (*schulhof.User, error) {
	upd := schulhof.UserUpdate{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, BirthDate: in.BirthDate,
		ExternalID: in.ExternalID, ShortCode: in.ShortCode, Active: in.Active}
	if in.Role != nil {
		role, ok := schulhof.ParseRole(*in.Role)
		if !ok || role == schulhof.RoleOperator {
			return nil, &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid",
				Fields: []schulhof.FieldError{{Field: "role", Key: "user.role.invalid"}}}
		}
		upd.Role = &role
	}
	if a := schulhof.ActorFromContext(ctx); a != nil && a.User.ID == id && (in.Active != nil && !*in.Active || upd.Role != nil && *upd.Role != a.User.Role) {
		// an admin who locks themselves out needs the operator to get back
		return nil, schulhof.Errorf(schulhof.EConflict, "user.self_lockout")
	}
	upd.Class = in.Class // user and class in one transaction
	return s.db.UpdateUser(ctx, sc.ID, id, upd)
}

// apiUpdateUser: PATCH /api/v1/schools/{school}/users/{id} (admins).
func (s *Module) apiUpdateUser(r *http.Request) (any, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "user.not_found")
	}
	var in userUpdateInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	u, err := s.updateUser(r.Context(), sc, schulhof.UserID(id), in)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// resetPassword gives the user a new one-time password.
func (s *Module) resetPassword(ctx context.Context, sc *schulhof.School, id schulhof.UserID) (string, error) {
	plain := password.Generate(10)
	hash, err := s.hasher.Hash(ctx, plain)
	if err != nil {
		return "", err
	}
	return plain, s.db.SetPassword(ctx, sc.ID, id, hash, true)
}

// apiResetPassword: POST /api/v1/schools/{school}/users/{id}/reset-password.
func (s *Module) apiResetPassword(r *http.Request) (any, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	plain, err := s.resetPassword(r.Context(), sc, schulhof.UserID(id))
	if err != nil {
		return nil, err
	}
	return map[string]string{"password": plain}, nil
}

// apiLinkChild: PUT /api/v1/schools/{school}/users/{id}/children/{child}.
func (s *Module) apiLinkChild(w http.ResponseWriter, r *http.Request) {
	s.changeChild(w, r, true)
}

// apiUnlinkChild: DELETE /api/v1/schools/{school}/users/{id}/children/{child}.
func (s *Module) apiUnlinkChild(w http.ResponseWriter, r *http.Request) {
	s.changeChild(w, r, false)
}

func (s *Module) changeChild(w http.ResponseWriter, r *http.Request, link bool) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, _ := strconv.ParseInt(r.PathValue("child"), 10, 64)
	if link {
		err = s.db.LinkParent(r.Context(), sc.ID, schulhof.UserID(p), schulhof.UserID(c))
	} else {
		err = s.db.UnlinkParent(r.Context(), sc.ID, schulhof.UserID(p), schulhof.UserID(c))
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// showUsersPage: GET /s/{school}/users, the admin's user list with search,
// filters and the form for a new user.
func (s *Module) showUsersPage(w http.ResponseWriter, r *http.Request) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderUsers(w, r, sc, s.SchoolView(r, sc, "users.title"), http.StatusOK)
}

func (s *Module) renderUsers(w http.ResponseWriter, r *http.Request, sc *schulhof.School, v *kit.View, status int) {
	f, err := s.userFilter(r, sc.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if f.Limit == 0 {
		f.Limit = 200
	}
	us, next, err := s.db.FindUsers(r.Context(), f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	classes, err := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	nextURL := ""
	if next != "" {
		q.Set("cursor", next)
		nextURL = "/s/" + sc.Slug + "/users?" + q.Encode()
	}
	v.Data = map[string]any{"Users": us, "Groups": classes, "Roles": schulhof.Roles, "Next": nextURL,
		"Q": r.URL.Query().Get("q"), "Role": r.URL.Query().Get("role"), "Group": r.URL.Query().Get("group")}
	s.Render(w, r, status, "users", v)
}

func formUser(r *http.Request) userInput {
	class := r.PostFormValue("class")
	return userInput{Login: r.PostFormValue("login"), FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"),
		Role: r.PostFormValue("role"), ExternalID: r.PostFormValue("external_id"), BirthDate: r.PostFormValue("birth_date"),
		Email: r.PostFormValue("email"), ShortCode: r.PostFormValue("short_code"), Class: &class}
}

// createUserFromForm: POST /s/{school}/users.
func (s *Module) createUserFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out, err := s.createUser(r.Context(), sc, formUser(r))
	if err != nil {
		v := s.SchoolView(r, sc, "users.title")
		for _, k := range []string{"login", "first_name", "last_name", "role", "external_id", "birth_date", "email", "short_code", "class"} {
			v.Form[k] = r.PostFormValue(k)
		}
		s.renderUsers(w, r, sc, v, s.FormError(r, v, err))
		return
	}
	v := s.SchoolView(r, sc, "password.shown_title")
	v.Data = map[string]any{"User": out.User, "Password": out.InitialPassword}
	s.Render(w, r, http.StatusCreated, "credentials", v)
}

// showUserPage: GET /s/{school}/users/{id}.
func (s *Module) showUserPage(w http.ResponseWriter, r *http.Request) {
	sc, u, err := s.managedUser(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderUser(w, r, sc, u, s.SchoolView(r, sc, "user.title"), http.StatusOK)
}

func (s *Module) renderUser(w http.ResponseWriter, r *http.Request, sc *schulhof.School, u *schulhof.User, v *kit.View, status int) {
	kids, err := s.db.FindChildren(r.Context(), sc.ID, u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	gs, err := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID, UserID: u.ID})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	v.Data = map[string]any{"U": u, "Children": kids, "Groups": gs, "Roles": schulhof.Roles}
	if schulhof.CanManageSchools(kit.AuthOf(r).User) && u.Active {
		// the operator may see Schulhof as this user while the school allows
		if until, err := s.db.FindSupportConsent(r.Context(), sc.ID); err == nil && until.After(s.Now()) {
			v.Data.(map[string]any)["SupportUntil"] = until
		}
	}
	if len(v.Form) == 0 {
		v.Form = map[string]string{"first_name": u.FirstName, "last_name": u.LastName, "role": u.Role.String(), "class": u.Class,
			"external_id": u.ExternalID, "birth_date": u.BirthDate, "email": u.Email, "short_code": u.ShortCode}
	}
	v.Title = u.Name()
	s.Render(w, r, status, "user", v)
}

// saveUser: POST /s/{school}/users/{id}.
func (s *Module) saveUser(w http.ResponseWriter, r *http.Request) {
	sc, u, err := s.managedUser(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f := formUser(r)
	active := r.PostFormValue("active") == "on"
	in := userUpdateInput{FirstName: &f.FirstName, LastName: &f.LastName, Role: &f.Role, Email: &f.Email, BirthDate: &f.BirthDate,
		ExternalID: &f.ExternalID, ShortCode: &f.ShortCode, Active: &active, Class: f.Class}
	if _, err := s.updateUser(r.Context(), sc, u.ID, in); err != nil {
		v := s.SchoolView(r, sc, "user.title")
		for _, k := range []string{"first_name", "last_name", "role", "external_id", "birth_date", "email", "short_code", "class"} {
			v.Form[k] = r.PostFormValue(k)
		}
		s.renderUser(w, r, sc, u, v, s.FormError(r, v, err))
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/users/"+r.PathValue("id")+"?flash=saved", http.StatusSeeOther)
}

// resetPasswordFromForm: POST /s/{school}/users/{id}/reset-password shows
// the new one-time password once.
func (s *Module) resetPasswordFromForm(r *http.Request) (*kit.View, error) {
	sc, u, err := s.managedUser(r)
	if err != nil {
		return nil, err
	}
	plain, err := s.resetPassword(r.Context(), sc, u.ID)
	if err != nil {
		return nil, err
	}
	v := s.SchoolView(r, sc, "password.shown_title")
	v.Data = map[string]any{"User": u, "Password": plain}
	return v, nil
}

// linkChildFromForm: POST /s/{school}/users/{id}/children with a login.
func (s *Module) linkChildFromForm(w http.ResponseWriter, r *http.Request) {
	sc, u, err := s.managedUser(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	child, err := s.db.FindUserByLogin(r.Context(), sc.ID, strings.ToLower(strings.TrimSpace(r.PostFormValue("child"))))
	if err == nil {
		err = s.db.LinkParent(r.Context(), sc.ID, u.ID, child.ID)
	}
	if err != nil {
		v := s.SchoolView(r, sc, "user.title")
		s.renderUser(w, r, sc, u, v, s.FormError(r, v, err))
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/users/"+r.PathValue("id")+"?flash=saved", http.StatusSeeOther)
}

// unlinkChildFromForm: POST /s/{school}/users/{id}/children/{child}/remove.
func (s *Module) unlinkChildFromForm(r *http.Request) (string, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return "", err
	}
	p, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	c, _ := strconv.ParseInt(r.PathValue("child"), 10, 64)
	if err := s.db.UnlinkParent(r.Context(), sc.ID, schulhof.UserID(p), schulhof.UserID(c)); err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/users/" + r.PathValue("id") + "?flash=saved", nil
}

// resetTwoFactor switches a user's two-factor login off, for the teacher
// whose phone is lost, and ends their sessions. If the school requires
// two-factor, they set it up anew at their next login.
func (s *Module) resetTwoFactor(ctx context.Context, u *schulhof.User) error {
	if err := s.db.SetTOTP(ctx, u.ID, "", false); err != nil {
		return err
	}
	return s.db.DeleteUserSessions(ctx, u.ID, nil)
}

// resetUserTwoFactor: POST /api/v1/schools/{school}/users/{id}/reset-two-factor
// and the form /s/{school}/users/{id}/reset-two-factor.
func (s *Module) resetUserTwoFactor(r *http.Request) (kit.None, error) {
	_, u, err := s.managedUser(r)
	if err == nil {
		err = s.resetTwoFactor(r.Context(), u)
	}
	return kit.None{}, err
}
