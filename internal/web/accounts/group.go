package accounts

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// groupFromPath resolves {group} within the school and checks that the
// actor may see it.
func (s *Module) groupFromPath(r *http.Request, sc *schulhof.School) (*schulhof.Group, error) {
	id, err := strconv.ParseInt(r.PathValue("group"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "group.not_found")
	}
	g, err := s.db.FindGroupByID(r.Context(), sc.ID, schulhof.GroupID(id))
	if err != nil {
		return nil, err
	}
	a := kit.AuthOf(r).User
	member := false
	if a.Role < schulhof.RoleTeacher {
		if member, err = s.db.IsMember(r.Context(), sc.ID, g.ID, a.ID); err != nil {
			return nil, err
		}
	}
	if !schulhof.CanViewGroup(a, g, member) {
		return nil, schulhof.Errorf(schulhof.ENotFound, "group.not_found")
	}
	return g, nil
}

// managedGroup resolves {school} and {group} for an admin's action.
func (s *Module) managedGroup(r *http.Request) (*schulhof.School, *schulhof.Group, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.groupFromPath(r, sc)
	return sc, g, err
}

// apiListGroups: GET /api/v1/schools/{school}/groups: all of them for
// staff, one's own (and one's children's) for students and parents.
func (s *Module) apiListGroups(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	a := kit.AuthOf(r).User
	f := schulhof.GroupFilter{SchoolID: sc.ID, Kind: schulhof.GroupKind(r.URL.Query().Get("kind")), MemberCounts: true}
	var gs []*schulhof.Group
	if a.Role >= schulhof.RoleTeacher {
		gs, err = s.db.FindGroups(r.Context(), f)
	} else {
		gs, err = s.ownGroups(r, f)
	}
	if err != nil {
		return nil, err
	}
	return kit.NewList(gs, ""), nil
}

// ownGroups are the groups of a student, or of a parent's children.
func (s *Module) ownGroups(r *http.Request, f schulhof.GroupFilter) ([]*schulhof.Group, error) {
	a := kit.AuthOf(r).User
	ids := []schulhof.UserID{a.ID}
	if a.Role == schulhof.RoleParent {
		kids, err := s.db.FindChildren(r.Context(), f.SchoolID, a.ID)
		if err != nil {
			return nil, err
		}
		for _, k := range kids {
			ids = append(ids, k.ID)
		}
	}
	seen := map[schulhof.GroupID]bool{}
	var out []*schulhof.Group
	for _, id := range ids {
		f.UserID = id
		gs, err := s.db.FindGroups(r.Context(), f)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if !seen[g.ID] {
				seen[g.ID] = true
				out = append(out, g)
			}
		}
	}
	return out, nil
}

// apiCreateGroup: POST /api/v1/schools/{school}/groups {"name", "kind"}.
func (s *Module) apiCreateGroup(r *http.Request) (any, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	g := &schulhof.Group{SchoolID: sc.ID, Name: in.Name, Kind: schulhof.GroupKind(in.Kind)}
	if err := s.db.CreateGroup(r.Context(), g); err != nil {
		return nil, err
	}
	return kit.Created(g), nil
}

// apiGetGroup: GET /api/v1/schools/{school}/groups/{group}.
func (s *Module) apiGetGroup(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	g, err := s.groupFromPath(r, sc)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// apiUpdateGroup: PATCH /api/v1/schools/{school}/groups/{group} {"name"}.
func (s *Module) apiUpdateGroup(r *http.Request) (any, error) {
	sc, g, err := s.managedGroup(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Name      *string `json:"name"`
		UntisCode *string `json:"untis_code"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	up := g
	if in.Name != nil {
		if up, err = s.db.RenameGroup(r.Context(), sc.ID, g.ID, *in.Name); err != nil {
			return nil, err
		}
	}
	if in.UntisCode != nil {
		if up, err = s.db.SetGroupUntisCode(r.Context(), sc.ID, g.ID, *in.UntisCode); err != nil {
			return nil, err
		}
	}
	return up, nil
}

// apiDeleteGroup: DELETE /api/v1/schools/{school}/groups/{group}.
func (s *Module) apiDeleteGroup(r *http.Request) (any, error) {
	sc, g, err := s.managedGroup(r)
	if err == nil {
		err = s.db.DeleteGroup(r.Context(), sc.ID, g.ID)
	}
	if err != nil {
		return nil, err
	}
	return kit.None{}, nil
}

// apiListMembers: GET /api/v1/schools/{school}/groups/{group}/members.
// Students see their classmates' names, never their private data.
func (s *Module) apiListMembers(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	g, err := s.groupFromPath(r, sc)
	if err != nil {
		return nil, err
	}
	ms, err := s.db.FindMembers(r.Context(), sc.ID, g.ID)
	if err != nil {
		return nil, err
	}
	a := kit.AuthOf(r).User
	// a parent's children, read once for the whole list
	children := map[schulhof.UserID]bool{}
	if a.Role == schulhof.RoleParent {
		kids, err := s.db.FindChildren(r.Context(), sc.ID, a.ID)
		if err != nil {
			return nil, err
		}
		for _, k := range kids {
			children[k.ID] = true
		}
	}
	for _, m := range ms {
		m.User = schulhof.Redact(a, m.User, children[m.User.ID])
	}
	return kit.NewList(ms, ""), nil
}

// memberFromPath is the managed school of the path with its {group} and
// {user}; ids that are no numbers name nothing, which the store says.
func (s *Module) memberFromPath(r *http.Request) (*schulhof.School, schulhof.GroupID, schulhof.UserID, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, 0, 0, err
	}
	g, _ := strconv.ParseInt(r.PathValue("group"), 10, 64)
	u, _ := strconv.ParseInt(r.PathValue("user"), 10, 64)
	return sc, schulhof.GroupID(g), schulhof.UserID(u), nil
}

// apiSetMember: PUT /api/v1/schools/{school}/groups/{group}/members/{user} {"role"}.
func (s *Module) apiSetMember(r *http.Request) (any, error) {
	sc, g, u, err := s.memberFromPath(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Role string `json:"role"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Role == "" {
		in.Role = string(schulhof.MemberRoleMember)
	}
	if err := s.db.SetMember(r.Context(), sc.ID, g, u, schulhof.MemberRole(in.Role)); err != nil {
		return nil, err
	}
	return kit.None{}, nil
}

// apiRemoveMember: DELETE /api/v1/schools/{school}/groups/{group}/members/{user}.
func (s *Module) apiRemoveMember(r *http.Request) (any, error) {
	sc, g, u, err := s.memberFromPath(r)
	if err != nil {
		return nil, err
	}
	if err := s.db.RemoveMember(r.Context(), sc.ID, g, u); err != nil {
		return nil, err
	}
	return kit.None{}, nil
}

// showGroupsPage: GET /s/{school}/groups.
func (s *Module) showGroupsPage(w http.ResponseWriter, r *http.Request) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderGroups(w, r, sc, s.SchoolView(r, sc, "groups.title"), http.StatusOK)
}

func (s *Module) renderGroups(w http.ResponseWriter, r *http.Request, sc *schulhof.School, v *kit.View, status int) {
	gs, err := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID, MemberCounts: true})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	v.Data = map[string]any{"Groups": gs, "Kinds": schulhof.GroupKinds}
	s.Render(w, r, status, "groups", v)
}

