package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestSupport: the operator sees Schulhof as a user of a school only
// while the school's admins allow it, an hour at most, with a banner on
// every page, its name in the audit log, and its own session back at
// the end.
func TestSupport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) { testSupport(t, newFixture(t, db)) })
}

func testSupport(t *testing.T, f *fixture) {
	start := f.expand("/api/v1/schools/schule-a/users/{a-admin}/support")
	if rec := f.do("operator", "POST", start, ""); rec.Code != 403 || !strings.Contains(rec.Body.String(), "erlaubt gerade keinen Support") {
		t.Fatalf("without consent: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("operator", "PUT", "/api/v1/schools/schule-a/support", `{"until":"2026-12-05"}`); rec.Code != 403 {
		t.Fatalf("the operator allows itself: %d", rec.Code)
	}
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/support", `{"until":"2027-03-01"}`); rec.Code != 422 {
		t.Fatalf("three months: %d", rec.Code)
	}
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/support", `{"until":"2026-12-05"}`); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"until"`) {
		t.Fatalf("consent: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-admin", "POST", start, ""); rec.Code != 403 {
		t.Fatalf("an admin starts support: %d", rec.Code)
	}
	// school B did not allow it
	if rec := f.do("operator", "POST", f.expand("/api/v1/schools/schule-b/users/{b-admin}/support"), ""); rec.Code != 403 {
		t.Fatalf("support at school B: %d", rec.Code)
	}
	rec := f.do("operator", "POST", start, "")
	if rec.Code != 201 {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	var out struct{ Token string }
	json.Unmarshal(rec.Body.Bytes(), &out)
	f.token["support"] = out.Token
	// every page says so
	page := f.page("support", "GET", "/", "")
	if page.Code != 200 || !strings.Contains(page.Body.String(), "Support-Ansicht: admin sieht Schulhof als Admin SchuleA.") {
		t.Fatalf("no banner: %d", page.Code)
	}
	// what it does is the operator's in the audit log
	if rec := f.do("support", "POST", "/api/v1/schools/schule-a/devices", `{"type":"pc","model":"Esprimo","serial":"SUP1"}`); rec.Code != 201 {
		t.Fatalf("a device in support: %d %s", rec.Code, rec.Body)
	}
	es, err := f.db.FindAuditEntries(ctx, schulhof.AuditFilter{SchoolID: f.school["a"].ID})
	must(t, err)
	var logins []string
	for _, e := range es {
		if e.Action == "device.create" || e.Action == "support.start" {
			logins = append(logins, e.Action+" "+e.ActorLogin+" "+e.Details)
		}
	}
	if got := strings.Join(logins, "; "); !strings.Contains(got, "device.create admin (Support: admin)") || !strings.Contains(got, "support.start admin by admin") {
		t.Fatalf("audit: %s", got)
	}
	// an hour at most, however busy
	f.db.Now = func() time.Time { return sqltest.Clock.Add(50 * time.Minute) }
	if rec := f.do("support", "GET", "/api/v1/me", ""); rec.Code != 200 {
		t.Fatalf("after 50 minutes: %d", rec.Code)
	}
	f.db.Now = func() time.Time { return sqltest.Clock.Add(61 * time.Minute) }
	if rec := f.do("support", "GET", "/api/v1/me", ""); rec.Code != 401 {
		t.Fatalf("after 61 minutes: %d", rec.Code)
	}
	f.db.Now = func() time.Time { return sqltest.Clock }

	// in the browser: the operator's session waits and comes back
	form := httptest.NewRequest("POST", f.expand("/s/schule-a/users/{a-student}/support"), nil)
	form.Header.Set("Cookie", "schulhof_session="+f.token["operator"])
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, form)
	cookies := map[string]string{}
	for _, c := range w.Result().Cookies() {
		cookies[c.Name] = c.Value
	}
	if w.Code != 303 || cookies["schulhof_support_return"] != f.token["operator"] || cookies["schulhof_session"] == "" {
		t.Fatalf("start by form: %d %v", w.Code, cookies)
	}
	end := httptest.NewRequest("POST", "/support/end", nil)
	end.AddCookie(&http.Cookie{Name: "schulhof_session", Value: cookies["schulhof_session"]})
	end.AddCookie(&http.Cookie{Name: "schulhof_support_return", Value: cookies["schulhof_support_return"]})
	w = httptest.NewRecorder()
	f.srv.ServeHTTP(w, end)
	back := map[string]string{}
	for _, c := range w.Result().Cookies() {
		back[c.Name] = c.Value
	}
	if w.Code != 303 || w.Header().Get("Location") != "/admin/console" || back["schulhof_session"] != f.token["operator"] {
		t.Fatalf("end: %d %s %v", w.Code, w.Header().Get("Location"), back)
	}
	f.token["ended"] = cookies["schulhof_session"]
	if rec := f.do("ended", "GET", "/api/v1/me", ""); rec.Code != 401 {
		t.Fatalf("the ended support session: %d", rec.Code)
	}
	// withdrawing the consent ends what runs
	rec = f.do("operator", "POST", start, "")
	json.Unmarshal(rec.Body.Bytes(), &out)
	f.token["support2"] = out.Token
	if rec := f.page("a-admin", "POST", "/s/schule-a/settings/support", "withdraw=1"); rec.Code != 303 {
		t.Fatalf("withdraw: %d", rec.Code)
	}
	if rec := f.do("support2", "GET", "/api/v1/me", ""); rec.Code != 401 {
		t.Fatalf("support after the consent was withdrawn: %d", rec.Code)
	}
}
