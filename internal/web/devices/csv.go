package devices

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/csvimport"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Device lists in and out as CSV: the city's asset list and the MDM's
// export come in (their columns mapped as in the user import, guessed
// from the headers), the inventory goes out in the same columns, so that
// an export comes back in unchanged.

// importFields are the columns a device list may have, in the order the
// mapping form shows them.
var importFields = []string{"asset_tag", "serial", "type", "model", "purchased_on", "warranty_end", "status", "location", "notes", "mdm_id"}

// headerNames recognise the headers of asset lists and MDM exports
// (Jamf, Relution, Intune, Snipe-IT), folded by csvimport.FoldHeader.
var headerNames = map[string]string{
	"inventarnummer": "asset_tag", "inventarnr": "asset_tag", "inventar": "asset_tag", "assettag": "asset_tag", "asset": "asset_tag",
	"anlagennummer": "asset_tag", "geraetenummer": "asset_tag", "geraetenr": "asset_tag",
	"seriennummer": "serial", "seriennr": "serial", "serialnumber": "serial", "serial": "serial", "sn": "serial",
	"art": "type", "typ": "type", "geraeteart": "type", "geraetetyp": "type", "devicetype": "type", "type": "type", "kategorie": "type",
	"category": "type", "producttype": "type",
	"modell": "model", "model": "model", "modelname": "model", "produkt": "model", "product": "model", "bezeichnung": "model",
	"kaufdatum": "purchased_on", "anschaffungsdatum": "purchased_on", "purchasedate": "purchased_on", "purchased": "purchased_on",
	"garantiebis": "warranty_end", "garantieende": "warranty_end", "garantie": "warranty_end", "warrantyexpiration": "warranty_end",
	"warrantyexpires": "warranty_end", "warranty": "warranty_end",
	"status": "status", "zustand": "status",
	"raum": "location", "standort": "location", "location": "location", "room": "location", "ort": "location",
	"notizen": "notes", "bemerkung": "notes", "bemerkungen": "notes", "notes": "notes", "notiz": "notes",
	"mdmkennung": "mdm_id", "mdmid": "mdm_id", "udid": "mdm_id", "deviceid": "mdm_id", "geraeteid": "mdm_id",
}

// typeWords name device types as lists write them; a model that names
// one ("MacBook Air", "iPad 10") gives the type when the list has none.
var typeWords = map[string]string{
	"ipad": "ipad", "tablet": "tablet", "notebook": "notebook", "laptop": "notebook", "macbook": "notebook", "thinkpad": "notebook",
	"chromebook": "notebook", "pc": "pc", "desktop": "pc", "rechner": "pc", "computer": "pc", "imac": "pc", "display": "display",
	"monitor": "display", "tafel": "display", "smartboard": "display", "bildschirm": "display", "beamer": "projector",
	"projektor": "projector", "projector": "projector", "sonstiges": "other", "other": "other", "geraet": "other",
}

// statusWords name statuses as lists write them (the export writes the
// page's words).
var statusWords = map[string]schulhof.DeviceStatus{
	"imlager": schulhof.DeviceInStock, "lager": schulhof.DeviceInStock, "verfuegbar": schulhof.DeviceInStock, "frei": schulhof.DeviceInStock,
	"instock": schulhof.DeviceInStock, "ausgeliehen": schulhof.DeviceLent, "verliehen": schulhof.DeviceLent, "lent": schulhof.DeviceLent,
	"indereschuleimeinsatz": schulhof.DeviceInUse, "inderschuleimeinsatz": schulhof.DeviceInUse, "imeinsatz": schulhof.DeviceInUse,
	"einsatz": schulhof.DeviceInUse, "inuse": schulhof.DeviceInUse, "inuseatschool": schulhof.DeviceInUse, "inreparatur": schulhof.DeviceInRepair, "reparatur": schulhof.DeviceInRepair,
	"defekt": schulhof.DeviceInRepair, "inrepair": schulhof.DeviceInRepair, "verloren": schulhof.DeviceLost, "gestohlen": schulhof.DeviceLost,
	"lost": schulhof.DeviceLost, "ausgemustert": schulhof.DeviceRetired, "entsorgt": schulhof.DeviceRetired, "retired": schulhof.DeviceRetired,
}

