// Package assignments is the module of assignments: a teacher sets one
// for groups or students with a due date and attachments, students hand
// in, teachers give feedback and mark them reviewed, and download all
// hand-ins as a ZIP.
package assignments

import (
	"embed"
	"html/template"
	"io"
	"net/http"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// assets are the module's templates, sentences and part of the OpenAPI
// document (kit.AddAssets).
//
//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, template.FuncMap{
	"status": statusText,
	"row": func(v *kit.View, slug string, a *assignmentView) assignmentRow {
		return assignmentRow{V: v, Slug: slug, A: a}
	},
})

// assignmentRow is one line of an assignment list, for the shared part
// _assignment_row.html (the start page lists them too).
type assignmentRow struct {
	V    *kit.View
	Slug string
	A    *assignmentView
}

// Files is what assignments need of the files module: storing bytes
// against a space's quota, and telling it when some were freed.
type Files interface {
	PutBlob(r *http.Request, sc *schulhof.School, space schulhof.Space, body io.Reader, size, pending int64) (blob.Info, error)
	Freed(school schulhof.SchoolID, space schulhof.Space)
	// ReadableFile is a file of the files module the actor may read: a
	// student hands in what is in her files already.
	ReadableFile(r *http.Request, sc *schulhof.School, id schulhof.NodeID) (*schulhof.Node, error)
}

// Module serves assignments' pages and API.
type Module struct {
	*kit.Deps
	db    Store
	files Files
}

// New is the module on the server's Deps, its store and the files module.
func New(d *kit.Deps, db Store, files Files) *Module {
	s := &Module{Deps: d, db: db, files: files}
	d.AddStartCard(kit.StartCard{Order: 40, Part: "start-assignments", Fill: func(r *http.Request, sc *schulhof.School, data map[string]any) (err error) {
		data["Assignments"], err = s.assignmentsPageData(r, sc)
		return err
	}})
	d.AddExportPart(kit.ExportPart{Order: 30, Folder: "aufgaben", About: "export.assignments", Write: s.exportAssignments})
	return s
}

// Routes adds the module's pages and API.
func (s *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	kit.Action(rt, "DELETE /api/v1/schools/{school}/assignments/{assignment}", "POST /s/{school}/assignments/{assignment}/delete", s.deleteAssignment,
		func(r *http.Request, _ kit.None) string {
			return "/s/" + r.PathValue("school") + "/assignments?flash=deleted"
		})
	rt.Show("GET /s/{school}/assignments", "assignments", s.showAssignmentsPage)
	rt.Page("POST /s/{school}/assignments", s.createAssignmentFromForm)
	rt.Show("GET /s/{school}/assignments/{assignment}", "assignment", s.showAssignmentPage)
	rt.Form("POST /s/{school}/assignments/{assignment}/hand-in", s.handInFromForm)
	rt.Page("POST /s/{school}/assignments/{assignment}/feedback/{student}", s.feedbackFromForm)
	rt.Form("POST /s/{school}/assignments/{assignment}/reviewed", s.reviewedFromForm)
	rt.Form("POST /s/{school}/assignments/{assignment}/edit", s.editAssignmentFromForm)
	rt.Form("POST /s/{school}/assignments/{assignment}/attachments/{file}/delete", s.deleteAttachmentFromForm)
	rt.JSON("GET /api/v1/schools/{school}/assignments", s.apiListAssignments)
	rt.JSON("POST /api/v1/schools/{school}/assignments", s.apiCreateAssignment)
	rt.JSON("GET /api/v1/schools/{school}/assignments/{assignment}", s.apiGetAssignment)
	rt.JSON("PATCH /api/v1/schools/{school}/assignments/{assignment}", s.apiUpdateAssignment)
	rt.JSON("POST /api/v1/schools/{school}/assignments/{assignment}/attachments", s.apiAddAttachment)
	rt.JSON("DELETE /api/v1/schools/{school}/assignments/{assignment}/attachments/{file}", s.apiDeleteAttachment)
	rt.JSON("GET /api/v1/schools/{school}/assignments/{assignment}/files/{file}", s.apiAssignmentFile)
	rt.JSON("GET /api/v1/schools/{school}/assignments/{assignment}/submissions", s.apiListSubmissions)
	rt.API("GET /api/v1/schools/{school}/assignments/{assignment}/submissions.zip", s.apiSubmissionsZip)
	rt.JSON("GET /api/v1/schools/{school}/assignments/{assignment}/submissions/{student}", s.apiGetSubmission)
	rt.JSON("PUT /api/v1/schools/{school}/assignments/{assignment}/submissions/{student}", s.apiHandIn)
	rt.JSON("PUT /api/v1/schools/{school}/assignments/{assignment}/submissions/{student}/feedback", s.apiSetFeedback)
}
