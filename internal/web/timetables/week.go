package timetables

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/holidays"
	"github.com/schulhof/schulhof/internal/timetable"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The week timetable of the logged-in user (a parent's: a child's), as
// JSON and as a page.

// weekOf is one person's week.
type weekOf struct {
	Week     string             `json:"week"`
	Monday   schulhof.Day       `json:"monday"`
	WeekType string             `json:"week_type,omitempty"` // "A", "B" in schools with A/B weeks
	Person   *schulhof.User     `json:"-"`
	Lessons  []timetable.Lesson `json:"lessons"`
	Holidays []dayOff           `json:"holidays"`
}

// dayOff is a day without lessons: a public or a school holiday.
type dayOff struct {
	Date schulhof.Day `json:"date"`
	Name string       `json:"name"`
}

// daysOff are the public holidays of the school's state and its own
// holidays on the days from first on.
func (s *Module) daysOff(ctx context.Context, sc *schulhof.School, first time.Time, days int) ([]dayOff, error) {
	own, err := s.OwnHolidays(ctx, sc.ID)
	if err != nil {
		return nil, err
	}
	public := map[schulhof.Day]string{}
	for y := first.Year(); y <= first.AddDate(0, 0, days).Year(); y++ {
		for _, h := range holidays.Public(sc.State, y) {
			public[schulhof.DayOf(h.Date)] = h.Name
		}
	}
	out := []dayOff{}
	for i := 0; i < days; i++ {
		d := schulhof.DayOf(first.AddDate(0, 0, i))
		name := public[d]
		for _, h := range own {
			if name == "" && h.From <= d && d <= h.To {
				name = h.Name
			}
		}
		if name != "" {
			out = append(out, dayOff{Date: d, Name: name})
		}
	}
	return out, nil
}

// whoseWeek is the user whose week is shown: the actor, or for a parent
// the child named by ?child= (the first child without it).
func (s *Module) whoseWeek(r *http.Request) (*schulhof.User, error) {
	a := kit.AuthOf(r)
	if a.User.Role != schulhof.RoleParent {
		return a.User, nil
	}
	kids, err := s.db.FindChildren(r.Context(), a.User.SchoolID, a.User.ID)
	if err != nil {
		return nil, err
	}
	want := r.URL.Query().Get("child")
	for _, k := range kids {
		if want == "" || want == strconv.FormatInt(int64(k.ID), 10) {
			return k, nil
		}
	}
	return nil, schulhof.Errorf(schulhof.ENotFound, "user.not_found")
}

// week builds the week (?week=2026-W49, this week without it) of the
// user at the actor's school.
func (s *Module) week(r *http.Request) (*weekOf, error) {
	a := kit.AuthOf(r)
	if a.School == nil || a.User.SchoolID != a.School.ID {
		return nil, schulhof.Errorf(schulhof.ENotFound, "timetable.no_school")
	}
	u, err := s.whoseWeek(r)
	if err != nil {
		return nil, err
	}
	monday := s.ThisMonday()
	if w := r.URL.Query().Get("week"); w != "" {
		if monday, err = timetable.ParseISOWeek(w); err != nil {
			return nil, err
		}
	}
	codes := a.User.Role >= schulhof.RoleTeacher || a.School.ShowTeacherCodes
	lessons, off, err := s.lessonsOf(r.Context(), a.School, u, codes, monday, 5)
	if err != nil {
		return nil, err
	}
	wk := &weekOf{Week: timetable.ISOWeek(monday), Monday: schulhof.DayOf(monday), Person: u, Lessons: lessons, Holidays: off}
	return wk, s.nameWeekType(r.Context(), a.School, wk)
}

// nameWeekType sets the week's type (A, B, ...) where the school has A/B
// weeks.
func (s *Module) nameWeekType(ctx context.Context, sc *schulhof.School, wk *weekOf) error {
	cycle, err := s.cycleOf(ctx, sc)
	wk.WeekType = schulhof.WeekTypeName(cycle.TypeOf(wk.Monday))
	return err
}

