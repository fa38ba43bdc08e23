package web

import (
	"net/http"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// showStartPage: GET /, the first thing everyone sees: who they are, their
// school, class and groups, the cards the modules add for the day
// (kit.StartCard); admins get their shortcuts.
func (s *Server) showStartPage(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	if op := s.Operator(r.Context()); a.User.Role == schulhof.RoleOperator && op != nil && op.Name == "" {
		// who runs the installation is on every page: asked for first
		http.Redirect(w, r, "/admin/operator?first=1", http.StatusSeeOther)
		return
	}
	me, err := s.login.Me(r.Context(), a.User, a.School)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	data := map[string]any{"User": me.User, "School": me.School, "Groups": me.Groups, "Children": me.Children}
	if a.School != nil && a.User.SchoolID == a.School.ID {
		if err := s.FillStartCards(r, a.School, data); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	v := s.NewView(r, "start.title")
	v.Data = data
	s.Render(w, r, http.StatusOK, "start", v)
}
