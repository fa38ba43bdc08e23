package web_test

import (
	"archive/zip"
	"bytes"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestAssignmentDueDate: hand-ins are taken until the due date, after it
// only where late hand-ins are allowed (and marked late), and not at all
// once the teacher has marked the assignment as reviewed.
func TestAssignmentDueDate(t *testing.T) {
	f := newFixture(t, nil)
	task := f.expand("/api/v1/schools/schule-a/assignments/{a-task}")
	mine := task + f.expand("/submissions/{a-student}")
	// the due date was half an hour ago
	if rec := f.do("a-teacher", "PATCH", task, `{"due_at":"2026-11-30T06:30:00Z"}`); rec.Code != 200 {
		t.Fatal(rec.Code, rec.Body)
	}
	must(t, f.db.SetMember(ctx, f.school["a"].ID, f.group["a-5a"].ID, f.user["a-student2"].ID, schulhof.MemberRoleMember))
	for actor, want := range map[string]string{"a-student": "late", "a-student2": "missing"} {
		var a struct{ Status string }
		decode(t, f.do(actor, "GET", task, ""), &a)
		if a.Status != want { // the hand-in of 7:00 is after the new due date
			t.Errorf("%s: status %q, want %q", actor, a.Status, want)
		}
	}
	if rec := f.page("a-student2", "GET", "/", ""); !strings.Contains(rec.Body.String(), "1 überfällig") {
		t.Error("the start page does not show the overdue assignment")
	}
	if rec := f.do("a-student", "PUT", mine, multipartBody("text", "zu spät")); rec.Code != 409 || !strings.Contains(rec.Body.String(), "geschlossen") {
		t.Fatalf("late hand-in without permission: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-teacher", "PATCH", task, `{"allow_late":true}`); rec.Code != 200 {
		t.Fatal(rec.Code, rec.Body)
	}
	var sub schulhof.Submission
	decode(t, f.do("a-student", "PUT", mine, multipartBody("text", "zu spät")), &sub)
	if sub.Status != schulhof.StatusLate || sub.Text != "zu spät" || len(sub.Files) != 0 {
		t.Fatalf("late hand-in: %+v", sub)
	}
	if rec := f.page("a-student", "GET", f.expand("/s/schule-a/assignments/{a-task}"), ""); !strings.Contains(rec.Body.String(), "Deine Abgabe wird als verspätet markiert") {
		t.Fatal("the page does not warn that a hand-in now is late")
	}
	if rec := f.do("a-teacher", "PATCH", task, `{"reviewed":true}`); rec.Code != 200 {
		t.Fatal(rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "PUT", mine, multipartBody("text", "noch später")); rec.Code != 409 {
		t.Fatalf("hand-in after review: %d", rec.Code)
	}
}

// TestAssignmentNotYetStarted: students and parents do not see an
// assignment before its start; its teacher does.
func TestAssignmentNotYetStarted(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.do("a-teacher", "POST", "/api/v1/schools/schule-a/assignments", f.expand(`{"title":"Nächste Woche","groups":[{a-5a}],
		"starts_at":"2026-11-30T10:00:00+01:00","due_at":"2026-12-07T08:00:00+01:00"}`))
	var a struct{ ID int64 }
	decode(t, rec, &a)
	path := "/api/v1/schools/schule-a/assignments/" + itoa(a.ID)
	for actor, want := range map[string]int{"a-teacher": 200, "a-admin": 200, "a-student": 404, "a-parent": 404} {
		if rec := f.do(actor, "GET", path, ""); rec.Code != want {
			t.Errorf("%s: %d, want %d", actor, rec.Code, want)
		}
	}
	if rec := f.do("a-student", "GET", "/api/v1/schools/schule-a/assignments", ""); strings.Contains(rec.Body.String(), "Nächste Woche") {
		t.Error("the student's list shows an assignment before its start")
	}
	f.db.Now = func() time.Time { return sqltest.Clock.Add(2 * time.Hour) }
	if rec := f.do("a-student", "GET", path, ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"open"`) {
		t.Errorf("at the start: %d %s", rec.Code, rec.Body)
	}
}

// TestAssignmentZip: one folder per student who handed in, with the text
// and the files; those who did not hand in are not in it.
func TestAssignmentZip(t *testing.T) {
	f := newFixture(t, nil)
	must(t, f.db.SetMember(ctx, f.school["a"].ID, f.group["a-5a"].ID, f.user["a-student2"].ID, schulhof.MemberRoleMember))
	rec := f.do("a-teacher", "GET", f.expand("/api/v1/schools/schule-a/assignments/{a-task}/submissions.zip"), "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/zip" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	zr, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	must(t, err)
	var names []string
	content := map[string]string{}
	for _, zf := range zr.File {
		names = append(names, zf.Name)
		r, err := zf.Open()
		must(t, err)
		b, _ := io.ReadAll(r)
		r.Close()
		content[zf.Name] = string(b)
	}
	sort.Strings(names)
	want := []string{"SchuleA, Student (student)/Abgabe.txt", "SchuleA, Student (student)/loesung.txt"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Fatalf("entries %q, want %q", names, want)
	}
	if content[want[1]] != "Lösung a" || content[want[0]] != "Meine Lösung a" {
		t.Errorf("content %q", content)
	}
	// a classmate sees the assignment, not another student's hand-in
	if rec := f.do("a-student2", "GET", f.expand("/api/v1/schools/schule-a/assignments/{a-task}/files/{a-handin-file}"), ""); rec.Code != 404 {
		t.Errorf("a classmate downloads another's hand-in: %d", rec.Code)
	}
	if rec := f.do("a-student2", "GET", f.expand("/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}"), ""); rec.Code != 404 {
		t.Errorf("a classmate reads another's hand-in: %d", rec.Code)
	}
	if rec := f.do("a-student2", "GET", f.expand("/api/v1/schools/schule-a/assignments/{a-task}/files/{a-task-sheet}"), ""); rec.Code != 200 {
		t.Errorf("a classmate cannot get the material: %d", rec.Code)
	}
	// the teacher's list shows the one who did not hand in
	var subs struct{ Items []schulhof.Submission }
	decode(t, f.do("a-teacher", "GET", f.expand("/api/v1/schools/schule-a/assignments/{a-task}/submissions"), ""), &subs)
	if len(subs.Items) != 2 || subs.Items[1].Student.Login != "student2" || subs.Items[1].Status != schulhof.StatusOpen {
		t.Fatalf("submissions: %+v", subs.Items)
	}
}

// TestHandInQuota: a hand-in counts against the student's quota and is
// refused as a whole when it does not fit; nothing of it stays.
func TestHandInQuota(t *testing.T) {
	f := newFixture(t, nil)
	f.quota(t, schulhof.SpaceUser, schulhof.RoleStudent, 30) // 17 bytes used
	mine := f.expand("/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}")
	before := f.blobCount()
	rec := f.do("a-student", "PUT", mine, multipartBody("text", "x", "file:a.txt", strings.Repeat("a", 5), "file:b.txt", strings.Repeat("b", 20)))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Speicherplatz") {
		t.Fatalf("over quota: %d %s", rec.Code, rec.Body)
	}
	var sub schulhof.Submission
	decode(t, f.do("a-student", "GET", mine, ""), &sub)
	if sub.Text != "Meine Lösung a" || len(sub.Files) != 1 {
		t.Fatalf("the refused hand-in changed the old one: %+v", sub)
	}
	if n := f.blobCount(); n != before {
		t.Errorf("%d blobs stored, want the %d before: the refused hand-in left bytes", n, before)
	}
}

// TestEditAssignmentFromPage: the teacher extends the due date and adds
// material; the student sees both.
func TestEditAssignmentFromPage(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.page("a-teacher", "POST", f.expand("/s/schule-a/assignments/{a-task}/edit"), multipartBody("title", "Aufsatz a", "description", "Neu: mit Gliederung.",
		"starts_at", "2026-11-30T07:00", "due_at", "2026-12-14T08:00", "file:Gliederung.txt", "1. Einleitung"))
	if rec.Code != 303 {
		t.Fatalf("edit: %d %s", rec.Code, rec.Body)
	}
	page := f.page("a-student", "GET", f.expand("/s/schule-a/assignments/{a-task}"), "").Body.String()
	for _, want := range []string{"14.12.2026 08:00", "Neu: mit Gliederung.", "Gliederung.txt", "Aufgabenblatt.txt"} {
		if !strings.Contains(page, want) {
			t.Errorf("the student's page lacks %q", want)
		}
	}
	if !strings.Contains(f.page("a-teacher", "GET", f.expand("/s/schule-a/assignments/{a-task}"), "").Body.String(), `value="2026-12-14T08:00"`) {
		t.Error("the edit form does not show the due date")
	}
}

// TestFeedbackGoesOn: saving feedback goes back to the list as it was
// filtered, or on to the next student's form.
func TestFeedbackGoesOn(t *testing.T) {
	f := newFixture(t, nil)
	task, student := f.expand("{a-task}"), f.expand("{a-student}")
	base := "/s/schule-a/assignments/" + task
	rec := f.page("a-teacher", "POST", base+"/feedback/"+student, "feedback=Gut&list=show%3Dno_feedback%26sort%3Dtime")
	if loc := rec.Header().Get("Location"); rec.Code != 303 || loc != base+"?flash=saved&show=no_feedback&sort=time#student-"+student {
		t.Errorf("back to the list: %d %q", rec.Code, loc)
	}
	rec = f.page("a-teacher", "POST", base+"/feedback/"+student, "feedback=Gut&list=sort%3Dtime&next=42")
	if loc := rec.Header().Get("Location"); rec.Code != 303 || loc != base+"?flash=saved&sort=time&student=42#feedback" {
		t.Errorf("on to the next: %d %q", rec.Code, loc)
	}
	var sub struct{ Feedback string }
	decode(t, f.do("a-teacher", "GET", "/api/v1/schools/schule-a/assignments/"+task+"/submissions/"+student, ""), &sub)
	if sub.Feedback != "Gut" {
		t.Errorf("the feedback: %+v", sub)
	}
}
