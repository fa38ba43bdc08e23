// Package devices is the module of the school's devices: the inventory
// of iPads, notebooks, PCs and displays, their loans to students and
// teachers with the loan agreement to sign, and the QR labels that lead
// from a device in the hand to its page. Its admins and the teachers it
// names device managers keep it; a borrower and their parents see the
// loan.
package devices

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// assets are the module's templates, sentences and part of the OpenAPI
// document (kit.AddAssets).
//
//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, template.FuncMap{"deviceForm": deviceForm, "scanSentences": scanSentences, "euros": euros,
	"loanTable": func(v *kit.View, loans []*schulhof.Loan) any {
		return struct {
			V     *kit.View
			Loans []*schulhof.Loan
		}{v, loans}
	}})

// scanKeys are the sentences of static/devicescan.js.
var scanKeys = []string{"device.scan_added", "device.scan_again", "device.scan_not_lent", "device.scan_not_free", "device.scan_choose_class",
	"device.scan_nobody_left", "device.scan_return_all", "device.scan_lend_all", "device.scan_missing_return", "device.scan_missing_lend",
	"device.scan_remove", "device.scan_for", "device.scan_no_camera", "device.scan_looking", "device.condition.good", "device.condition.worn",
	"device.condition.damaged", "device.scan_done_return", "device.scan_done_lend", "device.scan_lent_to", "stocktake.finish"}

// scanSentences are the script's sentences in the reader's language.
func scanSentences(lang string) map[string]string {
	out := make(map[string]string, len(scanKeys))
	for _, k := range scanKeys {
		out[k] = i18n.T(lang, k)
	}
	return out
}

// fieldsForm is what the form of a device's fields shows: what was sent
// (a form shown again with its errors), else the device's, else nothing.
type fieldsForm struct {
	V        *kit.View
	Types    []string
	Statuses []schulhof.DeviceStatus
	Texts    []textField
	values   map[string]string
}

type textField struct {
	Name, Value string
	Date        bool
}

// Value is the field's value to show.
func (f fieldsForm) Value(name string) string { return f.values[name] }

// deviceForm is the form of the device's fields (d nil: a new one); a
// lent device's status is not to be chosen, nor lent for another.
func deviceForm(v *kit.View, d *schulhof.Device) fieldsForm {
	f := fieldsForm{V: v, Types: schulhof.DeviceTypes, values: map[string]string{}}
	for _, s := range schulhof.DeviceStatuses {
		if (s == schulhof.DeviceLent) == (d != nil && d.Loan != nil) {
			f.Statuses = append(f.Statuses, s)
		}
	}
	if d != nil {
		for i, val := range []string{d.Type, d.Model, d.Serial, d.AssetTag, string(d.PurchasedOn), string(d.WarrantyEnd), string(d.Status),
			d.Location, d.Notes, d.MDMID} {
			f.values[deviceFields[i]] = val
		}
	}
	if len(v.Fields) > 0 || v.Error != "" {
		for _, name := range deviceFields {
			if val, ok := v.Form[name]; ok {
				f.values[name] = val
			}
		}
	}
	for _, name := range deviceFields {
		if name != "type" && name != "status" {
			f.Texts = append(f.Texts, textField{Name: name, Value: f.values[name], Date: name == "purchased_on" || name == "warranty_end"})
		}
	}
	return f
}

