package accounts

import (
	"net/http"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// apiGetOperator: GET /api/v1/operator.
func (s *Module) apiGetOperator(w http.ResponseWriter, r *http.Request) {
	op, err := s.db.FindOperator(r.Context())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, op)
}

// apiUpdateOperator: PATCH /api/v1/operator {"name", "contact"} (operator only).
func (s *Module) apiUpdateOperator(w http.ResponseWriter, r *http.Request) {
	if !schulhof.CanManageSchools(kit.AuthOf(r).User) {
		s.Fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	op, err := s.db.FindOperator(r.Context())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var in struct {
		Name    *string `json:"name"`
		Contact *string `json:"contact"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	if in.Name != nil {
		op.Name = *in.Name
	}
	if in.Contact != nil {
		op.Contact = *in.Contact
	}
	if err := s.db.UpdateOperator(r.Context(), op); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.forgetOperator()
	kit.WriteJSON(w, http.StatusOK, op)
}

// saveOperator: POST /admin/operator.
func (s *Module) saveOperator(w http.ResponseWriter, r *http.Request) {
	if !schulhof.CanManageSchools(kit.AuthOf(r).User) {
		s.Fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	op := &schulhof.Operator{Name: r.PostFormValue("name"), Contact: r.PostFormValue("contact")}
	if err := s.db.UpdateOperator(r.Context(), op); err != nil {
		v := s.NewView(r, "schools.title")
		s.renderSchools(w, r, v, s.FormError(r, v, err))
		return
	}
	s.forgetOperator()
	http.Redirect(w, r, "/admin/schools?flash=saved", http.StatusSeeOther)
}

func (s *Module) forgetOperator() {
	s.ForgetOperator()
}
