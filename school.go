package schulhof

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// SchoolID identifies a school. Every school-owned row carries one.
type SchoolID int64

// School is one school on the installation. Its slug is what users type
// after the @ in "login@slug" and what appears in URLs.
type School struct {
	ID         SchoolID `json:"id"`
	Slug       string   `json:"slug"`
	Name       string   `json:"name"`
	State      string   `json:"state"`       // German state, two letters (NW, BY, ...)
	Type       string   `json:"school_type"` // gymnasium, grundschule, ...
	Require2FA bool     `json:"require_two_factor_for_staff"`
	// ShowTeacherCodes lets students and parents see which teacher gives
	// a lesson (privacy by default: off).
	ShowTeacherCodes bool `json:"show_teacher_codes"`
	// Quotas are the school's own storage limits in bytes, by QuotaKeys;
	// a missing or zero one means the installation's default.
	Quotas    map[string]int64 `json:"quotas"`
	CreatedAt time.Time        `json:"created_at"`
}

// QuotaKeys name the limits a school may set: a user's own folder by
// role, and a group's folder.
var QuotaKeys = []string{"student", "teacher", "parent", "school_admin", "group"}

// MaxQuota is the most a school may give one folder: 10 TB.
const MaxQuota = 10 << 40

// QuotaKey is the key of a space's limit, for a user's space by their role.
func QuotaKey(kind SpaceKind, role Role) string {
	if kind == SpaceGroup {
		return "group"
	}
	return role.String()
}

func validateQuotas(q map[string]int64, v *Validation) {
	for k, b := range q {
		known := false
		for _, x := range QuotaKeys {
			known = known || x == k
		}
		if !known {
			v.Add("quotas", "school.quota.unknown", k)
		} else if b < 0 || b > MaxQuota {
			v.Add("quotas", "school.quota.invalid")
		}
	}
}

// States are the sixteen German states by their official two-letter codes.
var States = map[string]string{
	"BW": "Baden-Württemberg", "BY": "Bayern", "BE": "Berlin", "BB": "Brandenburg",
	"HB": "Bremen", "HH": "Hamburg", "HE": "Hessen", "MV": "Mecklenburg-Vorpommern",
	"NI": "Niedersachsen", "NW": "Nordrhein-Westfalen", "RP": "Rheinland-Pfalz",
	"SL": "Saarland", "SN": "Sachsen", "ST": "Sachsen-Anhalt", "SH": "Schleswig-Holstein",
	"TH": "Thüringen",
}

// SchoolTypes lists the kinds of school, by key; the UI translates them.
var SchoolTypes = []string{
	"grundschule", "hauptschule", "realschule", "gymnasium", "gesamtschule",
	"sekundarschule", "oberschule", "foerderschule", "berufsschule", "other",
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// Normalize trims and lower-cases what users type loosely.
func (s *School) Normalize() {
	s.Slug = strings.ToLower(strings.TrimSpace(s.Slug))
	s.Name = strings.TrimSpace(s.Name)
	s.State = strings.ToUpper(strings.TrimSpace(s.State))
	s.Type = strings.ToLower(strings.TrimSpace(s.Type))
	if s.Type == "" {
		s.Type = "other"
	}
	if s.Quotas == nil {
		s.Quotas = map[string]int64{}
	}
}

// Validate returns EInvalid with a message per wrong field.
func (s *School) Validate() error {
	var v Validation
	if !slugPattern.MatchString(s.Slug) {
		v.Add("slug", "school.slug.invalid")
	}
	if s.Name == "" {
		v.Add("name", "school.name.required")
	} else if utf8.RuneCountInString(s.Name) > 200 {
		v.Add("name", "field.too_long", 200)
	}
	if _, ok := States[s.State]; !ok {
		v.Add("state", "school.state.invalid")
	}
	found := false
	for _, t := range SchoolTypes {
		found = found || t == s.Type
	}
	if !found {
		v.Add("school_type", "school.type.invalid")
	}
	validateQuotas(s.Quotas, &v)
	return v.Err()
}

// SchoolUpdate holds the changeable fields; nil means unchanged.
type SchoolUpdate struct {
	Name       *string
	State      *string
	Type       *string
	Require2FA *bool
	Quotas     map[string]int64 // nil: unchanged; else replaces all
	// ShowTeacherCodes: see School.
	ShowTeacherCodes *bool
}

// SchoolService manages schools.
//
// Errors: ENotFound for an unknown id or slug, EConflict for a taken slug,
// EInvalid from Validate.
type SchoolService interface {
	FindSchoolByID(ctx context.Context, id SchoolID) (*School, error)
	FindSchoolBySlug(ctx context.Context, slug string) (*School, error)
	FindSchools(ctx context.Context) ([]*School, error)
	CreateSchool(ctx context.Context, s *School) error
	UpdateSchool(ctx context.Context, id SchoolID, upd SchoolUpdate) (*School, error)
}
