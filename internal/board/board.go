// Package board is the whiteboard's document ("Tafel"): pages and the
// elements drawn on them, each with a stable id, changed only by
// operations.
//
// The server orders the operations of a board: each gets the next number
// of the board's log (its seq) in the transaction that stores it. Every
// field of a page or an element remembers the seq that set it last and
// takes a value only from a later one, and stroke points come in numbered
// batches that are kept by number. Applying operations is therefore
// order-free: a client that has seen the same operations, in whatever
// order they reached it (the log on joining, the live ones, its own
// echoes), shows the same board. The browser's board.js does the same
// in JavaScript; keep the two alike.
package board

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is what an element is.
type Kind string

// The kinds of elements. A pen or highlighter stroke is a polyline of
// points relative to X, Y; a line or arrow goes from X, Y to X+W, Y+H;
// the other kinds fill the box X, Y, W, H.
const (
	KindPen         Kind = "pen"
	KindHighlighter Kind = "highlighter"
	KindLine        Kind = "line"
	KindArrow       Kind = "arrow"
	KindRect        Kind = "rect"
	KindEllipse     Kind = "ellipse"
	KindText        Kind = "text"
	KindNote        Kind = "note" // sticky note ("Haftnotiz")
	KindImage       Kind = "image"
)

var kinds = []Kind{KindPen, KindHighlighter, KindLine, KindArrow, KindRect, KindEllipse, KindText, KindNote, KindImage}

// Stroked says whether the element is drawn as a polyline of points.
func (k Kind) Stroked() bool { return k == KindPen || k == KindHighlighter }

// Backgrounds of a page, the patterns German schools use.
const (
	BackgroundBlank   = "blank"
	BackgroundSquared = "squared" // kariert, 5 mm
	BackgroundLined   = "lined"   // liniert
	BackgroundStaves  = "staves"  // Notenlinien
)

var backgrounds = []string{BackgroundBlank, BackgroundSquared, BackgroundLined, BackgroundStaves}

// Point is a point of a stroke with the pen's pressure (0..1); in JSON a
// triple [x, y, pressure].
type Point struct{ X, Y, P float64 }

func (p Point) MarshalJSON() ([]byte, error) {
	return json.Marshal([3]float64{p.X, p.Y, p.P})
}

func (p *Point) UnmarshalJSON(b []byte) error {
	var a []float64
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	if len(a) < 2 || len(a) > 3 {
		return fmt.Errorf("a point is [x, y] or [x, y, pressure]")
	}
	p.X, p.Y, p.P = a[0], a[1], 0.5
	if len(a) == 3 {
		p.P = a[2]
	}
	return nil
}

