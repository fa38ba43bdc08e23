package login

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/totp"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// loginInput is what the login page and POST /api/v1/auth/login send.
type loginInput struct {
	School   string `json:"school"`
	Login    string `json:"login"`
	Password string `json:"password"`
	TOTP     string `json:"totp,omitempty"`
}

// login checks the credentials, starts a session and sets its cookie (and
// the device cookie once the login is complete).
func (s *Module) login(ctx context.Context, w http.ResponseWriter, r *http.Request, in loginInput, allowPending bool) (string, *schulhof.User, *schulhof.Session, error) {
	user, account, err := s.verifyPassword(ctx, r, in)
	if err != nil {
		return "", nil, nil, err
	}
	ip := s.ClientIP(r)
	src := s.loginSource(r, account)
	pending := false
	if user.TOTPEnabled {
		if in.TOTP != "" {
			if err := s.checkTOTP(ctx, user, in.TOTP); err != nil {
				s.logins.WithLabelValues("failed").Inc()
				s.limiter.Fail(account, src)
				return "", nil, nil, err
			}
		} else if allowPending {
			pending = true
		} else {
			return "", nil, nil, schulhof.Errorf(schulhof.ETOTPRequired, "auth.totp_required")
		}
	}
	if !pending {
		// with the code still to come, the failures keep counting: the
		// code is guessed no easier than the password
		s.limiter.Succeed(account, src)
	}
	s.logins.WithLabelValues("ok").Inc()
	tok, th := kit.NewToken()
	now := s.Now()
	sess := &schulhof.Session{TokenHash: th, UserID: user.ID, SchoolID: user.SchoolID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(schulhof.SessionIdleTimeout), TOTPPending: pending, IP: ip, UserAgent: truncate(r.UserAgent(), 200)}
	if err := s.db.CreateSession(ctx, sess); err != nil {
		return "", nil, nil, err
	}
	s.SetSessionCookie(w, r, tok)
	if !pending {
		s.setDeviceCookie(w, r, account)
	}
	return tok, user, sess, nil
}

// Fields of a login are capped before anything keeps or hashes them.
const (
	maxLoginField    = 320 // login@school
	maxPasswordField = 1024
)

// accountKey names an account for the limiter: the school's slug and the
// login, as typed or as stored.
func accountKey(slug, login string) string { return strings.ToLower(slug + "/" + login) }

// accountOf is the limiter's name of a logged-in user.
func accountOf(a *kit.Auth) string {
	slug := ""
	if a.School != nil {
		slug = a.School.Slug
	}
	return accountKey(slug, a.User.Login)
}

// confirmPassword checks the password of the logged-in user again (before
// an app password is made or the password changed), under the same limits
// as a login: a stolen session must not become a way to guess it.
func (s *Module) confirmPassword(r *http.Request, pw string, field string) error {
	ctx := r.Context()
	a := kit.AuthOf(r)
	account := accountOf(a)
	src := s.loginSource(r, account)
	if wait, _ := s.limiter.Check(account, src); wait > 0 {
		return &schulhof.Error{Code: schulhof.ERateLimited, Key: "auth.locked", Args: []any{kit.Minutes(wait)}, RetryAfter: kit.Seconds(wait)}
	}
	wrong := &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid",
		Fields: []schulhof.FieldError{{Field: field, Key: "password.current_wrong"}}}
	if pw == "" || len(pw) > maxPasswordField {
		return wrong
	}
	hash, err := s.db.PasswordHash(ctx, a.User.ID)
	if err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, pw, hash)
	if err != nil {
		return err
	}
	if !ok {
		if lock := s.limiter.Fail(account, src); lock > 0 {
			return &schulhof.Error{Code: schulhof.ERateLimited, Key: "auth.locked", Args: []any{kit.Minutes(lock)}, RetryAfter: kit.Seconds(lock)}
		}
		return wrong
	}
	return nil
}