// lessonsOf is user u's lessons on the days from monday on (a student's
// class and courses, a teacher's own), with the substitutions merged in
// and none on holidays, and the holidays; codes says whether teachers'
// codes stay in.
func (s *Module) lessonsOf(ctx context.Context, sc *schulhof.School, u *schulhof.User, codes bool, monday time.Time, days int) ([]timetable.Lesson, []dayOff, error) {
	off, err := s.daysOff(ctx, sc, monday, days)
	if err != nil {
		return nil, nil, err
	}
	lessons, err := s.lessonsOn(ctx, sc, u, codes, monday, days)
	if err != nil {
		return nil, nil, err
	}
	isOff := map[schulhof.Day]bool{}
	for _, d := range off {
		isOff[d.Date] = true
	}
	kept := lessons[:0]
	for _, l := range lessons {
		if !isOff[l.Date] {
			kept = append(kept, l)
		}
	}
	return kept, off, nil
}

func (s *Module) lessonsOn(ctx context.Context, sc *schulhof.School, u *schulhof.User, codes bool, monday time.Time, days int) ([]timetable.Lesson, error) {
	names, err := s.GroupNames(ctx, sc.ID)
	if err != nil {
		return nil, err
	}
	v := timetable.Viewer{Groups: map[schulhof.GroupID]bool{}, ClassCodes: map[string]bool{}, GroupNames: names, ShowTeachers: codes}
	if u.Role >= schulhof.RoleTeacher {
		// her week is what she teaches, not her groups' lessons
		v.TeacherID, v.TeacherCode = u.ID, u.ShortCode
		return s.weekOfViewer(ctx, sc, v, monday, days)
	}
	v.Person = u.ID
	mine, err := s.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID, UserID: u.ID})
	if err != nil {
		return nil, err
	}
	for _, g := range mine {
		v.Groups[g.ID] = true
		if g.Kind == schulhof.GroupClass {
			v.ClassCodes[strings.ToLower(g.Name)] = true
			if g.UntisCode != "" {
				v.ClassCodes[strings.ToLower(g.UntisCode)] = true
			}
		}
	}
	return s.weekOfViewer(ctx, sc, v, monday, days)
}

// weekOfViewer computes the viewer's lessons on the days from monday on.
func (s *Module) weekOfViewer(ctx context.Context, sc *schulhof.School, v timetable.Viewer, monday time.Time, days int) ([]timetable.Lesson, error) {
	if v.GroupNames == nil {
		names, err := s.GroupNames(ctx, sc.ID)
		if err != nil {
			return nil, err
		}
		v.GroupNames = names
	}
	times, err := s.db.FindLessonTimes(ctx, sc.ID)
	if err != nil {
		return nil, err
	}
	from, to := schulhof.DayOf(monday), schulhof.DayOf(monday.AddDate(0, 0, days))
	subs, err := s.tt.subs.Get(subsKey{sc.ID, from, to}, func() ([]schulhof.Substitution, error) {
		return s.db.FindSubstitutions(ctx, sc.ID, from, to)
	})
	if err != nil {
		return nil, err
	}
	planFor := func(d schulhof.Day) (*schulhof.TimetablePlan, error) { return s.PlanOn(ctx, sc.ID, d) }
	exams, err := s.tt.exams.Get(subsKey{sc.ID, from, to}, func() ([]schulhof.Exam, error) {
		return s.db.FindExams(ctx, sc.ID, from, to)
	})
	if err != nil {
		return nil, err
	}
	if v.Person != 0 || v.TeacherID != 0 {
		planned, err := s.exams.PlannedFor(ctx, sc, v, from, to, planFor)
		if err != nil {
			return nil, err
		}
		exams = append(slices.Clip(exams), planned...)
	}
	cycle, err := s.cycleOf(ctx, sc)
	if err != nil {
		return nil, err
	}
	lessons, err := timetable.Week(planFor, subs, exams, times, cycle, v, monday, days)
	if lessons == nil {
		lessons = []timetable.Lesson{}
	}
	return lessons, err
}

// apiMyTimetable: GET /api/v1/me/timetable?week=2026-W49[&child=ID].
func (s *Module) apiMyTimetable(r *http.Request) (any, error) {
	wk, err := s.week(r)
	if err != nil {
		return nil, err
	}
	return wk, nil
}

// lessonView is a lesson as the page shows it (the template part
// "lesson"): its class or course where the page names them, its change
// in words.
type lessonView struct {
	timetable.Lesson
	GroupName  string
	StatusText string
}

