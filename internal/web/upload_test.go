package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
)

// TestResumableUpload: a big file in pieces, one of them sent from the
// wrong place, the connection "lost" and resumed from what the server
// says it has; the file appears when the last piece is there.
func TestResumableUpload(t *testing.T) {
	f := newFixture(t, nil)
	content := strings.Repeat("Unterrichtsvideo ", 1000) // 17,000 bytes
	rec := f.do("a-teacher", "POST", f.expand("/api/v1/schools/schule-a/spaces/group/{a-5a}/uploads"),
		f.expand(`{"parent":{a-material},"name":"Video.mp4","size":`+itoa(int64(len(content)))+`}`))
	var st struct {
		URL    string
		Offset int64
		Node   *schulhof.Node
	}
	if rec.Code != 201 {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	must(t, json.Unmarshal(rec.Body.Bytes(), &st))
	send := func(offset int, piece string) (int, string) {
		rec := f.do("a-teacher", "PATCH", st.URL, piece, "Upload-Offset", itoa(int64(offset)), "Content-Type", "application/offset+octet-stream")
		return rec.Code, rec.Body.String()
	}
	if code, body := send(0, content[:5000]); code != 200 || !strings.Contains(body, `"offset":5000`) {
		t.Fatalf("first piece: %d %s", code, body)
	}
	if code, _ := send(4000, content[4000:9000]); code != 409 {
		t.Fatalf("piece from the wrong offset: %d", code)
	}
	// the client lost the connection and asks where to go on
	must(t, json.Unmarshal(f.do("a-teacher", "GET", st.URL, "").Body.Bytes(), &st))
	if st.Offset != 5000 {
		t.Fatalf("resume from %d", st.Offset)
	}
	if code, body := send(5000, content[5000:]+"zu viel"); code != 422 {
		t.Fatalf("more than announced: %d %s", code, body)
	}
	// nothing visible yet
	if rec := f.do("a-student", "GET", f.expand("/api/v1/schools/schule-a/spaces/group/{a-5a}/nodes?parent={a-material}"), ""); strings.Contains(rec.Body.String(), "Video.mp4") {
		t.Fatal("an unfinished upload is visible")
	}
	// the server kept what fitted, so the upload is complete now: the
	// client asks and the last (empty) piece finishes it
	must(t, json.Unmarshal(f.do("a-teacher", "GET", st.URL, "").Body.Bytes(), &st))
	code, body := send(int(st.Offset), "")
	if code != 201 || !strings.Contains(body, `"name":"Video.mp4"`) {
		t.Fatalf("finish: %d %s", code, body)
	}
	must(t, json.Unmarshal([]byte(body), &st))
	dl := f.do("a-student", "GET", f.expand("/api/v1/schools/schule-a/nodes/"+itoa(int64(st.Node.ID))+"/content"), "")
	if dl.Code != 200 || dl.Body.String() != content {
		t.Fatalf("download: %d, %d bytes", dl.Code, dl.Body.Len())
	}
	if rec := f.do("a-teacher", "GET", st.URL, ""); rec.Code != 404 {
		t.Fatalf("finished upload still there: %d", rec.Code)
	}
}
