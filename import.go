package schulhof

import (
	"context"
	"sort"
	"strings"
)

// ImportRow is one person from the school administration software's export,
// after the CSV reader has mapped its columns.
type ImportRow struct {
	Line       int
	ExternalID string
	LastName   string
	FirstName  string
	Class      string
	Role       Role
	BirthDate  string // YYYY-MM-DD
	Email      string
	ShortCode  string
}

// ImportLineError says why one line of the file cannot be imported.
type ImportLineError struct {
	Line int    `json:"line"`
	Key  string `json:"-"`
	Args []any  `json:"-"`
	// Message is Key translated for the reader, filled by the web layer.
	Message string `json:"message"`
	// Fix, for a name that lost letters on the way ("Y?lmaz"), is the
	// line's name as it came, for the admin to correct before applying.
	Fix *NameFix `json:"fix,omitempty"`
}

// NameFix is a person's name on one line of an import.
type NameFix struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// ImportAction is what an import does to one user.
type ImportAction string

const (
	ImportCreate     ImportAction = "create"
	ImportUpdate     ImportAction = "update"
	ImportMove       ImportAction = "move" // to another class, maybe updated too
	ImportDeactivate ImportAction = "deactivate"
	ImportUnchanged  ImportAction = "unchanged"
)

// ImportChange is one line of the dry-run report.
type ImportChange struct {
	Action    ImportAction `json:"action"`
	Line      int          `json:"line,omitempty"`
	UserID    UserID       `json:"user_id,omitempty"`
	Login     string       `json:"login"`
	FirstName string       `json:"first_name"`
	LastName  string       `json:"last_name"`
	Role      Role         `json:"role"`
	FromClass string       `json:"from_class,omitempty"`
	ToClass   string       `json:"to_class,omitempty"`
	Row       *ImportRow   `json:"-"`
}

// ImportOptions steer an import.
type ImportOptions struct {
	DryRun bool
	// KeepMissing leaves users who are not in the file alone instead of
	// deactivating them as leavers (for a file of only some classes).
	KeepMissing bool
}

// ImportReport is what an import did, or would do in a dry run.
type ImportReport struct {
	DryRun      bool              `json:"dry_run"`
	Created     int               `json:"created"`
	Updated     int               `json:"updated"`
	Moved       int               `json:"moved"`
	Deactivated int               `json:"deactivated"`
	Unchanged   int               `json:"unchanged"`
	Errors      []ImportLineError `json:"errors"`
	Changes     []ImportChange    `json:"changes"`
	// NewClasses are class groups the import creates.
	NewClasses []string `json:"new_classes"`
}

