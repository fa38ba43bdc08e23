package board

// Rendering a page to a picture, on the server, the way board.js draws
// it in the browser: the same sheet, patterns, line widths, pressure,
// arrow heads, fonts and note colours. Change one, change the other.

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/go-pdf/fpdf"
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// The sheet: what a page shows at zoom 1 before anyone pans, and the
// least an export covers.
const (
	SheetWidth  = 1600
	SheetHeight = 1000
	// MaxExportSide bounds an exported picture's side in pixels.
	MaxExportSide = 4096
	exportMargin  = 20
)

// The patterns' spacing in board units (a unit is a CSS pixel at zoom
// 1; 5 mm are some 19 of them).
const (
	squaredStep = 20
	linedStep   = 32
	staveGap    = 8  // between a stave's five lines
	staveStep   = 96 // from stave to stave
)

var (
	patternColor = color.NRGBA{0xb8, 0xc8, 0xdc, 0xff}
	noteColor    = "#fff59d"
	textColor    = "#1f2933"
)

// Images gives the pictures that image elements and page backgrounds
// name, by id; nil, or an error, leaves a grey box. Bands of a page are
// drawn at once: it is called from several goroutines.
type Images func(id string) (image.Image, error)

// Area is the part of the board a page export covers: the sheet and
// everything drawn on the page, with a margin.
func (d *Doc) Area(page string) (x0, y0, x1, y1 float64) {
	x0, y0, x1, y1 = 0, 0, SheetWidth, SheetHeight
	for _, e := range d.PageElements(page) {
		a, b, c, dd := e.Bounds()
		x0, y0, x1, y1 = min(x0, a-exportMargin), min(y0, b-exportMargin), max(x1, c+exportMargin), max(y1, dd+exportMargin)
	}
	return
}

// Render draws a page at the given scale (pixels per unit; lowered so
// that no side exceeds MaxExportSide).
func (d *Doc) Render(page string, scale float64, images Images) (*image.RGBA, error) {
	return d.render(page, scale, images, runtime.GOMAXPROCS(0))
}

// render draws a page in up to the given number of bands at once.
func (d *Doc) render(page string, scale float64, images Images, cores int) (*image.RGBA, error) {
	p := d.Pages[page]
	if p == nil || p.Deleted {
		return nil, fmt.Errorf("no page %q", page)
	}
	x0, y0, x1, y1 := d.Area(page)
	scale = min(scale, MaxExportSide/(x1-x0), MaxExportSide/(y1-y0))
	w, h := int(math.Ceil((x1-x0)*scale)), int(math.Ceil((y1-y0)*scale))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	elements := d.PageElements(page)
	// a full page is drawn in horizontal bands at once, one per core,
	// each with the elements that reach into it, in the same order
	bands := 1
	if len(elements) > 500 {
		bands = min(cores, max(1, h/64))
	}
	var wg sync.WaitGroup
	for i := 0; i < bands; i++ {
		band := image.Rect(0, h*i/bands, w, h*(i+1)/bands)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &renderer{img: img.SubImage(band).(*image.RGBA), scale: scale, x0: x0, y0: y0, images: images}
			r.background(p)
			top, bottom := y0+float64(band.Min.Y)/scale, y0+float64(band.Max.Y)/scale
			for _, e := range elements {
				// Bounds leaves out a pencil's full pressure and arrow heads
				m := 2 + e.Width + ArrowHead(e.Width)
				if _, ey0, _, ey1 := e.Bounds(); bands > 1 && (ey1+m < top || ey0-m > bottom) && e.Kind != KindText && e.Kind != KindNote {
					continue // text may reach further down than its box says
				}
				r.element(e)
			}
		}()
	}
	wg.Wait()
	return img, nil
}

