package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/timetable"
	"github.com/schulhof/schulhof/internal/totp"
	"github.com/schulhof/schulhof/internal/web/examplan"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// me is the logged-in user as GET /api/v1/me shows them: the user's
// fields, and school, groups and children beside them.
type me struct {
	User     *schulhof.User    `json:"-"`
	School   *schulhof.School  `json:"school"`
	Groups   []*schulhof.Group `json:"groups"`
	Children []*childView      `json:"children,omitempty"`
	// Assignments for the start page only.
	Assignments any `json:"-"`
	// Changes are today's and the next school day's changed lessons, for
	// the start page only.
	Changes []timetable.Lesson `json:"-"`
	// Exams are the next exams, for the start page only.
	Exams []examplan.ExamView `json:"-"`
	// Unread are the rooms with unread messages, for the start page only.
	Unread []*schulhof.Room `json:"-"`
}

// MarshalJSON writes the user's fields at the top level, as the API
// promises, without making templates look fields up through an embedded
// pointer (slow reflection on every page).
func (m *me) MarshalJSON() ([]byte, error) {
	type extra struct {
		School   *schulhof.School  `json:"school"`
		Groups   []*schulhof.Group `json:"groups"`
		Children []*childView      `json:"children,omitempty"`
	}
	return json.Marshal(struct {
		*schulhof.User
		extra
	}{m.User, extra{m.School, m.Groups, m.Children}})
}

type childView struct {
	*schulhof.User
	Groups []*schulhof.Group `json:"groups"`
}

// meOf gathers what the start page and GET /api/v1/me show; school is the
// user's school when the caller has it already (nil to look it up).
func (s *Server) meOf(ctx context.Context, u *schulhof.User, school *schulhof.School) (*me, error) {
	out := &me{User: u, Groups: []*schulhof.Group{}, School: school}
	if u.SchoolID == 0 {
		return out, nil
	}
	var err error
	if out.School == nil {
		if out.School, err = s.School(ctx, u.SchoolID); err != nil {
			return nil, err
		}
	}
	gs, err := s.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: u.SchoolID, UserID: u.ID})
	if err != nil {
		return nil, err
	}
	if gs != nil {
		out.Groups = gs
	}
	if u.Class == "" { // the session's user comes without it
		for _, g := range gs {
			if g.Kind == schulhof.GroupClass && g.MyRole == schulhof.MemberRoleMember {
				c := *u
				c.Class = g.Name
				out.User = &c
				break
			}
		}
	}
	if u.Role == schulhof.RoleParent {
		kids, err := s.db.FindChildren(ctx, u.SchoolID, u.ID)
		if err != nil {
			return nil, err
		}
		for _, k := range kids {
			kg, err := s.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: u.SchoolID, UserID: k.ID})
			if err != nil {
				return nil, err
			}
			out.Children = append(out.Children, &childView{User: k, Groups: kg})
		}
	}
	return out, nil
}

// apiMe: GET /api/v1/me.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	out, err := s.meOf(r.Context(), kit.AuthOf(r).User, kit.AuthOf(r).School)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, out)
}

// showStartPage: GET /, the first thing everyone sees: who they are, their
// school, class and groups; admins get their shortcuts.
func (s *Server) showStartPage(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	m, err := s.meOf(r.Context(), a.User, a.School)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if a.School != nil && a.User.SchoolID == a.School.ID {
		if m.Assignments, err = s.assignments.StartData(r, a.School); err != nil {
			s.Fail(w, r, err)
			return
		}
		if m.Changes, err = s.timetables.ChangesSoon(r, a.School); err != nil {
			s.Fail(w, r, err)
			return
		}
		if m.Exams, err = s.exams.Upcoming(r.Context(), a.User, a.School, 28); err != nil {
			s.Fail(w, r, err)
			return
		}
		// rooms not made yet have no messages: no need to make them here
		rooms, err := s.chat.UnreadRooms(r.Context(), a.User, kit.Info(r).Lang)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		m.Unread = rooms
	}
	v := s.NewView(r, "start.title")
	v.Data = m
	s.Render(w, r, http.StatusOK, "start", v)
}

// showProfilePage: GET /profile.
func (s *Server) showProfilePage(w http.ResponseWriter, r *http.Request) {
	v := s.NewView(r, "profile.title")
	s.fillProfile(r, v)
	s.Render(w, r, http.StatusOK, "profile", v)
}

type profileData struct {
	Me          *schulhof.User
	CanTOTP     bool
	TOTPSetup   bool
	TOTPSecret  string
	TOTPQR      template.URL // data: URL of the QR code, safe: made here
	MustSetTOTP bool
	// App passwords for WebDAV; the new one is shown once after creating it.
	AppPasswords   []*schulhof.AppPassword
	NewAppPassword *createdAppPassword
	DAVLogin       string // what to type as user name in a WebDAV client
	DAVBase        string // the WebDAV address of the user's own folder
	CalendarURL    string // the private iCalendar feed
}

