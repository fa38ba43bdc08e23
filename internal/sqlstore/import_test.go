package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/csvimport"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

func rowsOf(t testing.TB, csv string) ([]schulhof.ImportRow, []schulhof.ImportLineError) {
	t.Helper()
	f, err := csvimport.Parse([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	return f.Rows(f.GuessMapping(), schulhof.RoleStudent)
}

func mustImport(t testing.TB, db *sqlstore.DB, school schulhof.SchoolID, csv string, opts schulhof.ImportOptions) *schulhof.ImportReport {
	t.Helper()
	rows, errs := rowsOf(t, csv)
	rep, err := db.ImportUsers(ctx, school, rows, errs, opts)
	if err != nil {
		t.Fatalf("import: %v (%+v)", err, rep.Errors)
	}
	return rep
}

func counts(r *schulhof.ImportReport) string {
	return fmt.Sprintf("c%d u%d m%d d%d n%d", r.Created, r.Updated, r.Moved, r.Deactivated, r.Unchanged)
}

const year1 = `Interne ID-Nummer;Nachname;Vorname;Klasse;Geburtsdatum
1;Müller;Jürgen;5a;01.02.2015
2;Müller;Jürgen;5b;03.04.2015
3;Groß;Renée;5a;05.06.2015
4;Öztürk;Ayşe;6a;07.08.2014
`

func TestImportLifecycle(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		dry := mustImport(t, db, s.ID, year1, schulhof.ImportOptions{DryRun: true})
		if counts(dry) != "c4 u0 m0 d0 n0" || strings.Join(dry.NewClasses, ",") != "5a,5b,6a" {
			t.Fatalf("dry run: %s %v", counts(dry), dry.NewClasses)
		}
		if us, _, _ := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: s.ID}); len(us) != 0 {
			t.Fatal("a dry run changed the database")
		}
		rep := mustImport(t, db, s.ID, year1, schulhof.ImportOptions{})
		if counts(rep) != counts(dry) {
			t.Fatalf("apply %s differs from dry run %s", counts(rep), counts(dry))
		}
		logins := map[string]string{}
		for _, c := range rep.Changes {
			logins[c.Row.ExternalID] = c.Login
		}
		if logins["1"] != "juergen.mueller" || logins["2"] != "juergen.mueller2" || logins["3"] != "renee.gross" || logins["4"] != "ayse.oeztuerk" {
			t.Fatalf("logins %v", logins)
		}
		// the same file again changes nothing
		if again := mustImport(t, db, s.ID, year1, schulhof.ImportOptions{}); counts(again) != "c0 u0 m0 d0 n4" {
			t.Fatalf("re-import: %s", counts(again))
		}
		// next school year: 1 and 2 move up, 3 left, 4 got married, 5 is new
		year2 := `Interne ID-Nummer;Nachname;Vorname;Klasse;Geburtsdatum
1;Müller;Jürgen;6a;01.02.2015
2;Müller;Jürgen;6b;03.04.2015
4;Yılmaz;Ayşe;6a;07.08.2014
5;Neu;Nina;5a;09.10.2016
`
		rep2 := mustImport(t, db, s.ID, year2, schulhof.ImportOptions{})
		if counts(rep2) != "c1 u1 m2 d1 n0" || strings.Join(rep2.NewClasses, ",") != "6b" {
			t.Fatalf("year 2: %s %v", counts(rep2), rep2.NewClasses)
		}
		u1, _ := db.FindUserByLogin(ctx, s.ID, "juergen.mueller")
		if u1.Class != "6a" || !u1.Active {
			t.Fatalf("moved student %+v", u1)
		}
		u3, _ := db.FindUserByLogin(ctx, s.ID, "renee.gross")
		if u3.Active {
			t.Fatal("leaver still active")
		}
		u4, _ := db.FindUserByLogin(ctx, s.ID, "ayse.oeztuerk")
		if u4.LastName != "Yılmaz" {
			t.Fatalf("renamed: %+v", u4)
		}
		if again := mustImport(t, db, s.ID, year2, schulhof.ImportOptions{}); counts(again) != "c0 u0 m0 d0 n4" {
			t.Fatalf("year 2 re-import: %s", counts(again))
		}
		// a teacher file does not touch the students
		teachers := "ID;Nachname;Vorname;Rolle;Kürzel\n100;Lehr;Lena;Lehrerin;LEH\n"
		if tr := mustImport(t, db, s.ID, teachers, schulhof.ImportOptions{}); counts(tr) != "c1 u0 m0 d0 n0" {
			t.Fatalf("teachers: %s", counts(tr))
		}
		// the leaver comes back
		back := mustImport(t, db, s.ID, year2+"3;Groß;Renée;7a;05.06.2015\n", schulhof.ImportOptions{})
		if counts(back) != "c0 u0 m1 d0 n4" {
			t.Fatalf("returning student: %s", counts(back))
		}
		if u3, _ = db.FindUserByLogin(ctx, s.ID, "renee.gross"); !u3.Active || u3.Class != "7a" {
			t.Fatalf("returned: %+v", u3)
		}
		es, _ := db.FindAuditEntries(ctx, schulhof.AuditFilter{SchoolID: s.ID})
		if es[0].Action != "import.apply" {
			t.Fatalf("audit %+v", es[0])
		}
	})
}

