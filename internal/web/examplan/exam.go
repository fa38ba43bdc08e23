package examplan

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/exams"
	"github.com/schulhof/schulhof/internal/holidays"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/timetable"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The exam plan ("Klausurplan"): teachers plan exams for their groups,
// checked per student by internal/exams against the school's rules; the
// exams of the Untis export (GPU017) are part of the same plan.

// examView is an exam as the API and the pages show it: a planned one, or
// one of the Untis export (source "untis", id below zero).
type examView struct {
	exams.Exam
	Source         string   `json:"source"` // "schulhof" or "untis"
	GroupNames     []string `json:"group_names"`
	OverrideReason string   `json:"override_reason,omitempty"`
	CreatedBy      int64    `json:"created_by,omitempty"`
}

// examBook is a school's exam plan as the rules see it, with what the
// pages need besides: kept two seconds, cleared by every change on this
// node.
type examBook struct {
	input exams.Input
	// version is the store's version of the plan it was built from
	version  int64
	plans    [2]*exams.Plan // German, English
	planned  map[int64]*schulhof.PlannedExam
	settings *schulhof.ExamSettings
	groups   map[schulhof.GroupID]string

	mu      sync.Mutex                             // the book is shared by requests; members fills as they ask
	members map[schulhof.GroupID][]schulhof.UserID // students of the groups
}

func (b *examBook) plan(lang string) *exams.Plan {
	if lang == "en" {
		return b.plans[1]
	}
	return b.plans[0]
}

// dayNames says why a day has no lessons: a public or school holiday.
func (s *Module) dayNames(ctx context.Context, sc *schulhof.School) (func(schulhof.Day) string, error) {
	own, err := s.timetable.OwnHolidays(ctx, sc.ID)
	if err != nil {
		return nil, err
	}
	return func(d schulhof.Day) string {
		year, _ := strconv.Atoi(string(d)[:4])
		for _, h := range holidays.Public(sc.State, year) {
			if schulhof.DayOf(h.Date) == d {
				return h.Name
			}
		}
		for _, h := range own {
			if h.From <= d && d <= h.To {
				return h.Name
			}
		}
		return ""
	}, nil
}

// rulesOf are the school's exam rules: its own, or its state's preset.
func rulesOf(sc *schulhof.School, st *schulhof.ExamSettings) exams.RuleSet {
	if st != nil && st.RulesJSON != "" {
		var rs exams.RuleSet
		if json.Unmarshal([]byte(st.RulesJSON), &rs) == nil {
			return rs
		}
	}
	return exams.PresetFor(sc.State)
}

// examBookOf builds (or takes from the cache) the school's exam plan.
func (s *Module) examBookOf(ctx context.Context, sc *schulhof.School) (*examBook, error) {
	return s.books.Get(sc.ID, func() (*examBook, error) { return s.buildExamBook(ctx, sc, nil) })
}

