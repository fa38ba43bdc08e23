package accounts

import (
	"net/http"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// apiGetOperator: GET /api/v1/operator.
func (s *Module) apiGetOperator(r *http.Request) (any, error) {
	op, err := s.db.FindOperator(r.Context())
	if err != nil {
		return nil, err
	}
	return op, nil
}

// apiUpdateOperator: PATCH /api/v1/operator {"name", "contact"} (operator only).
func (s *Module) apiUpdateOperator(r *http.Request) (any, error) {
	if !schulhof.CanManageSchools(kit.AuthOf(r).User) {
		return nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	op, err := s.db.FindOperator(r.Context())
	if err != nil {
		return nil, err
	}
	var in struct {
		Name    *string `json:"name"`
		Contact *string `json:"contact"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Name != nil {
		op.Name = *in.Name
	}
	if in.Contact != nil {
		op.Contact = *in.Contact
	}
	if err := s.db.UpdateOperator(r.Context(), op); err != nil {
		return nil, err
	}
	s.forgetOperator()
	return op, nil
}

// showOperatorPage: GET /admin/operator, who runs the installation and
// whom to ask about data protection; asked on the operator's first login
// (?first=1, see the start page), shown on every page.
func (s *Module) showOperatorPage(r *http.Request) (*kit.View, error) {
	if !schulhof.CanManageSchools(kit.AuthOf(r).User) {
		return nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	op, err := s.db.FindOperator(r.Context())
	if err != nil {
		return nil, err
	}
	v := s.NewView(r, "operator.title")
	v.Data = map[string]any{"Operator": op, "First": r.URL.Query().Get("first") == "1"}
	return v, nil
}

// saveOperator: POST /admin/operator.
func (s *Module) saveOperator(w http.ResponseWriter, r *http.Request) {
	if !schulhof.CanManageSchools(kit.AuthOf(r).User) {
		s.Fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	op := &schulhof.Operator{Name: r.PostFormValue("name"), Contact: r.PostFormValue("contact")}
	if err := s.db.UpdateOperator(r.Context(), op); err != nil {
		v := s.NewView(r, "operator.title")
		v.Data = map[string]any{"Operator": op}
		s.Render(w, r, s.FormError(r, v, err), "operator", v)
		return
	}
	s.forgetOperator()
	http.Redirect(w, r, "/admin/schools?flash=saved", http.StatusSeeOther)
}

func (s *Module) forgetOperator() {
	s.ForgetOperator()
}
