package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/totp"
)

func loginBody(school, login, pw string) string {
	b, _ := json.Marshal(map[string]string{"school": school, "login": login, "password": pw})
	return string(b)
}

func TestLoginForms(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"school field", loginBody("schule-a", "student", testPassword), 200},
		{"login@school", loginBody("", "Student@Schule-A", testPassword), 200},
		{"operator without school", loginBody("", "admin", testPassword), 200},
		{"wrong password", loginBody("schule-a", "student", "falsch"), 401},
		{"other school", loginBody("schule-b", "nobody", testPassword), 401},
		{"unknown school", loginBody("gibtsnicht", "student", testPassword), 401},
		{"missing password", loginBody("schule-a", "student", ""), 422},
		{"not json", "login=student", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do("", "POST", "/api/v1/auth/login", tc.body)
			if rec.Code != tc.want {
				t.Fatalf("%d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			if tc.want == 200 {
				c := rec.Result().Cookies()
				// the session's, then the device's (the limiter's way in for the owner)
				if len(c) != 2 || c[0].Name != "schulhof_session" || c[1].Name != "schulhof_device" {
					t.Fatalf("cookies %+v", c)
				}
				for _, c := range c {
					if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Value == "" {
						t.Fatalf("cookie %+v", c)
					}
				}
				if !strings.Contains(rec.Body.String(), `"token":"`) || !strings.Contains(rec.Body.String(), `"role":`) {
					t.Fatal(rec.Body)
				}
			}
		})
	}
}

func TestLockoutAfterFailures(t *testing.T) {
	f := newFixture(t, nil)
	var last *httptest.ResponseRecorder
	for i := 0; i < 5; i++ {
		last = f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "teacher", "falsch"))
	}
	if last.Code != http.StatusTooManyRequests || last.Header().Get("Retry-After") == "" {
		t.Fatalf("fifth failure: %d %v", last.Code, last.Header())
	}
	// locked: even the right password is refused, before any hashing
	rec := f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "teacher", testPassword))
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "rate_limited") {
		t.Fatalf("locked account: %d %s", rec.Code, rec.Body)
	}
	// another account from the same address is not locked
	if rec := f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "student", testPassword)); rec.Code != 200 {
		t.Fatalf("other account: %d", rec.Code)
	}
}

func TestOverloadAnswersFastWithRetryAfter(t *testing.T) {
	db := sqltest.MustOpenSQLite(t)
	f := newFixture(t, db)
	// a costly hash and a queue of one: most of 30 logins at once must be
	// refused at once with 503, none may hang
	costly := password.Params{Memory: 32 * 1024, Time: 4, Threads: 1}
	f.srv = newServer(t, db, f.blobs, password.NewHasher(costly, 1, time.Millisecond))
	// Verify takes the cost from the stored hash
	must(t, db.SetPassword(ctx, f.school["a"].ID, f.user["a-student"].ID, password.Hash(testPassword, costly), false))
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "student", testPassword))
			mu.Lock()
			codes[rec.Code]++
			mu.Unlock()
			if rec.Code == 503 && rec.Header().Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		}()
	}
	wg.Wait()
	if codes[503] == 0 || codes[200] == 0 || codes[200]+codes[503] != 30 {
		t.Fatalf("status counts %v", codes)
	}
}

