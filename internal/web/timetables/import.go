package timetables

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/holidays"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/timetable"
	"github.com/schulhof/schulhof/internal/untis"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The timetable import: the Untis GPU files of a school, checked in a dry
// run and then applied (internal/timetable does the work).

// maxTimetableUpload bounds all files of one import together.
const maxTimetableUpload = 4 * untis.MaxSize

// readGPUFiles reads the files of a multipart form's field "files".
func readGPUFiles(w http.ResponseWriter, r *http.Request) (map[string][]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTimetableUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
	}
	files := map[string][]byte{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, tooLargeOr(err)
		}
		if part.FormName() != "files" || part.FileName() == "" {
			part.Close()
			continue
		}
		b, err := readPart(part)
		if err != nil {
			return nil, err
		}
		files[path.Base(part.FileName())] = b
	}
	if len(files) == 0 {
		return nil, schulhof.Errorf(schulhof.EInvalid, "timetable.no_files")
	}
	return files, nil
}

func readPart(part *multipart.Part) ([]byte, error) {
	defer part.Close()
	b, err := io.ReadAll(io.LimitReader(part, untis.MaxSize+1))
	if err != nil {
		return nil, tooLargeOr(err)
	}
	if len(b) > untis.MaxSize {
		return nil, schulhof.Errorf(schulhof.EInvalid, "import.too_large", untis.MaxSize>>20)
	}
	return b, nil
}

func tooLargeOr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return schulhof.Errorf(schulhof.EInvalid, "import.too_large", maxTimetableUpload>>20)
	}
	return schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
}

// runTimetableImport imports and translates the report's messages.
func (s *Module) runTimetableImport(r *http.Request, sc *schulhof.School, files map[string][]byte, dryRun bool) (*timetable.Report, error) {
	check := func(ctx context.Context, imp *schulhof.TimetableImport) ([]string, error) {
		return s.exams.UntisProblems(ctx, sc, kit.Info(r).Lang, imp)
	}
	rep, err := timetable.Import(r.Context(), s.db, sc.ID, files, timetable.Options{DryRun: dryRun, Now: s.Now(), CheckExams: check})
	if err != nil {
		return nil, err
	}
	if rep.Applied {
		s.forgetTimetable()
	}
	for i := range rep.Errors {
		e := &rep.Errors[i]
		e.Message = i18n.T(kit.Info(r).Lang, e.Key, e.Args...)
	}
	return rep, nil
}

// apiTimetableImport: POST /api/v1/schools/{school}/timetable/imports?dry_run=true|false,
// the GPU files in the multipart field "files". Without dry_run=false it
// only checks, so a script that forgets the flag changes nothing.
func (s *Module) apiTimetableImport(w http.ResponseWriter, r *http.Request) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	dry := r.URL.Query().Get("dry_run") != "false"
	files, err := readGPUFiles(w, r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	rep, err := s.runTimetableImport(r, sc, files, dry)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// a file with bad lines is a report, not a failed request: it says
	// where, and "applied" is false
	kit.WriteJSON(w, http.StatusOK, rep)
}

// timetableImportPage is the page's state: the files, carried from the
// check to the apply step, and the report.
type timetableImportPage struct {
	Report *timetable.Report
	Files  []carriedFile
	Kinds  []kindCount
}

type carriedFile struct {
	Name string
	Data string // base64
}

type kindCount struct {
	Kind  string
	Count int
}

// showTimetableImportPage: GET /s/{school}/timetable/import.
func (s *Module) showTimetableImportPage(r *http.Request) (*kit.View, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	v := s.SchoolView(r, sc, "timetable_import.title")
	v.Data = &timetableImportPage{}
	return v, nil
}

// submitTimetableImport: POST /s/{school}/timetable/import: the files
// are checked (dry run) and shown; "apply" sends them again to import.
func (s *Module) submitTimetableImport(w http.ResponseWriter, r *http.Request) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	v := s.SchoolView(r, sc, "timetable_import.title")
	p := &timetableImportPage{}
	v.Data = p
	files, apply, err := s.timetableFormFiles(w, r)
	if err == nil {
		p.Report, err = s.runTimetableImport(r, sc, files, !apply)
	}
	if err != nil {
		s.Render(w, r, s.FormError(r, v, err), "timetable_import", v)
		return
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p.Files = append(p.Files, carriedFile{Name: n, Data: base64.StdEncoding.EncodeToString(files[n])})
	}
	for _, k := range []string{"timetable", "lessons", "classes", "teachers", "rooms", "subjects", "students", "course_choices", "substitutions", "exams"} {
		if n, ok := p.Report.Counts[k]; ok {
			p.Kinds = append(p.Kinds, kindCount{Kind: k, Count: n})
		}
	}
	status := http.StatusOK
	if len(p.Report.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.Render(w, r, status, "timetable_import", v)
}

