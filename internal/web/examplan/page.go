package examplan

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/exams"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/timetable"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The pages of the exam plan: the calendar (month or week) of a class,
// course, student or teacher; the form that plans an exam and explains
// what clashes, with free dates to take instead; the coordinator's count
// per student and week.

// examsPage is the calendar.
type examsPage struct {
	Slug      string
	View      string       // month or week
	Title     string       // "Dezember 2026", "Woche 2026-W49"
	Prev      template.URL // query of the previous month or week
	Next      template.URL
	Today     template.URL
	Weeks     [][]examDay  // rows of Monday to Friday
	Filter    template.URL // the query that keeps the choice (group=...)
	Staff     bool
	CanPlan   bool
	Groups    []*schulhof.Group
	Students  []*schulhof.User
	Teachers  []*schulhof.User
	Group     schulhof.GroupID
	Student   schulhof.UserID
	Teacher   schulhof.UserID
	DayNames  []string // Monday to Friday
	Empty     bool
	Export    template.URL // query for the CSV and PDF of what is shown
	Overview  string       // the overview's week
	Announced int          // days students see ahead
}

type examDay struct {
	Day     schulhof.Day
	Label   string // "2.12."
	InMonth bool
	Today   bool
	Off     string
	Exams   []examView
}

// monthStart reads ?at= (a day) and the view, and returns the first day
// shown and how many weeks.
func (s *Module) examWindow(r *http.Request) (view string, first time.Time, weeks int, anchor time.Time, err error) {
	view = r.URL.Query().Get("view")
	if view != "week" {
		view = "month"
	}
	anchor, err = s.ParseDay(r.URL.Query().Get("at"))
	if err != nil {
		return
	}
	if view == "week" {
		first = anchor.AddDate(0, 0, -((int(anchor.Weekday()) + 6) % 7))
		return view, first, 1, anchor, nil
	}
	m := time.Date(anchor.Year(), anchor.Month(), 1, 0, 0, 0, 0, time.UTC)
	first = m.AddDate(0, 0, -((int(m.Weekday()) + 6) % 7))
	last := m.AddDate(0, 1, -1)
	weeks = int(last.Sub(first).Hours()/24)/7 + 1
	return view, first, weeks, m, nil
}

