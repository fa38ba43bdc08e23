package kit

import (
	"mime"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/userbytes"
)

// Stored is the answer of a JSON handler (Router.JSON) that is stored
// bytes: a file, a hand-in, an attachment, a picture. They go out with
// Range (videos seek, downloads resume); userbytes decides how, showing
// inline only what a browser shows without running it.
type Stored struct {
	Key, Name, ContentType string
	// SHA256, where known, is the ETag; the browser then asks each time
	// whether it changed.
	SHA256   string
	Modified time.Time
	// Inline shows it in the page (a picture) rather than only on
	// ?inline=1.
	Inline bool
	// MaxAge lets the browser keep it that long without asking (a
	// board's picture, a chat's attachment, which never change).
	MaxAge time.Duration
}

// serveStored sends stored bytes.
func (d *Deps) serveStored(w http.ResponseWriter, r *http.Request, s Stored) {
	rd, err := d.Blobs.Open(r.Context(), blob.Key(s.Key))
	if err != nil {
		d.Fail(w, r, err)
		return
	}
	defer rd.Close()
	h := w.Header()
	userbytes.SetHeaders(h, s.Name, s.ContentType, s.Inline || r.URL.Query().Get("inline") == "1")
	if s.SHA256 != "" {
		h.Set("ETag", `"`+s.SHA256+`"`)
	}
	if s.MaxAge > 0 {
		h.Set("Cache-Control", "private, max-age="+strconv.Itoa(int(s.MaxAge/time.Second)))
	} else {
		h.Set("Cache-Control", "private, no-cache")
	}
	http.ServeContent(w, r, "", s.Modified, rd)
}

// ContentType is the type a client sent, or else the one its name says.
func ContentType(ctype, name string) string {
	if ctype == "" || ctype == "application/octet-stream" {
		return mime.TypeByExtension(path.Ext(name))
	}
	return ctype
}
