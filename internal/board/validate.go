package board

import (
	"fmt"
	"math"
	"slices"
)

// Limits of one operation. The canvas is endless in principle; a
// coordinate beyond Reach is a client gone wrong.
const (
	Reach           = 1e6   // |x|, |y| of anything
	MaxSize         = 1e5   // |w|, |h|
	MaxWidth        = 200.0 // line width
	MaxText         = 5000  // characters of a text box or note
	MaxBatchPoints  = 500   // points in one batch
	MaxBatches      = 10000 // batches of one stroke
	MaxIDLength     = 64
	MaxPages        = 100
	MaxOpsPerSubmit = 200 // operations in one request or envelope
)

// Error says why an operation was refused. Reason names the i18n message
// "board.op.REASON" the web layer shows.
type Error struct {
	Reason string
	Field  string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("board operation: %s (%s)", e.Reason, e.Field)
	}
	return "board operation: " + e.Reason
}

// Reasons are all the reasons an operation is refused for.
var Reasons = []string{"bad_id", "bad_kind", "no_page", "bad_points", "empty", "bad_batch", "bad_op", "too_many_points",
	"bad_point", "bad_field", "bad_number", "bad_color", "text_too_long", "bad_background", "not_yours", "too_many_pages", "page_full",
	"exists", "unknown_element"}

func refuse(reason, field string) error {
	if !slices.Contains(Reasons, reason) {
		panic("board: a reason missing from Reasons: " + reason)
	}
	return &Error{Reason: reason, Field: field}
}

// Validate checks an operation a client sent, before the server orders
// it; it knows nothing of the board (see Check for that).
func Validate(op *Op) error {
	if !validID(op.ID) {
		return refuse("bad_id", "id")
	}
	switch op.Op {
	case "add":
		if !slices.Contains(kinds, op.Kind) {
			return refuse("bad_kind", "kind")
		}
		if op.Set == nil || op.Set.Page == nil {
			return refuse("no_page", "page")
		}
		if len(op.Points) > 0 && !op.Kind.Stroked() {
			return refuse("bad_points", "points")
		}
	case "set":
		if op.Set == nil {
			return refuse("empty", "set")
		}
	case "points":
		if len(op.Points) == 0 {
			return refuse("bad_points", "points")
		}
		// batch 0 comes with the add; sent again, it replaces the first
		// (a stroke resized sends all its batches anew)
		if op.Batch < 0 || op.Batch >= MaxBatches {
			return refuse("bad_batch", "batch")
		}
	case "page":
		if op.Set == nil {
			return refuse("empty", "set")
		}
	default:
		return refuse("bad_op", "op")
	}
	if op.Op != "add" && op.Kind != "" {
		return refuse("bad_kind", "kind")
	}
	if op.Op != "add" && op.Op != "points" && len(op.Points) > 0 {
		return refuse("bad_points", "points")
	}
	if len(op.Points) > MaxBatchPoints {
		return refuse("too_many_points", "points")
	}
	for _, p := range op.Points {
		if !within(p.X, Reach) || !within(p.Y, Reach) || !(p.P >= 0 && p.P <= 1) {
			return refuse("bad_point", "points")
		}
	}
	if op.Set != nil {
		if err := validFields(op.Op == "page", op.Set); err != nil {
			return err
		}
	}
	return nil
}