// showExamsPage: GET /s/{school}/exams?view=month|week&at=&group=&student=&teacher=.
func (s *Module) showExamsPage(r *http.Request) (*kit.View, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	u := kit.AuthOf(r).User
	view, first, weeks, anchor, err := s.examWindow(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	p := &examsPage{Slug: sc.Slug, View: view, Staff: u.Role >= schulhof.RoleTeacher}
	if n, err := strconv.ParseInt(q.Get("group"), 10, 64); err == nil {
		p.Group = schulhof.GroupID(n)
	}
	if n, err := strconv.ParseInt(q.Get("student"), 10, 64); err == nil {
		p.Student = schulhof.UserID(n)
	}
	if n, err := strconv.ParseInt(q.Get("teacher"), 10, 64); err == nil {
		p.Teacher = schulhof.UserID(n)
	}
	filter := url.Values{}
	for _, k := range []string{"group", "student", "teacher"} {
		if v := q.Get(k); v != "" {
			filter.Set(k, v)
		}
	}
	p.Filter = template.URL(filter.Encode()) // encoded by url.Values
	book, err := s.examBookOf(r.Context(), sc)
	if err != nil {
		return nil, err
	}
	p.Announced = book.settings.AnnounceDays
	from, to := schulhof.DayOf(first), schulhof.DayOf(first.AddDate(0, 0, 7*weeks-1))
	list, err := s.visibleExams(r.Context(), u, sc, book, from, to, p.Group, p.Student)
	if err != nil {
		return nil, err
	}
	if p.Teacher != 0 && p.Staff {
		if list, err = s.examsOfTeacher(r.Context(), sc, list, p.Teacher); err != nil {
			return nil, err
		}
	}
	if p.Staff {
		ok, err := s.mayPlanAny(r.Context(), u, sc, book.settings)
		if err != nil {
			return nil, err
		}
		p.CanPlan = ok
		if p.Groups, err = s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID}); err != nil {
			return nil, err
		}
		for _, role := range []schulhof.Role{schulhof.RoleStudent, schulhof.RoleTeacher} {
			users, _, err := s.db.FindUsers(r.Context(), schulhof.UserFilter{SchoolID: sc.ID, Role: role, Limit: 3000})
			if err != nil {
				return nil, err
			}
			if role == schulhof.RoleStudent {
				p.Students = users
			} else {
				p.Teachers = users
			}
		}
	}
	off, err := s.dayNames(r.Context(), sc)
	if err != nil {
		return nil, err
	}
	today := schulhof.DayOf(s.Now().In(kit.Berlin))
	for wk := 0; wk < weeks; wk++ {
		var row []examDay
		for d := 0; d < 5; d++ {
			t := first.AddDate(0, 0, 7*wk+d)
			day := examDay{Day: schulhof.DayOf(t), Label: t.Format("2.1."), InMonth: view == "week" || t.Month() == anchor.Month(),
				Today: schulhof.DayOf(t) == today, Off: off(schulhof.DayOf(t))}
			for _, e := range list {
				if e.Date == day.Day {
					day.Exams = append(day.Exams, e)
				}
			}
			row = append(row, day)
		}
		p.Weeks = append(p.Weeks, row)
	}
	p.Empty = len(list) == 0
	v := s.SchoolView(r, sc, "exams.title")
	p.DayNames = strings.Split(v.T("timetable.weekdays"), ",")[:5]
	if view == "week" {
		p.Title = kit.GermanWeek(timetable.ISOWeek(first))
		p.Prev, p.Next = template.URL("view=week&at="+string(schulhof.DayOf(first.AddDate(0, 0, -7)))), template.URL("view=week&at="+string(schulhof.DayOf(first.AddDate(0, 0, 7))))
	} else {
		months := strings.Split(v.T("exams.months"), ",")
		p.Title = months[anchor.Month()-1] + " " + strconv.Itoa(anchor.Year())
		p.Prev, p.Next = template.URL("at="+string(schulhof.DayOf(anchor.AddDate(0, -1, 0)))), template.URL("at="+string(schulhof.DayOf(anchor.AddDate(0, 1, 0))))
	}
	p.Today = template.URL("view=" + view)
	p.Overview = timetable.ISOWeek(first)
	exp := url.Values{"from": {string(from)}, "to": {string(to)}}
	if p.Group != 0 {
		exp.Set("group", strconv.FormatInt(int64(p.Group), 10))
	}
	p.Export = template.URL(exp.Encode())
	v.Data = p
	return v, nil
}

// examsOfTeacher keeps the exams a teacher supervises, planned, or that
// are of a group the teacher leads.
func (s *Module) examsOfTeacher(ctx context.Context, sc *schulhof.School, list []examView, teacher schulhof.UserID) ([]examView, error) {
	gs, err := s.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID, UserID: teacher})
	if err != nil {
		return nil, err
	}
	led := map[schulhof.GroupID]bool{}
	for _, g := range gs {
		if g.MyRole == schulhof.MemberRoleLeader {
			led[g.ID] = true
		}
	}
	var out []examView
	for _, e := range list {
		if slices.Contains(e.Supervisors, teacher) || e.CreatedBy == int64(teacher) || slices.ContainsFunc(e.Groups, func(g schulhof.GroupID) bool { return led[g] }) {
			out = append(out, e)
		}
	}
	return out, nil
}

