package schulhof

import "time"

// Access is decided here and nowhere else: one function per resource. The
// web layer calls these before every read and change; the authorization
// test matrix in internal/web proves them across roles and schools.
//
// Every function first checks the school: a user of school A is never
// allowed anything of school B, whatever id they put in a URL. The
// operator, who has no school, is allowed everything.

func sameSchool(a *User, school SchoolID) bool {
	return a != nil && a.Active && (a.Role == RoleOperator || (school != 0 && a.SchoolID == school))
}

// CanManageSchools: create schools and see all of them.
func CanManageSchools(a *User) bool { return a != nil && a.Active && a.Role == RoleOperator }

// CanViewSchool: read the school's name and settings.
func CanViewSchool(a *User, school SchoolID) bool { return sameSchool(a, school) }

// CanManageSchool: change the school's settings, e.g. require two-factor.
func CanManageSchool(a *User, school SchoolID) bool {
	return sameSchool(a, school) && a.Role >= RoleSchoolAdmin
}

// CanManageUsers: create, import, change, deactivate users and reset their
// passwords; print login letters; manage groups and memberships; read the
// school's audit log.
func CanManageUsers(a *User, school SchoolID) bool {
	return sameSchool(a, school) && a.Role >= RoleSchoolAdmin
}

// CanListUsers: search the school's users. Teachers need it to find
// students; students and parents do not get the school's directory.
func CanListUsers(a *User, school SchoolID) bool {
	return sameSchool(a, school) && a.Role >= RoleTeacher
}

// CanViewUser: see that a user exists, with name, role and class. A student
// or parent sees those who share a group with them (or their children), and
// a parent their own children.
func CanViewUser(a *User, target *User, sharesGroup, isParentOf bool) bool {
	if !sameSchool(a, target.SchoolID) && a.ID != target.ID {
		return false
	}
	return a.ID == target.ID || a.Role >= RoleTeacher || sharesGroup || isParentOf
}

// CanViewPrivate: see a user's private data (external id, birth date,
// e-mail): the user, their parents and the school's admins.
func CanViewPrivate(a *User, target *User, isParentOf bool) bool {
	if a == nil {
		return false
	}
	if a.ID == target.ID {
		return true
	}
	return sameSchool(a, target.SchoolID) && (a.Role >= RoleSchoolAdmin || isParentOf)
}

// Redact returns target as a may see it: private fields blanked unless
// CanViewPrivate allows them.
func Redact(a *User, target *User, isParentOf bool) *User {
	if CanViewPrivate(a, target, isParentOf) {
		return target
	}
	c := *target
	c.ExternalID, c.BirthDate, c.Email = "", "", ""
	c.MustChangePassword, c.TOTPEnabled, c.Language = false, false, ""
	return &c
}

// CanViewGroup: see a group and its member list. Staff see all groups of
// the school; students and parents only the groups they (or their children)
// are in.
func CanViewGroup(a *User, g *Group, isMember bool) bool {
	if !sameSchool(a, g.SchoolID) {
		return false
	}
	return a.Role >= RoleTeacher || isMember
}

// CanManageGroup: create, rename, delete a group and change its members.
func CanManageGroup(a *User, school SchoolID) bool { return CanManageUsers(a, school) }

// CanViewAudit: read the audit log; the operator reads all of it.
func CanViewAudit(a *User, school SchoolID) bool {
	if school == 0 {
		return CanManageSchools(a)
	}
	return CanManageUsers(a, school)
}

// SpaceAccess is what the actor is in a space, looked up by the caller:
// for a group space, the actor's (or their child's) role in the group.
type SpaceAccess struct {
	Owner      bool       // the user whose home it is
	MemberRole MemberRole // "" when not a member of the group
}

// CanReadSpace: a user's home only for the user; a group's folder for its
// members and leaders and for the school's admins. Parents do not browse
// their children's class folders (assignments show them what concerns
// them).
func CanReadSpace(a *User, school SchoolID, space Space, acc SpaceAccess) bool {
	if !sameSchool(a, school) {
		return false
	}
	switch space.Kind {
	case SpaceUser:
		return acc.Owner
	case SpaceGroup:
		return (acc.MemberRole != "" && a.Role != RoleParent) || CanManageGroup(a, school)
	}
	return false
}

// CanWriteSpace: the owner in a home; in a group's folder its leaders and
// the school's admins, and members where the folder allows students to
// upload (studentsUpload: the folder or one above it has it on).
func CanWriteSpace(a *User, school SchoolID, space Space, acc SpaceAccess, studentsUpload bool) bool {
	if !CanReadSpace(a, school, space, acc) {
		return false
	}
	switch space.Kind {
	case SpaceUser:
		return acc.Owner
	case SpaceGroup:
		return acc.MemberRole == MemberRoleLeader || CanManageGroup(a, school) || (acc.MemberRole == MemberRoleMember && studentsUpload)
	}
	return false
}

// CanBreakLock: remove another user's WebDAV lock in a space: those who
// may write there whatever the folder allows students (the owner of a
// home; a group's leaders and the school's admins), so that nobody's
// forgotten lock keeps a teacher out of the class folder.
func CanBreakLock(a *User, school SchoolID, space Space, acc SpaceAccess) bool {
	return CanWriteSpace(a, school, space, acc, false)
}

// CanEmptyTrash: remove for good what is in a space's trash, others'
// deletions too: those who may break locks there (a home's owner; a
// group's leaders and the school's admins), not the students of a folder
// they may upload to.
func CanEmptyTrash(a *User, school SchoolID, space Space, acc SpaceAccess) bool {
	return CanBreakLock(a, school, space, acc)
}