func TestForcedPasswordChange(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.do("a-admin", "POST", f.expand("/api/v1/schools/schule-a/users/{a-student}/reset-password"), "")
	var out struct{ Password string }
	decode(t, rec, &out)
	if rec := f.do("a-student", "GET", "/api/v1/me", ""); rec.Code != 401 {
		t.Fatalf("a reset must end the user's sessions: %d", rec.Code)
	}
	rec = f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "student", out.Password))
	var login struct{ Token string }
	decode(t, rec, &login)
	f.token["a-student"] = login.Token
	if rec := f.do("a-student", "GET", "/api/v1/schools/schule-a/groups", ""); rec.Code != 403 || !strings.Contains(rec.Body.String(), "password_change_required") {
		t.Fatalf("must change first: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "GET", "/api/v1/me", ""); rec.Code != 200 {
		t.Fatalf("me stays readable: %d", rec.Code)
	}
	if rec := f.do("a-student", "POST", "/api/v1/me/password", `{"current":"`+out.Password+`","new":"kurz"}`); rec.Code != 422 {
		t.Fatalf("short: %d", rec.Code)
	}
	if rec := f.do("a-student", "POST", "/api/v1/me/password", `{"current":"falsch","new":"ein-gutes-passwort"}`); rec.Code != 422 {
		t.Fatalf("wrong current: %d", rec.Code)
	}
	if rec := f.do("a-student", "POST", "/api/v1/me/password", `{"current":"`+out.Password+`","new":"ein-gutes-passwort"}`); rec.Code != 204 {
		t.Fatalf("change: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "GET", "/api/v1/schools/schule-a/groups", ""); rec.Code != 200 {
		t.Fatalf("after change: %d", rec.Code)
	}
}

func TestTOTPLogin(t *testing.T) {
	f := newFixture(t, nil)
	secret := totp.NewSecret()
	must(t, f.db.SetTOTP(ctx, f.user["a-teacher"].ID, secret, true))
	rec := f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "teacher", testPassword))
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), "totp_required") {
		t.Fatalf("without code: %d %s", rec.Code, rec.Body)
	}
	code, _ := totp.Code(secret, totp.Step(sqltest.Clock))
	body := `{"school":"schule-a","login":"teacher","password":"` + testPassword + `","totp":"` + code + `"}`
	if rec := f.do("", "POST", "/api/v1/auth/login", body); rec.Code != 200 {
		t.Fatalf("with code: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("", "POST", "/api/v1/auth/login", body); rec.Code != 401 {
		t.Fatalf("replayed code: %d", rec.Code)
	}
}

func TestSchoolRequiresTwoFactorForStaff(t *testing.T) {
	f := newFixture(t, nil)
	if rec := f.do("a-admin", "PATCH", "/api/v1/schools/schule-a", `{"require_two_factor_for_staff":true}`); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	if rec := f.do("a-teacher", "GET", "/api/v1/schools/schule-a/groups", ""); rec.Code != 403 || !strings.Contains(rec.Body.String(), "Zwei-Faktor") {
		t.Fatalf("teacher without two-factor: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "GET", "/api/v1/schools/schule-a/groups", ""); rec.Code != 200 {
		t.Fatalf("students are not staff: %d", rec.Code)
	}
}

func TestCrossSiteFormPostIsRefused(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.do("", "POST", "/login", "login=student%40schule-a&password="+testPassword,
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "von einer anderen Website") {
		t.Fatalf("cross-site login form: %d %s", rec.Code, rec.Body)
	}
	rec = f.do("", "POST", "/login", "login=student%40schule-a&password="+testPassword,
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("same-origin login form: %d %s", rec.Code, rec.Body)
	}
}

func TestErrorsSpeakTheUsersLanguage(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "student", "falsch"), "Accept-Language", "en-GB,en;q=0.9,de;q=0.5")
	if !strings.Contains(rec.Body.String(), "The user name or password is wrong.") {
		t.Fatalf("english: %s", rec.Body)
	}
	rec = f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "student", "falsch"), "Accept-Language", "fr")
	if !strings.Contains(rec.Body.String(), "Benutzername oder Passwort ist falsch.") {
		t.Fatalf("german default: %s", rec.Body)
	}
	// the user's own setting wins over the browser
	lang := "en"
	_, err := f.db.UpdateUser(ctx, f.school["a"].ID, f.user["a-admin"].ID, schulhof.UserUpdate{Language: &lang})
	must(t, err)
	rec = f.do("a-admin", "POST", "/api/v1/schools/schule-a/groups", `{"name":"","kind":"custom"}`, "Accept-Language", "de")
	if !strings.Contains(rec.Body.String(), "Please enter a name.") {
		t.Fatalf("user setting: %s", rec.Body)
	}
}

