package web_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
)

// capabilityRoutes open by a secret address rather than by login: whoever
// holds the address is let in, as intended (the info screen in the
// staff room, a calendar app, a video call's guests). They are left out
// of the tenancy matrix.
var capabilityRoutes = map[string]bool{"GET /info/{token}": true, "GET /info/{token}/stamp": true, "GET /ical/{file}": true,
	"GET /calls/guest/{link}": true, "POST /calls/guest/{link}": true}

// tenancyValue is school B's thing for a parameter of a route, as the
// fixture names it.
func tenancyValue(pattern, param, before string) string {
	switch param {
	case "school":
		return "schule-b"
	case "id":
		switch before {
		case "users":
			return "{b-student}"
		case "app-passwords":
			return "{b-app-password}"
		}
		return "{b-5a}" // a space: /{kind}/{id}
	case "kind":
		return "group"
	case "child", "user", "student":
		return "{b-student}"
	case "group":
		return "{b-5a}"
	case "node":
		return "{b-sheet}"
	case "version", "n":
		return "1"
	case "assignment":
		return "{b-task}"
	case "file":
		if before == "attachments" {
			return "{b-task-sheet}"
		}
		return "{b-handin-file}"
	case "upload":
		return "{b-upload}"
	case "room":
		return "{b-room}"
	case "message":
		return "{b-msg}"
	case "attachment":
		return "{b-attachment}"
	case "report":
		return "{b-report}"
	case "job":
		// a batch of login letters is its starter's alone, in memory:
		// any other id is not found
		return "b0b0b0b0b0b0b0b0"
	case "board":
		return "{b-board}"
	case "image":
		return "i{b-board-image}"
	case "emoji":
		return "%F0%9F%91%8D"
	case "exam":
		return "{b-exam}"
	case "call":
		return "{b-call}"
	case "device":
		return "{b-device}"
	case "loan":
		return "{b-loan}"
	case "tag":
		return "IPAD-1"
	case "damage":
		return "{b-damage}"
	case "photo":
		return "{b-damage-photo}"
	case "audit":
		return "{b-audit}"
	case "reservation":
		return "{b-reservation}"
	case "action":
		return "members"
	case "client":
		return "{b-client}"
	case "rollover":
		return "1" // school B's first, which A's path must not reach
	case "announcement":
		return "1" // the installation's: only the operator may
	}
	return ""
}

type tenancyRequest struct{ method, path, body string }

// tenancyRequests derives from the route table, for every route with
// parameters, the request that names school B's things: through B's
// school path, and (where the route names more than the school) through
// A's own path with B's ids. A route whose parameter has no value here
// fails the test: a new route cannot skip the matrix.
func tenancyRequests(t *testing.T, routes []string) []tenancyRequest {
	param := regexp.MustCompile(`\{([a-z]+)\$?\}`)
	var out []tenancyRequest
	for _, route := range routes {
		method, pattern, ok := strings.Cut(route, " ")
		if !ok || !strings.Contains(pattern, "{") || capabilityRoutes[route] || pattern == "/{$}" {
			continue
		}
		segs := strings.Split(pattern, "/")
		ids := false
		for i, seg := range segs {
			m := param.FindStringSubmatch(seg)
			if m == nil {
				continue
			}
			v := tenancyValue(pattern, m[1], segs[max(i-1, 0)])
			if v == "" {
				t.Errorf("%s: no value of school B for {%s}", route, m[1])
			}
			if strings.Contains(v, "{b-") {
				ids = true
			}
			segs[i] = strings.Replace(seg, m[0], v, 1)
		}
		body := ""
		if strings.HasPrefix(pattern, "/api/") && method != "GET" && method != "DELETE" {
			body = "{}"
		}
		path := strings.Join(segs, "/")
		if strings.Contains(pattern, "{school}") {
			out = append(out, tenancyRequest{method, path, body})
			if ids { // B's ids through A's own school
				out = append(out, tenancyRequest{method, strings.Replace(path, "/schule-b", "/schule-a", 1), body})
			}
		} else {
			out = append(out, tenancyRequest{method, path, body})
		}
	}
	return out
}

