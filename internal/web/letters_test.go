package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
)

// TestLettersBatch: printing the letters of a whole school says first how
// many passwords it resets and whose, leaves the admins out unless they
// are chosen, and makes a big batch in the background whose page shows
// the progress and then offers the PDF, once.
func TestLettersBatch(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	sc := f.school["a"]
	for i := range 70 {
		u := &schulhof.User{SchoolID: sc.ID, Login: fmt.Sprintf("neu%02d", i), FirstName: "Neu", LastName: fmt.Sprint(i), Role: schulhof.RoleStudent}
		if err := f.db.CreateUser(ctx, u, ""); err != nil {
			t.Fatal(err)
		}
	}
	students := 0
	us, _, err := f.db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Role: schulhof.RoleStudent, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.Active {
			students++
		}
	}

	// all roles, everyone: the check counts, and leaves out the admin
	rec := f.page("a-admin", "POST", "/s/schule-a/letters", "role=")
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `data-testid="letters-check"`) || strings.Contains(body, "× Schuladmin") {
		t.Fatalf("the check of all roles: %d\n%s", rec.Code, body)
	}
	if !strings.Contains(body, "haben schon ein Passwort") {
		t.Error("the check does not say who loses a password")
	}
	rec = f.page("a-admin", "POST", "/s/schule-a/letters", "role=&include_admins=1")
	if !strings.Contains(rec.Body.String(), "× Schuladmin") {
		t.Error("admins chosen, but not in the check")
	}

	// the students, confirmed: a batch in the background
	rec = f.page("a-admin", "POST", "/s/schule-a/letters", fmt.Sprintf("role=student&confirm=%d", students))
	job := rec.Header().Get("Location")
	if rec.Code != 303 || !regexp.MustCompile(`^/s/schule-a/letters/jobs/[A-Za-z0-9_-]{16}$`).MatchString(job) {
		t.Fatalf("confirmed: %d %q\n%s", rec.Code, job, rec.Body)
	}
	if other := f.page("a-teacher", "GET", job, ""); other.Code != 403 {
		t.Errorf("a teacher at the batch: %d", other.Code)
	}
	f.srv.WaitBackground()
	rec = f.page("a-admin", "GET", job, "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), fmt.Sprintf("Fertig: %d Briefe.", students)) {
		t.Fatalf("the batch's page: %d\n%s", rec.Code, rec.Body)
	}
	pdf := f.page("a-admin", "GET", job+"/pdf", "")
	if pdf.Code != 200 || !strings.HasPrefix(pdf.Body.String(), "%PDF-") || pdf.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("the PDF: %d %q", pdf.Code, pdf.Header())
	}
	if again := f.page("a-admin", "GET", job+"/pdf", ""); again.Code != 404 {
		t.Errorf("the PDF a second time: %d", again.Code)
	}
	// every student has a password now, the admin kept hers
	left, _, _ := f.db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Role: schulhof.RoleStudent, WithoutPassword: true, Limit: 1000})
	if len(left) != 0 {
		t.Errorf("%d students without a password", len(left))
	}
	if rec := f.page("a-admin", "GET", "/s/schule-a/letters", ""); rec.Code != 200 {
		t.Errorf("the admin was logged out: %d", rec.Code)
	}
}