// buildExamBook reads the school's exam plan; with imp, as it would be
// once the timetable import is applied (its exams instead of those of
// their days, its plan for its dates, its courses' students).
func (s *Module) buildExamBook(ctx context.Context, sc *schulhof.School, imp *schulhof.TimetableImport) (*examBook, error) {
	b := &examBook{planned: map[int64]*schulhof.PlannedExam{}, members: map[schulhof.GroupID][]schulhof.UserID{}}
	var err error
	// first: a change while the rest is read makes the book stale
	if b.version, err = s.db.ExamPlanVersion(ctx, sc.ID); err != nil {
		return nil, err
	}
	if b.settings, err = s.db.FindExamSettings(ctx, sc.ID); err != nil {
		return nil, err
	}
	if b.groups, err = s.timetable.GroupNames(ctx, sc.ID); err != nil {
		return nil, err
	}
	in := exams.Input{Students: map[schulhof.UserID]exams.Student{}, Supervisors: map[schulhof.UserID]string{}, Rules: rulesOf(sc, b.settings)}
	// the school's students and staff
	for _, role := range []schulhof.Role{schulhof.RoleStudent, schulhof.RoleTeacher, schulhof.RoleSchoolAdmin} {
		after := ""
		for {
			users, next, err := s.db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Role: role, After: after, Limit: 1000})
			if err != nil {
				return nil, err
			}
			for _, u := range users {
				if role == schulhof.RoleStudent {
					in.Students[u.ID] = exams.Student{Name: u.LastName, Class: u.Class, Level: exams.LevelOf(u.Class)}
				} else {
					in.Supervisors[u.ID] = strings.TrimSpace(u.FirstName + " " + u.LastName)
				}
			}
			if next == "" {
				break
			}
			after = next
		}
	}
	planned, err := s.db.FindPlannedExams(ctx, schulhof.ExamFilter{SchoolID: sc.ID})
	if err != nil {
		return nil, err
	}
	for _, e := range planned {
		b.planned[e.ID] = e
		in.Exams = append(in.Exams, exams.Exam{ID: e.ID, Date: e.Date, From: e.From, To: e.To, Kind: exams.Kind(e.Kind), Title: e.Title,
			Groups: e.Groups, Students: e.Students, Rooms: e.Rooms, Supervisors: e.Supervisors})
	}
	// the Untis export's exams: their students are those of the groups
	// whose lessons they name
	untis, err := s.db.FindExams(ctx, sc.ID, "0000-01-01", "9999-12-31")
	if err != nil {
		return nil, err
	}
	planFor := func(day schulhof.Day) (*schulhof.TimetablePlan, error) { return s.db.FindPlan(ctx, sc.ID, day) }
	if imp != nil {
		untis = importedExams(untis, imp)
		if p := imp.Plan; p != nil {
			planFor = func(day schulhof.Day) (*schulhof.TimetablePlan, error) {
				if day >= p.ValidFrom && day <= p.ValidTo {
					return p, nil
				}
				return s.db.FindPlan(ctx, sc.ID, day)
			}
		}
	}
	for _, u := range untis {
		plan, err := planFor(u.Day)
		if err != nil {
			return nil, err
		}
		e := exams.Exam{ID: -int64(u.Number), Date: u.Day, From: u.From, To: u.To, Kind: exams.Klausur, Rooms: u.Rooms,
			Title: strings.TrimSpace(u.Name + " " + strings.Join(u.Subjects, ", "))}
		if plan != nil {
			for _, entry := range plan.Entries {
				if entry.GroupID != 0 && slices.Contains(u.Lessons, entry.Lesson) && !slices.Contains(e.Groups, entry.GroupID) {
					e.Groups = append(e.Groups, entry.GroupID)
				}
			}
		}
		for _, g := range e.Groups {
			var students []schulhof.UserID
			if g < 0 { // a course of the import: its students as it brings them
				students = imp.Courses[-g-1].Students
			} else {
				students = b.studentsOf(ctx, s, sc, g)
			}
			for _, st := range students {
				if !slices.Contains(e.Students, st) {
					e.Students = append(e.Students, st)
				}
			}
		}
		in.Exams = append(in.Exams, e)
	}
	// the calendar
	off, err := s.dayNames(ctx, sc)
	if err != nil {
		return nil, err
	}
	times, err := s.db.FindLessonTimes(ctx, sc.ID)
	if err != nil {
		return nil, err
	}
	periods := map[int][]int{}
	for wd := 1; wd <= 7; wd++ {
		for p := 1; p <= 24; p++ {
			if _, ok := schulhof.LessonTimeOf(times, wd, p); ok {
				periods[wd] = append(periods[wd], p)
			}
		}
	}
	blocked := map[schulhof.Day]string{}
	for _, d := range b.settings.Blocked {
		blocked[d.Date] = d.Reason
	}
	in.Calendar = exams.Calendar{Off: off, Blocked: blocked, Periods: func(wd int) []int { return periods[wd] }}
	b.input = in
	b.plans[0] = exams.NewPlan(in)
	en := in
	en.Lang = "en"
	b.plans[1] = exams.NewPlan(en)
	return b, nil
}

// importedExams are the stored Untis exams with those of the import in
// place of the days it brings.
func importedExams(stored []schulhof.Exam, imp *schulhof.TimetableImport) []schulhof.Exam {
	if imp.Exams == nil {
		return stored
	}
	days := map[schulhof.Day]bool{}
	for _, e := range imp.Exams {
		days[e.Day] = true
	}
	var out []schulhof.Exam
	for _, e := range stored {
		if !days[e.Day] {
			out = append(out, e)
		}
	}
	return append(out, imp.Exams...)
}

