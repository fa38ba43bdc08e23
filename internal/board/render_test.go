package board_test

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/schulhof/schulhof/internal/board"
)

var update = flag.Bool("update", false, "write the golden pictures anew")

// sample is a page with one of everything, as a lesson leaves it.
func sample() *board.Doc {
	d := board.New()
	seq := int64(0)
	add := func(op board.Op) {
		seq++
		op.Seq = seq
		d.Apply(&op)
	}
	p1 := ptr("p1")
	add(board.Op{Op: "page", ID: "p1", Set: &board.Fields{Background: ptr(board.BackgroundSquared)}})
	var pts []board.Point
	for i := 0; i <= 40; i++ {
		a := float64(i) / 40 * 2 * math.Pi
		pts = append(pts, board.Point{X: 120 * math.Cos(a), Y: 60 * math.Sin(2*a), P: float64(i) / 40})
	}
	add(board.Op{Op: "add", ID: "pen", Kind: board.KindPen, Set: &board.Fields{Page: p1, X: ptr(300.0), Y: ptr(250.0), Color: ptr("#1565c0"), Width: ptr(8.0)}, Points: pts})
	add(board.Op{Op: "add", ID: "hl", Kind: board.KindHighlighter, Set: &board.Fields{Page: p1, X: ptr(100.0), Y: ptr(480.0), Color: ptr("#ffeb3b"), Width: ptr(30.0)},
		Points: []board.Point{{X: 0, Y: 0, P: .5}, {X: 500, Y: 10, P: .5}, {X: 480, Y: 20, P: .5}}})
	add(board.Op{Op: "add", ID: "arrow", Kind: board.KindArrow, Set: &board.Fields{Page: p1, X: ptr(700.0), Y: ptr(100.0), W: ptr(300.0), H: ptr(150.0), Color: ptr("#c62828"), Width: ptr(4.0)}})
	add(board.Op{Op: "add", ID: "line", Kind: board.KindLine, Set: &board.Fields{Page: p1, X: ptr(700.0), Y: ptr(300.0), W: ptr(300.0), H: ptr(0.0), Width: ptr(2.0)}})
	add(board.Op{Op: "add", ID: "rect", Kind: board.KindRect, Set: &board.Fields{Page: p1, X: ptr(1100.0), Y: ptr(100.0), W: ptr(200.0), H: ptr(120.0), Color: ptr("#2e7d32"), Fill: ptr("#c8e6c9"), Width: ptr(6.0)}})
	add(board.Op{Op: "add", ID: "ellipse", Kind: board.KindEllipse, Set: &board.Fields{Page: p1, X: ptr(1100.0), Y: ptr(300.0), W: ptr(220.0), H: ptr(140.0), Color: ptr("#6a1b9a"), Width: ptr(5.0)}})
	add(board.Op{Op: "add", ID: "text", Kind: board.KindText, Set: &board.Fields{Page: p1, X: ptr(100.0), Y: ptr(620.0), W: ptr(600.0), Text: ptr("a² + b² = c² – der Satz des Pythagoras gilt in jedem rechtwinkligen Dreieck."), Width: ptr(32.0)}})
	add(board.Op{Op: "add", ID: "note", Kind: board.KindNote, Set: &board.Fields{Page: p1, X: ptr(1000.0), Y: ptr(600.0), W: ptr(260.0), H: ptr(160.0), Text: ptr("Hausaufgabe: S. 42, Nr. 3–5")}})
	add(board.Op{Op: "add", ID: "img", Kind: board.KindImage, Set: &board.Fields{Page: p1, X: ptr(1350.0), Y: ptr(600.0), W: ptr(120.0), H: ptr(90.0), Image: ptr("bild")}})
	add(board.Op{Op: "add", ID: "gone", Kind: board.KindRect, Set: &board.Fields{Page: p1, X: ptr(50.0), Y: ptr(50.0), W: ptr(100.0), H: ptr(100.0), Color: ptr("#000000"), Fill: ptr("#000000")}})
	add(board.Op{Op: "set", ID: "gone", Set: &board.Fields{Deleted: ptr(true)}})
	return d
}

func picture(id string) (image.Image, error) {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 6), uint8(y * 8), 160, 255})
		}
	}
	return img, nil
}

// TestRenderGolden: the page looks as it did, within a tolerance for
// anti-aliasing; -update writes the pictures anew (look at them).
func TestRenderGolden(t *testing.T) {
	d := sample()
	for _, bg := range []string{board.BackgroundSquared, board.BackgroundLined, board.BackgroundStaves} {
		t.Run(bg, func(t *testing.T) {
			d.Apply(&board.Op{Op: "page", ID: "p1", Seq: d.Seq + 1, Set: &board.Fields{Background: ptr(bg)}})
			img, err := d.Render("p1", 1, picture)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "page-"+bg+".png")
			if *update {
				var buf bytes.Buffer
				png.Encode(&buf, img)
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, err := os.Open(golden)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			want, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds() != want.Bounds() {
				t.Fatalf("size %v, want %v", img.Bounds(), want.Bounds())
			}
			// pixels that differ by more than a little, per channel
			var off int
			b := img.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					r1, g1, b1, _ := img.At(x, y).RGBA()
					r2, g2, b2, _ := want.At(x, y).RGBA()
					if diff(r1, r2) > 24<<8 || diff(g1, g2) > 24<<8 || diff(b1, b2) > 24<<8 {
						off++
					}
				}
			}
			if limit := b.Dx() * b.Dy() / 1000; off > limit {
				t.Errorf("%d pixels differ from %s (at most %d may)", off, golden, limit)
			}
		})
	}
}