// mayPlanAny says whether the user may plan exams at all: coordinators
// and admins, and teachers who lead a group.
func (s *Module) mayPlanAny(ctx context.Context, u *schulhof.User, sc *schulhof.School, st *schulhof.ExamSettings) (bool, error) {
	if s.isCoordinator(u, sc, st) {
		return true, nil
	}
	gs, err := s.plannableGroups(ctx, u, sc, st)
	return len(gs) > 0, err
}

// plannableGroups are the groups the user may plan exams for.
func (s *Module) plannableGroups(ctx context.Context, u *schulhof.User, sc *schulhof.School, st *schulhof.ExamSettings) ([]*schulhof.Group, error) {
	if s.isCoordinator(u, sc, st) {
		return s.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID})
	}
	if u.Role != schulhof.RoleTeacher {
		return nil, nil
	}
	gs, err := s.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID, UserID: u.ID})
	var out []*schulhof.Group
	for _, g := range gs {
		if g.MyRole == schulhof.MemberRoleLeader {
			out = append(out, g)
		}
	}
	return out, err
}

// examForm is the form that plans or changes an exam.
type examForm struct {
	Slug        string
	ID          int64
	In          examInput
	Groups      []*schulhof.Group
	Students    []*schulhof.User
	Staff       []*schulhof.User
	Kinds       []exams.Kind
	Coordinator bool
	Violations  []exams.Violation
	Problem     string
	Suggestions []examSuggestion
}

type examSuggestion struct {
	exams.Slot
	Label string       // "Mi 9.12., 3.–4. Stunde"
	Query template.URL // the form's query with this slot
}

func (f *examForm) HasGroup(id schulhof.GroupID) bool  { return slices.Contains(f.In.Groups, id) }
func (f *examForm) HasStudent(id schulhof.UserID) bool { return slices.Contains(f.In.Students, id) }
func (f *examForm) HasSupervisor(id schulhof.UserID) bool {
	return slices.Contains(f.In.Supervisors, id)
}
func (f *examForm) Rooms() string { return strings.Join(f.In.Rooms, ", ") }

// newExamForm fills the form's choices for the user.
func (s *Module) newExamForm(ctx context.Context, u *schulhof.User, sc *schulhof.School) (*examForm, error) {
	st, err := s.db.FindExamSettings(ctx, sc.ID)
	if err != nil {
		return nil, err
	}
	f := &examForm{Slug: sc.Slug, Kinds: exams.Kinds, Coordinator: s.isCoordinator(u, sc, st)}
	if f.Groups, err = s.plannableGroups(ctx, u, sc, st); err != nil {
		return nil, err
	}
	if len(f.Groups) == 0 {
		return nil, schulhof.Errorf(schulhof.EForbidden, "exam.not_your_group")
	}
	if f.Coordinator { // every student, in one query rather than one per group
		after := ""
		for {
			users, next, err := s.db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Role: schulhof.RoleStudent, After: after, Limit: 1000})
			if err != nil {
				return nil, err
			}
			f.Students = append(f.Students, users...)
			if next == "" {
				break
			}
			after = next
		}
	} else {
		seen := map[schulhof.UserID]bool{}
		for _, g := range f.Groups {
			ms, err := s.db.FindMembers(ctx, sc.ID, g.ID)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if m.User.Role == schulhof.RoleStudent && !seen[m.User.ID] {
					seen[m.User.ID] = true
					f.Students = append(f.Students, m.User)
				}
			}
		}
	}
	slices.SortFunc(f.Students, func(a, b *schulhof.User) int { return strings.Compare(a.LastName+a.FirstName, b.LastName+b.FirstName) })
	for _, role := range []schulhof.Role{schulhof.RoleTeacher, schulhof.RoleSchoolAdmin} {
		users, _, err := s.db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Role: role, Limit: 1000})
		if err != nil {
			return nil, err
		}
		f.Staff = append(f.Staff, users...)
	}
	return f, nil
}

