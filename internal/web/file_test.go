package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/web"
)

func TestDownloadRangeAndETag(t *testing.T) {
	f := newFixture(t, nil)
	path := f.expand("/api/v1/schools/schule-a/nodes/{a-sheet}/content")
	rec := f.do("a-student", "GET", path, "", "Range", "bytes=6-11")
	if rec.Code != 206 || rec.Body.String() != "Klasse" {
		t.Fatalf("range: %d %q", rec.Code, rec.Body)
	}
	full := f.do("a-student", "GET", path, "")
	etag := full.Header().Get("ETag")
	if etag == "" || !strings.Contains(full.Header().Get("Content-Disposition"), "attachment; filename=Blatt.txt") ||
		!strings.Contains(full.Header().Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("headers %v", full.Header())
	}
	if rec := f.do("a-student", "GET", path, "", "If-None-Match", etag); rec.Code != 304 {
		t.Fatalf("if-none-match: %d", rec.Code)
	}
	if rec := f.do("a-student", "GET", path+"?inline=1", ""); !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "inline") {
		t.Fatalf("plain text may be shown inline: %v", rec.Header())
	}
}

func TestStudentsUploadFolder(t *testing.T) {
	f := newFixture(t, nil)
	upload := f.expand("/api/v1/schools/schule-a/spaces/group/{a-5a}/files?parent={a-material}&name=Abgabe.txt")
	if rec := f.do("a-student", "PUT", upload, "meine Abgabe"); rec.Code != 403 {
		t.Fatalf("before: %d", rec.Code)
	}
	if rec := f.do("a-teacher", "PATCH", f.expand("/api/v1/schools/schule-a/nodes/{a-material}"), `{"students_upload":true}`); rec.Code != 200 {
		t.Fatal(rec.Code)
	}
	if rec := f.do("a-student", "PUT", upload, "meine Abgabe"); rec.Code != 201 {
		t.Fatalf("after: %d %s", rec.Code, rec.Body)
	}
	// not at the top of the class folder, only where it was allowed
	if rec := f.do("a-student", "PUT", f.expand("/api/v1/schools/schule-a/spaces/group/{a-5a}/files?name=x.txt"), "x"); rec.Code != 403 {
		t.Fatalf("top: %d", rec.Code)
	}
	// a member of another class still sees nothing
	if rec := f.do("a-student2", "PUT", upload, "x"); rec.Code != 404 {
		t.Fatalf("other class: %d", rec.Code)
	}
}

// A failed upload leaves no bytes behind: the blob is removed when the row
// cannot be written.
func TestFailedUploadLeavesNoBlob(t *testing.T) {
	f := newFixture(t, nil)
	count := func() int {
		n := 0
		f.blobs.Walk(ctx, func(blob.Key, time.Time) error { n++; return nil })
		return n
	}
	before := count()
	// "Material" is a folder: a file of that name cannot be written
	if rec := f.do("a-teacher", "PUT", f.expand("/api/v1/schools/schule-a/spaces/group/{a-5a}/files?name=Material"), "x"); rec.Code != 409 {
		t.Fatalf("%d", rec.Code)
	}
	if count() != before {
		t.Fatal("the refused upload's bytes stayed")
	}
}