func diff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestRenderShapes: the things a golden picture could get wrong
// unnoticed: what is drawn where, holes, transparency, deleted elements.
func TestRenderShapes(t *testing.T) {
	d := sample()
	img, err := d.Render("p1", 1, picture)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != board.SheetWidth || b.Dy() != board.SheetHeight {
		t.Fatalf("a page within the sheet exports the sheet: %v", b)
	}
	at := func(x, y int) color.RGBA { return img.RGBAAt(x, y) }
	if c := at(1100+100, 100+60); c != (color.RGBA{0xc8, 0xe6, 0xc9, 0xff}) {
		t.Errorf("rect fill %v", c)
	}
	if c := at(1100, 160); c.G < 0x70 || c.R > 0x40 {
		t.Errorf("rect outline %v", c)
	}
	if c := at(1100+110, 300+70); c.R < 0xf0 || c.G < 0xf0 {
		t.Errorf("the ellipse is hollow, got %v in its middle", c)
	}
	if c := at(105, 105); c.R < 0xf0 {
		t.Errorf("a deleted element is drawn: %v", c)
	}
	if c := at(305, 485); c.B > 0xe0 || c.R < 0xf0 { // yellow at 35 % over white, over the squares
		t.Errorf("highlighter %v", c)
	}
	if c := at(1360, 610); c.B != 160 {
		t.Errorf("the image %v", c)
	}
	// something far out widens the export
	d.Apply(&board.Op{Op: "add", ID: "far", Kind: board.KindRect, Seq: 100, Set: &board.Fields{Page: ptr("p1"), X: ptr(-500.0), Y: ptr(0.0), W: ptr(10.0), H: ptr(10.0)}})
	if img, _ := d.Render("p1", 1, nil); img.Bounds().Dx() < 2100 {
		t.Errorf("export of a wider page: %v", img.Bounds())
	}
	if _, err := d.Render("p9", 1, nil); err == nil {
		t.Error("a page that is not there")
	}
	pdf, err := d.PDF("Tafelbild", picture)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("pdf: %v", err)
	}
}

// fullPage is a page written full: 2,000 strokes of 60 points.
func fullPage() *board.Doc {
	d := board.New()
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		var pts []board.Point
		x, y := 0.0, 0.0
		for j := 0; j < 60; j++ {
			x, y = x+r.Float64()*6-2, y+r.Float64()*6-3
			pts = append(pts, board.Point{X: x, Y: y, P: r.Float64()})
		}
		d.Apply(&board.Op{Op: "add", ID: fmt.Sprintf("s%d", i), Kind: board.KindPen, Seq: int64(i + 1), Points: pts,
			Set: &board.Fields{Page: ptr("p1"), X: ptr(float64(r.IntN(1500))), Y: ptr(float64(r.IntN(900))), Width: ptr(3.0), Color: ptr("#222222")}})
	}
	d.Apply(&board.Op{Op: "page", ID: "p1", Seq: 3000, Set: &board.Fields{Background: ptr(board.BackgroundSquared)}})
	return d
}

// BenchmarkPNG: a full page to PNG (the target: under 300 ms).
func BenchmarkPNG(b *testing.B) {
	d := fullPage()
	for b.Loop() {
		if _, err := d.PNG("p1", 1, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// lessonPage is a page of 20,000 elements as schulhof-bench board makes
// it: strokes of 10 to 40 points, now and then a rectangle or a text.
func lessonPage() *board.Doc {
	d := board.New()
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		op := &board.Op{Op: "add", ID: fmt.Sprintf("e%d", i), Seq: int64(i + 1), Kind: board.KindPen,
			Set: &board.Fields{Page: ptr("p1"), X: ptr(float64(r.IntN(1500))), Y: ptr(float64(r.IntN(900))), W: ptr(float64(20 + r.IntN(200))),
				H: ptr(float64(20 + r.IntN(120))), Width: ptr(float64(2 + r.IntN(6))), Color: ptr(fmt.Sprintf("#%06x", r.IntN(1<<24)))}}
		switch r.IntN(20) {
		case 0:
			op.Kind = board.KindRect
		case 1:
			op.Kind, op.Set.Text = board.KindText, ptr("Satz des Pythagoras")
		default:
			x, y := 0.0, 0.0
			for j := 10 + r.IntN(30); j > 0; j-- {
				x, y = x+r.Float64()*6-2, y+r.Float64()*6-3
				op.Points = append(op.Points, board.Point{X: x, Y: y, P: r.Float64()})
			}
		}
		d.Apply(op)
	}
	return d
}

// BenchmarkPNGLesson: the page of 20,000 elements to PNG.
func BenchmarkPNGLesson(b *testing.B) {
	d := lessonPage()
	for b.Loop() {
		if _, err := d.PNG("p1", 1, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRenderBands: a full page drawn in bands at once is the page drawn
// in one pass, but for the last bit of anti-aliasing where a shape is
// cut at a band's edge (its corners are then counted from another
// origin, in float32).
func TestRenderBands(t *testing.T) {
	d := fullPage()
	d.Apply(&board.Op{Op: "add", ID: "note", Kind: board.KindNote, Seq: 5000, Set: &board.Fields{Page: ptr("p1"), X: ptr(700.0), Y: ptr(480.0), W: ptr(300.0), H: ptr(200.0),
		Text: ptr("Über die Grenze der Bänder hinweg geschrieben, damit sie sich treffen")}})
	one, err := board.RenderIn(d, "p1", 1, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3, 7} {
		got, err := board.RenderIn(d, "p1", 1, nil, n)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got.Pix {
			if diff(uint32(got.Pix[i]), uint32(one.Pix[i])) > 2 {
				t.Fatalf("%d bands draw another picture: byte %d is %d, not %d", n, i, got.Pix[i], one.Pix[i])
			}
		}
	}
}
