package kit

import (
	"io"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/schulhof/schulhof/internal/userbytes"
)

// ServeBlob sends stored bytes with Range and ETag; ?inline=1 shows those
// a browser shows without running them (userbytes decides).
func ServeBlob(w http.ResponseWriter, r *http.Request, name, ctype, sha string, modified time.Time, rd io.ReadSeeker) {
	h := w.Header()
	userbytes.SetHeaders(h, name, ctype, r.URL.Query().Get("inline") == "1")
	h.Set("ETag", `"`+sha+`"`)
	h.Set("Cache-Control", "private, no-cache")
	http.ServeContent(w, r, "", modified, rd)
}

// ContentType is the type a client sent, or else the one its name says.
func ContentType(ctype, name string) string {
	if ctype == "" || ctype == "application/octet-stream" {
		return mime.TypeByExtension(path.Ext(name))
	}
	return ctype
}
