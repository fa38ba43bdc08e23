// Package timetable turns Untis exports into the school's plan: it reads
// the GPU files, matches classes, teachers and students to the school's
// groups and users, makes the Oberstufe's course groups, and hands the
// store one import to write in one transaction.
package timetable

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/untis"
)

// Store is what the importer needs of the store.
type Store interface {
	FindUsers(ctx context.Context, f schulhof.UserFilter) ([]*schulhof.User, string, error)
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	ApplyTimetableImport(ctx context.Context, imp *schulhof.TimetableImport) error
	FindTeacherMemberships(ctx context.Context, school schulhof.SchoolID) ([]schulhof.TeacherMembership, error)
}

// FileError is a problem of one line of one file.
type FileError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Key     string `json:"-"`
	Args    []any  `json:"-"`
	Message string `json:"message"` // filled by the web layer
}

// Report says what an import finds and (unless a dry run) did.
type Report struct {
	DryRun bool `json:"dry_run"`
	// Counts are the lines read per kind: timetable, lessons, classes,
	// teachers, rooms, subjects, students, course_choices, substitutions, exams.
	Counts map[string]int `json:"counts"`
	Errors []FileError    `json:"errors"`
	// What could not be matched: Untis codes of classes and teachers, and
	// students of course choices, listed for the admin to fix.
	UnmatchedClasses  []string `json:"unmatched_classes"`
	UnmatchedTeachers []string `json:"unmatched_teachers"`
	UnmatchedStudents []string `json:"unmatched_students"`
	// WeekGroups are the Untis lesson groups of the lessons (A/B weeks:
	// the school's week model says which weeks they run in).
	WeekGroups []string `json:"week_groups"`
	Courses    int      `json:"courses"` // course groups made or updated
	// ExamProblems explain the rules the imported exams (GPU017) break in
	// the school's exam plan, for the admin to take up with whoever
	// planned them in Untis: in the dry run already (Options.CheckExams).
	ExamProblems []string `json:"exam_problems,omitempty"`
	// TeacherChanges are the teachers the import puts into a class or
	// course (they teach it by the plan, or are its class teacher) and
	// those it takes out (an earlier import put them there and the plan
	// no longer has them in it).
	TeacherChanges []TeacherChange `json:"teacher_changes"`
	ValidFrom      string          `json:"valid_from"` // of the plan, if one was imported
	ValidTo        string          `json:"valid_to"`
	Applied        bool            `json:"applied"` // false for a dry run or a file with errors
}

// TeacherChange is one teacher joining or leaving one group.
type TeacherChange struct {
	Group   string `json:"group"`   // its name
	Teacher string `json:"teacher"` // the Untis code
	Name    string `json:"name"`    // the teacher's name
	Joins   bool   `json:"joins"`   // false: leaves
}

// kinds maps a file's GPU number to the kind it holds.
var kinds = map[string]string{"001": "timetable", "002": "lessons", "003": "classes", "004": "teachers", "005": "rooms",
	"006": "subjects", "010": "students", "014": "substitutions", "015": "course_choices", "017": "exams"}

var gpuName = regexp.MustCompile(`(?i)gpu0*(\d{1,3})`)

// kindOf says what a file is from its name ("GPU001.TXT", "gpu14.txt").
func kindOf(name string) string {
	m := gpuName.FindStringSubmatch(path.Base(name))
	if m == nil {
		return ""
	}
	n, _ := strconv.Atoi(m[1])
	return kinds[fmt.Sprintf("%03d", n)]
}

// data is what was read of the files.
type data struct {
	timetable []untis.TimetableEntry
	lessons   []untis.Lesson
	classes   []untis.Class
	teachers  []untis.Teacher
	students  []untis.Student
	choices   []untis.CourseChoice
	subs      []untis.Substitution
	exams     []untis.Exam
	seen      map[string]bool

	// what match found of the school, for teacherChanges
	groups   []*schulhof.Group
	users    map[schulhof.UserID]*schulhof.User
	classOf  map[string]schulhof.GroupID // by lower-case code
	courseOf map[string]schulhof.GroupID // existing course groups by code
}

// Options steer an import.
type Options struct {
	DryRun bool
	// Now is today, for a plan that comes without the lessons' dates: it
	// then holds from today.
	Now time.Time
	// CheckExams, if set, explains which rules of the school's exam plan
	// the import's exams break, as if it were applied: the report says
	// so before the admin applies it.
	CheckExams func(ctx context.Context, imp *schulhof.TimetableImport) ([]string, error)
}

