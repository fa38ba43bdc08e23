// Package rollover is the module of the school year's rollover: a
// school's admin sees the plan first (a dry run: which classes move up,
// which leave, which courses are archived, whose files are kept, when
// the timetable ends), applies it, and can undo it for a day. Archived
// groups keep their chat and boards read-only until the school's archive
// days have passed (the privacy module's housekeeping deletes them).
package rollover

import (
	"context"
	"embed"
	"net/http"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, nil)

// Store is what the module reads and writes of the store.
type Store interface {
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	FindRollovers(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.Rollover, error)
	ApplyRollover(ctx context.Context, school schulhof.SchoolID, p *schulhof.RolloverPlan) (*schulhof.Rollover, error)
	UndoRollover(ctx context.Context, school schulhof.SchoolID, id int64) error
}

// Module serves the rollover's page and API.
type Module struct {
	*kit.Deps
	db Store
}

// New is the module on the server's Deps and its store.
func New(d *kit.Deps, db Store) *Module { return &Module{Deps: d, db: db} }

// Routes adds the page, its forms and the API.
func (m *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	rt.Show("GET /s/{school}/rollover", "rollover", m.showPage)
	rt.Page("POST /s/{school}/rollover", m.applyFromForm)
	rt.Form("POST /s/{school}/rollover/{rollover}/undo", m.undoFromForm)
	rt.JSON("GET /api/v1/schools/{school}/rollover/plan", m.apiPlan)
	rt.JSON("GET /api/v1/schools/{school}/rollovers", m.apiRollovers)
	rt.JSON("POST /api/v1/schools/{school}/rollovers", m.apiApply)
	rt.JSON("POST /api/v1/schools/{school}/rollovers/{rollover}/undo", m.apiUndo)
}

// school is the path's school, for its admins.
func (m *Module) school(r *http.Request) (*schulhof.School, error) {
	sc, err := m.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	if !schulhof.CanManageUsers(kit.AuthOf(r).User, sc.ID) {
		return nil, schulhof.Errorf(schulhof.EForbidden, "rollover.admins_only")
	}
	return sc, nil
}

type options struct {
	Classes   schulhof.RolloverClasses `json:"classes"`
	KeepFiles []schulhof.GroupID       `json:"keep_files"`
}

// plan is the rollover of today with the options.
func (m *Module) plan(r *http.Request, sc *schulhof.School, o options) (*schulhof.RolloverPlan, []*schulhof.Group, error) {
	groups, err := m.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID})
	if err != nil {
		return nil, nil, err
	}
	p, err := schulhof.PlanRollover(groups, sc.Type, o.Classes, o.KeepFiles, schulhof.DayOf(m.Today()))
	return p, groups, err
}

// queryOptions reads ?classes=promote|import&keep=1,2 (promote by
// default).
func queryOptions(r *http.Request) options {
	o := options{Classes: schulhof.RolloverClasses(r.URL.Query().Get("classes"))}
	if o.Classes == "" {
		o.Classes = schulhof.RolloverPromote
	}
	for _, v := range strings.Split(r.URL.Query().Get("keep"), ",") {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			o.KeepFiles = append(o.KeepFiles, schulhof.GroupID(n))
		}
	}
	return o
}

// apiPlan: GET /api/v1/schools/{school}/rollover/plan?classes=&keep= —
// the dry run.
func (m *Module) apiPlan(r *http.Request) (any, error) {
	sc, err := m.school(r)
	if err != nil {
		return nil, err
	}
	p, _, err := m.plan(r, sc, queryOptions(r))
	return p, err
}

// apply plans and applies in one go, so the dry run and the result
// are the same rule on the same groups.
func (m *Module) apply(r *http.Request, sc *schulhof.School, o options) (*schulhof.Rollover, error) {
	p, _, err := m.plan(r, sc, o)
	if err != nil {
		return nil, err
	}
	return m.db.ApplyRollover(r.Context(), sc.ID, p)
}