// weekPage is the week as a grid: a row per period, a column per day.
type weekPage struct {
	*weekOf
	Days     []weekDay
	Periods  []int
	Cells    map[int][][]timetable.Lesson // period -> day index -> lessons
	Prev     string
	Next     string
	Children []*schulhof.User
	Child    string
	// Picking another week: a class's (everyone), a teacher's, a room's
	// (staff); Query keeps the choice for the week navigation.
	Classes   []string
	Staff     bool
	Query     string
	ShowingOf string
	// ShowGroups: each lesson says its class or course (a teacher's or a
	// room's week; a student's lessons are with her own groups).
	ShowGroups bool
}

type weekDay struct {
	Name    string // "Mo 1.2."
	Day     schulhof.Day
	Today   bool
	Holiday string
}

// showTimetablePage: GET /timetable?week=...[&child=ID | &class= | &teacher= | &room=].
func (s *Module) showTimetablePage(r *http.Request) (*kit.View, error) {
	a := kit.AuthOf(r)
	q := r.URL.Query()
	byCode := q.Get("class") != "" || q.Get("teacher") != "" || q.Get("room") != ""
	var wk *weekOf
	var err error
	switch {
	case a.School == nil || a.User.SchoolID != a.School.ID:
		err = schulhof.Errorf(schulhof.ENotFound, "timetable.no_school")
	case byCode:
		wk, err = s.codeWeek(r, a.School)
	default:
		wk, err = s.week(r)
		if schulhof.Match(err, schulhof.ENotFound) && a.User.Role == schulhof.RoleParent && q.Get("child") == "" {
			// no children linked yet: an empty week, not an error
			wk, err = &weekOf{Week: timetable.ISOWeek(s.ThisMonday()), Monday: schulhof.DayOf(s.ThisMonday()), Person: a.User,
				Lessons: []timetable.Lesson{}, Holidays: []dayOff{}}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	monday, _ := timetable.ParseISOWeek(wk.Week)
	p := &weekPage{weekOf: wk, Cells: map[int][][]timetable.Lesson{},
		Prev: timetable.ISOWeek(monday.AddDate(0, 0, -7)), Next: timetable.ISOWeek(monday.AddDate(0, 0, 7))}
	v := s.NewView(r, "timetable.title")
	names := strings.Split(v.T("timetable.weekdays"), ",")
	today := schulhof.DayOf(s.Now().In(kit.Berlin))
	for i := 0; i < 5; i++ {
		d := monday.AddDate(0, 0, i)
		p.Days = append(p.Days, weekDay{Name: names[i] + " " + d.Format("2.1."), Day: schulhof.DayOf(d), Today: schulhof.DayOf(d) == today})
		for _, h := range wk.Holidays {
			if h.Date == schulhof.DayOf(d) {
				p.Days[i].Holiday = h.Name
			}
		}
	}
	for _, l := range wk.Lessons {
		if _, ok := p.Cells[l.Period]; !ok {
			p.Cells[l.Period] = make([][]timetable.Lesson, 5)
			p.Periods = append(p.Periods, l.Period)
		}
		for i, d := range p.Days {
			if d.Day == l.Date {
				p.Cells[l.Period][i] = append(p.Cells[l.Period][i], l)
			}
		}
	}
	slices.Sort(p.Periods)
	if a.User.Role == schulhof.RoleParent && !byCode {
		if p.Children, err = s.db.FindChildren(r.Context(), a.User.SchoolID, a.User.ID); err != nil {
			return nil, err
		}
		p.Child = strconv.FormatInt(int64(wk.Person.ID), 10)
		p.Query = "child=" + p.Child
	}
	p.Staff = a.User.Role >= schulhof.RoleTeacher
	p.ShowGroups = (wk.Person != nil && wk.Person.Role >= schulhof.RoleTeacher) || q.Get("teacher") != "" || q.Get("room") != ""
	classes, err := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: a.School.ID, Kind: schulhof.GroupClass})
	if err != nil {
		return nil, err
	}
	for _, g := range classes {
		code := g.UntisCode
		if code == "" {
			code = g.Name
		}
		p.Classes = append(p.Classes, code)
	}
	slices.SortFunc(p.Classes, schulhof.NaturalCompare)
	for _, k := range []string{"class", "teacher", "room"} {
		if x := q.Get(k); x != "" {
			p.Query, p.ShowingOf = k+"="+url.QueryEscape(x), x
		}
	}
	v.Data = p
	return v, nil
}