// TestTwoFactorPages goes through setting up two-factor on the profile
// page and logging in with it through the login pages.
func TestTwoFactorPages(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.page("a-teacher", "POST", "/profile/totp/setup", "")
	m := regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(rec.Body.String())
	if rec.Code != 200 || m == nil {
		t.Fatalf("setup: %d", rec.Code)
	}
	secret := m[1]
	if rec := f.page("a-teacher", "POST", "/profile/totp/enable", "code=000000"); rec.Code != 422 {
		t.Fatalf("wrong first code: %d", rec.Code)
	}
	code, _ := totp.Code(secret, totp.Step(sqltest.Clock))
	if rec := f.page("a-teacher", "POST", "/profile/totp/enable", "code="+code); rec.Code != 303 {
		t.Fatalf("enable: %d %s", rec.Code, rec.Body)
	}
	// login: password first, then the code on its own page
	rec = f.page("", "POST", "/login", "login=teacher%40schule-a&password="+testPassword)
	if rec.Code != 303 || rec.Header().Get("Location") != "/login/totp" {
		t.Fatalf("password step: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	cookie := rec.Result().Cookies()[0].Value
	pending := func(method, path, form string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(form))
		req.Header.Set("Cookie", "schulhof_session="+cookie)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		return rec
	}
	if rec := pending("GET", "/", ""); rec.Code != 303 || rec.Header().Get("Location") != "/login/totp" {
		t.Fatalf("half-logged-in session reached the start page: %d", rec.Code)
	}
	if rec := pending("GET", "/api/v1/me", ""); rec.Code != 401 {
		t.Fatalf("half-logged-in session reached the API: %d", rec.Code)
	}
	// the code that enabled it cannot be used again
	if rec := pending("POST", "/login/totp", "code="+code); rec.Code != 401 {
		t.Fatalf("replayed code: %d", rec.Code)
	}
	next, _ := totp.Code(secret, totp.Step(sqltest.Clock)+1)
	if rec := pending("POST", "/login/totp", "code="+next); rec.Code != 303 || rec.Header().Get("Location") != "/" {
		t.Fatalf("code step: %d %s", rec.Code, rec.Body)
	}
	if rec := pending("GET", "/", ""); rec.Code != 200 {
		t.Fatalf("after the code: %d", rec.Code)
	}
	// switching it off needs the password
	if rec := pending("POST", "/profile/totp/disable", "password=falsch"); rec.Code != 422 {
		t.Fatalf("disable with a wrong password: %d", rec.Code)
	}
	if rec := pending("POST", "/profile/totp/disable", "password="+testPassword); rec.Code != 303 {
		t.Fatalf("disable: %d", rec.Code)
	}
}

func TestProfilePasswordChangeKeepsThisSessionOnly(t *testing.T) {
	f := newFixture(t, nil)
	other := f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "student", testPassword))
	var o struct{ Token string }
	decode(t, other, &o)
	rec := f.page("a-student", "POST", "/profile/password", "current="+testPassword+"&new=ganz-neues-pw&confirm=ganz-neues-pw")
	if rec.Code != 303 {
		t.Fatalf("change: %d %s", rec.Code, rec.Body)
	}
	if rec := f.page("a-student", "GET", "/", ""); rec.Code != 200 {
		t.Fatalf("this session ended: %d", rec.Code)
	}
	f.token["other"] = o.Token
	if rec := f.do("other", "GET", "/api/v1/me", ""); rec.Code != 401 {
		t.Fatalf("the other session survived the password change: %d", rec.Code)
	}
	if rec := f.page("a-student", "POST", "/profile/password", "current=ganz-neues-pw&new=x&confirm=y"); rec.Code != 422 {
		t.Fatalf("bad new password: %d", rec.Code)
	}
}

