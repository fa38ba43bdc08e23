package userbytes_test

import (
	"net/http"
	"testing"

	"github.com/schulhof/schulhof/internal/userbytes"
)

func TestSetHeaders(t *testing.T) {
	for _, c := range []struct {
		name, ctype string
		wantInline  bool
		// what goes out
		ctypeOut, disposition string
	}{
		{"a.html", "text/html; charset=utf-8", true, "application/octet-stream", `attachment; filename=a.html`},
		{"a.xhtml", "application/xhtml+xml", true, "application/octet-stream", `attachment; filename=a.xhtml`},
		{"bild.svg", "image/svg+xml", true, "application/octet-stream", `attachment; filename=bild.svg`},
		{"a.js", "text/javascript; charset=utf-8", true, "application/octet-stream", `attachment; filename=a.js`},
		{"a.mjs", "application/javascript", true, "application/octet-stream", `attachment; filename=a.mjs`},
		{"a.css", "text/css; charset=utf-8", true, "application/octet-stream", `attachment; filename=a.css`},
		{"a.xml", "text/xml", true, "application/octet-stream", `attachment; filename=a.xml`},
		{"ohne", "", true, "application/octet-stream", `attachment; filename=ohne`},
		{"Foto.png", "image/png", true, "image/png", `inline; filename=Foto.png`},
		{"Foto.PNG", "IMAGE/PNG", true, "IMAGE/PNG", `inline; filename=Foto.PNG`},
		{"Foto.png", "image/png", false, "image/png", `attachment; filename=Foto.png`},
		{"Blatt.pdf", "application/pdf", true, "application/pdf", `inline; filename=Blatt.pdf`},
		{"Notiz.txt", "text/plain; charset=utf-8", true, "text/plain; charset=utf-8", `inline; filename=Notiz.txt`},
		{"Lied.mp3", "audio/mpeg", true, "audio/mpeg", `inline; filename=Lied.mp3`},
		{"Film.mp4", "video/mp4", true, "video/mp4", `inline; filename=Film.mp4`},
		{"Übung 1.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true,
			"application/octet-stream", `attachment; filename*=utf-8''%C3%9Cbung%201.docx`},
	} {
		h := http.Header{}
		userbytes.SetHeaders(h, c.name, c.ctype, c.wantInline)
		if got := h.Get("Content-Type"); got != c.ctypeOut {
			t.Errorf("%s (%s): Content-Type %q, want %q", c.name, c.ctype, got, c.ctypeOut)
		}
		if got := h.Get("Content-Disposition"); got != c.disposition {
			t.Errorf("%s: Content-Disposition %q, want %q", c.name, got, c.disposition)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != userbytes.Policy {
			t.Errorf("%s: nosniff %q, CSP %q", c.name, h.Get("X-Content-Type-Options"), h.Get("Content-Security-Policy"))
		}
	}
}
