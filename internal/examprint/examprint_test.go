package examprint

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	var buf bytes.Buffer
	rows := []Row{{Date: "Mi 02.12.2026", Periods: "3.–4.", Kind: "Klassenarbeit", Title: "Englisch – Übersetzung", Groups: "7b", Rooms: "204", Supervisors: "Şule Kaya"}}
	for i := 0; i < 60; i++ { // enough for a second page
		rows = append(rows, Row{Date: "Do 03.12.2026", Periods: "1.", Kind: "Test", Title: strings.Repeat("Sehr langer Titel ", 10), Groups: "7b"})
	}
	err := Render(&buf, "Klausurplan · Gymnasium Musterstadt", "01.12.2026 – 31.12.2026",
		Header{"Datum", "Stunde", "Art", "Titel", "Lerngruppen", "Räume", "Aufsicht"}, []Section{{Title: "7b", Rows: rows}, {Title: "Q1 M-LK1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	f := t.TempDir() + "/plan.pdf"
	os.WriteFile(f, buf.Bytes(), 0o600)
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"Klausurplan · Gymnasium Musterstadt", "Englisch – Übersetzung", "Şule Kaya", "Q1 M-LK1", "Sehr langer Titel", "…"} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text[:min(len(text), 2000)])
		}
	}
	if strings.Count(text, "\f") < 2 {
		t.Error("the long table did not go on to a second page")
	}
}
