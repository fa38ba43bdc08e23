package devices

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Class sets and their reservations: who keeps the devices makes the
// sets (a cart of iPads for a class or a room) and fills them through
// the bulk action; the school's teachers see them and book a set or a
// single device for periods of a day. Two bookings that overlap are
// refused, and the page says who has it then.

// staff is the path's school, whose sets the acting user (a teacher or
// an admin of it) may see and book.
func (m *Module) staff(r *http.Request) (*schulhof.User, *schulhof.School, error) {
	sc, err := m.SchoolFromPath(r)
	if err != nil {
		return nil, nil, err
	}
	u := kit.AuthOf(r).User
	if u.SchoolID != sc.ID || !u.Role.IsStaff() {
		return nil, nil, schulhof.Errorf(schulhof.EForbidden, "reservation.staff_only")
	}
	return u, sc, nil
}

type setInput struct {
	Name  string           `json:"name"`
	Group schulhof.GroupID `json:"group"`
	Room  string           `json:"room"`
}

// apiSets: GET /api/v1/schools/{school}/device-sets (staff).
func (m *Module) apiSets(r *http.Request) (any, error) {
	_, sc, err := m.staff(r)
	if err != nil {
		return nil, err
	}
	sets, err := m.db.FindDeviceSets(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	return kit.NewList(sets, ""), nil
}

// createSet makes a class set.
func (m *Module) createSet(r *http.Request, sc *schulhof.School, in setInput) (*schulhof.DeviceSet, error) {
	s := &schulhof.DeviceSet{SchoolID: sc.ID, Name: in.Name, GroupID: in.Group, Room: in.Room}
	if err := m.db.CreateDeviceSet(r.Context(), s); err != nil {
		return nil, err
	}
	return s, nil
}

// apiCreateSet: POST /api/v1/schools/{school}/device-sets {"name",
// "group", "room"} (who keeps the devices).
func (m *Module) apiCreateSet(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	var in setInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	s, err := m.createSet(r, sc, in)
	if err != nil {
		return nil, err
	}
	return kit.Created(s), nil
}

type reserveInput struct {
	Set    schulhof.SetID    `json:"set"`
	Device schulhof.DeviceID `json:"device"`
	Day    schulhof.Day      `json:"day"`
	From   int               `json:"from_period"`
	To     int               `json:"to_period"`
	Note   string            `json:"note"`
}

func (m *Module) reserve(r *http.Request, u *schulhof.User, sc *schulhof.School, in reserveInput) (*schulhof.Reservation, error) {
	res := &schulhof.Reservation{SchoolID: sc.ID, SetID: in.Set, DeviceID: in.Device, Day: in.Day, From: in.From, To: in.To, Note: in.Note}
	if err := m.db.Reserve(r.Context(), u, res); err != nil {
		return nil, err
	}
	return res, nil
}

// apiReserve: POST /api/v1/schools/{school}/reservations {"set" or
// "device", "day", "from_period", "to_period", "note"} (staff).
func (m *Module) apiReserve(r *http.Request) (any, error) {
	u, sc, err := m.staff(r)
	if err != nil {
		return nil, err
	}
	var in reserveInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	res, err := m.reserve(r, u, sc, in)
	if err != nil {
		return nil, err
	}
	return kit.Created(res), nil
}

// reservationRange is the days ?from=&to= (default: today and two weeks).
func (m *Module) reservationRange(r *http.Request) (schulhof.Day, schulhof.Day) {
	from, to := schulhof.DayOf(m.Today()), schulhof.DayOf(m.Today().AddDate(0, 0, 14))
	if d := schulhof.Day(r.URL.Query().Get("from")); d.Valid() {
		from = d
	}
	if d := schulhof.Day(r.URL.Query().Get("to")); d.Valid() {
		to = d
	}
	return from, to
}

// apiReservations: GET /api/v1/schools/{school}/reservations?from=&to=.
func (m *Module) apiReservations(r *http.Request) (any, error) {
	_, sc, err := m.staff(r)
	if err != nil {
		return nil, err
	}
	from, to := m.reservationRange(r)
	rs, err := m.db.FindReservations(r.Context(), sc.ID, from, to)
	if err != nil {
		return nil, err
	}
	return kit.NewList(rs, ""), nil
}

// cancel deletes the path's booking: its maker's, or any for who keeps
// the devices.
func (m *Module) cancel(r *http.Request) (*schulhof.School, error) {
	u, sc, err := m.staff(r)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(r.PathValue("reservation"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "reservation.not_found")
	}
	manager, err := m.isManager(r.Context(), u, sc.ID)
	if err != nil {
		return nil, err
	}
	return sc, m.db.CancelReservation(r.Context(), sc.ID, schulhof.ReservationID(n), u.ID, schulhof.CanManageDevices(u, sc.ID, manager))
}

// apiCancel: DELETE /api/v1/schools/{school}/reservations/{reservation}.
func (m *Module) apiCancel(r *http.Request) (any, error) {
	_, err := m.cancel(r)
	return nil, err
}

// cancelFromForm: POST /s/{school}/reservations/{reservation}/delete.
func (m *Module) cancelFromForm(r *http.Request) (string, error) {
	sc, err := m.cancel(r)
	if err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/reservations?flash=reservation_cancelled", nil
}

type reservationsPage struct {
	Sets         []*schulhof.DeviceSet
	Devices      []*schulhof.Device // free to book on their own
	Reservations []*schulhof.Reservation
	Me           schulhof.UserID
	Manages      bool
	Classes      []*schulhof.Group
	Day          string
	MaxPeriod    int
}

// reservationsView is the reservations page.
func (m *Module) reservationsView(r *http.Request, u *schulhof.User, sc *schulhof.School) (*kit.View, error) {
	ctx := r.Context()
	p := &reservationsPage{Me: u.ID, Day: string(schulhof.DayOf(m.Today())), MaxPeriod: schulhof.MaxPeriod}
	var err error
	if p.Sets, err = m.db.FindDeviceSets(ctx, sc.ID); err != nil {
		return nil, err
	}
	err = m.eachDevice(ctx, schulhof.DeviceFilter{SchoolID: sc.ID}, func(d *schulhof.Device) {
		if d.SetID == 0 && (d.Status == schulhof.DeviceInStock || d.Status == schulhof.DeviceInUse) {
			p.Devices = append(p.Devices, d)
		}
	})
	if err != nil {
		return nil, err
	}
	from, to := m.reservationRange(r)
	if p.Reservations, err = m.db.FindReservations(ctx, sc.ID, from, to); err != nil {
		return nil, err
	}
	manager, err := m.isManager(ctx, u, sc.ID)
	if err != nil {
		return nil, err
	}
	if p.Manages = schulhof.CanManageDevices(u, sc.ID, manager); p.Manages {
		if p.Classes, err = m.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID, Kind: schulhof.GroupClass}); err != nil {
			return nil, err
		}
		schulhof.SortGroups(p.Classes)
	}
	v := m.SchoolView(r, sc, "reservation.title")
	v.Data = p
	return v, nil
}