// TestTenancyMatrix sends every request that names something of school B
// as every user of school A, whatever the role: one for every route with
// parameters (derived from the route table), and those that carry B's
// things in the body or mix A's and B's. None may succeed or change
// anything; through B's paths the answer is 404, as for a school that
// does not exist; elsewhere B's ids get the same answer as ids that exist
// nowhere.
func TestTenancyMatrix(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.do("b-teacher", "POST", "/api/v1/me/app-passwords", `{"name":"iPad","password":"`+testPassword+`"}`)
	var ap struct{ ID int64 }
	if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &ap) != nil {
		t.Fatalf("app password of B: %d %s", rec.Code, rec.Body)
	}
	f.ids["b-app-password"] = ap.ID
	requests := tenancyRequests(t, f.srv.Routes())
	seen := map[string]bool{}
	for _, rq := range requests {
		seen[rq.method+" "+rq.path] = true
	}
	for _, rq := range []tenancyRequest{
		{"GET", "/api/v1/schools/schule-b", ""},
		{"PATCH", "/api/v1/schools/schule-b", `{"name":"x"}`},
		{"GET", "/api/v1/schools/schule-b/users", ""},
		{"POST", "/api/v1/schools/schule-b/users", `{"first_name":"A","last_name":"B","role":"student"}`},
		{"GET", "/api/v1/schools/schule-b/users/{b-student}", ""},
		{"PATCH", "/api/v1/schools/schule-b/users/{b-student}", `{"last_name":"x"}`},
		{"POST", "/api/v1/schools/schule-b/users/{b-student}/reset-password", ""},
		{"POST", "/api/v1/schools/schule-b/users/{b-teacher}/reset-two-factor", ""},
		{"POST", "/api/v1/schools/schule-a/users/{b-teacher}/reset-two-factor", ""},
		{"PUT", "/api/v1/schools/schule-b/users/{b-parent}/children/{b-student2}", ""},
		{"DELETE", "/api/v1/schools/schule-b/users/{b-parent}/children/{b-student}", ""},
		{"GET", "/api/v1/schools/schule-b/groups", ""},
		{"POST", "/api/v1/schools/schule-b/groups", `{"name":"x","kind":"custom"}`},
		{"GET", "/api/v1/schools/schule-b/groups/{b-5a}", ""},
		{"PATCH", "/api/v1/schools/schule-b/groups/{b-5a}", `{"name":"x"}`},
		{"DELETE", "/api/v1/schools/schule-b/groups/{b-5a}", ""},
		{"GET", "/api/v1/schools/schule-b/groups/{b-5a}/members", ""},
		{"PUT", "/api/v1/schools/schule-b/groups/{b-5a}/members/{b-student2}", `{}`},
		{"DELETE", "/api/v1/schools/schule-b/groups/{b-5a}/members/{b-student}", ""},
		{"POST", "/api/v1/schools/schule-b/imports/users?dry_run=true", "ID;Nachname;Vorname\n1;A;B\n"},
		{"POST", "/api/v1/schools/schule-b/letters", `{"user_ids":[{b-student}]}`},
		{"GET", "/api/v1/schools/schule-b/audit", ""},
		{"GET", "/api/v1/audit?school=schule-b", ""},
		// B's ids through A's own school path
		{"GET", "/api/v1/schools/schule-a/users/{b-student}", ""},
		{"PATCH", "/api/v1/schools/schule-a/users/{b-student}", `{"last_name":"x"}`},
		{"POST", "/api/v1/schools/schule-a/users/{b-admin}/reset-password", ""},
		{"GET", "/api/v1/schools/schule-a/groups/{b-5a}", ""},
		{"GET", "/api/v1/schools/schule-a/groups/{b-5a}/members", ""},
		{"DELETE", "/api/v1/schools/schule-a/groups/{b-5a}", ""},
		{"PUT", "/api/v1/schools/schule-a/groups/{b-5a}/members/{a-student}", `{}`},
		{"PUT", "/api/v1/schools/schule-a/groups/{a-5a}/members/{b-student}", `{}`},
		{"POST", "/api/v1/schools/schule-a/letters", `{"user_ids":[{b-student}]}`},
		{"PUT", "/api/v1/schools/schule-a/users/{a-parent}/children/{b-student}", ""},
		{"GET", "/api/v1/schools/schule-b/spaces/group/{b-5a}/nodes", ""},
		{"PUT", "/api/v1/schools/schule-b/spaces/group/{b-5a}/files?name=x.txt", "x"},
		{"GET", "/api/v1/schools/schule-b/nodes/{b-sheet}/content", ""},
		{"DELETE", "/api/v1/schools/schule-b/nodes/{b-sheet}", ""},
		{"GET", "/api/v1/schools/schule-a/nodes/{b-sheet}/content", ""},
		{"DELETE", "/api/v1/schools/schule-a/nodes/{b-sheet}", ""},
		{"POST", "/api/v1/schools/schule-a/nodes/{b-old}/restore", ""},
		{"GET", "/api/v1/schools/schule-a/spaces/group/{b-5a}/nodes", ""},
		{"GET", "/api/v1/schools/schule-a/spaces/user/{b-student}/nodes", ""},
		{"GET", "/api/v1/schools/schule-b/assignments/{b-task}", ""},
		{"PATCH", "/api/v1/schools/schule-b/assignments/{b-task}", `{"title":"x"}`},
		{"DELETE", "/api/v1/schools/schule-b/assignments/{b-task}", ""},
		{"GET", "/api/v1/schools/schule-b/assignments/{b-task}/files/{b-handin-file}", ""},
		{"GET", "/api/v1/schools/schule-b/assignments/{b-task}/submissions.zip", ""},
		{"PUT", "/api/v1/schools/schule-b/assignments/{b-task}/submissions/{b-student}/feedback", `{"text":"x"}`},
		{"GET", "/api/v1/schools/schule-a/assignments/{b-task}", ""},
		{"DELETE", "/api/v1/schools/schule-a/assignments/{b-task}", ""},
		{"GET", "/api/v1/schools/schule-a/assignments/{a-task}/files/{b-handin-file}", ""},
		{"GET", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{b-student}", ""},
		{"PUT", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{b-student}/feedback", `{"text":"x"}`},
		{"POST", "/api/v1/schools/schule-a/assignments", `{"title":"x","groups":[{b-5a}],"due_at":"2026-12-10T08:00:00Z"}`},
		{"GET", "/api/v1/schools/schule-b/substitutions", ""},
		{"POST", "/api/v1/schools/schule-b/timetable/imports?dry_run=false", ""},
		{"PUT", "/api/v1/schools/schule-b/lesson-times", `{"items":[{"weekday":0,"period":1,"start":"08:00","end":"08:45"}]}`},
		{"GET", "/api/v1/schools/schule-b/week-model", ""},
		{"GET", "/api/v1/rooms/{b-room}/messages", ""},
		{"POST", "/api/v1/rooms/{b-room}/messages", `{"text":"x"}`},
		{"POST", "/api/v1/rooms/{b-room}/read", `{"up_to":1}`},
		{"GET", "/api/v1/rooms/{b-room}/messages/{b-msg}/reads", ""},
		{"PATCH", "/api/v1/rooms/{b-room}/messages/{b-msg}", `{"text":"x"}`},
		{"DELETE", "/api/v1/rooms/{b-room}/messages/{b-msg}", ""},
		{"PUT", "/api/v1/rooms/{b-room}/lock", `{"locked":true}`},
		{"PUT", "/api/v1/rooms/{b-room}/mutes/{b-student}", `{"minutes":5}`},
		{"PUT", "/api/v1/rooms/{a-room}/mutes/{b-student}", `{"minutes":5}`},
		{"POST", "/api/v1/rooms/{b-school-room}/messages", `{"text":"x"}`},
		{"GET", "/api/v1/rooms/{b-room}/members", ""},
		{"PUT", "/api/v1/rooms/{b-room}/messages/{b-msg}/reactions/%F0%9F%91%8D", ""},
		{"DELETE", "/api/v1/rooms/{b-room}/messages/{b-msg}/reactions/%F0%9F%91%8D", ""},
		{"POST", "/api/v1/rooms/{b-room}/messages/{b-msg}/report", `{"reason":"x"}`},
		{"POST", "/api/v1/rooms/{b-room}/typing", ""},
		{"POST", "/api/v1/rooms/{b-room}/attachments", `{"node":{b-sheet}}`},
		{"POST", "/api/v1/rooms/{a-room}/attachments", `{"node":{b-sheet}}`},
		{"GET", "/api/v1/rooms/{b-room}/attachments/{b-attachment}", ""},
		{"GET", "/api/v1/rooms/{a-room}/attachments/{b-attachment}", ""},
		{"POST", "/api/v1/rooms", `{"members":[{b-student}]}`},
		{"POST", "/api/v1/rooms/{a-room}/messages", `{"text":"x","mentions":[{b-student}]}`},
		{"POST", "/api/v1/chat/reports/{b-report}/handled", ""},
		{"GET", "/api/v1/schools/schule-b/chat-settings", ""},
		{"PUT", "/api/v1/schools/schule-b/chat-settings", `{"start_with":{},"retention_days":1}`},
		{"GET", "/api/v1/boards/{b-board}", ""},
		{"PATCH", "/api/v1/boards/{b-board}", `{"access":"draw"}`},
		{"DELETE", "/api/v1/boards/{b-board}", ""},
		{"POST", "/api/v1/boards/{b-board}/restore", ""},
		{"PUT", "/api/v1/boards/{b-board}/drawers/{b-student}", `{"allowed":true}`},
		{"PUT", "/api/v1/boards/{a-board}/drawers/{b-student}", `{"allowed":true}`},
		{"GET", "/api/v1/boards/{b-board}/operations", ""},
		{"POST", "/api/v1/boards/{b-board}/operations", `{"ops":[{"op":"set","id":"t-1","set":{"x":1}}]}`},
		{"POST", "/api/v1/boards/{b-board}/copy", `{"title":"x"}`},
		{"POST", "/api/v1/boards", `{"title":"x","group":{b-5a}}`},
		{"POST", "/api/v1/calls", `{"group":{b-5a}}`},
		{"POST", "/calls", "group={b-5a}"},
		{"PATCH", "/api/v1/calls/{b-talk}", `{"locked":true}`},
		{"POST", "/api/v1/calls/{b-call}/admit", `{"user":{a-student}}`},
		{"GET", "/api/v1/boards/{b-board}/pages/1/export.png", ""},
		{"GET", "/api/v1/boards/{b-board}/export.pdf", ""},
		{"POST", "/api/v1/boards/{b-board}/save-to-files", ""},
		{"POST", "/api/v1/boards/{b-board}/images", `{"node":{a-sheet}}`},
		{"POST", "/api/v1/boards/{a-board}/images", `{"node":{b-sheet}}`},
		{"GET", "/api/v1/boards/{b-board}/images/i{b-board-image}", ""},
		{"GET", "/api/v1/boards/{a-board}/images/i{b-board-image}", ""},
		{"GET", "/api/v1/schools/schule-b/exams", ""},
		{"POST", "/api/v1/schools/schule-b/exams", `{"groups":[{b-5a}],"date":"2026-12-07","from_period":1,"to_period":2,"type":"test","title":"x"}`},
		{"POST", "/api/v1/schools/schule-a/exams", `{"groups":[{b-5a}],"date":"2026-12-07","from_period":1,"to_period":2,"type":"test","title":"x"}`},
		{"GET", "/api/v1/schools/schule-b/exams/{b-exam}", ""},
		{"GET", "/api/v1/schools/schule-a/exams/{b-exam}", ""},
		{"PATCH", "/api/v1/schools/schule-b/exams/{b-exam}", `{"groups":[{b-5a}],"date":"2026-12-07","from_period":1,"to_period":2,"type":"test","title":"x"}`},
		{"PATCH", "/api/v1/schools/schule-a/exams/{b-exam}", `{"groups":[{b-5a}],"date":"2026-12-07","from_period":1,"to_period":2,"type":"test","title":"x"}`},
		{"DELETE", "/api/v1/schools/schule-b/exams/{b-exam}", ""},
		{"DELETE", "/api/v1/schools/schule-a/exams/{b-exam}", ""},
		{"GET", "/api/v1/schools/schule-b/exams/suggestions?groups={b-5a}", ""},
		{"GET", "/api/v1/schools/schule-a/exams/suggestions?groups={b-5a}", ""},
		{"GET", "/api/v1/schools/schule-b/exam-settings", ""},
		{"PUT", "/api/v1/schools/schule-b/exam-settings", `{"announce_days":1}`},
		{"POST", "/api/v1/schools/schule-b/holidays/calendar", icsHolidays},
		{"POST", "/api/v1/schools/schule-b/holidays/state", ""},
		{"PUT", "/api/v1/schools/schule-b/week-model", `{"weeks":2,"start":"2026-09-07"}`},
		// pages
		{"POST", "/s/schule-b/substitutions/day-text", "date=2026-11-30&text=x"},
		{"POST", "/s/schule-b/settings/info-screen", ""},
		{"POST", "/s/schule-b/settings/lesson-times", "lesson_times=1%3B08%3A00%3B08%3A45"},
		{"POST", "/s/schule-b/settings/week-model", "weeks=2&week_start=07.09.2026"},
		{"POST", "/s/schule-b/settings/holidays/calendar", multipartBody("calendar:ferien.ics", icsHolidays)},
		{"POST", "/s/schule-b/settings/holidays/state", ""},
		{"POST", "/s/schule-b/settings/chat", "student=teacher&retention_days=1"},
		{"GET", "/s/schule-b/exams", ""},
		{"GET", "/chat?room={b-room}", ""},
		{"GET", "/boards/{b-board}", ""},
		{"POST", "/boards/{b-board}/delete", ""},
		{"POST", "/boards/{b-board}/restore", ""},
		{"POST", "/boards", "title=x&group={b-5a}"},
		{"POST", "/chat/{b-room}", "text=x"},
		{"GET", "/s/schule-b/exams/overview", ""},
		{"GET", "/s/schule-b/exams.csv", ""},
		{"GET", "/s/schule-b/exams.pdf", ""},
		{"GET", "/api/v1/schools/schule-b/exams.csv", ""},
		{"GET", "/api/v1/schools/schule-b/exams.pdf", ""},
		{"GET", "/api/v1/schools/schule-b/exams/overview", ""},
		{"POST", "/s/schule-b/settings/exams", "preset=1&announce_days=1"},
		{"GET", "/s/schule-b/exams/new", ""},
		{"POST", "/s/schule-b/exams", "groups={b-5a}&title=x&type=test&date=2026-12-07&from_period=1&to_period=2"},
		{"GET", "/s/schule-a/exams/{b-exam}/edit", ""},
		{"POST", "/s/schule-a/exams/{b-exam}", "groups={a-5a}&title=x&type=test&date=2026-12-07&from_period=1&to_period=2"},
		{"POST", "/s/schule-a/exams/{b-exam}/delete", ""},
		{"POST", "/s/schule-b/exams/{b-exam}/delete", ""},
		{"GET", "/s/schule-b/assignments/{b-task}", ""},
		{"POST", "/s/schule-b/assignments/{b-task}/delete", ""},
		{"GET", "/s/schule-a/assignments/{b-task}", ""},
		{"GET", "/s/schule-b/users", ""},
		{"GET", "/s/schule-b/users/{b-student}", ""},
		{"POST", "/s/schule-b/users/{b-student}/reset-password", ""},
		{"GET", "/s/schule-b/groups/{b-5a}", ""},
		{"GET", "/s/schule-b/import", ""},
		{"POST", "/s/schule-b/letters", "user={b-student}"},
		{"GET", "/s/schule-b/settings", ""},
		{"GET", "/s/schule-b/audit", ""},
		{"GET", "/s/schule-a/users/{b-student}", ""},
		{"POST", "/s/schule-a/users/{b-student}", "first_name=x"},
		{"GET", "/s/schule-a/groups/{b-5a}", ""},
	} {
		if !seen[rq.method+" "+rq.path] || rq.body != "" {
			requests = append(requests, rq)
		}
	}
	snapshot := func() string {
		rec := f.do("operator", "GET", "/api/v1/schools/schule-b/users?limit=1000", "")
		g := f.do("operator", "GET", "/api/v1/schools/schule-b/groups", "")
		m := f.do("operator", "GET", f.expand("/api/v1/schools/schule-b/groups/{b-5a}/members"), "")
		files := f.do("operator", "GET", f.expand("/api/v1/schools/schule-b/spaces/group/{b-5a}/nodes?parent={b-material}"), "")
		trash := f.do("operator", "GET", f.expand("/api/v1/schools/schule-b/spaces/group/{b-5a}/trash"), "")
		if files.Code != 200 || trash.Code != 200 {
			t.Fatalf("snapshot: %d %d", files.Code, trash.Code)
		}
		subs := f.do("operator", "GET", f.expand("/api/v1/schools/schule-b/assignments/{b-task}/submissions"), "")
		if subs.Code != 200 {
			t.Fatalf("snapshot: %d", subs.Code)
		}
		return rec.Body.String() + g.Body.String() + m.Body.String() + files.Body.String() + trash.Body.String() + subs.Body.String()
	}
	before := snapshot()
	for _, actor := range []string{"a-admin", "a-teacher", "a-student", "a-parent"} {
		for _, rq := range requests {
			headers := []string{}
			if strings.HasPrefix(rq.path, "/s/") && rq.method == "POST" {
				headers = []string{"Content-Type", "application/x-www-form-urlencoded"}
			}
			rec := f.do(actor, rq.method, f.expand(rq.path), f.expand(rq.body), headers...)
			if rec.Code < 400 {
				t.Errorf("%s %s as %s: %d\n%s", rq.method, rq.path, actor, rec.Code, rec.Body)
				continue
			}
			if strings.Contains(rq.path, "/schule-b") {
				if rec.Code != 404 {
					t.Errorf("%s %s as %s: %d, want 404", rq.method, rq.path, actor, rec.Code)
				}
				continue
			}
			// through the own school's path, B's ids must look exactly like
			// ids that do not exist
			ghost := f.do(actor, rq.method, f.expand(ghostIDs(rq.path)), f.expand(ghostIDs(rq.body)), headers...)
			if ghost.Code != rec.Code {
				t.Errorf("%s %s as %s: %d, but %d for an unknown id: B's ids can be told apart", rq.method, rq.path, actor, rec.Code, ghost.Code)
			}
		}
	}
	if after := snapshot(); after != before {
		t.Fatal("requests of school A changed school B's data")
	}
}

// ghostIDs replaces school B's fixture ids by ids that exist nowhere.
func ghostIDs(s string) string {
	return regexp.MustCompile(`\{b-[a-z0-9-]+\}`).ReplaceAllString(s, "987654")
}

// TestStudentPrivacy: a student sees classmates' names but never private
// data, and nothing of other classes.
func TestStudentPrivacy(t *testing.T) {
	f := newFixture(t, nil)
	must(t, f.db.SetMember(ctx, f.school["a"].ID, f.group["a-5a"].ID, f.user["a-student2"].ID, schulhof.MemberRoleMember))
	rec := f.do("a-student", "GET", f.expand("/api/v1/schools/schule-a/groups/{a-5a}/members"), "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"login":"student2"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for _, private := range []string{"birth_date", "email", "external_id"} {
		if n := strings.Count(rec.Body.String(), `"`+private+`"`); n != 1 { // their own only
			t.Errorf("student sees %d %s: %s", n, private, rec.Body)
		}
	}
	rec = f.do("a-teacher", "GET", "/api/v1/schools/schule-a/users", "")
	if strings.Count(rec.Body.String(), "birth_date") != 1 {
		t.Errorf("teacher sees private data in the directory: %s", rec.Body)
	}
	// the parent sees their child's private data, not the classmates'
	rec = f.do("a-parent", "GET", f.expand("/api/v1/schools/schule-a/groups/{a-5a}/members"), "")
	if strings.Count(rec.Body.String(), "birth_date") != 1 {
		t.Errorf("parent should see exactly their child's birth date: %s", rec.Body)
	}
}