// PNG is a page as a PNG file.
func (d *Doc) PNG(page string, scale float64, images Images) ([]byte, error) {
	img, err := d.Render(page, scale, images)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PDF is the board as a PDF, a page for each of its pages, each the
// rendered picture (at twice the screen's scale, for print): the same
// as the PNG and the browser, by construction.
func (d *Doc) PDF(title string, images Images) ([]byte, error) {
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt"})
	pdf.SetTitle(title, true)
	pdf.SetCreator("Schulhof", true)
	pdf.SetAutoPageBreak(false, 0)
	for i, p := range d.PageList() {
		b, err := d.PNG(p.ID, 2, images)
		if err != nil {
			return nil, err
		}
		x0, y0, x1, y1 := d.Area(p.ID)
		// an A4 landscape page's width (842 pt) for the sheet, in proportion
		w := 842.0
		h := w * (y1 - y0) / (x1 - x0)
		pdf.AddPageFormat("P", fpdf.SizeType{Wd: w, Ht: h})
		name := fmt.Sprintf("page%d", i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(b))
		pdf.ImageOptions(name, 0, 0, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type renderer struct {
	img    *image.RGBA // RGBA, not NRGBA: the rasterizer's fast path
	scale  float64
	x0, y0 float64
	images Images
	z      vector.Rasterizer
	// the shape being filled, in pixels, and its box
	px, py     []float32
	bx0, by0   float64
	bx1, by1   float64
	components [][2]int // start, end of each closed polygon in px/py
	faces      map[float64]font.Face
}

// to converts board units to pixels.
func (r *renderer) to(x, y float64) (float64, float64) {
	return (x - r.x0) * r.scale, (y - r.y0) * r.scale
}

func (r *renderer) background(p *Page) {
	b := r.img.Bounds()
	line := func(x0, y0, x1, y1 float64) {
		r.begin()
		r.capsule(x0, y0, 0.5, x1, y1, 0.5)
		r.fill(patternColor)
	}
	if p.Image != "" {
		r.picture(p.Image, 0, 0, SheetWidth, SheetHeight)
	}
	// a little beyond the picture, so that the lines' ends are not in it
	// (nor at the edges of the bands of a page drawn at once)
	ux0, uy0 := r.x0+float64(b.Min.X)/r.scale-2, r.y0+float64(b.Min.Y)/r.scale-2
	ux1, uy1 := r.x0+float64(b.Max.X)/r.scale+2, r.y0+float64(b.Max.Y)/r.scale+2
	switch p.Background {
	case BackgroundSquared:
		for x := math.Ceil(ux0/squaredStep) * squaredStep; x <= ux1; x += squaredStep {
			line(x, uy0, x, uy1)
		}
		for y := math.Ceil(uy0/squaredStep) * squaredStep; y <= uy1; y += squaredStep {
			line(ux0, y, ux1, y)
		}
	case BackgroundLined:
		for y := math.Ceil(uy0/linedStep) * linedStep; y <= uy1; y += linedStep {
			line(ux0, y, ux1, y)
		}
	case BackgroundStaves:
		for y := math.Ceil(uy0/staveStep) * staveStep; y <= uy1; y += staveStep {
			for i := 0; i < 5; i++ {
				line(ux0, y+float64(i*staveGap), ux1, y+float64(i*staveGap))
			}
		}
	}
}

func (r *renderer) element(e *Element) {
	c := parseColor(e.Color, textColor)
	width := e.Width
	if width <= 0 {
		width = 3
	}
	switch e.Kind {
	case KindPen, KindHighlighter:
		radius := func(p Point) float64 {
			if e.Kind == KindPen {
				return PenRadius(width, p.P)
			}
			return width / 2
		}
		r.begin()
		r.stroke(e.X, e.Y, e.Points(), radius)
		if e.Kind == KindHighlighter {
			c.A = uint8(float64(c.A) * HighlighterAlpha)
		}
		r.fill(c)
	case KindLine, KindArrow:
		x1, y1 := e.X+e.W, e.Y+e.H
		r.begin()
		r.capsule(e.X, e.Y, width/2, x1, y1, width/2)
		if e.Kind == KindArrow {
			r.arrowHead(e.X, e.Y, x1, y1, width)
		}
		r.fill(c)
	case KindRect:
		x0, y0, x1, y1 := min(e.X, e.X+e.W), min(e.Y, e.Y+e.H), max(e.X, e.X+e.W), max(e.Y, e.Y+e.H)
		if e.Fill != "" {
			r.begin()
			r.polygon([][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}})
			r.fill(parseColor(e.Fill, noteColor))
		}
		m := width / 2
		r.begin()
		r.polygon([][2]float64{{x0 - m, y0 - m}, {x1 + m, y0 - m}, {x1 + m, y1 + m}, {x0 - m, y1 + m}})
		if x1-x0 > width && y1-y0 > width {
			r.polygon([][2]float64{{x0 + m, y0 + m}, {x0 + m, y1 - m}, {x1 - m, y1 - m}, {x1 - m, y0 + m}}) // the other way round: a hole
		}
		r.fill(c)
	case KindEllipse:
		cx, cy, rx, ry := e.X+e.W/2, e.Y+e.H/2, math.Abs(e.W)/2, math.Abs(e.H)/2
		if e.Fill != "" {
			r.begin()
			r.polygon(ellipse(cx, cy, rx, ry, false))
			r.fill(parseColor(e.Fill, noteColor))
		}
		m := width / 2
		r.begin()
		r.polygon(ellipse(cx, cy, rx+m, ry+m, false))
		if rx > m && ry > m {
			r.polygon(ellipse(cx, cy, rx-m, ry-m, true))
		}
		r.fill(c)
	case KindText:
		r.text(e.Text, e.X, e.Y, e.W, TextSize(e.Width), c)
	case KindNote:
		x0, y0 := min(e.X, e.X+e.W), min(e.Y, e.Y+e.H)
		r.begin()
		r.polygon([][2]float64{{x0, y0}, {x0 + math.Abs(e.W), y0}, {x0 + math.Abs(e.W), y0 + math.Abs(e.H)}, {x0, y0 + math.Abs(e.H)}})
		r.fill(parseColor(e.Fill, noteColor))
		r.text(e.Text, x0+NotePadding, y0+NotePadding, math.Abs(e.W)-2*NotePadding, NoteTextSize, parseColor(e.Color, textColor))
	case KindImage:
		r.picture(e.Image, e.X, e.Y, e.W, e.H)
	}
}

// What board.js draws alike.
const (
	HighlighterAlpha = 0.35
	NotePadding      = 12
	NoteTextSize     = 20
	LineHeight       = 1.25
)

// PenRadius is a pen's half width at a point: thinner with less
// pressure, as a pencil draws (pressure 0.5, a mouse, is the width).
func PenRadius(width, pressure float64) float64 { return width / 2 * (0.5 + pressure) }

// TextSize is a text box's font size, kept in its Width (24 unless set).
func TextSize(width float64) float64 {
	if width < 8 {
		return 24
	}
	return width
}

func (r *renderer) begin() {
	r.px, r.py, r.components = r.px[:0], r.py[:0], r.components[:0]
	r.bx0, r.by0, r.bx1, r.by1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
}

// polygon adds a closed polygon in board units. Every polygon of a shape
// winds the same way (clockwise on screen) unless it is a hole, so that
// the overlapping parts of a stroke count once.
func (r *renderer) polygon(pts [][2]float64) {
	start := len(r.px)
	for _, p := range pts {
		x, y := r.to(p[0], p[1])
		r.px, r.py = append(r.px, float32(x)), append(r.py, float32(y))
		r.bx0, r.by0, r.bx1, r.by1 = min(r.bx0, x), min(r.by0, y), max(r.bx1, x), max(r.by1, y)
	}
	r.components = append(r.components, [2]int{start, len(r.px)})
}

// clockwise orders a polygon to wind clockwise on screen (y down).
func clockwise(pts [][2]float64) [][2]float64 {
	var area float64
	for i := range pts {
		j := (i + 1) % len(pts)
		area += pts[i][0]*pts[j][1] - pts[j][0]*pts[i][1]
	}
	if area < 0 {
		for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
			pts[i], pts[j] = pts[j], pts[i]
		}
	}
	return pts
}

func (r *renderer) disc(x, y, rad float64) { r.polygon(ellipse(x, y, rad, rad, false)) }

// capsule is a segment with round ends, of radius r0 at one end and r1
// at the other.
func (r *renderer) capsule(x0, y0, r0, x1, y1, r1 float64) {
	dx, dy := x1-x0, y1-y0
	l := math.Hypot(dx, dy)
	r.disc(x1, y1, r1)
	if l == 0 {
		return
	}
	nx, ny := -dy/l, dx/l
	r.polygon(clockwise([][2]float64{{x0 + nx*r0, y0 + ny*r0}, {x1 + nx*r1, y1 + ny*r1}, {x1 - nx*r1, y1 - ny*r1}, {x0 - nx*r0, y0 - ny*r0}}))
	r.disc(x0, y0, r0)
}

// stroke is a polyline with round ends whose width follows the points:
// a band of a quadrilateral per segment, a disc at each end and at
// sharp corners, and a wedge on the outer side of gentle ones (the band
// would show a notch there). Fewer corners than a disc at every point,
// which made a full page take five times as long.
func (r *renderer) stroke(ox, oy float64, pts []Point, radius func(Point) float64) {
	// points too close to tell apart add nothing but corners
	kept := pts[:0:0]
	for _, p := range pts {
		if n := len(kept); n > 0 && math.Abs(kept[n-1].X-p.X) < 0.25 && math.Abs(kept[n-1].Y-p.Y) < 0.25 {
			continue
		}
		kept = append(kept, p)
	}
	if len(kept) == 0 {
		return
	}
	first, last := kept[0], kept[len(kept)-1]
	r.disc(ox+first.X, oy+first.Y, radius(first))
	if len(kept) == 1 {
		return
	}
	r.disc(ox+last.X, oy+last.Y, radius(last))
	// one polygon: along the right side and back along the left, two
	// corners at each point (the ends of the segments' offsets: a bevel
	// on the outer side of a turn, a small loop inside the band on the
	// inner); every part of it winds the same way round, so where the
	// stroke crosses itself it counts once, and its discs with it
	n := len(kept)
	right := make([][2]float64, 0, 2*n)
	left := make([][2]float64, 0, 2*n)
	for i := 1; i < n; i++ {
		a, b := kept[i-1], kept[i]
		ra, rb := radius(a), radius(b)
		dx, dy := b.X-a.X, b.Y-a.Y
		l := math.Hypot(dx, dy)
		nx, ny := -dy/l, dx/l
		right = append(right, [2]float64{ox + a.X - nx*ra, oy + a.Y - ny*ra}, [2]float64{ox + b.X - nx*rb, oy + b.Y - ny*rb})
		left = append(left, [2]float64{ox + a.X + nx*ra, oy + a.Y + ny*ra}, [2]float64{ox + b.X + nx*rb, oy + b.Y + ny*rb})
		if i < n-1 {
			c := kept[i+1]
			ex, ey := c.X-b.X, c.Y-b.Y
			if (dx*ex+dy*ey)/(l*math.Hypot(ex, ey)) < 0.5 { // sharper than 60°: round it
				r.disc(ox+b.X, oy+b.Y, rb)
			}
		}
	}
	slices.Reverse(left)
	r.polygon(append(right, left...))
}

// ArrowHead is the length of an arrow's head for a line width.
func ArrowHead(width float64) float64 { return max(12, 4*width) }

func (r *renderer) arrowHead(x0, y0, x1, y1, width float64) {
	l := math.Hypot(x1-x0, y1-y0)
	if l == 0 {
		return
	}
	ux, uy := (x1-x0)/l, (y1-y0)/l
	h := ArrowHead(width)
	bx, by := x1-ux*h, y1-uy*h
	r.polygon(clockwise([][2]float64{{x1 + ux*width/2, y1 + uy*width/2}, {bx - uy*h/2, by + ux*h/2}, {bx + uy*h/2, by - ux*h/2}}))
}

// ellipse is a polygon of enough corners for its size (8 for a pen's
// dot, up to 96), clockwise, or the other way round for a hole.
func ellipse(cx, cy, rx, ry float64, hole bool) [][2]float64 {
	n := 8
	for n < 96 && float64(n) < (rx+ry)*1.5 {
		n *= 2
	}
	circle := unitCircle(n)
	pts := make([][2]float64, n)
	for i, c := range circle {
		if hole {
			c[1] = -c[1]
		}
		pts[i] = [2]float64{cx + rx*c[0], cy + ry*c[1]}
	}
	return pts
}

var circles sync.Map // n -> [][2]float64

// unitCircle is n points on the unit circle, computed once per n.
func unitCircle(n int) [][2]float64 {
	if c, ok := circles.Load(n); ok {
		return c.([][2]float64)
	}
	c := make([][2]float64, n)
	for i := range c {
		a := 2 * math.Pi * float64(i) / float64(n)
		c[i] = [2]float64{math.Cos(a), math.Sin(a)}
	}
	circles.Store(n, c)
	return c
}

// fill paints the shape begun with begin, rasterizing only its box.
func (r *renderer) fill(c color.NRGBA) {
	b := r.img.Bounds()
	box := image.Rect(int(math.Floor(r.bx0)), int(math.Floor(r.by0)), int(math.Ceil(r.bx1))+1, int(math.Ceil(r.by1))+1).Intersect(b)
	if box.Empty() || len(r.components) == 0 {
		return
	}
	r.z.Reset(box.Dx(), box.Dy())
	ox, oy := float32(box.Min.X), float32(box.Min.Y)
	for _, comp := range r.components {
		r.z.MoveTo(r.px[comp[0]]-ox, r.py[comp[0]]-oy)
		for i := comp[0] + 1; i < comp[1]; i++ {
			r.z.LineTo(r.px[i]-ox, r.py[i]-oy)
		}
		r.z.ClosePath()
	}
	r.z.Draw(r.img, box, image.NewUniform(c), image.Point{})
}

var goFont = sync.OnceValue(func() *opentype.Font {
	f, _ := opentype.Parse(goregular.TTF)
	return f
})

// face is the Go font at a size in pixels, made once per size and
// renderer (a face is not safe for use by several goroutines).
func (r *renderer) face(px float64) font.Face {
	px = math.Round(px*4) / 4
	if r.faces == nil {
		r.faces = map[float64]font.Face{}
	}
	f := r.faces[px]
	if f == nil {
		f, _ = opentype.NewFace(goFont(), &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
		r.faces[px] = f
	}
	return f
}

// text draws lines of text from the top left corner, wrapped at width
// (none when 0).
func (r *renderer) text(s string, x, y, width, size float64, c color.NRGBA) {
	if s == "" {
		return
	}
	f := r.face(size * r.scale)
	d := &font.Drawer{Dst: r.img, Src: image.NewUniform(c), Face: f}
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		lines = append(lines, wrap(d, para, width*r.scale)...)
	}
	px, py := r.to(x, y)
	ascent := f.Metrics().Ascent.Ceil()
	for i, l := range lines {
		d.Dot = fixed.P(int(px), int(py+float64(i)*size*LineHeight*r.scale)+ascent)
		d.DrawString(l)
	}
}

// wrap breaks a paragraph into lines no wider than max pixels (a word
// longer than that stands alone).
func wrap(d *font.Drawer, para string, max float64) []string {
	words := strings.Fields(para)
	if max <= 0 || len(words) == 0 {
		return []string{para}
	}
	var lines []string
	line := words[0]
	for _, w := range words[1:] {
		if float64(d.MeasureString(line+" "+w).Ceil()) > max {
			lines = append(lines, line)
			line = w
			continue
		}
		line += " " + w
	}
	return append(lines, line)
}

func (r *renderer) picture(id string, x, y, w, h float64) {
	px0, py0 := r.to(min(x, x+w), min(y, y+h))
	px1, py1 := r.to(max(x, x+w), max(y, y+h))
	box := image.Rect(int(px0), int(py0), int(px1), int(py1))
	var img image.Image
	if r.images != nil && id != "" {
		img, _ = r.images(id)
	}
	if img == nil {
		draw.Draw(r.img, box.Intersect(r.img.Bounds()), image.NewUniform(color.NRGBA{0xdd, 0xdd, 0xdd, 0xff}), image.Point{}, draw.Over)
		return
	}
	xdraw.ApproxBiLinear.Scale(r.img, box, img, img.Bounds(), draw.Over, nil)
}

// parseColor reads #rrggbb or #rrggbbaa (fallback when empty or bad).
func parseColor(s, fallback string) color.NRGBA {
	if !validColor(s, false) {
		s = fallback
	}
	var c color.NRGBA
	c.A = 0xff
	fmt.Sscanf(s[1:3], "%02x", &c.R)
	fmt.Sscanf(s[3:5], "%02x", &c.G)
	fmt.Sscanf(s[5:7], "%02x", &c.B)
	if len(s) == 9 {
		fmt.Sscanf(s[7:9], "%02x", &c.A)
	}
	return c
}