// examFormInput reads the form (or the query of a suggestion).
func examFormInput(values url.Values) examInput {
	in := examInput{Date: schulhof.Day(strings.TrimSpace(values.Get("date"))), Type: values.Get("type"), Title: values.Get("title"),
		OverrideReason: values.Get("override_reason")}
	if d, err := time.Parse("02.01.2006", string(in.Date)); err == nil {
		in.Date = schulhof.DayOf(d)
	}
	in.From, _ = strconv.Atoi(values.Get("from_period"))
	in.To, _ = strconv.Atoi(values.Get("to_period"))
	for _, v := range values["groups"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Groups = append(in.Groups, schulhof.GroupID(n))
		}
	}
	for _, v := range values["students"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Students = append(in.Students, schulhof.UserID(n))
		}
	}
	for _, v := range values["supervisors"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Supervisors = append(in.Supervisors, schulhof.UserID(n))
		}
	}
	for _, room := range strings.Split(values.Get("rooms"), ",") {
		if room = strings.TrimSpace(room); room != "" {
			in.Rooms = append(in.Rooms, room)
		}
	}
	return in
}

// showExamFormPage: GET /s/{school}/exams/new[?date=&from_period=&...]
// and GET /s/{school}/exams/{exam}/edit.
func (s *Module) showExamFormPage(r *http.Request) (*kit.View, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	u := kit.AuthOf(r).User
	f, err := s.newExamForm(r.Context(), u, sc)
	if err != nil {
		return nil, err
	}
	if r.PathValue("exam") != "" {
		_, e, err := s.changeableExam(r)
		if err != nil {
			return nil, err
		}
		f.ID = e.ID
		f.In = examInput{Groups: e.Groups, Date: e.Date, From: e.From, To: e.To, Type: e.Kind, Title: e.Title, Students: e.Students,
			Rooms: e.Rooms, Supervisors: e.Supervisors, OverrideReason: e.OverrideReason}
		if s.allStudentsOf(r.Context(), sc, e.Groups, e.Students) {
			f.In.Students = nil // shown as "all"
		}
	} else {
		f.In = examFormInput(r.URL.Query())
		if f.In.Type == "" {
			f.In.Type = string(exams.Klassenarbeit)
		}
		if f.In.From == 0 {
			f.In.From, f.In.To = 1, 2
		}
	}
	v := s.SchoolView(r, sc, "exams.plan")
	v.Data = f
	return v, nil
}

// allStudentsOf says whether the students are all the groups' students.
func (s *Module) allStudentsOf(ctx context.Context, sc *schulhof.School, groups []schulhof.GroupID, students []schulhof.UserID) bool {
	n := 0
	for _, g := range groups {
		ms, err := s.db.FindMembers(ctx, sc.ID, g)
		if err != nil {
			return false
		}
		for _, m := range ms {
			if m.User.Role == schulhof.RoleStudent && m.Role == schulhof.MemberRoleMember {
				if !slices.Contains(students, m.User.ID) {
					return false
				}
				n++
			}
		}
	}
	return n >= len(students)
}

// submitExamForm: POST /s/{school}/exams and POST /s/{school}/exams/{exam}.
func (s *Module) submitExamForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	u := kit.AuthOf(r).User
	var id int64
	if r.PathValue("exam") != "" {
		_, e, err := s.changeableExam(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		id = e.ID
	}
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form"))
		return
	}
	in := examFormInput(r.PostForm)
	lang := kit.Info(r).Lang
	e, broken, err := s.planExam(r.Context(), u, sc, lang, id, in)
	if err == nil && broken == nil {
		http.Redirect(w, r, "/s/"+sc.Slug+"/exams?view=week&at="+string(e.Date)+"&flash=exam_saved", http.StatusSeeOther)
		return
	}
	f, ferr := s.newExamForm(r.Context(), u, sc)
	if ferr != nil {
		s.Fail(w, r, ferr)
		return
	}
	f.ID, f.In = id, in
	v := s.SchoolView(r, sc, "exams.plan")
	status := http.StatusUnprocessableEntity
	if broken != nil {
		f.Problem, f.Violations = broken.Message, broken.Violations
		f.Suggestions = s.suggestionsFor(r.Context(), sc, lang, id, in)
	} else {
		status = s.FormError(r, v, err)
	}
	v.Data = f
	s.Render(w, r, status, "examform", v)
}

