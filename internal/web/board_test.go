package web_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/web"
)

// TestBoardReasons: every reason an operation is refused for has its
// sentence, in both languages.
func TestBoardReasons(t *testing.T) {
	for _, r := range board.Reasons {
		if !i18n.Has("board.op." + r) {
			t.Errorf("no sentence for board.op.%s", r)
		}
	}
}

// TestBoardLive: the teacher draws over the socket and the student sees
// each stroke batch live; the student may not draw until the teacher
// lets them, then their stroke reaches the teacher; the laser pointer
// and presenting travel without being stored; a late joiner gets the
// whole board and follows on from its seq.
func TestBoardLive(t *testing.T) {
	f := newFixture(t, nil)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	id := f.expand("{a-board}")
	topic := "board." + id
	teacher := dialSocket(t, ts.URL, f.token["a-teacher"])
	anna := dialSocket(t, ts.URL, f.token["a-student"])
	for _, s := range []*socket{teacher, anna} {
		s.send(`{"type":"subscribe","id":"s","topic":"` + topic + `"}`)
		if e := s.next(); e.Type != "ack" {
			t.Fatalf("subscribe: %+v", e)
		}
	}
	other := dialSocket(t, ts.URL, f.token["a-student2"])
	other.send(`{"type":"subscribe","id":"s","topic":"` + topic + `"}`)
	if e := other.next(); e.Type != "error" {
		t.Fatalf("another class's student follows the board: %+v", e)
	}

	// a stroke in two batches
	teacher.send(`{"type":"send","id":"1","topic":"` + topic + `","event":"ops","data":{"ops":[{"op":"add","id":"t-5","kind":"pen","set":{"page":"p1","color":"#0000ff","width":4},"points":[[1,1,0.5],[2,2,0.6]]}]}}`)
	teacher.send(`{"type":"send","id":"2","topic":"` + topic + `","event":"ops","data":{"ops":[{"op":"points","id":"t-5","batch":1,"points":[[3,3,0.7]]}]}}`)
	got := func(s *socket) (acks []string, ops []board.Op) {
		t.Helper()
		for len(ops) < 2 {
			e := s.next()
			switch {
			case e.Type == "ack":
				acks = append(acks, e.ID+" "+string(e.Data))
			case e.Type == "event" && e.Event == "ops":
				var d struct{ Ops []board.Op }
				json.Unmarshal(e.Data, &d)
				ops = append(ops, d.Ops...)
			default:
				t.Fatalf("unexpected %+v", e)
			}
		}
		return acks, ops
	}
	_, ops := got(anna)
	if ops[0].Op != "add" || ops[0].Seq != 3 || ops[1].Op != "points" || ops[1].Seq != 4 || ops[0].Author == 0 {
		t.Fatalf("anna sees %+v", ops)
	}
	acks, _ := got(teacher)
	for len(acks) < 2 {
		e := teacher.next()
		acks = append(acks, e.ID+" "+string(e.Data))
	}
	if acks[0] != `1 {"seq":3}` || acks[1] != `2 {"seq":4}` {
		t.Fatalf("acks %q", acks)
	}

	// anna may not draw yet
	stroke := `{"type":"send","id":"a1","topic":"` + topic + `","event":"ops","data":{"ops":[{"op":"add","id":"s-1","kind":"pen","set":{"page":"p1"},"points":[[5,5]]}]}}`
	anna.send(stroke)
	if e := anna.next(); e.Type != "error" || e.Error.Code != "forbidden" || !strings.Contains(e.Error.Message, "nicht schreiben") {
		t.Fatalf("a watcher draws: %+v", e)
	}
	// the teacher lets her; everyone hears of it
	if rec := f.do("a-teacher", "PUT", f.expand("/api/v1/boards/{a-board}/drawers/{a-student}"), `{"allowed":true}`); rec.Code != 200 {
		t.Fatalf("allow: %d %s", rec.Code, rec.Body)
	}
	if e := anna.next(); e.Event != "settings" || !strings.Contains(string(e.Data), `"`+f.expand("{a-student}")+`":true`) {
		t.Fatalf("settings event %+v", e)
	}
	teacher.next() // the same
	anna.send(stroke)
	for {
		e := teacher.next()
		if e.Event == "ops" {
			if !strings.Contains(string(e.Data), `"id":"s-1"`) {
				t.Fatalf("teacher sees %s", e.Data)
			}
			break
		}
	}
	// she may not change the teacher's stroke
	anna.send(`{"type":"send","id":"a2","topic":"` + topic + `","event":"ops","data":{"ops":[{"op":"set","id":"t-5","set":{"deleted":true}}]}}`)
	for {
		e := anna.next()
		if e.Type == "error" {
			if e.ID != "a2" || e.Error.Code != "invalid" || !strings.Contains(e.Error.Message, "selbst geschrieben") {
				t.Fatalf("changing another's stroke: %+v", e)
			}
			break
		}
	}

	// the laser pointer and presenting: live, not stored
	teacher.send(`{"type":"send","id":"l","topic":"` + topic + `","event":"laser","data":{"page":"p1","x":100,"y":50}}`)
	teacher.send(`{"type":"send","id":"p","topic":"` + topic + `","event":"present","data":{"page":"p1","x":0,"y":0,"zoom":1.5}}`)
	// her own stroke's echo comes by the hub and may arrive after the error
	// she had directly, so other events are passed over here
	seen := map[string]string{}
	for seen["laser"] == "" || seen["present"] == "" {
		e := anna.next()
		if e.Type == "event" && (e.Event == "laser" || e.Event == "present") {
			seen[e.Event] = string(e.Data)
		}
	}
	if !strings.Contains(seen["laser"], `"x":100`) || !strings.Contains(seen["present"], `"zoom":1.5`) {
		t.Fatalf("laser and present: %v", seen)
	}
	anna.send(`{"type":"send","id":"p2","topic":"` + topic + `","event":"present","data":{"page":"p1","x":0,"y":0}}`)
	for {
		if e := anna.next(); e.Type == "error" {
			if e.Error.Code != "forbidden" {
				t.Fatalf("a student presents: %+v", e)
			}
			break
		}
	}

	// a late joiner: the whole board and who presents, in one answer
	var b struct {
		Doc        board.Doc
		Presenting json.RawMessage
		CanDraw    bool `json:"can_draw"`
	}
	decode(t, f.do("a-student", "GET", "/api/v1/boards/"+id, ""), &b)
	if b.Doc.Seq != 5 || len(b.Doc.Elements["t-5"].Points()) != 3 || b.Doc.Elements["s-1"] == nil || !b.CanDraw || !strings.Contains(string(b.Presenting), `"zoom":1.5`) {
		t.Fatalf("late joiner: seq %d, %+v, presenting %s", b.Doc.Seq, b.Doc.Elements, b.Presenting)
	}
	var log struct {
		Ops  []board.Op
		Next int64
	}
	decode(t, f.do("a-student", "GET", "/api/v1/boards/"+id+"/operations?after=3", ""), &log)
	if len(log.Ops) != 2 || log.Next != 5 {
		t.Fatalf("log after 3: %+v", log)
	}
}