// studentsOf are the students of a group, read once per book.
func (b *examBook) studentsOf(ctx context.Context, s *Module, sc *schulhof.School, g schulhof.GroupID) []schulhof.UserID {
	b.mu.Lock()
	ids, ok := b.members[g]
	b.mu.Unlock()
	if ok {
		return ids
	}
	ids = []schulhof.UserID{}
	if ms, err := s.db.FindMembers(ctx, sc.ID, g); err == nil {
		for _, m := range ms {
			if m.User.Role == schulhof.RoleStudent && m.Role == schulhof.MemberRoleMember {
				ids = append(ids, m.User.ID)
			}
		}
	}
	b.mu.Lock()
	b.members[g] = ids
	b.mu.Unlock()
	return ids
}

// Forget clears the exam plans after a change on this node.
func (s *Module) Forget() {
	s.books.Clear()
	s.planned.Clear()
}

// show is an exam as the API shows it.
func (b *examBook) show(e exams.Exam) examView {
	out := examView{Exam: e, Source: "untis"}
	if p, ok := b.planned[e.ID]; ok && e.ID > 0 {
		out.Source, out.OverrideReason, out.CreatedBy = "schulhof", p.OverrideReason, int64(p.CreatedBy)
	}
	for _, g := range e.Groups {
		out.GroupNames = append(out.GroupNames, b.groups[g])
	}
	if out.Groups == nil {
		out.Groups = []schulhof.GroupID{}
	}
	if out.Students == nil {
		out.Students = []schulhof.UserID{}
	}
	if out.Rooms == nil {
		out.Rooms = []string{}
	}
	if out.Supervisors == nil {
		out.Supervisors = []schulhof.UserID{}
	}
	if out.GroupNames == nil {
		out.GroupNames = []string{}
	}
	return out
}

// The people of the exam plan: coordinators and admins plan for every
// group and may override soft rules; teachers plan for the groups they
// lead; everyone at the school sees the plan as far as it is theirs.

func (s *Module) isCoordinator(u *schulhof.User, sc *schulhof.School, st *schulhof.ExamSettings) bool {
	return schulhof.CanCoordinateExams(u, sc.ID, schulhof.ExamRelation{Coordinator: slices.Contains(st.Coordinators, u.ID)})
}

// mayPlanFor says whether the user may plan exams for all the groups.
func (s *Module) mayPlanFor(ctx context.Context, u *schulhof.User, sc *schulhof.School, st *schulhof.ExamSettings, groups []schulhof.GroupID) (bool, error) {
	rel := schulhof.ExamRelation{Coordinator: slices.Contains(st.Coordinators, u.ID), LeadsAll: len(groups) > 0}
	if !schulhof.CanCoordinateExams(u, sc.ID, rel) && u.Role == schulhof.RoleTeacher {
		for _, g := range groups {
			role, err := s.db.FindMemberRole(ctx, sc.ID, g, u.ID)
			if err != nil && !schulhof.Match(err, schulhof.ENotFound) {
				return false, err
			}
			if err != nil || role != schulhof.MemberRoleLeader {
				rel.LeadsAll = false
				break
			}
		}
	}
	return schulhof.CanPlanExam(u, sc.ID, rel), nil
}

// examInput is a new or changed exam as the API takes it.
type examInput struct {
	Groups         []schulhof.GroupID `json:"groups"`
	Date           schulhof.Day       `json:"date"`
	From           int                `json:"from_period"`
	To             int                `json:"to_period"`
	Type           string             `json:"type"`
	Title          string             `json:"title"`
	Students       []schulhof.UserID  `json:"students"`
	Rooms          []string           `json:"rooms"`
	Supervisors    []schulhof.UserID  `json:"supervisors"`
	OverrideReason string             `json:"override_reason"`
}

// rulesError is the 422 of a plan that breaks rules: the violations, with
// the reason why saving failed in the message.
type rulesError struct {
	Code       string            `json:"code"`
	Message    string            `json:"message"`
	Violations []exams.Violation `json:"violations"`
}

// planExam checks and saves a new (id 0) or changed exam. It returns the
// violations that stop it (nil when saved) and why.
//
// The check and the save are one transaction under the school's exam lock
// in the store, against the plan at the version the book was built from:
// two teachers saving at the same moment, on one node or two, cannot both
// pass the check against a plan without the other's exam. When another
// change came first, the book is built anew and checked again.
func (s *Module) planExam(ctx context.Context, u *schulhof.User, sc *schulhof.School, lang string, id int64, in examInput) (*schulhof.PlannedExam, *rulesError, error) {
	// on this node one at a time per school, so that savers queue here
	// instead of building the book again and again
	lock, _ := s.locks.LoadOrStore(sc.ID, &sync.Mutex{})
	lock.(*sync.Mutex).Lock()
	defer lock.(*sync.Mutex).Unlock()
	for attempt := 0; ; attempt++ {
		e, refusal, err := s.tryPlanExam(ctx, u, sc, lang, id, in)
		if errors.Is(err, sqlstore.ErrExamPlanChanged) && attempt < 3 {
			s.Forget()
			continue
		}
		if err == nil && refusal == nil {
			s.Forget()
		}
		return e, refusal, err
	}
}

