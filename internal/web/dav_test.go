package web_test

import (
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// davDo sends a WebDAV request with Basic credentials.
func davDo(t *testing.T, f *fixture, user, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if user != "" {
		req.SetBasicAuth(user, testPassword)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

// davWithPassword lists the home folder with the given password (or app
// password) and returns the status.
func davWithPassword(f *fixture, login, pw string) int {
	req := httptest.NewRequest("PROPFIND", "/dav/home/", nil)
	req.Header.Set("Depth", "1")
	req.SetBasicAuth(login, pw)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec.Code
}

func TestWebDAVPermissions(t *testing.T) {
	f := newFixture(t, nil)
	if rec := davDo(t, f, "", "PROPFIND", "/dav/", "", "Depth", "1"); rec.Code != 401 || rec.Header().Get("WWW-Authenticate") == "" {
		t.Fatalf("anonymous: %d", rec.Code)
	}
	if rec := davDo(t, f, "student@schule-a", "PROPFIND", "/dav/", "", "Depth", "1", "Authorization", "Basic eDp5"); rec.Code != 401 {
		t.Fatalf("wrong password: %d", rec.Code)
	}
	rec := davDo(t, f, "student@schule-a", "PROPFIND", "/dav/groups/", "", "Depth", "1")
	if rec.Code != 207 || !strings.Contains(rec.Body.String(), "/dav/groups/5a/") || strings.Contains(rec.Body.String(), "/dav/groups/5b/") {
		t.Fatalf("groups: %d %s", rec.Code, rec.Body)
	}
	rec = davDo(t, f, "student@schule-a", "GET", "/dav/groups/5a/Material/Blatt.txt", "")
	if rec.Code != 200 || rec.Body.String() != "Hallo Klasse a" {
		t.Fatalf("read class file: %d %q", rec.Code, rec.Body)
	}
	if rec := davDo(t, f, "student@schule-a", "PUT", "/dav/groups/5a/Material/Spam.txt", "x"); rec.Code < 400 {
		t.Fatalf("a student wrote into the class folder: %d", rec.Code)
	}
	if rec := davDo(t, f, "student@schule-a", "DELETE", "/dav/groups/5a/Material/Blatt.txt", ""); rec.Code < 400 {
		t.Fatalf("a student deleted class material: %d", rec.Code)
	}
	if rec := davDo(t, f, "student@schule-a", "GET", "/dav/groups/5b/", ""); rec.Code != 404 {
		t.Fatalf("another class's folder: %d", rec.Code)
	}
	if rec := davDo(t, f, "teacher@schule-a", "PUT", "/dav/groups/5a/Material/Neu.txt", "neu"); rec.Code != 201 {
		t.Fatalf("teacher upload: %d %s", rec.Code, rec.Body)
	}
	if rec := davDo(t, f, "student@schule-a", "PUT", "/dav/home/Aufsatz.txt", "Mein Aufsatz"); rec.Code != 201 {
		t.Fatalf("own home: %d", rec.Code)
	}
	// deleting goes to the trash, where the web can restore it
	if rec := davDo(t, f, "student@schule-a", "DELETE", "/dav/home/Aufsatz.txt", ""); rec.Code != 204 {
		t.Fatalf("delete: %d", rec.Code)
	}
	trash := f.do("a-student", "GET", f.expand("/api/v1/schools/schule-a/spaces/user/{a-student}/trash"), "")
	if !strings.Contains(trash.Body.String(), "Aufsatz.txt") {
		t.Fatalf("deleted file not in the trash: %s", trash.Body)
	}
	// the other school's student sees only their own
	if rec := davDo(t, f, "student@schule-b", "GET", "/dav/home/Notizen.txt", ""); rec.Body.String() != "geheim b" {
		t.Fatalf("other school's home: %q", rec.Body)
	}
}

// TestLitmus runs the WebDAV conformance suite (Debian's litmus) against
// the server: all of basic, copymove, props, locks and http, on both
// databases (the locks are the store's).
func TestLitmus(t *testing.T) {
	bin, err := exec.LookPath("litmus")
	if err != nil {
		t.Skip("litmus not installed (apt-get install litmus); .ci/run installs it")
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) { litmus(t, bin, db) })
}

func litmus(t *testing.T, bin string, db *sqlstore.DB) {
	f := newFixture(t, db)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	cmd := exec.Command(bin, ts.URL+"/dav/home/", "teacher@schule-a", testPassword)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "TESTS=basic copymove props locks http")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "FAIL") {
		t.Fatalf("litmus: %v\n%s", err, out)
	}
	for _, suite := range []string{"basic", "copymove", "props", "locks", "http"} {
		if !strings.Contains(string(out), "summary for `"+suite+"'") {
			t.Fatalf("suite %s did not run:\n%s", suite, out)
		}
	}
	t.Logf("%s", out)
}

