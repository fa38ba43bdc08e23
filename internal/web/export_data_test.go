package web_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// unzipAll reads a ZIP answer into its files' contents by name.
func unzipAll(t *testing.T, b []byte) map[string]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		must(t, err)
		c, err := io.ReadAll(r)
		r.Close()
		must(t, err)
		out[f.Name] = string(c)
	}
	return out
}

// TestDataExport: a student's ZIP holds her account, her own files,
// her hand-in with its file and feedback, her messages with their
// attachments, her loans; a teacher's his boards; nobody's holds what
// is another's.
func TestDataExport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) { testDataExport(t, newFixture(t, db)) })
}

func testDataExport(t *testing.T, f *fixture) {
	if rec := f.do("a-student", "POST", f.expand("/api/v1/rooms/{a-room}/messages"), `{"text":"Ich habe das Blatt vergessen."}`); rec.Code != 201 {
		t.Fatalf("message: %d %s", rec.Code, rec.Body)
	}
	rec := f.do("a-student", "GET", "/api/v1/me/export", "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/zip" || !strings.Contains(rec.Header().Get("Content-Disposition"), "schulhof-student-") {
		t.Fatalf("export: %d %v", rec.Code, rec.Header())
	}
	files := unzipAll(t, rec.Body.Bytes())
	want := map[string]string{
		"LIESMICH.txt":                  "Student SchuleA",
		"konto/konto.json":              `"email": "student@example.org"`,
		"dateien/Notizen.txt":           "geheim a",
		"aufgaben/aufgaben.json":        "Meine Lösung a",
		"nachrichten/nachrichten.json":  "Ich habe das Blatt vergessen.",
		"geraete/ausleihen.json":        `"until": "2027-07-15"`,
		"anmeldungen/zustimmungen.json": "[]",
		"protokoll/protokoll.json":      "[]",
	}
	for name, s := range want {
		if !strings.Contains(files[name], s) {
			t.Errorf("%s: %.300q, want %q", name, files[name], s)
		}
	}
	if !strings.Contains(files["konto/konto.json"], `"name": "5a"`) {
		t.Errorf("the account's groups: %s", files["konto/konto.json"])
	}
	handIn := false
	for name, c := range files {
		if strings.HasPrefix(name, "aufgaben/abgaben/") && c == "Lösung a" {
			handIn = true
		}
		for _, other := range []string{"geheim b", "Student2", "Guten Morgen, 5a a", "Lösung b"} {
			if strings.Contains(c, other) {
				t.Errorf("%s holds another's %q", name, other)
			}
		}
	}
	if !handIn {
		t.Errorf("no hand-in file in %v", keys(files))
	}
	// the teacher's: the boards he made, with what is on them
	files = unzipAll(t, f.do("a-teacher", "GET", "/api/v1/me/export", "").Body.Bytes())
	board := false
	for name, c := range files {
		if strings.HasPrefix(name, "tafeln/") && strings.Contains(c, `"title": "Bruchrechnung a"`) && strings.Contains(c, `"t-1"`) {
			board = true
		}
	}
	if !board {
		t.Errorf("no board in the teacher's export: %v", keys(files))
	}
	if rec := f.do("", "GET", "/api/v1/me/export", ""); rec.Code != 401 {
		t.Errorf("anonymous: %d", rec.Code)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
