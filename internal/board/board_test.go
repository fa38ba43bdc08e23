package board_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/schulhof/schulhof/internal/board"
)

func ptr[T any](v T) *T { return &v }

// randomOps makes n operations as a few clients on two pages would send
// them: adds, strokes in batches, moves, recolours, deletes and undos,
// often of the same elements.
func randomOps(r *rand.Rand, clients, n int) [][]*board.Op {
	perClient := make([][]*board.Op, clients)
	var ids []string
	for i := 0; i < n; i++ {
		c := r.IntN(clients)
		var op *board.Op
		switch k := r.IntN(10); {
		case k < 3 || len(ids) == 0:
			id := fmt.Sprintf("c%d-%d", c, i)
			ids = append(ids, id)
			kind := []board.Kind{board.KindPen, board.KindRect, board.KindText, board.KindArrow}[r.IntN(4)]
			op = &board.Op{Op: "add", ID: id, Kind: kind, Set: &board.Fields{Page: ptr([]string{"p1", "p2"}[r.IntN(2)]),
				X: ptr(float64(r.IntN(1000))), Y: ptr(float64(r.IntN(700))), Color: ptr("#1a2b3c"), Width: ptr(3.0)}}
			if kind.Stroked() {
				op.Points = []board.Point{{X: 0, Y: 0, P: .5}, {X: float64(r.IntN(50)), Y: 5, P: .7}}
			}
		case k < 5:
			op = &board.Op{Op: "points", ID: ids[r.IntN(len(ids))], Batch: 1 + r.IntN(4),
				Points: []board.Point{{X: float64(r.IntN(90)), Y: float64(r.IntN(90)), P: r.Float64()}}}
		case k < 7:
			op = &board.Op{Op: "set", ID: ids[r.IntN(len(ids))], Set: &board.Fields{X: ptr(float64(r.IntN(900))), Z: ptr(float64(r.IntN(3)))}}
		case k < 8:
			op = &board.Op{Op: "set", ID: ids[r.IntN(len(ids))], Set: &board.Fields{Color: ptr(fmt.Sprintf("#%06x", r.IntN(1<<24))), Text: ptr("Satz des Pythagoras")}}
		case k < 9:
			op = &board.Op{Op: "set", ID: ids[r.IntN(len(ids))], Set: &board.Fields{Deleted: ptr(r.IntN(2) == 0)}}
		default:
			op = &board.Op{Op: "page", ID: []string{"p1", "p2", "p3"}[r.IntN(3)],
				Set: &board.Fields{Background: ptr([]string{"blank", "squared", "lined", "staves"}[r.IntN(4)]), Order: ptr(float64(r.IntN(5)))}}
		}
		op.Author = int64(c + 1)
		perClient[c] = append(perClient[c], op)
	}
	return perClient
}

// serverOrder interleaves the clients' operations as they might arrive
// (each client's own in order, as over its socket) and numbers them.
func serverOrder(r *rand.Rand, perClient [][]*board.Op) []*board.Op {
	next := make([]int, len(perClient))
	var log []*board.Op
	for {
		var open []int
		for c := range perClient {
			if next[c] < len(perClient[c]) {
				open = append(open, c)
			}
		}
		if len(open) == 0 {
			return log
		}
		c := open[r.IntN(len(open))]
		op := *perClient[c][next[c]]
		next[c]++
		op.Seq = int64(len(log) + 1)
		log = append(log, &op)
	}
}

