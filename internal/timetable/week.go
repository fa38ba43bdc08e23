package timetable

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

// Lesson is one period of someone's week, with the day's changes merged
// in, as the week view and the API show it.
type Lesson struct {
	Date    schulhof.Day `json:"date"`
	Period  int          `json:"period"`
	Start   string       `json:"start"`
	End     string       `json:"end"`
	Subject string       `json:"subject"`
	Room    string       `json:"room"`
	Teacher string       `json:"teacher,omitempty"` // only where the viewer may see it
	Group   string       `json:"group"`
	// Status is regular, cancelled, substituted, room_changed, extra or exam.
	Status string `json:"status"`
	Note   string `json:"note,omitempty"` // the substitution's text
	// What was planned, where it changed.
	PlannedRoom    string `json:"planned_room,omitempty"`
	PlannedTeacher string `json:"planned_teacher,omitempty"`
	PlannedSubject string `json:"planned_subject,omitempty"`
	Lesson         int    `json:"-"`
	// PlannedExam is the id of the exam planned in Schulhof that takes
	// this period (0 for none).
	PlannedExam int64 `json:"-"`
}

// Statuses of a Lesson.
const (
	Regular     = "regular"
	Cancelled   = "cancelled"
	Substituted = "substituted"
	RoomChanged = "room_changed"
	Extra       = "extra"
	Exam        = "exam"
)

// Viewer is whose week it is: a student by their groups (class and
// courses), a teacher by their id and code. A teacher's week is what she
// teaches and her substitute duties, with their changes; the groups she
// is in (she leads the classes she teaches) do not add their lessons or
// their changes to it.
type Viewer struct {
	Groups       map[schulhof.GroupID]bool
	ClassCodes   map[string]bool // the Untis codes of the student's class
	TeacherID    schulhof.UserID
	TeacherCode  string
	ShowTeachers bool
	// GroupNames names the groups of the plan's entries for display.
	GroupNames map[schulhof.GroupID]string
	// Filter, if set, picks the entries instead of Groups and TeacherID:
	// a class's, a teacher's, a room's week by their codes. Room names the
	// room then, for changes into it.
	Filter func(schulhof.TimetableEntry) bool
	Room   string
	// Person is the student whose week it is (0 otherwise), for the
	// caller to pick the exams they write.
	Person schulhof.UserID
}

// PlanFor returns the plan in force on a day (nil if none).
type PlanFor func(day schulhof.Day) (*schulhof.TimetablePlan, error)

// ParseISOWeek reads "2026-W49" and returns its Monday.
func ParseISOWeek(s string) (time.Time, error) {
	var year, week int
	if _, err := fmt.Sscanf(s, "%d-W%d", &year, &week); err != nil || week < 1 || week > 53 || year < 2000 || year > 2200 {
		return time.Time{}, schulhof.Errorf(schulhof.EBadRequest, "timetable.bad_week", s)
	}
	// 4 January is always in week 1
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(week-1)*7)
	if y, w := monday.ISOWeek(); y != year || w != week {
		return time.Time{}, schulhof.Errorf(schulhof.EBadRequest, "timetable.bad_week", s)
	}
	return monday, nil
}

// ISOWeek writes the week of t as "2026-W49".
func ISOWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// Week returns the viewer's lessons for the days from monday on (5 from a
// Monday: Monday to Friday; any first day works), with the substitutions
// of those days merged in; lessons of A/B groups only in their weeks
// (cycle may be nil: every lesson every week).
func Week(planFor PlanFor, subs []schulhof.Substitution, exams []schulhof.Exam, times []schulhof.LessonTime, cycle *Cycle, v Viewer, monday time.Time, days int) ([]Lesson, error) {
	var out []Lesson
	// the viewer's entries of each plan, picked out once, not once a day
	mine := map[*schulhof.TimetablePlan][]schulhof.TimetableEntry{}
	for i := 0; i < days; i++ {
		date := monday.AddDate(0, 0, i)
		day := schulhof.DayOf(date)
		plan, err := planFor(day)
		if err != nil {
			return nil, err
		}
		entries, ok := mine[plan]
		if !ok && plan != nil {
			if v.Filter != nil {
				for _, e := range plan.Entries {
					if v.Filter(e) {
						entries = append(entries, e)
					}
				}
			} else if v.TeacherID != 0 {
				entries = plan.EntriesFor(nil, v.TeacherID)
			} else {
				entries = plan.EntriesFor(v.Groups, 0)
			}
			mine[plan] = entries
		}
		weekday := (int(date.Weekday())+6)%7 + 1
		out = append(out, dayLessons(entries, subsOn(subs, day), examsOn(exams, day), times, cycle, v, day, weekday)...)
	}
	return out, nil
}

func examsOn(exams []schulhof.Exam, day schulhof.Day) []schulhof.Exam {
	var out []schulhof.Exam
	for _, e := range exams {
		if e.Day == day {
			out = append(out, e)
		}
	}
	return out
}

func subsOn(subs []schulhof.Substitution, day schulhof.Day) []schulhof.Substitution {
	var out []schulhof.Substitution
	for _, s := range subs {
		if s.Day == day {
			out = append(out, s)
		}
	}
	return out
}

type slot struct{ period, lesson int }