// errRulesRefuse stops a save whose check found violations.
var errRulesRefuse = errors.New("the exam breaks rules")

func (s *Module) tryPlanExam(ctx context.Context, u *schulhof.User, sc *schulhof.School, lang string, id int64, in examInput) (*schulhof.PlannedExam, *rulesError, error) {
	book, err := s.examBookOf(ctx, sc)
	if err != nil {
		return nil, nil, err
	}
	e := &schulhof.PlannedExam{ID: id, SchoolID: sc.ID, Date: in.Date, From: in.From, To: in.To, Kind: in.Type, Title: in.Title,
		Groups: in.Groups, Students: in.Students, Rooms: in.Rooms, Supervisors: in.Supervisors, OverrideReason: in.OverrideReason, CreatedBy: u.ID}
	e.Normalize()
	if err := e.Validate(); err != nil {
		return nil, nil, err
	}
	ok, err := s.mayPlanFor(ctx, u, sc, book.settings, e.Groups)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, schulhof.Errorf(schulhof.EForbidden, "exam.not_your_group")
	}
	if len(e.Students) == 0 { // all students of the groups
		for _, g := range e.Groups {
			for _, st := range book.studentsOf(ctx, s, sc, g) {
				if !slices.Contains(e.Students, st) {
					e.Students = append(e.Students, st)
				}
			}
		}
	}
	var refusal *rulesError
	check := func() error {
		vs := book.plan(lang).Check(exams.Exam{ID: id, Date: e.Date, From: e.From, To: e.To, Kind: exams.Kind(e.Kind), Title: e.Title,
			Groups: e.Groups, Students: e.Students, Rooms: e.Rooms, Supervisors: e.Supervisors})
		if len(vs) == 0 {
			e.OverrideReason = ""
			return nil
		}
		switch {
		case exams.Hard(vs):
			refusal = &rulesError{Code: "exam_rules", Message: i18n.T(lang, "exam.rules_hard"), Violations: vs}
		case e.OverrideReason == "":
			refusal = &rulesError{Code: "exam_rules", Message: i18n.T(lang, "exam.rules_soft"), Violations: vs}
		case !s.isCoordinator(u, sc, book.settings):
			refusal = &rulesError{Code: "exam_rules", Message: i18n.T(lang, "exam.rules_not_coordinator"), Violations: vs}
		default:
			return nil
		}
		return errRulesRefuse
	}
	err = s.db.SaveExamChecked(ctx, e, book.version, check)
	if errors.Is(err, errRulesRefuse) {
		return nil, refusal, nil
	}
	return e, nil, err
}

// apiCreateExam: POST /api/v1/schools/{school}/exams.
func (s *Module) apiCreateExam(w http.ResponseWriter, r *http.Request) {
	s.apiSaveExam(w, r, 0)
}

// apiUpdateExam: PATCH /api/v1/schools/{school}/exams/{exam} with the
// whole exam, as POST takes it.
func (s *Module) apiUpdateExam(w http.ResponseWriter, r *http.Request) {
	sc, e, err := s.changeableExam(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	_ = sc
	s.apiSaveExam(w, r, e.ID)
}

func (s *Module) apiSaveExam(w http.ResponseWriter, r *http.Request, id int64) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var in examInput
	if err := kit.ReadJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	e, broken, err := s.planExam(r.Context(), kit.AuthOf(r).User, sc, kit.Info(r).Lang, id, in)
	switch {
	case err != nil:
		s.Fail(w, r, err)
	case broken != nil:
		kit.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": broken})
	case id == 0:
		kit.WriteJSON(w, http.StatusCreated, e)
	default:
		kit.WriteJSON(w, http.StatusOK, e)
	}
}

