package board_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"strings"
	"testing"

	"github.com/schulhof/schulhof/internal/board"
)

// fillPage adds elements of a kind to page p1 until the page refuses
// more, the way the server takes them: each checked, then applied.
func fillPage(tb testing.TB, kind string) (*board.Doc, int) {
	tb.Helper()
	d := board.New()
	long := strings.Repeat("Bruchrechnung mit gemischten Zahlen ", 140)[:board.MaxText]
	for i := 1; ; i++ {
		op := &board.Op{Op: "add", ID: fmt.Sprintf("e%d", i), Seq: int64(i), Author: 1,
			Set: &board.Fields{Page: ptr("p1"), X: ptr(float64(i % 1400)), Y: ptr(float64(i % 900)), W: ptr(300.0), H: ptr(200.0), Width: ptr(4.0)}}
		switch kind {
		case "text":
			op.Kind, op.Set.Text = board.KindText, ptr(long)
		case "stroke":
			op.Kind = board.KindPen
			for j := 0; j < 500; j++ {
				op.Points = append(op.Points, board.Point{X: float64(j % 300), Y: float64(j * 7 % 200), P: .5})
			}
		case "picture":
			op.Kind, op.Set.X, op.Set.Y, op.Set.W, op.Set.H, op.Set.Image = board.KindImage, ptr(0.0), ptr(0.0), ptr(1600.0), ptr(1000.0), ptr("bild")
		}
		if err := d.Check(op, true); err != nil {
			var be *board.Error
			if !errors.As(err, &be) || be.Reason != "page_full" {
				tb.Fatalf("refused with %v", err)
			}
			return d, i - 1
		}
		d.Apply(op)
		if i > 1_000_000 {
			tb.Fatal("the page takes everything")
		}
	}
}

// TestPageCostCapped: a page takes elements until drawing it would cost
// too much (3,000 long text boxes took 12 s of an export before), then
// refuses more with a reason; what makes it cheaper is still taken, and
// another page takes more. A loaded board knows its pages' cost.
func TestPageCostCapped(t *testing.T) {
	for _, kind := range []string{"text", "stroke", "picture"} {
		d, n := fillPage(t, kind)
		if n == 0 || d.PageCost("p1") > board.MaxPageCost {
			t.Fatalf("%s: %d taken, cost %d", kind, n, d.PageCost("p1"))
		}
		t.Logf("%s: a page takes %d", kind, n)
		del := &board.Op{Op: "set", ID: "e1", Seq: int64(n + 10), Author: 1, Set: &board.Fields{Deleted: ptr(true)}}
		if err := d.Check(del, true); err != nil {
			t.Errorf("%s: deleting on a full page: %v", kind, err)
		}
		d.Apply(del)
		undo := &board.Op{Op: "set", ID: "e1", Seq: int64(n + 11), Author: 1, Set: &board.Fields{Deleted: ptr(false)}}
		if err := d.Check(undo, true); err != nil {
			t.Errorf("%s: undoing the delete: %v", kind, err)
		}
		d.Apply(&board.Op{Op: "page", ID: "p2", Seq: int64(n + 12), Set: &board.Fields{Order: ptr(2.0)}})
		add := &board.Op{Op: "add", ID: "other", Kind: board.KindRect, Seq: int64(n + 13), Author: 1, Set: &board.Fields{Page: ptr("p2"), W: ptr(5.0), H: ptr(5.0)}}
		if err := d.Check(add, true); err != nil {
			t.Errorf("%s: a new page: %v", kind, err)
		}
		moved := &board.Op{Op: "set", ID: "e2", Seq: int64(n + 14), Author: 1, Set: &board.Fields{Page: ptr("p2")}}
		if err := d.Check(moved, true); err != nil {
			t.Errorf("%s: moving one to the new page: %v", kind, err)
		}
		snap, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		loaded, err := board.Load(snap)
		if err != nil || loaded.PageCost("p1") != d.PageCost("p1") || loaded.Clone().PageCost("p1") != d.PageCost("p1") {
			t.Errorf("%s: cost after loading %d, of the clone %d, want %d", kind, loaded.PageCost("p1"), loaded.Clone().PageCost("p1"), d.PageCost("p1"))
		}
	}
}

// BenchmarkFullPage: what exporting a page at its cost cap takes, for
// each kind of filling (pictures of 2,048 pixels, the copies exports
// draw, each over the whole sheet).
func BenchmarkFullPage(b *testing.B) {
	big := image.NewRGBA(image.Rect(0, 0, board.PictureSide, board.PictureSide*3/4))
	pictures := func(string) (image.Image, error) { return big, nil }
	for _, kind := range []string{"text", "stroke", "picture"} {
		d, _ := fillPage(b, kind)
		b.Run(kind, func(b *testing.B) {
			for b.Loop() {
				if _, err := d.PNG("p1", 2, pictures); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
