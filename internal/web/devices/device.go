package devices

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The devices as a resource: list, add, read, change, retire.

// deviceInput is what a client sends of a device; a field left out
// stays as it is.
type deviceInput struct {
	Type        *string `json:"type"`
	Model       *string `json:"model"`
	Serial      *string `json:"serial"`
	AssetTag    *string `json:"asset_tag"`
	PurchasedOn *string `json:"purchased_on"`
	WarrantyEnd *string `json:"warranty_end"`
	Status      *string `json:"status"`
	Location    *string `json:"location"`
	Notes       *string `json:"notes"`
	MDMID       *string `json:"mdm_id"`
}

// deviceFields are the form's names of deviceInput's fields.
var deviceFields = []string{"type", "model", "serial", "asset_tag", "purchased_on", "warranty_end", "status", "location", "notes", "mdm_id"}

func (in *deviceInput) fields() []**string {
	return []**string{&in.Type, &in.Model, &in.Serial, &in.AssetTag, &in.PurchasedOn, &in.WarrantyEnd, &in.Status, &in.Location, &in.Notes, &in.MDMID}
}

// formInput reads a device form: the fields it has.
func formInput(r *http.Request) deviceInput {
	var in deviceInput
	for i, f := range in.fields() {
		if vs, ok := r.PostForm[deviceFields[i]]; ok && len(vs) > 0 {
			v := vs[0]
			if i == 4 || i == 5 { // a date field: the page's 01.09.2026 or the browser's 2026-09-01
				v = string(kit.ParseGermanDay(v))
			}
			*f = &v
		}
	}
	return in
}

// apply puts what was sent on the device.
func (in deviceInput) apply(d *schulhof.Device) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.Type, in.Type)
	set(&d.Model, in.Model)
	set(&d.Serial, in.Serial)
	set(&d.AssetTag, in.AssetTag)
	set((*string)(&d.PurchasedOn), in.PurchasedOn)
	set((*string)(&d.WarrantyEnd), in.WarrantyEnd)
	set((*string)(&d.Status), in.Status)
	set(&d.Location, in.Location)
	set(&d.Notes, in.Notes)
	set(&d.MDMID, in.MDMID)
}

// create adds a device of the school.
func (m *Module) create(r *http.Request, sc *schulhof.School, in deviceInput) (*schulhof.Device, error) {
	d := &schulhof.Device{SchoolID: sc.ID}
	in.apply(d)
	if err := m.db.CreateDevice(r.Context(), d); err != nil {
		return nil, err
	}
	return d, nil
}

// update changes a device of the school.
func (m *Module) update(r *http.Request, sc *schulhof.School, in deviceInput) (*schulhof.Device, error) {
	d, err := m.deviceOf(r, sc)
	if err != nil {
		return nil, err
	}
	in.apply(d)
	if err := m.db.UpdateDevice(r.Context(), d); err != nil {
		return nil, err
	}
	return m.db.FindDevice(r.Context(), sc.ID, d.ID)
}

// deviceOf is the path's {device} of the school.
func (m *Module) deviceOf(r *http.Request, sc *schulhof.School) (*schulhof.Device, error) {
	n, err := strconv.ParseInt(r.PathValue("device"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "device.not_found")
	}
	return m.db.FindDevice(r.Context(), sc.ID, schulhof.DeviceID(n))
}

// filterOf reads a list's filters from the query.
func filterOf(r *http.Request, sc *schulhof.School) schulhof.DeviceFilter {
	q := r.URL.Query()
	f := schulhof.DeviceFilter{SchoolID: sc.ID, Status: schulhof.DeviceStatus(q.Get("status")), Type: q.Get("type"), Query: q.Get("q")}
	if n, err := strconv.ParseInt(q.Get("cursor"), 10, 64); err == nil {
		f.Cursor = schulhof.DeviceID(n)
	}
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	return f
}

