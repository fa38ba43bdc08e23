package schulhof

import (
	"context"
	"strings"
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