// changeableExam is the planned exam of the path, if the actor may change
// it: its planner, a leader of all its groups, a coordinator or an admin.
func (s *Module) changeableExam(r *http.Request) (*schulhof.School, *schulhof.PlannedExam, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, nil, err
	}
	u := kit.AuthOf(r).User
	if u.Role < schulhof.RoleTeacher {
		return nil, nil, schulhof.Errorf(schulhof.ENotFound, "exam.not_found")
	}
	id, err := strconv.ParseInt(r.PathValue("exam"), 10, 64)
	if err != nil {
		return nil, nil, schulhof.Errorf(schulhof.ENotFound, "exam.not_found")
	}
	e, err := s.db.FindExam(r.Context(), sc.ID, id)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.db.FindExamSettings(r.Context(), sc.ID)
	if err != nil {
		return nil, nil, err
	}
	if e.CreatedBy != u.ID {
		ok, err := s.mayPlanFor(r.Context(), u, sc, st, e.Groups)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, schulhof.Errorf(schulhof.EForbidden, "exam.not_your_group")
		}
	}
	return sc, e, nil
}

// deleteExam deletes the exam of the path, if the actor may change it.
func (s *Module) deleteExam(r *http.Request) (*schulhof.School, *schulhof.PlannedExam, error) {
	sc, e, err := s.changeableExam(r)
	if err != nil {
		return nil, nil, err
	}
	err = s.db.DeleteExam(r.Context(), sc.ID, e.ID)
	s.Forget()
	return sc, e, err
}

// staffSchool is the school of the path for its teachers and admins.
func (s *Module) staffSchool(r *http.Request) (*schulhof.School, error) {
	sc, err := s.SchoolFromPath(r)
	if err == nil && kit.AuthOf(r).User.Role < schulhof.RoleTeacher {
		err = schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	return sc, err
}

// apiDeleteExam: DELETE /api/v1/schools/{school}/exams/{exam}.
func (s *Module) apiDeleteExam(r *http.Request) (any, error) {
	if _, _, err := s.deleteExam(r); err != nil {
		return nil, err
	}
	return kit.None{}, nil
}

// visibleExams are the school's exams the user may see, from one day to
// another, of a group or a student: staff see all; students their own,
// parents their children's, as far as the school announces them.
func (s *Module) visibleExams(ctx context.Context, u *schulhof.User, sc *schulhof.School, book *examBook, from, to schulhof.Day, group schulhof.GroupID, student schulhof.UserID) ([]examView, error) {
	if !schulhof.CanViewExamPlan(u, sc.ID) {
		mine := map[schulhof.UserID]bool{}
		if u.Role == schulhof.RoleStudent {
			mine[u.ID] = true
		} else {
			kids, err := s.db.FindChildren(ctx, sc.ID, u.ID)
			if err != nil {
				return nil, err
			}
			for _, k := range kids {
				mine[k.ID] = true
			}
		}
		if student != 0 && !mine[student] {
			return nil, schulhof.Errorf(schulhof.ENotFound, "user.not_found")
		}
		// only what is announced
		last := schulhof.DayOf(s.Now().In(kit.Berlin).AddDate(0, 0, book.settings.AnnounceDays))
		if to == "" || to > last {
			to = last
		}
		var out []examView
		for _, e := range book.plan("de").Exams() {
			if (from != "" && e.Date < from) || e.Date > to || (group != 0 && !slices.Contains(e.Groups, group)) {
				continue
			}
			for _, st := range e.Students {
				rel := schulhof.ExamRelation{Takes: mine[st], Announced: e.Date <= last}
				if schulhof.CanViewExam(u, sc.ID, rel) && (student == 0 || st == student) {
					shown := book.show(e)
					// other students' names are not theirs to see
					shown.Students = []schulhof.UserID{st}
					shown.OverrideReason = ""
					out = append(out, shown)
					break
				}
			}
		}
		return sortExams(out), nil
	}
	var out []examView
	for _, e := range book.plan("de").Exams() {
		if (from != "" && e.Date < from) || (to != "" && e.Date > to) || (group != 0 && !slices.Contains(e.Groups, group)) ||
			(student != 0 && !slices.Contains(e.Students, student)) {
			continue
		}
		out = append(out, book.show(e))
	}
	return sortExams(out), nil
}

func sortExams(es []examView) []examView {
	slices.SortStableFunc(es, func(a, b examView) int {
		if c := strings.Compare(string(a.Date), string(b.Date)); c != 0 {
			return c
		}
		return a.From - b.From
	})
	if es == nil {
		es = []examView{}
	}
	return es
}

// examQuery reads ?from=&to=&group=&student= (dates as 2027-02-10).
func examQuery(r *http.Request) (from, to schulhof.Day, group schulhof.GroupID, student schulhof.UserID, err error) {
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		into *schulhof.Day
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(p.name); v != "" {
			if _, err := time.Parse("2006-01-02", v); err != nil {
				return "", "", 0, 0, schulhof.Errorf(schulhof.EBadRequest, "date.invalid", v)
			}
			*p.into = schulhof.Day(v)
		}
	}
	if v := q.Get("group"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", "", 0, 0, schulhof.Errorf(schulhof.EBadRequest, "exam.bad_id", v)
		}
		group = schulhof.GroupID(n)
	}
	if v := q.Get("student"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", "", 0, 0, schulhof.Errorf(schulhof.EBadRequest, "exam.bad_id", v)
		}
		student = schulhof.UserID(n)
	}
	return from, to, group, student, nil
}

