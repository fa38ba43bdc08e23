package login

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// A device cookie is the limiter's CAPTCHA-free way in for the owner: a
// browser that logged in to an account before carries a signed note of it,
// and its attempts count apart from everyone else's. Who guesses at a
// teacher's password from the school's network slows and locks themselves
// out, not the teacher's own browser.
const (
	deviceCookie   = "schulhof_device"
	deviceLifetime = 180 * 24 * time.Hour
)

// loadDeviceKey reads the installation's key for device cookies, made on
// the first start; every node of a cluster shares it through the database.
func loadDeviceKey(ctx context.Context, once func(ctx context.Context, key, value string) (string, error)) ([]byte, error) {
	b := make([]byte, 32)
	rand.Read(b)
	v, err := once(ctx, "device_cookie_key", hex.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

func (s *Module) deviceMAC(account string, issued int64) string {
	m := hmac.New(sha256.New, s.deviceKey)
	m.Write([]byte(strings.ToLower(account) + "\x00" + strconv.FormatInt(issued, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setDeviceCookie marks the browser as one the account logged in from.
func (s *Module) setDeviceCookie(w http.ResponseWriter, r *http.Request, account string) {
	issued := s.Now().Unix()
	http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: strconv.FormatInt(issued, 10) + "." + s.deviceMAC(account, issued),
		Path: "/", HttpOnly: true, Secure: s.SecureCookie(r), SameSite: http.SameSiteLaxMode,
		MaxAge: int(deviceLifetime / time.Second)})
}

// loginSource is where a login attempt for account comes from.
func (s *Module) loginSource(r *http.Request, account string) Source {
	src := Source{Addr: s.ClientIP(r)}
	c, err := r.Cookie(deviceCookie)
	if err != nil || len(c.Value) > 200 {
		return src
	}
	issuedText, mac, ok := strings.Cut(c.Value, ".")
	issued, err := strconv.ParseInt(issuedText, 10, 64)
	if !ok || err != nil || s.Now().Sub(time.Unix(issued, 0)) > deviceLifetime {
		return src
	}
	src.Known = hmac.Equal([]byte(mac), []byte(s.deviceMAC(account, issued)))
	return src
}
