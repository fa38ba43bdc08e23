package schulhof_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/schulhof/schulhof"
)

func TestCleanName(t *testing.T) {
	nfd := norm.NFD.String("Übung für Jürgen.pdf")
	for _, tc := range []struct {
		in, want, key string
	}{
		{"Arbeitsblatt 1.pdf", "Arbeitsblatt 1.pdf", ""},
		{"  Tafelbild 12.03..png ", "Tafelbild 12.03..png", ""},
		{nfd, "Übung für Jürgen.pdf", ""},
		{".hidden", ".hidden", ""},
		{"", "", "name.empty"},
		{"   ", "", "name.empty"},
		{".", "", "name.dots"},
		{"..", "", "name.dots"},
		{"a/b", "", "name.separator"},
		{`a\b`, "", "name.separator"},
		{"Frage?.txt", "", "name.character"},
		{"x:y", "", "name.character"},
		{"tab\there", "", "name.control"},
		{"nul\x00", "", "name.control"},
		{"Rechnung\u202Efdp.exe", "", "name.bidi"},
		{"a\u2066b", "", "name.bidi"},
		{"a\u200Fb", "", "name.bidi"},
		{"CON", "", "name.reserved"},
		{"com1.txt", "", "name.reserved"},
		{"Console.txt", "Console.txt", ""},
		{"ende.", "", "name.trailing_dot"},
		{strings.Repeat("ä", 128), "", "name.too_long"},
		{"bad\xffutf8", "", "name.encoding"},
	} {
		got, err := schulhof.CleanName(tc.in)
		if tc.key == "" {
			if err != nil || got != tc.want {
				t.Errorf("%q: %q %v, want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		e, ok := err.(*schulhof.Error)
		if !ok || len(e.Fields) != 1 || e.Fields[0].Key != tc.key {
			t.Errorf("%q: %v, want %s", tc.in, err, tc.key)
		}
	}
}

func TestCleanPath(t *testing.T) {
	got, err := schulhof.CleanPath("/Klasse 5a//Mathe/Blatt.pdf/")
	if err != nil || strings.Join(got, "|") != "Klasse 5a|Mathe|Blatt.pdf" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"/a/../b", "../etc/passwd", "a/./b", "/x/CON/y"} {
		if _, err := schulhof.CleanPath(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got, err := schulhof.CleanPath("/"); err != nil || len(got) != 0 {
		t.Fatalf("root: %q %v", got, err)
	}
}

// FuzzCleanPath: whatever comes in, what comes out is names that cannot
// climb out of their root, contain no separator and are NFC; cleaning is
// idempotent.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"/a/b", "..", "a/../b", "Ü\u0308", "CON.txt", "x\x00y", "//", " . ", "a\\..\\b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		names, err := schulhof.CleanPath(p)
		if err != nil {
			if !schulhof.Match(err, schulhof.EInvalid) {
				t.Fatalf("error kind: %v", err)
			}
			return
		}
		for _, n := range names {
			if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\\\x00") || !utf8.ValidString(n) || !norm.NFC.IsNormalString(n) || len(n) > schulhof.MaxNameBytes {
				t.Fatalf("%q gave bad name %q", p, n)
			}
			if again, err := schulhof.CleanName(n); err != nil || again != n {
				t.Fatalf("%q not idempotent: %q %v", n, again, err)
			}
		}
	})
}
