package schulhof

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Devices: the school's iPads, notebooks, PCs and displays, who has them
// (loans), and where they are.

// DeviceID identifies a device.
type DeviceID int64

// LoanID identifies a loan.
type LoanID int64

// DeviceStatus says where a device is.
type DeviceStatus string

// A device is in stock, lent to someone (a loan runs), in use at school
// (a class set, a room's PC), in repair, lost or retired.
const (
	DeviceInStock  DeviceStatus = "in_stock"
	DeviceLent     DeviceStatus = "lent"
	DeviceInUse    DeviceStatus = "in_use"
	DeviceInRepair DeviceStatus = "in_repair"
	DeviceLost     DeviceStatus = "lost"
	DeviceRetired  DeviceStatus = "retired"
)

// DeviceStatuses are the statuses in the order the pages list them.
var DeviceStatuses = []DeviceStatus{DeviceInStock, DeviceLent, DeviceInUse, DeviceInRepair, DeviceLost, DeviceRetired}

// DeviceTypes are the kinds of device a school keeps.
var DeviceTypes = []string{"ipad", "tablet", "notebook", "pc", "display", "projector", "other"}

// Device is one device of a school.
type Device struct {
	ID       DeviceID `json:"id"`
	SchoolID SchoolID `json:"-"`
	Type     string   `json:"type"`
	Model    string   `json:"model"`
	Serial   string   `json:"serial"`
	// AssetTag is the school's inventory number, printed on its label
	// (unique in the school; made from the id when none is given).
	AssetTag    string       `json:"asset_tag"`
	PurchasedOn Day          `json:"purchased_on,omitempty"`
	WarrantyEnd Day          `json:"warranty_end,omitempty"`
	Status      DeviceStatus `json:"status"`
	// Location is the room it is kept in.
	Location string `json:"location"`
	Notes    string `json:"notes"`
	// MDMID is the device's id in the mobile device management.
	MDMID string `json:"mdm_id"`
	// SetID is the class set it belongs to, if any.
	SetID     SetID     `json:"set,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Loan is the loan that runs, if it is lent.
	Loan *Loan `json:"loan,omitempty"`
}

// Normalize trims the fields and lowers the type.
func (d *Device) Normalize() {
	for _, f := range []*string{&d.Type, &d.Model, &d.Serial, &d.AssetTag, &d.Location, &d.Notes, &d.MDMID} {
		*f = strings.TrimSpace(*f)
	}
	d.Type = strings.ToLower(d.Type)
	if d.Status == "" {
		d.Status = DeviceInStock
	}
}

// Validate checks a device's fields; a lent device's status comes from
// its loan, not from an edit (the store checks that).
func (d *Device) Validate() error {
	var v Validation
	if !validDeviceType(d.Type) {
		v.Add("type", "device.type.unknown")
	}
	if d.Model == "" {
		v.Add("model", "device.model.required")
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"model", d.Model, 200}, {"serial", d.Serial, 100}, {"asset_tag", d.AssetTag, 40}, {"location", d.Location, 100},
		{"notes", d.Notes, 2000}, {"mdm_id", d.MDMID, 200}} {
		if utf8.RuneCountInString(f.value) > f.max {
			v.Add(f.name, "field.too_long", f.max)
		}
	}
	if strings.ContainsAny(d.AssetTag, " /?#%") {
		v.Add("asset_tag", "device.asset_tag.chars")
	}
	if !ValidDeviceStatus(d.Status) {
		v.Add("status", "device.status.unknown")
	}
	for _, f := range []struct {
		name string
		day  Day
	}{{"purchased_on", d.PurchasedOn}, {"warranty_end", d.WarrantyEnd}} {
		if f.day != "" && !f.day.Valid() {
			v.Add(f.name, "device.date")
		}
	}
	return v.Err()
}

func validDeviceType(t string) bool { return slices.Contains(DeviceTypes, t) }

// ValidDeviceStatus says whether s is one of DeviceStatuses.
func ValidDeviceStatus(s DeviceStatus) bool { return slices.Contains(DeviceStatuses, s) }

// Valid says whether the day is a real date.
func (d Day) Valid() bool {
	_, err := time.Parse("2006-01-02", string(d))
	return err == nil
}

// DeviceFilter selects a school's devices; Cursor pages (the id after
// which to go on).
type DeviceFilter struct {
	SchoolID SchoolID
	Status   DeviceStatus
	Type     string
	// Query matches model, serial, asset tag, location and who has it.
	Query  string
	Cursor DeviceID
	Limit  int
}

// Loan is a device lent to a student or teacher from Start until they
// bring it back (planned: Until).
type Loan struct {
	ID       LoanID   `json:"id"`
	SchoolID SchoolID `json:"-"`
	DeviceID DeviceID `json:"device"`
	UserID   UserID   `json:"user"`
	UserName string   `json:"user_name"`
	Start    Day      `json:"start"`
	Until    Day      `json:"until"`
	LentBy   UserID   `json:"lent_by"`
	// ReturnedAt is set when it came back, with its condition then.
	ReturnedAt    *time.Time      `json:"returned_at,omitempty"`
	Condition     DeviceCondition `json:"condition,omitempty"`
	ConditionNote string          `json:"condition_note,omitempty"`
	// Device is the device lent, in a person's loan history.
	Device *Device `json:"device_record,omitempty"`
}

// DeviceCondition is what a device was like when it came back.
type DeviceCondition string

// A device comes back fine, with marks of use, or damaged.
const (
	ConditionGood    DeviceCondition = "good"
	ConditionWorn    DeviceCondition = "worn"
	ConditionDamaged DeviceCondition = "damaged"
)

// Validate checks a loan before it starts.
func (l *Loan) Validate() error {
	var v Validation
	if l.UserID == 0 {
		v.Add("user", "loan.user.required")
	}
	if !l.Start.Valid() {
		v.Add("start", "device.date")
	}
	if !l.Until.Valid() {
		v.Add("until", "device.date")
	} else if l.Start.Valid() && l.Until < l.Start {
		v.Add("until", "loan.until.before_start")
	}
	return v.Err()
}

// ValidCondition says whether c is a condition a device comes back in.
func ValidCondition(c DeviceCondition) bool {
	return c == ConditionGood || c == ConditionWorn || c == ConditionDamaged
}

// CanManageDevices: keep the inventory, lend and take back: the school's
// admins and the teachers it named device managers.
func CanManageDevices(a *User, school SchoolID, manager bool) bool {
	return CanManageUsers(a, school) || (sameSchool(a, school) && a.Role == RoleTeacher && manager)
}

// CanSeeLoan: who manages the devices, the borrower, and the borrower's
// parents (linked in the school).
func CanSeeLoan(a *User, school SchoolID, l *Loan, manager, parentOfBorrower bool) bool {
	if CanManageDevices(a, school, manager) {
		return true
	}
	return sameSchool(a, school) && a.Active && (a.ID == l.UserID || parentOfBorrower)
}

// DeviceImportRow is one line of a device list (the city's asset list,
// the MDM's export): the fields its file has; Set names them (what the
// file leaves out stays as it is on a device that exists).
type DeviceImportRow struct {
	Line   int
	Device Device
	Set    map[string]bool
}

// DeviceImportChange is what the import does with one line.
type DeviceImportChange struct {
	Line     int    `json:"line"`
	Action   string `json:"action"` // "create", "update", "unchanged"
	AssetTag string `json:"asset_tag"`
	Serial   string `json:"serial"`
	Model    string `json:"model"`
}

// DeviceImportReport is what an import did, or would do (a dry run). An
// import with errors changes nothing.
type DeviceImportReport struct {
	Created   int                  `json:"created"`
	Updated   int                  `json:"updated"`
	Unchanged int                  `json:"unchanged"`
	Changes   []DeviceImportChange `json:"changes"`
	Errors    []ImportLineError    `json:"errors"`
}

// DeviceBulkChange is what a bulk action sets on each chosen device; nil
// leaves a field.
type DeviceBulkChange struct {
	Status   *DeviceStatus `json:"status"`
	Location *string       `json:"location"`
	// Set puts them into a class set (0: out of theirs).
	Set *SetID `json:"set"`
}

// DeviceReturn is one device coming back: its loan and condition.
type DeviceReturn struct {
	Loan      LoanID          `json:"loan"`
	Condition DeviceCondition `json:"condition"`
	Note      string          `json:"note"`
}

// ClassYear is the school year of a class by its name: "8b" is 8, "10a"
// 10; the upper school's names ("EF", "E1", "Q1", "Q2", "J1", "K2", "11",
// "12") count as 11 to 13. 0: a name that says no year.
func ClassYear(name string) int {
	name = strings.ToUpper(strings.TrimSpace(name))
	n := 0
	for _, r := range name {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	if n > 0 {
		return n
	}
	switch {
	case strings.HasPrefix(name, "EF"), strings.HasPrefix(name, "E1"), strings.HasPrefix(name, "E2"), strings.HasPrefix(name, "EP"):
		return 11
	case strings.HasPrefix(name, "Q1"), strings.HasPrefix(name, "J1"), strings.HasPrefix(name, "K1"):
		return 12
	case strings.HasPrefix(name, "Q2"), strings.HasPrefix(name, "J2"), strings.HasPrefix(name, "K2"):
		return 13
	}
	return 0
}

// DeviceYear is the first school year in which every student has a
// device of their own (one city: from year 8).
const DeviceYear = 8

// DeviceOverview is a school's devices at a glance: how many of each
// status, loans due and overdue, devices still with students who left,
// and students from DeviceYear up without a device. For one school it
// has the lists; city-wide the counts.
type DeviceOverview struct {
	SchoolID   SchoolID             `json:"school"`
	SchoolSlug string               `json:"school_slug"`
	SchoolName string               `json:"school_name"`
	Total      int                  `json:"total"`
	ByStatus   map[DeviceStatus]int `json:"by_status"`
	// Lent are the loans that run; Overdue those past their return,
	// DueSoon those due within two weeks.
	Lent    int `json:"lent"`
	Overdue int `json:"overdue"`
	DueSoon int `json:"due_soon"`
	// LeaverDevices are devices lent to people no longer at the school
	// (deactivated, as the user import does with leavers).
	LeaverDevices int `json:"leaver_devices"`
	// WithoutDevice are the students from DeviceYear up with no device.
	WithoutDevice int `json:"without_device"`

	ByModel     []DeviceModelCount `json:"by_model,omitempty"`
	Due         []*Loan            `json:"due,omitempty"`
	Leavers     []*Loan            `json:"leavers,omitempty"`
	WithoutList []StudentRef       `json:"without_list,omitempty"`
}

// DeviceModelCount counts a school's devices of one model.
type DeviceModelCount struct {
	Type  string `json:"type"`
	Model string `json:"model"`
	Count int    `json:"count"`
}

// StudentRef names a student with their class.
type StudentRef struct {
	User  UserID `json:"user"`
	Name  string `json:"name"`
	Class string `json:"class"`
}

// DamageID identifies a damage report.
type DamageID int64

// RepairStatus is where a damage report stands.
type RepairStatus string

// A report is open, the device in repair, repaired, or written off (the
// device retired).
const (
	RepairOpen       RepairStatus = "open"
	RepairInProgress RepairStatus = "in_repair"
	RepairDone       RepairStatus = "repaired"
	RepairWrittenOff RepairStatus = "written_off"
)

// RepairStatuses in their order.
var RepairStatuses = []RepairStatus{RepairOpen, RepairInProgress, RepairDone, RepairWrittenOff}

// DamageReport is damage to a device: what happened, with photos, and
// its repair.
type DamageReport struct {
	ID           DamageID      `json:"id"`
	SchoolID     SchoolID      `json:"-"`
	DeviceID     DeviceID      `json:"device"`
	ReportedBy   UserID        `json:"reported_by"`
	ReporterName string        `json:"reporter_name"`
	ReportedAt   time.Time     `json:"reported_at"`
	Description  string        `json:"description"`
	Status       RepairStatus  `json:"status"`
	CostCents    int64         `json:"cost_cents"`
	Insurance    string        `json:"insurance"`
	UpdatedAt    time.Time     `json:"updated_at"`
	Photos       []DamagePhoto `json:"photos"`
	// Device is the device, in the list of open repairs.
	Device *Device `json:"device_record,omitempty"`
}

// DamagePhoto is a photo of a damage.
type DamagePhoto struct {
	ID          int64  `json:"id"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	BlobKey     string `json:"-"`
}

