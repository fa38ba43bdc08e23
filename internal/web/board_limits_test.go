package web_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/admission"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/web"
)

// pngHeader is the start of a PNG that says it is w × h pixels: enough
// for a decoder to plan a gigabyte, in a few bytes.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		b.Write(body)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// TestBoardPictureLimits: a picture of too many pixels is refused before
// it is stored, saying why; a large one goes in with a copy scaled down
// once for exports, kept; a picture from before the copies gets its copy
// at its first export.
func TestBoardPictureLimits(t *testing.T) {
	f := newFixture(t, nil)
	blobsBefore := f.blobCount()
	rec := f.do("a-teacher", "POST", f.expand("/api/v1/boards/{a-board}/images"), multipartBody("file:riesig.png", string(pngHeader(16000, 16000))))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "16000 × 16000") || !strings.Contains(rec.Body.String(), "40 Megapixel") {
		t.Fatalf("a 16,000² picture: %d %s", rec.Code, rec.Body)
	}
	if f.blobCount() != blobsBefore {
		t.Error("the refused picture was stored")
	}
	// a photo of 2,100 × 1,050: its copy is 2,048 wide
	var buf bytes.Buffer
	png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 2100, 1050)))
	rec = f.do("a-teacher", "POST", f.expand("/api/v1/boards/{a-board}/images"), multipartBody("file:tafel.png", buf.String()))
	var out struct {
		ID            string
		Width, Height int
	}
	if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.Width != 2100 {
		t.Fatalf("a large picture: %d %s", rec.Code, rec.Body)
	}
	school, boardID := f.school["a"].ID, schulhof.BoardID(f.ids["a-board"])
	id, err := strconv.ParseInt(strings.TrimPrefix(out.ID, "i"), 10, 64)
	must(t, err)
	img, err := f.db.FindBoardImage(ctx, school, boardID, id)
	must(t, err)
	if img.RenderKey == "" || img.RenderKey == img.BlobKey {
		t.Fatalf("no copy for exports: %+v", img)
	}
	rd, err := f.blobs.Open(ctx, blob.Key(img.RenderKey))
	must(t, err)
	cfg, _, err := image.DecodeConfig(rd)
	rd.Close()
	if err != nil || cfg.Width != board.PictureSide || cfg.Height != board.PictureSide/2 {
		t.Fatalf("the copy is %dx%d (%v)", cfg.Width, cfg.Height, err)
	}
	// the fixture's picture came without a copy: its first export makes it
	old, err := f.db.FindBoardImage(ctx, school, boardID, f.ids["a-board-image"])
	must(t, err)
	if old.RenderKey != "" {
		t.Fatalf("the fixture's picture has a copy already: %+v", old)
	}
	if rec := f.do("a-teacher", "GET", f.expand("/api/v1/boards/{a-board}/pages/1/export.png"), ""); rec.Code != 200 {
		t.Fatalf("export: %d %s", rec.Code, rec.Body)
	}
	old, err = f.db.FindBoardImage(ctx, school, boardID, f.ids["a-board-image"])
	if err != nil || old.RenderKey != old.BlobKey {
		t.Errorf("after the export, a small picture is its own copy: %+v %v", old, err)
	}
}