// verifyPassword checks login and password. The order matters: a locked
// account or address is refused before any hashing, and an unknown user
// costs the same hash as a known one. It returns the limiter's account key.
func (s *Module) verifyPassword(ctx context.Context, r *http.Request, in loginInput) (*schulhof.User, string, error) {
	login, slug := schulhof.ParseLoginField(in.Login)
	if slug == "" {
		slug = strings.ToLower(strings.TrimSpace(in.School))
	}
	if login == "" || in.Password == "" {
		return nil, "", schulhof.Errorf(schulhof.EInvalid, "auth.missing")
	}
	if len(in.Login) > maxLoginField || len(in.School) > maxLoginField || len(in.Password) > maxPasswordField {
		// no account has such a login; nothing of it is kept
		s.logins.WithLabelValues("failed").Inc()
		return nil, "", schulhof.Errorf(schulhof.EUnauthorized, "auth.failed")
	}
	account := accountKey(slug, login)
	src := s.loginSource(r, account)
	wait, slow := s.limiter.Check(account, src)
	if wait > 0 {
		s.logins.WithLabelValues("locked").Inc()
		return nil, "", &schulhof.Error{Code: schulhof.ERateLimited, Key: "auth.locked", Args: []any{kit.Minutes(wait)}, RetryAfter: kit.Seconds(wait)}
	}
	if slow > 0 {
		t := time.NewTimer(slow)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, "", ctx.Err()
		}
	}
	// after the slowing down, which must not hold a place
	leave, err := s.hasher.Enter()
	if err != nil {
		s.logins.WithLabelValues("busy").Inc()
		return nil, "", err
	}
	defer leave()
	var user *schulhof.User
	hash := ""
	var schoolID schulhof.SchoolID
	if slug != "" {
		if sc, err := s.db.FindSchoolBySlug(ctx, slug); err == nil {
			schoolID = sc.ID
		} else if !schulhof.Match(err, schulhof.ENotFound) {
			return nil, "", err
		}
	}
	if slug == "" || schoolID != 0 {
		u, err := s.db.FindUserByLogin(ctx, schoolID, login)
		switch {
		case err == nil && u.Active:
			user = u
			if hash, err = s.db.PasswordHash(ctx, u.ID); err != nil {
				return nil, "", err
			}
		case err != nil && !schulhof.Match(err, schulhof.ENotFound):
			return nil, "", err
		}
	}
	ok, err := s.hasher.Verify(ctx, in.Password, hash)
	if err != nil {
		s.logins.WithLabelValues("busy").Inc()
		return nil, "", err
	}
	if !ok || user == nil {
		s.logins.WithLabelValues("failed").Inc()
		if lock := s.limiter.Fail(account, src); lock > 0 {
			return nil, "", &schulhof.Error{Code: schulhof.ERateLimited, Key: "auth.locked", Args: []any{kit.Minutes(lock)}, RetryAfter: kit.Seconds(lock)}
		}
		return nil, "", schulhof.Errorf(schulhof.EUnauthorized, "auth.failed")
	}
	return user, account, nil
}

func (s *Module) checkTOTP(ctx context.Context, user *schulhof.User, code string) error {
	secret, _, err := s.db.TOTPSecret(ctx, user.ID)
	if err != nil {
		return err
	}
	step, ok := totp.Check(secret, code, s.Now())
	if !ok {
		return schulhof.Errorf(schulhof.EUnauthorized, "auth.totp_wrong")
	}
	if err := s.db.UseTOTPStep(ctx, user.ID, step); err != nil {
		if schulhof.Match(err, schulhof.EConflict) {
			return schulhof.Errorf(schulhof.EUnauthorized, "auth.totp_wrong")
		}
		return err
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// apiLogin: POST /api/v1/auth/login. A user with two-factor sends "totp"
// too; without it the answer is 401 with code totp_required.
func (s *Module) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in loginInput
	if err := kit.ReadJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	tok, user, _, err := s.login(r.Context(), w, r, in, false)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out, err := s.Me(r.Context(), user, nil)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"token": tok, "user": out})
}

