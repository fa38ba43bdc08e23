package untis_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/untis"
)

func sample(t *testing.T, dir, name string) []byte {
	t.Helper()
	// copies of ../shared/data, carried in the project's testdata/
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func noProblems(t *testing.T, problems []schulhof.ImportLineError, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("%d problems, first: line %d %s %v", len(problems), problems[0].Line, problems[0].Key, problems[0].Args)
	}
}

func day(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

// The real exports: comma and semicolon, UTF-8 and Windows-1252, give the
// same lessons.
func TestLessonsSamples(t *testing.T) {
	comma, problems, err := untis.ReadLessons(sample(t, "untis-samples", "GPU002.TXT"))
	noProblems(t, problems, err)
	semi, problems, err := untis.ReadLessons(sample(t, "untis-samples", "GPU002-semicolon.TXT"))
	noProblems(t, problems, err)
	if len(comma) != 1057 || len(semi) != len(comma) {
		t.Fatalf("%d and %d lessons, want 1057", len(comma), len(semi))
	}
	first := untis.Lesson{Line: 1, Number: 1418, Hours: 2, Class: "12", Teacher: "CoeJM", Subject: "D  G4", Room: "MSS 2",
		Group: "UW", From: day("2009-08-24"), To: day("2010-07-16")}
	if !reflect.DeepEqual(comma[0], first) {
		t.Errorf("first lesson %+v", comma[0])
	}
	// the lesson groups of A/B weeks: "UW" and "GW" (odd and even weeks)
	groups := map[string]int{}
	for _, l := range comma {
		groups[l.Group]++
	}
	if groups["UW"] == 0 || groups["GW"] == 0 {
		t.Errorf("lesson groups %v", groups)
	}
	for i := range comma {
		if !reflect.DeepEqual(comma[i], semi[i]) {
			t.Fatalf("line %d differs:\n%+v\n%+v", comma[i].Line, comma[i], semi[i])
		}
	}
	f, err := untis.Read(sample(t, "untis-samples", "GPU002-semicolon.TXT"))
	if err != nil || f.Separator != ';' {
		t.Fatalf("semicolon file: %v %q", err, f.Separator)
	}
}

func TestSubstitutionsSample(t *testing.T) {
	subs, problems, err := untis.ReadSubstitutions(sample(t, "untis-samples", "GPU014.TXT"))
	noProblems(t, problems, err)
	if len(subs) != 3 {
		t.Fatalf("%d substitutions", len(subs))
	}
	s := subs[0]
	if s.Number != 1 || !s.Date.Equal(day("2009-08-24")) || s.Period != 1 || s.Lesson != 1865 || s.AbsentTeacher != "BecSa" ||
		s.Teacher != "BecHe" || s.NewSubject != "M" || s.NewRoom != "R B4" || !reflect.DeepEqual(s.Classes, []string{"10c", "10a"}) ||
		!reflect.DeepEqual(s.NewClasses, []string{"10c", "10a", "10b"}) || s.Cancelled() || s.Flags != 2097152 {
		t.Errorf("first: %+v", s)
	}
	if s.Changed != time.Date(2020, 2, 23, 12, 17, 0, 0, time.UTC) {
		t.Errorf("changed %v", s.Changed)
	}
	if !subs[2].Cancelled() || subs[2].Kind != "C" {
		t.Errorf("third is a cancellation: %+v", subs[2])
	}
}

func TestExamsSample(t *testing.T) {
	exams, problems, err := untis.ReadExams(sample(t, "untis-samples", "GPU017.TXT"))
	noProblems(t, problems, err)
	if len(exams) != 84 {
		t.Fatalf("%d exams", len(exams))
	}
	e := exams[0]
	if e.Name != "121" || e.Number != 30 || !e.Date.Equal(day("2009-09-29")) || e.From != 3 || e.To != 4 ||
		len(e.Subjects) != 6 || e.Subjects[0] != "E  L2" || len(e.Lessons) != 6 || e.Lessons[5] != 2686 ||
		e.Students[0] != "ÖnüA" || e.Students[len(e.Students)-1] != "AuhB" || len(e.Students) < 100 {
		t.Errorf("first exam: %+v", e)
	}
	if !reflect.DeepEqual(e.Supervisors, [][]string{{"BecSa"}, {"BecSa", "CurMa"}}) || !reflect.DeepEqual(e.Rooms, [][]string{{"R 5b"}, {"R 5b"}}) {
		t.Errorf("supervisors %q rooms %q", e.Supervisors, e.Rooms)
	}
	if exams[1].Supervisors != nil {
		t.Errorf("no supervisors: %q", exams[1].Supervisors)
	}
}

func TestRoomsSample(t *testing.T) {
	rooms, problems, err := untis.ReadRooms(sample(t, "untis-samples", "GPU005.TXT"))
	noProblems(t, problems, err)
	if len(rooms) != 121 || rooms[0] != (untis.Room{Line: 1, Short: "R SIa", Long: "Einstiegsraum 5", Alternative: "R 5"}) {
		t.Fatalf("%d rooms, first %+v", len(rooms), rooms[0])
	}
}

// The generated school: every file of it reads without a problem, and
// the files fit together.
func TestMusterstadt(t *testing.T) {
	read := func(name string) []byte { return sample(t, "school-musterstadt", name) }
	tt, problems, err := untis.ReadTimetable(read("GPU001.TXT"))
	noProblems(t, problems, err)
	lessons, problems, err := untis.ReadLessons(read("GPU002.TXT"))
	noProblems(t, problems, err)
	classes, problems, err := untis.ReadClasses(read("GPU003.TXT"))
	noProblems(t, problems, err)
	teachers, problems, err := untis.ReadTeachers(read("GPU004.TXT"))
	noProblems(t, problems, err)
	rooms, problems, err := untis.ReadRooms(read("GPU005.TXT"))
	noProblems(t, problems, err)
	subjects, problems, err := untis.ReadSubjects(read("GPU006.TXT"))
	noProblems(t, problems, err)
	students, problems, err := untis.ReadStudents(read("GPU010.TXT"))
	noProblems(t, problems, err)
	choices, problems, err := untis.ReadCourseChoices(read("GPU015.TXT"))
	noProblems(t, problems, err)
	subs, problems, err := untis.ReadSubstitutions(read("GPU014.TXT"))
	noProblems(t, problems, err)
	exams, problems, err := untis.ReadExams(read("GPU017.TXT"))
	noProblems(t, problems, err)

	counts := []int{len(tt), len(lessons), len(classes), len(teachers), len(rooms), len(subjects), len(students), len(choices), len(subs), len(exams)}
	if !reflect.DeepEqual(counts, []int{1286, 511, 27, 80, 77, 19, 978, 3410, 60, 12}) {
		t.Errorf("counts %v", counts)
	}
	if tt[0] != (untis.TimetableEntry{Line: 1, Lesson: 1, Class: "5a", Teacher: "SCH11", Subject: "D", Room: "R100", Day: 1, Period: 1}) {
		t.Errorf("first timetable entry %+v", tt[0])
	}
	// Windows-1252 decoded: umlauts arrive as umlauts
	if students[0].LastName != "Schröder" || students[0].FirstName != "Renée" || students[0].Class != "5a" ||
		students[0].ForeignKey != "10001" || !students[0].Birth.Equal(day("2017-06-04")) {
		t.Errorf("first student %+v", students[0])
	}
	if teachers[2].Short != "ÖZT" || teachers[2].LastName != "Öztürk" || teachers[2].FirstName != "Mia" || teachers[2].Email != "özt@schule.example" {
		t.Errorf("third teacher %+v", teachers[2])
	}
	// every timetable line names a known lesson, class, teacher and room
	known := func(names []string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	lessonNo := map[int]bool{}
	for _, l := range lessons {
		lessonNo[l.Number] = true
	}
	var cl, te, ro []string
	for _, c := range classes {
		cl = append(cl, c.Short)
	}
	for _, x := range teachers {
		te = append(te, x.Short)
	}
	for _, r := range rooms {
		ro = append(ro, r.Short)
	}
	kc, kt, kr := known(cl), known(te), known(ro)
	for _, e := range tt {
		if !lessonNo[e.Lesson] || !kc[e.Class] || !kt[e.Teacher] || !kr[e.Room] {
			t.Fatalf("line %d names something unknown: %+v", e.Line, e)
		}
	}
	for _, c := range choices {
		if !lessonNo[c.Lesson] || !strings.HasPrefix(c.Student, "S") {
			t.Fatalf("course choice line %d: %+v", c.Line, c)
		}
	}
	cancelled, rooms2 := 0, 0
	for _, s := range subs {
		if s.Cancelled() {
			cancelled++
		}
		if s.RoomChanged() {
			rooms2++
			if s.NewRoom != "AULA" {
				t.Errorf("room change without the new room: %+v", s)
			}
		}
	}
	if cancelled == 0 || rooms2 == 0 {
		t.Errorf("%d cancellations, %d room changes", cancelled, rooms2)
	}
}

// Broken lines are reported by line number and left out; good ones stay.
func TestBrokenLines(t *testing.T) {
	data := strings.Join([]string{
		`1;"5a";"SCH";"D";"R100";1;1;;`,
		`x;"5a";"SCH";"D";"R100";1;2;;`,  // 2: lesson number not a number
		`2;"5a";"SCH";"D";"R100";9;1;;`,  // 3: day 9
		`3;"5a";"SCH";"D";"R100";2;;;`,   // 4: no period
		``,                               // blank lines are skipped
		`4;"5b";"MÜL";"M";"R101";5;30;;`, // 6: period 30
		`5;"5b";"MÜL";"M";"R101";5;6;;`,
	}, "\r\n")
	tt, problems, err := untis.ReadTimetable([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(tt) != 2 || tt[1].Line != 7 || tt[1].Teacher != "MÜL" {
		t.Fatalf("good lines %+v", tt)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Key)
	}
	want := []string{"untis.line.number", "untis.line.day", "untis.line.missing", "untis.line.period"}
	if !reflect.DeepEqual(got, want) || problems[0].Line != 2 || problems[3].Line != 6 {
		t.Fatalf("problems %+v", problems)
	}
}

func TestEncodingsAndSeparators(t *testing.T) {
	line := "\"MÜL\";\"Müller\"" + strings.Repeat(";", 27) + "\"Jürgen\";;\"M\";;\"mül@schule.example\"\r\n"
	cp, _ := charmap.Windows1252.NewEncoder().String(line)
	for name, data := range map[string]string{
		"utf-8":        line,
		"utf-8 bom":    "\ufeff" + line,
		"windows-1252": cp,
		"comma":        strings.ReplaceAll(line, ";", ","),
		"tab":          strings.ReplaceAll(line, ";", "\t"),
	} {
		ts, problems, err := untis.ReadTeachers([]byte(data))
		if err != nil || len(problems) > 0 || len(ts) != 1 {
			t.Fatalf("%s: %v %v %v", name, ts, problems, err)
		}
		if ts[0].Short != "MÜL" || ts[0].FirstName != "Jürgen" || ts[0].Email != "mül@schule.example" {
			t.Errorf("%s: %+v", name, ts[0])
		}
	}
	for name, data := range map[string]string{"empty": "", "blank": " \r\n\r\n", "binary": "\x00\x01PK"} {
		if _, _, err := untis.ReadTeachers([]byte(data)); !schulhof.Match(err, schulhof.EInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzReaders: no input makes a reader panic, and every problem names a
// line that exists.
func FuzzReaders(f *testing.F) {
	f.Add([]byte(`1;"5a";"SCH";"D";"R100";1;1;;` + "\n"))
	f.Add([]byte(`1,"20090824",1,2,1865,"BecSa","BecHe","BIO",,"M",,"R B3","R B4",,"10c~10a",,,2097152,"10c~10a~10b",,202002231217,"+~-"`))
	f.Add([]byte(`"121",30,"L",20090929,3,4,"E  L2~E  L4","2676~2678","A~B","BecSa - BecSa~CurMa","R 5b - R 5b"`))
	f.Add([]byte("\"unclosed;1;2\n3;\"x\"\"y\";4\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(data), "\n") + 1
		check := func(problems []schulhof.ImportLineError) {
			for _, p := range problems {
				if p.Line < 1 || p.Line > lines+1 {
					t.Fatalf("problem on line %d of %d", p.Line, lines)
				}
			}
		}
		_, p1, _ := untis.ReadTimetable(data)
		_, p2, _ := untis.ReadSubstitutions(data)
		_, p3, _ := untis.ReadExams(data)
		_, p4, _ := untis.ReadLessons(data)
		_, p5, _ := untis.ReadCourseChoices(data)
		for _, p := range [][]schulhof.ImportLineError{p1, p2, p3, p4, p5} {
			check(p)
		}
	})
}