// Import reads the files (by name) and, unless a dry run or a file has
// problems, applies them. Files of the same kind may not come twice.
func Import(ctx context.Context, st Store, school schulhof.SchoolID, files map[string][]byte, opt Options) (*Report, error) {
	dryRun := opt.DryRun
	rep := &Report{DryRun: dryRun, Counts: map[string]int{}, Errors: []FileError{}, TeacherChanges: []TeacherChange{},
		UnmatchedClasses: []string{}, UnmatchedTeachers: []string{}, UnmatchedStudents: []string{}}
	d := &data{seen: map[string]bool{}}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := d.read(name, files[name], rep); err != nil {
			return nil, err
		}
	}
	if len(d.seen) == 0 {
		return nil, schulhof.Errorf(schulhof.EInvalid, "timetable.no_files")
	}
	imp, err := d.match(ctx, st, school, rep, opt.Now)
	if err != nil {
		return nil, err
	}
	if err := d.teacherChanges(ctx, st, imp, rep); err != nil {
		return nil, err
	}
	if opt.CheckExams != nil && imp.Exams != nil && len(rep.Errors) == 0 {
		if rep.ExamProblems, err = opt.CheckExams(ctx, imp); err != nil {
			return nil, err
		}
	}
	if dryRun || len(rep.Errors) > 0 {
		return rep, nil
	}
	if err := st.ApplyTimetableImport(ctx, imp); err != nil {
		return nil, err
	}
	rep.Applied = true
	return rep, nil
}

func (d *data) read(name string, b []byte, rep *Report) error {
	kind := kindOf(name)
	if kind == "" {
		rep.Errors = append(rep.Errors, FileError{File: name, Key: "timetable.unknown_file"})
		return nil
	}
	if d.seen[kind] {
		rep.Errors = append(rep.Errors, FileError{File: name, Key: "timetable.twice", Args: []any{kind}})
		return nil
	}
	d.seen[kind] = true
	var problems []schulhof.ImportLineError
	var n int
	var err error
	switch kind {
	case "timetable":
		d.timetable, problems, err = untis.ReadTimetable(b)
		n = len(d.timetable)
	case "lessons":
		d.lessons, problems, err = untis.ReadLessons(b)
		n = len(d.lessons)
	case "classes":
		d.classes, problems, err = untis.ReadClasses(b)
		n = len(d.classes)
	case "teachers":
		d.teachers, problems, err = untis.ReadTeachers(b)
		n = len(d.teachers)
	case "rooms":
		var rs []untis.Room
		rs, problems, err = untis.ReadRooms(b)
		n = len(rs)
	case "subjects":
		var ss []untis.Subject
		ss, problems, err = untis.ReadSubjects(b)
		n = len(ss)
	case "students":
		d.students, problems, err = untis.ReadStudents(b)
		n = len(d.students)
	case "course_choices":
		d.choices, problems, err = untis.ReadCourseChoices(b)
		n = len(d.choices)
	case "substitutions":
		d.subs, problems, err = untis.ReadSubstitutions(b)
		n = len(d.subs)
	case "exams":
		d.exams, problems, err = untis.ReadExams(b)
		n = len(d.exams)
	}
	if err != nil {
		// the file as a whole is unusable: say so for it, go on with the others
		e, ok := err.(*schulhof.Error)
		if !ok {
			return err
		}
		rep.Errors = append(rep.Errors, FileError{File: name, Key: e.Key, Args: e.Args})
		return nil
	}
	rep.Counts[kind] = n
	for _, p := range problems {
		rep.Errors = append(rep.Errors, FileError{File: name, Line: p.Line, Key: p.Key, Args: p.Args})
	}
	return nil
}

