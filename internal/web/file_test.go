package web_test

import (
	"time"

	"github.com/schulhof/schulhof/internal/blob"
	"strings"
	"testing"
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
	if etag == "" || !strings.Contains(full.Header().Get("Content-Disposition"), "attachment; filename*=UTF-8''Blatt.txt") ||
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
