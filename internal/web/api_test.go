package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// scenario is one request and the status it must get. Paths and bodies
// may name fixture users and groups in braces: {a-student}, {a-5a}.
type scenario struct {
	name   string
	actor  string
	method string
	path   string
	body   string
	want   int
	// contains is a string the body must hold, for the happy paths.
	contains string
}

// icsHolidays is a state's holiday calendar of one event.
const icsHolidays = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261017\r\nDTEND;VALUE=DATE:20261101\r\nSUMMARY:Herbstferien\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// gpu001 is a small Untis timetable of the fixture's classes.
const gpu001 = "1;\"5a\";\"SCH\";\"D\";\"R100\";1;1;;\r\n2;\"5b\";\"SCH\";\"M\";\"R101\";2;3;;\r\n"

// Every API route with its happy path, no login, a wrong role, another
// school, and bad input. The store runs on SQLite always and PostgreSQL
// when configured.
var apiScenarios = []scenario{
	{"login", "", "POST", "/api/v1/auth/login", `{"school":"schule-a","login":"student","password":"` + testPassword + `"}`, 200, `"token":"`},
	{"login wrong password", "", "POST", "/api/v1/auth/login", `{"school":"schule-a","login":"student","password":"falsch"}`, 401, `"code":"unauthorized"`},
	{"login other school", "", "POST", "/api/v1/auth/login", `{"school":"schule-b","login":"nobody","password":"` + testPassword + `"}`, 401, ""},
	{"login bad input", "", "POST", "/api/v1/auth/login", `{"school":"schule-a","login":"","password":""}`, 422, ""},
	{"change password", "a-student", "POST", "/api/v1/me/password", `{"current":"` + testPassword + `","new":"ein-neues-passwort"}`, 204, ""},
	{"change password anonymous", "", "POST", "/api/v1/me/password", `{"current":"x","new":"ein-neues-passwort"}`, 401, ""},
	{"change password wrong current", "a-student", "POST", "/api/v1/me/password", `{"current":"falsch","new":"ein-neues-passwort"}`, 422, ""},
	{"change password short", "a-student", "POST", "/api/v1/me/password", `{"current":"` + testPassword + `","new":"kurz"}`, 422, ""},
	{"me", "a-student", "GET", "/api/v1/me", "", 200, `"login":"student"`},
	{"me anonymous", "", "GET", "/api/v1/me", "", 401, `"code":"unauthorized"`},

	{"app passwords", "a-teacher", "GET", "/api/v1/me/app-passwords", "", 200, `"items":[]`},
	{"app passwords anonymous", "", "GET", "/api/v1/me/app-passwords", "", 401, ""},
	{"create app password", "a-student", "POST", "/api/v1/me/app-passwords", `{"name":"iPad"}`, 201, `"password":"`},
	{"create app password no name", "a-student", "POST", "/api/v1/me/app-passwords", `{"name":" "}`, 422, ""},
	{"delete app password unknown", "a-student", "DELETE", "/api/v1/me/app-passwords/987654", "", 404, ""},
	{"my timetable", "a-student", "GET", "/api/v1/me/timetable?week=2026-W49", "", 200, `"week":"2026-W49","monday":"2026-11-30","lessons":[{"date":"2026-12-02","period":1,"start":"07:55","end":"08:40","subject":"Mathe 5a a","room":"R100","group":"","status":"exam"`},
	{"my timetable this week", "a-teacher", "GET", "/api/v1/me/timetable", "", 200, `"week":"2026-W49"`},
	{"my timetable bad week", "a-student", "GET", "/api/v1/me/timetable?week=2026-W60", "", 400, ""},
	{"my timetable anonymous", "", "GET", "/api/v1/me/timetable", "", 401, ""},
	{"my timetable operator", "operator", "GET", "/api/v1/me/timetable", "", 404, ""},
	{"my timetable parent", "a-parent", "GET", "/api/v1/me/timetable?child={a-student}", "", 200, `"status":"exam","note":"Mathe 5a a"`},
	{"my timetable parent other child", "a-parent", "GET", "/api/v1/me/timetable?child={a-student2}", "", 404, ""},
	{"calendar feed url", "a-student", "GET", "/api/v1/me/calendar-feed", "", 200, `.ics"}`},
	{"calendar feed new url", "a-teacher", "POST", "/api/v1/me/calendar-feed", "", 200, `"url":"`},
	{"calendar feed operator", "operator", "GET", "/api/v1/me/calendar-feed", "", 404, ""},
	{"calendar feed anonymous", "", "GET", "/api/v1/me/calendar-feed", "", 401, ""},
	{"set group untis code", "a-admin", "PATCH", "/api/v1/schools/schule-a/groups/{a-5a}", `{"untis_code":"05A"}`, 200, `"untis_code":"05A"`},
	{"get operator", "a-student", "GET", "/api/v1/operator", "", 200, `"name":""`},
	{"get operator anonymous", "", "GET", "/api/v1/operator", "", 401, ""},
	{"update operator", "operator", "PATCH", "/api/v1/operator", `{"name":"Stadt Musterstadt, Amt für Schulen","contact":"datenschutz@musterstadt.example"}`, 200, `"Stadt Musterstadt`},
	{"update operator admin", "a-admin", "PATCH", "/api/v1/operator", `{"name":"x"}`, 403, ""},
	{"update operator bad", "operator", "PATCH", "/api/v1/operator", `{"name":"` + strings.Repeat("x", 201) + `"}`, 422, ""},
	{"schools operator", "operator", "GET", "/api/v1/schools", "", 200, `"schule-b"`},
	{"schools teacher sees own", "a-teacher", "GET", "/api/v1/schools", "", 200, `"schule-a"`},
	{"schools anonymous", "", "GET", "/api/v1/schools", "", 401, ""},
	{"create school", "operator", "POST", "/api/v1/schools", `{"slug":"gs-sued","name":"Grundschule Süd","state":"BY"}`, 201, `"gs-sued"`},
	{"create school admin", "a-admin", "POST", "/api/v1/schools", `{"slug":"x","name":"X","state":"NW"}`, 403, ""},
	{"create school bad", "operator", "POST", "/api/v1/schools", `{"slug":"Bad Slug","name":"","state":"ZZ"}`, 422, `"fields"`},
	{"create school taken", "operator", "POST", "/api/v1/schools", `{"slug":"schule-a","name":"X","state":"NW"}`, 409, ""},
	{"create school bad json", "operator", "POST", "/api/v1/schools", `{"slug":`, 400, `"code":"bad_request"`},
	{"create school unknown field", "operator", "POST", "/api/v1/schools", `{"slug":"q","name":"Q","state":"NW","hack":1}`, 400, ""},
	{"get school", "a-student", "GET", "/api/v1/schools/schule-a", "", 200, `"Schule A"`},
	{"get school other", "a-admin", "GET", "/api/v1/schools/schule-b", "", 404, ""},
	{"get school unknown", "operator", "GET", "/api/v1/schools/nope", "", 404, ""},
	{"update school", "a-admin", "PATCH", "/api/v1/schools/schule-a", `{"require_two_factor_for_staff":false,"name":"Schule A neu"}`, 200, `"Schule A neu"`},
	{"update school teacher", "a-teacher", "PATCH", "/api/v1/schools/schule-a", `{"name":"x"}`, 403, ""},
	{"update school other", "b-admin", "PATCH", "/api/v1/schools/schule-a", `{"name":"x"}`, 404, ""},
	{"update school bad", "a-admin", "PATCH", "/api/v1/schools/schule-a", `{"state":"XX"}`, 422, ""},

	{"list users admin", "a-admin", "GET", "/api/v1/schools/schule-a/users", "", 200, `"birth_date":"2014-03-01"`},
	{"list users teacher", "a-teacher", "GET", "/api/v1/schools/schule-a/users?role=student", "", 200, `"login":"student2"`},
	{"list users student", "a-student", "GET", "/api/v1/schools/schule-a/users", "", 403, ""},
	{"list users parent", "a-parent", "GET", "/api/v1/schools/schule-a/users", "", 403, ""},
	{"list users other school", "b-admin", "GET", "/api/v1/schools/schule-a/users", "", 404, ""},
	{"list users anonymous", "", "GET", "/api/v1/schools/schule-a/users", "", 401, ""},
	{"list users bad role", "a-admin", "GET", "/api/v1/schools/schule-a/users?role=king", "", 400, ""},
	{"list users bad cursor", "a-admin", "GET", "/api/v1/schools/schule-a/users?cursor=%25%25", "", 400, ""},
	{"list users bad limit", "a-admin", "GET", "/api/v1/schools/schule-a/users?limit=0", "", 400, ""},
	{"list users in group", "a-teacher", "GET", "/api/v1/schools/schule-a/users?group={a-5b}", "", 200, `"login":"student2"`},
	{"create user", "a-admin", "POST", "/api/v1/schools/schule-a/users", `{"first_name":"Jürgen","last_name":"Müller","role":"student","class":"7c"}`, 201, `"login":"juergen.mueller"`},
	{"create user with password", "a-admin", "POST", "/api/v1/schools/schule-a/users", `{"login":"neu","first_name":"N","last_name":"U","role":"teacher","password":"lang-genug"}`, 201, `"must_change_password":true`},
	{"create user teacher", "a-teacher", "POST", "/api/v1/schools/schule-a/users", `{"first_name":"A","last_name":"B","role":"student"}`, 403, ""},
	{"create user other school", "b-admin", "POST", "/api/v1/schools/schule-a/users", `{"first_name":"A","last_name":"B","role":"student"}`, 404, ""},
	{"create user bad", "a-admin", "POST", "/api/v1/schools/schule-a/users", `{"first_name":"","last_name":"B","role":"operator"}`, 422, ""},
	{"create user short password", "a-admin", "POST", "/api/v1/schools/schule-a/users", `{"first_name":"A","last_name":"B","role":"student","password":"kurz"}`, 422, ""},
	{"create user taken", "a-admin", "POST", "/api/v1/schools/schule-a/users", `{"login":"student","first_name":"A","last_name":"B","role":"student"}`, 409, ""},
	{"get user admin", "a-admin", "GET", "/api/v1/schools/schule-a/users/{a-student}", "", 200, `"email":"student@example.org"`},
	{"get self", "a-student", "GET", "/api/v1/schools/schule-a/users/{a-student}", "", 200, `"birth_date"`},
	{"get own child", "a-parent", "GET", "/api/v1/schools/schule-a/users/{a-student}", "", 200, `"birth_date"`},
	{"get other child", "a-parent", "GET", "/api/v1/schools/schule-a/users/{a-student2}", "", 404, ""},
	{"get other class", "a-student", "GET", "/api/v1/schools/schule-a/users/{a-student2}", "", 404, ""},
	{"get classmate teacher", "a-student", "GET", "/api/v1/schools/schule-a/users/{a-teacher}", "", 200, `"login":"teacher"`},
	{"get user other school id", "a-admin", "GET", "/api/v1/schools/schule-a/users/{b-student}", "", 404, ""},
	{"get user via other school", "a-admin", "GET", "/api/v1/schools/schule-b/users/{b-student}", "", 404, ""},
	{"get user bad id", "a-admin", "GET", "/api/v1/schools/schule-a/users/abc", "", 404, ""},
	{"update user", "a-admin", "PATCH", "/api/v1/schools/schule-a/users/{a-student}", `{"last_name":"Neu","class":"5b"}`, 200, `"class":"5b"`},
	{"deactivate user", "a-admin", "PATCH", "/api/v1/schools/schule-a/users/{a-student2}", `{"active":false}`, 200, `"active":false`},
	{"deactivate self", "a-admin", "PATCH", "/api/v1/schools/schule-a/users/{a-admin}", `{"active":false}`, 409, ""},
	{"update user teacher", "a-teacher", "PATCH", "/api/v1/schools/schule-a/users/{a-student}", `{"last_name":"x"}`, 403, ""},
	{"update user other school", "a-admin", "PATCH", "/api/v1/schools/schule-a/users/{b-student}", `{"last_name":"x"}`, 404, ""},
	{"update user bad", "a-admin", "PATCH", "/api/v1/schools/schule-a/users/{a-student}", `{"email":"kein"}`, 422, ""},
	{"reset password", "a-admin", "POST", "/api/v1/schools/schule-a/users/{a-teacher}/reset-password", "", 200, `"password":"`},
	{"reset password teacher", "a-teacher", "POST", "/api/v1/schools/schule-a/users/{a-student}/reset-password", "", 403, ""},
	{"reset password other school", "a-admin", "POST", "/api/v1/schools/schule-a/users/{b-admin}/reset-password", "", 404, ""},
	{"reset two-factor", "a-admin", "POST", "/api/v1/schools/schule-a/users/{a-teacher}/reset-two-factor", "", 204, ""},
	{"reset two-factor teacher", "a-teacher", "POST", "/api/v1/schools/schule-a/users/{a-teacher}/reset-two-factor", "", 403, ""},
	{"reset two-factor other school", "a-admin", "POST", "/api/v1/schools/schule-a/users/{b-teacher}/reset-two-factor", "", 404, ""},
	{"reset two-factor anonymous", "", "POST", "/api/v1/schools/schule-a/users/{a-teacher}/reset-two-factor", "", 401, ""},
	{"link child", "a-admin", "PUT", "/api/v1/schools/schule-a/users/{a-parent}/children/{a-student2}", "", 204, ""},
	{"link child wrong roles", "a-admin", "PUT", "/api/v1/schools/schule-a/users/{a-student}/children/{a-student2}", "", 422, ""},
	{"link child other school", "a-admin", "PUT", "/api/v1/schools/schule-a/users/{a-parent}/children/{b-student}", "", 404, ""},
	{"link child parent", "a-parent", "PUT", "/api/v1/schools/schule-a/users/{a-parent}/children/{a-student2}", "", 403, ""},
	{"unlink child", "a-admin", "DELETE", "/api/v1/schools/schule-a/users/{a-parent}/children/{a-student}", "", 204, ""},
	{"unlink child missing", "a-admin", "DELETE", "/api/v1/schools/schule-a/users/{a-parent}/children/{a-teacher}", "", 404, ""},

	{"list groups staff", "a-teacher", "GET", "/api/v1/schools/schule-a/groups", "", 200, `"name":"5b"`},
	{"list groups student", "a-student", "GET", "/api/v1/schools/schule-a/groups", "", 200, `"name":"5a"`},
	{"list groups other school", "b-student", "GET", "/api/v1/schools/schule-a/groups", "", 404, ""},
	{"list groups anonymous", "", "GET", "/api/v1/schools/schule-a/groups", "", 401, ""},
	{"create group", "a-admin", "POST", "/api/v1/schools/schule-a/groups", `{"name":"Q1 M-LK1","kind":"course"}`, 201, `"kind":"course"`},
	{"create group teacher", "a-teacher", "POST", "/api/v1/schools/schule-a/groups", `{"name":"AG","kind":"custom"}`, 403, ""},
	{"create group bad", "a-admin", "POST", "/api/v1/schools/schule-a/groups", `{"name":"","kind":"club"}`, 422, ""},
	{"create group taken", "a-admin", "POST", "/api/v1/schools/schule-a/groups", `{"name":"5a","kind":"class"}`, 409, ""},
	{"create group other school", "b-admin", "POST", "/api/v1/schools/schule-a/groups", `{"name":"x","kind":"custom"}`, 404, ""},
	{"get group", "a-student", "GET", "/api/v1/schools/schule-a/groups/{a-5a}", "", 200, `"name":"5a"`},
	{"get group not mine", "a-student", "GET", "/api/v1/schools/schule-a/groups/{a-5b}", "", 404, ""},
	{"get group child's", "a-parent", "GET", "/api/v1/schools/schule-a/groups/{a-5a}", "", 200, ""},
	{"get group other school", "a-admin", "GET", "/api/v1/schools/schule-a/groups/{b-5a}", "", 404, ""},
	{"rename group", "a-admin", "PATCH", "/api/v1/schools/schule-a/groups/{a-5b}", `{"name":"5 B"}`, 200, `"5 B"`},
	{"rename group bad", "a-admin", "PATCH", "/api/v1/schools/schule-a/groups/{a-5b}", `{"name":""}`, 422, ""},
	{"rename group teacher", "a-teacher", "PATCH", "/api/v1/schools/schule-a/groups/{a-5b}", `{"name":"x"}`, 403, ""},
	{"delete group", "a-admin", "DELETE", "/api/v1/schools/schule-a/groups/{a-5b}", "", 204, ""},
	{"delete group other school", "a-admin", "DELETE", "/api/v1/schools/schule-a/groups/{b-5b}", "", 404, ""},
	{"delete group student", "a-student", "DELETE", "/api/v1/schools/schule-a/groups/{a-5a}", "", 403, ""},
	{"members", "a-student", "GET", "/api/v1/schools/schule-a/groups/{a-5a}/members", "", 200, `"login":"teacher"`},
	{"members other class", "a-student", "GET", "/api/v1/schools/schule-a/groups/{a-5b}/members", "", 404, ""},
	{"members other school", "b-teacher", "GET", "/api/v1/schools/schule-a/groups/{a-5a}/members", "", 404, ""},
	{"set member", "a-admin", "PUT", "/api/v1/schools/schule-a/groups/{a-5b}/members/{a-student}", `{"role":"member"}`, 204, ""},
	{"set member bad role", "a-admin", "PUT", "/api/v1/schools/schule-a/groups/{a-5b}/members/{a-student}", `{"role":"king"}`, 422, ""},
	{"set member other school user", "a-admin", "PUT", "/api/v1/schools/schule-a/groups/{a-5b}/members/{b-student}", `{}`, 404, ""},
	{"set member teacher", "a-teacher", "PUT", "/api/v1/schools/schule-a/groups/{a-5b}/members/{a-student}", `{}`, 403, ""},
	{"remove member", "a-admin", "DELETE", "/api/v1/schools/schule-a/groups/{a-5a}/members/{a-student}", "", 204, ""},
	{"remove member missing", "a-admin", "DELETE", "/api/v1/schools/schule-a/groups/{a-5b}/members/{a-student}", "", 404, ""},

	{"import dry run", "a-admin", "POST", "/api/v1/schools/schule-a/imports/users?dry_run=true", "ID;Nachname;Vorname;Klasse\n1;Neu;Nina;6a\n", 200, `"created":1`},
	{"import default is dry", "a-admin", "POST", "/api/v1/schools/schule-a/imports/users", "ID;Nachname;Vorname;Klasse\n1;Neu;Nina;6a\n", 200, `"dry_run":true`},
	{"import apply", "a-admin", "POST", "/api/v1/schools/schule-a/imports/users?dry_run=false&keep_missing=true", "ID;Nachname;Vorname;Klasse\n1;Neu;Nina;6a\n", 200, `"created":1`},
	{"import bad lines", "a-admin", "POST", "/api/v1/schools/schule-a/imports/users?dry_run=false", "ID;Nachname;Vorname\n;A;B\n2;C;\n", 422, `"line":2`},
	{"import mapped", "a-admin", "POST", "/api/v1/schools/schule-a/imports/users?map.last_name=Familie&map.external_id=Nr", "Nr;Familie;Vorname\n9;Xu;Li\n", 200, `"created":1`},
	{"import unknown column", "a-admin", "POST", "/api/v1/schools/schule-a/imports/users?map.last_name=Nope", "Nr;Familie;Vorname\n9;Xu;Li\n", 422, ""},
	{"import unmapped", "a-admin", "POST", "/api/v1/schools/schule-a/imports/users", "Nr;Familie;Vorname\n9;Xu;Li\n", 422, "ID"},
	{"import bad role", "a-admin", "POST", "/api/v1/schools/schule-a/imports/users?role=hausmeister", "ID;Nachname;Vorname\n1;A;B\n", 400, ""},
	{"import teachers", "a-admin", "POST", "/api/v1/schools/schule-a/imports/users?role=teacher", "ID;Nachname;Vorname\n1;A;B\n", 200, `"role":"teacher"`},
	{"import empty", "a-admin", "POST", "/api/v1/schools/schule-a/imports/users", "", 422, ""},
	{"import teacher", "a-teacher", "POST", "/api/v1/schools/schule-a/imports/users", "ID;Nachname;Vorname\n1;A;B\n", 403, ""},
	{"import other school", "b-admin", "POST", "/api/v1/schools/schule-a/imports/users", "ID;Nachname;Vorname\n1;A;B\n", 404, ""},
	{"letters", "a-admin", "POST", "/api/v1/schools/schule-a/letters", `{"user_ids":[{a-student}]}`, 200, "%PDF-"},
	{"letters none", "a-admin", "POST", "/api/v1/schools/schule-a/letters", `{"only_new":true}`, 422, ""},
	{"letters other school user", "a-admin", "POST", "/api/v1/schools/schule-a/letters", `{"user_ids":[{b-student}]}`, 404, ""},
	{"letters teacher", "a-teacher", "POST", "/api/v1/schools/schule-a/letters", `{"user_ids":[{a-student}]}`, 403, ""},
	// files
	{"list class folder", "a-student", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/nodes", "", 200, `"name":"Material"`},
	{"list class subfolder", "a-teacher", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/nodes?parent={a-material}", "", 200, `"can_write":true`},
	{"list class folder other class", "a-student2", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/nodes", "", 404, ""},
	{"list class folder parent", "a-parent", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/nodes", "", 404, ""},
	{"list class folder admin", "a-admin", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/nodes", "", 200, ""},
	{"list class folder other school", "b-admin", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/nodes", "", 404, ""},
	{"list class folder anonymous", "", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/nodes", "", 401, ""},
	{"list class folder bad parent", "a-student", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/nodes?parent=x", "", 400, ""},
	{"list own home", "a-student", "GET", "/api/v1/schools/schule-a/spaces/user/{a-student}/nodes", "", 200, `"name":"Notizen.txt"`},
	{"list another's home", "a-admin", "GET", "/api/v1/schools/schule-a/spaces/user/{a-student}/nodes", "", 404, ""},
	{"list unknown space kind", "a-student", "GET", "/api/v1/schools/schule-a/spaces/school/1/nodes", "", 404, ""},
	{"create folder teacher", "a-teacher", "POST", "/api/v1/schools/schule-a/spaces/group/{a-5a}/folders", `{"parent":{a-material},"name":"Übungen"}`, 201, `"name":"Übungen"`},
	{"create folder student", "a-student", "POST", "/api/v1/schools/schule-a/spaces/group/{a-5a}/folders", `{"name":"Meins"}`, 403, ""},
	{"create folder bad name", "a-teacher", "POST", "/api/v1/schools/schule-a/spaces/group/{a-5a}/folders", `{"name":"a/b"}`, 422, ""},
	{"create folder taken", "a-teacher", "POST", "/api/v1/schools/schule-a/spaces/group/{a-5a}/folders", `{"name":"material"}`, 409, ""},
	{"create folder other school", "b-teacher", "POST", "/api/v1/schools/schule-a/spaces/group/{a-5a}/folders", `{"name":"x"}`, 404, ""},
	{"upload teacher", "a-teacher", "PUT", "/api/v1/schools/schule-a/spaces/group/{a-5a}/files?parent={a-material}&name=Blatt%202.txt", "Zweites Blatt", 201, `"size":13`},
	{"upload over existing", "a-teacher", "PUT", "/api/v1/schools/schule-a/spaces/group/{a-5a}/files?parent={a-material}&name=blatt.txt", "neu", 201, `"version":2`},
	{"upload student to class", "a-student", "PUT", "/api/v1/schools/schule-a/spaces/group/{a-5a}/files?name=x.txt", "x", 403, ""},
	{"upload student home", "a-student", "PUT", "/api/v1/schools/schule-a/spaces/user/{a-student}/files?name=Hausaufgabe.txt", "fertig", 201, ""},
	{"upload bad name", "a-student", "PUT", "/api/v1/schools/schule-a/spaces/user/{a-student}/files?name=CON", "x", 422, ""},
	{"upload other school", "b-student", "PUT", "/api/v1/schools/schule-a/spaces/user/{a-student}/files?name=x.txt", "x", 404, ""},
	{"start upload", "a-student", "POST", "/api/v1/schools/schule-a/spaces/user/{a-student}/uploads", `{"name":"Referat.mp4","size":1000000}`, 201, `"offset":0`},
	{"start upload class folder student", "a-student", "POST", "/api/v1/schools/schule-a/spaces/group/{a-5a}/uploads", `{"name":"x.mp4","size":10}`, 403, ""},
	{"start upload over quota", "a-student", "POST", "/api/v1/schools/schule-a/spaces/user/{a-student}/uploads", `{"name":"Film.mp4","size":3000000000}`, 422, "Speicherplatz"},
	{"start upload bad name", "a-student", "POST", "/api/v1/schools/schule-a/spaces/user/{a-student}/uploads", `{"name":"a/b","size":10}`, 422, ""},
	{"start upload other school", "b-student", "POST", "/api/v1/schools/schule-a/spaces/user/{a-student}/uploads", `{"name":"x","size":10}`, 404, ""},
	{"get upload", "a-student", "GET", "/api/v1/schools/schule-a/uploads/{a-upload}", "", 200, `"offset":4`},
	{"get upload other user", "a-student2", "GET", "/api/v1/schools/schule-a/uploads/{a-upload}", "", 404, ""},
	{"get upload other school", "b-student", "GET", "/api/v1/schools/schule-b/uploads/{a-upload}", "", 404, ""},
	{"append upload without offset", "a-student", "PATCH", "/api/v1/schools/schule-a/uploads/{a-upload}", "4567", 400, ""},
	{"append upload other user", "a-teacher", "PATCH", "/api/v1/schools/schule-a/uploads/{a-upload}", "4567", 404, ""},
	{"delete upload", "a-student", "DELETE", "/api/v1/schools/schule-a/uploads/{a-upload}", "", 204, ""},
	{"delete upload other user", "a-parent", "DELETE", "/api/v1/schools/schule-a/uploads/{a-upload}", "", 404, ""},
	{"thumbnail of text", "a-student", "GET", "/api/v1/schools/schule-a/nodes/{a-sheet}/thumbnail", "", 404, ""},
	{"thumbnail other school", "b-student", "GET", "/api/v1/schools/schule-b/nodes/{a-sheet}/thumbnail", "", 404, ""},
	{"copy to own home", "a-teacher", "POST", "/api/v1/schools/schule-a/nodes/{a-material}/copy", `{"space":{"kind":"user","id":{a-teacher}},"parent":0}`, 201, `"name":"Material"`},
	{"copy material student", "a-student", "POST", "/api/v1/schools/schule-a/nodes/{a-sheet}/copy", `{"space":{"kind":"user","id":{a-student}},"name":"Mein Blatt.txt"}`, 201, `"name":"Mein Blatt.txt"`},
	{"copy into class folder student", "a-student", "POST", "/api/v1/schools/schule-a/nodes/{a-note}/copy", `{"space":{"kind":"group","id":{a-5a}}}`, 403, ""},
	{"copy into another's home", "a-teacher", "POST", "/api/v1/schools/schule-a/nodes/{a-sheet}/copy", `{"space":{"kind":"user","id":{a-student}}}`, 404, ""},
	{"copy into other school", "a-teacher", "POST", "/api/v1/schools/schule-a/nodes/{a-sheet}/copy", `{"space":{"kind":"group","id":{b-5a}}}`, 404, ""},
	{"copy name taken", "a-teacher", "POST", "/api/v1/schools/schule-a/nodes/{a-sheet}/copy", `{"space":{"kind":"group","id":{a-5a}},"parent":{a-material}}`, 409, ""},
	{"copy bad json", "a-teacher", "POST", "/api/v1/schools/schule-a/nodes/{a-sheet}/copy", `{"space":`, 400, ""},
	{"timetable import dry run", "a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports", multipartBody("files:GPU001.TXT", gpu001), 200, `"unmatched_teachers":["SCH"]`},
	{"timetable import", "a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=false", multipartBody("files:GPU001.TXT", gpu001), 200, `"applied":true`},
	{"timetable import bad line", "a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports?dry_run=false", multipartBody("files:GPU001.TXT", "1;\"5a\";\"SCH\";\"D\";\"R100\";9;1;;"), 200, `"line":1,"message":"Tag 9 gibt es nicht`},
	{"timetable import no files", "a-admin", "POST", "/api/v1/schools/schule-a/timetable/imports", multipartBody("note", "x"), 422, ""},
	{"timetable import teacher", "a-teacher", "POST", "/api/v1/schools/schule-a/timetable/imports", multipartBody("files:GPU001.TXT", gpu001), 403, ""},
	{"timetable import other school", "b-admin", "POST", "/api/v1/schools/schule-a/timetable/imports", multipartBody("files:GPU001.TXT", gpu001), 404, ""},
	{"lesson times", "a-student", "GET", "/api/v1/schools/schule-a/lesson-times", "", 200, `"start":"07:55"`},
	{"lesson times other school", "b-student", "GET", "/api/v1/schools/schule-a/lesson-times", "", 404, ""},
	{"set lesson times", "a-admin", "PUT", "/api/v1/schools/schule-a/lesson-times", `{"items":[{"weekday":0,"period":1,"start":"8:00","end":"08:45"},{"weekday":5,"period":1,"start":"07:30","end":"08:15"}]}`, 200, `"start":"08:00"`},
	{"set lesson times bad", "a-admin", "PUT", "/api/v1/schools/schule-a/lesson-times", `{"items":[{"weekday":0,"period":1,"start":"09:00","end":"08:45"}]}`, 422, ""},
	{"set lesson times teacher", "a-teacher", "PUT", "/api/v1/schools/schule-a/lesson-times", `{"items":[]}`, 403, ""},
	{"substitutions", "a-student", "GET", "/api/v1/schools/schule-a/substitutions?date=2026-11-30", "", 200, `"text":"Heute Wandertag der 7. Klassen a","items":[]`},
	{"substitutions today", "a-teacher", "GET", "/api/v1/schools/schule-a/substitutions?class=5a&teacher=MEI&room=R1", "", 200, `"date":"2026-11-30"`},
	{"substitutions teacher filter student", "a-student", "GET", "/api/v1/schools/schule-a/substitutions?teacher=MEI", "", 403, ""},
	{"substitutions bad date", "a-student", "GET", "/api/v1/schools/schule-a/substitutions?date=30.11.2026", "", 400, ""},
	{"substitutions other school", "b-student", "GET", "/api/v1/schools/schule-a/substitutions", "", 404, ""},
	{"holidays", "a-student", "GET", "/api/v1/schools/schule-a/holidays?year=2027", "", 200, `{"date":"2027-05-27","name":"Fronleichnam"}`},
	{"holidays bad year", "a-student", "GET", "/api/v1/schools/schule-a/holidays?year=zwei", "", 400, ""},
	{"set holidays", "a-admin", "PUT", "/api/v1/schools/schule-a/holidays", `{"school":[{"name":"Herbstferien","from":"2026-10-12","to":"2026-10-24"}]}`, 200, `"Herbstferien"`},
	{"set holidays bad", "a-admin", "PUT", "/api/v1/schools/schule-a/holidays", `{"school":[{"name":"x","from":"2026-10-12","to":"2026-10-01"}]}`, 422, ""},
	{"set holidays teacher", "a-teacher", "PUT", "/api/v1/schools/schule-a/holidays", `{"school":[]}`, 403, ""},
	{"holidays from calendar", "a-admin", "POST", "/api/v1/schools/schule-a/holidays/calendar", icsHolidays, 200, `{"name":"Herbstferien","from":"2026-10-17","to":"2026-10-31"}`},
	{"holidays from calendar bad", "a-admin", "POST", "/api/v1/schools/schule-a/holidays/calendar", "Herbstferien;17.10.2026", 422, "keine Kalenderdatei"},
	{"holidays of the state", "a-admin", "POST", "/api/v1/schools/schule-a/holidays/state", "", 200, `{"name":"Osterferien","from":"2027-03-22","to":"2027-04-03"}`},
	{"holidays of the state teacher", "a-teacher", "POST", "/api/v1/schools/schule-a/holidays/state", "", 403, ""},
	{"holidays from calendar teacher", "a-teacher", "POST", "/api/v1/schools/schule-a/holidays/calendar", icsHolidays, 403, ""},
	{"plan an exam", "a-teacher", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[{a-5a}],"date":"2026-12-07","from_period":1,"to_period":2,"type":"klassenarbeit","title":"Englisch 5a","rooms":["R101"]}`, 201, `"title":"Englisch 5a"`},
	{"plan an exam on a day with one", "a-teacher", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[{a-5a}],"date":"2026-12-02","from_period":3,"to_period":4,"type":"klassenarbeit","title":"Deutsch 5a"}`, 422, `"hard":true,"students":[4],"message":"Am 02.12. schreibt 1 Schüler der 5a bereits eine Klassenarbeit: SchuleA (Mathe 5a a)."`},
	{"plan an exam on a holiday", "a-teacher", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[{a-5a}],"date":"2026-12-25","from_period":1,"to_period":2,"type":"test","title":"Vokabeln"}`, 422, `"code":"exam_rules"`},
	{"plan an exam in a room taken", "a-admin", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[{a-5b}],"date":"2026-12-02","from_period":2,"to_period":3,"type":"klassenarbeit","title":"Bio 5b","rooms":["r100"]}`, 422, `"rule":"room_taken"`},
	{"plan an exam bad", "a-teacher", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[{a-5a}],"date":"2026-02-30","from_period":2,"to_period":1,"type":"quiz","title":""}`, 422, `"fields"`},
	{"plan an exam for another's group", "a-teacher", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[{a-5b}],"date":"2026-12-07","from_period":3,"to_period":4,"type":"test","title":"x"}`, 403, ""},
	{"plan an exam as a student", "a-student", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[{a-5a}],"date":"2026-12-07","from_period":3,"to_period":4,"type":"test","title":"x"}`, 403, ""},
	{"plan an exam other school", "b-teacher", "POST", "/api/v1/schools/schule-a/exams", `{"groups":[{a-5a}],"date":"2026-12-07","from_period":3,"to_period":4,"type":"test","title":"x"}`, 404, ""},
	{"exams", "a-teacher", "GET", "/api/v1/schools/schule-a/exams?from=2026-12-01&to=2026-12-31", "", 200, `"title":"Mathe 5a a"`},
	{"exams of a group", "a-teacher", "GET", "/api/v1/schools/schule-a/exams?group={a-5b}", "", 200, `"items":[]`},
	{"exams of a student", "a-student", "GET", "/api/v1/schools/schule-a/exams", "", 200, `"source":"schulhof"`},
	{"exams of another class", "a-student2", "GET", "/api/v1/schools/schule-a/exams", "", 200, `"items":[]`},
	{"exams of a child", "a-parent", "GET", "/api/v1/schools/schule-a/exams?student={a-student}", "", 200, `"title":"Mathe 5a a"`},
	{"exams of another child", "a-parent", "GET", "/api/v1/schools/schule-a/exams?student={a-student2}", "", 404, ""},
	{"exams bad date", "a-teacher", "GET", "/api/v1/schools/schule-a/exams?from=morgen", "", 400, ""},
	{"exams other school", "b-teacher", "GET", "/api/v1/schools/schule-a/exams", "", 404, ""},
	{"exam", "a-teacher", "GET", "/api/v1/schools/schule-a/exams/{a-exam}", "", 200, `"title":"Mathe 5a a"`},
	{"exam of another school", "a-teacher", "GET", "/api/v1/schools/schule-a/exams/{b-exam}", "", 404, ""},
	{"exam suggestions", "a-teacher", "GET", "/api/v1/schools/schule-a/exams/suggestions?groups={a-5a}&from=2026-12-01&to=2026-12-04&periods=2", "", 200, `"from_period":1,"to_period":2`},
	{"exam suggestions no group", "a-teacher", "GET", "/api/v1/schools/schule-a/exams/suggestions?from=2026-12-01", "", 422, ""},
	{"exam suggestions unknown group", "a-teacher", "GET", "/api/v1/schools/schule-a/exams/suggestions?groups={b-5a}", "", 404, ""},
	{"exam suggestions student", "a-student", "GET", "/api/v1/schools/schule-a/exams/suggestions?groups={a-5a}", "", 403, ""},
	{"move an exam", "a-teacher", "PATCH", "/api/v1/schools/schule-a/exams/{a-exam}", `{"groups":[{a-5a}],"date":"2026-12-03","from_period":1,"to_period":2,"type":"klassenarbeit","title":"Mathe 5a a"}`, 200, `"date":"2026-12-03"`},
	{"move an exam as a student", "a-student", "PATCH", "/api/v1/schools/schule-a/exams/{a-exam}", `{"groups":[{a-5a}],"date":"2026-12-03","from_period":1,"to_period":2,"type":"klassenarbeit","title":"x"}`, 404, ""},
	{"move another school's exam", "a-admin", "PATCH", "/api/v1/schools/schule-a/exams/{b-exam}", `{"groups":[{a-5a}],"date":"2026-12-03","from_period":1,"to_period":2,"type":"klassenarbeit","title":"x"}`, 404, ""},
	{"exam overview", "a-teacher", "GET", "/api/v1/schools/schule-a/exams/overview?week=2026-W49", "", 200, `"days":[[],[],["Mathe 5a a"],[],[]],"count":1,"over":false`},
	{"exam overview bad week", "a-teacher", "GET", "/api/v1/schools/schule-a/exams/overview?week=W99", "", 400, ""},
	{"exam overview student", "a-student", "GET", "/api/v1/schools/schule-a/exams/overview", "", 403, ""},
	{"exams csv", "a-teacher", "GET", "/api/v1/schools/schule-a/exams.csv?from=2026-12-01", "", 200, "Mathe 5a a"},
	{"exams csv bad date", "a-teacher", "GET", "/api/v1/schools/schule-a/exams.csv?from=heute", "", 400, ""},
	{"exams pdf", "a-parent", "GET", "/api/v1/schools/schule-a/exams.pdf", "", 200, "%PDF-"},
	{"exams pdf other school", "b-admin", "GET", "/api/v1/schools/schule-a/exams.pdf", "", 404, ""},
	{"exam settings", "a-teacher", "GET", "/api/v1/schools/schule-a/exam-settings", "", 200, `"sek1":{"max_per_day":1,"max_per_day_soft":false,"max_per_week":2`},
	{"exam settings student", "a-student", "GET", "/api/v1/schools/schule-a/exam-settings", "", 403, ""},
	{"set exam settings", "a-admin", "PUT", "/api/v1/schools/schule-a/exam-settings", `{"rules":null,"announce_days":14,"blocked_days":[{"date":"2027-01-27","reason":"Zeugniskonferenzen"}],"coordinators":[{a-teacher}]}`, 200, `"state_preset":true,"announce_days":14`},
	{"set exam settings rules", "a-admin", "PUT", "/api/v1/schools/schule-a/exam-settings", `{"rules":{"sek1":{"max_per_day":1,"max_per_week":3},"sek2":{"max_per_day":1,"max_per_week":4,"max_per_week_soft":true}},"announce_days":28}`, 200, `"state_preset":false`},
	{"set exam settings bad", "a-admin", "PUT", "/api/v1/schools/schule-a/exam-settings", `{"announce_days":-1,"blocked_days":[{"date":"bald","reason":""}]}`, 422, ""},
	{"set exam settings student coordinator", "a-admin", "PUT", "/api/v1/schools/schule-a/exam-settings", `{"announce_days":14,"coordinators":[{a-student}]}`, 404, ""},
	{"set exam settings teacher", "a-teacher", "PUT", "/api/v1/schools/schule-a/exam-settings", `{"announce_days":14}`, 403, ""},
	{"delete an exam as another teacher", "b-teacher", "DELETE", "/api/v1/schools/schule-a/exams/{a-exam}", "", 404, ""},
	{"delete an exam", "a-teacher", "DELETE", "/api/v1/schools/schule-a/exams/{a-exam}", "", 204, ""},
	{"week model none", "a-student", "GET", "/api/v1/schools/schule-a/week-model", "", 200, `{"weeks":0,"skip_holidays":false,"groups":[]}`},
	{"week model other school", "b-student", "GET", "/api/v1/schools/schule-a/week-model", "", 404, ""},
	{"set week model", "a-admin", "PUT", "/api/v1/schools/schule-a/week-model", `{"weeks":2,"start":"09.09.2026","skip_holidays":true,"groups":[["A"," UW "],["B","GW"]]}`, 200, `{"weeks":2,"start":"2026-09-07","skip_holidays":true,"groups":[["A","UW"],["B","GW"]]}`},
	{"set week model defaults", "a-admin", "PUT", "/api/v1/schools/schule-a/week-model", `{"weeks":2,"start":"2026-09-07"}`, 200, `"groups":[["A","AW","A-Woche"],["B","BW","B-Woche"]]`},
	{"set week model twice", "a-admin", "PUT", "/api/v1/schools/schule-a/week-model", `{"weeks":2,"start":"2026-09-07","groups":[["A"],["a"]]}`, 422, "zwei Wochen"},
	{"set week model bad weeks", "a-admin", "PUT", "/api/v1/schools/schule-a/week-model", `{"weeks":7,"start":"2026-09-07"}`, 422, ""},
	{"set week model no start", "a-admin", "PUT", "/api/v1/schools/schule-a/week-model", `{"weeks":2}`, 422, "A-Woche"},
	{"set week model off", "a-admin", "PUT", "/api/v1/schools/schule-a/week-model", `{"weeks":0}`, 200, `"weeks":0`},
	{"set week model teacher", "a-teacher", "PUT", "/api/v1/schools/schule-a/week-model", `{"weeks":0}`, 403, ""},
	{"class timetable", "a-student", "GET", "/api/v1/schools/schule-a/timetable?class=5a&week=2026-W49", "", 200, `"lessons":[]`},
	{"teacher timetable student", "a-student", "GET", "/api/v1/schools/schule-a/timetable?teacher=MEI", "", 403, ""},
	{"teacher timetable", "a-teacher", "GET", "/api/v1/schools/schule-a/timetable?teacher=MEI", "", 200, `"week":"2026-W49"`},
	{"room timetable", "a-teacher", "GET", "/api/v1/schools/schule-a/timetable?room=R100", "", 200, `"holidays":[]`},
	{"room timetable parent", "a-parent", "GET", "/api/v1/schools/schule-a/timetable?room=R100", "", 403, ""},
	{"timetable two filters", "a-teacher", "GET", "/api/v1/schools/schule-a/timetable?class=5a&room=R100", "", 400, ""},
	{"timetable other school", "b-teacher", "GET", "/api/v1/schools/schule-a/timetable?class=5a", "", 404, ""},
	{"get node", "a-student", "GET", "/api/v1/schools/schule-a/nodes/{a-sheet}", "", 200, `"name":"Blatt.txt"`},
	{"get node other class", "a-student2", "GET", "/api/v1/schools/schule-a/nodes/{a-sheet}", "", 404, ""},
	{"get node other school", "a-admin", "GET", "/api/v1/schools/schule-a/nodes/{b-sheet}", "", 404, ""},
	{"download", "a-student", "GET", "/api/v1/schools/schule-a/nodes/{a-sheet}/content", "", 200, "Hallo Klasse a"},
	{"download folder", "a-student", "GET", "/api/v1/schools/schule-a/nodes/{a-material}/content", "", 404, ""},
	{"download another's note", "a-student2", "GET", "/api/v1/schools/schule-a/nodes/{a-note}/content", "", 404, ""},
	{"download other school", "b-student", "GET", "/api/v1/schools/schule-b/nodes/{a-sheet}/content", "", 404, ""},
	{"zip folder", "a-student", "GET", "/api/v1/schools/schule-a/nodes/{a-material}/zip", "", 200, "Blatt.txt"},
	{"zip file", "a-student", "GET", "/api/v1/schools/schule-a/nodes/{a-sheet}/zip", "", 404, ""},
	{"zip folder other class", "a-student2", "GET", "/api/v1/schools/schule-a/nodes/{a-material}/zip", "", 404, ""},
	{"zip space", "a-teacher", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/zip", "", 200, "Material/Blatt.txt"},
	{"zip space other school", "b-teacher", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/zip", "", 404, ""},
	{"zip space anonymous", "", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/zip", "", 401, ""},
	{"versions", "a-teacher", "GET", "/api/v1/schools/schule-a/nodes/{a-sheet}/versions", "", 200, `"items"`},
	{"students may upload", "a-teacher", "PATCH", "/api/v1/schools/schule-a/nodes/{a-material}", `{"students_upload":true}`, 200, `"students_upload":true`},
	{"students may upload student", "a-student", "PATCH", "/api/v1/schools/schule-a/nodes/{a-material}", `{"students_upload":true}`, 403, ""},
	{"students may upload file", "a-teacher", "PATCH", "/api/v1/schools/schule-a/nodes/{a-sheet}", `{"students_upload":true}`, 422, ""},
	{"restore version missing", "a-teacher", "POST", "/api/v1/schools/schule-a/nodes/{a-sheet}/versions/7/restore", "", 404, ""},
	{"restore version student", "a-student", "POST", "/api/v1/schools/schule-a/nodes/{a-sheet}/versions/1/restore", "", 403, ""},
	{"restore version other school", "b-teacher", "POST", "/api/v1/schools/schule-a/nodes/{a-sheet}/versions/1/restore", "", 404, ""},
	{"rename", "a-teacher", "PATCH", "/api/v1/schools/schule-a/nodes/{a-sheet}", `{"name":"Arbeitsblatt.txt"}`, 200, `"name":"Arbeitsblatt.txt"`},
	{"move to top", "a-teacher", "PATCH", "/api/v1/schools/schule-a/nodes/{a-sheet}", `{"parent":0}`, 200, `"name":"Blatt.txt"`},
	{"move into itself", "a-teacher", "PATCH", "/api/v1/schools/schule-a/nodes/{a-material}", `{"parent":{a-material}}`, 409, ""},
	{"rename bad", "a-teacher", "PATCH", "/api/v1/schools/schule-a/nodes/{a-sheet}", `{"name":"a:b"}`, 422, ""},
	{"rename student", "a-student", "PATCH", "/api/v1/schools/schule-a/nodes/{a-sheet}", `{"name":"x.txt"}`, 403, ""},
	{"rename own note", "a-student", "PATCH", "/api/v1/schools/schule-a/nodes/{a-note}", `{"name":"Ideen.txt"}`, 200, `"name":"Ideen.txt"`},
	{"rename other school", "b-admin", "PATCH", "/api/v1/schools/schule-a/nodes/{a-sheet}", `{"name":"x.txt"}`, 404, ""},
	{"rename trashed", "a-teacher", "PATCH", "/api/v1/schools/schule-a/nodes/{a-old}", `{"name":"x.txt"}`, 404, ""},
	{"trash teacher", "a-teacher", "DELETE", "/api/v1/schools/schule-a/nodes/{a-sheet}", "", 204, ""},
	{"trash student", "a-student", "DELETE", "/api/v1/schools/schule-a/nodes/{a-sheet}", "", 403, ""},
	{"trash own note", "a-student", "DELETE", "/api/v1/schools/schule-a/nodes/{a-note}", "", 204, ""},
	{"trash other school", "b-admin", "DELETE", "/api/v1/schools/schule-a/nodes/{a-sheet}", "", 404, ""},
	{"list trash", "a-teacher", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/trash", "", 200, `"name":"Alt.txt"`},
	{"list trash other class", "a-student2", "GET", "/api/v1/schools/schule-a/spaces/group/{a-5a}/trash", "", 404, ""},
	{"restore", "a-teacher", "POST", "/api/v1/schools/schule-a/nodes/{a-old}/restore", "", 200, `"name":"Alt.txt"`},
	{"restore student", "a-student", "POST", "/api/v1/schools/schule-a/nodes/{a-old}/restore", "", 403, ""},
	{"restore live node", "a-teacher", "POST", "/api/v1/schools/schule-a/nodes/{a-sheet}/restore", "", 404, ""},
	{"audit school", "a-admin", "GET", "/api/v1/schools/schule-a/audit", "", 200, `"action":"school.create"`},
	{"audit school other", "b-admin", "GET", "/api/v1/schools/schule-a/audit", "", 404, ""},
	{"audit teacher", "a-teacher", "GET", "/api/v1/audit", "", 403, ""},
	{"audit operator", "operator", "GET", "/api/v1/audit", "", 200, `"items"`},
	{"audit admin own", "a-admin", "GET", "/api/v1/audit", "", 200, `"items"`},
	// assignments
	{"assignments student", "a-student", "GET", "/api/v1/schools/schule-a/assignments", "", 200, `"status":"handed_in"`},
	{"assignments other class", "a-student2", "GET", "/api/v1/schools/schule-a/assignments", "", 200, `"items":[]`},
	{"assignments parent", "a-parent", "GET", "/api/v1/schools/schule-a/assignments", "", 200, `"children":[{"student":`},
	{"assignments teacher", "a-teacher", "GET", "/api/v1/schools/schule-a/assignments", "", 200, `"handed_in":1`},
	{"assignments other school", "b-admin", "GET", "/api/v1/schools/schule-a/assignments", "", 404, ""},
	{"assignments anonymous", "", "GET", "/api/v1/schools/schule-a/assignments", "", 401, ""},
	{"create assignment", "a-teacher", "POST", "/api/v1/schools/schule-a/assignments", `{"title":"Bruchrechnung","groups":[{a-5a}],"due_at":"2026-12-10T08:00:00+01:00","allow_late":true}`, 201, `"title":"Bruchrechnung"`},
	{"create assignment admin", "a-admin", "POST", "/api/v1/schools/schule-a/assignments", `{"title":"Projektwoche","groups":[{a-5a},{a-5b}],"due_at":"2026-12-10T08:00:00+01:00"}`, 201, `"can_manage":true`},
	{"create assignment not leader", "a-teacher", "POST", "/api/v1/schools/schule-a/assignments", `{"title":"x","groups":[{a-5b}],"due_at":"2026-12-10T08:00:00+01:00"}`, 403, ""},
	{"create assignment student", "a-student", "POST", "/api/v1/schools/schule-a/assignments", `{"title":"x","groups":[{a-5a}],"due_at":"2026-12-10T08:00:00+01:00"}`, 403, ""},
	{"create assignment other school group", "a-teacher", "POST", "/api/v1/schools/schule-a/assignments", `{"title":"x","groups":[{b-5a}],"due_at":"2026-12-10T08:00:00+01:00"}`, 422, ""},
	{"create assignment other school", "b-teacher", "POST", "/api/v1/schools/schule-a/assignments", `{"title":"x","groups":[{a-5a}],"due_at":"2026-12-10T08:00:00+01:00"}`, 404, ""},
	{"create assignment bad", "a-teacher", "POST", "/api/v1/schools/schule-a/assignments", `{"title":"","groups":[],"due_at":"2020-01-01T08:00:00Z"}`, 422, `"title":"Bitte gib`},
	{"get assignment student", "a-student", "GET", "/api/v1/schools/schule-a/assignments/{a-task}", "", 200, `"Aufgabenblatt.txt"`},
	{"get assignment other class", "a-student2", "GET", "/api/v1/schools/schule-a/assignments/{a-task}", "", 404, ""},
	{"get assignment other school", "b-student", "GET", "/api/v1/schools/schule-b/assignments/{a-task}", "", 404, ""},
	{"update assignment reviewed", "a-teacher", "PATCH", "/api/v1/schools/schule-a/assignments/{a-task}", `{"reviewed":true}`, 200, `"reviewed_at"`},
	{"update assignment student", "a-student", "PATCH", "/api/v1/schools/schule-a/assignments/{a-task}", `{"title":"x"}`, 403, ""},
	{"update assignment bad", "a-teacher", "PATCH", "/api/v1/schools/schule-a/assignments/{a-task}", `{"due_at":"2020-01-01T08:00:00Z"}`, 422, ""},
	{"update assignment other teacher group", "a-teacher", "PATCH", "/api/v1/schools/schule-a/assignments/{a-task}", `{"groups":[{a-5b}]}`, 403, ""},
	{"delete assignment", "a-teacher", "DELETE", "/api/v1/schools/schule-a/assignments/{a-task}", "", 204, ""},
	{"delete assignment student", "a-student", "DELETE", "/api/v1/schools/schule-a/assignments/{a-task}", "", 403, ""},
	{"delete assignment other school", "b-admin", "DELETE", "/api/v1/schools/schule-b/assignments/{a-task}", "", 404, ""},
	{"add attachment", "a-teacher", "POST", "/api/v1/schools/schule-a/assignments/{a-task}/attachments?name=Zusatz.txt", "mehr", 201, `"name":"Zusatz.txt"`},
	{"add attachment student", "a-student", "POST", "/api/v1/schools/schule-a/assignments/{a-task}/attachments?name=x.txt", "x", 403, ""},
	{"add attachment bad name", "a-teacher", "POST", "/api/v1/schools/schule-a/assignments/{a-task}/attachments?name=a%2Fb", "x", 422, ""},
	{"delete attachment", "a-teacher", "DELETE", "/api/v1/schools/schule-a/assignments/{a-task}/attachments/{a-task-sheet}", "", 204, ""},
	{"delete attachment student", "a-student", "DELETE", "/api/v1/schools/schule-a/assignments/{a-task}/attachments/{a-task-sheet}", "", 403, ""},
	{"delete hand-in as attachment", "a-teacher", "DELETE", "/api/v1/schools/schule-a/assignments/{a-task}/attachments/{a-handin-file}", "", 404, ""},
	{"attachment student", "a-student", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/files/{a-task-sheet}", "", 200, "Aufgabe a"},
	{"hand-in file student", "a-student", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/files/{a-handin-file}", "", 200, "Lösung a"},
	{"hand-in file parent", "a-parent", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/files/{a-handin-file}", "", 200, "Lösung a"},
	{"hand-in file teacher", "a-teacher", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/files/{a-handin-file}", "", 200, "Lösung a"},
	{"hand-in file other school", "b-teacher", "GET", "/api/v1/schools/schule-b/assignments/{a-task}/files/{a-handin-file}", "", 404, ""},
	{"hand-in file of other assignment", "b-teacher", "GET", "/api/v1/schools/schule-b/assignments/{b-task}/files/{a-handin-file}", "", 404, ""},
	{"submissions", "a-teacher", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/submissions", "", 200, "Meine Lösung a"},
	{"submissions student", "a-student", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/submissions", "", 403, ""},
	{"submissions parent", "a-parent", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/submissions", "", 403, ""},
	{"submissions zip", "a-teacher", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/submissions.zip", "", 200, "SchuleA, Student (student)/loesung.txt"},
	{"submissions zip student", "a-student", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/submissions.zip", "", 403, ""},
	{"submission own", "a-student", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}", "", 200, "Meine Lösung a"},
	{"submission child", "a-parent", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}", "", 200, "Meine Lösung a"},
	{"submission teacher", "a-teacher", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}", "", 200, `"status":"handed_in"`},
	{"submission not a student of it", "a-teacher", "GET", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student2}", "", 404, ""},
	{"hand in", "a-student", "PUT", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}", multipartBody("text", "Neue Fassung", "file:neu.txt", "neu"), 200, `"name":"neu.txt"`},
	{"hand in empty", "a-student", "PUT", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}", multipartBody("text", " "), 422, ""},
	{"hand in for another", "a-student", "PUT", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student2}", multipartBody("text", "x"), 403, ""},
	{"hand in teacher", "a-teacher", "PUT", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-teacher}", multipartBody("text", "x"), 403, ""},
	{"hand in other class", "a-student2", "PUT", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student2}", multipartBody("text", "x"), 404, ""},
	{"hand in not multipart", "a-student", "PUT", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}", `{"text":"x"}`, 400, ""},
	{"feedback", "a-teacher", "PUT", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}/feedback", `{"text":"Gut gemacht!"}`, 200, `"feedback":"Gut gemacht!"`},
	{"feedback student", "a-student", "PUT", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}/feedback", `{"text":"Super"}`, 403, ""},
	{"feedback not a student of it", "a-teacher", "PUT", "/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student2}/feedback", `{"text":"x"}`, 404, ""},
	{"logout", "a-student2", "POST", "/api/v1/auth/logout", "", 204, ""},
	{"unknown api route", "a-admin", "GET", "/api/v1/nothing", "", 404, `"code":"not_found"`},
	{"openapi", "", "GET", "/api/v1/openapi.json", "", 200, `"openapi"`},
}

func TestAPIScenarios(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		for _, sc := range apiScenarios {
			t.Run(sc.name, func(t *testing.T) {
				// a fresh fixture per scenario keeps them independent
				f := newFixture(t, freshLike(t, db))
				rec := f.do(sc.actor, sc.method, f.expand(sc.path), f.expand(sc.body))
				if rec.Code != sc.want {
					t.Fatalf("%s %s as %q: status %d, want %d\n%s", sc.method, sc.path, sc.actor, rec.Code, sc.want, rec.Body)
				}
				if sc.contains != "" && !strings.Contains(rec.Body.String(), sc.contains) {
					t.Fatalf("body lacks %s:\n%s", sc.contains, rec.Body)
				}
				if rec.Code >= 400 && isJSONRoute(sc.path) && !strings.Contains(rec.Body.String(), `"error":{"code":`) {
					t.Fatalf("error body not in the API's shape: %s", rec.Body)
				}
			})
		}
	})
}

func isJSONRoute(p string) bool { return strings.HasPrefix(p, "/api/") }

// freshLike opens a new empty store of the same kind as db.
func freshLike(t *testing.T, db *sqlstore.DB) *sqlstore.DB {
	if db.Dialect() == sqlstore.Postgres {
		return sqltest.MustOpenPostgres(t)
	}
	return sqltest.MustOpenSQLite(t)
}

func TestLoggedOutTokenIsDead(t *testing.T) {
	f := newFixture(t, nil)
	if rec := f.do("a-student", "POST", "/api/v1/auth/logout", ""); rec.Code != http.StatusNoContent {
		t.Fatal(rec.Code)
	}
	if rec := f.do("a-student", "GET", "/api/v1/me", ""); rec.Code != http.StatusUnauthorized {
		t.Fatalf("token still works after logout: %d", rec.Code)
	}
}

func TestDeactivatedUserIsLoggedOut(t *testing.T) {
	f := newFixture(t, nil)
	f.do("a-admin", "PATCH", f.expand("/api/v1/schools/schule-a/users/{a-student}"), `{"active":false}`)
	if rec := f.do("a-student", "GET", "/api/v1/me", ""); rec.Code != http.StatusUnauthorized {
		t.Fatalf("deactivated student still in: %d", rec.Code)
	}
	if rec := f.do("", "POST", "/api/v1/auth/login", `{"school":"schule-a","login":"student","password":"`+testPassword+`"}`); rec.Code != http.StatusUnauthorized {
		t.Fatalf("deactivated student can log in: %d", rec.Code)
	}
}