// createGroupFromForm: POST /s/{school}/groups.
func (s *Module) createGroupFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	g := &schulhof.Group{SchoolID: sc.ID, Name: r.PostFormValue("name"), Kind: schulhof.GroupKind(r.PostFormValue("kind"))}
	if err := s.db.CreateGroup(r.Context(), g); err != nil {
		v := s.SchoolView(r, sc, "groups.title")
		v.Form["name"], v.Form["kind"] = r.PostFormValue("name"), r.PostFormValue("kind")
		s.renderGroups(w, r, sc, v, s.FormError(r, v, err))
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/groups/"+strconv.FormatInt(int64(g.ID), 10)+"?flash=saved", http.StatusSeeOther)
}

// showGroupPage: GET /s/{school}/groups/{group}: members and the forms to
// change them.
func (s *Module) showGroupPage(w http.ResponseWriter, r *http.Request) {
	sc, g, err := s.managedGroup(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderGroup(w, r, sc, g, s.SchoolView(r, sc, "group.title"), http.StatusOK)
}

func (s *Module) renderGroup(w http.ResponseWriter, r *http.Request, sc *schulhof.School, g *schulhof.Group, v *kit.View, status int) {
	ms, err := s.db.FindMembers(r.Context(), sc.ID, g.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	v.Title = g.Name
	v.Data = map[string]any{"Group": g, "Members": ms}
	s.Render(w, r, status, "group", v)
}

// groupFormAction handles the forms of the group page:
// POST /s/{school}/groups/{group}/{action} with action members, remove,
// rename or delete.
func (s *Module) groupFormAction(w http.ResponseWriter, r *http.Request) {
	sc, g, err := s.managedGroup(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	back := "/s/" + sc.Slug + "/groups/" + strconv.FormatInt(int64(g.ID), 10) + "?flash=saved"
	ctx := r.Context()
	switch r.PathValue("action") {
	case "members":
		// several logins at once, separated by spaces, commas or lines;
		// all are checked first, so a typo adds nobody
		role := schulhof.MemberRole(r.PostFormValue("role"))
		var ids []schulhof.UserID
		for _, login := range strings.FieldsFunc(strings.ToLower(r.PostFormValue("logins")), func(c rune) bool {
			return c == ',' || c == ';' || c == ' ' || c == '\n' || c == '\r' || c == '\t'
		}) {
			u, ferr := s.db.FindUserByLogin(ctx, sc.ID, login)
			if ferr != nil {
				err = schulhof.Errorf(schulhof.ENotFound, "member.login_unknown", login)
				break
			}
			ids = append(ids, u.ID)
		}
		if err == nil {
			err = s.db.SetMembers(ctx, sc.ID, g.ID, ids, role)
		}
	case "remove":
		u, _ := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
		err = s.db.RemoveMember(ctx, sc.ID, g.ID, schulhof.UserID(u))
	case "rename":
		if _, err = s.db.RenameGroup(ctx, sc.ID, g.ID, r.PostFormValue("name")); err == nil {
			_, err = s.db.SetGroupUntisCode(ctx, sc.ID, g.ID, r.PostFormValue("untis_code"))
		}
	case "delete":
		if err = s.db.DeleteGroup(ctx, sc.ID, g.ID); err == nil {
			back = "/s/" + sc.Slug + "/groups?flash=deleted"
		}
	default:
		err = schulhof.Errorf(schulhof.ENotFound, "error.not_found")
	}
	if err != nil {
		v := s.SchoolView(r, sc, "group.title")
		s.renderGroup(w, r, sc, g, v, s.FormError(r, v, err))
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
