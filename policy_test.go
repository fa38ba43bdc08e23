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

// TestBoardPolicy: who sees, leads and draws on a board.
func TestBoardPolicy(t *testing.T) {
	teacher := &schulhof.User{ID: 1, SchoolID: 1, Role: schulhof.RoleTeacher}
	colleague := &schulhof.User{ID: 2, SchoolID: 1, Role: schulhof.RoleTeacher}
	admin := &schulhof.User{ID: 3, SchoolID: 1, Role: schulhof.RoleSchoolAdmin}
	anna := &schulhof.User{ID: 4, SchoolID: 1, Role: schulhof.RoleStudent}
	ben := &schulhof.User{ID: 5, SchoolID: 1, Role: schulhof.RoleStudent}
	carla := &schulhof.User{ID: 6, SchoolID: 1, Role: schulhof.RoleStudent} // not in the group
	stranger := &schulhof.User{ID: 7, SchoolID: 2, Role: schulhof.RoleSchoolAdmin}
	co := &schulhof.User{ID: 8, SchoolID: 1, Role: schulhof.RoleTeacher} // teaches the group too
	operator := &schulhof.User{ID: 9, Role: schulhof.RoleOperator}
	for _, u := range []*schulhof.User{teacher, colleague, admin, anna, ben, carla, stranger, co, operator} {
		u.Active = true
	}
	gone := &schulhof.User{ID: 4, SchoolID: 1, Role: schulhof.RoleStudent} // anna, deactivated
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
		{"operator", audience(schulhof.BoardDraw, nil), operator, false, false, false},
		{"deactivated", audience(schulhof.BoardDraw, nil), gone, false, false, false},
		{"deleted", &schulhof.BoardAudience{School: 1, Owner: 1, Access: schulhof.BoardDraw, Deleted: true}, teacher, false, false, false},
	} {
		sees, leads, draws := schulhof.BoardRights(c.u, c.a)
		if sees != c.sees || leads != c.leads || draws != c.draw {
			t.Errorf("%s: sees %v leads %v draws %v", c.name, sees, leads, draws)
		}
	}
}

// TestExamPolicy: who coordinates, plans and sees exams.
func TestExamPolicy(t *testing.T) {
	admin := &schulhof.User{ID: 1, SchoolID: 1, Role: schulhof.RoleSchoolAdmin, Active: true}
	teacher := &schulhof.User{ID: 2, SchoolID: 1, Role: schulhof.RoleTeacher, Active: true}
	student := &schulhof.User{ID: 3, SchoolID: 1, Role: schulhof.RoleStudent, Active: true}
	parent := &schulhof.User{ID: 4, SchoolID: 1, Role: schulhof.RoleParent, Active: true}
	stranger := &schulhof.User{ID: 5, SchoolID: 2, Role: schulhof.RoleSchoolAdmin, Active: true}
	gone := &schulhof.User{ID: 6, SchoolID: 1, Role: schulhof.RoleTeacher}
	coord := schulhof.ExamRelation{Coordinator: true}
	leads := schulhof.ExamRelation{LeadsAll: true}
	theirs := schulhof.ExamRelation{Takes: true, Announced: true}
	for _, c := range []struct {
		name                     string
		u                        *schulhof.User
		rel                      schulhof.ExamRelation
		coordinates, plans, sees bool
	}{
		{"admin", admin, schulhof.ExamRelation{}, true, true, true},
		{"admin of another school", stranger, coord, false, false, false},
		{"coordinator", teacher, coord, true, true, true},
		{"teacher leading the groups", teacher, leads, false, true, true},
		{"teacher of other groups", teacher, schulhof.ExamRelation{}, false, false, true},
		{"deactivated coordinator", gone, coord, false, false, false},
		{"student named coordinator", student, schulhof.ExamRelation{Coordinator: true, LeadsAll: true}, false, false, false},
		{"student, own, announced", student, theirs, false, false, true},
		{"student, own, not yet announced", student, schulhof.ExamRelation{Takes: true}, false, false, false},
		{"student, another class's", student, schulhof.ExamRelation{Announced: true}, false, false, false},
		{"parent, child's, announced", parent, theirs, false, false, true},
	} {
		if got := schulhof.CanCoordinateExams(c.u, 1, c.rel); got != c.coordinates {
			t.Errorf("%s: coordinates %v", c.name, got)
		}
		if got := schulhof.CanPlanExam(c.u, 1, c.rel); got != c.plans {
			t.Errorf("%s: plans %v", c.name, got)
		}
		if got := schulhof.CanViewExam(c.u, 1, c.rel); got != c.sees {
			t.Errorf("%s: sees %v", c.name, got)
		}
	}
	if schulhof.CanViewExamPlan(student, 1) || schulhof.CanViewExamPlan(parent, 1) || !schulhof.CanViewExamPlan(teacher, 1) || schulhof.CanViewExamPlan(stranger, 1) {
		t.Error("the whole plan is for the school's staff only")
	}
}