// TestBoardPresentingKept: who presents is kept in the store, so that a
// node that loads the board later (started after the teacher began, or
// restarted) lets a student who joins follow at once; moves are kept at
// most every second, the latest of them; the end at once.
func TestBoardPresentingKept(t *testing.T) {
	f := newFixture(t, nil)
	var later atomic.Int64 // the clock moves on while the bus's goroutines read it
	f.db.Now = func() time.Time { return sqltest.Clock.Add(time.Duration(later.Load())) }
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	id := f.expand("{a-board}")
	topic := "board." + id
	teacher := dialSocket(t, ts.URL, f.token["a-teacher"])
	teacher.send(`{"type":"subscribe","id":"s","topic":"` + topic + `"}`)
	if e := teacher.next(); e.Type != "ack" {
		t.Fatalf("subscribe: %+v", e)
	}
	present := func(data string) {
		t.Helper()
		teacher.send(`{"type":"send","id":"p","topic":"` + topic + `","event":"present","data":` + data + `}`)
		for { // her own view comes back by the hub once it was handled
			if e := teacher.next(); e.Type == "event" && e.Event == "present" {
				return
			} else if e.Type == "error" {
				t.Fatalf("present %s: %+v", data, e)
			}
		}
	}
	// a node that loads the board after she began
	node := f.srv
	presenting := func() string {
		t.Helper()
		var b struct{ Presenting json.RawMessage }
		f.srv = newServer(t, f.db, f.blobs, nil)
		defer func() { f.srv = node }()
		decode(t, f.do("a-student", "GET", "/api/v1/boards/"+id, ""), &b)
		return string(b.Presenting)
	}
	present(`{"page":"p1","x":10,"y":20,"zoom":2}`)
	if got := presenting(); !strings.Contains(got, `"x":10,"y":20,"zoom":2`) || !strings.Contains(got, `"user":`+itoa(int64(f.user["a-teacher"].ID))) {
		t.Fatalf("another node does not know that the teacher presents: %q", got)
	}
	// moves within the second: the latest is stored when it is due
	present(`{"page":"p1","x":30,"y":20,"zoom":2}`)
	present(`{"page":"p1","x":40,"y":20,"zoom":2}`)
	node.WaitBackground()
	if got := presenting(); !strings.Contains(got, `"x":40`) {
		t.Fatalf("the last move is not kept: %q", got)
	}
	// a teacher who closed the board without ending it is not followed
	// after the lesson
	later.Store(int64(3 * time.Hour))
	if got := presenting(); got != "" {
		t.Fatalf("a view of three hours ago is handed out: %q", got)
	}
	later.Store(0)
	present(`{"off":true}`)
	if got := presenting(); got != "" {
		t.Fatalf("presenting ended, another node still hands it out: %q", got)
	}
}

