package board

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
)

// Points are a batch of a stroke's points. In a board's snapshot, and
// the board as a client loads it, they are a string: x and y in tenths
// and the pressure in hundredths, each as the difference to the point
// before, zigzag varints, base64. A lesson's board has hundreds of
// thousands of points; as [x, y, p] triples it was 29 MiB for 20,000
// elements, which no late joiner waits for. Operations carry them as
// triples; either form is read.
type Points []Point

// The steps points are rounded to (see Op.Normalize).
const (
	pointStep    = 0.1
	pressureStep = 0.01
)

func (ps Points) MarshalJSON() ([]byte, error) {
	buf := make([]byte, 0, len(ps)*4)
	var x, y, p int64
	for _, pt := range ps {
		nx, ny, np := int64(math.Round(pt.X/pointStep)), int64(math.Round(pt.Y/pointStep)), int64(math.Round(pt.P/pressureStep))
		buf = binary.AppendVarint(buf, nx-x)
		buf = binary.AppendVarint(buf, ny-y)
		buf = binary.AppendVarint(buf, np-p)
		x, y, p = nx, ny, np
	}
	return json.Marshal(base64.StdEncoding.EncodeToString(buf))
}

func (ps *Points) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, (*[]Point)(ps))
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("points: %w", err)
	}
	var x, y, p int64
	out := make(Points, 0, len(raw)/3)
	for len(raw) > 0 {
		var d [3]int64
		for i := range d {
			v, n := binary.Varint(raw)
			if n <= 0 {
				return fmt.Errorf("points: broken at %d", len(out))
			}
			d[i], raw = v, raw[n:]
		}
		x, y, p = x+d[0], y+d[1], p+d[2]
		out = append(out, Point{X: float64(x) * pointStep, Y: float64(y) * pointStep, P: float64(p) * pressureStep})
	}
	*ps = out
	return nil
}

// Normalize rounds what an operation places to the steps the board keeps
// (a tenth of a unit, a hundredth of pressure), so that every client and
// every snapshot hold the same numbers.
func (op *Op) Normalize() {
	for i, p := range op.Points {
		op.Points[i] = Point{X: roundTo(p.X, pointStep), Y: roundTo(p.Y, pointStep), P: roundTo(p.P, pressureStep)}
	}
	if f := op.Set; f != nil {
		for _, v := range []*float64{f.X, f.Y, f.W, f.H, f.Width, f.Z, f.Order} {
			if v != nil {
				*v = roundTo(*v, pointStep/10)
			}
		}
	}
}

func roundTo(v, step float64) float64 {
	return math.Round(v/step) / (1 / step)
}