// showReservationsPage: GET /s/{school}/reservations.
func (m *Module) showReservationsPage(r *http.Request) (*kit.View, error) {
	u, sc, err := m.staff(r)
	if err != nil {
		return nil, err
	}
	return m.reservationsView(r, u, sc)
}

// reserveFromForm: POST /s/{school}/reservations (what: "set:ID" or
// "device:ID", day, from_period, to_period, note).
func (m *Module) reserveFromForm(w http.ResponseWriter, r *http.Request) {
	u, sc, err := m.staff(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	in := reserveInput{Day: kit.ParseGermanDay(r.PostFormValue("day")), Note: r.PostFormValue("note")}
	in.From, _ = strconv.Atoi(r.PostFormValue("from_period"))
	in.To, _ = strconv.Atoi(r.PostFormValue("to_period"))
	kind, id, _ := strings.Cut(r.PostFormValue("what"), ":")
	n, _ := strconv.ParseInt(id, 10, 64)
	switch kind {
	case "set":
		in.Set = schulhof.SetID(n)
	case "device":
		in.Device = schulhof.DeviceID(n)
	}
	if _, err = m.reserve(r, u, sc, in); err != nil {
		v, verr := m.reservationsView(r, u, sc)
		if verr != nil {
			m.Fail(w, r, verr)
			return
		}
		for _, f := range []string{"what", "day", "from_period", "to_period", "note"} {
			v.Form[f] = r.PostFormValue(f)
		}
		m.Render(w, r, m.FormError(r, v, err), "reservations", v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/reservations?flash=reserved", http.StatusSeeOther)
}

// createSetFromForm: POST /s/{school}/device-sets (name, group, room).
func (m *Module) createSetFromForm(w http.ResponseWriter, r *http.Request) {
	u, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	in := setInput{Name: r.PostFormValue("name"), Room: r.PostFormValue("room")}
	if n, perr := strconv.ParseInt(r.PostFormValue("group"), 10, 64); perr == nil {
		in.Group = schulhof.GroupID(n)
	}
	if _, err := m.createSet(r, sc, in); err != nil {
		v, verr := m.reservationsView(r, u, sc)
		if verr != nil {
			m.Fail(w, r, verr)
			return
		}
		v.Form["name"], v.Form["room"] = r.PostFormValue("name"), r.PostFormValue("room")
		m.Render(w, r, m.FormError(r, v, err), "reservations", v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/reservations?flash=set_created", http.StatusSeeOther)
}