// apiApply: POST /api/v1/schools/{school}/rollovers {"classes",
// "keep_files"}.
func (m *Module) apiApply(r *http.Request) (any, error) {
	sc, err := m.school(r)
	if err != nil {
		return nil, err
	}
	var o options
	if err := kit.ReadJSON(r, &o); err != nil {
		return nil, err
	}
	ro, err := m.apply(r, sc, o)
	if err != nil {
		return nil, err
	}
	return kit.Created(ro), nil
}

// apiRollovers: GET /api/v1/schools/{school}/rollovers.
func (m *Module) apiRollovers(r *http.Request) (any, error) {
	sc, err := m.school(r)
	if err != nil {
		return nil, err
	}
	rs, err := m.db.FindRollovers(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	return kit.NewList(rs, ""), nil
}

func (m *Module) undo(r *http.Request) (*schulhof.School, error) {
	sc, err := m.school(r)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("rollover"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "rollover.not_found")
	}
	return sc, m.db.UndoRollover(r.Context(), sc.ID, id)
}

// apiUndo: POST /api/v1/schools/{school}/rollovers/{rollover}/undo.
func (m *Module) apiUndo(r *http.Request) (any, error) {
	_, err := m.undo(r)
	return nil, err
}

// undoFromForm: POST /s/{school}/rollover/{rollover}/undo.
func (m *Module) undoFromForm(r *http.Request) (string, error) {
	sc, err := m.undo(r)
	if err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/rollover?flash=rollover_undone", nil
}

// page is what the rollover's page shows.
type page struct {
	Options   options
	Plan      *schulhof.RolloverPlan
	Courses   []*schulhof.Group // to tick whose files are kept
	Rollovers []*rolloverRow
}

type rolloverRow struct {
	*schulhof.Rollover
	Undoable bool
}

func (p *page) Keeps(id schulhof.GroupID) bool {
	for _, k := range p.Options.KeepFiles {
		if k == id {
			return true
		}
	}
	return false
}

// showPage: GET /s/{school}/rollover?classes=&keep=, the dry run and
// the rollovers so far.
func (m *Module) showPage(r *http.Request) (*kit.View, error) {
	sc, err := m.school(r)
	if err != nil {
		return nil, err
	}
	return m.view(r, sc, queryOptions(r), nil)
}

func (m *Module) view(r *http.Request, sc *schulhof.School, o options, failed error) (*kit.View, error) {
	v := m.SchoolView(r, sc, "rollover.title")
	p := &page{Options: o}
	var groups []*schulhof.Group
	var err error
	p.Plan, groups, err = m.plan(r, sc, o)
	if err != nil && !schulhof.Match(err, schulhof.EInvalid) {
		return nil, err
	}
	if err != nil {
		failed = err
	}
	for _, g := range groups {
		if g.Kind == schulhof.GroupCourse && g.ArchivedAt == nil {
			p.Courses = append(p.Courses, g)
		}
	}
	rs, err := m.db.FindRollovers(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	for _, ro := range rs {
		p.Rollovers = append(p.Rollovers, &rolloverRow{Rollover: ro, Undoable: ro.Undoable(m.Now())})
	}
	if failed != nil {
		m.FormError(r, v, failed)
	}
	v.Data = p
	return v, nil
}

// applyFromForm: POST /s/{school}/rollover (classes=, keep=ID...).
func (m *Module) applyFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := m.school(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	r.ParseForm()
	o := options{Classes: schulhof.RolloverClasses(r.PostFormValue("classes"))}
	for _, v := range r.PostForm["keep"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			o.KeepFiles = append(o.KeepFiles, schulhof.GroupID(n))
		}
	}
	if _, err := m.apply(r, sc, o); err != nil {
		v, verr := m.view(r, sc, o, nil)
		if verr != nil {
			m.Fail(w, r, verr)
			return
		}
		m.Render(w, r, m.FormError(r, v, err), "rollover", v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/rollover?flash=rollover_applied", http.StatusSeeOther)
}