// guessMapping maps the headers it recognises.
func guessMapping(f *csvimport.File) map[string]int {
	m := map[string]int{}
	for i, h := range f.Header {
		if fl, ok := headerNames[csvimport.FoldHeader(h)]; ok {
			if _, dup := m[fl]; !dup {
				m[fl] = i
			}
		}
	}
	return m
}

// typeOf is the type a list names, or its model's.
func typeOf(v, model string) string {
	if t, ok := typeWords[csvimport.FoldHeader(v)]; ok {
		return t
	}
	if v != "" {
		return strings.ToLower(v) // unknown: the line says so
	}
	for _, w := range strings.Fields(strings.ToLower(model)) {
		if t, ok := typeWords[csvimport.FoldHeader(w)]; ok {
			return t
		}
	}
	for w, t := range map[string]string{"ipad": "ipad", "macbook": "notebook", "thinkpad": "notebook", "imac": "pc"} {
		if strings.Contains(strings.ToLower(model), w) {
			return t
		}
	}
	return ""
}

// importRows turns the file's records into rows of the mapped fields; a
// device's type comes from its column, else its model, else defaultType.
func importRows(f *csvimport.File, m map[string]int, defaultType string) ([]schulhof.DeviceImportRow, []schulhof.ImportLineError) {
	var rows []schulhof.DeviceImportRow
	var errs []schulhof.ImportLineError
	for _, rec := range f.Records {
		get := func(field string) (string, bool) {
			i, ok := m[field]
			if !ok || i >= len(rec.Fields) {
				return "", false
			}
			return strings.TrimSpace(rec.Fields[i]), true
		}
		row := schulhof.DeviceImportRow{Line: rec.Line, Set: map[string]bool{}}
		d := &row.Device
		bad := ""
		for _, field := range importFields {
			v, ok := get(field)
			if !ok || v == "" {
				continue
			}
			row.Set[field] = true
			switch field {
			case "asset_tag":
				d.AssetTag = v
			case "serial":
				d.Serial = v
			case "model":
				d.Model = v
			case "purchased_on", "warranty_end":
				day, ok := csvimport.ParseDate(v)
				if !ok {
					bad = "device.import.date"
				}
				if field == "purchased_on" {
					d.PurchasedOn = schulhof.Day(day)
				} else {
					d.WarrantyEnd = schulhof.Day(day)
				}
			case "status":
				s, ok := statusWords[csvimport.FoldHeader(v)]
				if !ok {
					s = schulhof.DeviceStatus(v)
				}
				d.Status = s
			case "location":
				d.Location = v
			case "notes":
				d.Notes = v
			case "mdm_id":
				d.MDMID = v
			}
		}
		if bad != "" {
			errs = append(errs, schulhof.ImportLineError{Line: rec.Line, Key: bad})
			continue
		}
		t, _ := get("type")
		if d.Type = typeOf(t, d.Model); d.Type == "" {
			d.Type = defaultType
		}
		if d.Type != "" {
			row.Set["type"] = true
		}
		rows = append(rows, row)
	}
	return rows, errs
}

// importRequest is one run of the import: the file, how its columns
// map, the type of devices whose line names none, and whether to apply.
type importRequest struct {
	data        []byte
	mapping     map[string]int // nil: guessed
	defaultType string
	dryRun      bool
}