// TestTwoFactorCannotBeWalkedAround: with two-factor required for staff, a
// teacher without it gets no WebDAV with the password and can make no app
// password; codes guessed after a right password count towards the
// lockout; an app password needs the password and ends when it changes.
func TestTwoFactorCannotBeWalkedAround(t *testing.T) {
	f := newFixture(t, nil)
	// an app password of the teacher's from before the school's rule
	rec := f.do("a-teacher", "POST", "/api/v1/me/app-passwords", `{"name":"iPad","password":"`+testPassword+`"}`)
	var made struct{ Password string }
	decode(t, rec, &made)
	if rec := f.do("a-admin", "PATCH", "/api/v1/schools/schule-a", `{"require_two_factor_for_staff":true}`); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	if rec := davDo(t, f, "teacher@schule-a", "PROPFIND", "/dav/home/", "", "Depth", "1"); rec.Code != 401 {
		t.Fatalf("WebDAV with the password, two-factor required and not set up: %d", rec.Code)
	}
	if code := davWithPassword(f, "teacher@schule-a", made.Password); code != 401 {
		t.Fatalf("WebDAV with an older app password, two-factor required and not set up: %d", code)
	}
	if rec := f.page("a-teacher", "POST", "/profile/app-passwords", "name=iPad&password="+testPassword); rec.Code < 400 {
		t.Fatalf("app password made without the required two-factor: %d", rec.Code)
	}
	if rec := f.do("a-student", "POST", "/api/v1/me/app-passwords", `{"name":"iPad","password":"`+testPassword+`"}`); rec.Code != 201 {
		t.Fatalf("students are not staff: %d", rec.Code)
	}

	// with two-factor on: a right password does not reset the count of
	// wrong codes
	secret := totp.NewSecret()
	must(t, f.db.SetTOTP(ctx, f.user["b-teacher"].ID, secret, true))
	locked := false
	for i := 0; i < 6 && !locked; i++ {
		rec := f.page("", "POST", "/login", "login=teacher%40schule-b&password="+testPassword)
		if rec.Code == 429 {
			locked = true
			break
		}
		if rec.Code != 303 || rec.Header().Get("Location") != "/login/totp" {
			t.Fatalf("password step %d: %d %s", i, rec.Code, rec.Header().Get("Location"))
		}
		req := httptest.NewRequest("POST", "/login/totp", strings.NewReader("code=000000"))
		req.Header.Set("Cookie", "schulhof_session="+rec.Result().Cookies()[0].Value)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		code := httptest.NewRecorder()
		f.srv.ServeHTTP(code, req)
		locked = code.Code == 429
	}
	if !locked {
		t.Fatal("six rounds of right password and wrong code did not lock the pair")
	}

	// the password changes: the app passwords made with the old one end
	rec = f.do("a-student", "POST", "/api/v1/me/app-passwords", `{"name":"Laptop","password":"`+testPassword+`"}`)
	decode(t, rec, &made)
	if code := davWithPassword(f, "student@schule-a", made.Password); code != 207 {
		t.Fatalf("app password before the change: %d", code)
	}
	if rec := f.do("a-student", "POST", "/api/v1/me/password", `{"current":"`+testPassword+`","new":"ein-ganz-neues-Passwort"}`); rec.Code != 204 {
		t.Fatalf("change: %d %s", rec.Code, rec.Body)
	}
	if code := davWithPassword(f, "student@schule-a", made.Password); code != 401 {
		t.Fatalf("app password after the password changed: %d", code)
	}
}

// TestLockoutIsNoWeapon: guesses from the school's address lock neither
// the owner's known browser behind the same address nor anyone else; a
// login of a megabyte is refused without being kept.
func TestLockoutIsNoWeapon(t *testing.T) {
	f := newFixture(t, nil)
	login := func(pw string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(loginBody("schule-a", "teacher", pw)))
		req.Header.Set("Content-Type", "application/json")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		return rec
	}
	ok := login(testPassword)
	var device *http.Cookie
	for _, c := range ok.Result().Cookies() {
		if c.Name == "schulhof_device" {
			device = c
		}
	}
	if ok.Code != 200 || device == nil {
		t.Fatalf("login: %d, device cookie %v", ok.Code, device)
	}
	for i := 0; i < 5; i++ {
		login("falsch")
	}
	if rec := login(testPassword); rec.Code != 429 {
		t.Fatalf("the guessing pair is not locked: %d", rec.Code)
	}
	if rec := login(testPassword, device); rec.Code != 200 {
		t.Fatalf("the owner's browser is locked out by another's guesses: %d %s", rec.Code, rec.Body)
	}
	forged := &http.Cookie{Name: "schulhof_device", Value: strings.SplitN(device.Value, ".", 2)[0] + ".AAAA"}
	if rec := login(testPassword, forged); rec.Code != 429 {
		t.Fatalf("a forged device cookie passes: %d", rec.Code)
	}
	if rec := f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "student", testPassword)); rec.Code != 200 {
		t.Fatalf("another account behind the same address: %d", rec.Code)
	}
	huge := strings.Repeat("x", 1<<20)
	if rec := f.do("", "POST", "/api/v1/auth/login", `{"school":"schule-a","login":"`+huge+`","password":"x"}`); rec.Code != 401 && rec.Code != 400 {
		t.Fatalf("a login of a megabyte: %d", rec.Code)
	}
}