func validFields(page bool, f *Fields) error {
	elementOnly := f.Page != nil || f.X != nil || f.Y != nil || f.W != nil || f.H != nil || f.Color != nil ||
		f.Fill != nil || f.Width != nil || f.Text != nil || f.Z != nil
	if page && elementOnly || !page && (f.Order != nil || f.Background != nil) {
		return refuse("bad_field", "set")
	}
	for name, v := range map[string]*float64{"x": f.X, "y": f.Y, "z": f.Z, "order": f.Order} {
		if v != nil && !within(*v, Reach) {
			return refuse("bad_number", name)
		}
	}
	for name, v := range map[string]*float64{"w": f.W, "h": f.H} {
		if v != nil && !within(*v, MaxSize) {
			return refuse("bad_number", name)
		}
	}
	if f.Width != nil && !(*f.Width >= 0 && *f.Width <= MaxWidth) {
		return refuse("bad_number", "width")
	}
	if f.Page != nil && !validID(*f.Page) {
		return refuse("bad_id", "page")
	}
	if f.Image != nil && *f.Image != "" && !validID(*f.Image) {
		return refuse("bad_id", "image")
	}
	if f.Color != nil && !validColor(*f.Color, false) {
		return refuse("bad_color", "color")
	}
	if f.Fill != nil && !validColor(*f.Fill, true) {
		return refuse("bad_color", "fill")
	}
	if f.Text != nil && len([]rune(*f.Text)) > MaxText {
		return refuse("text_too_long", "text")
	}
	if f.Background != nil && !slices.Contains(backgrounds, *f.Background) {
		return refuse("bad_background", "background")
	}
	return nil
}

func within(v, limit float64) bool { return !math.IsNaN(v) && v >= -limit && v <= limit }

// validID: what clients name things with, e.g. "u12-k3f9-17".
func validID(s string) bool {
	if s == "" || len(s) > MaxIDLength {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// validColor: #rrggbb, or #rrggbbaa; a fill may be empty (none).
func validColor(s string, mayBeEmpty bool) bool {
	if s == "" {
		return mayBeEmpty
	}
	if len(s) != 7 && len(s) != 9 || s[0] != '#' {
		return false
	}
	for _, r := range s[1:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

// Check decides whether a valid operation may be applied to the board
// by its author. Leaders (the board's owner, the group's teachers)
// change anything; others add their own elements and change only those.
func (d *Doc) Check(op *Op, leader bool) error {
	if op.Op == "page" {
		if !leader {
			return refuse("not_yours", "page")
		}
		if d.Pages[op.ID] == nil && len(d.Pages) >= MaxPages {
			return refuse("too_many_pages", "page")
		}
		return nil
	}
	e := d.Elements[op.ID]
	if op.Op == "add" {
		if e != nil && e.Kind != "" {
			return refuse("exists", "id")
		}
		if p := d.Pages[*op.Set.Page]; p == nil || p.Deleted {
			return refuse("no_page", "page")
		}
		return d.checkCost(op, &Element{})
	}
	if e == nil || e.Kind == "" {
		return refuse("unknown_element", "id")
	}
	if !leader && e.Author != op.Author {
		return refuse("not_yours", "id")
	}
	if op.Op == "points" && !e.Kind.Stroked() {
		return refuse("bad_points", "points")
	}
	if op.Set != nil && op.Set.Page != nil {
		if p := d.Pages[*op.Set.Page]; p == nil || p.Deleted {
			return refuse("no_page", "page")
		}
	}
	return d.checkCost(op, e)
}

// checkCost refuses an operation that would make its page cost more than
// MaxPageCost to draw; what makes a page cheaper is always taken.
func (d *Doc) checkCost(op *Op, e *Element) error {
	after := *e // what the element would be: its cost's fields only
	switch op.Op {
	case "add":
		after.Kind, after.points = op.Kind, e.points+len(op.Points)-len(e.Batches[0])
		if e.points == 0 {
			after.box = box{1, 1, 0, 0}
		}
		after.box.add(op.Points)
	case "points":
		after.points += len(op.Points) - len(e.Batches[op.Batch])
		after.box.add(op.Points)
	}
	if f := op.Set; f != nil {
		for _, c := range []struct {
			to *float64
			v  *float64
		}{{&after.W, f.W}, {&after.H, f.H}, {&after.Width, f.Width}} {
			if c.v != nil {
				*c.to = *c.v
			}
		}
		if f.Page != nil {
			after.Page = *f.Page
		}
		if f.Text != nil {
			after.Text = *f.Text
		}
		if f.Deleted != nil {
			after.Deleted = *f.Deleted
		}
	}
	more := after.Cost()
	if after.Page == e.Page {
		more -= e.Cost()
	}
	if more > 0 && d.PageCost(after.Page)+more > MaxPageCost {
		return refuse("page_full", "page")
	}
	return nil
}
