package login

import (
	"context"
	"crypto/sha256"
	"net/http"
	"sync"
	"time"

	"github.com/schulhof/schulhof"
)

// basicCache remembers verified WebDAV credentials for a few minutes:
// every WebDAV request carries them, and an argon2id hash per request would
// make the Files app crawl and the server hot. An entry holds the password
// hash it was verified against, so a changed or reset password ends it.
type basicCache struct {
	mu sync.Mutex
	m  map[[32]byte]basicEntry
}

type basicEntry struct {
	user   schulhof.UserID
	school schulhof.SchoolID
	hash   string
	until  time.Time
}

const basicCacheTTL = 5 * time.Minute

// BasicAuth checks WebDAV credentials: "login@school" and the password or
// an app password. With their own password, users with two-factor, staff
// whose school requires two-factor, and users who must still choose their
// password are refused: they log in on the web first (and create an app
// password there, once two-factor is on).
func (s *Module) BasicAuth(r *http.Request, login, password string) (*schulhof.User, error) {
	ctx := r.Context()
	key := sha256.Sum256([]byte(login + "\x00" + password))
	now := time.Now()
	s.basic.mu.Lock()
	e, ok := s.basic.m[key]
	s.basic.mu.Unlock()
	if ok && now.Before(e.until) {
		u, err := s.db.FindUserByID(ctx, e.school, e.user)
		if err == nil && u.Active && !u.TOTPEnabled && !u.MustChangePassword && !s.twoFactorMissing(ctx, u) {
			if h, err := s.db.PasswordHash(ctx, u.ID); err == nil && h == e.hash {
				return u, nil
			}
		}
	}
	if schulhof.LooksLikeAppPassword(password) {
		// app passwords are random and long: a lookup, no slow hash, no
		// cache; one that is not the user's goes on as a wrong password
		if u, err := s.appPasswordUser(ctx, login, password); err != nil || u != nil {
			if err == nil && s.twoFactorMissing(ctx, u) {
				return nil, schulhof.Errorf(schulhof.EUnauthorized, "dav.web_login_first")
			}
			return u, err
		}
	}
	u, account, err := s.verifyPassword(ctx, r, loginInput{Login: login, Password: password})
	if err != nil {
		return nil, err
	}
	if u.SchoolID == 0 || u.TOTPEnabled || u.MustChangePassword || s.twoFactorMissing(ctx, u) {
		return nil, schulhof.Errorf(schulhof.EUnauthorized, "dav.web_login_first")
	}
	s.limiter.Succeed(account, s.loginSource(r, account))
	s.logins.WithLabelValues("ok").Inc()
	h, err := s.db.PasswordHash(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	s.basic.mu.Lock()
	if len(s.basic.m) > 100_000 {
		clear(s.basic.m)
	}
	s.basic.m[key] = basicEntry{user: u.ID, school: u.SchoolID, hash: h, until: now.Add(basicCacheTTL)}
	s.basic.mu.Unlock()
	return u, nil
}

// twoFactorMissing reports whether the user's school requires two-factor
// for staff and the user, staff, has not set it up: neither the password
// nor an app password opens WebDAV then.
func (s *Module) twoFactorMissing(ctx context.Context, u *schulhof.User) bool {
	if u.TOTPEnabled || !u.Role.IsStaff() || u.SchoolID == 0 {
		return false
	}
	sc, err := s.School(ctx, u.SchoolID)
	return err != nil || sc.Require2FA
}