func TestImportWithErrorsChangesNothing(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		rows, errs := rowsOf(t, "ID;Nachname;Vorname;Klasse\n1;A;B;5a\n1;C;D;5b\n2;;E;5a\n")
		rep, err := db.ImportUsers(ctx, s.ID, rows, errs, schulhof.ImportOptions{})
		if !schulhof.Match(err, schulhof.EInvalid) || len(rep.Errors) != 2 || rep.Errors[0].Line != 3 || rep.Errors[1].Line != 4 {
			t.Fatalf("err %v report %+v", err, rep.Errors)
		}
		if us, _, _ := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: s.ID}); len(us) != 0 {
			t.Fatal("a failed import changed the database")
		}
	})
}

func TestImportAdoptsHandMadeUser(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		u := &schulhof.User{SchoolID: s.ID, Login: "max", FirstName: "Max", LastName: "Muster", Role: schulhof.RoleStudent}
		if err := db.CreateUser(ctx, u, ""); err != nil {
			t.Fatal(err)
		}
		rep := mustImport(t, db, s.ID, "ID;Nachname;Vorname;Klasse\n77;Muster;Max;5a\n", schulhof.ImportOptions{})
		if counts(rep) != "c0 u0 m1 d0 n0" || rep.Changes[0].UserID != u.ID {
			t.Fatalf("%s %+v", counts(rep), rep.Changes)
		}
		got, _ := db.FindUserByID(ctx, s.ID, u.ID)
		if got.ExternalID != "77" || got.Class != "5a" {
			t.Fatalf("%+v", got)
		}
	})
}

// TestImport5000RowsVolume: a school of 5,000 in one import, and again
// unchanged (a volume test: it runs without the race detector).
func TestImport5000RowsVolume(t *testing.T) {
	var b strings.Builder
	b.WriteString("ID;Nachname;Vorname;Klasse\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "%d;Nach%d;Vor%d;%d%c\n", i, i%700, i%50, 5+i%8, 'a'+rune((i/8)%4))
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		if rep := mustImport(t, db, s.ID, b.String(), schulhof.ImportOptions{}); rep.Created != 5000 || len(rep.NewClasses) != 32 {
			t.Fatalf("%s %d classes", counts(rep), len(rep.NewClasses))
		}
		if rep := mustImport(t, db, s.ID, b.String(), schulhof.ImportOptions{}); rep.Unchanged != 5000 {
			t.Fatalf("re-import %s", counts(rep))
		}
	})
}
