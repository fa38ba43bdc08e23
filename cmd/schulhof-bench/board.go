package main

// schulhof-bench board: the whiteboard under load, with the server in a
// process of its own (the real binary, SQLite) and the clients here, on
// loopback:
//   1. boards of a class each, the teacher drawing without pause (20
//      stroke batches a second) and some students drawing too, everyone
//      following: the delay from sending a batch to its delivery;
//   2. a late joiner of a board with 20,000 elements: the whole board in
//      one answer;
//   3. the PNG export of a full page.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/realtime"
	"github.com/schulhof/schulhof/internal/sqlstore"
)

func benchBoard(args []string) error {
	fs := flag.NewFlagSet("board", flag.ContinueOnError)
	boards := fs.Int("boards", 10, "boards, a class each")
	participants := fs.Int("participants", 30, "everyone on a board, the teacher included")
	drawing := fs.Int("drawing", 5, "students drawing on each board besides the teacher")
	rate := fs.Int("rate", 20, "stroke batches a second of each who draws")
	duration := fs.Duration("duration", 10*time.Second, "how long they draw")
	elements := fs.Int("elements", 20000, "elements of the late joiner's board")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "schulhof-bench-board")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// the school: a class, its teacher and its board per board
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "schulhof.db"))
	if err != nil {
		return err
	}
	sc := &schulhof.School{Slug: "tafel", Name: "Gymnasium Tafelheim", State: "NW", Type: "gymnasium"}
	if err := db.CreateSchool(ctx, sc); err != nil {
		return err
	}
	type member = boardMember
	type room = boardRoom
	rooms := make([]room, *boards)
	t0 := time.Now()
	for c := range rooms {
		g := &schulhof.Group{SchoolID: sc.ID, Name: fmt.Sprintf("%d%c", 5+c/8, 'a'+c%8), Kind: schulhof.GroupClass}
		if err := db.CreateGroup(ctx, g); err != nil {
			return err
		}
		var teacher *schulhof.User
		for i := 0; i < *participants; i++ {
			u := &schulhof.User{SchoolID: sc.ID, Login: fmt.Sprintf("u%d-%d", c, i), FirstName: "Person", LastName: strconv.Itoa(i), Role: schulhof.RoleStudent}
			role := schulhof.MemberRoleMember
			if i == 0 {
				u.Role, role, teacher = schulhof.RoleTeacher, schulhof.MemberRoleLeader, u
			}
			if err := db.CreateUser(ctx, u, ""); err != nil {
				return err
			}
			if err := db.SetMember(ctx, sc.ID, g.ID, u.ID, role); err != nil {
				return err
			}
			tok, err := benchSession(ctx, db, u)
			if err != nil {
				return err
			}
			rooms[c].members = append(rooms[c].members, member{tok, i <= *drawing})
		}
		b := &schulhof.Board{Title: "Tafel " + g.Name, GroupID: g.ID, Access: schulhof.BoardDraw}
		if err := board.Create(ctx, db, teacher, b); err != nil {
			return err
		}
		rooms[c].id = b.ID
	}
	// the late joiner's board: 20,000 elements, strokes mostly, stored as
	// a lesson stores them (the log, and snapshots on the way)
	bigTeacher := &schulhof.User{SchoolID: sc.ID, Login: "gross", FirstName: "Gabi", LastName: "Groß", Role: schulhof.RoleTeacher}
	if err := db.CreateUser(ctx, bigTeacher, ""); err != nil {
		return err
	}
	bigToken, err := benchSession(ctx, db, bigTeacher)
	if err != nil {
		return err
	}
	big := &schulhof.Board{Title: "Voll", Access: schulhof.BoardPrivate}
	if err := board.Create(ctx, db, bigTeacher, big); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	for done := 0; done < *elements; {
		var ops []*board.Op
		for ; len(ops) < 200 && done < *elements; done++ {
			ops = append(ops, randomElement(r, done))
		}
		if err := board.Append(ctx, db, big.SchoolID, big.ID, bigTeacher.ID, ops); err != nil {
			return err
		}
		if done%1000 == 0 {
			doc, err := board.LoadDoc(ctx, db, big.SchoolID, big.ID)
			if err != nil {
				return err
			}
			snap, _ := json.Marshal(doc)
			if err := db.SaveBoardSnapshot(ctx, big.SchoolID, big.ID, snap, doc.Seq); err != nil {
				return err
			}
		}
	}
	db.Close()
	fmt.Printf("%d boards of %d, and one of %d elements, made in %s\n", *boards, *participants, *elements, time.Since(t0).Round(time.Millisecond))

	srv, base, err := startServerProcess(ctx, dir)
	if err != nil {
		return err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()

	// 1. everyone on their board; those who draw send over their socket
	d, err := startDrawing(ctx, []string{base}, rooms, *rate)
	if err != nil {
		return err
	}
	time.Sleep(*duration)
	res := d.stop()
	fmt.Printf("%d boards of %d, %d drawing at %d batches/s each: %s (target p99 < 100 ms)\n", *boards, *participants, *drawing+1, *rate, res)

	// 2. the late joiner: the whole board in one answer, decoded; the
	// first after the server's start loads it from snapshot and log
	c := client(4)
	get := func(path string) (time.Duration, int, error) {
		start := time.Now()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+bigToken)
		resp, err := c.Do(req)
		if err != nil {
			return 0, 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, 0, err
		}
		if resp.StatusCode != 200 {
			return 0, 0, fmt.Errorf("%s: status %d", path, resp.StatusCode)
		}
		if bytes.HasPrefix(b, []byte("{")) {
			var out struct{ Doc board.Doc }
			if err := json.Unmarshal(b, &out); err != nil {
				return 0, 0, err
			}
		}
		return time.Since(start), len(b), nil
	}
	boardPath := "/api/v1/boards/" + strconv.FormatInt(int64(big.ID), 10)
	var joins []time.Duration
	size := 0
	for i := 0; i < 10; i++ {
		d, n, err := get(boardPath)
		if err != nil {
			return err
		}
		joins, size = append(joins, d), n
	}
	fmt.Printf("late joiner of a board of %d elements (%.1f MiB): first %s, then p50 %s, max %s (target < 500 ms)\n",
		*elements, float64(size)/(1<<20), ms(joins[0]), ms(median(joins[1:])), ms(slices.Max(joins[1:])))

	// 3. the PNG export of that full page
	var exports []time.Duration
	for i := 0; i < 5; i++ {
		d, n, err := get(boardPath + "/pages/1/export.png")
		if err != nil {
			return err
		}
		exports, size = append(exports, d), n
	}
	fmt.Printf("PNG export of its page (%d elements, %.1f MiB): p50 %s, max %s (target < 300 ms)\n",
		*elements, float64(size)/(1<<20), ms(median(exports)), ms(slices.Max(exports)))
	return nil
}

