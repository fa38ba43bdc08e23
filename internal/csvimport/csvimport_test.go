package csvimport_test

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/csvimport"
)

func mustParse(t testing.TB, data []byte) *csvimport.File {
	t.Helper()
	f, err := csvimport.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The generated school's student export: Windows-1252, semicolons, the
// headers of SchILD, names with umlauts and ß.
func TestMusterstadtStudents(t *testing.T) {
	data, err := os.ReadFile("../../testdata/school-musterstadt/users-students.csv")
	if err != nil {
		t.Fatal(err)
	}
	f := mustParse(t, data)
	if f.Encoding != "Windows-1252" || f.Separator != ';' {
		t.Fatalf("detected %s %q", f.Encoding, f.Separator)
	}
	m := f.GuessMapping()
	if len(m.Missing()) != 0 || m[csvimport.Class] != 3 || m[csvimport.BirthDate] != 5 {
		t.Fatalf("mapping %v", m)
	}
	rows, errs := f.Rows(m, schulhof.RoleStudent)
	if len(errs) != 0 || len(rows) != 978 {
		t.Fatalf("%d rows, errors %v", len(rows), errs)
	}
	r := rows[0]
	if r.ExternalID != "10001" || r.LastName != "Schröder" || r.FirstName != "Renée" || r.Class != "5a" ||
		r.BirthDate != "2017-06-04" || r.Line != 2 || r.Role != schulhof.RoleStudent {
		t.Fatalf("first row %+v", r)
	}
}

func TestMusterstadtTeachers(t *testing.T) {
	data, err := os.ReadFile("../../testdata/school-musterstadt/users-teachers.csv")
	if err != nil {
		t.Fatal(err)
	}
	f := mustParse(t, data)
	rows, errs := f.Rows(f.GuessMapping(), schulhof.RoleStudent)
	if len(errs) != 0 || len(rows) != 80 {
		t.Fatalf("%d rows, errors %v", len(rows), errs)
	}
	if rows[0].Role != schulhof.RoleTeacher || rows[0].ShortCode != "SCH" {
		t.Fatalf("the Rolle column must win over the default: %+v", rows[0])
	}
}

func TestEncodingsAndSeparators(t *testing.T) {
	utf := "Nachname,Vorname,Klasse,ID\nMüller,Jürgen,5a,1\n\"Groß, von\",Zoë,5b,2\n"
	cp, _ := charmap.Windows1252.NewEncoder().String(strings.ReplaceAll(utf, ",", ";"))
	tabs := "Nachname\tVorname\tKlasse\tID\nMüller\tJürgen\t5a\t1\n\"Groß, von\"\tZoë\t5b\t2\n"
	utf16 := append([]byte{0xff, 0xfe}, encodeUTF16LE(utf)...)
	for name, tc := range map[string]struct {
		data     []byte
		enc      string
		sep      rune
		lastName string
	}{
		"utf8 comma":       {[]byte(utf), "UTF-8", ',', "Groß, von"},
		"utf8 bom":         {append([]byte("\ufeff"), utf...), "UTF-8", ',', "Groß, von"},
		"cp1252 semicolon": {[]byte(cp), "Windows-1252", ';', "\"Groß"},
		"tab":              {[]byte(tabs), "UTF-8", '\t', "Groß, von"},
		"utf16 excel":      {utf16, "UTF-16", ',', "Groß, von"},
		"crlf":             {[]byte(strings.ReplaceAll(utf, "\n", "\r\n")), "UTF-8", ',', "Groß, von"},
	} {
		t.Run(name, func(t *testing.T) {
			f := mustParse(t, tc.data)
			if f.Encoding != tc.enc || f.Separator != tc.sep {
				t.Fatalf("got %s %q", f.Encoding, f.Separator)
			}
			rows, errs := f.Rows(f.GuessMapping(), schulhof.RoleStudent)
			if len(rows) != 2 || rows[0].LastName != "Müller" || rows[0].FirstName != "Jürgen" {
				t.Fatalf("rows %+v errs %+v", rows, errs)
			}
			if name != "cp1252 semicolon" && rows[1].LastName != tc.lastName {
				t.Fatalf("quoted name: %q", rows[1].LastName)
			}
		})
	}
}

func encodeUTF16LE(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

func TestBadLinesAreListedByNumber(t *testing.T) {
	data := "ID;Nachname;Vorname;Klasse;Geburtsdatum;Rolle;E-Mail\n" +
		"1;Muster;Max;5a;01.02.2015;Schüler;\n" + // 2 ok
		";Ohne;Id;5a;;;\n" + // 3 no id
		"3;;Ohnenach;5a;;;\n" + // 4 no last name
		"4;Datum;Falsch;5a;31.02.2015;;\n" + // 5 bad date
		"5;Rolle;Falsch;5a;;Hausmeister;\n" + // 6 unknown role
		"6;Kurz\n" + // 7 too few columns
		"\n" + // 8 blank: skipped
		"7;Mail;Falsch;5a;;;nicht-mail\n" + // 9 bad e-mail
		"8;Lehrer;Lena;;;Lehrerin;lena@example.org\n" // 10 ok
	f := mustParse(t, []byte(data))
	rows, errs := f.Rows(f.GuessMapping(), schulhof.RoleStudent)
	if len(rows) != 2 || rows[1].Role != schulhof.RoleTeacher {
		t.Fatalf("rows %+v", rows)
	}
	want := map[int]string{3: "import.line.no_id", 4: "import.line.no_last_name", 5: "import.line.date",
		6: "import.line.role", 7: "import.line.columns", 9: "import.line.field"}
	if len(errs) != len(want) {
		t.Fatalf("errors %+v", errs)
	}
	for _, e := range errs {
		if want[e.Line] != e.Key {
			t.Errorf("line %d: %s, want %s", e.Line, e.Key, want[e.Line])
		}
	}
}

func TestWholeFileErrors(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":     {},
		"blank":     []byte("\n\n  \n"),
		"binary":    {0x50, 0x4b, 0x03, 0x04, 0x00, 0x00},
		"no header": []byte("eins\n"),
		"too large": make([]byte, csvimport.MaxSize+1),
	} {
		if _, err := csvimport.Parse(data); !schulhof.Match(err, schulhof.EInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStatusColumnLeavesOutLeavers(t *testing.T) {
	f := mustParse(t, []byte("ID;Nachname;Vorname;Status\n1;A;B;aktiv\n2;C;D;abgegangen\n"))
	rows, errs := f.Rows(f.GuessMapping(), schulhof.RoleStudent)
	if len(rows) != 1 || len(errs) != 0 {
		t.Fatalf("%v %v", rows, errs)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("ID;Nachname;Vorname;Klasse\n1;Müller;Jürgen;5a\n"))
	f.Add([]byte("\"a\"\"b\",c\n\"x"))
	f.Add([]byte{0xff, 0xfe, 'a', 0})
	f.Add([]byte("ID,Nachname,Vorname,Geburtsdatum,Rolle\n1,a,b,1.1.2010,Lehrer\n,,,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := csvimport.Parse(data)
		if err != nil {
			if !schulhof.Match(err, schulhof.EInvalid) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		rows, errs := file.Rows(file.GuessMapping(), schulhof.RoleStudent)
		lines := map[int]bool{}
		for _, r := range rows {
			if r.ExternalID == "" || r.LastName == "" || r.FirstName == "" || lines[r.Line] {
				t.Fatalf("bad row %+v", r)
			}
			lines[r.Line] = true
		}
		for _, e := range errs {
			if e.Line <= 0 || e.Key == "" {
				t.Fatalf("bad error %+v", e)
			}
		}
	})
}

// TestLostLetters: names the export could not write ("Y?lmaz") are found,
// with the names as they came, and the admin's corrections go in.
func TestLostLetters(t *testing.T) {
	rows := []schulhof.ImportRow{{Line: 2, FirstName: "Leon", LastName: "Y?lmaz"}, {Line: 3, FirstName: "Renée", LastName: "Schröder"},
		{Line: 4, FirstName: "\ufffdukasz", LastName: "Nowak"}}
	errs := csvimport.CheckNames(rows)
	if len(errs) != 2 || errs[0].Line != 2 || errs[0].Fix.LastName != "Y?lmaz" || errs[1].Line != 4 {
		t.Fatalf("lost letters: %+v", errs)
	}
	csvimport.FixNames(rows, map[int]schulhof.NameFix{2: {LastName: " Yılmaz "}, 4: {FirstName: "Łukasz"}, 9: {FirstName: "x"}})
	if rows[0].LastName != "Yılmaz" || rows[0].FirstName != "Leon" || rows[2].FirstName != "Łukasz" || rows[1].FirstName != "Renée" {
		t.Fatalf("fixed: %+v", rows)
	}
	if errs := csvimport.CheckNames(rows); len(errs) != 0 {
		t.Fatalf("after fixing: %+v", errs)
	}
}