// runImport reads the file and imports it (or tries: a dry run). It
// returns the file and the mapping used, for the form.
func (m *Module) runImport(r *http.Request, sc *schulhof.School, req importRequest) (*csvimport.File, map[string]int, *schulhof.DeviceImportReport, error) {
	f, err := csvimport.Parse(req.data)
	if err != nil {
		return nil, nil, nil, err
	}
	mp := req.mapping
	if mp == nil {
		mp = guessMapping(f)
	}
	_, hasSerial := mp["serial"]
	_, hasTag := mp["asset_tag"]
	if !hasSerial && !hasTag {
		return f, mp, nil, schulhof.Invalid("map.serial", "device.import.no_key")
	}
	if req.defaultType != "" && !slices.Contains(schulhof.DeviceTypes, req.defaultType) {
		return f, mp, nil, schulhof.Invalid("type", "device.type.unknown")
	}
	rows, lineErrs := importRows(f, mp, req.defaultType)
	rep, err := m.db.ImportDevices(r.Context(), sc.ID, rows, req.dryRun || len(lineErrs) > 0)
	if err != nil {
		return f, mp, nil, err
	}
	rep.Errors = append(lineErrs, rep.Errors...)
	lang := kit.Info(r).Lang
	for i := range rep.Errors {
		rep.Errors[i].Message = i18n.T(lang, rep.Errors[i].Key, rep.Errors[i].Args...)
	}
	if len(lineErrs) > 0 && !req.dryRun {
		// nothing was applied: the report counts what would have been
		rep.Created, rep.Updated = 0, 0
	}
	return f, mp, rep, nil
}

// apiImportDevices: POST /api/v1/schools/{school}/imports/devices?dry_run=
// &type=&map.FIELD=HEADER with the CSV as the body. A dry run (the
// default) says what would happen; with dry_run=false it happens, unless
// a line has an error (then 422 and nothing changed).
func (m *Module) apiImportDevices(w http.ResponseWriter, r *http.Request) {
	_, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, csvimport.MaxSize))
	if err != nil {
		m.Fail(w, r, schulhof.Errorf(schulhof.EInvalid, "import.too_large", csvimport.MaxSize>>20))
		return
	}
	q := r.URL.Query()
	req := importRequest{data: data, defaultType: q.Get("type"), dryRun: q.Get("dry_run") != "false"}
	if f, perr := csvimport.Parse(data); perr == nil {
		for _, fl := range importFields {
			h := q.Get("map." + fl)
			if h == "" {
				continue
			}
			if req.mapping == nil {
				req.mapping = guessMapping(f)
			}
			idx := f.Column(h)
			if idx < 0 {
				m.Fail(w, r, schulhof.Invalid("map."+fl, "device.import.no_column", h))
				return
			}
			req.mapping[fl] = idx
		}
	}
	_, _, rep, err := m.runImport(r, sc, req)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	if !req.dryRun && len(rep.Errors) > 0 {
		kit.WriteJSON(w, http.StatusUnprocessableEntity, struct {
			*schulhof.DeviceImportReport
			Error kit.APIError `json:"error"`
		}{rep, kit.APIError{Code: string(schulhof.EInvalid), Message: i18n.T(kit.Info(r).Lang, "device.import.failed", len(rep.Errors))}})
		return
	}
	kit.WriteJSON(w, http.StatusOK, rep)
}

// importView is the import page: the upload, then the mapping with the
// dry run's report, then what was done.
type importView struct {
	Step        string // "upload", "preview", "done"
	Data        string // the file, carried between the steps (base64)
	Encoding    string
	Header      []string
	Fields      []string
	Mapping     map[string]int
	Types       []string
	DefaultType string
	Report      *schulhof.DeviceImportReport
}

// showImportPage: GET /s/{school}/devices/import.
func (m *Module) showImportPage(r *http.Request) (*kit.View, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	v := m.SchoolView(r, sc, "device.import")
	v.Data = &importView{Step: "upload", Types: schulhof.DeviceTypes, DefaultType: "ipad"}
	return v, nil
}