// TestBoardSnapshot: after many operations the drawing is saved whole,
// and a fresh server loads the same board from snapshot and log.
func TestBoardSnapshot(t *testing.T) {
	f := newFixture(t, nil)
	id := f.expand("{a-board}")
	var ops []string
	for i := 0; i < 120; i++ {
		ops = append(ops, `{"op":"add","id":"r-`+itoa(int64(i))+`","kind":"rect","set":{"page":"p1","x":`+itoa(int64(i))+`,"y":1,"w":5,"h":5}}`)
	}
	for round := 0; round < 5; round++ { // 600 operations, past one snapshot
		who := "a-teacher"
		if round >= 3 { // the admin too: one drawer's burst is 400
			who = "a-admin"
		}
		body := `{"ops":[` + strings.Join(ops, ",") + `]}`
		body = strings.ReplaceAll(body, `"id":"r-`, `"id":"r`+itoa(int64(round))+`-`)
		if rec := f.do(who, "POST", "/api/v1/boards/"+id+"/operations", body); rec.Code != 200 {
			t.Fatalf("round %d: %d %s", round, rec.Code, rec.Body)
		}
	}
	want := f.do("a-teacher", "GET", "/api/v1/boards/"+id, "").Body.String()
	fresh := newServer(t, f.db, f.blobs, nil)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/boards/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+f.token["a-teacher"])
	// the snapshot is written in the background; wait for it
	f.srv.WaitBackground()
	if seq, err := f.db.BoardSnapshotSeq(ctx, f.school["a"].ID, schulhof.BoardID(f.ids["a-board"])); err != nil || seq < 500 {
		t.Fatalf("no snapshot after 600 operations (at %d, %v)", seq, err)
	}
	fresh.ServeHTTP(rec, req)
	if rec.Body.String() != want {
		t.Fatalf("a fresh server's board differs:\n%.300s\n%.300s", rec.Body, want)
	}
}

