package accounts

import (
	"net/http"
	"strconv"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// auditFilter reads ?school=SLUG&before=ID; a school admin always reads
// their own school.
func (s *Module) auditFilter(r *http.Request) (schulhof.AuditFilter, *schulhof.School, error) {
	a := kit.AuthOf(r).User
	f := schulhof.AuditFilter{Limit: 100}
	cur := r.URL.Query().Get("cursor")
	if cur == "" {
		cur = r.URL.Query().Get("before")
	}
	f.Before, _ = strconv.ParseInt(cur, 10, 64)
	var sc *schulhof.School
	slug := r.PathValue("school")
	if slug == "" {
		slug = r.URL.Query().Get("school")
	}
	if slug != "" {
		var err error
		if sc, err = s.db.FindSchoolBySlug(r.Context(), slug); err != nil {
			return f, nil, err
		}
		if !schulhof.CanViewSchool(a, sc.ID) {
			return f, nil, schulhof.Errorf(schulhof.ENotFound, "school.not_found")
		}
		f.SchoolID = sc.ID
	} else if a.Role != schulhof.RoleOperator {
		f.SchoolID = a.SchoolID
		sc = kit.AuthOf(r).School
	}
	if !schulhof.CanViewAudit(a, f.SchoolID) {
		return f, nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	return f, sc, nil
}

// apiAudit: GET /api/v1/audit?school=SLUG&before=ID, newest first.
func (s *Module) apiAudit(r *http.Request) (any, error) {
	f, _, err := s.auditFilter(r)
	if err != nil {
		return nil, err
	}
	es, err := s.db.FindAuditEntries(r.Context(), f)
	if err != nil {
		return nil, err
	}
	next := ""
	if len(es) == f.Limit {
		next = strconv.FormatInt(es[len(es)-1].ID, 10)
	}
	return kit.NewList(es, next), nil
}

// showAuditPage: GET /audit and GET /s/{school}/audit.
func (s *Module) showAuditPage(r *http.Request) (*kit.View, error) {
	f, sc, err := s.auditFilter(r)
	if err != nil {
		return nil, err
	}
	es, err := s.db.FindAuditEntries(r.Context(), f)
	if err != nil {
		return nil, err
	}
	v := s.NewView(r, "audit.title")
	if sc != nil {
		v = s.SchoolView(r, sc, "audit.title")
	}
	next := ""
	if len(es) == f.Limit {
		next = r.URL.Path + "?before=" + strconv.FormatInt(es[len(es)-1].ID, 10)
	}
	v.Data = map[string]any{"Entries": es, "Next": next}
	return v, nil
}
