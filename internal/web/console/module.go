// Package console is the module of the operator's console: every school
// at a glance (active users, who is online, storage used, the last user
// import, failed requests), the health of the database, the bus and the
// file store, and announcements to every school's admins, shown on
// their start page until they end.
package console

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, template.FuncMap{
	// a part's health on the page: the view with the check
	"check": func(v *kit.View, c Check) checkView { return checkView{V: v, C: c} },
	// the last day an announcement shows (it ends at the next midnight)
	"lastday": func(t time.Time) string { return t.Add(-time.Second).In(kit.Berlin).Format("02.01.2006") },
})

type checkView struct {
	V *kit.View
	C Check
}

// Store is what the module reads and writes of the store.
type Store interface {
	SchoolStats(ctx context.Context, onlineSince time.Time) ([]*schulhof.SchoolStats, error)
	CreateAnnouncement(ctx context.Context, actor *schulhof.User, a *schulhof.Announcement) error
	DeleteAnnouncement(ctx context.Context, id int64) error
	FindAnnouncements(ctx context.Context, now time.Time) ([]*schulhof.Announcement, error)
	Ping(ctx context.Context) error
}

// Module serves the console.
type Module struct {
	*kit.Deps
	db      Store
	dialect string
	started time.Time
	// announcements are on every admin's start page: a few seconds cached
	announcements *kit.Cache[struct{}, []*schulhof.Announcement]
}

// New is the module on the server's Deps, its store and the name of its
// database.
func New(d *kit.Deps, db Store, dialect string) *Module {
	m := &Module{Deps: d, db: db, dialect: dialect, started: time.Now(),
		announcements: kit.Shared(d, "console.announcements", kit.NewCacheOn[struct{}, []*schulhof.Announcement](5*time.Second, 1, d.Now))}
	d.AddStartCard(kit.StartCard{Order: 5, Part: "start-announcements", Fill: func(r *http.Request, sc *schulhof.School, data map[string]any) error {
		u := kit.AuthOf(r).User
		if u.Role != schulhof.RoleSchoolAdmin && u.Role != schulhof.RoleOperator {
			return nil
		}
		as, err := m.current(r.Context())
		data["Announcements"] = as
		return err
	}})
	return m
}

// Routes adds the console's page and API.
func (m *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	rt.Show("GET /admin/console", "console", m.showConsole)
	rt.Page("POST /admin/announcements", m.announceFromForm)
	rt.Form("POST /admin/announcements/{announcement}/delete", m.withdrawFromForm)
	rt.JSON("GET /api/v1/console", m.apiConsole)
	rt.JSON("GET /api/v1/announcements", m.apiAnnouncements)
	rt.JSON("POST /api/v1/announcements", m.apiAnnounce)
	rt.JSON("DELETE /api/v1/announcements/{announcement}", m.apiWithdraw)
}

func (m *Module) current(ctx context.Context) ([]*schulhof.Announcement, error) {
	return m.announcements.Get(struct{}{}, func() ([]*schulhof.Announcement, error) { return m.db.FindAnnouncements(ctx, m.Now()) })
}

// operator refuses everyone but the operator.
func operator(r *http.Request) (*schulhof.User, error) {
	u := kit.AuthOf(r).User
	if !schulhof.CanManageSchools(u) {
		return nil, schulhof.Errorf(schulhof.EForbidden, "console.operator_only")
	}
	return u, nil
}

// Health is how the parts the installation depends on are.
type Health struct {
	Database  Check  `json:"database"`
	Bus       Check  `json:"bus"`
	Storage   Check  `json:"storage"`
	Version   string `json:"version"`
	Uptime    string `json:"uptime"`
	Go        string `json:"go"`
	Goroutine int    `json:"goroutines"`
}

// Check is one part's health: ok, what it is (sqlite, postgres; local,
// nats; disk, other), what was measured, what went wrong.
type Check struct {
	OK        bool   `json:"ok"`
	Kind      string `json:"kind"`
	Latency   string `json:"latency,omitempty"`    // of a round trip
	FreeBytes int64  `json:"free_bytes,omitempty"` // of the file store's disk
	Error     string `json:"error,omitempty"`
}

// health asks each part, a second at most.
func (m *Module) health(ctx context.Context) Health {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	h := Health{Version: m.Version, Uptime: time.Since(m.started).Round(time.Second).String(), Go: runtime.Version(),
		Goroutine: runtime.NumGoroutine()}
	timed := func(kind string, f func() error) Check {
		t0 := time.Now()
		err := f()
		c := Check{OK: err == nil, Kind: kind, Latency: time.Since(t0).Round(10 * time.Microsecond).String()}
		if err != nil {
			c.Error = err.Error()
		}
		return c
	}
	h.Database = timed(m.dialect, func() error { return m.db.Ping(ctx) })
	h.Bus = Check{OK: true, Kind: "local"}
	if f, ok := m.Bus.(interface{ Flush() error }); ok {
		h.Bus = timed("nats", f.Flush)
	}
	h.Storage = Check{OK: true, Kind: "other"}
	if f, ok := m.Blobs.(interface{ Free() (int64, error) }); ok {
		free, err := f.Free()
		switch {
		case err != nil:
			h.Storage = Check{Kind: "disk", Error: err.Error()}
		case free >= 0:
			// below a GiB uploads will soon be refused
			h.Storage = Check{OK: free > 1<<30, Kind: "disk", FreeBytes: free}
		}
	}
	return h
}

