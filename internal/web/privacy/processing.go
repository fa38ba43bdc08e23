package privacy

import (
	"net/http"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The record of processing activities ("Verzeichnis von
// Verarbeitungstätigkeiten", DSGVO Art. 30) of a school on this
// installation: what Schulhof stores, about whom, why, who gets it and
// how long it is kept, with the school's own retention and the
// services it lets its users log in to. The school's data protection
// officer completes it with what Schulhof cannot know (the legal bases
// of the state's school law, the school's own contacts).

// Activity is one processing activity.
type Activity struct {
	Name       string   `json:"name"`
	Purpose    string   `json:"purpose"`
	Persons    string   `json:"persons"`
	Data       string   `json:"data"`
	Recipients []string `json:"recipients"`
	Retention  string   `json:"retention"`
}

// Record is the school's record of processing activities.
type Record struct {
	School     string     `json:"school"`
	Controller string     `json:"controller"` // the school
	Processor  string     `json:"processor"`  // the operator
	Contact    string     `json:"contact"`    // the operator's data protection contact
	Made       time.Time  `json:"made"`
	Activities []Activity `json:"activities"`
	Measures   []string   `json:"measures"`
}

// activities are the record's lines: the key of each sentence is
// "vvt.ID.name" and so on; the retention is filled in.
var activities = []string{"accounts", "files", "assignments", "timetable", "exams", "chat", "boards", "video", "devices", "sso", "audit"}

// measures are the technical and organisational measures Schulhof takes
// itself (Art. 32).
var measures = []string{"vvt.measure.passwords", "vvt.measure.sessions", "vvt.measure.tenancy", "vvt.measure.transport",
	"vvt.measure.ip", "vvt.measure.deletion", "vvt.measure.backup", "vvt.measure.logs"}

// record makes the school's record in the language.
func (m *Module) record(r *http.Request, sc *schulhof.School, lang string) (*Record, error) {
	ctx := r.Context()
	ret, err := m.db.FindRetention(ctx, sc.ID)
	if err != nil {
		return nil, err
	}
	dev, err := m.db.FindDeviceRetention(ctx, sc.ID)
	if err != nil {
		return nil, err
	}
	var clients []string
	for _, school := range []schulhof.SchoolID{sc.ID, 0} {
		cs, err := m.db.FindOIDCClients(ctx, school)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			clients = append(clients, c.Name)
		}
	}
	t := func(key string, args ...any) string { return tr(lang, key, args...) }
	op := m.Operator(ctx)
	rec := &Record{School: sc.Name, Controller: sc.Name, Made: m.Now()}
	if op != nil {
		rec.Processor, rec.Contact = op.Name, op.Contact
	}
	leavers := t("vvt.retention.leavers", ret.LeaverDays)
	for _, id := range activities {
		a := Activity{Name: t("vvt." + id + ".name"), Purpose: t("vvt." + id + ".purpose"), Persons: t("vvt." + id + ".persons"),
			Data: t("vvt." + id + ".data"), Recipients: []string{t("vvt.recipients.school")}, Retention: leavers}
		switch id {
		case "chat":
			a.Retention = t("vvt.retention.days", ret.ChatDays) + " " + leavers
		case "audit":
			a.Retention = t("vvt.retention.days", ret.LogDays)
		case "devices":
			a.Retention = t("vvt.retention.devices", dev.LoanYears, dev.DamageYears)
		case "video":
			a.Retention = t("vvt.retention.video")
		case "timetable", "exams":
			a.Retention = t("vvt.retention.year")
		case "sso":
			a.Recipients = append([]string{}, clients...)
			if len(a.Recipients) == 0 {
				a.Recipients = []string{t("vvt.recipients.none")}
			}
		}
		rec.Activities = append(rec.Activities, a)
	}
	for _, k := range measures {
		rec.Measures = append(rec.Measures, t(k))
	}
	return rec, nil
}

// apiRecord: GET /api/v1/schools/{school}/processing (admins).
func (m *Module) apiRecord(r *http.Request) (any, error) {
	sc, err := m.SettingsSchool(r)
	if err != nil {
		return nil, err
	}
	return m.record(r, sc, kit.Info(r).Lang)
}

// showRecord: GET /s/{school}/processing, a page to print.
func (m *Module) showRecord(r *http.Request) (*kit.View, error) {
	sc, err := m.SettingsSchool(r)
	if err != nil {
		return nil, err
	}
	rec, err := m.record(r, sc, kit.Info(r).Lang)
	if err != nil {
		return nil, err
	}
	v := m.SchoolView(r, sc, "vvt.title")
	v.Data = rec
	return v, nil
}