// match finds the school's classes, teachers and students for the codes in
// the files and builds the import.
func (d *data) match(ctx context.Context, st Store, school schulhof.SchoolID, rep *Report, now time.Time) (*schulhof.TimetableImport, error) {
	imp := &schulhof.TimetableImport{SchoolID: school, ClassCodes: map[schulhof.GroupID]string{}}
	groups, err := st.FindGroups(ctx, schulhof.GroupFilter{SchoolID: school})
	if err != nil {
		return nil, err
	}
	classByCode := map[string]schulhof.GroupID{}
	d.groups, d.classOf, d.courseOf = groups, classByCode, map[string]schulhof.GroupID{}
	for _, g := range groups {
		if g.Kind == schulhof.GroupClass && g.UntisCode != "" {
			classByCode[strings.ToLower(g.UntisCode)] = g.ID
		}
		if g.Kind == schulhof.GroupCourse && g.UntisCode != "" {
			d.courseOf[g.UntisCode] = g.ID
		}
	}
	for _, g := range groups { // a class without a code is found by its name
		if g.Kind == schulhof.GroupClass {
			if _, ok := classByCode[strings.ToLower(g.Name)]; !ok && g.UntisCode == "" {
				classByCode[strings.ToLower(g.Name)] = g.ID
			}
		}
	}
	var users []*schulhof.User
	for after := ""; ; {
		page, next, err := st.FindUsers(ctx, schulhof.UserFilter{SchoolID: school, Limit: 1000, After: after})
		if err != nil {
			return nil, err
		}
		users = append(users, page...)
		if next == "" {
			break
		}
		after = next
	}
	teacherByCode := map[string]schulhof.UserID{}
	studentByExt := map[string]schulhof.UserID{}
	d.users = map[schulhof.UserID]*schulhof.User{}
	for _, u := range users {
		d.users[u.ID] = u
		if !u.Active {
			continue
		}
		if u.Role >= schulhof.RoleTeacher && u.ShortCode != "" {
			teacherByCode[strings.ToLower(u.ShortCode)] = u.ID
		}
		if u.Role == schulhof.RoleStudent && u.ExternalID != "" {
			studentByExt[u.ExternalID] = u.ID
		}
	}
	unmatched := func(list *[]string, seen map[string]bool, code string) {
		if code != "" && !seen[code] {
			seen[code] = true
			*list = append(*list, code)
		}
	}
	seenClass, seenTeacher, seenStudent := map[string]bool{}, map[string]bool{}, map[string]bool{}
	class := func(code string) schulhof.GroupID {
		id, ok := classByCode[strings.ToLower(code)]
		if !ok {
			unmatched(&rep.UnmatchedClasses, seenClass, code)
		}
		return id
	}
	teacher := func(code string) schulhof.UserID {
		id, ok := teacherByCode[strings.ToLower(code)]
		if !ok {
			unmatched(&rep.UnmatchedTeachers, seenTeacher, code)
		}
		return id
	}
	for _, c := range d.classes {
		if id, ok := classByCode[strings.ToLower(c.Short)]; ok {
			imp.ClassCodes[id] = c.Short
		} else {
			unmatched(&rep.UnmatchedClasses, seenClass, c.Short)
		}
	}
	for _, t := range d.teachers {
		teacher(t.Short)
	}
	teaches := func(g schulhof.GroupID, t schulhof.UserID) {
		k := schulhof.GroupTeacher{Group: g, Teacher: t}
		if g != 0 && t != 0 && !slices.Contains(imp.Teachers, k) {
			imp.Teachers = append(imp.Teachers, k)
		}
	}
	for _, c := range d.classes {
		if c.Teacher != "" {
			teaches(classByCode[strings.ToLower(c.Short)], teacher(c.Teacher))
		}
	}

	// Oberstufe courses: a course choice names the student, the lesson and
	// the course; the course group is "class/course".
	courseIndex := map[string]int{}
	studentByShort := map[string]string{}
	for _, s := range d.students {
		studentByShort[s.Short] = s.ForeignKey
	}
	lessonTeacher := map[int]string{}
	lessonGroup := map[int]string{}
	rep.WeekGroups = []string{}
	for _, l := range d.lessons {
		if _, ok := lessonTeacher[l.Number]; !ok {
			lessonTeacher[l.Number] = l.Teacher
		}
		if l.Group != "" && lessonGroup[l.Number] == "" {
			lessonGroup[l.Number] = l.Group
			if !slices.Contains(rep.WeekGroups, l.Group) {
				rep.WeekGroups = append(rep.WeekGroups, l.Group)
			}
		}
	}
	slices.Sort(rep.WeekGroups)
	for _, c := range d.choices {
		name := c.Course
		if name == "" {
			name = c.Subject
		}
		code := c.Class + "/" + name
		i, ok := courseIndex[code]
		if !ok {
			i = len(imp.Courses)
			courseIndex[code] = i
			imp.Courses = append(imp.Courses, schulhof.CourseGroup{Code: code, Name: name + " (" + c.Class + ")"})
			if t := lessonTeacher[c.Lesson]; t != "" {
				imp.Courses[i].Teacher = teacher(t)
				teaches(schulhof.GroupID(-(i + 1)), imp.Courses[i].Teacher)
			}
		}
		ext := studentByShort[c.Student]
		if ext == "" {
			ext = c.StudentNumber
		}
		if id, ok := studentByExt[ext]; ok {
			imp.Courses[i].Students = append(imp.Courses[i].Students, id)
		} else {
			unmatched(&rep.UnmatchedStudents, seenStudent, c.Student)
		}
	}
	rep.Courses = len(imp.Courses)

	if len(d.timetable) > 0 {
		plan := &schulhof.TimetablePlan{SchoolID: school}
		for _, l := range d.lessons {
			if !l.From.IsZero() && (plan.ValidFrom == "" || schulhof.DayOf(l.From) < plan.ValidFrom) {
				plan.ValidFrom = schulhof.DayOf(l.From)
			}
			if !l.To.IsZero() && schulhof.DayOf(l.To) > plan.ValidTo {
				plan.ValidTo = schulhof.DayOf(l.To)
			}
		}
		if plan.ValidFrom == "" { // without GPU002: from today for a school year
			plan.ValidFrom, plan.ValidTo = schulhof.DayOf(now), schulhof.DayOf(now.AddDate(1, 0, 0))
		}
		if plan.ValidTo == "" || plan.ValidTo < plan.ValidFrom {
			plan.ValidTo = "9999-12-31" // until a newer plan replaces it
		}
		for _, e := range d.timetable {
			entry := schulhof.TimetableEntry{Lesson: e.Lesson, Weekday: e.Day, Period: e.Period, Class: e.Class,
				Teacher: e.Teacher, Subject: e.Subject, Room: e.Room, WeekGroup: lessonGroup[e.Lesson]}
			if i, ok := courseIndex[e.Class+"/"+e.Subject]; ok {
				entry.GroupID = schulhof.GroupID(-(i + 1))
			} else if e.Class != "" {
				entry.GroupID = class(e.Class)
			}
			if e.Teacher != "" {
				entry.TeacherID = teacher(e.Teacher)
			}
			teaches(entry.GroupID, entry.TeacherID)
			plan.Entries = append(plan.Entries, entry)
		}
		imp.Plan = plan
		imp.ReplaceTeachers = true
		rep.ValidFrom, rep.ValidTo = string(plan.ValidFrom), string(plan.ValidTo)
	}
	if d.seen["substitutions"] {
		imp.Substitutions = []schulhof.Substitution{}
		for _, s := range d.subs {
			imp.Substitutions = append(imp.Substitutions, schulhof.Substitution{Number: s.Number, Day: schulhof.DayOf(s.Date),
				Period: s.Period, Lesson: s.Lesson, Kind: s.Kind, Flags: s.Flags, AbsentTeacher: s.AbsentTeacher, Teacher: s.Teacher,
				Subject: s.Subject, NewSubject: s.NewSubject, Room: s.Room, NewRoom: s.NewRoom, Classes: s.Classes,
				NewClasses: s.NewClasses, Text: s.Text})
		}
	}
	if d.seen["exams"] {
		imp.Exams = []schulhof.Exam{}
		for _, e := range d.exams {
			var rooms []string
			for _, rs := range e.Rooms {
				for _, r := range rs {
					if !slices.Contains(rooms, r) {
						rooms = append(rooms, r)
					}
				}
			}
			imp.Exams = append(imp.Exams, schulhof.Exam{Number: e.Number, Day: schulhof.DayOf(e.Date), From: e.From, To: e.To,
				Name: e.Name, Text: e.Text, Subjects: e.Subjects, Lessons: e.Lessons, Rooms: rooms})
		}
	}
	return imp, nil
}