// TestHousekeeping: trash older than the retention goes for good, and so do
// the bytes that no file names any more and the temporary file a crashed
// upload left (without waiting for the next start); what is named stays.
func TestHousekeeping(t *testing.T) {
	f := newFixture(t, nil)
	orphan, err := f.blobs.Put(ctx, strings.NewReader("crashed upload"), blob.PutOptions{ExpectedSize: -1})
	must(t, err)
	crashed := filepath.Join(f.blobDir, "tmp", "upload-crashed")
	running := filepath.Join(f.blobDir, "tmp", "upload-running")
	must(t, os.WriteFile(crashed, []byte("half"), 0o600))
	must(t, os.WriteFile(running, []byte("half"), 0o600))
	must(t, os.Chtimes(crashed, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour)))
	srv, err := web.New(web.Config{OrphanAge: time.Nanosecond}, f.db, f.blobs, password.NewHasher(password.Fast, 0, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	var many []blob.Key // the sweep asks for them together, not one query each
	for i := 0; i < 60; i++ {
		info, err := f.blobs.Put(ctx, strings.NewReader("crashed "+itoa(int64(i))), blob.PutOptions{ExpectedSize: -1})
		must(t, err)
		many = append(many, info.Key)
	}
	// a day later: the trash is kept
	f.db.Now = func() time.Time { return sqltest.Clock.Add(24 * time.Hour) }
	before := f.db.Reads()
	srv.Housekeeping(ctx)
	if n := f.db.Reads() - before; n > 30 {
		t.Errorf("housekeeping with %d blobs took %d queries", f.blobCount()+len(many), n)
	}
	for _, k := range many {
		if _, err := f.blobs.Open(ctx, k); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("orphan blob kept: %v", err)
		}
	}
	if _, err := f.db.FindNode(ctx, f.school["a"].ID, f.node["a-old"].ID); err != nil {
		t.Fatalf("trash purged after a day: %v", err)
	}
	if _, err := f.blobs.Open(ctx, orphan.Key); !schulhof.Match(err, schulhof.ENotFound) {
		t.Fatalf("orphan blob kept: %v", err)
	}
	if _, err := os.Stat(crashed); !os.IsNotExist(err) {
		t.Fatalf("a crashed upload's temporary file is still there: %v", err)
	}
	if _, err := os.Stat(running); err != nil {
		t.Fatalf("a running upload's temporary file was removed: %v", err)
	}
	// 31 days later: gone, with its bytes
	f.db.Now = func() time.Time { return sqltest.Clock.Add(31 * 24 * time.Hour) }
	srv.Housekeeping(ctx)
	if _, err := f.db.FindNode(ctx, f.school["a"].ID, f.node["a-old"].ID); !schulhof.Match(err, schulhof.ENotFound) {
		t.Fatalf("old trash kept: %v", err)
	}
	if _, err := f.blobs.Open(ctx, blob.Key(f.node["a-old"].BlobKey)); !schulhof.Match(err, schulhof.ENotFound) {
		t.Fatalf("purged file's bytes kept: %v", err)
	}
	r, err := f.blobs.Open(ctx, blob.Key(f.node["a-sheet"].BlobKey))
	if err != nil {
		t.Fatalf("a live file's bytes were removed: %v", err)
	}
	r.Close()
}