// DamageUpdate is what changes of a report; nil leaves a field.
type DamageUpdate struct {
	Status    *RepairStatus `json:"status"`
	CostCents *int64        `json:"cost_cents"`
	Insurance *string       `json:"insurance"`
}

// Validate checks a new report.
func (r *DamageReport) Validate() error {
	var v Validation
	r.Description = strings.TrimSpace(r.Description)
	if r.Description == "" {
		v.Add("description", "damage.description.required")
	} else if utf8.RuneCountInString(r.Description) > 4000 {
		v.Add("description", "field.too_long", 4000)
	}
	return v.Err()
}

// ValidRepairStatus says whether s is one of RepairStatuses.
func ValidRepairStatus(s RepairStatus) bool { return slices.Contains(RepairStatuses, s) }

// MaxDamagePhotos is how many photos a damage report keeps.
const MaxDamagePhotos = 6

// AuditID identifies a stock-take.
type AuditID int64

// DeviceAudit is a stock-take of a room (or the whole school, Room ""):
// the devices kept there that were expected, those scanned, and those
// expected but not seen (Missing); Elsewhere are scanned devices kept in
// another room.
type DeviceAudit struct {
	ID         AuditID   `json:"id"`
	SchoolID   SchoolID  `json:"-"`
	Room       string    `json:"room"`
	DoneBy     UserID    `json:"done_by"`
	DoneByName string    `json:"done_by_name"`
	DoneAt     time.Time `json:"done_at"`
	NextDue    Day       `json:"next_due,omitempty"`
	Expected   int       `json:"expected"`
	Seen       int       `json:"seen"`
	MissingN   int       `json:"missing"`
	Missing    []*Device `json:"missing_devices,omitempty"`
	Elsewhere  []*Device `json:"elsewhere,omitempty"`
}