// TestWebDAVAppPassword: a teacher with two-factor on cannot use WebDAV
// with the password, but can with an app password from the profile page;
// a revoked one stops working, and it works for no one else.
func TestWebDAVAppPassword(t *testing.T) {
	f := newFixture(t, nil)
	must(t, f.db.SetTOTP(ctx, f.user["a-teacher"].ID, "JBSWY3DPEHPK3PXP", true))
	if rec := davDo(t, f, "teacher@schule-a", "PROPFIND", "/dav/home/", "", "Depth", "1"); rec.Code != 401 {
		t.Fatalf("two-factor user with password: %d", rec.Code)
	}
	rec := f.page("a-teacher", "POST", "/profile/app-passwords", "name=iPad&password="+testPassword)
	m := regexp.MustCompile(`data-testid="app-password">([a-z0-9-]+)<`).FindStringSubmatch(rec.Body.String())
	if rec.Code != 200 || m == nil {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	pw := m[1]
	if code := davWithPassword(f, "teacher@schule-a", pw); code != 207 {
		t.Fatalf("app password: %d", code)
	}
	if code := davWithPassword(f, "student@schule-a", pw); code != 401 {
		t.Fatalf("another user with the teacher's app password: %d", code)
	}
	if code := davWithPassword(f, "teacher@schule-b", pw); code != 401 {
		t.Fatalf("the same login at another school: %d", code)
	}
	var list struct {
		Items []struct {
			ID         int64
			Name       string
			LastUsedAt *string `json:"last_used_at"`
		}
	}
	decode(t, f.do("a-teacher", "GET", "/api/v1/me/app-passwords", ""), &list)
	if len(list.Items) != 1 || list.Items[0].Name != "iPad" || list.Items[0].LastUsedAt == nil {
		t.Fatalf("list: %+v", list.Items)
	}
	if rec := f.page("a-teacher", "POST", "/profile/app-passwords/"+itoa(list.Items[0].ID)+"/delete", ""); rec.Code != 303 {
		t.Fatalf("revoke: %d", rec.Code)
	}
	if code := davWithPassword(f, "teacher@schule-a", pw); code != 401 {
		t.Fatalf("revoked app password: %d", code)
	}
}

// TestWebDAVLocksPerFile: a lock locks the file, not the path a user sees:
// two users' /home/x.txt are different files, and a group's file is the
// same for everyone who writes there. Only the owner unlocks (and who may
// break locks there: TestWebDAVLockNeedsWrite).
//
// Two nodes on one database: the lock taken on one holds on the other.
func TestWebDAVLocksPerFile(t *testing.T) {
	sqltest.Each(t, testWebDAVLocksPerFile)
}

func testWebDAVLocksPerFile(t *testing.T, db *sqlstore.DB) {
	f := newFixture(t, db)
	node2 := *f
	node2.srv = newServer(t, db, f.blobs, nil)
	g := &node2
	lockBody := `<?xml version="1.0"?><lockinfo xmlns="DAV:"><lockscope><exclusive/></lockscope><locktype><write/></locktype><owner>Lehrer</owner></lockinfo>`
	rec := davDo(t, f, "teacher@schule-a", "LOCK", "/dav/groups/5a/Material/Blatt.txt", lockBody, "Timeout", "Second-600")
	token := strings.Trim(rec.Header().Get("Lock-Token"), "<>")
	if rec.Code != 200 || token == "" {
		t.Fatalf("lock: %d %s", rec.Code, rec.Body)
	}
	if rec := davDo(t, g, "admin@schule-a", "PUT", "/dav/groups/5a/Material/Blatt.txt", "überschrieben"); rec.Code != 423 {
		t.Fatalf("admin overwrites the teacher's locked file (on the other node): %d", rec.Code)
	}
	if rec := davDo(t, f, "admin@schule-a", "PUT", "/dav/groups/5a/Material/Blatt.txt", "x", "If", "(<"+token+">)"); rec.Code < 400 {
		t.Fatalf("admin uses the teacher's lock token: %d", rec.Code)
	}
	if rec := davDo(t, f, "student@schule-a", "UNLOCK", "/dav/groups/5a/Material/Blatt.txt", "", "Lock-Token", "<"+token+">"); rec.Code != 403 {
		t.Fatalf("a student unlocks the teacher's lock: %d", rec.Code)
	}
	if rec := davDo(t, g, "teacher@schule-a", "PUT", "/dav/groups/5a/Material/BLATT.TXT", "neu", "If", "(<"+token+">)"); rec.Code != 204 && rec.Code != 201 {
		t.Fatalf("owner writes with the token (other case): %d %s", rec.Code, rec.Body)
	}
	// the teacher's own home is locked; the student's home of the same path is not
	if rec := davDo(t, f, "teacher@schule-a", "LOCK", "/dav/home/Notizen.txt", lockBody); rec.Code != 201 {
		t.Fatalf("lock unmapped URL: %d", rec.Code)
	}
	if rec := davDo(t, f, "student@schule-a", "PUT", "/dav/home/Notizen.txt", "meins"); rec.Code != 204 && rec.Code != 201 {
		t.Fatalf("student's own Notizen.txt is blocked by the teacher's lock: %d", rec.Code)
	}
	if rec := davDo(t, g, "teacher@schule-a", "UNLOCK", "/dav/groups/5a/Material/Blatt.txt", "", "Lock-Token", "<"+token+">"); rec.Code != 204 {
		t.Fatalf("owner unlocks (on the other node): %d", rec.Code)
	}
	if rec := davDo(t, f, "admin@schule-a", "PUT", "/dav/groups/5a/Material/Blatt.txt", "jetzt"); rec.Code != 204 && rec.Code != 201 {
		t.Fatalf("after unlock: %d", rec.Code)
	}
}

// TestWebDAVQuota: WebDAV keeps the same storage limits as the web, the
// trash included.
func TestWebDAVQuota(t *testing.T) {
	f := newFixture(t, nil)
	f.quota(t, schulhof.SpaceUser, schulhof.RoleStudent, 30) // "geheim a" and the hand-in: 17 bytes used
	if rec := davDo(t, f, "student@schule-a", "PUT", "/dav/home/gross.txt", strings.Repeat("x", 14)); rec.Code != 507 {
		t.Fatalf("announced size over quota: %d", rec.Code)
	}
	// a body of unknown length is stopped where the space is full
	req := httptest.NewRequest("PUT", "/dav/home/strom.txt", io.MultiReader(strings.NewReader(strings.Repeat("y", 20))))
	req.ContentLength = -1
	req.SetBasicAuth("student@schule-a", testPassword)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code < 400 {
		t.Fatalf("stream over quota: %d", rec.Code)
	}
	if rec := davDo(t, f, "student@schule-a", "PUT", "/dav/home/klein.txt", strings.Repeat("z", 13)); rec.Code != 201 {
		t.Fatalf("fits exactly: %d %s", rec.Code, rec.Body)
	}
	if rec := davDo(t, f, "student@schule-a", "PUT", "/dav/home/voll.txt", "1"); rec.Code != 507 {
		t.Fatalf("full: %d", rec.Code)
	}
	if rec := davDo(t, f, "student@schule-a", "DELETE", "/dav/home/klein.txt", ""); rec.Code != 204 {
		t.Fatalf("delete: %d", rec.Code)
	}
	// deleted goes to the trash, which counts until it is emptied
	if rec := davDo(t, f, "student@schule-a", "PUT", "/dav/home/wieder.txt", "1"); rec.Code != 507 {
		t.Fatalf("after deleting, with the trash full: %d", rec.Code)
	}
	if rec := f.do("a-student", "POST", f.expand("/api/v1/schools/schule-a/spaces/user/{a-student}/trash/empty"), ""); rec.Code != 200 {
		t.Fatalf("empty the trash: %d %s", rec.Code, rec.Body)
	}
	if rec := davDo(t, f, "student@schule-a", "PUT", "/dav/home/wieder.txt", "1"); rec.Code != 201 {
		t.Fatalf("after emptying the trash: %d", rec.Code)
	}
}

// TestWebDAVPutCutOff: a PUT whose body ends before its Content-Length
// (a dropped connection) is answered 400 and leaves the file as it was; a
// chunked PUT past the quota is 507, not webdav's 405; the same short body
// on the files API is 400, not 500.
func TestWebDAVPutCutOff(t *testing.T) {
	f := newFixture(t, nil)
	put := func(path, body string, length int64) *httptest.ResponseRecorder {
		req := httptest.NewRequest("PUT", path, strings.NewReader(body))
		req.ContentLength = length
		if length < 0 {
			req.TransferEncoding = []string{"chunked"}
		}
		req.SetBasicAuth("student@schule-a", testPassword)
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		return rec
	}
	if rec := put("/dav/home/Notizen.txt", "nur ein Teil", 100); rec.Code != 400 || !strings.Contains(rec.Body.String(), "nicht vollständig") {
		t.Fatalf("short body: %d %s", rec.Code, rec.Body)
	}
	if rec := davDo(t, f, "student@schule-a", "GET", "/dav/home/Notizen.txt", ""); rec.Body.String() != "geheim a" {
		t.Fatalf("the short body replaced the file: %q", rec.Body)
	}
	if rec := put("/dav/home/Neu.txt", "nur ein Teil", 100); rec.Code != 400 {
		t.Fatalf("short body of a new file: %d", rec.Code)
	}
	if rec := davDo(t, f, "student@schule-a", "GET", "/dav/home/Neu.txt", ""); rec.Code != 404 {
		t.Fatalf("the short body made a file: %d %q", rec.Code, rec.Body)
	}
	f.quota(t, schulhof.SpaceUser, schulhof.RoleStudent, 100)
	if rec := put("/dav/home/Gross.txt", strings.Repeat("x", 200), -1); rec.Code != 507 {
		t.Fatalf("chunked PUT over the quota: %d %s", rec.Code, rec.Body)
	}
	if rec := put("/dav/home/Klein.txt", "passt", -1); rec.Code != 201 {
		t.Fatalf("chunked PUT within the quota: %d %s", rec.Code, rec.Body)
	}
	req := httptest.NewRequest("PUT", f.expand("/api/v1/schools/schule-a/spaces/user/{a-student}/files?name=Kurz.txt"), strings.NewReader("kurz"))
	req.ContentLength = 50
	req.Header.Set("Authorization", "Bearer "+f.token["a-student"])
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "nicht vollständig") {
		t.Fatalf("files API, short body: %d %s", rec.Code, rec.Body)
	}
}

