// Package privacy is the module of data protection's deletion jobs: how
// long a school keeps what (a leaver's data, chat messages, the audit
// log; the devices' records are the devices module's), set by its
// admins on the settings page, and the housekeeping that deletes what
// has passed its time and logs it. A user's own copy of their data is
// the export every module writes a part of (kit.AddExportPart).
package privacy

import (
	"context"
	"embed"
	"net/http"
	"strconv"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, nil)

// Store is what the module reads and writes of the store.
type Store interface {
	FindSchools(ctx context.Context) ([]*schulhof.School, error)
	FindRetention(ctx context.Context, school schulhof.SchoolID) (schulhof.Retention, error)
	SetRetention(ctx context.Context, school schulhof.SchoolID, r schulhof.Retention) error
	PurgeLeavers(ctx context.Context, school schulhof.SchoolID, before time.Time) (int, int64, error)
	DeleteOldMessages(ctx context.Context, school schulhof.SchoolID, before time.Time) (int64, error)
	DeleteOldAudit(ctx context.Context, school schulhof.SchoolID, before time.Time) (int64, error)
	DeleteArchivedGroups(ctx context.Context, school schulhof.SchoolID, before time.Time) (int64, error)
	// for the record of processing activities
	FindDeviceRetention(ctx context.Context, school schulhof.SchoolID) (schulhof.DeviceRetention, error)
	FindOIDCClients(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.OIDCClient, error)
}

// Module serves the retention settings and runs the deletion jobs.
type Module struct {
	*kit.Deps
	db Store
}

// New is the module on the server's Deps and its store.
func New(d *kit.Deps, db Store) *Module {
	m := &Module{Deps: d, db: db}
	d.AddSettings(kit.SettingsSection{Order: 50, Part: "settings-retention", Fill: func(ctx context.Context, sc *schulhof.School, data map[string]any) {
		r, err := db.FindRetention(ctx, sc.ID)
		if err != nil {
			r = schulhof.DefaultRetention
		}
		data["Retention"] = r
	}})
	return m
}

// Routes adds the settings' form and API.
func (m *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	rt.Page("POST /s/{school}/settings/retention", m.saveFromForm)
	rt.JSON("GET /api/v1/schools/{school}/retention", m.apiRetention)
	rt.JSON("PUT /api/v1/schools/{school}/retention", m.apiSetRetention)
	rt.Show("GET /s/{school}/processing", "processing", m.showRecord)
	rt.JSON("GET /api/v1/schools/{school}/processing", m.apiRecord)
}

// apiRetention: GET /api/v1/schools/{school}/retention (admins).
func (m *Module) apiRetention(r *http.Request) (any, error) {
	sc, err := m.SettingsSchool(r)
	if err != nil {
		return nil, err
	}
	return m.db.FindRetention(r.Context(), sc.ID)
}

// apiSetRetention: PUT /api/v1/schools/{school}/retention
// {"leaver_days", "chat_days", "log_days"} (admins).
func (m *Module) apiSetRetention(r *http.Request) (any, error) {
	sc, err := m.SettingsSchool(r)
	if err != nil {
		return nil, err
	}
	var in schulhof.Retention
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if err := m.db.SetRetention(r.Context(), sc.ID, in); err != nil {
		return nil, err
	}
	return in, nil
}

// saveFromForm: POST /s/{school}/settings/retention.
func (m *Module) saveFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := m.SettingsSchool(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	var in schulhof.Retention
	in.LeaverDays, _ = strconv.Atoi(r.PostFormValue("leaver_days"))
	in.ChatDays, _ = strconv.Atoi(r.PostFormValue("chat_days"))
	in.LogDays, _ = strconv.Atoi(r.PostFormValue("log_days"))
	in.ArchiveDays, _ = strconv.Atoi(r.PostFormValue("archive_days"))
	if err := m.db.SetRetention(r.Context(), sc.ID, in); err != nil {
		v := m.SchoolView(r, sc, "settings.title")
		m.RenderSettings(w, r, m.FormError(r, v, err), sc, v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=saved#retention", http.StatusSeeOther)
}

// Housekeeping runs every school's deletion jobs and logs what they
// deleted (the store notes it in the school's audit log too).
func (m *Module) Housekeeping(ctx context.Context) {
	schools, err := m.db.FindSchools(ctx)
	if err != nil {
		m.Log.Error("retention: schools", "err", err)
		return
	}
	now := m.Now()
	for _, sc := range schools {
		p, err := m.purge(ctx, sc.ID, now)
		if err != nil {
			m.Log.Error("retention", "school", sc.Slug, "err", err)
			continue
		}
		if p != (schulhof.Purged{}) {
			m.Log.Info("retention: deleted", "school", sc.Slug, "leavers", p.Leavers, "files", p.Files, "messages", p.Messages, "archived_groups",
				p.Groups, "audit_entries", p.Audit)
		}
	}
}

// purge runs one school's deletion jobs.
func (m *Module) purge(ctx context.Context, school schulhof.SchoolID, now time.Time) (schulhof.Purged, error) {
	var p schulhof.Purged
	r, err := m.db.FindRetention(ctx, school)
	if err != nil {
		return p, err
	}
	if p.Leavers, p.Files, err = m.db.PurgeLeavers(ctx, school, now.Add(-schulhof.Days(r.LeaverDays))); err != nil {
		return p, err
	}
	if p.Messages, err = m.db.DeleteOldMessages(ctx, school, now.Add(-schulhof.Days(r.ChatDays))); err != nil {
		return p, err
	}
	if p.Groups, err = m.db.DeleteArchivedGroups(ctx, school, now.Add(-schulhof.Days(r.ArchiveDays))); err != nil {
		return p, err
	}
	p.Audit, err = m.db.DeleteOldAudit(ctx, school, now.Add(-schulhof.Days(r.LogDays)))
	return p, err
}

// tr translates for the record, which the API answers in the request's
// language too.
func tr(lang, key string, args ...any) string { return i18n.T(lang, key, args...) }