// apiListExams: GET /api/v1/schools/{school}/exams?group=&student=&from=&to=.
func (s *Module) apiListExams(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	from, to, group, student, err := examQuery(r)
	if err != nil {
		return nil, err
	}
	book, err := s.examBookOf(r.Context(), sc)
	if err != nil {
		return nil, err
	}
	es, err := s.visibleExams(r.Context(), kit.AuthOf(r).User, sc, book, from, to, group, student)
	if err != nil {
		return nil, err
	}
	return kit.NewList(es, ""), nil
}

// apiGetExam: GET /api/v1/schools/{school}/exams/{exam} (staff).
func (s *Module) apiGetExam(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("exam"), 10, 64)
	book, err := s.examBookOf(r.Context(), sc)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	es, err := s.visibleExams(r.Context(), kit.AuthOf(r).User, sc, book, "", "", 0, 0)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, e := range es {
		if e.ID == id && e.Source == "schulhof" {
			kit.WriteJSON(w, http.StatusOK, e)
			return
		}
	}
	s.Fail(w, r, schulhof.Errorf(schulhof.ENotFound, "exam.not_found"))
}

// apiExamSuggestions: GET /api/v1/schools/{school}/exams/suggestions?groups=1,2&from=&to=
// [&periods=2&type=&students=&rooms=&supervisors=&limit=] lists free slots, best first.
func (s *Module) apiExamSuggestions(r *http.Request) (any, error) {
	sc, err := s.staffSchool(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	ids := func(name string) ([]int64, error) {
		var out []int64
		for _, v := range strings.Split(q.Get(name), ",") {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, schulhof.Errorf(schulhof.EBadRequest, "exam.bad_id", v)
			}
			out = append(out, n)
		}
		return out, nil
	}
	groups, err1 := ids("groups")
	students, err2 := ids("students")
	supervisors, err3 := ids("supervisors")
	if err := firstErr(err1, err2, err3); err != nil {
		return nil, err
	}
	from, to, _, _, err := examQuery(r)
	if err != nil {
		return nil, err
	}
	if from == "" {
		from = schulhof.DayOf(s.Now().In(kit.Berlin).AddDate(0, 0, 1))
	}
	if to == "" {
		t, _ := time.Parse("2006-01-02", string(from))
		to = schulhof.DayOf(t.AddDate(0, 0, 27))
	}
	if len(groups) == 0 {
		return nil, schulhof.Invalid("groups", "exam.groups")
	}
	periods, _ := strconv.Atoi(q.Get("periods"))
	if periods < 1 || periods > 10 {
		periods = 2
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit < 1 || limit > 100 {
		limit = 20
	}
	kind := exams.Kind(q.Get("type"))
	if !kind.Valid() {
		kind = exams.Klassenarbeit
	}
	book, err := s.examBookOf(r.Context(), sc)
	if err != nil {
		return nil, err
	}
	e := exams.Exam{From: 1, To: periods, Kind: kind}
	for _, g := range groups {
		if _, ok := book.groups[schulhof.GroupID(g)]; !ok {
			return nil, schulhof.Errorf(schulhof.ENotFound, "group.not_found")
		}
		e.Groups = append(e.Groups, schulhof.GroupID(g))
	}
	for _, st := range students {
		e.Students = append(e.Students, schulhof.UserID(st))
	}
	if len(e.Students) == 0 {
		for _, g := range e.Groups {
			for _, st := range book.studentsOf(r.Context(), s, sc, g) {
				if !slices.Contains(e.Students, st) {
					e.Students = append(e.Students, st)
				}
			}
		}
	}
	for _, v := range supervisors {
		e.Supervisors = append(e.Supervisors, schulhof.UserID(v))
	}
	for _, room := range strings.Split(q.Get("rooms"), ",") {
		if room = strings.TrimSpace(room); room != "" {
			e.Rooms = append(e.Rooms, room)
		}
	}
	own, err := s.ownLessons(r.Context(), sc, e.Groups)
	if err != nil {
		return nil, err
	}
	slots := book.plan(kit.Info(r).Lang).Suggest(e, from, to, own, limit)
	if slots == nil {
		slots = []exams.Slot{}
	}
	return kit.NewList(slots, ""), nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ownLessons says whether the groups have lessons in all periods from
// one to another on a day, by the plan in force then.
func (s *Module) ownLessons(ctx context.Context, sc *schulhof.School, groups []schulhof.GroupID) (func(schulhof.Day, int, int) bool, error) {
	want := map[schulhof.GroupID]bool{}
	for _, g := range groups {
		want[g] = true
	}
	return func(d schulhof.Day, from, to int) bool {
		plan, err := s.timetable.PlanOn(ctx, sc.ID, d)
		if err != nil || plan == nil {
			return false
		}
		t, _ := time.Parse("2006-01-02", string(d))
		weekday := (int(t.Weekday())+6)%7 + 1
		entries := plan.EntriesFor(want, 0)
		for p := from; p <= to; p++ {
			if !slices.ContainsFunc(entries, func(e schulhof.TimetableEntry) bool { return e.Weekday == weekday && e.Period == p }) {
				return false
			}
		}
		return true
	}, nil
}

// examSettingsOf is the school's exam settings as the API shows them.
type examSettingsOf struct {
	Rules exams.RuleSet `json:"rules"`
	// StatePreset says the rules are the state's preset (PUT "rules":
	// null to go back to it).
	StatePreset  bool                  `json:"state_preset"`
	AnnounceDays int                   `json:"announce_days"`
	Blocked      []schulhof.BlockedDay `json:"blocked_days"`
	Coordinators []schulhof.UserID     `json:"coordinators"`
}

func showExamSettings(sc *schulhof.School, st *schulhof.ExamSettings) examSettingsOf {
	return examSettingsOf{Rules: rulesOf(sc, st), StatePreset: st.RulesJSON == "", AnnounceDays: st.AnnounceDays, Blocked: st.Blocked, Coordinators: st.Coordinators}
}

// apiGetExamSettings: GET /api/v1/schools/{school}/exam-settings (staff).
func (s *Module) apiGetExamSettings(r *http.Request) (any, error) {
	sc, err := s.staffSchool(r)
	if err != nil {
		return nil, err
	}
	st, err := s.db.FindExamSettings(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	return showExamSettings(sc, st), nil
}

// examSettingsInput is PUT exam-settings' body.
type examSettingsInput struct {
	Rules        *exams.RuleSet        `json:"rules"`
	AnnounceDays int                   `json:"announce_days"`
	Blocked      []schulhof.BlockedDay `json:"blocked_days"`
	Coordinators []schulhof.UserID     `json:"coordinators"`
}

// saveExamSettings checks and stores the settings.
func (s *Module) saveExamSettings(ctx context.Context, sc *schulhof.School, in examSettingsInput) (*schulhof.ExamSettings, error) {
	st := &schulhof.ExamSettings{AnnounceDays: in.AnnounceDays, Blocked: []schulhof.BlockedDay{}, Coordinators: in.Coordinators}
	var v schulhof.Validation
	if in.AnnounceDays < 0 || in.AnnounceDays > 366 {
		v.Add("announce_days", "exam.announce_days")
	}
	if in.Rules != nil {
		for _, r := range []exams.Rules{in.Rules.Lower, in.Rules.Upper} {
			if r.MaxPerDay < 0 || r.MaxPerDay > 5 || r.MaxPerWeek < 0 || r.MaxPerWeek > 10 {
				v.Add("rules", "exam.rules_range")
			}
		}
		b, _ := json.Marshal(in.Rules)
		st.RulesJSON = string(b)
	}
	for _, b := range in.Blocked {
		b.Reason = strings.TrimSpace(b.Reason)
		if _, err := time.Parse("2006-01-02", string(b.Date)); err != nil || b.Reason == "" || len([]rune(b.Reason)) > 200 {
			v.Add("blocked_days", "exam.blocked_day", b.Date)
			break
		}
		st.Blocked = append(st.Blocked, b)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if st.Coordinators == nil {
		st.Coordinators = []schulhof.UserID{}
	}
	err := s.db.SetExamSettings(ctx, sc.ID, st)
	s.Forget()
	return st, err
}

// apiSetExamSettings: PUT /api/v1/schools/{school}/exam-settings (admins).
func (s *Module) apiSetExamSettings(r *http.Request) (any, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	var in examSettingsInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	st, err := s.saveExamSettings(r.Context(), sc, in)
	if err != nil {
		return nil, err
	}
	return showExamSettings(sc, st), nil
}

// upcoming are the user's exams from today on for the start page
// and the calendar feed: a student's own, a parent's children's (as far
// as the school announces them), a teacher's (planned, supervised, or of
// a group they lead).
func (s *Module) upcoming(ctx context.Context, u *schulhof.User, sc *schulhof.School, days int) ([]examView, error) {
	book, err := s.examBookOf(ctx, sc)
	if err != nil {
		return nil, err
	}
	today := s.Now().In(kit.Berlin)
	list, err := s.visibleExams(ctx, u, sc, book, schulhof.DayOf(today), schulhof.DayOf(today.AddDate(0, 0, days)), 0, 0)
	if err != nil || u.Role < schulhof.RoleTeacher {
		return list, err
	}
	return s.examsOfTeacher(ctx, sc, list, u.ID)
}

// UntisProblems checks every exam of the Untis export, from today
// on, against the rest of the plan, as a planned one would be: the
// explanations of what each breaks, by date. With imp, the exams are
// those the plan would have once the import is applied: the import's
// check says it before anything changes.
func (s *Module) UntisProblems(ctx context.Context, sc *schulhof.School, lang string, imp *schulhof.TimetableImport) ([]string, error) {
	book, err := s.examBookOf(ctx, sc)
	if imp != nil {
		book, err = s.buildExamBook(ctx, sc, imp)
	}
	if err != nil {
		return nil, err
	}
	today := schulhof.DayOf(s.Now().In(kit.Berlin))
	var out []string
	for _, e := range book.plan(lang).Exams() {
		if e.ID >= 0 || e.Date < today {
			continue
		}
		for _, v := range book.plan(lang).Check(e) {
			out = append(out, e.Title+": "+v.Message)
		}
	}
	return out, nil
}

// PlannedFor are the exams planned in Schulhof from one day to
// another (exclusive) that the week's viewer writes (a student) or
// plans or supervises (a teacher), in the form the week view merges:
// they take the periods of the lessons of their groups.
func (s *Module) PlannedFor(ctx context.Context, sc *schulhof.School, v timetable.Viewer, from, to schulhof.Day, planFor timetable.PlanFor) ([]schulhof.Exam, error) {
	planned, err := s.planned.Get(sc.ID, func() ([]*schulhof.PlannedExam, error) {
		return s.db.FindPlannedExams(ctx, schulhof.ExamFilter{SchoolID: sc.ID})
	})
	if err != nil {
		return nil, err
	}
	var out []schulhof.Exam
	for _, e := range planned {
		if e.Date < from || e.Date >= to {
			continue
		}
		if !(v.Person != 0 && slices.Contains(e.Students, v.Person)) &&
			!(v.TeacherID != 0 && (e.CreatedBy == v.TeacherID || slices.Contains(e.Supervisors, v.TeacherID))) {
			continue
		}
		x := schulhof.Exam{Number: -int(e.ID), Day: e.Date, From: e.From, To: e.To, Text: e.Title,
			Subjects: []string{e.Title}, Rooms: e.Rooms, Mine: true}
		plan, err := planFor(e.Date)
		if err != nil {
			return nil, err
		}
		if plan != nil {
			want := map[schulhof.GroupID]bool{}
			for _, g := range e.Groups {
				want[g] = true
			}
			for _, entry := range plan.EntriesFor(want, 0) {
				if !slices.Contains(x.Lessons, entry.Lesson) {
					x.Lessons = append(x.Lessons, entry.Lesson)
				}
			}
		}
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b schulhof.Exam) int { return strings.Compare(string(a.Day), string(b.Day)) })
	return out, nil
}