func state(t *testing.T, d *board.Doc) string {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConvergence: whatever order the ordered operations reach a client
// in, and however often, every client ends on the same board.
func TestConvergence(t *testing.T) {
	for round := 0; round < 200; round++ {
		r := rand.New(rand.NewPCG(uint64(round), 7))
		log := serverOrder(r, randomOps(r, 2+r.IntN(4), 20+r.IntN(200)))
		want := board.New()
		for _, op := range log {
			want.Apply(op)
		}
		for client := 0; client < 4; client++ {
			got := board.New()
			arrival := r.Perm(len(log))
			for _, i := range arrival {
				got.Apply(log[i])
				if r.IntN(5) == 0 { // a reconnect fetches some again
					got.Apply(log[arrival[r.IntN(len(arrival))]])
				}
			}
			if s, w := state(t, got), state(t, want); s != w {
				t.Fatalf("round %d, client %d: the board differs\n got %s\nwant %s", round, client, s, w)
			}
		}
	}
}

// TestSnapshotReplay: a snapshot plus the operations after it is the board.
func TestSnapshotReplay(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	log := serverOrder(r, randomOps(r, 3, 500))
	all := board.New()
	for _, op := range log {
		all.Apply(op)
	}
	for _, cut := range []int{0, 1, 99, 250, len(log)} {
		d := board.New()
		for _, op := range log[:cut] {
			d.Apply(op)
		}
		b, _ := json.Marshal(d)
		loaded, err := board.Load(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range log[cut:] {
			loaded.Apply(op)
		}
		if state(t, loaded) != state(t, all) {
			t.Fatalf("snapshot after %d operations, then the rest: not the board", cut)
		}
		if loaded.Seq != int64(len(log)) {
			t.Fatalf("seq %d", loaded.Seq)
		}
		if loaded.Floor() != int64(cut) {
			t.Fatalf("floor %d after a snapshot at %d", loaded.Floor(), cut)
		}
	}
}

func TestLastWriterWins(t *testing.T) {
	d := board.New()
	d.Apply(&board.Op{Op: "add", ID: "a", Kind: board.KindRect, Seq: 1, Author: 1, Set: &board.Fields{Page: ptr("p1"), X: ptr(10.0), W: ptr(50.0), H: ptr(20.0)}})
	d.Apply(&board.Op{Op: "set", ID: "a", Seq: 3, Set: &board.Fields{X: ptr(30.0)}})
	d.Apply(&board.Op{Op: "set", ID: "a", Seq: 2, Set: &board.Fields{X: ptr(20.0), Y: ptr(5.0)}}) // late, but Y is new
	e := d.Elements["a"]
	if e.X != 30 || e.Y != 5 || e.W != 50 {
		t.Fatalf("x %v y %v w %v", e.X, e.Y, e.W)
	}
	// deleted and back again (undo)
	d.Apply(&board.Op{Op: "set", ID: "a", Seq: 4, Set: &board.Fields{Deleted: ptr(true)}})
	if len(d.PageElements("p1")) != 0 {
		t.Fatal("deleted, still drawn")
	}
	d.Apply(&board.Op{Op: "set", ID: "a", Seq: 5, Set: &board.Fields{Deleted: ptr(false)}})
	if len(d.PageElements("p1")) != 1 {
		t.Fatal("undone delete, not drawn")
	}
	// a stroke's batches in any order are its points in batch order
	d.Apply(&board.Op{Op: "points", ID: "s", Batch: 2, Seq: 7, Points: []board.Point{{X: 3, Y: 3, P: .5}}})
	d.Apply(&board.Op{Op: "add", ID: "s", Kind: board.KindPen, Seq: 6, Set: &board.Fields{Page: ptr("p1")}, Points: []board.Point{{X: 1, Y: 1, P: .5}}})
	d.Apply(&board.Op{Op: "points", ID: "s", Batch: 1, Seq: 8, Points: []board.Point{{X: 2, Y: 2, P: .5}}})
	pts := d.Elements["s"].Points()
	if len(pts) != 3 || pts[0].X != 1 || pts[1].X != 2 || pts[2].X != 3 {
		t.Fatalf("points %v", pts)
	}
	if es := d.PageElements("p1"); len(es) != 2 || es[0].ID != "a" {
		t.Fatalf("order %v", es)
	}
}

func TestValidate(t *testing.T) {
	page := ptr("p1")
	cases := []struct {
		name   string
		op     board.Op
		reason string
	}{
		{"pen stroke", board.Op{Op: "add", ID: "u1-a", Kind: board.KindPen, Set: &board.Fields{Page: page, Color: ptr("#ff0000"), Width: ptr(2.0)}, Points: []board.Point{{X: 1, Y: 2, P: 1}}}, ""},
		{"note", board.Op{Op: "add", ID: "n", Kind: board.KindNote, Set: &board.Fields{Page: page, Text: ptr("Hausaufgabe: S. 42"), Fill: ptr("#fff59d")}}, ""},
		{"page", board.Op{Op: "page", ID: "p2", Set: &board.Fields{Background: ptr("squared"), Order: ptr(2.0)}}, ""},
		{"unknown op", board.Op{Op: "explode", ID: "a"}, "bad_op"},
		{"bad id", board.Op{Op: "add", ID: "a b", Kind: board.KindRect, Set: &board.Fields{Page: page}}, "bad_id"},
		{"long id", board.Op{Op: "add", ID: string(make([]byte, 65)), Kind: board.KindRect, Set: &board.Fields{Page: page}}, "bad_id"},
		{"unknown kind", board.Op{Op: "add", ID: "a", Kind: "bomb", Set: &board.Fields{Page: page}}, "bad_kind"},
		{"no page", board.Op{Op: "add", ID: "a", Kind: board.KindRect, Set: &board.Fields{}}, "no_page"},
		{"NaN", board.Op{Op: "set", ID: "a", Set: &board.Fields{X: ptr(math.NaN())}}, "bad_number"},
		{"infinite", board.Op{Op: "set", ID: "a", Set: &board.Fields{Y: ptr(math.Inf(1))}}, "bad_number"},
		{"far away", board.Op{Op: "set", ID: "a", Set: &board.Fields{X: ptr(2e6)}}, "bad_number"},
		{"huge box", board.Op{Op: "set", ID: "a", Set: &board.Fields{W: ptr(2e5)}}, "bad_number"},
		{"fat line", board.Op{Op: "set", ID: "a", Set: &board.Fields{Width: ptr(500.0)}}, "bad_number"},
		{"colour name", board.Op{Op: "set", ID: "a", Set: &board.Fields{Color: ptr("red")}}, "bad_color"},
		{"colour script", board.Op{Op: "set", ID: "a", Set: &board.Fields{Color: ptr("#12345g")}}, "bad_color"},
		{"no fill ok", board.Op{Op: "set", ID: "a", Set: &board.Fields{Fill: ptr("")}}, ""},
		{"long text", board.Op{Op: "set", ID: "a", Set: &board.Fields{Text: ptr(string(make([]rune, 5001)))}}, "text_too_long"},
		{"empty set", board.Op{Op: "set", ID: "a"}, "empty"},
		{"points on add of a shape", board.Op{Op: "add", ID: "a", Kind: board.KindRect, Set: &board.Fields{Page: page}, Points: []board.Point{{}}}, "bad_points"},
		{"batch 0 again", board.Op{Op: "points", ID: "a", Batch: 0, Points: []board.Point{{}}}, ""},
		{"negative batch", board.Op{Op: "points", ID: "a", Batch: -1, Points: []board.Point{{}}}, "bad_batch"},
		{"too many points", board.Op{Op: "points", ID: "a", Batch: 1, Points: make([]board.Point, 501)}, "too_many_points"},
		{"pressure", board.Op{Op: "points", ID: "a", Batch: 1, Points: []board.Point{{X: 1, Y: 1, P: 2}}}, "bad_point"},
		{"page field on element", board.Op{Op: "set", ID: "a", Set: &board.Fields{Background: ptr("lined")}}, "bad_field"},
		{"element field on page", board.Op{Op: "page", ID: "p1", Set: &board.Fields{X: ptr(1.0)}}, "bad_field"},
		{"pattern", board.Op{Op: "page", ID: "p1", Set: &board.Fields{Background: ptr("dots")}}, "bad_background"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := board.Validate(&c.op)
			var be *board.Error
			switch {
			case c.reason == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.reason != "" && (!errors.As(err, &be) || be.Reason != c.reason):
				t.Fatalf("got %v, want %s", err, c.reason)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	d := board.New()
	d.Apply(&board.Op{Op: "add", ID: "t", Kind: board.KindText, Seq: 1, Author: 1, Set: &board.Fields{Page: ptr("p1")}})
	d.Apply(&board.Op{Op: "add", ID: "s", Kind: board.KindPen, Seq: 2, Author: 2, Set: &board.Fields{Page: ptr("p1")}})
	reason := func(op board.Op, leader bool) string {
		if err := d.Check(&op, leader); err != nil {
			return err.(*board.Error).Reason
		}
		return ""
	}
	for _, c := range []struct {
		op     board.Op
		leader bool
		want   string
	}{
		{board.Op{Op: "set", ID: "t", Author: 2, Set: &board.Fields{X: ptr(1.0)}}, false, "not_yours"},
		{board.Op{Op: "set", ID: "t", Author: 1, Set: &board.Fields{X: ptr(1.0)}}, false, ""},
		{board.Op{Op: "set", ID: "s", Author: 1, Set: &board.Fields{Deleted: ptr(true)}}, true, ""},
		{board.Op{Op: "points", ID: "s", Author: 2, Batch: 1, Points: []board.Point{{}}}, false, ""},
		{board.Op{Op: "points", ID: "t", Author: 1, Batch: 1, Points: []board.Point{{}}}, true, "bad_points"},
		{board.Op{Op: "set", ID: "x", Author: 1, Set: &board.Fields{X: ptr(1.0)}}, true, "unknown_element"},
		{board.Op{Op: "add", ID: "t", Kind: board.KindRect, Author: 1, Set: &board.Fields{Page: ptr("p1")}}, true, "exists"},
		{board.Op{Op: "add", ID: "n", Kind: board.KindRect, Author: 2, Set: &board.Fields{Page: ptr("p9")}}, false, "no_page"},
		{board.Op{Op: "set", ID: "s", Author: 2, Set: &board.Fields{Page: ptr("p9")}}, false, "no_page"},
		{board.Op{Op: "page", ID: "p2", Author: 2, Set: &board.Fields{Background: ptr("lined")}}, false, "not_yours"},
		{board.Op{Op: "page", ID: "p2", Author: 1, Set: &board.Fields{Background: ptr("lined")}}, true, ""},
	} {
		if got := reason(c.op, c.leader); got != c.want {
			t.Errorf("%+v (leader %v): %q, want %q", c.op, c.leader, got, c.want)
		}
	}
}

// FuzzOps: whatever a client sends, the decoder and the checks refuse it
// or the board takes it; nothing panics, and a taken operation leaves a
// board that survives a snapshot.
func FuzzOps(f *testing.F) {
	f.Add(`{"op":"add","id":"a","kind":"pen","set":{"page":"p1","color":"#000000"},"points":[[1,2,0.5],[3,4]]}`)
	f.Add(`{"op":"points","id":"a","batch":3,"points":[[1e6,-1e6,1]]}`)
	f.Add(`{"op":"set","id":"a","set":{"x":1e308,"deleted":true}}`)
	f.Add(`{"op":"page","id":"p2","set":{"background":"staves","order":-1}}`)
	f.Add(`{"op":"add","id":"n","kind":"note","set":{"page":"p1","text":"\u0000\ud800"}}`)
	f.Fuzz(func(t *testing.T, s string) {
		var op board.Op
		if json.Unmarshal([]byte(s), &op) != nil {
			return
		}
		d := board.New()
		d.Apply(&board.Op{Op: "add", ID: "a", Kind: board.KindPen, Seq: 1, Author: 1, Set: &board.Fields{Page: ptr("p1")}})
		if board.Validate(&op) != nil {
			return
		}
		op.Seq, op.Author = 2, 1
		if d.Check(&op, false) != nil {
			return
		}
		d.Apply(&op)
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("a taken operation broke the snapshot: %v", err)
		}
		if _, err := board.Load(b); err != nil {
			t.Fatal(err)
		}
		for _, p := range d.PageList() {
			for _, e := range d.PageElements(p.ID) {
				e.Bounds()
			}
		}
	})
}

// TestPoints: a stroke's points survive the snapshot's compact form,
// rounded as Normalize rounds them; both forms are read.
func TestPoints(t *testing.T) {
	op := &board.Op{Op: "points", ID: "s", Batch: 1, Points: []board.Point{{X: 12.34, Y: -5.67, P: 0.523}, {X: 12.36, Y: 100000, P: 1}, {X: -999999.9, Y: 0, P: 0}}}
	op.Normalize()
	want := []board.Point{{X: 12.3, Y: -5.7, P: 0.52}, {X: 12.4, Y: 100000, P: 1}, {X: -999999.9, Y: 0, P: 0}}
	for i, p := range op.Points {
		if math.Abs(p.X-want[i].X) > 1e-9 || math.Abs(p.Y-want[i].Y) > 1e-9 || math.Abs(p.P-want[i].P) > 1e-9 {
			t.Fatalf("normalized %v, want %v", op.Points, want)
		}
	}
	b, err := json.Marshal(board.Points(op.Points))
	if err != nil || b[0] != '"' {
		t.Fatalf("%s %v", b, err)
	}
	var back board.Points
	if err := json.Unmarshal(b, &back); err != nil || len(back) != 3 {
		t.Fatalf("%v %v", back, err)
	}
	for i, p := range back {
		if math.Abs(p.X-want[i].X) > 1e-6 || math.Abs(p.Y-want[i].Y) > 1e-6 || math.Abs(p.P-want[i].P) > 1e-6 {
			t.Fatalf("round trip %v, want %v", back, want)
		}
	}
	if err := json.Unmarshal([]byte(`[[1,2,0.5],[3,4]]`), &back); err != nil || len(back) != 2 || back[1].P != 0.5 {
		t.Fatalf("triples: %v %v", back, err)
	}
	for _, bad := range []string{`"!!"`, `"gA=="`, `3`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s read", bad)
		}
	}
}

// TestTextBounds: a text's box covers its lines, so that it can be
// picked and an export takes it in.
func TestTextBounds(t *testing.T) {
	e := &board.Element{Kind: board.KindText, X: 10, Y: 20, Width: 20, Text: "Satz des Pythagoras\na² + b² = c²"}
	x0, y0, x1, y1 := e.Bounds()
	if x0 != 10 || y0 != 20 || x1 < 10+150 || y1 != 20+2*20*board.LineHeight {
		t.Errorf("bounds %v %v %v %v", x0, y0, x1, y1)
	}
	e.W = 100 // wrapped: more lines
	if _, _, x1, y1 := e.Bounds(); x1 != 110 || y1 <= 20+2*20*board.LineHeight {
		t.Errorf("wrapped: %v %v", x1, y1)
	}
}