// Store is what the module reads and writes of the store.
type Store interface {
	CreateDevice(ctx context.Context, d *schulhof.Device) error
	FindDevice(ctx context.Context, school schulhof.SchoolID, id schulhof.DeviceID) (*schulhof.Device, error)
	FindDeviceByTag(ctx context.Context, school schulhof.SchoolID, tag string) (*schulhof.Device, error)
	FindDevices(ctx context.Context, f schulhof.DeviceFilter) ([]*schulhof.Device, string, error)
	UpdateDevice(ctx context.Context, d *schulhof.Device) error
	LendDevice(ctx context.Context, actor *schulhof.User, l *schulhof.Loan) error
	LendDevices(ctx context.Context, actor *schulhof.User, loans []*schulhof.Loan) error
	ReturnDevices(ctx context.Context, school schulhof.SchoolID, returns []schulhof.DeviceReturn) ([]*schulhof.Loan, error)
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	FindDeviceRetention(ctx context.Context, school schulhof.SchoolID) (schulhof.DeviceRetention, error)
	SetDeviceRetention(ctx context.Context, school schulhof.SchoolID, r schulhof.DeviceRetention) error
	PurgeDeviceRecords(ctx context.Context) (loans, damage int64, err error)
	CreateDeviceSet(ctx context.Context, s *schulhof.DeviceSet) error
	FindDeviceSets(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.DeviceSet, error)
	Reserve(ctx context.Context, actor *schulhof.User, r *schulhof.Reservation) error
	CancelReservation(ctx context.Context, school schulhof.SchoolID, id schulhof.ReservationID, actor schulhof.UserID, mayAll bool) error
	FindReservations(ctx context.Context, school schulhof.SchoolID, from, to schulhof.Day) ([]*schulhof.Reservation, error)
	RecordAudit(ctx context.Context, actor *schulhof.User, school schulhof.SchoolID, room string, seen []schulhof.DeviceID, nextDue schulhof.Day) (*schulhof.DeviceAudit, error)
	FindAudits(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.DeviceAudit, error)
	FindAudit(ctx context.Context, school schulhof.SchoolID, id schulhof.AuditID) (*schulhof.DeviceAudit, error)
	FindDeviceRooms(ctx context.Context, school schulhof.SchoolID) ([]string, error)
	ReportDamage(ctx context.Context, actor *schulhof.User, r *schulhof.DamageReport, toRepair bool) error
	UpdateDamage(ctx context.Context, school schulhof.SchoolID, id schulhof.DamageID, up schulhof.DamageUpdate) (*schulhof.DamageReport, error)
	AddDamagePhoto(ctx context.Context, school schulhof.SchoolID, id schulhof.DamageID, p *schulhof.DamagePhoto) error
	FindDamagePhoto(ctx context.Context, school schulhof.SchoolID, id schulhof.DamageID, photo int64) (*schulhof.DamagePhoto, error)
	FindDamage(ctx context.Context, school schulhof.SchoolID, device schulhof.DeviceID) ([]*schulhof.DamageReport, error)
	FindOpenRepairs(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.DamageReport, error)
	DeviceOverviews(ctx context.Context, school schulhof.SchoolID, today, soon schulhof.Day) ([]*schulhof.DeviceOverview, error)
	FindMembers(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) ([]*schulhof.Member, error)
	ReturnDevice(ctx context.Context, school schulhof.SchoolID, id schulhof.LoanID, c schulhof.DeviceCondition, note string) (*schulhof.Loan, error)
	FindLoan(ctx context.Context, school schulhof.SchoolID, id schulhof.LoanID) (*schulhof.Loan, error)
	FindLoans(ctx context.Context, school schulhof.SchoolID, device schulhof.DeviceID, user schulhof.UserID) ([]*schulhof.Loan, error)
	ImportDevices(ctx context.Context, school schulhof.SchoolID, rows []schulhof.DeviceImportRow, dryRun bool) (*schulhof.DeviceImportReport, error)
	BulkUpdateDevices(ctx context.Context, school schulhof.SchoolID, ids []schulhof.DeviceID, ch schulhof.DeviceBulkChange) (int, error)
	FindDeviceManagers(ctx context.Context, school schulhof.SchoolID) ([]schulhof.UserID, error)
	SetDeviceManagers(ctx context.Context, school schulhof.SchoolID, ids []schulhof.UserID) error
	FindUserByID(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID) (*schulhof.User, error)
	FindUserByLogin(ctx context.Context, school schulhof.SchoolID, login string) (*schulhof.User, error)
	FindUsers(ctx context.Context, f schulhof.UserFilter) ([]*schulhof.User, string, error)
	FindParents(ctx context.Context, school schulhof.SchoolID, child schulhof.UserID) ([]*schulhof.User, error)
	FindChildren(ctx context.Context, school schulhof.SchoolID, parent schulhof.UserID) ([]*schulhof.User, error)
	IsParentOf(ctx context.Context, parent, child schulhof.UserID) (bool, error)
}

// Module serves the devices' pages and API.
type Module struct {
	*kit.Deps
	db Store
	// managers are each school's device managers, a few seconds
	managers *kit.Cache[schulhof.SchoolID, []schulhof.UserID]
}

// New is the module on the server's Deps and its store.
func New(d *kit.Deps, db Store) *Module {
	m := &Module{Deps: d, db: db, managers: kit.Shared(d, "devices.managers", kit.NewCache[schulhof.SchoolID, []schulhof.UserID](5*time.Second, 10_000))}
	d.AddSettings(kit.SettingsSection{Order: 40, Part: "settings-devices", Fill: func(ctx context.Context, sc *schulhof.School, data map[string]any) {
		data["Devices"] = m.settingsForm(ctx, sc)
	}})
	d.AddStartCard(kit.StartCard{Order: 60, Part: "start-devices", Fill: m.fillStartCard})
	d.AddExportPart(kit.ExportPart{Order: 60, Folder: "geraete", About: "export.devices", Write: func(ctx context.Context, u *schulhof.User, x *kit.Export) error {
		if u.SchoolID == 0 {
			return nil
		}
		loans, err := m.db.FindLoans(ctx, u.SchoolID, 0, u.ID)
		if err != nil {
			return err
		}
		return x.JSON("ausleihen.json", kit.NewList(loans, "").Items)
	}})
	return m
}

