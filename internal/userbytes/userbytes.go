// Package userbytes decides how bytes that users uploaded are served, on
// every route that sends them (WebDAV, the files API, hand-ins, chat
// attachments, board pictures, previews): they must never run as the site.
// A student's a.html opened by a teacher would otherwise act with the
// teacher's session.
package userbytes

import (
	"mime"
	"net/http"
	"strings"
)

// inline are the types a browser shows by itself without running anything
// of the file: pictures (not SVG, which is a document with scripts), PDF,
// audio, video and plain text. Everything else is downloaded.
var inline = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/avif": true,
	"application/pdf": true, "text/plain": true,
	"audio/mpeg": true, "audio/ogg": true, "audio/wav": true, "audio/mp4": true, "audio/aac": true, "audio/webm": true,
	"video/mp4": true, "video/webm": true, "video/ogg": true, "video/quicktime": true,
}

// Downloaded is the type bytes off the safe list are sent with: no browser
// renders, runs or applies it as a script or a stylesheet.
const Downloaded = "application/octet-stream"

// Policy is the Content-Security-Policy of user bytes: a sandbox (no
// scripts, no forms, an origin of its own) that may show its own picture
// or play its own media.
const Policy = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"

// ShowsInline reports whether a content type is on the safe list.
func ShowsInline(ctype string) bool {
	base, _, _ := strings.Cut(ctype, ";")
	return inline[strings.ToLower(strings.TrimSpace(base))]
}

// SetHeaders sets Content-Type, Content-Disposition, X-Content-Type-Options
// and Content-Security-Policy for sending the file name of type ctype.
// wantInline asks to show it in the browser; only a type on the safe list
// is. Any other type, whatever it claims (text/html, image/svg+xml,
// text/javascript, text/css ...), goes out as a download of
// application/octet-stream, so that with nosniff no browser executes it
// even when a page includes it as a script or a stylesheet.
func SetHeaders(h http.Header, name, ctype string, wantInline bool) {
	disposition := "attachment"
	if ShowsInline(ctype) {
		if wantInline {
			disposition = "inline"
		}
	} else {
		ctype = Downloaded
	}
	h.Set("Content-Type", ctype)
	if d := mime.FormatMediaType(disposition, map[string]string{"filename": name}); d != "" {
		h.Set("Content-Disposition", d)
	} else {
		h.Set("Content-Disposition", disposition)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", Policy)
}
