package accounts

import (
	"net/http"
	"strconv"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Support by the operator: a school's admins allow it until a day; the
// operator then sees Schulhof as one of the school's users, in a session
// of its own (an hour at most, never past the consent) that every page
// announces with a banner, and the audit log names the operator behind
// everything done in it. The operator's own session waits in a cookie
// of its own and comes back when support ends.

// supportReturn keeps the operator's session while support runs.
const supportReturn = "schulhof_support_return"

type supportInput struct {
	Until schulhof.Day `json:"until"` // the last day; "" withdraws
}

type supportState struct {
	Until *time.Time `json:"until,omitempty"`
}

// setSupport stores the school admins' consent: until the end of the
// day, or none.
func (s *Module) setSupport(r *http.Request, sc *schulhof.School, day schulhof.Day) error {
	var until time.Time
	if day != "" {
		d, err := time.ParseInLocation("2006-01-02", string(day), kit.Berlin)
		if err != nil {
			return schulhof.Invalid("until", "support.until.invalid")
		}
		until = d.AddDate(0, 0, 1)
		if !until.After(s.Now()) || until.After(s.Now().AddDate(0, 0, 31)) {
			return schulhof.Invalid("until", "support.until.range")
		}
	}
	return s.db.SetSupportConsent(r.Context(), sc.ID, kit.AuthOf(r).User.ID, until)
}

// apiSupport: GET /api/v1/schools/{school}/support (admins).
func (s *Module) apiSupport(r *http.Request) (any, error) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		return nil, err
	}
	until, err := s.db.FindSupportConsent(r.Context(), sc.ID)
	if err != nil || until.IsZero() || !until.After(s.Now()) {
		return supportState{}, err
	}
	return supportState{Until: &until}, nil
}

// apiSetSupport: PUT /api/v1/schools/{school}/support {"until"} (the
// school's admins; the operator may not give itself the consent).
func (s *Module) apiSetSupport(r *http.Request) (any, error) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		return nil, err
	}
	if kit.AuthOf(r).User.SchoolID != sc.ID {
		return nil, schulhof.Errorf(schulhof.EForbidden, "support.school_only")
	}
	var in supportInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if err := s.setSupport(r, sc, in.Until); err != nil {
		return nil, err
	}
	return s.apiSupport(r)
}

// supportFromForm: POST /s/{school}/settings/support, until= (empty:
// withdraw).
func (s *Module) supportFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SettingsSchool(r)
	if err == nil && kit.AuthOf(r).User.SchoolID != sc.ID {
		err = schulhof.Errorf(schulhof.EForbidden, "support.school_only")
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	day := schulhof.Day("")
	if r.PostFormValue("withdraw") == "" {
		day = kit.ParseGermanDay(r.PostFormValue("until"))
	}
	if err := s.setSupport(r, sc, day); err != nil {
		v := s.SchoolView(r, sc, "settings.title")
		v.Form["support_until"] = r.PostFormValue("until")
		s.RenderSettings(w, r, s.FormError(r, v, err), sc, v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=saved#support", http.StatusSeeOther)
}

// startSupport makes the operator's support session as the path's user.
func (s *Module) startSupport(r *http.Request) (string, *schulhof.School, error) {
	op := kit.AuthOf(r).User
	sc, err := s.SchoolFromPath(r) // another school's: not found, as everywhere
	if err != nil {
		return "", nil, err
	}
	if !schulhof.CanManageSchools(op) {
		return "", nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return "", nil, schulhof.Errorf(schulhof.ENotFound, "user.not_found")
	}
	u, err := s.db.FindUserByID(r.Context(), sc.ID, schulhof.UserID(id))
	if err != nil {
		return "", nil, err
	}
	if !u.Active {
		return "", nil, schulhof.Errorf(schulhof.EConflict, "support.inactive")
	}
	tok, hash := kit.NewToken()
	now := s.Now()
	sess := &schulhof.Session{TokenHash: hash, UserID: u.ID, SchoolID: sc.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(schulhof.SupportFor), IP: s.ClientIP(r), UserAgent: r.UserAgent(), SupportBy: op.Login}
	if err := s.db.StartSupport(r.Context(), sess, u.Login); err != nil {
		return "", nil, err
	}
	return tok, sc, nil
}

// apiStartSupport: POST /api/v1/schools/{school}/users/{id}/support
// (operator, with the school's consent) -> {"token"}: the support
// session's bearer token.
func (s *Module) apiStartSupport(r *http.Request) (any, error) {
	tok, _, err := s.startSupport(r)
	if err != nil {
		return nil, err
	}
	return kit.Created(map[string]string{"token": tok}), nil
}

// startSupportFromForm: POST /s/{school}/users/{id}/support: the
// browser becomes the user's, the operator's session waits.
func (s *Module) startSupportFromForm(w http.ResponseWriter, r *http.Request) {
	tok, _, err := s.startSupport(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if c, err := r.Cookie(kit.SessionCookie); err == nil {
		http.SetCookie(w, &http.Cookie{Name: supportReturn, Value: c.Value, Path: "/", HttpOnly: true, Secure: s.SecureCookie(r),
			SameSite: http.SameSiteLaxMode, MaxAge: int(schulhof.SupportFor / time.Second)})
	}
	s.SetSessionCookie(w, r, tok)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// endSupport: POST /support/end: the support session ends (noted in the
// audit log) and the operator's own comes back.
func (s *Module) endSupport(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	if a.Session == nil || a.Session.SupportBy == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if err := s.db.EndSupport(r.Context(), a.TokenHash, a.User); err != nil {
		s.Fail(w, r, err)
		return
	}
	if c, err := r.Cookie(supportReturn); err == nil && c.Value != "" {
		s.SetSessionCookie(w, r, c.Value)
		http.SetCookie(w, &http.Cookie{Name: supportReturn, Value: "", Path: "/", HttpOnly: true, Secure: s.SecureCookie(r), MaxAge: -1})
		http.Redirect(w, r, "/admin/console", http.StatusSeeOther)
		return
	}
	s.ClearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
