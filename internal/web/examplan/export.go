package examplan

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/examprint"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The exam plan to take away: CSV for spreadsheets (semicolons and a
// byte order mark, as German Excel opens it) and PDF to print, for a
// class or course and a period of weeks (?group=&from=&to=).

// exportedExams are the exams the user may see in the query's window.
func (s *Module) exportedExams(r *http.Request) (*schulhof.School, []examView, *examBook, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, nil, nil, err
	}
	from, to, group, student, err := examQuery(r)
	if err != nil {
		return nil, nil, nil, err
	}
	if from == "" {
		from = schulhof.DayOf(s.Now().In(kit.Berlin))
	}
	if to == "" {
		t, _ := time.Parse("2006-01-02", string(from))
		to = schulhof.DayOf(t.AddDate(0, 3, 0))
	}
	book, err := s.examBookOf(r.Context(), sc)
	if err != nil {
		return nil, nil, nil, err
	}
	es, err := s.visibleExams(r.Context(), kit.AuthOf(r).User, sc, book, from, to, group, student)
	return sc, es, book, err
}

// examRow is an exam as the exports write it.
func (s *Module) examRow(lang string, book *examBook, e examView) examprint.Row {
	t, _ := time.Parse("2006-01-02", string(e.Date))
	days := strings.Split(i18n.T(lang, "timetable.weekdays"), ",")
	var sup []string
	for _, id := range e.Supervisors {
		sup = append(sup, book.input.Supervisors[id])
	}
	periods := strconv.Itoa(e.From) + "."
	if e.To != e.From {
		periods += "–" + strconv.Itoa(e.To) + "."
	}
	return examprint.Row{Date: days[(int(t.Weekday())+6)%7] + " " + t.Format("02.01.2006"), Periods: periods,
		Kind: kindName(lang, string(e.Kind)), Title: e.Title, Groups: strings.Join(e.GroupNames, ", "),
		Rooms: strings.Join(e.Rooms, ", "), Supervisors: strings.Join(sup, ", ")}
}

// exportExamsCSV: GET /s/{school}/exams.csv and GET /api/v1/schools/{school}/exams.csv.
func (s *Module) exportExamsCSV(w http.ResponseWriter, r *http.Request) {
	sc, es, book, err := s.exportedExams(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	lang := kit.Info(r).Lang
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	cw.Comma = ';'
	cw.UseCRLF = true
	cw.Write(strings.Split(i18n.T(lang, "exams.csv_header"), ","))
	for _, e := range es {
		row := s.examRow(lang, book, e)
		cw.Write([]string{string(e.Date), strconv.Itoa(e.From), strconv.Itoa(e.To), row.Kind, noFormula(e.Title), noFormula(row.Groups),
			noFormula(row.Rooms), noFormula(row.Supervisors), strconv.Itoa(len(e.Students)), e.Source})
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="Klausurplan-`+sc.Slug+`.csv"`)
	w.Write(b.Bytes())
}

// noFormula keeps a spreadsheet from reading a title as a formula.
func noFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exportExamsPDF: GET /s/{school}/exams.pdf and GET /api/v1/schools/{school}/exams.pdf:
// a table per class or course (or the one asked for).
func (s *Module) exportExamsPDF(w http.ResponseWriter, r *http.Request) {
	sc, es, book, err := s.exportedExams(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	lang := kit.Info(r).Lang
	from, to, group, _, _ := examQuery(r)
	bySection := map[string][]examprint.Row{}
	var names []string
	for _, e := range es {
		groups := e.GroupNames
		if group != 0 {
			groups = []string{book.groups[group]}
		}
		if len(groups) == 0 {
			groups = []string{"–"}
		}
		for _, g := range groups {
			if _, ok := bySection[g]; !ok {
				names = append(names, g)
			}
			bySection[g] = append(bySection[g], s.examRow(lang, book, e))
		}
	}
	slices.Sort(names)
	var sections []examprint.Section
	for _, n := range names {
		sections = append(sections, examprint.Section{Title: n, Rows: bySection[n]})
	}
	if len(sections) == 0 {
		sections = []examprint.Section{{Title: i18n.T(lang, "exams.none")}}
	}
	h := strings.Split(i18n.T(lang, "exams.pdf_header"), ",")
	span := ""
	if from != "" || to != "" {
		span = kit.GermanDate(from) + " – " + kit.GermanDate(to)
	}
	var b bytes.Buffer
	if err := examprint.Render(&b, i18n.T(lang, "exams.title")+" · "+sc.Name, span,
		examprint.Header{Date: h[0], Periods: h[1], Kind: h[2], Title: h[3], Groups: h[4], Rooms: h[5], Supervisors: h[6]}, sections); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="Klausurplan-`+sc.Slug+`.pdf"`)
	w.Write(b.Bytes())
}

// kindName names a kind of exam: Klassenarbeit, Klausur, Test, Nachschreibtermin.
func kindName(lang, kind string) string {
	key := "exams.kind." + kind
	if !i18n.Has(key) {
		return kind
	}
	return i18n.T(lang, key)
}