// boardRoom is a board and everyone on it.
type boardRoom struct {
	id      schulhof.BoardID
	members []boardMember
}

// boardMember is one on a board: their session, and whether they draw.
type boardMember struct {
	token string
	draws bool
}

// drawing is boards in a lesson: everyone following their board over
// the live socket, those who draw sending stroke batches without pause.
type drawing struct {
	ctx       context.Context
	sent      sync.Map // "id/batch" -> time sent
	mu        sync.Mutex
	latencies []time.Duration
	delivered atomic.Int64
	refused   atomic.Int64
	batches   atomic.Int64
	wg        sync.WaitGroup
	halt      chan struct{}
	socks     []*websocket.Conn
	start     time.Time
}

// drawingResult is what a drawing measured.
type drawingResult struct {
	batches, delivered, refused int64
	took                        time.Duration
	latencies                   []time.Duration
}

func (r drawingResult) String() string {
	return fmt.Sprintf("%d batches sent in %s (%.0f/s, %d refused), %d deliveries (%.0f/s), %s",
		r.batches, r.took.Round(time.Millisecond), float64(r.batches)/r.took.Seconds(), r.refused,
		r.delivered, float64(r.delivered)/r.took.Seconds(), latencySummary(r.latencies))
}

// startDrawing puts everyone on their board, each on the next of the
// nodes, and starts those who draw at rate batches a second each.
func startDrawing(ctx context.Context, bases []string, rooms []boardRoom, rate int) (*drawing, error) {
	d := &drawing{ctx: ctx, halt: make(chan struct{})}
	type drawer struct {
		ws    *websocket.Conn
		topic string
	}
	var drawers []drawer
	for _, rm := range rooms {
		topic := "board." + strconv.FormatInt(int64(rm.id), 10)
		for _, m := range rm.members {
			ws, err := dialBench(ctx, bases[len(d.socks)%len(bases)], m.token)
			if err != nil {
				d.stop()
				return nil, fmt.Errorf("connect: %w", err)
			}
			d.socks = append(d.socks, ws)
			r := realtime.NewReader(ws)
			ws.SetReadLimit(1 << 20)
			sub, _ := json.Marshal(map[string]string{"type": "subscribe", "topic": topic, "id": "s"})
			if err := ws.Write(ctx, websocket.MessageText, sub); err != nil {
				d.stop()
				return nil, err
			}
			if err := awaitAck(ctx, r); err != nil {
				d.stop()
				return nil, fmt.Errorf("follow the board: %w", err)
			}
			if m.draws {
				drawers = append(drawers, drawer{ws, topic})
			}
			d.wg.Add(1)
			go d.follow(r)
		}
	}
	d.start = time.Now()
	for di, dr := range drawers {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			tick := time.NewTicker(time.Second / time.Duration(rate))
			defer tick.Stop()
			// spread over the tick, not all at once
			time.Sleep(time.Duration(di) * time.Second / time.Duration(rate*len(drawers)))
			stroke, batch := 0, 0
			for {
				select {
				case <-d.halt:
					return
				case <-tick.C:
				}
				id := fmt.Sprintf("d%d-s%d", di, stroke)
				pts := make([]board.Point, 5)
				for i := range pts {
					pts[i] = board.Point{X: float64(batch*5 + i), Y: float64(i), P: 0.5}
				}
				op := &board.Op{Op: "points", ID: id, Batch: batch, Points: pts}
				if batch == 0 {
					page := "p1"
					x, y := float64(50+di*3), float64(50+stroke%500)
					op = &board.Op{Op: "add", ID: id, Kind: board.KindPen, Set: &board.Fields{Page: &page, X: &x, Y: &y}, Points: pts}
				}
				data, _ := json.Marshal(map[string]any{"ops": []*board.Op{op}})
				env, _ := json.Marshal(map[string]any{"type": "send", "topic": dr.topic, "event": "ops", "data": json.RawMessage(data)})
				d.sent.Store(id+"/"+strconv.Itoa(batch), time.Now())
				if err := dr.ws.Write(ctx, websocket.MessageText, env); err != nil {
					return
				}
				d.batches.Add(1)
				if batch++; batch == 40 { // a stroke of two seconds
					stroke, batch = stroke+1, 0
				}
			}
		}()
	}
	return d, nil
}