// TestChatPolicy: who reads, writes and moderates a room.
func TestChatPolicy(t *testing.T) {
	admin := &schulhof.User{ID: 1, SchoolID: 1, Role: schulhof.RoleSchoolAdmin, Active: true}
	teacher := &schulhof.User{ID: 2, SchoolID: 1, Role: schulhof.RoleTeacher, Active: true}
	student := &schulhof.User{ID: 3, SchoolID: 1, Role: schulhof.RoleStudent, Active: true}
	stranger := &schulhof.User{ID: 4, SchoolID: 2, Role: schulhof.RoleStudent, Active: true}
	operator := &schulhof.User{ID: 5, Role: schulhof.RoleOperator, Active: true}
	gone := &schulhof.User{ID: 6, SchoolID: 1, Role: schulhof.RoleStudent}
	member := schulhof.RoomRelation{Member: true}
	leader := schulhof.RoomRelation{Member: true, Leader: true}
	for _, c := range []struct {
		name                     string
		u                        *schulhof.User
		kind                     string
		locked                   bool
		rel                      schulhof.RoomRelation
		reads, writes, moderates bool
	}{
		{"member of the class room", student, schulhof.RoomGroup, false, member, true, true, false},
		{"member, room locked", student, schulhof.RoomGroup, true, member, true, false, false},
		{"the class's teacher, room locked", teacher, schulhof.RoomGroup, true, leader, true, true, true},
		{"not a member", student, schulhof.RoomGroup, false, schulhof.RoomRelation{}, false, false, false},
		{"admin, not a member", admin, schulhof.RoomGroup, false, schulhof.RoomRelation{}, false, false, false},
		{"member of another school", stranger, schulhof.RoomGroup, false, member, false, false, false},
		{"deactivated member", gone, schulhof.RoomGroup, false, member, false, false, false},
		{"school channel, student", student, schulhof.RoomSchool, false, schulhof.RoomRelation{}, true, false, false},
		{"school channel, teacher", teacher, schulhof.RoomSchool, false, schulhof.RoomRelation{}, true, false, false},
		{"school channel, admin", admin, schulhof.RoomSchool, false, schulhof.RoomRelation{}, true, true, true},
		{"school channel, another school", stranger, schulhof.RoomSchool, false, schulhof.RoomRelation{}, false, false, false},
		{"school channel, operator", operator, schulhof.RoomSchool, false, schulhof.RoomRelation{}, false, false, false},
		{"conversation, who started it", student, schulhof.RoomChat, false, leader, true, true, true},
		{"conversation, invited", student, schulhof.RoomChat, false, member, true, true, false},
		{"direct, the other one", teacher, schulhof.RoomDirect, false, member, true, true, false},
	} {
		if got := schulhof.CanReadRoom(c.u, 1, c.kind, c.rel); got != c.reads {
			t.Errorf("%s: reads %v", c.name, got)
		}
		if got := schulhof.CanWriteRoom(c.u, 1, c.kind, c.locked, c.rel); got != c.writes {
			t.Errorf("%s: writes %v", c.name, got)
		}
		if got := schulhof.CanModerateRoom(c.u, 1, c.kind, c.rel); got != c.moderates {
			t.Errorf("%s: moderates %v", c.name, got)
		}
	}
}

// TestDevicePolicy: the school's admins and its device managers keep the
// devices; a loan is seen by them, the borrower and the borrower's
// parents, and by nobody of another school.
func TestDevicePolicy(t *testing.T) {
	admin := &schulhof.User{ID: 1, SchoolID: 1, Role: schulhof.RoleSchoolAdmin, Active: true}
	teacher := &schulhof.User{ID: 2, SchoolID: 1, Role: schulhof.RoleTeacher, Active: true}
	student := &schulhof.User{ID: 3, SchoolID: 1, Role: schulhof.RoleStudent, Active: true}
	parent := &schulhof.User{ID: 4, SchoolID: 1, Role: schulhof.RoleParent, Active: true}
	classmate := &schulhof.User{ID: 5, SchoolID: 1, Role: schulhof.RoleStudent, Active: true}
	stranger := &schulhof.User{ID: 6, SchoolID: 2, Role: schulhof.RoleSchoolAdmin, Active: true}
	gone := &schulhof.User{ID: 7, SchoolID: 1, Role: schulhof.RoleTeacher}
	loan := &schulhof.Loan{UserID: student.ID}
	for _, c := range []struct {
		name                 string
		u                    *schulhof.User
		manager, parentOf    bool
		manages, seesTheLoan bool
	}{
		{"admin", admin, false, false, true, true},
		{"device manager", teacher, true, false, true, true},
		{"teacher", teacher, false, false, false, false},
		{"deactivated device manager", gone, true, false, false, false},
		{"student named manager", student, true, false, false, true},
		{"the borrower", student, false, false, false, true},
		{"a classmate", classmate, false, false, false, false},
		{"the borrower's parent", parent, false, true, false, true},
		{"another parent", parent, false, false, false, false},
		{"admin of another school", stranger, true, true, false, false},
	} {
		if got := schulhof.CanManageDevices(c.u, 1, c.manager); got != c.manages {
			t.Errorf("%s: manages %v", c.name, got)
		}
		if got := schulhof.CanSeeLoan(c.u, 1, loan, c.manager, c.parentOf); got != c.seesTheLoan {
			t.Errorf("%s: sees the loan %v", c.name, got)
		}
	}
}

func TestClassYear(t *testing.T) {
	for name, want := range map[string]int{"8b": 8, "10a": 10, " 5 ": 5, "EF": 11, "ef": 11, "Q1": 12, "Q2-Bio": 13, "J1": 12, "AG Robotik": 0, "": 0} {
		if got := schulhof.ClassYear(name); got != want {
			t.Errorf("ClassYear(%q) = %d, want %d", name, got, want)
		}
	}
}
