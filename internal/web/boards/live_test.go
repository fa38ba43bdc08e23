package boards

import (
	"testing"

	"github.com/schulhof/schulhof/internal/board"
)

// TestMissingOperations: a node's copy of a drawing knows which of the
// log's operations it lacks (another node's, stored between its own): the
// bus fills them in, in any order; only those still missing are read from
// the log, and a copy that lacks too many is loaded again.
func TestMissingOperations(t *testing.T) {
	rect := func(seq int64, id string) *board.Op {
		page, x := "p1", float64(seq)
		return &board.Op{Op: "add", ID: id, Seq: seq, Kind: board.KindRect, Set: &board.Fields{Page: &page, X: &x}}
	}
	lb := &liveBoard{doc: board.New()}
	lb.applyLogged(rect(1, "a"))
	if len(lb.missing) != 0 {
		t.Fatalf("in order, nothing missing: %v", lb.missing)
	}
	// another node's 2 and 3 come after 4
	lb.applyLogged(rect(4, "d"))
	if len(lb.missing) != 2 || !lb.missing[2] || !lb.missing[3] {
		t.Fatalf("2 and 3 missing: %v", lb.missing)
	}
	lb.applyLogged(rect(3, "c"))
	lb.applyLogged(rect(4, "d")) // the node's own, back from the bus
	if len(lb.missing) != 1 || !lb.missing[2] {
		t.Fatalf("2 missing: %v", lb.missing)
	}
	lb.applyLogged(rect(2, "b"))
	if len(lb.missing) != 0 || lb.doc.Seq != 4 || len(lb.doc.Elements) != 4 {
		t.Fatalf("all there: missing %v, seq %d, %d elements", lb.missing, lb.doc.Seq, len(lb.doc.Elements))
	}
	// far ahead: loaded again rather than caught up
	lb.applyLogged(rect(5+maxMissing+1, "far")) // 5 to 5+maxMissing missing
	if lb.doc != nil || lb.missing != nil {
		t.Fatal("a copy lacking a thousand operations is kept")
	}
}
