package devices

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/devicepdf"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The pages: the school's devices, a device with its loan, one's own
// loans, and the device managers on the settings page.

type devicesPage struct {
	Devices  []*schulhof.Device
	Sets     []*schulhof.DeviceSet // for the bulk action
	Next     string
	Filter   schulhof.DeviceFilter
	Statuses []schulhof.DeviceStatus
	Types    []string
	Sheets   []devicepdf.Sheet
	Adding   bool // the form to add one is open (it was sent with errors)
}

// devicesView is the devices page of the school, filtered by the query.
func (m *Module) devicesView(r *http.Request, sc *schulhof.School) (*kit.View, error) {
	f := filterOf(r, sc)
	if !schulhof.ValidDeviceStatus(f.Status) {
		f.Status = ""
	}
	ds, next, err := m.db.FindDevices(r.Context(), f)
	if err != nil {
		return nil, err
	}
	sets, err := m.db.FindDeviceSets(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	v := m.SchoolView(r, sc, "device.devices")
	v.Data = &devicesPage{Devices: ds, Sets: sets, Next: next, Filter: f, Statuses: schulhof.DeviceStatuses, Types: schulhof.DeviceTypes, Sheets: devicepdf.Sheets}
	return v, nil
}

// showDevicesPage: GET /s/{school}/devices.
func (m *Module) showDevicesPage(r *http.Request) (*kit.View, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	return m.devicesView(r, sc)
}

type devicePage struct {
	Device *schulhof.Device
	Loans  []*schulhof.Loan
	Damage []*schulhof.DamageReport
	// Booked are the bookings of the device or its class set from today
	// on: then it is in use
	Booked   []*schulhof.Reservation
	Repairs  []schulhof.RepairStatus
	Statuses []schulhof.DeviceStatus
	Types    []string
	// People are whom the device may be lent to, for the borrower field's
	// list: "Name (login)"
	People []string
	Until  string // the planned return the form offers
}

// deviceView is the page of the path's device.
func (m *Module) deviceView(r *http.Request, sc *schulhof.School) (*kit.View, error) {
	d, err := m.deviceOf(r, sc)
	if err != nil {
		return nil, err
	}
	loans, err := m.db.FindLoans(r.Context(), sc.ID, d.ID, 0)
	if err != nil {
		return nil, err
	}
	damage, err := m.db.FindDamage(r.Context(), sc.ID, d.ID)
	if err != nil {
		return nil, err
	}
	rs, err := m.db.FindReservations(r.Context(), sc.ID, schulhof.DayOf(m.Today()), schulhof.DayOf(m.Today().AddDate(0, 0, 14)))
	if err != nil {
		return nil, err
	}
	var booked []*schulhof.Reservation
	for _, res := range rs {
		if res.DeviceID == d.ID || (d.SetID != 0 && res.SetID == d.SetID) {
			booked = append(booked, res)
		}
	}
	p := &devicePage{Device: d, Loans: loans, Damage: damage, Booked: booked, Repairs: schulhof.RepairStatuses, Statuses: schulhof.DeviceStatuses,
		Types: schulhof.DeviceTypes, Until: string(endOfSchoolYear(m.Today()))}
	if d.Loan == nil {
		for _, role := range []schulhof.Role{schulhof.RoleStudent, schulhof.RoleTeacher} {
			active := true
			f := schulhof.UserFilter{SchoolID: sc.ID, Role: role, Active: &active, Limit: 500}
			for {
				users, next, err := m.db.FindUsers(r.Context(), f)
				if err != nil {
					return nil, err
				}
				for _, u := range users {
					name := u.Name()
					if u.Class != "" {
						name += ", " + u.Class
					}
					p.People = append(p.People, name+" ("+u.Login+")")
				}
				if next == "" {
					break
				}
				f.After = next
			}
		}
	}
	v := m.SchoolView(r, sc, "device.title")
	v.Title = d.AssetTag + " – " + v.Title
	v.Data = p
	return v, nil
}

// showDevicePage: GET /s/{school}/devices/{device}.
func (m *Module) showDevicePage(r *http.Request) (*kit.View, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	return m.deviceView(r, sc)
}

// showDeviceAgain shows the device's page with what a form got wrong.
func (m *Module) showDeviceAgain(w http.ResponseWriter, r *http.Request, sc *schulhof.School, err error, keep func(v *kit.View)) {
	v, verr := m.deviceView(r, sc)
	if verr != nil {
		m.Fail(w, r, err)
		return
	}
	keep(v)
	m.Render(w, r, m.FormError(r, v, err), "device", v)
}

type myDevicesPage struct {
	Loans []*schulhof.Loan
	// Person is whose loans a device manager looks at (nil: one's own)
	Person *schulhof.User
}

// showPersonLoans: GET /s/{school}/people/{user}/devices: a person's
// loans, for who keeps the devices.
func (m *Module) showPersonLoans(r *http.Request) (*kit.View, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(r.PathValue("user"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "user.not_found")
	}
	person, err := m.db.FindUserByID(r.Context(), sc.ID, schulhof.UserID(n))
	if err != nil {
		return nil, err
	}
	ls, err := m.db.FindLoans(r.Context(), sc.ID, 0, person.ID)
	if err != nil {
		return nil, err
	}
	v := m.SchoolView(r, sc, "device.person")
	v.Title = person.Name() + " – " + v.Title
	v.Data = &myDevicesPage{Loans: ls, Person: person}
	return v, nil
}

// showMyDevicesPage: GET /s/{school}/my-devices: the devices lent to the
// user and to their children, with each loan's agreement.
func (m *Module) showMyDevicesPage(r *http.Request) (*kit.View, error) {
	sc, err := m.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	ls, err := m.ownLoans(r.Context(), kit.AuthOf(r).User, sc)
	if err != nil {
		return nil, err
	}
	v := m.SchoolView(r, sc, "device.mine")
	v.Data = &myDevicesPage{Loans: ls}
	return v, nil
}

// settingsForm is the settings page's section: the teachers who may keep
// the devices.
type settingsForm struct {
	Teachers  []*schulhof.User
	Managers  []schulhof.UserID
	Retention schulhof.DeviceRetention
}

// IsManager says whether the teacher is a device manager.
func (f settingsForm) IsManager(id schulhof.UserID) bool { return slices.Contains(f.Managers, id) }

func (m *Module) settingsForm(ctx context.Context, sc *schulhof.School) settingsForm {
	f := settingsForm{}
	f.Managers, _ = m.db.FindDeviceManagers(ctx, sc.ID)
	f.Teachers, _, _ = m.db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Role: schulhof.RoleTeacher, Limit: 1000})
	f.Retention, _ = m.db.FindDeviceRetention(ctx, sc.ID)
	return f
}

