// Package timetables is the module of the timetable: the Untis import,
// each person's week with the day's substitutions, exams and holidays,
// the school's substitution plan ("Vertretungsplan") with its day text,
// the info screen for the hall, the private calendar feeds, and the
// settings they need (lesson times, holidays, A/B weeks).
//
// It is not named timetable, as the package that builds the weeks is: a
// module and the domain package it serves would need an alias in every
// file.
package timetables

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/ical"
	"github.com/schulhof/schulhof/internal/timetable"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// assets are the module's templates, sentences and part of the OpenAPI
// document (kit.AddAssets).
//
//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, template.FuncMap{
	// lesson is what the part "lesson" shows of one lesson: in the week's
	// grid and in the phone's list of a day alike
	"lesson": func(lang string, l timetable.Lesson, groups bool) lessonView {
		v := lessonView{Lesson: l}
		if groups {
			v.GroupName = l.Group
		}
		if l.Status != timetable.Regular {
			key := "timetable.status." + l.Status
			v.StatusText = i18n.T(lang, key)
		}
		return v
	},
	// what: the kind of a change and its text, the text left out where
	// it says the kind again ("Vertretung · Vertretung")
	"what": func(lang, kind, text string) string {
		key := "substitutions.kind." + kind
		if !i18n.Has(key) {
			key = "substitutions.kind.other"
		}
		k := i18n.T(lang, key)
		if t := strings.TrimSpace(text); t != "" && !strings.EqualFold(t, k) && !strings.EqualFold(t, i18n.T("de", key)) {
			return k + " · " + t
		}
		return k
	},
})

// Store is what the module reads and writes of the store, the Untis
// import's among it.
type Store interface {
	timetable.Store
	CalendarToken(ctx context.Context, user schulhof.UserID, renew bool) (string, error)
	FindChildren(ctx context.Context, school schulhof.SchoolID, parent schulhof.UserID) ([]*schulhof.User, error)
	FindDayTexts(ctx context.Context, school schulhof.SchoolID, from, to schulhof.Day) (map[schulhof.Day]string, error)
	FindExams(ctx context.Context, school schulhof.SchoolID, from, to schulhof.Day) ([]schulhof.Exam, error)
	FindLessonTimes(ctx context.Context, school schulhof.SchoolID) ([]schulhof.LessonTime, error)
	FindPlan(ctx context.Context, school schulhof.SchoolID, day schulhof.Day) (*schulhof.TimetablePlan, error)
	FindSchoolByInfoToken(ctx context.Context, tok string) (*schulhof.School, error)
	FindSchoolHolidays(ctx context.Context, school schulhof.SchoolID) ([]schulhof.SchoolHoliday, error)
	FindSubstitutions(ctx context.Context, school schulhof.SchoolID, from, to schulhof.Day) ([]schulhof.Substitution, error)
	FindUserByCalendarToken(ctx context.Context, tok string) (*schulhof.User, error)
	FindWeekModel(ctx context.Context, school schulhof.SchoolID) (schulhof.WeekModel, error)
	InfoToken(ctx context.Context, school schulhof.SchoolID, renew bool) (string, error)
	PlanStamp(ctx context.Context, school schulhof.SchoolID) (int64, error)
	SetDayText(ctx context.Context, school schulhof.SchoolID, day schulhof.Day, text string) error
	SetLessonTimes(ctx context.Context, school schulhof.SchoolID, ts []schulhof.LessonTime) error
	SetSchoolHolidays(ctx context.Context, school schulhof.SchoolID, hs []schulhof.SchoolHoliday) error
	SetWeekModel(ctx context.Context, school schulhof.SchoolID, m schulhof.WeekModel) error
}

// Exams is what the timetable needs of the exam plan, which is built on
// it: the exams planned in Schulhof for a week view and a calendar feed,
// what the Untis export's exams break, and forgetting the plan when an
// import changed the timetable under it.
type Exams interface {
	PlannedFor(ctx context.Context, sc *schulhof.School, v timetable.Viewer, from, to schulhof.Day, planFor timetable.PlanFor) ([]schulhof.Exam, error)
	CalendarEvents(ctx context.Context, u *schulhof.User, sc *schulhof.School, lang string, days int) ([]ical.Event, error)
	// UntisProblems explains the rules the exams of an Untis import break,
	// as if it were applied.
	UntisProblems(ctx context.Context, sc *schulhof.School, lang string, imp *schulhof.TimetableImport) ([]string, error)
	Forget()
}

