package accounts

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// schoolFromPath resolves {school} (the slug) and checks that the user
// belongs to it. Another school's existence is not confirmed: it is
// schoolInput is a new school as POST /api/v1/schools takes it.
type schoolInput struct {
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	State      string `json:"state"`
	SchoolType string `json:"school_type,omitempty"`
	Require2FA *bool  `json:"require_two_factor_for_staff,omitempty"`
	// Template is the short name of a school whose settings the new one
	// takes over (lesson times, week model, exam and chat rules,
	// retention, two-factor).
	Template string `json:"template,omitempty"`
}

// newSchool creates the school with its state's holidays and, from a
// template school, its settings.
func (s *Module) newSchool(r *http.Request, sc *schulhof.School, template string) error {
	var from *schulhof.School
	if template != "" {
		var err error
		if from, err = s.db.FindSchoolBySlug(r.Context(), template); err != nil {
			return schulhof.Invalid("template", "school.template.unknown")
		}
	}
	if err := s.db.CreateSchool(r.Context(), sc); err != nil {
		return err
	}
	s.timetable.StartWithStateHolidays(r.Context(), sc)
	if from != nil {
		if err := s.db.CopySchoolSettings(r.Context(), from.ID, sc.ID); err != nil {
			return err
		}
		s.ForgetSchool(sc.ID)
		if fresh, err := s.db.FindSchoolByID(r.Context(), sc.ID); err == nil {
			*sc = *fresh
		}
	}
	return nil
}

// apiListSchools: GET /api/v1/schools: all for the operator, one's own
// for everyone else.
func (s *Module) apiListSchools(r *http.Request) (any, error) {
	a := kit.AuthOf(r)
	if schulhof.CanManageSchools(a.User) {
		all, err := s.db.FindSchools(r.Context())
		if err != nil {
			return nil, err
		}
		return kit.NewList(all, ""), nil
	}
	return kit.NewList([]*schulhof.School{a.School}, ""), nil
}