// AssignmentRelation is what the actor is to an assignment's groups,
// looked up by the caller.
type AssignmentRelation struct {
	Leads    bool // a leader of one of the groups
	Student  bool // a student in one of the groups
	ParentOf bool // a parent of such a student
}

// CanSetAssignment: set an assignment for groups: teachers who lead all of
// them, and the school's admins.
func CanSetAssignment(a *User, school SchoolID, leadsAll bool) bool {
	if !sameSchool(a, school) {
		return false
	}
	return CanManageUsers(a, school) || (a.Role == RoleTeacher && leadsAll)
}

// CanManageAssignment: change and delete an assignment, see every hand-in,
// give feedback: the teacher who set it, the leaders of its groups and
// the school's admins.
func CanManageAssignment(a *User, as *Assignment, rel AssignmentRelation) bool {
	if !sameSchool(a, as.SchoolID) {
		return false
	}
	return a.ID == as.CreatedBy || (rel.Leads && a.Role >= RoleTeacher) || CanManageUsers(a, as.SchoolID)
}

// CanViewAssignment: those who manage it, and from its start the
// students of its groups and their parents.
func CanViewAssignment(a *User, as *Assignment, rel AssignmentRelation, now time.Time) bool {
	if CanManageAssignment(a, as, rel) {
		return true
	}
	return sameSchool(a, as.SchoolID) && (rel.Student || rel.ParentOf) && as.Started(now)
}

// ExamRelation is what the exam plan knows of the actor and an exam (or
// the groups of one being planned), looked up by the caller.
type ExamRelation struct {
	// Coordinator: named in the school's exam settings.
	Coordinator bool
	// LeadsAll: leads every group of the exam.
	LeadsAll bool
	// Takes: writes it, or their child does.
	Takes bool
	// Announced: no later than the school announces exams to students.
	Announced bool
}

// CanCoordinateExams: plan for every group and override a soft rule with
// a reason: the school's admins and its exam coordinators (staff).
func CanCoordinateExams(a *User, school SchoolID, rel ExamRelation) bool {
	return CanManageUsers(a, school) || (sameSchool(a, school) && a.Role == RoleTeacher && rel.Coordinator)
}

// CanPlanExam: plan or change an exam for its groups: coordinators, and
// teachers who lead all of them.
func CanPlanExam(a *User, school SchoolID, rel ExamRelation) bool {
	return CanCoordinateExams(a, school, rel) || (sameSchool(a, school) && a.Role == RoleTeacher && rel.LeadsAll)
}

// CanViewExamPlan: see the whole plan, with every exam's students and
// the reasons of overrides: the school's staff.
func CanViewExamPlan(a *User, school SchoolID) bool {
	return sameSchool(a, school) && a.Role >= RoleTeacher
}

// CanViewExam: staff see every exam; a student their own and a parent
// their children's, once the school announces it.
func CanViewExam(a *User, school SchoolID, rel ExamRelation) bool {
	return CanViewExamPlan(a, school) || (sameSchool(a, school) && rel.Takes && rel.Announced)
}

// BoardRights says what the user may do with a board. Its owner and the
// school's admins lead it, and so do the teachers of its group; the
// group's other members see it unless it is private, and draw when the
// teacher lets them (all of them, or one by one). A board in the trash
// is nobody's; the operator has no boards.
func BoardRights(a *User, b *BoardAudience) (sees, leads, draws bool) {
	if a == nil || !a.Active || a.SchoolID == 0 || a.SchoolID != b.School || b.Deleted {
		return false, false, false
	}
	role, member := b.Members[a.ID]
	leads = b.Owner == a.ID || a.Role == RoleSchoolAdmin || role == MemberRoleLeader
	if leads {
		return true, true, true
	}
	if !member || b.Access == BoardPrivate {
		return false, false, false
	}
	draws = b.Access == BoardDraw
	if allowed, ok := b.Drawers[a.ID]; ok {
		draws = allowed
	}
	return true, false, draws
}

// RoomRelation is what the actor is in a chat room, looked up by the
// caller: a member of its group or conversation, and whether they lead
// it (the group's teachers, who started the conversation).
type RoomRelation struct {
	Member, Leader bool
}

// CanReadRoom: a room's members; the school's channel everyone at the
// school. Chat is among the school's people: the operator reads none.
func CanReadRoom(a *User, school SchoolID, kind string, rel RoomRelation) bool {
	if a == nil || !a.Active || a.SchoolID == 0 || a.SchoolID != school {
		return false
	}
	return kind == RoomSchool || rel.Member || rel.Leader
}

// CanModerateRoom: lock a room, delete others' messages: the leaders of a
// group's room or a conversation, the school's admins in its channel.
func CanModerateRoom(a *User, school SchoolID, kind string, rel RoomRelation) bool {
	if !CanReadRoom(a, school, kind, rel) {
		return false
	}
	if kind == RoomSchool {
		return a.Role == RoleSchoolAdmin
	}
	return rel.Leader
}

// CanWriteRoom: moderators always; the other readers unless the room is
// locked or is the school's channel.
func CanWriteRoom(a *User, school SchoolID, kind string, locked bool, rel RoomRelation) bool {
	if CanModerateRoom(a, school, kind, rel) {
		return true
	}
	return CanReadRoom(a, school, kind, rel) && !locked && kind != RoomSchool
}
