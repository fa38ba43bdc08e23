package devices

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Overviews: a school's devices at a glance for who keeps them, and the
// city's for its operator: devices by status and model, loans due and
// overdue, devices still with students who left, and students from year
// 8 up without a device.

// dueWithin is how far ahead a loan counts as due soon.
const dueWithin = 14

// overviews are the overviews of one school (0: all) as of today.
func (m *Module) overviews(r *http.Request, school schulhof.SchoolID) ([]*schulhof.DeviceOverview, error) {
	today := m.Today()
	return m.db.DeviceOverviews(r.Context(), school, schulhof.DayOf(today), schulhof.DayOf(today.AddDate(0, 0, dueWithin)))
}

// apiSchoolOverview: GET /api/v1/schools/{school}/devices/overview.
func (m *Module) apiSchoolOverview(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	os, err := m.overviews(r, sc.ID)
	if err != nil || len(os) == 0 {
		return nil, err
	}
	return os[0], nil
}

type overviewPage struct {
	Overview *schulhof.DeviceOverview
	Repairs  []*schulhof.DamageReport // open, or in repair
	Audits   []*schulhof.DeviceAudit  // the last stock-takes
	Statuses []schulhof.DeviceStatus
	Year     int
	Days     int
}

// showOverviewPage: GET /s/{school}/devices/overview.
func (m *Module) showOverviewPage(r *http.Request) (*kit.View, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	os, err := m.overviews(r, sc.ID)
	if err != nil {
		return nil, err
	}
	repairs, err := m.db.FindOpenRepairs(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	audits, err := m.db.FindAudits(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	if len(audits) > 5 {
		audits = audits[:5]
	}
	v := m.SchoolView(r, sc, "device.overview")
	v.Data = &overviewPage{Overview: os[0], Repairs: repairs, Audits: audits, Statuses: schulhof.DeviceStatuses, Year: schulhof.DeviceYear, Days: dueWithin}
	return v, nil
}

// operator is the acting user if they run the installation.
func operator(r *http.Request) error {
	if !schulhof.CanManageSchools(kit.AuthOf(r).User) {
		return schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	return nil
}

// apiCityOverview: GET /api/v1/devices/overview: every school's counts,
// for the operator.
func (m *Module) apiCityOverview(r *http.Request) (any, error) {
	if err := operator(r); err != nil {
		return nil, err
	}
	os, err := m.overviews(r, 0)
	if err != nil {
		return nil, err
	}
	return kit.NewList(os, ""), nil
}

type cityPage struct {
	Schools  []*schulhof.DeviceOverview
	Sum      *schulhof.DeviceOverview // with the city's models
	Statuses []schulhof.DeviceStatus
	Year     int
	Days     int
}

// showCityPage: GET /admin/devices: the operator's overview of all
// schools, with their sum.
func (m *Module) showCityPage(r *http.Request) (*kit.View, error) {
	if err := operator(r); err != nil {
		return nil, err
	}
	os, err := m.overviews(r, 0)
	if err != nil {
		return nil, err
	}
	sum := &schulhof.DeviceOverview{ByStatus: map[schulhof.DeviceStatus]int{}}
	models := map[[2]string]int{}
	for _, o := range os {
		for _, c := range o.ByModel {
			models[[2]string{c.Type, c.Model}] += c.Count
		}
		for s, n := range o.ByStatus {
			sum.ByStatus[s] += n
		}
		sum.Total += o.Total
		sum.Lent += o.Lent
		sum.Overdue += o.Overdue
		sum.DueSoon += o.DueSoon
		sum.LeaverDevices += o.LeaverDevices
		sum.WithoutDevice += o.WithoutDevice
	}
	for k, n := range models {
		sum.ByModel = append(sum.ByModel, schulhof.DeviceModelCount{Type: k[0], Model: k[1], Count: n})
	}
	slices.SortFunc(sum.ByModel, func(a, b schulhof.DeviceModelCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Type+a.Model, b.Type+b.Model)
	})
	v := m.NewView(r, "device.city")
	v.Data = &cityPage{Schools: os, Sum: sum, Statuses: schulhof.DeviceStatuses, Year: schulhof.DeviceYear, Days: dueWithin}
	return v, nil
}

// cityCSV: GET /api/v1/devices/overview.csv: the city's report, one line
// per school, for Excel.
func (m *Module) cityCSV(w http.ResponseWriter, r *http.Request) {
	if err := operator(r); err != nil {
		m.Fail(w, r, err)
		return
	}
	os, err := m.overviews(r, 0)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.Comma = ';'
	head := []string{"Schule", "Kürzel", "Geräte"}
	for _, s := range schulhof.DeviceStatuses {
		head = append(head, i18n.T("de", statusKeys[s])) // the city's report is German, as its other columns
	}
	cw.Write(append(head, "Ausleihen", "überfällig", "fällig in 14 Tagen", "bei Abgängern", "ohne Gerät ab Klasse 8"))
	for _, o := range os {
		line := []string{o.SchoolName, o.SchoolSlug, strconv.Itoa(o.Total)}
		for _, s := range schulhof.DeviceStatuses {
			line = append(line, strconv.Itoa(o.ByStatus[s]))
		}
		cw.Write(append(line, strconv.Itoa(o.Lent), strconv.Itoa(o.Overdue), strconv.Itoa(o.DueSoon), strconv.Itoa(o.LeaverDevices),
			strconv.Itoa(o.WithoutDevice)))
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="Geraete-Uebersicht.csv"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
}