// ImportService applies an import in one transaction.
//
// Errors: EInvalid when the report has line errors (nothing is changed; the
// report is returned with the error).
type ImportService interface {
	ImportUsers(ctx context.Context, school SchoolID, rows []ImportRow, errs []ImportLineError, opts ImportOptions) (*ImportReport, error)
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// PlanImport compares the file's rows with the school's users (all of
// them, active or not, with Class filled) and returns what to do. It is a
// pure function so that dry run and apply cannot disagree.
//
// Users are matched by external id; a user created by hand (no external id)
// with the same role and name, and birth date if both have one, is adopted.
// Users missing from the file are leavers, but only for the roles the file
// contains: a teacher file does not deactivate the students.
func PlanImport(existing []*User, rows []ImportRow, errs []ImportLineError, opts ImportOptions) *ImportReport {
	rep := &ImportReport{DryRun: opts.DryRun, Errors: append([]ImportLineError(nil), errs...)}
	byExt := map[string]*User{}
	taken := map[string]bool{}
	classes := map[string]bool{}
	for _, u := range existing {
		taken[u.Login] = true
		if u.ExternalID != "" {
			byExt[u.ExternalID] = u
		}
		if u.Class != "" {
			classes[fold(u.Class)] = true
		}
	}
	seen := map[string]int{} // external id -> line
	matched := map[UserID]bool{}
	roles := map[Role]bool{}
	newClasses := map[string]string{}

	for i := range rows {
		r := &rows[i]
		if prev, dup := seen[r.ExternalID]; dup {
			rep.Errors = append(rep.Errors, ImportLineError{Line: r.Line, Key: "import.duplicate_id", Args: []any{r.ExternalID, prev}})
			continue
		}
		seen[r.ExternalID] = r.Line
		roles[r.Role] = true
		u := byExt[r.ExternalID]
		if u == nil {
			u = adoptable(existing, r, matched)
		}
		if r.Class != "" && !classes[fold(r.Class)] {
			if _, ok := newClasses[fold(r.Class)]; !ok {
				newClasses[fold(r.Class)] = r.Class
			}
		}
		if u == nil {
			login := UniqueLogin(LoginBase(r.FirstName, r.LastName), func(s string) bool { return taken[s] })
			taken[login] = true
			rep.Changes = append(rep.Changes, ImportChange{Action: ImportCreate, Line: r.Line, Login: login,
				FirstName: r.FirstName, LastName: r.LastName, Role: r.Role, ToClass: r.Class, Row: r})
			continue
		}
		matched[u.ID] = true
		c := ImportChange{Action: ImportUnchanged, Line: r.Line, UserID: u.ID, Login: u.Login,
			FirstName: r.FirstName, LastName: r.LastName, Role: r.Role, Row: r}
		if fold(u.Class) != fold(r.Class) {
			c.Action, c.FromClass, c.ToClass = ImportMove, u.Class, r.Class
		} else if !u.Active || u.ExternalID != r.ExternalID || u.FirstName != r.FirstName || u.LastName != r.LastName ||
			u.Role != r.Role || (r.BirthDate != "" && u.BirthDate != r.BirthDate) ||
			(r.Email != "" && u.Email != r.Email) || (r.ShortCode != "" && u.ShortCode != r.ShortCode) {
			c.Action = ImportUpdate
		}
		rep.Changes = append(rep.Changes, c)
	}
	if !opts.KeepMissing && len(rows) > 0 {
		for _, u := range existing {
			if u.Active && !matched[u.ID] && u.ExternalID != "" && roles[u.Role] {
				rep.Changes = append(rep.Changes, ImportChange{Action: ImportDeactivate, UserID: u.ID, Login: u.Login,
					FirstName: u.FirstName, LastName: u.LastName, Role: u.Role, FromClass: u.Class})
			}
		}
	}
	for _, c := range rep.Changes {
		switch c.Action {
		case ImportCreate:
			rep.Created++
		case ImportUpdate:
			rep.Updated++
		case ImportMove:
			rep.Moved++
		case ImportDeactivate:
			rep.Deactivated++
		case ImportUnchanged:
			rep.Unchanged++
		}
	}
	for _, name := range newClasses {
		rep.NewClasses = append(rep.NewClasses, name)
	}
	sort.Strings(rep.NewClasses)
	sort.SliceStable(rep.Errors, func(i, j int) bool { return rep.Errors[i].Line < rep.Errors[j].Line })
	if rep.Errors == nil {
		rep.Errors = []ImportLineError{}
	}
	return rep
}

// adoptable finds the one hand-made user (no external id yet) that r
// describes, so that a first import does not create a twin.
func adoptable(existing []*User, r *ImportRow, matched map[UserID]bool) *User {
	var found *User
	for _, u := range existing {
		if u.ExternalID != "" || matched[u.ID] || u.Role != r.Role ||
			fold(u.FirstName) != fold(r.FirstName) || fold(u.LastName) != fold(r.LastName) {
			continue
		}
		if u.BirthDate != "" && r.BirthDate != "" && u.BirthDate != r.BirthDate {
			continue
		}
		if found != nil {
			return nil // ambiguous: better a new account than the wrong one
		}
		found = u
	}
	return found
}
