package devices

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/devicepdf"
)

// labelsPDF: GET .../devices/labels.pdf?id=1&id=2&sheet=L4736: the QR
// labels of the chosen devices (all that are not retired by default) on
// the chosen sheet. Each code leads to /s/{school}/d/{tag}.
func (m *Module) labelsPDF(w http.ResponseWriter, r *http.Request) {
	_, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	var ds []*schulhof.Device
	if ids := r.URL.Query()["id"]; len(ids) > 0 {
		for _, v := range ids {
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr != nil {
				m.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "device.not_found"))
				return
			}
			d, err := m.db.FindDevice(r.Context(), sc.ID, schulhof.DeviceID(n))
			if err != nil {
				m.Fail(w, r, err)
				return
			}
			ds = append(ds, d)
		}
	} else if err := m.eachDevice(r.Context(), schulhof.DeviceFilter{SchoolID: sc.ID}, func(d *schulhof.Device) {
		if d.Status != schulhof.DeviceRetired {
			ds = append(ds, d)
		}
	}); err != nil {
		m.Fail(w, r, err)
		return
	}
	base := m.BaseURL(r) + "/s/" + sc.Slug + "/d/"
	labels := make([]devicepdf.Label, len(ds))
	for i, d := range ds {
		line := deviceName(d)
		if d.Location != "" {
			line += " · " + d.Location
		}
		labels[i] = devicepdf.Label{URL: base + url.PathEscape(d.AssetTag), Tag: d.AssetTag, Line: line}
	}
	var buf bytes.Buffer
	if err := devicepdf.Labels(&buf, sc.Name, devicepdf.SheetByName(r.URL.Query().Get("sheet")), labels); err != nil {
		m.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="Etiketten.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
}