// teacherChanges says in the report which teachers the import puts into a
// group or takes out of one, against the memberships there are now.
func (d *data) teacherChanges(ctx context.Context, st Store, imp *schulhof.TimetableImport, rep *Report) error {
	if len(imp.Teachers) == 0 && !imp.ReplaceTeachers {
		return nil
	}
	now, err := st.FindTeacherMemberships(ctx, imp.SchoolID)
	if err != nil {
		return err
	}
	name := map[schulhof.GroupID]string{}
	for _, g := range d.groups {
		name[g.ID] = g.Name
	}
	// a course is named by its index until the store makes it; one that
	// is there already has its id
	resolve := func(g schulhof.GroupID) schulhof.GroupID {
		if g < 0 {
			c := imp.Courses[-g-1]
			if id, ok := d.courseOf[c.Code]; ok {
				return id
			}
			name[g] = c.Name
		}
		return g
	}
	change := func(k schulhof.GroupTeacher, joins bool) {
		c := TeacherChange{Group: name[k.Group], Joins: joins}
		if u := d.users[k.Teacher]; u != nil {
			c.Teacher, c.Name = u.ShortCode, u.Name()
		}
		rep.TeacherChanges = append(rep.TeacherChanges, c)
	}
	there := map[schulhof.GroupTeacher]bool{}
	for _, m := range now {
		there[m.GroupTeacher] = true
	}
	wanted := map[schulhof.GroupTeacher]bool{}
	for _, k := range imp.Teachers {
		k.Group = resolve(k.Group)
		wanted[k] = true
		if !there[k] {
			change(k, true)
		}
	}
	if imp.ReplaceTeachers {
		for _, m := range now {
			if m.FromTimetable && !wanted[m.GroupTeacher] {
				change(m.GroupTeacher, false)
			}
		}
	}
	sort.SliceStable(rep.TeacherChanges, func(i, j int) bool {
		a, b := rep.TeacherChanges[i], rep.TeacherChanges[j]
		if a.Group != b.Group {
			return schulhof.NaturalLess(a.Group, b.Group)
		}
		return a.Teacher < b.Teacher
	})
	return nil
}
