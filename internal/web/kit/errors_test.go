package kit

import (
	"testing"
	"time"
)

// TestErrorCounter: failed requests count per school for 24 hours.
func TestErrorCounter(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	c := NewErrorCounter(func() time.Time { return now })
	c.Add(1)
	c.Add(1)
	c.Add(2)
	now = now.Add(23 * time.Hour)
	c.Add(1)
	if n := c.Last24h(1); n != 3 {
		t.Fatalf("school 1 after 23 h: %d", n)
	}
	now = now.Add(2 * time.Hour) // the first hour's two have gone
	if n, m := c.Last24h(1), c.Last24h(2); n != 1 || m != 0 {
		t.Fatalf("after 25 h: %d %d", n, m)
	}
	if n := c.Last24h(3); n != 0 {
		t.Fatalf("a school without errors: %d", n)
	}
}
