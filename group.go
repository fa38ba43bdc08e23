package schulhof

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// GroupID identifies a group.
type GroupID int64

// GroupKind says what a group is for.
type GroupKind string

const (
	GroupClass  GroupKind = "class"  // a Klasse, e.g. 5a; a student is in one
	GroupCourse GroupKind = "course" // a Kurs, e.g. the Oberstufe's M-LK1
	GroupStaff  GroupKind = "staff"  // the Kollegium or a part of it
	GroupCustom GroupKind = "custom" // anything else: a club, a project
)

// GroupKinds lists the kinds for forms.
var GroupKinds = []GroupKind{GroupClass, GroupCourse, GroupStaff, GroupCustom}

func (k GroupKind) valid() bool {
	for _, x := range GroupKinds {
		if x == k {
			return true
		}
	}
	return false
}

// MemberRole is a member's place in a group: leaders (teachers) manage it.
type MemberRole string

const (
	MemberRoleMember MemberRole = "member"
	MemberRoleLeader MemberRole = "leader"
)

// Group is a class, course, staff group or custom group of one school.
type Group struct {
	ID       GroupID   `json:"id"`
	SchoolID SchoolID  `json:"school_id"`
	Name     string    `json:"name"`
	Kind     GroupKind `json:"kind"`
	// UntisCode is the class's or course's code in the timetable export
	// ("5a", "Q1/M-LK1"), by which imports find it.
	UntisCode string    `json:"untis_code,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// ArchivedAt is when a school-year rollover archived it: its chat
	// and boards are read-only, and it goes after the school's retention.
	ArchivedAt *time.Time `json:"archived_at,omitempty"`
	// Filled by queries that join memberships.
	MemberCount int        `json:"member_count,omitempty"`
	MyRole      MemberRole `json:"my_role,omitempty"`
}

// Normalize trims the name.
func (g *Group) Normalize() { g.Name = strings.TrimSpace(g.Name) }

// Validate checks name and kind.
func (g *Group) Validate() error {
	var v Validation
	if g.Name == "" {
		v.Add("name", "group.name.required")
	} else if utf8.RuneCountInString(g.Name) > 100 {
		v.Add("name", "field.too_long", 100)
	}
	if !g.Kind.valid() {
		v.Add("kind", "group.kind.invalid")
	}
	return v.Err()
}

// Member is a user in a group.
type Member struct {
	User *User      `json:"user"`
	Role MemberRole `json:"role"`
	// FromTimetable: the timetable import put the teacher there (she
	// teaches the group); the next import may take her out again.
	FromTimetable bool `json:"from_timetable,omitempty"`
}

// GroupFilter selects groups of one school.
type GroupFilter struct {
	SchoolID SchoolID
	Kind     GroupKind
	UserID   UserID // only groups this user is in
	// MemberCounts fills Group.MemberCount, which costs a count per group.
	MemberCounts bool
}

// GroupService manages groups and their members.
//
// Errors: ENotFound when the group or user is not in the school, EConflict
// for a name taken by a group of the same kind, EInvalid from Validate.
type GroupService interface {
	FindGroupByID(ctx context.Context, school SchoolID, id GroupID) (*Group, error)
	FindGroups(ctx context.Context, f GroupFilter) ([]*Group, error)
	CreateGroup(ctx context.Context, g *Group) error
	RenameGroup(ctx context.Context, school SchoolID, id GroupID, name string) (*Group, error)
	DeleteGroup(ctx context.Context, school SchoolID, id GroupID) error
	FindMembers(ctx context.Context, school SchoolID, id GroupID) ([]*Member, error)
	// SetMember adds the user or changes their role in the group.
	SetMember(ctx context.Context, school SchoolID, group GroupID, user UserID, role MemberRole) error
	// SetMembers sets several in one transaction: all or none.
	SetMembers(ctx context.Context, school SchoolID, group GroupID, users []UserID, role MemberRole) error
	RemoveMember(ctx context.Context, school SchoolID, group GroupID, user UserID) error
}