// TestUserChangeIsOneTransaction: a valid name with an invalid class is
// refused as a whole, naming the class; a valid one changes both.
func TestUserChangeIsOneTransaction(t *testing.T) {
	f := newFixture(t, nil)
	path := f.expand("/api/v1/schools/schule-a/users/{a-student}")
	long := strings.Repeat("k", 101)
	rec := f.do("a-admin", "PATCH", path, `{"first_name":"Umbenannt","class":"`+long+`"}`)
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), `"class"`) || strings.Contains(rec.Body.String(), `"name"`) {
		t.Fatalf("invalid class: %d %s", rec.Code, rec.Body)
	}
	u, err := f.db.FindUserByID(ctx, f.school["a"].ID, f.user["a-student"].ID)
	must(t, err)
	if u.FirstName != f.user["a-student"].FirstName {
		t.Fatalf("the name changed with the refused class: %q", u.FirstName)
	}
	groups, err := f.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: f.school["a"].ID, Kind: schulhof.GroupClass})
	must(t, err)
	if len(groups) != 2 {
		t.Fatalf("a refused change left %d classes", len(groups))
	}
	rec = f.do("a-admin", "PATCH", path, `{"first_name":"Umbenannt","class":"6c"}`)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"class":"6c"`) {
		t.Fatalf("valid change: %d %s", rec.Code, rec.Body)
	}
	mine, err := f.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: f.school["a"].ID, UserID: f.user["a-student"].ID, Kind: schulhof.GroupClass})
	must(t, err)
	if len(mine) != 1 || mine[0].Name != "6c" {
		t.Fatalf("classes after the move: %+v", mine)
	}
	// a new user with an invalid class is not made at all
	rec = f.do("a-admin", "POST", "/api/v1/schools/schule-a/users", `{"login":"neu","first_name":"Neu","last_name":"Kind","role":"student","class":"`+long+`"}`)
	if rec.Code != 422 {
		t.Fatalf("new user, invalid class: %d %s", rec.Code, rec.Body)
	}
	if _, err := f.db.FindUserByLogin(ctx, f.school["a"].ID, "neu"); !schulhof.Match(err, schulhof.ENotFound) {
		t.Fatalf("the user was made without the class: %v", err)
	}
}

// TestPasswordReentryIsLimited: a session left open cannot be used to
// guess its user's password where it is asked again.
func TestPasswordReentryIsLimited(t *testing.T) {
	f := newFixture(t, nil)
	must(t, f.db.SetTOTP(ctx, f.user["a-teacher"].ID, totp.NewSecret(), true))
	codes := []int{}
	for i := 0; i < 5; i++ {
		codes = append(codes, f.page("a-teacher", "POST", "/profile/totp/disable", "password=falsch"+itoa(int64(i))).Code)
	}
	if codes[0] != 422 || codes[4] != 429 {
		t.Fatalf("five wrong passwords to switch two-factor off: %v", codes)
	}
	if rec := f.page("a-teacher", "POST", "/profile/totp/disable", "password="+testPassword); rec.Code != 429 {
		t.Fatalf("the right password while locked: %d", rec.Code)
	}
	if rec := f.do("a-teacher", "POST", "/api/v1/me/app-passwords", `{"name":"iPad","password":"`+testPassword+`"}`); rec.Code != 429 {
		t.Fatalf("an app password while locked: %d", rec.Code)
	}
}
