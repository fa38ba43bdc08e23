package untis

import (
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

// TimetableEntry is a line of GPU001: one period of a lesson in the week.
type TimetableEntry struct {
	Line    int
	Lesson  int    // 1 lesson number (Unterrichtsnummer)
	Class   string // 2
	Teacher string // 3 short code
	Subject string // 4
	Room    string // 5
	Day     int    // 6: 1 = Monday
	Period  int    // 7
}

// ReadTimetable reads GPU001.
func ReadTimetable(data []byte) ([]TimetableEntry, []schulhof.ImportLineError, error) {
	return each(data, func(p *parser) TimetableEntry {
		e := TimetableEntry{Line: p.rec.Line, Lesson: p.int(1, true), Class: p.text(2, false), Teacher: p.text(3, false),
			Subject: p.text(4, false), Room: p.text(5, false), Day: p.int(6, true), Period: p.int(7, true)}
		if p.err == nil && (e.Day < 1 || e.Day > 7) {
			p.fail("untis.line.day", e.Day)
		}
		if p.err == nil && (e.Period < 1 || e.Period > 24) {
			p.fail("untis.line.period", e.Period)
		}
		return e
	})
}

// Lesson is a line of GPU002: a lesson (Unterricht) of a class, teacher
// and subject; several lines with one number are a coupled lesson.
type Lesson struct {
	Line    int
	Number  int     // 1
	Hours   float64 // 2 periods per week
	Class   string  // 5
	Teacher string  // 6
	Subject string  // 7
	Room    string  // 8
	// Group is the lesson group (Unterrichtsgruppe, 12): schools with A/B
	// weeks give the lessons of one week a group such as "A" or "UW".
	Group string
	From  time.Time
	To    time.Time // 15, 16: the dates it runs; zero when not given
}

// ReadLessons reads GPU002.
func ReadLessons(data []byte) ([]Lesson, []schulhof.ImportLineError, error) {
	return each(data, func(p *parser) Lesson {
		return Lesson{Line: p.rec.Line, Number: p.int(1, true), Hours: p.float(2), Class: p.text(5, false),
			Teacher: p.text(6, false), Subject: p.text(7, false), Room: p.text(8, false), Group: p.text(12, false), From: p.date(15, false), To: p.date(16, false)}
	})
}

// Class is a line of GPU003.
type Class struct {
	Line  int
	Short string // 1, e.g. "5a", "Q1"
	Long  string // 2
	Room  string // 4 the class's own room
	// Teacher is the class teacher's code (30, "Klassenlehrer"; Untis
	// writes it only where one is set).
	Teacher string
}

// ReadClasses reads GPU003.
func ReadClasses(data []byte) ([]Class, []schulhof.ImportLineError, error) {
	return each(data, func(p *parser) Class {
		return Class{Line: p.rec.Line, Short: p.text(1, true), Long: p.text(2, false), Room: p.text(4, false),
			Teacher: p.text(30, false)}
	})
}

// Teacher is a line of GPU004.
type Teacher struct {
	Line      int
	Short     string // 1 the short code (Kürzel)
	LastName  string // 2
	FirstName string // 29
	Title     string // 30
	Gender    string // 31
	Email     string // 33
}

// ReadTeachers reads GPU004.
func ReadTeachers(data []byte) ([]Teacher, []schulhof.ImportLineError, error) {
	return each(data, func(p *parser) Teacher {
		return Teacher{Line: p.rec.Line, Short: p.text(1, true), LastName: p.text(2, false), FirstName: p.text(29, false),
			Title: p.text(30, false), Gender: p.text(31, false), Email: p.text(33, false)}
	})
}

// Room is a line of GPU005.
type Room struct {
	Line        int
	Short       string // 1
	Long        string // 2
	Alternative string // 3 the room to use when this one is taken
}

// ReadRooms reads GPU005.
func ReadRooms(data []byte) ([]Room, []schulhof.ImportLineError, error) {
	return each(data, func(p *parser) Room {
		return Room{Line: p.rec.Line, Short: p.text(1, true), Long: p.text(2, false), Alternative: p.text(3, false)}
	})
}

// Subject is a line of GPU006.
type Subject struct {
	Line  int
	Short string // 1
	Long  string // 2
}

// ReadSubjects reads GPU006.
func ReadSubjects(data []byte) ([]Subject, []schulhof.ImportLineError, error) {
	return each(data, func(p *parser) Subject {
		return Subject{Line: p.rec.Line, Short: p.text(1, true), Long: p.text(2, false)}
	})
}

// Student is a line of GPU010.
type Student struct {
	Line       int
	Short      string    // 1 Untis short name
	LastName   string    // 2
	FirstName  string    // 8
	Number     string    // 9 student number
	Class      string    // 10
	Gender     string    // 11
	Birth      time.Time // 13 YYYYMMDD
	Email      string    // 14
	ForeignKey string    // 15 the administration software's id
}

// ReadStudents reads GPU010.
func ReadStudents(data []byte) ([]Student, []schulhof.ImportLineError, error) {
	return each(data, func(p *parser) Student {
		return Student{Line: p.rec.Line, Short: p.text(1, true), LastName: p.text(2, false), FirstName: p.text(8, false),
			Number: p.text(9, false), Class: p.text(10, false), Gender: p.text(11, false), Birth: p.date(13, false),
			Email: p.text(14, false), ForeignKey: p.text(15, false)}
	})
}

// CourseChoice is a line of GPU015: a student takes a course (a lesson).
type CourseChoice struct {
	Line          int
	Student       string // 1 the student's Untis short name
	Lesson        int    // 2 lesson number
	Subject       string // 3
	Course        string // 4 e.g. "M-LK1"
	Class         string // 5
	StudentNumber string // 7
}

// ReadCourseChoices reads GPU015.
func ReadCourseChoices(data []byte) ([]CourseChoice, []schulhof.ImportLineError, error) {
	return each(data, func(p *parser) CourseChoice {
		return CourseChoice{Line: p.rec.Line, Student: p.text(1, true), Lesson: p.int(2, true), Subject: p.text(3, false),
			Course: p.text(4, false), Class: p.text(5, false), StudentNumber: p.text(7, false)}
	})
}

// Substitution is a line of GPU014.
type Substitution struct {
	Line          int
	Number        int       // 1 substitution number, stable across re-exports
	Date          time.Time // 2
	Period        int       // 3
	Absence       int       // 4 absence number
	Lesson        int       // 5 lesson number
	AbsentTeacher string    // 6
	Teacher       string    // 7 substitute teacher
	Subject       string    // 8
	NewSubject    string    // 10
	Room          string    // 12
	NewRoom       string    // 13
	Classes       []string  // 15
	Reason        string    // 16 absence reason
	Text          string    // 17
	Flags         int       // 18 bit field
	NewClasses    []string  // 19
	Kind          string    // 20 type letter: T moved, F free, W swap, S special, A supervision, C cancelled, L free for teacher, P partial, R room change, B release, E exam, ~ other
	Changed       time.Time // 21 YYYYMMDDhhmm, zero when not given
}

// Flag bits of GPU014 field 18.
const (
	FlagCancelled   = 1 << 0
	FlagSupervision = 1 << 1
	FlagSpecial     = 1 << 2
	FlagMovedAway   = 1 << 3
	FlagRelease     = 1 << 4
	FlagMovedHere   = 1 << 7
	FlagRoomChange  = 1 << 16
	FlagNoPrint     = 1 << 20
	FlagNew         = 1 << 21
)

// Cancelled reports whether the lesson does not take place.
func (s Substitution) Cancelled() bool { return s.Flags&FlagCancelled != 0 || s.Kind == "C" }

// RoomChanged reports whether only the room changes.
func (s Substitution) RoomChanged() bool { return s.Flags&FlagRoomChange != 0 || s.Kind == "R" }

// ReadSubstitutions reads GPU014.
func ReadSubstitutions(data []byte) ([]Substitution, []schulhof.ImportLineError, error) {
	return each(data, func(p *parser) Substitution {
		s := Substitution{Line: p.rec.Line, Number: p.int(1, true), Date: p.date(2, true), Period: p.int(3, true),
			Absence: p.int(4, false), Lesson: p.int(5, false), AbsentTeacher: p.text(6, false), Teacher: p.text(7, false),
			Subject: p.text(8, false), NewSubject: p.text(10, false), Room: p.text(12, false), NewRoom: p.text(13, false),
			Classes: p.list(15, "~"), Reason: p.text(16, false), Text: p.text(17, false), Flags: p.int(18, false),
			NewClasses: p.list(19, "~"), Kind: p.text(20, false)}
		if v := p.rec.field(21); v != "" {
			t, err := time.Parse("200601021504", v)
			if err != nil {
				p.fail("untis.line.date", 21, v)
			}
			s.Changed = t
		}
		if p.err == nil && (s.Period < 1 || s.Period > 24) {
			p.fail("untis.line.period", s.Period)
		}
		return s
	})
}

// Exam is a line of GPU017.
type Exam struct {
	Line     int
	Name     string    // 1
	Number   int       // 2
	Text     string    // 3
	Date     time.Time // 4
	From, To int       // 5, 6 periods
	Subjects []string  // 7
	Lessons  []int     // 8
	Students []string  // 9 the students' Untis short names
	// Supervisors and Rooms per period from From to To: "~" separates the
	// people or rooms of one period, "-" the periods.
	Supervisors [][]string // 10
	Rooms       [][]string // 11
}

// ReadExams reads GPU017.
func ReadExams(data []byte) ([]Exam, []schulhof.ImportLineError, error) {
	return each(data, func(p *parser) Exam {
		e := Exam{Line: p.rec.Line, Name: p.text(1, false), Number: p.int(2, false), Text: p.text(3, false),
			Date: p.date(4, true), From: p.int(5, true), To: p.int(6, true), Subjects: p.list(7, "~"),
			Students: p.list(9, "~"), Supervisors: perPeriod(p.rec.field(10)), Rooms: perPeriod(p.rec.field(11))}
		for _, v := range p.list(8, "~") {
			n, err := strconv.Atoi(v)
			if err != nil {
				p.fail("untis.line.number", 8, v)
				break
			}
			e.Lessons = append(e.Lessons, n)
		}
		if p.err == nil && (e.From < 1 || e.To < e.From || e.To > 24) {
			p.fail("untis.line.periods", e.From, e.To)
		}
		return e
	})
}

// perPeriod splits "A - B~C" into [[A] [B C]]. Untis writes " - "
// between periods; a bare "-" splits only where no " - " is found, so that
// a room called "R-101" stays whole in the usual form.
func perPeriod(v string) [][]string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	sep := " - "
	if !strings.Contains(v, sep) {
		sep = "-"
	}
	var out [][]string
	for _, part := range strings.Split(v, sep) {
		var items []string
		for _, s := range strings.Split(part, "~") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		out = append(out, items)
	}
	return out
}