// TestBoardTwoNodes: two server instances on one PostgreSQL and one
// NATS. Operations drawn through node A reach a socket on node B; the
// teacher on A and the admin on B draw in turns, and both nodes end up
// holding the same board (each takes the other's operations from the
// bus, or loads the board again where it missed one).
func TestBoardTwoNodes(t *testing.T) {
	url := os.Getenv("SCHULHOF_TEST_NATS")
	if url == "" {
		t.Skip("SCHULHOF_TEST_NATS not set")
	}
	db := sqltest.MustOpenPostgres(t)
	a, b := natsNode(t, db, url, "board-a"), natsNode(t, db, url, "board-b")
	f := newFixture(t, db)
	tsA, tsB := httptest.NewServer(a), httptest.NewServer(b)
	defer tsA.Close()
	defer tsB.Close()
	id := f.expand("{a-board}")
	// a socket on each node: what it has been sent, its node holds
	anna := dialSocket(t, tsB.URL, f.token["a-student"])
	teacher := dialSocket(t, tsA.URL, f.token["a-teacher"])
	for _, s := range []*socket{anna, teacher} {
		s.send(`{"type":"subscribe","id":"1","topic":"board.` + id + `"}`)
		if e := s.next(); e.Type != "ack" {
			t.Fatalf("subscribe: %+v", e)
		}
	}
	on := func(srv *web.Server, who, method, path, body string) *httptest.ResponseRecorder {
		f.srv = srv
		return f.do(who, method, path, body)
	}
	// both nodes hold the board before anyone draws
	on(a, "a-teacher", "GET", "/api/v1/boards/"+id, "")
	on(b, "a-teacher", "GET", "/api/v1/boards/"+id, "")
	for i := 0; i < 6; i++ {
		srv, who := a, "a-teacher"
		if i%2 == 1 {
			srv, who = b, "a-admin"
		}
		op := `{"ops":[{"op":"add","id":"n` + itoa(int64(i)) + `","kind":"rect","set":{"page":"p1","x":` + itoa(int64(10*i)) + `,"y":5,"w":5,"h":5}}]}`
		if rec := on(srv, who, "POST", "/api/v1/boards/"+id+"/operations", op); rec.Code != 200 {
			t.Fatalf("draw %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	for _, s := range []*socket{anna, teacher} {
		for seen := 0; seen < 6; {
			if e := s.next(); e.Event == "ops" {
				seen++
			}
		}
	}
	var docs [2]string
	for i, srv := range []*web.Server{a, b} {
		var got struct{ Doc json.RawMessage }
		decode(t, on(srv, "a-teacher", "GET", "/api/v1/boards/"+id, ""), &got)
		docs[i] = string(got.Doc)
	}
	if docs[0] != docs[1] || !strings.Contains(docs[0], `"seq":8`) {
		t.Fatalf("the nodes hold different boards:\nA %s\nB %s", docs[0], docs[1])
	}
	// drawing in turns, each node took what the other drew from the bus
	// (or caught up from the log), and loaded the board whole only once
	for i, srv := range []*web.Server{a, b} {
		metrics := on(srv, "", "GET", "/metrics", "").Body.String()
		if !strings.Contains(metrics, "schulhof_board_loads_total 1\n") {
			t.Errorf("node %d loaded the board again instead of catching up:\n%s", i+1, grepLines(metrics, "schulhof_board_"))
		}
	}
}

// grepLines are the lines of s that hold sub.
func grepLines(s, sub string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestBoardDrawnAtOnce: a class drawing at the same moment is stored in
// shared transactions; each who drew gets the seq their operation got in
// the log, every one once, and the drawing holds them all.
func TestBoardDrawnAtOnce(t *testing.T) {
	f := newFixture(t, nil)
	id := f.expand("{a-board}")
	const n = 40
	seqs := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := []string{"a-teacher", "a-admin"}[i%2]
			op := `{"ops":[{"op":"add","id":"k` + itoa(int64(i)) + `","kind":"rect","set":{"page":"p1","x":` + itoa(int64(i)) + `,"y":5,"w":5,"h":5}}]}`
			rec := f.do(who, "POST", "/api/v1/boards/"+id+"/operations", op)
			if rec.Code != 200 {
				t.Errorf("draw %d: %d %s", i, rec.Code, rec.Body)
				return
			}
			var out struct{ Seq int64 }
			json.Unmarshal(rec.Body.Bytes(), &out)
			seqs[i] = out.Seq
		}()
	}
	wg.Wait()
	var log struct {
		Ops []board.Op
	}
	decode(t, f.do("a-teacher", "GET", "/api/v1/boards/"+id+"/operations?after=0&limit=1000", ""), &log)
	bySeq := map[int64]string{}
	for _, op := range log.Ops {
		bySeq[op.Seq] = op.ID
	}
	seen := map[int64]bool{}
	for i, seq := range seqs {
		if seen[seq] || bySeq[seq] != "k"+itoa(int64(i)) {
			t.Errorf("draw %d was told seq %d, which the log holds as %q", i, seq, bySeq[seq])
		}
		seen[seq] = true
	}
	var got struct{ Doc board.Doc }
	decode(t, f.do("a-teacher", "GET", "/api/v1/boards/"+id, ""), &got)
	for i := range n {
		if e := got.Doc.Elements["k"+itoa(int64(i))]; e == nil || e.Deleted {
			t.Errorf("the drawing lacks k%d", i)
		}
	}
}

// TestBoardPDFPage: a page of a PDF becomes a picture of the board (for a
// page's background), rendered by pdftoppm; a page the PDF lacks is named.
func TestBoardPDFPage(t *testing.T) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("no pdftoppm (poppler-utils); .ci/run installs it")
	}
	f := newFixture(t, nil)
	pdf := fpdf.New("P", "mm", "A4", "")
	for _, text := range []string{"Seite eins", "Seite zwei"} {
		pdf.AddPage()
		pdf.SetFont("Helvetica", "", 24)
		pdf.Text(20, 30, text)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	upload := func(page string) *httptest.ResponseRecorder {
		return f.do("a-teacher", "POST", f.expand("/api/v1/boards/{a-board}/images"), multipartBody("file:arbeitsblatt.pdf", buf.String(), "page", page))
	}
	rec := upload("2")
	var out struct {
		ID            string
		Width, Height int
	}
	decode(t, rec, &out)
	if rec.Code != 201 || out.ID == "" || out.Width < 1000 || out.Height < 1500 { // A4 at 150 dpi: 1240 × 1754
		t.Fatalf("page 2: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "GET", f.expand("/api/v1/boards/{a-board}/images/"+out.ID), ""); rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("the page's picture: %d %s", rec.Code, rec.Header())
	}
	if rec := upload("5"); rec.Code != 422 || !strings.Contains(rec.Body.String(), "keine Seite 5") {
		t.Fatalf("page 5 of 2: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-teacher", "POST", f.expand("/api/v1/boards/{a-board}/images"), multipartBody("file:kaputt.pdf", "%PDF-1.4 kaputt")); rec.Code != 422 {
		t.Fatalf("a broken PDF: %d %s", rec.Code, rec.Body)
	}
	// the page takes it as its background, and the export shows it
	if rec := f.do("a-teacher", "POST", f.expand("/api/v1/boards/{a-board}/operations"), `{"ops":[{"op":"page","id":"p1","set":{"image":"`+out.ID+`"}}]}`); rec.Code != 200 {
		t.Fatalf("background: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "GET", f.expand("/api/v1/boards/{a-board}/pages/1/export.png"), ""); rec.Code != 200 {
		t.Fatalf("export: %d", rec.Code)
	}
}

// TestBoardTrashPage: a deleted board waits in the teacher's trash on the
// boards page and comes back from there.
func TestBoardTrashPage(t *testing.T) {
	f := newFixture(t, nil)
	if rec := f.do("a-teacher", "POST", f.expand("/boards/{a-board}/delete"), ""); rec.Code != 303 {
		t.Fatalf("delete: %d", rec.Code)
	}
	page := f.do("a-teacher", "GET", "/boards", "").Body.String()
	trash, _, _ := strings.Cut(page[strings.Index(page, `data-testid="board-trash"`):], "</ul>")
	if !strings.Contains(trash, "Bruchrechnung a") || !strings.Contains(page, "Papierkorb") {
		t.Fatalf("the trash: %s", trash)
	}
	if got := f.do("a-student", "GET", "/boards", "").Body.String(); strings.Contains(got, "Bruchrechnung a") {
		t.Fatal("the class still sees the deleted board")
	}
	if rec := f.do("a-teacher", "POST", f.expand("/boards/{a-board}/restore"), ""); rec.Code != 303 || rec.Header().Get("Location") != f.expand("/boards/{a-board}") {
		t.Fatalf("restore: %d %s", rec.Code, rec.Header())
	}
	if got := f.do("a-teacher", "GET", "/boards", "").Body.String(); strings.Contains(got, `data-testid="board-trash"`) {
		t.Fatal("the trash is not empty after restoring")
	}
}

// TestBoardLongTitleSaved: a board titled with the longest title, in
// umlauts, is saved as a Tafelbild under a name the files module takes
// (cut to its 255 bytes), not refused.
func TestBoardLongTitleSaved(t *testing.T) {
	f := newFixture(t, nil)
	title := strings.Repeat("Ü", 200)
	if rec := f.do("a-teacher", "PATCH", f.expand("/api/v1/boards/{a-board}"), `{"title":"`+title+`"}`); rec.Code != 200 {
		t.Fatalf("title: %d %s", rec.Code, rec.Body)
	}
	rec := f.do("a-teacher", "POST", f.expand("/api/v1/boards/{a-board}/save-to-files"), "")
	var out struct{ Path string }
	decode(t, rec, &out)
	name := strings.TrimPrefix(out.Path, "/Tafelbilder/")
	if rec.Code != 201 || !strings.HasPrefix(name, "Tafelbild 2026-11-30 5a ÜÜÜ") || !strings.HasSuffix(name, "Ü.png") || len(name) > 255 {
		t.Fatalf("save: %d %s (%d bytes)", rec.Code, rec.Body, len(name))
	}
}