// timetableFormFiles reads the page's form: uploaded files (check), or
// the files carried back in hidden fields (apply).
func (s *Module) timetableFormFiles(w http.ResponseWriter, r *http.Request) (map[string][]byte, bool, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		files, err := readGPUFiles(w, r)
		return files, false, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxTimetableUpload)
	if err := r.ParseForm(); err != nil {
		return nil, false, tooLargeOr(err)
	}
	files := map[string][]byte{}
	for i, name := range r.PostForm["name"] {
		datas := r.PostForm["data"]
		if i >= len(datas) {
			break
		}
		b, err := base64.StdEncoding.DecodeString(datas[i])
		if err != nil {
			return nil, false, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
		}
		files[path.Base(name)] = b
	}
	if len(files) == 0 {
		return nil, false, schulhof.Errorf(schulhof.EInvalid, "timetable.no_files")
	}
	return files, r.PostFormValue("apply") == "1", nil
}

// apiGetLessonTimes: GET /api/v1/schools/{school}/lesson-times, the grid
// (the default one until the school sets its own).
func (s *Module) apiGetLessonTimes(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	ts, err := s.db.FindLessonTimes(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	return kit.NewList(ts, ""), nil
}

// apiSetLessonTimes: PUT /api/v1/schools/{school}/lesson-times with
// {"items": [{"weekday", "period", "start", "end"}]} (admins).
func (s *Module) apiSetLessonTimes(r *http.Request) (any, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Items []schulhof.LessonTime `json:"items"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	// written and read back as text, so that the API checks what the page checks
	ts, err := schulhof.ParseLessonTimes(schulhof.FormatLessonTimes(in.Items))
	if err == nil {
		err = s.db.SetLessonTimes(r.Context(), sc.ID, ts)
	}
	if err != nil {
		return nil, err
	}
	return kit.NewList(ts, ""), nil
}

// saveLessonTimesFromForm: POST /s/{school}/settings/lesson-times, the
// grid as lines "period;start;end" (or "Fr;period;start;end").
func (s *Module) saveLessonTimesFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	ts, err := schulhof.ParseLessonTimes(r.PostFormValue("lesson_times"))
	if err == nil {
		err = s.db.SetLessonTimes(r.Context(), sc.ID, ts)
	}
	if err != nil {
		v := s.SchoolView(r, sc, "settings.title")
		v.Form["lesson_times"] = r.PostFormValue("lesson_times")
		s.RenderSettings(w, r, s.FormError(r, v, err), sc, v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=saved#lesson-times", http.StatusSeeOther)
}

// saveHolidaysFromForm: POST /s/{school}/settings/holidays, the school's
// holidays as lines "name;from;to".
func (s *Module) saveHolidaysFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	hs, err := schulhof.ParseSchoolHolidays(r.PostFormValue("school_holidays"))
	if err == nil {
		err = s.db.SetSchoolHolidays(r.Context(), sc.ID, hs)
		s.forgetHolidays()
	}
	if err != nil {
		v := s.SchoolView(r, sc, "settings.title")
		v.Form["school_holidays"] = r.PostFormValue("school_holidays")
		s.RenderSettings(w, r, s.FormError(r, v, err), sc, v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=saved#holidays", http.StatusSeeOther)
}

// holidaysOf is a year's days off of a school.
type holidaysOf struct {
	Year   int                      `json:"year"`
	Public []dayOff                 `json:"public"` // of the school's state
	School []schulhof.SchoolHoliday `json:"school"`
}

// apiHolidays: GET /api/v1/schools/{school}/holidays?year=2027.
func (s *Module) apiHolidays(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	year := s.Now().Year()
	if v := r.URL.Query().Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil || year < 2000 || year > 2200 {
			return nil, schulhof.Errorf(schulhof.EBadRequest, "timetable.bad_year", v)
		}
	}
	out := holidaysOf{Year: year, Public: []dayOff{}, School: []schulhof.SchoolHoliday{}}
	for _, h := range holidays.Public(sc.State, year) {
		out.Public = append(out.Public, dayOff{Date: schulhof.DayOf(h.Date), Name: h.Name})
	}
	own, err := s.db.FindSchoolHolidays(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	for _, h := range own {
		if string(h.From) <= strconv.Itoa(year)+"-12-31" && string(h.To) >= strconv.Itoa(year)+"-01-01" {
			out.School = append(out.School, h)
		}
	}
	return out, nil
}

// apiSetHolidays: PUT /api/v1/schools/{school}/holidays {"school": [...]}
// replaces all of the school's own holidays (admins).
func (s *Module) apiSetHolidays(r *http.Request) (any, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		School []schulhof.SchoolHoliday `json:"school"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	hs, err := schulhof.ParseSchoolHolidays(schulhof.FormatSchoolHolidays(in.School))
	if err == nil {
		err = s.db.SetSchoolHolidays(r.Context(), sc.ID, hs)
		s.forgetHolidays()
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"school": hs}, nil
}

// apiGetWeekModel: GET /api/v1/schools/{school}/week-model, the school's
// A/B weeks ({"weeks": 0} without).
func (s *Module) apiGetWeekModel(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	m, err := s.db.FindWeekModel(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// apiSetWeekModel: PUT /api/v1/schools/{school}/week-model with
// {"weeks", "start", "skip_holidays", "groups"} (admins).
func (s *Module) apiSetWeekModel(r *http.Request) (any, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	var in schulhof.WeekModel
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	m, err := s.setWeekModel(r.Context(), sc, in)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Module) setWeekModel(ctx context.Context, sc *schulhof.School, in schulhof.WeekModel) (schulhof.WeekModel, error) {
	m, err := in.Clean()
	if err == nil {
		err = s.db.SetWeekModel(ctx, sc.ID, m)
	}
	s.forgetHolidays()
	return m, err
}

// saveWeekModelFromForm: POST /s/{school}/settings/week-model.
func (s *Module) saveWeekModelFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in := schulhof.WeekModel{Start: schulhof.Day(r.PostFormValue("week_start")), SkipHolidays: r.PostFormValue("week_skip") == "1"}
	in.Weeks, _ = strconv.Atoi(r.PostFormValue("weeks"))
	for t := 1; t <= in.Weeks && t <= 4; t++ {
		in.Groups = append(in.Groups, strings.Split(r.PostFormValue("week_groups_"+strconv.Itoa(t)), ","))
	}
	if _, err := s.setWeekModel(r.Context(), sc, in); err != nil {
		v := s.SchoolView(r, sc, "settings.title")
		for _, k := range []string{"weeks", "week_start", "week_skip", "week_groups_1", "week_groups_2", "week_groups_3", "week_groups_4"} {
			v.Form[k] = r.PostFormValue(k)
		}
		v.Form["week_posted"] = "1"
		s.RenderSettings(w, r, s.FormError(r, v, err), sc, v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=saved#week-model", http.StatusSeeOther)
}

// weekModelForm is the week model as the settings page shows it.
type weekModelForm struct {
	Weeks  int
	Start  string // 07.09.2026
	Skip   bool
	Groups []weekGroupsField // one per possible week type, A to D
	Found  string            // the lesson groups of today's plan
}

type weekGroupsField struct {
	N      int
	Letter string
	Value  string
}

func (s *Module) weekModelForm(ctx context.Context, sc *schulhof.School) weekModelForm {
	f := weekModelForm{Skip: true}
	m, err := s.db.FindWeekModel(ctx, sc.ID)
	if err == nil && m.Weeks >= 2 {
		f.Weeks, f.Skip = m.Weeks, m.SkipHolidays
		if t, err := time.Parse("2006-01-02", string(m.Start)); err == nil {
			f.Start = t.Format("02.01.2006") // as German admins write it
		}
	}
	groups := m.Groups
	if len(groups) == 0 {
		groups = schulhof.DefaultWeekGroups(2)
	}
	for t := 1; t <= 4; t++ {
		g := weekGroupsField{N: t, Letter: schulhof.WeekTypeName(t)}
		if t <= len(groups) {
			g.Value = strings.Join(groups[t-1], ", ")
		}
		f.Groups = append(f.Groups, g)
	}
	if plan, err := s.db.FindPlan(ctx, sc.ID, schulhof.DayOf(s.Now().In(kit.Berlin))); err == nil && plan != nil {
		var found []string
		for _, e := range plan.Entries {
			if e.WeekGroup != "" && !slices.Contains(found, e.WeekGroup) {
				found = append(found, e.WeekGroup)
			}
		}
		slices.Sort(found)
		f.Found = strings.Join(found, ", ")
	}
	return f
}

// maxHolidayCalendar bounds an uploaded holiday calendar: a state's
// holidays for years are a few KB.
const maxHolidayCalendar = 1 << 20

// addHolidaysFromCalendar reads an iCalendar file and adds its events to
// the school's holidays; it returns all of them and how many are new.
func (s *Module) addHolidaysFromCalendar(ctx context.Context, sc *schulhof.School, body io.Reader) ([]schulhof.SchoolHoliday, int, error) {
	b, err := io.ReadAll(io.LimitReader(body, maxHolidayCalendar+1))
	if err != nil {
		return nil, 0, tooLargeOr(err)
	}
	if len(b) > maxHolidayCalendar {
		return nil, 0, schulhof.Errorf(schulhof.EInvalid, "import.too_large", maxHolidayCalendar>>20)
	}
	add, err := holidays.ReadCalendar(bytes.NewReader(b))
	if err != nil {
		return nil, 0, err
	}
	own, err := s.db.FindSchoolHolidays(ctx, sc.ID)
	if err != nil {
		return nil, 0, err
	}
	merged, added := holidays.Merge(own, add)
	if added > 0 {
		err = s.db.SetSchoolHolidays(ctx, sc.ID, merged)
		s.forgetHolidays()
	}
	return merged, added, err
}

// apiAddHolidaysFromCalendar: POST /api/v1/schools/{school}/holidays/calendar
// with an iCalendar file as the body (admins).
func (s *Module) apiAddHolidaysFromCalendar(r *http.Request) (any, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	all, added, err := s.addHolidaysFromCalendar(r.Context(), sc, r.Body)
	if err != nil {
		return nil, err
	}
	return map[string]any{"school": all, "added": added}, nil
}

// addHolidaysFromCalendarForm: POST /s/{school}/settings/holidays/calendar,
// a form with the file in "calendar".
func (s *Module) addHolidaysFromCalendarForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxHolidayCalendar)
	file, _, err := r.FormFile("calendar")
	if err == nil {
		_, _, err = s.addHolidaysFromCalendar(r.Context(), sc, file)
		file.Close()
	} else {
		err = schulhof.Invalid("calendar", "holidays.ics.empty")
	}
	if err != nil {
		v := s.SchoolView(r, sc, "settings.title")
		s.RenderSettings(w, r, s.FormError(r, v, err), sc, v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=holidays_added#holidays", http.StatusSeeOther)
}

// schoolYearStart is the first of August before now: the KMK's school
// year runs from 1 August to 31 July.
func (s *Module) schoolYearStart() schulhof.Day {
	now := s.Now().In(kit.Berlin)
	y := now.Year()
	if now.Month() < time.August {
		y--
	}
	return schulhof.Day(strconv.Itoa(y) + "-08-01")
}

// addStateHolidays adds the school holidays of the school's state, from
// this school year on, to its own; it returns all and how many are new.
func (s *Module) addStateHolidays(ctx context.Context, sc *schulhof.School) ([]schulhof.SchoolHoliday, int, error) {
	own, err := s.db.FindSchoolHolidays(ctx, sc.ID)
	if err != nil {
		return nil, 0, err
	}
	merged, added := holidays.Merge(own, holidays.School(sc.State, s.schoolYearStart()))
	if added > 0 {
		err = s.db.SetSchoolHolidays(ctx, sc.ID, merged)
		s.forgetHolidays()
	}
	return merged, added, err
}

// StartWithStateHolidays gives a new school its state's school holidays;
// a failure leaves the school without them (the admin adds them on the
// settings page) and is logged, since the school itself is made.
func (s *Module) StartWithStateHolidays(ctx context.Context, sc *schulhof.School) {
	if _, _, err := s.addStateHolidays(ctx, sc); err != nil {
		s.Log.Error("state holidays for a new school", "school", sc.Slug, "err", err)
	}
}

// apiAddStateHolidays: POST /api/v1/schools/{school}/holidays/state adds
// the state's school holidays of this and the coming school years (admins).
func (s *Module) apiAddStateHolidays(r *http.Request) (any, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	all, added, err := s.addStateHolidays(r.Context(), sc)
	if err != nil {
		return nil, err
	}
	return map[string]any{"school": all, "added": added}, nil
}

// addStateHolidaysForm: POST /s/{school}/settings/holidays/state.
func (s *Module) addStateHolidaysForm(r *http.Request) (string, error) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		return "", err
	}
	if _, _, err := s.addStateHolidays(r.Context(), sc); err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/settings?flash=holidays_added#holidays", nil
}