// changesSoon are the changed lessons of today and the next school day
// for the start page: the actor's own, or a parent's children's.
func (s *Module) changesSoon(r *http.Request, sc *schulhof.School) ([]timetable.Lesson, error) {
	a := kit.AuthOf(r)
	people := []*schulhof.User{a.User}
	if a.User.Role == schulhof.RoleParent {
		kids, err := s.db.FindChildren(r.Context(), sc.ID, a.User.ID)
		if err != nil {
			return nil, err
		}
		people = kids
	}
	today := s.Today()
	days := 2
	for today.AddDate(0, 0, days-1).Weekday() == time.Saturday || today.AddDate(0, 0, days-1).Weekday() == time.Sunday {
		days++ // Friday's "tomorrow" is Monday
	}
	codes := a.User.Role >= schulhof.RoleTeacher || sc.ShowTeacherCodes
	var out []timetable.Lesson
	for _, p := range people {
		ls, _, err := s.lessonsOf(r.Context(), sc, p, codes, today, days)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			if l.Status != timetable.Regular {
				if len(people) > 1 || a.User.Role == schulhof.RoleParent {
					l.Group = p.FirstName + ": " + l.Group
				}
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// timetableCaches keep, for two seconds, what every week view of a
// school reads: the substitutions of a range of days, the plan of a day,
// the names of the groups. An import on this node clears them.
type timetableCaches struct {
	subs   *kit.Cache[subsKey, []schulhof.Substitution]
	exams  *kit.Cache[subsKey, []schulhof.Exam]
	plans  *kit.Cache[planKey, *schulhof.TimetablePlan]
	groups *kit.Cache[schulhof.SchoolID, map[schulhof.GroupID]string]
	cycles *kit.Cache[schulhof.SchoolID, *timetable.Cycle]
	own    *kit.Cache[schulhof.SchoolID, []schulhof.SchoolHoliday]
}

type subsKey struct {
	school   schulhof.SchoolID
	from, to schulhof.Day
}

type planKey struct {
	school schulhof.SchoolID
	day    schulhof.Day
}

func newTimetableCaches(d *kit.Deps) timetableCaches {
	return timetableCaches{subs: kit.Shared(d, "timetable.subs", kit.NewCache[subsKey, []schulhof.Substitution](2*time.Second, 10_000)),
		exams:  kit.Shared(d, "timetable.exams", kit.NewCache[subsKey, []schulhof.Exam](2*time.Second, 10_000)),
		plans:  kit.Shared(d, "timetable.plans", kit.NewCache[planKey, *schulhof.TimetablePlan](2*time.Second, 10_000)),
		groups: kit.Shared(d, "timetable.groups", kit.NewCache[schulhof.SchoolID, map[schulhof.GroupID]string](2*time.Second, 10_000)),
		cycles: kit.Shared(d, "timetable.cycles", kit.NewCache[schulhof.SchoolID, *timetable.Cycle](2*time.Second, 10_000)),
		own:    kit.Shared(d, "timetable.holidays", kit.NewCache[schulhof.SchoolID, []schulhof.SchoolHoliday](2*time.Second, 10_000))}
}

// PlanOn is the school's timetable in force on a day (nil before the
// first import).
func (s *Module) PlanOn(ctx context.Context, school schulhof.SchoolID, d schulhof.Day) (*schulhof.TimetablePlan, error) {
	return s.tt.plans.Get(planKey{school, d}, func() (*schulhof.TimetablePlan, error) { return s.db.FindPlan(ctx, school, d) })
}

// OwnHolidays are the school's own holidays (shared: do not change them).
func (s *Module) OwnHolidays(ctx context.Context, school schulhof.SchoolID) ([]schulhof.SchoolHoliday, error) {
	return s.tt.own.Get(school, func() ([]schulhof.SchoolHoliday, error) { return s.db.FindSchoolHolidays(ctx, school) })
}

// forgetHolidays clears what depends on the school's holidays and week
// model after a change on this node.
func (s *Module) forgetHolidays() {
	s.tt.own.Clear()
	s.tt.cycles.Clear()
	s.exams.Forget()
}

// cycleOf is the school's rotation of A/B weeks (nil when it has none).
func (s *Module) cycleOf(ctx context.Context, sc *schulhof.School) (*timetable.Cycle, error) {
	return s.tt.cycles.Get(sc.ID, func() (*timetable.Cycle, error) {
		m, err := s.db.FindWeekModel(ctx, sc.ID)
		if err != nil || m.Weeks < 2 {
			return nil, err
		}
		own, err := s.OwnHolidays(ctx, sc.ID)
		if err != nil {
			return nil, err
		}
		// the cycle asks under its own lock, so the lazily filled years
		// need none
		public := map[int]map[schulhof.Day]bool{}
		off := func(d schulhof.Day) bool {
			year, _ := strconv.Atoi(string(d)[:4])
			days, ok := public[year]
			if !ok {
				days = map[schulhof.Day]bool{}
				for _, h := range holidays.Public(sc.State, year) {
					days[schulhof.DayOf(h.Date)] = true
				}
				public[year] = days
			}
			if days[d] {
				return true
			}
			for _, h := range own {
				if h.From <= d && d <= h.To {
					return true
				}
			}
			return false
		}
		return timetable.NewCycle(m, off), nil
	})
}

// GroupNames names a school's groups, for the lessons' "group".
func (s *Module) GroupNames(ctx context.Context, school schulhof.SchoolID) (map[schulhof.GroupID]string, error) {
	return s.tt.groups.Get(school, func() (map[schulhof.GroupID]string, error) {
		all, err := s.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: school})
		m := map[schulhof.GroupID]string{}
		for _, g := range all {
			m[g.ID] = g.Name
		}
		return m, err
	})
}

// forgetTimetable clears the caches after an import.
func (s *Module) forgetTimetable() {
	s.tt.subs.Clear()
	s.tt.exams.Clear()
	s.tt.plans.Clear()
	s.tt.groups.Clear()
	s.forgetHolidays()
}

// codeWeek is the week of a class, a teacher or a room named by the
// query (exactly one of class=, teacher=, room=): a class's for everyone
// at the school, a teacher's for staff (or everyone where the school shows
// teachers' codes), a room's for staff.
func (s *Module) codeWeek(r *http.Request, sc *schulhof.School) (*weekOf, error) {
	u := kit.AuthOf(r).User
	q := r.URL.Query()
	class, teacher, room := strings.TrimSpace(q.Get("class")), strings.TrimSpace(q.Get("teacher")), strings.TrimSpace(q.Get("room"))
	staff := u.Role >= schulhof.RoleTeacher
	v := timetable.Viewer{ClassCodes: map[string]bool{}, ShowTeachers: staff || sc.ShowTeacherCodes}
	given := 0
	for _, x := range []string{class, teacher, room} {
		if x != "" {
			given++
		}
	}
	switch {
	case given != 1:
		return nil, schulhof.Errorf(schulhof.EBadRequest, "timetable.one_of")
	case class != "":
		v.ClassCodes[strings.ToLower(class)] = true
		v.Filter = func(e schulhof.TimetableEntry) bool { return strings.EqualFold(e.Class, class) }
	case teacher != "" && v.ShowTeachers:
		v.TeacherCode = teacher
		v.Filter = func(e schulhof.TimetableEntry) bool { return strings.EqualFold(e.Teacher, teacher) }
	case room != "" && staff:
		v.Room = room
		v.Filter = func(e schulhof.TimetableEntry) bool { return strings.EqualFold(e.Room, room) }
	default:
		return nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	monday := s.ThisMonday()
	if wk := q.Get("week"); wk != "" {
		var err error
		if monday, err = timetable.ParseISOWeek(wk); err != nil {
			return nil, err
		}
	}
	lessons, err := s.weekOfViewer(r.Context(), sc, v, monday, 5)
	if err != nil {
		return nil, err
	}
	off, err := s.daysOff(r.Context(), sc, monday, 5)
	if err != nil {
		return nil, err
	}
	wk := &weekOf{Week: timetable.ISOWeek(monday), Monday: schulhof.DayOf(monday), Lessons: dropDays(lessons, off), Holidays: off}
	return wk, s.nameWeekType(r.Context(), sc, wk)
}

// apiSchoolTimetable: GET /api/v1/schools/{school}/timetable?week=&class=|teacher=|room=.
func (s *Module) apiSchoolTimetable(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	wk, err := s.codeWeek(r, sc)
	if err != nil {
		return nil, err
	}
	return wk, nil
}

// dropDays leaves out the lessons on days off.
func dropDays(lessons []timetable.Lesson, off []dayOff) []timetable.Lesson {
	isOff := map[schulhof.Day]bool{}
	for _, d := range off {
		isOff[d.Date] = true
	}
	kept := []timetable.Lesson{}
	for _, l := range lessons {
		if !isOff[l.Date] {
			kept = append(kept, l)
		}
	}
	return kept
}
