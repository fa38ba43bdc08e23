package login

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/totp"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Me is the logged-in user as GET /api/v1/me shows them: the user's
// fields, and school, groups and children beside them.
type Me struct {
	User     *schulhof.User    `json:"-"`
	School   *schulhof.School  `json:"school"`
	Groups   []*schulhof.Group `json:"groups"`
	Children []*Child          `json:"children,omitempty"`
}

// MarshalJSON writes the user's fields at the top level, as the API
// promises, without making templates look fields up through an embedded
// pointer (slow reflection on every page).
func (m *Me) MarshalJSON() ([]byte, error) {
	type extra struct {
		School   *schulhof.School  `json:"school"`
		Groups   []*schulhof.Group `json:"groups"`
		Children []*Child          `json:"children,omitempty"`
	}
	return json.Marshal(struct {
		*schulhof.User
		extra
	}{m.User, extra{m.School, m.Groups, m.Children}})
}

// Child is a parent's child, with the child's groups.
type Child struct {
	*schulhof.User
	Groups []*schulhof.Group `json:"groups"`
}

// Me gathers what the start page and GET /api/v1/me show; school is the
// user's school when the caller has it already (nil to look it up).
func (s *Module) Me(ctx context.Context, u *schulhof.User, school *schulhof.School) (*Me, error) {
	out := &Me{User: u, Groups: []*schulhof.Group{}, School: school}
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
			out.Children = append(out.Children, &Child{User: k, Groups: kg})
		}
	}
	return out, nil
}

// apiMe: GET /api/v1/me.
func (s *Module) apiMe(r *http.Request) (any, error) {
	out, err := s.Me(r.Context(), kit.AuthOf(r).User, kit.AuthOf(r).School)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// showProfilePage: GET /profile.
func (s *Module) showProfilePage(r *http.Request) (*kit.View, error) {
	v := s.NewView(r, "profile.title")
	s.fillProfile(r, v)
	return v, nil
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

func (s *Module) fillProfile(r *http.Request, v *kit.View) *profileData {
	a := kit.AuthOf(r)
	d := &profileData{Me: a.User, CanTOTP: a.User.Role.IsStaff(), MustSetTOTP: kit.Gate(a) == schulhof.ETwoFactorSetup}
	if a.School != nil && a.User.SchoolID == a.School.ID {
		d.DAVLogin = a.User.Login + "@" + a.School.Slug
		d.DAVBase = s.BaseURL(r) + "/dav/home/"
		if tok, err := s.db.CalendarToken(r.Context(), a.User.ID, false); err == nil {
			d.CalendarURL = s.timetable.FeedURL(r, tok)
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
func (s *Module) submitLanguage(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	lang := r.PostFormValue("language")
	if _, err := s.db.UpdateUser(r.Context(), a.User.SchoolID, a.User.ID, schulhof.UserUpdate{Language: &lang}); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.setLanguageCookie(w, r, lang)
	http.Redirect(w, r, "/profile?flash=saved", http.StatusSeeOther)
}

func (s *Module) setLanguageCookie(w http.ResponseWriter, r *http.Request, lang string) {
	c := &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode,
		Secure: s.SecureCookie(r)}
	if lang == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// submitAnonymousLanguage: POST /language, the switch on the login page.
func (s *Module) submitAnonymousLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("language")
	if lang != "de" && lang != "en" {
		lang = "de"
	}
	s.setLanguageCookie(w, r, lang)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// submitTOTPSetup: POST /profile/totp/setup makes a new secret and shows
// it as a QR code; it is only switched on once a code from it is entered.
func (s *Module) submitTOTPSetup(w http.ResponseWriter, r *http.Request) {
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

func (s *Module) showTOTPSetup(w http.ResponseWriter, r *http.Request, secret string, err error) {
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
func (s *Module) submitTOTPEnable(w http.ResponseWriter, r *http.Request) {
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
func (s *Module) submitTOTPDisable(w http.ResponseWriter, r *http.Request) {
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
