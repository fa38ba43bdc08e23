package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/schulhof/schulhof"
)

// operator returns the organisation running the installation, read at
// most every half minute: it is on every page and changes once in years.
func (s *Server) operator(ctx context.Context) *schulhof.Operator {
	s.org.mu.Lock()
	defer s.org.mu.Unlock()
	if s.org.value != nil && s.now().Sub(s.org.fetched) < 30*time.Second && !s.now().Before(s.org.fetched) {
		return s.org.value
	}
	op, err := s.db.FindOperator(ctx)
	if err != nil {
		return s.org.value // the footer can wait; the page should not fail for it
	}
	s.org.value, s.org.fetched = op, s.now()
	return op
}

// operatorCache holds the operator for operator().
type operatorCache struct {
	mu      sync.Mutex
	value   *schulhof.Operator
	fetched time.Time
}

// apiGetOperator: GET /api/v1/operator.
func (s *Server) apiGetOperator(w http.ResponseWriter, r *http.Request) {
	op, err := s.db.FindOperator(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, op)
}

// apiUpdateOperator: PATCH /api/v1/operator {"name", "contact"} (operator only).
func (s *Server) apiUpdateOperator(w http.ResponseWriter, r *http.Request) {
	if !schulhof.CanManageSchools(authOf(r).user) {
		s.fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	op, err := s.db.FindOperator(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Name    *string `json:"name"`
		Contact *string `json:"contact"`
	}
	if err := readJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Name != nil {
		op.Name = *in.Name
	}
	if in.Contact != nil {
		op.Contact = *in.Contact
	}
	if err := s.db.UpdateOperator(r.Context(), op); err != nil {
		s.fail(w, r, err)
		return
	}
	s.forgetOperator()
	writeJSON(w, http.StatusOK, op)
}

// saveOperator: POST /admin/operator.
func (s *Server) saveOperator(w http.ResponseWriter, r *http.Request) {
	if !schulhof.CanManageSchools(authOf(r).user) {
		s.fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	op := &schulhof.Operator{Name: r.PostFormValue("name"), Contact: r.PostFormValue("contact")}
	if err := s.db.UpdateOperator(r.Context(), op); err != nil {
		v := s.newView(r, "schools.title")
		s.renderSchools(w, r, v, s.formError(r, v, err))
		return
	}
	s.forgetOperator()
	http.Redirect(w, r, "/admin/schools?flash=saved", http.StatusSeeOther)
}

func (s *Server) forgetOperator() {
	s.org.mu.Lock()
	s.org.value = nil
	s.org.mu.Unlock()
}