// awaitAck reads until the answer to the request sent, past events.
func awaitAck(ctx context.Context, r *realtime.Reader) error {
	for {
		e, err := r.Next(ctx)
		switch {
		case err != nil:
			return err
		case e.Type == realtime.TypeAck:
			return nil
		case e.Type == realtime.TypeError:
			return fmt.Errorf("refused: %+v", e.Error)
		}
	}
}

// follow reads one's board events: the delay of each batch drawn.
func (d *drawing) follow(r *realtime.Reader) {
	defer d.wg.Done()
	for {
		e, err := r.Next(d.ctx)
		if err != nil {
			return
		}
		now := time.Now()
		if e.Type == realtime.TypeError {
			d.refused.Add(1)
		}
		if e.Event != "ops" {
			continue
		}
		var data struct{ Ops []board.Op }
		if json.Unmarshal(e.Data, &data) != nil {
			continue
		}
		for _, op := range data.Ops {
			if at, ok := d.sent.Load(op.ID + "/" + strconv.Itoa(op.Batch)); ok {
				d.mu.Lock()
				d.latencies = append(d.latencies, now.Sub(at.(time.Time)))
				d.mu.Unlock()
				d.delivered.Add(1)
			}
		}
	}
}

// stop ends the drawing, waits a second for the last deliveries and
// leaves the boards.
func (d *drawing) stop() drawingResult {
	close(d.halt)
	time.Sleep(time.Second) // the last deliveries
	took := time.Since(d.start) - time.Second
	for _, ws := range d.socks {
		ws.CloseNow()
	}
	d.wg.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	return drawingResult{batches: d.batches.Load(), delivered: d.delivered.Load(), refused: d.refused.Load(), took: took, latencies: d.latencies}
}

// randomElement is one of a lesson's elements: strokes of 10 to 40
// points mostly, now and then a shape or a text.
func randomElement(r *rand.Rand, i int) *board.Op {
	page := "p1"
	x, y := float64(r.IntN(1500)), float64(r.IntN(900))
	w, h, width := float64(20+r.IntN(200)), float64(20+r.IntN(120)), float64(2+r.IntN(6))
	color := fmt.Sprintf("#%06x", r.IntN(1<<24))
	id := "e" + strconv.Itoa(i)
	switch r.IntN(20) {
	case 0:
		return &board.Op{Op: "add", ID: id, Kind: board.KindRect, Set: &board.Fields{Page: &page, X: &x, Y: &y, W: &w, H: &h, Color: &color, Width: &width}}
	case 1:
		text := "Satz des Pythagoras"
		return &board.Op{Op: "add", ID: id, Kind: board.KindText, Set: &board.Fields{Page: &page, X: &x, Y: &y, Text: &text, Color: &color}}
	}
	n := 10 + r.IntN(30)
	pts := make([]board.Point, n)
	px, py := 0.0, 0.0
	for j := range pts {
		px, py = px+r.Float64()*6-2, py+r.Float64()*6-3
		pts[j] = board.Point{X: px, Y: py, P: r.Float64()}
	}
	return &board.Op{Op: "add", ID: id, Kind: board.KindPen, Set: &board.Fields{Page: &page, X: &x, Y: &y, Color: &color, Width: &width}, Points: pts}
}