func (s *Server) fillProfile(r *http.Request, v *kit.View) *profileData {
	a := kit.AuthOf(r)
	d := &profileData{Me: a.User, CanTOTP: a.User.Role.IsStaff(), MustSetTOTP: kit.Gate(a) == schulhof.ETwoFactorSetup}
	if a.School != nil && a.User.SchoolID == a.School.ID {
		d.DAVLogin = a.User.Login + "@" + a.School.Slug
		d.DAVBase = s.BaseURL(r) + "/dav/home/"
		if tok, err := s.db.CalendarToken(r.Context(), a.User.ID, false); err == nil {
			d.CalendarURL = s.timetables.FeedURL(r, tok)
		} else {
			kit.Info(r).Log().Error("calendar token", "err", err)
		}
		ps, err := s.db.FindAppPasswords(r.Context(), a.User.ID)
		if err != nil {
			kit.Info(r).Log().Error("app passwords", "err", err)
		}
		d.AppPasswords = ps
	}
	v.Data = d
	return d
}

// submitLanguage: POST /profile/language. An empty choice means "as the
// browser says", so the cookie goes too.
func (s *Server) submitLanguage(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	lang := r.PostFormValue("language")
	if _, err := s.db.UpdateUser(r.Context(), a.User.SchoolID, a.User.ID, schulhof.UserUpdate{Language: &lang}); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.setLanguageCookie(w, r, lang)
	http.Redirect(w, r, "/profile?flash=saved", http.StatusSeeOther)
}

func (s *Server) setLanguageCookie(w http.ResponseWriter, r *http.Request, lang string) {
	c := &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode,
		Secure: s.IsHTTPS(r) || s.cfg.SecureCookies}
	if lang == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// submitAnonymousLanguage: POST /language, the switch on the login page.
func (s *Server) submitAnonymousLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("language")
	if lang != "de" && lang != "en" {
		lang = "de"
	}
	s.setLanguageCookie(w, r, lang)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// submitTOTPSetup: POST /profile/totp/setup makes a new secret and shows
// it as a QR code; it is only switched on once a code from it is entered.
func (s *Server) submitTOTPSetup(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	if !a.User.Role.IsStaff() {
		s.Fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.forbidden"))
		return
	}
	if a.User.TOTPEnabled {
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return
	}
	secret := totp.NewSecret()
	if err := s.db.SetTOTP(r.Context(), a.User.ID, secret, false); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.showTOTPSetup(w, r, secret, nil)
}

func (s *Server) showTOTPSetup(w http.ResponseWriter, r *http.Request, secret string, err error) {
	a := kit.AuthOf(r)
	v := s.NewView(r, "profile.title")
	d := s.fillProfile(r, v)
	account := a.User.Login
	if a.School != nil {
		account += "@" + a.School.Slug
	}
	png, qerr := qrcode.Encode(totp.URI("Schulhof", account, secret), qrcode.Medium, 256)
	if qerr != nil {
		s.Fail(w, r, qerr)
		return
	}
	d.TOTPSetup, d.TOTPSecret = true, secret
	d.TOTPQR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	status := http.StatusOK
	if err != nil {
		status = s.FormError(r, v, err)
	}
	s.Render(w, r, status, "profile", v)
}

// submitTOTPEnable: POST /profile/totp/enable with the first code.
func (s *Server) submitTOTPEnable(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	secret, _, err := s.db.TOTPSecret(r.Context(), a.User.ID)
	if err != nil || secret == "" || !a.User.Role.IsStaff() {
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return
	}
	step, ok := totp.Check(secret, r.PostFormValue("code"), s.Now())
	if !ok {
		s.showTOTPSetup(w, r, secret, &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid",
			Fields: []schulhof.FieldError{{Field: "code", Key: "auth.totp_wrong"}}})
		return
	}
	if err := s.db.SetTOTP(r.Context(), a.User.ID, secret, true); err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.db.UseTOTPStep(r.Context(), a.User.ID, step); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/profile?flash=totp_on", http.StatusSeeOther)
}

// submitTOTPDisable: POST /profile/totp/disable, with the password. Not
// allowed where the school requires two-factor for staff.
func (s *Server) submitTOTPDisable(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	if a.School != nil && a.School.Require2FA && a.User.Role.IsStaff() {
		s.Fail(w, r, schulhof.Errorf(schulhof.EForbidden, "totp.required_by_school"))
		return
	}
	if err := s.confirmPassword(r, r.PostFormValue("password"), "disable_password"); err != nil {
		if !schulhof.Match(err, schulhof.EInvalid) {
			s.Fail(w, r, err)
			return
		}
		v := s.NewView(r, "profile.title")
		s.fillProfile(r, v)
		v.Fields["disable_password"] = v.T("password.current_wrong")
		s.Render(w, r, http.StatusUnprocessableEntity, "profile", v)
		return
	}
	if err := s.db.SetTOTP(r.Context(), a.User.ID, "", false); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/profile?flash=totp_off", http.StatusSeeOther)
}

func itoa(n int) string { return strconv.Itoa(n) }