// overview is the console: the schools and the health.
type overview struct {
	Schools       []*schulhof.SchoolStats  `json:"schools"`
	Health        Health                   `json:"health"`
	Announcements []*schulhof.Announcement `json:"announcements"`
}

func (m *Module) overview(ctx context.Context) (*overview, error) {
	stats, err := m.db.SchoolStats(ctx, m.Now().Add(-5*time.Minute))
	if err != nil {
		return nil, err
	}
	for _, s := range stats {
		s.Errors = m.Errors.Last24h(s.SchoolID)
	}
	as, err := m.db.FindAnnouncements(ctx, m.Now())
	if err != nil {
		return nil, err
	}
	return &overview{Schools: kit.NewList(stats, "").Items, Health: m.health(ctx), Announcements: kit.NewList(as, "").Items}, nil
}

// apiConsole: GET /api/v1/console (operator).
func (m *Module) apiConsole(r *http.Request) (any, error) {
	if _, err := operator(r); err != nil {
		return nil, err
	}
	return m.overview(r.Context())
}

// showConsole: GET /admin/console (operator).
func (m *Module) showConsole(r *http.Request) (*kit.View, error) {
	if _, err := operator(r); err != nil {
		return nil, err
	}
	o, err := m.overview(r.Context())
	if err != nil {
		return nil, err
	}
	v := m.NewView(r, "console.title")
	v.Data = o
	return v, nil
}

type announceInput struct {
	Text  string       `json:"text"`
	Until schulhof.Day `json:"until"` // the last day it shows
}

func (m *Module) announce(r *http.Request, in announceInput) (*schulhof.Announcement, error) {
	u, err := operator(r)
	if err != nil {
		return nil, err
	}
	a := &schulhof.Announcement{Text: in.Text}
	d, err := time.ParseInLocation("2006-01-02", string(in.Until), kit.Berlin)
	if err != nil {
		return nil, schulhof.Invalid("until", "announcement.until.invalid")
	}
	a.Until = d.AddDate(0, 0, 1) // to the end of its last day
	if err := m.db.CreateAnnouncement(r.Context(), u, a); err != nil {
		return nil, err
	}
	m.announcements.Clear()
	return a, nil
}

// apiAnnounce: POST /api/v1/announcements {"text", "until"} (operator).
func (m *Module) apiAnnounce(r *http.Request) (any, error) {
	var in announceInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	a, err := m.announce(r, in)
	if err != nil {
		return nil, err
	}
	return kit.Created(a), nil
}

// apiAnnouncements: GET /api/v1/announcements, those that run (the
// schools' admins and the operator).
func (m *Module) apiAnnouncements(r *http.Request) (any, error) {
	u := kit.AuthOf(r).User
	if u.Role != schulhof.RoleSchoolAdmin && u.Role != schulhof.RoleOperator {
		return nil, schulhof.Errorf(schulhof.EForbidden, "console.admins_only")
	}
	as, err := m.current(r.Context())
	if err != nil {
		return nil, err
	}
	return kit.NewList(as, ""), nil
}

func (m *Module) withdraw(r *http.Request) error {
	if _, err := operator(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("announcement"), 10, 64)
	if err != nil {
		return schulhof.Errorf(schulhof.ENotFound, "announcement.not_found")
	}
	if err := m.db.DeleteAnnouncement(r.Context(), id); err != nil {
		return err
	}
	m.announcements.Clear()
	return nil
}

// apiWithdraw: DELETE /api/v1/announcements/{announcement} (operator).
func (m *Module) apiWithdraw(r *http.Request) (any, error) { return nil, m.withdraw(r) }

// announceFromForm: POST /admin/announcements.
func (m *Module) announceFromForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.announce(r, announceInput{Text: r.PostFormValue("text"), Until: kit.ParseGermanDay(r.PostFormValue("until"))})
	if err == nil {
		http.Redirect(w, r, "/admin/console?flash=saved#announcements", http.StatusSeeOther)
		return
	}
	if _, oerr := operator(r); oerr != nil {
		m.Fail(w, r, oerr)
		return
	}
	o, verr := m.overview(r.Context())
	if verr != nil {
		m.Fail(w, r, verr)
		return
	}
	v := m.NewView(r, "console.title")
	v.Data = o
	v.Form["text"], v.Form["until"] = r.PostFormValue("text"), r.PostFormValue("until")
	m.Render(w, r, m.FormError(r, v, err), "console", v)
}

// withdrawFromForm: POST /admin/announcements/{announcement}/delete.
func (m *Module) withdrawFromForm(r *http.Request) (string, error) {
	if err := m.withdraw(r); err != nil {
		return "", err
	}
	return "/admin/console?flash=deleted#announcements", nil
}