// saveSettingsFromForm: POST /s/{school}/settings/devices (managers).
func (m *Module) saveSettingsFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := m.ManagedSchool(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	r.ParseForm()
	ids := []schulhof.UserID{}
	for _, v := range r.PostForm["managers"] {
		if n, perr := strconv.ParseInt(v, 10, 64); perr == nil {
			ids = append(ids, schulhof.UserID(n))
		}
	}
	var keep schulhof.DeviceRetention
	keep.LoanYears, _ = strconv.Atoi(r.PostFormValue("loan_years"))
	keep.DamageYears, _ = strconv.Atoi(r.PostFormValue("damage_years"))
	err = keep.Validate()
	if err == nil {
		err = m.setManagers(r.Context(), sc, ids)
	}
	if err == nil {
		err = m.db.SetDeviceRetention(r.Context(), sc.ID, keep)
	}
	if err != nil {
		v := m.SchoolView(r, sc, "settings.title")
		m.RenderSettings(w, r, m.FormError(r, v, err), sc, v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=saved#devices", http.StatusSeeOther)
}

func (m *Module) setManagers(ctx context.Context, sc *schulhof.School, ids []schulhof.UserID) error {
	err := m.db.SetDeviceManagers(ctx, sc.ID, ids)
	m.managers.Forget(sc.ID)
	return err
}

type managersInput struct {
	Managers []schulhof.UserID `json:"managers"`
}

// apiGetManagers: GET /api/v1/schools/{school}/device-managers.
func (m *Module) apiGetManagers(r *http.Request) (any, error) {
	sc, err := m.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	ids, err := m.db.FindDeviceManagers(r.Context(), sc.ID)
	return managersInput{Managers: ids}, err
}

// apiSetManagers: PUT /api/v1/schools/{school}/device-managers
// {"managers": [ID, ...]}: teachers of the school.
func (m *Module) apiSetManagers(r *http.Request) (any, error) {
	sc, err := m.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	var in managersInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Managers == nil {
		in.Managers = []schulhof.UserID{}
	}
	if err := m.setManagers(r.Context(), sc, in.Managers); err != nil {
		return nil, err
	}
	return in, nil
}

// apiGetRetention: GET /api/v1/schools/{school}/device-retention.
func (m *Module) apiGetRetention(r *http.Request) (any, error) {
	sc, err := m.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	return m.db.FindDeviceRetention(r.Context(), sc.ID)
}

// apiSetRetention: PUT /api/v1/schools/{school}/device-retention
// {"loan_years", "damage_years"}: one to ten each.
func (m *Module) apiSetRetention(r *http.Request) (any, error) {
	sc, err := m.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	var in schulhof.DeviceRetention
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if err := m.db.SetDeviceRetention(r.Context(), sc.ID, in); err != nil {
		return nil, err
	}
	return in, nil
}