// submitImport: POST /s/{school}/devices/import: a file starts a dry run
// with the guessed mapping; the carried file with a changed mapping runs
// it again; apply=1 imports.
func (m *Module) submitImport(w http.ResponseWriter, r *http.Request) {
	_, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, csvimport.MaxSize*2)
	v := m.SchoolView(r, sc, "device.import")
	iv := &importView{Step: "upload", Types: schulhof.DeviceTypes, Fields: importFields}
	v.Data = iv
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		m.Render(w, r, m.FormError(r, v, schulhof.Errorf(schulhof.EInvalid, "import.too_large", csvimport.MaxSize>>20)), "deviceimport", v)
		return
	}
	iv.DefaultType = r.FormValue("type")
	var data []byte
	if file, _, ferr := r.FormFile("file"); ferr == nil {
		data, err = io.ReadAll(io.LimitReader(file, csvimport.MaxSize+1))
		file.Close()
	} else {
		data, err = base64.StdEncoding.DecodeString(r.FormValue("data"))
	}
	if err != nil || len(data) == 0 {
		m.Render(w, r, m.FormError(r, v, schulhof.Errorf(schulhof.EInvalid, "import.no_file")), "deviceimport", v)
		return
	}
	req := importRequest{data: data, defaultType: iv.DefaultType, dryRun: r.FormValue("apply") != "1"}
	if r.FormValue("mapped") == "1" {
		req.mapping = map[string]int{}
		for _, fl := range importFields {
			if i, err := strconv.Atoi(r.FormValue("map." + fl)); err == nil && i >= 0 {
				req.mapping[fl] = i
			}
		}
	}
	f, mp, rep, err := m.runImport(r, sc, req)
	iv.Data, iv.Report = base64.StdEncoding.EncodeToString(data), rep
	if f != nil {
		iv.Step, iv.Encoding, iv.Header = "preview", f.Encoding, f.Header
		iv.Mapping = map[string]int{}
		for _, fl := range importFields {
			iv.Mapping[fl] = -1
		}
		for fl, i := range mp {
			iv.Mapping[fl] = i
		}
	}
	status := http.StatusOK
	switch {
	case err != nil:
		status = m.FormError(r, v, err)
	case !req.dryRun && len(rep.Errors) == 0:
		iv.Step = "done"
	case len(rep.Errors) > 0 && !req.dryRun:
		status = http.StatusUnprocessableEntity
	}
	m.Render(w, r, status, "deviceimport", v)
}

// exportHeader are the export's columns: the import recognises each.
var exportHeader = []string{"Inventarnummer", "Art", "Modell", "Seriennummer", "Kaufdatum", "Garantie bis", "Status", "Raum", "Notizen",
	"MDM-Kennung", "Ausgeliehen an", "Rückgabe bis"}

// exportCSV: GET .../devices.csv: the whole inventory (as filtered) for
// Excel: UTF-8 with a byte order mark, semicolons, the page's words.
func (m *Module) exportCSV(w http.ResponseWriter, r *http.Request) {
	_, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	lang := kit.Info(r).Lang
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.Comma = ';'
	cw.Write(exportHeader)
	err = m.eachDevice(r.Context(), filterOf(r, sc), func(d *schulhof.Device) {
		who, until := "", ""
		if d.Loan != nil {
			who, until = d.Loan.UserName, kit.GermanDate(d.Loan.Until)
		}
		cw.Write([]string{d.AssetTag, i18n.T(lang, typeKeys[d.Type]), d.Model, d.Serial, dateOrEmpty(d.PurchasedOn),
			dateOrEmpty(d.WarrantyEnd), i18n.T(lang, statusKeys[d.Status]), d.Location, d.Notes, d.MDMID, who, until})
	})
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="Geraete-`+sc.Slug+`.csv"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
}

// typeKeys and statusKeys are the sentences of types and statuses.
var (
	typeKeys = map[string]string{"ipad": "device.type.ipad", "tablet": "device.type.tablet", "notebook": "device.type.notebook",
		"pc": "device.type.pc", "display": "device.type.display", "projector": "device.type.projector", "other": "device.type.other"}
	statusKeys = map[schulhof.DeviceStatus]string{schulhof.DeviceInStock: "device.status.in_stock", schulhof.DeviceLent: "device.status.lent",
		schulhof.DeviceInUse: "device.status.in_use", schulhof.DeviceInRepair: "device.status.in_repair", schulhof.DeviceLost: "device.status.lost",
		schulhof.DeviceRetired: "device.status.retired"}
)

func dateOrEmpty(d schulhof.Day) string {
	if d == "" {
		return ""
	}
	return kit.GermanDate(d)
}
