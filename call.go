package schulhof

import (
	"strings"
	"time"
	"unicode/utf8"
)

// CallID identifies a video call ("Videostunde").
type CallID int64

// Call is a video call: a group's room (one open at a time per group) or
// an ad-hoc one a teacher opened (parent-teacher talks, staff meetings).
// Who is in it lives on the node that hosts it; the store keeps what
// outlives a connection: the room's settings and whether it ended.
type Call struct {
	ID       CallID   `json:"id"`
	SchoolID SchoolID `json:"-"`
	// GroupID is the group whose room it is; 0 for an ad-hoc call.
	GroupID   GroupID   `json:"group,omitempty"`
	GroupName string    `json:"group_name,omitempty"`
	Title     string    `json:"title"`
	CreatedBy UserID    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// EndedAt is set when a moderator ended it for all; nobody enters
	// an ended call.
	EndedAt *time.Time `json:"ended_at,omitempty"`
	// Locked: nobody new enters without being admitted from the lobby.
	Locked bool `json:"locked"`
	// What students (and guests) may switch on; moderators always may.
	Allow CallAllow `json:"allow"`
	// GuestKey is the hash of the guest link's secret, empty while the
	// call has no guest link.
	GuestKey []byte `json:"-"`
}

// CallAllow says what participants who are not moderators may use.
type CallAllow struct {
	Camera     bool `json:"camera"`
	Microphone bool `json:"microphone"`
	Screen     bool `json:"screen"`
}

// DefaultCallAllow: a class's camera and microphone on, screens for the
// teacher.
var DefaultCallAllow = CallAllow{Camera: true, Microphone: true}

// CallUpdate is what a moderator changes of a call; nil leaves a field.
type CallUpdate struct {
	Locked *bool      `json:"locked,omitempty"`
	Allow  *CallAllow `json:"allow,omitempty"`
	End    bool       `json:"-"`
}

// CallGuest is someone in a call by its guest link: no account, the
// name they gave; their cookie names them until Until.
type CallGuest struct {
	ID       int64
	CallID   CallID
	SchoolID SchoolID
	Name     string
	Language string
	Until    time.Time
}

// Normalize trims the title.
func (c *Call) Normalize() { c.Title = strings.TrimSpace(c.Title) }

// Validate checks the title of an ad-hoc call.
func (c *Call) Validate() error {
	var v Validation
	if c.GroupID == 0 && c.Title == "" {
		v.Add("title", "call.title.required")
	} else if utf8.RuneCountInString(c.Title) > 200 {
		v.Add("title", "field.too_long", 200)
	}
	return v.Err()
}

// Ended says whether a moderator ended the call.
func (c *Call) Ended() bool { return c.EndedAt != nil }

// CallRights is what a user may do in a call, given their role in its
// group ("" when not in it, or an ad-hoc call): enter at once, ask to be
// let in from the lobby, and moderate.
//
// A group's room is its members' and the school's admins'; its leaders
// (teachers) moderate. An ad-hoc call is the school staff's: its maker
// and the admins moderate, teachers enter; students and parents of the
// school (a parent-teacher talk) wait in the lobby, as guests do.
func CallRights(u *User, c *Call, member MemberRole) (enters, asks, moderates bool) {
	if u.SchoolID != c.SchoolID || c.Ended() {
		return false, false, false
	}
	admin := u.Role == RoleSchoolAdmin
	if c.GroupID != 0 {
		moderates = admin || member == MemberRoleLeader
		enters = moderates || member != ""
		return enters && (!c.Locked || moderates), enters && c.Locked && !moderates, moderates
	}
	moderates = admin || c.CreatedBy == u.ID
	enters = moderates || (u.Role == RoleTeacher && !c.Locked)
	return enters, !enters, moderates
}