// suggestionsFor are the five best free slots in the four weeks from the
// exam's week, as links that fill the form with them.
func (s *Module) suggestionsFor(ctx context.Context, sc *schulhof.School, lang string, id int64, in examInput) []examSuggestion {
	book, err := s.examBookOf(ctx, sc)
	if err != nil {
		return nil
	}
	t, err := time.Parse("2006-01-02", string(in.Date))
	if err != nil {
		t = s.Now().In(kit.Berlin)
	}
	if today := s.Now().In(kit.Berlin); t.Before(today) {
		t = today
	}
	e := exams.Exam{ID: id, From: 1, To: 1 + max(0, in.To-in.From), Kind: exams.Kind(in.Type), Groups: in.Groups, Students: in.Students,
		Rooms: in.Rooms, Supervisors: in.Supervisors}
	if len(e.Students) == 0 {
		for _, g := range in.Groups {
			for _, st := range book.studentsOf(ctx, s, sc, g) {
				if !slices.Contains(e.Students, st) {
					e.Students = append(e.Students, st)
				}
			}
		}
	}
	own, _ := s.ownLessons(ctx, sc, in.Groups)
	monday := t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	from := schulhof.DayOf(monday)
	if t.After(monday) {
		from = schulhof.DayOf(t)
	}
	var out []examSuggestion
	days := strings.Split(i18n.T(lang, "timetable.weekdays"), ",")
	for _, slot := range book.plan(lang).Suggest(e, from, schulhof.DayOf(monday.AddDate(0, 0, 27)), own, 5) {
		d, _ := time.Parse("2006-01-02", string(slot.Date))
		label := days[(int(d.Weekday())+6)%7] + " " + d.Format("2.1.") + ", " + i18n.T(lang, "exams.periods", slot.From, slot.To)
		q := url.Values{"date": {string(slot.Date)}, "from_period": {strconv.Itoa(slot.From)}, "to_period": {strconv.Itoa(slot.To)},
			"type": {in.Type}, "title": {in.Title}, "rooms": {strings.Join(in.Rooms, ", ")}}
		for _, g := range in.Groups {
			q.Add("groups", strconv.FormatInt(int64(g), 10))
		}
		for _, st := range in.Students {
			q.Add("students", strconv.FormatInt(int64(st), 10))
		}
		for _, sv := range in.Supervisors {
			q.Add("supervisors", strconv.FormatInt(int64(sv), 10))
		}
		out = append(out, examSuggestion{Slot: slot, Label: label, Query: template.URL(q.Encode())})
	}
	return out
}

// deleteExamForm: POST /s/{school}/exams/{exam}/delete.
func (s *Module) deleteExamForm(r *http.Request) (string, error) {
	sc, e, err := s.deleteExam(r)
	if err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/exams?view=week&at=" + string(e.Date) + "&flash=exam_deleted", nil
}

// examSettingsForm is the settings page's section of the exam plan.
type examSettingsForm struct {
	Preset       bool
	Levels       []examRulesField
	AnnounceDays int
	Blocked      string // lines "27.01.2027;Zeugniskonferenzen"
	Staff        []*schulhof.User
	Coordinators []schulhof.UserID
}

type examRulesField struct {
	Key   string // sek1, sek2
	Rules exams.Rules
}

// IsCoordinator says whether the user is one of the coordinators.
func (f examSettingsForm) IsCoordinator(id schulhof.UserID) bool {
	return slices.Contains(f.Coordinators, id)
}