// startCard is the start page's card: the devices lent to the user (and
// their children) that are still out, and for who keeps the devices the
// way to them.
type startCard struct {
	Loans   []*schulhof.Loan
	Manages bool
	Books   bool // a teacher: books class sets
}

func (m *Module) fillStartCard(r *http.Request, sc *schulhof.School, data map[string]any) error {
	u := kit.AuthOf(r).User
	var c startCard
	manager, err := m.isManager(r.Context(), u, sc.ID)
	if err != nil {
		return err
	}
	c.Manages = schulhof.CanManageDevices(u, sc.ID, manager)
	c.Books = u.SchoolID == sc.ID && u.Role.IsStaff()
	ls, err := m.ownLoans(r.Context(), u, sc)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if l.ReturnedAt == nil {
			c.Loans = append(c.Loans, l)
		}
	}
	data["Devices"] = c
	return nil
}

// Routes adds the module's pages and API.
func (m *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	rt.Show("GET /s/{school}/devices", "devices", m.showDevicesPage)
	rt.Page("POST /s/{school}/devices", m.createDeviceFromForm)
	rt.Page("POST /s/{school}/devices/bulk", m.bulkFromForm)
	rt.Show("GET /s/{school}/devices/scan", "devicescan", m.showScanPage)
	rt.Show("GET /s/{school}/devices/overview", "deviceoverview", m.showOverviewPage)
	rt.Show("GET /s/{school}/audits", "audits", m.showAuditsPage)
	rt.Show("GET /s/{school}/reservations", "reservations", m.showReservationsPage)
	rt.Page("POST /s/{school}/reservations", m.reserveFromForm)
	rt.Form("POST /s/{school}/reservations/{reservation}/delete", m.cancelFromForm)
	rt.Page("POST /s/{school}/device-sets", m.createSetFromForm)
	rt.Show("GET /s/{school}/audits/{audit}", "audits", m.showAuditPage)
	rt.Show("GET /admin/devices", "devicecity", m.showCityPage)
	rt.Page("GET /s/{school}/devices/labels.pdf", m.labelsPDF)
	rt.Page("GET /s/{school}/devices.csv", m.exportCSV)
	rt.Show("GET /s/{school}/devices/import", "deviceimport", m.showImportPage)
	rt.Page("POST /s/{school}/devices/import", m.submitImport)
	rt.Form("GET /s/{school}/d/{tag}", m.deviceOfTag)
	rt.Show("GET /s/{school}/devices/{device}", "device", m.showDevicePage)
	rt.Page("POST /s/{school}/devices/{device}", m.updateDeviceFromForm)
	rt.Page("POST /s/{school}/devices/{device}/lend", m.lendFromForm)
	rt.Page("POST /s/{school}/devices/{device}/damage", m.reportFromForm)
	rt.Page("POST /s/{school}/damage/{damage}", m.updateDamageFromForm)
	rt.Page("POST /s/{school}/loans/{loan}/return", m.returnFromForm)
	rt.Page("GET /s/{school}/loans/{loan}/agreement.pdf", m.agreementPDF)
	rt.Show("GET /s/{school}/my-devices", "mydevices", m.showMyDevicesPage)
	rt.Show("GET /s/{school}/people/{user}/devices", "mydevices", m.showPersonLoans)
	rt.Page("POST /s/{school}/settings/devices", m.saveSettingsFromForm)

	rt.JSON("GET /api/v1/schools/{school}/devices", m.apiListDevices)
	rt.JSON("POST /api/v1/schools/{school}/devices", m.apiCreateDevice)
	rt.JSON("POST /api/v1/schools/{school}/devices/bulk", m.apiBulk)
	rt.JSON("POST /api/v1/schools/{school}/devices/lookup", m.apiLookup)
	rt.JSON("GET /api/v1/schools/{school}/devices/overview", m.apiSchoolOverview)
	rt.JSON("GET /api/v1/devices/overview", m.apiCityOverview)
	rt.API("GET /api/v1/devices/overview.csv", m.cityCSV)
	rt.API("POST /api/v1/schools/{school}/devices/decode", m.apiDecode)
	rt.JSON("POST /api/v1/schools/{school}/loans", m.apiLendAll)
	rt.JSON("POST /api/v1/schools/{school}/returns", m.apiReturnAll)
	rt.JSON("GET /api/v1/schools/{school}/audits", m.apiAudits)
	rt.JSON("GET /api/v1/schools/{school}/device-sets", m.apiSets)
	rt.JSON("POST /api/v1/schools/{school}/device-sets", m.apiCreateSet)
	rt.JSON("GET /api/v1/schools/{school}/reservations", m.apiReservations)
	rt.JSON("POST /api/v1/schools/{school}/reservations", m.apiReserve)
	rt.JSON("DELETE /api/v1/schools/{school}/reservations/{reservation}", m.apiCancel)
	rt.JSON("POST /api/v1/schools/{school}/audits", m.apiRecordAudit)
	rt.JSON("GET /api/v1/schools/{school}/audits/{audit}", m.apiAudit)
	rt.API("GET /api/v1/schools/{school}/devices/labels.pdf", m.labelsPDF)
	rt.API("GET /api/v1/schools/{school}/devices.csv", m.exportCSV)
	rt.API("POST /api/v1/schools/{school}/imports/devices", m.apiImportDevices)
	rt.JSON("GET /api/v1/schools/{school}/devices/{device}", m.apiGetDevice)
	rt.JSON("PATCH /api/v1/schools/{school}/devices/{device}", m.apiUpdateDevice)
	rt.JSON("POST /api/v1/schools/{school}/devices/{device}/retire", m.apiRetireDevice)
	rt.JSON("GET /api/v1/schools/{school}/devices/{device}/loans", m.apiDeviceLoans)
	rt.JSON("POST /api/v1/schools/{school}/devices/{device}/loans", m.apiLend)
	rt.JSON("GET /api/v1/schools/{school}/devices/{device}/damage", m.apiDeviceDamage)
	rt.JSON("POST /api/v1/schools/{school}/devices/{device}/damage", m.apiReportDamage)
	rt.JSON("PATCH /api/v1/schools/{school}/damage/{damage}", m.apiUpdateDamage)
	rt.JSON("POST /api/v1/schools/{school}/damage/{damage}/photos", m.apiAddPhoto)
	rt.JSON("GET /api/v1/schools/{school}/damage/{damage}/photos/{photo}", m.photo)
	rt.JSON("GET /api/v1/schools/{school}/loans", m.apiMyLoans)
	rt.JSON("POST /api/v1/schools/{school}/loans/{loan}/return", m.apiReturn)
	rt.API("GET /api/v1/schools/{school}/loans/{loan}/agreement.pdf", m.agreementPDF)
	rt.JSON("GET /api/v1/schools/{school}/device-managers", m.apiGetManagers)
	rt.JSON("PUT /api/v1/schools/{school}/device-managers", m.apiSetManagers)
	rt.JSON("GET /api/v1/schools/{school}/device-retention", m.apiGetRetention)
	rt.JSON("PUT /api/v1/schools/{school}/device-retention", m.apiSetRetention)
}