// Module serves the timetable's pages, API and feeds.
type Module struct {
	*kit.Deps
	db    Store
	exams Exams

	tt    timetableCaches
	feeds *kit.Cache[string, *cachedFeed]
}

// New is the module on the server's Deps and its store. The exam plan
// comes after (UseExams): it is built on the timetable, which shows its
// exams.
func New(d *kit.Deps, db Store) *Module {
	s := &Module{Deps: d, db: db, tt: newTimetableCaches(d),
		feeds: kit.Shared(d, "timetable.feeds", kit.NewCache[string, *cachedFeed](feedTTL, 50_000))}
	// the info screen, holidays and A/B weeks first; the lesson times,
	// set once, at the end
	d.AddStartCard(kit.StartCard{Order: 10, Part: "start-changes", Fill: func(r *http.Request, sc *schulhof.School, data map[string]any) (err error) {
		data["Changes"], err = s.changesSoon(r, sc)
		return err
	}})
	d.AddSettings(kit.SettingsSection{Order: 20, Part: "settings-timetable", Fill: s.timetableSettings})
	d.AddSettings(kit.SettingsSection{Order: 90, Part: "settings-lesson-times"})
	return s
}

// UseExams gives the timetable the exam plan.
func (s *Module) UseExams(e Exams) { s.exams = e }

// Routes adds the module's pages, API and feeds.
func (s *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	rt.Show("GET /timetable", "timetable", s.showTimetablePage)
	rt.Open("GET /info/{token}", s.showInfoScreen)
	rt.Open("GET /info/{token}/stamp", s.infoStamp)
	rt.Open("GET /ical/{file}", s.serveCalendarFeed)
	rt.Form("POST /profile/calendar-feed", s.renewCalendarFeed)
	rt.Page("POST /s/{school}/settings/lesson-times", s.saveLessonTimesFromForm)
	rt.Form("POST /s/{school}/settings/info-screen", s.renewInfoToken)
	rt.Page("POST /s/{school}/settings/holidays", s.saveHolidaysFromForm)
	rt.Page("POST /s/{school}/settings/week-model", s.saveWeekModelFromForm)
	rt.Page("POST /s/{school}/settings/holidays/calendar", s.addHolidaysFromCalendarForm)
	rt.Form("POST /s/{school}/settings/holidays/state", s.addStateHolidaysForm)
	rt.Show("GET /s/{school}/substitutions", "substitutions", s.showSubstitutionsPage)
	rt.Form("POST /s/{school}/substitutions/day-text", s.saveDayText)
	rt.Show("GET /s/{school}/timetable/import", "timetable_import", s.showTimetableImportPage)
	rt.Page("POST /s/{school}/timetable/import", s.submitTimetableImport)
	rt.JSON("GET /api/v1/me/timetable", s.apiMyTimetable)
	rt.JSON("GET /api/v1/me/calendar-feed", s.apiCalendarFeed)
	rt.JSON("POST /api/v1/me/calendar-feed", s.apiCalendarFeed)
	rt.API("POST /api/v1/schools/{school}/timetable/imports", s.apiTimetableImport)
	rt.JSON("GET /api/v1/schools/{school}/lesson-times", s.apiGetLessonTimes)
	rt.JSON("GET /api/v1/schools/{school}/substitutions", s.apiSubstitutions)
	rt.JSON("GET /api/v1/schools/{school}/timetable", s.apiSchoolTimetable)
	rt.JSON("GET /api/v1/schools/{school}/holidays", s.apiHolidays)
	rt.JSON("PUT /api/v1/schools/{school}/holidays", s.apiSetHolidays)
	rt.JSON("POST /api/v1/schools/{school}/holidays/calendar", s.apiAddHolidaysFromCalendar)
	rt.JSON("POST /api/v1/schools/{school}/holidays/state", s.apiAddStateHolidays)
	rt.JSON("PUT /api/v1/schools/{school}/lesson-times", s.apiSetLessonTimes)
	rt.JSON("GET /api/v1/schools/{school}/week-model", s.apiGetWeekModel)
	rt.JSON("PUT /api/v1/schools/{school}/week-model", s.apiSetWeekModel)
}

// SettingsPage adds the info screen's address to the settings page's
// Data, which only the page itself shows (not a form sent back).
func (s *Module) SettingsPage(r *http.Request, sc *schulhof.School, data map[string]any) error {
	tok, err := s.db.InfoToken(r.Context(), sc.ID, false)
	if err != nil {
		return err
	}
	data["InfoURL"] = s.BaseURL(r) + "/info/" + tok
	return nil
}
