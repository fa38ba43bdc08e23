package devices

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Damage and repair: report damage to a device (with photos), the
// repair's status, cost and insurance case; the open repairs are on the
// school's overview.

// maxPhoto bounds one photo of a damage (a phone's picture).
const maxPhoto = 12 << 20

// photoTypes are the pictures a report takes.
var photoTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true, "image/gif": true}

type damageInput struct {
	Description string `json:"description"`
	ToRepair    bool   `json:"to_repair"`
}

// damageIDOf is the path's {damage}.
func damageIDOf(r *http.Request) (schulhof.DamageID, error) {
	n, err := strconv.ParseInt(r.PathValue("damage"), 10, 64)
	if err != nil {
		return 0, schulhof.Errorf(schulhof.ENotFound, "damage.not_found")
	}
	return schulhof.DamageID(n), nil
}

// report stores a report of damage to the path's device.
func (m *Module) report(r *http.Request, u *schulhof.User, sc *schulhof.School, in damageInput) (*schulhof.DamageReport, error) {
	d, err := m.deviceOf(r, sc)
	if err != nil {
		return nil, err
	}
	rep := &schulhof.DamageReport{SchoolID: sc.ID, DeviceID: d.ID, Description: in.Description}
	if err := m.db.ReportDamage(r.Context(), u, rep, in.ToRepair); err != nil {
		return nil, err
	}
	return rep, nil
}

// addPhoto stores a photo of a report: a picture, at most maxPhoto.
func (m *Module) addPhoto(r *http.Request, sc *schulhof.School, id schulhof.DamageID, body io.Reader) (*schulhof.DamagePhoto, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxPhoto+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPhoto {
		return nil, schulhof.Invalid("photos", "damage.photo.too_large", maxPhoto>>20)
	}
	ct := http.DetectContentType(data)
	if !photoTypes[ct] {
		return nil, schulhof.Invalid("photos", "damage.photo.not_a_picture")
	}
	info, err := m.Blobs.Put(r.Context(), bytes.NewReader(data), blob.PutOptions{ExpectedSize: int64(len(data))})
	if err != nil {
		return nil, err
	}
	p := &schulhof.DamagePhoto{ContentType: ct, Size: info.Size, BlobKey: string(info.Key)}
	if err := m.db.AddDamagePhoto(r.Context(), sc.ID, id, p); err != nil {
		return nil, err
	}
	return p, nil
}

// apiReportDamage: POST /api/v1/schools/{school}/devices/{device}/damage
// {"description", "to_repair"}.
func (m *Module) apiReportDamage(r *http.Request) (any, error) {
	u, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	var in damageInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	rep, err := m.report(r, u, sc, in)
	if err != nil {
		return nil, err
	}
	return kit.Created(rep), nil
}

// apiDeviceDamage: GET /api/v1/schools/{school}/devices/{device}/damage.
func (m *Module) apiDeviceDamage(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	d, err := m.deviceOf(r, sc)
	if err != nil {
		return nil, err
	}
	rs, err := m.db.FindDamage(r.Context(), sc.ID, d.ID)
	if err != nil {
		return nil, err
	}
	return kit.NewList(rs, ""), nil
}

// apiUpdateDamage: PATCH /api/v1/schools/{school}/damage/{damage}
// {"status", "cost_cents", "insurance"}.
func (m *Module) apiUpdateDamage(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	id, err := damageIDOf(r)
	if err != nil {
		return nil, err
	}
	var up schulhof.DamageUpdate
	if err := kit.ReadJSON(r, &up); err != nil {
		return nil, err
	}
	return m.db.UpdateDamage(r.Context(), sc.ID, id, up)
}

// apiAddPhoto: POST /api/v1/schools/{school}/damage/{damage}/photos (the
// picture as the body).
func (m *Module) apiAddPhoto(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	id, err := damageIDOf(r)
	if err != nil {
		return nil, err
	}
	p, err := m.addPhoto(r, sc, id, r.Body)
	if err != nil {
		return nil, err
	}
	return kit.Created(p), nil
}