// SetID identifies a class set.
type SetID int64

// DeviceSet is a class set ("Klassensatz"): a cart of devices kept for a
// class or in a room and used at school.
type DeviceSet struct {
	ID        SetID    `json:"id"`
	SchoolID  SchoolID `json:"-"`
	Name      string   `json:"name"`
	GroupID   GroupID  `json:"group,omitempty"`
	GroupName string   `json:"group_name,omitempty"`
	Room      string   `json:"room"`
	Devices   int      `json:"devices"`
}

// Validate checks a class set's name and room.
func (s *DeviceSet) Validate() error {
	var v Validation
	s.Name, s.Room = strings.TrimSpace(s.Name), strings.TrimSpace(s.Room)
	if s.Name == "" {
		v.Add("name", "set.name.required")
	} else if utf8.RuneCountInString(s.Name) > 100 {
		v.Add("name", "field.too_long", 100)
	}
	if utf8.RuneCountInString(s.Room) > 100 {
		v.Add("room", "field.too_long", 100)
	}
	return v.Err()
}

// ReservationID identifies a reservation.
type ReservationID int64

// Reservation books a class set or one device for periods of a day.
type Reservation struct {
	ID        ReservationID `json:"id"`
	SchoolID  SchoolID      `json:"-"`
	SetID     SetID         `json:"set,omitempty"`
	SetName   string        `json:"set_name,omitempty"`
	DeviceID  DeviceID      `json:"device,omitempty"`
	DeviceTag string        `json:"device_tag,omitempty"`
	UserID    UserID        `json:"user"`
	UserName  string        `json:"user_name"`
	Day       Day           `json:"day"`
	From      int           `json:"from_period"`
	To        int           `json:"to_period"`
	Note      string        `json:"note"`
}