// apiLogout: POST /api/v1/auth/logout ends the session of the request.
func (s *Module) apiLogout(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	if a.TokenHash != nil {
		if err := s.db.DeleteSession(r.Context(), a.TokenHash); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	s.ClearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// showLoginPage: GET /login.
func (s *Module) showLoginPage(w http.ResponseWriter, r *http.Request) {
	if a := kit.AuthOf(r); a.User != nil && kit.Gate(a) == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	v := s.NewView(r, "login.title")
	v.Form["next"] = safeNext(r.URL.Query().Get("next"))
	v.Form["school"] = r.URL.Query().Get("school")
	s.Render(w, r, http.StatusOK, "login", v)
}

// safeNext keeps redirects after login on this site.
func safeNext(n string) string {
	// browsers drop tabs and newlines anywhere in a URL and read a
	// backslash as a slash, so "/\t/evil.example" is "//evil.example"
	if strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(n)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") {
		return "/"
	}
	return n
}

// submitLogin: POST /login.
func (s *Module) submitLogin(w http.ResponseWriter, r *http.Request) {
	in := loginInput{School: r.PostFormValue("school"), Login: r.PostFormValue("login"), Password: r.PostFormValue("password")}
	_, user, sess, err := s.login(r.Context(), w, r, in, true)
	if err != nil {
		v := s.NewView(r, "login.title")
		v.Form["login"], v.Form["school"], v.Form["next"] = in.Login, in.School, safeNext(r.PostFormValue("next"))
		status := s.FormError(r, v, err)
		if e := kit.DomainError(err); e.RetryAfter > 0 {
			w.Header().Set("Retry-After", itoa(e.RetryAfter))
		}
		s.Render(w, r, status, "login", v)
		return
	}
	// where the login was going (a client's single sign-on, a page)
	// survives the second factor and the first password change
	next := safeNext(r.PostFormValue("next"))
	switch {
	case sess.TOTPPending:
		http.Redirect(w, r, "/login/totp"+kit.NextQuery(next), http.StatusSeeOther)
	case user.MustChangePassword:
		http.Redirect(w, r, "/password"+kit.NextQuery(next), http.StatusSeeOther)
	default:
		http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
	}
}

// submitLogout: POST /logout.
func (s *Module) submitLogout(w http.ResponseWriter, r *http.Request) {
	if a := kit.AuthOf(r); a.TokenHash != nil {
		if err := s.db.DeleteSession(r.Context(), a.TokenHash); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	s.ClearSessionCookie(w, r)
	http.Redirect(w, r, "/login?flash=logged_out", http.StatusSeeOther)
}

// showTOTPPage: GET /login/totp, the second step of a login with two-factor.
func (s *Module) showTOTPPage(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	if a.User == nil || !a.Session.TOTPPending {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	v := s.NewView(r, "totp.title")
	v.Form["next"] = safeNext(r.URL.Query().Get("next"))
	s.Render(w, r, http.StatusOK, "totp", v)
}

// submitTOTP: POST /login/totp.
func (s *Module) submitTOTP(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	if a.User == nil || !a.Session.TOTPPending {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	account := accountOf(a)
	src := s.loginSource(r, account)
	if wait, _ := s.limiter.Check(account, src); wait > 0 {
		s.Fail(w, r, &schulhof.Error{Code: schulhof.ERateLimited, Key: "auth.locked", Args: []any{kit.Minutes(wait)}, RetryAfter: kit.Seconds(wait)})
		return
	}
	if err := s.checkTOTP(r.Context(), a.User, r.PostFormValue("code")); err != nil {
		s.limiter.Fail(account, src)
		v := s.NewView(r, "totp.title")
		v.Form["next"] = safeNext(r.PostFormValue("next"))
		s.Render(w, r, s.FormError(r, v, err), "totp", v)
		return
	}
	if err := s.db.CompleteTOTP(r.Context(), a.TokenHash); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.limiter.Succeed(account, src)
	s.setDeviceCookie(w, r, account)
	next := safeNext(r.PostFormValue("next"))
	target := next
	if a.User.MustChangePassword {
		target = "/password" + kit.NextQuery(next)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// showPasswordPage: GET /password, where a user with a one-time password
// chooses their own.
func (s *Module) showPasswordPage(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	if a.User == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	v := s.NewView(r, "password.title")
	v.Form["next"] = safeNext(r.URL.Query().Get("next"))
	s.Render(w, r, http.StatusOK, "password", v)
}

// submitPassword: POST /password (forced) and POST /profile/password.
func (s *Module) submitPassword(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	if a.User == nil || a.Session.TOTPPending {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	err := s.changePassword(r, a, r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("confirm"))
	if err != nil {
		v := s.NewView(r, "password.title")
		v.Form["next"] = safeNext(r.PostFormValue("next"))
		status := s.FormError(r, v, err)
		name := "password"
		if r.URL.Path == "/profile/password" {
			name = "profile"
			s.fillProfile(r, v)
		}
		s.Render(w, r, status, name, v)
		return
	}
	if next := safeNext(r.PostFormValue("next")); next != "/" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/?flash=password_changed", http.StatusSeeOther)
}

// changePassword checks the current password, the new one's strength, and
// ends the user's other sessions.
func (s *Module) changePassword(r *http.Request, a *kit.Auth, current, newPw, confirm string) error {
	ctx := r.Context()
	if err := s.confirmPassword(r, current, "current"); err != nil {
		return err
	}
	if err := password.Validate(newPw); err != nil {
		return err
	}
	if newPw != confirm {
		return &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid",
			Fields: []schulhof.FieldError{{Field: "confirm", Key: "password.mismatch"}}}
	}
	if newPw == current {
		return &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid",
			Fields: []schulhof.FieldError{{Field: "new", Key: "password.same"}}}
	}
	h, err := s.hasher.Hash(ctx, newPw)
	if err != nil {
		return err
	}
	if err := s.db.SetPassword(ctx, a.User.SchoolID, a.User.ID, h, false); err != nil {
		return err
	}
	return s.db.DeleteUserSessions(ctx, a.User.ID, a.TokenHash)
}

// apiChangePassword: POST /api/v1/me/password {"current", "new"}.
func (s *Module) apiChangePassword(r *http.Request) (any, error) {
	var in struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if err := s.changePassword(r, kit.AuthOf(r), in.Current, in.New, in.New); err != nil {
		return nil, err
	}
	return kit.None{}, nil
}