// photo: GET .../damage/{damage}/photos/{photo}: a report's photo.
func (m *Module) photo(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	id, err := damageIDOf(r)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(r.PathValue("photo"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "damage.not_found")
	}
	p, err := m.db.FindDamagePhoto(r.Context(), sc.ID, id, n)
	if err != nil {
		return nil, err
	}
	return kit.Stored{Key: p.BlobKey, Name: "Schaden-" + strconv.FormatInt(int64(id), 10) + "-" + strconv.FormatInt(p.ID, 10), ContentType: p.ContentType,
		Inline: true}, nil
}

// reportFromForm: POST /s/{school}/devices/{device}/damage (description,
// to_repair, photos): the report with its photos.
func (m *Module) reportFromForm(w http.ResponseWriter, r *http.Request) {
	u, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, schulhof.MaxDamagePhotos*maxPhoto+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil && err != http.ErrNotMultipart {
		m.showDeviceAgain(w, r, sc, schulhof.Invalid("photos", "damage.photo.too_large", maxPhoto>>20), func(*kit.View) {})
		return
	}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File["photos"]
	}
	if len(files) > schulhof.MaxDamagePhotos {
		m.showDeviceAgain(w, r, sc, schulhof.Invalid("photos", "damage.photos.too_many", schulhof.MaxDamagePhotos), func(v *kit.View) {
			v.Form["description"] = r.FormValue("description")
		})
		return
	}
	rep, err := m.report(r, u, sc, damageInput{Description: r.FormValue("description"), ToRepair: r.FormValue("to_repair") == "1"})
	for _, fh := range files {
		if err != nil {
			break
		}
		var f multipart.File
		if f, err = fh.Open(); err == nil {
			_, err = m.addPhoto(r, sc, rep.ID, f)
			f.Close()
		}
	}
	if err != nil {
		m.showDeviceAgain(w, r, sc, err, func(v *kit.View) { v.Form["description"] = r.FormValue("description") })
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/devices/"+r.PathValue("device")+"?flash=damage_reported#damage-h", http.StatusSeeOther)
}

// updateDamageFromForm: POST /s/{school}/damage/{damage} (status, cost in
// euros, insurance).
func (m *Module) updateDamageFromForm(w http.ResponseWriter, r *http.Request) {
	_, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	id, err := damageIDOf(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	status := schulhof.RepairStatus(r.PostFormValue("status"))
	ins := r.PostFormValue("insurance")
	up := schulhof.DamageUpdate{Status: &status, Insurance: &ins}
	if v := strings.TrimSpace(strings.ReplaceAll(strings.TrimSuffix(strings.TrimSpace(r.PostFormValue("cost")), "€"), ",", ".")); v != "" {
		euros, perr := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if perr != nil {
			err = schulhof.Invalid("cost", "damage.cost")
		} else {
			cents := int64(euros*100 + 0.5)
			up.CostCents = &cents
		}
	}
	var rep *schulhof.DamageReport
	if err == nil {
		rep, err = m.db.UpdateDamage(r.Context(), sc.ID, id, up)
	}
	if err != nil {
		// the device's page again, where the form was, with what is wrong
		if _, perr := strconv.ParseInt(r.PostFormValue("device"), 10, 64); perr == nil && schulhof.ErrorCodeOf(err) == schulhof.EInvalid {
			r.SetPathValue("device", r.PostFormValue("device"))
			m.showDeviceAgain(w, r, sc, err, func(*kit.View) {})
			return
		}
		m.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/devices/"+strconv.FormatInt(int64(rep.DeviceID), 10)+"?flash=saved#damage-h", http.StatusSeeOther)
}

// euros writes cents as the page shows money: 129,50.
func euros(cents int64) string {
	s := strconv.FormatInt(cents/100, 10) + "," + strconv.FormatInt(100+cents%100, 10)[1:]
	return s
}