// TestWebDAVLockNeedsWrite: a student who may only read the class folder
// cannot lock it (nor a new name in it: 403, not 500), so the teacher's
// writes go on; a lock of the teacher's can be broken by the school's
// admin, who may write there, and not by the student.
func TestWebDAVLockNeedsWrite(t *testing.T) {
	f := newFixture(t, nil)
	lockBody := `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>`
	for _, path := range []string{"/dav/groups/5a/", "/dav/groups/5a/Material/", "/dav/groups/5a/Material/Blatt.txt", "/dav/groups/5a/Material/Neu.txt", "/dav/groups/5a/Fehlt/Neu.txt"} {
		rec := davDo(t, f, "student@schule-a", "LOCK", path, lockBody, "Depth", "infinity", "Timeout", "Second-86400")
		if rec.Code != 403 && rec.Code != 409 {
			t.Fatalf("student LOCK %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	if rec := davDo(t, f, "teacher@schule-a", "PUT", "/dav/groups/5a/Material/Blatt.txt", "neu"); rec.Code != 204 && rec.Code != 201 {
		t.Fatalf("teacher's write after the student's LOCK: %d", rec.Code)
	}
	rec := davDo(t, f, "teacher@schule-a", "LOCK", "/dav/groups/5a/Material/Blatt.txt", lockBody, "Depth", "0")
	token := strings.Trim(rec.Header().Get("Lock-Token"), "<>")
	if rec.Code != 200 || token == "" {
		t.Fatalf("teacher LOCK: %d %s", rec.Code, rec.Body)
	}
	if rec := davDo(t, f, "student@schule-a", "UNLOCK", "/dav/groups/5a/Material/Blatt.txt", "", "Lock-Token", "<"+token+">"); rec.Code != 403 {
		t.Fatalf("student broke the teacher's lock: %d", rec.Code)
	}
	if rec := davDo(t, f, "admin@schule-a", "PUT", "/dav/groups/5a/Material/Blatt.txt", "admin"); rec.Code != 423 {
		t.Fatalf("write to a locked file: %d", rec.Code)
	}
	if rec := davDo(t, f, "admin@schule-a", "UNLOCK", "/dav/groups/5a/Material/Blatt.txt", "", "Lock-Token", "<"+token+">"); rec.Code != 204 {
		t.Fatalf("admin breaks the lock: %d %s", rec.Code, rec.Body)
	}
	if rec := davDo(t, f, "admin@schule-a", "PUT", "/dav/groups/5a/Material/Blatt.txt", "admin"); rec.Code != 204 && rec.Code != 201 {
		t.Fatalf("write after the lock was broken: %d", rec.Code)
	}
}

// TestWebDAVDeadPropertiesBounded: properties beside a file cannot grow
// without bound (507, and nothing of the refused patch is kept).
func TestWebDAVDeadPropertiesBounded(t *testing.T) {
	f := newFixture(t, nil)
	patch := func(name, value string) *httptest.ResponseRecorder {
		return davDo(t, f, "student@schule-a", "PROPPATCH", "/dav/home/Notizen.txt",
			`<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:x"><D:set><D:prop><Z:`+name+`>`+value+`</Z:`+name+`></D:prop></D:set></D:propertyupdate>`)
	}
	if rec := patch("farbe", "rot"); rec.Code != 207 || !strings.Contains(rec.Body.String(), "200 OK") {
		t.Fatalf("a small property: %d %s", rec.Code, rec.Body)
	}
	big := strings.Repeat("x", 40<<10)
	if rec := patch("a", big); rec.Code != 207 || !strings.Contains(rec.Body.String(), "200 OK") {
		t.Fatalf("40 KiB: %d %s", rec.Code, rec.Body)
	}
	if rec := patch("b", big); rec.Code != 207 || !strings.Contains(rec.Body.String(), "507") {
		t.Fatalf("80 KiB on one file: %d %.300s", rec.Code, rec.Body)
	}
	rec := davDo(t, f, "student@schule-a", "PROPFIND", "/dav/home/Notizen.txt",
		`<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`, "Depth", "0")
	if strings.Contains(rec.Body.String(), "<b xmlns") || !strings.Contains(rec.Body.String(), "rot") {
		t.Fatalf("after the refused patch: %.500s", rec.Body)
	}
}