// Page is a page of a board.
type Page struct {
	ID         string  `json:"id"`
	Order      float64 `json:"order"`
	Background string  `json:"background"`
	// Image is a file shown under the page (an image, or a PDF page
	// rendered to one), by the file's id.
	Image   string `json:"image,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
	// Stamps holds, per field, the seq of the operation that set it
	// (after the seq of the snapshot the page came from, see Doc.floor).
	Stamps map[string]int64 `json:"-"`
}

// Element is something drawn on a page.
type Element struct {
	ID     string  `json:"id"`
	Kind   Kind    `json:"kind,omitempty"` // empty until its "add" is seen
	Author int64   `json:"author,omitempty"`
	Page   string  `json:"page,omitempty"`
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	W      float64 `json:"w,omitempty"`
	H      float64 `json:"h,omitempty"`
	Color  string  `json:"color,omitempty"`
	Fill   string  `json:"fill,omitempty"`
	Width  float64 `json:"width,omitempty"`
	Text   string  `json:"text,omitempty"`
	Image  string  `json:"image,omitempty"` // a file's id
	Z      float64 `json:"z,omitempty"`
	// Deleted elements stay, so that undo can bring them back.
	Deleted bool `json:"deleted,omitempty"`
	// Batches are a stroke's points by batch number.
	Batches map[int]Points `json:"batches,omitempty"`
	// Added is the seq of its add: what was added later lies on top.
	Added  int64            `json:"added,omitempty"`
	Stamps map[string]int64 `json:"-"`
	// points counts the points of all batches, and box is the box they
	// span (from X, Y; it only grows): for its cost
	points int
	box    box
}

// box is a span of points: x0, y0, x1, y1 (empty while x0 > x1).
type box [4]float64

func (b *box) add(pts []Point) {
	for _, p := range pts {
		if b[0] > b[2] {
			*b = box{p.X, p.Y, p.X, p.Y}
			continue
		}
		b[0], b[1], b[2], b[3] = min(b[0], p.X), min(b[1], p.Y), max(b[2], p.X), max(b[3], p.Y)
	}
}

func (b box) area(margin float64) float64 {
	if b[0] > b[2] {
		return 0
	}
	return (b[2] - b[0] + margin) * (b[3] - b[1] + margin)
}

// Visible says whether the element is drawn: added and not deleted.
func (e *Element) Visible() bool { return e.Kind != "" && !e.Deleted }

// Points are the stroke's points in batch order.
func (e *Element) Points() []Point {
	keys := make([]int, 0, len(e.Batches))
	for k := range e.Batches {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var pts []Point
	for _, k := range keys {
		pts = append(pts, e.Batches[k]...)
	}
	return pts
}

// Doc is a whole board.
type Doc struct {
	// Seq is the highest seq applied: what a snapshot holds.
	Seq int64 `json:"seq"`
	// floor is the seq of the snapshot the board was loaded from: every
	// field counts as set by it. A snapshot is the log up to its seq, so
	// operations at or before it are in, and those after it win; the
	// fields' stamps are only needed among these and are not kept.
	floor    int64
	Pages    map[string]*Page    `json:"pages"`
	Elements map[string]*Element `json:"elements"`
	// cost is what drawing each page costs (PageCost), kept up to date
	// by Apply once asked for
	cost map[string]int
}

// Floor is the seq of the snapshot the board was loaded from (0 for one
// built from the whole log).
func (d *Doc) Floor() int64 { return d.floor }

// New is an empty board with one blank page.
func New() *Doc {
	d := &Doc{Pages: map[string]*Page{}, Elements: map[string]*Element{}}
	d.Pages["p1"] = &Page{ID: "p1", Order: 1, Background: BackgroundBlank, Stamps: map[string]int64{}}
	return d
}

// Op is an operation, as clients send it and the log keeps it.
type Op struct {
	// Op is add, set (change an element's fields), points (a batch of a
	// stroke's points) or page (add or change a page).
	Op     string  `json:"op"`
	ID     string  `json:"id"` // of the element or page
	Kind   Kind    `json:"kind,omitempty"`
	Set    *Fields `json:"set,omitempty"`
	Batch  int     `json:"batch,omitempty"`
	Points []Point `json:"points,omitempty"`
	// Seq and Author are the server's: the place in the board's log and
	// the user who sent it.
	Seq    int64 `json:"seq,omitempty"`
	Author int64 `json:"author,omitempty"`
}

// Fields are the fields an operation sets; absent ones stay.
type Fields struct {
	Page       *string  `json:"page,omitempty"`
	X          *float64 `json:"x,omitempty"`
	Y          *float64 `json:"y,omitempty"`
	W          *float64 `json:"w,omitempty"`
	H          *float64 `json:"h,omitempty"`
	Color      *string  `json:"color,omitempty"`
	Fill       *string  `json:"fill,omitempty"`
	Width      *float64 `json:"width,omitempty"`
	Text       *string  `json:"text,omitempty"`
	Image      *string  `json:"image,omitempty"`
	Z          *float64 `json:"z,omitempty"`
	Deleted    *bool    `json:"deleted,omitempty"`
	Order      *float64 `json:"order,omitempty"`      // pages
	Background *string  `json:"background,omitempty"` // pages
}

// Apply applies a valid operation (see Validate) whose Seq the server
// has set. Applying one twice changes nothing.
func (d *Doc) Apply(op *Op) {
	d.Seq = max(d.Seq, op.Seq)
	if op.Op == "page" {
		p := d.Pages[op.ID]
		if p == nil {
			p = &Page{ID: op.ID, Background: BackgroundBlank, Stamps: map[string]int64{}}
			d.Pages[op.ID] = p
		}
		if f := op.Set; f != nil {
			setField(p.Stamps, d.floor, "order", op.Seq, &p.Order, f.Order)
			setField(p.Stamps, d.floor, "background", op.Seq, &p.Background, f.Background)
			setField(p.Stamps, d.floor, "image", op.Seq, &p.Image, f.Image)
			setField(p.Stamps, d.floor, "deleted", op.Seq, &p.Deleted, f.Deleted)
		}
		return
	}
	e := d.Elements[op.ID]
	if e == nil {
		e = &Element{ID: op.ID, Stamps: map[string]int64{}}
		d.Elements[op.ID] = e
	}
	if d.cost != nil {
		d.cost[e.Page] -= e.Cost()
		defer func() { d.cost[e.Page] += e.Cost() }()
	}
	switch op.Op {
	case "add":
		kind, author := op.Kind, op.Author
		setField(e.Stamps, d.floor, "kind", op.Seq, &e.Kind, &kind)
		setField(e.Stamps, d.floor, "author", op.Seq, &e.Author, &author)
		seq := op.Seq
		setField(e.Stamps, d.floor, "added", op.Seq, &e.Added, &seq)
		if len(op.Points) > 0 {
			e.addBatch(0, op.Seq, d.floor, op.Points)
		}
	case "points":
		e.addBatch(op.Batch, op.Seq, d.floor, op.Points)
	}
	if f := op.Set; f != nil {
		setField(e.Stamps, d.floor, "page", op.Seq, &e.Page, f.Page)
		setField(e.Stamps, d.floor, "x", op.Seq, &e.X, f.X)
		setField(e.Stamps, d.floor, "y", op.Seq, &e.Y, f.Y)
		setField(e.Stamps, d.floor, "w", op.Seq, &e.W, f.W)
		setField(e.Stamps, d.floor, "h", op.Seq, &e.H, f.H)
		setField(e.Stamps, d.floor, "color", op.Seq, &e.Color, f.Color)
		setField(e.Stamps, d.floor, "fill", op.Seq, &e.Fill, f.Fill)
		setField(e.Stamps, d.floor, "width", op.Seq, &e.Width, f.Width)
		setField(e.Stamps, d.floor, "text", op.Seq, &e.Text, f.Text)
		setField(e.Stamps, d.floor, "image", op.Seq, &e.Image, f.Image)
		setField(e.Stamps, d.floor, "z", op.Seq, &e.Z, f.Z)
		setField(e.Stamps, d.floor, "deleted", op.Seq, &e.Deleted, f.Deleted)
	}
}

// setField sets a field from an operation later than the one that set it.
func setField[T any](stamps map[string]int64, floor int64, name string, seq int64, field *T, v *T) {
	if v == nil || max(stamps[name], floor) >= seq {
		return
	}
	stamps[name] = seq
	*field = *v
}

func (e *Element) addBatch(n int, seq, floor int64, pts []Point) {
	key := "b" + strconv.Itoa(n)
	if max(e.Stamps[key], floor) >= seq {
		return
	}
	e.Stamps[key] = seq
	if e.Batches == nil {
		e.Batches = map[int]Points{}
	}
	e.points += len(pts) - len(e.Batches[n])
	if e.Batches[n] == nil && e.points == len(pts) {
		e.box = box{1, 1, 0, 0}
	}
	e.box.add(pts)
	e.Batches[n] = slices.Clone(pts)
}

// PageList is the board's pages in order, without deleted ones.
func (d *Doc) PageList() []*Page {
	var ps []*Page
	for _, p := range d.Pages {
		if !p.Deleted {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b *Page) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.ID, b.ID))
	})
	return ps
}

// PageElements is what is drawn on a page, bottom first: by Z, then in
// the order they were added.
func (d *Doc) PageElements(page string) []*Element {
	var es []*Element
	for _, e := range d.Elements {
		if e.Visible() && e.Page == page {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b *Element) int {
		return cmp.Or(cmp.Compare(a.Z, b.Z), cmp.Compare(a.Added, b.Added), cmp.Compare(a.ID, b.ID))
	})
	return es
}

// Bounds is the box an element covers, with half its line width.
func (e *Element) Bounds() (x0, y0, x1, y1 float64) {
	if e.Kind.Stroked() {
		x0, y0, x1, y1 = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, p := range e.Points() {
			x0, y0 = min(x0, e.X+p.X), min(y0, e.Y+p.Y)
			x1, y1 = max(x1, e.X+p.X), max(y1, e.Y+p.Y)
		}
		if math.IsInf(x0, 1) {
			return e.X, e.Y, e.X, e.Y
		}
	} else if e.Kind == KindText {
		// a text's box is its lines: estimated from the characters (the
		// browser measures them; exports take the sheet at least)
		size := TextSize(e.Width)
		lines, longest := 0, 0
		for _, l := range strings.Split(e.Text, "\n") {
			n := utf8.RuneCountInString(l)
			lines, longest = lines+1, max(longest, n)
			if e.W > 0 {
				lines += int(float64(n) * size * 0.55 / e.W)
			}
		}
		w := e.W
		if w <= 0 {
			w = float64(longest) * size * 0.55
		}
		return e.X, e.Y, e.X + w, e.Y + float64(lines)*size*LineHeight
	} else {
		x0, x1 = min(e.X, e.X+e.W), max(e.X, e.X+e.W)
		y0, y1 = min(e.Y, e.Y+e.H), max(e.Y, e.Y+e.H)
	}
	m := e.Width / 2
	return x0 - m, y0 - m, x1 + m, y1 + m
}

// Clone is a deep copy (a stroke's batches of points are shared: they
// are replaced, never changed).
func (d *Doc) Clone() *Doc {
	c := &Doc{Seq: d.Seq, floor: d.floor, Pages: make(map[string]*Page, len(d.Pages)), Elements: make(map[string]*Element, len(d.Elements)),
		cost: maps.Clone(d.cost)}
	for id, p := range d.Pages {
		cp := *p
		cp.Stamps = maps.Clone(p.Stamps)
		c.Pages[id] = &cp
	}
	for id, e := range d.Elements {
		ce := *e
		ce.Stamps = maps.Clone(e.Stamps)
		ce.Batches = maps.Clone(e.Batches)
		c.Elements[id] = &ce
	}
	return c
}

// Load reads a snapshot (a Doc as JSON).
func Load(b []byte) (*Doc, error) {
	d := &Doc{}
	if err := json.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("board snapshot: %w", err)
	}
	d.floor = d.Seq
	if d.Pages == nil {
		d.Pages = map[string]*Page{}
	}
	if d.Elements == nil {
		d.Elements = map[string]*Element{}
	}
	for _, p := range d.Pages {
		if p.Stamps == nil {
			p.Stamps = map[string]int64{}
		}
	}
	for _, e := range d.Elements {
		if e.Stamps == nil {
			e.Stamps = map[string]int64{}
		}
		e.box = box{1, 1, 0, 0}
		for _, b := range e.Batches {
			e.points += len(b)
			e.box.add(b)
		}
	}
	return d, nil
}

// What drawing a page costs, in units of about a microsecond of one core
// when it is exported for print (PDF: twice the screen's scale), as
// measured by BenchmarkFullPage: an element; a point of a stroke; a
// character of text; and the pixels an element's box covers, which is
// what filling a shape or a stroke and scaling a picture take (the
// rasterizer walks a stroke's whole box). A page is kept under
// MaxPageCost, so that an export of it stays within two seconds, however
// many draw on it.
const (
	MaxPageCost = 2_000_000
	costElement = 20
	costPoint   = 4
	costChar    = 12
	// per 1,000 pixels: shapes and strokes, pictures
	costShapePixels   = 10
	costPicturePixels = 37
	// an export is at most MaxExportSide² pixels, whatever the box
	maxCostPixels = MaxExportSide * MaxExportSide
)

// Cost is what drawing the element costs (0 when it is not drawn).
func (e *Element) Cost() int {
	if !e.Visible() {
		return 0
	}
	var area float64
	switch {
	case e.Kind.Stroked():
		area = e.box.area(e.Width + 2)
	case e.Kind != KindText:
		area = math.Abs(e.W*e.H) + (math.Abs(e.W)+math.Abs(e.H))*e.Width
	}
	pixels := int(min(4*area, maxCostPixels)) // at the PDF's scale of 2
	perK := costShapePixels
	if e.Kind == KindImage {
		perK = costPicturePixels
	}
	return costElement + costPoint*e.points + costChar*len(e.Text) + pixels/1000*perK
}

// PageCost is what drawing the page costs.
func (d *Doc) PageCost(page string) int {
	if d.cost == nil {
		d.cost = map[string]int{}
		for _, e := range d.Elements {
			d.cost[e.Page] += e.Cost()
		}
	}
	return d.cost[page]
}