// apiCreateSchool: POST /api/v1/schools (operator only).
func (s *Module) apiCreateSchool(r *http.Request) (any, error) {
	if !schulhof.CanManageSchools(kit.AuthOf(r).User) {
		return nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	var in schoolInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	sc := &schulhof.School{Slug: in.Slug, Name: in.Name, State: in.State, Type: in.SchoolType}
	if in.Require2FA != nil {
		sc.Require2FA = *in.Require2FA
	}
	if err := s.newSchool(r, sc, in.Template); err != nil {
		return nil, err
	}
	return kit.Created(sc), nil
}

// apiGetSchool: GET /api/v1/schools/{school}.
func (s *Module) apiGetSchool(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// apiUpdateSchool: PATCH /api/v1/schools/{school} (the school's admins
// and the operator).
func (s *Module) apiUpdateSchool(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	if !schulhof.CanManageSchool(kit.AuthOf(r).User, sc.ID) {
		return nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	var in struct {
		Name       *string          `json:"name"`
		State      *string          `json:"state"`
		SchoolType *string          `json:"school_type"`
		Require2FA *bool            `json:"require_two_factor_for_staff"`
		Quotas     map[string]int64 `json:"quotas"`
		ShowCodes  *bool            `json:"show_teacher_codes"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	up, err := s.db.UpdateSchool(r.Context(), sc.ID, schulhof.SchoolUpdate{Name: in.Name, State: in.State, Type: in.SchoolType,
		Require2FA: in.Require2FA, Quotas: in.Quotas, ShowTeacherCodes: in.ShowCodes})
	s.ForgetSchool(sc.ID)
	if err != nil {
		return nil, err
	}
	return up, nil
}

// showSchoolsPage: GET /admin/schools (operator).
func (s *Module) showSchoolsPage(w http.ResponseWriter, r *http.Request) {
	if !schulhof.CanManageSchools(kit.AuthOf(r).User) {
		s.Fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	v := s.NewView(r, "schools.title")
	s.renderSchools(w, r, v, http.StatusOK)
}

func (s *Module) renderSchools(w http.ResponseWriter, r *http.Request, v *kit.View, status int) {
	all, err := s.db.FindSchools(r.Context())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	v.Data = map[string]any{"Schools": all, "Types": schulhof.SchoolTypes}
	s.Render(w, r, status, "schools", v)
}

// createSchool: POST /admin/schools.
func (s *Module) createSchool(w http.ResponseWriter, r *http.Request) {
	if !schulhof.CanManageSchools(kit.AuthOf(r).User) {
		s.Fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	sc := &schulhof.School{Slug: r.PostFormValue("slug"), Name: r.PostFormValue("name"), State: r.PostFormValue("state"), Type: r.PostFormValue("school_type")}
	if err := s.newSchool(r, sc, r.PostFormValue("template")); err != nil {
		v := s.NewView(r, "schools.title")
		for _, k := range []string{"slug", "name", "state", "school_type", "template"} {
			v.Form[k] = r.PostFormValue(k)
		}
		s.renderSchools(w, r, v, s.FormError(r, v, err))
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/users?flash=school_created", http.StatusSeeOther)
}

// showSchoolSettingsPage: GET /s/{school}/settings.
func (s *Module) showSchoolSettingsPage(r *http.Request) (*kit.View, error) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		return nil, err
	}
	v := s.SchoolView(r, sc, "settings.title")
	data := s.SettingsData(r.Context(), sc)
	if err := s.timetable.SettingsPage(r, sc, data); err != nil {
		return nil, err
	}
	v.Data = data
	return v, nil
}

// saveSchoolSettings: POST /s/{school}/settings.
func (s *Module) saveSchoolSettings(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name, state, typ := r.PostFormValue("name"), r.PostFormValue("state"), r.PostFormValue("school_type")
	req := r.PostFormValue("require_two_factor") == "on"
	codes := r.PostFormValue("show_teacher_codes") == "on"
	quotas, err := quotasFromForm(r)
	if err == nil {
		_, err = s.db.UpdateSchool(r.Context(), sc.ID, schulhof.SchoolUpdate{Name: &name, State: &state, Type: &typ, Require2FA: &req,
			Quotas: quotas, ShowTeacherCodes: &codes})
		s.ForgetSchool(sc.ID)
	}
	if err != nil {
		v := s.SchoolView(r, sc, "settings.title")
		for _, k := range schulhof.QuotaKeys {
			v.Form["quota_"+k] = r.PostFormValue("quota_" + k)
		}
		s.RenderSettings(w, r, s.FormError(r, v, err), sc, v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=saved", http.StatusSeeOther)
}

// quotaField is one storage limit on the settings page, in MB.
type quotaField struct {
	Key     string
	Value   string // the school's own, "" for the default
	Default string // what applies without one
}

// schoolSettings is the settings page's section of the school itself:
// name, state, type, two-factor and quotas.
func (s *Module) schoolSettings(ctx context.Context, sc *schulhof.School, data map[string]any) {
	var qs []quotaField
	for _, k := range schulhof.QuotaKeys {
		f := quotaField{Key: k}
		if b := sc.Quotas[k]; b > 0 {
			f.Value = strconv.FormatInt(b>>20, 10)
		}
		kind, role := schulhof.SpaceUser, schulhof.Role(0)
		if k == "group" {
			kind = schulhof.SpaceGroup
		} else {
			role, _ = schulhof.ParseRole(k)
		}
		def, ok := s.cfg.Quotas[kind][role]
		if !ok {
			def = schulhof.DefaultQuotas[kind][role]
		}
		f.Default = strconv.FormatInt(def>>20, 10)
		qs = append(qs, f)
	}
	data["Types"], data["Quotas"] = schulhof.SchoolTypes, qs
	if until, err := s.db.FindSupportConsent(ctx, sc.ID); err == nil && until.After(s.Now()) {
		data["SupportUntil"] = until
	}
}

// quotasFromForm reads the limits in MB; an empty field is the default.
func quotasFromForm(r *http.Request) (map[string]int64, error) {
	out := map[string]int64{}
	for _, k := range schulhof.QuotaKeys {
		v := strings.TrimSpace(r.PostFormValue("quota_" + k))
		if v == "" {
			continue
		}
		mb, err := strconv.ParseInt(v, 10, 64)
		if err != nil || mb < 0 || mb > schulhof.MaxQuota>>20 {
			return nil, schulhof.Invalid("quota_"+k, "school.quota.invalid")
		}
		out[k] = mb << 20
	}
	return out, nil
}
