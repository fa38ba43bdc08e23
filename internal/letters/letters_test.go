package letters_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/schulhof/schulhof/internal/letters"
)

func TestRenderIsReadableText(t *testing.T) {
	var buf bytes.Buffer
	err := letters.Render(&buf, "Gymnasium Musterstadt", "https://schulhof.example", []letters.Letter{
		{Name: "Ayşe Öztürk", Class: "5a", Login: "ayse.oeztuerk@gym", Password: "k7mqz2wxpa"},
		{Name: "Jürgen Müller", Class: "6b", Login: "juergen.mueller@gym", Password: "abcdefgh23"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	f := t.TempDir() + "/l.pdf"
	os.WriteFile(f, buf.Bytes(), 0o600)
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	pages := strings.Split(text, "\f")
	if len(pages) < 2 {
		t.Fatalf("want one page per user, got text %q", text)
	}
	for _, want := range []string{"Ayşe Öztürk", "ayse.oeztuerk@gym", "k7mqz2wxpa", "https://schulhof.example", "Gymnasium Musterstadt"} {
		if !strings.Contains(pages[0], want) {
			t.Errorf("page 1 lacks %q:\n%s", want, pages[0])
		}
	}
	if !strings.Contains(pages[1], "Jürgen Müller") || strings.Contains(pages[1], "k7mqz2wxpa") {
		t.Errorf("page 2 wrong:\n%s", pages[1])
	}
}