// TestBoardExportsQueue: past the node's picture work (held here), an
// export is answered 503 with when to try again, and goes once a slot
// is free.
func TestBoardExportsQueue(t *testing.T) {
	f := newFixture(t, nil)
	q := admission.New(1, 0, time.Minute)
	web.SetPictureWork(f.srv, q)
	done, err := q.Enter(context.Background())
	must(t, err)
	for _, path := range []string{"/api/v1/boards/{a-board}/pages/1/export.png", "/api/v1/boards/{a-board}/export.pdf"} {
		rec := f.do("a-teacher", "GET", f.expand(path), "")
		if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "Tafelbilder") {
			t.Fatalf("%s while busy: %d %q %s", path, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
	}
	// who may not see the board learns nothing of the queue
	if rec := f.do("b-teacher", "GET", f.expand("/api/v1/boards/{a-board}/export.pdf"), ""); rec.Code != 404 {
		t.Errorf("another school's export while busy: %d", rec.Code)
	}
	done()
	if rec := f.do("a-teacher", "GET", f.expand("/api/v1/boards/{a-board}/export.pdf"), ""); rec.Code != 200 {
		t.Fatalf("after the slot is free: %d %s", rec.Code, rec.Body)
	}
}

// TestBoardPageFull: a page takes what it can export in time, then says
// it is full; the operations of a refused request are all left out.
func TestBoardPageFull(t *testing.T) {
	f := newFixture(t, nil)
	long := strings.Repeat("Bruchrechnung ", 400)[:board.MaxText]
	ops := func(from, n int) string {
		var b strings.Builder
		b.WriteString(`{"ops":[`)
		for i := from; i < from+n; i++ {
			if i > from {
				b.WriteString(",")
			}
			b.WriteString(`{"op":"add","id":"lang-` + itoa(int64(i)) + `","kind":"text","set":{"page":"p1","x":10,"y":10,"w":1500,"text":"` + long + `"}}`)
		}
		b.WriteString(`]}`)
		return b.String()
	}
	path := f.expand("/api/v1/boards/{a-board}/operations")
	if rec := f.do("a-teacher", "POST", path, ops(0, 20)); rec.Code != 200 {
		t.Fatalf("20 long texts: %d %s", rec.Code, rec.Body)
	}
	rec := f.do("a-teacher", "POST", path, ops(20, 20))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Seite ist voll") {
		t.Fatalf("20 more: %d %s", rec.Code, rec.Body)
	}
	var got struct{ Doc board.Doc }
	decode(t, f.do("a-teacher", "GET", f.expand("/api/v1/boards/{a-board}"), ""), &got)
	if got.Doc.Elements["lang-20"] != nil || got.Doc.Elements["lang-19"] == nil {
		t.Fatal("a refused request left some of its operations")
	}
	if got.Doc.PageCost("p1") > board.MaxPageCost {
		t.Errorf("page cost %d over the cap", got.Doc.PageCost("p1"))
	}
}

// TestBusyBoardHoldsNoOther: while one board's lock is held (a slow
// store), what the bus brings for it waits, and the other boards' events
// still reach their sockets at once.
func TestBusyBoardHoldsNoOther(t *testing.T) {
	f := newFixture(t, nil)
	b := bus.NewLocal()
	srv, err := web.New(web.Config{Version: "test", Bus: b}, f.db, f.blobs, password.NewHasher(password.Fast, 0, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	t.Cleanup(srv.CloseSockets)
	f.srv = srv
	ts := httptest.NewServer(srv)
	defer ts.Close()
	busy := schulhof.BoardID(f.ids["a-private-board"])
	release := web.HoldBoard(srv, busy)
	defer release()
	// another node's operation for the busy board comes first
	school := itoa(int64(f.school["a"].ID))
	must(t, b.Publish(context.Background(), "board."+school+"."+itoa(int64(busy)), []byte(`{"board":`+itoa(int64(busy))+`,"event":"ops","ops":[]}`)))
	topic := "board." + f.expand("{a-board}")
	anna := dialSocket(t, ts.URL, f.token["a-student"])
	anna.send(`{"type":"subscribe","id":"s","topic":"` + topic + `"}`)
	if e := anna.next(); e.Type != "ack" {
		t.Fatalf("subscribe: %+v", e)
	}
	op := `{"ops":[{"op":"add","id":"frei-1","kind":"rect","set":{"page":"p1","x":1,"y":1,"w":5,"h":5}}]}`
	if rec := f.do("a-teacher", "POST", f.expand("/api/v1/boards/{a-board}/operations"), op); rec.Code != 200 {
		t.Fatalf("draw: %d %s", rec.Code, rec.Body)
	}
	if e := anna.next(); e.Event != "ops" || !strings.Contains(string(e.Data), "frei-1") {
		t.Fatalf("the other board's event: %+v", e)
	}
}
