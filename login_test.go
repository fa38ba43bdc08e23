package schulhof_test

import (
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
)

func TestLoginBase(t *testing.T) {
	for _, tc := range []struct{ first, last, want string }{
		{"Jürgen", "Müller", "juergen.mueller"},
		{"Renée", "Groß", "renee.gross"},
		{"Ayşe", "Öztürk", "ayse.oeztuerk"},
		{"Łukasz", "Wójcik", "lukasz.wojcik"},
		{"Anna-Lena", "von der Heide", "anna-lena.vonderheide"},
		{"Ay?e", "O'Brien", "aye.obrien"},
		{"", "Ärger", "aerger"},
		{"???", "", "user"},
	} {
		if got := schulhof.LoginBase(tc.first, tc.last); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.first, tc.last, got, tc.want)
		}
		if got := schulhof.LoginBase(tc.first, tc.last); !schulhof.ValidLogin(got) {
			t.Errorf("%q is no valid login", got)
		}
	}
}

func TestUniqueLogin(t *testing.T) {
	taken := map[string]bool{"max.muster": true, "max.muster2": true}
	if got := schulhof.UniqueLogin("max.muster", func(s string) bool { return taken[s] }); got != "max.muster3" {
		t.Fatal(got)
	}
}

func TestParseLoginField(t *testing.T) {
	for in, want := range map[string][2]string{
		"max.muster@gym-nord":     {"max.muster", "gym-nord"},
		" Max.Muster @ GYM-Nord ": {"max.muster", "gym-nord"},
		"admin":                   {"admin", ""},
		"a@b@c":                   {"a@b", "c"},
	} {
		l, s := schulhof.ParseLoginField(in)
		if l != want[0] || s != want[1] {
			t.Errorf("%q: %q %q", in, l, s)
		}
	}
}

func FuzzParseLoginField(f *testing.F) {
	for _, s := range []string{"max@gym", "", "@", "a@", "@b", "ÄÖ@ü", "x\x00@y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		login, school := schulhof.ParseLoginField(s)
		if strings.Contains(school, "@") {
			t.Fatalf("school %q keeps an @", school)
		}
		if login != strings.TrimSpace(login) || school != strings.TrimSpace(school) {
			t.Fatalf("untrimmed %q %q", login, school)
		}
		if strings.ToLower(login) != login {
			t.Fatalf("login %q not folded", login)
		}
	})
}

func FuzzLoginBase(f *testing.F) {
	f.Add("Jürgen", "Müller")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, first, last string) {
		if got := schulhof.LoginBase(first, last); !schulhof.ValidLogin(got) && len(got) < 60 {
			t.Fatalf("%q %q -> %q", first, last, got)
		}
	})
}
