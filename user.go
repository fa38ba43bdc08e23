package schulhof

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// UserID identifies a user across the installation.
type UserID int64

// Role is what a user is at their school. The operator has no school.
type Role int

const (
	RoleStudent Role = iota + 1
	RoleParent
	RoleTeacher
	RoleSchoolAdmin
	RoleOperator
)

var roleNames = map[Role]string{
	RoleStudent: "student", RoleParent: "parent", RoleTeacher: "teacher",
	RoleSchoolAdmin: "school_admin", RoleOperator: "operator",
}

// Roles lists the roles a school's user may have, for forms and filters.
var Roles = []Role{RoleStudent, RoleParent, RoleTeacher, RoleSchoolAdmin}

func (r Role) String() string { return roleNames[r] }

// ParseRole accepts the role's API name.
func ParseRole(s string) (Role, bool) {
	for r, n := range roleNames {
		if n == s {
			return r, true
		}
	}
	return 0, false
}

// MarshalText makes roles appear by name in JSON.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText accepts the names that MarshalText writes.
func (r *Role) UnmarshalText(b []byte) error {
	v, ok := ParseRole(string(b))
	if !ok {
		return Errorf(EInvalid, "user.role.invalid")
	}
	*r = v
	return nil
}

// IsStaff reports whether the role works at the school rather than learns
// there: staff may be required to use two-factor authentication.
func (r Role) IsStaff() bool { return r >= RoleTeacher }

// User is a person who logs in. Operators have SchoolID 0.
type User struct {
	ID        UserID   `json:"id"`
	SchoolID  SchoolID `json:"school_id,omitempty"`
	Login     string   `json:"login"`
	FirstName string   `json:"first_name"`
	LastName  string   `json:"last_name"`
	Role      Role     `json:"role"`
	// Private data: only the school's admins see it (see policy.go).
	ExternalID string `json:"external_id,omitempty"` // id in the school administration software
	BirthDate  string `json:"birth_date,omitempty"`  // YYYY-MM-DD
	Email      string `json:"email,omitempty"`
	ShortCode  string `json:"short_code,omitempty"` // teacher's Kürzel, as in Untis

	Active             bool      `json:"active"`
	MustChangePassword bool      `json:"must_change_password"`
	TOTPEnabled        bool      `json:"two_factor"`
	Language           string    `json:"language,omitempty"` // "de", "en" or "" for the browser's
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`

	// Class is the name of the user's class group, filled by list queries.
	Class string `json:"class,omitempty"`
}

// Name is "First Last".
func (u *User) Name() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// Normalize trims what users type loosely.
func (u *User) Normalize() {
	u.Login = strings.ToLower(strings.TrimSpace(u.Login))
	u.FirstName = strings.TrimSpace(u.FirstName)
	u.LastName = strings.TrimSpace(u.LastName)
	u.ExternalID = strings.TrimSpace(u.ExternalID)
	u.Email = strings.TrimSpace(u.Email)
	u.ShortCode = strings.TrimSpace(u.ShortCode)
	u.BirthDate = strings.TrimSpace(u.BirthDate)
}

// Validate checks the fields a person or an import fills in.
func (u *User) Validate() error {
	var v Validation
	if !ValidLogin(u.Login) {
		v.Add("login", "user.login.invalid")
	}
	if u.FirstName == "" {
		v.Add("first_name", "user.first_name.required")
	} else if utf8.RuneCountInString(u.FirstName) > 100 {
		v.Add("first_name", "field.too_long", 100)
	}
	if u.LastName == "" {
		v.Add("last_name", "user.last_name.required")
	} else if utf8.RuneCountInString(u.LastName) > 100 {
		v.Add("last_name", "field.too_long", 100)
	}
	if _, ok := roleNames[u.Role]; !ok {
		v.Add("role", "user.role.invalid")
	} else if (u.Role == RoleOperator) != (u.SchoolID == 0) {
		v.Add("role", "user.role.invalid")
	}
	if u.Email != "" {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
			v.Add("email", "user.email.invalid")
		}
	}
	if u.BirthDate != "" {
		if _, err := time.Parse("2006-01-02", u.BirthDate); err != nil {
			v.Add("birth_date", "user.birth_date.invalid")
		}
	}
	if utf8.RuneCountInString(u.ExternalID) > 64 {
		v.Add("external_id", "field.too_long", 64)
	}
	if utf8.RuneCountInString(u.ShortCode) > 16 {
		v.Add("short_code", "field.too_long", 16)
	}
	if u.Language != "" && u.Language != "de" && u.Language != "en" {
		v.Add("language", "user.language.invalid")
	}
	return v.Err()
}

// UserFilter selects users of one school. Zero fields do not filter.
type UserFilter struct {
	SchoolID SchoolID
	Role     Role
	GroupID  GroupID
	Query    string // part of the name or login, case-insensitive
	Active   *bool
	// WithoutPassword: only those who have none yet (just imported, no
	// login letter printed).
	WithoutPassword bool
	// After is the cursor returned with the previous page.
	After string
	Limit int
}

// UserUpdate holds the changeable fields; nil means unchanged.
type UserUpdate struct {
	FirstName  *string
	LastName   *string
	Role       *Role
	Email      *string
	BirthDate  *string
	ExternalID *string
	ShortCode  *string
	Active     *bool
	Language   *string
	// Class moves the user into the class of that name (made if there is
	// none yet); "" takes them out of every class.
	Class *string
}

// Credentials is a login with its new plain password, handed to the admin
// once for the login letters and never stored.
type Credentials struct {
	UserID   UserID `json:"user_id"`
	Login    string `json:"login"`
	Password string `json:"password"`
}

// UserService manages users and their passwords.
//
// Errors: ENotFound when the user is not in the given school, EConflict for a
// login taken in the school, EInvalid from Validate.
type UserService interface {
	FindUserByID(ctx context.Context, school SchoolID, id UserID) (*User, error)
	FindUserByLogin(ctx context.Context, school SchoolID, login string) (*User, error)
	// FindUsers returns one page and the cursor of the next ("" at the end).
	FindUsers(ctx context.Context, f UserFilter) ([]*User, string, error)
	// CreateUser stores u with the password's hash; a must-change flag is
	// kept as given.
	CreateUser(ctx context.Context, u *User, passwordHash string) error
	UpdateUser(ctx context.Context, school SchoolID, id UserID, upd UserUpdate) (*User, error)
	SetPassword(ctx context.Context, school SchoolID, id UserID, hash string, mustChange bool) error
	PasswordHash(ctx context.Context, id UserID) (string, error)
	// LinkParent makes parent a parent of child; both in school.
	LinkParent(ctx context.Context, school SchoolID, parent, child UserID) error
	UnlinkParent(ctx context.Context, school SchoolID, parent, child UserID) error
	FindChildren(ctx context.Context, school SchoolID, parent UserID) ([]*User, error)
}