// MaxPeriod is the last period of a school day a reservation may name.
const MaxPeriod = 16

// Validate checks what is booked and when.
func (r *Reservation) Validate() error {
	var v Validation
	if (r.SetID == 0) == (r.DeviceID == 0) {
		v.Add("what", "reservation.what_missing")
	}
	if !r.Day.Valid() {
		v.Add("day", "device.date")
	}
	if r.From < 1 || r.To > MaxPeriod || r.From > r.To {
		v.Add("from_period", "reservation.periods", MaxPeriod)
	}
	r.Note = strings.TrimSpace(r.Note)
	if utf8.RuneCountInString(r.Note) > 200 {
		v.Add("note", "field.too_long", 200)
	}
	return v.Err()
}

// Overlaps says whether two reservations of the same day share a period.
func (r *Reservation) Overlaps(o *Reservation) bool {
	return r.Day == o.Day && r.From <= o.To && o.From <= r.To
}

// DeviceRetention is how many years a school keeps a loan after its
// return and a damage report after its repair ended.
type DeviceRetention struct {
	LoanYears   int `json:"loan_years"`
	DamageYears int `json:"damage_years"`
}

// DefaultDeviceRetention: two years, long enough for the next school
// year's questions and an insurance case, no longer.
var DefaultDeviceRetention = DeviceRetention{LoanYears: 2, DamageYears: 2}

// Validate checks the years: one to ten.
func (r DeviceRetention) Validate() error {
	var v Validation
	if r.LoanYears < 1 || r.LoanYears > 10 {
		v.Add("loan_years", "retention.years", 1, 10)
	}
	if r.DamageYears < 1 || r.DamageYears > 10 {
		v.Add("damage_years", "retention.years", 1, 10)
	}
	return v.Err()
}