// apiListDevices: GET /api/v1/schools/{school}/devices?status=&type=&q=&cursor=.
func (m *Module) apiListDevices(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	f := filterOf(r, sc)
	if f.Status != "" && !schulhof.ValidDeviceStatus(f.Status) {
		return nil, schulhof.Errorf(schulhof.EBadRequest, "device.status.unknown")
	}
	ds, next, err := m.db.FindDevices(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return kit.NewList(ds, next), nil
}

// apiCreateDevice: POST /api/v1/schools/{school}/devices.
func (m *Module) apiCreateDevice(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	var in deviceInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	d, err := m.create(r, sc, in)
	if err != nil {
		return nil, err
	}
	return kit.Created(d), nil
}

// apiGetDevice: GET /api/v1/schools/{school}/devices/{device}.
func (m *Module) apiGetDevice(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	return m.deviceOf(r, sc)
}

// apiUpdateDevice: PATCH /api/v1/schools/{school}/devices/{device}.
func (m *Module) apiUpdateDevice(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	var in deviceInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	return m.update(r, sc, in)
}

// apiRetireDevice: POST /api/v1/schools/{school}/devices/{device}/retire:
// out of service for good (a lent device comes back first).
func (m *Module) apiRetireDevice(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	retired := string(schulhof.DeviceRetired)
	d, err := m.update(r, sc, deviceInput{Status: &retired})
	if schulhof.Match(err, schulhof.EInvalid) {
		return nil, schulhof.Errorf(schulhof.EConflict, "device.retire_lent")
	}
	return d, err
}

// createDeviceFromForm: POST /s/{school}/devices.
func (m *Module) createDeviceFromForm(w http.ResponseWriter, r *http.Request) {
	_, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	r.ParseForm()
	d, err := m.create(r, sc, formInput(r))
	if err != nil {
		v, verr := m.devicesView(r, sc)
		if verr != nil {
			m.Fail(w, r, verr)
			return
		}
		for _, f := range deviceFields {
			v.Form[f] = r.PostFormValue(f)
		}
		v.Data.(*devicesPage).Adding = true
		m.Render(w, r, m.FormError(r, v, err), "devices", v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/devices/"+strconv.FormatInt(int64(d.ID), 10)+"?flash=device_created", http.StatusSeeOther)
}

// updateDeviceFromForm: POST /s/{school}/devices/{device}.
func (m *Module) updateDeviceFromForm(w http.ResponseWriter, r *http.Request) {
	_, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	r.ParseForm()
	d, err := m.update(r, sc, formInput(r))
	if err != nil {
		m.showDeviceAgain(w, r, sc, err, func(v *kit.View) {
			for _, f := range deviceFields {
				v.Form[f] = r.PostFormValue(f)
			}
		})
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/devices/"+strconv.FormatInt(int64(d.ID), 10)+"?flash=saved", http.StatusSeeOther)
}

// deviceOfTag: GET /s/{school}/d/{tag}, where a scanned label leads: the
// device's page for who keeps the devices, one's own loans for the
// others.
func (m *Module) deviceOfTag(r *http.Request) (string, error) {
	sc, err := m.SchoolFromPath(r)
	if err != nil {
		return "", err
	}
	if _, _, err := m.managed(r); err != nil {
		return "/s/" + sc.Slug + "/my-devices", nil
	}
	d, err := m.db.FindDeviceByTag(r.Context(), sc.ID, strings.TrimSpace(r.PathValue("tag")))
	if err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/devices/" + strconv.FormatInt(int64(d.ID), 10), nil
}

// bulkInput is a bulk action: the devices and what to set on each.
type bulkInput struct {
	IDs []schulhof.DeviceID `json:"ids"`
	schulhof.DeviceBulkChange
}

type bulkResult struct {
	Changed int `json:"changed"`
}

// apiBulk: POST /api/v1/schools/{school}/devices/bulk {"ids", "status",
// "location"}: all the devices, or none.
func (m *Module) apiBulk(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	var in bulkInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	n, err := m.db.BulkUpdateDevices(r.Context(), sc.ID, in.IDs, in.DeviceBulkChange)
	return bulkResult{Changed: n}, err
}

// bulkFromForm: POST /s/{school}/devices/bulk (id..., bulk_status,
// bulk_location): the list's ticked devices get the status or the room
// given (an empty field leaves it).
func (m *Module) bulkFromForm(w http.ResponseWriter, r *http.Request) {
	_, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	r.ParseForm()
	var ids []schulhof.DeviceID
	for _, v := range r.PostForm["id"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, schulhof.DeviceID(n))
		}
	}
	var ch schulhof.DeviceBulkChange
	if s := r.PostFormValue("bulk_status"); s != "" {
		st := schulhof.DeviceStatus(s)
		ch.Status = &st
	}
	if l := strings.TrimSpace(r.PostFormValue("bulk_location")); l != "" {
		ch.Location = &l
	}
	if v := r.PostFormValue("bulk_set"); v != "" {
		n, _ := strconv.ParseInt(v, 10, 64)
		set := schulhof.SetID(n)
		ch.Set = &set
	}
	if _, err := m.db.BulkUpdateDevices(r.Context(), sc.ID, ids, ch); err != nil {
		v, verr := m.devicesView(r, sc)
		if verr != nil {
			m.Fail(w, r, verr)
			return
		}
		v.Form["bulk_location"] = r.PostFormValue("bulk_location")
		m.Render(w, r, m.FormError(r, v, err), "devices", v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/devices?flash=devices_changed", http.StatusSeeOther)
}

// eachDevice calls fn with every device the filter selects, page by page
// (its cursor and limit are the walk's).
func (m *Module) eachDevice(ctx context.Context, f schulhof.DeviceFilter, fn func(d *schulhof.Device)) error {
	f.Cursor, f.Limit = 0, 500
	for {
		ds, next, err := m.db.FindDevices(ctx, f)
		if err != nil {
			return err
		}
		for _, d := range ds {
			fn(d)
		}
		if next == "" {
			return nil
		}
		f.Cursor = ds[len(ds)-1].ID
	}
}
