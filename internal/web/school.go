package web

import (
	"net/http"

	"github.com/schulhof/schulhof"
)

// schoolFromPath resolves {school} (the slug) and checks that the user
// belongs to it. Another school's existence is not confirmed: it is
// ENotFound, the same as a school that does not exist.
func (s *Server) schoolFromPath(r *http.Request) (*schulhof.School, error) {
	a := authOf(r)
	sc, err := s.db.FindSchoolBySlug(r.Context(), r.PathValue("school"))
	if err != nil {
		return nil, err
	}
	if !schulhof.CanViewSchool(a.user, sc.ID) {
		return nil, schulhof.Errorf(schulhof.ENotFound, "school.not_found")
	}
	return sc, nil
}

type schoolInput struct {
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	State      string `json:"state"`
	SchoolType string `json:"school_type,omitempty"`
	Require2FA *bool  `json:"require_two_factor_for_staff,omitempty"`
}

// apiListSchools: GET /api/v1/schools: all for the operator, one's own
// for everyone else.
func (s *Server) apiListSchools(w http.ResponseWriter, r *http.Request) {
	a := authOf(r)
	if schulhof.CanManageSchools(a.user) {
		all, err := s.db.FindSchools(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, newList(all, ""))
		return
	}
	writeJSON(w, http.StatusOK, newList([]*schulhof.School{a.school}, ""))
}

// apiCreateSchool: POST /api/v1/schools (operator only).
func (s *Server) apiCreateSchool(w http.ResponseWriter, r *http.Request) {
	if !schulhof.CanManageSchools(authOf(r).user) {
		s.fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	var in schoolInput
	if err := readJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := &schulhof.School{Slug: in.Slug, Name: in.Name, State: in.State, Type: in.SchoolType}
	if in.Require2FA != nil {
		sc.Require2FA = *in.Require2FA
	}
	if err := s.db.CreateSchool(r.Context(), sc); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sc)
}

// apiGetSchool: GET /api/v1/schools/{school}.
func (s *Server) apiGetSchool(w http.ResponseWriter, r *http.Request) {
	sc, err := s.schoolFromPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sc)
}

// apiUpdateSchool: PATCH /api/v1/schools/{school} (the school's admins
// and the operator).
func (s *Server) apiUpdateSchool(w http.ResponseWriter, r *http.Request) {
	sc, err := s.schoolFromPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !schulhof.CanManageSchool(authOf(r).user, sc.ID) {
		s.fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	var in struct {
		Name       *string `json:"name"`
		State      *string `json:"state"`
		SchoolType *string `json:"school_type"`
		Require2FA *bool   `json:"require_two_factor_for_staff"`
	}
	if err := readJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	up, err := s.db.UpdateSchool(r.Context(), sc.ID, schulhof.SchoolUpdate{Name: in.Name, State: in.State, Type: in.SchoolType, Require2FA: in.Require2FA})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, up)
}

// showSchoolsPage: GET /admin/schools (operator).
func (s *Server) showSchoolsPage(w http.ResponseWriter, r *http.Request) {
	if !schulhof.CanManageSchools(authOf(r).user) {
		s.fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	v := s.newView(r, "schools.title")
	s.renderSchools(w, r, v, http.StatusOK)
}

func (s *Server) renderSchools(w http.ResponseWriter, r *http.Request, v *view, status int) {
	all, err := s.db.FindSchools(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = map[string]any{"Schools": all, "Types": schulhof.SchoolTypes}
	s.render(w, r, status, "schools", v)
}

// createSchool: POST /admin/schools.
func (s *Server) createSchool(w http.ResponseWriter, r *http.Request) {
	if !schulhof.CanManageSchools(authOf(r).user) {
		s.fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	sc := &schulhof.School{Slug: r.PostFormValue("slug"), Name: r.PostFormValue("name"), State: r.PostFormValue("state"), Type: r.PostFormValue("school_type")}
	if err := s.db.CreateSchool(r.Context(), sc); err != nil {
		v := s.newView(r, "schools.title")
		for _, k := range []string{"slug", "name", "state", "school_type"} {
			v.Form[k] = r.PostFormValue(k)
		}
		s.renderSchools(w, r, v, s.formError(r, v, err))
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/users?flash=school_created", http.StatusSeeOther)
}

// showSchoolSettingsPage: GET /s/{school}/settings.
func (s *Server) showSchoolSettingsPage(w http.ResponseWriter, r *http.Request) {
	sc, err := s.schoolFromPath(r)
	if err == nil && !schulhof.CanManageSchool(authOf(r).user, sc.ID) {
		err = schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.schoolView(r, sc, "settings.title")
	v.Data = map[string]any{"Types": schulhof.SchoolTypes}
	s.render(w, r, http.StatusOK, "settings", v)
}

// saveSchoolSettings: POST /s/{school}/settings.
func (s *Server) saveSchoolSettings(w http.ResponseWriter, r *http.Request) {
	sc, err := s.schoolFromPath(r)
	if err == nil && !schulhof.CanManageSchool(authOf(r).user, sc.ID) {
		err = schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, state, typ := r.PostFormValue("name"), r.PostFormValue("state"), r.PostFormValue("school_type")
	req := r.PostFormValue("require_two_factor") == "on"
	if _, err := s.db.UpdateSchool(r.Context(), sc.ID, schulhof.SchoolUpdate{Name: &name, State: &state, Type: &typ, Require2FA: &req}); err != nil {
		v := s.schoolView(r, sc, "settings.title")
		v.Data = map[string]any{"Types": schulhof.SchoolTypes}
		s.render(w, r, s.formError(r, v, err), "settings", v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=saved", http.StatusSeeOther)
}

// schoolView is a view about school sc, which for the operator is not
// their own.
func (s *Server) schoolView(r *http.Request, sc *schulhof.School, title string) *view {
	v := s.newView(r, title)
	v.School = sc
	v.Admin = schulhof.CanManageUsers(authOf(r).user, sc.ID)
	return v
}
