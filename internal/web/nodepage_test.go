package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
)

// TestPhotoPreview: a photo in the class folder gets a thumbnail in the
// list and a preview on its page; the browser may keep the thumbnail.
func TestPhotoPreview(t *testing.T) {
	f := newFixture(t, nil)
	img := image.NewRGBA(image.Rect(0, 0, 800, 1200))
	for y := 0; y < 1200; y++ {
		for x := 0; x < 800; x++ {
			img.Set(x, y, color.RGBA{200, uint8(y), 50, 255})
		}
	}
	var b bytes.Buffer
	must(t, png.Encode(&b, img))
	var n schulhof.Node
	decode(t, f.do("a-teacher", "PUT", f.expand("/api/v1/schools/schule-a/spaces/group/{a-5a}/files?name=Tafelbild.png"), b.String()), &n)
	if n.ContentType != "image/png" {
		t.Fatalf("content type %q", n.ContentType)
	}
	thumbURL := "/api/v1/schools/schule-a/nodes/" + itoa(int64(n.ID)) + "/thumbnail"
	rec := f.do("a-student", "GET", thumbURL, "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail: %d %v", rec.Code, rec.Header())
	}
	th, err := jpeg.Decode(bytes.NewReader(rec.Body.Bytes()))
	if err != nil || th.Bounds().Dx() != 170 || th.Bounds().Dy() != 256 {
		t.Fatalf("thumbnail %v %v", th.Bounds(), err)
	}
	if again := f.do("a-student", "GET", thumbURL, "", "If-None-Match", rec.Header().Get("ETag")); again.Code != 304 {
		t.Fatalf("If-None-Match: %d", again.Code)
	}
	if rec := f.do("a-student2", "GET", thumbURL, ""); rec.Code != 404 {
		t.Fatalf("another class's thumbnail: %d", rec.Code)
	}
	list := f.page("a-student", "GET", f.expand("/s/schule-a/files/group/{a-5a}"), "")
	if !strings.Contains(list.Body.String(), `src="`+thumbURL+`"`) {
		t.Fatal("the folder list shows no thumbnail")
	}
	page := f.page("a-student", "GET", "/s/schule-a/nodes/"+itoa(int64(n.ID)), "")
	if !strings.Contains(page.Body.String(), `<img src="/api/v1/schools/schule-a/nodes/`+itoa(int64(n.ID))+`/content?inline=1"`) {
		t.Fatalf("no preview on the file's page:\n%s", page.Body)
	}
}

// TestRestoreVersionFromPage: overwriting keeps the old content, which the
// file's page restores.
func TestRestoreVersionFromPage(t *testing.T) {
	f := newFixture(t, nil)
	put := f.expand("/api/v1/schools/schule-a/spaces/group/{a-5a}/files?parent={a-material}&name=Blatt.txt")
	if rec := f.do("a-teacher", "PUT", put, "Zweite Fassung"); rec.Code != 201 {
		t.Fatal(rec.Code, rec.Body)
	}
	page := f.page("a-teacher", "GET", f.expand("/s/schule-a/nodes/{a-sheet}"), "")
	if !strings.Contains(page.Body.String(), "Fassung 1") || !strings.Contains(page.Body.String(), "Zweite Fassung") {
		t.Fatalf("page:\n%s", page.Body)
	}
	if rec := f.page("a-teacher", "POST", f.expand("/s/schule-a/nodes/{a-sheet}/versions/1/restore"), ""); rec.Code != 303 {
		t.Fatalf("restore: %d", rec.Code)
	}
	if rec := f.do("a-student", "GET", f.expand("/api/v1/schools/schule-a/nodes/{a-sheet}/content"), ""); rec.Body.String() != "Hallo Klasse a" {
		t.Fatalf("after restoring: %q", rec.Body)
	}
}

// TestCopyQuota: a copy counts against the target's quota.
func TestCopyQuota(t *testing.T) {
	f := newFixture(t, nil)
	f.quota(t, schulhof.SpaceUser, schulhof.RoleStudent, 20) // 17 bytes used
	rec := f.do("a-student", "POST", f.expand("/api/v1/schools/schule-a/nodes/{a-sheet}/copy"), f.expand(`{"space":{"kind":"user","id":{a-student}}}`))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Speicherplatz") {
		t.Fatalf("copy over quota: %d %s", rec.Code, rec.Body)
	}
}
