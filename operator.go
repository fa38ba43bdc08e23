package schulhof

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Operator is the organisation that runs the installation: a city's IT
// department, a county, a school's own support association. Users see its
// name on the login page and on every page, because under the DSGVO they
// must know who processes their data.
type Operator struct {
	Name string `json:"name"`
	// Contact is where users turn with questions about their data.
	Contact string `json:"contact"`
}

// Normalize trims the fields.
func (o *Operator) Normalize() {
	o.Name, o.Contact = strings.TrimSpace(o.Name), strings.TrimSpace(o.Contact)
}

// Validate checks the lengths.
func (o *Operator) Validate() error {
	var v Validation
	if utf8.RuneCountInString(o.Name) > 200 {
		v.Add("name", "field.too_long", 200)
	}
	if utf8.RuneCountInString(o.Contact) > 200 {
		v.Add("contact", "field.too_long", 200)
	}
	return v.Err()
}

// OperatorService reads and changes the operator's details.
type OperatorService interface {
	FindOperator(ctx context.Context) (*Operator, error)
	UpdateOperator(ctx context.Context, o *Operator) error
}

// SchoolStats is one school as the operator's console shows it.
type SchoolStats struct {
	SchoolID SchoolID `json:"school_id"`
	Slug     string   `json:"slug"`
	Name     string   `json:"name"`
	// Users are the active accounts; Online those seen in the last five
	// minutes.
	Users  int `json:"users"`
	Online int `json:"online"`
	// StorageBytes is what its files take: files and their versions,
	// assignments, chat attachments, board pictures, damage photos.
	StorageBytes int64      `json:"storage_bytes"`
	LastImport   *time.Time `json:"last_import,omitempty"`
	// Errors are the requests for the school that failed on the
	// server (5xx) in the last 24 hours, on the node that answers.
	Errors int `json:"errors"`
}

// Announcement is a message of the operator to every school's admins
// (a maintenance window, an update), shown on their start page until
// it ends.
type Announcement struct {
	ID        int64     `json:"id"`
	Text      string    `json:"text"`
	Until     time.Time `json:"until"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks an announcement's text and end.
func (a *Announcement) Validate(now time.Time) error {
	var v Validation
	a.Text = strings.TrimSpace(a.Text)
	if a.Text == "" {
		v.Add("text", "announcement.text.required")
	} else if utf8.RuneCountInString(a.Text) > 1000 {
		v.Add("text", "field.too_long", 1000)
	}
	if !a.Until.After(now) {
		v.Add("until", "announcement.until.past")
	}
	return v.Err()
}