// dayLessons is a day of the viewer's entries (of any weekday), with the
// day's substitutions.
func dayLessons(entries []schulhof.TimetableEntry, subs []schulhof.Substitution, exams []schulhof.Exam, times []schulhof.LessonTime, cycle *Cycle, v Viewer, day schulhof.Day, weekday int) []Lesson {
	bySlot := map[slot]*schulhof.Substitution{}
	for i := range subs {
		bySlot[slot{subs[i].Period, subs[i].Lesson}] = &subs[i]
	}
	mine := map[int]bool{} // the viewer's lesson numbers, on any day
	var out []Lesson
	applied := map[*schulhof.Substitution]bool{}
	for _, e := range entries {
		mine[e.Lesson] = true
		if e.Weekday != weekday || !cycle.Runs(e.WeekGroup, day) {
			continue
		}
		l := Lesson{Date: day, Period: e.Period, Subject: e.Subject, Room: e.Room, Teacher: e.Teacher,
			Group: first(v.GroupNames[e.GroupID], e.Class), Status: Regular, Lesson: e.Lesson}
		if s := bySlot[slot{e.Period, e.Lesson}]; s != nil {
			applied[s] = true
			apply(&l, s)
		}
		out = append(out, l)
	}
	for i := range subs {
		s := &subs[i]
		if applied[s] || cancelled(s) || !v.concerns(s, mine) {
			continue
		}
		l := Lesson{Date: day, Period: s.Period, Subject: first(s.NewSubject, s.Subject), Room: first(s.NewRoom, s.Room),
			Teacher: first(s.Teacher, s.AbsentTeacher), Group: strings.Join(first2(s.NewClasses, s.Classes), ", "), Status: Extra,
			Note: s.Text, Lesson: s.Lesson}
		out = append(out, l)
	}
	out = withExams(out, exams, mine, day)
	for i := range out {
		if t, ok := schulhof.LessonTimeOf(times, weekday, out[i].Period); ok {
			out[i].Start, out[i].End = t.Start, t.End
		}
		if !v.ShowTeachers {
			out[i].Teacher, out[i].PlannedTeacher = "", ""
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Period < out[j].Period })
	return out
}

// withExams marks the viewer's lessons that an exam takes (its lessons,
// in its periods) and adds its periods where the viewer has none.
func withExams(out []Lesson, exams []schulhof.Exam, mine map[int]bool, day schulhof.Day) []Lesson {
	for _, e := range exams {
		ours := e.Mine
		for _, l := range e.Lessons {
			ours = ours || mine[l]
		}
		if !ours {
			continue
		}
		note := strings.TrimSpace(e.Name + " " + e.Text)
		for p := e.From; p <= e.To; p++ {
			found := false
			for i := range out {
				if out[i].Period == p && slices.Contains(e.Lessons, out[i].Lesson) {
					out[i].Status, out[i].Note, found = Exam, note, true
					if e.Mine {
						out[i].PlannedExam = -int64(e.Number)
					}
					if len(e.Rooms) > 0 && e.Rooms[0] != out[i].Room {
						out[i].PlannedRoom, out[i].Room = out[i].Room, strings.Join(e.Rooms, ", ")
					}
				}
			}
			if !found {
				l := Lesson{Date: day, Period: p, Subject: strings.Join(e.Subjects, ", "), Room: strings.Join(e.Rooms, ", "),
					Status: Exam, Note: note}
				if e.Mine {
					l.PlannedExam = -int64(e.Number)
				}
				out = append(out, l)
			}
		}
	}
	return out
}

func cancelled(s *schulhof.Substitution) bool { return s.Kind == "C" || s.Flags&1 != 0 }

// concerns says whether a substitution that matched none of the viewer's
// planned periods is theirs: a lesson of theirs moved here, the teacher's
// own substitute duty, or a lesson for their class that the plan lacks.
func (v Viewer) concerns(s *schulhof.Substitution, mine map[int]bool) bool {
	if v.TeacherCode != "" && strings.EqualFold(s.Teacher, v.TeacherCode) {
		return true
	}
	if v.Room != "" {
		return strings.EqualFold(s.NewRoom, v.Room)
	}
	if s.Lesson != 0 && mine[s.Lesson] {
		return true
	}
	if v.TeacherID != 0 {
		return false // not hers: another teacher's change in a class she is in
	}
	if s.Lesson != 0 && len(mine) > 0 {
		return false // a numbered lesson that is not theirs (another course)
	}
	for _, c := range first2(s.NewClasses, s.Classes) {
		if v.ClassCodes[strings.ToLower(c)] {
			return true
		}
	}
	return false
}

func apply(l *Lesson, s *schulhof.Substitution) {
	l.Note = s.Text
	switch {
	case cancelled(s):
		l.Status = Cancelled
	case s.Kind == "R" || s.Flags&(1<<16) != 0:
		l.Status, l.PlannedRoom, l.Room = RoomChanged, l.Room, first(s.NewRoom, l.Room)
	default:
		l.Status = Substituted
		if s.Teacher != "" && !strings.EqualFold(s.Teacher, l.Teacher) {
			l.PlannedTeacher, l.Teacher = l.Teacher, s.Teacher
		}
		if s.NewSubject != "" && s.NewSubject != l.Subject {
			l.PlannedSubject, l.Subject = l.Subject, s.NewSubject
		}
		if s.NewRoom != "" && s.NewRoom != l.Room {
			l.PlannedRoom, l.Room = l.Room, s.NewRoom
		}
	}
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func first2(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}