// Housekeeping deletes the device records the schools keep no longer
// (returned loans, closed damage reports).
func (m *Module) Housekeeping(ctx context.Context) {
	loans, damage, err := m.db.PurgeDeviceRecords(ctx)
	if err != nil {
		m.Log.Error("purge device records", "err", err)
		return
	}
	if loans+damage > 0 {
		m.Log.Info("purged device records", "loans", loans, "damage_reports", damage)
	}
}

// isManager says whether the user was named a device manager of the
// school.
func (m *Module) isManager(ctx context.Context, u *schulhof.User, school schulhof.SchoolID) (bool, error) {
	ids, err := m.managers.Get(school, func() ([]schulhof.UserID, error) { return m.db.FindDeviceManagers(ctx, school) })
	return slices.Contains(ids, u.ID), err
}

// managed is the path's school, whose devices the acting user keeps.
func (m *Module) managed(r *http.Request) (*schulhof.User, *schulhof.School, error) {
	sc, err := m.SchoolFromPath(r)
	if err != nil {
		return nil, nil, err
	}
	u := kit.AuthOf(r).User
	manager, err := m.isManager(r.Context(), u, sc.ID)
	if err != nil {
		return nil, nil, err
	}
	if !schulhof.CanManageDevices(u, sc.ID, manager) {
		return nil, nil, schulhof.Errorf(schulhof.EForbidden, "device.managers_only")
	}
	return u, sc, nil
}
