package kit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/schulhof/schulhof"
)

// SessionCookie holds a browser's session token; the store keeps only
// its hash (HashToken), so that a copy of the database opens no session.
const SessionCookie = "schulhof_session"

// NewToken returns a session token and the hash that is stored.
func NewToken() (string, []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, HashToken(tok)
}

// HashToken is what the store keeps of a token.
func HashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// SecureCookie says whether a cookie set on the answer to r must be
// marked Secure: always when the site says so, else over HTTPS.
func (d *Deps) SecureCookie(r *http.Request) bool { return d.SecureCookies || d.IsHTTPS(r) }

// SetSessionCookie gives the browser its session.
func (d *Deps) SetSessionCookie(w http.ResponseWriter, r *http.Request, tok string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: d.SecureCookie(r), SameSite: http.SameSiteLaxMode,
		MaxAge: int(schulhof.SessionMaxAge / time.Second)})
}

// ClearSessionCookie ends the browser's session cookie.
func (d *Deps) ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: d.SecureCookie(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