func TestQuota(t *testing.T) {
	f := newFixture(t, nil)
	srv, err := web.New(web.Config{Quotas: map[schulhof.SpaceKind]map[schulhof.Role]int64{
		schulhof.SpaceUser: {schulhof.RoleStudent: 39}}}, f.db, f.blobs, password.NewHasher(password.Fast, 0, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	f.srv = srv
	home := f.expand("/api/v1/schools/schule-a/spaces/user/{a-student}")
	// "geheim a" (8 bytes) and the hand-in "Lösung a" (9 bytes) are there; 39 allowed
	if rec := f.do("a-student", "PUT", home+"/files?name=gross.txt", strings.Repeat("x", 23)); rec.Code != 422 || !strings.Contains(rec.Body.String(), "Speicherplatz") {
		t.Fatalf("over quota: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "PUT", home+"/files?name=passt.txt", strings.Repeat("x", 22)); rec.Code != 201 {
		t.Fatalf("within quota: %d %s", rec.Code, rec.Body)
	}
	var l struct{ Usage, Quota int64 }
	decode(t, f.do("a-student", "GET", home+"/nodes", ""), &l)
	if l.Usage != 39 || l.Quota != 39 {
		t.Fatalf("listing says %+v", l)
	}
	// the trash counts: deleting, uploading and restoring cannot hold
	// more than the quota; emptying the trash makes room
	note := f.expand("/api/v1/schools/schule-a/nodes/{a-note}")
	if rec := f.do("a-student", "DELETE", note, ""); rec.Code != 204 {
		t.Fatal(rec.Code)
	}
	if rec := f.do("a-student", "PUT", home+"/files?name=noch.txt", "12345678"); rec.Code != 422 || !strings.Contains(rec.Body.String(), "Papierkorb") {
		t.Fatalf("after deleting, the trash still counts: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "POST", note+"/restore", ""); rec.Code != 200 {
		t.Fatalf("restore on a full quota (it takes no more room): %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "DELETE", note, ""); rec.Code != 204 {
		t.Fatal(rec.Code)
	}
	if rec := f.do("a-student", "POST", home+"/trash/empty", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"removed":1`) {
		t.Fatalf("empty the trash: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "PUT", home+"/files?name=noch.txt", "12345678"); rec.Code != 201 {
		t.Fatalf("after emptying the trash: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "POST", note+"/restore", ""); rec.Code != 404 {
		t.Fatalf("restoring from an emptied trash: %d", rec.Code)
	}
}

func TestZipOfAClassFolder(t *testing.T) {
	f := newFixture(t, nil)
	f.do("a-teacher", "POST", f.expand("/api/v1/schools/schule-a/spaces/group/{a-5a}/folders"), f.expand(`{"parent":{a-material},"name":"Übungen"}`))
	rec := f.do("a-student", "GET", f.expand("/api/v1/schools/schule-a/spaces/group/{a-5a}/zip"), "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/zip" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	zr, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, zf := range zr.File {
		r, _ := zf.Open()
		b, _ := io.ReadAll(r)
		got[zf.Name] = string(b)
	}
	if got["Material/Blatt.txt"] != "Hallo Klasse a" || len(got) != 3 {
		t.Fatalf("zip holds %v", got)
	}
	if _, ok := got["Material/Übungen/"]; !ok {
		t.Fatalf("empty folder missing: %v", got)
	}
	if _, ok := got["Alt.txt"]; ok {
		t.Fatal("the trash went into the zip")
	}
}

func TestRestoreVersion(t *testing.T) {
	f := newFixture(t, nil)
	put := f.expand("/api/v1/schools/schule-a/spaces/group/{a-5a}/files?parent={a-material}&name=Blatt.txt")
	if rec := f.do("a-teacher", "PUT", put, "verbessert"); rec.Code != 201 {
		t.Fatal(rec.Code)
	}
	rec := f.do("a-teacher", "POST", f.expand("/api/v1/schools/schule-a/nodes/{a-sheet}/versions/1/restore"), "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"version":3`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if got := f.do("a-student", "GET", f.expand("/api/v1/schools/schule-a/nodes/{a-sheet}/content"), "").Body.String(); got != "Hallo Klasse a" {
		t.Fatalf("content %q", got)
	}
	var vs struct{ Items []struct{ Version int } }
	decode(t, f.do("a-teacher", "GET", f.expand("/api/v1/schools/schule-a/nodes/{a-sheet}/versions"), ""), &vs)
	if len(vs.Items) != 2 || vs.Items[0].Version != 2 {
		t.Fatalf("the improved content must be kept as version 2: %+v", vs)
	}
}

// TestSchoolQuota: a school's own limit beats the installation's, per
// role; the settings page sets it in MB.
func TestSchoolQuota(t *testing.T) {
	f := newFixture(t, nil)
	if rec := f.do("a-admin", "PATCH", "/api/v1/schools/schule-a", `{"quotas":{"student":20}}`); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"student":20`) {
		t.Fatalf("set quota: %d %s", rec.Code, rec.Body)
	}
	home := f.expand("/api/v1/schools/schule-a/spaces/user/{a-student}")
	if rec := f.do("a-student", "PUT", home+"/files?name=x.txt", "12345"); rec.Code != 422 {
		t.Fatalf("over the school's quota: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("b-student", "PUT", f.expand("/api/v1/schools/schule-b/spaces/user/{b-student}/files?name=x.txt"), "12345"); rec.Code != 201 {
		t.Fatalf("the other school's student: %d", rec.Code)
	}
	if rec := f.do("a-teacher", "PUT", f.expand("/api/v1/schools/schule-a/spaces/user/{a-teacher}/files?name=x.txt"), "12345"); rec.Code != 201 {
		t.Fatalf("a teacher of the school: %d", rec.Code)
	}
	if rec := f.do("a-admin", "PATCH", "/api/v1/schools/schule-a", `{"quotas":{"hausmeister":20}}`); rec.Code != 422 {
		t.Fatalf("unknown key: %d", rec.Code)
	}
	if rec := f.page("a-admin", "POST", "/s/schule-a/settings", "name=Schule+A&state=NW&school_type=gymnasium&quota_student=&quota_group=500"); rec.Code != 303 {
		t.Fatalf("settings page: %d %s", rec.Code, rec.Body)
	}
	page := f.page("a-admin", "GET", "/s/schule-a/settings", "")
	if !strings.Contains(page.Body.String(), `name="quota_group" inputmode="numeric" value="500"`) || !strings.Contains(page.Body.String(), `name="quota_student" inputmode="numeric" value="" placeholder="2048"`) {
		t.Fatalf("settings page:\n%s", page.Body)
	}
	if rec := f.do("a-student", "PUT", home+"/files?name=x.txt", "12345"); rec.Code != 201 {
		t.Fatalf("back to the default: %d", rec.Code)
	}
	if rec := f.page("a-admin", "POST", "/s/schule-a/settings", "name=Schule+A&state=NW&school_type=gymnasium&quota_student=viel"); rec.Code != 422 || !strings.Contains(rec.Body.String(), "ganze Zahl") {
		t.Fatalf("bad number: %d", rec.Code)
	}
}

// refuseMarked is a stand-in virus scanner.
type refuseMarked struct{}

func (refuseMarked) Scan(_ context.Context, r io.Reader) error {
	b, _ := io.ReadAll(r)
	if bytes.Contains(b, []byte("EICAR")) {
		return schulhof.Errorf(schulhof.EInvalid, "upload.infected")
	}
	return nil
}

// TestVirusScanHook: with a scanner configured, a refused upload gets a
// clear message and leaves nothing, by every way in.
func TestVirusScanHook(t *testing.T) {
	f := newFixture(t, nil)
	srv, err := web.New(web.Config{}, f.db, blob.WithScanner(f.blobs, refuseMarked{}), password.NewHasher(password.Fast, 0, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	f.srv = srv
	before := f.blobCount()
	home := f.expand("/api/v1/schools/schule-a/spaces/user/{a-student}")
	if rec := f.do("a-student", "PUT", home+"/files?name=virus.txt", "EICAR"); rec.Code != 422 || !strings.Contains(rec.Body.String(), "Virenscanner") {
		t.Fatalf("API: %d %s", rec.Code, rec.Body)
	}
	if rec := davDo(t, f, "student@schule-a", "PUT", "/dav/home/virus.txt", "EICAR"); rec.Code < 400 {
		t.Fatalf("WebDAV: %d", rec.Code)
	}
	mine := f.expand("/api/v1/schools/schule-a/assignments/{a-task}/submissions/{a-student}")
	if rec := f.do("a-student", "PUT", mine, multipartBody("file:virus.txt", "EICAR")); rec.Code != 422 {
		t.Fatalf("hand-in: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "PUT", home+"/files?name=gut.txt", "sauber"); rec.Code != 201 {
		t.Fatalf("clean file: %d", rec.Code)
	}
	if n := f.blobCount(); n != before+1 {
		t.Fatalf("%d blobs, want %d: a refused upload left bytes", n, before+1)
	}
}

// TestHousekeepingOncePerCluster: two nodes on one database; the
// housekeeping runs on the one that holds the lease, the other skips its
// rounds until the holder has been silent longer than the lease.
func TestHousekeepingOncePerCluster(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		now := sqltest.Clock
		db.Now = func() time.Time { return now }
		dir := t.TempDir()
		a, b := newServer(t, db, blobsIn(t, dir), nil), newServer(t, db, blobsIn(t, dir), nil)
		if !a.HousekeepingRound(ctx) || b.HousekeepingRound(ctx) {
			t.Fatal("the first node runs it, the second does not")
		}
		now = now.Add(10 * time.Minute)
		if !a.HousekeepingRound(ctx) || b.HousekeepingRound(ctx) {
			t.Fatal("ten minutes later: the same")
		}
		now = now.Add(20 * time.Minute) // a stopped without a word
		if !b.HousekeepingRound(ctx) || a.HousekeepingRound(ctx) {
			t.Fatal("the second node takes over")
		}
	})
}
