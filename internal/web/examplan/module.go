// Package examplan is the module of the exam plan ("Klausurplan"):
// teachers plan exams for their groups, checked per student against the
// state's rules (internal/exams), coordinators see and export the whole
// plan; the Untis export's exams are part of it.
//
// It is not named exams, as the rules it checks against are: a module
// and the domain package it serves would need an alias in every file.
package examplan

import (
	"context"
	"embed"
	"net/http"
	"sync"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// assets are the module's templates, sentences and part of the OpenAPI
// document (kit.AddAssets).
//
//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, nil)

// Store is what the module reads and writes of the store.
type Store interface {
	DeleteExam(ctx context.Context, school schulhof.SchoolID, id int64) error
	ExamPlanVersion(ctx context.Context, school schulhof.SchoolID) (int64, error)
	FindChildren(ctx context.Context, school schulhof.SchoolID, parent schulhof.UserID) ([]*schulhof.User, error)
	FindExam(ctx context.Context, school schulhof.SchoolID, id int64) (*schulhof.PlannedExam, error)
	FindExamSettings(ctx context.Context, school schulhof.SchoolID) (*schulhof.ExamSettings, error)
	FindExams(ctx context.Context, school schulhof.SchoolID, from, to schulhof.Day) ([]schulhof.Exam, error)
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	FindLessonTimes(ctx context.Context, school schulhof.SchoolID) ([]schulhof.LessonTime, error)
	FindMemberRole(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID) (schulhof.MemberRole, error)
	FindMembers(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) ([]*schulhof.Member, error)
	FindPlan(ctx context.Context, school schulhof.SchoolID, day schulhof.Day) (*schulhof.TimetablePlan, error)
	FindPlannedExams(ctx context.Context, f schulhof.ExamFilter) ([]*schulhof.PlannedExam, error)
	FindUsers(ctx context.Context, f schulhof.UserFilter) ([]*schulhof.User, string, error)
	SaveExamChecked(ctx context.Context, e *schulhof.PlannedExam, version int64, check func() error) error
	SetExamSettings(ctx context.Context, school schulhof.SchoolID, s *schulhof.ExamSettings) error
}

// Timetable is what the exam plan needs of the timetable: the plan in
// force on a day (an exam takes its groups' lessons), the school's own
// holidays, the names of its groups.
type Timetable interface {
	PlanOn(ctx context.Context, school schulhof.SchoolID, day schulhof.Day) (*schulhof.TimetablePlan, error)
	OwnHolidays(ctx context.Context, school schulhof.SchoolID) ([]schulhof.SchoolHoliday, error)
	GroupNames(ctx context.Context, school schulhof.SchoolID) (map[schulhof.GroupID]string, error)
}

// Module serves the exam plan's pages and API.
type Module struct {
	*kit.Deps
	db        Store
	timetable Timetable

	books *kit.Cache[schulhof.SchoolID, *examBook]
	locks sync.Map // school -> *sync.Mutex: exams are checked and saved one at a time
	// planned are the exams planned in Schulhof, for the week views
	planned *kit.Cache[schulhof.SchoolID, []*schulhof.PlannedExam]
}

// New is the module on the server's Deps, its store and the timetable.
func New(d *kit.Deps, db Store, tt Timetable) *Module {
	s := &Module{Deps: d, db: db, timetable: tt,
		books:   kit.Shared(d, "exams.books", kit.NewCache[schulhof.SchoolID, *examBook](2*time.Second, 1000)),
		planned: kit.Shared(d, "exams.planned", kit.NewCache[schulhof.SchoolID, []*schulhof.PlannedExam](2*time.Second, 10_000))}
	d.AddSettings(kit.SettingsSection{Order: 30, Part: "settings-exams", Fill: func(ctx context.Context, sc *schulhof.School, data map[string]any) {
		data["Exams"] = s.examSettingsForm(ctx, sc)
	}})
	d.AddStartCard(kit.StartCard{Order: 30, Part: "start-exams", Fill: func(r *http.Request, sc *schulhof.School, data map[string]any) (err error) {
		data["Exams"], err = s.upcoming(r.Context(), kit.AuthOf(r).User, sc, 28)
		return err
	}})
	return s
}

// Routes adds the module's pages and API.
func (s *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	rt.Show("GET /s/{school}/exams", "exams", s.showExamsPage)
	rt.Show("GET /s/{school}/exams/new", "examform", s.showExamFormPage)
	rt.Page("GET /s/{school}/exams.csv", s.exportExamsCSV)
	rt.Page("GET /s/{school}/exams.pdf", s.exportExamsPDF)
	rt.Show("GET /s/{school}/exams/overview", "examoverview", s.showExamOverviewPage)
	rt.Page("POST /s/{school}/exams", s.submitExamForm)
	rt.Show("GET /s/{school}/exams/{exam}/edit", "examform", s.showExamFormPage)
	rt.Page("POST /s/{school}/exams/{exam}", s.submitExamForm)
	rt.Form("POST /s/{school}/exams/{exam}/delete", s.deleteExamForm)
	rt.Page("POST /s/{school}/settings/exams", s.saveExamSettingsFromForm)
	rt.JSON("GET /api/v1/schools/{school}/exam-settings", s.apiGetExamSettings)
	rt.JSON("PUT /api/v1/schools/{school}/exam-settings", s.apiSetExamSettings)
	rt.JSON("GET /api/v1/schools/{school}/exams", s.apiListExams)
	rt.API("POST /api/v1/schools/{school}/exams", s.apiCreateExam)
	rt.JSON("GET /api/v1/schools/{school}/exams/suggestions", s.apiExamSuggestions)
	rt.JSON("GET /api/v1/schools/{school}/exams/overview", s.apiExamOverview)
	rt.API("GET /api/v1/schools/{school}/exams.csv", s.exportExamsCSV)
	rt.API("GET /api/v1/schools/{school}/exams.pdf", s.exportExamsPDF)
	rt.API("GET /api/v1/schools/{school}/exams/{exam}", s.apiGetExam)
	rt.API("PATCH /api/v1/schools/{school}/exams/{exam}", s.apiUpdateExam)
	rt.JSON("DELETE /api/v1/schools/{school}/exams/{exam}", s.apiDeleteExam)
}