func (s *Module) examSettingsForm(ctx context.Context, sc *schulhof.School) examSettingsForm {
	f := examSettingsForm{}
	st, err := s.db.FindExamSettings(ctx, sc.ID)
	if err != nil {
		return f
	}
	rs := rulesOf(sc, st)
	f.Preset, f.AnnounceDays, f.Coordinators = st.RulesJSON == "", st.AnnounceDays, st.Coordinators
	f.Levels = []examRulesField{{"sek1", rs.Lower}, {"sek2", rs.Upper}}
	var b strings.Builder
	for _, d := range st.Blocked {
		b.WriteString(kit.GermanDate(d.Date) + ";" + d.Reason + "\n")
	}
	f.Blocked = b.String()
	for _, role := range []schulhof.Role{schulhof.RoleTeacher, schulhof.RoleSchoolAdmin} {
		users, _, err := s.db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Role: role, Limit: 1000})
		if err == nil {
			f.Staff = append(f.Staff, users...)
		}
	}
	return f
}

// saveExamSettingsFromForm: POST /s/{school}/settings/exams.
func (s *Module) saveExamSettingsFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in := examSettingsInput{Coordinators: []schulhof.UserID{}}
	in.AnnounceDays, _ = strconv.Atoi(r.PostFormValue("announce_days"))
	if r.PostFormValue("preset") != "1" {
		level := func(key string) exams.Rules {
			n := func(f string) int { v, _ := strconv.Atoi(r.PostFormValue(key + "_" + f)); return v }
			b := func(f string) bool { return r.PostFormValue(key+"_"+f) == "1" }
			return exams.Rules{MaxPerDay: n("max_per_day"), MaxPerDaySoft: b("max_per_day_soft"), MaxPerWeek: n("max_per_week"),
				MaxPerWeekSoft: b("max_per_week_soft"), NoTestOnExamDay: b("no_test_on_exam_day"), NoExamAfterHolidays: b("no_exam_after_holidays")}
		}
		in.Rules = &exams.RuleSet{Lower: level("sek1"), Upper: level("sek2")}
	}
	for i, line := range strings.Split(strings.ReplaceAll(r.PostFormValue("blocked_days"), "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		day, reason, _ := strings.Cut(line, ";")
		d, perr := time.Parse("02.01.2006", strings.TrimSpace(day))
		if perr != nil {
			d, perr = time.Parse("2006-01-02", strings.TrimSpace(day))
		}
		if perr != nil || strings.TrimSpace(reason) == "" {
			err = schulhof.Invalid("blocked_days", "exam.blocked_line", i+1)
			break
		}
		in.Blocked = append(in.Blocked, schulhof.BlockedDay{Date: schulhof.DayOf(d), Reason: strings.TrimSpace(reason)})
	}
	for _, v := range r.PostForm["coordinators"] {
		if n, perr := strconv.ParseInt(v, 10, 64); perr == nil {
			in.Coordinators = append(in.Coordinators, schulhof.UserID(n))
		}
	}
	if err == nil {
		_, err = s.saveExamSettings(r.Context(), sc, in)
	}
	if err != nil {
		v := s.SchoolView(r, sc, "settings.title")
		v.Form["blocked_days"] = r.PostFormValue("blocked_days")
		s.RenderSettings(w, r, s.FormError(r, v, err), sc, v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=saved#exams", http.StatusSeeOther)
}

// studentWeek is a student's exams in a week, for the coordinator.
type studentWeek struct {
	Student schulhof.UserID `json:"student"`
	Name    string          `json:"name"`
	Class   string          `json:"class"`
	// Days are the titles of the exams of Monday to Friday.
	Days  [5][]string `json:"days"`
	Count int         `json:"count"` // exams that count towards the limits
	// Over says the student writes more than the rules allow.
	Over bool `json:"over"`
}

// weekOverview counts each student's exams in the week from monday.
func (s *Module) weekOverview(book *examBook, monday time.Time) []studentWeek {
	byStudent := map[schulhof.UserID]*studentWeek{}
	from, to := schulhof.DayOf(monday), schulhof.DayOf(monday.AddDate(0, 0, 4))
	perDay := map[schulhof.UserID]map[schulhof.Day]int{}
	for _, e := range book.plan("de").Exams() {
		if e.Date < from || e.Date > to {
			continue
		}
		t, _ := time.Parse("2006-01-02", string(e.Date))
		d := int(t.Sub(monday).Hours() / 24)
		for _, st := range e.Students {
			sw, ok := byStudent[st]
			if !ok {
				info := book.input.Students[st]
				sw = &studentWeek{Student: st, Name: info.Name, Class: info.Class}
				for i := range sw.Days {
					sw.Days[i] = []string{}
				}
				byStudent[st] = sw
				perDay[st] = map[schulhof.Day]int{}
			}
			sw.Days[d] = append(sw.Days[d], e.Title)
			if e.Kind.Counts() {
				sw.Count++
				perDay[st][e.Date]++
			}
		}
	}
	out := make([]studentWeek, 0, len(byStudent))
	for id, sw := range byStudent {
		rules := book.input.Rules.For(book.input.Students[id].Level)
		sw.Over = rules.MaxPerWeek > 0 && sw.Count > rules.MaxPerWeek
		for _, n := range perDay[id] {
			sw.Over = sw.Over || (rules.MaxPerDay > 0 && n > rules.MaxPerDay)
		}
		out = append(out, *sw)
	}
	slices.SortFunc(out, func(a, b studentWeek) int {
		if a.Over != b.Over {
			if a.Over {
				return -1
			}
			return 1
		}
		if c := b.Count - a.Count; c != 0 {
			return c
		}
		if c := strings.Compare(a.Class, b.Class); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// overviewWeek reads ?week=2027-W11 (this week without it).
func (s *Module) overviewWeek(r *http.Request) (time.Time, error) {
	if w := r.URL.Query().Get("week"); w != "" {
		return timetable.ParseISOWeek(w)
	}
	return s.ThisMonday(), nil
}

// apiExamOverview: GET /api/v1/schools/{school}/exams/overview?week=2027-W11
// (staff): every student who writes that week, with their exams per day,
// those over the limits first.
func (s *Module) apiExamOverview(r *http.Request) (any, error) {
	_, book, monday, err := s.examWeek(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"week": timetable.ISOWeek(monday), "items": s.weekOverview(book, monday)}, nil
}

// examWeek is the school of the path (for staff), its exam plan and the
// Monday of ?week=.
func (s *Module) examWeek(r *http.Request) (*schulhof.School, *examBook, time.Time, error) {
	sc, err := s.staffSchool(r)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	monday, err := s.overviewWeek(r)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	book, err := s.examBookOf(r.Context(), sc)
	return sc, book, monday, err
}

// examOverviewPage is the coordinator's week.
type examOverviewPage struct {
	Slug     string
	Week     string
	Prev     string
	Next     string
	DayNames []string
	Rows     []studentWeek
}

// showExamOverviewPage: GET /s/{school}/exams/overview?week= (staff).
func (s *Module) showExamOverviewPage(r *http.Request) (*kit.View, error) {
	sc, book, monday, err := s.examWeek(r)
	if err != nil {
		return nil, err
	}
	v := s.SchoolView(r, sc, "exams.overview")
	p := &examOverviewPage{Slug: sc.Slug, Week: timetable.ISOWeek(monday), Prev: timetable.ISOWeek(monday.AddDate(0, 0, -7)),
		Next: timetable.ISOWeek(monday.AddDate(0, 0, 7)), Rows: s.weekOverview(book, monday)}
	for i, name := range strings.Split(v.T("timetable.weekdays"), ",")[:5] {
		p.DayNames = append(p.DayNames, name+" "+monday.AddDate(0, 0, i).Format("2.1."))
	}
	v.Data = p
	return v, nil
}
