package schulhof_test

import (
	"testing"

	"github.com/schulhof/schulhof"
)

func TestBoardRights(t *testing.T) {
	teacher := &schulhof.User{ID: 1, SchoolID: 1, Role: schulhof.RoleTeacher}
	colleague := &schulhof.User{ID: 2, SchoolID: 1, Role: schulhof.RoleTeacher}
	admin := &schulhof.User{ID: 3, SchoolID: 1, Role: schulhof.RoleSchoolAdmin}
	anna := &schulhof.User{ID: 4, SchoolID: 1, Role: schulhof.RoleStudent}
	ben := &schulhof.User{ID: 5, SchoolID: 1, Role: schulhof.RoleStudent}
	carla := &schulhof.User{ID: 6, SchoolID: 1, Role: schulhof.RoleStudent} // not in the group
	stranger := &schulhof.User{ID: 7, SchoolID: 2, Role: schulhof.RoleSchoolAdmin}
	co := &schulhof.User{ID: 8, SchoolID: 1, Role: schulhof.RoleTeacher} // teaches the group too
	audience := func(access string, drawers map[schulhof.UserID]bool) *schulhof.BoardAudience {
		return &schulhof.BoardAudience{School: 1, Owner: 1, Access: access, Drawers: drawers,
			Members: map[schulhof.UserID]schulhof.MemberRole{4: schulhof.MemberRoleMember, 5: schulhof.MemberRoleMember, 8: schulhof.MemberRoleLeader}}
	}
	for _, c := range []struct {
		name              string
		a                 *schulhof.BoardAudience
		u                 *schulhof.User
		sees, leads, draw bool
	}{
		{"owner", audience(schulhof.BoardPrivate, nil), teacher, true, true, true},
		{"the group's other teacher", audience(schulhof.BoardPrivate, nil), co, true, true, true},
		{"admin", audience(schulhof.BoardPrivate, nil), admin, true, true, true},
		{"admin of another school", audience(schulhof.BoardDraw, nil), stranger, false, false, false},
		{"colleague outside the group", audience(schulhof.BoardDraw, nil), colleague, false, false, false},
		{"student, private", audience(schulhof.BoardPrivate, nil), anna, false, false, false},
		{"student, view", audience(schulhof.BoardView, nil), anna, true, false, false},
		{"student, draw", audience(schulhof.BoardDraw, nil), anna, true, false, true},
		{"student of another class", audience(schulhof.BoardDraw, nil), carla, false, false, false},
		{"switched off alone", audience(schulhof.BoardDraw, map[schulhof.UserID]bool{5: false}), ben, true, false, false},
		{"the others still draw", audience(schulhof.BoardDraw, map[schulhof.UserID]bool{5: false}), anna, true, false, true},
		{"switched on alone", audience(schulhof.BoardView, map[schulhof.UserID]bool{4: true}), anna, true, false, true},
		{"not for the private board", audience(schulhof.BoardPrivate, map[schulhof.UserID]bool{4: true}), anna, false, false, false},
		{"deleted", &schulhof.BoardAudience{School: 1, Owner: 1, Access: schulhof.BoardDraw, Deleted: true}, teacher, false, false, false},
	} {
		sees, leads, draws := c.a.Rights(c.u)
		if sees != c.sees || leads != c.leads || draws != c.draw {
			t.Errorf("%s: sees %v leads %v draws %v", c.name, sees, leads, draws)
		}
	}
}
