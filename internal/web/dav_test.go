package web_test

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
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
// the server. The locks suite is left out: x/net/webdav's lock system has
// no shared locks (see the note on the files issue).
func TestLitmus(t *testing.T) {
	bin, err := exec.LookPath("litmus")
	if err != nil {
		t.Skip("litmus not installed (apt-get install litmus); .ci/run installs it")
	}
	f := newFixture(t, nil)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	cmd := exec.Command(bin, ts.URL+"/dav/home/", "teacher@schule-a", testPassword)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "TESTS=basic copymove props http")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "FAIL") {
		t.Fatalf("litmus: %v\n%s", err, out)
	}
	for _, suite := range []string{"basic", "copymove", "props", "http"} {
		if !strings.Contains(string(out), "summary for `"+suite+"'") {
			t.Fatalf("suite %s did not run:\n%s", suite, out)
		}
	}
	t.Logf("%s", out)
}
