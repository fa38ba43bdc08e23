package schulhof_test

import (
	"testing"

	"github.com/schulhof/schulhof"
)

func TestSpacePolicy(t *testing.T) {
	u := func(id schulhof.UserID, school schulhof.SchoolID, r schulhof.Role) *schulhof.User {
		return &schulhof.User{ID: id, SchoolID: school, Role: r, Active: true}
	}
	student, teacher, admin, parent := u(1, 1, schulhof.RoleStudent), u(2, 1, schulhof.RoleTeacher), u(3, 1, schulhof.RoleSchoolAdmin), u(4, 1, schulhof.RoleParent)
	foreign := u(5, 2, schulhof.RoleSchoolAdmin)
	home := schulhof.Space{Kind: schulhof.SpaceUser, ID: 1}
	class := schulhof.Space{Kind: schulhof.SpaceGroup, ID: 9}
	member := schulhof.SpaceAccess{MemberRole: schulhof.MemberRoleMember}
	leader := schulhof.SpaceAccess{MemberRole: schulhof.MemberRoleLeader}
	for _, tc := range []struct {
		name        string
		a           *schulhof.User
		space       schulhof.Space
		acc         schulhof.SpaceAccess
		upload      bool
		read, write bool
	}{
		{"own home", student, home, schulhof.SpaceAccess{Owner: true}, false, true, true},
		{"someone's home, even as admin", admin, home, schulhof.SpaceAccess{}, false, false, false},
		{"class member", student, class, member, false, true, false},
		{"class member, upload folder", student, class, member, true, true, true},
		{"class leader", teacher, class, leader, false, true, true},
		{"teacher not in the class", teacher, class, schulhof.SpaceAccess{}, false, false, false},
		{"admin", admin, class, schulhof.SpaceAccess{}, false, true, true},
		{"parent of a member", parent, class, member, true, false, false},
		{"admin of another school", foreign, class, leader, true, false, false},
		{"nobody", nil, class, leader, true, false, false},
	} {
		if got := schulhof.CanReadSpace(tc.a, 1, tc.space, tc.acc); got != tc.read {
			t.Errorf("%s: read %v", tc.name, got)
		}
		if got := schulhof.CanWriteSpace(tc.a, 1, tc.space, tc.acc, tc.upload); got != tc.write {
			t.Errorf("%s: write %v", tc.name, got)
		}
	}
}
